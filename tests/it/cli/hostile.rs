//! Hostile and damaged input: a corpus generated here (nothing committed but the fuzzers'
//! regressions) run through `bulk validate` and `bulk split`. Whatever the damage, each run must
//! end with a documented exit code (never a panic), say on stderr which file (and line or entry)
//! is at fault, leave no temporary file behind, and keep its memory bounded.

use crate::harness::{bulk_bin, csv_of, pcm_wav, zip_of, Out, Workdir};
use std::io::Write;
use std::path::Path;

/// Checks what every run on hostile input must do, whatever the exit code.
#[track_caller]
fn sane(wd: &Workdir, out: &Out, code: i32, file: &str) {
    out.code(code)
        .stderr_lacks("panicked")
        .stderr_lacks("RUST_BACKTRACE");
    if code != 0 {
        out.stderr_has(file);
    }
    let tmp = wd.env_dir("tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("the temp dir")
        .map(|e| e.unwrap().file_name())
        .collect();
    if !left.is_empty() {
        out.fail(&format!(
            "temporary files left in {}: {left:?}",
            tmp.display()
        ));
    }
}

/// Runs `bulk validate FILE --type user` and `bulk split FILE --type user`; returns both.
fn validate_and_split(wd: &Workdir, file: &str, bytes: &[u8]) -> (Out, Out) {
    wd.write(file, bytes);
    let v = wd.run(&["validate", file, "--type", "user"]);
    let s = wd.run(&["split", file, "--type", "user", "--max-rows", "2"]);
    (v, s)
}

/// The user template's header line, CRLF-terminated.
fn header() -> String {
    let c = csv_of("user", 0);
    format!("{}\r\n", c.header.join(","))
}

/// A valid user row (distinct by `i`).
fn row(i: usize) -> String {
    let c = csv_of("user", 1);
    let mut r = c.example.clone();
    let e = c.col("Email") - 1;
    r[e] = format!("agent{i}@example.com");
    format!("{}\r\n", r.join(","))
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend_from_slice(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        });
    }
    for u in text.encode_utf16() {
        v.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    v
}

// ---------------------------------------------------------------- CSV corpus

/// One damaged CSV and what `validate` and `split` must answer (exit code, text in stderr).
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    validate: (i32, &'static [&'static str]),
    split: (i32, &'static [&'static str]),
}

