//! Working out which object type a file holds: `--type` wins, then the file name, then the header.

use super::{normalize_header, registry, FileKind, ObjectType, ERROR_CSV_COLUMNS};
use std::path::Path;

/// Why no single type could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("unknown object type \"{given}\"{hint}; `bulk template --list` lists the types")]
    UnknownType { given: String, hint: String },
    #[error("{file}: cannot tell the object type from the file name or the header; pass --type (one of: {all})")]
    Undetected { file: String, all: String },
    #[error("{file}: the {from} fits several object types ({}); pass --type to choose", candidates.join(", "))]
    Ambiguous {
        file: String,
        from: &'static str,
        candidates: Vec<String>,
    },
}

/// A type and how it was chosen (shown to the user).
#[derive(Debug, Clone, Copy)]
pub struct Detected {
    pub object: &'static ObjectType,
    pub from: &'static str,
}

/// Squashes a name to lower-case letters and digits, without a plural `s`: `Skill-Profiles` ->
/// `skillprofile`.
fn squash(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if out.len() > 3 && out.ends_with('s') {
        out.pop();
    }
    out
}

fn names_of(t: &ObjectType) -> impl Iterator<Item = String> + '_ {
    std::iter::once(squash(&t.id))
        .chain(std::iter::once(squash(&t.display_name)))
        .chain(t.aliases.iter().map(|a| squash(a)))
}

/// The type named by an id, display name or alias (`users`, `Skill Profiles`, `desktop-profile`).
pub fn find_type(given: &str) -> Result<&'static ObjectType, DetectError> {
    let want = squash(given);
    if let Some(t) = registry()
        .types
        .iter()
        .find(|t| names_of(t).any(|n| n == want))
    {
        return Ok(t);
    }
    let best = registry()
        .types
        .iter()
        .map(|t| (strsim::jaro_winkler(&t.id, &given.to_lowercase()), &t.id))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((score, id)) if score > 0.8 => format!(" (did you mean {id}?)"),
        _ => String::new(),
    };
    Err(DetectError::UnknownType {
        given: given.to_string(),
        hint,
    })
}

/// Types named by a window of the file name's words: the longest match wins
/// (`outdial-entry-points.csv` is an outdial entry point, not an entry point).
fn from_file_name(path: &Path) -> Vec<&'static ObjectType> {
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words: Vec<&str> = stem
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut best: Vec<&'static ObjectType> = Vec::new();
    let mut best_len = 0;
    for start in 0..words.len() {
        for end in start + 1..=words.len().min(start + 4) {
            let cand = squash(&words[start..end].concat());
            for t in &registry().types {
                if names_of(t).any(|n| n == cand) {
                    let len = end - start;
                    if len > best_len {
                        best_len = len;
                        best.clear();
                    }
                    if len == best_len && !best.iter().any(|b| b.id == t.id) {
                        best.push(t);
                    }
                }
            }
        }
    }
    best
}

/// Types whose columns explain the whole header and whose required columns are all present.
fn from_header(header: &[String]) -> Vec<&'static ObjectType> {
    let cells: Vec<String> = header
        .iter()
        .map(|h| normalize_header(h))
        .filter(|h| !ERROR_CSV_COLUMNS.iter().any(|e| e.eq_ignore_ascii_case(h)))
        .collect();
    if cells.is_empty() {
        return Vec::new();
    }
    registry()
        .types
        .iter()
        .filter(|t| t.file == FileKind::Csv)
        .filter(|t| {
            let known = |h: &String| t.columns.iter().any(|c| normalize_header(&c.name) == *h);
            cells.iter().all(known)
                && t.columns
                    .iter()
                    .filter(|c| c.required)
                    .all(|c| cells.contains(&normalize_header(&c.name)))
        })
        .collect()
}

/// Chooses the type of `path`: `given` (from `--type`) wins, then the file name, then the header.
pub fn detect_type(
    path: &Path,
    given: Option<&str>,
    header: Option<&[String]>,
) -> Result<Detected, DetectError> {
    if let Some(g) = given {
        return Ok(Detected {
            object: find_type(g)?,
            from: "--type",
        });
    }
    let file = path.display().to_string();
    match from_file_name(path).as_slice() {
        [one] => {
            return Ok(Detected {
                object: one,
                from: "file name",
            })
        }
        [] => {}
        many => {
            return Err(DetectError::Ambiguous {
                file,
                from: "file name",
                candidates: many.iter().map(|t| t.id.clone()).collect(),
            })
        }
    }
    if let Some(h) = header {
        match from_header(h).as_slice() {
            [one] => {
                return Ok(Detected {
                    object: one,
                    from: "header",
                })
            }
            [] => {}
            many => {
                return Err(DetectError::Ambiguous {
                    file,
                    from: "header",
                    candidates: many.iter().map(|t| t.id.clone()).collect(),
                })
            }
        }
    }
    Err(DetectError::Undetected {
        file,
        all: registry()
            .types
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_name(name: &str) -> Result<&'static str, DetectError> {
        detect_type(Path::new(name), None, None).map(|d| d.object.id.as_str())
    }

    #[test]
    fn file_names_name_their_type() {
        for (file, id) in [
            ("users.csv", "user"),
            ("Users_export_2026-11.csv", "user"),
            ("skill-profiles.csv", "skill-profile"),
            ("outdial-entry-points.csv", "outdial-entry-point"),
            ("entry_points.csv", "entry-point"),
            ("Address Books.csv", "address-book"),
            ("users.part-003.lines-10002-15001.csv", "user"),
            ("users.errors.csv", "user"),
            ("desktop-profiles.csv", "agent-profile"),
            ("prompts.zip", "audio-file"),
        ] {
            assert_eq!(by_name(file).unwrap(), id, "{file}");
        }
    }

    #[test]
    fn a_name_with_two_types_is_ambiguous_and_lists_them() {
        let err = by_name("teams_and_sites.csv").unwrap_err().to_string();
        assert!(err.contains("site") && err.contains("team"), "{err}");
    }

    #[test]
    fn header_decides_when_the_name_says_nothing() {
        let h: Vec<String> = ["NAME", "SITE", "TYPE", "MULTIMEDIA PROFILE", "Line"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let d = detect_type(Path::new("export.csv"), None, Some(&h)).unwrap();
        assert_eq!(d.object.id, "team");
        assert_eq!(d.from, "header");
    }

    #[test]
    fn identical_headers_are_ambiguous() {
        let h: Vec<String> = registry()
            .get("queue")
            .unwrap()
            .header()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = detect_type(Path::new("x.csv"), None, Some(&h))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("queue") && err.contains("outdial-queue"),
            "{err}"
        );
    }

    #[test]
    fn type_flag_wins_and_unknown_types_get_a_suggestion() {
        let d = detect_type(Path::new("users.csv"), Some("team"), None).unwrap();
        assert_eq!(d.object.id, "team");
        let err = find_type("skil-profile").unwrap_err().to_string();
        assert!(err.contains("did you mean skill-profile"), "{err}");
    }
}
