//! `bulk sandbox`: run the local service, or print its token.

use crate::api::wait::Cancel;
use crate::cli::{SandboxArgs, SandboxCommand, SandboxServeArgs, SandboxTokenArgs};
use crate::error::{Exit, Failure};
use crate::output::Printer;
use crate::sandbox::{self, AppState, FaultSettings, Settings};
use std::time::Duration;

pub fn run(args: SandboxArgs, printer: &Printer, cancel: &Cancel) -> anyhow::Result<Exit> {
    match args.command {
        SandboxCommand::Serve(a) => serve(a, printer, cancel),
        SandboxCommand::Token(a) => token(a, printer),
    }
}

fn rate(name: &str, r: f64) -> anyhow::Result<f64> {
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(Failure::usage(format!("--{name} {r}: a rate is between 0.0 and 1.0")).into())
    }
}

fn serve(a: SandboxServeArgs, printer: &Printer, cancel: &Cancel) -> anyhow::Result<Exit> {
    if !a.addr.ip().is_loopback() && !a.allow_remote {
        return Err(Failure::usage(format!(
            "--addr {}: the sandbox listens on loopback only; pass --allow-remote to listen on {}",
            a.addr,
            a.addr.ip()
        ))
        .into());
    }
    let mut settings = Settings::new(a.data_dir.unwrap_or_else(sandbox::default_data_dir));
    settings.row_delay = Duration::from_millis(a.row_delay_ms);
    if let Some(n) = a.max_rows {
        settings.max_rows = n;
        settings.export_rows_per_file = n as usize;
    }
    if let Some(n) = a.max_bytes {
        settings.max_bytes = n;
    }
    settings.faults = FaultSettings {
        rate_500: rate("fault-500", a.fault_500)?,
        rate_429: rate("fault-429", a.fault_429)?,
        rate_reset: rate("fault-reset", a.fault_reset)?,
        rate_slow: rate("fault-slow", a.fault_slow)?,
        slow: Duration::from_millis(a.fault_slow_ms),
        rate_fail_job: rate("fault-fail-job", a.fault_fail_job)?,
        rate_lost_write: rate("fault-lost-write", a.fault_lost_write)?,
        seed: a.fault_seed,
    };
    settings.strict_bulk_updates = a.strict_bulk_updates;
    settings.strict_people = a.strict_people;
    settings.token_lifetime_requests = a.token_lifetime_requests;
    let data_dir = settings.data_dir.clone();
    let _lock = crate::context::lock_data_dir(&data_dir)?.ok_or_else(|| {
        Failure::usage(format!(
            "another bulk process already serves the sandbox in {}; use it, or pass --data-dir",
            data_dir.display()
        ))
    })?;
    let server = sandbox::spawn(settings, a.addr)?;
    // SIGTERM is caught from before the URL is announced: a supervisor that stops the server
    // as soon as it has read the URL gets a graceful stop, not a killed process.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let term = rt.block_on(async { terminate_signal() });
    let url = server.url().to_string();
    printer.info(format!(
        "sandbox listening on {url} (data in {}; token: bulk sandbox token)",
        data_dir.display()
    ));
    if a.print_url {
        printer.data(format!("{url}\n").as_bytes())?;
    }
    cancel.arm();
    server.run_until(&rt, shutdown_signal(cancel.clone(), term))?;
    printer.info("sandbox stopped");
    Ok(Exit::Ok)
}

#[cfg(unix)]
type Terminate = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Terminate = Option<()>;

/// Registers for SIGTERM (in a runtime's context); `None` where that is impossible.
fn terminate_signal() -> Terminate {
    #[cfg(unix)]
    {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Resolves on Ctrl-C (the cancel flag) or SIGTERM.
async fn shutdown_signal(cancel: Cancel, term: Terminate) {
    let ctrl_c = async move {
        while !cancel.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let term = async move {
        #[cfg(unix)]
        if let Some(mut s) = term {
            s.recv().await;
            return;
        }
        #[cfg(not(unix))]
        let _ = term;
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn token(a: SandboxTokenArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let settings = Settings::new(a.data_dir.unwrap_or_else(sandbox::default_data_dir));
    let state = AppState::new(settings)?;
    let token = match (a.new_org, a.email) {
        (Some(org), Some(email)) => state.create_org(&org, &email)?,
        _ => state.admin_token()?,
    };
    if printer.json {
        let organization_id = state.organization_of(&token)?;
        printer.json_doc(&serde_json::json!({
            "token": token,
            "organization_id": organization_id,
        }))?;
    } else {
        printer.data(format!("{token}\n").as_bytes())?;
    }
    Ok(Exit::Ok)
}
