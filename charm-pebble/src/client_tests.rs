//! The real client against a tiny Pebble stand-in on a unix socket in a temp
//! dir: each test's server thread reads the exact bytes the client sends and
//! answers with canned Pebble JSON.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{json, Value};

use crate::*;

/// A request as the server received it.
#[derive(Debug)]
struct Req {
    /// Request line and headers, CRLFs kept.
    head: String,
    body: Vec<u8>,
}

impl Req {
    fn line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

fn read_req(r: &mut impl BufRead) -> Req {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        head.push_str(&line);
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    Req { head, body }
}

/// Accepts one connection, reads one request, writes `response`.
fn exchange(l: &UnixListener, response: &[u8]) -> Req {
    let (s, _) = l.accept().unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let req = read_req(&mut r);
    (&s).write_all(response).unwrap();
    req
}

fn json_resp(status: u16, body: &Value) -> Vec<u8> {
    let b = body.to_string();
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
        b.len()
    )
    .into_bytes()
}

fn chunked_resp(body: &Value) -> Vec<u8> {
    let b = body.to_string();
    let (x, y) = b.split_at(b.len() / 2);
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{x}\r\n{:x}\r\n{y}\r\n0\r\n\r\n",
        x.len(),
        y.len()
    )
    .into_bytes()
}

fn sync(result: Value) -> Vec<u8> {
    json_resp(
        200,
        &json!({"type": "sync", "status-code": 200, "status": "OK", "result": result}),
    )
}

fn async_resp(change: &str, result: Value) -> Vec<u8> {
    json_resp(
        202,
        &json!({"type": "async", "status-code": 202, "status": "Accepted", "change": change, "result": result}),
    )
}

fn change(id: &str, err: Option<&str>, data: Value) -> Value {
    json!({
        "id": id, "kind": "start", "summary": "s", "status": if err.is_some() { "Error" } else { "Done" },
        "ready": true, "err": err, "spawn-time": "2024-01-01T00:00:00Z",
        "tasks": [{"id": "t1", "kind": "exec", "summary": "", "status": "Done", "log": [], "data": data,
                   "progress": {"label": "", "done": 1, "total": 1}, "spawn-time": "2024-01-01T00:00:00Z"}]
    })
}

/// Runs `serve` on a listener in a temp dir; returns a client for it.
fn server<T: Send + 'static>(
    serve: impl FnOnce(UnixListener) -> T + Send + 'static,
) -> (Client, JoinHandle<T>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pebble.socket");
    let l = UnixListener::bind(&path).unwrap();
    let h = thread::spawn(move || serve(l));
    (
        Client::new(path).with_timeout(Duration::from_secs(5)),
        h,
        dir,
    )
}

const UA: &str = concat!(
    "User-Agent: charm-pebble/",
    env!("CARGO_PKG_VERSION"),
    "\r\n"
);

#[test]
fn get_request_bytes_are_exact_and_chunked_answer_is_read() {
    let (c, h, _d) = server(|l| {
        let body = json!({"type": "sync", "status-code": 200, "result": {"version": "1.10.2", "boot-id": "b"}});
        exchange(&l, &chunked_resp(&body))
    });
    let info = c.system_info().unwrap();
    assert_eq!(info.version, "1.10.2");
    assert_eq!(info.boot_id.as_deref(), Some("b"));
    let req = h.join().unwrap();
    assert_eq!(
        req.head,
        format!("GET /v1/system-info HTTP/1.1\r\nHost: localhost\r\n{UA}Accept: application/json\r\nConnection: close\r\n\r\n")
    );
    assert!(req.body.is_empty());
}

#[test]
fn add_layer_posts_yaml_in_json() {
    let (c, h, _d) = server(|l| exchange(&l, &sync(json!(true))));
    let layer = Layer::new().summary("web layer").service(
        "web",
        Service::new("/bin/web -p 80").enabled().env("A", "1"),
    );
    c.add_layer("web", &layer, true).unwrap();
    let req = h.join().unwrap();
    assert_eq!(req.line(), "POST /v1/layers HTTP/1.1");
    assert_eq!(
        req.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        req.header("content-length"),
        Some(req.body.len().to_string())
    );
    let body = req.json();
    assert_eq!(body["action"], "add");
    assert_eq!(body["label"], "web");
    assert_eq!(body["format"], "yaml");
    assert_eq!(body["combine"], true);
    let yaml = body["layer"].as_str().unwrap();
    assert!(yaml.contains("override: replace"), "{yaml}");
    assert!(yaml.contains("startup: enabled"), "{yaml}");
    assert_eq!(Layer::from_yaml(yaml).unwrap(), layer);
}

