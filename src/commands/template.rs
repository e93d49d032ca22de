//! `bulk template`: the header row (and an example row) of an object type's CSV.

use crate::cli::TemplateArgs;
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
    let mut out = Vec::new();
    write_record(&mut out, t.header().iter().map(|h| h.as_bytes()))?;
    if args.example {
        let row = example_row(t);
        write_record(&mut out, row.iter().map(|v| v.as_bytes()))?;
    }
    match args.output.as_deref() {
        None => printer.data(&out)?,
        Some(p) if p.as_os_str() == "-" => printer.data(&out)?,
        Some(p) => {
            std::fs::write(p, &out).with_context(|| format!("cannot write {}", p.display()))?;
            printer.info(format!(
                "wrote the {} template to {}",
                t.display_name,
                p.display()
            ));
        }
    }
    Ok(Exit::Ok)
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
