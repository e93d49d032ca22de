//! Validation cut into many small blocks checked on several threads reports exactly what one
//! block on one thread reports: the same rows, lines, columns and messages, in the same order.

use crate::harness::Workdir;
use bulk::input::{open, InputOptions};
use bulk::validate::{validate, BadRecord, IssueKind, Report, Settings};

/// A users file of `rows` valid rows (CRLF, as Excel writes), then the given edits: `(line,
/// record)` replaces the record on that physical line's row.
fn users(rows: usize, edits: &[(usize, &str)]) -> Vec<u8> {
    let mut records: Vec<String> = (0..rows)
        .map(|i| {
            format!(
                "agent{i}@example.com,Standard Agent,On,Austin-TX,\"Billing T1|Zürich Support\",\"Tech L2, Networking\",Agent-Default v2.1,Blended-Realtime,E{i},+1512555{:04}",
                i % 10_000
            )
        })
        .collect();
    for (row, rec) in edits {
        records[*row] = rec.to_string();
    }
    let mut out = "Email,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Desktop Profile,Multimedia Profile,External Id,Default DN\r\n".to_string();
    for r in records {
        out.push_str(&r);
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn run(bytes: &[u8], block_size: usize, threads: usize) -> (Report, Vec<BadRecord>) {
    let settings = Settings {
        block_size,
        threads,
        ..Settings::default()
    };
    run_with(bytes, &settings)
}

fn run_with(bytes: &[u8], settings: &Settings) -> (Report, Vec<BadRecord>) {
    let wd = Workdir::new();
    let path = wd.write("users.csv", bytes);
    let source = open(&path, &InputOptions::default()).unwrap();
    let user = bulk::schema::registry().get("user").unwrap();
    let v = validate(&source, user, "--type", settings, &|_| {}).unwrap();
    let bad = v.bad_records().unwrap().map(Result::unwrap).collect();
    (v.report, bad)
}

/// Every block size and thread count gives what one block on one thread gives.
fn same_in_every_cut(bytes: &[u8]) -> (Report, Vec<BadRecord>) {
    let (want, want_bad) = run(bytes, 1 << 20, 1);
    for block_size in [64, 97, 256, 1000, 4096] {
        for threads in [1, 2, 3] {
            let (got, got_bad) = run(bytes, block_size, threads);
            assert_eq!(got_bad, want_bad, "block {block_size}, {threads} threads");
            assert_eq!(
                (
                    got.rows,
                    got.objects,
                    got.invalid_rows,
                    got.issues,
                    got.bytes
                ),
                (
                    want.rows,
                    want.objects,
                    want.invalid_rows,
                    want.issues,
                    want.bytes
                ),
                "block {block_size}, {threads} threads"
            );
            assert_eq!(got.by_kind, want.by_kind);
            assert_eq!(got.warnings, want.warnings);
        }
    }
    (want, want_bad)
}

/// An error far into the file (in a late block) is reported on its own physical line and
/// column, counted after a quoted value with line breaks that straddles block boundaries.
#[test]
fn errors_in_later_blocks_keep_their_line_and_column() {
    let bytes = users(
        60,
        &[
            (
                10,
                "multi10@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,\"first\nsecond\nthird\",",
            ),
            (
                50,
                "bad@,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E50,+15125550050",
            ),
            (
                55,
                "agent55@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E55,+0123",
            ),
        ],
    );
    let (report, bad) = same_in_every_cut(&bytes);
    assert_eq!(report.rows, 60);
    // Row 10 is on line 12 and spans three lines, so row 50 is on line 54, row 55 on line 59.
    let at: Vec<(u64, Option<usize>, IssueKind)> = bad
        .iter()
        .flat_map(|b| b.issues.iter().map(|i| (i.line, i.column, i.kind)))
        .collect();
    assert_eq!(
        at,
        [
            (12, Some(9), IssueKind::LineBreak),
            (54, Some(1), IssueKind::InvalidEmail),
            (59, Some(10), IssueKind::InvalidPhone),
        ]
    );
    assert_eq!(bad[0].fields[8], "first\nsecond\nthird");
    assert_eq!(report.invalid_rows, 3);
}

/// Two rows with the same address in different blocks are duplicates, whatever the cut.
#[test]
fn duplicates_across_blocks_are_found() {
    let bytes = users(
        80,
        &[(
            70,
            "AGENT3@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E70,",
        )],
    );
    let (report, bad) = same_in_every_cut(&bytes);
    assert_eq!(report.by_kind.get(&IssueKind::DuplicateIdentity), Some(&1));
    let dup: Vec<u64> = bad
        .iter()
        .filter(|b| {
            b.issues
                .iter()
                .any(|i| i.kind == IssueKind::DuplicateIdentity)
        })
        .map(|b| b.line)
        .collect();
    assert_eq!(dup, [72]);
    assert!(bad[0].message().contains("line 5"), "{}", bad[0].message());
}

/// Past its budget the duplicate index keeps only each identity's hash and record offset, on
/// disk; the duplicates' lines are found again from the offsets. Behind a BOM, a record that
/// spans three lines and a blank line, they are the lines an index in memory reports.
#[test]
fn duplicates_found_on_disk_are_on_their_lines() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(users(
        80,
        &[
            (
                10,
                "agent10@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,\"first\nsecond\nthird\",",
            ),
            (
                20,
                "\r\nagent20@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E20,",
            ),
            (
                30,
                "AGENT3@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E30,",
            ),
            (
                60,
                "\"agent40@example.com\",Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E60,",
            ),
        ],
    ));
    let in_memory = run_with(&bytes, &Settings::default());
    let on_disk = run_with(
        &bytes,
        &Settings {
            dup_budget: 16,
            block_size: 97,
            threads: 2,
            ..Settings::default()
        },
    );
    assert_eq!(on_disk.1, in_memory.1);
    let dups: Vec<(u64, String)> = on_disk
        .1
        .iter()
        .filter(|b| {
            b.issues
                .iter()
                .any(|i| i.kind == IssueKind::DuplicateIdentity)
        })
        .map(|b| (b.line, b.fields[0].clone()))
        .collect();
    // Header on line 1, row r on line r + 2; row 10 spans 3 lines, a blank line precedes row 20.
    assert_eq!(
        dups,
        [
            (35, "AGENT3@example.com".to_string()),
            (65, "agent40@example.com".to_string())
        ]
    );
    let messages: Vec<String> = on_disk.1.iter().map(|b| b.message()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("already defined on line 5")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("already defined on line 45")),
        "{messages:?}"
    );
}

