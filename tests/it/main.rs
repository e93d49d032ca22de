//! The integration tests of `bulk`: one test binary, one harness.
//!
//! Where things go:
//! - `harness/`: the only helpers. `Workdir` (workdir.rs) runs the real `bulk` binary with an
//!   isolated home, config and data directory and prints command, exit code, stdout and stderr
//!   when an assertion fails; `Sandbox` (sandbox.rs) is a real service on 127.0.0.1:0, started
//!   in the test process (`Sandbox::start`; `Sandbox::serve` runs `bulk sandbox serve` for the
//!   tests that SIGKILL it); csv.rs builds CSVs from the binary's own templates; data.rs holds
//!   the generated users, sites, teams, WAVs and ZIPs. Add a helper there, never a second copy.
//! - `cli/`: offline commands on generated files (validate, split, template, hostile input and
//!   the fuzzers' regressions replay from `tests/fuzz/regressions`).
//! - `import.rs`: `bulk import` against a real sandbox.
//! - `ops/`: login, export, jobs, errors, template, generate (the docs drift check).
//! - `faults/`: tens of thousands of rows under injected faults and killed processes.
//! - `sandbox.rs`, `load.rs`: the service itself over HTTP, and under load.
//!   A new test file `tests/it/<area>/<name>.rs` needs a `mod <name>;` in `<area>/mod.rs`.
//!   Fixtures that cannot be generated live in `tests/data/`.
//!
//! Running:
//! - everything: `cargo test --test it`
//! - one area: `cargo test --test it cli::validate::`
//! - one test: `cargo test --test it -- --exact ops::login::unknown_profile_is_a_usage_error`
//! - the fault scenarios' SUMMARY lines: `cargo test --test it faults:: -- --nocapture`
//!
//! Tests share this process: never set environment variables or the current directory here;
//! give them to the child process (`Workdir::run_env`) instead.

mod harness;

mod auth;
mod cli;
mod engine;
mod faults;
mod hardening;
mod hardening2;
mod import;
mod load;
mod ops;
mod org_face;
mod pipeline;
mod plan;
mod plan_cli;
mod remote;
mod sandbox;
mod validate_blocks;
mod wxcc;
