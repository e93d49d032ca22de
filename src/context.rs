//! What a command that talks to the service needs: the resolved target (a profile, the
//! `BULK_URL`/`BULK_TOKEN` pair, or the embedded sandbox) and an API client for it.

use crate::api;
use crate::api::client::{Client, RetryPolicy};
use crate::api::wait::{Update, WaitOptions, Waited};
use crate::api::wire::{Job, JobStatus};
use crate::auth::{Secret, StaticToken, TokenSource};
use crate::config::{self, Credentials, Profile, ProfileKind, Profiles};
use crate::error::{Exit, Failure};
use crate::output::progress::{duration, job_wait_line, Heartbeat};
use crate::output::Printer;
use crate::wxcc::http::HttpTenant;
use crate::wxcc::limits::{RateLimiter, DEFAULT_RATE, SCOPES};
use crate::wxcc::tenant::TenantError;
use anyhow::Context as _;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the commands' requests go, for messages and `login --status`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A configured profile.
    Profile { name: String, url: String },
    /// `BULK_URL` and `BULK_TOKEN` from the environment.
    Environment { url: String },
    /// The local sandbox, served by this process or another `bulk` on the same data dir.
    Sandbox { data_dir: PathBuf, url: String },
}

impl Target {
    pub fn url(&self) -> &str {
        match self {
            Target::Profile { url, .. }
            | Target::Environment { url }
            | Target::Sandbox { url, .. } => url,
        }
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self, Target::Sandbox { .. })
    }
}

/// Choices that shape how the service is reached.
#[derive(Debug, Clone, Default)]
pub struct RemoteSettings {
    pub profile: Option<String>,
    pub max_retries: Option<u32>,
    /// Requests per minute to a `wxcc` profile's Configuration API (default
    /// [`crate::wxcc::limits::DEFAULT_RATE`]).
    pub rate: Option<u32>,
    /// Items per bulk call to a `wxcc` profile's Configuration API (default
    /// [`crate::wxcc::http::DEFAULT_BATCH`]).
    pub batch: Option<usize>,
}

/// A connected command: printer, target and client. Dropping it stops an embedded sandbox.
pub struct Context {
    pub printer: Printer,
    pub target: Target,
    pub api: Client,
    /// Where the token came from: `BULK_TOKEN`, the credentials file or the sandbox.
    pub token_source: &'static str,
    /// The token of the job API, for [`Context::config_api`] on the sandbox.
    token: crate::auth::Secret,
    /// A `wxcc` profile's Configuration API (the engine writes there; a plan reads there).
    wxcc: Option<ConfigApi>,
    _sandbox: Option<EmbeddedSandbox>,
}

/// A Configuration API this context can read and write: its base URL
/// (`…/organization/{orgid}/`), the organisation, where its token comes from and the request
/// rate it allows.
#[derive(Clone)]
pub struct ConfigApi {
    pub base: String,
    pub org: String,
    pub tokens: Arc<dyn TokenSource>,
    pub limiter: Arc<RateLimiter>,
}

impl ConfigApi {
    /// An HTTP tenant on this API.
    pub fn tenant(&self) -> Result<HttpTenant, TenantError> {
        Ok(
            HttpTenant::with_tokens(&self.base, &self.org, self.tokens.clone())?
                .with_limiter(self.limiter.clone()),
        )
    }
}

impl Context {
    /// Which Configuration API (and token) this target has: the one decision `import --plan`
    /// needs. The sandbox serves its own face on its URL, for the organisation its token
    /// belongs to (no rate limit: it is local); a `wxcc` profile has its tenant's, under the
    /// profile's limiter; a job-API profile has none (exit 2).
    pub fn config_api(&self) -> anyhow::Result<ConfigApi> {
        if let Some(api) = &self.wxcc {
            return Ok(api.clone());
        }
        match &self.target {
            Target::Sandbox { url, .. } => {
                let me = self.api.me().map_err(anyhow::Error::new)?;
                Ok(ConfigApi {
                    base: format!("{}/organization/{}/", url.trim_end_matches('/'), me.org_id),
                    org: me.org_id,
                    tokens: Arc::new(StaticToken::new(self.token.clone(), "sandbox")),
                    limiter: Arc::new(RateLimiter::unlimited()),
                })
            }
            Target::Profile { name, url } => Err(Failure::usage(format!(
                "profile \"{name}\" ({url}) is a bulk-operations service, which has no Configuration API to read the organisation from: a plan needs the local sandbox or a profile of a Webex Contact Center tenant"
            ))
            .into()),
            Target::Environment { url } => Err(Failure::usage(format!(
                "{url} (BULK_URL) is a bulk-operations service, which has no Configuration API to read the organisation from: a plan needs the local sandbox or a profile of a Webex Contact Center tenant"
            ))
            .into()),
        }
    }
}

