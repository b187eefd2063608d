//! Pebble layers and the plan: what services, checks and log targets a container runs.
//!
//! Field names and meanings follow Pebble's layer specification; every field is
//! optional so a layer can override only part of an earlier one
//! (`override: merge`). Unknown fields in YAML read from Pebble are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a layer's entry combines with the same-named entry of earlier layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Override {
    /// Fields set here replace earlier ones; lists are appended, maps merged.
    Merge,
    /// This entry replaces the earlier one whole.
    Replace,
}

/// Whether a service (or check) starts on `replan` / at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Startup {
    /// Started by `replan` and when Pebble starts.
    Enabled,
    /// Only started explicitly.
    Disabled,
}

/// One Pebble layer (`ops.pebble.Layer`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Layer {
    /// Short description of the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Services, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log forwarding targets, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
}

impl Layer {
    /// An empty layer.
    pub fn new() -> Layer {
        Layer::default()
    }

    /// Adds (or replaces) a service; returns the layer for chaining.
    pub fn service(mut self, name: impl Into<String>, service: Service) -> Layer {
        self.services.insert(name.into(), service);
        self
    }

    /// Adds (or replaces) a check; returns the layer for chaining.
    pub fn check(mut self, name: impl Into<String>, check: Check) -> Layer {
        self.checks.insert(name.into(), check);
        self
    }

    /// Sets the summary; returns the layer for chaining.
    pub fn summary(mut self, summary: impl Into<String>) -> Layer {
        self.summary = Some(summary.into());
        self
    }

    /// Parses a layer from YAML; a syntax error is [`Error::InvalidInput`].
    pub fn from_yaml(yaml: &str) -> Result<Layer> {
        if yaml.trim().is_empty() {
            return Ok(Layer::default());
        }
        serde_saphyr::from_str(yaml)
            .map_err(|e| Error::InvalidInput(format!("invalid layer YAML: {e}")))
    }

    /// Renders the layer as YAML, as sent to Pebble.
    pub fn to_yaml(&self) -> String {
        render_yaml(self)
    }

    /// Combines `other` on top of `self` as Pebble does when layers stack:
    /// each of `other`'s entries must say `override: merge` or `override: replace`
    /// (else [`Error::InvalidInput`], and `self` may be partly combined).
    pub fn combine(&mut self, other: &Layer) -> Result<()> {
        self.combine_as(other, None).map_err(Error::InvalidInput)
    }

    /// [`Layer::combine`] for the layer labelled `label`; the error is Pebble's
    /// own text (`layer "x" must define "override" for service "y"`).
    pub fn combine_labelled(&mut self, other: &Layer, label: &str) -> Result<(), String> {
        self.combine_as(other, Some(label))
    }

    /// [`Layer::combine`], naming `label` in the error as Pebble does.
    pub(crate) fn combine_as(&mut self, other: &Layer, label: Option<&str>) -> Result<(), String> {
        if other.summary.is_some() {
            self.summary.clone_from(&other.summary);
        }
        if other.description.is_some() {
            self.description.clone_from(&other.description);
        }
        let layer = match label {
            Some(l) => format!("layer \"{l}\""),
            None => "layer".to_string(),
        };
        combine_map(
            &mut self.services,
            &other.services,
            &layer,
            "service",
            Service::merge,
            |s| s.r#override,
        )?;
        combine_map(
            &mut self.checks,
            &other.checks,
            &layer,
            "check",
            Check::merge,
            |c| c.r#override,
        )?;
        combine_map(
            &mut self.log_targets,
            &other.log_targets,
            &layer,
            "log target",
            LogTarget::merge,
            |t| t.r#override,
        )
    }
}

fn combine_map<T: Clone>(
    into: &mut BTreeMap<String, T>,
    from: &BTreeMap<String, T>,
    layer: &str,
    what: &str,
    merge: fn(&mut T, &T),
    over: fn(&T) -> Option<Override>,
) -> Result<(), String> {
    for (name, entry) in from {
        match over(entry) {
            Some(Override::Merge) => match into.get_mut(name) {
                Some(old) => merge(old, entry),
                None => {
                    into.insert(name.clone(), entry.clone());
                }
            },
            Some(Override::Replace) => {
                into.insert(name.clone(), entry.clone());
            }
            None => {
                return Err(format!(
                    r#"{layer} must define "override" for {what} "{name}""#
                ))
            }
        }
    }
    Ok(())
}

fn set<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
    if from.is_some() {
        into.clone_from(from);
    }
}

fn append(into: &mut Vec<String>, from: &[String]) {
    into.extend(from.iter().cloned());
}

fn extend(into: &mut BTreeMap<String, String>, from: &BTreeMap<String, String>) {
    into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
}

/// Renders any serializable value as YAML (`serde-saphyr`, as the rest of the workspace).
pub(crate) fn render_yaml<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}

/// A service in a layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Service {
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `merge` or `replace` (Pebble requires one in every layer).
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// The command line (shell-like quoting; Pebble splits it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `enabled` services start on replan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Startup>,
    /// Services this one starts after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Services this one starts before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Services that must run for this one to run (started with it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// User name to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// User id to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Group name to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Group id to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Action when the service exits 0: `restart`, `shutdown`, `failure-shutdown`, `ignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// Action when the service exits non-zero: `restart`, `shutdown`, `success-shutdown`, `ignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// Action per failing check name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, String>,
    /// Initial restart backoff, a Go duration such as `500ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_delay: Option<String>,
    /// Backoff multiplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Maximum backoff, a Go duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<String>,
    /// Time between SIGTERM and SIGKILL, a Go duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_delay: Option<String>,
}

