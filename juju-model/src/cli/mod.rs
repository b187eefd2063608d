//! The hook tools' command lines: [`run`] takes a tool's argv (and stdin), parses it as
//! Juju's `gnuflag` does, runs the tool through [`HookContext`] and prints what Juju's
//! tool prints (`smart`, `json` or `yaml`).
//!
//! ```
//! use juju_model::cli::{run, Request};
//! use juju_model::{Hook, Model};
//! # struct Bare;
//! # impl Model for Bare {
//! #     fn model_uuid(&self) -> &str { "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f" }
//! #     fn unit(&self) -> &str { "demo/0" }
//! #     fn app(&self) -> &str { "demo" }
//! #     fn is_leader(&self) -> bool { true }
//! # }
//! let mut hook = Hook::new(|| "cjhg2ok5jrbc769e4mkg".to_string());
//! let argv: Vec<String> = ["is-leader", "--format=json"].map(String::from).to_vec();
//! let out = run(&Bare, &mut hook, &Request { argv: &argv, stdin: None, cwd: ".".as_ref() });
//! assert_eq!((out.code, out.stdout.as_str()), (0, "true\n"));
//! let argv: Vec<String> = ["relation-get", "--bogus"].map(String::from).to_vec();
//! let out = run(&Bare, &mut hook, &Request { argv: &argv, stdin: None, cwd: ".".as_ref() });
//! assert_eq!((out.code, out.stderr.as_str()), (2, "ERROR flag provided but not defined: --bogus\n"));
//! ```

mod flags;
mod input;
mod output;

use std::path::Path;

use serde_json::Value;

use crate::error::{quote_list, ToolError};
use crate::hook::Hook;
use crate::model::Model;
use crate::tools::{self, HookContext};

pub(crate) use flags::{boolean, parse, val, Flag, Parsed};
pub(crate) use input::{decode_base64, key_values, settings_file, Io};

/// Every hook tool [`run`] answers.
pub const TOOL_NAMES: &[&str] = &[
    "relation-get",
    "relation-set",
    "relation-ids",
    "relation-list",
    "relation-model-get",
    "is-leader",
    "config-get",
    "status-set",
    "status-get",
    "juju-log",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "secret-info-get",
    "state-get",
    "state-set",
    "state-delete",
    "application-version-set",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "storage-get",
    "storage-list",
    "network-get",
    "open-port",
    "close-port",
    "opened-ports",
    "goal-state",
    "unit-get",
    "resource-get",
    "credential-get",
    "juju-reboot",
    "storage-add",
];

/// One tool call: argv (the tool's name, or a path to it, first), stdin, and the
/// directory relative paths (`--file`, `key#file=`, `--output`) are read from.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The tool and its arguments.
    pub argv: &'a [String],
    /// Standard input, if the tool was given any.
    pub stdin: Option<&'a str>,
    /// The working directory.
    pub cwd: &'a Path,
}

/// What the tool did: exit code, stdout, stderr (`ERROR <message>` on failure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The tool's name from its `argv[0]` (a path to a symlink named after the tool, or the
/// name).
pub fn tool_name(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}

/// Runs one tool call of `hook` on `model`.
pub fn run(model: &dyn Model, hook: &mut Hook, request: &Request) -> Response {
    let tool = request.argv.first().map(|a| tool_name(a)).unwrap_or("");
    let args = request.argv.get(1..).unwrap_or_default();
    let io = Io {
        stdin: request.stdin,
        cwd: request.cwd,
    };
    let mut cx = HookContext::new(model, hook);
    let allowed = match TOOL_NAMES.contains(&tool) {
        true => cx.check_allowed(tool),
        false => Ok(()),
    };
    match allowed.and_then(|()| dispatch(&mut cx, tool, args, &io)) {
        Ok(stdout) => Response {
            code: 0,
            stdout,
            stderr: String::new(),
        },
        Err(e) => Response {
            code: e.code,
            stdout: String::new(),
            stderr: e.stderr(),
        },
    }
}

