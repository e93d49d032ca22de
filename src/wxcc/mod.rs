//! Cisco's Webex Contact Center Configuration API as a client sees it.
//!
//! `bulk` provisions a tenant from CSV files, but a real tenant speaks the Configuration API:
//! per-type bulk calls answering 207, paged lists, objects that refer to each other by id. This
//! module is that client side, with no knowledge of the sandbox (which emulates the API and
//! uses the wire types from here, so the two cannot drift apart):
//!
//! - [`wire`]: the envelopes (errors, bulk request and 207 response, list pages), named as in
//!   Cisco's OpenAPI document;
//! - [`endpoints`]: which paths serve which object type;
//! - [`openapi`]: the document's schemas as JSON Schema, for the conformance tests;
//! - [`mapping`]: CSV rows <-> API objects, through a [`resolve::Resolver`] for names and ids;
//! - [`tenant`]: the `Tenant` trait the job engine writes through, and [`http`] its
//!   implementation over HTTP (a base URL `…/organization/{orgid}/` and a bearer token), whose
//!   requests travel through a [`transport`] (the network, or the sandbox's face in process);
//! - [`limits`]: the rate limiter, retry waits and how a refused token ends a job;
//! - [`apply`]: the CSV objects of one file through the mapping into a `Tenant`, one result per
//!   object with its lines: what the job worker calls;
//! - [`plan`]: what an import would do (create, update column by column, unchanged, error),
//!   read through the same mapping, writing nothing.

pub mod apply;
pub mod endpoints;
pub mod http;
pub mod limits;
pub mod mapping;
pub mod openapi;
pub mod plan;
pub mod resolve;
pub mod tenant;
pub mod transport;
pub mod wire;
