//! `bulk split`: CSV chunks (limits, names, manifest, multi-row objects, byte-exact copies) and
//! audio packs (directories and ZIPs of WAV files, with their safety checks).

use crate::harness::{
    csv_of, encode_csv, fixture, parse_csv, pcm_wav, user_csv, zip_of, Csv, Out, Workdir,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// A record of the input: the physical line it starts on, its values.
#[derive(Debug, Clone, PartialEq)]
struct Rec {
    line: u64,
    fields: Vec<String>,
}

/// The data records of a CSV with their starting lines (the header dropped), found with a
/// quote-aware scan of the bytes; blank lines are not records.
fn records(bytes: &[u8]) -> Vec<Rec> {
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut start = 0usize;
    let mut start_line = 1u64;
    let mut in_quotes = false;
    let push = |from: usize, to: usize, at: u64, out: &mut Vec<Rec>| {
        let raw = &bytes[from..to];
        if raw.iter().all(|&b| b == b'\r' || b == b'\n') {
            return;
        }
        let parsed = parse_csv(raw);
        assert_eq!(
            parsed.len(),
            1,
            "one record at line {at}: {:?}",
            String::from_utf8_lossy(raw)
        );
        out.push(Rec {
            line: at,
            fields: parsed.into_iter().next().unwrap(),
        });
    };
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' => {
                line += 1;
                if !in_quotes {
                    push(start, i + 1, start_line, &mut out);
                    start = i + 1;
                    start_line = line;
                }
            }
            _ => {}
        }
    }
    if start < bytes.len() {
        push(start, bytes.len(), start_line, &mut out);
    }
    out.remove(0);
    out
}

/// The bytes of the header line, line end included.
fn header_bytes(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line")
        + 1;
    &bytes[..end]
}

/// The chunk files of `dir` (sorted by name) with their bytes; the manifest apart.
fn chunks(wd: &Workdir, dir: &str) -> (Vec<(String, Vec<u8>)>, serde_json::Value) {
    let mut files = Vec::new();
    let mut manifest = None;
    for name in wd.list(dir) {
        let bytes = wd.read(&format!("{dir}/{name}"));
        if name.ends_with(".manifest.json") {
            assert!(manifest.is_none(), "one manifest");
            manifest = Some(serde_json::from_slice(&bytes).expect("manifest is JSON"));
        } else {
            files.push((name, bytes));
        }
    }
    (
        files,
        manifest.unwrap_or_else(|| panic!("no manifest in {dir}")),
    )
}

/// Every (chunk row -> input line) of a manifest, expanded from its runs.
fn manifest_lines(chunk: &serde_json::Value) -> Vec<u64> {
    let mut out = Vec::new();
    for run in chunk["row_lines"].as_array().expect("row_lines") {
        let first = run[0].as_u64().unwrap();
        let n = run[1].as_u64().unwrap();
        out.extend(first..first + n);
    }
    out
}

/// Parses `stem.part-NNN.lines-A-B.csv`.
fn parse_chunk_name(stem: &str, name: &str) -> Option<(u64, u64, u64)> {
    let rest = name.strip_prefix(stem)?.strip_prefix(".part-")?;
    let (num, rest) = rest.split_once(".lines-")?;
    let (range, ext) = rest.split_once('.')?;
    if ext != "csv" || num.len() < 3 {
        return None;
    }
    let (a, b) = range.split_once('-')?;
    Some((num.parse().ok()?, a.parse().ok()?, b.parse().ok()?))
}

