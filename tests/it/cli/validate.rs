//! `bulk validate`: one failing file per rule with the exact line and column asserted, a good
//! file per object type, headers, encodings and dialects, reporting, size and type detection.

use crate::harness::{csv_of, encode_csv, parse_csv, user_csv as users, Csv, Out, Workdir};

/// Writes `csv` as `name` and validates it with `extra` arguments.
fn validate(wd: &Workdir, name: &str, bytes: &[u8], extra: &[&str]) -> Out {
    wd.write(name, bytes);
    let mut args = vec!["validate", name];
    args.extend_from_slice(extra);
    wd.run(&args)
}

/// Sets one cell of row `row` of a fresh `n`-row file of `object_type` and asserts that exactly
/// one problem of `kind` is reported, at the line and column of that cell.
fn one_bad_cell(object_type: &str, column: &str, value: &str, kind: &str) -> Out {
    let wd = Workdir::new();
    let mut c = csv_of(object_type, 3);
    let identity = c.header[0].clone();
    c.uniquify(&identity);
    c.set(1, column, value);
    let out = validate(&wd, "x.csv", &c.bytes(), &["--type", object_type]);
    out.code(3)
        .exactly(&[(kind, Csv::line(1), Some(c.col(column)))])
        .stdout_empty();
    out
}

// ---------------------------------------------------------------- a good file per type

fn csv_types() -> Vec<String> {
    let wd = Workdir::new();
    let out = wd.run(&["template", "--list"]);
    out.ok();
    out.stdout
        .lines()
        .filter(|l| !l.contains("ZIP"))
        .map(|l| l.split_whitespace().next().expect("an id").to_string())
        .collect()
}

#[test]
fn the_example_of_every_csv_type_is_valid() {
    let types = csv_types();
    assert_eq!(types.len(), 16, "16 CSV types: {types:?}");
    for t in &types {
        let wd = Workdir::new();
        let c = csv_of(t, 1);
        let out = validate(&wd, "objects.csv", &c.bytes(), &["--type", t]);
        out.ok().stdout_empty().stderr_has(&format!(
            "objects.csv: valid: 1 row of {t} (type from --type)"
        ));
        assert!(out.problems().is_empty());
    }
}

#[test]
fn the_example_of_every_csv_type_is_valid_when_detected_from_its_file_name() {
    for t in csv_types() {
        let wd = Workdir::new();
        let c = csv_of(&t, 1);
        let name = format!("{t}s.csv");
        let out = validate(&wd, &name, &c.bytes(), &[]);
        out.ok()
            .stderr_has(&format!("valid: 1 row of {t} (type from file name)"));
    }
}

#[test]
fn audio_file_has_no_csv_template() {
    let wd = Workdir::new();
    wd.run(&["template", "audio-file"])
        .code(2)
        .stdout_empty()
        .stderr_has("no CSV template");
}

// ---------------------------------------------------------------- one failing file per rule

#[test]
fn missing_required_value() {
    let out = one_bad_cell("user", "User Profile", "", "missing-value");
    out.stderr_has("column \"User Profile\" is required");
}

#[test]
fn whitespace_only_is_a_missing_value() {
    one_bad_cell("user", "Email", "   ", "missing-value");
}

#[test]
fn enum_value_not_allowed() {
    one_bad_cell("user", "Contact Center Enabled", "yes", "invalid-enum");
    one_bad_cell("team", "Type", "agent", "invalid-enum");
}

#[test]
fn integer_that_is_not_a_number() {
    one_bad_cell(
        "entry-point",
        "Service Level Threshold",
        "abc",
        "invalid-integer",
    );
    one_bad_cell(
        "entry-point",
        "Service Level Threshold",
        "1,000",
        "invalid-integer",
    );
}

#[test]
fn integer_out_of_range() {
    one_bad_cell(
        "entry-point",
        "Service Level Threshold",
        "-1",
        "out-of-range",
    );
}

#[test]
fn boolean_token() {
    one_bad_cell("agent-profile", "Screen Popups", "yes", "invalid-boolean");
    one_bad_cell("agent-profile", "Screen Popups", "On", "invalid-boolean");
}

#[test]
fn email() {
    one_bad_cell("user", "Email", "bob@", "invalid-email");
    one_bad_cell("user", "Email", "bob lee@example.com", "invalid-email");
}

#[test]
fn phone_without_plus() {
    // Issue 9: the API takes it (Default DN has no pattern), so it is a warning, not an error.
    let wd = Workdir::new();
    let mut c = users(3);
    c.set(1, "Default DN", "14085550123");
    validate(&wd, "users.csv", &c.bytes(), &[])
        .ok()
        .exactly(&[])
        .stderr_has(&format!(
            "warning: users.csv:3:{}: suspicious-phone:",
            c.col("Default DN")
        ))
        .stderr_has("'+'");
}

