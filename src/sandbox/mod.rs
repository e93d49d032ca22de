//! `bulk sandbox`: a local, faithful implementation of the Webex Contact Center bulk-operations
//! service, so that the CLI (and its tests) can run against something real.
//!
//! [`router`] builds the HTTP API apart from any socket; [`serve`] runs it on a listener with the
//! background job worker until a shutdown future resolves. State lives in SQLite in a data
//! directory ([`default_data_dir`] unless told otherwise).
//!
//! A new organisation starts like a new Webex Contact Center tenant, with the objects listed in
//! [`store::TENANT_DEFAULTS`]. [`org`] is the emulated organisation as Cisco's Configuration API
//! shows it (API objects, the `/organization/{orgid}/…` face, people); the job API's CSV-shaped
//! `objects` stay until the worker applies rows through that face. Differences from the real service: users are created by an import
//! (the real service only updates users that already exist in Control Hub); jobs of all
//! organisations run one at a time in one worker; built-in tenant objects are not exported;
//! tokens are local bearer tokens, not Webex OAuth.

mod faults;
mod jobs;
pub mod oauth;
pub mod org;
mod routes;
mod rows;
pub mod store;

pub use faults::FaultSettings;
pub use routes::ROUTES;

use crate::api::wire::ErrorInfo;
use crate::api::wire::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

/// The service's notion of "now"; injectable so tests can travel in time.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The local user an engine's job API knows (its jobs are the profile's organisation's).
const ENGINE_USER: &str = "engine@bulk.local";

/// How long jobs are kept.
pub const RETENTION: time::Duration = time::Duration::days(365);

/// Where `bulk sandbox` keeps its data unless told otherwise.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("com", "wxcc-bulk", "bulk")
        .map(|d| d.data_local_dir().join("sandbox"))
        .unwrap_or_else(|| PathBuf::from(".bulk-sandbox"))
}

/// Everything that configures a sandbox; start from [`Settings::new`] and adjust.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Most data rows in one CSV (default: the registry's 5000).
    pub max_rows: u64,
    /// Largest CSV in bytes (default: the registry's 5,000,000).
    pub max_bytes: u64,
    /// Largest audio ZIP in bytes (default: the registry's 50,000,000).
    pub max_zip_bytes: u64,
    /// Most records in one exported CSV (default: `max_rows`).
    pub export_rows_per_file: usize,
    /// Pause per processed row, to watch progress in tests (default none).
    pub row_delay: Duration,
    pub faults: FaultSettings,
    /// Bulk SAVE items carrying an `id` fail per item with 400 "New configuration cannot have
    /// an id" for the types a live probe reported (`--strict-bulk-updates`).
    pub strict_bulk_updates: bool,
    /// `POST /v1/people` refuses with 403, as a real tenant does not create people from a CSV
    /// (`--strict-people`).
    pub strict_people: bool,
    /// Largest request body of the Configuration-API face (default
    /// [`org::DEFAULT_MAX_BODY_BYTES`]); larger ones get 413.
    pub org_max_body_bytes: u64,
    /// Engine mode (a `wxcc` profile): the job API and worker as always, but the worker applies
    /// rows to this real tenant instead of the sandbox's own face. `None`: the sandbox.
    pub engine: Option<EngineTarget>,
    /// Requests an access token of the fake authorization server ([`oauth`]) serves before
    /// it is expired (401); `None`: an hour, as `expires_in` says
    /// (`--token-lifetime-requests`).
    pub token_lifetime_requests: Option<u64>,
    /// Longest an upload sent with `after=<job>` waits for that job to end before it is refused
    /// as `job_active` (default [`AFTER_WAIT`]).
    pub after_wait: Duration,
}

/// How long an upload queued behind the active job (`POST /v1/jobs/import?after=`) waits for
/// it by default: shorter than the client's two-minute request timeout.
pub const AFTER_WAIT: Duration = Duration::from_secs(60);