/// The one job of the jobs whose id starts with `given` (id, description): `given` itself when
/// none does (the service then says whether it knows it), a usage error listing them when
/// several do.
fn pick_job(given: &str, mut found: Vec<(String, String)>) -> anyhow::Result<String> {
    match found.len() {
        0 => Ok(given.to_string()),
        1 => Ok(found.remove(0).0),
        n => {
            let list = found
                .iter()
                .map(|(id, what)| format!("  {id}  {what}"))
                .collect::<Vec<_>>()
                .join("\n");
            Err(Failure::usage(format!(
                "job id prefix \"{given}\" is ambiguous: {n} jobs start with it; give more characters:\n{list}"
            ))
            .into())
        }
    }
}

/// The length of a full job id (a UUID); anything shorter is a prefix.
const FULL_ID_LEN: usize = 36;
/// The shortest job id prefix accepted.
pub const MIN_ID_PREFIX: usize = 6;

/// Longest single long-poll of a job wait; short enough that a heartbeat is never late.
const JOB_POLL: Duration = Duration::from_secs(10);
/// Time between heartbeat lines of a job wait when stderr is not a terminal.
const JOB_HEARTBEAT: Duration = Duration::from_secs(15);

impl Context {
    /// The full id of the job `given` names: a full id as it is, or a unique prefix of at least
    /// [`MIN_ID_PREFIX`] characters. An ambiguous prefix lists the candidates (exit 2); what
    /// prefixes no listed job goes to the service as it is (which answers "no such job").
    pub fn job_id(&self, given: &str) -> anyhow::Result<String> {
        let given = given.trim();
        if given.len() >= FULL_ID_LEN {
            return Ok(given.to_string());
        }
        if given.chars().count() < MIN_ID_PREFIX {
            return Ok(given.to_string());
        }
        let want = given.to_ascii_lowercase();
        let mut found: Vec<Job> = Vec::new();
        let mut page = 1;
        loop {
            let q = api::wire::JobListQuery {
                search: Some(given.to_string()),
                page: Some(page),
                page_size: Some(100),
                ..Default::default()
            };
            let list = self.api.jobs(&q).map_err(anyhow::Error::from)?;
            let n = list.jobs.len() as u64;
            found.extend(
                list.jobs
                    .into_iter()
                    .filter(|j| j.id.to_ascii_lowercase().starts_with(&want)),
            );
            if n == 0 || page * list.page_size.max(1) >= list.total {
                break;
            }
            page += 1;
        }
        let found = found
            .into_iter()
            .map(|j| {
                let what = format!(
                    "{} {} {}",
                    j.job_type.as_str(),
                    j.object_type,
                    j.status.as_str()
                );
                (j.id, what)
            })
            .collect();
        pick_job(given, found)
    }

    /// Waits until the job is no longer new or in progress and returns it. Past `timeout` it fails
    /// with exit code 7 and names `bulk jobs wait ID` as the way to carry on. Never silent: status
    /// changes are reported on a terminal, and a heartbeat line goes to stderr at least every 30 s
    /// otherwise.
    pub fn wait_for_job(&self, id: &str, timeout: Option<Duration>) -> anyhow::Result<Job> {
        let ctx = self;
        let printer = &ctx.printer;
        let start = Instant::now();
        let heartbeat = Heartbeat::at_once(JOB_HEARTBEAT);
        let mut last_status: Option<JobStatus> = None;
        let opts = WaitOptions {
            poll: JOB_POLL,
            deadline: timeout.map(|t| start + t),
            cancel: None,
        };
        let waited = api::wait::wait(&ctx.api, id, &opts, |update| {
            let Update::Job(job) = update else { return };
            if !job.status.is_active() {
                return;
            }
            let line = || job_wait_line(job, Some(start.elapsed()));
            if printer.stderr_is_tty() {
                if last_status != Some(job.status) {
                    printer.info(line());
                }
            } else if heartbeat.due() {
                printer.info(line());
            }
            last_status = Some(job.status);
        })
        .map_err(anyhow::Error::from)?;
        match waited {
            Waited::Done(job) => Ok(job),
            Waited::Gone(e) => Err(anyhow::Error::from(e)),
            Waited::TimedOut(_) | Waited::Cancelled(_) => {
                let job = ctx.api.job(id, None).map_err(anyhow::Error::from)?;
                if !job.status.is_active() {
                    return Ok(job);
                }
                Err(Failure::new(
                    Exit::Timeout,
                    format!(
                        "timed out after {} waiting for job {id} ({}, {}/{} rows); it carries on in the service: `bulk jobs wait {id}` resumes waiting",
                        duration(timeout.unwrap_or_default()),
                        job.status.as_str(),
                        job.rows_processed,
                        job.rows_total
                    ),
                )
                .into())
            }
        }
    }
}

