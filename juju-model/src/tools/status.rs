//! `status-set`, `status-get`, `application-version-set`
//! (`internal/worker/uniter/runner/jujuc/status-*.go`, `application-version-set.go`).
//! What they set is immediate: it stays even when the hook fails.

use serde_json::{json, Map, Value};

use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, with_fmt, Io, Res};
use crate::error::{not_leader, quote, Result, ToolError};
use crate::model::Status;

/// The statuses a charm may set.
const SETTABLE: [&str; 4] = ["maintenance", "blocked", "waiting", "active"];

/// `status-get --application`: the application's status and its units'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppStatus {
    /// The application's status (`unknown` until the leader sets one).
    pub status: Status,
    /// Each unit's workload status.
    pub units: Vec<(String, Status)>,
}

impl HookContext<'_> {
    /// `status-set [--application] <status> [<message>]`.
    pub fn status_set(&mut self, status: &str, message: &str, app: bool) -> Result<()> {
        if !SETTABLE.contains(&status) {
            return Err(ToolError::usage(format!(
                "invalid status {}, expected one of [{}]",
                quote(status),
                SETTABLE.join(" ")
            )));
        }
        let status = Status::new(status, message);
        if app {
            if !self.leader() {
                return Err(not_leader());
            }
            self.hook.pending.app_status = Some(status);
        } else {
            self.hook.pending.unit_status = Some(status);
        }
        Ok(())
    }

    /// `status-get`: the unit's workload status.
    pub fn unit_status(&self) -> Status {
        self.status_of(self.model.unit())
    }

    fn status_of(&self, unit: &str) -> Status {
        match &self.hook.pending.unit_status {
            Some(s) if unit == self.model.unit() => s.clone(),
            _ => self.model.unit_status(unit),
        }
    }

    /// `status-get --application`: the leader only.
    pub fn app_status(&self) -> Result<AppStatus> {
        if !self.leader() {
            return Err(ToolError::runtime(
                "finding application status: this unit is not the leader",
            ));
        }
        let status = self
            .hook
            .pending
            .app_status
            .clone()
            .or_else(|| self.model.app_status())
            .unwrap_or_else(Status::unknown);
        let units = self
            .model
            .app_units(self.model.app())
            .into_iter()
            .map(|u| {
                let s = self.status_of(&u);
                (u, s)
            })
            .collect();
        Ok(AppStatus { status, units })
    }

    /// `application-version-set <version>`.
    pub fn application_version_set(&mut self, version: &str) -> Result<()> {
        self.hook.pending.app_version = Some(version.to_string());
        Ok(())
    }
}

/// The command lines of the status tools.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn status_set(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[boolean(&["application"])])?;
        if p.args.is_empty() {
            return Err(ToolError::usage("invalid args, require <status> [message]"));
        }
        no_extra(&p.args, 2)?;
        let message = p.args.get(1).map(String::as_str).unwrap_or("");
        cx.status_set(&p.args[0], message, p.flag("application"))?;
        Ok(String::new())
    }

    fn entry(s: &Status) -> Value {
        json!({"message": s.message, "status": s.status, "status-data": {}})
    }

    pub(crate) fn status_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &with_fmt(&[boolean(&["application"]), boolean(&["include-data"])]),
        )?;
        no_extra(&p.args, 0)?;
        let brief = !p.flag("include-data") && p.value("format").is_none();
        if p.flag("application") {
            let app = cx.app_status()?;
            if brief {
                return Ok(format!("{}\n", app.status.status));
            }
            let units: Map<String, Value> = app
                .units
                .iter()
                .map(|(u, s)| (u.clone(), entry(s)))
                .collect();
            let mut a = entry(&app.status);
            a["units"] = Value::Object(units);
            return emit(&p, io, &json!({ "application-status": a }));
        }
        let st = cx.unit_status();
        if brief {
            return Ok(format!("{}\n", st.status));
        }
        emit(&p, io, &entry(&st))
    }

    pub(crate) fn application_version_set(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        let Some(version) = p.args.first() else {
            return Err(ToolError::usage("no version specified"));
        };
        no_extra(&p.args, 1)?;
        cx.application_version_set(version)?;
        Ok(String::new())
    }
}
