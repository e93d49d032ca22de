//! CSV rows <-> Configuration API objects, both ways, for the 16 CSV types and audio.
//!
//! Import: the rows of one CSV object (one row, or the consecutive rows sharing an identity for
//! queues, skill profiles, address books and outdial ANIs) become one API object (plus, for
//! address books and outdial ANIs, its entries). Names become ids through a
//! [`Resolver`](super::resolve::Resolver), enum spellings are translated, and required API
//! fields with no column get the constants of the table in README.md ("Cisco's Configuration
//! API: how CSV columns map"). Export: an API object becomes the same rows again, in the
//! import's columns, so export -> import is a fixed point.
//!
//! Every error names the row's original line, the column and the value.
//!
//! `import.rs` holds CSV -> API (`to_api`), `export.rs` API -> CSV (`to_csv`); this file the
//! types both share, the enum translations and the constants.

use serde_json::Value;

use super::endpoints::ApiType;
use super::wire::{ApiObject, AudioContentType, AudioFileInfo};
use crate::schema::{normalize_header, Identity, ObjectType};

/// One CSV row: its physical line in the input and its cells by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    /// `(column, value)` in the schema's column spelling; absent columns are blank.
    pub cells: Vec<(String, String)>,
}

impl Row {
    /// A row from a header and a record; header names are matched to the schema's columns as
    /// `validate` matches them (trimmed, case-insensitive; unknown headers are kept trimmed).
    pub fn new(object: &ObjectType, header: &[&str], record: &[&str], line: u64) -> Row {
        Row::named(&column_names(object, header), record, line)
    }

    /// A row from a record and the column names [`column_names`] gave for its header (match
    /// the header once per file, not once per row).
    pub fn named(names: &[String], record: &[&str], line: u64) -> Row {
        let cells = names
            .iter()
            .zip(record)
            .map(|(name, v)| (name.clone(), v.to_string()))
            .collect();
        Row { line, cells }
    }

    /// The trimmed value of `column` ("" if absent).
    pub fn get(&self, column: &str) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(column))
            .map_or("", |(_, v)| v.trim())
    }
}

/// The schema's spelling of each header name (trimmed, case-insensitive match; an unknown
/// header is kept trimmed), as [`Row::named`] takes them.
pub fn column_names(object: &ObjectType, header: &[&str]) -> Vec<String> {
    header
        .iter()
        .map(|h| {
            let wanted = normalize_header(h);
            object
                .columns
                .iter()
                .find(|c| normalize_header(&c.name) == wanted)
                .map_or_else(|| h.trim().to_string(), |c| c.name.clone())
        })
        .collect()
}

/// The rows of one CSV object (one row except for multi-row types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvObject {
    /// The CSV type id (`skill-profile`).
    pub type_id: String,
    pub rows: Vec<Row>,
}

/// Groups rows into objects by the schema's one rule ([`crate::schema::Objects`]): for a
/// multi-row type the consecutive rows with the same identity (trimmed, case-insensitive) are
/// one object; otherwise, and for a row without an identity, every row is one. The rows of one
/// call come from one file, so they share its columns.
pub fn group_rows(object: &'static ObjectType, rows: Vec<Row>) -> Vec<CsvObject> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let header: Vec<String> = first.cells.iter().map(|(c, _)| c.clone()).collect();
    let identity = Identity::locate(object, &header);
    let mut starts = identity.objects();
    let mut out: Vec<CsvObject> = Vec::new();
    for row in rows {
        let hash = identity.hash(|i| row.cells.get(i).map(|(_, v)| v.as_bytes()));
        let new_object = starts.starts(hash);
        match out.last_mut() {
            Some(last) if !new_object => last.rows.push(row),
            _ => out.push(CsvObject {
                type_id: object.id.clone(),
                rows: vec![row],
            }),
        }
    }
    out
}