fn csv_corpus() -> Vec<Case> {
    let h = header();
    let r1 = row(1);
    let r2 = row(2);
    let good = format!("{h}{r1}{r2}");
    let ncols = h.trim_end().split(',').count();
    let mut cases = vec![
        Case {
            name: "empty.csv",
            bytes: Vec::new(),
            validate: (3, &["empty"]),
            split: (3, &["empty"]),
        },
        Case {
            name: "header-only.csv",
            bytes: h.clone().into_bytes(),
            validate: (0, &[]),
            split: (0, &[]),
        },
        Case {
            name: "bom-only.csv",
            bytes: b"\xEF\xBB\xBF".to_vec(),
            validate: (3, &["empty"]),
            split: (3, &["empty"]),
        },
        Case {
            name: "utf16le-bom-only.csv",
            bytes: vec![0xFF, 0xFE],
            validate: (3, &["empty"]),
            split: (3, &["empty"]),
        },
        Case {
            name: "utf16be-bom-only.csv",
            bytes: vec![0xFE, 0xFF],
            validate: (3, &["empty"]),
            split: (3, &["empty"]),
        },
        Case {
            name: "utf8-bom.csv",
            bytes: [&b"\xEF\xBB\xBF"[..], good.as_bytes()].concat(),
            validate: (0, &[]),
            split: (0, &[]),
        },
        Case {
            name: "utf16le-bom.csv",
            bytes: utf16(&good, false, true),
            validate: (0, &[]),
            split: (0, &[]),
        },
        Case {
            name: "utf16be-bom.csv",
            bytes: utf16(&good, true, true),
            validate: (0, &[]),
            split: (0, &[]),
        },
        // Without a BOM every other byte is NUL: both refuse it and name the encoding to pass.
        Case {
            name: "utf16le-no-bom.csv",
            bytes: utf16(&good, false, false),
            validate: (3, &["--encoding utf-16le"]),
            split: (3, &["--encoding utf-16le"]),
        },
        Case {
            name: "windows-1252.csv",
            bytes: format!("{h}{}", r1.replacen("agent1", "Zo\u{EB}", 1))
                .replace('\u{EB}', "\u{1}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 1 { 0xEB } else { b })
                .collect(),
            validate: (3, &[":2:", "--encoding"]),
            split: (3, &[":2:", "--encoding"]),
        },
        Case {
            name: "semicolons.csv",
            bytes: good.replace(',', ";").into_bytes(),
            validate: (3, &[":1:", "--delimiter ';'"]),
            split: (3, &[":1:", "--delimiter ';'"]),
        },
        Case {
            name: "tabs.csv",
            bytes: good.replace(',', "\t").into_bytes(),
            validate: (3, &[":1:", "--delimiter '\\t'"]),
            split: (3, &[":1:", "--delimiter '\\t'"]),
        },
        Case {
            name: "ragged.csv",
            bytes: format!(
                "{h}{r1}a,b\r\n{}\r\n",
                r2.trim_end().to_string() + ",extra,extra"
            )
            .into_bytes(),
            validate: (3, &[":3:", ":4:"]),
            split: (0, &[]),
        },
        Case {
            name: "unclosed-quote.csv",
            bytes: format!("{h}{r1}\"agent2@example.com,Standard Agent").into_bytes(),
            validate: (3, &[":3:"]),
            split: (3, &[":3:", "never closed"]),
        },
        Case {
            name: "nul-bytes.csv",
            bytes: format!("{h}{r1}{}", r2.replacen("agent2", "age\0nt2", 1)).into_bytes(),
            validate: (3, &[":3:"]),
            split: (0, &[]),
        },
        Case {
            name: "nul-only.csv",
            bytes: vec![0; 4096],
            validate: (3, &[]),
            split: (0, &[]),
        },
        Case {
            name: "duplicate-headers.csv",
            bytes: good
                .replacen("\r\n", &format!(",{}\r\n", h.split(',').next().unwrap()), 1)
                .replace(&r1.trim_end().to_string(), &format!("{},x", r1.trim_end()))
                .replace(&r2.trim_end().to_string(), &format!("{},y", r2.trim_end()))
                .into_bytes(),
            validate: (3, &[":1:"]),
            split: (0, &[]),
        },
    ];
    // 10,000 columns: the header and one row.
    let wide_header: Vec<String> = (0..10_000).map(|i| format!("Column{i}")).collect();
    let wide_row: Vec<String> = (0..10_000).map(|i| format!("v{i}")).collect();
    cases.push(Case {
        name: "ten-thousand-columns.csv",
        bytes: format!("{}\r\n{}\r\n", wide_header.join(","), wide_row.join(",")).into_bytes(),
        validate: (3, &[":1:"]),
        split: (0, &[]),
    });
    // The user columns plus thousands of extra cells on a data row.
    cases.push(Case {
        name: "ten-thousand-cells.csv",
        bytes: format!(
            "{h}{},{}\r\n",
            r1.trim_end(),
            vec!["x"; 10_000 - ncols].join(",")
        )
        .into_bytes(),
        validate: (3, &[":2:"]),
        split: (0, &[]),
    });
    cases
}

#[test]
fn damaged_csv_files_get_a_clear_message_and_the_documented_exit_code() {
    for case in csv_corpus() {
        let wd = Workdir::new();
        let (v, s) = validate_and_split(&wd, case.name, &case.bytes);
        let first = |o: &Out| {
            o.stderr
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(150)
                .collect::<String>()
        };
        eprintln!(
            "{}: validate {:?} {:?}; split {:?} {:?}",
            case.name,
            v.code,
            first(&v),
            s.code,
            first(&s)
        );
        sane(&wd, &v, case.validate.0, case.name);
        for n in case.validate.1 {
            v.stderr_has(n);
        }
        sane(&wd, &s, case.split.0, case.name);
        for n in case.split.1 {
            s.stderr_has(n);
        }
        if case.split.0 != 0 {
            let stem = case.name.trim_end_matches(".csv");
            assert!(
                wd.list(&format!("{stem}.chunks")).is_empty(),
                "{}: a failed split wrote chunks: {:?}",
                case.name,
                wd.all_files()
            );
        }
    }
}

#[test]
fn formula_looking_names_are_rejected_not_crashes() {
    let c = csv_of("site", 1);
    let name = c.col("Name") - 1;
    // A leading `=`, `+`, `-` or `@` breaks the "begins with a letter" rule first.
    let leading = [
        "=HYPERLINK(\"http://evil.example/\",\"click\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "=1+1",
    ];
    // Behind a letter, the formula's characters are what is wrong.
    let embedded = ["A=HYPERLINK(\"x\")", "Sales+cmd|calc", "Team@SUM(A1)"];
    for (evil, kinds) in leading
        .iter()
        .map(|e| (e, &["invalid-name", "invalid-characters"][..]))
        .chain(embedded.iter().map(|e| (e, &["invalid-characters"][..])))
    {
        let wd = Workdir::new();
        let mut c = c.clone();
        c.rows[0][name] = evil.to_string();
        wd.write("sites.csv", c.bytes());
        let out = wd.run(&["validate", "sites.csv", "--type", "site"]);
        sane(&wd, &out, 3, "sites.csv");
        let problems = out.problems();
        let p = problems
            .iter()
            .find(|p| p.line == 2 && p.col == Some(name + 1))
            .unwrap_or_else(|| out.fail(&format!("{evil}: no problem at 2:{}", name + 1)));
        if !kinds.contains(&p.kind.as_str()) || p.file != "sites.csv" {
            out.fail(&format!("{evil}: reported as {p:?}, want one of {kinds:?}"));
        }
    }
}

// ---------------------------------------------------------------- a 100 MB field

/// Peak resident memory of `bulk ARGS` in KiB, measured with GNU time, or `None` when
/// `/usr/bin/time` is not installed (the run is still checked).
fn run_measured(wd: &Workdir, args: &[&str]) -> (Out, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return (wd.run(args), None);
    }
    let report = wd.env_dir("peak-rss");
    // The isolated environment of `Workdir::command`, with the binary run under time(1).
    let out = wd
        .command_of(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(bulk_bin())
        .args(args)
        .output()
        .expect("time runs bulk");
    let kib = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    (
        Out::new(args, out.status.code(), out.stdout, out.stderr),
        kib,
    )
}

#[test]
fn a_100_mb_field_is_reported_by_line_in_bounded_memory() {
    let wd = Workdir::new();
    let path = wd.path("huge.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(header().as_bytes()).unwrap();
        f.write_all(row(1).as_bytes()).unwrap();
        f.write_all(b"\"").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&block).unwrap();
        }
        f.write_all(b"\",Standard Agent\r\n").unwrap();
        f.write_all(row(3).as_bytes()).unwrap();
        f.flush().unwrap();
    }
    const LIMIT_KIB: u64 = 100 * 1024;
    for args in [
        &["validate", "huge.csv", "--type", "user"][..],
        &["split", "huge.csv", "--type", "user"][..],
    ] {
        let (out, peak) = run_measured(&wd, args);
        sane(&wd, &out, 3, "huge.csv");
        out.stderr_has("huge.csv:3:");
        match peak {
            Some(kib) => {
                eprintln!("bulk {}: peak RSS {} MiB", args[0], kib / 1024);
                if kib >= LIMIT_KIB {
                    out.fail(&format!("peak RSS {kib} KiB, more than {LIMIT_KIB} KiB"));
                }
            }
            None => eprintln!("/usr/bin/time is missing: memory not measured"),
        }
        assert!(!wd.exists("huge.chunks"), "{:?}", wd.all_files());
    }
}

