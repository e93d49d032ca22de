//! The organisation's objects in SQLite, as Cisco's API objects, with the rules Cisco enforces
//! on writes.
//!
//! One table, `api_objects`, holds every type: the object's JSON (`data`) plus the columns the
//! rules and lists need. Beside it, `people` (Control Hub users) and `audio_blobs` (uploaded
//! audio). The old `objects` table of CSV-shaped rows is left alone.
//!
//! Names are unique per organisation and type, compared trimmed and case-insensitively (Cisco's
//! configuration service runs on a case-insensitive collation as far as its 409s show; the
//! stricter reading is the safer rehearsal). A team's name is unique within its site, an entry's
//! within its book, a user by email, an EP mapping by dialled number.

use super::filter::{self, Column, Expr};
use super::{dtos, type_by_name, ApiType, Unique};
use crate::wxcc::openapi::CONTEXTUAL_REQUIRED;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::{Map, Value};

/// The tables. `api_objects_type` lists a type's objects in the order they were made (within a
/// type and parent, its entries sort by rowid). `api_objects_identity` keeps identities unique
/// (a name within its scope: [`identity`]) and finds objects by name, the scope last so that a
/// name is found in any scope (a team's, in any site). A data dir of an earlier version had two
/// more name indexes and the identity index with the scope before the name: they are dropped,
/// and the identity index built again, when the store opens (a new object was five index
/// entries, now three).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_objects(org_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
    parent_id TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '', name_key TEXT NOT NULL,
    version INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY(org_id, id));
CREATE INDEX IF NOT EXISTS api_objects_type ON api_objects(org_id, type, parent_id);
CREATE UNIQUE INDEX IF NOT EXISTS api_objects_identity
    ON api_objects(org_id, type, parent_id, name_key, scope);
DROP INDEX IF EXISTS api_objects_name;
DROP INDEX IF EXISTS api_objects_parent_name;
DROP INDEX IF EXISTS api_objects_key;
CREATE TABLE IF NOT EXISTS people(org_id TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, created_ms INTEGER NOT NULL,
    PRIMARY KEY(org_id, id));
CREATE UNIQUE INDEX IF NOT EXISTS people_email ON people(org_id, email);
CREATE TABLE IF NOT EXISTS audio_blobs(org_id TEXT NOT NULL, id TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY(org_id, id));
";

/// Cisco's duplicate message.
pub const DUPLICATE: &str = crate::wxcc::wire::SIMILAR_ENTITY_PRESENT;

/// Why a write or a read was refused: an HTTP status and Cisco's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub description: String,
}

impl Problem {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Problem {
            status,
            description: description.into(),
        }
    }

    pub fn bad(description: impl Into<String>) -> Self {
        Self::new(400, description)
    }
}

impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::new(500, format!("internal error: {e:#}"))
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Problem::new(500, format!("internal error: {e}"))
    }
}

/// Creates the tables if needed.
pub fn init(conn: &Connection) -> anyhow::Result<()> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// Ids of every organisation.
pub fn org_ids(conn: &Connection) -> anyhow::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM orgs ORDER BY created_at, rowid")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// How many rows of the old CSV-shaped `objects` table an import created (built-in rows
/// excluded): what the worker's rewire must migrate or refuse before reading this data dir.
pub fn legacy_rows(conn: &Connection) -> anyhow::Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM objects WHERE builtin = 0")?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// Refuses a data directory whose imports live in the old CSV-shaped `objects` table: the job
/// engine reads and writes API objects only, so reading such a directory would silently show
/// an empty tenant. (The rows are kept; nothing is changed.)
pub fn refuse_legacy(conn: &Connection, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let n = legacy_rows(conn)?;
    if n > 0 {
        anyhow::bail!(
            "the sandbox data directory {} holds {n} imported object(s) in the layout of an older \
             bulk, which this version does not read: export them with the older bulk, then move \
             the directory aside (or pass another --data-dir) and import the exports again",
            data_dir.display()
        );
    }
    Ok(())
}

