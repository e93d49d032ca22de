//! Names to ids and back: CSV files name the objects they refer to, the Configuration API refers
//! by id. The mapping asks a [`Resolver`]; the HTTP tenant implements it over the list endpoints
//! (each list fetched once per job and cached), [`MemResolver`] over objects in memory (tests,
//! and objects created earlier in the same job).

use std::collections::HashMap;

use super::endpoints::ApiType;
use super::wire::ApiObject;

/// Why a lookup failed (not "not found": that is `Ok(None)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Several objects match (team names repeat across sites).
    #[error("{count} objects are named {name:?}; name the site too (\"<team>: <site>\")")]
    Ambiguous { name: String, count: usize },
    /// The tenant could not be asked (HTTP failure); the message never holds the token.
    #[error("{0}")]
    Unavailable(String),
}

/// The field that names an object of `api`: `email` for users, `dialledNumber` for entry point
/// mappings, `name` for the rest.
pub fn name_field(api: ApiType) -> &'static str {
    match api {
        ApiType::User => "email",
        ApiType::DialNumber => "dialledNumber",
        _ => "name",
    }
}

/// Finds objects of the tenant by name or id.
pub trait Resolver {
    /// The id of the object of type `api` named `name` (case-insensitively); for teams, within
    /// the site `site_id` when given.
    fn id_of(
        &self,
        api: ApiType,
        name: &str,
        site_id: Option<&str>,
    ) -> Result<Option<String>, ResolveError>;

    /// The whole object with this id (a skill's enum values, a work type's code, a team's site).
    fn object(&self, api: ApiType, id: &str) -> Result<Option<ApiObject>, ResolveError>;

    /// Calls `f` with the object with this id, if there is one (whether there was): what
    /// [`Resolver::object`] gives, without a copy where the implementation keeps it.
    fn with_object(
        &self,
        api: ApiType,
        id: &str,
        f: &mut dyn FnMut(&ApiObject),
    ) -> Result<bool, ResolveError> {
        Ok(self.object(api, id)?.map(|o| f(&o)).is_some())
    }

    /// The name (see [`name_field`]) of the object with this id.
    fn name_of(&self, api: ApiType, id: &str) -> Result<Option<String>, ResolveError> {
        Ok(self.object(api, id)?.and_then(|o| {
            o.get(name_field(api))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        }))
    }
}

/// Looks `name` up among `objects` of `api` (shared by the in-memory and caching resolvers).
pub fn find_in<'a>(
    api: ApiType,
    objects: impl Iterator<Item = &'a ApiObject>,
    name: &str,
    site_id: Option<&str>,
) -> Result<Option<String>, ResolveError> {
    let field = name_field(api);
    let hits: Vec<&ApiObject> = objects
        .filter(|o| {
            o.get(field)
                .and_then(|v| v.as_str())
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
        })
        .filter(|o| match site_id {
            Some(s) => o.get("siteId").and_then(|v| v.as_str()) == Some(s),
            None => true,
        })
        .collect();
    match hits.as_slice() {
        [] => Ok(None),
        [one] => Ok(one.get("id").and_then(|v| v.as_str()).map(str::to_string)),
        many => Err(ResolveError::Ambiguous {
            name: name.to_string(),
            count: many.len(),
        }),
    }
}

/// A resolver over objects held in memory, per type in insertion order.
#[derive(Debug, Clone, Default)]
pub struct MemResolver {
    objects: HashMap<ApiType, Vec<ApiObject>>,
}

impl MemResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces, by `id`) an object of type `api`. It must have an `id`.
    pub fn insert(&mut self, api: ApiType, object: ApiObject) {
        let list = self.objects.entry(api).or_default();
        let id = object.get("id").cloned();
        match list.iter_mut().find(|o| o.get("id") == id.as_ref()) {
            Some(existing) => *existing = object,
            None => list.push(object),
        }
    }

    /// Every object of `api`.
    pub fn list(&self, api: ApiType) -> &[ApiObject] {
        self.objects.get(&api).map_or(&[], Vec::as_slice)
    }
}

impl Resolver for MemResolver {
    fn id_of(
        &self,
        api: ApiType,
        name: &str,
        site_id: Option<&str>,
    ) -> Result<Option<String>, ResolveError> {
        find_in(api, self.list(api).iter(), name, site_id)
    }

    fn object(&self, api: ApiType, id: &str) -> Result<Option<ApiObject>, ResolveError> {
        Ok(self
            .list(api)
            .iter()
            .find(|o| o.get("id").and_then(|v| v.as_str()) == Some(id))
            .cloned())
    }
}
