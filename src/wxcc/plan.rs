//! What an import would do to the organisation, object by object, without writing anything:
//! `create`, `update` (with each changed column as old → new), `unchanged`, or `error`.
//!
//! Both sides of the comparison go through the one mapping an import writes with: the input
//! object is mapped to its API object and written back as CSV rows ([`to_csv`]), and the
//! organisation's object is written as CSV rows the same way. So a cell counts as changed
//! exactly when the import would change the value the organisation holds (`on` and `ON` are
//! the same, a name in another case resolves to the same object), and a blank cell means what
//! the mapping makes of it. Only the columns of the input file are compared: a column the file
//! does not have is left as it is by the import, and so by the plan. Multi-row objects (a
//! skill profile's skills, a queue's distribution groups, address-book entries) are compared
//! whole: their parent columns, and their child rows as a set.
//!
//! Reads go through the [`Tenant`]'s resolver, which fetches each list once per tenant value,
//! so a plan costs a request per object type referenced (and per page), not per row.
//!
//! A plan of several files ([`Session`]) sees what the files before would create: a team
//! naming a site that an earlier file of the same import creates is a create, not an unknown
//! reference. The session is a [`Tenant`] whose writes all fail, so a plan cannot write.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::apply::existing_id;
use super::endpoints::ApiType;
use super::mapping::{self, to_csv, CsvObject, MapErrorKind, Mapped};
use super::resolve::{find_in, name_field, ResolveError, Resolver};
use super::tenant::{Outcome, Tenant, TenantError};
use super::wire::{ApiObject, AudioFileInfo};
use crate::schema::ObjectType;

/// One changed column of an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The CSV column (for a multi-row object's children: `"<child columns>"` as one tuple).
    pub column: String,
    /// What the organisation holds ("" when blank or absent).
    pub old: String,
    /// What the import would write.
    pub new: String,
}

/// What an import would do with one CSV object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Action {
    Create,
    Update {
        changes: Vec<Change>,
    },
    Unchanged,
    /// The import would fail this object (an unknown reference, a user with no Control Hub
    /// person, a value the API cannot take).
    Error {
        message: String,
    },
}

impl Action {
    /// `create`, `update`, `unchanged` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update { .. } => "update",
            Action::Unchanged => "unchanged",
            Action::Error { .. } => "error",
        }
    }

    /// Whether an import would write this object.
    pub fn writes(&self) -> bool {
        matches!(self, Action::Create | Action::Update { .. })
    }
}

/// The plan for one CSV object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    /// The physical lines of the object's rows in the input.
    pub lines: Vec<u64>,
    /// The object's identity as written in the file (`Sales`, `Team1: Paris`, an email).
    pub name: String,
    #[serde(flatten)]
    pub action: Action,
}

/// Plans every object of one CSV type. A failure to read the organisation (unreachable, 401)
/// is `Err`: a plan that could not look is no plan.
pub fn plan(
    tenant: &dyn Tenant,
    object_type: &ObjectType,
    header: &[String],
    objects: &[CsvObject],
) -> Result<Vec<Planned>, String> {
    plan_objects(tenant, object_type, header, objects, false, &mut |_| {})
}

/// [`plan`] with the target's people rule (`creates_people`: a user row whose email has no
/// person is created, as the lenient sandbox does, rather than an error) and a callback that
/// receives each object the plan would create.
fn plan_objects(
    tenant: &dyn Tenant,
    object_type: &ObjectType,
    header: &[String],
    objects: &[CsvObject],
    creates_people: bool,
    created: &mut dyn FnMut(Mapped),
) -> Result<Vec<Planned>, String> {
    // The schema's spelling of the file's columns, in the file's order.
    let columns: Vec<&str> = header
        .iter()
        .filter_map(|h| {
            let wanted = crate::schema::normalize_header(h);
            object_type
                .columns
                .iter()
                .find(|c| crate::schema::normalize_header(&c.name) == wanted)
                .map(|c| c.name.as_str())
        })
        .collect();
    let mut out = Vec::with_capacity(objects.len());
    for obj in objects {
        let lines: Vec<u64> = obj.rows.iter().map(|r| r.line).collect();
        let name = identity(object_type, obj);
        let (action, mapped) = plan_one(tenant, object_type, &columns, obj, creates_people)?;
        if let (Action::Create, Some(m)) = (&action, mapped) {
            created(m);
        }
        out.push(Planned {
            lines,
            name,
            action,
        });
    }
    Ok(out)
}

