//! CSV fixtures: built from the binary's own `--example` templates (`Csv`), and read back
//! (`parse_csv`, `csv_rows`).

use super::workdir::Workdir;

/// A CSV under construction: a header and rows of string cells.
#[derive(Debug, Clone)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The template's example row (for building more rows).
    pub example: Vec<String>,
}

/// Parses CSV bytes into records of strings (flexible widths).
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    r.records()
        .map(|rec| {
            rec.expect("parses as CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Encodes records as CSV with CRLF line ends, quoting only when needed.
pub fn encode_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("write record");
    }
    w.into_inner().expect("flush")
}

/// The header and example row of `object_type`, from `bulk template TYPE --example`.
pub fn template(object_type: &str) -> (Vec<String>, Vec<String>) {
    let wd = Workdir::new();
    let out = wd.run(&["template", object_type, "--example"]);
    out.ok();
    let recs = parse_csv(&out.stdout_bytes);
    if recs.len() != 2 {
        out.fail("a template with --example has a header and one row");
    }
    (recs[0].clone(), recs[1].clone())
}

/// A CSV of `object_type`: the template's header and `rows` copies of its example row.
pub fn csv_of(object_type: &str, rows: usize) -> Csv {
    let (header, example) = template(object_type);
    Csv {
        rows: vec![example.clone(); rows],
        header,
        example,
    }
}

impl Csv {
    /// 1-based position of a column in the header (case-insensitive).
    #[track_caller]
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.header))
            + 1
    }

    /// Sets `column` of data row `row` (0-based) to `value`.
    #[track_caller]
    pub fn set(&mut self, row: usize, column: &str, value: &str) -> &mut Self {
        let c = self.col(column) - 1;
        self.rows[row][c] = value.to_string();
        self
    }

    /// The physical line of data row `row` (0-based) when no record spans several lines.
    pub fn line(row: usize) -> u64 {
        row as u64 + 2
    }

    /// Appends a copy of the example row with some columns changed.
    #[track_caller]
    pub fn push_example(&mut self, changes: &[(&str, &str)]) -> &mut Self {
        self.rows.push(self.example.clone());
        let last = self.rows.len() - 1;
        for (c, v) in changes {
            self.set(last, c, v);
        }
        self
    }

    /// Appends a raw row.
    pub fn push(&mut self, row: &[&str]) -> &mut Self {
        self.rows.push(row.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Makes every row's `column` unique by appending the row number (for identity columns).
    pub fn uniquify(&mut self, column: &str) -> &mut Self {
        let c = self.col(column) - 1;
        for (i, r) in self.rows.iter_mut().enumerate() {
            let v = &r[c];
            r[c] = match v.split_once('@') {
                Some((local, domain)) => format!("{local}{i}@{domain}"),
                None => format!("{v} N{i}"),
            };
        }
        self
    }

    /// The file's bytes: CRLF line ends, minimal quoting.
    pub fn bytes(&self) -> Vec<u8> {
        let mut all = vec![self.header.clone()];
        all.extend(self.rows.iter().cloned());
        encode_csv(&all)
    }

    /// The file's bytes with LF line ends (no cell may hold a line break).
    pub fn bytes_lf(&self) -> Vec<u8> {
        let b = self.bytes();
        String::from_utf8(b)
            .expect("UTF-8")
            .replace("\r\n", "\n")
            .into_bytes()
    }
}

/// Rows of a CSV text (header first), every record as wide as the header (or a panic).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}