/// Checks the invariants every split must keep, and returns each chunk's records.
#[track_caller]
fn check_split(
    input: &[u8],
    stem: &str,
    files: &[(String, Vec<u8>)],
    manifest: &serde_json::Value,
    max_rows: usize,
    max_bytes: usize,
) -> Vec<Vec<Rec>> {
    let header = header_bytes(input);
    let want = records(input);
    let mut got = Vec::new();
    let m_chunks = manifest["chunks"].as_array().expect("chunks");
    assert_eq!(m_chunks.len(), files.len(), "manifest lists every chunk");
    let mut per_chunk = Vec::new();
    for (k, ((name, bytes), m)) in files.iter().zip(m_chunks).enumerate() {
        assert!(bytes.starts_with(header), "{name} starts with the header");
        assert!(
            bytes.len() <= max_bytes,
            "{name}: {} > {max_bytes} bytes",
            bytes.len()
        );
        let recs = records(bytes);
        assert!(!recs.is_empty(), "{name} has rows");
        assert!(
            recs.len() <= max_rows,
            "{name}: {} > {max_rows} rows",
            recs.len()
        );
        assert_eq!(m["file"], name.as_str());
        assert_eq!(m["rows"], recs.len() as u64);
        assert_eq!(m["bytes"], bytes.len() as u64);
        let (num, a, b) =
            parse_chunk_name(stem, name).unwrap_or_else(|| panic!("bad chunk name {name}"));
        assert_eq!(num, k as u64 + 1, "{name}");
        // the manifest's line of every row, checked against the input
        let lines = manifest_lines(m);
        assert_eq!(lines.len(), recs.len(), "{name}: a line per row");
        let mut mapped = Vec::new();
        for (r, &line) in recs.iter().zip(&lines) {
            let original = want
                .iter()
                .find(|w| w.line == line)
                .unwrap_or_else(|| panic!("{name}: no input record starts on line {line}"));
            assert_eq!(
                original.fields, r.fields,
                "{name}: the row mapped to line {line}"
            );
            mapped.push(original.clone());
        }
        assert_eq!(a, mapped[0].line, "{name}: first line in the name");
        let last = mapped.last().unwrap();
        let last_line = last.line
            + last
                .fields
                .iter()
                .map(|f| f.matches('\n').count() as u64)
                .sum::<u64>();
        assert_eq!(b, last_line, "{name}: last line in the name");
        got.extend(mapped.iter().cloned());
        per_chunk.push(mapped);
    }
    assert_eq!(got, want, "the chunks hold every record once, in order");
    per_chunk
}

/// The input's body (after the header) equals the chunks' bodies concatenated, byte for byte.
#[track_caller]
fn assert_byte_exact(input: &[u8], files: &[(String, Vec<u8>)]) {
    let header = header_bytes(input);
    let mut body = Vec::new();
    for (_, bytes) in files {
        body.extend_from_slice(&bytes[header.len()..]);
    }
    assert!(
        body == input[header.len()..],
        "chunk bodies differ from the input's body"
    );
}

/// Users with distinct emails and multi-line External Id values would be invalid, but split is
/// structural; Description-like content is put in `External Id` to vary record sizes.
fn users(n: usize) -> Csv {
    let mut c = user_csv(n);
    for (i, r) in c.rows.iter_mut().enumerate() {
        r[8] = "x".repeat(i % 7 * 5);
    }
    c
}

fn split(wd: &Workdir, args: &[&str]) -> Out {
    let mut a = vec!["split"];
    a.extend_from_slice(args);
    wd.run(&a)
}

// ---------------------------------------------------------------- CSV

#[test]
fn chunks_carry_line_ranges_and_repeat_the_header() {
    let wd = Workdir::new();
    let input = users(12).bytes();
    wd.write("users.csv", &input);
    split(&wd, &["users.csv", "--max-rows", "5"]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "users.part-001.lines-2-6.csv",
            "users.part-002.lines-7-11.csv",
            "users.part-003.lines-12-13.csv"
        ]
    );
    check_split(&input, "users", &files, &manifest, 5, usize::MAX);
    assert_byte_exact(&input, &files);
    assert_eq!(manifest["rows"], 12);
    assert_eq!(manifest["object_type"], "user");
    assert_eq!(manifest["max_rows"], 5);
}

