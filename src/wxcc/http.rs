//! The [`Tenant`] over HTTP: Cisco's Configuration API at a base URL
//! (`https://api.wxcc-us1.cisco.com/organization/{orgid}/`, or the sandbox's face) with a bearer
//! token from a [`TokenSource`]. Blocking (the job worker is a std thread). Every request goes
//! through [`HttpTenant::send`], the one place that keeps to the rate limit, honours a 429's
//! `Retry-After`, retries 5xx and lost connections with backoff and jitter (bounded; see
//! [`super::limits`]) and, after a 401, asks the token source for a new token once.
//!
//! A create whose answer was lost (or answered 5xx) is sent again; an item the first attempt
//! did create then answers 409 "already present", which is resolved by looking its name up: the
//! object counts as created, once, and no false error is reported.
//!
//! The token is never logged, printed or put in an error: errors carry the method, the path
//! relative to the base URL, the status and Cisco's message with its tracking id.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;

use super::endpoints::{fill, ApiType};
use super::limits::{RateLimiter, Retries, DEFAULT_RATE};
use super::resolve::{find_in, name_field, ResolveError, Resolver};
use super::tenant::{Outcome, Tenant, TenantError};
use super::transport::{self, Network, Transport};
use super::wire::{
    ApiErrorResponse, ApiObject, AudioFileInfo, BulkRequest, BulkRequestItem, BulkResponse,
    ListPage, OperationType, RequestAction, AUDIO_FILE_INFO_PART, AUDIO_FILE_PART,
    NEW_CONFIGURATION_CANNOT_HAVE_ID,
};
use crate::auth::{Secret, StaticToken, TokenSource};

/// Items per bulk call: Cisco publishes no limit (wxcc-config-api.md §4 #14); Webex SCIM caps
/// bulk at 100, and 50 keeps a call's body small.
pub const DEFAULT_BATCH: usize = 50;
/// Page size asked of list endpoints (Cisco's SDK uses 100; servers clamp larger values and
/// the paging follows `meta`, so asking for more only saves requests where it is granted).
pub const PAGE_SIZE: u32 = 1000;

/// Names per `filter=<name>=in=(…)` request (a URL of a few kilobytes).
const NAMES_PER_FILTER: usize = 100;

