//! Job tables: an aligned table for a terminal (at most [`TABLE_WIDTH`] columns, ids shortened
//! to their shortest unique prefix), tab-separated text with a header line and full ids for
//! scripts, and key/value blocks for one job. The layout lives here so every command that lists
//! jobs prints them the same way.

use crate::api::wire::Job;
use tabled::grid::util::string::get_string_width;
use tabled::settings::object::Columns;
use tabled::settings::width::Truncate;
use tabled::settings::{Alignment, Modify, Style};
use time::OffsetDateTime;

/// The stable columns of the piped (tab-separated) job list, in order.
pub const JOB_COLUMNS: [&str; 8] = [
    "ID",
    "FILE NAME",
    "JOB TYPE",
    "OBJECT",
    "STATUS",
    "SUBMITTED BY",
    "START",
    "END",
];

/// The terminal table's columns, in order: the job type and object merge into JOB, and who
/// submitted it and when it ended are left to `bulk jobs show` so that the counts fit.
pub const TABLE_COLUMNS: [&str; 8] = [
    "ID", "FILE", "JOB", "STATUS", "CREATED", "UPDATED", "FAILED", "STARTED",
];

/// The widest the terminal table gets.
pub const TABLE_WIDTH: usize = 120;

/// The file names are cut first, but never below this width; then the JOB column.
const MIN_FILE_WIDTH: usize = 12;
const MIN_JOB_WIDTH: usize = 10;

/// Blank space around each cell of the terminal table (one character on each side).
const CELL_PADDING: usize = 2;

const FILE: usize = 1;
const JOB: usize = 2;
const FIRST_COUNT: usize = 4;
const LAST_COUNT: usize = 6;

fn time_human(t: Option<OffsetDateTime>) -> String {
    match t {
        None => "-".into(),
        Some(t) => {
            let fmt = time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            );
            t.to_offset(time::UtcOffset::UTC)
                .format(&fmt)
                .unwrap_or_else(|_| "-".into())
        }
    }
}

/// RFC 3339 in UTC with a fixed precision (whole seconds), so that every line has the same
/// shape whatever the service's clock resolution.
fn time_plain(t: Option<OffsetDateTime>) -> String {
    match t {
        None => "-".into(),
        Some(t) => {
            let fmt =
                time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
            t.to_offset(time::UtcOffset::UTC)
                .format(&fmt)
                .unwrap_or_else(|_| "-".into())
        }
    }
}

fn plain_cells(job: &Job) -> [String; 8] {
    [
        job.id.clone(),
        job.file_name.clone(),
        job.job_type.as_str().to_string(),
        job.object_type.clone(),
        job.status.as_str().to_string(),
        job.submitted_by.clone(),
        time_plain(job.started_at),
        time_plain(job.finished_at),
    ]
}

/// Each id cut to its shortest prefix that no other id starts with (case-insensitively, as
/// `bulk jobs show` matches prefixes), and never shorter than `min` characters. An id that is
/// a prefix of another, or listed twice, stays whole.
pub fn unique_prefixes(ids: &[&str], min: usize) -> Vec<String> {
    let lower: Vec<Vec<char>> = ids
        .iter()
        .map(|id| id.to_lowercase().chars().collect())
        .collect();
    let common = |a: &[char], b: &[char]| a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| lower[a].cmp(&lower[b]));
    let mut need = vec![0usize; ids.len()];
    for pair in order.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let n = common(&lower[a], &lower[b]) + 1;
        need[a] = need[a].max(n);
        need[b] = need[b].max(n);
    }
    ids.iter()
        .zip(need)
        .map(|(id, n)| id.chars().take(n.max(min)).collect())
        .collect()
}

/// A cell for the terminal: tabs and line breaks become spaces, control characters are escaped.
fn cell(s: &str) -> String {
    super::terminal_safe(&s.replace(['\t', '\n', '\r'], " ")).into_owned()
}

/// `s` cut to `width` display columns, ending with an ellipsis when cut.
fn ellipsis(s: &str, width: usize) -> String {
    if get_string_width(s) <= width {
        return s.to_string();
    }
    format!("{}…", Truncate::truncate(s, width.saturating_sub(1)))
}

