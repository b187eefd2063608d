//! `storage-list` and `storage-get` (`internal/worker/uniter/runner/jujuc/storage-*.go`):
//! the storage instances attached to the unit.

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

/// The command lines of the storage tools.
pub(crate) mod cli {
    use super::*;

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
