//! The routes of Pebble's API (`internals/daemon/api*.go`), one function each.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use charm_pebble::wire::{header_params, MultipartStream};
use serde_json::{json, Value};

use crate::daemon::{notice_json, Daemon, State, Status};
use crate::http::{Request, Response};
use crate::services::{self, TaskResult};
use crate::{checks, duration, exec, files, plan, PebbleEvent};

/// The uid every client has: the charm runs as the container's root.
const CALLER_UID: u32 = 0;

/// Routes one request (websocket upgrades are handled before this).
pub(crate) fn route(d: &Arc<Daemon>, req: &Request) -> Response {
    let parts: Vec<&str> = req.path.trim_end_matches('/').split('/').collect();
    let m = req.method.as_str();
    match (m, &parts[..]) {
        ("GET", ["", "v1", "system-info"]) => system_info(d),
        ("GET", ["", "v1", "health"]) => health(d, req),
        ("GET", ["", "v1", "changes"]) => changes(d, req),
        ("GET", ["", "v1", "changes", id]) => change(d, id),
        ("POST", ["", "v1", "changes", id]) => Response::error(
            400,
            format!("cannot abort change {id}: aborting changes is not supported by the simulator's Pebble"),
        ),
        ("GET", ["", "v1", "changes", id, "wait"]) => wait_change(d, req, id),
        ("GET", ["", "v1", "services"]) => services_get(d, req),
        ("POST", ["", "v1", "services"]) => services_post(d, req),
        ("GET", ["", "v1", "plan"]) => plan_get(d, req),
        ("POST", ["", "v1", "layers"]) => layers_post(d, req),
        ("GET", ["", "v1", "files"]) => files_get(d, req),
        ("POST", ["", "v1", "files"]) => files_post(d, req),
        ("POST", ["", "v1", "exec"]) => exec::post(d, req),
        ("POST", ["", "v1", "signals"]) => signals_post(d, req),
        ("GET", ["", "v1", "checks"]) => checks_get(d, req),
        ("POST", ["", "v1", "checks"]) => checks_post(d, req),
        ("POST", ["", "v1", "checks", "refresh"]) => checks_refresh(d, req),
        ("GET", ["", "v1", "notices"]) => notices_get(d, req),
        ("POST", ["", "v1", "notices"]) => notices_post(d, req),
        ("GET", ["", "v1", "notices", id]) => notice_get(d, id),
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

fn changes(d: &Daemon, req: &Request) -> Response {
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

fn change(d: &Daemon, id: &str) -> Response {
    let st = d.lock();
    match find_change(&st, id) {
        Ok(c) => Response::sync(st.change_json(c)),
        Err(r) => r,
    }
}

fn wait_change(d: &Daemon, req: &Request, id: &str) -> Response {
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

fn services_get(d: &Daemon, req: &Request) -> Response {
    let names = req.query_list("names");
    let st = d.lock();
    let list: Vec<Value> = st
        .plan
        .services
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .map(|(name, config)| {
            let startup = match config.startup {
                Some(charm_pebble::Startup::Enabled) => "enabled",
                _ => "disabled",
            };
            let (current, since) = match st.services.get(name) {
                Some(s) => (s.state.status(), Some(s.since)),
                None => (charm_pebble::ServiceStatus::Inactive, None),
            };
            let current = match current {
                charm_pebble::ServiceStatus::Active => "active",
                charm_pebble::ServiceStatus::Backoff => "backoff",
                charm_pebble::ServiceStatus::Error => "error",
                _ => "inactive",
            };
            let mut v = json!({"name": name, "startup": startup, "current": current});
            if let Some(t) = since {
                v["current-since"] = json!(crate::daemon::rfc3339(t));
            }
            v
        })
        .collect();
    Response::sync(json!(list))
}

/// A service task of a change.
enum Job {
    Start(String),
    Stop(String),
}

fn title(action: &str) -> String {
    let mut c = action.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn services_post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut names: Vec<String> = payload
        .get("services")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut st = d.lock();
    match action.as_str() {
        "replan" | "autostart" if !names.is_empty() => {
            return Response::error(400, format!("{action} accepts no service names"))
        }
        "autostart" => {
            names = st
                .plan
                .services
                .iter()
                .filter(|(_, s)| s.startup == Some(charm_pebble::Startup::Enabled))
                .map(|(n, _)| n.clone())
                .collect();
            if names.is_empty() {
                return Response::error_kind(400, "no default services", "no-default-services");
            }
        }
        "replan" => {}
        _ if names.is_empty() => {
            return Response::error(400, format!("must specify services for {action} action"))
        }
        _ => {}
    }
    let bad = |e: String| Response::error(400, format!("cannot {action} services: {e}"));
    let mut jobs: Vec<Job> = Vec::new();
    let mut summary_names = names.clone();
    match action.as_str() {
        "start" | "autostart" => match plan::order(&st.plan, &names, false) {
            Ok(o) => jobs.extend(o.into_iter().map(Job::Start)),
            Err(e) => return bad(e),
        },
        "stop" => match plan::order(&st.plan, &names, true) {
            Ok(o) => jobs.extend(o.into_iter().map(Job::Stop)),
            Err(e) => return bad(e),
        },
        "restart" => {
            let stop = match plan::order(&st.plan, &names, true) {
                Ok(o) => o,
                Err(e) => return bad(e),
            };
            let start = match plan::order(&st.plan, &names, false) {
                Ok(o) => o,
                Err(e) => return bad(e),
            };
            jobs.extend(
                stop.into_iter()
                    .filter(|n| names.contains(n))
                    .map(Job::Stop),
            );
            jobs.extend(start.into_iter().map(Job::Start));
        }
        "replan" => {
            let (stop, start) = match services::replan(&mut st) {
                Ok(v) => v,
                Err(e) => return bad(e),
            };
            let mut all: Vec<String> = stop.iter().chain(start.iter()).cloned().collect();
            all.sort();
            all.dedup();
            summary_names = all;
            jobs.extend(stop.into_iter().map(Job::Stop));
            jobs.extend(start.into_iter().map(Job::Start));
            checks::replan(d, &mut st);
        }
        _ => return Response::error(400, format!("invalid action {action:?}")),
    }
    let summary = match (jobs.len(), summary_names.first()) {
        (0, _) | (_, None) => format!("{} - no services", title(&action)),
        (n, Some(first)) if n == 1 || summary_names.len() == 1 => {
            format!("{} service {first:?}", title(&action))
        }
        (_, Some(first)) => format!(
            "{} service {first:?} and {} more",
            title(&action),
            summary_names.len() - 1
        ),
    };
    let tasks: Vec<(String, String)> = jobs
        .iter()
        .map(|j| match j {
            Job::Start(n) => ("start".to_string(), format!("Start service {n:?}")),
            Job::Stop(n) => ("stop".to_string(), format!("Stop service {n:?}")),
        })
        .collect();
    let (change, task_ids) = st.new_change(&action, summary, tasks, BTreeMap::new());
    if jobs.is_empty() {
        st.set_change_status(change, Status::Done);
        d.cond.notify_all();
        return Response::async_change(change, Value::Null);
    }
    let generation = st.generation;
    drop(st);
    let d = Arc::clone(d);
    thread::spawn(move || {
        run_jobs(
            &d,
            generation,
            change,
            task_ids.into_iter().zip(jobs).collect(),
        )
    });
    Response::async_change(change, Value::Null)
}

/// Runs a service change's tasks in order; after a failure the rest are held.
fn run_jobs(d: &Arc<Daemon>, generation: u64, change: u64, jobs: Vec<(u64, Job)>) {
    {
        let mut st = d.lock();
        st.set_change_status(change, Status::Doing);
    }
    let mut failed = false;
    for (task, job) in jobs {
        let mut st = d.lock();
        if st.generation != generation {
            return;
        }
        if failed {
            st.set_task_status(task, Status::Hold);
            continue;
        }
        st.set_task_status(task, Status::Doing);
        drop(st);
        let result: TaskResult = match &job {
            Job::Start(n) => services::start(d, n),
            Job::Stop(n) => services::stop(d, n),
        };
        let mut st = d.lock();
        if st.generation != generation {
            return;
        }
        match result {
            Ok(note) => {
                if let Some(n) = note {
                    st.task_log(task, "INFO", &n);
                }
                st.set_task_status(task, Status::Done);
            }
            Err(e) => {
                st.task_log(task, "ERROR", &e);
                st.set_task_status(task, Status::Error);
                failed = true;
            }
        }
        d.cond.notify_all();
    }
    let mut st = d.lock();
    if st.generation == generation {
        st.set_change_status(change, if failed { Status::Error } else { Status::Done });
        d.cond.notify_all();
    }
}

fn plan_get(d: &Daemon, req: &Request) -> Response {
    let format = req.query("format").unwrap_or_default();
    if format != "yaml" {
        return Response::error(400, format!("invalid format {format:?}"));
    }
    let st = d.lock();
    Response::sync(json!(st.plan.to_yaml()))
}

fn layers_post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("action") != "add" {
        return Response::error(400, format!("invalid action {:?}", s("action")));
    }
    let label = s("label");
    if label.is_empty() {
        return Response::error(400, "label must be set");
    }
    if s("format") != "yaml" {
        return Response::error(400, format!("invalid format {:?}", s("format")));
    }
    let layer = match plan::parse_layer(label, s("layer")) {
        Ok(l) => l,
        Err(e) => return Response::error(400, format!("cannot parse layer YAML: {e}")),
    };
    let combine = payload.get("combine").and_then(Value::as_bool) == Some(true);
    let mut st = d.lock();
    let mut layers = st.layers.clone();
    match layers.iter_mut().find(|(l, _)| l == label) {
        Some(_) if !combine => {
            return Response::error(400, format!("layer {label:?} already exists"))
        }
        Some((_, existing)) => {
            if let Err(e) = existing.combine_labelled(&layer, label) {
                return Response::error(400, e);
            }
        }
        None => layers.push((label.to_string(), layer)),
    }
    let new_plan = match plan::combine(&layers) {
        Ok(p) => p,
        Err(e) => return Response::error(400, e),
    };
    st.layers = layers;
    st.plan = new_plan;
    checks::plan_changed(d, &mut st);
    d.cond.notify_all();
    Response::sync(json!(true))
}

fn files_get(d: &Daemon, req: &Request) -> Response {
    match req.query("action").unwrap_or_default() {
        "read" => {
            let paths: Vec<&str> = req
                .query
                .iter()
                .filter(|(k, _)| k == "path")
                .map(|(_, v)| v.as_str())
                .collect();
            if paths.is_empty() {
                return Response::error(400, "must specify one or more paths");
            }
            if req.header("accept") != Some("multipart/form-data") {
                return Response::error(400, "must accept multipart/form-data");
            }
            read_files(d, &paths)
        }
        "list" => {
            let path = req.query("path").unwrap_or_default();
            if path.is_empty() {
                return Response::error(400, "must specify path");
            }
            let itself = match req.query("itself") {
                None | Some("") | Some("false") => false,
                Some("true") => true,
                Some(_) => {
                    return Response::error(400, r#"itself parameter must be "true" or "false""#)
                }
            };
            if !path.starts_with('/') {
                return Response::error(400, format!("path must be absolute, got {path:?}"));
            }
            match files::list(d, path, req.query("pattern"), itself) {
                Ok(list) => Response::sync(json!(list)),
                Err(e) => Response::error_kind(e.status(), e.message.clone(), e.kind),
            }
        }
        other => Response::error(400, format!("invalid action {other:?}")),
    }
}

/// `readFilesResponse`: each file as a `files` part, then the `response` part.
fn read_files(d: &Daemon, paths: &[&str]) -> Response {
    let boundary = format!("{:x}{:x}", rand_u64(), rand_u64());
    let mut body = Vec::new();
    let mut results = Vec::new();
    for p in paths {
        match files::read_file(d, p) {
            Ok(data) => {
                let escaped = p.replace('\\', "\\\\").replace('"', "\\\"");
                body.extend(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{escaped}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .bytes(),
                );
                body.extend(data);
                body.extend(b"\r\n");
                results.push(json!({"path": p}));
            }
            Err(e) => results.push(json!({"path": p, "error": e.json()})),
        }
    }
    let meta = json!({"type": "sync", "status-code": 200, "status": "OK", "result": results});
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\nContent-Type: application/json\r\n\r\n{meta}\n\r\n--{boundary}--\r\n"
        )
        .bytes(),
    );
    Response {
        status: 200,
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

fn path_results(items: Vec<(String, Result<(), files::FileError>)>) -> Response {
    Response::sync(json!(items
        .into_iter()
        .map(|(p, r)| match r {
            Ok(()) => json!({"path": p}),
            Err(e) => json!({"path": p, "error": e.json()}),
        })
        .collect::<Vec<_>>()))
}

fn files_post(d: &Daemon, req: &Request) -> Response {
    let ctype = req.header("content-type").unwrap_or_default();
    let (media, params) = header_params(ctype);
    match media.as_str() {
        "multipart/form-data" => {
            let boundary = params
                .iter()
                .find(|(k, _)| k == "boundary")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if boundary.len() < 32 {
                return Response::error(400, format!("invalid boundary {boundary:?}"));
            }
            write_files(d, &req.body, &boundary)
        }
        "application/json" => {
            let payload = match req.json() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let items = |k: &str| {
                payload
                    .get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let path_of = |v: &Value| {
                v.get("path")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            match payload
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or_default()
            {
                "make-dirs" => path_results(
                    items("dirs")
                        .iter()
                        .map(|i| (path_of(i), files::make_dir(d, i)))
                        .collect(),
                ),
                "remove" => path_results(
                    items("paths")
                        .iter()
                        .map(|i| (path_of(i), files::remove(d, i)))
                        .collect(),
                ),
                "write" => Response::error(400, r#"must use multipart with "write" action"#),
                other => Response::error(400, format!("invalid action {other:?}")),
            }
        }
        _ => Response::error(400, format!("invalid media type {media:?}")),
    }
}

/// `writeFiles`: the `request` part, then one `files` part per file.
fn write_files(d: &Daemon, body: &[u8], boundary: &str) -> Response {
    let mut parts = match MultipartStream::new(body, boundary) {
        Ok(p) => p,
        Err(_) => {
            return Response::error(
                400,
                "cannot read request metadata: multipart: NextPart: EOF",
            )
        }
    };
    let first = match parts.next_part() {
        Ok(Some(p)) => p,
        _ => {
            return Response::error(
                400,
                "cannot read request metadata: multipart: NextPart: EOF",
            )
        }
    };
    if first.name.as_deref() != Some("request") {
        return Response::error(
            400,
            format!(
                r#"metadata field name must be "request", got {:?}"#,
                first.name.unwrap_or_default()
            ),
        );
    }
    let mut meta = Vec::new();
    if parts.copy_part(&mut meta).is_err() {
        return Response::error(400, "cannot decode request metadata: unexpected EOF");
    }
    let payload: Value = match serde_json::from_slice(&meta) {
        Ok(v) => v,
        Err(e) => return Response::error(400, format!("cannot decode request metadata: {e}")),
    };
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if action != "write" {
        return Response::error(
            400,
            format!(r#"multipart action must be "write", got {action:?}"#),
        );
    }
    let items: Vec<Value> = payload
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return Response::error(400, "must specify one or more files");
    }
    let mut outcome: BTreeMap<String, Result<(), files::FileError>> = BTreeMap::new();
    let mut i = 0;
    loop {
        let part = match parts.next_part() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(_) => {
                return Response::error(400, format!("cannot read file part {i}: unexpected EOF"))
            }
        };
        if part.name.as_deref() != Some("files") {
            return Response::error(
                400,
                format!(
                    r#"field name must be "files", got {:?}"#,
                    part.name.unwrap_or_default()
                ),
            );
        }
        let path = part.filename.unwrap_or_default();
        let Some(item) = items
            .iter()
            .find(|f| f.get("path").and_then(Value::as_str) == Some(&path))
        else {
            return Response::error(400, format!("no metadata for path {path:?}"));
        };
        let mut data = Vec::new();
        if parts.copy_part(&mut data).is_err() {
            return Response::error(400, format!("cannot read file part {i}: unexpected EOF"));
        }
        outcome.insert(path, files::write_file(d, item, &data));
        i += 1;
    }
    path_results(
        items
            .iter()
            .map(|f| {
                let p = f
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let r = outcome.remove(&p).unwrap_or_else(|| {
                    Err(files::FileError {
                        kind: "generic-file-error",
                        message: format!("no file content for path {p:?}"),
                    })
                });
                (p, r)
            })
            .collect(),
    )
}

fn signals_post(d: &Daemon, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let names: Vec<String> = payload
        .get("services")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return Response::error(400, "must specify one or more services");
    }
    let sig = payload
        .get("signal")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let st = d.lock();
    match services::send_signal(&st, &names, sig) {
        Ok(()) => Response::sync(json!(true)),
        Err(e) => Response::error(500, e),
    }
}

fn checks_get(d: &Daemon, req: &Request) -> Response {
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

fn checks_post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let names: Vec<String> = payload
        .get("checks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
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

fn checks_refresh(d: &Arc<Daemon>, req: &Request) -> Response {
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

/// `NoticeFilter` of a `GET /v1/notices`.
struct NoticeFilter {
    user: Option<Option<u32>>,
    types: Vec<String>,
    keys: Vec<String>,
    after: Option<SystemTime>,
}

impl NoticeFilter {
    fn matches(&self, n: &crate::daemon::NoticeRec) -> bool {
        let user_ok = match self.user {
            None => true, // users=all
            Some(uid) => n.user_id.is_none() || n.user_id == uid,
        };
        user_ok
            && (self.types.is_empty() || self.types.contains(&n.kind))
            && (self.keys.is_empty() || self.keys.contains(&n.key))
            && self.after.is_none_or(|a| n.last_repeated > a)
    }
}

fn parse_time(t: &str) -> Option<SystemTime> {
    // RFC 3339 in UTC with optional fraction, as this server and Go write it.
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut h = hms.split(':').map(|x| x.parse::<u64>());
    let (hh, mm, ss) = (h.next()?.ok()?, h.next()?.ok()?, h.next()?.ok()?);
    let nanos: u32 = format!("{frac:0<9}")[..9].parse().ok()?;
    // days_from_civil.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::new(days * 86_400 + hh * 3600 + mm * 60 + ss, nanos))
}

fn notices_get(d: &Daemon, req: &Request) -> Response {
    let user = if req.has_query("users") {
        if req.has_query("user-id") {
            return Response::error(400, r#"cannot use both "users" and "user-id" parameters"#);
        }
        if req.query("users") != Some("all") {
            return Response::error(400, r#"invalid "users" filter: must be "all""#);
        }
        None
    } else if let Some(u) = req.query("user-id") {
        match u.parse::<u32>() {
            Ok(u) => Some(Some(u)),
            Err(e) => return Response::error(400, format!(r#"invalid "user-id" filter: {e}"#)),
        }
    } else {
        Some(Some(CALLER_UID))
    };
    const TYPES: &[&str] = &["change-update", "custom", "warning"];
    let asked = req.query_list("types");
    let types: Vec<String> = asked
        .iter()
        .filter(|t| TYPES.contains(&t.as_str()))
        .cloned()
        .collect();
    if !asked.is_empty() && types.is_empty() {
        return Response::sync(json!([]));
    }
    let after = match req.query("after").filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => match parse_time(a) {
            Some(t) => Some(t),
            None => return Response::error(400, format!(r#"invalid "after" timestamp: {a:?}"#)),
        },
    };
    let filter = NoticeFilter {
        user,
        types,
        keys: req.query_list("keys"),
        after,
    };
    let timeout = match req
        .query("timeout")
        .filter(|t| !t.is_empty())
        .map(duration::parse)
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Response::error(400, format!("invalid timeout: {e}")),
    };
    let st = d.lock();
    let st = match timeout.filter(|t| !t.is_zero()) {
        Some(t) => {
            d.wait_until(st, Some(Instant::now() + t), |s| {
                s.shutting_down || s.notices.iter().any(|n| filter.matches(n))
            })
            .0
        }
        None => st,
    };
    let list: Vec<Value> = st
        .notices
        .iter()
        .filter(|n| filter.matches(n))
        .map(notice_json)
        .collect();
    Response::sync(json!(list))
}

/// Pebble's custom notice key rule (`customKeyRegexp`).
fn valid_key(key: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    };
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    domain.split('.').count() >= 2 && domain.split('.').all(word) && path.split('/').all(word)
}

fn notices_post(d: &Daemon, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("action") != "add" {
        return Response::error(400, format!("invalid action {:?}", s("action")));
    }
    if s("type") != "custom" {
        return Response::error(
            400,
            format!(
                r#"invalid type {:?} (can only add "custom" notices)"#,
                s("type")
            ),
        );
    }
    let key = s("key");
    if !valid_key(key) {
        return Response::error(
            400,
            format!(r#"invalid key {key:?} (must be in "example.com/path" format)"#),
        );
    }
    if key.len() > 256 {
        return Response::error(400, "key must be 256 bytes or less");
    }
    let repeat_after = match payload
        .get("repeat-after")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => match duration::parse(r) {
            Ok(d) => Some(d),
            Err(e) => return Response::error(400, format!("invalid repeat-after: {e}")),
        },
    };
    let data_json = payload.get("data").cloned().unwrap_or(Value::Null);
    if data_json.to_string().len() > 4096 {
        return Response::error(400, "total size of data must be 4096 bytes or less");
    }
    let data: BTreeMap<String, String> = match data_json {
        Value::Null => BTreeMap::new(),
        v => match serde_json::from_value(v) {
            Ok(m) => m,
            Err(e) => return Response::error(400, format!("cannot decode notice data: {e}")),
        },
    };
    let mut st = d.lock();
    let (id, repeated) = st.add_notice(Some(CALLER_UID), "custom", key, data, repeat_after);
    d.cond.notify_all();
    drop(st);
    if repeated {
        d.emit(PebbleEvent::CustomNotice {
            id: id.to_string(),
            key: key.to_string(),
        });
    }
    Response::sync(json!({"id": id.to_string()}))
}

fn notice_get(d: &Daemon, id: &str) -> Response {
    let st = d.lock();
    match st.notices.iter().find(|n| n.id.to_string() == id) {
        Some(n) => Response::sync(notice_json(n)),
        None => Response::error(404, format!("cannot find notice with ID {id:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_keys_follow_pebbles_regexp() {
        for ok in ["example.com/db-ready", "a.b.c/x/y-z", "canonical.com/a1"] {
            assert!(valid_key(ok), "{ok}");
        }
        for bad in [
            "example/x",
            "Example.com/x",
            "example.com",
            "example.com/",
            "a..b/x",
            "a.b/-x",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn parses_our_own_timestamps() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_709_251_199, 123_456_789);
        assert_eq!(parse_time(&crate::daemon::rfc3339(t)), Some(t));
        assert_eq!(
            parse_time("2024-01-01T00:00:00Z"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