/// One object by id.
pub fn get(
    conn: &Connection,
    org: &str,
    ty: &ApiType,
    parent: Option<&str>,
    id: &str,
) -> Result<Option<Value>, Problem> {
    let data: Option<String> = conn
        .prepare_cached(
            "SELECT data FROM api_objects WHERE org_id = ?1 AND type = ?2 AND id = ?3
             AND parent_id = ?4",
        )?
        .query_row(params![org, ty.name, id, parent.unwrap_or("")], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(data.as_deref().map(parse_stored))
}

/// A stored object's JSON text as a value (`null` if it is not JSON).
fn parse_stored(data: &str) -> Value {
    serde_json::from_str(data).unwrap_or(Value::Null)
}

/// An object as stored: its row and its JSON text.
pub struct Stored {
    rowid: i64,
    data: String,
}

/// The stored objects of `ids` (of one type and parent), in one query, by id: a bulk PATCH of
/// 1000 users reads them at once instead of one lookup each. Ids not found are left out.
pub fn get_many(
    conn: &Connection,
    org: &str,
    ty: &ApiType,
    parent: Option<&str>,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Stored>, Problem> {
    let ids = serde_json::to_string(ids).map_err(|e| Problem::new(500, e.to_string()))?;
    // `+type` and `+parent_id` keep the planner on the primary key: with them as index terms
    // it would walk every object of the type and test each id.
    let mut stmt = conn.prepare_cached(
        "SELECT id, rowid, data FROM api_objects WHERE org_id = ?1
         AND id IN (SELECT value FROM json_each(?2)) AND +type = ?3 AND +parent_id = ?4",
    )?;
    let rows = stmt.query_map(params![org, ids, ty.name, parent.unwrap_or("")], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Stored {
                rowid: r.get(1)?,
                data: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `rowid + 0`, as in [`list`]: ordered by `rowid`, SQLite would walk every object of the type
/// in that order and test each key.
const FIND_BY_KEY: &str = "SELECT id FROM api_objects WHERE org_id = ?1 AND type = ?2
    AND parent_id = '' AND name_key = ?3 ORDER BY rowid + 0 LIMIT 1";

/// The id of the object of a top-level type with this identity key (name, email, …), if any.
pub fn find_by_key(
    conn: &Connection,
    org: &str,
    ty: &str,
    key: &str,
) -> anyhow::Result<Option<String>> {
    Ok(conn
        .prepare_cached(FIND_BY_KEY)?
        .query_row(params![org, ty, key.trim().to_lowercase()], |r| r.get(0))
        .optional()?)
}

fn exists(conn: &Connection, c: &Ctx, ty: &'static str, id: &str) -> Result<bool, Problem> {
    if let Some(known) = c.known {
        if known.borrow().get(ty).is_some_and(|ids| ids.contains(id)) {
            return Ok(true);
        }
    }
    let org = c.org;
    let found = conn
        .prepare_cached("SELECT 1 FROM api_objects WHERE org_id = ?1 AND type = ?2 AND id = ?3")?
        .query_row(params![org, ty, id], |_| Ok(()))
        .optional()?
        .is_some();
    if let (true, Some(known)) = (found, c.known) {
        known
            .borrow_mut()
            .entry(ty)
            .or_default()
            .insert(id.to_string());
    }
    Ok(found)
}

/// Ids a bulk call has already found to exist, by type: the references of 1000 users name the
/// same few sites and profiles, so each is looked up once per call (one transaction; a DELETE
/// item clears it).
pub type Known =
    std::cell::RefCell<std::collections::HashMap<&'static str, std::collections::HashSet<String>>>;

/// What a write needs to know besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub org: &'a str,
    pub ty: &'static ApiType,
    pub parent: Option<&'a str>,
    pub now_ms: i64,
    /// The call's memo of existing references (bulk calls), if any.
    pub known: Option<&'a Known>,
}

/// Properties of the body that the DTO does not have, as Cisco's 400 describes them.
pub fn unknown_fields(ty: &ApiType, body: &Map<String, Value>) -> Result<(), Problem> {
    let dto = &dtos()[ty.dto];
    for (k, v) in body {
        let Some(field) = dto.properties.get(k) else {
            return Err(Problem::bad(format!(
                "Unrecognized field \"{k}\": not a property of {}",
                ty.dto
            )));
        };
        if !v.is_null() {
            check_field(k, field, v)?;
        }
    }
    Ok(())
}

/// The document's type, allowed values and length of one top-level property.
fn check_field(name: &str, field: &super::Field, v: &Value) -> Result<(), Problem> {
    let fits = match field.ty.as_deref() {
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some("array") => v.is_array(),
        Some("object") => v.is_object(),
        _ => true,
    };
    if !fits {
        return Err(Problem::bad(format!(
            "{name}: {v} is not of type {}",
            field.ty.as_deref().unwrap_or("?")
        )));
    }
    if let Some(allowed) = &field.allowed {
        if !allowed.contains(v) {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().map(str::to_string).unwrap_or(a.to_string()))
                .collect();
            return Err(Problem::bad(format!(
                "{name}: {v} is not one of {}",
                list.join(", ")
            )));
        }
    }
    if let (Some(max), Some(s)) = (field.max_length, v.as_str()) {
        if s.chars().count() > max {
            return Err(Problem::bad(format!(
                "{name}: longer than {max} characters"
            )));
        }
    }
    Ok(())
}

fn required(ty: &ApiType, body: &Map<String, Value>) -> Result<(), Problem> {
    let dto = &dtos()[ty.dto];
    // Fields the document requires only in some contexts: the one list the client's
    // conformance checks use too, so the two sides demand the same.
    let contextual: &[&str] = CONTEXTUAL_REQUIRED
        .iter()
        .find(|(d, _)| *d == ty.dto)
        .map_or(&[], |(_, f)| f);
    for f in &dto.required {
        if contextual.contains(&f.as_str()) {
            continue;
        }
        if body.get(f).is_none_or(Value::is_null) {
            return Err(Problem::bad(format!("{f}: must not be null")));
        }
    }
    if ty.name == "entry-point"
        && body.get("channelType").and_then(Value::as_str) == Some("SOCIAL_CHANNEL")
        && body.get("socialChannelType").is_none_or(Value::is_null)
    {
        return Err(Problem::bad(
            "socialChannelType: must not be null for channelType SOCIAL_CHANNEL",
        ));
    }
    Ok(())
}

/// Every id at `path` (`a[].b`) in `obj`, with the concrete path (`a[0].b`) it was found at.
fn ids_at(obj: &Map<String, Value>, path: &str, at: &str, out: &mut Vec<(String, Value)>) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (field, array) = match head.strip_suffix("[]") {
        Some(f) => (f, true),
        None => (head, false),
    };
    // Most reference fields of most objects are absent: their path is not even written.
    let Some(x) = obj.get(field).filter(|x| !x.is_null()) else {
        return;
    };
    let name = if at.is_empty() {
        field.to_string()
    } else {
        format!("{at}.{field}")
    };
    let mut visit = |x: &Value, name: String| match (rest, x.as_object()) {
        (Some(r), Some(m)) => ids_at(m, r, &name, out),
        (Some(_), None) => {}
        (None, _) => out.push((name, x.clone())),
    };
    match (array, x.as_array()) {
        (true, Some(items)) => {
            for (i, x) in items.iter().enumerate() {
                visit(x, format!("{name}[{i}]"));
            }
        }
        _ => visit(x, name),
    }
}

fn references(conn: &Connection, c: &Ctx, body: &Map<String, Value>) -> Result<(), Problem> {
    for (path, target) in c.ty.refs {
        let mut found = Vec::new();
        ids_at(body, path, "", &mut found);
        for (at, id) in found {
            let Some(id) = id.as_str() else {
                return Err(Problem::bad(format!("{at}: must be an id (a string)")));
            };
            if id.is_empty() {
                continue;
            }
            if !exists(conn, c, target, id)? {
                return Err(Problem::bad(format!(
                    "{at}: not found for given orgId ({target} {id:?})"
                )));
            }
        }
    }
    Ok(())
}

/// The identity (scope, key) of an object; `id` when the type's key field is missing.
fn identity(ty: &ApiType, body: &Map<String, Value>, id: &str) -> (String, String) {
    let text = |f: &str| body.get(f).and_then(Value::as_str).map(str::to_string);
    let norm = |s: String| s.trim().to_lowercase();
    let (scope, key) = match ty.unique {
        Unique::Name | Unique::NameInParent => (String::new(), text("name")),
        Unique::NameWithin(f) => (text(f).unwrap_or_default(), text("name")),
        Unique::Field(f) => (String::new(), text(f)),
    };
    (
        scope,
        key.map(norm).unwrap_or_else(|| format!("\u{1f}{id}")),
    )
}

fn check_org(c: &Ctx, body: &Map<String, Value>) -> Result<(), Problem> {
    match body.get("organizationId").and_then(Value::as_str) {
        Some(o) if !o.eq_ignore_ascii_case(c.org) => Err(Problem::new(
            403,
            format!("organizationId: {o:?} is not the organization of the path"),
        )),
        _ => Ok(()),
    }
}

/// Checks a full object (create or replace): known fields, required fields, organisation and
/// references; returns its identity (scope, name key). A second object of the same identity is
/// refused by the unique index when the object is written ([`write`]: 409).
fn validate(
    conn: &Connection,
    c: &Ctx,
    body: &Map<String, Value>,
    id: &str,
) -> Result<(String, String), Problem> {
    unknown_fields(c.ty, body)?;
    required(c.ty, body)?;
    check_org(c, body)?;
    if let Some(n) = body.get("name") {
        if !n.is_string() {
            return Err(Problem::bad("name: must be a string"));
        }
    }
    references(conn, c, body)?;
    Ok(identity(c.ty, body, id))
}

fn server_fill(c: &Ctx, body: &mut Map<String, Value>, id: &str, version: i64, created: i64) {
    body.insert("id".into(), Value::from(id));
    body.insert("organizationId".into(), Value::from(c.org));
    body.insert("version".into(), Value::from(version));
    body.insert("createdTime".into(), Value::from(created));
    body.insert("lastUpdatedTime".into(), Value::from(c.now_ms));
    // Enum skill values are objects with ids of their own (skill profiles name them by id).
    if c.ty.name == "skill" {
        if let Some(Value::Array(values)) = body.get_mut("enumSkillValues") {
            for v in values.iter_mut().filter_map(Value::as_object_mut) {
                if v.get("id").is_none_or(Value::is_null) {
                    v.insert("id".into(), Value::from(uuid::Uuid::new_v4().to_string()));
                }
            }
        }
    }
    // "The system automatically populates this field" (EntryPointDTO).
    if c.ty.name == "entry-point" && body.get("controlFlowScriptUrl").is_none_or(Value::is_null) {
        body.insert(
            "controlFlowScriptUrl".into(),
            Value::from(format!(
                "https://sandbox.invalid/organization/{}/flow/{id}",
                c.org
            )),
        );
    }
}

/// How [`write`] stores an object.
enum Write {
    Insert,
    /// An update whose identity (scope, name key) changed.
    Update,
    /// An update of everything but the identity; of this row, when it was read with it.
    Data {
        rowid: Option<i64>,
    },
}

fn write(
    conn: &Connection,
    c: &Ctx,
    id: &str,
    scope: &str,
    key: &str,
    body: &Map<String, Value>,
    how: Write,
) -> Result<(), Problem> {
    let data = serde_json::to_string(body).map_err(|e| Problem::new(500, e.to_string()))?;
    let version = body.get("version").and_then(Value::as_i64).unwrap_or(0);
    let r = match how {
        // The row read in this transaction: no second lookup by id.
        Write::Data { rowid: Some(rowid) } => conn
            .prepare_cached("UPDATE api_objects SET version = ?2, data = ?3 WHERE rowid = ?1")?
            .execute(params![rowid, version, data]),
        // The identity columns are as they were: their indexes are left alone.
        Write::Data { rowid: None } => conn
            .prepare_cached(
                "UPDATE api_objects SET version = ?3, data = ?4 WHERE org_id = ?1 AND id = ?2",
            )?
            .execute(params![c.org, id, version, data]),
        Write::Insert => conn
            .prepare_cached(
                "INSERT INTO api_objects(org_id, type, id, parent_id, scope, name_key, version,
                 data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                c.org,
                c.ty.name,
                id,
                c.parent.unwrap_or(""),
                scope,
                key,
                version,
                data
            ]),
        Write::Update => conn
            .prepare_cached(
                "UPDATE api_objects SET scope = ?3, name_key = ?4, version = ?5, data = ?6
                 WHERE org_id = ?1 AND id = ?2",
            )?
            .execute(params![c.org, id, scope, key, version, data]),
    };
    match r {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(Problem::new(409, DUPLICATE))
        }
        Err(e) => Err(e.into()),
        // Read in this transaction, so always there; never answer success for nothing.
        Ok(0) => Err(not_found(c.ty, id)),
        Ok(_) => Ok(()),
    }
}