#[test]
fn phone_in_scientific_notation() {
    one_bad_cell("user", "Default DN", "4.47E+11", "invalid-phone")
        .stderr_has("scientific notation");
}

#[test]
fn phone_with_spaces() {
    one_bad_cell("user", "Default DN", "+1 408 555 0123", "invalid-phone");
}

#[test]
fn valid_phone_numbers_pass() {
    let wd = Workdir::new();
    let mut c = users(2);
    c.set(0, "Default DN", "+14085550123");
    c.set(1, "Default DN", "+1-408-555-0123");
    validate(&wd, "users.csv", &c.bytes(), &[]).ok();
}

#[test]
fn time_zone() {
    one_bad_cell(
        "entry-point",
        "Timezone",
        "Mars/Olympus_Mons",
        "invalid-timezone",
    );
    one_bad_cell(
        "entry-point",
        "Timezone",
        "america/new_york",
        "invalid-timezone",
    );
}

#[test]
fn name_beginning_with_a_digit() {
    one_bad_cell("entry-point", "Name", "9 Main", "invalid-name")
        .stderr_has("must begin with a letter");
}

#[test]
fn name_over_80_characters() {
    let long = format!("A{}", "b".repeat(80));
    one_bad_cell("entry-point", "Name", &long, "too-long").stderr_has("81 characters");
    // 80 is fine
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 1);
    c.set(0, "Name", &long[..80]);
    validate(&wd, "x.csv", &c.bytes(), &["--type", "entry-point"]).ok();
}

#[test]
fn disallowed_characters() {
    one_bad_cell("entry-point", "Name", "Main/Line", "invalid-characters").stderr_has("'/'");
}

#[test]
fn empty_list_item() {
    one_bad_cell("user", "Teams", "Sales||Billing", "empty-list-item");
}

#[test]
fn line_break_outside_a_description() {
    let wd = Workdir::new();
    let mut c = users(3);
    c.set(1, "External Id", "ab\ncd");
    let out = validate(&wd, "users.csv", &c.bytes(), &[]);
    out.code(3)
        .exactly(&[("line-break", 3, Some(c.col("External Id")))]);
}

#[test]
fn line_break_inside_a_description_is_fine() {
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 1);
    c.set(0, "Description", "first line\r\nsecond line");
    validate(&wd, "x.csv", &c.bytes(), &["--type", "entry-point"]).ok();
}

#[test]
fn wrong_field_count() {
    let wd = Workdir::new();
    let c = users(3);
    let mut recs = vec![c.header.clone()];
    recs.extend(c.rows.iter().cloned());
    recs[2].push("extra".into()); // line 3: one value too many
    recs[3].pop(); // line 4: one too few
    let out = validate(&wd, "users.csv", &encode_csv(&recs), &[]);
    out.code(3)
        .exactly(&[("field-count", 3, None), ("field-count", 4, None)])
        .stderr_has("extra");
}

#[test]
fn stray_quote() {
    let wd = Workdir::new();
    let c = users(3);
    let mut text = String::from_utf8(c.bytes()).unwrap();
    let line3 = text.lines().nth(2).unwrap().to_string();
    // A quote inside the unquoted second value.
    let mut cells: Vec<&str> = line3.split(',').collect();
    cells[1] = "Sample \"User\" Profile";
    text = text.replace(&line3, &cells.join(","));
    let out = validate(&wd, "users.csv", text.as_bytes(), &[]);
    out.code(3).exactly(&[("malformed-quote", 3, Some(2))]);
}

#[test]
fn unclosed_quote_at_end_of_file() {
    let wd = Workdir::new();
    let c = users(3);
    let mut bytes = c.bytes();
    let rest = encode_csv(&[users(5).rows[4].clone()]);
    bytes.push(b'"'); // opens a quote at line 5 that never closes
    bytes.extend_from_slice(&rest);
    bytes.extend_from_slice(b"more\r\ntext\r\n");
    let out = validate(&wd, "users.csv", &bytes, &[]);
    out.code(3).exactly(&[("unclosed-quote", 5, None)]);
}

#[test]
fn conditional_requirement() {
    let out = one_bad_cell("user", "Site", "", "missing-value");
    out.stderr_has("when \"Contact Center Enabled\" is \"On\"");
    // Off: Site is not required (Teams/Site empty, so no Desktop Profile needed either)
    let wd = Workdir::new();
    let mut c = users(1);
    c.set(0, "Contact Center Enabled", "Off").set(0, "Site", "");
    validate(&wd, "users.csv", &c.bytes(), &[]).ok();
}

