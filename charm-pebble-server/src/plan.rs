//! Layers and the plan, with Pebble's validation and error texts
//! (`internals/plan/plan.go`, `internals/overlord/planstate/manager.go`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use charm_pebble::{Check, Layer, LogTarget, Plan, Service};
use serde_json::Value;

use crate::duration;

/// Pebble's defaults (`plan.go`).
pub(crate) const DEFAULT_BACKOFF_DELAY: Duration = Duration::from_millis(500);
pub(crate) const DEFAULT_BACKOFF_FACTOR: f64 = 2.0;
pub(crate) const DEFAULT_BACKOFF_LIMIT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_KILL_DELAY: Duration = Duration::from_secs(5);
pub(crate) const DEFAULT_CHECK_PERIOD: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(3);
pub(crate) const DEFAULT_CHECK_THRESHOLD: u32 = 3;

const SERVICE_FIELDS: &[&str] = &[
    "summary",
    "description",
    "startup",
    "override",
    "command",
    "after",
    "before",
    "requires",
    "environment",
    "user",
    "user-id",
    "group",
    "group-id",
    "working-dir",
    "on-success",
    "on-failure",
    "on-check-failure",
    "backoff-delay",
    "backoff-factor",
    "backoff-limit",
    "kill-delay",
];
const CHECK_FIELDS: &[&str] = &[
    "override",
    "level",
    "startup",
    "period",
    "timeout",
    "threshold",
    "http",
    "tcp",
    "exec",
];
const LOG_TARGET_FIELDS: &[&str] = &["override", "type", "location", "services", "labels"];

/// Parses and validates one layer as `plan.ParseLayer` does.
pub(crate) fn parse_layer(label: &str, yaml: &str) -> Result<Layer, String> {
    let raw: Value = if yaml.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_saphyr::from_str(yaml).map_err(|e| format!("cannot parse layer {label:?}: {e}"))?
    };
    let Value::Object(top) = &raw else {
        return Err(format!("cannot parse layer {label:?}: not a mapping"));
    };
    for (section, value) in top {
        let fields = match section.as_str() {
            "summary" | "description" => continue,
            "services" => SERVICE_FIELDS,
            "checks" => CHECK_FIELDS,
            "log-targets" => LOG_TARGET_FIELDS,
            other => {
                return Err(format!(
                    "cannot parse layer {label:?}: unknown section {other:?}"
                ))
            }
        };
        let type_name = match section.as_str() {
            "services" => "plan.Service",
            "checks" => "plan.Check",
            _ => "plan.LogTarget",
        };
        for entry in value.as_object().into_iter().flat_map(|m| m.values()) {
            for key in entry.as_object().into_iter().flat_map(|m| m.keys()) {
                if !fields.contains(&key.as_str()) {
                    return Err(format!(
                        "cannot parse layer {label:?} section {section:?}: yaml: unmarshal errors:\n  field {key} not found in type {type_name}"
                    ));
                }
            }
        }
    }
    let layer: Layer = serde_saphyr::from_str(if yaml.trim().is_empty() { "{}" } else { yaml })
        .map_err(|e| format!("cannot parse layer {label:?}: {e}"))?;
    validate_layer(label, &layer)?;
    Ok(layer)
}

fn valid_action(action: Option<&str>, extra: &str) -> bool {
    matches!(
        action,
        None | Some("") | Some("restart") | Some("shutdown") | Some("ignore")
    ) || action == Some(extra)
}

fn check_duration(what: String, d: &Option<String>) -> Result<Option<Duration>, String> {
    match d {
        None => Ok(None),
        Some(t) => duration::parse(t)
            .map(Some)
            .map_err(|e| format!("cannot parse {what}: {e}")),
    }
}

