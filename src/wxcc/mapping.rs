//! CSV rows <-> Configuration API objects, both ways, for the 16 CSV types and audio.
//!
//! Import: the rows of one CSV object (one row, or the consecutive rows sharing an identity for
//! queues, skill profiles, address books and outdial ANIs) become one API object (plus, for
//! address books and outdial ANIs, its entries). Names become ids through a [`Resolver`],
//! enum spellings are translated, and required API fields with no column get the constants of
//! the table in README.md ("Cisco's Configuration API: how CSV columns map"). Export: an API
//! object becomes the same rows again, in the import's columns, so export -> import is a fixed
//! point.
//!
//! Every error names the row's original line, the column and the value.

use serde_json::{json, Value};

use super::endpoints::ApiType;
use super::resolve::{ResolveError, Resolver};
use super::wire::{ApiObject, AudioContentType, AudioFileInfo};
use crate::schema::{normalize_header, ObjectType};

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
        let cells = header
            .iter()
            .zip(record)
            .map(|(h, v)| {
                let wanted = normalize_header(h);
                let name = object
                    .columns
                    .iter()
                    .find(|c| normalize_header(&c.name) == wanted)
                    .map_or_else(|| h.trim().to_string(), |c| c.name.clone());
                (name, v.to_string())
            })
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

/// The rows of one CSV object (one row except for multi-row types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvObject {
    /// The CSV type id (`skill-profile`).
    pub type_id: String,
    pub rows: Vec<Row>,
}

/// Groups rows into objects: for a multi-row type the consecutive rows with the same identity
/// (case-insensitive) are one object; otherwise every row is one.
pub fn group_rows(object: &ObjectType, rows: Vec<Row>) -> Vec<CsvObject> {
    let key = |r: &Row| -> String {
        object
            .identity
            .iter()
            .map(|c| r.get(c).to_lowercase())
            .collect::<Vec<_>>()
            .join("\u{1f}")
    };
    let mut out: Vec<CsvObject> = Vec::new();
    for row in rows {
        let same = object.is_multi_row()
            && out
                .last()
                .and_then(|o| o.rows.last())
                .is_some_and(|last| key(last) == key(&row));
        if same {
            out.last_mut().expect("checked").rows.push(row);
        } else {
            out.push(CsvObject {
                type_id: object.id.clone(),
                rows: vec![row],
            });
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

/// Field-by-field helpers over the rows of one object, collecting errors.
struct Cx<'a> {
    resolver: &'a dyn Resolver,
    errors: Vec<MapError>,
}

impl Cx<'_> {
    fn err(&mut self, row: &Row, column: &str, value: &str, kind: MapErrorKind, message: String) {
        self.errors.push(MapError {
            line: row.line,
            column: column.to_string(),
            value: value.to_string(),
            kind,
            message,
        });
    }

    fn int(&mut self, row: &Row, column: &str) -> Option<i64> {
        let v = row.get(column);
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.err(
                    row,
                    column,
                    v,
                    MapErrorKind::Invalid,
                    "not a whole number".into(),
                );
                None
            }
        }
    }

    /// ON/OFF (and On/Off, TRUE/FALSE, Yes/No) as a bool; blank is `None`.
    fn flag(&mut self, row: &Row, column: &str) -> Option<bool> {
        let v = row.get(column);
        match v.to_ascii_uppercase().as_str() {
            "" => None,
            "ON" | "TRUE" | "YES" => Some(true),
            "OFF" | "FALSE" | "NO" => Some(false),
            _ => {
                self.err(
                    row,
                    column,
                    v,
                    MapErrorKind::Invalid,
                    "expected ON or OFF".into(),
                );
                None
            }
        }
    }

    /// Resolves a name; blank is `None`; unknown is an error naming the column and value.
    fn id(&mut self, row: &Row, column: &str, api: ApiType, site: Option<&str>) -> Option<String> {
        let v = row.get(column);
        if v.is_empty() {
            return None;
        }
        self.resolve(row, column, v, api, site)
    }

    fn resolve(
        &mut self,
        row: &Row,
        column: &str,
        name: &str,
        api: ApiType,
        site: Option<&str>,
    ) -> Option<String> {
        match self.resolver.id_of(api, name, site) {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                let what = api.endpoints().segment;
                self.err(
                    row,
                    column,
                    name,
                    MapErrorKind::UnknownReference,
                    format!("no {what} of this name exists; create it first"),
                );
                None
            }
            Err(e) => {
                self.err(
                    row,
                    column,
                    name,
                    MapErrorKind::UnknownReference,
                    e.to_string(),
                );
                None
            }
        }
    }

    /// A `|`-separated list of names resolved to ids; a team element may be `team: site`.
    fn ids(
        &mut self,
        row: &Row,
        column: &str,
        api: ApiType,
        prefer_site: Option<&str>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for element in split_list(row.get(column)) {
            if api == ApiType::Team {
                if let Some(id) = self.team(row, column, &element, prefer_site) {
                    out.push(id);
                }
            } else if let Some(id) = self.resolve(row, column, &element, api, None) {
                out.push(id);
            }
        }
        out
    }

    /// `team` or `team: site`; a bare name is looked up in `prefer_site` first.
    fn team(
        &mut self,
        row: &Row,
        column: &str,
        element: &str,
        prefer_site: Option<&str>,
    ) -> Option<String> {
        if let Some((team, site)) = element.rsplit_once(':') {
            let site_id = self.resolve(row, column, site.trim(), ApiType::Site, None)?;
            return self.resolve(row, column, team.trim(), ApiType::Team, Some(&site_id));
        }
        if let Some(site) = prefer_site {
            if let Ok(Some(id)) = self.resolver.id_of(ApiType::Team, element, Some(site)) {
                return Some(id);
            }
        }
        self.resolve(row, column, element, ApiType::Team, None)
    }

    fn object(&mut self, row: &Row, column: &str, api: ApiType, id: &str) -> Option<ApiObject> {
        match self.resolver.object(api, id) {
            Ok(Some(o)) => Some(o),
            Ok(None) | Err(_) => {
                let v = row.get(column).to_string();
                self.err(
                    row,
                    column,
                    &v,
                    MapErrorKind::UnknownReference,
                    "cannot be read back from the tenant".into(),
                );
                None
            }
        }
    }
}

