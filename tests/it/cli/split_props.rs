//! Property tests of the CSV splitter through the library: for random CSVs with quotes, commas,
//! CRLF/LF line ends and embedded newlines, the chunks put back together equal the input, each
//! chunk parses, starts with the header and respects both limits, and multi-row objects stay whole.

use bulk::chunk::{split, Manifest, SplitError, SplitSettings};
use bulk::input::{open, InputOptions};
use bulk::schema::{registry, Identity};
use proptest::prelude::*;

const HEADER: [&str; 5] = ["Name", "Description", "Skill Name", "Skill Value", "Delete"];

/// One cell: plain text, commas, quotes, spaces and line breaks of either kind.
fn cell() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-z0-9]{1,6}",
            1 => Just(",".to_string()),
            1 => Just("\"".to_string()),
            1 => Just(" ".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("\r\n".to_string()),
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

/// Encodes a record: values quoted when they need it, then `eol`.
fn encode(fields: &[String], eol: &str) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    format!("{}{eol}", cells.join(","))
}

/// A CSV: header, then records (name, other cells, CRLF or LF); maybe no final line end.
#[derive(Debug, Clone)]
struct Input {
    text: String,
    /// Records as parsed values, header excluded.
    records: Vec<Vec<String>>,
    header_len: usize,
    /// Encoded length of each record, line end included.
    lens: Vec<usize>,
}

fn build(rows: Vec<(String, Vec<String>, bool)>, crlf_header: bool, final_eol: bool) -> Input {
    let header: Vec<String> = HEADER.iter().map(|s| s.to_string()).collect();
    let mut text = encode(&header, if crlf_header { "\r\n" } else { "\n" });
    let header_len = text.len();
    let mut records = Vec::new();
    let mut lens = Vec::new();
    let n = rows.len();
    for (i, (name, rest, crlf)) in rows.into_iter().enumerate() {
        let mut fields = vec![name];
        fields.extend(rest);
        let eol = match (i + 1 == n && !final_eol, crlf) {
            (true, _) => "",
            (false, true) => "\r\n",
            (false, false) => "\n",
        };
        let rec = encode(&fields, eol);
        lens.push(rec.len());
        text.push_str(&rec);
        records.push(fields);
    }
    Input {
        text,
        records,
        header_len,
        lens,
    }
}

type Row = (String, Vec<String>, bool);

fn rows(names: impl Strategy<Value = String>) -> impl Strategy<Value = Row> {
    (names, prop::collection::vec(cell(), 4), any::<bool>())
}

fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    r.records()
        .map(|rec| {
            rec.expect("a chunk parses")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

type Split = Result<(Manifest, Vec<Vec<u8>>), SplitError>;

/// Splits `input` in a fresh directory; returns the manifest and each chunk's bytes.
fn run(
    input: &Input,
    grouped: bool,
    max_rows: u64,
    max_bytes: u64,
    block_size: usize,
) -> (tempfile::TempDir, Split) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skill-profiles.csv");
    std::fs::write(&path, &input.text).unwrap();
    let source = open(&path, &InputOptions::default()).expect("opens");
    let object = registry().get("skill-profile").unwrap();
    let header: Vec<String> = HEADER.iter().map(|s| s.to_string()).collect();
    let identity = Identity::locate(object, &header);
    let out = dir.path().join("out");
    let settings = SplitSettings {
        max_rows,
        max_bytes,
        out_dir: Some(out.clone()),
        stem: "skill-profiles".into(),
        block_size,
    };
    let result = split(
        &source,
        Some("skill-profile"),
        grouped.then_some(&identity),
        &settings,
        &|_| {},
    )
    .map(|m| {
        let chunks = m
            .chunks
            .iter()
            .map(|c| std::fs::read(out.join(&c.file)).expect("the chunk exists"))
            .collect();
        (m, chunks)
    });
    (dir, result)
}

/// The invariants of every successful split; returns each chunk's data records.
fn check(
    input: &Input,
    manifest: &Manifest,
    chunks: &[Vec<u8>],
    max_rows: u64,
    max_bytes: u64,
) -> Result<Vec<Vec<Vec<String>>>, TestCaseError> {
    let header = &input.text.as_bytes()[..input.header_len];
    let mut all = Vec::new();
    let mut body = Vec::new();
    let mut per = Vec::new();
    prop_assert_eq!(manifest.chunks.len(), chunks.len());
    for (c, bytes) in manifest.chunks.iter().zip(chunks) {
        prop_assert!(
            bytes.starts_with(header),
            "{} starts with the header",
            c.file
        );
        prop_assert!(
            bytes.len() as u64 <= max_bytes,
            "{}: {} bytes",
            c.file,
            bytes.len()
        );
        let mut recs = parse(bytes);
        let head = recs.remove(0);
        prop_assert_eq!(
            &head,
            &HEADER.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        );
        prop_assert!(!recs.is_empty());
        prop_assert!(
            recs.len() as u64 <= max_rows,
            "{}: {} rows",
            c.file,
            recs.len()
        );
        prop_assert_eq!(c.rows, recs.len() as u64);
        prop_assert_eq!(c.bytes, bytes.len() as u64);
        all.extend(recs.iter().cloned());
        body.extend_from_slice(&bytes[header.len()..]);
        per.push(recs);
    }
    prop_assert_eq!(
        &all,
        &input.records,
        "records put back together equal the input's"
    );
    prop_assert!(
        body == input.text.as_bytes()[input.header_len..],
        "chunk bodies are the input's bytes"
    );
    Ok(per)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn chunks_put_back_together_equal_the_input(
        rows in prop::collection::vec(rows("[A-Za-z][a-z]{0,5}"), 1..40),
        crlf_header in any::<bool>(),
        final_eol in any::<bool>(),
        max_rows in 1u64..7,
        slack in 0u64..300,
        block_size in prop_oneof![Just(64usize), Just(100), Just(4096)],
    ) {
        let input = build(rows, crlf_header, final_eol);
        let biggest = *input.lens.iter().max().unwrap() as u64;
        let max_bytes = input.header_len as u64 + biggest + slack;
        let (_dir, result) = run(&input, false, max_rows, max_bytes, block_size);
        let (manifest, chunks) = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&input, &manifest, &chunks, max_rows, max_bytes)?;
        prop_assert_eq!(manifest.rows, input.records.len() as u64);
    }

    #[test]
    fn a_record_over_max_bytes_fails_naming_its_line_and_writes_nothing(
        rows in prop::collection::vec(rows("[A-Za-z][a-z]{0,5}"), 1..20),
        short in 1u64..20,
    ) {
        let input = build(rows, true, true);
        let biggest = *input.lens.iter().max().unwrap() as u64;
        // The header itself always fits: a header over the limit is its own case (line 1,
        // `a_header_over_max_bytes_is_line_1` below). Without this floor a short record and a
        // large `short` made that case here by chance (a flaky failure seen in issue 10's runs).
        let max_bytes = (input.header_len as u64 + biggest)
            .saturating_sub(short)
            .max(input.header_len as u64 + 1);
        let (dir, result) = run(&input, false, 100, max_bytes, 128);
        let first_too_big = input
            .lens
            .iter()
            .position(|&l| (input.header_len + l) as u64 > max_bytes)
            .unwrap();
        match result {
            Err(SplitError::RecordTooBig { line, .. }) => {
                // the physical line of that record: line breaks before it, plus one
                let before: usize = input.lens[..first_too_big].iter().sum();
                let text = &input.text[..input.header_len + before];
                prop_assert_eq!(line, text.matches('\n').count() as u64 + 1);
            }
            other => prop_assert!(
                false,
                "expected RecordTooBig, got {:?}",
                other.map(|m| m.0.chunks.len())
            ),
        }
        let out = dir.path().join("out");
        let left: Vec<_> = std::fs::read_dir(&out)
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        prop_assert!(left.is_empty(), "nothing written: {:?}", left);
    }

    #[test]
    fn multi_row_objects_stay_whole(
        groups in prop::collection::vec((0usize..4, 1usize..5), 1..15),
        rest in prop::collection::vec(rows(Just(String::new())), 60),
        max_rows in 4u64..9,
        slack in 0u64..400,
        block_size in prop_oneof![Just(64usize), Just(4096)],
    ) {
        // consecutive groups of one of four names; a name may come back after another
        let names = ["Alpha", "Beta", "Gamma", "Delta"];
        let mut rows = Vec::new();
        let mut group_of = Vec::new();
        let mut rest = rest.into_iter().cycle();
        let mut prev: Option<usize> = None;
        let mut g = 0;
        for (name, n) in groups {
            if prev == Some(name) {
                // the same name right after itself: one object
                g -= 1;
            }
            for _ in 0..n {
                let (_, cells, crlf) = rest.next().unwrap();
                rows.push((names[name].to_string(), cells, crlf));
                group_of.push(g);
            }
            prev = Some(name);
            g += 1;
        }
        let input = build(rows, true, true);
        // the rows and bytes of each object, so that every one fits alone
        let mut sizes = vec![0u64; g];
        let mut counts = vec![0u64; g];
        for (i, &k) in group_of.iter().enumerate() {
            sizes[k] += input.lens[i] as u64;
            counts[k] += 1;
        }
        let max_rows = max_rows.max(*counts.iter().max().unwrap());
        let max_bytes = input.header_len as u64 + sizes.iter().max().unwrap() + slack;
        let (_dir, result) = run(&input, true, max_rows, max_bytes, block_size);
        let (manifest, chunks) = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let per = check(&input, &manifest, &chunks, max_rows, max_bytes)?;
        let mut chunk_of_group = vec![None; g];
        let mut i = 0;
        for (k, recs) in per.iter().enumerate() {
            for _ in recs {
                let grp = group_of[i];
                match chunk_of_group[grp] {
                    None => chunk_of_group[grp] = Some(k),
                    Some(other) => prop_assert_eq!(other, k, "object {} straddles chunks", grp),
                }
                i += 1;
            }
        }
    }
}

/// A header longer than `max_bytes` leaves room for no record: the split fails naming line 1
/// (the header) and writes nothing.
#[test]
fn a_header_over_max_bytes_is_line_1() {
    let input = build(
        vec![("a".to_string(), vec![String::new(); 4], false)],
        true,
        true,
    );
    let max_bytes = input.header_len as u64 - 1;
    let (dir, result) = run(&input, false, 100, max_bytes, 128);
    match result {
        Err(SplitError::RecordTooBig { line, .. }) => assert_eq!(line, 1),
        other => panic!(
            "expected RecordTooBig, got {:?}",
            other.map(|m| m.0.chunks.len())
        ),
    }
    assert!(
        !dir.path().join("out").exists()
            || std::fs::read_dir(dir.path().join("out"))
                .unwrap()
                .next()
                .is_none()
    );
}
