//! Following a job until it ends: the one long-poll loop of the client, with a deadline, a
//! cancel flag (Ctrl-C) and a callback on every answer and tick, so callers draw progress and
//! heartbeats without owning a loop of their own.

use super::client::{ApiError, Client};
use super::wire::{ErrorCode, Job};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

/// How often the loop looks at the cancel flag and the deadline while a request is in flight.
const TICK: Duration = Duration::from_millis(200);

/// The flag Ctrl-C sets. Whoever owns the process (`main`) decides how a signal reaches it:
/// [`Cancel::arm`] runs the installer it was given, once, the first time a cancellable wait
/// starts, so commands that never wait keep the default Ctrl-C.
#[derive(Clone)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    installer: Option<fn(Arc<AtomicBool>)>,
    armed: Arc<Once>,
}

impl Cancel {
    /// A flag that `install` connects to the interrupt signal when first armed.
    pub fn new(install: fn(Arc<AtomicBool>)) -> Self {
        Cancel {
            flag: Arc::new(AtomicBool::new(false)),
            installer: Some(install),
            armed: Arc::new(Once::new()),
        }
    }

    /// A flag no signal sets (tests, library callers); [`Cancel::cancel`] still does.
    pub fn manual() -> Self {
        Cancel {
            flag: Arc::new(AtomicBool::new(false)),
            installer: None,
            armed: Arc::new(Once::new()),
        }
    }

    /// Connects the flag to the interrupt signal (once).
    pub fn arm(&self) {
        if let Some(install) = self.installer {
            let flag = self.flag.clone();
            self.armed.call_once(|| install(flag));
        }
    }

    /// Sets the flag.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether the flag is set.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// How to wait.
#[derive(Debug, Clone)]
pub struct WaitOptions<'a> {
    /// Longest single long-poll (the service caps it too).
    pub poll: Duration,
    /// Stop waiting at this instant.
    pub deadline: Option<Instant>,
    /// Stop waiting when this is set.
    pub cancel: Option<&'a Cancel>,
}

/// What the callback hears about.
#[derive(Debug, Clone, Copy)]
pub enum Update<'a> {
    /// The service answered with the job (still active, or just ended).
    Job(&'a Job),
    /// A request is in flight; time passes (for heartbeats).
    Tick,
}

/// How a wait ended.
#[derive(Debug)]
pub enum Waited {
    /// The job is no longer new or in progress.
    Done(Job),
    /// The service does not know the job (`job_not_found`, kept for callers that report it).
    Gone(ApiError),
    /// The deadline passed; the last answer, if any.
    TimedOut(Option<Job>),
    /// The cancel flag was set; the last answer, if any.
    Cancelled(Option<Job>),
}

/// Long-polls job `id` until it ends, the deadline passes or the flag is set.
pub fn wait(
    api: &Client,
    id: &str,
    opts: &WaitOptions<'_>,
    mut on_update: impl FnMut(Update<'_>),
) -> Result<Waited, ApiError> {
    let mut last: Option<Job> = None;
    let stopped = |last: &mut Option<Job>| -> Option<Waited> {
        if opts.cancel.is_some_and(Cancel::is_cancelled) {
            return Some(Waited::Cancelled(last.take()));
        }
        if opts.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Waited::TimedOut(last.take()));
        }
        None
    };
    loop {
        let secs = opts.poll.as_secs().max(1);
        let secs = match opts.deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .as_secs()
                .clamp(1, secs),
            None => secs,
        };
        // The request runs on its own thread so that Ctrl-C and the deadline are noticed
        // within a tick, not at the end of a long poll.
        let (tx, rx) = mpsc::channel();
        let client = api.clone();
        let job_id = id.to_string();
        std::thread::spawn(move || {
            let _ = tx.send(client.job(&job_id, Some(secs)));
        });
        let answer = loop {
            match rx.recv_timeout(TICK) {
                Ok(a) => break a,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(w) = stopped(&mut last) {
                        return Ok(w);
                    }
                    on_update(Update::Tick);
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(ApiError::Decode(format!(
                        "the request for job {id} was lost"
                    )))
                }
            }
        };
        let job = match answer {
            Ok(j) => j,
            Err(e) if e.is(ErrorCode::JobNotFound) => return Ok(Waited::Gone(e)),
            Err(e) => return Err(e),
        };
        on_update(Update::Job(&job));
        if !job.status.is_active() {
            return Ok(Waited::Done(job));
        }
        last = Some(job);
        if let Some(w) = stopped(&mut last) {
            return Ok(w);
        }
    }
}
