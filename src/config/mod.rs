//! Profiles and credentials on disk. Profiles (URL, organisation) are plain JSON; tokens live
//! apart in a credentials file that only its owner can read (0600). Environment variables are
//! read here and in `context`, nowhere else.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Selects a profile (`--profile` wins).
pub const ENV_PROFILE: &str = "BULK_PROFILE";
/// A token for pipelines; used instead of the stored one.
pub const ENV_TOKEN: &str = "BULK_TOKEN";
/// A service URL for pipelines, with `BULK_TOKEN`, when no profile is configured.
pub const ENV_URL: &str = "BULK_URL";
/// Overrides the configuration directory.
pub const ENV_CONFIG_DIR: &str = "BULK_CONFIG_DIR";
/// Overrides the embedded sandbox's data directory.
pub const ENV_SANDBOX_DIR: &str = "BULK_SANDBOX_DIR";
/// The reserved profile name that always means the local sandbox.
pub const SANDBOX_PROFILE: &str = "sandbox";

/// Overrides the data directory (import journals).
pub const ENV_DATA_DIR: &str = "BULK_DATA_DIR";

/// Where `profiles.json` and `credentials.json` live.
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(ENV_CONFIG_DIR) {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("com", "wxcc-bulk", "bulk")
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".bulk"))
}

/// The client's data directory: import journals live in `journal/` below it.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(ENV_DATA_DIR) {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("com", "wxcc-bulk", "bulk")
        .map(|d| d.data_local_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".bulk-data"))
}

/// Where import journals (plan, chunks, job ids) are kept for resuming.
pub fn journal_dir() -> PathBuf {
    data_dir().join("journal")
}

/// The embedded sandbox's data directory.
pub fn sandbox_dir() -> PathBuf {
    match std::env::var_os(ENV_SANDBOX_DIR) {
        Some(d) => PathBuf::from(d),
        None => crate::sandbox::default_data_dir(),
    }
}

/// Reads an environment variable, treating an empty one as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What a profile points at.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// A service speaking `bulk`'s job API (`url` is its base).
    #[default]
    Bulk,
    /// A Webex Contact Center organisation: `url` is its Configuration API base
    /// (`https://api.wxcc-{region}.cisco.com`), `org` its organisation id; `bulk` runs the job
    /// engine itself, in the data dir, and applies rows through the Configuration API.
    Wxcc,
}

/// One configured target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: ProfileKind,
    /// The Webex region (`us1`, `eu1`, …) of a `wxcc` profile, when given by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The Webex API base of a `wxcc` profile (`/v1/people/me`), when not
    /// [`DEFAULT_WEBEX_API`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webex_api: Option<String>,
}

impl Profile {
    /// A `bulk` job-API profile with no URL yet (fill in `url` and `org`).
    pub fn default_bulk() -> Self {
        Profile {
            url: String::new(),
            org: None,
            kind: ProfileKind::Bulk,
            region: None,
            webex_api: None,
        }
    }

    /// The Webex API base this profile asks who a token belongs to.
    pub fn webex_api(&self) -> &str {
        self.webex_api.as_deref().unwrap_or(DEFAULT_WEBEX_API)
    }

    /// The target line's words for this profile (after "target: "): profile name, URL, region
    /// and organisation, and where the token comes from. Never the token.
    pub fn describe(&self, name: &str, token_from: &str) -> String {
        let mut parts = vec![self.url.clone()];
        if self.kind == ProfileKind::Wxcc {
            parts.insert(0, "Webex Contact Center".to_string());
            if let Some(r) = &self.region {
                parts.push(format!("region {r}"));
            }
        }
        if let Some(o) = &self.org {
            parts.push(format!("organisation {o}"));
        }
        parts.push(format!("token from {token_from}"));
        format!("profile {name} ({})", parts.join(", "))
    }
}

/// Webex's API base: `/v1/people/me` (who a token belongs to) and, by default, OAuth.
pub const DEFAULT_WEBEX_API: &str = "https://webexapis.com";