#[test]
fn max_rows_is_enforced_and_chunks_are_filled() {
    let wd = Workdir::new();
    let input = users(23).bytes();
    wd.write("users.csv", &input);
    split(&wd, &["users.csv", "--max-rows", "4"]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    let per = check_split(&input, "users", &files, &manifest, 4, usize::MAX);
    assert_eq!(per.len(), 23usize.div_ceil(4));
    assert!(per[..per.len() - 1].iter().all(|c| c.len() == 4));
}

#[test]
fn max_bytes_is_enforced_and_counts_the_header() {
    let wd = Workdir::new();
    let input = users(40).bytes();
    wd.write("users.csv", &input);
    let max = 400;
    split(&wd, &["users.csv", "--max-bytes", &max.to_string()]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    check_split(&input, "users", &files, &manifest, usize::MAX, max);
    assert_byte_exact(&input, &files);
    // first fit: the next chunk's first record would not have fitted
    let header = header_bytes(&input).len();
    for w in files.windows(2) {
        let next_first = records(&w[1].1)[0].clone();
        let next_len = encode_csv(&[next_first.fields]).len();
        assert!(
            w[0].1.len() + next_len > max,
            "{} could hold one more row",
            w[0].0
        );
        assert!(w[0].1.len() > header);
    }
}

#[test]
fn both_limits_hold_together() {
    let wd = Workdir::new();
    let mut c = users(60);
    for i in (0..60).step_by(10) {
        c.set(i, "External Id", &"w".repeat(300));
    }
    let input = c.bytes();
    wd.write("users.csv", &input);
    split(&wd, &["users.csv", "--max-rows", "5", "--max-bytes", "700"]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    let per = check_split(&input, "users", &files, &manifest, 5, 700);
    assert!(per.iter().any(|c| c.len() == 5), "rows bind somewhere");
    assert!(per.iter().any(|c| c.len() < 4), "bytes bind somewhere");
}

#[test]
fn size_units_5mb_and_1mib() {
    let wd = Workdir::new();
    wd.write("users.csv", users(3).bytes());
    for (size, bytes) in [
        ("5MB", 5_000_000u64),
        ("1MiB", 1_048_576),
        ("4882KiB", 4_999_168),
    ] {
        let out = split(
            &wd,
            &["users.csv", "--max-bytes", size, "--dry-run", "--json"],
        );
        out.ok();
        assert_eq!(out.json()["max_bytes"], bytes, "{size}");
    }
    split(&wd, &["users.csv", "--max-bytes", "5 parsecs"]).code(2);
    // a file of about 2.5 MB in 1 MiB chunks
    let mut c = csv_of("user", 9000);
    c.uniquify("Email");
    for r in c.rows.iter_mut() {
        r[8] = "y".repeat(200);
    }
    let input = c.bytes();
    assert!(input.len() > 2 * 1_048_576);
    wd.write("big-users.csv", &input);
    split(
        &wd,
        &[
            "big-users.csv",
            "--max-bytes",
            "1MiB",
            "--max-rows",
            "100000",
        ],
    )
    .ok();
    let (files, manifest) = chunks(&wd, "big-users.chunks");
    check_split(&input, "big-users", &files, &manifest, 100_000, 1_048_576);
    assert_eq!(files.len(), input.len().div_ceil(1_048_576));
    assert_byte_exact(&input, &files);
}

#[test]
fn default_limits_are_the_services() {
    let wd = Workdir::new();
    wd.write("users.csv", users(3).bytes());
    let out = split(&wd, &["users.csv", "--dry-run", "--json"]);
    out.ok();
    let v = out.json();
    assert_eq!(v["max_rows"], 5000);
    assert_eq!(v["max_bytes"], 5_000_000);
}

#[test]
fn crlf_and_lf_are_kept_byte_for_byte_and_embedded_newlines_never_cut() {
    for lf in [false, true] {
        let wd = Workdir::new();
        let mut c = csv_of("entry-point", 9);
        c.uniquify("Name");
        for (i, r) in c.rows.iter_mut().enumerate() {
            r[1] = format!("line one, \"quoted\"\r\nline two {i}\r\n");
        }
        let mut input = c.bytes();
        if lf {
            input = String::from_utf8(input)
                .unwrap()
                .replace("\r\n", "\n")
                .into_bytes();
        }
        wd.write("entry-points.csv", &input);
        split(&wd, &["entry-points.csv", "--max-rows", "1"]).ok();
        let (files, manifest) = chunks(&wd, "entry-points.chunks");
        let per = check_split(&input, "entry-points", &files, &manifest, 1, usize::MAX);
        assert_eq!(per.len(), 9);
        assert_byte_exact(&input, &files);
        // lines 2-4 hold the first record, 5-7 the second...
        assert_eq!(files[1].0, "entry-points.part-002.lines-5-7.csv");
        let crlf_count = files
            .iter()
            .map(|(_, b)| b.windows(2).filter(|w| w == b"\r\n").count())
            .sum::<usize>();
        assert_eq!(crlf_count == 0, lf, "line ends as in the input");
    }
}

/// A skill-profile (or queue) file whose objects span 1 to 4 consecutive rows.
fn grouped(object_type: &str, sizes: &[usize]) -> (Csv, Vec<String>) {
    let mut c = csv_of(object_type, 0);
    let mut names = Vec::new();
    for (g, &n) in sizes.iter().enumerate() {
        let name = format!("Group {g}");
        for k in 0..n {
            let mut row = c.example.clone();
            row[0] = name.clone();
            if object_type == "skill-profile" {
                row[c.col("Skill Name") - 1] = format!("Skill {k}");
                row[c.col("Skill Value") - 1] = "x".repeat(g % 5 * 3);
            } else {
                row[c.col("Distribution Group") - 1] = format!("Group {k}");
                row[c.col("Distribution Group Seq") - 1] = (k + 1).to_string();
            }
            c.rows.push(row);
            names.push(name.clone());
        }
    }
    (c, names)
}

#[track_caller]
fn assert_groups_whole(per: &[Vec<Rec>]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (k, chunk) in per.iter().enumerate() {
        for r in chunk {
            if let Some(&other) = seen.get(&r.fields[0]) {
                assert_eq!(
                    other,
                    k,
                    "{} straddles chunks {} and {}",
                    r.fields[0],
                    other + 1,
                    k + 1
                );
            }
            seen.insert(r.fields[0].clone(), k);
        }
    }
}

#[test]
fn multi_row_objects_never_straddle_chunks() {
    let sizes = [1, 3, 2, 4, 1, 1, 3, 2, 2, 4, 1, 3];
    for (t, file) in [
        ("skill-profile", "skill-profiles.csv"),
        ("queue", "queues.csv"),
    ] {
        let wd = Workdir::new();
        let (c, _) = grouped(t, &sizes);
        let input = c.bytes();
        wd.write(file, &input);
        let stem = file.trim_end_matches(".csv");
        split(&wd, &[file, "--max-rows", "5"]).ok();
        let dir = format!("{stem}.chunks");
        let (files, manifest) = chunks(&wd, &dir);
        let per = check_split(&input, stem, &files, &manifest, 5, usize::MAX);
        assert_groups_whole(&per);
        assert!(
            per.len() > sizes.iter().sum::<usize>() / 5,
            "{t}: groups cost some room"
        );
        assert_byte_exact(&input, &files);
        // the bytes limit too
        std::fs::remove_dir_all(wd.path(&dir)).unwrap();
        // every object fits alone, but few fit together
        let largest = sizes
            .iter()
            .scan(0, |at, &n| {
                let group = encode_csv(&c.rows[*at..*at + n]).len();
                *at += n;
                Some(group)
            })
            .max()
            .unwrap();
        let max = header_bytes(&input).len() + largest + largest / 2;
        split(&wd, &[file, "--max-bytes", &max.to_string()]).ok();
        let (files, manifest) = chunks(&wd, &dir);
        let per = check_split(&input, stem, &files, &manifest, usize::MAX, max);
        assert_groups_whole(&per);
    }
}

#[test]
fn a_record_larger_than_max_bytes_is_an_error_naming_its_line_and_nothing_is_written() {
    let wd = Workdir::new();
    let mut c = users(6);
    c.set(3, "External Id", &"z".repeat(500)); // line 5
    wd.write("users.csv", c.bytes());
    let out = split(&wd, &["users.csv", "--max-bytes", "400"]);
    out.code(3)
        .stderr_has("users.csv:5:")
        .stderr_has("--max-bytes");
    assert!(wd.list("users.chunks").is_empty(), "{:?}", wd.all_files());
    // also with --out: the directory may exist but holds nothing
    let out = split(&wd, &["users.csv", "--max-bytes", "400", "--out", "out"]);
    out.code(3);
    assert!(wd.list("out").is_empty(), "{:?}", wd.all_files());
}

/// Like the audio packer, a failed CSV split should leave the file system as it was: not even
/// the default `<stem>.chunks` directory.
#[test]
fn a_failed_split_leaves_no_output_directory_behind() {
    let wd = Workdir::new();
    let mut c = users(6);
    c.set(3, "External Id", &"z".repeat(500));
    wd.write("users.csv", c.bytes());
    let before = wd.all_files();
    split(&wd, &["users.csv", "--max-bytes", "400"]).code(3);
    assert_eq!(wd.all_files(), before);
    let mut open = users(2).bytes();
    open.extend_from_slice(b"\"never closed\r\n");
    wd.write("open.csv", &open);
    let before = wd.all_files();
    split(&wd, &["open.csv"]).code(3);
    assert_eq!(wd.all_files(), before);
}

#[test]
fn a_multi_row_object_larger_than_the_limits_is_an_error_naming_its_first_line() {
    let wd = Workdir::new();
    let (c, _) = grouped("skill-profile", &[2, 1, 6, 1]);
    wd.write("skill-profiles.csv", c.bytes());
    // the 6-row group starts on line 5
    split(&wd, &["skill-profiles.csv", "--max-rows", "5"])
        .code(3)
        .stderr_has("skill-profiles.csv:5:")
        .stderr_has("6 rows");
    assert!(
        wd.list("skill-profiles.chunks").is_empty(),
        "{:?}",
        wd.all_files()
    );
    let header = header_bytes(&c.bytes()).len();
    let six = encode_csv(&c.rows[3..9]).len();
    let max = (header + six - 1).to_string();
    split(&wd, &["skill-profiles.csv", "--max-bytes", &max])
        .code(3)
        .stderr_has("skill-profiles.csv:5:");
    assert!(
        wd.list("skill-profiles.chunks").is_empty(),
        "{:?}",
        wd.all_files()
    );
}

#[test]
fn dry_run_writes_nothing_and_prints_the_plan() {
    let wd = Workdir::new();
    wd.write("users.csv", users(12).bytes());
    let before = wd.all_files();
    let out = split(&wd, &["users.csv", "--max-rows", "5", "--dry-run"]);
    out.ok().stderr_has("nothing written");
    assert_eq!(wd.all_files(), before);
    let plan: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let ranges: Vec<(&str, &str, &str)> = plan.iter().map(|p| (p[0], p[1], p[3])).collect();
    assert_eq!(
        ranges,
        [("1", "5", "2-6"), ("2", "5", "7-11"), ("3", "2", "12-13")]
    );
    // and as JSON
    let out = split(
        &wd,
        &["users.csv", "--max-rows", "5", "--dry-run", "--json"],
    );
    out.ok();
    assert_eq!(wd.all_files(), before);
    let v = out.json();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["chunks"].as_array().unwrap().len(), 3);
}

#[test]
fn manifest_maps_rows_to_physical_lines_across_blank_lines_and_multiline_records() {
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 10);
    c.uniquify("Name");
    for i in [1, 4, 5, 8] {
        c.rows[i][1] = "two\nlines".into();
    }
    let mut text = String::from_utf8(c.bytes()).unwrap();
    // blank lines after the 3rd and 7th records
    for nth in [2usize, 6] {
        let recs = records(text.as_bytes());
        let line = recs[nth + 1].line as usize; // the line of the next record
        let at = text.match_indices("\r\n").nth(line - 2).unwrap().0 + 2;
        text.insert_str(at, "\r\n");
    }
    let input = text.into_bytes();
    wd.write("entry-points.csv", &input);
    split(&wd, &["entry-points.csv", "--max-rows", "3"]).ok();
    let (files, manifest) = chunks(&wd, "entry-points.chunks");
    check_split(&input, "entry-points", &files, &manifest, 3, usize::MAX);
}

#[test]
fn rerunning_replaces_the_old_chunks() {
    let wd = Workdir::new();
    let input = users(12).bytes();
    wd.write("users.csv", &input);
    split(&wd, &["users.csv", "--max-rows", "3"]).ok();
    assert_eq!(wd.list("users.chunks").len(), 5);
    split(&wd, &["users.csv", "--max-rows", "5"]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    assert_eq!(files.len(), 3, "{:?}", wd.list("users.chunks"));
    check_split(&input, "users", &files, &manifest, 5, usize::MAX);
    assert!(
        wd.all_files().iter().all(|f| !f.contains(".bulk-split-")),
        "no staging left"
    );
}

#[test]
fn a_semicolon_file_with_the_flag_gives_comma_chunks() {
    let wd = Workdir::new();
    let mut c = users(7);
    c.set(2, "User Profile", "Supervisor, Read-Only");
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&c.header).unwrap();
    for r in &c.rows {
        w.write_record(r).unwrap();
    }
    let semi = w.into_inner().unwrap();
    wd.write("users.csv", &semi);
    split(&wd, &["users.csv", "--max-rows", "3"])
        .code(3)
        .stderr_has("--delimiter ';'");
    assert!(!wd.exists("users.chunks"));
    split(&wd, &["users.csv", "--max-rows", "3", "--delimiter", ";"]).ok();
    let (files, manifest) = chunks(&wd, "users.chunks");
    let commas = c.bytes();
    check_split(&commas, "users", &files, &manifest, 3, usize::MAX);
    assert_byte_exact(&commas, &files);
}

#[test]
fn json_output_is_the_manifest() {
    let wd = Workdir::new();
    let input = users(8).bytes();
    wd.write("users.csv", &input);
    let out = split(
        &wd,
        &["users.csv", "--max-rows", "3", "--json", "--out", "parts"],
    );
    out.ok();
    let v = out.json();
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["out_dir"], "parts");
    assert_eq!(v["rows"], 8);
    let (files, manifest) = chunks(&wd, "parts");
    assert_eq!(v["chunks"], manifest["chunks"]);
    check_split(&input, "users", &files, &v, 3, usize::MAX);
}

