//! The command line: clap derive types only. Commands resolve these into settings.

use crate::api::wire::JobStatus;
use crate::error::EXIT_CODES_HELP;
use crate::schema::registry;
use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
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

/// The command line as completions and man pages describe it: without hidden subcommands
/// (`generate`), which clap's completion generators would otherwise offer.
pub fn documented_command() -> clap::Command {
    use clap::CommandFactory;
    let full = Cli::command();
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect();
    // clap cannot remove a subcommand, so the top level is built again with the attributes of
    // `Cli` (a test compares the two help texts).
    let mut doc = <GlobalArgs as Args>::augment_args(clap::Command::new("bulk"))
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(EXIT_CODES_HELP)
        .max_term_width(100)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(visible);
    if let Some(about) = full.get_about() {
        doc = doc.about(about.clone());
    }
    if let Some(long) = full.get_long_about() {
        doc = doc.long_about(long.clone());
    }
    doc
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
    Import(ImportArgs),
    Export(ExportArgs),
    Jobs(JobsArgs),
    Errors(ErrorsArgs),
    Validate(ValidateArgs),
    Template(TemplateArgs),
    Split(SplitArgs),
    Login(LoginArgs),
    Sandbox(SandboxArgs),
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Write the CSV template of an object type: its header row, and with --example a valid row.
///
/// Example: bulk template user --example -o users.csv
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Object type (id or alias: user, team, skill-profile, ...).
    #[arg(required_unless_present = "list", value_parser = Listed::types(), hide_possible_values = true)]
    pub object_type: Option<String>,
    /// Where to write the template; `-` or nothing means stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add one valid example row after the header.
    #[arg(long)]
    pub example: bool,
    /// Replace the output file if it exists (without it, an existing file is never overwritten).
    #[arg(long)]
    pub force: bool,
    /// List the object types instead.
    #[arg(long, conflicts_with_all = ["object_type", "example", "output"])]
    pub list: bool,
    /// Use the schema built into bulk, without asking the service.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Write shell completions (completions/) and man pages (man/) from the clap definitions.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives completions/ and man/.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

/// Options for reading a CSV whose encoding or separator is not UTF-8 with commas.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Object type of the files; detected from the file name or header when absent.
    #[arg(long = "type", short = 't', value_name = "TYPE", value_parser = Listed::types(), hide_possible_values = true)]
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
    /// CSV files to check, or directories (every CSV directly in them).
    #[arg(required = true, value_name = "FILE|DIR")]
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
    /// Write into a --out directory that already holds other files.
    #[arg(long)]
    pub force: bool,
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
    /// Fraction of /v1 and /organization requests answered 500 (0.0 to 1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_500: f64,
    /// Fraction of /v1 and /organization requests answered 429 with Retry-After: 1.
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
    /// Fraction of writes to /organization (the Configuration-API face) whose answer is lost
    /// after the write committed (the connection drops).
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_lost_write: f64,
    /// Fraction of import jobs that end as failed, with a reason, before processing any row.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub fault_fail_job: f64,
    /// Seed of the fault dice, to repeat a run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fault_seed: u64,
    /// Bulk SAVE items that carry an id fail with 400 "New configuration cannot have an id"
    /// for the types a live probe reported (site, team, skill, ...): update with PUT instead.
    #[arg(long)]
    pub strict_bulk_updates: bool,
    /// Refuse to create people (POST /v1/people answers 403): a user row naming a missing
    /// person fails, as on a real tenant.
    #[arg(long)]
    pub strict_people: bool,
    /// Access tokens of the fake Webex authorization server (/v1/access_token) expire after
    /// serving this many requests (401), so that clients refresh; default: after an hour.
    #[arg(long, value_name = "N")]
    pub token_lifetime_requests: Option<u64>,
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

/// How to reach the service (a profile, or the local sandbox when none is configured).
#[derive(Debug, Args, Clone, Default)]
pub struct RemoteArgs {
    /// Profile to use (see `bulk login`); also BULK_PROFILE.
    // Global: `bulk jobs show ID --profile prod` works as well as `bulk jobs --profile prod ...`.
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// Retries of one request on connection errors, 429 and 5xx before giving up.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_retries: u32,
    /// With a `wxcc` profile: most requests a minute to the Configuration API (default 300,
    /// Cisco's published limit per client). Applies to the engine this command starts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so
    /// this default is unverified on a real tenant: try a test tenant first).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub batch: Option<u32>,
}

/// Import CSV files (or audio) into the service: validate, split, submit, wait, report.
///
/// Every row ends up imported, or in one error CSV per input file (`<name>.errors.csv`) whose
/// Line column points at the row's line in the original file; fix it and import it again as is.
/// A directory imports its CSVs in dependency order (sites before teams before users) and its
/// WAV files as an audio set. An interrupted import resumes: run the same command again.
///
/// Example: bulk import users.csv
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV files, audio ZIPs, or directories.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Show what the import would do, object by object, and send nothing.
    ///
    /// Validates as an import does, reads the organisation through its Configuration API (each
    /// list once) and prints every object as create, update (each changed column as
    /// `column: old → new`), unchanged or error, with its file and line, and a summary per
    /// file. Exit 0, or 4 when some objects would fail; see --detailed-exitcode.
    ///
    /// Example: bulk import ./tenant/ --plan
    #[arg(long, conflicts_with_all = ["changed_only", "no_wait", "resume", "restart"])]
    pub plan: bool,
    /// With --plan: exit 0 when nothing would change and 10 when something would (4 when some
    /// objects would fail), so a pipeline can detect drift.
    #[arg(long, requires = "plan")]
    pub detailed_exitcode: bool,
    /// Plan first, then send only what would change: the objects the plan finds unchanged are
    /// counted in the summary and not sent (a multi-row object whole); those it finds in error
    /// are sent, so that their rows reach the error file with the service's message.
    #[arg(long, conflicts_with = "skip_invalid")]
    pub changed_only: bool,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Submit and return at once; `bulk jobs wait ID` or `bulk import --resume` picks it up.
    #[arg(long)]
    pub no_wait: bool,
    /// Send the valid rows and put the invalid ones in the error file, instead of sending nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// In a directory, import the error files of earlier imports (`*.errors.csv`) too.
    #[arg(long)]
    pub include_errors: bool,
    /// Remove the `'` that `bulk export --excel-safe` puts before values beginning with =, +, -
    /// or @. Without it the guards go only from a file that reads as such an export (every
    /// formula-like value guarded); the count of values changed is printed.
    #[arg(long)]
    pub excel_safe: bool,
    /// Keep every spreadsheet formula guard, even in a file that reads as an
    /// `export --excel-safe` output.
    #[arg(long, conflicts_with = "excel_safe")]
    pub keep_guards: bool,
    /// Where the merged error CSV goes (with several inputs: a directory). Default:
    /// `<name>.errors.csv` beside each input.
    #[arg(long, value_name = "FILE")]
    pub errors_out: Option<PathBuf>,
    /// Continue an interrupted import of the same files (also automatic when a journal exists).
    #[arg(long)]
    pub resume: bool,
    /// Start over even if a journal of an interrupted import exists.
    #[arg(long, conflicts_with = "resume")]
    pub restart: bool,
    /// Give up waiting after this long (e.g. 90s, 30m, 2h) with exit code 7; resumable.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

/// Export every object of a type from the service into a CSV (or a ZIP of CSVs).
///
/// More than 5000 records arrive as a ZIP of CSVs; --merge joins them into one CSV. Audio
/// files cannot be exported (exit 2). A failed job exits 5; waiting past --timeout exits 7
/// (finish with `bulk jobs wait ID`).
///
/// Example: bulk export user -o users.csv --merge
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Object type (user, team, skill-profile, ...).
    #[arg(value_parser = Listed::types(), hide_possible_values = true)]
    pub object_type: String,
    /// File (or directory) to write, `-` for stdout; default `<type>.csv` / `<type>.zip` in the
    /// current directory.
    #[arg(short, long, value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,
    /// Join a ZIP of CSVs into one CSV (one header).
    #[arg(long)]
    pub merge: bool,
    /// Replace the output file if it exists (without it, an existing file is never overwritten).
    #[arg(long)]
    pub force: bool,
    /// Neutralise cells that a spreadsheet would run as formulas (=, +, -, @) with a leading '.
    #[arg(long)]
    pub excel_safe: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Give up waiting after this long (exit code 7).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

/// Bulk jobs: the dashboard (list), one job (show), or wait for one to finish.
///
/// Example: bulk jobs --status failed --limit 10
#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub command: Option<JobsCommand>,
    #[command(flatten)]
    pub list: JobsListArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first (the default).
    List(JobsListArgs),
    /// Show one job.
    Show(JobIdArgs),
    /// Wait for a job to finish; exit code as for an import (0, 4, 5, 7).
    Wait(JobWaitArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct JobsListArgs {
    /// Text to find in the job id or file name.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// new, in_progress, completed, completed_with_errors or failed.
    #[arg(long, value_name = "STATUS", value_parser = Listed::statuses(), hide_possible_values = true)]
    pub status: Option<String>,
    /// Object type (user, team, ...).
    #[arg(long = "type", value_name = "TYPE", value_parser = Listed::types(), hide_possible_values = true)]
    pub object_type: Option<String>,
    /// import or export.
    #[arg(long, value_name = "KIND", value_parser = Listed::new(&["import", "export"]), hide_possible_values = true)]
    pub job_type: Option<String>,
    /// Most jobs to show.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: u64,
}

#[derive(Debug, Args)]
pub struct JobIdArgs {
    /// Job (bulk operation) id.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct JobWaitArgs {
    /// Job (bulk operation) id.
    pub id: String,
    /// Give up after this long (exit code 7).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

/// Download a job's error CSV (the failed rows plus an Error Message column).
///
/// Example: bulk errors 3f2c... -o users.errors.csv
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// Job (bulk operation) id.
    pub id: String,
    /// Where to write it; `-` or nothing means stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists (without it, an existing file is never overwritten).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Save a profile (a service, or a Webex Contact Center organisation) and its token, or show
/// the target.
///
/// On a terminal it prompts for what is missing; in scripts pass --url (or --wxcc with
/// --region) and --token-stdin (a token is never a command-line value). BULK_TOKEN overrides
/// the stored token.
///
/// A Webex Contact Center organisation (--wxcc) takes a pasted access token (--token-stdin),
/// OAuth credentials that bulk refreshes (--credentials-file), or an OAuth login of an
/// integration: --web (a browser, PKCE, a loopback redirect) or --device (a code to enter on
/// another machine). Client secrets come from a prompt or --client-secret-file, never argv.
///
/// Example: printf '%s' "$TOKEN" | bulk login --profile prod --url https://api.example.com --token-stdin
///
/// Example: bulk login --profile prod --wxcc --region us1 --web --client-id C0FFEE
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("how").args(["token_stdin", "credentials_file", "web", "device"])))]
pub struct LoginArgs {
    /// Profile name (default: "default"); also BULK_PROFILE. "sandbox" is reserved for the
    /// local sandbox.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Base URL of the bulk-operations API (https://, or http:// to loopback only).
    #[arg(long, value_name = "URL", conflicts_with = "wxcc")]
    pub url: Option<String>,
    /// Organisation id, for display and checks (with --wxcc: the bare UUID; without it, the
    /// token's organisation, from /v1/people/me).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Read the token from standard input (with --wxcc, a JSON object is read as by
    /// --credentials-file).
    #[arg(long)]
    pub token_stdin: bool,
    /// A Webex Contact Center organisation: bulk runs the jobs itself and calls Cisco's
    /// Configuration API. Never made the default without --default.
    #[arg(long)]
    pub wxcc: bool,
    /// The organisation's Webex region: its Configuration API is https://api.wxcc-REGION.cisco.com.
    #[arg(long, value_name = "REGION", requires = "wxcc", conflicts_with = "api_url",
          value_parser = clap::builder::PossibleValuesParser::new(crate::config::REGIONS))]
    pub region: Option<String>,
    /// The Configuration API base instead of a region's (https://, or http:// to loopback).
    #[arg(long, value_name = "URL", requires = "wxcc")]
    pub api_url: Option<String>,
    /// The Webex API base asked who the token belongs to (default https://webexapis.com).
    #[arg(long, value_name = "URL", requires = "wxcc")]
    pub webex_api: Option<String>,
    /// OAuth credentials as JSON ({access_token, refresh_token, client_id, client_secret,
    /// expires_in or expires_at, token_url}); `-` reads standard input. bulk refreshes the
    /// access token and stores each new pair.
    #[arg(long, value_name = "FILE", requires = "wxcc")]
    pub credentials_file: Option<PathBuf>,
    /// Log in with a browser: OAuth authorization code with PKCE, redirected to
    /// http://127.0.0.1:PORT/callback (register that URI in the integration).
    #[arg(long, requires_all = ["wxcc", "client_id"])]
    pub web: bool,
    /// Log in without a browser here: prints a URL and a code to enter on any device, and waits.
    #[arg(long, requires_all = ["wxcc", "client_id"])]
    pub device: bool,
    /// The OAuth client (integration) id, for --web and --device.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// A file holding the integration's client secret (else it is asked on the terminal).
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// The authorization server's base: BASE/v1/authorize, BASE/v1/device/authorize,
    /// BASE/v1/device/token and BASE/v1/access_token (default https://webexapis.com).
    #[arg(long, value_name = "BASE", requires = "wxcc")]
    pub auth_url: Option<String>,
    /// The scopes to ask for, space-separated.
    #[arg(long, value_name = "SCOPES", default_value = crate::auth::oauth::DEFAULT_SCOPES)]
    pub scope: String,
    /// The loopback port of --web's redirect URI (0 picks a free one).
    #[arg(long, value_name = "PORT", default_value_t = 8765)]
    pub redirect_port: u16,
    /// Show the current target and who you are, without the token.
    #[arg(long, conflicts_with_all = ["url", "org", "token_stdin", "wxcc"])]
    pub status: bool,
    /// Forget the profile (without --profile: the default one) and its token.
    #[arg(long, conflicts_with_all = ["url", "org", "token_stdin", "status", "default", "wxcc"])]
    pub logout: bool,
    /// Make this profile the default (the first bulk profile saved is the default anyway; a
    /// wxcc profile only with this flag).
    #[arg(long, conflicts_with = "status")]
    pub default: bool,
}

