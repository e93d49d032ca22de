//! The envelopes of Cisco's Configuration API, named exactly as its OpenAPI document names them.
//!
//! Shared by the client (`wxcc::http`) and the emulated organisation (`sandbox`), so the two
//! cannot drift apart; both are checked against the document itself in tests
//! (`tests/wxcc_support/openapi.rs`). The objects inside the envelopes (a `TeamDTO`, a
//! `UserDTO`, ...) stay `serde_json::Value` with the document's field names: the mapping builds
//! them field by field, and the sandbox stores them as they come.
//!
//! Parsing is lenient where Cisco's answers are richer than the schema (`error.reason`,
//! per-message `entity`/`references`): unknown fields are ignored. Request envelopes, which
//! only a server parses, refuse unknown fields, as the emulated face must answer 400 to them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An API object (`SiteDTO`, `TeamDTO`, ...): a JSON object with the document's field names.
pub type ApiObject = serde_json::Map<String, Value>;

/// The one error body of every failure (`ApiErrorResponse`):
/// `{"trackingId", "error": {"key", "message": [{"description"}]}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorResponse {
    /// Cisco's id of the failed request; quote it when reporting a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub error: ErrorDetails,
}

/// `ErrorDetails`: the status as a string (`"400"`) and the messages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorDetails {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub message: Vec<OperationError>,
}

/// `OperationError`: one message of an error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OperationError {
    #[serde(default)]
    pub description: String,
}

impl ApiErrorResponse {
    /// An error body for `status` with one message (what the emulated face sends).
    pub fn new(
        tracking_id: impl Into<String>,
        status: u16,
        description: impl Into<String>,
    ) -> Self {
        ApiErrorResponse {
            tracking_id: Some(tracking_id.into()),
            error: ErrorDetails {
                key: status.to_string(),
                message: vec![OperationError {
                    description: description.into(),
                }],
            },
        }
    }

    /// The messages joined with `"; "` (empty if the body had none).
    pub fn description(&self) -> String {
        let parts: Vec<&str> = self
            .error
            .message
            .iter()
            .map(|m| m.description.as_str())
            .filter(|d| !d.is_empty())
            .collect();
        parts.join("; ")
    }
}

/// What a bulk item asks for (`requestAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestAction {
    /// Create (no `id`) or update (with `id`; refused by some types, see [`crate::wxcc::endpoints`]).
    Save,
    /// Delete; Cisco wants the full object, not only its id.
    Delete,
}

/// `BulkRequestDTO<T>`: the body of `POST <type>/bulk` and `PATCH <type>/bulk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest<T = ApiObject> {
    pub items: Vec<BulkRequestItem<T>>,
}

/// `BulkRequestItemDTO<T>`: one object of a bulk request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkRequestItem<T = ApiObject> {
    /// Chosen by the client (the index of the item); answered back in the 207.
    pub item_identifier: i32,
    /// Optional on `PATCH` (then SAVE); always sent by this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_action: Option<RequestAction>,
    pub item: T,
}

/// `operationType` of a bulk response item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    Create,
    Update,
    Delete,
    Get,
}

/// `BulkResponseDTO`: the 207 body of a bulk call, one item per request item that was processed
/// (a short list means the missing items were not processed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BulkResponse {
    #[serde(default)]
    pub items: Vec<BulkResponseItem>,
}

/// `BulkResponseItemDTO`: the outcome of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponseItem {
    pub item_identifier: i32,
    /// HTTP status of this item (201, 200, 400, 404, 409, ...).
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<OperationType>,
    /// `/api/organization/{org}/<type>/{id}` on success; the id is its last segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error: Option<ApiErrorResponse>,
}

impl BulkResponseItem {
    /// Whether the item was applied (a 2xx status).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The object id: the last segment of `href`.
    pub fn id(&self) -> Option<&str> {
        let href = self.href.as_deref()?.trim_end_matches('/');
        href.rsplit('/').next().filter(|s| !s.is_empty())
    }
}

/// A page of a v2/v3 list endpoint: `{"meta": {...}, "data": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage<T = ApiObject> {
    pub meta: PageMeta,
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

