//! The real client: blocking HTTP/1.1 over Pebble's unix socket.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::http::{self, HttpError, Response};
use crate::layer::{Layer, Plan};
use crate::process::ExecProcess;
use crate::types::*;
use crate::ws::{self, WsReader};
use crate::Pebble;

mod exec;
mod files;

use exec::go_duration;
pub(crate) use files::check_permissions;
use files::{check_path, ownership, path_result, push_request};

/// A Pebble client over a unix socket (`ops.pebble.Client`).
///
/// Each call opens its own connection (`Connection: close`), so a `Client` is
/// cheap, `Send + Sync`, and survives Pebble restarts.
///
/// ```no_run
/// use charm_pebble::{Client, Layer, Pebble, Service};
/// let pebble = Client::for_container("workload");
/// let layer = Layer::new().service("web", Service::new("/bin/server --port 8080").enabled());
/// pebble.add_layer("web", &layer, true)?;
/// pebble.replan_services()?;
/// # Ok::<(), charm_pebble::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    socket: PathBuf,
    timeout: Duration,
    change_timeout: Duration,
}

/// Where Juju mounts a container's Pebble socket in the charm container.
pub fn container_socket_path(container: &str) -> PathBuf {
    PathBuf::from(format!("/charm/containers/{container}/pebble.socket"))
}

impl Client {
    /// A client for the socket at `socket_path`. Nothing is connected yet.
    pub fn new(socket_path: impl Into<PathBuf>) -> Client {
        Client {
            socket: socket_path.into(),
            timeout: Duration::from_secs(10),
            change_timeout: Duration::from_secs(30),
        }
    }

    /// A client for a workload container, at `/charm/containers/<container>/pebble.socket`.
    pub fn for_container(container: &str) -> Client {
        Client::new(container_socket_path(container))
    }

    /// Sets how long one request may wait for the socket (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    /// Sets how long service actions wait for their change to finish (default 30 s).
    pub fn with_change_timeout(mut self, timeout: Duration) -> Client {
        self.change_timeout = timeout;
        self
    }

