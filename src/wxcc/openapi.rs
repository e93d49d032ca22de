//! Cisco's OpenAPI 3.0 document as JSON Schema: finds the schema the document gives for a
//! request body (method + path template) or a response body (method + path template + status)
//! and converts it into a self-contained draft-7 JSON Schema.
//!
//! Why here and not in the tests: the conversion is plain `serde_json` code with rules worth
//! unit-testing (OpenAPI's `nullable`, boolean `exclusiveMinimum`, `$ref` to
//! `#/components/schemas`, springdoc's `{"type": "object"}` for Java's `Object`), and both the
//! client's and the emulator's conformance tests need the very same rules. The validation
//! itself (the `jsonschema` crate) lives in `tests/wxcc_support/openapi.rs`, so the shipped
//! binary does not carry a JSON Schema engine and the 3 MB document it would only use in tests.
//!
//! Conversion rules (each documented where it is applied):
//! - `$ref: #/components/schemas/X` becomes `#/definitions/X`; only the reachable components are
//!   copied. Siblings of a `$ref` are ignored, as OpenAPI 3.0 says.
//! - `nullable: true` adds `"null"` to `type` (and to `enum`).
//! - `exclusiveMinimum: true` (draft-4 style) becomes the draft-7 number.
//! - annotations that are not JSON Schema (`example`, `xml`, `discriminator`, `externalDocs`)
//!   are dropped, and so is a `format` that is not a string (a defect in three of Cisco's
//!   schemas). Formats are annotations only (the validator does not check them): the document
//!   uses Java names (`int32`, `UUID`, `url`) that JSON Schema does not define.
//! - a bare `{"type": "object"}` with no properties is what springdoc writes for Java's
//!   `Object` (e.g. the `meta` map of the v2 list envelopes: `additionalProperties: {type:
//!   object}` although its values are numbers): it accepts any value.
//! - a `pattern` in Java's dialect is made ECMA 262: `[\d-_]` (a literal `-` after a class
//!   shorthand) becomes `[\d\-_]`.
//! - a DTO declared as a query parameter (team, skill, skill-profile `POST`/`PUT`, a defect of the
//!   document) is the schema of the JSON body.
//! - [`CONTEXTUAL_REQUIRED`]: required fields that apply only to some channels are not enforced.
//! - [`SchemaOptions::closed`]: objects that declare `properties` and say nothing about
//!   `additionalProperties` refuse other fields, so a misspelt field (`multimediaProfileId` on a
//!   team) is caught. Schemas taking part in `allOf`/`oneOf`/`anyOf` stay open.
//! - [`SchemaOptions::partial`]: for `PATCH` items (id plus the changed fields, `null` clears a
//!   field, wxcc-config-api.md §2.5): `required` is not enforced and every property may be null.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use serde_json::{json, Map, Value};

/// What can go wrong looking a schema up.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("cannot read the OpenAPI document {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the OpenAPI document is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the OpenAPI document has no operation {method} {path}")]
    NoOperation { method: String, path: String },
    #[error("{method} {path} has no request body of type {media}")]
    NoRequestBody {
        method: String,
        path: String,
        media: String,
    },
    #[error("{method} {path} documents no response {status} with a JSON schema")]
    NoResponse {
        method: String,
        path: String,
        status: u16,
    },
    #[error("unknown component {0:?}")]
    NoComponent(String),
}

/// How strictly to convert (see the module documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SchemaOptions {
    /// Refuse fields the document does not declare.
    pub closed: bool,
    /// A partial update (PATCH): no `required`, every property nullable.
    pub partial: bool,
}

impl SchemaOptions {
    /// The options for a request body: closed, and partial for `PATCH`.
    pub fn for_request(method: &str) -> Self {
        SchemaOptions {
            closed: true,
            partial: method.eq_ignore_ascii_case("patch"),
        }
    }
}

/// Cisco's document, parsed.
#[derive(Debug, Clone)]
pub struct OpenApiDoc {
    doc: Value,
    /// Components named inside `allOf`/`oneOf`/`anyOf`: never closed.
    composed: BTreeSet<String>,
}