/// A Configuration API tenant over HTTP, caching each list it reads for its lifetime (make one
/// per job).
pub struct HttpTenant {
    transport: Arc<dyn Transport>,
    base: url::Url,
    tokens: Arc<dyn TokenSource>,
    limiter: Arc<RateLimiter>,
    retries: Retries,
    org_id: String,
    batch: usize,
    /// Shared out while a lookup runs, so a lookup may call another (the lock is not held).
    cache: Mutex<HashMap<ApiType, Arc<Listed>>>,
    /// Extra headers of every request (the sandbox's engine marks its own requests).
    headers: HeaderMap,
    /// Types whose bulk SAVE refused an `id`: updated by GET + merge + PUT from then on.
    put_updates: Mutex<HashSet<ApiType>>,
    /// Requests sent so far (what a plan reports it cost).
    sent: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for HttpTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTenant")
            .field("base", &self.base.as_str())
            .field("org_id", &self.org_id)
            .field("token", &"<redacted>")
            .field("rate", &self.limiter.rate())
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl HttpTenant {
    /// A tenant at `base` (`…/organization/{orgid}/`; a missing final `/` is added) for
    /// organisation `org_id`, authenticated with a fixed `token` (see [`HttpTenant::with_tokens`]).
    pub fn new(base: &str, org_id: &str, token: &str) -> Result<Self, TenantError> {
        Self::with_tokens(base, org_id, fixed_token(token))
    }

    /// A tenant at `base` for organisation `org_id` whose requests carry the token `tokens`
    /// gives at the time (refreshed once after a 401 when the source can), at most
    /// [`DEFAULT_RATE`] a minute (see [`HttpTenant::with_limiter`]).
    pub fn with_tokens(
        base: &str,
        org_id: &str,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<Self, TenantError> {
        let network = Network::new().map_err(TenantError::Unsupported)?;
        Self::over(Arc::new(network), base, org_id, tokens)
    }

    /// [`HttpTenant::with_tokens`], its requests carried by `transport` instead of the network
    /// (the sandbox's engine calls its own face in process).
    pub fn over(
        transport: Arc<dyn Transport>,
        base: &str,
        org_id: &str,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<Self, TenantError> {
        let base = if base.ends_with('/') {
            base.to_string()
        } else {
            format!("{base}/")
        };
        let base = url::Url::parse(&base).map_err(|e| {
            TenantError::Unsupported(format!("the Configuration API URL is not valid: {e}"))
        })?;
        Ok(HttpTenant {
            transport,
            base,
            tokens,
            limiter: Arc::new(RateLimiter::per_minute(DEFAULT_RATE)),
            retries: Retries::default(),
            org_id: org_id.to_string(),
            batch: DEFAULT_BATCH,
            cache: Mutex::new(HashMap::new()),
            headers: HeaderMap::new(),
            put_updates: Mutex::new(HashSet::new()),
            sent: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Items per bulk call (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Shares `limiter` (one per token: every tenant of one engine uses the same).
    pub fn with_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// How persistent each request is.
    pub fn with_retries(mut self, retries: Retries) -> Self {
        self.retries = retries;
        self
    }

    /// Sends `name: value` with every request (ignored when either is not a valid header).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            self.headers.insert(n, v);
        }
        self
    }

    /// Drops the cached list of `api`: the next lookup reads it again (after a write made
    /// elsewhere, such as a person whose user the People API created).
    pub fn forget(&self, api: ApiType) {
        self.cache.lock().expect("lock").remove(&api);
    }

    /// Reads the objects of `api` named `names` again (`filter=<name field>=in=(…)`, a page of
    /// names per request) into the cached list, if there is one: objects made elsewhere (users
    /// the People API created) become known without reading the whole list again.
    pub fn refresh_named(&self, api: ApiType, names: &[String]) -> Result<(), TenantError> {
        if !self.cache.lock().expect("lock").contains_key(&api) {
            return Ok(());
        }
        self.fetch_named(api, names)
    }

    /// Reads the objects of `api` named `names` (a page of names per request) into the cache,
    /// starting a partial list when there is none: each name is then known to exist or not.
    fn fetch_named(&self, api: ApiType, names: &[String]) -> Result<(), TenantError> {
        let field = super::resolve::name_field(api);
        let mut found = Vec::new();
        for chunk in names.chunks(NAMES_PER_FILTER) {
            let quoted: Vec<String> = chunk
                .iter()
                .map(|n| format!("\"{}\"", n.replace(['"', '\\'], "")))
                .collect();
            let filter = format!("{field}=in=({})", quoted.join(","));
            let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
            found.extend(self.list_path(&format!("{}?filter={encoded}", api.endpoints().list))?);
        }
        // Added at once: the list is copied if a lookup holds it now (see `remember_all`).
        let mut cache = self.cache.lock().expect("lock");
        let listed = Arc::make_mut(
            cache
                .entry(api)
                .or_insert_with(|| Arc::new(Listed::partial())),
        );
        for o in found {
            match o.get("id").and_then(Value::as_str).map(str::to_string) {
                Some(id) if listed.by_id.contains_key(&id) => listed.upsert(api, &o, &id),
                Some(_) => listed.push(api, o),
                None => {}
            }
        }
        listed.asked.extend(names.iter().map(|n| name_key(n)));
        Ok(())
    }

    /// Makes the objects of `api` named `names` known before a job looks them up one by one:
    /// by name (a page of names per request) when that reads fewer objects than the whole
    /// list, or, under a rate limit, takes fewer requests; else the whole list. A 5000-user job
    /// in an organisation of 100,000 users then reads 5000 users, not 100,000.
    fn prefetch_names(&self, api: ApiType, names: &[String]) -> Result<(), TenantError> {
        let cached = self.cache.lock().expect("lock").get(&api).cloned();
        if cached.as_ref().is_some_and(|l| l.complete) {
            return Ok(());
        }
        let mut keys = std::collections::HashSet::new();
        let mut distinct: Vec<String> = names
            .iter()
            .filter(|n| {
                let key = name_key(n);
                !cached.as_ref().is_some_and(|l| l.asked.contains(&key)) && keys.insert(key)
            })
            .cloned()
            .collect();
        // Let go of the list before it is extended: `fetch_named` changes it in place only
        // when no one else holds it (`Arc::make_mut`), else it copies the whole list.
        let known = cached.is_some();
        drop(cached);
        if distinct.is_empty() {
            return Ok(());
        }
        // A name a filter cannot quote is looked up in the whole list.
        if distinct.iter().any(|n| unquotable(n)) {
            return self.cached(api, |_| ());
        }
        distinct.sort_unstable();
        // A later batch of the same job: its new names, by name again.
        if known {
            return self.fetch_named(api, &distinct);
        }
        let path = format!("{}?page=0&pageSize=1", api.endpoints().list);
        let (_, first) = self.call(Method::GET, &path, None)?;
        let total = first
            .pointer("/meta/totalRecords")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        let by_name = (distinct.len() as u64).div_ceil(NAMES_PER_FILTER as u64);
        let whole = total.div_ceil(u64::from(PAGE_SIZE));
        let fewer = if self.limiter.rate() == u32::MAX {
            (distinct.len() as u64) < total
        } else {
            by_name < whole
        };
        if fewer {
            self.fetch_named(api, &distinct)
        } else {
            self.cached(api, |_| ())
        }
    }

    /// One small list call (a page of one site): proves the base URL, the organisation and the
    /// token's read access before any row is sent.
    pub fn probe(&self) -> Result<(), TenantError> {
        let path = format!("{}?page=0&pageSize=1", ApiType::Site.endpoints().list);
        self.call(Method::GET, &path, None).map(|_| ())
    }

    /// How many requests this tenant value has sent.
    pub fn requests(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The `createdTime` of the cached object `id` of `api` (read without copying the object).
    pub fn created_ms(&self, api: ApiType, id: &str) -> Option<i64> {
        let (l, i) = self.by_id(api, id).ok()??;
        l.list[i].get("createdTime").and_then(Value::as_i64)
    }

    /// Whether updates of `api` have switched to GET + merge + PUT.
    pub fn updates_by_put(&self, api: ApiType) -> bool {
        self.put_updates.lock().expect("lock").contains(&api)
    }

    /// The request of one attempt: the base joined with `path`, the extra headers, the bearer
    /// token (marked sensitive, so no debug output shows it) and the body with its type.
    fn request(
        &self,
        method: Method,
        path: &str,
        token: &Secret,
        body: Option<&(HeaderValue, Bytes)>,
    ) -> Result<transport::Request, TenantError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| TenantError::Unsupported(format!("{path}: {e}")))?;
        let mut headers = self.headers.clone();
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                TenantError::Unsupported("the access token is not a valid header".into())
            })?;
        bearer.set_sensitive(true);
        headers.insert(AUTHORIZATION, bearer);
        if let Some((content_type, _)) = body {
            headers.insert(CONTENT_TYPE, content_type.clone());
        }
        Ok(transport::Request {
            method,
            url,
            headers,
            body: body.map(|(_, b)| b.clone()).unwrap_or_default(),
        })
    }

    /// Sends a request and returns the status and the body: the one place requests leave from.
    /// Waits for the rate limiter; after a 429 waits its `Retry-After` and sends again; after a
    /// 5xx or a lost connection backs off and sends again (bounded); after a 401 asks the token
    /// source for a new token once. `resent` says whether the request may have been carried
    /// out before (a lost answer or a 5xx was retried). `body` is the content type and the bytes.
    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<(HeaderValue, Bytes)>,
    ) -> Result<Sent, TenantError> {
        let lost = |message: String| TenantError::Transport {
            method: method.to_string(),
            path: path.to_string(),
            message,
        };
        let (mut attempt, mut throttled) = (0u32, 0u32);
        let mut resent = false;
        let mut refreshed: Option<Secret> = None;
        loop {
            let token = match refreshed.clone() {
                Some(t) => t,
                None => self
                    .tokens
                    .access_token()
                    .map_err(|e| token_error(&method, path, format!("no access token: {e:#}")))?,
            };
            self.limiter.acquire();
            let req = self.request(method.clone(), path, &token, body.as_ref())?;
            self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let transport::Answer {
                status,
                retry_after,
                body: answer,
            } = match self.transport.exchange(req) {
                Ok(a) => a,
                Err(e) => {
                    if attempt < self.retries.max_retries {
                        attempt += 1;
                        resent = true;
                        std::thread::sleep(self.retries.backoff(attempt));
                        continue;
                    }
                    return Err(lost(format!(
                        "{e} (gave up after {} attempts)",
                        attempt + 1
                    )));
                }
            };
            match status {
                429 if throttled < self.retries.max_throttled => {
                    throttled += 1;
                    std::thread::sleep(self.retries.after_429(retry_after.as_deref(), throttled));
                }
                500 | 502 | 503 | 504 if attempt < self.retries.max_retries => {
                    attempt += 1;
                    resent = true;
                    std::thread::sleep(self.retries.backoff(attempt));
                }
                401 if refreshed.is_none() => match self.tokens.refresh_after_401(&token) {
                    Ok(Some(new)) => refreshed = Some(new),
                    Ok(None) => {
                        return Ok(Sent {
                            status,
                            body: answer,
                            resent,
                        })
                    }
                    Err(e) => {
                        return Err(token_error(
                            &method,
                            path,
                            format!("the token was refused and could not be refreshed: {e:#}"),
                        ))
                    }
                },
                _ => {
                    return Ok(Sent {
                        status,
                        body: answer,
                        resent,
                    })
                }
            }
        }
    }

    /// Sends JSON (or nothing) and parses a 2xx JSON answer; another status is a
    /// [`TenantError::Status`] with Cisco's message.
    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), TenantError> {
        self.call_sent(method, path, body).map(|(s, v, _)| (s, v))
    }