/// Splits a list cell on `|`, trimming and dropping empty elements.
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn put(o: &mut ApiObject, field: &str, v: impl Into<Value>) {
    o.insert(field.to_string(), v.into());
}

fn put_opt<T: Into<Value>>(o: &mut ApiObject, field: &str, v: Option<T>) {
    if let Some(v) = v {
        o.insert(field.to_string(), v.into());
    }
}

fn put_text(o: &mut ApiObject, field: &str, row: &Row, column: &str) {
    let v = row.get(column);
    if !v.is_empty() {
        o.insert(field.to_string(), Value::String(v.to_string()));
    }
}

/// Maps one CSV object to its API object. `org_id` fills `organizationId` (required on bulk
/// saves).
pub fn to_api(
    obj: &CsvObject,
    resolver: &dyn Resolver,
    org_id: &str,
) -> Result<Mapped, Vec<MapError>> {
    let api = api_type(&obj.type_id).ok_or_else(|| {
        vec![MapError {
            line: obj.rows.first().map_or(0, |r| r.line),
            column: String::new(),
            value: obj.type_id.clone(),
            kind: MapErrorKind::Invalid,
            message: "not an object type of the Configuration API".into(),
        }]
    })?;
    let first = obj.rows.first().cloned().unwrap_or(Row {
        line: 0,
        cells: vec![],
    });
    let mut cx = Cx {
        resolver,
        errors: Vec::new(),
    };
    let mut o = ApiObject::new();
    put(&mut o, "organizationId", org_id);
    let mut entries = Vec::new();
    let r = &first;
    match obj.type_id.as_str() {
        "site" => {
            put_text(&mut o, "name", r, "Name");
            put(&mut o, "active", true);
            put_opt(
                &mut o,
                "multimediaProfileId",
                cx.id(r, "Multimedia Profile", ApiType::MultimediaProfile, None),
            );
        }
        "team" => {
            put_text(&mut o, "name", r, "Name");
            let site = cx.id(r, "Site", ApiType::Site, None);
            put_opt(&mut o, "siteId", site);
            put_text(&mut o, "teamType", r, "Type");
            put(&mut o, "teamStatus", "IN_SERVICE");
            put(&mut o, "active", true);
            put(&mut o, "rankQueuesForTeam", false);
            put_opt(
                &mut o,
                "multiMediaProfileId",
                cx.id(r, "Multimedia Profile", ApiType::MultimediaProfile, None),
            );
            put_opt(
                &mut o,
                "skillProfileId",
                cx.id(r, "Skill Profile", ApiType::SkillProfile, None),
            );
            put_text(&mut o, "dialedNumber", r, "DN");
            put_opt(&mut o, "capacity", cx.int(r, "Capacity"));
            put_opt(
                &mut o,
                "desktopLayoutId",
                cx.id(r, "Desktop Layout", ApiType::DesktopLayout, None),
            );
        }
        "user" => {
            o.remove("organizationId");
            let email = r.get("Email");
            match resolver.id_of(ApiType::User, email, None) {
                Ok(Some(id)) => put(&mut o, "id", id),
                Ok(None) => cx.err(
                    r,
                    "Email",
                    email,
                    MapErrorKind::UnknownPerson,
                    "no person with this email; people are created in Control Hub first".into(),
                ),
                Err(e) => cx.err(
                    r,
                    "Email",
                    email,
                    MapErrorKind::UnknownPerson,
                    e.to_string(),
                ),
            }
            put_opt(
                &mut o,
                "userProfileId",
                cx.id(r, "User Profile", ApiType::UserProfile, None),
            );
            put_opt(
                &mut o,
                "contactCenterEnabled",
                cx.flag(r, "Contact Center Enabled"),
            );
            // A PATCH: a blank cell clears the field (null), so the file stays the truth.
            let site = cx.id(r, "Site", ApiType::Site, None);
            o.insert(
                "siteId".into(),
                site.clone().map_or(Value::Null, Value::String),
            );
            let teams = cx.ids(r, "Teams", ApiType::Team, site.as_deref());
            put(&mut o, "teamIds", teams);
            let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
            let sp = cx.id(r, "Skill Profile", ApiType::SkillProfile, None);
            o.insert("skillProfileId".into(), opt(sp));
            let ap = cx.id(r, "Desktop Profile", ApiType::AgentProfile, None);
            o.insert("agentProfileId".into(), opt(ap));
            let mm = cx.id(r, "Multimedia Profile", ApiType::MultimediaProfile, None);
            o.insert("multimediaProfileId".into(), opt(mm));
            let text = |c: &str| Some(r.get(c).to_string()).filter(|s| !s.is_empty());
            o.insert("externalIdentifier".into(), opt(text("External Id")));
            o.insert("deafultDialledNumber".into(), opt(text("Default DN")));
        }
        "user-profile" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_text(&mut o, "profileType", r, "Profile Type");
            put(&mut o, "active", true);
            for c in [
                "Module Access",
                "Entry Point Access",
                "Site Access",
                "Queue Access",
                "Team Access",
            ] {
                let v = r.get(c);
                if !v.is_empty() && v != "ALL" {
                    cx.err(r, c, v, MapErrorKind::Invalid,
                        "Cisco's v3 user-profile API has no per-entry-point, site, queue or team access; only ALL can be applied".into());
                }
            }
            put(&mut o, "permissionAccessLevel", "ALL");
            put(&mut o, "resourceAccessLevel", "ALL");
        }
        "work-type" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_text(&mut o, "workTypeCode", r, "Type");
            put(&mut o, "active", true);
        }
        "auxiliary-code" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_opt(&mut o, "defaultCode", cx.flag(r, "Default"));
            put(&mut o, "active", true);
            if let Some(wt) = cx.id(r, "Work Type", ApiType::WorkType, None) {
                let code = cx
                    .object(r, "Work Type", ApiType::WorkType, &wt)
                    .and_then(|w| w.get("workTypeCode").cloned());
                put(&mut o, "workTypeId", wt);
                put_opt(&mut o, "workTypeCode", code);
            }
        }
        "agent-profile" => agent_profile_to_api(&mut cx, r, &mut o),
        "address-book" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_text(&mut o, "parentType", r, "Parent Type");
            put_opt(&mut o, "siteId", cx.id(r, "Site", ApiType::Site, None));
            for row in &obj.rows {
                if row.get("Entry Name").is_empty() && row.get("Phone Number").is_empty() {
                    continue;
                }
                let mut e = ApiObject::new();
                put(&mut e, "organizationId", org_id);
                put_text(&mut e, "name", row, "Entry Name");
                put_text(&mut e, "number", row, "Phone Number");
                entries.push((row.line, e));
            }
        }
        "outdial-ani" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            for row in &obj.rows {
                if row.get("Entry Name").is_empty() && row.get("Entry Number").is_empty() {
                    continue;
                }
                let mut e = ApiObject::new();
                put(&mut e, "organizationId", org_id);
                put_text(&mut e, "name", row, "Entry Name");
                put_text(&mut e, "number", row, "Entry Number");
                entries.push((row.line, e));
            }
        }
        "skill-definition" => {
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_opt(
                &mut o,
                "serviceLevelThreshold",
                cx.int(r, "Service Level Threshold"),
            );
            let t = r.get("Type");
            match skill_type_to_api(t) {
                Some(st) => put(&mut o, "skillType", st),
                None => cx.err(
                    r,
                    "Type",
                    t,
                    MapErrorKind::Invalid,
                    "expected TEXT, PROFICIENCY, BOOLEAN or ENUM".into(),
                ),
            }
            let values: Vec<Value> = split_list(r.get("List Values For Enum"))
                .into_iter()
                .map(|name| json!({ "name": name }))
                .collect();
            if !values.is_empty() {
                put(&mut o, "enumSkillValues", values);
            }
            put(&mut o, "active", true);
        }
        "skill-profile" => skill_profile_to_api(&mut cx, obj, &mut o),
        "entry-point" | "outdial-entry-point" => {
            let outdial = obj.type_id == "outdial-entry-point";
            put_text(&mut o, "name", r, "Name");
            put_text(&mut o, "description", r, "Description");
            put_opt(
                &mut o,
                "serviceLevelThreshold",
                cx.int(r, "Service Level Threshold"),
            );
            put_text(&mut o, "timezone", r, "Timezone");
            put(
                &mut o,
                "channelType",
                r.get("Channel Type").replace(' ', "_"),
            );
            put_text(&mut o, "socialChannelType", r, "Social Channel Type");
            // Cisco wants the Webex Connect asset id and offers no lookup: the cell is sent as is.
            put_text(&mut o, "assetId", r, "Asset Name");
            put(
                &mut o,
                "entryPointType",
                if outdial { "OUTBOUND" } else { "INBOUND" },
            );
            put(&mut o, "active", true);
            put(
                &mut o,
                "maximumActiveContacts",
                ENTRY_POINT_MAX_ACTIVE_CONTACTS,
            );
            if outdial {
                put_opt(
                    &mut o,
                    "outdialQueueId",
                    cx.id(r, "Outdial Queue", ApiType::Queue, None),
                );
            }
        }
        "queue" | "outdial-queue" => queue_to_api(&mut cx, obj, &mut o),
        "entry-point-mapping" => {
            put_text(&mut o, "dialledNumber", r, "Dialed Number");
            if let Some(ep) = cx.id(r, "Entry Point", ApiType::EntryPoint, None) {
                let name = resolver
                    .name_of(ApiType::EntryPoint, &ep)
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| r.get("Entry Point").to_string());
                put(&mut o, "entryPointId", ep);
                put(&mut o, "entryPointName", name);
            }
            put_text(&mut o, "regionId", r, "Region");
            put_text(&mut o, "extension", r, "Extension");
            put_text(&mut o, "location", r, "Location");
        }
        other => {
            cx.err(
                r,
                "",
                other,
                MapErrorKind::Invalid,
                "audio files are uploaded with audio_info, not mapped from rows".into(),
            );
        }
    }
    if cx.errors.is_empty() {
        Ok(Mapped {
            api,
            object: o,
            entries,
            line: first.line,
        })
    } else {
        Err(cx.errors)
    }
}

