//! The object types of the bulk-operations service and their CSV columns, loaded from embedded data.
//!
//! The facts live in `types.json` (converted from the project's CSV reference) so a column can be
//! corrected without touching code, and so the sandbox can serve the very same schema. Where the
//! reference only inferred a fact, the column carries `"inferred": true`.

mod detect;
mod example;
mod identity;

pub use detect::{detect_type, find_type, DetectError, Detected};
pub use example::{example_name, example_row};
pub use identity::{display_key, identity_key, Identity, Objects};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Columns an error CSV appends to the original ones; recognised in a header and ignored.
pub const ERROR_CSV_COLUMNS: [&str; 2] = ["Line", "Error Message"];

/// Whether objects of type `id` travel as a ZIP of WAV files (audio) rather than a CSV, by the
/// registry's file kind.
pub fn is_zip(id: &str) -> bool {
    registry().get(id).is_some_and(|t| t.file == FileKind::Zip)
}

/// The object type imported as a ZIP of WAV files.
pub fn audio_type() -> &'static ObjectType {
    registry()
        .types
        .iter()
        .find(|t| t.file == FileKind::Zip)
        .expect("the registry has an audio type")
}

/// The whole registry: limits of the service and every object type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registry {
    /// Separator between the values of a list cell (`Team1|Team2`).
    pub list_separator: String,
    /// Most data rows one CSV may hold.
    pub max_rows: usize,
    /// Largest CSV the service accepts, in bytes (header included).
    pub max_bytes: u64,
    /// Largest audio ZIP the service accepts, in bytes.
    pub max_zip_bytes: u64,
    /// Order in which a directory of files is imported (referenced types first).
    pub import_order: Vec<String>,
    /// Every object type.
    pub types: Vec<ObjectType>,
}

/// Whether a type is imported as a CSV or as a ZIP of WAV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Csv,
    Zip,
}

/// One object type of the service (user, team, queue, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectType {
    /// Stable id used on the command line and on the wire (`skill-profile`).
    pub id: String,
    /// Name Control Hub shows (`Skill Profile`).
    pub display_name: String,
    /// Other names users give the type, used to detect it from a file name.
    pub aliases: Vec<String>,
    pub file: FileKind,
    /// The reference's level of header evidence (`complete-headers`, `partial`, `inferred-only`...).
    pub status: String,
    /// Columns whose values together identify an object (upsert key).
    pub identity: Vec<String>,
    /// For types where one object spans consecutive rows: the columns that vary per child row.
    /// Empty for one-row-per-object types.
    #[serde(default)]
    pub child_columns: Vec<String>,
    pub columns: Vec<Column>,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Free text, optionally with a maximum length and a pattern.
    Text,
    /// An object name: at most `max_len` characters, and the type's `pattern` (which says
    /// whether it must begin with a letter).
    Name,
    Integer,
    /// One of two tokens (`ON`/`OFF`), listed in `values`.
    Boolean,
    Enum,
    Email,
    /// A dial number: what the API accepts for the column (its `pattern`, else an optional `+`
    /// and digits, or an extension).
    Phone,
    /// An IANA time-zone id such as `America/New_York`.
    Timezone,
    /// The name of another object (`ref` names its type).
    Ref,
    /// Several values joined by `separator`; elements may be enum values or references.
    List,
}

/// A condition under which an optional column becomes required.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// Required when `column` holds one of `equals`.
    Equals { column: String, equals: Vec<String> },
    /// Required when any of these columns holds a value.
    AnySet { any_set: Vec<String> },
}

/// One CSV column of an object type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub required: bool,
    /// What an empty cell does to an existing object on update.
    #[serde(default)]
    pub blank: Blank,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Allowed values of an enum, boolean or list column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Other accepted spellings of an allowed value (`SOCIAL_CHANNEL` for `SOCIAL CHANNEL`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_aliases: BTreeMap<String, Vec<String>>,
    /// The object type a reference (or a list of references) points to.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// Shape of one list element, e.g. `<team>[: <site>]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<Condition>,
    /// The reference only inferred this column (API schema or secondary source).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The value may hold line breaks (descriptions); no other column may.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiline: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Where the column's rule comes from (the OpenAPI DTO, Cisco's CSV article, a lab guide),
    /// and which source won where they disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();
static TIMEZONES: OnceLock<Vec<&'static str>> = OnceLock::new();

/// The registry compiled into the binary.
pub fn registry() -> &'static Registry {
    REGISTRY.get_or_init(|| {
        serde_json::from_str(include_str!("types.json")).expect("embedded types.json is valid")
    })
}

