//! Applies the CSV objects of one file to a [`Tenant`]: maps each through [`mapping`], decides
//! create or update by looking its identity up, sends them in as few calls as the API allows,
//! and answers one [`Applied`] per object with the lines of the rows it came from. This is the
//! piece the job worker calls; it knows nothing of jobs, files on disk or the sandbox.

use serde_json::Value;

use super::endpoints::ApiType;
use super::mapping::{self, CsvObject, MapError, Mapped};
use super::resolve::name_field;
use super::tenant::{Outcome, Tenant, TenantError};
use super::wire::ApiObject;

/// What became of one CSV object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The physical lines of the object's rows in the input.
    pub lines: Vec<u64>,
    pub result: Result<Outcome, ObjectError>,
}

/// Why an object was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    /// The rows could not be mapped (unknown reference, unknown person, unsupported value).
    Rows(Vec<MapError>),
    /// The tenant refused the object or did not process it ([`Outcome::Failed`] or
    /// [`Outcome::NotProcessed`]), or one of its entries.
    Tenant(String),
}

impl std::fmt::Display for ObjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectError::Rows(errors) => {
                let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
                f.write_str(&parts.join("; "))
            }
            ObjectError::Tenant(m) => f.write_str(m),
        }
    }
}

fn lines(obj: &CsvObject) -> Vec<u64> {
    obj.rows.iter().map(|r| r.line).collect()
}

/// The id of the existing object `mapped` describes, if any: by name (teams: within their
/// site; entry point mappings: by number; users already carry theirs).
pub(crate) fn existing_id(tenant: &dyn Tenant, mapped: &Mapped) -> Result<Option<String>, String> {
    if let Some(id) = mapped.object.get("id").and_then(Value::as_str) {
        return Ok(Some(id.to_string()));
    }
    let Some(name) = mapped
        .object
        .get(name_field(mapped.api))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let site = match mapped.api {
        ApiType::Team => mapped.object.get("siteId").and_then(Value::as_str),
        _ => None,
    };
    tenant
        .id_of(mapped.api, name, site)
        .map_err(|e| e.to_string())
}

/// Applies every object of one CSV type (`type_id`) in order. A whole-call failure (the tenant
/// unreachable, 401, 429 after the caller's retries) ends the file with `Err`: nothing after
/// it was attempted.
pub fn apply(tenant: &dyn Tenant, objects: &[CsvObject]) -> Result<Vec<Applied>, TenantError> {
    let prepared = prepare(tenant, objects)?;
    send(tenant, objects, prepared)
}

/// The objects of one [`apply`], mapped and looked up but not sent: [`prepare`] only reads
/// the tenant, so a caller may prepare the next objects while the tenant saves these.
#[derive(Debug)]
pub struct Prepared {
    /// The objects that failed already (mapping or lookup), by index.
    results: Vec<Option<Applied>>,
    /// (index, mapped, existing id) of the objects to send, in order.
    ready: Vec<(usize, Mapped, Option<String>)>,
}

/// The reading half of [`apply`]: maps each object and looks its identity up. It writes
/// nothing, so it may run ahead of [`send`] for objects whose identities the objects still
/// being sent do not share.
pub fn prepare(tenant: &dyn Tenant, objects: &[CsvObject]) -> Result<Prepared, TenantError> {
    let mut results: Vec<Option<Applied>> = vec![None; objects.len()];
    let mut ready: Vec<(usize, Mapped, Option<String>)> = Vec::new();
    prefetch_people(tenant, objects)?;
    for (i, obj) in objects.iter().enumerate() {
        match mapping::to_api(obj, tenant, tenant.org_id()) {
            Ok(mapped) => match existing_id(tenant, &mapped) {
                Ok(id) => ready.push((i, mapped, id)),
                Err(e) => {
                    results[i] = Some(Applied {
                        lines: lines(obj),
                        result: Err(ObjectError::Tenant(e)),
                    })
                }
            },
            Err(errors) => {
                results[i] = Some(Applied {
                    lines: lines(obj),
                    result: Err(ObjectError::Rows(errors)),
                })
            }
        }
    }
    Ok(Prepared { results, ready })
}

