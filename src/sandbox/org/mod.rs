//! The emulated organisation: Webex Contact Center configuration objects kept as API objects
//! (JSON with `id`, `version`, `organizationId`, timestamps) and served through Cisco's
//! Configuration API shape under `/organization/{orgid}/…`, so that a client written against
//! Cisco's OpenAPI document runs unchanged against the sandbox.
//!
//! - [`store`]: the SQLite tables (`api_objects`, `people`) and the rules Cisco enforces on them
//!   (unique names, references by id, required fields, versions).
//! - [`defaults`]: what a new tenant already has (multimedia profiles, user profiles, …).
//! - [`face`]: the HTTP routes, Cisco's error body, paging, bulk envelopes, multipart audio.
//! - [`filter`]: the RSQL subset of the `filter` query parameter.
//! - [`people`]: the Webex People API stand-in that creates Control Hub users.
//!
//! Every type the face serves is a row of [`TYPES`]; what each DTO accepts and requires comes
//! from `dtos.json`, generated from Cisco's document (a test fails when the two disagree).

pub mod defaults;
pub mod face;
pub mod filter;
pub mod people;
pub mod store;

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Largest `pageSize` a list answers with; larger requests are clamped (Cisco clamps silently
/// to an unpublished maximum; clients read `meta.pageSize` back).
pub const MAX_PAGE_SIZE: u64 = 1000;
/// `pageSize` when the request has none (Cisco's default).
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// Default largest request body of the face, in bytes (Cisco publishes none); see
/// [`crate::sandbox::Settings::org_max_body_bytes`].
pub const DEFAULT_MAX_BODY_BYTES: u64 = 8_000_000;

/// How names are unique within a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// `name`, per organisation and type.
    Name,
    /// `name`, per value of another field (team: within its `siteId`).
    NameWithin(&'static str),
    /// Another field is the identity (user: `email`; EP mapping: `dialledNumber`).
    Field(&'static str),
    /// `name` within the parent object (address-book and outdial-ANI entries).
    NameInParent,
}

/// One object type of the face.
#[derive(Debug)]
pub struct ApiType {
    /// The path segment, and the `type` column of the store.
    pub name: &'static str,
    /// The DTO a write sends, as named in Cisco's document.
    pub dto: &'static str,
    /// The version prefix of its paged list (`v2/<type>` or `v3/<type>`).
    pub list_version: &'static str,
    /// The version prefix of its single-object and bulk routes (`""` or `"v3/"`).
    pub item_prefix: &'static str,
    pub unique: Unique,
    /// Reference fields (paths with `[]` for arrays) and the type their ids name. Written from
    /// the DTO descriptions of Cisco's document, not from the client's mapping.
    pub refs: &'static [(&'static str, &'static str)],
    /// `POST <type>/bulk` exists.
    pub bulk: bool,
    /// `PATCH <type>/bulk` exists.
    pub patch_bulk: bool,
    /// Under `--strict-bulk-updates`, a bulk SAVE with an `id` fails per item
    /// (wxcc-config-api.md §4 #1).
    pub bulk_update_refused: bool,
    /// Only the organisation's defaults exist; writes answer 403.
    pub read_only: bool,
    /// Entries of a parent type (`address-book/{id}/entry`).
    pub parent: Option<&'static str>,
    /// The status of a successful single `POST <type>` (the document says 201 for most, 200
    /// for some).
    pub create_status: u16,
}

const fn t(name: &'static str, dto: &'static str) -> ApiType {
    ApiType {
        name,
        dto,
        list_version: "v2",
        item_prefix: "",
        unique: Unique::Name,
        refs: &[],
        bulk: true,
        patch_bulk: false,
        bulk_update_refused: false,
        read_only: false,
        parent: None,
        create_status: 201,
    }
}

/// The face and the People stand-in, to merge into the sandbox's router.
pub(crate) fn routes() -> axum::Router<crate::sandbox::AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{any, get};
    axum::Router::new()
        .route("/v1/people", get(people::list).post(people::create))
        .route(
            "/organization/{orgid}/{*rest}",
            any(face::handle).layer(DefaultBodyLimit::disable()),
        )
}

/// Every type the face serves.
pub static TYPES: &[ApiType] = &[
    ApiType {
        // Undescribed in the document; the queue an outdial entry point uses
        // (wxcc-config-api.md §3).
        refs: &[("outdialQueueId", "contact-service-queue")],
        ..t("entry-point", "EntryPointDTO")
    },
    ApiType {
        refs: &[("callDistributionGroups[].agentGroups[].teamId", "team")],
        patch_bulk: true,
        ..t("contact-service-queue", "ContactServiceQueueDTO")
    },
    ApiType {
        refs: &[("multimediaProfileId", "multimedia-profile")],
        bulk_update_refused: true,
        ..t("site", "SiteDTO")
    },
    ApiType {
        unique: Unique::NameWithin("siteId"),
        refs: &[
            ("siteId", "site"),
            ("desktopLayoutId", "desktop-layout"),
            ("skillProfileId", "skill-profile"),
            ("multiMediaProfileId", "multimedia-profile"),
            ("userIds[]", "user"),
        ],
        bulk_update_refused: true,
        ..t("team", "TeamDTO")
    },
    ApiType {
        unique: Unique::Field("email"),
        refs: &[
            ("userProfileId", "user-profile"),
            ("siteId", "site"),
            ("teamIds[]", "team"),
            ("skillProfileId", "skill-profile"),
            ("agentProfileId", "agent-profile"),
            ("multimediaProfileId", "multimedia-profile"),
            // Not `preferredSupervisorTeamId`: "the id of a preferred supervisor" names no type.
        ],
        bulk: false,
        patch_bulk: true,
        ..t("user", "UserDTO")
    },
    ApiType {
        list_version: "v3",
        item_prefix: "v3/",
        ..t("user-profile", "UserProfileGranularAccessDTO")
    },
    ApiType {
        create_status: 200,
        ..t("work-type", "WorkTypeDTO")
    },
    ApiType {
        refs: &[("workTypeId", "work-type")],
        patch_bulk: true,
        ..t("auxiliary-code", "AuxiliaryCodeDTO")
    },
    ApiType {
        refs: &[
            ("siteId", "site"),
            ("outdialEntryPointId", "entry-point"),
            ("outdialANIId", "outdial-ani"),
            ("addressBookId", "address-book"),
        ],
        bulk_update_refused: true,
        ..t("agent-profile", "AgentProfileDTO")
    },
    ApiType {
        list_version: "v3",
        item_prefix: "v3/",
        refs: &[("siteId", "site")],
        bulk: false,
        ..t("address-book", "AddressBookDTO")
    },
    ApiType {
        unique: Unique::NameInParent,
        parent: Some("address-book"),
        create_status: 200,
        ..t("address-book-entry", "AddressBookEntryDTO")
    },
    ApiType {
        bulk_update_refused: true,
        ..t("outdial-ani", "OutdialANIDTO")
    },
    ApiType {
        unique: Unique::NameInParent,
        parent: Some("outdial-ani"),
        create_status: 200,
        ..t("outdial-ani-entry", "OutdialANIEntryDTO")
    },
    ApiType {
        bulk_update_refused: true,
        ..t("skill", "SkillDTO")
    },
    ApiType {
        refs: &[("activeSkills[].skillId", "skill")],
        bulk_update_refused: true,
        ..t("skill-profile", "SkillProfileDTO")
    },
    ApiType {
        unique: Unique::Field("dialledNumber"),
        create_status: 200,
        refs: &[("entryPointId", "entry-point")],
        ..t("dial-number", "DialledNumberEntryPointDTO")
    },
    ApiType {
        bulk: false,
        create_status: 200,
        ..t("audio-file", "AudioFileInfoDTO")
    },
    ApiType {
        read_only: true,
        bulk_update_refused: true,
        create_status: 200,
        ..t("multimedia-profile", "MultimediaProfileDTO")
    },
    ApiType {
        read_only: true,
        bulk_update_refused: true,
        create_status: 200,
        ..t("desktop-layout", "DesktopLayoutDTO")
    },
    ApiType {
        read_only: true,
        create_status: 200,
        ..t("dial-plan", "DialPlanDTO")
    },
];

/// The type of a path segment (`site`, `user-profile`, …); entry types are not addressable
/// this way.
pub fn api_type(name: &str) -> Option<&'static ApiType> {
    TYPES.iter().find(|t| t.name == name && t.parent.is_none())
}

