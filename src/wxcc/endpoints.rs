//! Which Configuration API paths serve which object type: one table, read by the client (the
//! HTTP `Tenant`, the resolver) and by the emulated organisation's face, so both use the same
//! routes. Paths are relative to `…/organization/{orgid}/` and spelled as in Cisco's OpenAPI
//! document, path parameters included (`{addressBookId}`, `{outDialAniId}`), so that
//! [`doc_path`] finds the document's entry for the conformance tests.
//!
//! The routes are those of wxcc-config-api.md §3 (queues bulk through `contact-service-queue/v2/
//! bulk`, user profiles through v3, address books created one by one through v3).

/// An object type of the Configuration API (not a CSV type: Outdial Entry Point and Entry Point
/// are both `EntryPoint`; Multimedia Profile and Desktop Layout only appear as references).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiType {
    MultimediaProfile,
    DesktopLayout,
    Site,
    Skill,
    SkillProfile,
    WorkType,
    AuxiliaryCode,
    AudioFile,
    Team,
    Queue,
    EntryPoint,
    DialNumber,
    AddressBook,
    OutdialAni,
    AgentProfile,
    UserProfile,
    User,
}

/// The routes of one API type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    pub api: ApiType,
    /// The path segment naming the type (`contact-service-queue`), also used in `href`s.
    pub segment: &'static str,
    /// The document's DTO name of one object (`ContactServiceQueueDTO`).
    pub dto: &'static str,
    /// The paged v2/v3 list (`GET`, `{meta, data}`).
    pub list: &'static str,
    /// One object: `GET`, `PUT` (full replace).
    pub single: &'static str,
    /// Create one object with `POST` where there is no bulk route (address book, audio file).
    pub create: Option<&'static str>,
    /// `POST` bulk save (create, and update for the types that allow it).
    pub bulk: Option<&'static str>,
    /// `PATCH` bulk (partial items: `id` plus the changed fields).
    pub patch_bulk: Option<&'static str>,
    /// A bulk SAVE carrying an `id` was reported to fail with 400 "New configuration cannot
    /// have an id" for this type (wxcc-config-api.md §4 #1, third-party probe). The client does
    /// not trust this flag, it detects the 400; the emulator's `--strict-bulk-updates` uses it.
    pub bulk_update_refused: bool,
    /// The child entries of an address book or outdial ANI.
    pub entries: Option<EntryEndpoints>,
}

/// The routes of the entries of a parent object; `{parent}` placeholders are spelled as in the
/// document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryEndpoints {
    pub dto: &'static str,
    /// Paged list of one parent's entries.
    pub list: &'static str,
    /// `POST` bulk save of one parent's entries.
    pub bulk: &'static str,
    /// One entry: `GET`, `PUT`.
    pub single: &'static str,
}

const fn plain(
    api: ApiType,
    segment: &'static str,
    dto: &'static str,
    list: &'static str,
    single: &'static str,
    bulk: &'static str,
    bulk_update_refused: bool,
) -> Endpoints {
    Endpoints {
        api,
        segment,
        dto,
        list,
        single,
        create: None,
        bulk: Some(bulk),
        patch_bulk: None,
        bulk_update_refused,
        entries: None,
    }
}