fn skill_type_to_api(t: &str) -> Option<&'static str> {
    Some(match t.to_ascii_uppercase().as_str() {
        "TEXT" => "Text",
        "PROFICIENCY" => "Proficiency",
        "BOOLEAN" => "Boolean",
        "ENUM" => "enum",
        _ => return None,
    })
}

fn skill_type_to_csv(t: &str) -> Option<&'static str> {
    Some(match t.to_ascii_lowercase().as_str() {
        "text" => "TEXT",
        "proficiency" => "PROFICIENCY",
        "boolean" => "BOOLEAN",
        "enum" => "ENUM",
        _ => return None,
    })
}

fn dn_validation_to_api(v: &str) -> Option<&'static str> {
    Some(match v {
        "UNRESTRICTED" => "ALL",
        "PROVISIONED VALUE" => "PROVISIONED_VALUE",
        "VALIDATION CRITERIA" => "SPECIFIC",
        _ => return None,
    })
}

fn agent_profile_to_api(cx: &mut Cx<'_>, r: &Row, o: &mut ApiObject) {
    put_text(o, "name", r, "Name");
    put_text(o, "description", r, "Description");
    let site = cx.id(r, "Parent Site", ApiType::Site, None);
    put(
        o,
        "parentType",
        if site.is_some() {
            "SITE"
        } else {
            "ORGANIZATION"
        },
    );
    put_opt(o, "siteId", site.clone());
    put_opt(o, "screenPopup", cx.flag(r, "Screen Popups"));
    put_opt(o, "lastAgentRouting", cx.flag(r, "Last Agent Routing"));
    put(o, "autoWrapUp", r.get("Wrap Up Type") == "AUTO");
    put_opt(o, "autoWrapAfterSeconds", cx.int(r, "Auto Wrap Up Time"));
    put_opt(
        o,
        "agentAvailableAfterOutdial",
        cx.flag(r, "Agent Available After Outdial"),
    );
    put_opt(
        o,
        "allowAutoWrapUpExtension",
        cx.flag(r, "Allow Auto Wrap Up Extension"),
    );
    put_text(o, "accessWrapUpCode", r, "Wrap Up Options");
    put(
        o,
        "wrapUpCodes",
        cx.ids(r, "Wrap Up Codes", ApiType::AuxiliaryCode, None),
    );
    put_text(o, "accessIdleCode", r, "Idle Options");
    put(
        o,
        "idleCodes",
        cx.ids(r, "Idle Codes", ApiType::AuxiliaryCode, None),
    );
    let transfer = r.get("Transfer Options");
    if !(transfer.is_empty() || transfer == "ALL") || !r.get("Transfer Targets").is_empty() {
        cx.err(r, "Transfer Options", transfer, MapErrorKind::Invalid,
            "Cisco's agent-profile API has no transfer settings; only ALL with no targets can be applied".into());
    }
    put_text(o, "accessBuddyTeam", r, "Buddy Team Option");
    put(
        o,
        "buddyTeams",
        cx.ids(r, "Buddy Teams", ApiType::Team, site.as_deref()),
    );
    put_opt(o, "consultToQueue", cx.flag(r, "Consult To Queue"));
    put_opt(o, "outdialEnabled", cx.flag(r, "Outdial Enabled"));
    put_opt(
        o,
        "outdialEntryPointId",
        cx.id(r, "Outdial EP", ApiType::EntryPoint, None),
    );
    put_opt(
        o,
        "addressBookId",
        cx.id(r, "Address Book", ApiType::AddressBook, None),
    );
    put_opt(o, "dialPlanEnabled", cx.flag(r, "Dial Plan Enabled"));
    // Dial plans and threshold rules have no list endpoint in the document: sent by name.
    put(o, "dialPlans", split_list(r.get("Dial Plan")));
    put_opt(
        o,
        "outdialANIId",
        cx.id(r, "Outdial ANI", ApiType::OutdialAni, None),
    );
    let dn = r.get("DN Validation Option");
    match dn_validation_to_api(dn) {
        Some(v) => put(o, "agentDNValidation", v),
        None => cx.err(
            r,
            "DN Validation Option",
            dn,
            MapErrorKind::Invalid,
            "expected UNRESTRICTED, PROVISIONED VALUE or VALIDATION CRITERIA".into(),
        ),
    }
    put(
        o,
        "agentDNValidationCriterions",
        split_list(r.get("Validation Criteria")),
    );
    let mut stats = ApiObject::new();
    put_opt(&mut stats, "agentStats", cx.flag(r, "Agent Statistics"));
    put_text(&mut stats, "accessQueueStats", r, "Queue Statistics Option");
    put(
        &mut stats,
        "contactServiceQueues",
        cx.ids(r, "Selected Queues", ApiType::Queue, None),
    );
    put_opt(
        &mut stats,
        "loggedInTeamStats",
        cx.flag(r, "Logged In Team Statistics"),
    );
    put_text(&mut stats, "accessTeamStats", r, "Team Statistics Option");
    put(
        &mut stats,
        "teams",
        cx.ids(r, "Selected Teams", ApiType::Team, site.as_deref()),
    );
    put(o, "viewableStatistics", stats);
    let rules = split_list(r.get("Agent Threshold Alerts"));
    if cx.flag(r, "Agent Threshold Alerts Enabled") == Some(false) && !rules.is_empty() {
        cx.err(
            r,
            "Agent Threshold Alerts Enabled",
            "OFF",
            MapErrorKind::Invalid,
            "threshold alerts are listed but disabled; the API only has the list".into(),
        );
    }
    put(o, "thresholdRules", rules);
    put(o, "accessEntryPoint", "ALL");
    put(o, "accessQueue", "ALL");
    put(o, "active", true);
    put(o, "systemDefault", false);
}

