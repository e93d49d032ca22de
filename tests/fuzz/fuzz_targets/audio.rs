//! The audio reader: `wav::parse_header` on arbitrary bytes and sizes, and `pack::collect` on a
//! ZIP made of the bytes (plus one made of a valid entry holding the bytes). Nothing may panic,
//! and a header that parses must not claim more audio than the file holds.

#![no_main]

use bulk::pack::{collect, SafetyRules};
use bulk::wav::parse_header;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    if let Ok(f) = parse_header(data, len) {
        assert!(
            f.data_bytes <= len,
            "{} audio bytes in a {len}-byte file",
            f.data_bytes
        );
        assert!(f.duration_secs.is_finite() && f.duration_secs >= 0.0);
    }
    // A file size that disagrees with the bytes at hand (a lying length).
    for claimed in [0, len / 2, len.saturating_add(1), u64::MAX] {
        let _ = parse_header(data, claimed);
    }

    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.zip");
    std::fs::write(&raw, data).unwrap();
    let rules = SafetyRules {
        max_total_bytes: 1 << 24,
        ..SafetyRules::default()
    };
    let _ = collect(&raw, &rules);

    let wrapped = dir.path().join("wrapped.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&wrapped).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("prompt.wav", opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap();
    if let Ok(c) = collect(&wrapped, &rules) {
        assert!(c.items.len() + c.problems.len() + c.skipped.len() >= 1);
    }
});