    /// The socket this client talks to.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    fn conn_err(&self, source: std::io::Error) -> Error {
        Error::Connection {
            socket: self.socket.clone(),
            source,
        }
    }

    fn connect(&self, timeout: Duration) -> Result<UnixStream> {
        let s = UnixStream::connect(&self.socket).map_err(|e| self.conn_err(e))?;
        // A zero duration is rejected by set_*_timeout; treat it as "no wait" = 1 ms.
        let t = Some(timeout.max(Duration::from_millis(1)));
        s.set_read_timeout(t).map_err(|e| self.conn_err(e))?;
        s.set_write_timeout(t).map_err(|e| self.conn_err(e))?;
        Ok(s)
    }

    fn http_err(&self, e: HttpError, what: &str, timeout: Duration) -> Error {
        match e {
            HttpError::Io(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Error::Timeout {
                    what: format!("Pebble to answer {what}"),
                    after: timeout,
                }
            }
            HttpError::Io(e) => self.conn_err(e),
            HttpError::Bad(reason, bytes) => Error::bad(format!("{what}: {reason}"), &bytes),
        }
    }

    /// Sends one request and reads the whole response.
    fn raw(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
        timeout: Duration,
    ) -> Result<Response> {
        let what = format!("{method} {target}");
        let mut stream = self.connect(timeout)?;
        http::write_request(&mut stream, method, target, headers, body)
            .map_err(|e| self.http_err(HttpError::Io(e), &what, timeout))?;
        http::read_response(&mut BufReader::new(stream))
            .map_err(|e| self.http_err(e, &what, timeout))
    }

    /// A JSON request; returns Pebble's envelope (`type`, `result`, `change`...)
    /// after turning errors into [`Error::Api`].
    fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        self.request_with_timeout(method, path, query, body, self.timeout)
    }

    fn request_with_timeout(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Value> {
        let target = http::target(path, query);
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let resp = self.raw(
            method,
            &target,
            &[("Accept", "application/json"), ("Connection", "close")],
            bytes.as_deref().map(|b| ("application/json", b)),
            timeout,
        )?;
        envelope(resp.status, &resp.body)
    }

    fn result<T: DeserializeOwned>(&self, envelope: Value, what: &str) -> Result<T> {
        parse_result(envelope, what)
    }

    fn change_by_id(&self, id: &ChangeId) -> Result<Change> {
        let env = self.request(
            "GET",
            &format!("/v1/changes/{}", http::encode_query_value(id.as_str())),
            &[],
            None,
        )?;
        self.result(env, "change")
    }

    /// `GET /v1/changes/{id}/wait`, falling back to polling on old Pebbles.
    fn wait_for_change(&self, id: &ChangeId, timeout: Option<Duration>) -> Result<Change> {
        let start = Instant::now();
        let path = format!("/v1/changes/{}/wait", http::encode_query_value(id.as_str()));
        // Each wait request is shorter than the socket timeout, so it returns first.
        let slice = self
            .timeout
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        let timed_out = || Error::Timeout {
            what: format!("change {id}"),
            after: timeout.unwrap_or_default(),
        };
        loop {
            let this = match timeout {
                Some(t) => {
                    let left = t.saturating_sub(start.elapsed());
                    if left.is_zero() {
                        return Err(timed_out());
                    }
                    left.min(slice)
                }
                None => slice,
            };
            let arg = format!("{:.3}s", this.as_secs_f64());
            match self.request_with_timeout(
                "GET",
                &path,
                &[("timeout", &arg)],
                None,
                this + self.timeout,
            ) {
                Ok(env) => return self.result(env, "change"),
                Err(Error::Api { status: 504, .. }) => continue,
                Err(Error::Api { status: 404, .. }) => return self.poll_change(id, timeout, start),
                Err(e) => return Err(e),
            }
        }
    }

    fn poll_change(
        &self,
        id: &ChangeId,
        timeout: Option<Duration>,
        start: Instant,
    ) -> Result<Change> {
        loop {
            let change = self.change_by_id(id)?;
            if change.ready {
                return Ok(change);
            }
            if timeout.is_some_and(|t| start.elapsed() >= t) {
                return Err(Error::Timeout {
                    what: format!("change {id}"),
                    after: timeout.unwrap_or_default(),
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn services_action(&self, action: &str, services: &[&str]) -> Result<ChangeId> {
        let env = self.request(
            "POST",
            "/v1/services",
            &[],
            Some(&json!({"action": action, "services": services})),
        )?;
        let id = change_id(&env)?;
        let change = self.wait_for_change(&id, Some(self.change_timeout))?;
        check_change(change)
    }

    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>> {
        if checks.is_empty() {
            return Err(Error::InvalidInput(format!(
                "{action}_checks needs one or more checks"
            )));
        }
        let body = json!({"action": action, "checks": checks});
        let env = self.request("POST", "/v1/checks", &[], Some(&body))?;
        // Old Pebbles answer `changed: null` when nothing changed.
        Ok(env
            .get("result")
            .and_then(|r| r.get("changed"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }

    fn files_json(&self, path: &str, body: Value) -> Result<()> {
        let env = self.request("POST", "/v1/files", &[], Some(&body))?;
        path_result(&env, path)
    }

    fn ws_connect(&self, task_id: &str, name: &str) -> Result<(WsReader, ws::WsWriter)> {
        let stream = self.connect(self.timeout)?;
        // Exec output can pause for long; reads on the websockets do not time out.
        stream
            .set_read_timeout(None)
            .map_err(|e| self.conn_err(e))?;
        let target = format!(
            "/v1/tasks/{}/websocket/{name}",
            http::encode_query_value(task_id)
        );
        ws::connect(stream, &target)
            .map_err(|e| self.http_err(e, &format!("websocket {name}"), self.timeout))
    }
}

/// Reads Pebble's JSON envelope, turning error answers into [`Error::Api`].
pub(crate) fn envelope(status: u16, body: &[u8]) -> Result<Value> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let is_error = status >= 400
        || parsed
            .as_ref()
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
            == Some("error");
    if is_error {
        let v = parsed.unwrap_or(Value::Null);
        let result = v.get("result");
        let message = result
            .and_then(|r| r.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| crate::error::preview(body));
        let code = v
            .get("status-code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| *c >= 400)
            .unwrap_or(status);
        let kind = result
            .and_then(|r| r.get("kind"))
            .and_then(Value::as_str)
            .map(str::to_string);
        return Err(Error::Api {
            status: code,
            message,
            kind,
        });
    }
    match parsed {
        Some(v @ Value::Object(_)) => Ok(v),
        _ => Err(Error::bad(
            format!("expected a JSON object (HTTP {status})"),
            body,
        )),
    }
}

fn parse_result<T: DeserializeOwned>(mut envelope: Value, what: &str) -> Result<T> {
    let result = envelope
        .get_mut("result")
        .map(Value::take)
        .unwrap_or(Value::Null);
    let text = result.to_string();
    serde_json::from_value(result)
        .map_err(|e| Error::bad(format!("bad {what}: {e}"), text.as_bytes()))
}

/// A list result where Pebble may send `null` for "none".
fn parse_list<T: DeserializeOwned>(mut envelope: Value, what: &str) -> Result<Vec<T>> {
    if envelope.get("result").is_some_and(Value::is_null) {
        if let Some(o) = envelope.as_object_mut() {
            o.insert("result".into(), Value::Array(Vec::new()));
        }
    }
    parse_result(envelope, what)
}

fn change_id(env: &Value) -> Result<ChangeId> {
    match env.get("change").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(ChangeId(id.to_string())),
        _ => Err(Error::bad(
            "expected an async answer with a change id",
            env.to_string().as_bytes(),
        )),
    }
}

fn check_change(change: Change) -> Result<ChangeId> {
    match change.err {
        Some(err) if !err.is_empty() => Err(Error::Change {
            change_id: change.id.0,
            err,
        }),
        _ => Ok(change.id),
    }
}

impl Pebble for Client {
    fn system_info(&self) -> Result<SystemInfo> {
        let env = self.request("GET", "/v1/system-info", &[], None)?;
        self.result(env, "system info")
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        let body = json!({
            "action": "add",
            "combine": combine,
            "label": label,
            "format": "yaml",
            "layer": layer.to_yaml(),
        });
        self.request("POST", "/v1/layers", &[], Some(&body))
            .map(|_| ())
    }

    fn get_plan(&self) -> Result<Plan> {
        let env = self.request("GET", "/v1/plan", &[("format", "yaml")], None)?;
        match env.get("result") {
            Some(Value::String(yaml)) => Plan::from_yaml(yaml),
            Some(Value::Null) | None => Ok(Plan::default()),
            Some(other) => Err(Error::bad(
                "plan is not YAML text",
                other.to_string().as_bytes(),
            )),
        }
    }

    fn start_services(&self, services: &[&str]) -> Result<ChangeId> {
        self.services_action("start", services)
    }

    fn stop_services(&self, services: &[&str]) -> Result<ChangeId> {
        self.services_action("stop", services)
    }

    fn restart_services(&self, services: &[&str]) -> Result<ChangeId> {
        self.services_action("restart", services)
    }

    fn replan_services(&self) -> Result<ChangeId> {
        self.services_action("replan", &[])
    }

    fn get_services(&self) -> Result<Vec<ServiceInfo>> {
        let env = self.request("GET", "/v1/services", &[], None)?;
        parse_list(env, "services")
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
        if services.is_empty() {
            return Err(Error::InvalidInput(
                "send_signal needs one or more services".into(),
            ));
        }
        let body = json!({"signal": signal, "services": services});
        self.request("POST", "/v1/signals", &[], Some(&body))
            .map(|_| ())
    }

    fn get_checks(&self) -> Result<Vec<CheckInfo>> {
        let env = self.request("GET", "/v1/checks", &[], None)?;
        parse_list(env, "checks")
    }

    fn start_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("start", checks)
    }

    fn stop_checks(&self, checks: &[&str]) -> Result<Vec<String>> {
        self.checks_action("stop", checks)
    }

    fn push(&self, path: &str, content: &[u8], options: &PushOptions) -> Result<()> {
        let request = push_request(path, options)?;
        let boundary = http::new_boundary();
        let body = http::encode_push(&boundary, request.to_string().as_bytes(), path, content);
        let content_type = format!("multipart/form-data; boundary=\"{boundary}\"");
        let resp = self.raw(
            "POST",
            "/v1/files",
            &[("Accept", "application/json"), ("Connection", "close")],
            Some((&content_type, &body)),
            self.timeout,
        )?;
        let env = envelope(resp.status, &resp.body)?;
        path_result(&env, path)
    }

    fn push_from(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
        files::push_from(self, path, source, options)
    }

    fn pull_to(&self, path: &str, sink: &mut dyn Write) -> Result<()> {
        files::pull_to(self, path, sink)
    }

    fn list_files_with(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>> {
        check_path(path)?;
        let mut query = vec![("action", "list"), ("path", path)];
        if let Some(p) = &options.pattern {
            query.push(("pattern", p));
        }
        if options.itself {
            query.push(("itself", "true"));
        }
        let env = self.request("GET", "/v1/files", &query, None)?;
        parse_list(env, "file list")
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        check_path(path)?;
        check_permissions(options.permissions)?;
        let mut info = serde_json::Map::new();
        info.insert("path".into(), json!(path));
        if options.make_parents {
            info.insert("make-parents".into(), json!(true));
        }
        ownership(
            &mut info,
            options.permissions,
            &options.user,
            options.user_id,
            &options.group,
            options.group_id,
        );
        self.files_json(path, json!({"action": "make-dirs", "dirs": [info]}))
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        check_path(path)?;
        let mut info = serde_json::Map::new();
        info.insert("path".into(), json!(path));
        if recursive {
            info.insert("recursive".into(), json!(true));
        }
        self.files_json(path, json!({"action": "remove", "paths": [info]}))
    }

    fn spawn(&self, command: &[&str], options: &ExecOptions) -> Result<ExecProcess> {
        exec::spawn(self, command, options)
    }

    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> {
        let user_id = query.user_id.map(|u| u.to_string());
        let types = query.types.join(",");
        let keys = query.keys.join(",");
        let mut q: Vec<(&str, &str)> = Vec::new();
        if query.all_users {
            q.push(("users", "all"));
        }
        if let Some(u) = &user_id {
            q.push(("user-id", u));
        }
        if !query.types.is_empty() {
            q.push(("types", &types));
        }
        if !query.keys.is_empty() {
            q.push(("keys", &keys));
        }
        let env = self.request("GET", "/v1/notices", &q, None)?;
        parse_list(env, "notices")
    }

    fn get_notice(&self, id: &str) -> Result<Notice> {
        let env = self.request(
            "GET",
            &format!("/v1/notices/{}", http::encode_query_value(id)),
            &[],
            None,
        )?;
        self.result(env, "notice")
    }

    fn notify(
        &self,
        key: &str,
        data: &BTreeMap<String, String>,
        repeat_after: Option<Duration>,
    ) -> Result<String> {
        let mut body = json!({"action": "add", "type": "custom", "key": key});
        if !data.is_empty() {
            body["data"] = json!(data);
        }
        if let Some(r) = repeat_after {
            body["repeat-after"] = json!(go_duration(r));
        }
        let env = self.request("POST", "/v1/notices", &[], Some(&body))?;
        env.get("result")
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::bad("notify answer has no id", env.to_string().as_bytes()))
    }

    fn get_change(&self, id: &ChangeId) -> Result<Change> {
        self.change_by_id(id)
    }

    fn wait_change(&self, id: &ChangeId, timeout: Option<Duration>) -> Result<Change> {
        self.wait_for_change(id, timeout)
    }
}
