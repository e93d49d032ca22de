//! One module per subcommand; each resolves its arguments into settings and does the work.

pub mod errors;
pub mod export;
pub mod generate;
pub mod import;
pub mod jobs;
pub mod login;
pub mod sandbox;
pub mod split;
pub mod template;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::error::{Exit, Failure};
use crate::input::{self, scan::Scanner, InputOptions, Source};
use crate::output::Printer;
use crate::schema::{detect_type, Detected};
use anyhow::Context;
use std::path::Path;

/// Runs the parsed command line and returns the exit status to use.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let printer = Printer::new(cli.global.json, cli.global.quiet);
    match cli.command {
        Command::Template(args) => template::run(args, &printer),
        Command::Validate(args) => validate::run(args, &printer),
        Command::Split(args) => split::run(args, &printer),
        Command::Sandbox(args) => sandbox::run(args, &printer),
        Command::Import(args) => import::run(args, &printer),
        Command::Export(args) => export::run(args, &printer),
        Command::Jobs(args) => jobs::run(args, &printer),
        Command::Errors(args) => errors::run(args, &printer),
        Command::Login(args) => login::run(args, &printer),
        Command::Generate(args) => generate::run(args, &printer),
    }
}

/// The settings to reach the service with, from a command's remote options.
pub fn remote_settings(args: &crate::cli::RemoteArgs) -> crate::context::RemoteSettings {
    crate::context::RemoteSettings {
        profile: args.profile.clone(),
        max_retries: Some(args.max_retries),
    }
}

/// A CSV opened and normalised, with its object type.
pub struct Opened {
    pub source: Source,
    pub detected: Detected,
}

/// Opens a CSV and works out its type (`--type`, file name, then header).
pub fn open_csv(
    path: &Path,
    given_type: Option<&str>,
    opts: &InputOptions,
) -> anyhow::Result<Opened> {
    if path.is_dir() {
        return Err(Failure::usage(format!(
            "{} is a directory; give CSV files (`bulk import DIR` imports a directory, `bulk split DIR --type audio-file` packs its WAV files)",
            path.display()
        ))
        .into());
    }
    let source = input::open(path, opts).map_err(|e| match e {
        input::InputError::Io { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    })?;
    let detected = match detect_type(path, given_type, None) {
        Ok(d) => d,
        Err(crate::schema::DetectError::Undetected { .. }) if given_type.is_none() => {
            let header = peek_header(&source)?;
            detect_type(path, None, header.as_deref())?
        }
        Err(e) => return Err(e.into()),
    };
    if detected.object.file == crate::schema::FileKind::Zip {
        return Err(Failure::usage(format!(
            "{}: {} files are ZIPs of WAV files, not CSV; use `bulk split --type audio-file`",
            path.display(),
            detected.object.display_name
        ))
        .into());
    }
    Ok(Opened { source, detected })
}

/// The header cells of a source, if its first record can be read.
pub(crate) fn peek_header(source: &Source) -> anyhow::Result<Option<Vec<String>>> {
    let reader = source
        .open()
        .with_context(|| format!("cannot read {}", source.display))?;
    let mut scanner = Scanner::new(reader, 64 * 1024, 1 << 20);
    let Some(block) = scanner.next_block()? else {
        return Ok(None);
    };
    let first = block.records[0];
    if first.oversized {
        return Ok(None);
    }
    Ok(Some(input::record::lenient_fields(
        &block.data[first.start..first.end],
        b',',
    )))
}
