//! CSV -> API: one CSV object becomes its API object (and entries), names resolved to ids.

use serde_json::{json, Value};

use super::{
    api_type, dn_validation_to_api, skill_type_to_api, split_list, CsvObject, MapError,
    MapErrorKind, Mapped, Row, ENTRY_POINT_MAX_ACTIVE_CONTACTS, QUEUE_DEFAULT_ROUTING,
    QUEUE_MAX_ACTIVE_CONTACTS,
};
use crate::wxcc::endpoints::ApiType;
use crate::wxcc::resolve::Resolver;
use crate::wxcc::wire::ApiObject;

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
///
/// Blank cells follow each column's `blank` rule (types.json): when the object exists, a blank
/// cell of a `keep` column, and a column the file does not have, take the value the object
/// has (so an update leaves them as they are), and the cell `<clear>` empties the value; a
/// blank cell of a `clear` column (a multi-row object's child columns) empties it. A new
/// object is mapped from its cells as they are (`<clear>` is blank).
pub fn to_api(
    obj: &CsvObject,
    resolver: &dyn Resolver,
    org_id: &str,
) -> Result<Mapped, Vec<MapError>> {
    let cleared = without_clear(obj);
    let first = map_rows(cleared.as_ref().unwrap_or(obj), resolver, org_id)?;
    let Some(object_type) = crate::schema::registry().get(&obj.type_id) else {
        return Ok(first);
    };
    let Some(existing) = existing_rows(object_type, obj, &first, resolver) else {
        return Ok(first);
    };
    match kept(object_type, obj, &existing) {
        Some(filled) => map_rows(&filled, resolver, org_id),
        None => Ok(first),
    }
}

/// `obj` with every [`CLEAR`](crate::schema::CLEAR) cell blank, if it has one.
fn without_clear(obj: &CsvObject) -> Option<CsvObject> {
    let has = obj.rows.iter().any(|r| {
        r.cells
            .iter()
            .any(|(_, v)| v.trim() == crate::schema::CLEAR)
    });
    has.then(|| {
        let mut o = obj.clone();
        for r in &mut o.rows {
            for (_, v) in &mut r.cells {
                if v.trim() == crate::schema::CLEAR {
                    v.clear();
                }
            }
        }
        o
    })
}

/// The `keep` columns (not child columns) where `obj` has a blank cell or no cell: those
/// [`kept`] fills from the existing object, the only columns it reads of it.
fn blank_keep_columns<'a>(
    object_type: &'a crate::schema::ObjectType,
    obj: &CsvObject,
) -> Vec<&'a str> {
    object_type
        .columns
        .iter()
        .filter(|col| {
            col.blank == crate::schema::Blank::Keep && !object_type.is_child_column(&col.name)
        })
        .filter(|col| {
            obj.rows.iter().any(|row| {
                row.cells
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(&col.name))
                    .is_none_or(|(_, v)| v.trim().is_empty())
            })
        })
        .map(|col| col.name.as_str())
        .collect()
}

/// The existing object `mapped` names, written back as CSV rows (`None` for a new object), in
/// the columns [`kept`] reads for `obj` (the others blank).
fn existing_rows(
    object_type: &crate::schema::ObjectType,
    obj: &CsvObject,
    mapped: &Mapped,
    resolver: &dyn Resolver,
) -> Option<Vec<Vec<String>>> {
    let id = match mapped.object.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => {
            let name = mapped
                .object
                .get(crate::wxcc::resolve::name_field(mapped.api))
                .and_then(Value::as_str)?;
            let site = match mapped.api {
                ApiType::Team => mapped.object.get("siteId").and_then(Value::as_str),
                _ => None,
            };
            resolver.id_of(mapped.api, name, site).ok()??
        }
    };
    let mut rows = None;
    resolver
        .with_object(mapped.api, &id, &mut |existing| {
            let wanted = blank_keep_columns(object_type, obj);
            rows = super::export::to_csv_columns(object_type, existing, resolver, &wanted).ok();
        })
        .ok()?;
    rows
}

/// `obj` with the blank cells of its `keep` columns (and the `keep` columns it does not have)
/// filled from the existing object's first row, and `<clear>` cells blank; `None` when that
/// changes nothing.
fn kept(
    object_type: &crate::schema::ObjectType,
    obj: &CsvObject,
    existing: &[Vec<String>],
) -> Option<CsvObject> {
    let first = existing.first()?;
    let mut out = obj.clone();
    let mut changed = false;
    for (i, col) in object_type.columns.iter().enumerate() {
        if col.blank != crate::schema::Blank::Keep || object_type.is_child_column(&col.name) {
            continue;
        }
        let old = first.get(i).map_or("", String::as_str);
        for row in &mut out.rows {
            match row
                .cells
                .iter_mut()
                .find(|(c, _)| c.eq_ignore_ascii_case(&col.name))
            {
                Some((_, v)) if v.trim() == crate::schema::CLEAR => {
                    v.clear();
                    changed = true;
                }
                Some((_, v)) if v.trim().is_empty() && !old.is_empty() => {
                    *v = old.to_string();
                    changed = true;
                }
                Some(_) => {}
                None if !old.is_empty() => {
                    row.cells.push((col.name.clone(), old.to_string()));
                    changed = true;
                }
                None => {}
            }
        }
    }
    changed.then_some(out)
}

fn map_rows(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::registry;
    use crate::wxcc::resolve::MemResolver;

    fn row(type_id: &str, header: &[&str], rec: &[&str], line: u64) -> Row {
        Row::new(registry().get(type_id).unwrap(), header, rec, line)
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