/// The Configuration API an engine's worker writes to: a `wxcc` profile's tenant.
#[derive(Clone)]
pub struct EngineTarget {
    /// `{url}/organization/{org}/`.
    pub base: String,
    /// The organisation id; the engine's local jobs belong to it.
    pub org_id: String,
    /// The profile's tokens (refreshed once after a 401 where the source can).
    pub tokens: std::sync::Arc<dyn crate::auth::TokenSource>,
    /// Shared by every job of the engine: the limit is per token.
    pub limiter: std::sync::Arc<crate::wxcc::limits::RateLimiter>,
    /// Items per bulk call.
    pub batch: usize,
}

impl std::fmt::Debug for EngineTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineTarget")
            .field("base", &self.base)
            .field("org_id", &self.org_id)
            .field("tokens", &self.tokens.describe())
            .field("rate", &self.limiter.rate())
            .field("batch", &self.batch)
            .finish()
    }
}

impl Settings {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let r = crate::schema::registry();
        Settings {
            data_dir: data_dir.into(),
            max_rows: r.max_rows as u64,
            max_bytes: r.max_bytes,
            max_zip_bytes: r.max_zip_bytes,
            export_rows_per_file: r.max_rows,
            row_delay: Duration::ZERO,
            faults: FaultSettings::default(),
            strict_bulk_updates: false,
            strict_people: false,
            org_max_body_bytes: org::DEFAULT_MAX_BODY_BYTES,
            token_lifetime_requests: None,
            engine: None,
            after_wait: AFTER_WAIT,
        }
    }

    /// An engine on `data_dir` writing to `target` (a real tenant): people are never created
    /// (a tenant's People API is not the engine's to call).
    pub fn engine(data_dir: impl Into<PathBuf>, target: EngineTarget) -> Self {
        Settings {
            strict_people: true,
            engine: Some(target),
            ..Settings::new(data_dir)
        }
    }
}

/// An upload held behind job `after`, and where to answer once it is a job.
struct Held {
    after: String,
    upload: store::Upload,
    reply: tokio::sync::oneshot::Sender<anyhow::Result<store::Created>>,
}

/// Shared state of the service: settings, database, clock, and the worker's signals.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    db: Mutex<rusqlite::Connection>,
    /// A second connection for the Configuration-API face's reads: in WAL mode they see every
    /// committed write and need not wait behind one (a job's next batch looks its objects up
    /// while the face writes the batch before).
    reads: Mutex<rusqlite::Connection>,
    clock: Clock,
    /// Bumped whenever any job changes; long polls watch it.
    changes: watch::Sender<u64>,
    /// Set when the service shuts down.
    shutdown: watch::Sender<bool>,
    stopping: AtomicBool,
    work: (Mutex<bool>, Condvar),
    /// Uploads held behind the job named by `after`, for the worker to make the next job
    /// the moment that job ends (`POST /v1/jobs/import?after=`).
    held: Mutex<Vec<Held>>,
    dice: faults::Dice,
    /// A secret of this start, written 0600 to `server.key` in the 0700 data dir; the server
    /// proves it knows it (`GET /healthz?challenge=`) before a client sends its token.
    instance_key: String,
    /// Told of writes; a serving sandbox runs it on a thread of its own ([`serve`]).
    checkpoints: store::Checkpointer,
}

impl AppState {
    /// Opens the data directory with the real clock; see [`AppState::with_clock`].
    pub fn new(settings: Settings) -> anyhow::Result<Self> {
        Self::with_clock(settings, Arc::new(OffsetDateTime::now_utc))
    }

