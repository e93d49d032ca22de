//! What `bulk export` does to a downloaded file: join a ZIP of CSVs into one CSV with one
//! header (`--merge`), and guard cells a spreadsheet would run as formulas (`--excel-safe`).
//! Pure functions over bytes.

use anyhow::Context as _;
use std::borrow::Cow;
use std::io::{Read, Write};

/// Whether a spreadsheet would read the cell as a formula (or smuggle one behind a tab or CR),
/// or the cell already begins with a guard (`'=`): guarded again, it comes back exactly as it
/// was when the guard is removed on import.
fn looks_like_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) || crate::input::unguard(cell).len() != cell.len()
}

/// The CSV with every formula-looking data cell prefixed by `'`; the header stays as it is.
pub fn excel_safe(csv_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_bytes);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(csv_bytes.len() + 64));
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    while reader
        .read_byte_record(&mut record)
        .context("the exported CSV cannot be read")?
    {
        if first {
            writer.write_byte_record(&record)?;
            first = false;
            continue;
        }
        writer.write_record(record.iter().map(|cell| -> Cow<'_, [u8]> {
            if looks_like_formula(cell) {
                let mut v = Vec::with_capacity(cell.len() + 1);
                v.push(b'\'');
                v.extend_from_slice(cell);
                Cow::Owned(v)
            } else {
                Cow::Borrowed(cell)
            }
        }))?;
    }
    writer.into_inner().context("cannot finish the CSV")
}

/// The CSV entries of a ZIP, in archive order: (name, bytes).
fn csv_entries(zip_bytes: &[u8]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .context("the exported ZIP cannot be read")?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i)?;
        if !f.is_file() || !f.name().to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let mut data = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut data)
            .with_context(|| format!("cannot read {} in the exported ZIP", f.name()))?;
        out.push((f.name().to_string(), data));
    }
    Ok(out)
}

pub fn count_csv_entries(zip_bytes: &[u8]) -> anyhow::Result<usize> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .context("the exported ZIP cannot be read")?;
    Ok(archive
        .file_names()
        .filter(|n| n.to_ascii_lowercase().ends_with(".csv"))
        .count())
}

/// The same ZIP with each CSV made excel-safe.
pub fn excel_safe_zip(zip_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in csv_entries(zip_bytes)? {
        w.start_file(name, zip::write::SimpleFileOptions::default())?;
        w.write_all(&excel_safe(&data)?)?;
    }
    Ok(w.finish()?.into_inner())
}

/// Byte offset just past the header record (its line end included).
fn header_end(data: &[u8]) -> anyhow::Result<(usize, csv::ByteRecord)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut header = csv::ByteRecord::new();
    reader.read_byte_record(&mut header)?;
    Ok((reader.position().byte() as usize, header))
}

/// Joins the CSVs of a ZIP into one CSV: the first file whole, then the records of the others
/// byte for byte, without their header. Returns the CSV and how many files it joined.
pub fn merge_zip(zip_bytes: &[u8]) -> anyhow::Result<(Vec<u8>, usize)> {
    let entries = csv_entries(zip_bytes)?;
    let mut out = Vec::with_capacity(zip_bytes.len() * 2);
    let mut first_header: Option<csv::ByteRecord> = None;
    for (name, data) in &entries {
        let (end, header) = header_end(data)?;
        match &first_header {
            None => {
                out.extend_from_slice(data);
                first_header = Some(header);
            }
            Some(h) if *h == header => {
                if !out.is_empty() && !out.ends_with(b"\n") {
                    out.extend_from_slice(b"\n");
                }
                out.extend_from_slice(&data[end.min(data.len())..]);
            }
            Some(_) => anyhow::bail!(
                "cannot merge the export: {name} has a different header from the first file; use it without --merge"
            ),
        }
    }
    if entries.is_empty() {
        anyhow::bail!("the exported ZIP holds no CSV file");
    }
    Ok((out, entries.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, d) in files {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(d.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn formula_cells_get_a_quote_and_nothing_else_changes() {
        let input = "NAME,NOTE\n=SUM(A1),plain\n+1,-2\n@x,\"\tx\"\nok,\"a,b\"\n";
        let out = String::from_utf8(excel_safe(input.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            out,
            "NAME,NOTE\n'=SUM(A1),plain\n'+1,'-2\n'@x,'\tx\nok,\"a,b\"\n"
        );
    }

    /// Issue 11, item 6: a value that already begins with a guard is guarded again, so that
    /// removing one guard on import gives back exactly the exported value.
    #[test]
    fn a_guarded_looking_value_survives_the_round_trip() {
        let out = excel_safe(b"NAME,NOTE\n'=x,O'Brien\n").unwrap();
        assert_eq!(out, b"NAME,NOTE\n''=x,O'Brien\n");
        assert_eq!(crate::input::unguard(b"''=x"), b"'=x");
    }

    #[test]
    fn merge_keeps_one_header_and_every_record_byte_for_byte() {
        let z = zip_of(&[
            ("u_1.csv", "A,B\n1,\"x\ny\"\n2,z\n"),
            ("u_2.csv", "A,B\n3,w"),
            ("u_3.csv", "A,B\n4,v\n"),
        ]);
        let (m, n) = merge_zip(&z).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(m).unwrap(),
            "A,B\n1,\"x\ny\"\n2,z\n3,w\n4,v\n"
        );
    }

    #[test]
    fn merge_refuses_different_headers() {
        let z = zip_of(&[("a.csv", "A,B\n1,2\n"), ("b.csv", "A,C\n1,2\n")]);
        assert!(merge_zip(&z).unwrap_err().to_string().contains("b.csv"));
    }
}
