//! Client side of the hook tools: when the `cargo-charm` binary is invoked under a tool
//! name (`relation-get`, ...), it forwards argv (and stdin for `--file -`) to the simulator
//! over `JUJU_AGENT_SOCKET_ADDRESS` and replays the answer, like Juju's `jujuc`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::sim::server::{ToolRequest, ToolResponse};
use crate::sim::TOOL_NAMES;

/// The process's arguments as text: bytes that are not UTF-8 become U+FFFD. That is
/// what reaches Juju from a hook tool: `jujuc` passes the bytes on, and the agent's
/// JSON encoding (Go's `encoding/json`) replaces invalid UTF-8 with U+FFFD.
pub fn argv_lossy(args: impl IntoIterator<Item = OsString>) -> Vec<String> {
    args.into_iter()
        .map(|a| match a.into_string() {
            Ok(s) => s,
            Err(a) => a.to_string_lossy().into_owned(),
        })
        .collect()
}

/// If `argv0`'s basename is a hook tool name, return that name.
pub fn tool_name(argv0: &str) -> Option<&'static str> {
    let base = Path::new(argv0).file_name()?.to_str()?;
    TOOL_NAMES.iter().copied().find(|t| *t == base)
}

fn wants_stdin(args: &[String]) -> bool {
    let mut it = args.iter().take_while(|a| a.as_str() != "--").peekable();
    while let Some(a) = it.next() {
        if a == "--file=-" {
            return true;
        }
        if a == "--file" && it.peek().is_some_and(|n| n.as_str() == "-") {
            return true;
        }
    }
    false
}

/// Run hook tool `tool` with `args`; returns the exit code.
pub fn run_tool(tool: &str, args: &[String]) -> i32 {
    match call(tool, args) {
        Ok(resp) => {
            let _ = std::io::stdout().write_all(resp.stdout.as_bytes());
            let _ = std::io::stderr().write_all(resp.stderr.as_bytes());
            resp.code
        }
        Err(msg) => {
            eprintln!("ERROR {msg}");
            1
        }
    }
}

fn call(tool: &str, args: &[String]) -> Result<ToolResponse, String> {
    let socket = std::env::var("JUJU_AGENT_SOCKET_ADDRESS")
        .map_err(|_| format!("{tool}: JUJU_AGENT_SOCKET_ADDRESS not set (hook tools only work inside a hook run by `cargo charm sim`)"))?;
    let context_id =
        std::env::var("JUJU_CONTEXT_ID").map_err(|_| format!("{tool}: JUJU_CONTEXT_ID not set"))?;
    let stdin = if wants_stdin(args) {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    } else {
        None
    };
    let req = ToolRequest {
        context_id,
        argv: std::iter::once(tool.to_string())
            .chain(args.iter().cloned())
            .collect(),
        stdin,
        cwd: std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        wake: false,
    };
    let mut stream = UnixStream::connect(&socket)
        .map_err(|e| format!("cannot connect to the simulator at {socket}: {e}"))?;
    let body = serde_json::to_vec(&req).map_err(|e| e.to_string())?;
    stream
        .write_all(&body)
        .and_then(|_| stream.shutdown(std::net::Shutdown::Write))
        .map_err(|e| format!("cannot send to the simulator: {e}"))?;
    let mut out = Vec::new();
    stream
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot read from the simulator: {e}"))?;
    serde_json::from_slice(&out).map_err(|e| format!("bad answer from the simulator: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn arguments_that_are_not_utf8_are_replaced_not_fatal() {
        let argv = argv_lossy([
            OsString::from("juju-log"),
            OsString::from_vec(b"bad \xff byte".to_vec()),
        ]);
        assert_eq!(argv, ["juju-log", "bad \u{fffd} byte"]);
    }
}