// ---------------------------------------------------------------- audio corpus

fn split_audio(wd: &Workdir, input: &str) -> Out {
    wd.run(&["split", input, "--type", "audio-file"])
}

#[test]
fn zip_slip_variants_are_refused() {
    let w = pcm_wav(100);
    for evil in [
        "../escape.wav",
        "a/../../escape.wav",
        "/etc/escape.wav",
        "..\\escape.wav",
        "C:\\escape.wav",
        "C:/escape.wav",
    ] {
        let wd = Workdir::new();
        wd.write("evil.zip", zip_of(&[("ok.wav", &w), (evil, &w)]));
        let out = split_audio(&wd, "evil.zip");
        sane(&wd, &out, 3, "evil.zip");
        out.stderr_has(evil);
        assert!(!wd.exists("evil.chunks"), "{evil}: {:?}", wd.all_files());
        assert!(!wd.root().parent().unwrap().join("escape.wav").exists());
    }
}

/// A ZIP whose one entry declares a small size but inflates to much more: the declared size
/// must be enforced while reading, not believed.
#[test]
fn a_zip_entry_that_lies_about_its_size_is_refused() {
    let mut wav = pcm_wav(0);
    let n = 600_000usize;
    wav[40..44].copy_from_slice(&(n as u32).to_le_bytes());
    wav[4..8].copy_from_slice(&(36 + n as u32).to_le_bytes());
    wav.extend((0..n).map(|i| (i * 7 % 251) as u8));
    let mut zip = zip_of(&[("liar.wav", &wav)]);
    // Patch the uncompressed size (local header at 22, central directory entry at +24).
    let declared = 1000u32.to_le_bytes();
    zip[22..26].copy_from_slice(&declared);
    let cd = zip
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("central directory");
    zip[cd + 24..cd + 28].copy_from_slice(&declared);
    let wd = Workdir::new();
    wd.write("liar.zip", zip);
    let out = split_audio(&wd, "liar.zip");
    // Either refused as not a WAV (its header claims more than the entry holds) or as corrupt.
    sane(&wd, &out, 3, "liar.zip");
    out.stderr_has("liar.wav");
    assert!(!wd.exists("liar.chunks"));
}