    /// Opens (creating on first use) the data directory. In an empty one, creates the first
    /// organisation, its admin user and token, and `credentials.json`.
    pub fn with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let mut conn = store::connect(&settings.data_dir)?;
        org::store::refuse_legacy(&conn, &settings.data_dir)?;
        match (store::admin(&conn)?, &settings.engine) {
            (None, None) => {
                let (org_id, token) = store::create_org(
                    &mut conn,
                    "Sandbox Organisation",
                    "admin@sandbox.local",
                    clock(),
                )?;
                write_credentials(
                    &settings.data_dir,
                    None,
                    &org_id,
                    "admin@sandbox.local",
                    &token,
                )?;
            }
            (None, Some(e)) => {
                let (org_id, token) = store::create_org_with_id(
                    &mut conn,
                    &e.org_id,
                    "Webex Contact Center organisation",
                    ENGINE_USER,
                    clock(),
                )?;
                write_credentials(&settings.data_dir, None, &org_id, ENGINE_USER, &token)?;
            }
            (Some((org, ..)), Some(e)) if !org.eq_ignore_ascii_case(&e.org_id) => {
                anyhow::bail!(
                    "the engine data directory {} holds the jobs of organisation {org}, not {}; the profile's organisation changed: log in under another profile name",
                    settings.data_dir.display(),
                    e.org_id
                );
            }
            (Some(_), _) => {}
        }
        if settings.engine.is_none() {
            org::defaults::seed_all(&mut conn, store::to_millis(clock()))?;
        }
        crate::fsutil::create_private_dir(&settings.data_dir.join("files"))?;
        let dice = faults::Dice::new(settings.faults.seed);
        let reads = store::connect(&settings.data_dir)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                settings,
                db: Mutex::new(conn),
                reads: Mutex::new(reads),
                clock,
                changes: watch::channel(0).0,
                shutdown: watch::channel(false).0,
                stopping: AtomicBool::new(false),
                work: (Mutex::new(false), Condvar::new()),
                held: Mutex::new(Vec::new()),
                dice,
                instance_key: random_hex(32),
                checkpoints: store::Checkpointer::default(),
            }),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.inner.clock)()
    }

    /// Creates another organisation with its admin user; returns that user's token.
    pub fn create_org(&self, name: &str, email: &str) -> anyhow::Result<String> {
        let mut conn = self.inner.db.lock().expect("db");
        let (org_id, token) = store::create_org(&mut conn, name, email, self.now())?;
        org::defaults::seed(&conn, &org_id, store::to_millis(self.now()))?;
        Ok(token)
    }

    /// The first organisation's admin token (what `bulk sandbox token` prints).
    pub fn admin_token(&self) -> anyhow::Result<String> {
        let conn = self.inner.db.lock().expect("db");
        Ok(store::admin(&conn)?.map(|a| a.3).unwrap_or_default())
    }

    /// The organisation a token belongs to (what the Configuration-API face's paths need, and
    /// `bulk sandbox token --json` prints).
    pub fn organization_of(&self, token: &str) -> anyhow::Result<Option<String>> {
        let conn = self.inner.db.lock().expect("db");
        Ok(store::authenticate(&conn, token)?.map(|p| p.org_id))
    }

    /// Deletes jobs older than [`RETENTION`] with their files; returns how many.
    pub fn purge(&self) -> anyhow::Result<usize> {
        let mut conn = self.inner.db.lock().expect("db");
        self.purge_with(&mut conn)
    }

    fn purge_with(&self, conn: &mut rusqlite::Connection) -> anyhow::Result<usize> {
        let n = store::purge(conn, &self.settings().data_dir, self.now() - RETENTION)?;
        if n > 0 {
            self.notify_change();
        }
        Ok(n)
    }

    /// Runs a database call off the async threads. A call that changed rows wakes the
    /// checkpointer; most calls only read (authenticating each request, polling a job).
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        self.on(
            |i| &i.db,
            move |c| {
                let before = c.total_changes();
                let r = f(c);
                if c.total_changes() != before {
                    state.inner.checkpoints.wrote();
                }
                r
            },
        )
        .await
    }

    /// [`AppState::db`] for a call that only reads, on the connection kept for reads: it sees
    /// every write committed before it starts, and runs while another call writes.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.on(|i| &i.reads, f).await
    }

    /// Runs `f` on the connection `which` picks, off the async threads.
    async fn on<T: Send + 'static>(
        &self,
        which: fn(&Inner) -> &Mutex<rusqlite::Connection>,
        f: impl FnOnce(&mut rusqlite::Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = which(&state.inner).lock().expect("database connection");
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("database task failed: {e}")))?
        .map_err(ApiError::internal)
    }

    /// The answer to a client's `challenge` (see [`instance_proof`]).
    pub(crate) fn prove(&self, challenge: &str) -> String {
        instance_proof(&self.inner.instance_key, challenge)
    }

    pub(crate) fn dice(&self) -> &faults::Dice {
        &self.inner.dice
    }

    /// A job changed (each write of the worker's says so): wakes the long polls, and the
    /// checkpointer.
    pub(crate) fn notify_change(&self) {
        self.inner.changes.send_modify(|v| *v = v.wrapping_add(1));
        self.inner.checkpoints.wrote();
    }

    pub(crate) fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    pub(crate) fn subscribe_shutdown(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Holds `upload` behind `after` if that is its organisation's active job (read on `conn`,
    /// under the lock the worker takes held uploads with, after it has recorded a job's end:
    /// an end is either seen here or finds the upload held). Gives the upload back otherwise.
    pub(crate) fn hold(
        &self,
        conn: &rusqlite::Connection,
        after: &str,
        upload: store::Upload,
        reply: tokio::sync::oneshot::Sender<anyhow::Result<store::Created>>,
    ) -> anyhow::Result<Option<store::Upload>> {
        let mut held = self.inner.held.lock().expect("held uploads");
        if store::active_job(conn, &upload.org_id)?.as_deref() != Some(after) {
            return Ok(Some(upload));
        }
        held.push(Held {
            after: after.to_string(),
            upload,
            reply,
        });
        Ok(None)
    }

    /// Withdraws the held upload that was to become job `id`; false if the worker took it.
    pub(crate) fn unhold(&self, id: &str) -> bool {
        let mut held = self.inner.held.lock().expect("held uploads");
        let before = held.len();
        held.retain(|h| h.upload.id != id);
        held.len() < before
    }

    /// Makes the uploads held behind job `ended` jobs, in the order they came (the first
    /// becomes the next job; any other finds it active), on the worker's connection, right
    /// after `ended`'s end is committed: no hop to the import route and back.
    pub(crate) fn create_held(&self, conn: &mut rusqlite::Connection, ended: &str) {
        let taken: Vec<Held> = {
            let mut held = self.inner.held.lock().expect("held uploads");
            let (taken, kept) = std::mem::take(&mut *held)
                .into_iter()
                .partition(|h| h.after == ended);
            *held = kept;
            taken
        };
        for h in taken {
            // Its request went away: the route removed the file with it.
            if h.reply.is_closed() {
                continue;
            }
            let created = h.upload.create(conn, &self.settings().data_dir, self.now());
            let _ = h.reply.send(created);
        }
    }

    /// Tells the worker a job is waiting.
    pub(crate) fn wake_worker(&self) {
        let (m, c) = &self.inner.work;
        *m.lock().expect("work") = true;
        c.notify_all();
    }

    /// Waits until the worker is woken or `timeout` passes; says whether it was woken.
    fn wait_for_work(&self, timeout: Duration) -> bool {
        let (m, c) = &self.inner.work;
        let mut pending = m.lock().expect("work");
        if !*pending {
            pending = c.wait_timeout(pending, timeout).expect("work").0;
        }
        std::mem::replace(&mut *pending, false)
    }

    pub(crate) fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.shutdown.send_replace(true);
        self.wake_worker();
        self.inner.checkpoints.close();
    }
}