/// Whether commands with these settings reach a real service (a profile, or `BULK_URL` and
/// `BULK_TOKEN`) rather than the local sandbox: the choice [`connect`] makes, without
/// connecting.
pub fn targets_service(settings: &RemoteSettings) -> anyhow::Result<bool> {
    let named = settings
        .profile
        .clone()
        .or_else(|| config::env(config::ENV_PROFILE));
    if let Some(n) = named {
        return Ok(n != config::SANDBOX_PROFILE);
    }
    if config::env(config::ENV_URL).is_some() {
        return Ok(true);
    }
    Ok(Profiles::load()?
        .default
        .is_some_and(|d| d != config::SANDBOX_PROFILE))
}

/// Resolves the target and connects. With no profile configured this starts (or attaches to)
/// the local sandbox and says so on stderr.
pub fn connect(settings: &RemoteSettings, printer: &Printer) -> anyhow::Result<Context> {
    let policy = RetryPolicy {
        max_retries: settings
            .max_retries
            .unwrap_or(RetryPolicy::default().max_retries),
        ..RetryPolicy::default()
    };
    let profiles = Profiles::load()?;
    let named = settings
        .profile
        .clone()
        .or_else(|| config::env(config::ENV_PROFILE));
    let env_token = config::env(config::ENV_TOKEN);
    let env_url = config::env(config::ENV_URL);
    // BULK_URL is never ignored in silence: with BULK_TOKEN it is the target (over the default
    // profile, which the target line names); without, it is refused.
    if named.is_none() && env_url.is_some() && env_token.is_none() {
        return Err(Failure::usage(format!(
            "BULK_URL is set but BULK_TOKEN is not: set both to target that service, or unset BULK_URL{}",
            match &profiles.default {
                Some(d) => format!(" to use the default profile \"{d}\""),
                None => " to use the local sandbox".into(),
            }
        ))
        .into());
    }
    let chosen = match named {
        Some(n) => Some(n),
        None if env_url.is_some() => None,
        None => profiles.default.clone(),
    };
    let chosen = chosen.filter(|n| n != config::SANDBOX_PROFILE);
    if let Some(name) = chosen {
        let profile = profiles.profiles.get(&name).ok_or_else(|| {
            Failure::usage(format!(
                "no profile \"{name}\"; `bulk login --profile {name} --url URL` creates it"
            ))
        })?;
        config::check_url(&profile.url).map_err(Failure::usage)?;
        if profile.kind == ProfileKind::Wxcc {
            return connect_engine(settings, printer, policy, &name, profile, env_token);
        }
        let token_source = if env_token.is_some() {
            "BULK_TOKEN"
        } else {
            "credentials file"
        };
        let token = match env_token {
            Some(t) => t,
            None => Credentials::load()?.tokens.get(&name).cloned().ok_or_else(|| {
                Failure::new(
                    Exit::Auth,
                    format!("profile \"{name}\" has no token; run `bulk login --profile {name}` or set BULK_TOKEN"),
                )
            })?,
        };
        printer.info(format!(
            "target: profile {name} ({}{}; token from {token_source}){}",
            profile.url,
            profile
                .org
                .as_deref()
                .map(|o| format!(", organisation {o}"))
                .unwrap_or_default(),
            if env_url.is_some() {
                "; BULK_URL is not used when a profile is named"
            } else {
                ""
            }
        ));
        return Ok(Context {
            printer: printer.clone(),
            api: Client::new(&profile.url, &token, policy)?,
            target: Target::Profile {
                name,
                url: profile.url.clone(),
            },
            token_source,
            token: crate::auth::Secret::new(token),
            wxcc: None,
            _sandbox: None,
        });
    }
    if let (Some(url), Some(token)) = (env_url, env_token.as_ref()) {
        config::check_url(&url).map_err(Failure::usage)?;
        printer.info(format!(
            "target: {url} (from BULK_URL and BULK_TOKEN){}",
            match &profiles.default {
                Some(d) => format!("; the default profile \"{d}\" is not used"),
                None => String::new(),
            }
        ));
        return Ok(Context {
            printer: printer.clone(),
            api: Client::new(&url, token, policy)?,
            target: Target::Environment { url },
            token_source: "BULK_TOKEN",
            token: crate::auth::Secret::new(token.clone()),
            wxcc: None,
            _sandbox: None,
        });
    }
    let data_dir = config::sandbox_dir();
    let (sandbox, url, token) = EmbeddedSandbox::start_or_attach(&data_dir)?;
    let how = if sandbox.as_ref().is_some_and(EmbeddedSandbox::serves) {
        "served by this command"
    } else {
        "served by another bulk process"
    };
    printer.info(format!(
        "target: the local sandbox in {} ({how}), not a Webex tenant; `bulk login` targets a real service",
        data_dir.display()
    ));
    Ok(Context {
        printer: printer.clone(),
        api: Client::new(&url, &token, policy)?,
        target: Target::Sandbox { data_dir, url },
        token_source: "sandbox",
        token: crate::auth::Secret::new(token),
        wxcc: None,
        _sandbox: sandbox,
    })
}

