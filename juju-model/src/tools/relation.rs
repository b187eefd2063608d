//! `relation-ids`, `relation-list`, `relation-get`, `relation-set`, `relation-model-get`:
//! `internal/worker/uniter/runner/jujuc/relation-*.go`, with the permission checks of the
//! controller's `ReadRemoteSettings` (`apiserver/facades/agent/uniter/uniter.go`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::HookContext;
use crate::cli::{boolean, emit, key_values, no_extra, parse, settings_file, val, with_fmt};
use crate::cli::{Io, Parsed, Res, FMT};
use crate::error::{not_leader_to_write, permission_denied, quote, Result, ToolError};
use crate::hook::RelationHookKind;
use crate::model::{Bag, RelationInfo};
use crate::names::{app_of, is_valid_application, is_valid_unit};

/// A relation named on the command line: `-r 3`, `--relation db:3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationFlag<'a> {
    /// The flag as spelled (`-r`, `--relation`): Juju's messages name it.
    pub flag: &'a str,
    /// Its value (`3` or `db:3`).
    pub value: &'a str,
}

impl<'a> RelationFlag<'a> {
    /// `-r <value>`.
    pub fn r(value: &'a str) -> Self {
        RelationFlag { flag: "-r", value }
    }
}

/// `relation-get`'s arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelationGet<'a> {
    /// `-r`: the relation (default: the hook's).
    pub relation: Option<RelationFlag<'a>>,
    /// `--app`: an application's bag.
    pub app: bool,
    /// The unit or application whose bag to read (default: the hook's remote unit, or
    /// application).
    pub target: Option<&'a str>,
}