/// What went wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapErrorKind {
    /// A name that matches no object of the tenant.
    UnknownReference,
    /// A user row whose email matches no person (people are created in Control Hub).
    UnknownPerson,
    /// A value the API cannot take.
    Invalid,
}

/// A row error: the original line, the column, the value and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: column \"{column}\": {value:?}: {message}")]
pub struct MapError {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub kind: MapErrorKind,
    pub message: String,
}

/// A CSV object as the API wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub api: ApiType,
    /// The object (`organizationId` set; `id` set for users, which are only ever updated).
    pub object: ApiObject,
    /// Address book and outdial ANI entries, each with the line of its row.
    pub entries: Vec<(u64, ApiObject)>,
    /// The first line of the object's rows.
    pub line: u64,
}

/// The API type of a CSV type (`outdial-queue` -> `Queue`); `None` for an unknown type.
pub fn api_type(type_id: &str) -> Option<ApiType> {
    Some(match type_id {
        "entry-point" | "outdial-entry-point" => ApiType::EntryPoint,
        "queue" | "outdial-queue" => ApiType::Queue,
        "site" => ApiType::Site,
        "team" => ApiType::Team,
        "user" => ApiType::User,
        "user-profile" => ApiType::UserProfile,
        "work-type" => ApiType::WorkType,
        "auxiliary-code" => ApiType::AuxiliaryCode,
        "agent-profile" => ApiType::AgentProfile,
        "address-book" => ApiType::AddressBook,
        "outdial-ani" => ApiType::OutdialAni,
        "skill-definition" => ApiType::Skill,
        "skill-profile" => ApiType::SkillProfile,
        "entry-point-mapping" => ApiType::DialNumber,
        "audio-file" => ApiType::AudioFile,
        _ => return None,
    })
}

/// Whether an API object of the CSV type's API type belongs to that CSV type on export (entry
/// points and queues are split into inbound and outdial files by their direction).
pub fn belongs_to(type_id: &str, object: &ApiObject) -> bool {
    let outbound = |field: &str| object.get(field).and_then(Value::as_str) == Some("OUTBOUND");
    match type_id {
        "entry-point" => !outbound("entryPointType"),
        "outdial-entry-point" => outbound("entryPointType"),
        "queue" => !outbound("queueType"),
        "outdial-queue" => outbound("queueType"),
        _ => true,
    }
}

// Constants for required API fields that have no column (README.md, "how CSV columns map").
/// `maximumActiveContacts` of an entry point.
pub const ENTRY_POINT_MAX_ACTIVE_CONTACTS: i64 = 100;
/// `maxActiveContacts` of a queue.
pub const QUEUE_MAX_ACTIVE_CONTACTS: i64 = 100;
/// `routingType` of a queue whose Routing Type cell is blank.
pub const QUEUE_DEFAULT_ROUTING: &str = "LONGEST_AVAILABLE_AGENT";

mod export;
mod import;

pub use export::to_csv;
pub use import::to_api;

/// Splits a list cell on `|`, trimming and dropping empty elements.
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn skill_type_to_api(t: &str) -> Option<&'static str> {
    Some(match t.to_ascii_uppercase().as_str() {
        "TEXT" => "Text",
        "PROFICIENCY" => "Proficiency",
        "BOOLEAN" => "Boolean",
        "ENUM" => "enum",
        _ => return None,
    })
}

pub(crate) fn skill_type_to_csv(t: &str) -> Option<&'static str> {
    Some(match t.to_ascii_lowercase().as_str() {
        "text" => "TEXT",
        "proficiency" => "PROFICIENCY",
        "boolean" => "BOOLEAN",
        "enum" => "ENUM",
        _ => return None,
    })
}

pub(crate) fn dn_validation_to_api(v: &str) -> Option<&'static str> {
    Some(match v {
        "UNRESTRICTED" => "ALL",
        "PROVISIONED VALUE" => "PROVISIONED_VALUE",
        "VALIDATION CRITERIA" => "SPECIFIC",
        _ => return None,
    })
}

