//! Proof under faults and crashes: the real `bulk` binary imports tens of thousands of rows
//! against `bulk sandbox serve` with injected faults, killed processes and generated inputs, and
//! every input row ends up exactly once in the service or in the error file.
//!
//! Each scenario prints one `SUMMARY` line on stderr (`cargo test --test faults -- --nocapture`)
//! with the figures the README's RELIABILITY section quotes.

mod conservation;
mod crashes;
mod failed_job;
mod injected;
mod support;
