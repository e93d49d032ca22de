//! `bulk split`: cut a CSV, or a set of WAV files, into pieces the service accepts.

use crate::chunk::{split_unhashed, Manifest, SplitError, SplitSettings};
use crate::cli::SplitArgs;
use crate::error::{Exit, Failure};
use crate::input::{self, InputOptions};
use crate::output::thousands;
use crate::output::{Printer, Progress};
use crate::pack::{self, PackError, SafetyRules};
use crate::schema::{detect_type, find_type, registry, DetectError, FileKind, Identity};
use std::path::{Path, PathBuf};

pub fn run(args: SplitArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let audio = match args.source.object_type.as_deref() {
        Some(t) => find_type(t)?.file == FileKind::Zip,
        None => {
            args.input.is_dir()
                || args
                    .input
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        }
    };
    if audio {
        audio_split(args, printer)
    } else {
        csv_split(args, printer)
    }
}

/// `users.csv` -> (`users`, `<dir of users.csv>/users.chunks`).
fn stem_and_out(input: &Path, out: Option<&Path>) -> (String, PathBuf) {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| {
        input
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("{stem}.chunks"))
    });
    (stem, out)
}

/// The chunks' folder (or, when it does not exist yet, the nearest folder above it that does)
/// takes new files; nothing is created, so a failed split still leaves no folder behind. An
/// error here names the folder, not the input (issue 11: a read-only `--out` was reported as
/// a problem of the input).
fn check_writable_dir(dir: &Path) -> anyhow::Result<()> {
    let blame = |e: std::io::Error| -> anyhow::Error {
        Failure::new(
            Exit::Runtime,
            format!(
                "cannot write the chunks into the folder {}: {e}; choose another --out",
                dir.display()
            ),
        )
        .into()
    };
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && std::fs::symlink_metadata(existing).is_err() {
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    tempfile::Builder::new()
        .prefix(".bulk-check-")
        .tempfile_in(existing)
        .map(drop)
        .map_err(blame)
}

/// `--out DIR` that already holds files other than an earlier split of this input is refused
/// without `--force`: the chunks would mix with the admin's files.
fn check_out_dir(args: &SplitArgs, stem: &str) -> anyhow::Result<()> {
    let Some(dir) = args.out.as_deref() else {
        return Ok(());
    };
    if args.force || args.dry_run {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let ours = |name: &str| {
        name.starts_with(&format!("{stem}.part-")) || name == Manifest::file_name(stem)
    };
    let others: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !ours(n))
        .collect();
    if let Some(first) = others.first() {
        return Err(Failure::usage(format!(
            "{} is not empty (it holds {first}{}); pass --force to write the chunks beside those files, or choose another --out",
            dir.display(),
            match others.len() {
                1 => String::new(),
                n => format!(" and {} more", thousands(n as u64 - 1)),
            }
        ))
        .into());
    }
    Ok(())
}

fn csv_split(args: SplitArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let opts = InputOptions::resolve(
        args.source.encoding.as_deref(),
        args.source.delimiter.as_deref(),
    )
    .map_err(Failure::usage)?;
    let source = input::open(&args.input, &opts).map_err(|e| match e {
        input::InputError::Io { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    })?;
    // The type is optional here: it only decides which rows belong together.
    let header = crate::input::typed::peek_header(&source)?;
    let object = match detect_type(
        &args.input,
        args.source.object_type.as_deref(),
        header.as_deref(),
    ) {
        Ok(d) => Some(d.object),
        Err(DetectError::Undetected { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let group = match (object, &header) {
        (Some(t), Some(h)) if t.is_multi_row() => Some(Identity::locate(t, h)),
        _ => None,
    };
    let (stem, out) = stem_and_out(&args.input, args.out.as_deref());
    check_out_dir(&args, &stem)?;
    if !args.dry_run {
        check_writable_dir(&out)?;
    }
    let settings = SplitSettings {
        max_rows: args.max_rows.unwrap_or(registry().max_rows) as u64,
        max_bytes: args.max_bytes.unwrap_or(registry().max_bytes),
        out_dir: (!args.dry_run).then(|| out.clone()),
        stem,
        block_size: 1 << 20,
    };
    let progress = Progress::bytes(
        printer,
        &format!("splitting {}", source.display),
        source.len,
    );
    let manifest = split_unhashed(
        &source,
        object.map(|t| t.id.as_str()),
        group.as_ref(),
        &settings,
        &|done| progress.set(done),
    )
    .map_err(|e| match e {
        SplitError::Io { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    })?;
    progress.finish();
    if printer.json {
        let mut v = serde_json::to_value(&manifest)?;
        v["dry_run"] = args.dry_run.into();
        if !args.dry_run {
            v["out_dir"] = out.display().to_string().into();
        }
        printer.json_doc(&v)?;
        return Ok(Exit::Ok);
    }
    print_csv_plan(&manifest, printer, args.dry_run, &out, &settings.stem)?;
    Ok(Exit::Ok)
}

fn print_csv_plan(
    m: &Manifest,
    printer: &Printer,
    dry_run: bool,
    out: &Path,
    stem: &str,
) -> anyhow::Result<()> {
    let shown = 50;
    let mut text = String::new();
    if dry_run || m.chunks.len() <= shown {
        text.push_str(&format!(
            "{:<6} {:>7} {:>11}  lines\n",
            "chunk", "rows", "bytes"
        ));
        for c in m
            .chunks
            .iter()
            .take(if dry_run { usize::MAX } else { shown })
        {
            text.push_str(&format!(
                "{:<6} {:>7} {:>11}  {}-{}\n",
                c.index,
                c.rows,
                thousands(c.bytes),
                c.first_line,
                c.last_line
            ));
        }
        printer.data(text.as_bytes())?;
    }
    let what = format!(
        "{} ({}{}) -> {} {} of at most {} and {} bytes",
        m.source,
        crate::output::plural(m.rows, "row"),
        m.object_type
            .as_deref()
            .map(|t| format!(" of {t}"))
            .unwrap_or_default(),
        m.chunks.len(),
        if m.chunks.len() == 1 {
            "chunk"
        } else {
            "chunks"
        },
        crate::output::plural(m.max_rows, "row"),
        thousands(m.max_bytes),
    );
    if dry_run {
        printer.info(format!("plan: {what}; nothing written (--dry-run)"));
    } else {
        printer.info(format!(
            "split {what} in {} (manifest: {})",
            out.display(),
            Manifest::file_name(stem)
        ));
    }
    Ok(())
}

fn audio_split(args: SplitArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let fail = |e: PackError| -> anyhow::Error {
        match e {
            PackError::Io { .. } | PackError::WriteZip { .. } => anyhow::Error::new(e),
            other => Failure::invalid(other.to_string()).into(),
        }
    };
    let collection = pack::collect(&args.input, &SafetyRules::default()).map_err(fail)?;
    let max_bytes = args.max_bytes.unwrap_or(registry().max_zip_bytes);
    let plans = if collection.problems.is_empty() {
        Some(pack::plan(&collection.items, max_bytes).map_err(fail)?)
    } else {
        None
    };
    let (stem, out) = stem_and_out(&args.input, args.out.as_deref());
    check_out_dir(&args, &stem)?;
    let written = match (&plans, args.dry_run) {
        (Some(p), false) => Some(pack::write(p, &collection, &out, &stem).map_err(fail)?),
        _ => None,
    };
    if printer.json {
        let v = serde_json::json!({
            "input": collection.input.display().to_string(),
            "files": collection.items,
            "skipped": collection.skipped,
            "problems": collection.problems,
            "packs": plans.as_ref().map(|ps| ps.iter().map(|p| serde_json::json!({
                "bytes": p.bytes,
                "files": p.entries.iter().map(|&i| collection.items[i].name.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()),
            "written": written,
            "dry_run": args.dry_run,
        });
        printer.json_doc(&v)?;
    } else {
        let mut text = String::new();
        for item in &collection.items {
            let f = &item.format;
            text.push_str(&format!(
                "{}  {} bytes  {}, {} ch, {} Hz, {} bit, {:.1} s\n",
                item.path_in_input,
                item.size,
                f.codec,
                f.channels,
                f.sample_rate,
                f.bits_per_sample,
                f.duration_secs
            ));
        }
        printer.data(text.as_bytes())?;
        for s in &collection.skipped {
            printer.info(format!("skipped {}: {}", s.path, s.reason));
        }
        for p in &collection.problems {
            printer.problem(format!("{}: {}", p.path, p.message));
        }
        if let Some(ps) = &plans {
            let total: u64 = ps.iter().map(|p| p.bytes).sum();
            let verb = if args.dry_run { "would pack" } else { "packed" };
            printer.info(format!(
                "{verb} {} WAV files ({} bytes) into {} ZIP{} of at most {} bytes{}",
                collection.items.len(),
                thousands(total),
                ps.len(),
                if ps.len() == 1 { "" } else { "s" },
                thousands(max_bytes),
                if args.dry_run {
                    String::from("; nothing written (--dry-run)")
                } else {
                    format!(" in {}", out.display())
                }
            ));
        }
    }
    if !collection.problems.is_empty() {
        return Err(Failure::invalid(format!(
            "{}: {} problem{} with the WAV files; nothing was written",
            args.input.display(),
            collection.problems.len(),
            if collection.problems.len() == 1 {
                ""
            } else {
                "s"
            }
        ))
        .into());
    }
    Ok(Exit::Ok)
}