impl<'a> HookContext<'a> {
    /// Resolves a relation flag, or without one the hook's relation, as Juju's
    /// `RelationIdValue` and the tools' `Init` do: a relation the unit has not joined is
    /// `relation not found` (it is only known to its own relation-created hook).
    pub(crate) fn relation_arg(&self, flag: Option<RelationFlag>) -> Result<RelationInfo<'a>> {
        let model = self.model;
        match flag {
            Some(f) => {
                let digits = f.value.rsplit(':').next().unwrap_or(f.value);
                let invalid = |why: &str| {
                    ToolError::usage(format!(
                        "invalid value {} for flag {}: {why}",
                        quote(f.value),
                        f.flag
                    ))
                };
                let id: u32 = digits.parse().map_err(|_| invalid("invalid relation id"))?;
                model
                    .relation(id)
                    .filter(|r| self.visible(r))
                    .ok_or_else(|| invalid("relation not found"))
            }
            None => self
                .hook
                .relation
                .as_ref()
                .and_then(|h| model.relation(h.id))
                .filter(|r| self.visible(r))
                .ok_or_else(|| ToolError::usage("no relation id specified")),
        }
    }

    /// Whether the hook sees relation `r`: joined, or this is its relation-created hook.
    pub(super) fn visible(&self, r: &RelationInfo) -> bool {
        r.joined
            || self
                .hook
                .relation_hook(r.id)
                .is_some_and(|h| h.kind == RelationHookKind::Created)
    }

    /// `relation-ids [<endpoint>]`: `<endpoint>:<id>` of the relations on the endpoint
    /// (default: the hook's), sorted as strings.
    pub fn relation_ids(&self, endpoint: Option<&str>) -> Result<Vec<String>> {
        let endpoint = match endpoint {
            Some(e) => e.to_string(),
            None => self
                .hook
                .relation
                .as_ref()
                .map(|h| h.endpoint.clone())
                .ok_or_else(|| ToolError::usage("no endpoint name specified"))?,
        };
        let mut ids: Vec<String> = self
            .model
            .relation_ids()
            .into_iter()
            .filter_map(|id| self.model.relation(id))
            .filter(|r| r.endpoint == endpoint && self.visible(r))
            .map(|r| format!("{endpoint}:{}", r.id))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// `relation-list -r <id>`: the remote units as the hook sees them, sorted as strings
    /// (`RelationCache.MemberNames`). In relation-joined the joining unit is listed, in
    /// relation-departed the departing one is not, in relation-broken none is.
    pub fn relation_list(&self, relation: Option<RelationFlag>) -> Result<Vec<String>> {
        let rel = self.relation_arg(relation)?;
        let mut members: BTreeSet<String> = self.model.members(rel.id).into_iter().collect();
        if let Some(h) = self.hook.relation_hook(rel.id) {
            match h.kind {
                RelationHookKind::Joined => members.extend(h.remote_unit.clone()),
                RelationHookKind::Departed => {
                    if let Some(u) = &h.remote_unit {
                        members.remove(u);
                    }
                }
                RelationHookKind::Broken => members.clear(),
                _ => {}
            }
        }
        Ok(members.into_iter().collect())
    }

    /// `relation-list --app -r <id>`: the remote application.
    pub fn relation_remote_app(&self, relation: Option<RelationFlag>) -> Result<String> {
        Ok(self.relation_arg(relation)?.remote_app.to_string())
    }

    /// `relation-model-get -r <id>`: the uuid of the model the remote application is in.
    pub fn relation_model_uuid(&self, relation: Option<RelationFlag>) -> Result<String> {
        self.relation_arg(relation)?;
        Ok(self.model.model_uuid().to_string())
    }

    /// `relation-get`: a whole databag. The unit's own bag, and its application's for the
    /// leader, include what the hook wrote; any other is read from the controller, which
    /// lets a unit read the units and application of the relation (a follower its own
    /// application's bag only in a peer relation) and refuses the rest.
    pub fn relation_get(&self, req: RelationGet) -> Result<Bag> {
        let rel = self.relation_arg(req.relation)?;
        let (target, app) = self.relation_get_target(req)?;
        let (me, my_app) = (self.model.unit(), self.model.app());
        if target == me || (app && target == my_app && self.leader()) {
            return Ok(self.own_bag(rel.id, &target, app));
        }
        let in_relation = |a: &str| a == rel.remote_app || a == my_app;
        if app {
            let readable = target == rel.remote_app || (target == my_app && rel.peer);
            if !readable {
                return Err(permission_denied());
            }
            return Ok(self
                .model
                .app_bag(rel.id, &target)
                .cloned()
                .unwrap_or_default());
        }
        if !in_relation(app_of(&target)) {
            return Err(permission_denied());
        }
        self.model.unit_bag(rel.id, &target).cloned().ok_or_else(|| {
            let (unit, key) = (quote(&target), quote(&self.model.relation_key(rel.id)));
            ToolError::runtime(format!(
                "cannot read settings for unit {unit} in relation {key}: unit {unit}: settings not found"
            ))
        })
    }

    /// `determineUnitOrAppName` of `relation-get.go`: the bag to read, and whether it is
    /// an application's.
    fn relation_get_target(&self, req: RelationGet) -> Result<(String, bool)> {
        if let Some(t) = req.target {
            if req.app {
                let name = if is_valid_application(t) {
                    t
                } else if is_valid_unit(t) {
                    app_of(t)
                } else {
                    ""
                };
                return Ok((name.to_string(), true));
            }
            if !is_valid_unit(t) {
                return Err(ToolError::usage(if is_valid_application(t) {
                    format!("expected unit name, got application name {}", quote(t))
                } else {
                    format!("invalid unit name {}", quote(t))
                }));
            }
            return Ok((t.to_string(), false));
        }
        let hook = self.hook.relation.as_ref();
        let remote_unit = hook
            .and_then(|h| h.remote_unit.clone())
            .filter(|u| !u.is_empty());
        let remote_app = hook
            .and_then(|h| h.remote_app.clone())
            .filter(|a| !a.is_empty());
        match (req.app, remote_unit, remote_app) {
            (true, _, Some(a)) | (false, None, Some(a)) => Ok((a, true)),
            (false, Some(u), _) => Ok((u, false)),
            _ => Err(ToolError::usage("no unit or application specified")),
        }
    }

    /// The unit's or (`app`) its application's bag in relation `id`, with the hook's
    /// writes.
    fn own_bag(&self, id: u32, owner: &str, app: bool) -> Bag {
        if let Some(bag) = self
            .hook
            .pending
            .relation_data
            .get(&(id, owner.to_string()))
        {
            return bag.clone();
        }
        let committed = if app {
            self.model.app_bag(id, owner)
        } else {
            self.model.unit_bag(id, owner)
        };
        committed.cloned().unwrap_or_default()
    }

    /// `relation-set [--app]`: merges `settings` into the unit's (or, for the leader, its
    /// application's) bag; an empty value deletes its key.
    pub fn relation_set(
        &mut self,
        relation: Option<RelationFlag>,
        app: bool,
        settings: Bag,
    ) -> Result<()> {
        let rel = self.relation_arg(relation)?;
        if app && !self.leader() {
            return Err(not_leader_to_write());
        }
        let owner = if app {
            self.model.app()
        } else {
            self.model.unit()
        }
        .to_string();
        let mut bag = self.own_bag(rel.id, &owner, app);
        crate::hook::Pending::merge_settings(&mut bag, settings);
        self.hook.pending.relation_data.insert((rel.id, owner), bag);
        Ok(())
    }
}