/// Writes `<data-dir>/credentials.json` (mode 0600), which the CLI's default profile reads.
fn write_credentials(
    dir: &std::path::Path,
    url: Option<&str>,
    org: &str,
    user: &str,
    token: &str,
) -> anyhow::Result<()> {
    let path = dir.join("credentials.json");
    let body = serde_json::json!({ "url": url, "org": org, "user": user, "token": token });
    crate::fsutil::write_private(&path, &serde_json::to_vec_pretty(&body)?)
}

/// Removes the `.partial` uploads a killed server left behind. Only the process that serves
/// (and holds the data dir) calls it, before it takes requests: no upload is in flight then.
fn remove_partial_uploads(files: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(files) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "partial") {
            let _ = std::fs::remove_file(&p);
        }
    }
}

/// Where a serving sandbox keeps the secret of its start (0600, in the 0700 data dir).
pub fn instance_key_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("server.key")
}

/// HMAC-SHA256 of `challenge` under the instance key, in hex: what `GET /healthz?challenge=C`
/// answers as `proof`. Only a process that can read the data dir knows the key, so a stranger
/// that binds a port the sandbox used cannot answer (and never receives the token).
pub fn instance_proof(key: &str, challenge: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    hex(ring::hmac::sign(&key, challenge.as_bytes()).as_ref())
}