/// Where the token of a `wxcc` profile comes from: `BULK_TOKEN` (fixed), else the profile's
/// stored credentials ([`crate::auth::source_for`]: refreshed when they hold a refresh token).
fn wxcc_tokens(
    name: &str,
    profile: &Profile,
    env_token: Option<String>,
) -> anyhow::Result<Arc<dyn TokenSource>> {
    match env_token {
        Some(t) => Ok(Arc::new(StaticToken::new(Secret::new(t), "BULK_TOKEN"))),
        None => crate::auth::source_for(name, profile),
    }
}

/// The engine's data directory of profile `name`: `<data dir>/engines/<name>` (a name with
/// characters unfit for a path is hex-encoded).
pub fn engine_dir(name: &str) -> PathBuf {
    let safe = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    let leaf = if safe {
        name.to_string()
    } else {
        format!(
            "x-{}",
            name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    config::data_dir().join("engines").join(leaf)
}

/// A `wxcc` profile: checks that its Configuration API takes the token for the organisation
/// (one list call, before any row is sent), then starts (or attaches to) the job engine kept
/// in the profile's own data directory, whose worker writes to that tenant.
fn connect_engine(
    settings: &RemoteSettings,
    printer: &Printer,
    policy: RetryPolicy,
    name: &str,
    profile: &Profile,
    env_token: Option<String>,
) -> anyhow::Result<Context> {
    let org = profile.org.clone().ok_or_else(|| {
        Failure::usage(format!(
            "profile \"{name}\" has no organisation id; `bulk login --profile {name} --wxcc --org ORG_ID` sets it"
        ))
    })?;
    let tokens = wxcc_tokens(name, profile, env_token)?;
    let token_source = tokens.describe();
    let base = format!("{}/organization/{org}/", profile.url.trim_end_matches('/'));
    let rate = settings.rate.unwrap_or(DEFAULT_RATE).max(1);
    let batch = settings
        .batch
        .unwrap_or(crate::wxcc::http::DEFAULT_BATCH)
        .max(1);
    let limiter = Arc::new(RateLimiter::per_minute(rate));
    let region = profile
        .region
        .as_deref()
        .map(|r| format!("region {r}, "))
        .unwrap_or_default();
    printer.info(format!(
        "target: profile {name} (Webex Contact Center, {region}organisation {org}, {}; token from {token_source}; at most {rate} requests a minute, {batch} items per bulk call)",
        profile.url
    ));
    let wxcc = ConfigApi {
        base: base.clone(),
        org: org.clone(),
        tokens: tokens.clone(),
        limiter: limiter.clone(),
    };
    wxcc.tenant()?
        .probe()
        .map_err(|e| probe_failure(name, profile, &org, e))?;
    let data_dir = engine_dir(name);
    let target = crate::sandbox::EngineTarget {
        base,
        org_id: org,
        tokens,
        limiter,
        batch,
    };
    let (engine, url, token) = EmbeddedSandbox::start_or_attach_with(&data_dir, || {
        crate::sandbox::Settings::engine(&data_dir, target.clone())
    })?;
    let how = if engine.as_ref().is_some_and(EmbeddedSandbox::serves) {
        "run by this command"
    } else {
        "run by another bulk process"
    };
    printer.info(format!(
        "jobs: the engine in {} ({how}); Control Hub's own Bulk Operations jobs are not listed",
        data_dir.display()
    ));
    Ok(Context {
        printer: printer.clone(),
        api: Client::new(&url, &token, policy)?,
        target: Target::Profile {
            name: name.to_string(),
            url: profile.url.clone(),
        },
        token_source,
        token: crate::auth::Secret::new(token),
        wxcc: Some(wxcc),
        _sandbox: engine,
    })
}

/// Why the probe of a `wxcc` profile failed, as the error the admin sees (exit 6 for a refused
/// token, 1 otherwise).
fn probe_failure(name: &str, profile: &Profile, org: &str, e: TenantError) -> anyhow::Error {
    let url = &profile.url;
    let region = profile
        .region
        .as_deref()
        .map(|r| format!(" (region {r})"))
        .unwrap_or_default();
    match &e {
        TenantError::Status { status: 401, .. } => Failure::new(
            Exit::Auth,
            format!("profile \"{name}\": the Configuration API at {url} refused the token ({e}); run `bulk login --profile {name} --wxcc` again"),
        )
        .into(),
        TenantError::Status { status: 403, .. } => Failure::new(
            Exit::Auth,
            format!("profile \"{name}\": organisation {org} at {url}{region} forbids this token ({e}): the token needs the scopes {SCOPES} and its user a Contact Center administrator role in that organisation; check the organisation id (--org) and the region; nothing was sent"),
        )
        .into(),
        TenantError::Status { status: 404, .. } => Failure::new(
            Exit::Runtime,
            format!("profile \"{name}\": {url}{region} does not know organisation {org} ({e}): a wrong organisation id or region; nothing was sent"),
        )
        .into(),
        TenantError::Transport { .. } => Failure::new(
            Exit::Runtime,
            format!("profile \"{name}\": cannot reach the Configuration API at {url}{region} ({e}); check the region or --api-url; nothing was sent"),
        )
        .into(),
        _ => Failure::new(
            Exit::Runtime,
            format!("profile \"{name}\": the Configuration API at {url}{region} did not answer as expected for organisation {org} ({e}); nothing was sent"),
        )
        .into(),
    }
}

/// A sandbox server running inside this process on a loopback ephemeral port, for the duration
/// of the command. It holds a lock on its data directory so that two `bulk` processes never run
/// two job workers on one database: the second one uses the first one's server.
///
/// A process that uses another's server holds a shared lock on `clients.lock` in the data dir;
/// the serving process, when its own command is done, keeps serving until no process holds
/// it (at most [`ATTACHED_WAIT`]), so that no import fails because another `bulk` exited.
pub struct EmbeddedSandbox {
    server: Option<crate::sandbox::Handle>,
    lock: Option<File>,
    /// The serving process's handle on `clients.lock`; the attached process's shared lock.
    clients: Option<File>,
}

/// How long a serving process waits, after its own command, for the processes attached to it.
pub const ATTACHED_WAIT: Duration = Duration::from_secs(6 * 3600);

impl EmbeddedSandbox {
    /// Whether this process serves the sandbox (rather than using another process's server).
    pub fn serves(&self) -> bool {
        self.server.is_some()
    }

    /// Starts a server on `data_dir`, or finds the one another process runs there and checks
    /// that it is that process (it proves it knows the secret in the 0700 data dir) before the
    /// token is used with it. Returns the server (or the attachment), the URL and the admin token.
    pub fn start_or_attach(
        data_dir: &std::path::Path,
    ) -> anyhow::Result<(Option<EmbeddedSandbox>, String, String)> {
        Self::start_or_attach_with(data_dir, || crate::sandbox::Settings::new(data_dir))
    }

    /// [`EmbeddedSandbox::start_or_attach`] with the settings a server started here gets
    /// (an engine's, for a `wxcc` profile).
    pub fn start_or_attach_with(
        data_dir: &std::path::Path,
        settings: impl Fn() -> crate::sandbox::Settings,
    ) -> anyhow::Result<(Option<EmbeddedSandbox>, String, String)> {
        crate::fsutil::create_private_dir(data_dir)?;
        for _ in 0..50 {
            // Taken first: a serving process that is stopping holds it exclusively, so this
            // waits until it has stopped and released the directory, then serves itself.
            let clients = crate::fsutil::open_private(&data_dir.join("clients.lock"))
                .with_context(|| format!("cannot open {}", data_dir.display()))?;
            clients
                .lock_shared()
                .context("cannot lock the sandbox data directory")?;
            match lock_data_dir(data_dir)? {
                Some(lock) => {
                    drop(clients);
                    let server = crate::sandbox::spawn(
                        settings(),
                        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                    )?;
                    let (url, token) = (server.url().to_string(), server.token().to_string());
                    let clients = crate::fsutil::open_private(&data_dir.join("clients.lock"))
                        .with_context(|| format!("cannot open {}", data_dir.display()))?;
                    let sandbox = EmbeddedSandbox {
                        server: Some(server),
                        lock: Some(lock),
                        clients: Some(clients),
                    };
                    return Ok((Some(sandbox), url, token));
                }
                None => {
                    // Another process serves this directory; its URL is in credentials.json.
                    if let Some((url, token)) = read_sandbox_credentials(data_dir) {
                        if proves_instance(data_dir, &url) {
                            let attached = EmbeddedSandbox {
                                server: None,
                                lock: None,
                                clients: Some(clients),
                            };
                            return Ok((Some(attached), url, token));
                        }
                    }
                    drop(clients);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        anyhow::bail!(
            "another process holds the sandbox in {} but does not answer; stop it and retry",
            data_dir.display()
        )
    }
}

/// Takes the lock that says "this process serves the sandbox in `data_dir`"; `None` if another
/// process holds it. The lock lasts as long as the returned file is open.
pub fn lock_data_dir(data_dir: &std::path::Path) -> anyhow::Result<Option<File>> {
    crate::fsutil::create_private_dir(data_dir)?;
    let path = data_dir.join("server.lock");
    let lock = crate::fsutil::open_private(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).context("cannot lock the sandbox data directory")
        }
    }
}

fn read_sandbox_credentials(data_dir: &std::path::Path) -> Option<(String, String)> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_dir.join("credentials.json")).ok()?).ok()?;
    Some((
        v["url"].as_str()?.to_string(),
        v["token"].as_str()?.to_string(),
    ))
}