fn skill_profile_to_api(cx: &mut Cx<'_>, obj: &CsvObject, o: &mut ApiObject) {
    let r = &obj.rows[0];
    put_text(o, "name", r, "Name");
    put_text(o, "description", r, "Description");
    let mut active = Vec::new();
    let mut enums = Vec::new();
    for row in &obj.rows {
        let skill_name = row.get("Skill Name");
        if skill_name.is_empty() || row.get("Delete").eq_ignore_ascii_case("yes") {
            continue;
        }
        let Some(skill_id) = cx.id(row, "Skill Name", ApiType::Skill, None) else {
            continue;
        };
        let Some(skill) = cx.object(row, "Skill Name", ApiType::Skill, &skill_id) else {
            continue;
        };
        let value = row.get("Skill Value");
        let kind = skill
            .get("skillType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let bad = |cx: &mut Cx<'_>, why: &str| {
            cx.err(
                row,
                "Skill Value",
                value,
                MapErrorKind::Invalid,
                why.to_string(),
            );
        };
        // `booleanValue` is required by ActiveSkillDTO for every skill type: false unless boolean.
        let mut a = json!({ "skillId": skill_id, "skillName": skill_name, "booleanValue": false });
        match kind.as_str() {
            "proficiency" => match value.parse::<i64>() {
                Ok(n) if (0..=10).contains(&n) => a["proficiencyValue"] = json!(n),
                _ => {
                    bad(cx, "a proficiency is a whole number from 0 to 10");
                    continue;
                }
            },
            "boolean" => match value.to_ascii_lowercase().as_str() {
                "true" | "on" | "yes" => a["booleanValue"] = json!(true),
                "false" | "off" | "no" => {}
                _ => {
                    bad(cx, "expected true or false");
                    continue;
                }
            },
            "text" => a["textValue"] = json!(value),
            "enum" => {
                let values: Vec<&ApiObject> = skill
                    .get("enumSkillValues")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_object).collect())
                    .unwrap_or_default();
                for element in split_list(value) {
                    let hit = values.iter().find(|v| {
                        v.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(&element))
                    });
                    match hit.and_then(|v| v.get("id")) {
                        Some(id) => enums
                            .push(json!({"enumSkillValueId": id, "enumSkillId": skill_id,
                            "enumSkillName": skill_name, "enumSkillValue": element})),
                        None => cx.err(
                            row,
                            "Skill Value",
                            &element,
                            MapErrorKind::UnknownReference,
                            format!("not a value of the enum skill {skill_name:?}"),
                        ),
                    }
                }
                continue;
            }
            _ => {
                bad(cx, "the skill has an unknown type");
                continue;
            }
        }
        active.push(a);
    }
    put(o, "activeSkills", active);
    put(o, "activeEnumSkills", enums);
}