#[test]
fn duplicate_user_emails_differing_only_in_case() {
    let wd = Workdir::new();
    let mut c = users(4);
    c.set(1, "Email", "Ann.Lee@Example.com");
    c.set(3, "Email", "ann.lee@example.COM");
    let out = validate(&wd, "users.csv", &c.bytes(), &[]);
    out.code(3)
        .exactly(&[("duplicate-identity", 5, Some(1))])
        .stderr_has("already defined on line 3");
}

#[test]
fn team_identity_is_name_and_site() {
    let wd = Workdir::new();
    let mut c = csv_of("team", 4);
    c.set(0, "Name", "Sales").set(0, "Site", "Berlin");
    c.set(1, "Name", "Sales").set(1, "Site", "Paris"); // same name, other site: fine
    c.set(2, "Name", "Support").set(2, "Site", "Berlin");
    c.set(3, "Name", "sales").set(3, "Site", "berlin"); // same name and site: duplicate
    let out = validate(&wd, "teams.csv", &c.bytes(), &[]);
    out.code(3)
        .exactly(&[("duplicate-identity", 5, Some(c.col("Name")))])
        .stderr_has("already defined on line 2");

    let wd = Workdir::new();
    c.rows.pop();
    validate(&wd, "teams.csv", &c.bytes(), &[]).ok();
}

#[test]
fn skill_profile_rows_of_one_profile_are_one_object() {
    let wd = Workdir::new();
    let mut c = csv_of("skill-profile", 0);
    for (name, skill) in [
        ("Tier1", "Spanish"),
        ("Tier1", "French"),
        ("Tier2", "Spanish"),
    ] {
        c.push_example(&[("Name", name), ("Skill Name", skill), ("Skill Value", "5")]);
    }
    validate(&wd, "skill-profiles.csv", &c.bytes(), &[]).ok();
    // Tier1 again after Tier2: a second definition
    c.push_example(&[
        ("Name", "Tier1"),
        ("Skill Name", "German"),
        ("Skill Value", "3"),
    ]);
    let out = validate(&wd, "skill-profiles.csv", &c.bytes(), &[]);
    out.code(3)
        .exactly(&[("duplicate-identity", 5, Some(1))])
        .stderr_has("already defined on line 2");
}

#[test]
fn empty_row() {
    let wd = Workdir::new();
    let c = users(3);
    let mut text = String::from_utf8(c.bytes()).unwrap();
    let empty = ",".repeat(c.header.len() - 1);
    text.push_str(&empty);
    text.push_str("\r\n");
    text.push_str(&String::from_utf8(encode_csv(&[users(5).rows[4].clone()])).unwrap());
    let out = validate(&wd, "users.csv", text.as_bytes(), &[]);
    out.code(3).exactly(&[("empty-row", 5, None)]);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let wd = Workdir::new();
    let mut c = users(6);
    c.set(0, "Email", "nope");
    c.set(2, "Contact Center Enabled", "Maybe");
    // Issue 9: "12345" (an extension) and "9th Floor" are valid for the API; these are not.
    c.set(2, "Default DN", "12 345");
    c.set(5, "Site", "9th Floor!");
    let out = validate(&wd, "users.csv", &c.bytes(), &[]);
    out.code(3).exactly(&[
        ("invalid-email", 2, Some(1)),
        ("invalid-enum", 4, Some(3)),
        ("invalid-phone", 4, Some(10)),
        ("invalid-characters", 7, Some(4)),
    ]);
    out.stderr_has("users.csv: invalid: 4 problems in 3 of 6 rows of user");
}

// ---------------------------------------------------------------- header

#[test]
fn headers_match_case_insensitively_and_trimmed() {
    let wd = Workdir::new();
    let mut c = users(2);
    c.header = c.header.iter().map(|h| h.to_uppercase()).collect();
    validate(&wd, "users.csv", &c.bytes(), &[]).ok();
    c.header[0] = " Email ".into();
    c.header[1] = "user profile".into();
    validate(&wd, "users.csv", &c.bytes(), &[]).ok();
}

#[test]
fn unknown_column_suggests_the_right_one() {
    let wd = Workdir::new();
    let mut c = users(2);
    c.header[0] = "Emial".into();
    let out = validate(&wd, "users.csv", &c.bytes(), &["--type", "user"]);
    out.code(3)
        .exactly(&[("unknown-column", 1, Some(1)), ("missing-column", 1, None)]);
    let p = out.problem_at("unknown-column", 1, Some(1));
    assert!(p.message.contains("did you mean \"Email\""), "{p:?}");
}