impl Drop for EmbeddedSandbox {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return; // attached: dropping `clients` releases the shared lock
        };
        let clients = self.clients.take();
        if let Some(c) = &clients {
            let deadline = std::time::Instant::now() + ATTACHED_WAIT;
            while matches!(c.try_lock(), Err(std::fs::TryLockError::WouldBlock))
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        // Stop, release the directory, and only then let a waiting process in: it serves next.
        drop(server);
        drop(self.lock.take());
        drop(clients);
    }
}

/// Whether the server at `url` is the one that wrote `server.key` in `data_dir`: it answers a
/// fresh challenge with the key's HMAC. No token is sent before this holds.
fn proves_instance(data_dir: &std::path::Path, url: &str) -> bool {
    let Ok(key) = std::fs::read_to_string(crate::sandbox::instance_key_path(data_dir)) else {
        return false;
    };
    let challenge = crate::sandbox::random_hex(16);
    let Ok(http) = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return false;
    };
    let answer = http
        .get(format!("{url}/healthz"))
        .query(&[("challenge", &challenge)])
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<serde_json::Value>());
    match answer {
        Ok(v) => v["proof"]
            .as_str()
            .is_some_and(|p| crate::sandbox::verify_instance_proof(key.trim(), &challenge, p)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_id_prefix_picks_the_one_job_or_lists_the_candidates() {
        let job = |id: &str| (id.to_string(), "import user completed".to_string());
        assert_eq!(pick_job("3f2c1a", vec![]).unwrap(), "3f2c1a");
        assert_eq!(
            pick_job("3f2c1a", vec![job("3f2c1a00-0000")]).unwrap(),
            "3f2c1a00-0000"
        );
        let err = pick_job("3f2c1a", vec![job("3f2c1a00-0000"), job("3f2c1aff-1111")]).unwrap_err();
        assert_eq!(crate::error::exit_for(&err), Exit::Usage);
        let msg = err.to_string();
        assert!(msg.contains("ambiguous"), "{msg}");
        assert!(
            msg.contains("3f2c1a00-0000") && msg.contains("3f2c1aff-1111"),
            "{msg}"
        );
    }
}
