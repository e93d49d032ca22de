//! The client side of Cisco's Configuration API against Cisco's own OpenAPI document: the wire
//! envelopes, the endpoint table, and every request body shape the mapping sends.

#[path = "wxcc_support/openapi.rs"]
mod openapi;

use bulk::wxcc::endpoints::{doc_path, ApiType, TABLE};
use bulk::wxcc::wire::{
    ApiErrorResponse, BulkRequest, BulkRequestItem, BulkResponse, BulkResponseItem, ListPage,
    OperationType, PageMeta, PaginationLinks, RequestAction,
};
use serde_json::{json, Value};

const ORG: &str = "2f9eecc5-0472-4549-9a83-2afdae0d4ba1";

fn has_op(method: &str, template: &str) -> bool {
    openapi::doc()
        .operation(method, &doc_path(template))
        .is_ok()
}

#[test]
fn every_route_of_the_endpoint_table_is_in_the_document() {
    let mut missing = Vec::new();
    for e in TABLE {
        let mut want = vec![("get", e.list), ("get", e.single), ("put", e.single)];
        want.extend(e.bulk.map(|b| ("post", b)));
        want.extend(e.patch_bulk.map(|b| ("patch", b)));
        want.extend(e.create.map(|c| ("post", c)));
        if let Some(en) = e.entries {
            want.extend([("get", en.list), ("post", en.bulk), ("put", en.single)]);
        }
        for (m, p) in want {
            if !has_op(m, p) {
                missing.push(format!("{m} {p}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in Cisco's document: {missing:?}");
}

#[test]
fn an_invented_route_is_not_found() {
    // The check above can fail: a route that is not in the document is reported.
    assert!(!has_op("post", "user/bulk"));
    assert!(!has_op("post", "skill/v2/bulk"));
}

fn bulk(items: Vec<Value>) -> Value {
    let req = BulkRequest {
        items: items
            .into_iter()
            .enumerate()
            .map(|(i, item)| BulkRequestItem {
                item_identifier: i as i32,
                request_action: Some(RequestAction::Save),
                item: item.as_object().unwrap().clone(),
            })
            .collect(),
    };
    serde_json::to_value(req).unwrap()
}

fn team() -> Value {
    json!({"organizationId": ORG, "name": "Sales", "teamType": "AGENT", "teamStatus": "IN_SERVICE",
           "active": true, "siteId": "s1", "rankQueuesForTeam": false,
           "multiMediaProfileId": "m1", "userIds": []})
}

#[test]
fn a_bulk_envelope_conforms() {
    openapi::assert_request(
        "post",
        &doc_path("team/bulk"),
        "application/json",
        &bulk(vec![team()]),
    );
}

#[test]
fn request_bodies_that_drift_are_rejected() {
    let path = doc_path("team/bulk");
    // Site's spelling on a team: a field the document does not declare.
    let mut misspelt = team();
    misspelt["multimediaProfileId"] = misspelt["multiMediaProfileId"].take();
    misspelt
        .as_object_mut()
        .unwrap()
        .remove("multiMediaProfileId");
    let e = openapi::check_request("post", &path, "application/json", &bulk(vec![misspelt]))
        .unwrap_err();
    assert!(e.contains("multimediaProfileId"), "{e}");
    // A required field missing, and a wrong type.
    let mut no_site = team();
    no_site.as_object_mut().unwrap().remove("siteId");
    assert!(
        openapi::check_request("post", &path, "application/json", &bulk(vec![no_site])).is_err()
    );
    let mut wrong = team();
    wrong["active"] = json!("yes");
    assert!(openapi::check_request("post", &path, "application/json", &bulk(vec![wrong])).is_err());
    // An envelope field misnamed.
    let env = json!({"items": [{"itemId": 0, "requestAction": "SAVE", "item": team()}]});
    assert!(openapi::check_request("post", &path, "application/json", &env).is_err());
}

#[test]
fn patch_items_are_partial_but_typed() {
    let path = doc_path("user/bulk");
    let ok = bulk(vec![
        json!({"id": "u1", "siteId": "s1", "teamIds": ["t1"], "deafultDialledNumber": null}),
    ]);
    openapi::assert_request("patch", &path, "application/json", &ok);
    let bad = bulk(vec![json!({"id": "u1", "defaultDialledNumber": "1001"})]);
    assert!(openapi::check_request("patch", &path, "application/json", &bad).is_err());
}

#[test]
fn response_envelopes_conform_and_drift_is_rejected() {
    let created = BulkResponse {
        items: vec![
            BulkResponseItem {
                item_identifier: 0,
                status: 201,
                operation_type: Some(OperationType::Create),
                href: Some(format!("/api/organization/{ORG}/team/t1")),
                api_error: None,
            },
            BulkResponseItem {
                item_identifier: 1,
                status: 400,
                operation_type: Some(OperationType::Create),
                href: None,
                api_error: Some(ApiErrorResponse::new(
                    "ccconfig_1",
                    400,
                    "siteId: not found",
                )),
            },
        ],
    };
    let path = doc_path("team/bulk");
    openapi::assert_response("post", &path, 207, &serde_json::to_value(&created).unwrap());
    let err = serde_json::to_value(ApiErrorResponse::new(
        "t",
        409,
        "Similar entity is already present",
    ))
    .unwrap();
    openapi::assert_response("post", &path, 409, &err);
    // Drift: a status as a string, an error message as a plain string.
    let bad = json!({"items": [{"itemIdentifier": 0, "status": "201"}]});
    assert!(openapi::check_response("post", &path, 207, &bad).is_err());
    let bad = json!({"trackingId": "t", "error": {"key": "400", "message": "oops"}});
    assert!(openapi::check_response("post", &path, 400, &bad).is_err());
}

#[test]
fn list_pages_conform() {
    let page = ListPage {
        meta: PageMeta {
            orgid: Some(ORG.into()),
            page: 0,
            page_size: 100,
            total_pages: 1,
            total_records: 1,
            links: Some(PaginationLinks {
                self_: "/organization/x/v2/site?page=0".into(),
                ..Default::default()
            }),
        },
        data: vec![
            json!({"id": "s1", "name": "London", "active": true, "multimediaProfileId": "m1"})
                .as_object()
                .unwrap()
                .clone(),
        ],
    };
    let v = serde_json::to_value(&page).unwrap();
    openapi::assert_response("get", &doc_path(ApiType::Site.endpoints().list), 200, &v);
    openapi::assert_response("get", &doc_path(ApiType::User.endpoints().list), 200, &v);
    let mut bad = v.clone();
    bad["data"][0]["active"] = json!("true");
    assert!(openapi::check_response("get", &doc_path("v2/site"), 200, &bad).is_err());
}

#[test]
fn every_schema_of_the_configuration_paths_converts_and_compiles() {
    // Both sides validate against these; a conversion gap would show up here first.
    let doc = openapi::doc();
    let mut checked = 0;
    for e in TABLE {
        let mut routes = vec![e.list, e.single];
        routes.extend(e.bulk);
        routes.extend(e.patch_bulk);
        routes.extend(e.create);
        if let Some(en) = e.entries {
            routes.extend([en.list, en.bulk, en.single]);
        }
        for r in routes {
            let path = doc_path(r);
            for m in ["get", "post", "put", "patch"] {
                if doc.operation(m, &path).is_err() {
                    continue;
                }
                for status in [200, 201, 207, 400, 401, 403, 404, 409, 429, 500] {
                    if doc
                        .response_schema(m, &path, status, Default::default())
                        .is_err()
                    {
                        continue;
                    }
                    if openapi::check_response(m, &path, status, &json!(null)).is_ok() {
                        // Only a schema that accepts anything would take `null`.
                        assert!(
                            matches!(status, 200 | 201 | 207),
                            "{m} {path} {status} accepts null"
                        );
                    }
                    checked += 1;
                }
                if doc
                    .request_schema(m, &path, "application/json", Default::default())
                    .is_ok()
                {
                    let _ = openapi::check_request(m, &path, "application/json", &json!({}));
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

// ---- The mapping, both ways, each CSV type, through Cisco's document ----

mod mapping {
    use super::{openapi, ORG};
    use bulk::schema::registry;
    use bulk::wxcc::endpoints::{doc_path, ApiType};
    use bulk::wxcc::mapping::{self, group_rows, to_api, to_csv, MapErrorKind, Row};
    use bulk::wxcc::resolve::MemResolver;
    use bulk::wxcc::wire::{ApiObject, BulkRequest, BulkRequestItem, RequestAction};
    use serde_json::{json, Value};

    fn obj(v: Value) -> ApiObject {
        v.as_object().unwrap().clone()
    }

    /// A tenant with one or two objects of every type the files refer to.
    fn tenant() -> MemResolver {
        let mut r = MemResolver::new();
        let mut add = |api, v: Value| r.insert(api, obj(v));
        add(
            ApiType::MultimediaProfile,
            json!({"id": "mm1", "name": "Blended"}),
        );
        add(
            ApiType::DesktopLayout,
            json!({"id": "dl1", "name": "Global Layout"}),
        );
        add(
            ApiType::Site,
            json!({"id": "s1", "name": "London", "multimediaProfileId": "mm1"}),
        );
        add(
            ApiType::Site,
            json!({"id": "s2", "name": "Paris", "multimediaProfileId": "mm1"}),
        );
        add(
            ApiType::Team,
            json!({"id": "t1", "name": "Sales", "siteId": "s1"}),
        );
        add(
            ApiType::Team,
            json!({"id": "t2", "name": "Sales", "siteId": "s2"}),
        );
        add(
            ApiType::Team,
            json!({"id": "t3", "name": "Support", "siteId": "s1"}),
        );
        add(
            ApiType::Skill,
            json!({"id": "k1", "name": "Language", "skillType": "enum",
            "enumSkillValues": [{"id": "ev1", "name": "English"}, {"id": "ev2", "name": "German"}]}),
        );
        add(
            ApiType::Skill,
            json!({"id": "k2", "name": "Billing", "skillType": "Proficiency"}),
        );
        add(
            ApiType::Skill,
            json!({"id": "k3", "name": "VIP", "skillType": "Boolean"}),
        );
        add(
            ApiType::Skill,
            json!({"id": "k4", "name": "Note", "skillType": "Text"}),
        );
        add(
            ApiType::SkillProfile,
            json!({"id": "sp1", "name": "Frontline"}),
        );
        add(
            ApiType::WorkType,
            json!({"id": "wt1", "name": "Default Idle Work Type", "workTypeCode": "IDLE_CODE"}),
        );
        add(
            ApiType::AuxiliaryCode,
            json!({"id": "ac1", "name": "Lunch"}),
        );
        add(ApiType::AuxiliaryCode, json!({"id": "ac2", "name": "Wrap"}));
        add(ApiType::AudioFile, json!({"id": "au1", "name": "moh.wav"}));
        add(
            ApiType::Queue,
            json!({"id": "q1", "name": "Q1", "queueType": "INBOUND"}),
        );
        add(
            ApiType::Queue,
            json!({"id": "q2", "name": "OQ1", "queueType": "OUTBOUND"}),
        );
        add(
            ApiType::EntryPoint,
            json!({"id": "ep1", "name": "EP1", "entryPointType": "INBOUND"}),
        );
        add(
            ApiType::EntryPoint,
            json!({"id": "ep2", "name": "OEP1", "entryPointType": "OUTBOUND"}),
        );
        add(ApiType::AddressBook, json!({"id": "ab1", "name": "AB1"}));
        add(ApiType::OutdialAni, json!({"id": "oa1", "name": "ANI1"}));
        add(
            ApiType::AgentProfile,
            json!({"id": "apf1", "name": "Agents"}),
        );
        add(
            ApiType::UserProfile,
            json!({"id": "up1", "name": "Standard"}),
        );
        add(
            ApiType::User,
            json!({"id": "u1", "email": "alice@example.com", "firstName": "Alice"}),
        );
        r
    }

    /// Rows of `type_id` in its header order from `(column, value)` pairs; `parent` is repeated.
    fn rows(
        type_id: &str,
        parent: &[(&str, &str)],
        children: &[&[(&str, &str)]],
    ) -> Vec<Vec<String>> {
        let header = registry().get(type_id).unwrap().header();
        let render = |cells: &[(&str, &str)]| -> Vec<String> {
            for (c, _) in cells {
                assert!(header.iter().any(|h| h == c), "{type_id} has no column {c}");
            }
            header
                .iter()
                .map(|h| {
                    cells
                        .iter()
                        .find(|(c, _)| c == h)
                        .map_or("", |(_, v)| *v)
                        .to_string()
                })
                .collect()
        };
        let mut out = vec![render(parent)];
        for child in children {
            let mut cells = parent.to_vec();
            cells.extend_from_slice(child);
            out.push(render(&cells));
        }
        out
    }

    fn bulk_body(items: Vec<ApiObject>) -> Value {
        serde_json::to_value(BulkRequest {
            items: items
                .into_iter()
                .enumerate()
                .map(|(i, item)| BulkRequestItem {
                    item_identifier: i as i32,
                    request_action: Some(RequestAction::Save),
                    item,
                })
                .collect(),
        })
        .unwrap()
    }

    /// CSV -> API (checked against Cisco's document for the call that sends it) -> stored ->
    /// CSV again, which must equal the input.
    fn round_trip(type_id: &str, input: Vec<Vec<String>>) -> ApiObject {
        let ty = registry().get(type_id).unwrap();
        let header = ty.header();
        let parsed: Vec<Row> = input
            .iter()
            .enumerate()
            .map(|(i, rec)| {
                let rec: Vec<&str> = rec.iter().map(String::as_str).collect();
                Row::new(ty, &header, &rec, i as u64 + 2)
            })
            .collect();
        let objects = group_rows(ty, parsed);
        assert_eq!(objects.len(), 1, "{type_id}: one object");
        let mut resolver = tenant();
        let mapped =
            to_api(&objects[0], &resolver, ORG).unwrap_or_else(|e| panic!("{type_id}: {e:?}"));
        assert_eq!(mapped.line, 2);
        let e = mapped.api.endpoints();
        let entries: Vec<ApiObject> = mapped.entries.iter().map(|(_, o)| o.clone()).collect();
        // What the tenant sends, checked against the document.
        match mapped.api {
            ApiType::User => openapi::assert_request(
                "patch",
                &doc_path(e.patch_bulk.unwrap()),
                "application/json",
                &bulk_body(vec![mapped.object.clone()]),
            ),
            ApiType::AddressBook => openapi::assert_request(
                "post",
                &doc_path(e.create.unwrap()),
                "application/json",
                &Value::Object(mapped.object.clone()),
            ),
            _ => openapi::assert_request(
                "post",
                &doc_path(e.bulk.unwrap()),
                "application/json",
                &bulk_body(vec![mapped.object.clone()]),
            ),
        }
        if let Some(en) = e.entries {
            assert!(!entries.is_empty(), "{type_id}: entries");
            openapi::assert_request(
                "post",
                &doc_path(en.bulk),
                "application/json",
                &bulk_body(entries.clone()),
            );
        }
        // Stored as the tenant would: an id, and for users the patch over the person.
        let mut stored = match mapped.api {
            ApiType::User => {
                let mut person = resolver.object(ApiType::User, "u1").unwrap().unwrap();
                for (k, v) in &mapped.object {
                    if !v.is_null() {
                        person.insert(k.clone(), v.clone());
                    }
                }
                person
            }
            _ => mapped.object.clone(),
        };
        stored.entry("id").or_insert(json!("new1"));
        resolver.insert(mapped.api, stored.clone());
        let out = to_csv(ty, &stored, &entries, &resolver).unwrap();
        assert_eq!(out, input, "{type_id}: export of the import");
        stored
    }

    use bulk::wxcc::resolve::Resolver as _;

    #[test]
    fn site() {
        let o = round_trip(
            "site",
            rows(
                "site",
                &[("Name", "Berlin"), ("Multimedia Profile", "Blended")],
                &[],
            ),
        );
        assert_eq!(o["multimediaProfileId"], "mm1");
        assert_eq!(o["active"], true);
    }

    #[test]
    fn team() {
        let o = round_trip(
            "team",
            rows(
                "team",
                &[
                    ("Name", "Ops"),
                    ("Site", "London"),
                    ("Type", "CAPACITY"),
                    ("Multimedia Profile", "Blended"),
                    ("Skill Profile", "Frontline"),
                    ("DN", "+14085550100"),
                    ("Capacity", "5"),
                    ("Desktop Layout", "Global Layout"),
                ],
                &[],
            ),
        );
        assert_eq!(
            o["multiMediaProfileId"], "mm1",
            "Team spells it multiMediaProfileId"
        );
        assert_eq!(o["teamStatus"], "IN_SERVICE");
        assert_eq!(o["rankQueuesForTeam"], false);
        assert_eq!(o["capacity"], 5);
    }

    #[test]
    fn user() {
        let o = round_trip(
            "user",
            rows(
                "user",
                &[
                    ("Email", "alice@example.com"),
                    ("User Profile", "Standard"),
                    ("Contact Center Enabled", "On"),
                    ("Site", "London"),
                    ("Teams", "Sales|Support"),
                    ("Skill Profile", "Frontline"),
                    ("Desktop Profile", "Agents"),
                    ("Multimedia Profile", "Blended"),
                    ("External Id", "E1"),
                    ("Default DN", "1001"),
                ],
                &[],
            ),
        );
        assert_eq!(o["id"], "u1");
        assert_eq!(
            o["teamIds"],
            json!(["t1", "t3"]),
            "a bare team name is looked up in the user's site first"
        );
        assert_eq!(o["deafultDialledNumber"], "1001", "the document's spelling");
        assert_eq!(o["contactCenterEnabled"], true);
    }

    #[test]
    fn user_profile() {
        let o = round_trip(
            "user-profile",
            rows(
                "user-profile",
                &[
                    ("Name", "Supervisors"),
                    ("Description", "Leads"),
                    ("Profile Type", "SUPERVISOR"),
                    ("Module Access", "ALL"),
                    ("Entry Point Access", "ALL"),
                    ("Site Access", "ALL"),
                    ("Queue Access", "ALL"),
                    ("Team Access", "ALL"),
                ],
                &[],
            ),
        );
        assert_eq!(o["permissionAccessLevel"], "ALL");
        assert_eq!(o["resourceAccessLevel"], "ALL");
    }

    #[test]
    fn work_type() {
        let o = round_trip(
            "work-type",
            rows(
                "work-type",
                &[
                    ("Name", "Break"),
                    ("Description", "Coffee"),
                    ("Type", "IDLE_CODE"),
                ],
                &[],
            ),
        );
        assert_eq!(o["workTypeCode"], "IDLE_CODE");
    }

    #[test]
    fn auxiliary_code() {
        let o = round_trip(
            "auxiliary-code",
            rows(
                "auxiliary-code",
                &[
                    ("Name", "Coffee"),
                    ("Description", "x"),
                    ("Default", "OFF"),
                    ("Work Type", "Default Idle Work Type"),
                ],
                &[],
            ),
        );
        assert_eq!(o["workTypeId"], "wt1");
        assert_eq!(o["workTypeCode"], "IDLE_CODE", "copied from the work type");
        assert_eq!(o["defaultCode"], false);
    }

    #[test]
    fn agent_profile() {
        let o = round_trip(
            "agent-profile",
            rows(
                "agent-profile",
                &[
                    ("Name", "Tier1"),
                    ("Description", "First line"),
                    ("Parent Site", "London"),
                    ("Screen Popups", "ON"),
                    ("Last Agent Routing", "OFF"),
                    ("Wrap Up Type", "AUTO"),
                    ("Auto Wrap Up Time", "30"),
                    ("Agent Available After Outdial", "OFF"),
                    ("Allow Auto Wrap Up Extension", "ON"),
                    ("Wrap Up Options", "SPECIFIC"),
                    ("Wrap Up Codes", "Wrap"),
                    ("Idle Options", "ALL"),
                    ("Transfer Options", "ALL"),
                    ("Buddy Team Option", "SPECIFIC"),
                    ("Buddy Teams", "Sales: Paris|Support"),
                    ("Consult To Queue", "ON"),
                    ("Outdial Enabled", "ON"),
                    ("Outdial EP", "OEP1"),
                    ("Address Book", "AB1"),
                    ("Dial Plan Enabled", "ON"),
                    ("Dial Plan", "US"),
                    ("Outdial ANI", "ANI1"),
                    ("DN Validation Option", "VALIDATION CRITERIA"),
                    ("Validation Criteria", "^1.*"),
                    ("Agent Statistics", "ON"),
                    ("Queue Statistics Option", "SPECIFIC"),
                    ("Selected Queues", "Q1"),
                    ("Logged In Team Statistics", "ON"),
                    ("Team Statistics Option", "ALL"),
                    ("Agent Threshold Alerts Enabled", "ON"),
                    ("Agent Threshold Alerts", "Default Threshold Rule"),
                ],
                &[],
            ),
        );
        assert_eq!(o["parentType"], "SITE");
        assert_eq!(o["agentDNValidation"], "SPECIFIC");
        assert_eq!(o["buddyTeams"], json!(["t2", "t3"]));
        assert_eq!(o["accessEntryPoint"], "ALL");
        assert_eq!(o["accessQueue"], "ALL");
        assert_eq!(o["systemDefault"], false);
        assert_eq!(
            o["viewableStatistics"]["contactServiceQueues"],
            json!(["q1"])
        );
    }

    #[test]
    fn address_book() {
        let p = [
            ("Name", "AB2"),
            ("Description", "Main"),
            ("Parent Type", "SITE"),
            ("Site", "London"),
        ];
        let o = round_trip(
            "address-book",
            rows(
                "address-book",
                &p,
                &[
                    &[("Entry Name", "Help"), ("Phone Number", "+14085550101")],
                    &[("Entry Name", "Desk"), ("Phone Number", "(408)555-0102")],
                ],
            ),
        );
        assert_eq!(o["siteId"], "s1");
    }

    #[test]
    fn outdial_ani() {
        let p = [("Name", "ANI2"), ("Description", "Caller ids")];
        round_trip(
            "outdial-ani",
            rows(
                "outdial-ani",
                &p,
                &[&[("Entry Name", "Main"), ("Entry Number", "+14085550103")]],
            ),
        );
    }

    #[test]
    fn skill_definition() {
        let o = round_trip(
            "skill-definition",
            rows(
                "skill-definition",
                &[
                    ("Name", "Tier"),
                    ("Description", "Level"),
                    ("Service Level Threshold", "30"),
                    ("Type", "ENUM"),
                    ("List Values For Enum", "Gold|Silver"),
                ],
                &[],
            ),
        );
        assert_eq!(o["skillType"], "enum");
        assert_eq!(
            o["enumSkillValues"],
            json!([{"name": "Gold"}, {"name": "Silver"}])
        );
        for (csv, api) in [
            ("TEXT", "Text"),
            ("PROFICIENCY", "Proficiency"),
            ("BOOLEAN", "Boolean"),
        ] {
            let o = round_trip(
                "skill-definition",
                rows(
                    "skill-definition",
                    &[
                        ("Name", "S"),
                        ("Service Level Threshold", "1"),
                        ("Type", csv),
                    ],
                    &[],
                ),
            );
            assert_eq!(o["skillType"], api);
        }
    }

    #[test]
    fn skill_profile() {
        let p = [("Name", "P2"), ("Description", "Mixed")];
        let o = round_trip(
            "skill-profile",
            rows(
                "skill-profile",
                &p,
                &[
                    &[("Skill Name", "Billing"), ("Skill Value", "8")],
                    &[("Skill Name", "VIP"), ("Skill Value", "true")],
                    &[("Skill Name", "Note"), ("Skill Value", "hello")],
                    &[
                        ("Skill Name", "Language"),
                        ("Skill Value", "English|German"),
                    ],
                ],
            ),
        );
        assert_eq!(
            o["activeSkills"][0],
            json!({"skillId": "k2", "skillName": "Billing", "booleanValue": false, "proficiencyValue": 8})
        );
        assert_eq!(o["activeEnumSkills"][1]["enumSkillValueId"], "ev2");
    }

    #[test]
    fn entry_point() {
        let o = round_trip(
            "entry-point",
            rows(
                "entry-point",
                &[
                    ("Name", "EP2"),
                    ("Description", "Chat"),
                    ("Service Level Threshold", "20"),
                    ("Timezone", "America/New_York"),
                    ("Channel Type", "SOCIAL CHANNEL"),
                    ("Social Channel Type", "WHATSAPP"),
                    ("Asset Name", "asset-1"),
                ],
                &[],
            ),
        );
        assert_eq!(o["channelType"], "SOCIAL_CHANNEL");
        assert_eq!(o["entryPointType"], "INBOUND");
        assert_eq!(
            o["maximumActiveContacts"],
            mapping::ENTRY_POINT_MAX_ACTIVE_CONTACTS
        );
    }

    #[test]
    fn outdial_entry_point() {
        let o = round_trip(
            "outdial-entry-point",
            rows(
                "outdial-entry-point",
                &[
                    ("Name", "OEP2"),
                    ("Service Level Threshold", "20"),
                    ("Timezone", "Europe/London"),
                    ("Channel Type", "TELEPHONY"),
                    ("Outdial Queue", "OQ1"),
                ],
                &[],
            ),
        );
        assert_eq!(o["entryPointType"], "OUTBOUND");
        assert_eq!(o["outdialQueueId"], "q2");
        assert!(
            mapping::belongs_to("outdial-entry-point", &o)
                && !mapping::belongs_to("entry-point", &o)
        );
    }

    #[test]
    fn queue() {
        let p = [
            ("Name", "Q2"),
            ("Description", "Phones"),
            ("Channel Type", "TELEPHONY"),
            ("Max Time In Queue", "600"),
            ("Service Level Threshold", "30"),
            ("Timezone", "Europe/London"),
            ("Permit Monitoring", "ON"),
            ("Permit Recording", "ON"),
            ("Record All Calls", "OFF"),
            ("Pause or Resume Enabled", "ON"),
            ("Recording Pause Duration", "10"),
            ("Default Music in Queue", "moh.wav"),
            ("Routing Type", "SKILLS_BASED"),
            ("Skill-Based Agent Selection", "BEST_AVAILABLE_AGENT"),
        ];
        let o = round_trip(
            "queue",
            rows(
                "queue",
                &p,
                &[
                    &[
                        ("Distribution Group", "Group 1"),
                        ("Distribution Group Seq", "1"),
                        ("Group Fallback Time", "60"),
                        ("Group Teams", "Sales: London|Support"),
                    ],
                    &[
                        ("Distribution Group", "Group 2"),
                        ("Distribution Group Seq", "2"),
                        ("Group Teams", "Sales: Paris"),
                    ],
                ],
            ),
        );
        assert_eq!(o["queueRoutingType"], "TEAM_BASED");
        assert_eq!(o["defaultMusicInQueueMediaFileId"], "au1");
        assert_eq!(
            o["callDistributionGroups"][0]["agentGroups"],
            json!([{"teamId": "t1"}, {"teamId": "t3"}])
        );
        assert_eq!(
            o["callDistributionGroups"][1],
            json!({"order": 2, "agentGroups": [{"teamId": "t2"}]})
        );
    }

    #[test]
    fn outdial_queue() {
        let p = [
            ("Name", "OQ2"),
            ("Channel Type", "TELEPHONY"),
            ("Max Time In Queue", "300"),
            ("Service Level Threshold", "20"),
            ("Permit Monitoring", "OFF"),
            ("Permit Recording", "OFF"),
            ("Record All Calls", "OFF"),
            ("Pause or Resume Enabled", "OFF"),
            ("Default Music in Queue", "moh.wav"),
            ("Routing Type", "LONGEST_AVAILABLE_AGENT"),
        ];
        let o = round_trip(
            "outdial-queue",
            rows(
                "outdial-queue",
                &p,
                &[&[
                    ("Distribution Group", "Group 1"),
                    ("Distribution Group Seq", "1"),
                    ("Group Fallback Time", "30"),
                    ("Group Teams", "Support"),
                ]],
            ),
        );
        assert_eq!(o["queueType"], "OUTBOUND");
        assert_eq!(o["outdialCampaignEnabled"], false);
    }

    #[test]
    fn entry_point_mapping() {
        let o = round_trip(
            "entry-point-mapping",
            rows(
                "entry-point-mapping",
                &[
                    ("Dialed Number", "+14085550199"),
                    ("Entry Point", "EP1"),
                    ("Region", "US"),
                    ("Extension", "1234"),
                    ("Location", "HQ"),
                ],
                &[],
            ),
        );
        assert_eq!(o["entryPointId"], "ep1");
        assert_eq!(o["entryPointName"], "EP1", "both id and name are required");
    }

    #[test]
    fn audio_file_info_conforms_both_ways() {
        let info = mapping::audio_info("prompts/welcome main.wav", ORG).unwrap();
        let body =
            json!({"audioFileInfo": serde_json::to_value(&info).unwrap(), "audioFile": "RIFF…"});
        for m in ["post", "put"] {
            let path = if m == "post" {
                doc_path("audio-file")
            } else {
                doc_path("audio-file/{id}")
            };
            openapi::assert_request(m, &path, "multipart/form-data", &body);
        }
        let stored = obj(json!({"id": "a1", "name": info.name, "contentType": "AUDIO_WAV"}));
        assert_eq!(mapping::audio_file_name(&stored), Some("welcome main.wav"));
        assert!(mapping::audio_info("bad*name.wav", ORG).is_err());
        assert!(mapping::audio_info("song.mp3", ORG).is_err());
        // Negative: a content type outside the document's enum.
        let mut bad = body.clone();
        bad["audioFileInfo"]["contentType"] = json!("AUDIO_MPEG");
        assert!(openapi::check_request(
            "post",
            &doc_path("audio-file"),
            "multipart/form-data",
            &bad
        )
        .is_err());
    }

    #[test]
    fn unknown_references_name_the_column_the_value_and_the_line() {
        let ty = registry().get("team").unwrap();
        let header = ty.header();
        let rec = ["Ops", "Atlantis", "AGENT", "Nope", "", "", "", ""];
        let row = Row::new(ty, &header, &rec[..header.len()], 17);
        let errs = to_api(&group_rows(ty, vec![row]).remove(0), &tenant(), ORG).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with("line 17: column \"Site\": \"Atlantis\""),
            "{text:?}"
        );
        assert!(
            text[1].contains("\"Multimedia Profile\": \"Nope\""),
            "{text:?}"
        );
        assert!(errs
            .iter()
            .all(|e| e.kind == MapErrorKind::UnknownReference));
    }

    #[test]
    fn a_user_without_a_person_is_its_own_error() {
        let ty = registry().get("user").unwrap();
        let header = ty.header();
        let mut rec = vec![""; header.len()];
        rec[0] = "nobody@example.com";
        rec[1] = "Standard";
        rec[2] = "Off";
        let row = Row::new(ty, &header, &rec, 3);
        let errs = to_api(&group_rows(ty, vec![row]).remove(0), &tenant(), ORG).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].kind, MapErrorKind::UnknownPerson);
        assert_eq!(errs[0].column, "Email");
    }

    #[test]
    fn settings_the_api_cannot_hold_are_refused_not_dropped() {
        let ty = registry().get("user-profile").unwrap();
        let input = rows(
            "user-profile",
            &[
                ("Name", "X"),
                ("Profile Type", "SUPERVISOR"),
                ("Module Access", "ALL"),
                ("Entry Point Access", "SPECIFIC"),
                ("Entry Points", "EP1"),
                ("Site Access", "ALL"),
                ("Queue Access", "ALL"),
                ("Team Access", "ALL"),
            ],
            &[],
        );
        let header = ty.header();
        let rec: Vec<&str> = input[0].iter().map(String::as_str).collect();
        let errs = to_api(
            &group_rows(ty, vec![Row::new(ty, &header, &rec, 2)]).remove(0),
            &tenant(),
            ORG,
        )
        .unwrap_err();
        assert_eq!(errs[0].column, "Entry Point Access");
    }

    #[test]
    fn an_ambiguous_team_name_asks_for_the_site() {
        let ty = registry().get("queue").unwrap();
        let input = rows(
            "queue",
            &[
                ("Name", "Q3"),
                ("Channel Type", "CHAT"),
                ("Max Time In Queue", "1"),
                ("Service Level Threshold", "1"),
            ],
            &[&[("Distribution Group Seq", "1"), ("Group Teams", "Sales")]],
        );
        let header = ty.header();
        let parsed: Vec<Row> = input
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rec: Vec<&str> = r.iter().map(String::as_str).collect();
                Row::new(ty, &header, &rec, i as u64 + 2)
            })
            .collect();
        let errs = to_api(&group_rows(ty, parsed).remove(0), &tenant(), ORG).unwrap_err();
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].message.contains("<team>: <site>"), "{errs:?}");
    }
}