#[test]
fn split_is_structural_and_accepts_any_well_formed_csv() {
    let wd = Workdir::new();
    let mut rows = vec![vec!["id".to_string(), "note".to_string()]];
    for i in 0..10 {
        rows.push(vec![i.to_string(), format!("n,{i}")]);
    }
    let input = encode_csv(&rows);
    wd.write("data.csv", &input);
    split(&wd, &["data.csv", "--max-rows", "4"]).ok();
    let (files, manifest) = chunks(&wd, "data.chunks");
    assert!(manifest.get("object_type").is_none() || manifest["object_type"].is_null());
    check_split(&input, "data", &files, &manifest, 4, usize::MAX);
}

#[test]
fn an_unclosed_quote_is_an_error_and_nothing_is_written() {
    let wd = Workdir::new();
    let mut input = users(4).bytes();
    input.extend_from_slice(b"\"open@example.com,x\r\nmore\r\n");
    wd.write("users.csv", &input);
    split(&wd, &["users.csv"])
        .code(3)
        .stderr_has("users.csv:6:");
    assert!(wd.list("users.chunks").is_empty(), "{:?}", wd.all_files());
}

// ---------------------------------------------------------------- audio

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_string())
        .collect()
}

fn zip_entry(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut e = z.by_name(name).expect("entry");
    let mut v = Vec::new();
    e.read_to_end(&mut v).unwrap();
    v
}

