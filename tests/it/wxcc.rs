//! The client side of Cisco's Configuration API against Cisco's own OpenAPI document: the wire
//! envelopes, the endpoint table, and every request body shape the mapping sends.

use crate::harness::openapi;

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
        // An update of a type that refuses bulk updates is a PUT of the merged object.
        if mapped.api != ApiType::User {
            let mut with_id = mapped.object.clone();
            with_id.insert("id".into(), json!("x1"));
            openapi::assert_request(
                "put",
                &doc_path(e.single),
                "application/json",
                &Value::Object(with_id),
            );
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

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn name() -> impl Strategy<Value = String> {
            "[A-Za-z][A-Za-z0-9_ -]{0,30}[A-Za-z0-9]"
        }

        fn text() -> impl Strategy<Value = String> {
            "([A-Za-z0-9][A-Za-z0-9,.;:'()&/ -]{0,40}[A-Za-z0-9.])?"
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]

            /// CSV -> API -> CSV is the identity on valid rows (and every body conforms).
            #[test]
            fn work_types_round_trip(n in name(), d in text(), idle in any::<bool>()) {
                let t = if idle { "IDLE_CODE" } else { "WRAP_UP_CODE" };
                round_trip("work-type", rows("work-type", &[("Name", &n), ("Description", &d), ("Type", t)], &[]));
            }

            #[test]
            fn skill_definitions_round_trip(n in name(), d in text(), slt in 0u32..100_000,
                kind in 0usize..4, values in proptest::collection::vec(name(), 1..5)) {
                let t = ["TEXT", "PROFICIENCY", "BOOLEAN", "ENUM"][kind];
                let list = if t == "ENUM" { values.join("|") } else { String::new() };
                let slt = slt.to_string();
                round_trip("skill-definition", rows("skill-definition", &[("Name", &n), ("Description", &d),
                    ("Service Level Threshold", &slt), ("Type", t), ("List Values For Enum", &list)], &[]));
            }

            #[test]
            fn queues_with_any_groups_round_trip(n in name(), groups in proptest::collection::vec(
                (proptest::option::of(0u32..10_000), proptest::sample::subsequence(vec!["Sales: London", "Sales: Paris", "Support"], 1..=3)), 0..5)) {
                let p = [("Name", n.as_str()), ("Channel Type", "EMAIL"), ("Max Time In Queue", "60"),
                    ("Service Level Threshold", "5"), ("Permit Monitoring", "OFF"), ("Permit Recording", "OFF"),
                    ("Record All Calls", "OFF"), ("Pause or Resume Enabled", "OFF"), ("Routing Type", "LONGEST_AVAILABLE_AGENT")];
                let owned: Vec<[String; 4]> = groups.iter().enumerate().map(|(i, (fallback, teams))| [
                    format!("Group {}", i + 1), (i + 1).to_string(),
                    fallback.map(|f| f.to_string()).unwrap_or_default(), teams.join("|")]).collect();
                let children: Vec<Vec<(&str, &str)>> = owned.iter().map(|g| vec![("Distribution Group", g[0].as_str()),
                    ("Distribution Group Seq", g[1].as_str()), ("Group Fallback Time", g[2].as_str()), ("Group Teams", g[3].as_str())]).collect();
                let children: Vec<&[(&str, &str)]> = children.iter().map(Vec::as_slice).collect();
                round_trip("queue", rows("queue", &p, &children));
            }
        }
    }

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

// ---- The HTTP tenant against a tiny in-test server that checks every body it receives ----

mod http_tenant {
    use super::{openapi, ORG};
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use bulk::wxcc::endpoints::ApiType;
    use bulk::wxcc::http::HttpTenant;
    use bulk::wxcc::mapping::audio_info;
    use bulk::wxcc::resolve::Resolver;
    use bulk::wxcc::tenant::{Outcome, Tenant, TenantError};
    use serde_json::{json, Value};
    use std::sync::{Arc, Mutex};

    const TOKEN: &str = "secret-token-123";

