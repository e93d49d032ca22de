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