#[test]
fn missing_required_column() {
    let wd = Workdir::new();
    let c = users(2);
    let drop = c.col("User Profile") - 1;
    let recs: Vec<Vec<String>> = std::iter::once(&c.header)
        .chain(&c.rows)
        .map(|r| {
            let mut r = r.clone();
            r.remove(drop);
            r
        })
        .collect();
    let out = validate(&wd, "users.csv", &encode_csv(&recs), &[]);
    out.code(3)
        .exactly(&[("missing-column", 1, None)])
        .stderr_has("\"User Profile\"");
}

#[test]
fn duplicated_column() {
    let wd = Workdir::new();
    let c = users(2);
    let recs: Vec<Vec<String>> = std::iter::once(&c.header)
        .chain(&c.rows)
        .map(|r| {
            let mut r = r.clone();
            r.push(r[1].clone());
            r
        })
        .collect();
    let out = validate(&wd, "users.csv", &encode_csv(&recs), &[]);
    out.code(3)
        .exactly(&[("duplicate-column", 1, Some(c.header.len() + 1))]);
}

#[test]
fn a_downloaded_error_file_validates_as_is() {
    let wd = Workdir::new();
    let mut c = users(4);
    c.set(1, "Email", "broken@");
    // Not "4085550123": a national number is valid for the API (issue 9).
    c.set(3, "Default DN", "4.47E+11");
    validate(
        &wd,
        "users.csv",
        &c.bytes(),
        &["--errors-out", "users.errors.csv"],
    )
    .code(3);
    let errors = parse_csv(&wd.read("users.errors.csv"));
    let n = errors[0].len();
    assert_eq!(&errors[0][n - 2..], ["Line", "Error Message"]);
    // As downloaded: the same problems, no complaint about the two extra columns.
    let out = wd.run(&["validate", "--type", "user", "users.errors.csv"]);
    out.code(3).exactly(&[
        ("invalid-email", 2, Some(1)),
        ("invalid-phone", 3, Some(10)),
    ]);
    // Fixed in place, Line and Error Message still there: valid.
    let mut fixed = errors.clone();
    fixed[1][0] = "fixed@example.com".into();
    fixed[2][9] = "+14085550123".into();
    wd.write("users.errors.csv", encode_csv(&fixed));
    wd.run(&["validate", "--type", "user", "users.errors.csv"])
        .ok();
}

// ---------------------------------------------------------------- encodings and dialects

#[test]
fn utf8_with_bom() {
    let wd = Workdir::new();
    let mut c = users(3);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(c.bytes());
    validate(&wd, "users.csv", &bytes, &[]).ok();
    c.set(1, "Email", "x@");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(c.bytes());
    validate(&wd, "users.csv", &bytes, &[])
        .code(3)
        .exactly(&[("invalid-email", 3, Some(1))]);
}

fn utf16(text: &[u8], big_endian: bool) -> Vec<u8> {
    let text = std::str::from_utf8(text).unwrap();
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_le_and_be_with_bom() {
    for be in [false, true] {
        let wd = Workdir::new();
        let mut c = csv_of("team", 2);
        c.set(0, "Name", "Zoë Team").set(1, "Name", "Ærø Team");
        validate(&wd, "teams.csv", &utf16(&c.bytes(), be), &[]).ok();
        c.set(1, "Type", "Zoë");
        validate(&wd, "teams.csv", &utf16(&c.bytes(), be), &[])
            .code(3)
            .exactly(&[("invalid-enum", 3, Some(c.col("Type")))]);
    }
}

#[test]
fn invalid_utf8_names_line_and_byte_offset_and_the_encoding_flag_fixes_it() {
    let wd = Workdir::new();
    let mut c = csv_of("team", 3);
    c.set(0, "Name", "Team A").set(2, "Name", "Team C");
    c.set(1, "Name", "ZoXXe"); // replaced by windows-1252 bytes below
    let bytes = c.bytes();
    let at = bytes.windows(5).position(|w| w == b"ZoXXe").unwrap();
    let mut latin = bytes[..at].to_vec();
    latin.extend_from_slice(b"Zo\xEB");
    latin.extend_from_slice(&bytes[at + 5..]);
    let offset = at + 2;
    let out = validate(&wd, "teams.csv", &latin, &[]);
    out.code(3).exactly(&[("invalid-encoding", 3, None)]);
    let p = out.problem_at("invalid-encoding", 3, None);
    assert!(
        p.message.contains(&format!("byte offset {offset}")),
        "{p:?}"
    );
    assert!(p.message.contains("--encoding windows-1252"), "{p:?}");
    validate(&wd, "teams.csv", &latin, &["--encoding", "windows-1252"]).ok();
}

fn with_separator(c: &Csv, sep: u8) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(sep)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&c.header).unwrap();
    for r in &c.rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn semicolon_separated_is_refused_with_a_hint_and_accepted_with_the_flag() {
    let wd = Workdir::new();
    let mut c = users(3);
    c.set(0, "User Profile", "Supervisor, Read-Only"); // a comma inside a value
    let bytes = with_separator(&c, b';');
    validate(&wd, "users.csv", &bytes, &[])
        .code(3)
        .stdout_empty()
        .stderr_has("--delimiter ';'");
    validate(&wd, "users.csv", &bytes, &["--delimiter", ";"]).ok();
    c.set(2, "Email", "x@");
    validate(
        &wd,
        "users.csv",
        &with_separator(&c, b';'),
        &["--delimiter", ";"],
    )
    .code(3)
    .exactly(&[("invalid-email", 4, Some(1))]);
}