fn dispatch(cx: &mut HookContext, tool: &str, args: &[String], io: &Io) -> Res {
    match tool {
        "relation-get" => tools::relation_cli::relation_get(cx, args, io),
        "relation-set" => tools::relation_cli::relation_set(cx, args, io),
        "relation-ids" => tools::relation_cli::relation_ids(cx, args, io),
        "relation-list" => tools::relation_cli::relation_list(cx, args, io),
        "relation-model-get" => tools::relation_cli::relation_model_get(cx, args, io),
        "is-leader" => tools::config_cli::is_leader(cx, args, io),
        "config-get" => tools::config_cli::config_get(cx, args, io),
        "status-set" => tools::status_cli::status_set(cx, args),
        "status-get" => tools::status_cli::status_get(cx, args, io),
        "application-version-set" => tools::status_cli::application_version_set(cx, args),
        "juju-log" => tools::log_cli::juju_log(cx, args),
        "state-get" => tools::state_cli::state_get(cx, args, io),
        "state-set" => tools::state_cli::state_set(cx, args, io),
        "state-delete" => tools::state_cli::state_delete(cx, args),
        "secret-add" => tools::secret_cli::secret_add(cx, args, io),
        "secret-get" => tools::secret_cli::secret_get(cx, args, io),
        "secret-set" => tools::secret_cli::secret_set(cx, args, io),
        "secret-grant" => tools::secret_cli::secret_grant(cx, args, true),
        "secret-revoke" => tools::secret_cli::secret_grant(cx, args, false),
        "secret-remove" => tools::secret_cli::secret_remove(cx, args),
        "secret-ids" => tools::secret_cli::secret_ids(cx, args, io),
        "secret-info-get" => tools::secret_cli::secret_info_get(cx, args, io),
        "action-get" => tools::action_cli::action_get(cx, args, io),
        "action-set" => tools::action_cli::action_set(cx, args),
        "action-log" => tools::action_cli::action_log(cx, args),
        "action-fail" => tools::action_cli::action_fail(cx, args),
        "storage-get" => tools::storage_cli::storage_get(cx, args, io),
        "storage-list" => tools::storage_cli::storage_list(cx, args, io),
        "open-port" => tools::ports_cli::port(cx, args, true),
        "close-port" => tools::ports_cli::port(cx, args, false),
        "opened-ports" => tools::ports_cli::opened_ports(cx, args, io),
        "network-get" => tools::network_cli::network_get(cx, args, io),
        "goal-state" => tools::goal_state_cli::goal_state(cx, args, io),
        "unit-get" => tools::network_cli::unit_get(cx, args, io),
        "resource-get" => tools::resource_cli::resource_get(cx, args),
        "credential-get" => tools::machine_cli::credential_get(cx, args, io),
        "juju-reboot" => tools::machine_cli::juju_reboot(cx, args),
        "storage-add" => tools::storage_cli::storage_add(cx, args),
        other => Err(ToolError::runtime(format!("unknown hook command: {other}"))),
    }
}

/// A tool's stdout, or its failure.
pub(crate) type Res = Result<String, ToolError>;

/// `--format` and `-o`/`--output`: the flags of every tool that prints.
pub(crate) const FMT: [Flag; 2] = [val(&["format"]), val(&["o", "output"])];

/// [`FMT`] and `extra`.
pub(crate) fn with_fmt(extra: &[Flag]) -> Vec<Flag> {
    let mut v = FMT.to_vec();
    v.extend_from_slice(extra);
    v
}

/// `cmd.CheckEmpty`: more than `allowed` positional arguments is an error.
pub(crate) fn no_extra(args: &[String], allowed: usize) -> Result<(), ToolError> {
    if args.len() > allowed {
        return Err(ToolError::usage(format!(
            "unrecognized args: {}",
            quote_list(&args[allowed..])
        )));
    }
    Ok(())
}

/// Prints `value` in the requested format, to stdout or to the `--output` file.
pub(crate) fn emit(p: &Parsed, io: &Io, value: &Value) -> Res {
    let out = output::render(value, output::Format::parse(p.value("format"))?);
    if let Some(path) = p.value("o") {
        io.write(path, &out)?;
        return Ok(String::new());
    }
    Ok(out)
}