fn queue_to_api(cx: &mut Cx<'_>, obj: &CsvObject, o: &mut ApiObject) {
    let r = &obj.rows[0];
    let outdial = obj.type_id == "outdial-queue";
    put_text(o, "name", r, "Name");
    put_text(o, "description", r, "Description");
    put(o, "queueType", if outdial { "OUTBOUND" } else { "INBOUND" });
    put_text(o, "channelType", r, "Channel Type");
    put_opt(o, "maxTimeInQueue", cx.int(r, "Max Time In Queue"));
    put_opt(
        o,
        "serviceLevelThreshold",
        cx.int(r, "Service Level Threshold"),
    );
    put_text(o, "timezone", r, "Timezone");
    for (col, field) in [
        ("Permit Monitoring", "monitoringPermitted"),
        ("Permit Recording", "recordingPermitted"),
        ("Record All Calls", "recordingAllCallsPermitted"),
        ("Pause or Resume Enabled", "pauseRecordingPermitted"),
    ] {
        put(o, field, cx.flag(r, col).unwrap_or(false));
    }
    put_opt(
        o,
        "recordingPauseDuration",
        cx.int(r, "Recording Pause Duration"),
    );
    put_opt(
        o,
        "defaultMusicInQueueMediaFileId",
        cx.id(r, "Default Music in Queue", ApiType::AudioFile, None),
    );
    let routing = r.get("Routing Type");
    put(
        o,
        "routingType",
        if routing.is_empty() {
            QUEUE_DEFAULT_ROUTING
        } else {
            routing
        },
    );
    put_text(o, "skillBasedRoutingType", r, "Skill-Based Agent Selection");
    put(o, "queueRoutingType", "TEAM_BASED");
    put(o, "checkAgentAvailability", false);
    put(o, "maxActiveContacts", QUEUE_MAX_ACTIVE_CONTACTS);
    put(o, "parkingPermitted", false);
    put(o, "active", true);
    if outdial {
        put(o, "outdialCampaignEnabled", false);
    }
    let mut groups = Vec::new();
    for row in &obj.rows {
        if row.get("Group Teams").is_empty() && row.get("Distribution Group Seq").is_empty() {
            continue;
        }
        let teams: Vec<Value> = cx
            .ids(row, "Group Teams", ApiType::Team, None)
            .into_iter()
            .map(|id| json!({ "teamId": id }))
            .collect();
        let order = cx
            .int(row, "Distribution Group Seq")
            .unwrap_or(groups.len() as i64 + 1);
        let mut g = json!({ "order": order, "agentGroups": teams });
        if let Some(d) = cx.int(row, "Group Fallback Time") {
            g["duration"] = json!(d);
        }
        groups.push(g);
    }
    put(o, "callDistributionGroups", groups);
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

/// Export: the CSV rows (in `object_type`'s column order) of an API object and its entries.
pub fn to_csv(
    object_type: &ObjectType,
    o: &ApiObject,
    entries: &[ApiObject],
    resolver: &dyn Resolver,
) -> Result<Vec<Vec<String>>, String> {
    let mut x = Export {
        resolver,
        cells: Vec::new(),
        error: None,
    };
    let s = |field: &str| -> String {
        match o.get(field) {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let onoff = |field: &str| -> String {
        match o.get(field).and_then(Value::as_bool) {
            Some(true) => "ON".into(),
            Some(false) => "OFF".into(),
            None => String::new(),
        }
    };
    let t = object_type.id.as_str();
    let mut extra_rows: Vec<Vec<(&str, String)>> = Vec::new();
    match t {
        "site" => {
            x.set("Name", s("name"));
            x.name(
                "Multimedia Profile",
                ApiType::MultimediaProfile,
                &s("multimediaProfileId"),
            );
        }
        "team" => {
            x.set("Name", s("name"));
            x.name("Site", ApiType::Site, &s("siteId"));
            x.set("Type", s("teamType"));
            x.name(
                "Multimedia Profile",
                ApiType::MultimediaProfile,
                &s("multiMediaProfileId"),
            );
            x.name("Skill Profile", ApiType::SkillProfile, &s("skillProfileId"));
            x.set("DN", s("dialedNumber"));
            x.set("Capacity", s("capacity"));
            x.name(
                "Desktop Layout",
                ApiType::DesktopLayout,
                &s("desktopLayoutId"),
            );
        }
        "user" => {
            x.set("Email", s("email"));
            x.name("User Profile", ApiType::UserProfile, &s("userProfileId"));
            let cc = o.get("contactCenterEnabled").and_then(Value::as_bool);
            x.set(
                "Contact Center Enabled",
                cc.map_or("", |b| if b { "On" } else { "Off" }).into(),
            );
            x.name("Site", ApiType::Site, &s("siteId"));
            let teams = ids(o, "teamIds");
            x.names("Teams", ApiType::Team, &teams, false);
            x.name("Skill Profile", ApiType::SkillProfile, &s("skillProfileId"));
            x.name(
                "Desktop Profile",
                ApiType::AgentProfile,
                &s("agentProfileId"),
            );
            x.name(
                "Multimedia Profile",
                ApiType::MultimediaProfile,
                &s("multimediaProfileId"),
            );
            x.set("External Id", s("externalIdentifier"));
            x.set("Default DN", s("deafultDialledNumber"));
        }
        "user-profile" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Profile Type", s("profileType"));
            for c in [
                "Module Access",
                "Entry Point Access",
                "Site Access",
                "Queue Access",
                "Team Access",
            ] {
                x.set(c, "ALL".into());
            }
        }
        "work-type" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Type", s("workTypeCode"));
        }
        "auxiliary-code" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Default", onoff("defaultCode"));
            x.name("Work Type", ApiType::WorkType, &s("workTypeId"));
        }
        "agent-profile" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.name("Parent Site", ApiType::Site, &s("siteId"));
            x.set("Screen Popups", onoff("screenPopup"));
            x.set("Last Agent Routing", onoff("lastAgentRouting"));
            let auto = o.get("autoWrapUp").and_then(Value::as_bool) == Some(true);
            x.set("Wrap Up Type", if auto { "AUTO" } else { "MANUAL" }.into());
            x.set("Auto Wrap Up Time", s("autoWrapAfterSeconds"));
            x.set(
                "Agent Available After Outdial",
                onoff("agentAvailableAfterOutdial"),
            );
            x.set(
                "Allow Auto Wrap Up Extension",
                onoff("allowAutoWrapUpExtension"),
            );
            x.set("Wrap Up Options", s("accessWrapUpCode"));
            x.names(
                "Wrap Up Codes",
                ApiType::AuxiliaryCode,
                &ids(o, "wrapUpCodes"),
                false,
            );
            x.set("Idle Options", s("accessIdleCode"));
            x.names(
                "Idle Codes",
                ApiType::AuxiliaryCode,
                &ids(o, "idleCodes"),
                false,
            );
            x.set("Transfer Options", "ALL".into());
            x.set("Buddy Team Option", s("accessBuddyTeam"));
            x.names("Buddy Teams", ApiType::Team, &ids(o, "buddyTeams"), true);
            x.set("Consult To Queue", onoff("consultToQueue"));
            x.set("Outdial Enabled", onoff("outdialEnabled"));
            x.name("Outdial EP", ApiType::EntryPoint, &s("outdialEntryPointId"));
            x.name("Address Book", ApiType::AddressBook, &s("addressBookId"));
            x.set("Dial Plan Enabled", onoff("dialPlanEnabled"));
            x.set("Dial Plan", ids(o, "dialPlans").join("|"));
            x.name("Outdial ANI", ApiType::OutdialAni, &s("outdialANIId"));
            let dn = match s("agentDNValidation").as_str() {
                "ALL" => "UNRESTRICTED",
                "PROVISIONED_VALUE" => "PROVISIONED VALUE",
                "SPECIFIC" => "VALIDATION CRITERIA",
                _ => "",
            };
            x.set("DN Validation Option", dn.into());
            x.set(
                "Validation Criteria",
                ids(o, "agentDNValidationCriterions").join("|"),
            );
            let stats = o
                .get("viewableStatistics")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let st = |f: &str| {
                stats
                    .get(f)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let sb = |f: &str| match stats.get(f).and_then(Value::as_bool) {
                Some(true) => "ON".to_string(),
                Some(false) => "OFF".to_string(),
                None => String::new(),
            };
            x.set("Agent Statistics", sb("agentStats"));
            x.set("Queue Statistics Option", st("accessQueueStats"));
            x.names(
                "Selected Queues",
                ApiType::Queue,
                &ids(&stats, "contactServiceQueues"),
                false,
            );
            x.set("Logged In Team Statistics", sb("loggedInTeamStats"));
            x.set("Team Statistics Option", st("accessTeamStats"));
            x.names("Selected Teams", ApiType::Team, &ids(&stats, "teams"), true);
            let rules = ids(o, "thresholdRules");
            x.set(
                "Agent Threshold Alerts Enabled",
                if rules.is_empty() { "" } else { "ON" }.into(),
            );
            x.set("Agent Threshold Alerts", rules.join("|"));
        }
        "address-book" | "outdial-ani" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            let number_col = if t == "address-book" {
                x.set("Parent Type", s("parentType"));
                x.name("Site", ApiType::Site, &s("siteId"));
                "Phone Number"
            } else {
                "Entry Number"
            };
            for e in entries {
                let f = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                extra_rows.push(vec![("Entry Name", f("name")), (number_col, f("number"))]);
            }
        }
        "skill-definition" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Service Level Threshold", s("serviceLevelThreshold"));
            x.set(
                "Type",
                skill_type_to_csv(&s("skillType")).unwrap_or("").into(),
            );
            let values: Vec<String> = o
                .get("enumSkillValues")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            x.set("List Values For Enum", values.join("|"));
        }
        "skill-profile" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            for a in o
                .get("activeSkills")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = a.get("skillId").and_then(Value::as_str).unwrap_or("");
                let name = x.lookup(ApiType::Skill, id);
                let kind = x
                    .resolver
                    .object(ApiType::Skill, id)
                    .ok()
                    .flatten()
                    .and_then(|sk| {
                        sk.get("skillType")
                            .and_then(Value::as_str)
                            .map(str::to_ascii_lowercase)
                    })
                    .unwrap_or_default();
                let value = match kind.as_str() {
                    "proficiency" => a
                        .get("proficiencyValue")
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    "boolean" => a
                        .get("booleanValue")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        .to_string(),
                    _ => a
                        .get("textValue")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                };
                extra_rows.push(vec![("Skill Name", name), ("Skill Value", value)]);
            }
            // Enum skills: one row per skill, its values joined by `|`, in first-seen order.
            let mut by_skill: Vec<(String, Vec<String>)> = Vec::new();
            for e in o
                .get("activeEnumSkills")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let skill = e.get("enumSkillId").and_then(Value::as_str).unwrap_or("");
                let value = e
                    .get("enumSkillValue")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                match by_skill.iter_mut().find(|(s, _)| s == skill) {
                    Some((_, vs)) => vs.push(value),
                    None => by_skill.push((skill.to_string(), vec![value])),
                }
            }
            for (skill, values) in by_skill {
                let name = x.lookup(ApiType::Skill, &skill);
                extra_rows.push(vec![
                    ("Skill Name", name),
                    ("Skill Value", values.join("|")),
                ]);
            }
        }
        "entry-point" | "outdial-entry-point" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Service Level Threshold", s("serviceLevelThreshold"));
            x.set("Timezone", s("timezone"));
            let ch = s("channelType");
            x.set(
                "Channel Type",
                if t == "entry-point" {
                    ch.replace('_', " ")
                } else {
                    ch
                },
            );
            x.set("Social Channel Type", s("socialChannelType"));
            x.set("Asset Name", s("assetId"));
            x.name("Outdial Queue", ApiType::Queue, &s("outdialQueueId"));
        }
        "queue" | "outdial-queue" => {
            x.set("Name", s("name"));
            x.set("Description", s("description"));
            x.set("Channel Type", s("channelType"));
            x.set("Max Time In Queue", s("maxTimeInQueue"));
            x.set("Service Level Threshold", s("serviceLevelThreshold"));
            x.set("Timezone", s("timezone"));
            x.set("Permit Monitoring", onoff("monitoringPermitted"));
            x.set("Permit Recording", onoff("recordingPermitted"));
            x.set("Record All Calls", onoff("recordingAllCallsPermitted"));
            x.set("Pause or Resume Enabled", onoff("pauseRecordingPermitted"));
            x.set("Recording Pause Duration", s("recordingPauseDuration"));
            x.name(
                "Default Music in Queue",
                ApiType::AudioFile,
                &s("defaultMusicInQueueMediaFileId"),
            );
            x.set("Routing Type", s("routingType"));
            x.set("Skill-Based Agent Selection", s("skillBasedRoutingType"));
            for g in o
                .get("callDistributionGroups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let order = g.get("order").map(|v| v.to_string()).unwrap_or_default();
                let duration = g.get("duration").map(|v| v.to_string()).unwrap_or_default();
                let teams: Vec<String> = g
                    .get("agentGroups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.get("teamId").and_then(Value::as_str).map(str::to_string))
                    .collect();
                let teams = x.team_names(&teams, true);
                extra_rows.push(vec![
                    ("Distribution Group", format!("Group {order}")),
                    ("Distribution Group Seq", order),
                    ("Group Fallback Time", duration),
                    ("Group Teams", teams),
                ]);
            }
        }
        "entry-point-mapping" => {
            x.set("Dialed Number", s("dialledNumber"));
            x.name("Entry Point", ApiType::EntryPoint, &s("entryPointId"));
            x.set("Region", s("regionId"));
            x.set("Extension", s("extension"));
            x.set("Location", s("location"));
        }
        other => return Err(format!("{other} cannot be exported as CSV rows")),
    }
    if let Some(e) = x.error {
        return Err(e);
    }
    let header = object_type.header();
    let render = |cells: &[(&str, String)]| -> Vec<String> {
        header
            .iter()
            .map(|h| {
                cells
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(h))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let parent: Vec<(&str, String)> = x.cells.iter().map(|(c, v)| (*c, v.clone())).collect();
    let mut rows = vec![render(&parent)];
    for extra in extra_rows {
        let mut cells = parent.clone();
        cells.extend(extra);
        rows.push(render(&cells));
    }
    Ok(rows)
}

/// The string ids of an array field.
fn ids(o: &ApiObject, field: &str) -> Vec<String> {
    o.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Export state: the cells so far and the first failed lookup.
struct Export<'a> {
    resolver: &'a dyn Resolver,
    cells: Vec<(&'static str, String)>,
    error: Option<String>,
}

impl Export<'_> {
    fn set(&mut self, column: &'static str, value: String) {
        self.cells.push((column, value));
    }

    fn lookup(&mut self, api: ApiType, id: &str) -> String {
        if id.is_empty() {
            return String::new();
        }
        match self.resolver.name_of(api, id) {
            Ok(Some(n)) => n,
            Ok(None) | Err(_) => {
                self.error.get_or_insert_with(|| {
                    format!(
                        "{} {id:?} is referenced but cannot be found",
                        api.endpoints().segment
                    )
                });
                String::new()
            }
        }
    }

    fn name(&mut self, column: &'static str, api: ApiType, id: &str) {
        let n = self.lookup(api, id);
        self.set(column, n);
    }

    fn names(&mut self, column: &'static str, api: ApiType, ids: &[String], with_site: bool) {
        let v = if api == ApiType::Team {
            self.team_names(ids, with_site)
        } else {
            ids.iter()
                .map(|id| self.lookup(api, id))
                .collect::<Vec<_>>()
                .join("|")
        };
        self.set(column, v);
    }

    /// Team names joined by `|`; with `with_site`, `team: site` where the bare name is ambiguous.
    fn team_names(&mut self, ids: &[String], with_site: bool) -> String {
        let mut out = Vec::new();
        for id in ids {
            let name = self.lookup(ApiType::Team, id);
            let ambiguous = matches!(
                self.resolver.id_of(ApiType::Team, &name, None),
                Err(ResolveError::Ambiguous { .. })
            );
            if with_site && ambiguous {
                let site = self
                    .resolver
                    .object(ApiType::Team, id)
                    .ok()
                    .flatten()
                    .and_then(|t| t.get("siteId").and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_default();
                let site = self.lookup(ApiType::Site, &site);
                out.push(format!("{name}: {site}"));
            } else {
                out.push(name);
            }
        }
        out.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::registry;
    use crate::wxcc::resolve::MemResolver;

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

    #[test]
    fn flags_accept_the_reference_spellings_and_refuse_others() {
        let r = MemResolver::new();
        let mut cx = Cx {
            resolver: &r,
            errors: Vec::new(),
        };
        let rw = row(
            "queue",
            &["Permit Monitoring", "Permit Recording", "Record All Calls"],
            &["ON", "false", "maybe"],
            9,
        );
        assert_eq!(cx.flag(&rw, "Permit Monitoring"), Some(true));
        assert_eq!(cx.flag(&rw, "Permit Recording"), Some(false));
        assert_eq!(cx.flag(&rw, "Record All Calls"), None);
        assert_eq!(cx.flag(&rw, "Pause or Resume Enabled"), None);
        assert_eq!(cx.errors.len(), 1);
        assert_eq!(
            cx.errors[0].to_string(),
            "line 9: column \"Record All Calls\": \"maybe\": expected ON or OFF"
        );
    }
}