/// Creates an object; the body must not carry an `id` of an existing object. Returns it as
/// stored (with `id`, `version` 0, `organizationId`, times).
pub fn create(conn: &Connection, c: &Ctx, mut body: Map<String, Value>) -> Result<Value, Problem> {
    let id = uuid::Uuid::new_v4().to_string();
    body.remove("id");
    let (scope, key) = validate(conn, c, &body, &id)?;
    server_fill(c, &mut body, &id, 0, c.now_ms);
    write(conn, c, &id, &scope, &key, &body, Write::Insert)?;
    Ok(Value::Object(body))
}

/// Replaces an object (PUT, or a bulk SAVE with an id): same id, `version` raised, created
/// time kept.
pub fn replace(
    conn: &Connection,
    c: &Ctx,
    id: &str,
    body: Map<String, Value>,
) -> Result<Value, Problem> {
    let old = get(conn, c.org, c.ty, c.parent, id)?.ok_or_else(|| not_found(c.ty, id))?;
    replace_old(conn, c, id, &Prior::of(c, id, &old), body)
}

/// What a replace keeps of the stored object: its version, created time and identity.
struct Prior {
    version: i64,
    created: Option<i64>,
    identity: (String, String),
    /// The object's row, when it was read with it ([`get_many`]).
    rowid: Option<i64>,
}