/// The identity columns' values of an object's first row, joined as the file shows them.
fn identity(object_type: &ObjectType, obj: &CsvObject) -> String {
    let Some(first) = obj.rows.first() else {
        return String::new();
    };
    object_type
        .identity
        .iter()
        .map(|c| first.get(c))
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

fn plan_one(
    tenant: &dyn Tenant,
    object_type: &ObjectType,
    columns: &[&str],
    obj: &CsvObject,
    creates_people: bool,
) -> Result<(Action, Option<Mapped>), String> {
    let mapped = match mapping::to_api(obj, tenant, tenant.org_id()) {
        Ok(m) => m,
        Err(errors)
            if creates_people && errors.iter().all(|e| e.kind == MapErrorKind::UnknownPerson) =>
        {
            // The lenient sandbox creates the person, then the user: a create.
            return Ok((Action::Create, None));
        }
        Err(mut errors) => {
            if creates_people {
                // As the lenient sandbox reports it: the other problems are the ones to fix.
                errors.retain(|e| e.kind != MapErrorKind::UnknownPerson);
            }
            // A user with no person is the one row error an import could not avoid by
            // fixing the file: say what a real tenant needs.
            let message = errors
                .iter()
                .map(|e| match e.kind {
                    MapErrorKind::UnknownPerson => format!(
                        "line {}: no Control Hub person has the email {:?}: create the person first",
                        e.line, e.value
                    ),
                    _ => e.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Ok((Action::Error { message }, None));
        }
    };
    let id = match existing_id(tenant, &mapped) {
        Ok(Some(id)) => id,
        Ok(None) => return Ok((Action::Create, Some(mapped))),
        // Several objects of that name (a team without its site): the import fails it too.
        Err(message) if message.contains("objects are named") => {
            return Ok((Action::Error { message }, None))
        }
        Err(e) => return Err(e),
    };
    let existing = tenant
        .object(mapped.api, &id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{:?} {id} was listed but cannot be read", mapped.api))?;
    let old_entries = if mapped.entries.is_empty() && !has_entries(mapped.api) {
        Vec::new()
    } else {
        tenant
            .list_entries(mapped.api, &id)
            .map_err(|e| e.to_string())?
    };
    let new_entries: Vec<_> = mapped.entries.iter().map(|(_, e)| e.clone()).collect();
    // A user's PATCH names the user by id alone: its email is the one it was found by.
    let mut new_object = mapped.object.clone();
    let field = name_field(mapped.api);
    if let (None, Some(v)) = (new_object.get(field), existing.get(field)) {
        new_object.insert(field.to_string(), v.clone());
    }
    let old = to_csv(object_type, &existing, &old_entries, tenant)?;
    let new = to_csv(object_type, &new_object, &new_entries, tenant)?;
    let changes = compare(object_type, columns, &old, &new);
    Ok((
        if changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Update { changes }
        },
        None,
    ))
}

/// A plan of several files in their import order, on one tenant: each file sees the objects
/// the files before it would create. It is itself a [`Tenant`] whose every write fails.
pub struct Session<'a> {
    inner: &'a dyn Tenant,
    creates_people: bool,
    planned: RefCell<Overlay>,
}

/// The objects a session would create, indexed by type and lower-case name.
#[derive(Default)]
struct Overlay {
    objects: HashMap<ApiType, Vec<ApiObject>>,
    by_name: HashMap<(ApiType, String), Vec<usize>>,
}

/// The id a planned object gets: never a real object's id.
const PLANNED_ID: &str = "planned:";

impl<'a> Session<'a> {
    /// A session on `inner`. `creates_people`: the target creates a missing person on a user
    /// row (the sandbox without `--strict-people`); a real tenant does not.
    pub fn new(inner: &'a dyn Tenant, creates_people: bool) -> Self {
        Session {
            inner,
            creates_people,
            planned: RefCell::new(Overlay::default()),
        }
    }

    /// Plans one file's objects (see [`plan`]), after the files planned before on this session.
    pub fn plan(
        &self,
        object_type: &ObjectType,
        header: &[String],
        objects: &[CsvObject],
    ) -> Result<Vec<Planned>, String> {
        plan_objects(
            self,
            object_type,
            header,
            objects,
            self.creates_people,
            &mut |m| self.remember(m),
        )
    }

    fn remember(&self, m: Mapped) {
        let mut overlay = self.planned.borrow_mut();
        let list = overlay.objects.entry(m.api).or_default();
        let mut o = m.object;
        let id = format!("{PLANNED_ID}{}", list.len());
        // An enum skill's values get ids of their own (skill profiles name them by id).
        if let Some(Value::Array(values)) = o.get_mut("enumSkillValues") {
            for (i, v) in values.iter_mut().enumerate() {
                if let Some(v) = v.as_object_mut() {
                    v.entry("id")
                        .or_insert_with(|| Value::String(format!("{id}:{i}")));
                }
            }
        }
        o.insert("id".into(), Value::String(id));
        let name = o
            .get(name_field(m.api))
            .and_then(Value::as_str)
            .map(|n| n.trim().to_lowercase());
        list.push(o);
        let at = list.len() - 1;
        if let Some(name) = name {
            overlay.by_name.entry((m.api, name)).or_default().push(at);
        }
    }

    fn refuse<T>(&self) -> Result<T, TenantError> {
        Err(TenantError::Unsupported(
            "a plan never writes to the organisation".into(),
        ))
    }
}

impl Resolver for Session<'_> {
    fn id_of(
        &self,
        api: ApiType,
        name: &str,
        site_id: Option<&str>,
    ) -> Result<Option<String>, ResolveError> {
        if let Some(id) = self.inner.id_of(api, name, site_id)? {
            return Ok(Some(id));
        }
        let overlay = self.planned.borrow();
        let Some(hits) = overlay.by_name.get(&(api, name.trim().to_lowercase())) else {
            return Ok(None);
        };
        let list = &overlay.objects[&api];
        find_in(api, hits.iter().map(|&i| &list[i]), name, site_id)
    }

    fn object(&self, api: ApiType, id: &str) -> Result<Option<ApiObject>, ResolveError> {
        match id.strip_prefix(PLANNED_ID) {
            Some(n) => Ok(n.parse::<usize>().ok().and_then(|n| {
                self.planned
                    .borrow()
                    .objects
                    .get(&api)
                    .and_then(|l| l.get(n).cloned())
            })),
            None => self.inner.object(api, id),
        }
    }
}

impl Tenant for Session<'_> {
    fn org_id(&self) -> &str {
        self.inner.org_id()
    }

    fn list(&self, api: ApiType) -> Result<Vec<ApiObject>, TenantError> {
        let mut all = self.inner.list(api)?;
        if let Some(planned) = self.planned.borrow().objects.get(&api) {
            all.extend(planned.iter().cloned());
        }
        Ok(all)
    }

    fn list_entries(&self, api: ApiType, parent_id: &str) -> Result<Vec<ApiObject>, TenantError> {
        if parent_id.starts_with(PLANNED_ID) {
            return Ok(Vec::new());
        }
        self.inner.list_entries(api, parent_id)
    }

    fn create(&self, _: ApiType, _: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        self.refuse()
    }

    fn update(&self, _: ApiType, _: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        self.refuse()
    }

    fn patch_users(&self, _: &[ApiObject]) -> Result<Vec<Outcome>, TenantError> {
        self.refuse()
    }

    fn save_address_book(&self, _: &ApiObject) -> Result<Outcome, TenantError> {
        self.refuse()
    }

    fn save_entries(
        &self,
        _: ApiType,
        _: &str,
        _: &[ApiObject],
    ) -> Result<Vec<Outcome>, TenantError> {
        self.refuse()
    }

    fn upload_audio(&self, _: &AudioFileInfo, _: Vec<u8>) -> Result<Outcome, TenantError> {
        self.refuse()
    }
}

