//! `/v1/changes` (`api_changes.go`).

use std::time::Instant;

use serde_json::{json, Value};

use crate::daemon::{Daemon, State, Status};
use crate::duration;
use crate::http::{Request, Response};

pub(super) fn list(d: &Daemon, req: &Request) -> Response {
    let select = req.query("select").unwrap_or("in-progress");
    let filter: fn(Status) -> bool = match select {
        "all" => |_| true,
        "in-progress" | "" => |s| !s.ready(),
        "ready" => |s| s.ready(),
        _ => return Response::error(400, "select should be one of: all,in-progress,ready"),
    };
    let st = d.lock();
    let list: Vec<Value> = st
        .changes
        .values()
        .filter(|c| filter(c.status))
        .map(|c| st.change_json(c))
        .collect();
    Response::sync(json!(list))
}

fn find_change<'a>(st: &'a State, id: &str) -> Result<&'a crate::daemon::ChangeRec, Response> {
    id.parse::<u64>()
        .ok()
        .and_then(|n| st.changes.get(&n))
        .ok_or_else(|| Response::error(404, format!("cannot find change with id {id:?}")))
}

pub(super) fn get(d: &Daemon, id: &str) -> Response {
    let st = d.lock();
    match find_change(&st, id) {
        Ok(c) => Response::sync(st.change_json(c)),
        Err(r) => r,
    }
}

pub(super) fn wait(d: &Daemon, req: &Request, id: &str) -> Response {
    let timeout = match req
        .query("timeout")
        .filter(|t| !t.is_empty())
        .map(duration::parse)
    {
        None => None,
        Some(Ok(t)) if t.is_zero() => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Response::error(400, format!("invalid timeout: {e}")),
    };
    let st = d.lock();
    let Ok(n) = find_change(&st, id).map(|c| c.id) else {
        return Response::error(404, format!("cannot find change with id {id:?}"));
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    let (st, ready) = d.wait_until(st, deadline, |s| {
        s.changes.get(&n).is_none_or(|c| c.status.ready()) || s.shutting_down
    });
    if !ready {
        return Response::error(
            504,
            format!(
                "timed out waiting for change after {}",
                duration::format(timeout.unwrap_or_default())
            ),
        );
    }
    match st.changes.get(&n) {
        Some(c) => Response::sync(st.change_json(c)),
        None => Response::error(404, format!("cannot find change with id {id:?}")),
    }
}
