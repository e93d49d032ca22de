//! The sandbox's Configuration-API face (`/organization/{orgid}/…`) through `router().oneshot`:
//! every route family (create, duplicate, list with paging and filters, get, put, bulk 207,
//! strict bulk updates, references, unknown fields, other organisations, people, audio), and
//! every response body validated against the schema Cisco's document gives for its path,
//! method and status (tests/data/wxcc/webex-contact-center.openapi.json).

use axum::body::Body;
use axum::http::Request;
use bulk::sandbox::{self, AppState, Settings};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::harness::{self as wavs, openapi, Sandbox};

/// A sandbox without a socket, its organisation and admin token.
struct Org {
    _dir: tempfile::TempDir,
    st: AppState,
    id: String,
    token: String,
}

fn org_with(tweak: impl FnOnce(&mut Settings)) -> Org {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::new(dir.path());
    tweak(&mut s);
    let st = AppState::new(s).unwrap();
    let token = st.admin_token().unwrap();
    Org {
        id: st.organization_of(&token).unwrap().unwrap(),
        token,
        st,
        _dir: dir,
    }
}

fn org() -> Org {
    org_with(|_| {})
}

/// One answer: status, `Retry-After`, JSON body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Org {
    /// Sends a request as `token` and validates the answer against the document's schema for
    /// `(method, template, status)`; `template` is the path after `/organization/{orgid}/`.
    async fn send(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        template: &str,
        content_type: &str,
        body: Body,
    ) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("/organization/{}/{path}", self.id))
            .header("content-type", content_type);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = sandbox::router(self.st.clone())
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        conform(
            method,
            &format!("/organization/{{orgid}}/{template}"),
            status,
            &body,
        );
        Answer {
            status,
            retry_after,
            body,
        }
    }

    async fn call(&self, method: &str, path: &str, template: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
        self.send(
            Some(&self.token),
            method,
            path,
            template,
            "application/json",
            body,
        )
        .await
    }

    async fn post_raw(
        &self,
        token: Option<&str>,
        path: &str,
        template: &str,
        body: &str,
    ) -> Answer {
        let body = Body::from(body.to_string());
        self.send(token, "POST", path, template, "application/json", body)
            .await
    }

    async fn get(&self, path: &str, template: &str) -> Answer {
        self.call("GET", path, template, None).await
    }

    /// The id of the object of `list` (`v2/site`) named `name`.
    async fn id_of(&self, list: &str, name: &str) -> String {
        let a = self
            .get(
                &format!("{list}?filter=name=={}", urlencode(&format!("\"{name}\""))),
                list,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["data"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no {name:?} in {list}: {}", a.body))
            .to_string()
    }

    /// `POST <type>/bulk` with SAVE items; returns the 207's items.
    async fn bulk(&self, path: &str, items: Vec<Value>) -> Vec<Value> {
        let a = self
            .call("POST", path, path, Some(envelope(items, "SAVE")))
            .await;
        assert_eq!(a.status, 207, "{}", a.body);
        a.body["items"].as_array().unwrap().clone()
    }

    /// `PATCH <type>/bulk` with SAVE items; returns the whole answer.
    async fn patch_bulk(&self, path: &str, items: Vec<Value>) -> Answer {
        self.call("PATCH", path, path, Some(envelope(items, "SAVE")))
            .await
    }

    /// An active, non-default idle auxiliary code named `name`; returns its id.
    async fn aux_code(&self, name: &str) -> String {
        let idle = self.id_of("v2/work-type", "Default Idle Work Type").await;
        let items = self
            .bulk(
                "auxiliary-code/bulk",
                vec![json!({"name": name, "active": true, "defaultCode": false, "workTypeId": idle, "workTypeCode": "IDLE_CODE"})],
            )
            .await;
        assert_eq!(items[0]["status"], 201, "{items:?}");
        id_from_href(&items[0])
    }

    async fn site(&self, name: &str) -> String {
        let mmp = self.id_of("v2/multimedia-profile", "Blended").await;
        let items = self
            .bulk(
                "site/bulk",
                vec![json!({"name": name, "active": true, "multimediaProfileId": mmp})],
            )
            .await;
        assert_eq!(items[0]["status"], 201, "{items:?}");
        id_from_href(&items[0])
    }
}

fn envelope(items: Vec<Value>, action: &str) -> Value {
    json!({"items": items.into_iter().enumerate().map(|(i, item)| json!({
        "itemIdentifier": i as i64 + 1, "requestAction": action, "item": item
    })).collect::<Vec<_>>()})
}

fn id_from_href(item: &Value) -> String {
    item["href"]
        .as_str()
        .unwrap_or_else(|| panic!("no href: {item}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Cisco's error body with this status as key and a description containing `needle`.
fn assert_error(a: &Answer, status: u16, needle: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_item_error(&a.body, status, needle);
}

fn assert_item_error(body: &Value, status: u16, needle: &str) {
    assert!(
        body["trackingId"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert_eq!(body["error"]["key"], status.to_string(), "{body}");
    let d = body["error"]["message"][0]["description"].as_str().unwrap();
    assert!(d.contains(needle), "{d:?} lacks {needle:?}");
}

#[tokio::test]
async fn tenant_defaults_are_objects_with_ids() {
    let o = org();
    for (list, names) in [
        (
            "v2/multimedia-profile",
            &[
                "Default Multimedia Profile",
                "Blended",
                "Blended Real-time",
                "Telephony Only",
            ][..],
        ),
        ("v2/desktop-layout", &["Global Layout"][..]),
        (
            "v3/user-profile",
            &[
                "Administrator",
                "Supervisor",
                "Premium Agent",
                "Standard Agent",
            ][..],
        ),
        ("v2/agent-profile", &["Default Desktop Profile"][..]),
        (
            "v2/work-type",
            &["Default Idle Work Type", "Default Wrapup Work Type"][..],
        ),
        ("v2/audio-file", &["defaultmusic_on_hold.wav"][..]),
        ("v2/dial-plan", &["US", "Any Format"][..]),
    ] {
        let a = o.get(list, list).await;
        assert_eq!(a.status, 200, "{list}: {}", a.body);
        let got: Vec<&str> = a.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert!(
                    uuid::Uuid::parse_str(d["id"].as_str().unwrap()).is_ok(),
                    "{d}"
                );
                assert_eq!(d["organizationId"], o.id.as_str());
                d["name"].as_str().unwrap()
            })
            .collect();
        assert_eq!(got, names, "{list}");
    }
    // A second organisation gets its own defaults, with other ids.
    let other = o.st.create_org("Other", "eve@example.com").unwrap();
    let blended = o.id_of("v2/multimedia-profile", "Blended").await;
    let a = o
        .send(
            Some(&other),
            "GET",
            &format!("multimedia-profile/{blended}"),
            "multimedia-profile/{id}",
            "application/json",
            Body::empty(),
        )
        .await;
    assert_error(&a, 403, "organization");
    // Reopening the data dir does not seed twice.
    let st2 = AppState::new(Settings::new(o._dir.path())).unwrap();
    drop(st2);
    let a = o.get("v2/work-type", "v2/work-type").await;
    assert_eq!(a.body["meta"]["totalRecords"], 2);
}

#[tokio::test]
async fn site_create_duplicate_list_get_put() {
    let o = org();
    let mmp = o.id_of("v2/multimedia-profile", "Blended").await;
    let a = o
        .call(
            "POST",
            "site",
            "site",
            Some(json!({"name": "Paris", "active": true, "multimediaProfileId": mmp})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_string();
    assert_eq!(a.body["version"], 0);
    assert_eq!(a.body["organizationId"], o.id.as_str());
    assert!(a.body["createdTime"].as_i64().unwrap() > 0);

    // Names are unique per type, trimmed and case-insensitively.
    let a = o
        .call(
            "POST",
            "site",
            "site",
            Some(json!({"name": " PARIS ", "active": true, "multimediaProfileId": mmp})),
        )
        .await;
    assert_error(&a, 409, "Similar entity is already present");

    for n in ["Lyon", "Nice", "Brest"] {
        o.site(n).await;
    }
    // Paging: 0-based, meta read back, pageSize clamped. The tenant default "Default Site"
    // comes first, then the four made here.
    let a = o.get("v2/site?page=1&pageSize=3", "v2/site").await;
    assert_eq!(a.body["meta"]["page"], 1);
    assert_eq!(a.body["meta"]["pageSize"], 3);
    assert_eq!(a.body["meta"]["totalRecords"], 5);
    assert_eq!(a.body["meta"]["totalPages"], 2);
    assert_eq!(a.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(a.body["data"][0]["name"], "Nice");
    assert_eq!(a.body["data"][1]["name"], "Brest");
    assert!(a.body["meta"]["links"]["prev"].is_string());
    assert!(a.body["meta"]["links"].get("next").is_none());
    // The total is the same whether the page is full, the last one, or past the end.
    for (page, size, rows) in [(0, 5, 5), (0, 9, 5), (1, 4, 1), (4, 3, 0), (1, 5, 0)] {
        let a = o
            .get(&format!("v2/site?page={page}&pageSize={size}"), "v2/site")
            .await;
        assert_eq!(
            a.body["meta"]["totalRecords"], 5,
            "{page} {size}: {}",
            a.body
        );
        assert_eq!(a.body["data"].as_array().unwrap().len(), rows, "{}", a.body);
    }
    let a = o.get("v2/site?pageSize=100000", "v2/site").await;
    assert_eq!(
        a.body["meta"]["pageSize"],
        bulk::sandbox::org::MAX_PAGE_SIZE
    );
    let a = o.get("v2/site?page=x", "v2/site").await;
    assert_error(&a, 400, "page");

    // Filters: name== (case-insensitive), id=in=(…), ; as AND, wildcard.
    let lyon = o.id_of("v2/site", "lyon").await;
    let f = urlencode(&format!("id=in=(\"{id}\",\"{lyon}\")"));
    let a = o.get(&format!("v2/site?filter={f}"), "v2/site").await;
    let names: Vec<&str> = a.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Paris", "Lyon"]);
    let f = urlencode("name==\"N*\";active==true");
    let a = o.get(&format!("v2/site?filter={f}"), "v2/site").await;
    assert_eq!(a.body["meta"]["totalRecords"], 1);
    let a = o.get("v2/site?filter=name%3D%3D", "v2/site").await;
    assert_error(&a, 400, "filter");
    let a = o.get("v2/site?filter=secret%3D%3Dx", "v2/site").await;
    assert_error(&a, 400, "secret");

    // GET and PUT: same id, version raised, created time kept.
    let a = o.get(&format!("site/{id}"), "site/{id}").await;
    assert_eq!(a.status, 200);
    let created = a.body["createdTime"].clone();
    let mut put = a.body.clone();
    put["description"] = json!("the capital");
    let a = o
        .call("PUT", &format!("site/{id}"), "site/{id}", Some(put))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], id.as_str());
    assert_eq!(a.body["version"], 1);
    assert_eq!(a.body["createdTime"], created);
    assert_eq!(a.body["description"], "the capital");
    // Renaming onto another site's name is a duplicate too.
    let mut put = a.body.clone();
    put["name"] = json!("lyon");
    let a = o
        .call("PUT", &format!("site/{id}"), "site/{id}", Some(put))
        .await;
    assert_error(&a, 409, "Similar entity");

    let a = o.get("site/nope", "site/{id}").await;
    assert_error(&a, 404, "nope");
}

#[tokio::test]
async fn team_names_are_unique_within_their_site() {
    let o = org();
    let (a, b) = (o.site("A").await, o.site("B").await);
    let team = |site: &str| json!({"name": "Sales", "siteId": site, "teamType": "AGENT", "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false});
    let items = o
        .bulk("team/bulk", vec![team(&a), team(&b), team(&a)])
        .await;
    assert_eq!(items[0]["status"], 201);
    assert_eq!(items[1]["status"], 201);
    assert_eq!(items[2]["status"], 409);
    assert_eq!(items[2]["itemIdentifier"], 3);
    assert_item_error(
        &items[2]["apiError"],
        409,
        "Similar entity is already present",
    );
    let f = urlencode(&format!("name==Sales;siteId=={b}"));
    let a = o.get(&format!("v2/team?filter={f}"), "v2/team").await;
    assert_eq!(a.body["meta"]["totalRecords"], 1);
    assert_eq!(a.body["data"][0]["id"], id_from_href(&items[1]).as_str());
}

#[tokio::test]
async fn bulk_answers_207_with_a_result_per_item() {
    let o = org();
    let mmp = o.id_of("v2/multimedia-profile", "Blended").await;
    let paris = o.site("Paris").await;
    let items = o
        .bulk(
            "site/bulk",
            vec![
                json!({"name": "Rome", "active": true, "multimediaProfileId": mmp}),
                json!({"name": "Oslo", "active": true, "multimediaProfileId": "0000"}),
                json!({"name": "Bern", "active": true, "multimediaProfileId": mmp, "colour": "red"}),
                json!({"name": "Kiev", "active": true}),
                json!({"id": paris, "name": "Paris", "active": true, "multimediaProfileId": mmp, "description": "d"}),
                json!({"id": "missing", "name": "X", "active": true, "multimediaProfileId": mmp}),
            ],
        )
        .await;
    let statuses: Vec<i64> = items
        .iter()
        .map(|i| i["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 400, 400, 400, 200, 404]);
    assert_eq!(items[0]["operationType"], "CREATE");
    assert!(items[0]["href"]
        .as_str()
        .unwrap()
        .starts_with(&format!("/organization/{}/site/", o.id)));
    // An unknown reference names the field; an unknown field and a missing one are named.
    assert_item_error(&items[1]["apiError"], 400, "multimediaProfileId");
    assert_item_error(&items[2]["apiError"], 400, "\"colour\"");
    assert_item_error(&items[3]["apiError"], 400, "multimediaProfileId");
    assert_eq!(items[4]["operationType"], "UPDATE");
    assert_eq!(id_from_href(&items[4]), paris);
    let a = o.get(&format!("site/{paris}"), "site/{id}").await;
    assert_eq!(a.body["version"], 1);
    assert_eq!(a.body["description"], "d");
    // Nested references: a queue's teams, a skill profile's skills.
    let items = o
        .bulk(
            "contact-service-queue/v2/bulk",
            vec![json!({"name": "Q", "active": true, "queueType": "INBOUND", "channelType": "TELEPHONY",
                "routingType": "LONGEST_AVAILABLE_AGENT", "queueRoutingType": "TEAM_BASED",
                "checkAgentAvailability": false, "maxActiveContacts": 10, "maxTimeInQueue": 60,
                "serviceLevelThreshold": 30,
                "callDistributionGroups": [{"order": 1, "duration": 0, "agentGroups": [{"teamId": "ghost"}]}]})],
        )
        .await;
    assert_item_error(
        &items[0]["apiError"],
        400,
        "callDistributionGroups[0].agentGroups[0].teamId",
    );
    // A DELETE removes.
    let a = o
        .call(
            "POST",
            "site/bulk",
            "site/bulk",
            Some(envelope(
                vec![json!({"id": paris, "name": "Paris"})],
                "DELETE",
            )),
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 204, "{}", a.body);
    assert_eq!(
        o.get(&format!("site/{paris}"), "site/{id}").await.status,
        404
    );
}

#[tokio::test]
async fn strict_bulk_updates_refuse_an_id_for_the_reported_types_only() {
    let o = org_with(|s| s.strict_bulk_updates = true);
    let mmp = o.id_of("v2/multimedia-profile", "Blended").await;
    let paris = o.site("Paris").await;
    let items = o
        .bulk(
            "site/bulk",
            vec![json!({"id": paris, "name": "Paris", "active": true, "multimediaProfileId": mmp})],
        )
        .await;
    assert_eq!(items[0]["status"], 400);
    assert_item_error(
        &items[0]["apiError"],
        400,
        "New configuration cannot have an id",
    );
    // PUT still updates.
    let a = o
        .call(
            "PUT",
            &format!("site/{paris}"),
            "site/{id}",
            Some(json!({"name": "Paris", "active": true, "multimediaProfileId": mmp})),
        )
        .await;
    assert_eq!(a.body["version"], 1);
    // Work types are not in the list: a bulk SAVE with an id updates them.
    let items = o
        .bulk(
            "work-type/bulk",
            vec![json!({"name": "Lunch", "active": true, "workTypeCode": "IDLE_CODE"})],
        )
        .await;
    let id = id_from_href(&items[0]);
    let items = o
        .bulk(
            "work-type/bulk",
            vec![json!({"id": id, "name": "Lunch", "active": true, "workTypeCode": "IDLE_CODE", "description": "x"})],
        )
        .await;
    assert_eq!(items[0]["status"], 200, "{items:?}");
    assert_eq!(items[0]["operationType"], "UPDATE");
}

#[tokio::test]
async fn whole_request_errors_have_ciscos_body() {
    let o = org_with(|s| s.org_max_body_bytes = 2000);
    let a = o
        .post_raw(Some(&o.token), "site/bulk", "site/bulk", "{not json")
        .await;
    assert_error(&a, 400, "Malformed JSON");
    let a = o
        .post_raw(
            Some(&o.token),
            "site/bulk",
            "site/bulk",
            r#"{"items":[],"x":1}"#,
        )
        .await;
    assert_error(&a, 400, "unknown field `x`");
    let a = o
        .post_raw(None, "site/bulk", "site/bulk", r#"{"items":[]}"#)
        .await;
    assert_error(&a, 401, "token");
    let a = o
        .post_raw(Some("wrong"), "site/bulk", "site/bulk", r#"{"items":[]}"#)
        .await;
    assert_error(&a, 401, "token");
    let big = format!(r#"{{"items":[],"pad":"{}"}}"#, "x".repeat(3000));
    let a = o
        .post_raw(Some(&o.token), "site/bulk", "site/bulk", &big)
        .await;
    assert_error(&a, 413, "2000");
    // Another organisation's path, with a valid token of this one.
    let other = o.st.create_org("Other", "eve@example.com").unwrap();
    let a = o
        .post_raw(Some(&other), "site/bulk", "site/bulk", r#"{"items":[]}"#)
        .await;
    assert_error(&a, 403, &o.id);
    // Read-only types.
    let a = o
        .post_raw(
            Some(&o.token),
            "multimedia-profile/bulk",
            "multimedia-profile/bulk",
            r#"{"items":[]}"#,
        )
        .await;
    assert_error(&a, 403, "multimedia-profile");

    // 429 with Retry-After under fault injection.
    let f = org_with(|s| s.faults.rate_429 = 1.0);
    let a = f.get("v2/site", "v2/site").await;
    assert_error(&a, 429, "retry");
    assert_eq!(a.retry_after.as_deref(), Some("1"));
}

#[tokio::test]
async fn users_are_patched_and_found_by_email() {
    let o = org();
    let person = people_post(&o, &o.token, "ann@example.com").await;
    assert_eq!(person.0, 200, "{}", person.1);
    let a = o
        .get(
            &format!("v2/user?filter={}", urlencode("email==\"ANN@example.com\"")),
            "v2/user",
        )
        .await;
    assert_eq!(a.body["meta"]["totalRecords"], 1, "{}", a.body);
    let user = a.body["data"][0].clone();
    let uid = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["ciUserId"], person.1["id"]);
    let site = o.site("Paris").await;
    let a = o
        .patch_bulk(
            "user/bulk",
            vec![
                json!({"id": uid, "siteId": site, "externalIdentifier": "E1"}),
                json!({"id": uid, "teamIds": ["ghost"]}),
                json!({"siteId": site}),
            ],
        )
        .await;
    assert_eq!(a.status, 207, "{}", a.body);
    let items = &a.body["items"];
    assert_eq!(items[0]["status"], 200);
    assert_eq!(items[0]["operationType"], "UPDATE");
    assert_item_error(&items[1]["apiError"], 400, "teamIds[0]");
    assert_item_error(&items[2]["apiError"], 400, "id");
    let a = o.get(&format!("user/{uid}"), "user/{id}").await;
    assert_eq!(a.body["siteId"], site.as_str());
    assert_eq!(a.body["version"], 1);
    // PATCH user/{id}: null clears.
    let a = o
        .call(
            "PATCH",
            &format!("user/{uid}"),
            "user/{id}",
            Some(json!({"externalIdentifier": null})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.get("externalIdentifier").is_none());
    assert_eq!(a.body["version"], 2);
    // PUT user/{id} needs the full DTO.
    let mut full = a.body.clone();
    full["mobile"] = json!("+15550100");
    let a = o
        .call("PUT", &format!("user/{uid}"), "user/{id}", Some(full))
        .await;
    assert_eq!(a.body["version"], 3, "{}", a.body);
    // No user create through the Configuration API.
    let a = o
        .call("POST", "user/bulk", "user/bulk", Some(json!({"items": []})))
        .await;
    assert_eq!(a.status, 405, "{}", a.body);
}

async fn people_post(o: &Org, token: &str, email: &str) -> (u16, Value) {
    let req = Request::post("/v1/people")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"emails": [email], "firstName": "Ann", "lastName": "Lee"}).to_string(),
        ))
        .unwrap();
    let resp = sandbox::router(o.st.clone()).oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn people_lenient_and_strict() {
    let o = org();
    let (s, p) = people_post(&o, &o.token, "bob@example.com").await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["emails"][0], "bob@example.com");
    assert_eq!(p["orgId"], o.id.as_str());
    let (s, e) = people_post(&o, &o.token, "bob@example.com").await;
    assert_eq!(s, 409, "{e}");
    assert_item_error(&e, 409, "bob@example.com");
    let (s, _) = people_post(&o, "wrong", "x@example.com").await;
    assert_eq!(s, 401);

    let strict = org_with(|s| s.strict_people = true);
    let (s, e) = people_post(&strict, &strict.token, "bob@example.com").await;
    assert_eq!(s, 403, "{e}");
    assert_item_error(&e, 403, "--strict-people");
    let a = strict
        .get(
            &format!("v2/user?filter={}", urlencode("email==bob@example.com")),
            "v2/user",
        )
        .await;
    assert_eq!(a.body["meta"]["totalRecords"], 0);
}

#[tokio::test]
async fn address_books_and_outdial_anis_with_entries() {
    let o = org();
    let a = o
        .call(
            "POST",
            "v3/address-book",
            "v3/address-book",
            Some(json!({"name": "Partners", "parentType": "ORGANIZATION"})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let book = a.body["id"].as_str().unwrap().to_string();
    let a = o
        .call(
            "POST",
            &format!("address-book/{book}/entry/bulk"),
            "address-book/{addressBookId}/entry/bulk",
            Some(envelope(
                vec![
                    json!({"name": "Acme", "number": "+15550100"}),
                    json!({"name": "ACME", "number": "+15550101"}),
                ],
                "SAVE",
            )),
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 201, "{}", a.body);
    assert_eq!(a.body["items"][1]["status"], 409);
    let a = o
        .get(
            &format!("v2/address-book/{book}/entry"),
            "v2/address-book/{addressBookId}/entry",
        )
        .await;
    assert_eq!(a.body["meta"]["totalRecords"], 1, "{}", a.body);
    let a = o.get("v3/address-book", "v3/address-book").await;
    assert_eq!(a.body["data"][0]["name"], "Partners");
    let a = o
        .get(&format!("v3/address-book/{book}"), "v3/address-book/{id}")
        .await;
    assert_eq!(a.status, 200);
    let a = o
        .call(
            "POST",
            "address-book/nope/entry/bulk",
            "address-book/{addressBookId}/entry/bulk",
            Some(json!({"items": []})),
        )
        .await;
    assert_error(&a, 404, "nope");

    let items = o
        .bulk("outdial-ani/bulk", vec![json!({"name": "Main ANI"})])
        .await;
    let ani = id_from_href(&items[0]);
    let a = o
        .call(
            "POST",
            &format!("outdial-ani/{ani}/entry/bulk"),
            "outdial-ani/{outDialAniId}/entry/bulk",
            Some(envelope(
                vec![json!({"name": "HQ", "number": "+15550199"})],
                "SAVE",
            )),
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 201, "{}", a.body);
    let a = o
        .get(
            &format!("v2/outdial-ani/{ani}/entry"),
            "v2/outdial-ani/{outDialAniId}/entry",
        )
        .await;
    assert_eq!(a.body["data"][0]["name"], "HQ");
}

#[tokio::test]
async fn audio_is_uploaded_and_replaced_as_multipart() {
    let o = org();
    let wav = wavs::mulaw_wav(800);
    let form = |name: &str| {
        sandbox::org::face::audio_form(
            &json!({"name": name, "contentType": "AUDIO_WAV", "description": "hold"}),
            name,
            &wav,
        )
    };
    let (ct, body) = form("hold.wav");
    let a = o
        .send(
            Some(&o.token),
            "POST",
            "audio-file",
            "audio-file",
            &ct,
            body,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_string();
    assert!(a.body["blobId"].is_string());
    let (ct, body) = form("hold.wav");
    let a = o
        .send(
            Some(&o.token),
            "POST",
            "audio-file",
            "audio-file",
            &ct,
            body,
        )
        .await;
    assert_error(&a, 409, "Similar entity");
    let (ct, body) = form("hold.wav");
    let a = o
        .send(
            Some(&o.token),
            "PUT",
            &format!("audio-file/{id}"),
            "audio-file/{id}",
            &ct,
            body,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["version"], 1);
    let a = o
        .get(
            &format!("v2/audio-file?filter={}", urlencode("name==\"hold.wav\"")),
            "v2/audio-file",
        )
        .await;
    assert_eq!(a.body["data"][0]["id"], id.as_str());
    // A form without the file part.
    let (ct, _) = form("x.wav");
    let boundary = ct.split("boundary=").nth(1).unwrap().to_string();
    let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"audioFileInfo\"\r\n\r\n{{\"name\":\"x.wav\",\"contentType\":\"AUDIO_WAV\"}}\r\n--{boundary}--\r\n");
    let a = o
        .send(
            Some(&o.token),
            "POST",
            "audio-file",
            "audio-file",
            &ct,
            Body::from(body),
        )
        .await;
    assert_error(&a, 400, "audioFile");
}

/// A PATCH bulk reads its objects at once, before its first item; an id given twice still
/// sees its first item's change, and an item after a DELETE of its object finds it gone.
#[tokio::test]
async fn a_patch_bulk_sees_its_own_earlier_items() {
    let o = org();
    let aux = o.aux_code("Break").await;
    let a = o
        .patch_bulk(
            "auxiliary-code/bulk",
            vec![
                json!({"id": aux, "description": "coffee"}),
                json!({"id": aux, "name": "Pause"}),
            ],
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 200, "{}", a.body);
    assert_eq!(a.body["items"][1]["status"], 200, "{}", a.body);
    let a = o
        .get(&format!("auxiliary-code/{aux}"), "auxiliary-code/{id}")
        .await;
    assert_eq!(a.body["description"], "coffee", "{}", a.body);
    assert_eq!(a.body["name"], "Pause", "{}", a.body);
    assert_eq!(a.body["version"], 2, "{}", a.body);

    let a = o
        .call(
            "PATCH",
            "auxiliary-code/bulk",
            "auxiliary-code/bulk",
            Some(json!({"items": [
                {"itemIdentifier": 1, "requestAction": "DELETE", "item": {"id": aux}},
                {"itemIdentifier": 2, "requestAction": "SAVE", "item": {"id": aux, "description": "tea"}},
            ]})),
        )
        .await;
    assert_eq!(a.status, 207, "{}", a.body);
    assert_eq!(a.body["items"][0]["status"], 204, "{}", a.body);
    assert_eq!(a.body["items"][1]["status"], 404, "{}", a.body);
    let a = o
        .call(
            "GET",
            &format!("auxiliary-code/{aux}"),
            "auxiliary-code/{id}",
            None,
        )
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
}

#[tokio::test]
async fn queues_and_aux_codes_take_partial_bulk_updates() {
    let o = org();
    let aux = o.aux_code("Break").await;
    let a = o
        .patch_bulk(
            "auxiliary-code/bulk",
            vec![json!({"id": aux, "description": "coffee"})],
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 200, "{}", a.body);
    let a = o
        .get(&format!("auxiliary-code/{aux}"), "auxiliary-code/{id}")
        .await;
    assert_eq!(a.body["description"], "coffee");
    assert_eq!(a.body["name"], "Break");

    let site = o.site("S").await;
    let team = o
        .bulk(
            "team/bulk",
            vec![json!({"name": "T", "siteId": site, "teamType": "AGENT", "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false})],
        )
        .await;
    let team = id_from_href(&team[0]);
    let items = o
        .bulk(
            "contact-service-queue/v2/bulk",
            vec![json!({"name": "Q", "active": true, "queueType": "INBOUND", "channelType": "TELEPHONY",
                "routingType": "LONGEST_AVAILABLE_AGENT", "queueRoutingType": "TEAM_BASED",
                "checkAgentAvailability": false, "maxActiveContacts": 10, "maxTimeInQueue": 60,
                "serviceLevelThreshold": 30,
                "callDistributionGroups": [{"order": 1, "duration": 0, "agentGroups": [{"teamId": team}]}]})],
        )
        .await;
    assert_eq!(items[0]["status"], 201, "{items:?}");
    let q = id_from_href(&items[0]);
    let a = o
        .patch_bulk(
            "contact-service-queue/bulk",
            vec![json!({"id": q, "maxTimeInQueue": 120})],
        )
        .await;
    assert_eq!(a.body["items"][0]["status"], 200, "{}", a.body);
    let a = o
        .get(
            &format!("contact-service-queue/{q}"),
            "contact-service-queue/{id}",
        )
        .await;
    assert_eq!(a.body["maxTimeInQueue"], 120);
    assert_eq!(a.body["version"], 1);
}

/// An entry point with the fields the document requires, less the contextual ones
/// (`bulk::wxcc::openapi::CONTEXTUAL_REQUIRED`); a social one with its channel type.
fn entry_point(name: &str, channel: &str) -> Value {
    let mut e = json!({"name": name, "active": true, "entryPointType": "INBOUND",
        "channelType": channel, "serviceLevelThreshold": 30, "maximumActiveContacts": 10});
    if channel == "SOCIAL_CHANNEL" {
        e["socialChannelType"] = json!("MESSENGER");
    }
    e
}

#[tokio::test]
async fn every_type_of_the_face_answers_its_documented_list_and_bulk() {
    let o = org();
    let mmp = o.id_of("v2/multimedia-profile", "Blended").await;
    let site = o.site("S").await;
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "entry-point/bulk",
            "v2/entry-point",
            entry_point("EP", "TELEPHONY"),
        ),
        (
            "v3/user-profile/bulk",
            "v3/user-profile",
            json!({"name": "Agents", "active": true, "profileType": "STANDARD_AGENT", "permissionAccessLevel": "ALL", "resourceAccessLevel": "ALL"}),
        ),
        (
            "agent-profile/bulk",
            "v2/agent-profile",
            json!({"name": "DP", "active": true, "parentType": "SITE", "siteId": site, "accessWrapUpCode": "ALL", "accessIdleCode": "ALL", "accessQueue": "ALL", "accessEntryPoint": "ALL", "accessBuddyTeam": "ALL", "agentDNValidation": "PROVISIONED_VALUE", "viewableStatistics": {"accessQueueStats": "ALL", "accessTeamStats": "ALL"}}),
        ),
        (
            "skill/bulk",
            "v2/skill",
            json!({"name": "French", "active": true, "serviceLevelThreshold": 30, "skillType": "Boolean"}),
        ),
        (
            "team/bulk",
            "v2/team",
            json!({"name": "T", "siteId": site, "multiMediaProfileId": mmp, "teamType": "AGENT", "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false}),
        ),
    ];
    for (bulk, list, item) in cases {
        let items = o.bulk(bulk, vec![item]).await;
        assert_eq!(items[0]["status"], 201, "{bulk}: {items:?}");
        let a = o.get(list, list).await;
        assert_eq!(a.status, 200, "{list}");
        assert!(
            a.body["meta"]["totalRecords"].as_u64().unwrap() >= 1,
            "{list}"
        );
    }
    let skill = o.id_of("v2/skill", "French").await;
    let items = o
        .bulk(
            "skill-profile/bulk",
            vec![json!({"name": "SP", "activeSkills": [{"skillId": skill, "booleanValue": true}]})],
        )
        .await;
    assert_eq!(items[0]["status"], 201, "{items:?}");
    let ep = o.id_of("v2/entry-point", "EP").await;
    let items = o
        .bulk(
            "dial-number/bulk",
            vec![json!({"dialledNumber": "+15550123", "entryPointId": ep, "entryPointName": "EP"})],
        )
        .await;
    assert_eq!(items[0]["status"], 201, "{items:?}");
    let a = o
        .get(
            &format!(
                "v2/dial-number?filter={}",
                urlencode("dialledNumber==\"+15550123\"")
            ),
            "v2/dial-number",
        )
        .await;
    assert_eq!(a.body["meta"]["totalRecords"], 1, "{}", a.body);
    // A social entry point needs its social channel type.
    let items = o
        .bulk(
            "entry-point/bulk",
            vec![{
                let mut e = entry_point("Chat", "SOCIAL_CHANNEL");
                e.as_object_mut().unwrap().remove("socialChannelType");
                e
            }],
        )
        .await;
    assert_item_error(&items[0]["apiError"], 400, "socialChannelType");
}

/// `src/sandbox/org/dtos.json` is generated from Cisco's document: for each DTO the face's
/// types name, its properties with their `type`, `enum` and `maxLength` (through a `$ref`), and
/// its sorted `required` list. Regenerate after a
/// document update with `BULK_REGENERATE_DTOS=1 cargo test --test org_face dtos_json`.
#[test]
fn dtos_json_is_what_ciscos_document_says() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/wxcc/webex-contact-center.openapi.json").unwrap(),
    )
    .unwrap();
    let table: Value = serde_json::from_str(bulk::sandbox::org::DTOS_JSON).unwrap();
    let mut names: Vec<&str> = bulk::sandbox::org::TYPES.iter().map(|t| t.dto).collect();
    names.sort();
    names.dedup();
    let mut want = serde_json::Map::new();
    for name in names {
        let schema = &doc["components"]["schemas"][name];
        let mut props = serde_json::Map::new();
        for (k, p) in schema["properties"].as_object().unwrap() {
            let p = match p["$ref"].as_str() {
                Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
                None => p,
            };
            let mut rule = serde_json::Map::new();
            for key in ["type", "enum", "maxLength"] {
                if let Some(v) = p.get(key) {
                    rule.insert(key.to_string(), v.clone());
                }
            }
            props.insert(k.clone(), Value::Object(rule));
        }
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        required.sort();
        want.insert(
            name.to_string(),
            json!({"properties": props, "required": required}),
        );
    }
    let want = Value::Object(want);
    if std::env::var_os("BULK_REGENERATE_DTOS").is_some() {
        let text = serde_json::to_string_pretty(&want).unwrap() + "\n";
        std::fs::write("src/sandbox/org/dtos.json", text).unwrap();
        return;
    }
    assert!(
        table == want,
        "src/sandbox/org/dtos.json differs from Cisco's document; regenerate it with \
         BULK_REGENERATE_DTOS=1 cargo test --test org_face dtos_json"
    );
}

/// Validates `body` against the document's schema for `(method, template, status)`.
///
/// `template` must be the document's own path (so the face's routes are the document's). An
/// error status the operation does not declare (Cisco declares 404 on reads only, and 405, 413
/// and 415 nowhere) is checked against `ApiErrorResponse`, the body Cisco gives every failure;
/// so is an error on a route the document lacks (`POST user/bulk`, answered 405). A success
/// must be declared.
fn conform(method: &str, template: &str, status: u16, body: &Value) {
    if let Err(e) = check(method, template, status, body) {
        panic!("{e}");
    }
}

fn check(method: &str, template: &str, status: u16, body: &Value) -> Result<(), String> {
    let doc = openapi::doc();
    let declared = doc.operation(method, template).ok().is_some_and(|op| {
        op["responses"].get(status.to_string()).is_some()
            || op["responses"].get("default").is_some()
    });
    if declared && method == "GET" && template == "/organization/{orgid}/v3/user-profile" {
        // The document types this 200 as a string whose example is the usual envelope (a
        // defect): check the envelope's items as the DTO and its meta as MetaDataPagedInfo.
        component("MetaDataPagedInfo", &body["meta"])?;
        let data = body["data"]
            .as_array()
            .ok_or("v3/user-profile: data is not an array")?;
        for d in data {
            component("UserProfileGranularAccessDTO", d)?;
        }
        return Ok(());
    }
    if declared {
        return openapi::check_response(method, template, status, body);
    }
    if status < 400 {
        return Err(format!(
            "{method} {template} answered {status}, which the document does not declare"
        ));
    }
    component("ApiErrorResponse", body).map_err(|e| format!("{method} {template} {status}: {e}"))
}

/// Validates `body` against one component schema of the document.
fn component(name: &str, body: &Value) -> Result<(), String> {
    let schema = openapi::doc()
        .component_schema(name, Default::default())
        .unwrap();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = v.iter_errors(body).map(|e| e.to_string()).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("not a {name}: {}\nbody: {body}", errors.join("; ")))
    }
}

/// The validator is not a rubber stamp: bodies that drift from the document fail it.
#[tokio::test]
async fn the_validator_rejects_drifted_bodies() {
    let o = org();
    let site = o.site("Paris").await;
    let a = o.get(&format!("site/{site}"), "site/{id}").await;
    let t = "/organization/{orgid}/site/{id}";
    assert!(check("GET", t, 200, &a.body).is_ok());
    let mut drifted = a.body.clone();
    drifted["version"] = json!("one");
    assert!(
        check("GET", t, 200, &drifted).is_err(),
        "a string version passed"
    );
    let mut drifted = a.body.clone();
    drifted["active"] = json!("yes");
    assert!(
        check("GET", t, 200, &drifted).is_err(),
        "a string boolean passed"
    );

    let bulk = "/organization/{orgid}/site/bulk";
    let ok = json!({"items": [{"itemIdentifier": 1, "status": 201, "operationType": "CREATE", "href": "x"}]});
    assert!(check("POST", bulk, 207, &ok).is_ok());
    for drifted in [
        json!({"items": [{"itemIdentifier": 1, "status": "201", "operationType": "CREATE"}]}),
        json!({"items": [{"itemIdentifier": 1, "status": 201, "operationType": "INSERT"}]}),
        json!({"items": {"itemIdentifier": 1}}),
    ] {
        assert!(
            check("POST", bulk, 207, &drifted).is_err(),
            "{drifted} passed"
        );
    }
    let err =
        json!({"trackingId": "t", "error": {"key": "400", "message": [{"description": "d"}]}});
    assert!(check("POST", bulk, 400, &err).is_ok());
    for drifted in [
        json!({"trackingId": "t", "error": {"key": 400, "message": [{"description": "d"}]}}),
        json!({"trackingId": "t", "error": {"key": "400", "message": "d"}}),
    ] {
        assert!(
            check("POST", bulk, 400, &drifted).is_err(),
            "{drifted} passed"
        );
        assert!(
            check("POST", bulk, 413, &drifted).is_err(),
            "{drifted} passed as 413"
        );
    }
    assert!(
        check("POST", bulk, 200, &ok).is_err(),
        "an undeclared success passed"
    );
}

#[tokio::test]
async fn a_thousand_users_in_one_patch_bulk() {
    let o = org();
    let t0 = std::time::Instant::now();
    for i in 0..1000 {
        let (s, _) = people_post(&o, &o.token, &format!("u{i}@example.com")).await;
        assert_eq!(s, 200);
    }
    let made = t0.elapsed();
    let site = o.site("S").await;
    let mut ids = Vec::new();
    for page in 0..2 {
        let a = o
            .get(&format!("v2/user?page={page}&pageSize=500"), "v2/user")
            .await;
        for u in a.body["data"].as_array().unwrap() {
            ids.push(u["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(ids.len(), 1000);
    let items = ids
        .iter()
        .map(|id| json!({"id": id, "siteId": site, "externalIdentifier": "x"}))
        .collect();
    let t1 = std::time::Instant::now();
    let a = o.patch_bulk("user/bulk", items).await;
    let patched = t1.elapsed();
    assert_eq!(a.status, 207);
    let items = a.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1000);
    assert!(items.iter().all(|i| i["status"] == 200));
    eprintln!("1000 people created in {made:?}; one PATCH user/bulk of 1000 in {patched:?}");
}

/// The client's endpoint table (`bulk::wxcc::endpoints`) and the face agree: every route the
/// client uses is served (no "no route" 404), with the DTO and the bulk-update rule the face
/// applies.
#[tokio::test]
async fn the_face_serves_every_route_of_the_clients_endpoint_table() {
    use bulk::wxcc::endpoints::TABLE;
    let o = org();
    let routed = |a: &Answer| {
        !a.body["error"]["message"][0]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("no route"))
    };
    for e in TABLE {
        let face = bulk::sandbox::org::api_type(e.segment)
            .unwrap_or_else(|| panic!("the face has no type {}", e.segment));
        assert_eq!(face.dto, e.dto, "{}", e.segment);
        assert_eq!(
            face.bulk_update_refused, e.bulk_update_refused,
            "{}: bulk_update_refused differs between the face and the client",
            e.segment
        );
        let a = o.get(e.list, e.list).await;
        assert_eq!(a.status, 200, "{}: {}", e.list, a.body);
        let single = e.single.replace("{id}", "nope");
        let a = o.get(&single, e.single).await;
        assert_error(&a, 404, "nope");
        assert!(routed(&a), "{}", e.single);
        if let Some(b) = e.bulk {
            let a = o.call("POST", b, b, Some(json!({"items": []}))).await;
            assert!(
                routed(&a) && (a.status == 207 || a.status == 403),
                "{b}: {}",
                a.body
            );
        }
        if let Some(b) = e.patch_bulk {
            let a = o.call("PATCH", b, b, Some(json!({"items": []}))).await;
            assert_eq!(a.status, 207, "{b}: {}", a.body);
        }
        if let Some(entries) = e.entries {
            let entry = bulk::sandbox::org::entry_type(e.segment).unwrap();
            assert_eq!(entry.dto, entries.dto);
            for (method, t, body) in [
                ("GET", entries.list, None),
                ("POST", entries.bulk, Some(json!({"items": []}))),
                ("GET", entries.single, None),
            ] {
                let path = t
                    .replace("{addressBookId}", "nope")
                    .replace("{outDialAniId}", "nope")
                    .replace("{id}", "nope");
                let a = o.call(method, &path, t, body).await;
                assert_error(&a, 404, "nope");
                assert!(routed(&a), "{method} {t}");
            }
        }
    }
}

/// The face stores only values of the document's types, so its answers keep them.
#[tokio::test]
async fn values_of_the_wrong_type_or_outside_the_enum_are_400() {
    let o = org();
    let mmp = o.id_of("v2/multimedia-profile", "Blended").await;
    let site = o.site("S").await;
    let items = o
        .bulk(
            "site/bulk",
            vec![
                json!({"name": "A", "active": "yes", "multimediaProfileId": mmp}),
                json!({"name": "B".repeat(81), "active": true, "multimediaProfileId": mmp}),
            ],
        )
        .await;
    assert_item_error(&items[0]["apiError"], 400, "active");
    assert_item_error(&items[1]["apiError"], 400, "name: longer than 80");
    let items = o
        .bulk(
            "team/bulk",
            vec![json!({"name": "T", "siteId": site, "teamType": "BIG", "teamStatus": "IN_SERVICE", "active": true, "rankQueuesForTeam": false})],
        )
        .await;
    assert_item_error(
        &items[0]["apiError"],
        400,
        "teamType: \"BIG\" is not one of AGENT, CAPACITY",
    );
}

/// The client side (`bulk::wxcc`: the mapping, `apply`, the HTTP tenant) against the face over
/// loopback: the example row of every CSV type, in import order, is created (users: updated,
/// after the person is made through `POST /v1/people`), then updated with the same ids; and an
/// audio file is uploaded, then replaced. This is the seam the job worker will use; it shows
/// the two sides fit.
#[test]
fn the_clients_http_tenant_applies_every_example_row_through_the_face() {
    let failures = apply_examples(|_| {});
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same under `--strict-bulk-updates`: the client meets "New configuration cannot have an
/// id" and updates those types with PUT, with the same result.
#[test]
fn under_strict_bulk_updates_the_client_updates_with_put() {
    let failures = apply_examples(|s| s.strict_bulk_updates = true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Under `--strict-people` the people route refuses, so a user row's person is missing and
/// the row fails naming the email, as on a real tenant.
#[test]
fn under_strict_people_a_user_row_without_a_person_fails() {
    let failures = apply_examples(|s| s.strict_people = true);
    assert_eq!(failures.len(), 2, "{failures:?}");
    for f in &failures {
        assert!(f.contains(" user: ") && f.contains("Email"), "{f}");
    }
}

/// Applies every example row twice through wxcc's HTTP tenant against a sandbox configured by
/// `tweak`; returns what did not go as a real tenant would.
fn apply_examples(tweak: impl FnOnce(&mut Settings)) -> Vec<String> {
    use bulk::schema::{example_row, registry};
    use bulk::wxcc::apply::{apply, apply_audio};
    use bulk::wxcc::http::HttpTenant;
    use bulk::wxcc::mapping::{group_rows, Row};
    use bulk::wxcc::tenant::Outcome;

    let dir = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::start(dir.path(), tweak);
    let strict_people = sb.state().settings().strict_people;
    let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
    let base = format!("{}/organization/{org}/", sb.url);
    let mut types: Vec<_> = registry()
        .types
        .iter()
        .filter(|t| t.id != "audio-file")
        .collect();
    types.sort_by_key(|t| registry().import_rank(&t.id));
    let mut failures = Vec::new();
    let mut ids = std::collections::HashMap::new();
    for pass in 0..2 {
        // One tenant per job, as the worker will make them.
        let tenant = HttpTenant::new(&base, &org, &sb.token).unwrap();
        for t in &types {
            let header = t.header();
            let rec = example_row(t);
            if t.id == "user" && pass == 0 {
                let email = rec[header.iter().position(|h| *h == "Email").unwrap()].clone();
                let r = reqwest::blocking::Client::new()
                    .post(format!("{}/v1/people", sb.url))
                    .bearer_auth(&sb.token)
                    .json(&json!({"emails": [email], "firstName": "A", "lastName": "B"}))
                    .send()
                    .unwrap();
                let want = if strict_people { 403 } else { 200 };
                assert_eq!(r.status().as_u16(), want);
            }
            // Multimedia profiles cannot be created: name a tenant default instead.
            let rec: Vec<&str> = rec
                .iter()
                .map(|v| match v.as_str() {
                    "Sample Multimedia Profile" => "Blended",
                    v => v,
                })
                .collect();
            let objects = group_rows(t, vec![Row::new(t, &header, &rec, 2)]);
            match apply(&tenant, &objects) {
                Err(e) => failures.push(format!("pass {pass} {}: {e}", t.id)),
                Ok(applied) => {
                    for a in applied {
                        // A user row always updates: people exist before their rows.
                        let id = match (&a.result, pass) {
                            (Ok(Outcome::Created { id }), 0) if t.id != "user" => id,
                            (Ok(Outcome::Updated { id }), _) if pass == 1 || t.id == "user" => id,
                            (r, _) => {
                                failures.push(format!("pass {pass} {}: {r:?}", t.id));
                                continue;
                            }
                        };
                        match ids.get(&t.id) {
                            None => {
                                ids.insert(t.id.clone(), id.clone());
                            }
                            Some(first) if first != id => {
                                failures.push(format!("{}: id {first} became {id}", t.id))
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        let wav = wavs::mulaw_wav(400);
        match (apply_audio(&tenant, "welcome_prompt.wav", wav), pass) {
            (Ok(Outcome::Created { .. }), 0) | (Ok(Outcome::Updated { .. }), 1) => {}
            (r, _) => failures.push(format!("pass {pass} audio: {r:?}")),
        }
    }
    sb.shutdown();
    failures
}

/// Issue 12's performance: a job's users are read by email (a page of names per request) when
/// that reads fewer users than the organisation's whole list, and the cache still answers for
/// any other name and for the whole list.
#[test]
fn the_http_tenant_reads_a_jobs_users_by_name_in_a_large_organisation() {
    use bulk::wxcc::endpoints::ApiType;
    use bulk::wxcc::http::HttpTenant;
    use bulk::wxcc::resolve::Resolver;
    use bulk::wxcc::tenant::Tenant;

    let dir = tempfile::tempdir().unwrap();
    let sb = Sandbox::start(dir.path(), |_| {});
    let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
    let base = format!("{}/organization/{org}/", sb.url);
    // 1200 users (the sandbox creates their people), through the engine.
    let job = sb.import("user", "users.csv", crate::harness::plain_users(1200));
    assert_eq!(job["objects_created"], 1200, "{job}");

    let t = HttpTenant::new(&base, &org, &sb.token).unwrap();
    let job = vec![
        "AGENT7@example.com".to_string(),
        "agent1100@example.com".into(),
        "nobody@example.com".into(),
    ];
    t.prefetch(ApiType::User, &job).unwrap();
    // One page of one user for the organisation's size, one filter for the three names
    // (the whole list would take two pages of 1000).
    assert_eq!(t.requests(), 2);
    let p7 = t.id_of(ApiType::User, "agent7@example.com", None).unwrap();
    assert!(p7.is_some());
    assert!(t
        .id_of(ApiType::User, "agent1100@example.com", None)
        .unwrap()
        .is_some());
    assert_eq!(
        t.id_of(ApiType::User, "nobody@example.com", None).unwrap(),
        None
    );
    assert_eq!(t.requests(), 2, "prefetched names cost no request");
    let user = t
        .object(ApiType::User, p7.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(user["email"], "agent7@example.com");
    assert_eq!(t.requests(), 2);
    // A name the prefetch did not cover is asked for alone.
    assert!(t
        .id_of(ApiType::User, "agent3@example.com", None)
        .unwrap()
        .is_some());
    assert_eq!(t.requests(), 3);
    // The next batch of the same job: only its new names, in one request.
    let batch = [
        "agent5@example.com",
        "agent6@example.com",
        "agent7@example.com",
    ]
    .map(String::from);
    t.prefetch(ApiType::User, &batch).unwrap();
    assert_eq!(t.requests(), 4);
    assert!(t
        .id_of(ApiType::User, "agent5@example.com", None)
        .unwrap()
        .is_some());
    assert!(t
        .id_of(ApiType::User, "agent6@example.com", None)
        .unwrap()
        .is_some());
    assert_eq!(t.requests(), 4);
    // The whole list, when asked for, is the whole list.
    let all = t.list(ApiType::User).unwrap();
    assert!(all.len() >= 1200, "{}", all.len());
    assert_eq!(t.requests(), 6, "two pages of 1000");

    // A job naming as many users as the organisation has reads the whole list instead.
    let many: Vec<String> = (0..1300).map(|i| format!("agent{i}@example.com")).collect();
    let t = HttpTenant::new(&base, &org, &sb.token).unwrap();
    t.prefetch(ApiType::User, &many).unwrap();
    assert_eq!(t.requests(), 3, "size, then two pages");
    assert!(t
        .id_of(ApiType::User, "agent0@example.com", None)
        .unwrap()
        .is_some());
    assert_eq!(t.requests(), 3);
}
