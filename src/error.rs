//! Typed top-level failures and the documented exit-code table; only `main` turns them into codes.

use std::fmt;

/// The process exit codes `bulk` documents (README and `bulk --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked; for imports, every row is in.
    Ok = 0,
    /// A runtime, I/O or API error.
    Runtime = 1,
    /// The command line was wrong.
    Usage = 2,
    /// The input is invalid; nothing was sent.
    Invalid = 3,
    /// A job completed with row errors.
    RowErrors = 4,
    /// A job failed.
    JobFailed = 5,
    /// Authentication failed.
    Auth = 6,
    /// Timed out waiting; the work can be resumed.
    Timeout = 7,
    /// `import --plan --detailed-exitcode`: the import would change the organisation.
    Changes = 10,
    /// Interrupted (Ctrl-C).
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The exit-code table as printed in `bulk --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    ok (for imports: every row is in)
  1    runtime, I/O or API error
  2    usage error
  3    input invalid, nothing sent
  4    job completed with row errors
  5    job failed
  6    authentication failed
  7    timed out waiting (resumable)
  10   import --plan --detailed-exitcode: the import would change something
  130  interrupted";

/// A failure that maps to an exit code other than 1. Wrap it in `anyhow::Error`; `main` finds
/// it anywhere in the chain.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Exit::Invalid, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code for an error: the first `Failure` in its chain, else 1.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.exit;
        }
        if cause.downcast_ref::<crate::schema::DetectError>().is_some() {
            return Exit::Usage;
        }
        if let Some(
            crate::api::client::ApiError::Unauthorized { .. }
            | crate::api::client::ApiError::InvalidToken,
        ) = cause.downcast_ref()
        {
            return Exit::Auth;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return Exit::Ok;
            }
        }
    }
    Exit::Runtime
}