#[test]
fn tab_separated_is_refused_with_a_hint_and_accepted_with_the_flag() {
    let wd = Workdir::new();
    let c = users(3);
    let bytes = with_separator(&c, b'\t');
    validate(&wd, "users.csv", &bytes, &[])
        .code(3)
        .stderr_has("--delimiter '\\t'");
    validate(&wd, "users.csv", &bytes, &["--delimiter", "\\t"]).ok();
}

#[test]
fn crlf_lf_and_bare_cr_line_ends_give_the_same_places() {
    let mut c = users(4);
    c.set(2, "Email", "bad@");
    c.set(3, "Contact Center Enabled", "");
    let crlf = c.bytes();
    let lf = c.bytes_lf();
    let cr: Vec<u8> = lf
        .iter()
        .map(|&b| if b == b'\n' { b'\r' } else { b })
        .collect();
    for (what, bytes) in [("crlf", crlf), ("lf", lf), ("cr", cr)] {
        let wd = Workdir::new();
        let out = validate(&wd, "users.csv", &bytes, &[]);
        out.code(3)
            .exactly(&[("invalid-email", 4, Some(1)), ("missing-value", 5, Some(3))]);
        assert!(out.stderr.contains("4 rows"), "{what}: {}", out.stderr);
    }
}

#[test]
fn line_numbers_stay_right_after_a_blank_line_and_a_multiline_description() {
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 4);
    c.uniquify("Name");
    c.set(0, "Description", "one\r\ntwo\r\nthree"); // lines 2-4
    c.set(3, "Timezone", "Nowhere/Land");
    let mut text = String::from_utf8(c.bytes()).unwrap();
    // a blank line after the second row (line 5): rows 3 and 4 are on lines 7 and 8
    let second = text.match_indices("\r\n").nth(4).unwrap().0 + 2;
    text.insert_str(second, "\r\n");
    let out = validate(&wd, "x.csv", text.as_bytes(), &["--type", "entry-point"]);
    out.code(3)
        .exactly(&[("invalid-timezone", 8, Some(c.col("Timezone")))]);
}

// ---------------------------------------------------------------- reporting

/// 25 rows with a bad email among good ones, a blank line, and the columns in reverse order.
fn many_bad_emails() -> (Vec<u8>, Vec<u64>, Vec<String>) {
    let mut c = users(40);
    for i in (0..40).filter(|i| i % 8 < 5) {
        c.set(i, "Email", &format!("broken{i}@"));
    }
    let order: Vec<usize> = (0..c.header.len()).rev().collect();
    let reorder = |r: &Vec<String>| order.iter().map(|&i| r[i].clone()).collect::<Vec<_>>();
    let header = reorder(&c.header);
    let mut text = String::from_utf8(encode_csv(std::slice::from_ref(&header))).unwrap();
    let mut bad_lines = Vec::new();
    let mut line = 2;
    for (i, r) in c.rows.iter().enumerate() {
        if i == 20 {
            text.push_str("\r\n");
            line += 1;
        }
        if i % 8 < 5 {
            bad_lines.push(line);
        }
        text.push_str(std::str::from_utf8(&encode_csv(&[reorder(r)])).unwrap());
        line += 1;
    }
    (text.into_bytes(), bad_lines, header)
}

#[test]
fn more_than_20_problems_of_a_kind_are_capped_with_a_count() {
    let wd = Workdir::new();
    let (bytes, bad_lines, _) = many_bad_emails();
    assert_eq!(bad_lines.len(), 25);
    let out = validate(&wd, "users.csv", &bytes, &[]);
    out.code(3).stdout_empty();
    let shown = out.places("invalid-email");
    assert_eq!(shown.len(), 20, "{}", out.stderr);
    let col = Some(10); // Email is the last column of the reversed header
    let want: Vec<(u64, Option<usize>)> = bad_lines[..20].iter().map(|&l| (l, col)).collect();
    assert_eq!(shown, want);
    out.stderr_has("... and 5 more invalid-email problems")
        .stderr_has("--errors-out");
}