impl Service {
    /// A service running `command`, `override: replace`, not started on replan.
    pub fn new(command: impl Into<String>) -> Service {
        Service {
            command: Some(command.into()),
            r#override: Some(Override::Replace),
            ..Service::default()
        }
    }

    /// Sets `startup: enabled`; returns the service for chaining.
    pub fn enabled(mut self) -> Service {
        self.startup = Some(Startup::Enabled);
        self
    }

    /// Sets `override`; returns the service for chaining.
    pub fn with_override(mut self, over: Override) -> Service {
        self.r#override = Some(over);
        self
    }

    /// Sets an environment variable; returns the service for chaining.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Service {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Pebble's `override: merge` of `other` onto `self`.
    pub(crate) fn merge(&mut self, other: &Service) {
        set(&mut self.summary, &other.summary);
        set(&mut self.description, &other.description);
        set(&mut self.r#override, &other.r#override);
        set(&mut self.command, &other.command);
        set(&mut self.startup, &other.startup);
        append(&mut self.after, &other.after);
        append(&mut self.before, &other.before);
        append(&mut self.requires, &other.requires);
        extend(&mut self.environment, &other.environment);
        set(&mut self.user, &other.user);
        set(&mut self.user_id, &other.user_id);
        set(&mut self.group, &other.group);
        set(&mut self.group_id, &other.group_id);
        set(&mut self.working_dir, &other.working_dir);
        set(&mut self.on_success, &other.on_success);
        set(&mut self.on_failure, &other.on_failure);
        extend(&mut self.on_check_failure, &other.on_check_failure);
        set(&mut self.backoff_delay, &other.backoff_delay);
        set(&mut self.backoff_factor, &other.backoff_factor);
        set(&mut self.backoff_limit, &other.backoff_limit);
        set(&mut self.kill_delay, &other.kill_delay);
    }
}

/// Check level: which `/v1/health?level=` a failing check affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    /// Liveness.
    Alive,
    /// Readiness.
    Ready,
}

/// A health check in a layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Check {
    /// `merge` or `replace` (Pebble requires one in every layer).
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// `alive` or `ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CheckLevel>,
    /// Whether the check runs from the start (newer Pebble).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Startup>,
    /// Interval between runs, a Go duration (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Time allowed for one run, a Go duration (default `3s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Failures in a row before the check is `down` (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// An HTTP check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// A TCP check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    /// A command check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
}

impl Check {
    /// Pebble's `override: merge` of `other` onto `self`.
    pub(crate) fn merge(&mut self, other: &Check) {
        set(&mut self.r#override, &other.r#override);
        set(&mut self.level, &other.level);
        set(&mut self.startup, &other.startup);
        set(&mut self.period, &other.period);
        set(&mut self.timeout, &other.timeout);
        set(&mut self.threshold, &other.threshold);
        if let Some(o) = &other.http {
            let h = self.http.get_or_insert_with(HttpCheck::default);
            set(&mut h.url, &o.url);
            extend(&mut h.headers, &o.headers);
        }
        if let Some(o) = &other.tcp {
            let t = self.tcp.get_or_insert_with(TcpCheck::default);
            set(&mut t.port, &o.port);
            set(&mut t.host, &o.host);
        }
        if let Some(o) = &other.exec {
            let e = self.exec.get_or_insert_with(ExecCheck::default);
            set(&mut e.command, &o.command);
            set(&mut e.service_context, &o.service_context);
            extend(&mut e.environment, &o.environment);
            set(&mut e.user, &o.user);
            set(&mut e.user_id, &o.user_id);
            set(&mut e.group, &o.group);
            set(&mut e.group_id, &o.group_id);
            set(&mut e.working_dir, &o.working_dir);
        }
    }
}

/// `http:` part of a check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct HttpCheck {
    /// URL to GET; a 2xx answer passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// `tcp:` part of a check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct TcpCheck {
    /// Port to connect to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Host (default `localhost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `exec:` part of a check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecCheck {
    /// Command line; exit 0 passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Run with this service's environment, user and working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_context: Option<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// User name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// User id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// Group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Group id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

/// A log forwarding target in a layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LogTarget {
    /// `merge` or `replace`.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub r#override: Option<Override>,
    /// Target type, for example `loki`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Where to send logs (URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Services whose logs go there (`all`, names, `-name` to remove).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Labels added to every entry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl LogTarget {
    /// Pebble's `override: merge` of `other` onto `self`.
    pub(crate) fn merge(&mut self, other: &LogTarget) {
        set(&mut self.r#override, &other.r#override);
        set(&mut self.kind, &other.kind);
        set(&mut self.location, &other.location);
        append(&mut self.services, &other.services);
        extend(&mut self.labels, &other.labels);
    }
}

/// The combined configuration Pebble runs from (`GET /v1/plan`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Plan {
    /// Services, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Checks, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
}

impl Plan {
    /// Parses a plan from Pebble's YAML (empty text is an empty plan).
    pub fn from_yaml(yaml: &str) -> Result<Plan> {
        if yaml.trim().is_empty() || yaml.trim() == "{}" {
            return Ok(Plan::default());
        }
        serde_saphyr::from_str(yaml)
            .map_err(|e| Error::bad(format!("invalid plan YAML: {e}"), yaml.as_bytes()))
    }

    /// Renders the plan as YAML.
    pub fn to_yaml(&self) -> String {
        render_yaml(self)
    }
}

impl From<Layer> for Plan {
    fn from(l: Layer) -> Plan {
        Plan {
            services: l.services,
            checks: l.checks,
            log_targets: l.log_targets,
        }
    }
}