    #[derive(Default)]
    struct Seen {
        calls: Vec<String>,
        /// The JSON bodies of `PATCH user/bulk` calls.
        user_patches: Vec<Value>,
    }

    fn page(orgid: &str, page: u32, total_pages: u32, data: Vec<Value>) -> Value {
        json!({"meta": {"orgid": orgid, "page": page, "pageSize": 2, "totalPages": total_pages,
            "totalRecords": 3, "links": {"self": "x"}}, "data": data})
    }

    fn err(status: u16, msg: &str) -> (StatusCode, Value) {
        (
            StatusCode::from_u16(status).unwrap(),
            json!({"trackingId": "ccconfig_t1",
            "error": {"key": status.to_string(), "message": [{"description": msg}]}}),
        )
    }

    /// Answers like Cisco for the routes the tests use, and checks each request body against
    /// the document (a body that does not conform is answered 422 and fails the test).
    async fn handler(
        seen: Arc<Mutex<Seen>>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, axum::Json<Value>) {
        let path = uri
            .path()
            .trim_start_matches(&format!("/organization/{ORG}/"))
            .to_string();
        let query = uri.query().unwrap_or("").to_string();
        seen.lock().unwrap().calls.push(format!("{method} {path}"));
        if headers.get("authorization").and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {TOKEN}"))
        {
            let (s, b) = err(401, "no token");
            return (s, axum::Json(b));
        }
        let template = openapi::doc()
            .match_path(method.as_str(), uri.path())
            .expect("a documented route");
        let ctype = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let json_body: Option<Value> = if ctype.starts_with("multipart/form-data") {
            // The audio upload: check both parts are there and the info part conforms.
            let text = String::from_utf8_lossy(&body).to_string();
            assert!(text.contains("name=\"audioFile\"; filename="), "{text}");
            let info = text
                .split("name=\"audioFileInfo\"")
                .nth(1)
                .unwrap()
                .split("\r\n\r\n")
                .nth(1)
                .unwrap()
                .split("\r\n--")
                .next()
                .unwrap();
            let info: Value = serde_json::from_str(info).unwrap();
            Some(json!({"audioFileInfo": info, "audioFile": "bytes"}))
        } else if body.is_empty() {
            None
        } else {
            Some(serde_json::from_slice(&body).unwrap())
        };
        if let Some(b) = &json_body {
            let media = if ctype.starts_with("multipart") {
                "multipart/form-data"
            } else {
                "application/json"
            };
            if let Err(e) = openapi::check_request(method.as_str(), &template, media, b) {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(json!({"conformance": e})),
                );
            }
        }
        let (status, out) = match (method.as_str(), path.as_str()) {
            ("GET", "v2/site") => {
                let p: u32 = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("page="))
                    .unwrap()
                    .parse()
                    .unwrap();
                let data = if p == 0 {
                    vec![
                        json!({"id": "s1", "name": "London"}),
                        json!({"id": "s2", "name": "Paris"}),
                    ]
                } else {
                    vec![json!({"id": "s3", "name": "Rome"})]
                };
                (StatusCode::OK, page(ORG, p, 2, data))
            }
            ("POST", "site/bulk") => {
                // Item 0 created, item 1 refused, item 2 missing (a short 207).
                (
                    StatusCode::MULTI_STATUS,
                    json!({"items": [
                        {"itemIdentifier": 0, "status": 201, "operationType": "CREATE", "href": format!("/api/organization/{ORG}/site/new-1")},
                        {"itemIdentifier": 1, "status": 409, "operationType": "CREATE", "apiError":
                            {"trackingId": "ccconfig_dup", "error": {"key": "409", "message": [{"description": "Similar entity is already present"}]}}}
                    ]}),
                )
            }
            ("POST", "team/bulk") => {
                let items = json_body.unwrap()["items"].as_array().unwrap().clone();
                (
                    StatusCode::MULTI_STATUS,
                    json!({"items": items.iter().map(|i| json!({
                    "itemIdentifier": i["itemIdentifier"], "status": 400, "operationType": "UPDATE",
                    "apiError": {"trackingId": "t", "error": {"key": "400", "message": [{"description": "New configuration cannot have an id"}]}}
                })).collect::<Vec<_>>()}),
                )
            }
            ("GET", p) if p.starts_with("team/") => (
                StatusCode::OK,
                json!({"id": &p[5..], "name": "Old", "siteId": "s1",
                "teamType": "AGENT", "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false, "userIds": ["u9"]}),
            ),
            ("PUT", p) if p.starts_with("team/") => (StatusCode::OK, json_body.unwrap()),
            ("GET", "v2/user") => (
                StatusCode::OK,
                page(
                    ORG,
                    0,
                    1,
                    vec![
                        json!({"id": "u1", "email": "ann@example.com", "ciUserId": "ci-1",
                        "firstName": "Ann", "lastName": "Lee", "active": true,
                        "contactCenterEnabled": true, "userProfileId": "up1", "siteId": "s1"}),
                    ],
                ),
            ),
            ("PATCH", "user/bulk") => {
                let body = json_body.unwrap();
                seen.lock().unwrap().user_patches.push(body.clone());
                let items = body["items"].as_array().unwrap();
                (
                    StatusCode::MULTI_STATUS,
                    json!({"items": items.iter().map(|i| json!({
                        "itemIdentifier": i["itemIdentifier"], "status": 200, "operationType": "UPDATE",
                        "href": format!("/api/organization/{ORG}/user/{}", i["item"]["id"].as_str().unwrap())
                    })).collect::<Vec<_>>()}),
                )
            }
            ("POST", "v3/address-book") => (
                StatusCode::CREATED,
                json!({"id": "ab-new", "name": "AB", "parentType": "ORGANIZATION"}),
            ),
            ("POST", "address-book/ab-new/entry/bulk") => (
                StatusCode::MULTI_STATUS,
                json!({"items": [
                {"itemIdentifier": 0, "status": 201, "operationType": "CREATE", "href": "/api/organization/o/address-book/ab-new/entry/e1"}]}),
            ),
            ("POST", "audio-file") => (
                StatusCode::OK,
                json!({"id": "au-new", "name": "hello.wav", "contentType": "AUDIO_WAV"}),
            ),
            ("PUT", "audio-file/au-new") => (
                StatusCode::OK,
                json!({"id": "au-new", "name": "hello.wav", "contentType": "AUDIO_WAV"}),
            ),
            ("GET", "v2/skill") => {
                let (s, b) = err(500, "boom");
                (s, b)
            }
            _ => err(404, "no such route"),
        };
        (status, axum::Json(out))
    }