/// `Layer.Validate`.
fn validate_layer(label: &str, layer: &Layer) -> Result<(), String> {
    if label.starts_with("pebble-") {
        return Err(r#"cannot use reserved label prefix "pebble-""#.into());
    }
    for (name, s) in &layer.services {
        validate_service(name, s)?;
    }
    for (name, c) in &layer.checks {
        validate_check(name, c)?;
    }
    for (name, t) in &layer.log_targets {
        validate_log_target(name, t)?;
    }
    Ok(())
}

/// `Service.Validate` (in `Layer.Validate`).
fn validate_service(name: &str, s: &Service) -> Result<(), String> {
    if name.is_empty() {
        return Err("cannot use empty string as service name".into());
    }
    if name == "pebble" {
        return Err(format!("cannot use reserved service name {name:?}"));
    }
    if name.starts_with('-') {
        return Err(format!(
            r#"cannot use service name {name:?}: starting with "-" not allowed"#
        ));
    }
    if let Some(c) = &s.command {
        parse_command(c).map_err(|e| format!("plan service {name:?} command invalid: {e}"))?;
    }
    if !valid_action(s.on_success.as_deref(), "failure-shutdown") {
        return Err(format!(
            "plan service {name:?} on-success action {:?} invalid",
            s.on_success.clone().unwrap_or_default()
        ));
    }
    if !valid_action(s.on_failure.as_deref(), "success-shutdown") {
        return Err(format!(
            "plan service {name:?} on-failure action {:?} invalid",
            s.on_failure.clone().unwrap_or_default()
        ));
    }
    for action in s.on_check_failure.values() {
        if !valid_action(Some(action), "success-shutdown") {
            return Err(format!(
                "plan service {name:?} on-check-failure action {action:?} invalid"
            ));
        }
    }
    if let Some(f) = s.backoff_factor.filter(|f| *f < 1.0) {
        return Err(format!(
            "plan service {name:?} backoff-factor must be 1.0 or greater, not {f}"
        ));
    }
    for (field, value) in [
        ("backoff-delay", &s.backoff_delay),
        ("backoff-limit", &s.backoff_limit),
        ("kill-delay", &s.kill_delay),
    ] {
        check_duration(format!("service {name:?} {field}"), value)?;
    }
    Ok(())
}

/// A check's part of `Layer.Validate`.
fn validate_check(name: &str, c: &Check) -> Result<(), String> {
    if name.is_empty() {
        return Err("cannot use empty string as check name".into());
    }
    if check_duration(format!("check {name:?} period"), &c.period)? == Some(Duration::ZERO) {
        return Err(format!("plan check {name:?} period must not be zero"));
    }
    if check_duration(format!("check {name:?} timeout"), &c.timeout)? == Some(Duration::ZERO) {
        return Err(format!("plan check {name:?} timeout must not be zero"));
    }
    if let Some(cmd) = c.exec.as_ref().and_then(|e| e.command.as_deref()) {
        if shlex::split(cmd).is_none() {
            return Err(format!(
                "plan check {name:?} command invalid: invalid quoting in {cmd:?}"
            ));
        }
    }
    Ok(())
}

/// A log target's part of `Layer.Validate`.
fn validate_log_target(name: &str, t: &LogTarget) -> Result<(), String> {
    for label in t.labels.keys() {
        if label.starts_with("pebble_") {
            return Err(format!(
                r#"log target {name:?}: label {label:?} uses reserved prefix "pebble_""#
            ));
        }
    }
    match t.kind.as_deref() {
        None | Some("loki") | Some("opentelemetry") | Some("syslog") => {}
        Some(other) => {
            return Err(format!(
                r#"log target {name:?} has unsupported type {other:?}, must be "loki", "opentelemetry" or "syslog""#
            ))
        }
    }
    Ok(())
}

/// Combines the layers in order (`plan.CombineLayers`) and checks the result
/// (`Plan.Validate`).
pub(crate) fn combine(layers: &[(String, Layer)]) -> Result<Plan, String> {
    let mut combined = Layer::default();
    for (label, layer) in layers {
        combined.combine_labelled(layer, label)?;
    }
    let plan: Plan = combined.into();
    validate_plan(&plan)?;
    Ok(plan)
}

fn validate_plan(plan: &Plan) -> Result<(), String> {
    for (name, s) in &plan.services {
        if s.command.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                r#"plan must define "command" for service {name:?}"#
            ));
        }
    }
    for (name, c) in &plan.checks {
        let mut kinds = 0;
        if let Some(h) = &c.http {
            if h.url.as_deref().is_none_or(str::is_empty) {
                return Err(format!(r#"plan must set "url" for http check {name:?}"#));
            }
            kinds += 1;
        }
        if let Some(t) = &c.tcp {
            if t.port.is_none_or(|p| p == 0) {
                return Err(format!(r#"plan must set "port" for tcp check {name:?}"#));
            }
            kinds += 1;
        }
        if let Some(e) = &c.exec {
            if e.command.as_deref().is_none_or(str::is_empty) {
                return Err(format!(
                    r#"plan must set "command" for exec check {name:?}"#
                ));
            }
            if let Some(ctx) = e.service_context.as_deref().filter(|c| !c.is_empty()) {
                if !plan.services.contains_key(ctx) {
                    return Err(format!(
                        "plan check {name:?} service context specifies non-existent service {ctx:?}"
                    ));
                }
            }
            kinds += 1;
        }
        if kinds != 1 {
            return Err(format!(
                r#"plan must specify one of "http", "tcp", or "exec" for check {name:?}"#
            ));
        }
    }
    for (name, t) in &plan.log_targets {
        if t.kind.is_none() {
            return Err(format!(
                r#"plan must define "type" ("loki", "opentelemetry" or "syslog") for log target {name:?}"#
            ));
        }
        for svc in &t.services {
            let svc = svc.trim_start_matches('-');
            if svc != "all" && !plan.services.contains_key(svc) {
                return Err(format!(
                    "log target {name:?} specifies unknown service {svc:?}"
                ));
            }
        }
        if t.location.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                r#"plan must define "location" for log target {name:?}"#
            ));
        }
    }
    let all: Vec<String> = plan.services.keys().cloned().collect();
    order(plan, &all, false)?;
    Ok(())
}

