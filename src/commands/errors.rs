//! `bulk errors`: download a job's error CSV (the failed rows plus an Error Message column).

use crate::cli::ErrorsArgs;
use crate::context::connect;
use crate::error::{Exit, Failure};
use crate::output::Printer;

pub fn run(args: ErrorsArgs, printer: &Printer) -> anyhow::Result<Exit> {
    if let Some(p) = args.output.as_deref().filter(|p| p.as_os_str() != "-") {
        super::refuse_clobber(p, args.force)?;
    }
    let ctx = connect(&super::remote_settings(&args.remote), printer)?;
    let id = ctx.job_id(&args.id)?;
    let Some(bytes) = ctx.api.errors(&id).map_err(anyhow::Error::from)? else {
        let job = ctx.api.job(&id, None).map_err(anyhow::Error::from)?;
        let why = if job.status.is_active() {
            format!(
                "it is still {}; `bulk jobs wait {}` waits for it",
                job.status.as_str(),
                job.id
            )
        } else if job.rows_failed == 0 {
            format!("it is {} with no failed rows", job.status.as_str())
        } else {
            format!("it is {}", job.status.as_str())
        };
        return Err(Failure::new(
            Exit::Runtime,
            format!("job {} has no error file: {why}", job.id),
        )
        .into());
    };
    // The service numbers the rows by the chunk it received; the import that sent it knows
    // the lines of the admin's file.
    let bytes = match crate::import::lines::renumber(&id, &bytes)? {
        Some((b, input)) => {
            printer.info(format!(
                "the Line column gives the lines of {input} (as in its merged error file)"
            ));
            b
        }
        None => {
            printer.info(format!(
                "the Line column counts the lines of the file job {id} received (a chunk), not of your input: this data directory did not run its import"
            ));
            bytes
        }
    };
    match args.output.as_deref() {
        None => write_stdout(printer, &bytes)?,
        Some(p) if p.as_os_str() == "-" => write_stdout(printer, &bytes)?,
        Some(p) => {
            crate::fsutil::write_atomic(p, &bytes)?;
            if printer.json {
                printer.json_doc(&serde_json::json!({
                    "job_id": id,
                    "path": p,
                    "bytes": bytes.len(),
                }))?;
            } else {
                printer.info(format!(
                    "wrote the error file of job {} to {}",
                    id,
                    p.display()
                ));
            }
        }
    }
    Ok(Exit::Ok)
}

/// The CSV itself is the data; with `--json` it is wrapped in one document.
fn write_stdout(printer: &Printer, bytes: &[u8]) -> anyhow::Result<()> {
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "csv": String::from_utf8_lossy(bytes),
        }))?;
    } else {
        printer.data(bytes)?;
    }
    Ok(())
}