#[test]
fn a_zip_bomb_of_many_small_entries_is_refused() {
    // Each entry is under the ratio exemption, but together they declare far too much.
    let wav = {
        let mut w = pcm_wav(0);
        let n = 1_000_000usize;
        w[40..44].copy_from_slice(&(n as u32).to_le_bytes());
        w[4..8].copy_from_slice(&(36 + n as u32).to_le_bytes());
        w.resize(44 + n, 0);
        w
    };
    let names: Vec<String> = (0..40).map(|i| format!("p{i}.wav")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &wav[..])).collect();
    let wd = Workdir::new();
    wd.write("many.zip", zip_of(&entries));
    let out = split_audio(&wd, "many.zip");
    // 40 MB in all is a legitimate (if silent) input; it must simply not crash.
    assert!(out.code == Some(0) || out.code == Some(3), "{:?}", out.code);
    sane(&wd, &out, out.code.unwrap(), "many.zip");
}

#[test]
fn a_truncated_zip_is_refused_naming_it() {
    let w = pcm_wav(20_000);
    let zip = zip_of(&[("a.wav", &w), ("b.wav", &w)]);
    for cut in [0, 10, 22, zip.len() / 2, zip.len() - 1] {
        let wd = Workdir::new();
        wd.write("cut.zip", &zip[..cut]);
        let out = split_audio(&wd, "cut.zip");
        sane(&wd, &out, 3, "cut.zip");
        assert!(!wd.exists("cut.chunks"), "cut at {cut}");
    }
}

