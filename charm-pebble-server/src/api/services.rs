//! `/v1/services`, `/v1/signals`, `/v1/plan` and `/v1/layers` (`api_services.go`,
//! `api_signals.go`, `api_plan.go`, `api_layers.go`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

use serde_json::{json, Value};

use super::string_list;
use crate::daemon::{Daemon, State, Status};
use crate::http::{Request, Response};
use crate::services::{self, TaskResult};
use crate::{checks, plan};

pub(super) fn get(d: &Daemon, req: &Request) -> Response {
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

pub(super) fn post(d: &Arc<Daemon>, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut st = d.lock();
    let names = match target_names(&st, &action, string_list(&payload, "services")) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let (jobs, summary_names) = match plan_jobs(d, &mut st, &action, names) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let summary = summary(&action, jobs.len(), &summary_names);

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

/// The services an action applies to: the named ones, or for `autostart` those whose
/// `startup` is `enabled` (`v1PostServices`).
fn target_names(st: &State, action: &str, names: Vec<String>) -> Result<Vec<String>, Response> {
    match action {
        "replan" | "autostart" if !names.is_empty() => Err(Response::error(
            400,
            format!("{action} accepts no service names"),
        )),
        "autostart" => {
            let enabled: Vec<String> = st
                .plan
                .services
                .iter()
                .filter(|(_, s)| s.startup == Some(charm_pebble::Startup::Enabled))
                .map(|(n, _)| n.clone())
                .collect();
            if enabled.is_empty() {
                return Err(Response::error_kind(
                    400,
                    "no default services",
                    "no-default-services",
                ));
            }
            Ok(enabled)
        }
        "replan" => Ok(names),
        _ if names.is_empty() => Err(Response::error(
            400,
            format!("must specify services for {action} action"),
        )),
        _ => Ok(names),
    }
}

/// The change's tasks in dependency order, and the services its summary names. `replan`
/// also reconciles the checks with the new plan.
fn plan_jobs(
    d: &Arc<Daemon>,
    st: &mut State,
    action: &str,
    names: Vec<String>,
) -> Result<(Vec<Job>, Vec<String>), Response> {
    let bad = |e: String| Response::error(400, format!("cannot {action} services: {e}"));
    let order = |stop: bool| plan::order(&st.plan, &names, stop).map_err(bad);
    let mut jobs: Vec<Job> = Vec::new();
    match action {
        "start" | "autostart" => jobs.extend(order(false)?.into_iter().map(Job::Start)),
        "stop" => jobs.extend(order(true)?.into_iter().map(Job::Stop)),
        "restart" => {
            let stop = order(true)?;
            let start = order(false)?;
            jobs.extend(
                stop.into_iter()
                    .filter(|n| names.contains(n))
                    .map(Job::Stop),
            );
            jobs.extend(start.into_iter().map(Job::Start));
        }
        "replan" => {
            let (stop, start) = services::replan(st).map_err(bad)?;
            let mut all: Vec<String> = stop.iter().chain(start.iter()).cloned().collect();
            all.sort();
            all.dedup();
            jobs.extend(stop.into_iter().map(Job::Stop));
            jobs.extend(start.into_iter().map(Job::Start));
            checks::replan(d, st);
            return Ok((jobs, all));
        }
        _ => return Err(Response::error(400, format!("invalid action {action:?}"))),
    }
    Ok((jobs, names))
}

/// The change summary Pebble writes (`servstate`'s `"Start service %q and %d more"`).
fn summary(action: &str, jobs: usize, names: &[String]) -> String {
    match (jobs, names.first()) {
        (0, _) | (_, None) => format!("{} - no services", title(action)),
        (n, Some(first)) if n == 1 || names.len() == 1 => {
            format!("{} service {first:?}", title(action))
        }
        (_, Some(first)) => format!(
            "{} service {first:?} and {} more",
            title(action),
            names.len() - 1
        ),
    }
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

pub(super) fn plan_get(d: &Daemon, req: &Request) -> Response {
    let format = req.query("format").unwrap_or_default();
    if format != "yaml" {
        return Response::error(400, format!("invalid format {format:?}"));
    }
    let st = d.lock();
    Response::sync(json!(st.plan.to_yaml()))
}

pub(super) fn layers_post(d: &Arc<Daemon>, req: &Request) -> Response {
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

pub(super) fn signals_post(d: &Daemon, req: &Request) -> Response {
    let payload = match req.json() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let names = string_list(&payload, "services");
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
