//! `bulk validate`: check CSV files offline and report every problem.

use crate::cli::ValidateArgs;
use crate::error::{Exit, Failure};
use crate::input::typed::{open_csv, Opened};
use crate::input::InputOptions;
use crate::output::{thousands, Printer, Progress};
use crate::validate::{validate, Settings, Validation};
use anyhow::Context;
use std::path::{Path, PathBuf};

pub fn run(args: ValidateArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let opts = InputOptions::resolve(
        args.input.encoding.as_deref(),
        args.input.delimiter.as_deref(),
    )
    .map_err(Failure::usage)?;
    let files = expand(&args.files, printer)?;
    let errors_dir = files.len() > 1 && args.errors_out.is_some();
    if errors_dir {
        let dir = args.errors_out.as_ref().expect("checked");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut json = printer.json.then(|| JsonDoc::new(printer));
    let mut exit = Exit::Ok;
    for file in &files {
        let errors_out = args.errors_out.as_ref().map(|p| {
            if errors_dir {
                p.join(crate::errors_csv::file_name(file))
            } else {
                p.clone()
            }
        });
        let outcome = match open_csv(file, args.input.object_type.as_deref(), &opts) {
            Ok(o) => check_one(o, errors_out.as_deref(), printer, json.as_mut()),
            Err(e) => Err(e),
        };
        let file_exit = match outcome {
            Ok(e) => e,
            Err(err) => {
                let e = crate::error::exit_for(&err);
                match json.as_mut() {
                    Some(j) => j.failed(file, &err, e),
                    None => crate::output::report_error(&err),
                }
                e
            }
        };
        exit = worse(exit, file_exit);
    }
    if let Some(j) = json {
        j.finish(exit)?;
    }
    Ok(exit)
}

/// The files to check: each file given, and the CSV files directly in each directory given (by
/// name; error files of earlier runs and other files are named as skipped).
fn expand(paths: &[PathBuf], printer: &Printer) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut skipped = Vec::new();
        for entry in
            std::fs::read_dir(path).with_context(|| format!("cannot read {}", path.display()))?
        {
            let p = entry?.path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if p.is_file() && name.ends_with(".csv") && !name.contains(".errors") {
                found.push(p);
            } else {
                skipped.push(p);
            }
        }
        if found.is_empty() {
            return Err(
                Failure::usage(format!("no CSV files to validate in {}", path.display())).into(),
            );
        }
        found.sort();
        skipped.sort();
        for p in skipped {
            printer.info(format!(
                "skipped {}: {}",
                p.display(),
                if p.is_dir() {
                    "a directory (only the files directly in the one given are checked)"
                } else if p.to_string_lossy().to_lowercase().ends_with(".csv") {
                    "an error file of an earlier run"
                } else {
                    "not a CSV file"
                }
            ));
        }
        files.extend(found);
    }
    Ok(files)
}

/// The more serious of two outcomes: runtime errors, then usage, then invalid input.
fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Ok => 0,
        Exit::Invalid => 1,
        Exit::Usage => 2,
        _ => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

fn check_one(
    opened: Opened,
    errors_out: Option<&Path>,
    printer: &Printer,
    json: Option<&mut JsonDoc>,
) -> anyhow::Result<Exit> {
    let Opened { source, detected } = opened;
    let progress = Progress::bytes(
        printer,
        &format!("validating {}", source.display),
        source.len,
    );
    let v = validate(
        &source,
        detected.object,
        detected.from,
        &Settings::default(),
        &|done| progress.set(done),
    )?;
    progress.finish();
    if let Some(path) = errors_out {
        v.write_error_csv(path)?;
    }
    match json {
        Some(j) => j.file(&v)?,
        None => print_human(&v, errors_out, printer)?,
    }
    Ok(if v.report.is_valid() {
        Exit::Ok
    } else {
        Exit::Invalid
    })
}