#[test]
fn errors_out_holds_every_invalid_row_with_original_columns_and_physical_lines() {
    let wd = Workdir::new();
    let (bytes, bad_lines, header) = many_bad_emails();
    let out = validate(&wd, "users.csv", &bytes, &["--errors-out", "bad.csv"]);
    out.code(3).stderr_has("every row is in bad.csv");
    let errors = parse_csv(&wd.read("bad.csv"));
    let mut want_header = header.clone();
    want_header.push("Line".into());
    want_header.push("Error Message".into());
    assert_eq!(errors[0], want_header);
    assert_eq!(errors.len() - 1, 25);
    let input = parse_csv(&bytes);
    for (row, &line) in errors[1..].iter().zip(&bad_lines) {
        assert_eq!(row[header.len()], line.to_string());
        assert!(
            row[header.len() + 1].contains("is not an email address"),
            "{row:?}"
        );
        // the original values, in the original order
        let original = input
            .iter()
            .find(|r| r[..] == row[..header.len()])
            .unwrap_or_else(|| panic!("row {row:?} is not in the input"));
        assert!(original[header.len() - 1].starts_with("broken"));
    }
}

#[test]
fn json_output_has_counts_and_every_error() {
    let wd = Workdir::new();
    let (bytes, bad_lines, _) = many_bad_emails();
    let out = validate(&wd, "users.csv", &bytes, &["--json"]);
    out.code(3);
    assert!(
        out.problems().is_empty(),
        "no problem lines on stderr with --json"
    );
    let v = out.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["exit_code"], 3);
    let f = &v["files"][0];
    assert_eq!(f["file"], "users.csv");
    assert_eq!(f["object_type"], "user");
    assert_eq!(f["rows"], 40);
    assert_eq!(f["issues"], 25);
    assert_eq!(f["invalid_rows"], 25);
    assert_eq!(f["by_kind"]["invalid-email"], 25);
    let errors = f["errors"].as_array().unwrap();
    let got: Vec<(u64, u64, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
                e["kind"].as_str().unwrap(),
            )
        })
        .collect();
    let want: Vec<(u64, u64, &str)> = bad_lines
        .iter()
        .map(|&l| (l, 10, "invalid-email"))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn json_output_of_a_valid_file() {
    let wd = Workdir::new();
    let out = validate(&wd, "users.csv", &users(3).bytes(), &["--json"]);
    out.ok();
    let v = out.json();
    assert_eq!(v["valid"], true);
    assert_eq!(v["files"][0]["rows"], 3);
    assert_eq!(v["files"][0]["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn several_files_at_once() {
    let wd = Workdir::new();
    wd.write("users.csv", users(2).bytes());
    let mut t = csv_of("team", 2);
    t.uniquify("Name");
    t.set(1, "Type", "BOTH");
    wd.write("teams.csv", t.bytes());
    let out = wd.run(&["validate", "users.csv", "teams.csv"]);
    out.code(3)
        .stdout_empty()
        .exactly(&[("invalid-enum", 3, Some(3))])
        .stderr_has("users.csv: valid: 2 rows of user")
        .stderr_has("teams.csv: invalid:");
    assert_eq!(out.problem_at("invalid-enum", 3, Some(3)).file, "teams.csv");
    let out = wd.run(&["validate", "users.csv", "teams.csv", "--json"]);
    out.code(3);
    let v = out.json();
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
    assert_eq!(v["files"][0]["valid"], true);
    assert_eq!(v["files"][1]["valid"], false);
}

#[test]
fn errors_out_directory_with_several_files() {
    let wd = Workdir::new();
    let mut u = users(2);
    u.set(0, "Email", "x@");
    wd.write("users.csv", u.bytes());
    let mut t = csv_of("team", 2);
    t.uniquify("Name");
    t.set(1, "Type", "BOTH");
    wd.write("teams.csv", t.bytes());
    wd.run(&["validate", "users.csv", "teams.csv", "--errors-out", "errs"])
        .code(3);
    assert_eq!(wd.list("errs"), ["teams.errors.csv", "users.errors.csv"]);
    let ue = parse_csv(&wd.read("errs/users.errors.csv"));
    assert_eq!(ue.len(), 2);
    assert_eq!(ue[1][u.header.len()], "2");
    let te = parse_csv(&wd.read("errs/teams.errors.csv"));
    assert_eq!(te.len(), 2);
    assert_eq!(te[1][t.header.len()], "3");
}

// ---------------------------------------------------------------- size

#[test]
fn a_5001_row_file_is_valid_and_import_will_split_it() {
    let wd = Workdir::new();
    let out = validate(&wd, "users.csv", &users(5001).bytes(), &[]);
    out.ok()
        .stderr_has("5,001 rows of user")
        .stderr_has("import will split it into 2 chunks");
    let out = validate(&wd, "users.csv", &users(5000).bytes(), &[]);
    out.ok().stderr_lacks("split");
}

// ---------------------------------------------------------------- type detection

#[test]
fn type_flag_wins_over_the_file_name() {
    let wd = Workdir::new();
    validate(&wd, "teams.csv", &users(1).bytes(), &["--type", "user"])
        .ok()
        .stderr_has("1 row of user (type from --type)");
}

#[test]
fn type_from_file_names() {
    for (name, t, c) in [
        ("users.csv", "user", users(1)),
        ("Users_export_2026-11.csv", "user", users(1)),
        (
            "skill-profiles.csv",
            "skill-profile",
            csv_of("skill-profile", 1),
        ),
    ] {
        let wd = Workdir::new();
        validate(&wd, name, &c.bytes(), &[])
            .ok()
            .stderr_has(&format!("1 row of {t} (type from file name)"));
    }
}

#[test]
fn type_from_the_header() {
    let wd = Workdir::new();
    validate(&wd, "x.csv", &users(1).bytes(), &[])
        .ok()
        .stderr_has("1 row of user (type from header)");
}

#[test]
fn an_ambiguous_header_lists_the_candidates() {
    let wd = Workdir::new();
    let out = validate(&wd, "x.csv", &csv_of("queue", 1).bytes(), &[]);
    out.code(2)
        .stdout_empty()
        .stderr_has("queue, outdial-queue")
        .stderr_has("--type");
}

#[test]
fn an_unknown_type_suggests_the_right_one() {
    let wd = Workdir::new();
    validate(&wd, "x.csv", &users(1).bytes(), &["--type", "usr"])
        .code(2)
        .stderr_has("did you mean user?");
    validate(&wd, "x.csv", &users(1).bytes(), &["--type", "skil-profile"])
        .code(2)
        .stderr_has("did you mean skill-profile?");
}

// ---------------------------------------------------------------- streams and usage

#[test]
fn human_output_goes_to_stderr_only() {
    let wd = Workdir::new();
    let mut c = users(2);
    validate(&wd, "users.csv", &c.bytes(), &[])
        .ok()
        .stdout_empty();
    c.set(0, "Email", "x@");
    validate(&wd, "users.csv", &c.bytes(), &[])
        .code(3)
        .stdout_empty();
}

#[test]
fn json_puts_only_json_on_stdout() {
    let wd = Workdir::new();
    let mut c = users(2);
    c.set(0, "Email", "x@");
    let out = validate(&wd, "users.csv", &c.bytes(), &["--json"]);
    out.code(3);
    out.json(); // the whole of stdout is one JSON document
    assert!(!out.stdout.contains("users.csv:2:1:"));
}

#[test]
fn usage_errors_exit_2() {
    let wd = Workdir::new();
    wd.run(&["validate"]).code(2);
    wd.run(&["validate", "--bogus", "x.csv"]).code(2);
}

// ---------------------------------------------------------------- more edges

#[test]
fn a_file_over_5mb_is_valid_and_validate_counts_the_chunks_split_would_cut() {
    let wd = Workdir::new();
    let mut c = users(2600);
    for r in c.rows.iter_mut() {
        r[8] = "e".repeat(2000); // External Id
    }
    let bytes = c.bytes();
    assert!(bytes.len() > 5_000_000);
    let out = validate(&wd, "users.csv", &bytes, &["--json"]);
    out.ok();
    let chunks = out.json()["files"][0]["chunks"].as_u64().unwrap();
    let plan = wd.run(&["split", "users.csv", "--dry-run", "--json"]);
    plan.ok();
    let planned = plan.json()["chunks"].as_array().unwrap().len() as u64;
    assert_eq!(chunks, planned);
    assert_eq!(chunks, 2);
    validate(&wd, "users.csv", &bytes, &[])
        .ok()
        .stderr_has(&format!("import will split it into {chunks} chunks"));
}

#[test]
fn empty_file_is_invalid() {
    let wd = Workdir::new();
    validate(&wd, "users.csv", b"", &[])
        .code(3)
        .stderr_has("users.csv")
        .stderr_has("empty");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let wd = Workdir::new();
    wd.run(&["validate", "nope.csv"])
        .code(1)
        .stderr_has("nope.csv");
}

#[test]
fn audio_file_type_is_not_a_csv() {
    let wd = Workdir::new();
    validate(&wd, "x.csv", &users(1).bytes(), &["--type", "audio-file"])
        .code(2)
        .stderr_has("bulk split --type audio-file");
}

#[test]
fn json_reports_a_file_that_cannot_be_read() {
    let wd = Workdir::new();
    wd.write("users.csv", users(1).bytes());
    wd.write("teams.csv", b"Name;Site;Type\r\nA;B;AGENT\r\n");
    let out = wd.run(&["validate", "users.csv", "teams.csv", "--json"]);
    out.code(3);
    let v = out.json();
    assert_eq!(v["files"][0]["valid"], true);
    assert_eq!(v["files"][1]["valid"], false);
    assert!(v["files"][1]["error"]
        .as_str()
        .unwrap()
        .contains("--delimiter ';'"));
}

#[test]
fn multiline_records_and_invalid_utf8_on_a_later_line_of_the_record() {
    let wd = Workdir::new();
    let mut c = csv_of("entry-point", 2);
    c.uniquify("Name");
    c.set(1, "Description", "one\r\ntwo\r\nthrXXe"); // lines 3-5
    let bytes = c.bytes();
    let at = bytes.windows(5).position(|w| w == b"thrXX").unwrap() + 3;
    let mut bad = bytes[..at].to_vec();
    bad.push(0xEE);
    bad.extend_from_slice(&bytes[at + 2..]);
    let out = validate(&wd, "x.csv", &bad, &["--type", "entry-point"]);
    out.code(3).exactly(&[("invalid-encoding", 5, None)]);
    let p = out.problem_at("invalid-encoding", 5, None);
    assert!(p.message.contains(&format!("byte offset {at}")), "{p:?}");
}

/// The byte offset must point into the file the user has: after a UTF-8 BOM it counts the BOM
/// too (as `bulk split` does for the same file).
#[test]
fn invalid_utf8_offset_counts_the_bom() {
    let wd = Workdir::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"Name,Site,Type\r\nZo\xEB,S1,AGENT\r\n");
    let offset = bytes.iter().position(|&b| b == 0xEB).unwrap();
    let out = validate(&wd, "teams.csv", &bytes, &[]);
    out.code(3).exactly(&[("invalid-encoding", 2, None)]);
    let split = wd.run(&["split", "teams.csv", "--dry-run"]);
    split.code(3).stderr_has(&format!("byte offset {offset}"));
    out.stderr_has(&format!("byte offset {offset}"));
}

/// A downloaded error file validates as is: a row reported empty is reported empty again, even
/// though its `Line` and `Error Message` cells are filled in.
#[test]
fn an_empty_row_of_an_error_file_is_still_an_empty_row() {
    let wd = Workdir::new();
    let c = users(2);
    let mut text = String::from_utf8(c.bytes()).unwrap();
    text.push_str(&",".repeat(c.header.len() - 1));
    text.push_str("\r\n");
    validate(
        &wd,
        "users.csv",
        text.as_bytes(),
        &["--errors-out", "e.csv"],
    )
    .code(3)
    .exactly(&[("empty-row", 4, None)]);
    wd.run(&["validate", "--type", "user", "e.csv"])
        .code(3)
        .exactly(&[("empty-row", 2, None)]);
}

#[test]
fn no_temporary_files_are_left_behind() {
    let wd = Workdir::new();
    let mut c = csv_of("team", 3);
    c.set(1, "Type", "BOTH");
    validate(&wd, "teams.csv", &utf16(&c.bytes(), false), &[]).code(3);
    validate(
        &wd,
        "teams.csv",
        &with_separator(&c, b';'),
        &["--delimiter", ";"],
    )
    .code(3);
    wd.run(&["split", "teams.csv", "--delimiter", ";", "--max-rows", "1"])
        .ok();
    let left: Vec<_> = std::fs::read_dir(wd.path(".env/tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// Regression (issue 9): `bulk validate DIR` refused the directory that `bulk import DIR` takes.
#[test]
fn a_directory_validates_every_csv_in_it() {
    let wd = Workdir::new();
    wd.write("d/sites.csv", crate::harness::sites_csv("Site ", 0..2));
    let mut bad = crate::harness::users(2);
    bad.push_str("bob@,Standard Agent,On,Site A,Team A,Default Desktop Profile\n");
    wd.write("d/users.csv", bad);
    wd.write("d/users.errors.csv", "old");
    wd.write("d/notes.txt", "mine");
    let out = wd.run(&["validate", "d"]).expect(3);
    out.stderr_has("d/users.csv:4:")
        .stderr_has("skipped d/notes.txt")
        .stderr_has("skipped d/users.errors.csv");
    out.stderr_has("d/sites.csv: valid: 2 rows");
    wd.run(&["validate", "d", "--errors-out", "errs"]).expect(3);
    assert!(wd.read_string("errs/users.errors.csv").contains("bob@"));
    wd.write("empty/x.txt", "");
    wd.run(&["validate", "empty"])
        .expect(2)
        .stderr_has("no CSV files");
}
