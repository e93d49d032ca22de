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
    Sandbox(SandboxArgs),
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

/// Run a local sandbox of the bulk-operations service, for trying imports without a tenant.
///
/// The sandbox keeps its data (SQLite, uploads, credentials.json) in a data directory; on first
/// start it creates an organisation that looks like a new Webex Contact Center tenant and an
/// admin token that the CLI's default profile picks up.
///
/// Example: bulk sandbox serve --addr 127.0.0.1:8787
#[derive(Debug, Args)]
pub struct SandboxArgs {
    #[command(subcommand)]
    pub command: SandboxCommand,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    Serve(SandboxServeArgs),
    Token(SandboxTokenArgs),
}

/// Serve the sandbox API until Ctrl-C or SIGTERM.
///
/// Prints the URL on stderr when ready (and with --print-url on stdout, for scripts).
/// The fault options make the service misbehave on purpose, to test clients' retries.
///
/// Example: bulk sandbox serve --print-url --fault-500 0.1 --fault-seed 7
#[derive(Debug, Args)]
pub struct SandboxServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "IP:PORT")]
    pub addr: std::net::SocketAddr,
    /// Allow listening on an address other than loopback (the sandbox has no TLS).
    #[arg(long)]
    pub allow_remote: bool,
    /// Data directory (default: the platform's local data directory, `.../bulk/sandbox`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Also print the URL alone on stdout once listening.
    #[arg(long)]
    pub print_url: bool,
    /// Pause this long per processed row, to watch progress.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub row_delay_ms: u64,
    /// Most data rows in one CSV (default 5000).
    #[arg(long, value_name = "N")]
    pub max_rows: Option<u64>,
    /// Largest CSV accepted (default 5MB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_bytes: Option<u64>,
    /// Fraction of /v1 requests answered 500 (0.0 to 1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_500: f64,
    /// Fraction of /v1 requests answered 429 with Retry-After: 1.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_429: f64,
    /// Fraction of /v1 requests whose connection is dropped without an answer (after the work).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_reset: f64,
    /// Fraction of /v1 requests delayed by --fault-slow-ms.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_slow: f64,
    /// Delay of a slow request.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub fault_slow_ms: u64,
    /// Seed of the fault dice, to repeat a run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fault_seed: u64,
}

/// Print the sandbox admin token on stdout (or create another organisation and print its token).
///
/// Example: bulk sandbox token --new-org "Second Org" --email bob@example.com
#[derive(Debug, Args)]
pub struct SandboxTokenArgs {
    /// Data directory (default: as for `bulk sandbox serve`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Create a new organisation with this name and print its admin's token.
    #[arg(long, value_name = "NAME", requires = "email")]
    pub new_org: Option<String>,
    /// Email of the new organisation's admin user.
    #[arg(long, value_name = "EMAIL", requires = "new_org")]
    pub email: Option<String>,
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