    /// [`HttpTenant::call`], also saying whether the request was sent more than once.
    fn call_sent(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value, bool), TenantError> {
        let body = body.map(|b| {
            let bytes = serde_json::to_vec(b).expect("serialisable");
            (json(), Bytes::from(bytes))
        });
        let sent = self.send(method.clone(), path, body)?;
        let (status, v) = self.parse(method, path, sent.status, &sent.body)?;
        Ok((status, v, sent.resent))
    }

    fn parse(
        &self,
        method: Method,
        path: &str,
        status: u16,
        bytes: &[u8],
    ) -> Result<(u16, Value), TenantError> {
        if !(200..300).contains(&status) {
            let err: ApiErrorResponse = serde_json::from_slice(bytes).unwrap_or_default();
            let message = match err.description() {
                d if d.is_empty() => {
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
                }
                d => d,
            };
            return Err(TenantError::Status {
                method: method.to_string(),
                path: path.to_string(),
                status,
                message,
                tracking_id: err.tracking_id,
            });
        }
        if bytes.is_empty() {
            return Ok((status, Value::Null));
        }
        let v = serde_json::from_slice(bytes).map_err(|e| TenantError::Decode {
            method: method.to_string(),
            path: path.to_string(),
            message: e.to_string(),
        })?;
        Ok((status, v))
    }