/// The command lines of the relation tools.
pub(crate) mod cli {
    use super::*;

    /// `-r`/`--relation`, as given.
    pub(crate) fn relation_flag(p: &Parsed) -> Option<RelationFlag<'_>> {
        p.value("r").map(|value| RelationFlag {
            flag: p.spelling("r").unwrap_or("-r"),
            value,
        })
    }

    pub(crate) fn relation_ids(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 1)?;
        let ids = cx.relation_ids(p.args.first().map(String::as_str))?;
        emit(&p, io, &Value::from(ids))
    }

    pub(crate) fn relation_list(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &with_fmt(&[val(&["r", "relation"]), boolean(&["app"])]),
        )?;
        no_extra(&p.args, 0)?;
        if p.flag("app") {
            return emit(
                &p,
                io,
                &Value::from(cx.relation_remote_app(relation_flag(&p))?),
            );
        }
        emit(&p, io, &Value::from(cx.relation_list(relation_flag(&p))?))
    }

    pub(crate) fn relation_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &with_fmt(&[val(&["r", "relation"]), boolean(&["app"])]),
        )?;
        no_extra(&p.args, 2)?;
        let key = p.args.first().filter(|k| k.as_str() != "-");
        let bag = cx.relation_get(RelationGet {
            relation: relation_flag(&p),
            app: p.flag("app"),
            target: p.args.get(1).map(String::as_str),
        })?;
        let value = match key {
            Some(k) => bag
                .get(k)
                .cloned()
                .map(Value::String)
                .unwrap_or(Value::Null),
            None => Value::Object(
                bag.into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ),
        };
        emit(&p, io, &value)
    }

    pub(crate) fn relation_set(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &[
                val(&["r", "relation"]),
                boolean(&["app"]),
                val(&["file"]),
                val(&["format"]),
            ],
        )?;
        let overrides = key_values(&p.args)?;
        let rel = cx.relation_arg(relation_flag(&p))?.id.to_string();
        let mut settings = match p.value("file") {
            Some(f) => settings_file(&io.read(f)?, "settings")?,
            None => Bag::new(),
        };
        settings.extend(overrides);
        cx.relation_set(Some(RelationFlag::r(&rel)), p.flag("app"), settings)?;
        Ok(String::new())
    }

    pub(crate) fn relation_model_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[val(&["r", "relation"])]))?;
        no_extra(&p.args, 0)?;
        let uuid = cx.relation_model_uuid(relation_flag(&p))?;
        emit(&p, io, &serde_json::json!({ "uuid": uuid }))
    }
}
