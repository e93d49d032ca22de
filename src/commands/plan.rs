//! `bulk import --plan`: what an import would do to the organisation, object by object, and
//! nothing sent; and the plan step of `bulk import --changed-only`.

use crate::api::wait::Cancel;
use crate::cli::ImportArgs;
use crate::context::{self, Context};
use crate::error::Exit;
use crate::import::preview::{self, Counts, FilePlan};
use crate::import::{self, Inputs};
use crate::output::{plural, terminal_safe, Printer};
use crate::wxcc::plan::{Action, Planned};
use anyhow::Context as _;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// The `--json` document of a plan.
#[derive(Serialize)]
struct PlanDoc<'a> {
    /// One entry per input, in import order.
    files: &'a [FilePlan],
    /// The counts of all files.
    summary: Counts,
    /// Whether an import would create or update anything.
    changes: bool,
    /// Requests the plan sent to the Configuration API (reads only).
    requests: u64,
    exit_code: u8,
}

/// `bulk import --plan`.
pub fn run(args: ImportArgs, printer: &Printer, _cancel: &Cancel) -> anyhow::Result<Exit> {
    let settings = super::import::settings(&args)?;
    let inputs = import::prepare(&settings)?;
    super::import::report_skipped(&inputs, printer);
    let ctx = context::connect(&super::remote_settings(&args.remote), printer)?;
    let reporter = crate::output::progress::ImportProgress::new(printer);
    let checked = match import::check_only(&settings, inputs, &ctx, &reporter)? {
        Ok(checked) => checked,
        Err(invalid) => {
            super::import::render(&invalid, &settings, printer)?;
            return Ok(invalid.exit);
        }
    };
    let (plans, requests) = make_plan(&ctx, checked.iter())?;
    let summary = plans
        .iter()
        .fold(Counts::default(), |acc, p| acc.plus(p.summary));
    let exit = if summary.error > 0 {
        Exit::RowErrors
    } else if args.detailed_exitcode && summary.changes() {
        Exit::Changes
    } else {
        Exit::Ok
    };
    let shown = if printer.json {
        let doc = PlanDoc {
            files: &plans,
            summary,
            changes: summary.changes(),
            requests,
            exit_code: exit.code(),
        };
        printer.json_doc(&serde_json::to_value(&doc)?)
    } else {
        printer.data(render(&plans, summary).as_bytes())
    };
    if let Err(e) = shown {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    printer.info(format!(
        "nothing was sent: this is a plan ({} to the Configuration API, reads only)",
        plural(requests, "request")
    ));
    Ok(exit)
}

/// Plans `inputs` against the Configuration API of `ctx`'s target; the plans and the number
/// of requests they took.
fn make_plan<'a>(
    ctx: &Context,
    inputs: impl IntoIterator<Item = &'a import::plan::Input>,
) -> anyhow::Result<(Vec<FilePlan>, u64)> {
    let api = ctx.config_api()?;
    let tenant = api
        .tenant()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("cannot reach the Configuration API")?;
    // The sandbox (without --strict-people) creates a missing person on a user row.
    let creates_people = ctx.target.is_sandbox();
    let plans = preview::plan(inputs, &tenant, creates_people)?;
    Ok((plans, tenant.requests()))
}

/// `--changed-only`: plans the inputs and marks the unchanged objects to be left out; says
/// how many.
pub fn leave_unchanged(inputs: &mut Inputs, ctx: &Context) -> anyhow::Result<()> {
    let (plans, requests) = make_plan(ctx, inputs.inputs().iter())?;
    let mut lines: HashMap<String, BTreeSet<u64>> = HashMap::new();
    for p in &plans {
        ctx.printer.info(format!(
            "{}: {}, {} to create, {} to update; only those are sent (--changed-only)",
            p.file,
            plural(p.summary.unchanged, "unchanged object"),
            p.summary.create,
            p.summary.update,
        ));
        lines.insert(p.file.clone(), p.unchanged_lines());
    }
    ctx.printer.info(format!(
        "planned with {} to the Configuration API",
        plural(requests, "request")
    ));
    inputs.leave_unchanged(lines);
    Ok(())
}

/// The plan as text: one line per object (`FILE:LINE: ACTION TYPE "NAME"`), each changed
/// column of an update indented below it (`COLUMN: OLD → NEW`), a summary per file and one
/// for all.
fn render(plans: &[FilePlan], total: Counts) -> String {
    let mut out = String::new();
    for p in plans {
        if let Some(why) = &p.not_planned {
            let _ = writeln!(out, "{}: not planned: {why}", p.file);
            continue;
        }
        for o in &p.objects {
            let _ = writeln!(out, "{}", object_line(&p.file, &p.object_type, o));
            match &o.action {
                Action::Update { changes } => {
                    for c in changes {
                        let _ = writeln!(
                            out,
                            "    {}: {} → {}",
                            c.column,
                            shown(&c.old),
                            shown(&c.new)
                        );
                    }
                }
                Action::Error { message } => {
                    let _ = writeln!(out, "    {message}");
                }
                _ => {}
            }
        }
        let _ = writeln!(out, "{}: {}", p.file, counts(p.summary));
    }
    if plans.len() > 1 {
        let _ = writeln!(out, "all files: {}", counts(total));
    }
    terminal_safe(&out).into_owned()
}

fn object_line(file: &str, object_type: &str, o: &Planned) -> String {
    let first = o.lines.first().copied().unwrap_or(0);
    let rows = if o.lines.len() > 1 {
        format!(" ({} rows)", o.lines.len())
    } else {
        String::new()
    };
    format!(
        "{file}:{first}: {} {object_type} \"{}\"{rows}",
        o.action.as_str(),
        o.name
    )
}

fn shown(v: &str) -> String {
    if v.is_empty() {
        "(blank)".into()
    } else {
        format!("\"{v}\"")
    }
}

/// `2 to create, 1 to update, 3 unchanged, 0 errors`.
fn counts(c: Counts) -> String {
    format!(
        "{} to create, {} to update, {} unchanged, {}",
        c.create,
        c.update,
        c.unchanged,
        plural(c.error, "error")
    )
}
