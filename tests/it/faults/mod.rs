//! Proof under faults and crashes: the real `bulk` binary imports tens of thousands of rows
//! against a real sandbox with injected faults, killed processes and generated inputs, and
//! every input row ends up exactly once in the service or in the error file.
//!
//! Each scenario prints one `SUMMARY` line on stderr
//! (`cargo test --test it faults:: -- --nocapture`) with the figures the README's RELIABILITY
//! section quotes.

mod conservation;
mod crashes;
mod failed_job;
mod injected;