/// Fields the document lists as `required` that only apply in some contexts (wxcc-config-api.md
/// §3, Entry Point): `controlFlowScriptUrl` is filled by the server, `overflowNumber` is for
/// telephony, `socialChannelType` for social channels, `assetId` and `imiOrgType` for digital
/// channels. They are not enforced, for either direction.
pub const CONTEXTUAL_REQUIRED: &[(&str, &[&str])] = &[(
    "EntryPointDTO",
    &[
        "controlFlowScriptUrl",
        "overflowNumber",
        "socialChannelType",
        "assetId",
        "imiOrgType",
    ],
)];

const REF_PREFIX: &str = "#/components/schemas/";
const DEF_PREFIX: &str = "#/definitions/";

impl OpenApiDoc {
    /// Reads the document from a file.
    pub fn from_path(path: &Path) -> Result<Self, OpenApiError> {
        let bytes = std::fs::read(path).map_err(|source| OpenApiError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::from_value(serde_json::from_slice(&bytes)?))
    }

    /// Wraps a parsed document.
    pub fn from_value(doc: Value) -> Self {
        let mut composed = BTreeSet::new();
        collect_composed(&doc, &mut composed);
        OpenApiDoc { doc, composed }
    }

    /// The operation object of `method` (any case) on `path` (a template of the document, e.g.
    /// `/organization/{orgid}/team/bulk`).
    pub fn operation(&self, method: &str, path: &str) -> Result<&Value, OpenApiError> {
        self.doc
            .get("paths")
            .and_then(|p| p.get(path))
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .ok_or_else(|| OpenApiError::NoOperation {
                method: method.to_ascii_uppercase(),
                path: path.to_string(),
            })
    }

    /// The document's path template matching a concrete path (`/organization/o1/site/abc` ->
    /// `/organization/{orgid}/site/{id}`) for `method`, preferring literal segments over
    /// parameters (`site/bulk` over `site/{id}`). The query string is ignored.
    pub fn match_path(&self, method: &str, concrete: &str) -> Option<String> {
        let concrete = concrete.split('?').next().unwrap_or(concrete);
        let segs: Vec<&str> = concrete.trim_matches('/').split('/').collect();
        let method = method.to_ascii_lowercase();
        let paths = self.doc.get("paths")?.as_object()?;
        let mut best: Option<(Vec<bool>, &String)> = None;
        for (template, item) in paths {
            if item.get(&method).is_none() {
                continue;
            }
            let tsegs: Vec<&str> = template.trim_matches('/').split('/').collect();
            if tsegs.len() != segs.len() {
                continue;
            }
            let mut literal = Vec::with_capacity(segs.len());
            let fits = tsegs.iter().zip(&segs).all(|(t, s)| {
                let param = t.starts_with('{') && t.ends_with('}');
                literal.push(!param);
                param || t == s
            });
            // Lexicographic on "is literal" per segment: the leftmost literal wins.
            if fits && best.as_ref().is_none_or(|(b, _)| literal > *b) {
                best = Some((literal, template));
            }
        }
        best.map(|(_, t)| t.clone())
    }

    /// The JSON Schema of the request body of `method path` for `media` (e.g.
    /// `application/json`; for `multipart/form-data` the schema describes the parts as the
    /// properties of one object).
    pub fn request_schema(
        &self,
        method: &str,
        path: &str,
        media: &str,
        options: SchemaOptions,
    ) -> Result<Value, OpenApiError> {
        let op = self.operation(method, path)?;
        let schema = op
            .get("requestBody")
            .and_then(|b| b.get("content"))
            .and_then(|c| c.get(media))
            .and_then(|m| m.get("schema"))
            .or_else(|| dto_as_query_parameter(op, media))
            .ok_or_else(|| OpenApiError::NoRequestBody {
                method: method.to_ascii_uppercase(),
                path: path.to_string(),
                media: media.to_string(),
            })?;
        self.assemble(schema, options)
    }

