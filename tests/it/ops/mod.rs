//! End to end: the real `bulk` binary against a real `bulk sandbox serve` over HTTP, for the
//! commands around import (login, export, jobs, errors, template, generate).
//!
//! Every test gets its own home, config and data directories; every command's output is checked
//! for the tokens the test knows, which must never appear.

mod export;
mod first_hour;
mod generate;
mod jobs;
mod login;
mod target;
mod template;
mod tour;