/// The `audioFileInfo` of an upload: the WAV's base name (at most 80 characters of letters,
/// digits, `.`, `_`, `-` and spaces, ending in `.wav`) and `AUDIO_WAV`.
pub fn audio_info(file_name: &str, org_id: &str) -> Result<AudioFileInfo, String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let ok_chars = base
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._- ".contains(c));
    if base.is_empty()
        || base.chars().count() > 80
        || !ok_chars
        || !base.to_ascii_lowercase().ends_with(".wav")
    {
        return Err(format!(
            "{base:?}: an audio file name has at most 80 letters, digits, '.', '_', '-' or spaces and ends in .wav"
        ));
    }
    Ok(AudioFileInfo {
        id: None,
        organization_id: Some(org_id.to_string()),
        name: base.to_string(),
        content_type: AudioContentType::AudioWav,
        description: None,
    })
}

/// The file name an audio object is exported (listed) under.
pub fn audio_file_name(object: &ApiObject) -> Option<&str> {
    object.get("name").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::registry;

    fn row(type_id: &str, header: &[&str], rec: &[&str], line: u64) -> Row {
        Row::new(registry().get(type_id).unwrap(), header, rec, line)
    }

    #[test]
    fn headers_match_columns_case_insensitively() {
        let r = row(
            "site",
            &["NAME", " multimedia profile "],
            &["Berlin", "Blended"],
            2,
        );
        assert_eq!(r.get("Name"), "Berlin");
        assert_eq!(r.cells[1].0, "Multimedia Profile");
    }

    #[test]
    fn consecutive_rows_with_one_identity_are_one_object() {
        let ty = registry().get("skill-profile").unwrap();
        let h = ["Name", "Skill Name", "Skill Value"];
        let rows = vec![
            Row::new(ty, &h, &["P1", "", ""], 2),
            Row::new(ty, &h, &["p1", "S1", "1"], 3),
            Row::new(ty, &h, &["P2", "S1", "2"], 4),
            Row::new(ty, &h, &["P1", "S2", "3"], 5),
        ];
        let groups: Vec<Vec<u64>> = group_rows(ty, rows)
            .iter()
            .map(|o| o.rows.iter().map(|r| r.line).collect())
            .collect();
        assert_eq!(groups, [vec![2, 3], vec![4], vec![5]]);
        let site = registry().get("site").unwrap();
        let h = ["Name", "Multimedia Profile"];
        let rows = vec![
            Row::new(site, &h, &["A", "m"], 2),
            Row::new(site, &h, &["A", "m"], 3),
        ];
        assert_eq!(group_rows(site, rows).len(), 2, "one-row types never group");
    }

    /// Two profiles whose names differ only in the 16th and 17th characters stay two objects:
    /// the identity hash of before this test hashed them alike, so the second profile's rows
    /// joined the first.
    #[test]
    fn near_names_in_a_row_are_two_objects() {
        let ty = registry().get("skill-profile").unwrap();
        let h = ["Name", "Skill Name", "Skill Value"];
        let rows = vec![
            Row::new(ty, &h, &["Premium Profile12 West", "S1", "1"], 2),
            Row::new(ty, &h, &["Premium Profile99 West", "S1", "2"], 3),
        ];
        assert_eq!(group_rows(ty, rows).len(), 2);
    }

    #[test]
    fn translations() {
        assert_eq!(skill_type_to_api("ENUM"), Some("enum"));
        assert_eq!(skill_type_to_csv("Proficiency"), Some("PROFICIENCY"));
        assert_eq!(
            dn_validation_to_api("PROVISIONED VALUE"),
            Some("PROVISIONED_VALUE")
        );
        assert_eq!(split_list(" a | |b|"), ["a", "b"]);
        assert_eq!(api_type("outdial-queue"), Some(ApiType::Queue));
        assert_eq!(api_type("nope"), None);
    }
}