    struct Server {
        base: String,
        seen: Arc<Mutex<Seen>>,
        _rt: tokio::runtime::Runtime,
    }

    fn server() -> Server {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let s = seen.clone();
        let app = axum::Router::new().fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
            handler(s.clone(), m, u, h, b)
        });
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base: format!("http://{addr}/organization/{ORG}/"),
            seen,
            _rt: rt,
        }
    }

    fn obj(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn lists_are_paged_once_and_cached() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        assert_eq!(
            t.id_of(ApiType::Site, "rome", None).unwrap().as_deref(),
            Some("s3")
        );
        assert_eq!(
            t.name_of(ApiType::Site, "s1").unwrap().as_deref(),
            Some("London")
        );
        assert_eq!(t.list(ApiType::Site).unwrap().len(), 3);
        let calls = srv.seen.lock().unwrap().calls.clone();
        assert_eq!(
            calls,
            ["GET v2/site", "GET v2/site"],
            "two pages, fetched once"
        );
    }

    #[test]
    fn bulk_results_map_back_to_items_and_a_short_207_is_not_processed() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        let site = |n: &str| {
            obj(
                json!({"organizationId": ORG, "name": n, "active": true, "multimediaProfileId": "mm1"}),
            )
        };
        let out = t
            .create(ApiType::Site, &[site("A"), site("B"), site("C")])
            .unwrap();
        assert_eq!(out[0], Outcome::Created { id: "new-1".into() });
        assert_eq!(
            out[1].error_message().unwrap(),
            "409: Similar entity is already present (trackingId ccconfig_dup)"
        );
        assert_eq!(out[2], Outcome::NotProcessed);
    }

    #[test]
    fn a_refused_bulk_update_switches_to_get_merge_put_for_the_job() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        let team = |id: &str| {
            obj(
                json!({"organizationId": ORG, "id": id, "name": "New", "siteId": "s1", "teamType": "AGENT",
            "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false}),
            )
        };
        let out = t.update(ApiType::Team, &[team("t1")]).unwrap();
        assert_eq!(out, [Outcome::Updated { id: "t1".into() }]);
        assert!(t.updates_by_put(ApiType::Team));
        let out = t.update(ApiType::Team, &[team("t2")]).unwrap();
        assert_eq!(out, [Outcome::Updated { id: "t2".into() }]);
        let calls = srv.seen.lock().unwrap().calls.clone();
        assert_eq!(
            calls,
            [
                "POST team/bulk",
                "GET team/t1",
                "PUT team/t1",
                "GET team/t2",
                "PUT team/t2"
            ],
            "bulk tried once, then PUT remembered"
        );
    }

    #[test]
    fn users_address_books_and_audio() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        let out = t
            .patch_users(&[obj(json!({"id": "u1", "siteId": null, "teamIds": []}))])
            .unwrap();
        assert_eq!(out, [Outcome::Updated { id: "u1".into() }]);
        let book = t
            .save_address_book(&obj(
                json!({"organizationId": ORG, "name": "AB", "parentType": "ORGANIZATION"}),
            ))
            .unwrap();
        assert_eq!(
            book,
            Outcome::Created {
                id: "ab-new".into()
            }
        );
        let entries = t
            .save_entries(
                ApiType::AddressBook,
                "ab-new",
                &[obj(json!({"name": "Help", "number": "+1408"}))],
            )
            .unwrap();
        assert_eq!(entries, [Outcome::Created { id: "e1".into() }]);
        let mut info = audio_info("hello.wav", ORG).unwrap();
        let out = t.upload_audio(&info, b"RIFF....WAVE".to_vec()).unwrap();
        assert_eq!(
            out,
            Outcome::Created {
                id: "au-new".into()
            }
        );
        info.id = Some("au-new".into());
        assert_eq!(
            t.upload_audio(&info, b"RIFF".to_vec()).unwrap(),
            Outcome::Updated {
                id: "au-new".into()
            }
        );
    }

    /// Cisco's `PATCH user/bulk` takes "the patch JSON": a listed user gets its id and the
    /// fields that differ from the list (a `null` for a field it has), one not listed goes whole.
    #[test]
    fn a_user_patch_sends_only_what_differs_from_the_listed_user() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        t.prefetch(ApiType::User, &["ann@example.com".to_string()])
            .unwrap();
        let listed = obj(
            json!({"id": "u1", "email": "ann@example.com", "firstName": "Ann",
            "lastName": "Lee", "siteId": "s1", "teamIds": null, "contactCenterEnabled": true}),
        );
        let mut changed = listed.clone();
        changed.insert("lastName".into(), json!("Li"));
        changed.insert("siteId".into(), Value::Null);
        let unlisted = obj(json!({"id": "u2", "firstName": "Bo", "teamIds": null}));
        let out = t.patch_users(&[listed, changed, unlisted.clone()]).unwrap();
        assert_eq!(
            out,
            [
                Outcome::Updated { id: "u1".into() },
                Outcome::Updated { id: "u1".into() },
                Outcome::Updated { id: "u2".into() }
            ]
        );
        let sent = srv.seen.lock().unwrap().user_patches.clone();
        let items: Vec<Value> = sent[0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["item"].clone())
            .collect();
        assert_eq!(
            items,
            [
                json!({"id": "u1"}),
                json!({"id": "u1", "lastName": "Li", "siteId": null}),
                Value::Object(unlisted)
            ]
        );
    }

    #[test]
    fn a_body_that_does_not_conform_never_passes_and_errors_hide_the_token() {
        let srv = server();
        let t = HttpTenant::new(&srv.base, ORG, TOKEN).unwrap();
        // A team carrying Site's spelling of the multimedia profile: the server's check refuses it.
        let bad = obj(
            json!({"organizationId": ORG, "name": "X", "siteId": "s1", "teamType": "AGENT", "teamStatus": "IN_SERVICE",
            "active": true, "rankQueuesForTeam": false, "multimediaProfileId": "m"}),
        );
        let e = t.create(ApiType::Team, &[bad]).unwrap_err();
        assert!(matches!(e, TenantError::Status { status: 422, .. }), "{e}");
        let e = t.list(ApiType::Skill).unwrap_err();
        let text = format!("{e} {e:?} {t:?}");
        assert!(
            text.contains("500: boom (trackingId ccconfig_t1)"),
            "{text}"
        );
        assert!(!text.contains(TOKEN), "{text}");
        let wrong = HttpTenant::new(&srv.base, ORG, "other").unwrap();
        let e = wrong.list(ApiType::Site).unwrap_err();
        assert!(matches!(e, TenantError::Status { status: 401, .. }));
        let gone = HttpTenant::new("http://127.0.0.1:9/organization/o/", ORG, TOKEN).unwrap();
        let e = gone.list(ApiType::Site).unwrap_err();
        assert!(!format!("{e} {e:?}").contains(TOKEN));
    }
}