/// Each user row looks its person up by email: those lookups, asked of the tenant all at once
/// ([`Tenant::prefetch`]).
fn prefetch_people(tenant: &dyn Tenant, objects: &[CsvObject]) -> Result<(), TenantError> {
    if objects.first().is_none_or(|o| o.type_id != "user") {
        return Ok(());
    }
    let emails: Vec<String> = objects
        .iter()
        .filter_map(|o| o.rows.first())
        .map(|r| r.get("Email").to_string())
        .filter(|e| !e.is_empty())
        .collect();
    tenant.prefetch(ApiType::User, &emails)
}

/// The writing half of [`apply`]: sends what [`prepare`] made of `objects` (the same slice).
pub fn send(
    tenant: &dyn Tenant,
    objects: &[CsvObject],
    prepared: Prepared,
) -> Result<Vec<Applied>, TenantError> {
    let Prepared {
        mut results,
        mut ready,
    } = prepared;
    let Some(api) = ready.first().map(|(_, m, _)| m.api) else {
        return Ok(results.into_iter().flatten().collect());
    };
    let outcomes: Vec<Outcome> = match api {
        ApiType::User => {
            // Users have no entries: the objects are not needed after the call.
            let items: Vec<ApiObject> = ready
                .iter_mut()
                .map(|(_, m, _)| std::mem::take(&mut m.object))
                .collect();
            tenant.patch_users(&items)?
        }
        ApiType::AddressBook => {
            let mut out = Vec::with_capacity(ready.len());
            for (_, m, id) in &ready {
                let mut book = m.object.clone();
                if let Some(id) = id {
                    book.insert("id".into(), Value::String(id.clone()));
                }
                out.push(tenant.save_address_book(&book)?);
            }
            out
        }
        _ => {
            let (mut creates, mut updates) = (Vec::new(), Vec::new());
            for (k, (_, m, id)) in ready.iter().enumerate() {
                let mut o = m.object.clone();
                match id {
                    Some(id) => {
                        if api == ApiType::Skill {
                            if let Ok(Some(existing)) = tenant.object(api, id) {
                                carry_enum_value_ids(&mut o, &existing);
                            }
                        }
                        o.insert("id".into(), Value::String(id.clone()));
                        updates.push((k, o));
                    }
                    None => creates.push((k, o)),
                }
            }
            let mut out = vec![Outcome::NotProcessed; ready.len()];
            let items: Vec<ApiObject> = creates.iter().map(|(_, o)| o.clone()).collect();
            if !items.is_empty() {
                for ((k, _), o) in creates.iter().zip(tenant.create(api, &items)?) {
                    out[*k] = o;
                }
            }
            let items: Vec<ApiObject> = updates.iter().map(|(_, o)| o.clone()).collect();
            if !items.is_empty() {
                for ((k, _), o) in updates.iter().zip(tenant.update(api, &items)?) {
                    out[*k] = o;
                }
            }
            out
        }
    };
    for ((i, mapped, _), outcome) in ready.iter().zip(outcomes) {
        let result = match (&outcome, outcome.id()) {
            (_, Some(parent)) if !mapped.entries.is_empty() => {
                save_entries(tenant, mapped, parent).map(|()| outcome.clone())
            }
            (_, Some(_)) => Ok(outcome.clone()),
            _ => Err(ObjectError::Tenant(
                outcome.error_message().unwrap_or_default(),
            )),
        };
        results[*i] = Some(Applied {
            lines: lines(&objects[*i]),
            result,
        });
    }
    Ok(results.into_iter().flatten().collect())
}