    /// The JSON Schema of the body of response `status` of `method path`. Of the media types
    /// Cisco declares (`application/json`, `application/hal+json`, `*/*`), the first present in
    /// that order is used: they carry the same schema wherever several are given.
    pub fn response_schema(
        &self,
        method: &str,
        path: &str,
        status: u16,
        options: SchemaOptions,
    ) -> Result<Value, OpenApiError> {
        let op = self.operation(method, path)?;
        let missing = || OpenApiError::NoResponse {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            status,
        };
        let content = op
            .get("responses")
            .and_then(|r| r.get(status.to_string()).or_else(|| r.get("default")))
            .and_then(|r| r.get("content"))
            .and_then(Value::as_object)
            .ok_or_else(missing)?;
        let schema = ["application/json", "application/hal+json", "*/*"]
            .iter()
            .find_map(|m| content.get(*m))
            .or_else(|| content.values().next())
            .and_then(|m| m.get("schema"))
            .ok_or_else(missing)?;
        self.assemble(schema, options)
    }

    /// The converted schema of one component (`TeamDTO`), self-contained.
    pub fn component_schema(
        &self,
        name: &str,
        options: SchemaOptions,
    ) -> Result<Value, OpenApiError> {
        self.assemble(&json!({ "$ref": format!("{REF_PREFIX}{name}") }), options)
    }

    fn component(&self, name: &str) -> Option<&Value> {
        self.doc
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(name))
    }

    /// Converts `schema` and copies every component it reaches under `definitions`.
    fn assemble(&self, schema: &Value, options: SchemaOptions) -> Result<Value, OpenApiError> {
        let root = convert(schema, options, false, None);
        let mut definitions = Map::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        let mut seen = BTreeSet::new();
        collect_refs(&root, &mut queue);
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let raw = self
                .component(&name)
                .ok_or_else(|| OpenApiError::NoComponent(name.clone()))?;
            let open = self.composed.contains(&name);
            let mut converted = convert(raw, options, open, None);
            if let Some((_, fields)) = CONTEXTUAL_REQUIRED.iter().find(|(n, _)| *n == name) {
                if let Some(Value::Array(req)) = converted.get_mut("required") {
                    req.retain(|f| !f.as_str().is_some_and(|f| fields.contains(&f)));
                }
            }
            collect_refs(&converted, &mut queue);
            definitions.insert(name, converted);
        }
        // `$ref` siblings are ignored in draft 7: the root is wrapped so `definitions` stays a
        // plain sibling of a schema that validates.
        Ok(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "allOf": [root],
            "definitions": Value::Object(definitions),
        }))
    }
}

/// The document declares the DTO of team, skill and skill-profile `POST`/`PUT` as a query
/// parameter instead of a body (wxcc-config-api.md §4 #10); clients send it as the JSON body,
/// so that parameter's schema is the body's.
fn dto_as_query_parameter<'a>(op: &'a Value, media: &str) -> Option<&'a Value> {
    if op.get("requestBody").is_some() || media != "application/json" {
        return None;
    }
    op.get("parameters")?.as_array()?.iter().find_map(|p| {
        let schema = p.get("schema")?;
        let is_dto = p.get("in").and_then(Value::as_str) == Some("query")
            && schema
                .get("$ref")
                .and_then(Value::as_str)?
                .starts_with(REF_PREFIX);
        is_dto.then_some(schema)
    })
}

/// Names of components referenced directly inside `allOf`/`oneOf`/`anyOf` anywhere.
fn collect_composed(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if matches!(k.as_str(), "allOf" | "oneOf" | "anyOf") {
                    for member in child.as_array().into_iter().flatten() {
                        if let Some(name) = member
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix(REF_PREFIX))
                        {
                            out.insert(name.to_string());
                        }
                    }
                }
                collect_composed(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| collect_composed(c, out)),
        _ => {}
    }
}