/// Makes a ZIP of (name, bytes) entries, deflated.
/// Packs of `dir`, with every file name once; checks each ZIP against `max` and the sources.
#[track_caller]
fn packs(wd: &Workdir, dir: &str, stem: &str, max: usize, sources: &BTreeMap<String, Vec<u8>>) {
    let mut seen = BTreeSet::new();
    let files = wd.list(dir);
    assert!(!files.is_empty());
    for (k, f) in files.iter().enumerate() {
        assert_eq!(f, &format!("{stem}.part-{:03}.zip", k + 1));
        let bytes = wd.read(&format!("{dir}/{f}"));
        assert!(bytes.len() <= max, "{f}: {} > {max}", bytes.len());
        for name in zip_names(&bytes) {
            let base = name.rsplit('/').next().unwrap().to_string();
            let want = sources
                .get(&base)
                .unwrap_or_else(|| panic!("unexpected {name} in {f}"));
            assert_eq!(&zip_entry(&bytes, &name), want, "{name} copied intact");
            assert!(seen.insert(base), "{name} packed twice");
        }
    }
    let all: BTreeSet<String> = sources.keys().cloned().collect();
    assert_eq!(seen, all, "every WAV packed once");
}

#[test]
fn audio_directory_with_nested_folders() {
    let wd = Workdir::new();
    let mut sources = BTreeMap::new();
    for (path, bytes) in [
        ("prompts/tone-mulaw.wav", fixture("tone-mulaw.wav")),
        ("prompts/a/tone-pcm16.wav", fixture("tone-pcm16.wav")),
        ("prompts/a/b/c/deep.wav", pcm_wav(3000)),
        ("prompts/b/Welcome.WAV", pcm_wav(1200)),
    ] {
        wd.write(path, &bytes);
        sources.insert(path.rsplit('/').next().unwrap().to_string(), bytes);
    }
    wd.write("prompts/notes.txt", "not audio");
    wd.write("prompts/a/cover.png", [0x89, b'P', b'N', b'G']);
    let out = split(&wd, &["prompts", "--type", "audio-file"]);
    out.ok()
        .stderr_has("skipped notes.txt")
        .stderr_has("skipped a/cover.png")
        .stdout_has("a/b/c/deep.wav")
        .stdout_has("G.711 mu-law");
    packs(&wd, "prompts.chunks", "prompts", 50_000_000, &sources);
}