/// `MetaDataPagedInfo` (and its user and queue variants, which only add counters): `page` is
/// 0-based; `pageSize` is what the server used (it clamps larger requests).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orgid: Option<String>,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub page_size: u32,
    #[serde(default)]
    pub total_pages: u32,
    #[serde(default)]
    pub total_records: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<PaginationLinks>,
}

/// `PaginationLinks`: `self` is required, the others are present when they exist.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PaginationLinks {
    #[serde(rename = "self", default)]
    pub self_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

impl PageMeta {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page + 1 < self.total_pages
    }
}

/// `contentType` of an audio file (`AudioFileInfoDTO`); the client only ever sends `AUDIO_WAV`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AudioContentType {
    AudioWav,
    AudioXWav,
    TextHtml,
    TextPhp,
    ApplicationOctetStream,
}

/// The `audioFileInfo` part of the multipart `POST audio-file` / `PUT audio-file/{id}`
/// (a subset of `AudioFileInfoDTO`); the other part, `audioFile`, carries the WAV bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioFileInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    pub name: String,
    pub content_type: AudioContentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Multipart part names of the audio upload, as the document names them.
pub const AUDIO_FILE_INFO_PART: &str = "audioFileInfo";
/// See [`AUDIO_FILE_INFO_PART`].
pub const AUDIO_FILE_PART: &str = "audioFile";

/// The 400 message Cisco gives a bulk SAVE that carries an `id` for the types that refuse
/// bulk updates (wxcc-config-api.md §4 #1); the client switches to GET + merge + PUT on it.
pub const NEW_CONFIGURATION_CANNOT_HAVE_ID: &str = "New configuration cannot have an id";

/// The 409 message of a duplicate name.
pub const SIMILAR_ENTITY_PRESENT: &str = "Similar entity is already present";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_body_parses_leniently() {
        let body = json!({"trackingId": "ccconfig_1", "error": {"key": "400", "reason": "x",
            "message": [{"description": "siteId: not found for given orgId.", "entity": "team",
            "references": [{"id": "1", "name": "a"}]}]}, "extra": 1});
        let e: ApiErrorResponse = serde_json::from_value(body).unwrap();
        assert_eq!(e.tracking_id.as_deref(), Some("ccconfig_1"));
        assert_eq!(e.error.key, "400");
        assert_eq!(e.description(), "siteId: not found for given orgId.");
        let empty: ApiErrorResponse = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty.description(), "");
    }

    #[test]
    fn bulk_request_uses_the_documents_names() {
        let mut item = ApiObject::new();
        item.insert("name".into(), json!("Sales"));
        let req = BulkRequest {
            items: vec![BulkRequestItem {
                item_identifier: 3,
                request_action: Some(RequestAction::Save),
                item,
            }],
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"items": [{"itemIdentifier": 3, "requestAction": "SAVE", "item": {"name": "Sales"}}]})
        );
        let bad = json!({"items": [{"itemIdentifier": 1, "item": {}, "action": "SAVE"}]});
        assert!(serde_json::from_value::<BulkRequest>(bad).is_err());
    }

    #[test]
    fn bulk_response_item_id_is_the_last_href_segment() {
        let r: BulkResponse = serde_json::from_value(json!({"items": [
            {"itemIdentifier": 0, "status": 201, "operationType": "CREATE",
             "href": "/api/organization/o/team/abc-1"},
            {"itemIdentifier": 1, "status": 400, "operationType": "CREATE",
             "apiError": {"trackingId": "t", "error": {"key": "400", "message": [{"description": "bad"}]}}}
        ]}))
        .unwrap();
        assert_eq!(r.items[0].id(), Some("abc-1"));
        assert!(r.items[0].is_success());
        assert!(!r.items[1].is_success());
        assert_eq!(r.items[1].api_error.as_ref().unwrap().description(), "bad");
    }

    #[test]
    fn list_page_meta() {
        let p: ListPage = serde_json::from_value(json!({"meta": {"orgid": "o", "page": 0,
            "pageSize": 100, "totalPages": 2, "totalRecords": 150, "links": {"self": "/x"}},
            "data": [{"id": "1"}]}))
        .unwrap();
        assert!(p.meta.has_next());
        assert_eq!(p.data.len(), 1);
    }
}