// ---- apply: one file's objects through the mapping into a tenant ----

mod apply {
    use super::ORG;
    use bulk::schema::registry;
    use bulk::wxcc::apply::{apply, apply_audio, ObjectError};
    use bulk::wxcc::endpoints::ApiType;
    use bulk::wxcc::mapping::{group_rows, to_csv, CsvObject, Row};
    use bulk::wxcc::resolve::{MemResolver, ResolveError, Resolver};
    use bulk::wxcc::tenant::{Outcome, Tenant, TenantError};
    use bulk::wxcc::wire::{ApiObject, AudioFileInfo};
    use serde_json::{json, Value};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A tenant in memory that behaves like Cisco's for the calls `apply` makes (ids, versions,
    /// unknown ids refused, a user PATCH only for existing people). It stands in for the
    /// network, not for the code under test (`apply` and the mapping).
    #[derive(Default)]
    struct MemTenant {
        objects: Mutex<MemResolver>,
        entries: Mutex<HashMap<String, Vec<ApiObject>>>,
        next: Mutex<u32>,
        calls: Mutex<Vec<String>>,
    }

    impl MemTenant {
        fn new_id(&self) -> String {
            let mut n = self.next.lock().unwrap();
            *n += 1;
            format!("id-{n}")
        }
        fn get(&self, api: ApiType, id: &str) -> Option<ApiObject> {
            self.objects.lock().unwrap().object(api, id).unwrap()
        }
        fn store(&self, api: ApiType, mut o: ApiObject, id: &str) {
            let version = self
                .get(api, id)
                .and_then(|x| x.get("version").and_then(Value::as_i64))
                .map_or(0, |v| v + 1);
            o.insert("id".into(), json!(id));
            o.insert("version".into(), json!(version));
            self.objects.lock().unwrap().insert(api, o);
        }
        fn call(&self, c: String) {
            self.calls.lock().unwrap().push(c);
        }
    }