#[test]
fn audio_packs_each_fit_max_bytes() {
    let wd = Workdir::new();
    let mut sources = BTreeMap::new();
    for i in 0..12 {
        let bytes = pcm_wav(2000 + i * 700);
        let name = format!("p{i:02}.wav");
        wd.write(&format!("set/{}/{name}", i % 3), &bytes);
        sources.insert(name, bytes);
    }
    let max = 20_000;
    let out = split(
        &wd,
        &[
            "set",
            "--type",
            "audio-file",
            "--max-bytes",
            &max.to_string(),
        ],
    );
    out.ok();
    packs(&wd, "set.chunks", "set", max, &sources);
    assert!(wd.list("set.chunks").len() >= 3);
}

#[test]
fn audio_zip_input() {
    let wd = Workdir::new();
    let a = fixture("tone-pcm16.wav");
    let b = pcm_wav(5000);
    let zip = zip_of(&[
        ("x/one.wav", &a),
        ("x/y/two.wav", &b),
        ("readme.txt", b"hi"),
    ]);
    wd.write("prompts.zip", zip);
    let out = split(
        &wd,
        &["prompts.zip", "--type", "audio-file", "--out", "out"],
    );
    out.ok().stderr_has("skipped readme.txt");
    let sources: BTreeMap<String, Vec<u8>> =
        [("one.wav".to_string(), a), ("two.wav".to_string(), b)].into();
    packs(&wd, "out", "prompts", 50_000_000, &sources);
}