/// The entry type of a parent type (`address-book` -> `address-book-entry`).
pub fn entry_type(parent: &str) -> Option<&'static ApiType> {
    TYPES.iter().find(|t| t.parent == Some(parent))
}

pub(crate) fn type_by_name(name: &str) -> &'static ApiType {
    TYPES
        .iter()
        .find(|t| t.name == name)
        .expect("a type of TYPES")
}

/// What Cisco's document says about one DTO: its properties and its `required` list.
#[derive(Debug, Deserialize)]
pub struct Dto {
    pub properties: BTreeMap<String, Field>,
    pub required: Vec<String>,
}

/// What Cisco's document says about one property: its JSON type, its allowed values, its
/// longest length (the face checks these at the top level of a DTO, so that what it stores,
/// and answers, has the document's types).
#[derive(Debug, Deserialize)]
pub struct Field {
    #[serde(rename = "type")]
    pub ty: Option<String>,
    #[serde(rename = "enum")]
    pub allowed: Option<Vec<serde_json::Value>>,
    #[serde(rename = "maxLength")]
    pub max_length: Option<usize>,
}

/// The embedded per-DTO table, generated from Cisco's document (see `dtos.json`).
pub const DTOS_JSON: &str = include_str!("dtos.json");

/// The DTO table, parsed once.
pub fn dtos() -> &'static HashMap<String, Dto> {
    static DTOS: OnceLock<HashMap<String, Dto>> = OnceLock::new();
    DTOS.get_or_init(|| serde_json::from_str(DTOS_JSON).expect("dtos.json parses"))
}