    impl Resolver for MemTenant {
        fn id_of(
            &self,
            api: ApiType,
            name: &str,
            site: Option<&str>,
        ) -> Result<Option<String>, ResolveError> {
            self.objects.lock().unwrap().id_of(api, name, site)
        }
        fn object(&self, api: ApiType, id: &str) -> Result<Option<ApiObject>, ResolveError> {
            Ok(self.get(api, id))
        }
    }

    impl Tenant for MemTenant {
        fn org_id(&self) -> &str {
            ORG
        }
        fn list(&self, api: ApiType) -> Result<Vec<ApiObject>, TenantError> {
            Ok(self.objects.lock().unwrap().list(api).to_vec())
        }
        fn list_entries(&self, _: ApiType, parent: &str) -> Result<Vec<ApiObject>, TenantError> {
            Ok(self
                .entries
                .lock()
                .unwrap()
                .get(parent)
                .cloned()
                .unwrap_or_default())
        }
        fn create(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
            self.call(format!("create {api:?} {}", items.len()));
            Ok(items
                .iter()
                .map(|o| {
                    let id = self.new_id();
                    self.store(api, o.clone(), &id);
                    Outcome::Created { id }
                })
                .collect())
        }
        fn update(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
            self.call(format!("update {api:?} {}", items.len()));
            Ok(items
                .iter()
                .map(|o| {
                    let id = o["id"].as_str().unwrap().to_string();
                    self.store(api, o.clone(), &id);
                    Outcome::Updated { id }
                })
                .collect())
        }
        fn patch_users(&self, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
            self.call(format!("patch {}", items.len()));
            Ok(items
                .iter()
                .map(|o| {
                    let id = o["id"].as_str().unwrap().to_string();
                    match self.get(ApiType::User, &id) {
                        Some(mut person) => {
                            for (k, v) in o {
                                person.insert(k.clone(), v.clone());
                            }
                            self.store(ApiType::User, person, &id);
                            Outcome::Updated { id }
                        }
                        None => Outcome::Failed {
                            status: 404,
                            message: "user not found".into(),
                            tracking_id: Some("t".into()),
                        },
                    }
                })
                .collect())
        }
        fn save_address_book(&self, book: &ApiObject) -> Result<Outcome, TenantError> {
            let id = book.get("id").and_then(Value::as_str).map(str::to_string);
            let out = match id {
                Some(id) => Outcome::Updated { id },
                None => Outcome::Created { id: self.new_id() },
            };
            self.store(ApiType::AddressBook, book.clone(), out.id().unwrap());
            Ok(out)
        }
        fn save_entries(
            &self,
            _: ApiType,
            parent: &str,
            entries: &[ApiObject],
        ) -> Result<Vec<Outcome>, TenantError> {
            let mut all = self.entries.lock().unwrap();
            let list = all.entry(parent.to_string()).or_default();
            Ok(entries
                .iter()
                .map(|e| {
                    let mut e = e.clone();
                    match e.get("id").and_then(Value::as_str).map(str::to_string) {
                        Some(id) => {
                            let slot = list.iter_mut().find(|x| x["id"] == json!(id)).unwrap();
                            *slot = e;
                            Outcome::Updated { id }
                        }
                        None => {
                            let id = self.new_id();
                            e.insert("id".into(), json!(id));
                            list.push(e);
                            Outcome::Created { id }
                        }
                    }
                })
                .collect())
        }
        fn upload_audio(
            &self,
            info: &AudioFileInfo,
            _wav: Vec<u8>,
        ) -> Result<Outcome, TenantError> {
            let o = serde_json::to_value(info)
                .unwrap()
                .as_object()
                .unwrap()
                .clone();
            let out = match &info.id {
                Some(id) => Outcome::Updated { id: id.clone() },
                None => Outcome::Created { id: self.new_id() },
            };
            self.store(ApiType::AudioFile, o, out.id().unwrap());
            Ok(out)
        }
    }