    /// Every item of a paged list (`page` 0-based, until `meta.totalPages`).
    fn list_path(&self, path: &str) -> Result<Vec<ApiObject>, TenantError> {
        let mut out = Vec::new();
        let mut page = 0u32;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let p = format!("{path}{sep}page={page}&pageSize={PAGE_SIZE}");
            let Sent {
                status,
                body: bytes,
                ..
            } = self.send(Method::GET, &p, None)?;
            if !(200..300).contains(&status) {
                self.parse(Method::GET, &p, status, &bytes)?;
            }
            // Straight into the page's types: a page of 1000 users is not built as a JSON
            // tree first.
            let list: ListPage =
                serde_json::from_slice(&bytes).map_err(|e| TenantError::Decode {
                    method: "GET".into(),
                    path: p.clone(),
                    message: e.to_string(),
                })?;
            out.extend(list.data);
            if !list.meta.has_next() || page > 100_000 {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// The whole list of `api`, fetched on first use (replacing a partial one). Lookups read
    /// whole lists, not `filter=name==…` per name: under Cisco's 300 requests a minute, one
    /// page of objects per request beats one request per name for any job larger than 1% of
    /// the tenant, and a job needs its lists again for the next file (user profiles, sites,
    /// teams for users). A job's users are the exception ([`HttpTenant::prefetch_names`]).
    fn cached<T>(&self, api: ApiType, f: impl FnOnce(&Listed) -> T) -> Result<T, TenantError> {
        let hit = self.cache.lock().expect("lock").get(&api).cloned();
        let listed = match hit {
            Some(l) if l.complete => l,
            // None, or a partial list (names prefetched): the whole list replaces it.
            _ => {
                let list = self.list_path(api.endpoints().list)?;
                let mut cache = self.cache.lock().expect("lock");
                let slot = cache
                    .entry(api)
                    .or_insert_with(|| Arc::new(Listed::partial()));
                if !slot.complete {
                    *slot = Arc::new(Listed::new(api, list));
                }
                slot.clone()
            }
        };
        Ok(f(&listed))
    }

    /// The cached list of `api` holding the object `id`, and its index there: a partial list
    /// answers for what it holds, else the whole list is read.
    fn by_id(&self, api: ApiType, id: &str) -> Result<Option<(Arc<Listed>, usize)>, TenantError> {
        let hit = self.cache.lock().expect("lock").get(&api).cloned();
        if let Some(l) = hit {
            if let Some(&i) = l.by_id.get(id) {
                return Ok(Some((l, i)));
            }
            if l.complete {
                return Ok(None);
            }
        }
        self.cached(api, |_| ())?;
        let l = self.cache.lock().expect("lock").get(&api).cloned();
        Ok(l.and_then(|l| l.by_id.get(id).copied().map(|i| (l, i))))
    }

    /// Keeps the cache in step with a successful write.
    fn remember(&self, api: ApiType, object: &ApiObject, id: &str) {
        self.remember_all(api, [(object, id)]);
    }

    /// [`HttpTenant::remember`] for the successful writes of one call, at once: the list is
    /// copied (`Arc::make_mut`) when a lookup holds it at that moment, as one running ahead
    /// on another thread may, so at most once per call, not once per object.
    fn remember_all<'a>(
        &self,
        api: ApiType,
        written: impl IntoIterator<Item = (&'a ApiObject, &'a str)>,
    ) {
        let mut cache = self.cache.lock().expect("lock");
        if let Some(listed) = cache.get_mut(&api) {
            // What the list already holds as written (an import of unchanged rows) changes
            // nothing: the list is left shared, not copied whole because a lookup running
            // ahead on another thread holds it at this moment.
            let changed: Vec<_> = written
                .into_iter()
                .filter(|(object, id)| !listed.holds(object, id))
                .collect();
            if changed.is_empty() {
                return;
            }
            let listed = Arc::make_mut(listed);
            for (object, id) in changed {
                listed.upsert(api, object, id);
            }
        }
    }

    /// What a bulk PATCH sends of each item: its `id` and the fields whose value differs from
    /// the object as listed ("the patch JSON", as Cisco's document asks of `PATCH user/bulk`).
    /// An item whose object is not cached goes whole. Re-importing an unchanged file then sends
    /// each user's id alone, and the tenant still records the update (its `version` rises).
    fn patches(&self, api: ApiType, items: &[ApiObject]) -> Vec<ApiObject> {
        let listed = self.cache.lock().expect("lock").get(&api).cloned();
        match listed {
            Some(listed) => items.iter().map(|item| listed.patch(item)).collect(),
            None => items.to_vec(),
        }
    }

    /// One bulk call per batch of `items`; outcomes in input order.
    fn bulk(
        &self,
        method: Method,
        path: &str,
        items: &[ApiObject],
        action: Option<RequestAction>,
    ) -> Result<Vec<Outcome>, TenantError> {
        Ok(self
            .bulk_sent(method, path, items, action)?
            .into_iter()
            .map(|(o, _)| o)
            .collect())
    }

    /// [`HttpTenant::bulk`], with whether each item's call was sent more than once.
    fn bulk_sent(
        &self,
        method: Method,
        path: &str,
        items: &[ApiObject],
        action: Option<RequestAction>,
    ) -> Result<Vec<(Outcome, bool)>, TenantError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(self.batch) {
            // The items as they are (no copy), written straight to the body's bytes.
            let body = BulkRequest {
                items: chunk
                    .iter()
                    .enumerate()
                    .map(|(i, item)| BulkRequestItem {
                        item_identifier: i as i32,
                        request_action: action,
                        item,
                    })
                    .collect(),
            };
            let body = Bytes::from(serde_json::to_vec(&body).expect("serialisable"));
            let sent = self.send(method.clone(), path, Some((json(), body)))?;
            if !(200..300).contains(&sent.status) {
                self.parse(method.clone(), path, sent.status, &sent.body)?;
            }
            let resent = sent.resent;
            // Straight into the answer's types, as list pages are.
            let resp: BulkResponse =
                serde_json::from_slice(&sent.body).map_err(|e| TenantError::Decode {
                    method: method.to_string(),
                    path: path.to_string(),
                    message: e.to_string(),
                })?;
            let mut outcomes = vec![Outcome::NotProcessed; chunk.len()];
            for item in resp.items {
                let Some(slot) = usize::try_from(item.item_identifier)
                    .ok()
                    .and_then(|i| outcomes.get_mut(i))
                else {
                    continue;
                };
                let given_id = chunk[item.item_identifier as usize]
                    .get("id")
                    .and_then(Value::as_str);
                *slot = if item.is_success() {
                    let id = item.id().or(given_id).unwrap_or_default().to_string();
                    match item.operation_type {
                        Some(OperationType::Create) => Outcome::Created { id },
                        Some(OperationType::Update) => Outcome::Updated { id },
                        _ if given_id.is_some() => Outcome::Updated { id },
                        _ => Outcome::Created { id },
                    }
                } else {
                    let err = item.api_error.unwrap_or_default();
                    Outcome::Failed {
                        status: item.status,
                        message: match err.description() {
                            d if d.is_empty() => format!("status {}", item.status),
                            d => d,
                        },
                        tracking_id: err.tracking_id,
                    }
                };
            }
            out.extend(outcomes.into_iter().map(|o| (o, resent)));
        }
        Ok(out)
    }

