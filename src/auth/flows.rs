//! The browser half of `bulk login --web`: a loopback listener for the one OAuth callback
//! (`http://127.0.0.1:PORT/callback`), the authorization URL with PKCE and `state`, and
//! starting a browser. The caller prints; nothing here writes to the terminal.

use super::oauth::{random_urlsafe, Pkce};
use super::Secret;
use anyhow::Context as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The authorization-code flow in progress: the listener waits for the browser's redirect.
pub struct WebFlow {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/callback`, as sent in the authorization request.
    pub redirect_uri: String,
    /// The authorization URL to open in a browser (carries no secret).
    pub url: String,
    state: String,
    /// PKCE's verifier, sent with the code to the token endpoint.
    pub verifier: Secret,
}

impl WebFlow {
    /// Binds `127.0.0.1:port` (0 picks a free port) and builds the authorization URL for
    /// `client_id` and `scope` at `authorize_url`.
    pub fn start(
        authorize_url: &str,
        client_id: &str,
        scope: &str,
        port: u16,
    ) -> anyhow::Result<WebFlow> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port} for the OAuth redirect; pass another --redirect-port (and register its redirect URI)"))?;
        let port = listener.local_addr()?.port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let state = random_urlsafe(16);
        let pkce = Pkce::new();
        let mut url = url::Url::parse(authorize_url)
            .with_context(|| format!("\"{authorize_url}\" is not a URL"))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", scope)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(WebFlow {
            listener,
            redirect_uri,
            url: url.to_string(),
            state,
            verifier: pkce.verifier,
        })
    }

    /// Waits (at most `timeout`) for the one request to `/callback`, answers it, closes the
    /// listener and returns the authorization code. Requests to other paths get 404 and do
    /// not count; a callback with a wrong `state` or an `error` ends the flow with an error.
    pub fn wait(self, timeout: Duration) -> anyhow::Result<Secret> {
        let deadline = Instant::now() + timeout;
        self.listener.set_nonblocking(true)?;
        loop {
            let stream = match self.listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        anyhow::bail!(
                            "no answer from the browser within {} s: open the URL above, or use --device on a machine without a browser",
                            timeout.as_secs()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => return Err(e).context("the OAuth redirect listener failed"),
            };
            match self.answer(stream)? {
                Some(result) => return result,
                None => continue,
            }
        }
        // The listener is dropped (closed) with `self`.
    }

    /// Reads one request; `None` when it was not the callback.
    fn answer(&self, mut stream: TcpStream) -> anyhow::Result<Option<anyhow::Result<Secret>>> {
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut line = String::new();
        let mut reader = BufReader::new(stream.try_clone()?);
        if reader.read_line(&mut line).is_err() {
            return Ok(None);
        }
        // Drain the header so the browser sees a clean answer.
        let mut header = String::new();
        while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
            header.clear();
        }
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let parsed = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let Some(parsed) = parsed.filter(|u| u.path() == "/callback") else {
            let _ = respond(&mut stream, "404 Not Found", "Not the OAuth callback.");
            return Ok(None);
        };
        let get = |k: &str| {
            parsed
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        let result = if let Some(err) = get("error") {
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                "Login failed; see the terminal.",
            );
            Err(anyhow::anyhow!(
                "the authorization server refused: {err}{}",
                get("error_description")
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ))
        } else if get("state").as_deref() != Some(self.state.as_str()) {
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                "Login failed; see the terminal.",
            );
            Err(anyhow::anyhow!(
                "the OAuth callback carried a state that this login did not send (a forged or stale redirect); run the login again"
            ))
        } else if let Some(code) = get("code").filter(|c| !c.is_empty()) {
            let _ = respond(
                &mut stream,
                "200 OK",
                "bulk is logged in. You can close this window.",
            );
            Ok(Secret::new(code))
        } else {
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                "Login failed; see the terminal.",
            );
            Err(anyhow::anyhow!("the OAuth callback carried no code"))
        };
        Ok(Some(result))
    }
}

fn respond(stream: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    let body = format!("<!doctype html><title>bulk login</title><p>{text}</p>\n");
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// Starts `browser` on `url` without waiting for it: the command's words (`%s` replaced by the
/// URL, or the URL appended), stdio detached. `Err` when it cannot be started.
pub fn open_browser(browser: &str, url: &str) -> anyhow::Result<()> {
    let mut words: Vec<String> = browser.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        anyhow::bail!("the browser command is empty");
    }
    if words.iter().any(|w| w.contains("%s")) {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    let mut child = std::process::Command::new(&words[0])
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start the browser \"{}\"", words[0]))?;
    // Reaped in the background: a browser that stays open never holds the login.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> String {
        let u = url::Url::parse(url).unwrap();
        let mut s = TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
        write!(
            s,
            "GET {}?{} HTTP/1.1\r\nHost: x\r\n\r\n",
            u.path(),
            u.query().unwrap_or("")
        )
        .unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        out
    }

    #[test]
    fn the_callback_checks_state_and_closes_after_one_answer() {
        let flow = WebFlow::start("http://127.0.0.1:1/v1/authorize", "cid", "a b", 0).unwrap();
        let u = url::Url::parse(&flow.url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            q["code_challenge"],
            super::super::oauth::s256(flow.verifier.expose())
        );
        assert_eq!(q["redirect_uri"], flow.redirect_uri);
        let state = q["state"].clone();
        let redirect = flow.redirect_uri.clone();
        let waiter = std::thread::spawn(move || flow.wait(Duration::from_secs(10)));
        assert!(get(&format!("{}/../favicon.ico", redirect)).contains("404"));
        let ok = get(&format!("{redirect}?code=the-code&state={state}"));
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert_eq!(waiter.join().unwrap().unwrap().expose(), "the-code");
        // Closed after the one callback.
        let port = url::Url::parse(&redirect).unwrap().port().unwrap();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());

        let flow = WebFlow::start("http://127.0.0.1:1/v1/authorize", "cid", "a", 0).unwrap();
        let redirect = flow.redirect_uri.clone();
        let waiter = std::thread::spawn(move || flow.wait(Duration::from_secs(10)));
        get(&format!("{redirect}?code=x&state=forged"));
        let err = waiter.join().unwrap().unwrap_err().to_string();
        assert!(err.contains("state"), "{err}");
    }
}