/// The services to start (with what they require) or to stop (with what
/// requires them), in order (`plan.order`): `after`/`before` respected, a loop
/// is an error.
pub(crate) fn order(plan: &Plan, names: &[String], stop: bool) -> Result<Vec<String>, String> {
    let set = closure(plan, names, stop)?;
    let before = edges(plan, &set, stop)?;
    topological(&set, &before)
}

fn missing(n: &str) -> String {
    format!("service {n:?} does not exist")
}

/// The services an action touches: the named ones and what they require (to start), or
/// what requires them (to stop).
fn closure(plan: &Plan, names: &[String], stop: bool) -> Result<BTreeSet<String>, String> {
    // Reverse dependencies, for stop.
    let mut required_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, s) in &plan.services {
        for r in &s.requires {
            required_by
                .entry(r.as_str())
                .or_default()
                .push(name.as_str());
        }
    }
    let mut set: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = names.to_vec();
    while let Some(n) = pending.pop() {
        if !set.insert(n.clone()) {
            continue;
        }
        if stop {
            pending.extend(
                required_by
                    .get(n.as_str())
                    .into_iter()
                    .flatten()
                    .map(|s| s.to_string()),
            );
        } else {
            let s = plan.services.get(&n).ok_or_else(|| missing(&n))?;
            pending.extend(s.requires.iter().cloned());
        }
    }
    Ok(set)
}

/// The `before`/`after` edges within the set, reversed to stop: a -> b means a must come
/// before b.
fn edges(
    plan: &Plan,
    set: &BTreeSet<String>,
    stop: bool,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut before: BTreeMap<String, BTreeSet<String>> =
        set.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for n in set {
        let s = plan.services.get(n).ok_or_else(|| missing(n))?;
        let (after, bef) = if stop {
            (&s.before, &s.after)
        } else {
            (&s.after, &s.before)
        };
        for a in after.iter().filter(|a| set.contains(*a)) {
            before.entry(a.clone()).or_default().insert(n.clone());
        }
        for b in bef.iter().filter(|b| set.contains(*b)) {
            before.entry(n.clone()).or_default().insert(b.clone());
        }
    }
    Ok(before)
}