    fn objects(type_id: &str, csv: &str) -> Vec<CsvObject> {
        let ty = registry().get(type_id).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows = lines
            .enumerate()
            .map(|(i, l)| {
                let rec: Vec<&str> = l.split(',').collect();
                Row::new(ty, &header, &rec, i as u64 + 2)
            })
            .collect();
        group_rows(ty, rows)
    }

    fn tenant() -> MemTenant {
        let t = MemTenant::default();
        t.store(
            ApiType::MultimediaProfile,
            json!({"name": "Blended"}).as_object().unwrap().clone(),
            "mm1",
        );
        t.store(
            ApiType::User,
            json!({"email": "ann@example.com"})
                .as_object()
                .unwrap()
                .clone(),
            "u1",
        );
        t.store(
            ApiType::UserProfile,
            json!({"name": "Standard"}).as_object().unwrap().clone(),
            "up1",
        );
        t
    }

    #[test]
    fn a_second_import_updates_the_same_objects_and_an_export_reimports_unchanged() {
        let t = tenant();
        let csv = "Name,Multimedia Profile\nBerlin,Blended\nRome,Blended\nOslo,Nowhere\n";
        let first = apply(&t, &objects("site", csv)).unwrap();
        assert!(matches!(first[0].result, Ok(Outcome::Created { .. })));
        let berlin = first[0].result.as_ref().unwrap().id().unwrap().to_string();
        match &first[2].result {
            Err(ObjectError::Rows(e)) => {
                assert_eq!(first[2].lines, [4]);
                assert_eq!(e[0].to_string(), "line 4: column \"Multimedia Profile\": \"Nowhere\": no multimedia-profile of this name exists; create it first");
            }
            other => panic!("{other:?}"),
        }
        let second = apply(&t, &objects("site", csv)).unwrap();
        assert_eq!(
            second[0].result,
            Ok(Outcome::Updated { id: berlin.clone() })
        );
        assert_eq!(t.get(ApiType::Site, &berlin).unwrap()["version"], 1);
        assert_eq!(
            t.list(ApiType::Site).unwrap().len(),
            2,
            "nothing created twice"
        );
        // Export, then import the export: nothing created, nothing changed but the version.
        let ty = registry().get("site").unwrap();
        let mut export = String::from("Name,Multimedia Profile\n");
        for o in t.list(ApiType::Site).unwrap() {
            for r in to_csv(ty, &o, &[], &t).unwrap() {
                export.push_str(&r.join(","));
                export.push('\n');
            }
        }
        let before = t.list(ApiType::Site).unwrap();
        let third = apply(&t, &objects("site", &export)).unwrap();
        assert!(third
            .iter()
            .all(|a| matches!(a.result, Ok(Outcome::Updated { .. }))));
        let after = t.list(ApiType::Site).unwrap();
        for (b, a) in before.iter().zip(&after) {
            let (mut b, mut a) = (b.clone(), a.clone());
            b.remove("version");
            a.remove("version");
            assert_eq!(a, b);
        }
    }