fn print_human(v: &Validation, errors_out: Option<&Path>, printer: &Printer) -> anyhow::Result<()> {
    crate::output::problems::print_problems(v, errors_out, printer)?;
    crate::output::problems::print_warnings(v, printer)?;
    let r = &v.report;
    let file = &r.file;
    let warned = match r.warnings {
        0 => String::new(),
        1 => "; 1 warning".to_string(),
        n => format!("; {} warnings", thousands(n)),
    };
    if let Some(n) = &r.normalised {
        printer.info(format!("{file}: read after normalising: {n}"));
    }
    let what = format!(
        "{} {} of {} (type from {})",
        thousands(r.rows),
        if r.rows == 1 { "row" } else { "rows" },
        r.object_type,
        r.detected_from
    );
    if r.is_valid() {
        let chunks = if r.chunks > 1 {
            format!("; import will split it into {} chunks", r.chunks)
        } else {
            String::new()
        };
        printer.info(format!("{file}: valid: {what}{chunks}{warned}"));
    } else {
        let kinds: Vec<String> = r
            .by_kind
            .iter()
            .map(|(k, n)| format!("{} {}", k.as_str(), thousands(*n)))
            .collect();
        printer.problem(format!(
            "{file}: invalid: {} {} in {} of {what} ({}){warned}",
            thousands(r.issues),
            if r.issues == 1 { "problem" } else { "problems" },
            thousands(r.invalid_rows),
            kinds.join(", ")
        ));
    }
    Ok(())
}

/// The `--json` document, written file by file so errors are never all held in memory.
struct JsonDoc {
    printer: Printer,
    parts: Vec<u8>,
    files: usize,
}

impl JsonDoc {
    fn new(printer: &Printer) -> Self {
        JsonDoc {
            printer: printer.clone(),
            parts: b"{\"files\": [".to_vec(),
            files: 0,
        }
    }

    fn sep(&mut self) {
        self.parts
            .extend_from_slice(if self.files == 0 { b"\n  " } else { b",\n  " });
        self.files += 1;
    }

    fn file(&mut self, v: &Validation) -> anyhow::Result<()> {
        self.sep();
        let mut head = serde_json::to_value(&v.report)?;
        let obj = head.as_object_mut().expect("report is an object");
        obj.insert("valid".into(), v.report.is_valid().into());
        let text = serde_json::to_string(&head)?;
        self.parts
            .extend_from_slice(&text.as_bytes()[..text.len() - 1]);
        self.parts.extend_from_slice(b",\"errors\":[");
        let mut first = true;
        for b in v.bad_records()? {
            for i in b?.issues {
                if !first {
                    self.parts.push(b',');
                }
                first = false;
                serde_json::to_writer(&mut self.parts, &i)?;
            }
            if self.parts.len() > 1 << 20 {
                self.printer.data(&std::mem::take(&mut self.parts))?;
            }
        }
        self.parts.extend_from_slice(b"],\"warning_list\":[");
        let mut first = true;
        for w in v.warnings()? {
            if !first {
                self.parts.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut self.parts, &w?)?;
            if self.parts.len() > 1 << 20 {
                self.printer.data(&std::mem::take(&mut self.parts))?;
            }
        }
        self.parts.extend_from_slice(b"]}");
        Ok(())
    }

    fn failed(&mut self, file: &Path, err: &anyhow::Error, exit: Exit) {
        self.sep();
        let v = serde_json::json!({
            "file": file.display().to_string(),
            "valid": false,
            "error": format!("{err:#}"),
            "exit_code": exit.code(),
        });
        self.parts.extend_from_slice(v.to_string().as_bytes());
    }

    fn finish(mut self, exit: Exit) -> anyhow::Result<()> {
        let tail = format!(
            "\n],\n\"valid\": {},\n\"exit_code\": {}\n}}\n",
            exit == Exit::Ok,
            exit.code()
        );
        self.parts.extend_from_slice(tail.as_bytes());
        self.printer.data(&self.parts)?;
        Ok(())
    }
}
