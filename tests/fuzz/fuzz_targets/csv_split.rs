//! The splitter: arbitrary bytes as a file, opened (sniffed, maybe normalised) and split with
//! small limits. Either it fails cleanly, writing no chunk, or the chunks' rows put back
//! together are exactly the input's records, each chunk within both limits.

#![no_main]

use bulk::chunk::{split, SplitSettings};
use bulk::input::scan::Scanner;
use bulk::input::{open, InputOptions};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

const MAX_ROWS: u64 = 3;
const MAX_BYTES: u64 = 256;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, data).unwrap();
    // The first byte picks the dialect, as `--delimiter` would.
    let opts = match data.first() {
        Some(b) if b % 4 == 1 => InputOptions::resolve(None, Some(";")).unwrap(),
        Some(b) if b % 4 == 2 => InputOptions::resolve(Some("windows-1252"), None).unwrap(),
        _ => InputOptions::default(),
    };
    let Ok(source) = open(&input, &opts) else {
        return;
    };
    let mut text = Vec::new();
    source.open().unwrap().read_to_end(&mut text).unwrap();
    let out = dir.path().join("out");
    let settings = SplitSettings {
        max_rows: MAX_ROWS,
        max_bytes: MAX_BYTES,
        out_dir: Some(out.clone()),
        stem: "in".into(),
        block_size: 64,
    };
    let result = split(&source, Some("site"), None, &settings, &|_| {});
    let manifest = match result {
        Ok(m) => m,
        Err(_) => {
            let left: Vec<_> = std::fs::read_dir(&out)
                .map(|d| d.map(|e| e.unwrap().file_name()).collect())
                .unwrap_or_default();
            assert!(left.is_empty(), "a failed split left {left:?}");
            return;
        }
    };

    // The input's records, as the scanner sees them.
    let mut s = Scanner::new(&text[..], 1 << 20, 1 << 30);
    let mut recs: Vec<Vec<u8>> = Vec::new();
    while let Some(b) = s.next_block().unwrap() {
        for r in &b.records {
            recs.push(b.data[r.start..r.end].to_vec());
        }
    }
    let want: Vec<u8> = recs.iter().skip(1).flatten().copied().collect();
    let mut header = recs[0].clone();
    if !header.ends_with(b"\n") {
        header.extend_from_slice(b"\r\n");
    }
    let mut got = Vec::new();
    let mut rows = 0;
    for c in &manifest.chunks {
        let bytes = std::fs::read(out.join(&c.file)).unwrap();
        assert!(bytes.starts_with(&header), "{} lacks the header", c.file);
        assert!(
            bytes.len() as u64 <= MAX_BYTES,
            "{} is {} bytes",
            c.file,
            bytes.len()
        );
        assert_eq!(
            bytes.len() as u64,
            c.bytes,
            "{} size in the manifest",
            c.file
        );
        assert!(
            c.rows >= 1 && c.rows <= MAX_ROWS,
            "{} has {} rows",
            c.file,
            c.rows
        );
        rows += c.rows;
        got.extend_from_slice(&bytes[header.len()..]);
    }
    assert_eq!(rows, manifest.rows);
    assert_eq!(rows as usize, recs.len() - 1, "rows lost or invented");
    assert!(
        got == want,
        "the chunks' rows differ from the input's records"
    );
});
