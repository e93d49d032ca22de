//! What a problem in a file looks like: its kind, where it is, and what to do about it.

use serde::{Deserialize, Serialize};

/// The kinds of problem `validate` reports; the kebab-case name is shown and is stable in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// The file could not be read as CSV at all (encoding, separator, empty file).
    Unreadable,
    InvalidEncoding,
    UnknownColumn,
    MissingColumn,
    DuplicateColumn,
    FieldCount,
    MalformedQuote,
    UnclosedQuote,
    RecordTooLarge,
    EmptyRow,
    MissingValue,
    InvalidEnum,
    InvalidBoolean,
    InvalidInteger,
    OutOfRange,
    InvalidEmail,
    InvalidPhone,
    InvalidTimezone,
    InvalidName,
    TooLong,
    InvalidCharacters,
    LineBreak,
    /// NUL or another C0 control character (tab, and line breaks where allowed, excepted).
    ControlCharacter,
    EmptyListItem,
    DuplicateIdentity,
    ForwardReference,
    /// A warning, never an error: a valid number that probably lost its `+`.
    SuspiciousPhone,
}

impl IssueKind {
    /// The stable kebab-case name (`missing-value`).
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Unreadable => "unreadable",
            IssueKind::InvalidEncoding => "invalid-encoding",
            IssueKind::UnknownColumn => "unknown-column",
            IssueKind::MissingColumn => "missing-column",
            IssueKind::DuplicateColumn => "duplicate-column",
            IssueKind::FieldCount => "field-count",
            IssueKind::MalformedQuote => "malformed-quote",
            IssueKind::UnclosedQuote => "unclosed-quote",
            IssueKind::RecordTooLarge => "record-too-large",
            IssueKind::EmptyRow => "empty-row",
            IssueKind::MissingValue => "missing-value",
            IssueKind::InvalidEnum => "invalid-enum",
            IssueKind::InvalidBoolean => "invalid-boolean",
            IssueKind::InvalidInteger => "invalid-integer",
            IssueKind::OutOfRange => "out-of-range",
            IssueKind::InvalidEmail => "invalid-email",
            IssueKind::InvalidPhone => "invalid-phone",
            IssueKind::InvalidTimezone => "invalid-timezone",
            IssueKind::InvalidName => "invalid-name",
            IssueKind::TooLong => "too-long",
            IssueKind::InvalidCharacters => "invalid-characters",
            IssueKind::LineBreak => "line-break",
            IssueKind::ControlCharacter => "control-character",
            IssueKind::EmptyListItem => "empty-list-item",
            IssueKind::DuplicateIdentity => "duplicate-identity",
            IssueKind::ForwardReference => "forward-reference",
            IssueKind::SuspiciousPhone => "suspicious-phone",
        }
    }

    /// Whether the problem is with the file as a whole (header, encoding) rather than one row.
    pub fn is_file_level(self) -> bool {
        matches!(
            self,
            IssueKind::Unreadable
                | IssueKind::UnknownColumn
                | IssueKind::MissingColumn
                | IssueKind::DuplicateColumn
        )
    }
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Physical line in the input (header = 1).
    pub line: u64,
    /// 1-based column in the input's header, when the problem is in one column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The schema name of that column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    pub kind: IssueKind,
    pub message: String,
}

impl Issue {
    /// `users.csv:17:3: missing-value: column "Email" is required`
    pub fn render(&self, file: &str) -> String {
        match self.column {
            Some(c) => format!(
                "{file}:{}:{c}: {}: {}",
                self.line,
                self.kind.as_str(),
                self.message
            ),
            None => format!(
                "{file}:{}: {}: {}",
                self.line,
                self.kind.as_str(),
                self.message
            ),
        }
    }
}

/// A row with problems, carrying its values for the error CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRecord {
    pub line: u64,
    /// Byte offset of the record in the (normalised) input.
    pub offset: u64,
    pub issues: Vec<Issue>,
    /// The row's values in the order of the output header (the input's columns without an
    /// error CSV's own `Line` and `Error Message`).
    pub fields: Vec<String>,
}

impl BadRecord {
    /// The `Error Message` cell: every problem of the row.
    pub fn message(&self) -> String {
        self.issues
            .iter()
            .map(|i| i.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}
