//! The `bulk` binary: parse, run, and turn the outcome into the exit code; Ctrl-C lands here.
use bulk::api::wait::Cancel;
use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn main() -> ExitCode {
    let cli = bulk::cli::Cli::parse();
    let cancel = Cancel::new(on_interrupt);
    match bulk::run(cli, &cancel) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            let exit = bulk::error::exit_for(&err);
            if exit != bulk::error::Exit::Ok {
                bulk::output::report_error(&err);
            }
            ExitCode::from(exit.code())
        }
    }
}

/// Connects Ctrl-C to `flag`: the first one sets it (the command stops at the next safe point
/// and returns exit 130 itself); a second one ends the process at once with 130.
fn on_interrupt(flag: Arc<AtomicBool>) {
    use std::sync::atomic::Ordering;
    use std::time::Duration;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready_tx.send(());
                return;
            };
            rt.block_on(async move {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    // Registered before we say ready, so no early Ctrl-C is lost.
                    let Ok(mut sigint) = signal(SignalKind::interrupt()) else {
                        let _ = ready_tx.send(());
                        return;
                    };
                    let _ = ready_tx.send(());
                    sigint.recv().await;
                    flag.store(true, Ordering::SeqCst);
                    sigint.recv().await;
                }
                #[cfg(not(unix))]
                {
                    let _ = ready_tx.send(());
                    let _ = tokio::signal::ctrl_c().await;
                    flag.store(true, Ordering::SeqCst);
                    let _ = tokio::signal::ctrl_c().await;
                }
                std::process::exit(i32::from(bulk::error::Exit::Interrupted.code()));
            });
        });
    if spawned.is_ok() {
        let _ = ready_rx.recv_timeout(Duration::from_secs(2));
    }
}
