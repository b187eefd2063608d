//! `/v1/checks` (`api_checks.go`).

use std::sync::Arc;

use serde_json::{json, Value};

use super::{level_filter, level_name, string_list};
use crate::daemon::Daemon;
use crate::http::{Request, Response};
use crate::{checks, plan};

pub(super) fn get(d: &Daemon, req: &Request) -> Response {
    let level = match level_filter(req) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let names = req.query_list("names");
    let st = d.lock();
    let list: Vec<Value> = st
        .checks
        .iter()
        .filter(|(n, c)| {
            (names.is_empty() || names.contains(n))
                && level
                    .as_deref()
                    .is_none_or(|l| level_name(&c.config) == Some(l))
        })
        .map(|(n, c)| checks::info_json(n, c))
        .collect();
    Response::sync(json!(list))
}

pub(super) fn post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let names = string_list(&payload, "checks");
    if names.is_empty() {
        return Response::error(400, format!("must specify checks for {action} action"));
    }
    if action != "start" && action != "stop" {
        return Response::error(400, format!("invalid action {action:?}"));
    }
    let mut st = d.lock();
    let mut missing: Vec<&str> = names
        .iter()
        .filter(|n| !st.plan.checks.contains_key(*n))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        return Response::error(
            400,
            format!(
                "cannot {action} checks: cannot find checks in plan: {}",
                missing.join(", ")
            ),
        );
    }
    let changed = if action == "start" {
        checks::start_checks(d, &mut st, &names)
    } else {
        checks::stop_checks(&mut st, &names)
    };
    d.cond.notify_all();
    Response::sync(json!({"changed": changed}))
}

pub(super) fn refresh_post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let name = payload
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() {
        return Response::error(400, "must specify check name");
    }
    match refresh(d, name) {
        Some((info, err)) => {
            let mut v = json!({"info": info});
            if let Some(e) = err {
                v["error"] = json!(e);
            }
            Response::sync(v)
        }
        None => Response::error(404, format!("cannot find check with name {name:?}")),
    }
}

/// Runs a check once now and records the result; `None` if it is not in the plan.
pub(crate) fn refresh(d: &Arc<Daemon>, name: &str) -> Option<(Value, Option<String>)> {
    let st = d.lock();
    let config = st.plan.checks.get(name)?.clone();
    let plan = st.plan.clone();
    drop(st);
    let (_, timeout, _) = plan::check_timing(&config);
    let result = checks::probe(d, name, &config, &plan, timeout);
    let mut st = d.lock();
    checks::record(d, &mut st, name, result.clone());
    d.cond.notify_all();
    let info = st.checks.get(name).map(|c| checks::info_json(name, c))?;
    Some((info, result.err()))
}
