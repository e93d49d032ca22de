//! `bulk import`: arguments -> settings -> the import workflow (`crate::import`) -> what the
//! admin sees (a summary table, the next step, or the `--json` document) and the exit code.

use crate::api::wait::Cancel;
use crate::cli::ImportArgs;
use crate::context;
use crate::error::{Exit, Failure};
use crate::import::{self, FileOutcome, Outcome, Settings, Stop};
use crate::input::{InputOptions, Unguard};
use crate::output::{plural, thousands, Printer};
use std::time::Instant;

pub fn run(args: ImportArgs, printer: &Printer, cancel: &Cancel) -> anyhow::Result<Exit> {
    if args.plan {
        return super::plan::run(args, printer, cancel);
    }
    let started = Instant::now();
    let settings = settings(&args)?;
    let mut inputs = import::prepare(&settings)?;
    report_skipped(&inputs, printer);
    let ctx = context::connect(&super::remote_settings(&args.remote), printer)?;
    if args.changed_only {
        super::plan::leave_unchanged(&mut inputs, &ctx)?;
    }
    let reporter = crate::output::progress::ImportProgress::new(printer);
    let outcome = import::run(&settings, inputs, &ctx, &reporter, cancel, started)?;
    // A reader that went away (`| head -1`) does not change what the import did: its exit
    // code stands.
    if let Err(e) = render(&outcome, &settings, printer) {
        if !is_broken_pipe(&e) {
            return Err(e);
        }
    }
    Ok(outcome.exit)
}

/// Names the files of the directories given that are not imported, and why.
pub(super) fn report_skipped(inputs: &import::Inputs, printer: &Printer) {
    for s in &inputs.skipped {
        let line = format!("skipped {}: {}", s.path.display(), s.why);
        if s.error_file {
            printer.warn(line);
        } else {
            printer.info(line);
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Resolves the command line into the workflow's settings.
pub(super) fn settings(args: &ImportArgs) -> anyhow::Result<Settings> {
    let unguard = if args.excel_safe {
        Unguard::Always
    } else if args.keep_guards {
        Unguard::Never
    } else {
        Unguard::IfExport
    };
    let input = InputOptions {
        unguard,
        ..InputOptions::resolve(
            args.input.encoding.as_deref(),
            args.input.delimiter.as_deref(),
        )
        .map_err(Failure::usage)?
    };
    Ok(Settings {
        paths: args.paths.clone(),
        object_type: args.input.object_type.clone(),
        input,
        encoding: args.input.encoding.clone(),
        delimiter: args.input.delimiter.clone(),
        skip_invalid: args.skip_invalid,
        include_errors: args.include_errors,
        errors_out: args.errors_out.clone(),
        resume: args.resume,
        restart: args.restart,
        no_wait: args.no_wait,
        timeout: args.timeout,
        resume_command: resume_command(args),
    })
}

/// Shows the outcome: the `--json` document, or the problems, the next step and the summary.
pub(super) fn render(
    outcome: &Outcome,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<()> {
    let resume_cmd = &settings.resume_command;
    match &outcome.stop {
        None => {
            if !printer.json {
                for inv in &outcome.invalid {
                    report_invalid(inv, printer)?;
                }
            }
        }
        Some(Stop::Finished) => {}
        Some(Stop::NoWait(job)) => match job {
            Some(j) => printer.info(format!(
                "job {j} is running on the service; `{resume_cmd}` waits for it and submits the rest (or `bulk jobs wait {j}`)"
            )),
            None => printer.info(format!(
                "nothing submitted now: another job is running; run `{resume_cmd}` later"
            )),
        },
        Some(Stop::Interrupted(job)) => {
            let running = job
                .as_ref()
                .map(|j| format!("job {j} continues on the service; "))
                .unwrap_or_default();
            printer.problem(format!(
                "interrupted: no further chunks submitted; {running}resume with `{resume_cmd}`"
            ));
        }
        Some(Stop::TimedOut(job)) => {
            let running = job
                .as_ref()
                .map(|j| format!("job {j} continues on the service; "))
                .unwrap_or_default();
            printer.problem(format!(
                "timed out waiting after {}; {running}resume with `{resume_cmd}`",
                settings
                    .timeout
                    .map(|t| format!("{}s", t.as_secs()))
                    .unwrap_or_default()
            ));
        }
    }
    if printer.json {
        printer.json_doc(&serde_json::to_value(outcome)?)?;
    } else if outcome.stop == Some(Stop::Finished) {
        print_summary(&outcome.imports, printer);
    }
    Ok(())
}

/// The command that resumes this import: the same inputs and options, plus `--resume`.
fn resume_command(args: &ImportArgs) -> String {
    let mut parts = vec!["bulk".to_string(), "import".to_string()];
    for p in &args.paths {
        parts.push(shell_quote(&p.display().to_string()));
    }
    let mut opt = |flag: &str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push(flag.to_string());
            parts.push(shell_quote(v));
        }
    };
    opt("--type", &args.input.object_type);
    opt("--encoding", &args.input.encoding);
    opt("--delimiter", &args.input.delimiter);
    opt("--profile", &args.remote.profile);
    opt(
        "--errors-out",
        &args.errors_out.as_ref().map(|p| p.display().to_string()),
    );
    if args.skip_invalid {
        parts.push("--skip-invalid".into());
    }
    if args.include_errors {
        parts.push("--include-errors".into());
    }
    if args.excel_safe {
        parts.push("--excel-safe".into());
    }
    if args.keep_guards {
        parts.push("--keep-guards".into());
    }
    if args.changed_only {
        parts.push("--changed-only".into());
    }
    parts.push("--resume".into());
    parts.join(" ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// One invalid input: its problems on stderr (as `bulk validate` prints them) and what to do.
fn report_invalid(inv: &import::plan::Invalid, printer: &Printer) -> anyhow::Result<()> {
    let v = &inv.validation;
    let r = &v.report;
    crate::output::problems::print_problems(v, Some(&inv.errors_out), printer)?;
    printer.problem(format!(
        "{}: invalid: {} in {} of {} of {}; nothing was sent. Fix the rows listed in {} (or pass --skip-invalid to send the valid rows)",
        r.file,
        plural(r.issues, "problem"),
        thousands(r.invalid_rows),
        plural(r.rows, "row"),
        r.object_type,
        inv.errors_out.display()
    ));
    Ok(())
}

/// The summary table (not with --quiet), and where each error file is (even with --quiet: that
/// is the result, not chatter).
fn print_summary(results: &[FileOutcome], printer: &Printer) {
    printer.info(crate::output::table::import_summary(
        results,
        printer.stderr_is_tty(),
    ));
    for r in results.iter().filter(|r| r.unchanged > 0) {
        printer.info(format!(
            "{}: {} of unchanged objects not sent (--changed-only)",
            r.file,
            plural(r.unchanged, "row")
        ));
    }
    for r in results {
        if let Some(f) = &r.error_file {
            printer.result(format!(
                "{}: {} not imported; fix {} in {} and run `bulk import {}`",
                r.file,
                plural(r.failed, "row"),
                if r.failed == 1 { "it" } else { "them" },
                f,
                shell_quote(f)
            ));
        }
    }
}