#[test]
fn service_action_waits_for_change() {
    let (c, h, _d) = server(|l| {
        let a = exchange(&l, &async_resp("7", Value::Null));
        let b = exchange(&l, &sync(change("7", None, json!({}))));
        (a, b)
    });
    assert_eq!(
        c.start_services(&["web", "db"]).unwrap(),
        ChangeId("7".into())
    );
    let (a, b) = h.join().unwrap();
    assert_eq!(a.line(), "POST /v1/services HTTP/1.1");
    assert_eq!(
        a.json(),
        json!({"action": "start", "services": ["web", "db"]})
    );
    assert!(
        b.line().starts_with("GET /v1/changes/7/wait?timeout="),
        "{}",
        b.line()
    );
    assert!(b.line().ends_with("s HTTP/1.1"), "{}", b.line());
}

#[test]
fn failed_change_carries_pebble_error_text() {
    let (c, h, _d) = server(|l| {
        exchange(&l, &async_resp("8", Value::Null));
        let err = "cannot perform the following tasks:\n- Start service \"web\" (exited quickly)";
        exchange(&l, &sync(change("8", Some(err), json!({}))))
    });
    let e = c.replan_services().unwrap_err();
    h.join().unwrap();
    match &e {
        Error::Change { change_id, err } => {
            assert_eq!(change_id, "8");
            assert!(err.contains("exited quickly"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_falls_back_to_polling_on_old_pebble() {
    let (c, h, _d) = server(|l| {
        exchange(&l, &async_resp("9", Value::Null));
        let not_found =
            json!({"type": "error", "status-code": 404, "result": {"message": "not found"}});
        exchange(&l, &json_resp(404, &not_found));
        exchange(&l, &sync(change("9", None, json!({}))))
    });
    c.stop_services(&["web"]).unwrap();
    assert_eq!(h.join().unwrap().line(), "GET /v1/changes/9 HTTP/1.1");
}

#[test]
fn api_error_has_status_message_and_kind() {
    let (c, h, _d) = server(|l| {
        let body = json!({"type": "error", "status-code": 404, "status": "Not Found",
                          "result": {"message": "stat /nope: no such file or directory", "kind": "not-found"}});
        exchange(&l, &json_resp(404, &body))
    });
    let e = c.list_files("/nope").unwrap_err();
    assert_eq!(
        h.join().unwrap().line(),
        "GET /v1/files?action=list&path=/nope HTTP/1.1"
    );
    assert!(e.is_not_found());
    match e {
        Error::Api {
            status,
            message,
            kind,
        } => {
            assert_eq!(status, 404);
            assert_eq!(message, "stat /nope: no such file or directory");
            assert_eq!(kind.as_deref(), Some("not-found"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_socket_is_a_connection_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pebble.socket");
    let e = Client::new(&path).get_services().unwrap_err();
    assert!(matches!(e, Error::Connection { .. }));
    let text = e.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("may not be ready"), "{text}");
}

#[test]
fn garbage_answers_are_bad_responses_with_preview() {
    let (c, h, _d) = server(|l| {
        exchange(&l, b"hello, I am not HTTP\r\n\r\n");
        exchange(&l, b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!");
        exchange(&l, &sync(json!([{"name": "web", "startup": "enabled"}])));
    });
    for _ in 0..3 {
        match c.get_services().unwrap_err() {
            Error::BadResponse { preview, .. } => assert!(!preview.is_empty()),
            other => panic!("{other:?}"),
        }
    }
    h.join().unwrap();
}

#[test]
fn silent_server_times_out() {
    let (c, h, _d) = server(|l| {
        let (s, _) = l.accept().unwrap();
        thread::sleep(Duration::from_millis(400));
        drop(s);
    });
    let e = c
        .with_timeout(Duration::from_millis(100))
        .get_plan()
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    h.join().unwrap();
}

#[test]
fn typed_results_parse() {
    let (c, h, _d) = server(|l| {
        let plan = "services:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\nchecks:\n  up:\n    override: replace\n    level: ready\n    http:\n      url: http://localhost/\n";
        let a = exchange(&l, &sync(json!(plan)));
        exchange(
            &l,
            &sync(
                json!([{"name": "web", "startup": "enabled", "current": "active"},
                                  {"name": "db", "startup": "", "current": "weird-new-state"}]),
            ),
        );
        exchange(
            &l,
            &sync(
                json!([{"name": "up", "level": "ready", "status": "down", "failures": 3, "threshold": 3, "change-id": "2"},
                       {"name": "t", "startup": "", "status": "up", "threshold": 3}]),
            ),
        );
        exchange(
            &l,
            &sync(
                json!([{"path": "/etc/app.conf", "name": "app.conf", "type": "file", "size": 12,
                                  "permissions": "640", "last-modified": "2024-01-01T00:00:00Z", "user-id": 0, "user": "root",
                                  "group-id": 0, "group": "root"}]),
            ),
        );
        exchange(&l, &sync(Value::Null));
        a
    });
    let plan = c.get_plan().unwrap();
    assert_eq!(plan.services["web"].command.as_deref(), Some("/bin/web"));
    assert_eq!(plan.services["web"].startup, Some(Startup::Enabled));
    assert_eq!(plan.checks["up"].level, Some(CheckLevel::Ready));
    let services = c.get_services().unwrap();
    assert!(services[0].is_running());
    assert_eq!(services[1].current, ServiceStatus::Unknown);
    let checks = c.get_checks().unwrap();
    assert_eq!(
        (checks[0].status, checks[0].failures),
        (CheckStatus::Down, 3)
    );
    assert_eq!((checks[1].level, checks[1].startup), (None, None));
    assert_eq!(services[1].startup, Startup::Disabled);
    let files = c.list_files("/etc/app.conf").unwrap();
    assert_eq!(
        (files[0].file_type, files[0].permissions, files[0].size),
        (FileType::File, 0o640, Some(12))
    );
    assert!(c.notices().unwrap().is_empty());
    assert_eq!(
        h.join().unwrap().line(),
        "GET /v1/plan?format=yaml HTTP/1.1"
    );
}

#[test]
fn push_sends_multipart_request_and_file() {
    let (c, h, _d) = server(|l| {
        let a = exchange(&l, &sync(json!([{"path": "/etc/app.conf"}])));
        let b = exchange(
            &l,
            &sync(
                json!([{"path": "/etc/app.conf", "error": {"kind": "permission-denied", "message": "open: denied"}}]),
            ),
        );
        (a, b)
    });
    let opts = PushOptions {
        make_dirs: true,
        permissions: Some(0o600),
        user: Some("app".into()),
        ..Default::default()
    };
    c.push("/etc/app.conf", b"key=value\n", &opts).unwrap();
    let e = c
        .push("/etc/app.conf", b"", &PushOptions::default())
        .unwrap_err();
    assert!(
        matches!(&e, Error::Path { kind, .. } if kind == "permission-denied"),
        "{e:?}"
    );
    let (a, _) = h.join().unwrap();
    assert_eq!(a.line(), "POST /v1/files HTTP/1.1");
    let ctype = a.header("content-type").unwrap();
    let (main, params) = crate::http::header_params(&ctype);
    assert_eq!(main, "multipart/form-data");
    let parts = crate::http::parse_multipart(&a.body, &params[0].1).unwrap();
    assert_eq!(parts[0].0.name.as_deref(), Some("request"));
    let request: Value = serde_json::from_slice(&parts[0].1).unwrap();
    assert_eq!(
        request,
        json!({"action": "write", "files": [{"path": "/etc/app.conf", "make-dirs": true, "permissions": "600", "user": "app"}]})
    );
    assert_eq!(parts[1].0.name.as_deref(), Some("files"));
    assert_eq!(parts[1].0.filename.as_deref(), Some("/etc/app.conf"));
    assert_eq!(parts[1].1, b"key=value\n");
}

fn multipart_pull(path: &str, content: &[u8], error: Option<Value>) -> Vec<u8> {
    let mut item = json!({"path": path});
    if let Some(e) = error {
        item["error"] = e;
    }
    let response = json!({"type": "sync", "status-code": 200, "result": [item]}).to_string();
    let mut body = Vec::new();
    if !content.is_empty() {
        body.extend(format!("--BB\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\r\n").bytes());
        body.extend(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--BB\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{response}\r\n--BB--\r\n").bytes());
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; boundary=BB\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend(body);
    out
}

#[test]
fn pull_reads_multipart_answer() {
    let (c, h, _d) = server(|l| {
        let a = exchange(
            &l,
            &multipart_pull("/data/x.bin", b"\x00\x01binary\r\n--B", None),
        );
        exchange(
            &l,
            &multipart_pull(
                "/nope",
                b"",
                Some(json!({"kind": "not-found", "message": "stat /nope: no such file"})),
            ),
        );
        a
    });
    assert_eq!(c.pull("/data/x.bin").unwrap(), b"\x00\x01binary\r\n--B");
    let e = c.pull("/nope").unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let a = h.join().unwrap();
    assert_eq!(
        a.line(),
        "GET /v1/files?action=read&path=/data/x.bin HTTP/1.1"
    );
    assert_eq!(a.header("accept").as_deref(), Some("multipart/form-data"));
}

#[test]
fn make_dir_and_remove_bodies() {
    let (c, h, _d) = server(|l| {
        let a = exchange(&l, &sync(json!([{"path": "/srv/data"}])));
        let b = exchange(&l, &sync(json!([{"path": "/srv/data"}])));
        (a, b)
    });
    let opts = MakeDirOptions {
        make_parents: true,
        permissions: Some(0o750),
        group_id: Some(10),
        ..Default::default()
    };
    c.make_dir("/srv/data", &opts).unwrap();
    c.remove_path("/srv/data", true).unwrap();
    let (a, b) = h.join().unwrap();
    assert_eq!(
        a.json(),
        json!({"action": "make-dirs", "dirs": [{"path": "/srv/data", "make-parents": true, "permissions": "750", "group-id": 10}]})
    );
    assert_eq!(
        b.json(),
        json!({"action": "remove", "paths": [{"path": "/srv/data", "recursive": true}]})
    );
}

#[test]
fn relative_paths_are_refused_before_sending() {
    let c = Client::new("/nonexistent/pebble.socket");
    assert!(matches!(c.pull("etc/x"), Err(Error::InvalidInput(_))));
    assert!(matches!(
        c.exec(&[], &ExecOptions::default()),
        Err(Error::InvalidInput(_))
    ));
}

/// Accepts a websocket connection, checks the upgrade request, answers 101.
fn accept_ws(l: &UnixListener, name: &str) -> (BufReader<UnixStream>, UnixStream) {
    let (s, _) = l.accept().unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let req = read_req(&mut r);
    assert_eq!(
        req.line(),
        format!("GET /v1/tasks/T1/websocket/{name} HTTP/1.1")
    );
    assert_eq!(req.header("upgrade").as_deref(), Some("websocket"));
    assert_eq!(req.header("sec-websocket-version").as_deref(), Some("13"));
    assert_eq!(req.header("sec-websocket-key").map(|k| k.len()), Some(24));
    (&s).write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n").unwrap();
    (r, s)
}

#[test]
fn exec_runs_over_websockets() {
    use crate::ws::encode_server_frame as frame;
    let (c, h, _d) = server(|l| {
        let exec = exchange(&l, &async_resp("3", json!({"task-id": "T1"})));
        let _control = accept_ws(&l, "control");
        let (mut stdio_r, stdio) = accept_ws(&l, "stdio");
        let (_stderr_r, stderr) = accept_ws(&l, "stderr");
        // Collect stdin until the client's end-of-file message.
        let mut stdin = Vec::new();
        loop {
            let (_, op, payload) = crate::ws::read_frame_for_test(&mut stdio_r);
            match op {
                0x2 => stdin.extend(payload),
                0x1 => {
                    assert_eq!(payload, br#"{"command":"end"}"#);
                    break;
                }
                other => panic!("opcode {other}"),
            }
        }
        let mut out = frame(true, 0x2, b"got: ");
        out.extend(frame(true, 0x2, &stdin));
        out.extend(frame(true, 0x1, br#"{"command":"end"}"#));
        (&stdio).write_all(&out).unwrap();
        let mut err = frame(true, 0x2, b"warning\n");
        err.extend(frame(true, 0x1, br#"{"command":"end"}"#));
        (&stderr).write_all(&err).unwrap();
        let wait = exchange(&l, &sync(change("3", None, json!({"exit-code": 3}))));
        (exec, wait)
    });
    let opts = ExecOptions {
        stdin: Some(b"hello".to_vec()),
        timeout: Some(Duration::from_millis(1500)),
        working_dir: Some("/srv".into()),
        ..Default::default()
    };
    let out = c.exec(&["cat", "-"], &opts).unwrap();
    assert_eq!(out.stdout, b"got: hello");
    assert_eq!(out.stderr, b"warning\n");
    assert_eq!(out.exit_code, 3);
    assert!(matches!(
        out.clone().success(),
        Err(Error::Exec { exit_code: 3, .. })
    ));
    let (exec, wait) = h.join().unwrap();
    assert_eq!(exec.line(), "POST /v1/exec HTTP/1.1");
    let body = exec.json();
    assert_eq!(body["command"], json!(["cat", "-"]));
    assert_eq!(body["timeout"], "1.500s");
    assert_eq!(body["working-dir"], "/srv");
    assert_eq!(body["split-stderr"], true);
    assert!(wait.line().starts_with("GET /v1/changes/3/wait?timeout="));
}

#[test]
fn exec_that_cannot_start_reports_the_change_error() {
    let (c, h, _d) = server(|l| {
        exchange(&l, &async_resp("4", json!({"task-id": "T1"})));
        // The task is gone: the websocket upgrade is refused with a JSON error.
        let gone =
            json!({"type": "error", "status-code": 404, "result": {"message": "task not found"}});
        exchange(&l, &json_resp(404, &gone));
        let err = r#"cannot perform the following tasks:
- Execute command "nope" (cannot find executable "nope")"#;
        exchange(&l, &sync(change("4", Some(err), json!({}))))
    });
    let e = c
        .exec(
            &["nope"],
            &ExecOptions {
                combine_stderr: true,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Change { err, .. } if err.contains("cannot find executable")),
        "{e:?}"
    );
    h.join().unwrap();
}
