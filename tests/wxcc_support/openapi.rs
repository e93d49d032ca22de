//! Validates JSON bodies against Cisco's OpenAPI document (tests/data/wxcc/, unchanged copy).
//!
//! For the sandbox ("org") engineer and anyone else testing a side of the Configuration API:
//! include this file with `#[path = "wxcc_support/openapi.rs"] mod openapi;` and call
//! `check_request`/`check_response` (or the `assert_*` forms) with the document's path template
//! (`bulk::wxcc::endpoints::doc_path("site/bulk")`, or `doc().match_path(method, uri)` for a
//! concrete URI). Responses are checked open (extra fields allowed, as Cisco's own answers carry
//! more than the schema); requests closed (a field the document does not declare is an error)
//! and, for PATCH, partial (see `bulk::wxcc::openapi`).
//!
//! Why here and not in `src/`: the `jsonschema` crate is only a dev-dependency, so the shipped
//! binary carries neither a JSON Schema engine nor the 3 MB document. The OpenAPI -> JSON Schema
//! conversion it relies on is in `src/wxcc/openapi.rs` (plain serde_json, unit-tested there).
#![allow(dead_code)]

use bulk::wxcc::openapi::{OpenApiDoc, SchemaOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where the shipped copy of the document is.
pub fn doc_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wxcc/webex-contact-center.openapi.json")
}

/// The document, parsed once per test binary.
pub fn doc() -> &'static OpenApiDoc {
    static DOC: OnceLock<OpenApiDoc> = OnceLock::new();
    DOC.get_or_init(|| OpenApiDoc::from_path(&doc_file()).expect("the shipped OpenAPI document"))
}

type Key = (String, String, String, SchemaOptions);

fn validator(key: Key, schema: impl FnOnce() -> serde_json::Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(&key) {
        return v.clone();
    }
    let schema = schema();
    let v = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            // The document's formats are Java names (int32, UUID, url): annotations only.
            .should_validate_formats(false)
            .build(&schema)
            .unwrap_or_else(|e| panic!("schema for {key:?} does not compile: {e}")),
    );
    cache.lock().unwrap().insert(key, v.clone());
    v
}

fn run(v: &jsonschema::Validator, body: &serde_json::Value) -> Result<(), String> {
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Checks a request body of `method path` (a document template) with media type `media`
/// (`application/json`; for `multipart/form-data` pass the parts as one JSON object, e.g.
/// `{"audioFileInfo": {...}, "audioFile": "<bytes>"}`).
pub fn check_request(
    method: &str,
    path: &str,
    media: &str,
    body: &serde_json::Value,
) -> Result<(), String> {
    let options = SchemaOptions::for_request(method);
    let key = (
        method.to_ascii_lowercase(),
        path.to_string(),
        format!("req {media}"),
        options,
    );
    let v = validator(key, || {
        doc()
            .request_schema(method, path, media, options)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    run(&v, body)
        .map_err(|e| format!("{method} {path} request body does not conform:\n{e}\nbody: {body}"))
}

/// Checks a response body of `method path` (a document template) with `status`.
pub fn check_response(
    method: &str,
    path: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<(), String> {
    let options = SchemaOptions::default();
    let key = (
        method.to_ascii_lowercase(),
        path.to_string(),
        format!("resp {status}"),
        options,
    );
    let v = validator(key, || {
        doc()
            .response_schema(method, path, status, options)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    run(&v, body).map_err(|e| {
        format!("{method} {path} {status} response does not conform:\n{e}\nbody: {body}")
    })
}

/// [`check_request`], panicking with every violation.
pub fn assert_request(method: &str, path: &str, media: &str, body: &serde_json::Value) {
    if let Err(e) = check_request(method, path, media, body) {
        panic!("{e}");
    }
}

/// [`check_response`], panicking with every violation.
pub fn assert_response(method: &str, path: &str, status: u16, body: &serde_json::Value) {
    if let Err(e) = check_response(method, path, status, body) {
        panic!("{e}");
    }
}
