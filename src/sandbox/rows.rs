//! A small stand-in for the shared validator: reads an uploaded CSV into checked rows.
//!
//! The sandbox must check rows with the same rules as `bulk validate`; until `crate::validate`
//! lands, this shim does a simple version. Only `check_csv` is used by the rest of the service,
//! so re-pointing it at the shared validator is a one-function change.

use crate::schema::{self, Condition, Kind, ObjectType, ERROR_CSV_COLUMNS};

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

/// Reads and checks a whole CSV of `object`. `Err` is a file-level problem (bad header).
pub(crate) fn check_csv(object: &ObjectType, data: &[u8]) -> Result<CheckedFile, String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut records = rdr.byte_records();
    let head = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(format!("the header cannot be read: {e}")),
        None => return Err("the file is empty: it has no header row".into()),
    };
    // Which registry column each header cell is; None for ignored error-CSV columns.
    let mut header = Vec::new();
    let mut keep = Vec::new();
    for cell in head.iter() {
        let name = String::from_utf8_lossy(cell);
        let norm = schema::normalize_header(&name);
        if ERROR_CSV_COLUMNS
            .iter()
            .any(|c| schema::normalize_header(c) == norm)
        {
            keep.push(false);
            continue;
        }
        let Some(col) = object
            .columns
            .iter()
            .find(|c| schema::normalize_header(&c.name) == norm)
        else {
            return Err(format!(
                "column \"{}\" is not a column of {} (expected: {})",
                name.trim(),
                object.display_name,
                object.header().join(", ")
            ));
        };
        if header.contains(&col.name) {
            return Err(format!("column \"{}\" appears twice", col.name));
        }
        header.push(col.name.clone());
        keep.push(true);
    }
    for c in object.columns.iter().filter(|c| c.required) {
        if !header.contains(&c.name) {
            return Err(format!(
                "the header lacks the required column \"{}\"",
                c.name
            ));
        }
    }

    let ident_idx: Vec<usize> = object
        .identity
        .iter()
        .filter_map(|id| header.iter().position(|h| h.eq_ignore_ascii_case(id)))
        .collect();
    let mut rows: Vec<CheckedRow> = Vec::new();
    let mut last_key: Option<String> = None;
    for rec in records {
        let rec = rec.map_err(|e| format!("the file is not valid CSV: {e}"))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        let mut errors = Vec::new();
        let cells: Vec<&[u8]> = rec
            .iter()
            .zip(keep.iter())
            .filter(|(_, k)| **k)
            .map(|(f, _)| f)
            .collect();
        if rec.len() != keep.len() {
            errors.push(format!(
                "the row has {} values but the header has {} columns",
                rec.len(),
                keep.len()
            ));
        }
        let mut fields: Vec<String> = Vec::with_capacity(header.len());
        for (i, c) in cells.iter().enumerate().take(header.len()) {
            match std::str::from_utf8(c) {
                Ok(s) => fields.push(s.trim().to_string()),
                Err(_) => {
                    errors.push(format!("column \"{}\": the value is not UTF-8", header[i]));
                    fields.push(String::from_utf8_lossy(c).trim().to_string());
                }
            }
        }
        fields.resize(header.len(), String::new());
        check_row(object, &header, &fields, &mut errors);
        let group = if object.is_multi_row() {
            let key = ident_idx
                .iter()
                .map(|&i| fields[i].to_lowercase())
                .collect::<Vec<_>>()
                .join("\u{1f}");
            let same = last_key.as_deref() == Some(key.as_str());
            last_key = Some(key);
            match rows.last() {
                Some(prev) if same => prev.group,
                Some(prev) => prev.group + 1,
                None => 0,
            }
        } else {
            rows.len()
        };
        rows.push(CheckedRow {
            line,
            fields,
            errors,
            group,
        });
    }
    Ok(CheckedFile { header, rows })
}

fn check_row(object: &ObjectType, header: &[String], fields: &[String], errors: &mut Vec<String>) {
    let value = |name: &str| -> &str {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .map(|i| fields[i].as_str())
            .unwrap_or("")
    };
    for col in &object.columns {
        let v = value(&col.name);
        if v.is_empty() {
            let required = col.required
                || match &col.required_if {
                    Some(Condition::Equals { column, equals }) => {
                        let other = value(column);
                        equals.iter().any(|e| e.eq_ignore_ascii_case(other))
                    }
                    Some(Condition::AnySet { any_set }) => {
                        any_set.iter().any(|c| !value(c).is_empty())
                    }
                    None => false,
                };
            if required {
                errors.push(format!("column \"{}\": a value is required", col.name));
            }
            continue;
        }
        if let Some(max) = col.max_len {
            if v.chars().count() > max {
                errors.push(format!(
                    "column \"{}\": \"{v}\" is longer than {max} characters",
                    col.name
                ));
            }
        }
        if !col.multiline && v.contains(['\n', '\r']) {
            errors.push(format!(
                "column \"{}\": the value holds a line break",
                col.name
            ));
        }
        let ok = match col.kind {
            Kind::Integer => match v.parse::<i64>() {
                Ok(n) => col.min.map_or(true, |m| n >= m) && col.max.map_or(true, |m| n <= m),
                Err(_) => false,
            },
            Kind::Enum | Kind::Boolean => {
                col.values.iter().any(|a| a.eq_ignore_ascii_case(v))
                    || col
                        .value_aliases
                        .values()
                        .flatten()
                        .any(|a| a.eq_ignore_ascii_case(v))
            }
            Kind::Email => {
                let mut parts = v.splitn(2, '@');
                let (l, d) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                !l.is_empty() && d.contains('.') && !v.contains(char::is_whitespace)
            }
            Kind::Timezone => schema::timezones().binary_search(&v).is_ok(),
            Kind::Phone => {
                let digits = v.strip_prefix('+').unwrap_or(v);
                v.len() <= 20
                    && !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '-' || c == '.')
            }
            _ => true,
        };
        if !ok {
            errors.push(format!(
                "column \"{}\": \"{v}\" is not a valid {}",
                col.name,
                kind_name(col.kind)
            ));
        }
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Integer => "number in range",
        Kind::Enum | Kind::Boolean => "value (see the template's allowed values)",
        Kind::Email => "email address",
        Kind::Timezone => "time-zone id such as America/New_York",
        Kind::Phone => "dial number such as +14085550100",
        _ => "value",
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
