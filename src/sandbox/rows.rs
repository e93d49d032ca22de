//! Reading an uploaded CSV into checked rows, with the very rules of `bulk validate`
//! (`validate::check_in_memory`), in the shape the job processor stores.

use crate::schema::{self, ObjectType};
use crate::validate;

/// An uploaded CSV after schema checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedFile {
    /// The header as uploaded (without `Line` / `Error Message`).
    pub header: Vec<String>,
    pub rows: Vec<CheckedRow>,
}

/// One data row of the upload.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedRow {
    /// Physical line in the uploaded file where the row starts; the header is line 1.
    pub line: u64,
    /// The row's values, one per header column.
    pub fields: Vec<String>,
    /// Schema problems; empty if the row is fine.
    pub errors: Vec<String>,
    /// Index of the object this row belongs to: consecutive rows with the same identity of a
    /// multi-row type share it.
    pub group: usize,
}

/// Reads and checks a whole CSV of `object` with the rules of `bulk validate`. `Err` is a
/// file-level problem (unreadable file, unknown, duplicate or missing columns). (The worker
/// checks a part at a time with [`CsvCheck`].)
#[cfg(test)]
pub(crate) fn check_csv(object: &'static ObjectType, data: &[u8]) -> Result<CheckedFile, String> {
    let mut check = CsvCheck::new(object, data)?;
    let rows = check.next_rows(usize::MAX);
    Ok(CheckedFile {
        header: check.header,
        rows,
    })
}

/// [`check_csv`] a part at a time ([`validate::MemoryCheck`]): the header when the file is
/// read, then its rows in order, as the whole file's check gives them.
pub(crate) struct CsvCheck {
    check: validate::MemoryCheck,
    header: Vec<String>,
}

impl CsvCheck {
    pub fn new(object: &'static ObjectType, data: &[u8]) -> Result<Self, String> {
        let check = validate::MemoryCheck::new(object, data)?;
        // The rest of the service stores values under the schema's own column names.
        let header = check
            .header()
            .iter()
            .map(|h| {
                let norm = schema::normalize_header(h);
                object
                    .columns
                    .iter()
                    .find(|c| schema::normalize_header(&c.name) == norm)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| h.trim().to_string())
            })
            .collect();
        Ok(CsvCheck { check, header })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Data rows not checked yet.
    pub fn remaining(&self) -> usize {
        self.check.remaining()
    }

    /// The next `n` rows, checked (see [`validate::MemoryCheck::next_rows`] for multi-row
    /// objects).
    pub fn next_rows(&mut self, n: usize) -> Vec<CheckedRow> {
        self.check
            .next_rows(n)
            .into_iter()
            .map(|r| CheckedRow {
                line: r.line,
                fields: r.fields,
                errors: r.issues.into_iter().map(|i| i.message).collect(),
                group: r.group,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(id: &str) -> &'static ObjectType {
        schema::registry().get(id).unwrap()
    }

    #[test]
    fn header_is_matched_case_insensitively_and_error_columns_ignored() {
        let f = check_csv(
            ty("site"),
            b" NAME ,MULTIMEDIA PROFILE,Line,Error Message\nBerlin,Blended,2,x\n",
        )
        .unwrap();
        assert_eq!(f.header, ["Name", "Multimedia Profile"]);
        assert_eq!(f.rows[0].fields, ["Berlin", "Blended"]);
        assert_eq!(f.rows[0].line, 2);
        assert!(f.rows[0].errors.is_empty());
    }

    #[test]
    fn missing_required_column_is_a_file_problem() {
        let e = check_csv(ty("site"), b"Name\nBerlin\n").unwrap_err();
        assert!(e.contains("Multimedia Profile"), "{e}");
        assert!(check_csv(ty("site"), b"").is_err());
        assert!(check_csv(ty("site"), b"Name,Colour,Multimedia Profile\n").is_err());
    }

    #[test]
    fn rows_get_schema_errors_and_lines_count_physical_lines() {
        let f = check_csv(
            ty("team"),
            b"Name,Site,Type,Capacity\n\"A\nB\",Berlin,AGENT,\nT2,Berlin,CAPACITY,zero\n",
        )
        .unwrap();
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[1].line, 4);
        assert!(!f.rows[0].errors.is_empty(), "line break in a name");
        assert_eq!(f.rows[1].errors.len(), 2, "{:?}", f.rows[1].errors);
    }

    #[test]
    fn a_file_checked_a_part_at_a_time_gives_the_rows_of_the_whole_check() {
        let data = "\u{feff}Name,Site,Type,Capacity\n\
            T1,Berlin,AGENT,\n\
            \"T\n2\",Berlin,AGENT,\n\
            T3,Berlin,CAPACITY,zero\n\
            T4,Berlin,AGENT\n\
            t1,Berlin,AGENT,\n\
            T6,Berlin,AGENT,\n\
            T6,Berlin,AGENT,\n";
        let whole = check_csv(ty("team"), data.as_bytes()).unwrap();
        assert_eq!(whole.rows.len(), 7);
        for first in 1..=7 {
            let mut check = CsvCheck::new(ty("team"), data.as_bytes()).unwrap();
            assert_eq!(check.header(), whole.header);
            assert_eq!(check.remaining(), 7);
            let mut rows = check.next_rows(first);
            assert_eq!(check.remaining(), 7 - first);
            rows.extend(check.next_rows(2));
            rows.extend(check.next_rows(usize::MAX));
            assert_eq!(check.remaining(), 0);
            assert!(check.next_rows(1).is_empty());
            assert_eq!(rows, whole.rows, "first part of {first} rows");
        }
        // What the whole check finds: a bad value, a short row, and duplicates of rows before.
        let errors: Vec<usize> = whole.rows.iter().map(|r| r.errors.len()).collect();
        assert_eq!(errors, [0, 1, 2, 1, 1, 0, 1], "{:?}", whole.rows);
        assert!(
            whole.rows[4].errors[0].contains("line 2"),
            "{:?}",
            whole.rows[4]
        );
        assert!(
            whole.rows[6].errors[0].contains("line 8"),
            "{:?}",
            whole.rows[6]
        );
    }

    #[test]
    fn consecutive_rows_of_one_multi_row_object_share_a_group() {
        let f = check_csv(
            ty("skill-profile"),
            b"Name,Skill Name,Skill Value\nP1,S1,1\np1,S2,2\nP2,S1,3\nP1,S3,4\n",
        )
        .unwrap();
        let groups: Vec<usize> = f.rows.iter().map(|r| r.group).collect();
        assert_eq!(groups, [0, 0, 1, 2]);
    }
}