impl Prior {
    fn of(c: &Ctx, id: &str, old: &Value) -> Prior {
        Prior {
            rowid: None,
            version: old["version"].as_i64().unwrap_or(0),
            created: old["createdTime"].as_i64(),
            identity: match old.as_object() {
                Some(o) => identity(c.ty, o, id),
                None => Default::default(),
            },
        }
    }
}

fn replace_old(
    conn: &Connection,
    c: &Ctx,
    id: &str,
    prior: &Prior,
    mut body: Map<String, Value>,
) -> Result<Value, Problem> {
    if let Some(other) = body.get("id").and_then(Value::as_str) {
        if other != id {
            return Err(Problem::bad(format!(
                "id: {other:?} does not match the id of the path"
            )));
        }
    }
    body.remove("id");
    let (before_scope, before_key) = (&prior.identity.0, &prior.identity.1);
    let (scope, key) = validate(conn, c, &body, id)?;
    server_fill(
        c,
        &mut body,
        id,
        prior.version + 1,
        prior.created.unwrap_or(c.now_ms),
    );
    let how = if (&scope, &key) == (before_scope, before_key) {
        Write::Data { rowid: prior.rowid }
    } else {
        Write::Update
    };
    write(conn, c, id, &scope, &key, &body, how)?;
    Ok(Value::Object(body))
}

