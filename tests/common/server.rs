//! A sandbox served inside the test process on 127.0.0.1:0, with the data directory the test
//! gives it; stopped gracefully on drop. Shared by the test binaries that talk to the service
//! over HTTP (included with `#[path]`; each adds its own request helpers to `Sandbox`).
#![allow(dead_code)]

use bulk::sandbox::{self, AppState, Clock, Settings};
use std::path::Path;

/// A running sandbox.
pub struct Sandbox {
    pub url: String,
    pub addr: std::net::SocketAddr,
    /// The admin token of its first organisation.
    pub token: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox on `dir` with the real clock; `tweak` adjusts its settings.
    pub fn start(dir: &Path, tweak: impl FnOnce(&mut Settings)) -> Sandbox {
        Self::start_with_clock(
            dir,
            tweak,
            std::sync::Arc::new(time::OffsetDateTime::now_utc),
        )
    }

    /// Starts a sandbox whose clock is `clock` (to prove retention, for example).
    pub fn start_with_clock(
        dir: &Path,
        tweak: impl FnOnce(&mut Settings),
        clock: Clock,
    ) -> Sandbox {
        let mut settings = Settings::new(dir);
        tweak(&mut settings);
        let state = AppState::with_clock(settings, clock).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                sandbox::serve(listener, st, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
        });
        let token = state.admin_token().unwrap();
        Sandbox {
            url: format!("http://{addr}"),
            addr,
            token,
            state,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Stops the server and waits for it (the job worker finishes its current batch).
    pub fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}