/// Whether `proof` answers `challenge` under `key` (compared in constant time).
pub fn verify_instance_proof(key: &str, challenge: &str, proof: &str) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    let Some(tag) = unhex(proof) else {
        return false;
    };
    ring::hmac::verify(&key, challenge.as_bytes(), &tag).is_ok()
}

/// `n` random bytes in hex.
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex(&b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Records the URL the sandbox listens on in `credentials.json`.
pub fn record_url(state: &AppState, url: &str) -> anyhow::Result<()> {
    let conn = state.inner.db.lock().expect("db");
    if let Some((org, _, email, token)) = store::admin(&conn)? {
        write_credentials(&state.settings().data_dir, Some(url), &org, &email, &token)?;
    }
    Ok(())
}

/// The HTTP API, without a socket: tests drive it with `oneshot`.
pub fn router(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves the API on `listener`, with the job worker, until `shutdown` resolves; then stops
/// taking requests, lets the worker finish its current batch and returns. Jobs left in progress
/// resume on the next start.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    {
        let s = state.clone();
        tokio::task::spawn_blocking(move || s.purge()).await??;
    }
    // Both threads' connections first: nothing below may fail with the worker running.
    let (conn, checkpoint_conn) = (
        store::connect(&state.settings().data_dir)?,
        store::connect(&state.settings().data_dir)?,
    );
    let worker = {
        let s = state.clone();
        // The worker applies rows through the sandbox's own Configuration-API face: the router
        // the socket serves, called in process.
        let face = jobs::Face::in_process(
            format!("http://{}", listener.local_addr()?),
            &state,
            tokio::runtime::Handle::current(),
        );
        std::thread::Builder::new()
            .name("sandbox-worker".into())
            .spawn(move || jobs::run_worker(s, conn, face))?
    };
    let checkpointer = {
        let s = state.clone();
        std::thread::Builder::new()
            .name("sandbox-checkpoint".into())
            .spawn(move || s.inner.checkpoints.run(&checkpoint_conn))
    };
    let stopped = state.subscribe_shutdown();
    {
        let s = state.clone();
        tokio::spawn(async move {
            shutdown.await;
            s.stop();
        });
    }
    let result = serve_connections(listener, router(state.clone()), stopped.clone()).await;
    state.stop();
    tokio::task::spawn_blocking(move || worker.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the sandbox worker panicked"))?;
    // Without its thread (it could not start), commits checkpoint the log at its bound.
    if let Ok(t) = checkpointer {
        tokio::task::spawn_blocking(move || t.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the sandbox checkpointer panicked"))?;
    }
    Ok(result?)
}

/// How long a client may take to send a request's header: a connection that dribbles half a
/// header is closed after this, so it holds no slot (and no shutdown) for longer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests in flight get to finish once the server is told to stop; then it stops
/// anyway (an upload that never ends, a client that never reads), so that one connection never
/// holds `bulk sandbox serve` or the `bulk` command that embeds a sandbox.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Accepts connections until `stopped` turns true, serving each with HTTP/1.1 and a header-read
/// timeout; then asks every connection to finish (keep-alive off) and waits at most
/// [`SHUTDOWN_GRACE`] for them. Connections still open after that are dropped with the runtime.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    // Every connection task holds a receiver; the sender learns when the last one is gone.
    let (open_tx, open_rx) = watch::channel(());
    loop {
        let (io, _peer) = tokio::select! {
            _ = stopped.wait_for(|s| *s) => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Answers leave at once: with Nagle's algorithm a response's last segment waits for
        // the client's delayed ACK (tens of milliseconds per request on loopback).
        let _ = io.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stop = stopped.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            let conn = http.serve_connection(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            let finished = tokio::select! {
                _ = conn.as_mut() => true,
                _ = stop.wait_for(|s| *s) => false,
            };
            if !finished {
                conn.as_mut().graceful_shutdown();
                let _ = conn.as_mut().await;
            }
            drop(open);
        });
    }
    drop(listener);
    drop(open_rx);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, open_tx.closed()).await;
    Ok(())
}