    /// The id of the object `item` names, read from the tenant now (a create that a lost answer
    /// hid): the cached list is brought up to date for that name first.
    fn created_meanwhile(&self, api: ApiType, item: &ApiObject) -> Option<String> {
        let name = item.get(name_field(api)).and_then(Value::as_str)?;
        // Loads the list when it is not cached yet (then it holds the object already).
        self.cached(api, |_| ()).ok()?;
        self.refresh_named(api, &[name.to_string()]).ok()?;
        let site = item.get("siteId").and_then(Value::as_str);
        self.cached(api, |l| {
            let hits = l
                .by_name
                .get(&name_key(name))
                .map_or(&[][..], Vec::as_slice);
            find_in(api, hits.iter().map(|&i| &l.list[i]), name, site)
        })
        .ok()?
        .ok()
        .flatten()
    }

    /// GET the object, overlay `item`, PUT it back. A refused token is the call's error.
    fn put_merged(&self, api: ApiType, item: &ApiObject) -> Result<Outcome, TenantError> {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            return Ok(failed(400, "an update needs the object's id".into(), None));
        };
        let path = fill(api.endpoints().single, &[id]);
        let result = self
            .call(Method::GET, &path, None)
            .and_then(|(_, current)| {
                let mut merged = current.as_object().cloned().unwrap_or_default();
                merged.extend(item.clone());
                self.call(Method::PUT, &path, Some(&Value::Object(merged)))
            });
        match result {
            Ok(_) => Ok(Outcome::Updated { id: id.to_string() }),
            Err(e) => outcome_or_refusal(e),
        }
    }
}

/// An answer, and whether the request behind it was sent more than once.
struct Sent {
    status: u16,
    body: Vec<u8>,
    resent: bool,
}

/// Whether `cached` has the field `k` as a write of `v` leaves it: `null` clears a field, and
/// lists leave absent fields out.
fn has_as_written(cached: &ApiObject, k: &str, v: &Value) -> bool {
    match cached.get(k) {
        Some(c) => c == v,
        None => v.is_null(),
    }
}

/// A token source that always gives `token`.
pub fn fixed_token(token: &str) -> Arc<dyn TokenSource> {
    Arc::new(StaticToken::new(Secret::new(token), "a fixed token"))
}

fn json() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// A request that could not be authorised (no token, a refresh that failed): a 401 for the call.
fn token_error(method: &Method, path: &str, message: String) -> TenantError {
    TenantError::Status {
        method: method.to_string(),
        path: path.to_string(),
        status: 401,
        message,
        tracking_id: None,
    }
}

/// A type's cached list, indexed by id and by name (lookups of a 5000-row job must not scan it).
#[derive(Clone)]
struct Listed {
    list: Vec<ApiObject>,
    by_id: HashMap<String, usize>,
    /// By trimmed, lowercased name (see [`name_field`]).
    by_name: HashMap<String, Vec<usize>>,
    /// Whether this is the whole list; else it holds the objects of the names `asked`.
    complete: bool,
    /// Names (keys) read by name: present in `by_name`, or known not to exist.
    asked: HashSet<String>,
}

/// The items a call wrote, with the ids the tenant answered.
fn written<'a>(
    items: &'a [ApiObject],
    outcomes: &'a [Outcome],
) -> impl Iterator<Item = (&'a ApiObject, &'a str)> {
    items
        .iter()
        .zip(outcomes)
        .filter_map(|(item, o)| Some((item, o.id()?)))
}

