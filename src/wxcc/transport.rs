//! How an [`HttpTenant`](super::http::HttpTenant)'s requests travel: one exchange of a request
//! for an answer. Over the network that is reqwest ([`Network`]); the sandbox's own job engine
//! hands the same requests to its face's router in process (no socket, no second HTTP stack),
//! so everything above the wire (paths, bodies, tokens, retries, 207 handling) stays the one
//! code path a real tenant runs.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::Method;

/// One request, as it leaves the tenant: the headers carry the bearer token (marked sensitive).
/// An empty body is no body (a GET carries none, not even `Content-Length: 0`).
pub struct Request {
    pub method: Method,
    pub url: url::Url,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The answer to a [`Request`]: its status, its `Retry-After` (if any) and its body.
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// Carries a request and brings back its answer. An `Err` is a request that got no answer (a
/// lost connection, a timeout): its message never holds the URL or a header.
pub trait Transport: Send + Sync {
    fn exchange(&self, request: Request) -> Result<Answer, String>;
}

/// Over the network, with reqwest's blocking client (rustls).
pub struct Network(reqwest::blocking::Client);

impl Network {
    /// A client whose requests give up after two minutes without an answer.
    pub fn new() -> Result<Self, String> {
        reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map(Network)
            .map_err(|e| e.to_string())
    }
}

impl Transport for Network {
    fn exchange(&self, r: Request) -> Result<Answer, String> {
        let mut request = self.0.request(r.method, r.url).headers(r.headers);
        if !r.body.is_empty() {
            request = request.body(r.body);
        }
        request
            .send()
            .and_then(|resp| {
                let status = resp.status().as_u16();
                let retry_after = retry_after(resp.headers());
                resp.bytes().map(|b| Answer {
                    status,
                    retry_after,
                    body: b.to_vec(),
                })
            })
            // Without the URL: it is the base and the path, both already known.
            .map_err(|e| e.without_url().to_string())
    }
}

/// The `Retry-After` header's value, if it is text.
pub fn retry_after(headers: &HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