/// Applies a partial update (PATCH): present fields replace, `null` clears. Server-kept fields
/// (`id`, `version`, `organizationId`, times, a user's `email` and `ciUserId`) cannot change.
pub fn patch(
    conn: &Connection,
    c: &Ctx,
    id: &str,
    changes: Map<String, Value>,
) -> Result<Value, Problem> {
    patch_stored(conn, c, id, changes, None)
}

/// [`patch`] of an object already read in this transaction ([`get_many`]), if `stored`.
pub fn patch_stored(
    conn: &Connection,
    c: &Ctx,
    id: &str,
    changes: Map<String, Value>,
    stored: Option<Stored>,
) -> Result<Value, Problem> {
    unknown_fields(c.ty, &changes)?;
    check_org(c, &changes)?;
    let (old, rowid) = match stored {
        Some(s) => (parse_stored(&s.data), Some(s.rowid)),
        None => (
            get(conn, c.org, c.ty, c.parent, id)?.ok_or_else(|| not_found(c.ty, id))?,
            None,
        ),
    };
    let prior = Prior {
        rowid,
        ..Prior::of(c, id, &old)
    };
    let Value::Object(mut body) = old else {
        return Err(Problem::new(500, "stored object is not an object"));
    };
    for (k, v) in changes {
        if matches!(
            k.as_str(),
            "id" | "version" | "organizationId" | "createdTime" | "lastUpdatedTime"
        ) {
            continue;
        }
        if c.ty.name == "user" && matches!(k.as_str(), "email" | "ciUserId") {
            if body.get(&k) != Some(&v) {
                return Err(Problem::bad(format!(
                    "{k}: cannot be changed here; it changes in Control Hub"
                )));
            }
            continue;
        }
        if v.is_null() {
            body.remove(&k);
        } else {
            body.insert(k, v);
        }
    }
    for f in [
        "id",
        "version",
        "organizationId",
        "createdTime",
        "lastUpdatedTime",
    ] {
        body.remove(f);
    }
    // The object was read above, in the same transaction: no second read.
    replace_old(conn, c, id, &prior, body)
}

