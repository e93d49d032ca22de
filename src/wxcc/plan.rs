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

use std::collections::BTreeSet;

use serde::Serialize;

use super::apply::existing_id;
use super::endpoints::ApiType;
use super::mapping::{self, to_csv, CsvObject, MapErrorKind};
use super::tenant::Tenant;
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
        let action = plan_one(tenant, object_type, &columns, obj)?;
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
) -> Result<Action, String> {
    let mapped = match mapping::to_api(obj, tenant, tenant.org_id()) {
        Ok(m) => m,
        Err(errors) => {
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
            return Ok(Action::Error { message });
        }
    };
    let id = match existing_id(tenant, &mapped) {
        Ok(Some(id)) => id,
        Ok(None) => return Ok(Action::Create),
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
    let old = to_csv(object_type, &existing, &old_entries, tenant)?;
    let new = to_csv(object_type, &mapped.object, &new_entries, tenant)?;
    let changes = compare(object_type, columns, &old, &new);
    Ok(if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update { changes }
    })
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
