//! The one harness of the integration tests: [`Workdir`] runs the real `bulk` binary in an
//! isolated environment and prints everything when an assertion fails; [`Sandbox`] is a real
//! service on a loopback port; `csv_file` and `data` build the inputs.
//!
//! Moving a test written for the old layout (tests/cli, tests/ops, tests/import, tests/faults):
//! - `use crate::common::..` / `crate::support::..` / `support::*` become `crate::harness::..`.
//! - `Env` is `Workdir`: `env.work().join(x)` is `env.path(x)`, `env.config_dir()` and
//!   `env.journals()` stay, `path("embedded-sandbox")` / `path("sandbox")` are `sandbox_dir()`,
//!   `env.read(x)` (a String) is `read_string(x)`, `env.remote = Some((url, token))` is
//!   `env.target(&url, &token)`.
//! - `Out::code` is `Option<i32>`. `.code(n)` asserts and returns `&Out`; when the result is
//!   bound with `let`, write `.expect(n)` (by value).
//! - `Sandbox::start(&["--max-rows", "100"])` (ops) is `Sandbox::start_temp(|s| max_rows(s, 100))`;
//!   `Server::start(&mut env, &[..])` (import, faults) is `Sandbox::start_for(&env, |s| ..)`;
//!   `--row-delay-ms N` is `s.row_delay`, `--fault-*` are `s.faults.*`. `Server::serve` is
//!   `Sandbox::serve` (a process, for tests that kill it).
//! - `sb.export(type)` (records) is `sb.export_records(type, Export::Plain)` (`Idempotent` under
//!   faults); the sandbox tests' `import`/`export` (responses) are `post_import`/`post_export`,
//!   their `run_import`/`run_export` are `import`/`export`.
//! - `users(n)` of the import tests stays `users(n)`; the fault tests' `users(prefix, n, k)` is
//!   `users_rejecting(UserCols::AgentExternalId, prefix, n, k)`; load's is `plain_users(n)`; the
//!   template-based one of cli is `user_csv(n)`.
#![allow(dead_code, unused_imports)]

mod account;
mod csv_file;
mod data;
pub mod openapi;
mod sandbox;
mod workdir;

pub use account::{account, Tally};
pub use csv_file::{csv_of, csv_rows, encode_csv, parse_csv, template, Csv};
pub use data::*;
pub use sandbox::{client, credentials, fresh_client, max_rows, Export, Sandbox};
pub use workdir::{bulk_bin, parse_problem, Out, Problem, Workdir};

/// The objects of a Configuration-API list page that holds the whole list (`pageSize=1000`;
/// fails when there are more pages).
pub fn whole_page(page: &serde_json::Value) -> Vec<serde_json::Map<String, serde_json::Value>> {
    assert!(
        page["meta"]["totalPages"].as_u64().unwrap_or(0) <= 1,
        "{page}"
    );
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_object().unwrap().clone())
        .collect()
}
