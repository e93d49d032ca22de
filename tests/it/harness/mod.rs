//! The one harness of the integration tests: [`Workdir`] runs the real `bulk` binary in an
//! isolated environment and prints everything when an assertion fails; [`Sandbox`] is a real
//! service on a loopback port; `csv_file` and `data` build the inputs.
#![allow(dead_code, unused_imports)]

mod account;
mod csv_file;
mod data;
mod sandbox;
mod workdir;

pub use account::{account, Tally};
pub use csv_file::{csv_of, csv_rows, encode_csv, parse_csv, template, Csv};
pub use data::*;
pub use sandbox::{client, credentials, fresh_client, max_rows, Export, Sandbox};
pub use workdir::{bulk_bin, parse_problem, Out, Problem, Workdir};
