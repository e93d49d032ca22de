//! `bulk template`: the header row (and an example row) of an object type's CSV.
//!
//! With a real target (a profile, or `BULK_URL` and `BULK_TOKEN`) the header comes from the
//! service, so it matches what that service accepts; if the service cannot be reached, the
//! built-in schema stands in and a warning says so. With no profile (the local sandbox serves
//! the built-in schema itself) or `--offline`, the built-in schema is used without a request.

use crate::api::client::ApiError;
use crate::cli::{RemoteArgs, TemplateArgs};
use crate::context::connect;
use crate::error::{Exit, Failure};
use crate::input::write_record;
use crate::output::Printer;
use crate::schema::{example_row, find_type, registry, FileKind};
use anyhow::Context;

pub fn run(args: TemplateArgs, printer: &Printer) -> anyhow::Result<Exit> {
    if args.list {
        return list(printer);
    }
    let given = args.object_type.as_deref().unwrap_or_default();
    let t = find_type(given)?;
    if t.file == FileKind::Zip {
        return Err(Failure::usage(format!(
            "{} has no CSV template: upload a ZIP of WAV files (`bulk split --type {} DIR` packs them)",
            t.display_name, t.id
        ))
        .into());
    }
    let to_file = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    if let Some(p) = to_file {
        super::refuse_clobber(p, args.force)?;
    }
    let builtin = t.header();
    let header = match (
        args.offline,
        crate::context::targets_service(&super::remote_settings(&args.remote))?,
    ) {
        (false, true) => remote_header(&args.remote, &t.id, printer)?,
        _ => None,
    };
    let mut out = Vec::new();
    match &header {
        Some(h) => write_record(&mut out, h.iter().map(|c| c.as_bytes()))?,
        None => write_record(&mut out, builtin.iter().map(|h| h.as_bytes()))?,
    }
    if args.example {
        if header.as_ref().is_some_and(|h| *h != builtin) {
            printer.warn(format!(
                "the service's {} template differs from the built-in schema; no example row (--offline gives the built-in one)",
                t.display_name
            ));
        } else {
            let row = example_row(t);
            write_record(&mut out, row.iter().map(|v| v.as_bytes()))?;
        }
    }
    if let Some(p) = to_file {
        crate::fsutil::write_atomic(p, &out)?;
    }
    if printer.json {
        let columns: Vec<&str> = match &header {
            Some(h) => h.iter().map(String::as_str).collect(),
            None => builtin.clone(),
        };
        let mut doc = serde_json::json!({
            "type": t.id,
            "columns": columns,
            "csv": String::from_utf8_lossy(&out),
        });
        if let Some(p) = to_file {
            doc["path"] = p.display().to_string().into();
        }
        printer.json_doc(&doc)?;
    } else if let Some(p) = to_file {
        printer.info(format!(
            "wrote the {} template to {}",
            t.display_name,
            p.display()
        ));
    } else {
        printer.data(&out)?;
    }
    Ok(Exit::Ok)
}

/// The header row the service serves, or `None` (with a warning) when it cannot be reached.
fn remote_header(
    remote: &RemoteArgs,
    type_id: &str,
    printer: &Printer,
) -> anyhow::Result<Option<Vec<String>>> {
    // One quick try: the built-in schema is a good answer, 25 s of retries is not.
    let settings = crate::context::RemoteSettings {
        max_retries: Some(0),
        ..super::remote_settings(remote)
    };
    let ctx = connect(&settings, printer)?;
    match ctx.api.template(type_id) {
        Ok(text) => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            let record = reader
                .records()
                .next()
                .transpose()
                .context("the service's template is not CSV")?
                .context("the service sent an empty template")?;
            Ok(Some(record.iter().map(str::to_string).collect()))
        }
        Err(e @ ApiError::Unreachable { .. }) => {
            printer.warn(format!(
                "{e}; using the template of the built-in schema instead"
            ));
            Ok(None)
        }
        Err(e @ ApiError::Service { status, .. }) if status >= 500 => {
            printer.warn(format!(
                "the service failed: {e}; using the template of the built-in schema instead"
            ));
            Ok(None)
        }
        Err(e) => Err(anyhow::Error::from(e)),
    }
}

fn list(printer: &Printer) -> anyhow::Result<Exit> {
    let types = &registry().types;
    if printer.json {
        let v: Vec<serde_json::Value> = types
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id,
                    "display_name": t.display_name,
                    "file": t.file,
                    "identity": t.identity,
                    "multi_row": t.is_multi_row(),
                    "columns": t.columns.len(),
                    "evidence": t.status,
                })
            })
            .collect();
        printer.json_doc(&serde_json::Value::Array(v))?;
        return Ok(Exit::Ok);
    }
    let mut text = String::new();
    for t in types {
        let shape = match t.file {
            FileKind::Zip => "ZIP of WAV files".to_string(),
            FileKind::Csv if t.is_multi_row() => {
                format!("CSV, {} columns, multi-row", t.columns.len())
            }
            FileKind::Csv => format!("CSV, {} columns", t.columns.len()),
        };
        text.push_str(&format!("{:<22} {:<34} {}\n", t.id, t.display_name, shape));
    }
    printer.data(text.as_bytes())?;
    Ok(Exit::Ok)
}
