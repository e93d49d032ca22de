//! Job tables: a boxed table (tabled) for a terminal, tab-separated text with a header line for
//! scripts, and key/value blocks for one job. The layout lives here so every command that lists
//! jobs prints them the same way.

use crate::api::wire::Job;
use tabled::settings::Style;
use time::OffsetDateTime;

/// The dashboard's columns, in order.
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

fn cells(job: &Job, when: fn(Option<OffsetDateTime>) -> String) -> [String; 8] {
    [
        job.id.clone(),
        job.file_name.clone(),
        job.job_type.as_str().to_string(),
        job.object_type.clone(),
        job.status.as_str().to_string(),
        job.submitted_by.clone(),
        when(job.started_at),
        when(job.finished_at),
    ]
}

/// A boxed table of jobs for a terminal (times in UTC).
pub fn jobs_table(jobs: &[Job]) -> String {
    let mut b = tabled::builder::Builder::default();
    b.push_record(JOB_COLUMNS);
    for j in jobs {
        b.push_record(cells(j, time_human));
    }
    let mut t = b.build();
    t.with(Style::sharp());
    format!("{t}\n")
}

/// Stable plain text: a header line, then one job per line, fields separated by tabs, times in
/// RFC 3339, `-` for a time not yet known. Tabs and line breaks inside a field become spaces.
pub fn jobs_plain(jobs: &[Job]) -> String {
    let mut out = JOB_COLUMNS
        .iter()
        .map(|c| c.to_lowercase().replace(' ', "_"))
        .collect::<Vec<_>>()
        .join("\t");
    out.push('\n');
    for j in jobs {
        let line: Vec<String> = cells(j, time_plain)
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
    fn table_has_the_dashboard_columns() {
        let s = jobs_table(&[job()]);
        for c in JOB_COLUMNS {
            assert!(s.contains(c), "{c} missing in\n{s}");
        }
        assert!(
            s.contains("2026-01-02 03:04:06 UTC"),
            "times name their zone"
        );
    }
}