/// Deletes an object (and its entries).
pub fn delete(conn: &Connection, c: &Ctx, id: &str) -> Result<(), Problem> {
    let n = conn.prepare_cached("DELETE FROM api_objects WHERE org_id = ?1 AND type = ?2 AND id = ?3 AND parent_id = ?4")?.execute(params![c.org, c.ty.name, id, c.parent.unwrap_or("")],
    )?;
    if n == 0 {
        return Err(not_found(c.ty, id));
    }
    conn.prepare_cached("DELETE FROM api_objects WHERE org_id = ?1 AND parent_id = ?2")?
        .execute(params![c.org, id])?;
    Ok(())
}

/// Cisco's 404 for an id the organisation does not have.
pub fn not_found(ty: &ApiType, id: &str) -> Problem {
    Problem::new(404, format!("{} not found: {id}", ty.name))
}

/// One page of a type's objects, oldest first, filtered; and how many match in all. Each
/// object is its stored JSON text: the page is answered as it was stored, without parsing and
/// writing every object again.
pub fn list(
    conn: &Connection,
    org: &str,
    ty: &ApiType,
    parent: Option<&str>,
    filter: Option<&Expr>,
    page: u64,
    page_size: u64,
) -> Result<(Vec<String>, u64), Problem> {
    let ListQuery {
        cond,
        mut params,
        page_sql,
    } = list_query(org, ty, parent, filter)?;
    let n = params.len();
    params.push((page_size.min(i64::MAX as u64) as i64).into());
    params.push((page.saturating_mul(page_size).min(i64::MAX as u64) as i64).into());
    // Cached: a job's filters of 100 names each are one statement.
    let mut stmt = conn.prepare_cached(&page_sql)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    // A page that is not full, and not past the end, is the last: the total follows from it
    // without counting (a job's lookups by name, 100 at a time, are each one such page; the
    // count walked the index for the same names a second time).
    let offset = page.saturating_mul(page_size);
    if (rows.len() as u64) < page_size && (!rows.is_empty() || offset == 0) {
        let total = offset + rows.len() as u64;
        return Ok((rows, total));
    }
    params.truncate(n);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM api_objects WHERE {cond}"))?
        .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
    Ok((rows, total as u64))
}

/// What [`list`] asks SQLite: the condition, its parameters (the page's size and offset
/// follow them), and the page's statement.
struct ListQuery {
    cond: String,
    params: Vec<rusqlite::types::Value>,
    page_sql: String,
}

