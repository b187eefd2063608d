//! The routes of Pebble's API (`internals/daemon/api*.go`), one function each, in a module
//! per family as Pebble's `api_*.go` files are.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::daemon::Daemon;
use crate::exec;
use crate::http::{Request, Response};

mod changes;
mod checks;
mod files;
mod notices;
mod services;

pub(crate) use checks::refresh;

/// The uid every client has: the charm runs as the container's root.
const CALLER_UID: u32 = 0;

/// Routes one request (websocket upgrades are handled before this).
pub(crate) fn route(d: &Arc<Daemon>, req: &Request) -> Response {
    let parts: Vec<&str> = req.path.trim_end_matches('/').split('/').collect();
    let m = req.method.as_str();
    match (m, &parts[..]) {
        ("GET", ["", "v1", "system-info"]) => system_info(d),
        ("GET", ["", "v1", "health"]) => health(d, req),
        ("GET", ["", "v1", "changes"]) => changes::list(d, req),
        ("GET", ["", "v1", "changes", id]) => changes::get(d, id),
        ("POST", ["", "v1", "changes", id]) => Response::error(
            400,
            format!("cannot abort change {id}: aborting changes is not supported by the simulator's Pebble"),
        ),
        ("GET", ["", "v1", "changes", id, "wait"]) => changes::wait(d, req, id),
        ("GET", ["", "v1", "services"]) => services::get(d, req),
        ("POST", ["", "v1", "services"]) => services::post(d, req),
        ("GET", ["", "v1", "plan"]) => services::plan_get(d, req),
        ("POST", ["", "v1", "layers"]) => services::layers_post(d, req),
        ("GET", ["", "v1", "files"]) => files::get(d, req),
        ("POST", ["", "v1", "files"]) => files::post(d, req),
        ("POST", ["", "v1", "exec"]) => exec::post(d, req),
        ("POST", ["", "v1", "signals"]) => services::signals_post(d, req),
        ("GET", ["", "v1", "checks"]) => checks::get(d, req),
        ("POST", ["", "v1", "checks"]) => checks::post(d, req),
        ("POST", ["", "v1", "checks", "refresh"]) => checks::refresh_post(d, req),
        ("GET", ["", "v1", "notices"]) => notices::get(d, req),
        ("POST", ["", "v1", "notices"]) => notices::post(d, req),
        ("GET", ["", "v1", "notices", id]) => notices::get_one(d, id),
        (_, ["", "v1", ..]) if known_path(&parts) => {
            Response::error(405, format!("method {m:?} not allowed"))
        }
        _ => Response::error(404, "not found"),
    }
}

fn known_path(parts: &[&str]) -> bool {
    matches!(
        parts,
        [
            "",
            "v1",
            "system-info"
                | "health"
                | "changes"
                | "services"
                | "plan"
                | "layers"
                | "files"
                | "exec"
                | "signals"
                | "checks"
                | "notices"
        ] | ["", "v1", "changes" | "notices", _]
            | ["", "v1", "changes", _, "wait"]
            | ["", "v1", "checks", "refresh"]
    )
}

fn system_info(d: &Daemon) -> Response {
    let st = d.lock();
    Response::sync(json!({"boot-id": st.boot_id, "version": d.config.version}))
}

fn level_filter(req: &Request) -> Result<Option<String>, Response> {
    match req.query("level") {
        None | Some("") => Ok(None),
        Some(l @ ("alive" | "ready")) => Ok(Some(l.to_string())),
        Some(_) => Err(Response::error(400, r#"level must be "alive" or "ready""#)),
    }
}

fn level_name(c: &charm_pebble::Check) -> Option<&'static str> {
    c.level.map(|l| match l {
        charm_pebble::CheckLevel::Alive => "alive",
        charm_pebble::CheckLevel::Ready => "ready",
    })
}

fn health(d: &Daemon, req: &Request) -> Response {
    let level = match level_filter(req) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let names = req.query_list("names");
    let st = d.lock();
    let healthy = st.checks.iter().all(|(name, c)| {
        let l = level_name(&c.config);
        // "ready" includes "alive" checks.
        let level_ok = match level.as_deref() {
            None => true,
            Some(want) => l == Some(want) || (want == "ready" && l == Some("alive")),
        };
        let name_ok = names.is_empty() || names.contains(name);
        !(level_ok && name_ok && c.status() == charm_pebble::CheckStatus::Down)
    });
    let status = if healthy { 200 } else { 502 };
    Response::sync_status(status, json!({"healthy": healthy}))
}

/// The strings of a JSON array field (`services`, `checks`); missing or not an array is empty.
fn string_list(payload: &Value, key: &str) -> Vec<String> {
    payload
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
