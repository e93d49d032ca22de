//! What a new Webex Contact Center tenant already has, as API objects with ids: the names of
//! [`crate::sandbox::store::TENANT_DEFAULTS`] given the fields their DTOs require. Seeding is
//! idempotent, so it runs for every organisation at start (data dirs made before this module
//! get their defaults) and for each new organisation.
//!
//! `threshold-rule` has no configuration path in Cisco's document, so it has no object here.

use super::store::{self, Ctx};
use super::type_by_name;
use rusqlite::Connection;
use serde_json::{json, Value};

/// Stands for the id of the "Default Multimedia Profile" in [`objects`] until [`seed`] knows it.
const DEFAULT_MMP: &str = "Default Multimedia Profile";

/// The default objects, in creation order, as (type, DTO without server fields).
pub fn objects() -> Vec<(&'static str, Value)> {
    let mmp = |name: &str, mode: &str, t: i64, c: i64, e: i64, s: i64| {
        json!({"name": name, "active": true, "blendingMode": mode, "blendingModeEnabled": mode != "EXCLUSIVE",
               "telephony": t, "chat": c, "email": e, "social": s, "systemDefault": true})
    };
    let profile = |name: &str, ty: &str| {
        json!({"name": name, "profileType": ty, "active": true, "permissionAccessLevel": "ALL",
               "resourceAccessLevel": "ALL", "systemDefault": true})
    };
    vec![
        (
            "multimedia-profile",
            mmp("Default Multimedia Profile", "BLENDED", 1, 5, 5, 5),
        ),
        ("multimedia-profile", mmp("Blended", "BLENDED", 1, 5, 5, 5)),
        (
            "multimedia-profile",
            mmp("Blended Real-time", "BLENDED_REALTIME", 1, 5, 5, 5),
        ),
        (
            "multimedia-profile",
            mmp("Telephony Only", "EXCLUSIVE", 1, 0, 0, 0),
        ),
        (
            "desktop-layout",
            json!({"name": "Global Layout", "editedBy": "System", "jsonFileName": "Desktop-Layout-Global.json",
                   "jsonFileContent": "{}", "global": true, "status": true, "defaultJsonModified": false,
                   "validated": true, "teamIds": [], "systemDefault": true}),
        ),
        // So that `bulk template user --example` (an agent at this site) imports on a fresh
        // home; its multimedia profile id is filled in by `seed`.
        (
            "site",
            json!({"name": "Default Site", "active": true, "multimediaProfileId": DEFAULT_MMP, "systemDefault": true}),
        ),
        ("user-profile", profile("Administrator", "ADMINISTRATOR")),
        ("user-profile", profile("Supervisor", "SUPERVISOR")),
        ("user-profile", profile("Premium Agent", "PREMIUM_AGENT")),
        ("user-profile", profile("Standard Agent", "STANDARD_AGENT")),
        (
            "agent-profile",
            json!({"name": "Default Desktop Profile", "parentType": "ORGANIZATION", "active": true,
                   "accessWrapUpCode": "ALL", "accessIdleCode": "ALL", "accessQueue": "ALL",
                   "accessEntryPoint": "ALL", "accessBuddyTeam": "ALL", "agentDNValidation": "PROVISIONED_VALUE",
                   "viewableStatistics": {"accessQueueStats": "ALL", "accessTeamStats": "ALL"},
                   "systemDefault": true}),
        ),
        (
            "work-type",
            json!({"name": "Default Idle Work Type", "workTypeCode": "IDLE_CODE", "active": true, "systemDefault": true}),
        ),
        (
            "work-type",
            json!({"name": "Default Wrapup Work Type", "workTypeCode": "WRAP_UP_CODE", "active": true, "systemDefault": true}),
        ),
        (
            "audio-file",
            json!({"name": "defaultmusic_on_hold.wav", "contentType": "AUDIO_WAV", "systemDefault": true}),
        ),
        (
            "dial-plan",
            json!({"name": "US", "regularExpression": "1?[2-9][0-9]{9}", "active": true, "systemDefault": true}),
        ),
        (
            "dial-plan",
            json!({"name": "Any Format", "regularExpression": "[+]?[0-9a-zA-Z*#().-]+", "active": true, "systemDefault": true}),
        ),
    ]
}

/// Creates the defaults an organisation lacks (by name); returns how many it created.
pub fn seed(conn: &Connection, org: &str, now_ms: i64) -> anyhow::Result<usize> {
    let mut n = 0;
    for (ty, obj) in objects() {
        let name = obj["name"].as_str().unwrap_or_default().to_string();
        if store::find_by_key(conn, org, ty, &name)?.is_some() {
            continue;
        }
        let c = Ctx {
            org,
            ty: type_by_name(ty),
            parent: None,
            now_ms,
            known: None,
        };
        let Value::Object(mut body) = obj else {
            unreachable!("defaults are objects")
        };
        if body.get("multimediaProfileId").and_then(Value::as_str) == Some(DEFAULT_MMP) {
            let id = store::find_by_key(conn, org, "multimedia-profile", DEFAULT_MMP)?
                .ok_or_else(|| anyhow::anyhow!("tenant default {DEFAULT_MMP:?} is missing"))?;
            body.insert("multimediaProfileId".into(), Value::String(id));
        }
        let stored = store::create(conn, &c, body)
            .map_err(|p| anyhow::anyhow!("tenant default {ty} {name:?}: {}", p.description))?;
        if ty == "audio-file" {
            let id = stored["id"].as_str().unwrap_or_default();
            store::put_blob(conn, org, id, &[])
                .map_err(|p| anyhow::anyhow!("tenant default audio: {}", p.description))?;
        }
        n += 1;
    }
    Ok(n)
}

/// Seeds every organisation of the database (at start).
pub fn seed_all(conn: &mut Connection, now_ms: i64) -> anyhow::Result<()> {
    store::init(conn)?;
    let tx = conn.transaction()?;
    for org in store::org_ids(&tx)? {
        seed(&tx, &org, now_ms)?;
    }
    tx.commit()?;
    Ok(())
}