fn list_query(
    org: &str,
    ty: &ApiType,
    parent: Option<&str>,
    filter: Option<&Expr>,
) -> Result<ListQuery, Problem> {
    let mut params: Vec<rusqlite::types::Value> = vec![
        org.to_string().into(),
        ty.name.to_string().into(),
        parent.unwrap_or("").to_string().into(),
    ];
    let mut cond = String::from("org_id = ?1 AND type = ?2 AND parent_id = ?3");
    // Whether the filter names ids or keys, which an index finds (`name_key=in=(…)`).
    let indexed = std::cell::Cell::new(false);
    if let Some(f) = filter {
        let dto = &dtos()[ty.dto];
        let key_field = match ty.unique {
            Unique::Field(f) => f,
            _ => "name",
        };
        let column = |field: &str| -> Result<Column, String> {
            if field == "id" {
                indexed.set(true);
                Ok(Column::Id)
            } else if field == key_field {
                indexed.set(true);
                Ok(Column::Key)
            } else if dto.properties.contains_key(field) {
                Ok(Column::Json(field.to_string()))
            } else {
                Err(format!(
                    "filter: {field:?} is not a field of {} that can be filtered",
                    ty.dto
                ))
            }
        };
        let sql = filter::to_sql(f, &column, &mut params).map_err(Problem::bad)?;
        cond = format!("{cond} AND {sql}");
    }
    // `ORDER BY rowid` alone makes SQLite walk the type's index in rowid order and test every
    // object against the filter; `rowid + 0` lets it look the ids or names up in their index
    // and sort the few it finds (100 names among 100,000 users: 100 rows read, not 100,000).
    let order = if indexed.get() { "rowid + 0" } else { "rowid" };
    let n = params.len();
    let page_sql = format!(
        "SELECT data FROM api_objects WHERE {cond} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    Ok(ListQuery {
        cond,
        params,
        page_sql,
    })
}

/// Stores the bytes of an audio file.
pub fn put_blob(conn: &Connection, org: &str, id: &str, data: &[u8]) -> Result<(), Problem> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO audio_blobs(org_id, id, data) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![org, id, data])?;
    Ok(())
}

/// The bytes of an audio file.
pub fn blob(conn: &Connection, org: &str, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT data FROM audio_blobs WHERE org_id = ?1 AND id = ?2")?
        .query_row(params![org, id], |r| r.get(0))
        .optional()?)
}

/// A Control Hub person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub created_ms: i64,
}

/// The person with this email, if any.
pub fn person_by_email(
    conn: &Connection,
    org: &str,
    email: &str,
) -> anyhow::Result<Option<Person>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, email, first_name, last_name, created_ms FROM people
             WHERE org_id = ?1 AND email = ?2",
        )?
        .query_row(params![org, email.trim().to_lowercase()], |r| {
            Ok(Person {
                id: r.get(0)?,
                email: r.get(1)?,
                first_name: r.get(2)?,
                last_name: r.get(3)?,
                created_ms: r.get(4)?,
            })
        })
        .optional()?)
}

/// Creates a person and the Contact Center user that a licensed person has (with the
/// "Standard Agent" user profile); 409 when the email is taken.
pub fn create_person(
    conn: &Connection,
    org: &str,
    email: &str,
    first_name: &str,
    last_name: &str,
    now_ms: i64,
) -> Result<Person, Problem> {
    People::new(conn, org, now_ms)?.create(email, first_name, last_name)
}

/// Creates people one after another in one organisation (and transaction): the default user
/// profile is looked up, and each reference checked, once.
pub struct People<'a> {
    conn: &'a Connection,
    org: &'a str,
    now_ms: i64,
    profile: String,
    known: Known,
}

impl<'a> People<'a> {
    pub fn new(conn: &'a Connection, org: &'a str, now_ms: i64) -> Result<Self, Problem> {
        let profile = find_by_key(conn, org, "user-profile", "Standard Agent")?
            .ok_or_else(|| Problem::new(500, "the default user profile is missing"))?;
        Ok(People {
            conn,
            org,
            now_ms,
            profile,
            known: Known::default(),
        })
    }