#[test]
fn audio_dry_run_writes_nothing() {
    let wd = Workdir::new();
    wd.write("p/a.wav", pcm_wav(100));
    let before = wd.all_files();
    split(&wd, &["p", "--type", "audio-file", "--dry-run"])
        .ok()
        .stderr_has("nothing written");
    assert_eq!(wd.all_files(), before);
}

#[test]
fn audio_duplicate_names_in_two_folders() {
    let wd = Workdir::new();
    wd.write("p/en/welcome.wav", pcm_wav(100));
    wd.write("p/fr/welcome.wav", pcm_wav(200));
    wd.write("p/fr/other.wav", pcm_wav(200));
    let out = split(&wd, &["p", "--type", "audio-file"]);
    out.code(3)
        .stderr_has("welcome.wav")
        .stderr_has("en/welcome.wav")
        .stderr_has("fr/welcome.wav")
        .stderr_has("nothing was written");
    assert!(!wd.exists("p.chunks"), "{:?}", wd.all_files());
}

#[test]
fn audio_not_a_wav_named_wav() {
    let wd = Workdir::new();
    wd.write("p/good.wav", pcm_wav(100));
    wd.write("p/sub/not-audio.wav", fixture("not-audio.wav"));
    let out = split(&wd, &["p", "--type", "audio-file"]);
    out.code(3).stderr_has("sub/not-audio.wav");
    assert!(!wd.exists("p.chunks"), "{:?}", wd.all_files());
}

#[test]
fn audio_a_wav_larger_than_max_bytes() {
    let wd = Workdir::new();
    wd.write("p/small.wav", pcm_wav(100));
    wd.write("p/huge.wav", pcm_wav(30_000));
    let out = split(&wd, &["p", "--type", "audio-file", "--max-bytes", "20000"]);
    out.code(3)
        .stderr_has("huge.wav")
        .stderr_lacks("small.wav:");
    assert!(!wd.exists("p.chunks"), "{:?}", wd.all_files());
}

#[test]
fn audio_zip_slip_entry_is_refused() {
    let wd = Workdir::new();
    let w = pcm_wav(100);
    wd.write(
        "evil.zip",
        zip_of(&[("ok.wav", &w), ("../../escape.wav", &w)]),
    );
    let out = split(&wd, &["evil.zip", "--type", "audio-file"]);
    out.code(3)
        .stderr_has("../../escape.wav")
        .stderr_has("zip slip");
    assert!(!wd.exists("evil.chunks"));
    assert!(!wd.root().parent().unwrap().join("escape.wav").exists());
}

#[test]
fn audio_absolute_path_entry_is_refused() {
    let wd = Workdir::new();
    let w = pcm_wav(100);
    wd.write("abs.zip", zip_of(&[("/tmp/abs.wav", &w)]));
    split(&wd, &["abs.zip", "--type", "audio-file"])
        .code(3)
        .stderr_has("zip slip");
}

#[test]
fn audio_zip_bomb_is_refused() {
    let wd = Workdir::new();
    // A WAV header followed by 8 MiB of silence: deflates more than 1000:1.
    let mut bomb = pcm_wav(0);
    let n = 8 << 20;
    bomb[40..44].copy_from_slice(&(n as u32).to_le_bytes());
    bomb[4..8].copy_from_slice(&(36 + n as u32).to_le_bytes());
    bomb.resize(44 + n, 0);
    let zip = zip_of(&[("bomb.wav", &bomb)]);
    assert!(zip.len() * 100 < bomb.len());
    wd.write("bomb.zip", zip);
    let out = split(&wd, &["bomb.zip", "--type", "audio-file"]);
    out.code(3).stderr_has("bomb.wav").stderr_has("ZIP bomb");
    assert!(!wd.exists("bomb.chunks"));
}