/// A file pasted after itself three times: every row of the later copies is a duplicate of
/// the first copy's row, on its own line, whether the index stays in memory or spills. A
/// duplicate with another problem too is one invalid row with two problems.
#[test]
fn a_file_repeated_has_every_later_row_a_duplicate() {
    let once = users(40, &[]);
    let header_end = once.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let bad_phone = users(
        40,
        &[(
            5,
            "agent5@example.com,Standard Agent,On,Austin-TX,,,Agent-Default v2.1,,E5,+1abc",
        )],
    );
    let mut bytes = once.clone();
    bytes.extend_from_slice(&bad_phone[header_end..]);
    bytes.extend_from_slice(&once[header_end..]);
    for dup_budget in [16, 1 << 17] {
        let settings = Settings {
            dup_budget,
            ..Settings::default()
        };
        let (report, bad) = run_with(&bytes, &settings);
        assert_eq!(
            (report.invalid_rows, report.issues),
            (80, 81),
            "budget {dup_budget}"
        );
        assert_eq!(bad[5].line, 47);
        assert_eq!(bad[5].issues.len(), 2, "{:?}", bad[5].issues);
        let want: Vec<(u64, String)> = (1..3u64)
            .flat_map(|copy| {
                (0..40u64).map(move |i| {
                    (
                        2 + copy * 40 + i,
                        format!("is already defined on line {}", 2 + i),
                    )
                })
            })
            .collect();
        let got: Vec<(u64, String)> = bad
            .iter()
            .map(|b| {
                let m = b.message();
                let at = m.find("is already").unwrap_or(0);
                let end = m[at..].find(';').map_or(m.len(), |e| at + e);
                (b.line, m[at..end].to_string())
            })
            .collect();
        assert_eq!(got, want, "budget {dup_budget}");
    }
}

/// A file without problems is valid in every cut, with its non-ASCII and quoted values.
#[test]
fn a_valid_file_is_valid_in_every_cut() {
    let (report, bad) = same_in_every_cut(&users(200, &[]));
    assert!(bad.is_empty(), "{bad:?}");
    assert!(report.is_valid());
    assert_eq!((report.rows, report.objects), (200, 200));
}