/// Whether a name cannot be put in a filter's quotes (a filter drops `"` and `\`).
fn unquotable(name: &str) -> bool {
    name.contains(['"', '\\'])
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Listed {
    fn new(api: ApiType, list: Vec<ApiObject>) -> Self {
        let mut l = Listed {
            list: Vec::with_capacity(list.len()),
            by_id: HashMap::with_capacity(list.len()),
            by_name: HashMap::with_capacity(list.len()),
            complete: true,
            asked: HashSet::new(),
        };
        for o in list {
            l.push(api, o);
        }
        l
    }

    /// An empty partial list, filled name by name.
    fn partial() -> Self {
        Listed {
            list: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            complete: false,
            asked: HashSet::new(),
        }
    }

    /// Whether the list answers for the name `key`.
    fn knows(&self, key: &str) -> bool {
        self.complete || self.asked.contains(key)
    }

    fn push(&mut self, api: ApiType, o: ApiObject) {
        let i = self.list.len();
        if let Some(id) = o.get("id").and_then(Value::as_str) {
            self.by_id.insert(id.to_string(), i);
        }
        if let Some(n) = o.get(name_field(api)).and_then(Value::as_str) {
            self.by_name.entry(name_key(n)).or_default().push(i);
        }
        self.list.push(o);
    }

    /// Whether the object with this id is cached with every field of `object` as it is there.
    /// A `null` field is one the object does not have (a write's `null` clears the field, and
    /// lists leave absent fields out).
    fn holds(&self, object: &ApiObject, id: &str) -> bool {
        self.get(id).is_some_and(|cached| {
            object
                .iter()
                .all(|(k, v)| k == "id" || has_as_written(cached, k, v))
        })
    }

    /// The cached object with this id.
    fn get(&self, id: &str) -> Option<&ApiObject> {
        self.by_id.get(id).map(|&i| &self.list[i])
    }

    /// What of `item` the object with its id is not cached with as given ([`Listed::holds`],
    /// field by field), with the id; all of `item` when that object is not cached.
    fn patch(&self, item: &ApiObject) -> ApiObject {
        match item
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| self.get(id))
        {
            Some(cached) => item
                .iter()
                .filter(|(k, v)| *k == "id" || !has_as_written(cached, k, v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            None => item.clone(),
        }
    }

    /// Adds the object, or overlays it on the cached one with the same id. Only the fields
    /// that differ are copied (an update usually changes a few fields of many).
    fn upsert(&mut self, api: ApiType, object: &ApiObject, id: &str) {
        let Some(i) = self.by_id.get(id).copied() else {
            let mut o = object.clone();
            o.insert("id".into(), Value::String(id.to_string()));
            self.push(api, o);
            return;
        };
        let field = name_field(api);
        let old = self.list[i]
            .get(field)
            .and_then(Value::as_str)
            .map(name_key);
        let new = object.get(field).and_then(Value::as_str).map(name_key);
        if let Some(new) = new.filter(|n| old.as_ref() != Some(n)) {
            if let Some(v) = old.and_then(|k| self.by_name.get_mut(&k)) {
                v.retain(|&x| x != i);
            }
            self.by_name.entry(new).or_default().push(i);
        }
        let cached = &mut self.list[i];
        for (k, v) in object {
            if k == "id" || has_as_written(cached, k, v) {
                continue;
            }
            if v.is_null() {
                cached.remove(k);
            } else {
                cached.insert(k.clone(), v.clone());
            }
        }
    }
}

fn failed(status: u16, message: String, tracking_id: Option<String>) -> Outcome {
    Outcome::Failed {
        status,
        message,
        tracking_id,
    }
}

/// A per-object call's error as that object's outcome.
/// The outcome of one object's failed call, or the error itself when the call was refused for
/// the token (401 after the one refresh, 403): that refusal is the job's, not the row's.
fn outcome_or_refusal(e: TenantError) -> Result<Outcome, TenantError> {
    if super::limits::auth_failure(&e).is_some() {
        Err(e)
    } else {
        Ok(outcome_of(e))
    }
}

fn outcome_of(e: TenantError) -> Outcome {
    match e {
        TenantError::Status {
            status,
            message,
            tracking_id,
            ..
        } => failed(status, message, tracking_id),
        other => failed(0, other.to_string(), None),
    }
}

fn refuses_id(o: &Outcome) -> bool {
    matches!(o, Outcome::Failed { status: 400, message, .. } if message.contains(NEW_CONFIGURATION_CANNOT_HAVE_ID))
}

impl Resolver for HttpTenant {
    fn id_of(
        &self,
        api: ApiType,
        name: &str,
        site_id: Option<&str>,
    ) -> Result<Option<String>, ResolveError> {
        let key = name_key(name);
        let partial = self
            .cache
            .lock()
            .expect("lock")
            .get(&api)
            .is_some_and(|l| !l.knows(&key));
        if partial && unquotable(name) {
            self.cached(api, |_| ())?;
        } else if partial {
            // A name the prefetch did not cover: asked for alone.
            self.fetch_named(api, &[name.to_string()])?;
        }
        let hit = self.cache.lock().expect("lock").get(&api).cloned();
        let find = |l: &Listed| {
            let hits = l.by_name.get(&key).map_or(&[][..], Vec::as_slice);
            find_in(api, hits.iter().map(|&i| &l.list[i]), name, site_id)
        };
        match hit {
            Some(l) if l.knows(&key) => find(&l),
            _ => self.cached(api, find)?,
        }
    }

    fn object(&self, api: ApiType, id: &str) -> Result<Option<ApiObject>, ResolveError> {
        Ok(self.by_id(api, id)?.map(|(l, i)| l.list[i].clone()))
    }

    // Without copying the object: an export or a plan asks this once per reference.
    fn name_of(&self, api: ApiType, id: &str) -> Result<Option<String>, ResolveError> {
        Ok(self.by_id(api, id)?.and_then(|(l, i)| {
            l.list[i]
                .get(name_field(api))
                .and_then(Value::as_str)
                .map(str::to_string)
        }))
    }

    fn with_object(
        &self,
        api: ApiType,
        id: &str,
        f: &mut dyn FnMut(&ApiObject),
    ) -> Result<bool, ResolveError> {
        Ok(match self.by_id(api, id)? {
            Some((l, i)) => {
                f(&l.list[i]);
                true
            }
            None => false,
        })
    }
}

impl Tenant for HttpTenant {
    fn org_id(&self) -> &str {
        &self.org_id
    }

    fn list(&self, api: ApiType) -> Result<Vec<ApiObject>, TenantError> {
        self.cached(api, |l| l.list.clone())
    }

    fn prefetch(&self, api: ApiType, names: &[String]) -> Result<(), TenantError> {
        self.prefetch_names(api, names)
    }

    fn list_entries(&self, api: ApiType, parent_id: &str) -> Result<Vec<ApiObject>, TenantError> {
        let entries = api.endpoints().entries.ok_or_else(|| {
            TenantError::Unsupported(format!("{} has no entries", api.endpoints().segment))
        })?;
        self.list_path(&fill(entries.list, &[parent_id]))
    }

    fn create(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        let path = api.endpoints().bulk.ok_or_else(|| {
            TenantError::Unsupported(format!("{} has no bulk create", api.endpoints().segment))
        })?;
        let sent = self.bulk_sent(Method::POST, path, items, Some(RequestAction::Save))?;
        let mut out = Vec::with_capacity(sent.len());
        for (item, (mut o, resent)) in items.iter().zip(sent) {
            // Sent again after a lost answer: "already present" is this job's own first attempt.
            if resent && matches!(o, Outcome::Failed { status: 409, .. }) {
                if let Some(id) = self.created_meanwhile(api, item) {
                    o = Outcome::Created { id };
                }
            }
            out.push(o);
        }
        self.remember_all(api, written(items, &out));
        Ok(out)
    }

    fn update(&self, api: ApiType, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        let e = api.endpoints();
        let mut out = match e.bulk {
            Some(path) if !self.updates_by_put(api) => {
                self.bulk(Method::POST, path, items, Some(RequestAction::Save))?
            }
            _ => vec![Outcome::NotProcessed; items.len()],
        };
        if out.iter().any(refuses_id) {
            self.put_updates.lock().expect("lock").insert(api);
        }
        for (item, o) in items.iter().zip(out.iter_mut()) {
            if refuses_id(o)
                || (matches!(o, Outcome::NotProcessed) && self.updates_by_put(api))
                || e.bulk.is_none()
            {
                *o = self.put_merged(api, item)?;
            }
        }
        self.remember_all(api, written(items, &out));
        Ok(out)
    }

    fn patch_users(&self, items: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        let path = ApiType::User
            .endpoints()
            .patch_bulk
            .expect("user has PATCH bulk");
        let items = self.patches(ApiType::User, items);
        let out = self.bulk(Method::PATCH, path, &items, Some(RequestAction::Save))?;
        self.remember_all(ApiType::User, written(&items, &out));
        Ok(out)
    }

    fn save_address_book(&self, book: &ApiObject) -> Result<Outcome, TenantError> {
        let e = ApiType::AddressBook.endpoints();
        let body = Value::Object(book.clone());
        let outcome = match book.get("id").and_then(Value::as_str) {
            Some(id) => match self.call(Method::PUT, &fill(e.single, &[id]), Some(&body)) {
                Ok(_) => Outcome::Updated { id: id.to_string() },
                Err(err) => outcome_or_refusal(err)?,
            },
            None => match self.call(
                Method::POST,
                e.create.expect("address book create"),
                Some(&body),
            ) {
                Ok((_, v)) => match v.get("id").and_then(Value::as_str) {
                    Some(id) => Outcome::Created { id: id.to_string() },
                    None => failed(
                        0,
                        "the created address book came back without an id".into(),
                        None,
                    ),
                },
                Err(err) => outcome_or_refusal(err)?,
            },
        };
        if let Some(id) = outcome.id() {
            self.remember(ApiType::AddressBook, book, id);
        }
        Ok(outcome)
    }

    fn save_entries(
        &self,
        api: ApiType,
        parent_id: &str,
        entries: &[ApiObject],
    ) -> Result<Vec<Outcome>, TenantError> {
        let e = api.endpoints().entries.ok_or_else(|| {
            TenantError::Unsupported(format!("{} has no entries", api.endpoints().segment))
        })?;
        self.bulk(
            Method::POST,
            &fill(e.bulk, &[parent_id]),
            entries,
            Some(RequestAction::Save),
        )
    }

    fn upload_audio(&self, info: &AudioFileInfo, wav: Vec<u8>) -> Result<Outcome, TenantError> {
        let e = ApiType::AudioFile.endpoints();
        let (method, path) = match &info.id {
            Some(id) => (Method::PUT, fill(e.single, &[id])),
            None => (Method::POST, e.create.expect("audio create").to_string()),
        };
        let boundary = format!("bulk-{}", uuid::Uuid::new_v4().simple());
        let info_json = serde_json::to_vec(info).expect("serialisable");
        let body = multipart(&boundary, &info_json, &info.name, &wav);
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
                .expect("a boundary of letters and digits");
        let sent = self.send(
            method.clone(),
            &path,
            Some((content_type, Bytes::from(body))),
        )?;
        let outcome = match self.parse(method, &path, sent.status, &sent.body) {
            Ok((_, v)) => match (v.get("id").and_then(Value::as_str), &info.id) {
                (Some(id), None) => Outcome::Created { id: id.to_string() },
                (id, Some(given)) => Outcome::Updated {
                    id: id.unwrap_or(given).to_string(),
                },
                (None, None) => failed(
                    0,
                    "the uploaded audio file came back without an id".into(),
                    None,
                ),
            },
            Err(err) => outcome_or_refusal(err)?,
        };
        if let Some(id) = outcome.id() {
            if let Ok(Value::Object(o)) = serde_json::to_value(info) {
                self.remember(ApiType::AudioFile, &o, id);
            }
        }
        Ok(outcome)
    }
}

/// A `multipart/form-data` body with the two parts of an audio upload.
fn multipart(boundary: &str, info_json: &[u8], file_name: &str, wav: &[u8]) -> Vec<u8> {
    let safe_name: String = file_name
        .chars()
        .filter(|c| *c != '"' && *c != '\r' && *c != '\n')
        .collect();
    let mut body = Vec::with_capacity(wav.len() + info_json.len() + 400);
    body.extend_from_slice(format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{AUDIO_FILE_INFO_PART}\"\r\nContent-Type: application/json\r\n\r\n"
    ).as_bytes());
    body.extend_from_slice(info_json);
    body.extend_from_slice(format!(
        "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{AUDIO_FILE_PART}\"; filename=\"{safe_name}\"\r\nContent-Type: audio/wav\r\n\r\n"
    ).as_bytes());
    body.extend_from_slice(wav);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> ApiObject {
        v.as_object().expect("an object").clone()
    }

    fn sites() -> Listed {
        Listed::new(
            ApiType::Site,
            vec![
                object(json!({"id": "s1", "name": "Berlin", "timezone": "Europe/Berlin"})),
                object(json!({"id": "s2", "name": "Paris"})),
            ],
        )
    }

    #[test]
    fn an_upsert_overlays_changed_fields_follows_a_rename_and_adds_new_ids() {
        let mut l = sites();
        l.upsert(
            ApiType::Site,
            &object(json!({"id": "s1", "name": "Potsdam", "description": null})),
            "s1",
        );
        // A written null is an absent field, as a list answers it.
        assert_eq!(
            Value::Object(l.list[0].clone()),
            json!({"id": "s1", "name": "Potsdam", "timezone": "Europe/Berlin"})
        );
        l.upsert(ApiType::Site, &object(json!({"timezone": null})), "s1");
        assert_eq!(
            Value::Object(l.list[0].clone()),
            json!({"id": "s1", "name": "Potsdam"})
        );
        assert!(l.by_name.get("berlin").is_none_or(Vec::is_empty));
        assert_eq!(l.by_name["potsdam"], vec![0]);
        l.upsert(ApiType::Site, &object(json!({"name": "Rome"})), "s3");
        assert_eq!(l.by_id["s3"], 2);
        assert_eq!(l.list[2]["id"], "s3");
        assert_eq!(l.by_name["rome"], vec![2]);
    }

    #[test]
    fn a_list_holds_an_object_only_when_every_written_field_is_as_cached() {
        let l = sites();
        assert!(l.holds(&object(json!({"id": "s1", "name": "Berlin"})), "s1"));
        assert!(l.holds(&object(json!({"timezone": "Europe/Berlin"})), "s1"));
        assert!(!l.holds(&object(json!({"name": "Potsdam"})), "s1"));
        // Clearing a field the object does not have changes nothing; clearing one it has does.
        assert!(l.holds(&object(json!({"description": null})), "s1"));
        assert!(!l.holds(&object(json!({"timezone": null})), "s1"));
        assert!(!l.holds(&object(json!({"name": "Berlin"})), "s9"));
    }

    #[test]
    fn remembering_unchanged_writes_leaves_a_shared_list_uncopied() {
        let t = HttpTenant::new("http://127.0.0.1:9/", "org", "token").expect("tenant");
        t.cache
            .lock()
            .expect("lock")
            .insert(ApiType::Site, Arc::new(sites()));
        // A lookup running ahead holds the list.
        let held = t.cache.lock().expect("lock")[&ApiType::Site].clone();
        let same = object(json!({"id": "s1", "name": "Berlin"}));
        t.remember_all(ApiType::Site, [(&same, "s1")]);
        assert!(Arc::ptr_eq(
            &held,
            &t.cache.lock().expect("lock")[&ApiType::Site]
        ));
        let renamed = object(json!({"id": "s2", "name": "Lyon"}));
        t.remember_all(ApiType::Site, [(&renamed, "s2")]);
        let now = t.cache.lock().expect("lock")[&ApiType::Site].clone();
        assert!(!Arc::ptr_eq(&held, &now));
        assert_eq!(
            held.list[1]["name"], "Paris",
            "the held list is not changed"
        );
        assert_eq!(now.list[1]["name"], "Lyon");
        assert_eq!(now.by_name["lyon"], vec![1]);
    }
}
