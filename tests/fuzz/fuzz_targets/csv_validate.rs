//! The CSV validator: `check_in_memory` (the service's path) and the streaming pieces `validate`
//! is built from (`Scanner` + `Fields::split`), on arbitrary bytes. Neither may panic, and the
//! scanner must find the same records whatever its block size.

#![no_main]

use bulk::input::record::Fields;
use bulk::input::scan::{RecordPos, Scanner};
use bulk::schema::registry;
use libfuzzer_sys::fuzz_target;

fn records(data: &[u8], block: usize, max: usize) -> Vec<(RecordPos, Vec<u8>)> {
    let mut s = Scanner::new(data, block, max);
    let mut out = Vec::new();
    while let Some(b) = s.next_block().expect("reading a slice never fails") {
        for r in &b.records {
            out.push((*r, b.data[r.start..r.end].to_vec()));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let user = registry().get("user").expect("the user type");
    if let Ok(file) = bulk::validate::check_in_memory(user, data) {
        for r in &file.rows {
            assert!(r.line >= 2, "a data row on line {}", r.line);
        }
    }

    let big = records(data, 1 << 16, 1 << 20);
    let small = records(data, 64, 1 << 20);
    let tight = records(data, 64, 100);
    // `start`/`end` are positions in a block, so they depend on the block size; the rest may not.
    let place = |v: &[(RecordPos, Vec<u8>)]| -> Vec<_> {
        v.iter()
            .map(|(r, b)| {
                (
                    r.line,
                    r.lines,
                    r.len,
                    r.offset,
                    r.oversized,
                    r.unclosed,
                    b.clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        place(&big),
        place(&small),
        "the block size changed the records"
    );
    assert_eq!(
        big.len(),
        tight.len(),
        "oversized records were lost or invented"
    );
    let mut last_line = 0;
    let mut fields = Fields::default();
    for ((pos, bytes), (tpos, _)) in big.iter().zip(&tight) {
        assert!(pos.line > last_line, "lines go backwards");
        last_line = pos.line + pos.lines - 1;
        let o = pos.offset as usize;
        assert_eq!(
            &data[o..o + bytes.len()],
            &bytes[..],
            "offset points elsewhere"
        );
        assert_eq!(
            (tpos.line, tpos.len, tpos.offset),
            (pos.line, pos.len, pos.offset)
        );
        assert_eq!(tpos.oversized, pos.len > 100);
        for delim in [b',', b';', b'\t'] {
            if fields.split(bytes, delim).is_ok() {
                for i in 0..fields.len() {
                    let _ = fields.get_str(bytes, i, std::str::from_utf8(bytes).is_ok());
                }
            }
        }
        let _ = bulk::input::record::lenient_fields(bytes, b',');
    }
});
