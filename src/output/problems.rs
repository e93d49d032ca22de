//! A file's validation problems for a person: grouped by kind, the first few of each kind, then
//! a count of the rest and where the full list is (`bulk validate` and `bulk import`).

use super::Printer;
use crate::validate::{IssueKind, Validation};
use std::collections::BTreeMap;
use std::path::Path;

/// Problems of one kind shown on screen before the rest are only counted.
const SHOWN_PER_KIND: usize = 20;

/// Prints every problem of a file grouped by kind, the first `SHOWN_PER_KIND` of each kind,
/// then a count of the rest and where the full list is.
pub fn print_problems(
    v: &Validation,
    errors_out: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let r = &v.report;
    let mut shown: BTreeMap<IssueKind, Vec<String>> = BTreeMap::new();
    for b in v.bad_records()? {
        for i in b?.issues {
            let list = shown.entry(i.kind).or_default();
            if list.len() < SHOWN_PER_KIND {
                list.push(i.render(&r.file));
            }
        }
    }
    for (kind, lines) in &shown {
        for l in lines {
            printer.problem(l);
        }
        let total = r.by_kind.get(kind).copied().unwrap_or(0);
        if total > lines.len() as u64 {
            let whereto = match errors_out {
                Some(p) => format!("every row is in {}", p.display()),
                None => "--errors-out FILE writes every row".to_string(),
            };
            printer.problem(format!(
                "{}: ... and {} more {} problems ({whereto})",
                r.file,
                total - lines.len() as u64,
                kind.as_str()
            ));
        }
    }
    Ok(())
}

/// Prints the warnings of a file, the first `SHOWN_PER_KIND` of each kind, then a count.
pub(crate) fn print_warnings(v: &Validation, printer: &Printer) -> anyhow::Result<()> {
    let r = &v.report;
    let mut shown: BTreeMap<IssueKind, u64> = BTreeMap::new();
    for w in v.warnings()? {
        let w = w?;
        let n = shown.entry(w.kind).or_default();
        *n += 1;
        if *n <= SHOWN_PER_KIND as u64 {
            printer.warn(w.render(&r.file));
        }
    }
    for (kind, total) in &r.warnings_by_kind {
        if *total > SHOWN_PER_KIND as u64 {
            printer.warn(format!(
                "{}: ... and {} more {} warnings",
                r.file,
                total - SHOWN_PER_KIND as u64,
                kind.as_str()
            ));
        }
    }
    Ok(())
}
