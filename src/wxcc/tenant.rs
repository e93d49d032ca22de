//! What the job engine needs from a Webex Contact Center tenant, as one trait: find objects by
//! name, list them for export, create and update them in bulk, patch users, create address
//! books with their entries, upload audio. [`super::http::HttpTenant`] implements it over the
//! Configuration API; the sandbox is reached through the same implementation.
//!
//! Writes answer one [`Outcome`] per input item, in input order, so the caller maps each back
//! to the CSV rows (and lines) it came from. An item the server did not answer (a short 207)
//! is [`Outcome::NotProcessed`]: a 207 proves nothing about the missing items.

use super::endpoints::ApiType;
use super::resolve::{ResolveError, Resolver};
use super::wire::{ApiObject, AudioFileInfo};

/// The result of one item of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created; the new object's id.
    Created { id: String },
    /// Updated in place.
    Updated { id: String },
    /// Refused: the item's status and Cisco's message, with its tracking id when given.
    Failed {
        status: u16,
        message: String,
        tracking_id: Option<String>,
    },
    /// The server answered nothing for this item (missing from a 207, or the call stopped).
    NotProcessed,
}

impl Outcome {
    /// The object id of a success.
    pub fn id(&self) -> Option<&str> {
        match self {
            Outcome::Created { id } | Outcome::Updated { id } => Some(id),
            _ => None,
        }
    }

    /// A one-line description of a failure for an error CSV (`None` for a success).
    pub fn error_message(&self) -> Option<String> {
        match self {
            Outcome::Failed {
                status,
                message,
                tracking_id,
            } => Some(match tracking_id {
                Some(t) => format!("{status}: {message} (trackingId {t})"),
                None => format!("{status}: {message}"),
            }),
            Outcome::NotProcessed => {
                Some("not processed by the tenant; import the row again".into())
            }
            _ => None,
        }
    }
}

/// A failure of a whole call (not of one item).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// The tenant answered an error status for the whole call.
    #[error("{method} {path}: {status}: {message}{}", tracking_id.as_ref().map(|t| format!(" (trackingId {t})")).unwrap_or_default())]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
        tracking_id: Option<String>,
    },
    /// No answer (connection refused, reset, timeout).
    #[error("{method} {path}: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
    },
    /// An answer that is not what the document describes.
    #[error("{method} {path}: unexpected answer: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// A call this type does not have (e.g. bulk create of users).
    #[error("{0}")]
    Unsupported(String),
}

impl From<TenantError> for ResolveError {
    fn from(e: TenantError) -> Self {
        ResolveError::Unavailable(e.to_string())
    }
}

/// A Webex Contact Center organisation, as the job engine uses it. Name lookups go through
/// the [`Resolver`] supertrait (cached per job by implementations).
pub trait Tenant: Resolver {
    /// The organisation id (`organizationId` of every object sent).
    fn org_id(&self) -> &str;

    /// Says which objects of `api` the next lookups will name, so that an implementation
    /// that caches can read them in fewer or smaller requests (by default, nothing).
    fn prefetch(&self, api: ApiType, names: &[String]) -> Result<(), TenantError> {
        let _ = (api, names);
        Ok(())
    }

    /// Every object of `api` (paged through the list endpoint), for export.
    fn list(&self, api: ApiType) -> Result<Vec<ApiObject>, TenantError>;

    /// Every entry of an address book or outdial ANI.
    fn list_entries(&self, api: ApiType, parent_id: &str) -> Result<Vec<ApiObject>, TenantError>;

    /// Creates objects (bulk SAVE without `id`); one outcome per item, in order.
    fn create(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError>;

    /// Updates objects that carry their `id`: bulk SAVE where the tenant allows it, else (after
    /// the first 400 "New configuration cannot have an id", remembered for this tenant value)
    /// GET + merge + PUT per object, so fields without a column are kept.
    fn update(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError>;

    /// `PATCH user/bulk`: each item is `id` plus the fields to change (`null` clears). An
    /// implementation that caches the listed users sends only the fields that differ.
    fn patch_users(&self, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError>;

    /// Creates (no `id`) or replaces (with `id`) one address book (`v3/address-book`).
    fn save_address_book(&self, book: &ApiObject) -> Result<Outcome, TenantError>;

    /// Saves the entries of an address book or outdial ANI in bulk (entries with an `id`
    /// update that entry).
    fn save_entries(
        &self,
        api: ApiType,
        parent_id: &str,
        entries: &[ApiObject],
    ) -> Result<Vec<Outcome>, TenantError>;

    /// Uploads one WAV: `POST audio-file`, or `PUT audio-file/{id}` when `info.id` is set.
    fn upload_audio(&self, info: &AudioFileInfo, wav: Vec<u8>) -> Result<Outcome, TenantError>;
}