/// The Webex Contact Center regions (data centres) and their Configuration API bases.
pub const REGIONS: [&str; 7] = ["us1", "eu1", "eu2", "anz1", "ca1", "jp1", "sg1"];

/// The Configuration API base of a region: `https://api.wxcc-{region}.cisco.com`.
pub fn region_url(region: &str) -> Option<String> {
    REGIONS
        .contains(&region)
        .then(|| format!("https://api.wxcc-{region}.cisco.com"))
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// `profiles.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profiles {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// `credentials.json` (0600): profile name -> access token, and for the profiles whose token
/// can be refreshed, what refreshing it takes. Its `Debug` names the profiles only.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub oauth: BTreeMap<String, OAuthGrant>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .field("oauth", &self.oauth)
            .finish()
    }
}

/// What refreshing a profile's access token takes (OAuth refresh-token grant). Its `Debug`
/// names no secret.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthGrant {
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    /// When the access token in `tokens` expires (Unix seconds), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The token endpoint (`https://webexapis.com/v1/access_token` by default).
    pub token_url: String,
}

impl std::fmt::Debug for OAuthGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthGrant")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

/// The browser command for `bulk login --web`: `BROWSER` when set, else the platform's opener.
pub fn browser_command() -> Option<String> {
    if let Some(b) = env(ENV_BROWSER) {
        return Some(b);
    }
    if cfg!(target_os = "macos") {
        Some("open".into())
    } else if cfg!(windows) {
        None
    } else {
        Some("xdg-open".into())
    }
}

/// The program that opens the authorization page of `bulk login --web`.
pub const ENV_BROWSER: &str = "BROWSER";

fn read_json<T: Default + for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid JSON; fix or delete it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a file readable by its owner only (0600 from its first byte), atomically (temporary
/// file, then rename), in a folder readable by its owner only (0700): profiles, tokens and import
/// journals live in these folders.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::fsutil::create_private_dir(dir)?;
    crate::fsutil::write_private(path, bytes)
}

impl Profiles {
    pub fn path() -> PathBuf {
        config_dir().join("profiles.json")
    }
    pub fn load() -> anyhow::Result<Self> {
        read_json(&Self::path())
    }
    pub fn save(&self) -> anyhow::Result<()> {
        write_private(&Self::path(), &serde_json::to_vec_pretty(self)?)
    }
}

impl Credentials {
    pub fn path() -> PathBuf {
        config_dir().join("credentials.json")
    }
    pub fn load() -> anyhow::Result<Self> {
        read_json(&Self::path())
    }
    pub fn save(&self) -> anyhow::Result<()> {
        write_private(&Self::path(), &serde_json::to_vec_pretty(self)?)
    }
}

/// Whether `url` may be used: https anywhere, plain http only to loopback.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("\"{url}\" is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "refusing plain http:// to {}: tokens would cross the network unencrypted; use https://",
                    parsed.host_str().unwrap_or("?")
                ))
            }
        }
        other => Err(format!("unsupported URL scheme \"{other}\" (use https://)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://api.example.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://localhost:1").is_ok());
        assert!(check_url("http://[::1]:1").is_ok());
        assert!(check_url("http://example.com").is_err());
        assert!(check_url("http://10.0.0.1").is_err());
        assert!(check_url("ftp://x").is_err());
    }

    #[test]
    fn credentials_debug_names_no_secret() {
        let mut c = Credentials::default();
        c.tokens.insert("prod".into(), "the-access-token".into());
        c.oauth.insert(
            "prod".into(),
            OAuthGrant {
                refresh_token: "the-refresh-token".into(),
                client_id: "cid".into(),
                client_secret: "the-client-secret".into(),
                expires_at: Some(1),
                token_url: "https://webexapis.com/v1/access_token".into(),
            },
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("prod") && shown.contains("cid"), "{shown}");
        assert!(!shown.contains("the-"), "{shown}");
    }

    #[test]
    fn regions_map_to_cisco_urls() {
        assert_eq!(
            region_url("eu2").as_deref(),
            Some("https://api.wxcc-eu2.cisco.com")
        );
        assert_eq!(region_url("xx1"), None);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/credentials.json");
        write_private(&p, b"{}").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
