//! Exec over `/v1/exec` and the task's websockets (`control`, `stdio`, `stderr`).

use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

use super::{change_id, check_change, Client};
use crate::error::{Error, Result};
use crate::process::{ExecProcess, ExecReader, ExecStdin, ProcessControl};
use crate::types::*;
use crate::ws;

/// `spawn`: starts the command, then connects its websockets.
pub(super) fn spawn(
    client: &Client,
    command: &[&str],
    options: &ExecOptions,
) -> Result<ExecProcess> {
    if command.is_empty() {
        return Err(Error::InvalidInput("exec needs a command".into()));
    }
    let body = json!({
        "command": command,
        "service-context": options.service_context,
        "environment": options.environment,
        "working-dir": options.working_dir,
        "timeout": options.timeout.map(go_duration),
        "user-id": options.user_id,
        "user": options.user,
        "group-id": options.group_id,
        "group": options.group,
        "split-stderr": !options.combine_stderr,
    });
    let env = client.request("POST", "/v1/exec", &[], Some(&body))?;
    let change = change_id(&env)?;
    let task_id = env
        .get("result")
        .and_then(|r| r.get("task-id"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::bad("exec answer has no task-id", env.to_string().as_bytes()))?
        .to_string();

    let connected = connect(client, &task_id, options.combine_stderr);
    let ((_, control), (stdio_r, stdio_w), stderr) = match connected {
        Ok(c) => c,
        Err(e) => {
            // Usually the command failed to start: the change says why.
            let done = client.wait_for_change(&change, Some(client.timeout))?;
            check_change(done)?;
            return Err(e);
        }
    };
    let mut outputs = vec![stdio_w.clone()];
    let stderr = stderr.map(|(r, w)| {
        outputs.push(w);
        Box::new(ws::WsStream::new(r)) as ExecReader
    });
    let stdin = WsStdin(stdio_w);
    let (stdin, feeder) = match options.stdin.clone() {
        Some(bytes) => {
            let mut stdin = stdin;
            let feeder = thread::spawn(move || {
                for chunk in bytes.chunks(64 * 1024) {
                    if std::io::Write::write_all(&mut stdin, chunk).is_err() {
                        break;
                    }
                }
            });
            (None, Some(feeder))
        }
        None => (Some(Box::new(stdin) as ExecStdin), None),
    };
    let control = ClientProcess {
        client: client.clone(),
        change,
        timeout: options.timeout,
        control: Some(control),
        outputs,
        feeder,
    };
    Ok(ExecProcess::new(
        command.iter().map(|s| s.to_string()).collect(),
        stdin,
        Some(Box::new(ws::WsStream::new(stdio_r))),
        stderr,
        Box::new(control),
    ))
}

/// The exec's websockets: `control`, `stdio`, and `stderr` unless combined.
fn connect(
    client: &Client,
    task_id: &str,
    combine_stderr: bool,
) -> Result<(Connection, Connection, Option<Connection>)> {
    let control = client.ws_connect(task_id, "control")?;
    let stdio = client.ws_connect(task_id, "stdio")?;
    let stderr = if combine_stderr {
        None
    } else {
        Some(client.ws_connect(task_id, "stderr")?)
    };
    Ok((control, stdio, stderr))
}

/// The two halves of a websocket.
type Connection = (ws::WsReader, ws::WsWriter);

/// A running exec: its change, and the control websocket for signals.
struct ClientProcess {
    client: Client,
    change: ChangeId,
    timeout: Option<Duration>,
    control: Option<ws::WsWriter>,
    /// Writers of the output websockets, closed once the command is done.
    outputs: Vec<ws::WsWriter>,
    /// The thread sending `ExecOptions::stdin`, if any.
    feeder: Option<thread::JoinHandle<()>>,
}

impl ProcessControl for ClientProcess {
    fn send_signal(&mut self, signal: &str) -> Result<()> {
        let control = self
            .control
            .as_ref()
            .ok_or_else(|| Error::InvalidInput("the process was already waited for".into()))?;
        let msg = json!({"command": "signal", "signal": {"name": signal}}).to_string();
        control.send_text(&msg).map_err(|e| self.client.conn_err(e))
    }

    fn wait(&mut self) -> Result<i32> {
        // A little longer than the command's own timeout, so Pebble's comes first.
        let wait = self.timeout.map(|t| t + Duration::from_secs(1));
        let done = self.client.wait_for_change(&self.change, wait);
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
        if let Some(c) = self.control.take() {
            c.close();
        }
        for w in self.outputs.drain(..) {
            w.close_write();
        }
        let done = done?;
        let exit_code = done
            .tasks
            .first()
            .and_then(|t| t.data.get("exit-code"))
            .and_then(Value::as_i64)
            .and_then(|c| i32::try_from(c).ok())
            .unwrap_or(-1);
        check_change(done)?;
        Ok(exit_code)
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        if let Some(c) = self.control.take() {
            c.close();
        }
    }
}

/// Standard input over the stdio websocket; dropping it sends Pebble's end of file.
struct WsStdin(ws::WsWriter);

impl std::io::Write for WsStdin {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !buf.is_empty() {
            self.0.send_binary(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for WsStdin {
    fn drop(&mut self) {
        let _ = self.0.send_text(r#"{"command":"end"}"#);
    }
}

pub(super) fn go_duration(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}
