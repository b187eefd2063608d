//! `storage-list`, `storage-get` and `storage-add`
//! (`internal/worker/uniter/runner/jujuc/storage-*.go`): the storage instances attached
//! to the unit, and more of them.

use serde_json::{json, Value};

use super::HookContext;
use crate::cli::{emit, no_extra, parse, val, with_fmt, Io, Res};
use crate::error::{quote, Result, ToolError};
use crate::model::StorageInstance;

impl HookContext<'_> {
    /// `storage-list [<name>]`: the ids of the attached instances (of storage `name`).
    pub fn storage_list(&self, name: Option<&str>) -> Result<Vec<String>> {
        let mut found: Vec<(String, u64, String)> = self
            .model
            .storage()
            .into_iter()
            .filter(|s| name.is_none_or(|n| s.name == n))
            .map(|s| {
                let index = s.id.rsplit('/').next().and_then(|i| i.parse().ok());
                (s.name, index.unwrap_or(u64::MAX), s.id)
            })
            .collect();
        found.sort();
        Ok(found.into_iter().map(|(_, _, id)| id).collect())
    }

    /// `storage-get -s <id>`: instance `id`.
    pub fn storage_instance(&self, id: &str) -> Result<StorageInstance> {
        self.model
            .storage()
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| {
                ToolError::usage(format!(
                    "invalid value {} for flag -s: storage not found",
                    quote(id)
                ))
            })
    }

    /// `storage-get -s <id> <key>`: `location` or `kind`.
    pub fn storage_get(&self, id: &str, key: &str) -> Result<String> {
        let instance = self.storage_instance(id)?;
        match key {
            "location" => Ok(instance.location),
            "kind" => Ok(instance.kind),
            other => Err(ToolError::runtime(format!(
                "invalid storage attribute {}",
                quote(other)
            ))),
        }
    }
}

impl HookContext<'_> {
    /// `storage-add <name>[=<count>] ...`: asks for more instances of declared storage,
    /// added when the hook commits. `directives` are the arguments as given
    /// (`storage.ParseConstraintsMap`: a count only, 1 by default). Juju checks the
    /// names when it commits the hook (`storage "x" not found` fails it there); here the
    /// call itself is refused with that text, so the failure points at the call.
    pub fn storage_add(&mut self, directives: &[&str]) -> Result<()> {
        if directives.is_empty() {
            return Err(ToolError::usage("storage add requires a storage directive"));
        }
        let mut adds: std::collections::BTreeMap<String, u64> = Default::default();
        for d in directives {
            let parts: Vec<&str> = d.split('=').collect();
            let name = parts[0];
            if parts.len() > 2 || name.is_empty() {
                return Err(ToolError::usage(format!(
                    "expected \"name=constraints\" or \"name\", got {}",
                    quote(d)
                )));
            }
            if adds.contains_key(name) {
                return Err(ToolError::usage(format!(
                    "storage {} specified more than once",
                    quote(name)
                )));
            }
            let count = match parts.get(1) {
                None => 1,
                Some(c) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => {
                    match c.parse::<u64>() {
                        Ok(0) | Err(_) => {
                            return Err(ToolError::usage(format!(
                                "cannot parse constraints for storage {}: storage constraints require at least one field to be specified",
                                quote(name)
                            )))
                        }
                        Ok(n) => n,
                    }
                }
                Some(_) => {
                    return Err(ToolError::usage(format!(
                        "only count can be specified for {}",
                        quote(name)
                    )))
                }
            };
            adds.insert(name.to_string(), count);
        }
        if let Some(unknown) = adds.keys().find(|n| !self.model.declares_storage(n)) {
            return Err(ToolError::runtime(format!(
                "storage {} not found",
                quote(unknown)
            )));
        }
        for (name, count) in adds {
            *self.hook.pending.storage_add.entry(name).or_default() += count;
        }
        Ok(())
    }
}

/// The command lines of the storage tools.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn storage_add(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        let directives: Vec<&str> = p.args.iter().map(String::as_str).collect();
        cx.storage_add(&directives)?;
        Ok(String::new())
    }

    pub(crate) fn storage_list(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[]))?;
        no_extra(&p.args, 1)?;
        let ids = cx.storage_list(p.args.first().map(String::as_str))?;
        emit(&p, io, &Value::from(ids))
    }

    pub(crate) fn storage_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[val(&["s"])]))?;
        no_extra(&p.args, 1)?;
        let Some(id) = p.value("s") else {
            return Err(ToolError::usage("no storage instance specified"));
        };
        match p.args.first() {
            Some(key) => emit(&p, io, &Value::String(cx.storage_get(id, key)?)),
            None => {
                let s = cx.storage_instance(id)?;
                emit(&p, io, &json!({"kind": s.kind, "location": s.location}))
            }
        }
    }
}