/// Component names referenced (already rewritten to `#/definitions/`) in a converted schema.
fn collect_refs(v: &Value, out: &mut VecDeque<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(DEF_PREFIX))
            {
                out.push_back(name.to_string());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

fn null_schema() -> Value {
    json!({"type": "null"})
}

/// Converts one OpenAPI 3.0 schema object to draft-7 JSON Schema. `open`: never close this
/// object (it takes part in a composition). `nullable_override`: force nullability (partial
/// mode properties).
fn convert(
    schema: &Value,
    opts: SchemaOptions,
    open: bool,
    nullable_override: Option<bool>,
) -> Value {
    let Some(m) = schema.as_object() else {
        // `true`/`false` schemas and anything odd are kept as they are.
        return schema.clone();
    };
    let nullable = nullable_override.unwrap_or(false)
        || m.get("nullable").and_then(Value::as_bool).unwrap_or(false);

    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        let target = match r.strip_prefix(REF_PREFIX) {
            Some(name) => format!("{DEF_PREFIX}{name}"),
            None => r.to_string(),
        };
        let reference = json!({ "$ref": target });
        return if nullable {
            json!({"anyOf": [reference, null_schema()]})
        } else {
            reference
        };
    }

    // springdoc's rendering of java.lang.Object: any value.
    let is_bare_object = m.get("type").and_then(Value::as_str) == Some("object")
        && !m.keys().any(|k| {
            !matches!(
                k.as_str(),
                "type"
                    | "description"
                    | "example"
                    | "nullable"
                    | "readOnly"
                    | "writeOnly"
                    | "title"
            )
        });
    if is_bare_object {
        return json!({});
    }

    let mut out = Map::new();
    let mut minimum_exclusive = false;
    let mut maximum_exclusive = false;
    for (k, v) in m {
        match k.as_str() {
            "nullable" | "example" | "examples" | "xml" | "externalDocs" | "discriminator" => {}
            "format" if !v.is_string() => {}
            "exclusiveMinimum" if v.is_boolean() => minimum_exclusive = v == &Value::Bool(true),
            "exclusiveMaximum" if v.is_boolean() => maximum_exclusive = v == &Value::Bool(true),
            "required" if opts.partial => {}
            "pattern" => {
                let p = v
                    .as_str()
                    .map(java_pattern)
                    .map_or_else(|| v.clone(), Value::String);
                out.insert(k.clone(), p);
            }
            "properties" => {
                let props: Map<String, Value> = v
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(name, s)| {
                                let force = opts.partial.then_some(true);
                                (name.clone(), convert(s, opts, false, force))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" | "not" => {
                out.insert(k.clone(), convert(v, opts, false, None));
            }
            "additionalProperties" if v.is_object() => {
                out.insert(k.clone(), convert(v, opts, false, None));
            }
            "allOf" | "oneOf" | "anyOf" => {
                let members: Vec<Value> = v
                    .as_array()
                    .map(|a| a.iter().map(|s| convert(s, opts, true, None)).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Array(members));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if minimum_exclusive {
        if let Some(min) = out.remove("minimum") {
            out.insert("exclusiveMinimum".into(), min);
        }
    }
    if maximum_exclusive {
        if let Some(max) = out.remove("maximum") {
            out.insert("exclusiveMaximum".into(), max);
        }
    }
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    if opts.closed && !open && !composed && out.contains_key("properties") {
        out.entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    if nullable {
        return make_nullable(out);
    }
    Value::Object(out)
}

/// Java's regex dialect reads a `-` right after a class shorthand inside brackets
/// (`[\\d-_]`) as a literal; ECMA 262 (JSON Schema's dialect) refuses it. Escape it.
fn java_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 4);
    let mut in_class = false;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                    if in_class && "dswDSW".contains(n) && chars.peek() == Some(&'-') {
                        chars.next();
                        out.push_str("\\-");
                    }
                }
            }
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Lets a converted schema also accept `null`.
fn make_nullable(mut out: Map<String, Value>) -> Value {
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(mut ts)) => {
            if !ts.contains(&json!("null")) {
                ts.push(json!("null"));
            }
            out.insert("type".into(), Value::Array(ts));
        }
        _ => return json!({"anyOf": [Value::Object(out), null_schema()]}),
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> OpenApiDoc {
        OpenApiDoc::from_value(json!({
            "openapi": "3.0.0",
            "paths": {
                "/organization/{orgid}/team/bulk": {"post": {
                    "requestBody": {"content": {"application/json": {"schema":
                        {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"207": {"content": {"*/*": {"schema":
                        {"$ref": "#/components/schemas/Meta"}}}}}}},
                "/organization/{orgid}/team/{id}": {"put": {}, "get": {}}
            },
            "components": {"schemas": {
                "Req": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "nullable": true, "example": "x"},
                    "kind": {"type": "string", "enum": ["A"], "nullable": true},
                    "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                    "meta": {"$ref": "#/components/schemas/Meta"},
                    "odd": {"type": "string", "format": {"type": "string"}}}},
                "Meta": {"type": "object", "additionalProperties": {"type": "object"}},
                "Unused": {"type": "string"}
            }}
        }))
    }

    #[test]
    fn converts_nullable_refs_and_exclusive_bounds() {
        let s = tiny()
            .request_schema(
                "POST",
                "/organization/{orgid}/team/bulk",
                "application/json",
                SchemaOptions::for_request("POST"),
            )
            .unwrap();
        let req = &s["definitions"]["Req"];
        assert_eq!(
            req["properties"]["name"],
            json!({"type": ["string", "null"]})
        );
        assert_eq!(req["properties"]["kind"]["enum"], json!(["A", null]));
        assert_eq!(
            req["properties"]["n"],
            json!({"type": "integer", "exclusiveMinimum": 0})
        );
        assert_eq!(
            req["properties"]["meta"],
            json!({"$ref": "#/definitions/Meta"})
        );
        assert_eq!(req["properties"]["odd"], json!({"type": "string"}));
        assert_eq!(req["additionalProperties"], json!(false));
        assert_eq!(req["required"], json!(["name"]));
        // springdoc's Object: any value.
        assert_eq!(s["definitions"]["Meta"]["additionalProperties"], json!({}));
        assert!(s["definitions"].get("Unused").is_none());
    }

    #[test]
    fn partial_drops_required_and_allows_null() {
        let s = tiny()
            .request_schema(
                "post",
                "/organization/{orgid}/team/bulk",
                "application/json",
                SchemaOptions {
                    closed: true,
                    partial: true,
                },
            )
            .unwrap();
        let req = &s["definitions"]["Req"];
        assert!(req.get("required").is_none());
        assert_eq!(req["properties"]["n"]["type"], json!(["integer", "null"]));
        assert_eq!(
            req["properties"]["meta"],
            json!({"anyOf": [{"$ref": "#/definitions/Meta"}, {"type": "null"}]})
        );
    }

    #[test]
    fn response_and_missing_operations() {
        let d = tiny();
        assert!(d
            .response_schema(
                "post",
                "/organization/{orgid}/team/bulk",
                207,
                SchemaOptions::default()
            )
            .is_ok());
        assert!(matches!(
            d.response_schema(
                "post",
                "/organization/{orgid}/team/bulk",
                500,
                SchemaOptions::default()
            ),
            Err(OpenApiError::NoResponse { .. })
        ));
        assert!(matches!(
            d.request_schema(
                "delete",
                "/organization/{orgid}/team/bulk",
                "application/json",
                SchemaOptions::default()
            ),
            Err(OpenApiError::NoOperation { .. })
        ));
    }

    #[test]
    fn java_patterns_become_ecma() {
        assert_eq!(java_pattern(r"^[a-zA-Z\d-_\s]+$"), r"^[a-zA-Z\d\-_\s]+$");
        assert_eq!(java_pattern(r"^\d-[a-z\-]$"), r"^\d-[a-z\-]$");
    }

    #[test]
    fn match_path_prefers_literal_segments() {
        let d = tiny();
        assert_eq!(
            d.match_path("POST", "/organization/o1/team/bulk?x=1")
                .as_deref(),
            Some("/organization/{orgid}/team/bulk")
        );
        assert_eq!(
            d.match_path("get", "/organization/o1/team/abc").as_deref(),
            Some("/organization/{orgid}/team/{id}")
        );
        assert_eq!(
            d.match_path("get", "/organization/o1/team/bulk"),
            Some("/organization/{orgid}/team/{id}".into())
        );
        assert_eq!(d.match_path("delete", "/organization/o1/team/abc"), None);
    }
}