#[test]
fn a_wav_with_a_lying_header_is_refused_naming_it() {
    let mut riff_lies = pcm_wav(1000);
    riff_lies[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut data_lies = pcm_wav(1000);
    data_lies[40..44].copy_from_slice(&10_000_000u32.to_le_bytes());
    let mut fmt_lies = pcm_wav(1000);
    fmt_lies[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut zero_rate = pcm_wav(1000);
    zero_rate[24..28].copy_from_slice(&0u32.to_le_bytes());
    for (name, bytes) in [
        ("riff.wav", riff_lies),
        ("data.wav", data_lies),
        ("fmt.wav", fmt_lies),
        ("rate.wav", zero_rate),
        ("empty.wav", Vec::new()),
        ("text.wav", b"hello, I am not a wave".to_vec()),
    ] {
        for zipped in [false, true] {
            let wd = Workdir::new();
            let input = if zipped {
                wd.write(
                    "in.zip",
                    zip_of(&[("ok.wav", &pcm_wav(100)), (name, &bytes)]),
                );
                "in.zip"
            } else {
                wd.write("in/ok.wav", pcm_wav(100));
                wd.write(&format!("in/{name}"), &bytes);
                "in"
            };
            let out = split_audio(&wd, input);
            sane(&wd, &out, 3, name);
            assert!(!wd.exists("in.chunks"), "{name}");
        }
    }
}

/// Nothing to pack is not an error: `split` says it packed 0 files and writes no ZIP.
#[test]
fn a_directory_without_wavs() {
    let wd = Workdir::new();
    wd.write("prompts/readme.txt", "no audio here");
    wd.write("prompts/sub/notes.csv", "a,b\n");
    std::fs::create_dir(wd.path("nothing")).unwrap();
    for dir in ["prompts", "nothing"] {
        let out = split_audio(&wd, dir);
        sane(&wd, &out, 0, dir);
        out.stderr_has("packed 0 WAV files");
        assert!(
            wd.list(&format!("{dir}.chunks")).is_empty(),
            "{:?}",
            wd.all_files()
        );
    }
}

#[test]
fn a_zero_byte_zip_and_a_zip_of_nothing() {
    let wd = Workdir::new();
    wd.write("zero.zip", b"");
    let out = split_audio(&wd, "zero.zip");
    sane(&wd, &out, 3, "zero.zip");
    let wd = Workdir::new();
    wd.write("none.zip", zip_of(&[]));
    let out = split_audio(&wd, "none.zip");
    let code = out.code.unwrap_or(-1);
    assert!(code == 0 || code == 3, "exit {code}");
    sane(&wd, &out, code, "none.zip");
}

// ---------------------------------------------------------------- terminal safety

/// A cell can hold terminal escape sequences; echoing them raw lets a CSV from a stranger
/// recolour, retitle or rewrite the admin's terminal.
#[test]
fn control_characters_in_values_are_not_echoed_raw() {
    let wd = Workdir::new();
    wd.write(
        "s.csv",
        "Name,Multimedia Profile\nA\x1b[31mred\x1b]0;pwned\x07\0,Blended\n",
    );
    let out = wd.run(&["validate", "s.csv", "--type", "site"]);
    sane(&wd, &out, 3, "s.csv");
    // Issue 9: a control character is its own error, found before the name's characters.
    out.problem_at("control-character", 2, Some(1));
    for c in ['\x1b', '\x07', '\0'] {
        if out.stderr.contains(c) {
            out.fail(&format!("stderr holds a raw {c:?}"));
        }
    }
}

/// The message after a split names the manifest it wrote.
#[test]
fn the_split_message_names_the_manifest_it_wrote() {
    let wd = Workdir::new();
    wd.write("header-only.csv", header());
    wd.write("users.part-001.csv", format!("{}{}", header(), row(1)));
    for (file, manifest) in [
        ("header-only.csv", "header-only.manifest.json"),
        ("users.part-001.csv", "users.part-001.manifest.json"),
    ] {
        let stem = file.trim_end_matches(".csv");
        let out = wd.run(&["split", file, "--type", "user"]);
        sane(&wd, &out, 0, file);
        assert!(
            wd.exists(&format!("{stem}.chunks/{manifest}")),
            "{:?}",
            wd.all_files()
        );
        out.stderr_has(&format!("(manifest: {manifest})"));
    }
}

// ---------------------------------------------------------------- fuzz regressions

/// The inputs the fuzzers in `tests/fuzz` found, per target: `(file name, bytes)`.
fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/regressions")
        .join(target);
    let mut v: Vec<(String, Vec<u8>)> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Replays every input a fuzzer kept, through the library (as the fuzz target does) and through
/// the binary: no panic, and a documented exit code.
#[test]
fn fuzz_regressions_replay() {
    use bulk::chunk::{split, SplitSettings};
    use bulk::input::{open, InputOptions};
    let user = bulk::schema::registry().get("user").unwrap();
    let mut csv = regressions("csv_validate");
    csv.extend(regressions("csv_split"));
    for (name, bytes) in &csv {
        let _ = bulk::validate::check_in_memory(user, bytes);
        let wd = Workdir::new();
        let p = wd.write("in.csv", bytes);
        if let Ok(source) = open(&p, &InputOptions::default()) {
            let settings = SplitSettings {
                max_rows: 3,
                max_bytes: 256,
                out_dir: Some(wd.path("lib-out")),
                stem: "in".into(),
                block_size: 64,
            };
            let _ = split(&source, Some("site"), None, &settings, &|_| {});
        }
        for args in [
            &["validate", "in.csv", "--type", "user"][..],
            &["split", "in.csv", "--type", "site"],
        ] {
            let out = wd.run(args);
            let code = out.code.unwrap_or(-1);
            if code != 0 && code != 3 {
                out.fail(&format!("regression {name}: exit {code}"));
            }
            sane(&wd, &out, code, "in.csv");
        }
    }
    for (name, bytes) in regressions("audio") {
        let _ = bulk::wav::parse_header(&bytes, bytes.len() as u64);
        let wd = Workdir::new();
        wd.write("raw.zip", &bytes);
        wd.write("dir/prompt.wav", &bytes);
        wd.write("wrapped.zip", zip_of(&[("prompt.wav", &bytes)]));
        for input in ["raw.zip", "dir", "wrapped.zip"] {
            let out = split_audio(&wd, input);
            let code = out.code.unwrap_or(-1);
            if code != 0 && code != 3 {
                out.fail(&format!("regression {name}: exit {code}"));
            }
            sane(&wd, &out, code, input);
        }
    }
}