#[test]
fn audio_type_is_detected_from_a_directory_or_zip() {
    let wd = Workdir::new();
    wd.write("p/a.wav", pcm_wav(100));
    split(&wd, &["p"]).ok();
    assert_eq!(wd.list("p.chunks"), ["p.part-001.zip"]);
}

/// Packs from an earlier run would be uploaded along with the new ones (the CSV splitter
/// removes its old chunks; the audio packer should too).
#[test]
fn audio_rerunning_replaces_the_old_packs() {
    let wd = Workdir::new();
    let mut sources = BTreeMap::new();
    for i in 0..4 {
        let bytes = pcm_wav(1000 + i * 10);
        let name = format!("t{i}.wav");
        wd.write(&format!("p/{name}"), &bytes);
        sources.insert(name, bytes);
    }
    split(&wd, &["p", "--type", "audio-file", "--max-bytes", "1500"]).ok();
    assert_eq!(wd.list("p.chunks").len(), 4);
    split(&wd, &["p", "--type", "audio-file"]).ok();
    assert_eq!(wd.list("p.chunks"), ["p.part-001.zip"]);
    packs(&wd, "p.chunks", "p", 50_000_000, &sources);
}

#[test]
fn a_semicolon_file_with_multiline_values_and_blank_lines_maps_rows_to_its_own_lines() {
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 6);
    c.uniquify("Name");
    c.set(0, "Description", "x;\r\ny");
    c.set(3, "Description", "p;q\r\nr\r\ns");
    let semi_record = |r: &Vec<String>| {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(r).unwrap();
        w.into_inner().unwrap()
    };
    let mut semi = semi_record(&c.header);
    for (i, r) in c.rows.iter().enumerate() {
        semi.extend(semi_record(r));
        if i == 1 {
            semi.extend_from_slice(b"\r\n");
        }
    }
    wd.write("entry-points.csv", &semi);
    split(
        &wd,
        &["entry-points.csv", "--max-rows", "2", "--delimiter", ";"],
    )
    .ok();
    let (files, manifest) = chunks(&wd, "entry-points.chunks");
    // the lines of the semicolon file, the values of the comma file
    let want: Vec<(u64, Vec<String>)> = {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(&semi[..]);
        let recs: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        let lines = records(
            &String::from_utf8(semi.clone())
                .unwrap()
                .replace(';', ",")
                .into_bytes(),
        );
        recs[1..]
            .iter()
            .cloned()
            .zip(lines)
            .map(|(f, l)| (l.line, f))
            .collect()
    };
    assert_eq!(
        want.iter().map(|w| w.0).collect::<Vec<_>>(),
        [2, 4, 6, 7, 10, 11]
    );
    let mut got = Vec::new();
    for ((_, bytes), m) in files.iter().zip(manifest["chunks"].as_array().unwrap()) {
        for (r, line) in records(bytes).into_iter().zip(manifest_lines(m)) {
            got.push((line, r.fields));
        }
    }
    assert_eq!(got, want);
}

#[test]
fn a_utf16_file_splits_into_utf8_chunks_with_its_own_line_numbers() {
    let wd = Workdir::new();
    let mut c = csv_of("team", 5);
    c.uniquify("Name");
    c.set(2, "Name", "Zoë Ærø");
    let text = String::from_utf8(c.bytes()).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    wd.write("teams.csv", &bytes);
    split(&wd, &["teams.csv", "--max-rows", "2"]).ok();
    let (files, manifest) = chunks(&wd, "teams.chunks");
    let utf8 = c.bytes();
    check_split(&utf8, "teams", &files, &manifest, 2, usize::MAX);
    assert_byte_exact(&utf8, &files);
}

#[test]
fn other_files_in_the_out_dir_are_left_alone() {
    let wd = Workdir::new();
    wd.write("users.csv", users(4).bytes());
    wd.write("out/notes.txt", "mine");
    wd.write("out/teams.part-001.lines-2-3.csv", "other stem");
    // issue 9: a folder of other files is written into only with --force.
    split(&wd, &["users.csv", "--out", "out", "--max-rows", "2"])
        .code(2)
        .stderr_has("--force");
    split(
        &wd,
        &["users.csv", "--out", "out", "--max-rows", "2", "--force"],
    )
    .ok();
    assert_eq!(
        wd.list("out"),
        [
            "notes.txt",
            "teams.part-001.lines-2-3.csv",
            "users.manifest.json",
            "users.part-001.lines-2-3.csv",
            "users.part-002.lines-4-5.csv"
        ]
    );
}