    #[test]
    fn address_book_entries_are_matched_by_name_on_the_second_import() {
        let t = tenant();
        let csv = "Name,Parent Type,Entry Name,Phone Number\nAB,ORGANIZATION,,\nAB,ORGANIZATION,Help,+1408\nAB,ORGANIZATION,Desk,+1409\n";
        let first = apply(&t, &objects("address-book", csv)).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].lines, [2, 3, 4]);
        let id = first[0].result.as_ref().unwrap().id().unwrap().to_string();
        apply(&t, &objects("address-book", csv)).unwrap();
        let entries = t.list_entries(ApiType::AddressBook, &id).unwrap();
        assert_eq!(entries.len(), 2, "{entries:?}");
    }

    #[test]
    fn users_are_patched_and_unknown_people_are_row_errors() {
        let t = tenant();
        let csv = "Email,User Profile,Contact Center Enabled\nann@example.com,Standard,Off\nbob@example.com,Standard,Off\n";
        let out = apply(&t, &objects("user", csv)).unwrap();
        assert_eq!(out[0].result, Ok(Outcome::Updated { id: "u1".into() }));
        assert!(matches!(&out[1].result, Err(ObjectError::Rows(e)) if e[0].column == "Email"));
        assert_eq!(t.calls.lock().unwrap().as_slice(), ["patch 1"]);
    }

    #[test]
    fn audio_replaces_a_file_of_the_same_name() {
        let t = tenant();
        let first = apply_audio(&t, "dir/hello.wav", b"RIFF".to_vec()).unwrap();
        let second = apply_audio(&t, "hello.wav", b"RIFF".to_vec()).unwrap();
        assert_eq!(
            second,
            Outcome::Updated {
                id: first.id().unwrap().into()
            }
        );
        assert!(apply_audio(&t, "hello.mp3", vec![]).is_err());
    }
}