/// The terminal table's rows (header first), with ids shortened to unique prefixes of at least
/// `min_id` characters and file names (then job names) cut so that the table fits.
fn table_rows(jobs: &[Job], min_id: usize) -> Vec<[String; 8]> {
    use super::thousands;
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    let mut rows: Vec<[String; 8]> = vec![TABLE_COLUMNS.map(String::from)];
    for (j, id) in jobs.iter().zip(unique_prefixes(&ids, min_id)) {
        rows.push([
            cell(&id),
            cell(&j.file_name),
            cell(&format!("{} {}", j.job_type.as_str(), j.object_type)),
            j.status.as_str().to_string(),
            thousands(j.objects_created),
            thousands(j.objects_updated),
            thousands(j.rows_failed),
            time_human(j.started_at),
        ]);
    }
    let width = |rows: &[[String; 8]], c: usize| {
        rows.iter()
            .map(|r| get_string_width(&r[c]))
            .max()
            .unwrap_or(0)
    };
    for (column, min) in [(FILE, MIN_FILE_WIDTH), (JOB, MIN_JOB_WIDTH)] {
        let total: usize = (0..TABLE_COLUMNS.len())
            .map(|c| width(&rows, c) + CELL_PADDING)
            .sum();
        if total <= TABLE_WIDTH {
            break;
        }
        let fit = width(&rows, column)
            .saturating_sub(total - TABLE_WIDTH)
            .max(min);
        for r in rows.iter_mut().skip(1) {
            r[column] = ellipsis(&r[column], fit);
        }
    }
    rows
}

