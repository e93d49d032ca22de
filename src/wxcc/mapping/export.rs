//! API -> CSV: an API object (and its entries) becomes the rows an import takes, ids written
//! back as names, so export -> import is a fixed point.

use serde_json::Value;

use super::skill_type_to_csv;
use crate::schema::ObjectType;
use crate::wxcc::endpoints::ApiType;
use crate::wxcc::resolve::{ResolveError, Resolver};
use crate::wxcc::wire::ApiObject;

/// Export: the CSV rows (in `object_type`'s column order) of an API object and its entries.
pub fn to_csv(
    object_type: &ObjectType,
    o: &ApiObject,
    entries: &[ApiObject],
    resolver: &dyn Resolver,
) -> Result<Vec<Vec<String>>, String> {
    export(object_type, o, entries, resolver, None)
}

/// [`to_csv`] with only the cells of the columns named in `wanted` (compared as headers are,
/// case-insensitively) filled in; the others are blank, and their references are not looked
/// up, so only the wanted ones can fail. An import filling a row's blank cells from the
/// existing object reads a few columns of it, and a 5000-user job spent a sixth of its
/// mapping writing every other column back as names.
pub(crate) fn to_csv_columns(
    object_type: &ObjectType,
    o: &ApiObject,
    resolver: &dyn Resolver,
    wanted: &[&str],
) -> Result<Vec<Vec<String>>, String> {
    export(object_type, o, &[], resolver, Some(wanted))
}

fn export(
    object_type: &ObjectType,
    o: &ApiObject,
    entries: &[ApiObject],
    resolver: &dyn Resolver,
    wanted: Option<&[&str]>,
) -> Result<Vec<Vec<String>>, String> {
    let mut x = Export {
        resolver,
        cells: Vec::new(),
        error: None,
        wanted,
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
    /// The columns to fill, if not all ([`to_csv_columns`]).
    wanted: Option<&'a [&'a str]>,
}

impl Export<'_> {
    fn wants(&self, column: &str) -> bool {
        self.wanted
            .is_none_or(|w| w.iter().any(|c| c.eq_ignore_ascii_case(column)))
    }

    fn set(&mut self, column: &'static str, value: String) {
        if self.wants(column) {
            self.cells.push((column, value));
        }
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
        if !self.wants(column) {
            return;
        }
        let n = self.lookup(api, id);
        self.set(column, n);
    }

    fn names(&mut self, column: &'static str, api: ApiType, ids: &[String], with_site: bool) {
        if !self.wants(column) {
            return;
        }
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
