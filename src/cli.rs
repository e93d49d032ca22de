//! The command line: clap derive types only. Commands resolve these into settings.

use crate::error::EXIT_CODES_HELP;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Bulk provisioning for Webex Contact Center: validate, split, import and export CSV files of
/// contact-center objects, and audio prompts as ZIPs of WAV files.
#[derive(Debug, Parser)]
#[command(name = "bulk", version, after_help = EXIT_CODES_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print one JSON document on stdout and nothing else there.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors on stderr (no progress, no summaries).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Template(TemplateArgs),
    Validate(ValidateArgs),
    Split(SplitArgs),
}

/// Write the CSV template of an object type: its header row, and with --example a valid row.
///
/// Example: bulk template user --example -o users.csv
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Object type (id or alias: user, team, skill-profile, ...).
    #[arg(required_unless_present = "list")]
    pub object_type: Option<String>,
    /// Where to write the template; `-` or nothing means stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add one valid example row after the header.
    #[arg(long)]
    pub example: bool,
    /// List the object types instead.
    #[arg(long, conflicts_with_all = ["object_type", "example", "output"])]
    pub list: bool,
}

/// Options for reading a CSV whose encoding or separator is not UTF-8 with commas.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Object type of the files; detected from the file name or header when absent.
    #[arg(long = "type", short = 't', value_name = "TYPE")]
    pub object_type: Option<String>,
    /// Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM
    /// are recognised without it.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Field separator of the input, e.g. ';' or '\t' (as Excel writes in many locales).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
}

/// Check CSV files offline, against the schema of their object type, and report every problem.
///
/// Nothing is sent anywhere. Each problem is printed as FILE:LINE:COLUMN: KIND: MESSAGE, grouped
/// by kind; --errors-out writes every invalid row, with Line and Error Message columns, to a CSV
/// that can be fixed and validated again.
///
/// Example: bulk validate users.csv --errors-out users.errors.csv
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// CSV files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the invalid rows with their errors to this CSV (with several inputs: a directory,
    /// one `<name>.errors.csv` per input).
    #[arg(long, value_name = "FILE")]
    pub errors_out: Option<PathBuf>,
}

/// Cut a CSV (or a set of WAV files) into chunks the service accepts.
///
/// CSV: every chunk holds at most --max-rows data rows and --max-bytes bytes (header included),
/// repeats the header, and copies records byte for byte; the rows of one multi-row object stay
/// together. A manifest.json beside the chunks maps each chunk row to its line in the input.
///
/// Audio (--type audio-file, a directory or a ZIP): collects the .wav files, checks each is a
/// real WAVE file, and packs them into ZIPs of at most --max-bytes.
///
/// Example: bulk split users.csv --out chunks/
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The CSV file, or for audio a directory or ZIP of WAV files.
    #[arg(value_name = "FILE|DIR|ZIP")]
    pub input: PathBuf,
    #[command(flatten)]
    pub source: InputArgs,
    /// Directory for the chunks (created if missing; default: `<name>.chunks` beside the input).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Most data rows in one chunk (default: the service's limit, 5000).
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Most bytes in one chunk, header included: 5MB = 5,000,000 bytes; KiB/MiB also work
    /// (default: 5MB for CSV, 50MB for audio).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_bytes: Option<u64>,
    /// Print the plan (chunks, rows, bytes, line ranges) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Parses `5MB`, `5M`, `4882KiB`, `50 MB` or a plain byte count.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a size (try 5MB or 5000000)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit \"{other}\" (use B, KB, MB, KiB, MiB)"
            ))
        }
    };
    let bytes = (n * mult).round();
    if bytes < 1.0 {
        return Err(format!("\"{s}\" is too small"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_si_and_binary_units() {
        assert_eq!(parse_size("5MB").unwrap(), 5_000_000);
        assert_eq!(parse_size("5M").unwrap(), 5_000_000);
        assert_eq!(parse_size("4882KiB").unwrap(), 4_999_168);
        assert_eq!(parse_size("50 MB").unwrap(), 50_000_000);
        assert_eq!(parse_size("1234").unwrap(), 1234);
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