fn has_entries(api: ApiType) -> bool {
    matches!(api, ApiType::AddressBook | ApiType::OutdialAni)
}

/// The changed columns between two renderings of one object (rows in `object_type`'s column
/// order): parent columns from the first row, child rows as a set of tuples.
fn compare(
    object_type: &ObjectType,
    columns: &[&str],
    old: &[Vec<String>],
    new: &[Vec<String>],
) -> Vec<Change> {
    let index = |c: &str| {
        object_type
            .columns
            .iter()
            .position(|x| x.name.eq_ignore_ascii_case(c))
    };
    let cell = |rows: &[Vec<String>], i: usize| -> String {
        rows.first()
            .and_then(|r| r.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let (children, parents): (Vec<&str>, Vec<&str>) = columns
        .iter()
        .partition(|c| object_type.is_multi_row() && object_type.is_child_column(c));
    let mut changes = Vec::new();
    for c in parents {
        let Some(i) = index(c) else { continue };
        let (o, n) = (cell(old, i), cell(new, i));
        if o != n {
            changes.push(Change {
                column: c.to_string(),
                old: o,
                new: n,
            });
        }
    }
    if !children.is_empty() {
        let idx: Vec<usize> = children.iter().filter_map(|c| index(c)).collect();
        let set = |rows: &[Vec<String>]| -> BTreeSet<String> {
            rows.iter()
                .map(|r| {
                    idx.iter()
                        .map(|&i| r.get(i).map_or("", String::as_str))
                        .collect::<Vec<_>>()
                })
                .filter(|t| t.iter().any(|v| !v.is_empty()))
                .map(|t| t.join(", "))
                .collect()
        };
        let (o, n) = (set(old), set(new));
        if o != n {
            let show = |s: &BTreeSet<String>| {
                s.iter()
                    .map(|t| format!("({t})"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            changes.push(Change {
                column: children.join(", "),
                old: show(&o),
                new: show(&n),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn ty(id: &str) -> &'static ObjectType {
        crate::schema::registry().get(id).unwrap()
    }

    #[test]
    fn only_the_files_columns_that_differ_are_changes() {
        let site = ty("site");
        let old = rows(&[&["Paris", "Blended"]]);
        let new = rows(&[&["Paris", "Telephony Only"]]);
        let all: Vec<&str> = site.columns.iter().map(|c| c.name.as_str()).collect();
        let c = compare(site, &all, &old, &new);
        assert_eq!(
            c,
            vec![Change {
                column: "Multimedia Profile".into(),
                old: "Blended".into(),
                new: "Telephony Only".into()
            }]
        );
        // A column the file does not have is not compared.
        assert!(compare(site, &["Name"], &old, &new).is_empty());
        assert!(compare(site, &all, &old, &old).is_empty());
    }

    #[test]
    fn child_rows_compare_as_a_set() {
        let sp = ty("skill-profile");
        let width = sp.columns.len();
        let child = |name: &str, value: &str| {
            let mut r = vec![String::new(); width];
            r[0] = "Tier 1".into();
            for (i, c) in sp.columns.iter().enumerate() {
                if c.name == "Skill Name" {
                    r[i] = name.into();
                }
                if c.name == "Skill Value" {
                    r[i] = value.into();
                }
            }
            r
        };
        let all: Vec<&str> = sp.columns.iter().map(|c| c.name.as_str()).collect();
        let a = vec![child("English", "5"), child("French", "3")];
        let b = vec![child("French", "3"), child("English", "5")];
        assert!(
            compare(sp, &all, &a, &b).is_empty(),
            "order does not matter"
        );
        let c = vec![child("French", "3"), child("English", "7")];
        let changes = compare(sp, &all, &a, &c);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].old.contains("English, 5"), "{changes:?}");
        assert!(changes[0].new.contains("English, 7"), "{changes:?}");
    }
}