/// Kahn's algorithm, names in order for a stable result; a loop is an error.
fn topological(
    set: &BTreeSet<String>,
    before: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Vec<String>, String> {
    let mut incoming: BTreeMap<String, usize> = set.iter().map(|n| (n.clone(), 0)).collect();
    for targets in before.values() {
        for t in targets {
            *incoming.entry(t.clone()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    let mut ready: BTreeSet<String> = incoming
        .iter()
        .filter(|(_, c)| **c == 0)
        .map(|(n, _)| n.clone())
        .collect();
    while let Some(n) = ready.pop_first() {
        for t in before.get(&n).into_iter().flatten() {
            let c = incoming.entry(t.clone()).or_default();
            *c -= 1;
            if *c == 0 {
                ready.insert(t.clone());
            }
        }
        out.push(n);
    }
    if out.len() < set.len() {
        let looped: Vec<&str> = set
            .iter()
            .filter(|n| !out.contains(n))
            .map(String::as_str)
            .collect();
        return Err(format!(
            "services in before/after loop: {}",
            looped.join(", ")
        ));
    }
    Ok(out)
}

/// Splits a service command as `Service.ParseCommand`: shell words, with an
/// optional final `[ ... ]` group of default arguments (kept).
pub(crate) fn parse_command(command: &str) -> Result<Vec<String>, String> {
    let words = shlex::split(command).ok_or_else(|| format!("invalid quoting in {command:?}"))?;
    let mut out = Vec::new();
    let mut in_group = false;
    let mut after_group = false;
    for w in words {
        if after_group {
            return Err("cannot have any arguments after [ ... ] group".into());
        }
        match w.as_str() {
            "[" if in_group => return Err("cannot nest [ ... ] groups".into()),
            "[" if out.is_empty() => return Err("cannot start command with [ ... ] group".into()),
            "[" => in_group = true,
            "]" if !in_group => return Err("cannot have ] outside of [ ... ] group".into()),
            "]" => {
                in_group = false;
                after_group = true;
            }
            _ => out.push(w),
        }
    }
    if out.is_empty() {
        return Err("empty command".into());
    }
    Ok(out)
}

/// A service's effective durations and factor, with Pebble's defaults.
pub(crate) struct Timing {
    pub backoff_delay: Duration,
    pub backoff_factor: f64,
    pub backoff_limit: Duration,
    pub kill_delay: Duration,
}

pub(crate) fn timing(s: &Service) -> Timing {
    let d = |v: &Option<String>, default| {
        v.as_deref()
            .and_then(|t| duration::parse(t).ok())
            .unwrap_or(default)
    };
    Timing {
        backoff_delay: d(&s.backoff_delay, DEFAULT_BACKOFF_DELAY),
        backoff_factor: s.backoff_factor.unwrap_or(DEFAULT_BACKOFF_FACTOR),
        backoff_limit: d(&s.backoff_limit, DEFAULT_BACKOFF_LIMIT),
        kill_delay: d(&s.kill_delay, DEFAULT_KILL_DELAY),
    }
}

/// A check's effective period, timeout (at most the period) and threshold.
pub(crate) fn check_timing(c: &Check) -> (Duration, Duration, u32) {
    let d = |v: &Option<String>, default| {
        v.as_deref()
            .and_then(|t| duration::parse(t).ok())
            .unwrap_or(default)
    };
    let period = d(&c.period, DEFAULT_CHECK_PERIOD);
    let timeout = d(&c.timeout, DEFAULT_CHECK_TIMEOUT).min(period);
    let threshold = c
        .threshold
        .filter(|t| *t > 0)
        .unwrap_or(DEFAULT_CHECK_THRESHOLD);
    (period, timeout, threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> Plan {
        combine(&[("l".into(), parse_layer("l", yaml).unwrap())]).unwrap()
    }

    #[test]
    fn layer_errors_are_pebbles() {
        let e = |label: &str, y: &str| {
            parse_layer(label, y)
                .and_then(|l| combine(&[(label.into(), l)]).map(|_| ()))
                .unwrap_err()
        };
        assert_eq!(
            e("x", "bogus: 1"),
            r#"cannot parse layer "x": unknown section "bogus""#
        );
        assert!(e(
            "x",
            "services: {a: {override: replace, command: x, colour: red}}"
        )
        .contains("field colour not found in type plan.Service"));
        assert_eq!(
            e("pebble-x", ""),
            r#"cannot use reserved label prefix "pebble-""#
        );
        assert_eq!(
            e("x", "services: {a: {override: merge}}"),
            r#"plan must define "command" for service "a""#
        );
        assert_eq!(
            e("x", "services: {a: {command: x}}"),
            r#"layer "x" must define "override" for service "a""#
        );
        assert_eq!(
            e(
                "x",
                "services: {a: {override: replace, command: x, on-success: explode}}"
            ),
            r#"plan service "a" on-success action "explode" invalid"#
        );
        assert_eq!(
            e("x", "checks: {c: {override: replace}}"),
            r#"plan must specify one of "http", "tcp", or "exec" for check "c""#
        );
        assert_eq!(
            e(
                "x",
                "checks: {c: {override: replace, period: 0s, tcp: {port: 1}}}"
            ),
            r#"plan check "c" period must not be zero"#
        );
        assert!(
            e("x", "services: {a: {override: replace, command: '[ x ]'}}")
                .contains("cannot start command with [ ... ] group")
        );
    }

    #[test]
    fn start_and_stop_order_follow_requires_after_before() {
        let p = plan(
            "services:
  db: {override: replace, command: db}
  web: {override: replace, command: web, requires: [db], after: [db]}
  cache: {override: replace, command: cache, before: [web]}
",
        );
        assert_eq!(order(&p, &["web".into()], false).unwrap(), ["db", "web"]);
        assert_eq!(
            order(&p, &["web".into(), "cache".into()], false).unwrap(),
            ["cache", "db", "web"]
        );
        // Stopping db stops web (which requires it) first.
        assert_eq!(order(&p, &["db".into()], true).unwrap(), ["web", "db"]);
        assert_eq!(
            order(&p, &["nope".into()], false).unwrap_err(),
            r#"service "nope" does not exist"#
        );
        let looped = parse_layer(
            "l",
            "services: {a: {override: replace, command: a, after: [b]}, b: {override: replace, command: b, after: [a]}}",
        )
        .unwrap();
        assert_eq!(
            combine(&[("l".into(), looped)]).unwrap_err(),
            "services in before/after loop: a, b"
        );
    }

    #[test]
    fn commands_split_like_pebble() {
        assert_eq!(
            parse_command("/bin/sh -c 'echo hi'").unwrap(),
            ["/bin/sh", "-c", "echo hi"]
        );
        assert_eq!(
            parse_command("app [ --port 80 ]").unwrap(),
            ["app", "--port", "80"]
        );
        assert!(parse_command("app [ a ] b").is_err());
        assert!(parse_command("app 'open").is_err());
    }
}