/// Every API type's routes.
pub const TABLE: &[Endpoints] = &[
    plain(
        ApiType::MultimediaProfile,
        "multimedia-profile",
        "MultimediaProfileDTO",
        "v2/multimedia-profile",
        "multimedia-profile/{id}",
        "multimedia-profile/bulk",
        true,
    ),
    plain(
        ApiType::DesktopLayout,
        "desktop-layout",
        "DesktopLayoutDTO",
        "v2/desktop-layout",
        "desktop-layout/{id}",
        "desktop-layout/bulk",
        true,
    ),
    plain(
        ApiType::Site,
        "site",
        "SiteDTO",
        "v2/site",
        "site/{id}",
        "site/bulk",
        true,
    ),
    plain(
        ApiType::Skill,
        "skill",
        "SkillDTO",
        "v2/skill",
        "skill/{id}",
        "skill/bulk",
        true,
    ),
    plain(
        ApiType::SkillProfile,
        "skill-profile",
        "SkillProfileDTO",
        "v2/skill-profile",
        "skill-profile/{id}",
        "skill-profile/bulk",
        true,
    ),
    plain(
        ApiType::WorkType,
        "work-type",
        "WorkTypeDTO",
        "v2/work-type",
        "work-type/{id}",
        "work-type/bulk",
        false,
    ),
    Endpoints {
        patch_bulk: Some("auxiliary-code/bulk"),
        ..plain(
            ApiType::AuxiliaryCode,
            "auxiliary-code",
            "AuxiliaryCodeDTO",
            "v2/auxiliary-code",
            "auxiliary-code/{id}",
            "auxiliary-code/bulk",
            false,
        )
    },
    Endpoints {
        api: ApiType::AudioFile,
        segment: "audio-file",
        dto: "AudioFileInfoDTO",
        list: "v2/audio-file",
        single: "audio-file/{id}",
        create: Some("audio-file"),
        bulk: None,
        patch_bulk: None,
        bulk_update_refused: false,
        entries: None,
    },
    plain(
        ApiType::Team,
        "team",
        "TeamDTO",
        "v2/team",
        "team/{id}",
        "team/bulk",
        true,
    ),
    Endpoints {
        patch_bulk: Some("contact-service-queue/bulk"),
        ..plain(
            ApiType::Queue,
            "contact-service-queue",
            "ContactServiceQueueDTO",
            "v2/contact-service-queue",
            "contact-service-queue/{id}",
            "contact-service-queue/v2/bulk",
            false,
        )
    },
    plain(
        ApiType::EntryPoint,
        "entry-point",
        "EntryPointDTO",
        "v2/entry-point",
        "entry-point/{id}",
        "entry-point/bulk",
        false,
    ),
    plain(
        ApiType::DialNumber,
        "dial-number",
        "DialledNumberEntryPointDTO",
        "v2/dial-number",
        "dial-number/{id}",
        "dial-number/bulk",
        false,
    ),
    Endpoints {
        api: ApiType::AddressBook,
        segment: "address-book",
        dto: "AddressBookDTO",
        list: "v3/address-book",
        single: "v3/address-book/{id}",
        create: Some("v3/address-book"),
        bulk: None,
        patch_bulk: None,
        bulk_update_refused: false,
        entries: Some(EntryEndpoints {
            dto: "AddressBookEntryDTO",
            list: "v2/address-book/{addressBookId}/entry",
            bulk: "address-book/{addressBookId}/entry/bulk",
            single: "address-book/{addressBookId}/entry/{id}",
        }),
    },
    Endpoints {
        entries: Some(EntryEndpoints {
            dto: "OutdialANIEntryDTO",
            list: "v2/outdial-ani/{outDialAniId}/entry",
            bulk: "outdial-ani/{outDialAniId}/entry/bulk",
            single: "outdial-ani/{outDialAniId}/entry/{id}",
        }),
        ..plain(
            ApiType::OutdialAni,
            "outdial-ani",
            "OutdialANIDTO",
            "v2/outdial-ani",
            "outdial-ani/{id}",
            "outdial-ani/bulk",
            true,
        )
    },
    plain(
        ApiType::AgentProfile,
        "agent-profile",
        "AgentProfileDTO",
        "v2/agent-profile",
        "agent-profile/{id}",
        "agent-profile/bulk",
        true,
    ),
    plain(
        ApiType::UserProfile,
        "user-profile",
        "UserProfileGranularAccessDTO",
        "v3/user-profile",
        "v3/user-profile/{id}",
        "v3/user-profile/bulk",
        false,
    ),
    Endpoints {
        api: ApiType::User,
        segment: "user",
        dto: "UserDTO",
        list: "v2/user",
        single: "user/{id}",
        create: None,
        bulk: None,
        patch_bulk: Some("user/bulk"),
        bulk_update_refused: false,
        entries: None,
    },
];

impl ApiType {
    /// Every API type, in the table's order (a create order: references come first).
    pub fn all() -> impl Iterator<Item = ApiType> {
        TABLE.iter().map(|e| e.api)
    }

    /// This type's routes.
    pub fn endpoints(self) -> &'static Endpoints {
        TABLE
            .iter()
            .find(|e| e.api == self)
            .expect("every ApiType has a row in TABLE")
    }

    /// The type whose path segment is `segment` (`"contact-service-queue"`).
    pub fn from_segment(segment: &str) -> Option<ApiType> {
        TABLE.iter().find(|e| e.segment == segment).map(|e| e.api)
    }
}

/// Replaces the `{…}` placeholders of `template`, left to right, by `values` (percent-encoded as a
/// path segment). Panics if the counts differ: templates are constants of this module.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("balanced template") + open;
        out.push_str(&rest[..open]);
        let v = values.next().expect("a value for each placeholder");
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(values.next().is_none(), "more values than placeholders");
    out.push_str(rest);
    out
}

/// The document's path template for a relative route (`site/bulk` ->
/// `/organization/{orgid}/site/bulk`).
pub fn doc_path(template: &str) -> String {
    format!("/organization/{{orgid}}/{template}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_row_and_a_unique_segment() {
        let mut segs: Vec<_> = TABLE.iter().map(|e| e.segment).collect();
        segs.sort();
        segs.dedup();
        assert_eq!(segs.len(), TABLE.len());
        for t in ApiType::all() {
            assert_eq!(t.endpoints().api, t);
            assert_eq!(ApiType::from_segment(t.endpoints().segment), Some(t));
        }
    }

    #[test]
    fn fill_encodes_values() {
        assert_eq!(
            fill("address-book/{addressBookId}/entry/{id}", &["a b", "c/d"]),
            "address-book/a%20b/entry/c%2Fd"
        );
        assert_eq!(doc_path("site/bulk"), "/organization/{orgid}/site/bulk");
    }
}