/// Sorted IANA time-zone ids (zones and links) accepted in time-zone columns.
pub fn timezones() -> &'static [&'static str] {
    TIMEZONES.get_or_init(|| {
        let mut v: Vec<&str> = include_str!("timezones.txt").lines().collect();
        v.sort_unstable();
        v
    })
}

impl Registry {
    /// The type with this exact id.
    pub fn get(&self, id: &str) -> Option<&ObjectType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// Position of a type in the import order (referenced types first); unknown types last.
    pub fn import_rank(&self, id: &str) -> usize {
        self.import_order
            .iter()
            .position(|t| t == id)
            .unwrap_or(self.import_order.len())
    }
}

impl ObjectType {
    /// Whether one object spans several consecutive rows (skill profile, queue, ...).
    pub fn is_multi_row(&self) -> bool {
        !self.child_columns.is_empty()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Whether `name` is one of the columns that vary per child row.
    pub fn is_child_column(&self, name: &str) -> bool {
        self.child_columns
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// The template header, in the reference's order and spelling.
    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}

/// What an empty cell means when an import updates an existing object (`"blank"` of a column
/// in types.json).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Blank {
    /// The value stays as it is, as for a column the file does not have; the cell [`CLEAR`]
    /// empties it.
    #[default]
    Keep,
    /// The value is emptied (the child columns of a multi-row object: its rows replace its
    /// children).
    Clear,
}

/// The cell that empties a value in a column where a blank keeps it: readable, typeable, and
/// not a value any column takes (`<` is in no name, enum or number).
pub const CLEAR: &str = "<clear>";

impl Column {
    /// Whether [`CLEAR`] may stand in this column: a blank keeps its value, and an empty value
    /// is allowed (not required, not conditionally required).
    pub fn clearable(&self) -> bool {
        self.blank == Blank::Keep && !self.required && self.required_if.is_none()
    }
}

/// Normalises a header cell for comparison: trimmed, inner white space collapsed, lower case.
pub fn normalize_header(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_the_seventeen_types_of_the_service() {
        let ids: Vec<&str> = registry().types.iter().map(|t| t.id.as_str()).collect();
        for id in [
            "entry-point",
            "outdial-entry-point",
            "queue",
            "outdial-queue",
            "site",
            "team",
            "user",
            "user-profile",
            "work-type",
            "auxiliary-code",
            "agent-profile",
            "address-book",
            "outdial-ani",
            "skill-definition",
            "skill-profile",
            "entry-point-mapping",
            "audio-file",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        assert_eq!(ids.len(), 17);
    }

    #[test]
    fn identities_and_row_models_follow_the_reference() {
        let r = registry();
        assert_eq!(r.get("team").unwrap().identity, ["Name", "Site"]);
        assert_eq!(r.get("user").unwrap().identity, ["Email"]);
        assert!(r.get("skill-profile").unwrap().is_multi_row());
        assert!(r.get("queue").unwrap().is_multi_row());
        assert!(!r.get("user").unwrap().is_multi_row());
        assert_eq!(r.get("audio-file").unwrap().file, FileKind::Zip);
    }

    #[test]
    fn every_reference_and_condition_names_something_that_exists() {
        let r = registry();
        for t in &r.types {
            for c in &t.columns {
                match &c.required_if {
                    Some(Condition::Equals { column, .. }) => {
                        assert!(t.column(column).is_some(), "{}.{}", t.id, c.name)
                    }
                    Some(Condition::AnySet { any_set }) => {
                        for col in any_set {
                            assert!(t.column(col).is_some(), "{}.{}", t.id, c.name)
                        }
                    }
                    None => {}
                }
                if let Some(p) = &c.pattern {
                    regex::Regex::new(p).unwrap();
                }
            }
            for id in &t.identity {
                assert!(t.column(id).is_some(), "{}: identity {id}", t.id);
            }
            for ch in &t.child_columns {
                assert!(t.column(ch).is_some(), "{}: child {ch}", t.id);
            }
        }
    }

    #[test]
    fn timezones_include_common_ids() {
        let tz = timezones();
        assert!(tz.binary_search(&"America/New_York").is_ok());
        assert!(tz.binary_search(&"Europe/Copenhagen").is_ok());
        assert!(tz.binary_search(&"Mars/Olympus").is_err());
    }
}
