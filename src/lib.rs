//! `bulk`: bulk provisioning for Webex Contact Center. The binary is a thin shell around `run`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod chunk;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod input;
pub mod journal;
pub mod output;
pub mod pack;
pub mod schema;
pub mod validate;
pub mod wav;

pub use commands::run;
pub mod api;
pub mod sandbox;
pub mod wxcc;
