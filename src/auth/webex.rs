//! Who a Webex token belongs to: `GET {webex api}/v1/people/me`, and the organisation id the
//! Configuration API wants (the bare UUID inside Webex's base64 `orgId`).

use super::Secret;
use crate::error::{Exit, Failure};
use base64::Engine as _;
use serde::Deserialize;
use std::time::Duration;

/// The person a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// The first email address.
    pub email: String,
    pub display_name: String,
    /// The organisation as the Configuration API names it (a bare UUID).
    pub org_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonBody {
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    display_name: Option<String>,
    org_id: String,
}

/// The bare UUID of a Webex organisation id: Webex's base64 of
/// `ciscospark://us/ORGANIZATION/<uuid>` decoded to its last segment; an id that already is a
/// bare UUID is returned as it is. `None` when it is neither.
pub fn org_uuid(org_id: &str) -> Option<String> {
    let org_id = org_id.trim();
    if uuid::Uuid::parse_str(org_id).is_ok() {
        return Some(org_id.to_ascii_lowercase());
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let decoded = engines.iter().find_map(|e| e.decode(org_id).ok())?;
    let text = String::from_utf8(decoded).ok()?;
    let last = text.strip_prefix("ciscospark://")?.rsplit('/').next()?;
    uuid::Uuid::parse_str(last)
        .ok()
        .map(|_| last.to_ascii_lowercase())
}

/// Webex's base64 id of the organisation `uuid` (what `/v1/people/me` answers as `orgId`).
pub fn webex_org_id(uuid: &str) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(format!("ciscospark://us/ORGANIZATION/{uuid}"))
}

/// Asks `GET {base}/v1/people/me` who `token` belongs to. A 401 or 403 is exit 6.
pub fn people_me(base: &str, token: &Secret) -> anyhow::Result<Me> {
    let url = format!("{}/v1/people/me", base.trim_end_matches('/'));
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut last = None;
    for attempt in 0..3u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(300 * 2u64.pow(attempt - 1)));
        }
        let resp = match http.get(&url).bearer_auth(token.expose()).send() {
            Ok(r) => r,
            Err(e) => {
                last = Some(anyhow::anyhow!("cannot reach {url}: {e}"));
                continue;
            }
        };
        let status = resp.status();
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(Failure::new(
                Exit::Auth,
                format!("{url} refused the token ({status}): it is expired, revoked or not a Webex token"),
            )
            .into());
        }
        if status.is_server_error() || status.as_u16() == 429 {
            last = Some(anyhow::anyhow!("{url} answered {status}"));
            continue;
        }
        if !status.is_success() {
            anyhow::bail!("{url} answered {status}");
        }
        let body: PersonBody = resp
            .json()
            .map_err(|e| anyhow::anyhow!("{url} answered no person: {e}"))?;
        let org_id = org_uuid(&body.org_id).ok_or_else(|| {
            anyhow::anyhow!(
                "{url} answered an orgId that is not a Webex organisation id: \"{}\"",
                body.org_id
            )
        })?;
        return Ok(Me {
            email: body.emails.into_iter().next().unwrap_or_default(),
            display_name: body.display_name.unwrap_or_default(),
            org_id,
        });
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("cannot reach {url}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webex_org_id_decodes_to_its_uuid() {
        let uuid = "2f9eecc5-0472-4549-9a83-2afdae0d4ba1";
        // As Webex writes it (padded) and without padding.
        let padded = base64::engine::general_purpose::STANDARD
            .encode(format!("ciscospark://us/ORGANIZATION/{uuid}"));
        assert!(padded.starts_with("Y2"));
        assert_eq!(org_uuid(&padded).as_deref(), Some(uuid));
        assert_eq!(org_uuid(&webex_org_id(uuid)).as_deref(), Some(uuid));
        assert_eq!(org_uuid(uuid).as_deref(), Some(uuid));
        assert_eq!(
            org_uuid(&uuid.to_ascii_uppercase()).as_deref(),
            Some(uuid),
            "a bare UUID is normalised"
        );
        assert_eq!(org_uuid("not an id"), None);
        let person =
            base64::engine::general_purpose::STANDARD.encode("ciscospark://us/PEOPLE/not-a-uuid");
        assert_eq!(org_uuid(&person), None);
    }
}
