//! A valid example row for each object type, derived from its columns, for `template --example`.

use super::{registry, Column, Condition, Kind, ObjectType};

/// A name that fits the rules of the type `id` (starts with a letter, which every type allows,
/// and has allowed characters only).
pub fn example_name(id: &str) -> String {
    if id == "audio-file" {
        return "welcome_prompt.wav".into();
    }
    let words: String = id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let pattern_allows_space = registry()
        .get(id)
        .and_then(|t| t.column("Name"))
        .and_then(|c| c.pattern.as_deref())
        .is_none_or(|p| p.contains(" ") || p.contains("\\s"));
    let name = format!("Sample {words}");
    if pattern_allows_space {
        name
    } else {
        name.replace(' ', "_")
    }
}

fn example_value(t: &ObjectType, c: &Column) -> String {
    if let Some(e) = &c.example {
        return e.clone();
    }
    match c.kind {
        Kind::Name => example_name(&t.id),
        Kind::Text => match c.name.as_str() {
            "Extension" => "1234".into(),
            _ => format!("Example {}", c.name.to_lowercase()),
        },
        Kind::Integer => {
            let v = 30i64.max(c.min.unwrap_or(0));
            c.max.map_or(v, |m| v.min(m)).to_string()
        }
        Kind::Boolean | Kind::Enum => c.values.first().cloned().unwrap_or_default(),
        Kind::Email => "agent1@example.com".into(),
        Kind::Phone => "+14085550123".into(),
        Kind::Timezone => "America/New_York".into(),
        Kind::Ref => example_name(c.target.as_deref().unwrap_or("object")),
        Kind::List => match (&c.target, c.values.first()) {
            (Some(target), _) => example_name(target),
            (None, Some(v)) => v.clone(),
            (None, None) => "Example".into(),
        },
    }
}

/// One valid row: every required column filled, and every column a filled one makes required.
pub fn example_row(t: &ObjectType) -> Vec<String> {
    let mut row: Vec<String> = vec![String::new(); t.columns.len()];
    for (i, c) in t.columns.iter().enumerate() {
        if c.required {
            row[i] = example_value(t, c);
        }
    }
    // Conditions can chain (Contact Center Enabled -> Site -> Desktop Profile): repeat until
    // nothing changes.
    loop {
        let mut changed = false;
        for (i, c) in t.columns.iter().enumerate() {
            if !row[i].is_empty() {
                continue;
            }
            let value_of = |name: &str| {
                t.columns
                    .iter()
                    .position(|x| x.name == *name)
                    .map(|j| row[j].as_str())
                    .unwrap_or("")
            };
            let needed = match &c.required_if {
                Some(Condition::Equals { column, equals }) => {
                    equals.iter().any(|e| e == value_of(column))
                }
                Some(Condition::AnySet { any_set }) => {
                    any_set.iter().any(|n| !value_of(n).is_empty())
                }
                None => false,
            };
            if needed {
                row[i] = example_value(t, c);
                changed = true;
            }
        }
        if !changed {
            return row;
        }
    }
}
