//! `network-get` and `goal-state` (`internal/worker/uniter/runner/jujuc/network-get.go`,
//! `goal-state.go`): where the unit is, and what the model is heading for.

use serde_json::{json, Map, Value};

use super::relation::RelationFlag;
use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, val, with_fmt, Io, Res, FMT};
use crate::error::{quote, Result, ToolError};

impl HookContext<'_> {
    /// `network-get [<binding>] [-r <id>]`: the unit's address on a binding (default: the
    /// hook's endpoint).
    pub fn network_address(
        &self,
        binding: Option<&str>,
        relation: Option<RelationFlag>,
    ) -> Result<String> {
        if relation.is_some() {
            self.relation_arg(relation)?;
        }
        let binding = match binding {
            Some(b) => b.to_string(),
            None => self
                .hook
                .relation
                .as_ref()
                .map(|h| h.endpoint.clone())
                .ok_or_else(|| ToolError::usage("no arguments specified"))?,
        };
        if binding != "juju-info" && !self.model.has_binding(&binding) {
            return Err(ToolError::runtime(format!(
                "no network config found for binding {}",
                quote(&binding)
            )));
        }
        Ok(self.model.address())
    }

    /// `goal-state`: this application's units, and for each endpoint the related
    /// applications and their units, each `active` or `dying`.
    pub fn goal_state(&self) -> Result<Value> {
        let status = |unit: &str| {
            let s = if self.model.unit_dying(unit) {
                "dying"
            } else {
                "active"
            };
            json!({"status": s, "since": ""})
        };
        let units: Map<String, Value> = self
            .model
            .app_units(self.model.app())
            .into_iter()
            .map(|u| {
                let s = status(&u);
                (u, s)
            })
            .collect();
        let mut relations = Map::new();
        for id in self.model.relation_ids() {
            let Some(r) = self.model.relation(id) else {
                continue;
            };
            if r.dying || !self.visible(&r) {
                continue;
            }
            let entry = relations
                .entry(r.endpoint.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !r.peer {
                entry[r.remote_app] = json!({"status": "joined", "since": ""});
            }
            for u in self.model.app_units(r.remote_app) {
                if u != self.model.unit() {
                    entry[u.as_str()] = status(&u);
                }
            }
        }
        Ok(json!({"units": units, "relations": relations}))
    }
}

/// The command lines of `network-get` and `goal-state`.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn network_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &with_fmt(&[
                val(&["r", "relation"]),
                boolean(&["primary-address"]),
                boolean(&["bind-address"]),
                boolean(&["ingress-address"]),
                boolean(&["egress-subnets"]),
            ]),
        )?;
        no_extra(&p.args, 1)?;
        let relation = crate::tools::relation_cli::relation_flag(&p);
        let addr = cx.network_address(p.args.first().map(String::as_str), relation)?;
        if p.flag("primary-address") || p.flag("bind-address") || p.flag("ingress-address") {
            return emit(&p, io, &Value::String(addr));
        }
        if p.flag("egress-subnets") {
            return emit(&p, io, &Value::String(format!("{addr}/32")));
        }
        emit(
            &p,
            io,
            &json!({
                "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                    "addresses": [{"hostname": "", "value": addr, "cidr": "10.0.0.0/8"}]}],
                "egress-subnets": [format!("{addr}/32")],
                "ingress-addresses": [addr],
            }),
        )
    }

    pub(crate) fn goal_state(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &FMT)?;
        no_extra(&p.args, 0)?;
        emit(&p, io, &cx.goal_state()?)
    }
}