/// The jobs as an aligned table for a terminal, at most [`TABLE_WIDTH`] columns wide: ids as
/// their shortest unique prefix (at least `min_id` characters), counts right-aligned, times in
/// UTC, long file names cut with an ellipsis.
pub fn jobs_table(jobs: &[Job], min_id: usize) -> String {
    let mut b = tabled::builder::Builder::default();
    for r in table_rows(jobs, min_id) {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::empty())
        .with(Modify::new(Columns::new(FIRST_COUNT..=LAST_COUNT)).with(Alignment::right()));
    let mut out = String::new();
    for line in t.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Stable plain text: a header line, then one job per line, fields separated by tabs, full ids,
/// times in RFC 3339, `-` for a time not yet known. Tabs and line breaks inside a field become
/// spaces.
pub fn jobs_plain(jobs: &[Job]) -> String {
    let mut out = JOB_COLUMNS
        .iter()
        .map(|c| c.to_lowercase().replace(' ', "_"))
        .collect::<Vec<_>>()
        .join("\t");
    out.push('\n');
    for j in jobs {
        let line: Vec<String> = plain_cells(j)
            .iter()
            .map(|c| c.replace(['\t', '\n', '\r'], " "))
            .collect();
        out.push_str(&line.join("\t"));
        out.push('\n');
    }
    out
}

/// One job as `field<TAB>value` lines (plain) or aligned `field: value` lines (terminal).
pub fn job_details(job: &Job, aligned: bool) -> String {
    let when = if aligned { time_human } else { time_plain };
    let mut rows: Vec<(&str, String)> = vec![
        ("id", job.id.clone()),
        ("file_name", job.file_name.clone()),
        ("job_type", job.job_type.as_str().into()),
        ("object_type", job.object_type.clone()),
        ("status", job.status.as_str().into()),
        ("submitted_by", job.submitted_by.clone()),
        ("created_at", when(Some(job.created_at))),
        ("started_at", when(job.started_at)),
        ("finished_at", when(job.finished_at)),
        ("rows_total", job.rows_total.to_string()),
        ("rows_processed", job.rows_processed.to_string()),
        ("rows_succeeded", job.rows_succeeded.to_string()),
        ("rows_failed", job.rows_failed.to_string()),
        ("objects_created", job.objects_created.to_string()),
        ("objects_updated", job.objects_updated.to_string()),
        ("has_errors_file", job.has_errors_file.to_string()),
        ("has_result_file", job.has_result_file.to_string()),
    ];
    if let Some(r) = &job.failure_reason {
        rows.push(("failure_reason", r.clone()));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        let v = v.replace(['\t', '\n', '\r'], " ");
        if aligned {
            out.push_str(&format!("{k:<width$}  {v}\n"));
        } else {
            out.push_str(&format!("{k}\t{v}\n"));
        }
    }
    out
}

/// The summary of an import, one line per input: a rounded table on a terminal, blank-separated
/// columns otherwise.
pub fn import_summary(results: &[crate::import::FileOutcome], terminal: bool) -> String {
    use super::thousands;
    #[derive(tabled::Tabled)]
    struct Line {
        file: String,
        #[tabled(rename = "type")]
        object_type: String,
        rows: String,
        created: String,
        updated: String,
        failed: String,
        jobs: usize,
    }
    let lines: Vec<Line> = results
        .iter()
        .map(|r| Line {
            file: r.file.clone(),
            object_type: r.object_type.clone(),
            rows: thousands(r.rows),
            created: thousands(r.created),
            updated: thousands(r.updated),
            failed: thousands(r.failed),
            jobs: r.jobs.len(),
        })
        .collect();
    let mut table = tabled::Table::new(lines);
    if terminal {
        table.with(Style::rounded());
    } else {
        table.with(Style::blank());
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::{JobStatus, JobType};

    fn job() -> Job {
        Job {
            id: "j1".into(),
            file_name: "sites\tx.csv".into(),
            job_type: JobType::Import,
            object_type: "site".into(),
            status: JobStatus::Completed,
            submitted_by: "a@example.com".into(),
            created_at: time::macros::datetime!(2026-01-02 03:04:05 UTC),
            started_at: Some(time::macros::datetime!(2026-01-02 03:04:06 UTC)),
            finished_at: None,
            rows_total: 1,
            rows_processed: 1,
            rows_succeeded: 1,
            rows_failed: 0,
            objects_created: 1,
            objects_updated: 0,
            failure_reason: None,
            has_errors_file: false,
            has_result_file: false,
            rows_warned: 0,
        }
    }

    #[test]
    fn plain_text_is_one_tab_separated_line_per_job() {
        let s = jobs_plain(&[job()]);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(
            lines[0],
            "id\tfile_name\tjob_type\tobject\tstatus\tsubmitted_by\tstart\tend"
        );
        assert_eq!(
            lines[1],
            "j1\tsites x.csv\timport\tsite\tcompleted\ta@example.com\t2026-01-02T03:04:06Z\t-"
        );
    }

    /// Regression (issue 9): piped times had as many fraction digits as the clock gave.
    #[test]
    fn plain_times_are_utc_rfc3339_with_a_fixed_precision() {
        let t = time::macros::datetime!(2026-01-02 03:04:06.123456 +02:00);
        assert_eq!(time_plain(Some(t)), "2026-01-02T01:04:06Z");
        let t = time::macros::datetime!(2026-01-02 03:04:06 UTC);
        assert_eq!(time_plain(Some(t)), "2026-01-02T03:04:06Z");
    }

    #[test]
    fn table_has_the_dashboard_columns_counts_and_zoned_times() {
        let mut other = job();
        other.id = "j2".into();
        let mut j = job();
        j.objects_created = 1234;
        j.objects_updated = 56;
        j.rows_failed = 7;
        let s = jobs_table(&[j, other], 1);
        let lines: Vec<&str> = s.lines().collect();
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(header, TABLE_COLUMNS, "{s}");
        let row: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            row,
            [
                "j1",
                "sites",
                "x.csv",
                "import",
                "site",
                "completed",
                "1,234",
                "56",
                "7",
                "2026-01-02",
                "03:04:06",
                "UTC"
            ],
            "{s}"
        );
        assert!(!s.contains('\t'), "{s}");
        assert!(lines[2].trim_start().starts_with("j2 "), "{s}");
    }

    #[test]
    fn ids_are_cut_to_their_shortest_unique_prefix_of_at_least_the_minimum() {
        let ids = [
            "3f2c1a00-0000-4000-8000-000000000000",
            "3f2c1aff-1111-4000-8000-000000000000",
            "9abcdef0-2222-4000-8000-000000000000",
            "3F2C1A0B-3333-4000-8000-000000000000",
            "same",
            "same",
        ];
        assert_eq!(
            unique_prefixes(&ids, 6),
            ["3f2c1a00", "3f2c1af", "9abcde", "3F2C1A0B", "same", "same"]
        );
        assert_eq!(unique_prefixes(&["abc"], 6), ["abc"]);
        assert!(unique_prefixes(&[], 6).is_empty());
    }

    /// Issue 9: the terminal table fits 120 columns, even with long file names, long object
    /// types and large counts; file names are cut with an ellipsis, ids keep a unique prefix.
    #[test]
    fn terminal_table_fits_120_columns() {
        let long = "a-very-long-file-name-that-an-admin-exported-from-a-spreadsheet-named-after-the-whole-contact-centre-2026.csv";
        let jobs: Vec<Job> = (0..3)
            .map(|i| {
                let mut j = job();
                j.id = format!("3f2c1a0{i}-0000-4000-8000-00000000000{i}");
                j.file_name = format!("{long}{i}");
                j.object_type = "outdial-entry-point".into();
                j.status = JobStatus::CompletedWithErrors;
                j.objects_created = 9_999_999;
                j.objects_updated = 8_888_888;
                j.rows_failed = 7_777_777;
                j
            })
            .collect();
        let s = jobs_table(&jobs, 6);
        for line in s.lines() {
            assert!(
                get_string_width(line) <= TABLE_WIDTH,
                "{} columns: {line}",
                get_string_width(line)
            );
        }
        assert_eq!(s.lines().count(), 4, "{s}");
        for i in 0..3 {
            let line = s.lines().nth(i + 1).unwrap();
            assert!(line.contains(&format!(" 3f2c1a0{i} ")), "{line}");
            assert!(line.contains(" a-very-long"), "{line}");
            assert!(line.contains('…'), "{line}");
            assert!(line.contains("9,999,999"), "{line}");
            assert!(line.contains("8,888,888"), "{line}");
            assert!(line.contains("7,777,777"), "{line}");
            assert!(line.contains("completed_with_errors"), "{line}");
            assert!(line.contains("2026-01-02 03:04:06 UTC"), "{line}");
        }
    }
}