/// A value parser that takes any text (the command resolves it, with a did-you-mean) but lists
/// the known values, so that shell completions offer them.
#[derive(Debug, Clone)]
pub struct Listed(Vec<(&'static str, Option<&'static str>)>);

impl Listed {
    pub fn new(values: &[&'static str]) -> Listed {
        Listed(values.iter().map(|v| (*v, None)).collect())
    }

    /// The object type ids of the schema registry, described by their display names.
    pub fn types() -> Listed {
        Listed(
            registry()
                .types
                .iter()
                .map(|t| (t.id.as_str(), Some(t.display_name.as_str())))
                .collect(),
        )
    }

    /// The job statuses of the wire protocol.
    pub fn statuses() -> Listed {
        use JobStatus::*;
        Listed::new(
            &[New, InProgress, Completed, CompletedWithErrors, Failed].map(JobStatus::as_str),
        )
    }
}

impl TypedValueParser for Listed {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|(v, help)| match help {
            Some(h) => PossibleValue::new(*v).help(*h),
            None => PossibleValue::new(*v),
        })))
    }
}

/// Parses `90s`, `30m`, `2h` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a duration (try 90s, 30m or 2h)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        other => return Err(format!("unknown duration unit \"{other}\" (use s, m or h)")),
    };
    Ok(std::time::Duration::from_secs(secs))
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
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_duration("2h").unwrap().as_secs(), 7200);
        assert_eq!(parse_duration("15").unwrap().as_secs(), 15);
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        documented_command().debug_assert();
    }

    #[test]
    fn documented_command_is_the_cli_without_hidden_subcommands() {
        use clap::CommandFactory;
        let mut full = Cli::command();
        let mut doc = documented_command();
        assert_eq!(
            doc.render_long_help().to_string(),
            full.render_long_help().to_string()
        );
        assert_eq!(doc.render_version(), full.render_version());
        let names = |c: &clap::Command| -> Vec<String> {
            c.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_string())
                .collect()
        };
        assert_eq!(names(&doc), names(&full));
        assert!(doc.find_subcommand("generate").is_none());
        assert!(full.find_subcommand("generate").is_some());
    }
}
