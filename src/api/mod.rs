//! The HTTP API of the bulk-operations service: request and response types shared by the client
//! and the sandbox, so the two cannot drift apart.

pub mod client;
pub mod wait;
pub mod wire;
