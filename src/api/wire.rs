//! Wire types of the bulk-operations API (JSON, snake_case field names, RFC 3339 UTC times).
//!
//! The sandbox serves exactly these types and the client reads them; `src/sandbox/openapi.json`
//! documents them for everyone else.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The one error body of every failure: `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

/// What went wrong, for programs (`code`) and people (`message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Stable machine-readable code, e.g. `job_active`, `unauthorized`, `payload_too_large`.
    pub code: String,
    /// One human-readable sentence.
    pub message: String,
    /// Extra facts about the failure (`{"job_id": ...}`, `{"limit_bytes": ...}`); `{}` if none.
    #[serde(default)]
    pub details: serde_json::Value,
}

/// The stable codes of [`ErrorInfo::code`] the service answers with; the client matches on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Another job of the organisation is still running (`details.job_id` names it).
    JobActive,
    JobNotFound,
    /// The job has no error CSV.
    NoErrorFile,
    /// The job has no result file.
    NoResultFile,
    NoTemplate,
    NotExportable,
    NotFound,
    UnknownObjectType,
    InvalidQuery,
    InvalidBody,
    InvalidRequest,
    InvalidIdempotencyKey,
    PayloadTooLarge,
    TooManyRows,
    UploadFailed,
    Unauthorized,
    RateLimited,
    InjectedFault,
    MethodNotAllowed,
    UnsupportedMediaType,
    BadRequest,
    Internal,
}

impl ErrorCode {
    const ALL: [ErrorCode; 22] = [
        ErrorCode::JobActive,
        ErrorCode::JobNotFound,
        ErrorCode::NoErrorFile,
        ErrorCode::NoResultFile,
        ErrorCode::NoTemplate,
        ErrorCode::NotExportable,
        ErrorCode::NotFound,
        ErrorCode::UnknownObjectType,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::PayloadTooLarge,
        ErrorCode::TooManyRows,
        ErrorCode::UploadFailed,
        ErrorCode::Unauthorized,
        ErrorCode::RateLimited,
        ErrorCode::InjectedFault,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::BadRequest,
        ErrorCode::Internal,
    ];

    /// The wire spelling (`job_active`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::JobActive => "job_active",
            ErrorCode::JobNotFound => "job_not_found",
            ErrorCode::NoErrorFile => "no_error_file",
            ErrorCode::NoResultFile => "no_result_file",
            ErrorCode::NoTemplate => "no_template",
            ErrorCode::NotExportable => "not_exportable",
            ErrorCode::NotFound => "not_found",
            ErrorCode::UnknownObjectType => "unknown_object_type",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::TooManyRows => "too_many_rows",
            ErrorCode::UploadFailed => "upload_failed",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InjectedFault => "injected_fault",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Internal => "internal",
        }
    }

    /// Parses the wire spelling; `None` for a code this client does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl From<ErrorCode> for &'static str {
    fn from(c: ErrorCode) -> Self {
        c.as_str()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a job imports a file or exports objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    Import,
    Export,
}

/// Life cycle of a job: `new` -> `in_progress` -> `completed` | `completed_with_errors` | `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    New,
    InProgress,
    Completed,
    CompletedWithErrors,
    Failed,
}

impl JobStatus {
    /// The wire spelling (`in_progress`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::New => "new",
            JobStatus::InProgress => "in_progress",
            JobStatus::Completed => "completed",
            JobStatus::CompletedWithErrors => "completed_with_errors",
            JobStatus::Failed => "failed",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            JobStatus::New,
            JobStatus::InProgress,
            JobStatus::Completed,
            JobStatus::CompletedWithErrors,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether the job is still running (only one such job per organisation).
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::New | JobStatus::InProgress)
    }
}

impl JobType {
    /// The wire spelling (`import`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::Import => "import",
            JobType::Export => "export",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "import" => Some(JobType::Import),
            "export" => Some(JobType::Export),
            _ => None,
        }
    }
}

/// One bulk job as the service reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Bulk operation id (a UUID).
    pub id: String,
    /// The uploaded file's name (import) or the requested export file name.
    pub file_name: String,
    pub job_type: JobType,
    /// Object type id from the registry (`user`, `audio-file`, ...).
    pub object_type: String,
    pub status: JobStatus,
    /// Email of the user whose token created the job.
    pub submitted_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Data rows in the file (import; for audio: ZIP entries) or records to export.
    pub rows_total: u64,
    pub rows_processed: u64,
    pub rows_succeeded: u64,
    pub rows_failed: u64,
    pub objects_created: u64,
    pub objects_updated: u64,
    /// Why a `failed` job failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Whether `GET /v1/jobs/{id}/errors` has an error CSV.
    #[serde(default)]
    pub has_errors_file: bool,
    /// Whether `GET /v1/jobs/{id}/file` has an export result.
    #[serde(default)]
    pub has_result_file: bool,
    /// Rows that succeeded with a warning (`GET /v1/jobs/{id}/warnings`): in the sandbox, a user
    /// whose Control Hub person it created first. They are not in the error CSV.
    #[serde(default)]
    pub rows_warned: u64,
}

/// A row that succeeded with something to say (`GET /v1/jobs/{id}/warnings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowWarning {
    /// Line of the uploaded file.
    pub line: u64,
    pub message: String,
}

/// `GET /v1/jobs/{id}/warnings`: the job's row warnings, by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warnings {
    pub warnings: Vec<RowWarning>,
}

/// One page of the job list, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    /// Jobs matching the filters, over all pages.
    pub total: u64,
    /// 1-based page number.
    pub page: u64,
    pub page_size: u64,
    pub jobs: Vec<Job>,
}

/// Query of `GET /v1/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobListQuery {
    /// Substring of the job id or file name (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<JobType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    /// 1-based; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Default 20, at most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
}

/// Query of `POST /v1/jobs/import`; the body is the CSV (or for `audio-file` the ZIP) itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportQuery {
    pub object_type: String,
    pub file_name: String,
    /// The job this upload queues behind: while that job is the organisation's active one,
    /// the upload is received and then held until the job ends, and becomes the next job at
    /// once (the gap between the jobs of a chunked import). Never a second active job: the
    /// held upload is not a job, and goes away with its request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Body of `POST /v1/jobs/export`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub object_type: String,
    /// Name of the export file (default `<object_type>.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// Query of `GET /v1/jobs/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobQuery {
    /// Long-poll: wait up to this many seconds (at most 60) for the job's status or progress to
    /// change before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u64>,
}

/// `GET /v1/limits`: what one job may hold, so a client can split its input to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Most data rows in one CSV.
    pub max_rows: u64,
    /// Largest CSV in bytes (header included).
    pub max_bytes: u64,
    /// Largest audio ZIP in bytes.
    pub max_zip_bytes: u64,
    /// Most records in one exported CSV; bigger exports come as a ZIP of such CSVs.
    pub export_rows_per_file: u64,
    /// Largest `page_size` of the job list.
    pub max_page_size: u64,
    /// Longest `wait` of `GET /v1/jobs/{id}`, in seconds.
    pub max_wait_seconds: u64,
}

/// `GET /v1/me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub org_id: String,
    pub org_name: String,
    pub email: String,
}

/// Header of job creation: the same key (per organisation) returns the same job.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip_their_wire_spelling() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }
}
