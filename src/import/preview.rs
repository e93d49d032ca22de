//! What an import would do, before it does it (`bulk import --plan`, and the first step of
//! `--changed-only`): every CSV input read into its objects, planned in import order against
//! the organisation through one read-only [`Session`], with a summary per file.

use super::plan::{Body, Input};
use crate::validate::check_in_memory;
use crate::wxcc::mapping::{group_rows, Row};
use crate::wxcc::plan::{Action, Planned, Session};
use crate::wxcc::tenant::Tenant;
use anyhow::Context as _;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Read;

/// How many objects of a file get each action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub create: u64,
    pub update: u64,
    pub unchanged: u64,
    pub error: u64,
}

impl Counts {
    fn add(&mut self, a: &Action) {
        match a {
            Action::Create => self.create += 1,
            Action::Update { .. } => self.update += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Error { .. } => self.error += 1,
        }
    }

    /// The sum of two counts.
    pub fn plus(self, o: Counts) -> Counts {
        Counts {
            create: self.create + o.create,
            update: self.update + o.update,
            unchanged: self.unchanged + o.unchanged,
            error: self.error + o.error,
        }
    }

    /// Whether an import would write anything.
    pub fn changes(&self) -> bool {
        self.create + self.update > 0
    }
}

/// The plan of one input.
#[derive(Debug, Clone, Serialize)]
pub struct FilePlan {
    pub file: String,
    #[serde(rename = "type")]
    pub object_type: String,
    /// Why the input was not planned (an audio set), if it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_planned: Option<String>,
    pub summary: Counts,
    pub objects: Vec<Planned>,
}

impl FilePlan {
    /// The lines of the objects an import would leave as they are (for `--changed-only`).
    pub fn unchanged_lines(&self) -> BTreeSet<u64> {
        self.objects
            .iter()
            .filter(|p| p.action == Action::Unchanged)
            .flat_map(|p| p.lines.iter().copied())
            .collect()
    }
}

/// Plans `inputs` (in the order given: the import's dependency order) on `tenant`. Rows with
/// schema problems are not planned (validation reports them); audio sets are listed as not
/// planned. `creates_people`: see [`Session::new`].
pub fn plan<'a>(
    inputs: impl IntoIterator<Item = &'a Input>,
    tenant: &dyn Tenant,
    creates_people: bool,
) -> anyhow::Result<Vec<FilePlan>> {
    let session = Session::new(tenant, creates_people);
    let mut out = Vec::new();
    for input in inputs {
        let opened = match &input.body {
            Body::Csv(o) => o,
            Body::Audio(_) => {
                out.push(FilePlan {
                    file: input.display.clone(),
                    object_type: input.object.id.clone(),
                    not_planned: Some(
                        "audio files are uploaded as they are; a plan compares CSV columns".into(),
                    ),
                    summary: Counts::default(),
                    objects: Vec::new(),
                });
                continue;
            }
        };
        let mut bytes = Vec::new();
        opened
            .source
            .open()
            .and_then(|mut r| r.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {}", input.display))?;
        let file = check_in_memory(input.object, &bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", input.display))?;
        let header: Vec<&str> = file.header.iter().map(String::as_str).collect();
        // Only objects every row of which passes the schema checks (as an import sends them).
        let mut bad_groups = BTreeSet::new();
        for r in &file.rows {
            if !r.issues.is_empty() {
                bad_groups.insert(r.group);
            }
        }
        let rows = file
            .rows
            .iter()
            .filter(|r| !bad_groups.contains(&r.group))
            .map(|r| {
                let fields: Vec<&str> = r.fields.iter().map(String::as_str).collect();
                Row::new(input.object, &header, &fields, r.line)
            })
            .collect();
        let objects = group_rows(input.object, rows);
        let planned = session
            .plan(input.object, &file.header, &objects)
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot read the organisation to plan {}: {e}",
                    input.display
                )
            })?;
        let mut summary = Counts::default();
        for p in &planned {
            summary.add(&p.action);
        }
        out.push(FilePlan {
            file: input.display.clone(),
            object_type: input.object.id.clone(),
            not_planned: None,
            summary,
            objects: planned,
        });
    }
    Ok(out)
}