/// A sandbox running on its own threads: the one way to run the service (`bulk sandbox serve`,
/// the sandbox a command embeds, the tests). Stops gracefully when dropped.
pub struct Handle {
    addr: std::net::SocketAddr,
    url: String,
    token: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    exited: Option<tokio::sync::oneshot::Receiver<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

/// Opens the sandbox of `settings` and serves it on `addr` (port 0 picks a free one); records the
/// URL in its `credentials.json`. Returns once the socket is bound.
pub fn spawn(settings: Settings, addr: std::net::SocketAddr) -> anyhow::Result<Handle> {
    let dir = settings.data_dir.clone();
    let state = AppState::new(settings)
        .map_err(|e| e.context(format!("cannot open the sandbox in {}", dir.display())))?;
    spawn_state(state, addr)
}

/// [`spawn`] for a state already opened (with a test clock, for example).
pub fn spawn_state(state: AppState, addr: std::net::SocketAddr) -> anyhow::Result<Handle> {
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot listen on {addr}")))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    remove_partial_uploads(&state.settings().data_dir.join("files"));
    crate::fsutil::write_private(
        &instance_key_path(&state.settings().data_dir),
        state.inner.instance_key.as_bytes(),
    )?;
    record_url(&state, &url)?;
    let token = state.admin_token()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (exited_tx, exited_rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let thread = std::thread::Builder::new().name("sandbox".into()).spawn(
        move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let result = rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                serve(listener, st, async move {
                    let _ = stop_rx.await;
                })
                .await
            });
            let _ = exited_tx.send(());
            result
        },
    )?;
    Ok(Handle {
        addr,
        url,
        token,
        state,
        stop: Some(stop_tx),
        exited: Some(exited_rx),
        thread: Some(thread),
    })
}

impl Handle {
    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The admin token of its first organisation.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Its state (to create organisations, purge, read settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves (or the server stops on its own), then stops. `rt` runs
    /// the wait: the caller may have registered signal handlers on it before announcing the
    /// server, so that a signal sent right after the announcement is never missed.
    pub fn run_until(
        mut self,
        rt: &tokio::runtime::Runtime,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let exited = self.exited.take();
        rt.block_on(async move {
            let exited = async move {
                if let Some(rx) = exited {
                    let _ = rx.await;
                }
            };
            tokio::select! {
                _ = shutdown => {}
                _ = exited => {}
            }
        });
        self.stop()
    }

    /// Stops taking requests, lets the job worker finish its batch and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| anyhow::anyhow!("the sandbox server panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// A failure answered with the one JSON error body.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: serde_json::Value,
}

impl ApiError {
    /// `code` is an [`ErrorCode`](crate::api::wire::ErrorCode) (or its wire spelling).
    pub fn new(
        status: StatusCode,
        code: impl Into<&'static str>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: serde_json::json!({}),
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    pub fn internal(e: anyhow::Error) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("internal error: {e:#}"),
        )
    }

    pub fn not_found(code: impl Into<&'static str>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorInfo {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_call_that_changes_rows_wakes_the_checkpointer() {
        let dir = tempfile::tempdir().unwrap();
        let st = AppState::new(Settings::new(dir.path())).unwrap();
        assert!(!st.inner.checkpoints.due());
        let token = st.admin_token().unwrap();
        let org = st
            .db(move |c| store::authenticate(c, &token))
            .await
            .unwrap();
        assert!(org.is_some());
        assert!(!st.inner.checkpoints.due(), "a read woke the checkpointer");
        st.db(|c| {
            c.execute("UPDATE jobs SET status = status", [])?;
            c.execute("UPDATE users SET token = token", [])?;
            Ok(())
        })
        .await
        .unwrap();
        assert!(st.inner.checkpoints.due(), "a write did not wake it");
    }
}