    /// Creates one person and its user; 409 when the email is taken.
    pub fn create(
        &self,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<Person, Problem> {
        let (conn, org, now_ms) = (self.conn, self.org, self.now_ms);
        let email = email.trim().to_lowercase();
        if person_by_email(conn, org, &email)?.is_some() {
            return Err(Problem::new(
                409,
                format!("a person with email {email} exists"),
            ));
        }
        let person = Person {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.clone(),
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            created_ms: now_ms,
        };
        conn.prepare_cached(
            "INSERT INTO people(org_id, id, email, first_name, last_name, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            org, person.id, email, first_name, last_name, now_ms
        ])?;
        let user = serde_json::json!({
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "ciUserId": person.id,
            "active": true,
            "contactCenterEnabled": true,
            "userProfileId": self.profile,
        });
        let Value::Object(user) = user else {
            unreachable!()
        };
        let c = Ctx {
            org,
            ty: type_by_name("user"),
            parent: None,
            now_ms,
            known: Some(&self.known),
        };
        create(conn, &c, user)?;
        Ok(person)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_names(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'api_objects' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// How SQLite runs `sql`: the details of its query plan, one line each.
    fn plan(conn: &Connection, sql: &str, params: &[rusqlite::types::Value]) -> String {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .join("\n")
    }

    fn insert(
        conn: &Connection,
        ty: &str,
        id: &str,
        scope: &str,
        key: &str,
    ) -> rusqlite::Result<usize> {
        conn.execute(
            "INSERT INTO api_objects(org_id, type, id, scope, name_key, version, data)
             VALUES ('o', ?1, ?2, ?3, ?4, 0, '{}')",
            params![ty, id, scope, key],
        )
    }

    #[test]
    fn an_earlier_data_dir_opens_with_the_identity_index_and_identities_stay_unique() {
        let conn = Connection::open_in_memory().unwrap();
        // The indexes of the version before.
        conn.execute_batch(
            "CREATE TABLE api_objects(org_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
                parent_id TEXT NOT NULL DEFAULT '', scope TEXT NOT NULL DEFAULT '',
                name_key TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
                PRIMARY KEY(org_id, id));
            CREATE INDEX api_objects_type ON api_objects(org_id, type, parent_id);
            CREATE INDEX api_objects_name ON api_objects(org_id, type, name_key);
            CREATE INDEX api_objects_parent_name ON api_objects(org_id, type, parent_id, name_key);
            CREATE UNIQUE INDEX api_objects_key
                ON api_objects(org_id, type, parent_id, scope, name_key);",
        )
        .unwrap();
        insert(&conn, "site", "s1", "", "paris").unwrap();
        insert(&conn, "team", "t1", "s1", "sales").unwrap();
        init(&conn).unwrap();
        assert_eq!(
            index_names(&conn),
            [
                "api_objects_identity",
                "api_objects_type",
                "sqlite_autoindex_api_objects_1"
            ]
        );
        // The objects are kept, and a second object of an identity is refused (the 409 of a
        // write): the same name, or a team's name in the same site; not in another site.
        let n: i64 = conn
            .query_row("SELECT count(*) FROM api_objects", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        let refused = |r: rusqlite::Result<usize>| matches!(r, Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation);
        assert!(refused(insert(&conn, "site", "s2", "", "paris")));
        assert!(refused(insert(&conn, "team", "t2", "s1", "sales")));
        insert(&conn, "team", "t3", "s2", "sales").unwrap();
        insert(&conn, "site", "s3", "", "lyon").unwrap();
        // Opening again changes nothing.
        init(&conn).unwrap();
        assert_eq!(index_names(&conn).len(), 3);
    }

    #[test]
    fn lookups_by_name_and_by_id_go_through_an_index_not_through_every_object_of_the_type() {
        let conn = Connection::open_in_memory().unwrap();
        init(&conn).unwrap();
        for (ty, filter) in [
            ("site", r#"name=in=("Paris","Lyon")"#),
            ("site", r#"name=="Paris""#),
            ("team", r#"name=="Sales""#),
            ("user", r#"email=in=("a@example.com","b@example.com")"#),
            ("user", r#"id=in=("u1","u2")"#),
        ] {
            let f = filter::parse(filter).unwrap();
            let q = list_query("o", type_by_name(ty), None, Some(&f)).unwrap();
            let mut params = q.params;
            params.extend([100i64.into(), 0i64.into()]);
            let p = plan(&conn, &q.page_sql, &params);
            let index = if filter.starts_with("id") {
                "sqlite_autoindex_api_objects_1"
            } else {
                "api_objects_identity"
            };
            assert!(
                p.contains(&format!("USING INDEX {index} (")),
                "{ty} {filter}: {p}"
            );
        }
        let by_key: Vec<rusqlite::types::Value> = vec![
            "o".to_string().into(),
            "user-profile".to_string().into(),
            "standard agent".to_string().into(),
        ];
        let p = plan(&conn, FIND_BY_KEY, &by_key);
        assert!(p.contains("USING INDEX api_objects_identity ("), "{p}");
    }
}