/// Gives each enum value of an updated skill the `id` of the existing value of the same name
/// (case-insensitively), so that skill profiles naming the old value ids
/// (`activeEnumSkills[].enumSkillValueId`) still find them; a new value goes without id.
/// Issue 12: an update sending `[{name}]` alone gave every value a new id.
fn carry_enum_value_ids(update: &mut ApiObject, existing: &ApiObject) {
    let old: Vec<(String, &Value)> = existing
        .get("enumSkillValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?.to_lowercase();
            Some((name, v.get("id").filter(|id| !id.is_null())?))
        })
        .collect();
    let Some(Value::Array(values)) = update.get_mut("enumSkillValues") else {
        return;
    };
    for v in values.iter_mut().filter_map(Value::as_object_mut) {
        let Some(name) = v.get("name").and_then(Value::as_str).map(str::to_lowercase) else {
            continue;
        };
        if let Some((_, id)) = old.iter().find(|(n, _)| *n == name) {
            v.insert("id".into(), (*id).clone());
        }
    }
}

/// Saves an address book's or outdial ANI's entries; an entry whose name exists already is
/// updated (matched case-insensitively by name, an assumption: wxcc-config-api.md §3).
fn save_entries(tenant: &dyn Tenant, mapped: &Mapped, parent: &str) -> Result<(), ObjectError> {
    let existing = tenant
        .list_entries(mapped.api, parent)
        .map_err(|e| ObjectError::Tenant(e.to_string()))?;
    let entries: Vec<ApiObject> = mapped
        .entries
        .iter()
        .map(|(_, e)| {
            let mut e = e.clone();
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            let id = existing.iter().find_map(|x| {
                let same = x.get("name").and_then(Value::as_str).map(str::to_lowercase)
                    == Some(name.clone());
                same.then(|| x.get("id").cloned()).flatten()
            });
            if let Some(id) = id {
                e.insert("id".into(), id);
            }
            e
        })
        .collect();
    let outcomes = tenant
        .save_entries(mapped.api, parent, &entries)
        .map_err(|e| ObjectError::Tenant(e.to_string()))?;
    let failures: Vec<String> = mapped
        .entries
        .iter()
        .zip(&outcomes)
        .filter_map(|((line, _), o)| {
            o.error_message()
                .map(|m| format!("line {line}: entry: {m}"))
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ObjectError::Tenant(failures.join("; ")))
    }
}

/// Uploads one WAV: replaces the audio file of the same name if there is one.
pub fn apply_audio(tenant: &dyn Tenant, file_name: &str, wav: Vec<u8>) -> Result<Outcome, String> {
    let mut info = mapping::audio_info(file_name, tenant.org_id())?;
    info.id = tenant
        .id_of(ApiType::AudioFile, &info.name, None)
        .map_err(|e| e.to_string())?;
    tenant.upload_audio(&info, wav).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> ApiObject {
        v.as_object().unwrap().clone()
    }

    /// Issue 12: re-importing an ENUM skill gave its values new ids.
    #[test]
    fn an_updated_enum_skill_keeps_the_ids_of_values_of_the_same_name() {
        let existing = obj(json!({"id": "s1", "name": "Language", "enumSkillValues": [
            {"id": "v-en", "name": "English"}, {"id": "v-fr", "name": "French"},
            {"id": "v-de", "name": "German"}]}));
        let mut update = obj(json!({"name": "Language", "enumSkillValues": [
            {"name": "english"}, {"name": "Spanish"}, {"name": "French"}]}));
        carry_enum_value_ids(&mut update, &existing);
        assert_eq!(
            update["enumSkillValues"],
            json!([{"id": "v-en", "name": "english"}, {"name": "Spanish"},
                {"id": "v-fr", "name": "French"}])
        );
    }

    #[test]
    fn a_skill_without_enum_values_is_left_alone() {
        let existing = obj(json!({"id": "s1", "name": "Sales", "skillType": "PROFICIENCY"}));
        let mut update = obj(json!({"name": "Sales", "skillType": "PROFICIENCY"}));
        let before = update.clone();
        carry_enum_value_ids(&mut update, &existing);
        assert_eq!(update, before);
    }
}
