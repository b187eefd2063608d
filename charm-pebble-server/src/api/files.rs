//! `/v1/files` (`api_files.go`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use charm_pebble::wire::{header_params, MultipartStream};
use serde_json::{json, Value};

use crate::daemon::Daemon;
use crate::files;
use crate::http::{Request, Response};

pub(super) fn get(d: &Daemon, req: &Request) -> Response {
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

pub(super) fn post(d: &Daemon, req: &Request) -> Response {
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

/// What writing each path gave, by path.
type WriteOutcome = BTreeMap<String, Result<(), files::FileError>>;

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
    let items = match write_metadata(&mut parts) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let outcome = match write_parts(d, &mut parts, &items) {
        Ok(o) => o,
        Err(r) => return r,
    };
    write_results(&items, outcome)
}

/// The `request` part of a write: `{"action": "write", "files": [...]}`, the files' metadata.
fn write_metadata(parts: &mut MultipartStream<&[u8]>) -> Result<Vec<Value>, Response> {
    let first = match parts.next_part() {
        Ok(Some(p)) => p,
        _ => {
            return Err(Response::error(
                400,
                "cannot read request metadata: multipart: NextPart: EOF",
            ))
        }
    };
    if first.name.as_deref() != Some("request") {
        return Err(Response::error(
            400,
            format!(
                r#"metadata field name must be "request", got {:?}"#,
                first.name.unwrap_or_default()
            ),
        ));
    }
    let mut meta = Vec::new();
    if parts.copy_part(&mut meta).is_err() {
        return Err(Response::error(
            400,
            "cannot decode request metadata: unexpected EOF",
        ));
    }
    let payload: Value = serde_json::from_slice(&meta)
        .map_err(|e| Response::error(400, format!("cannot decode request metadata: {e}")))?;
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if action != "write" {
        return Err(Response::error(
            400,
            format!(r#"multipart action must be "write", got {action:?}"#),
        ));
    }
    let items: Vec<Value> = payload
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        return Err(Response::error(400, "must specify one or more files"));
    }
    Ok(items)
}

/// Writes each `files` part to the path its filename names, as its metadata item says.
fn write_parts(
    d: &Daemon,
    parts: &mut MultipartStream<&[u8]>,
    items: &[Value],
) -> Result<WriteOutcome, Response> {
    let mut outcome: WriteOutcome = BTreeMap::new();
    let mut i = 0;
    loop {
        let part = match parts.next_part() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(_) => {
                return Err(Response::error(
                    400,
                    format!("cannot read file part {i}: unexpected EOF"),
                ))
            }
        };
        if part.name.as_deref() != Some("files") {
            return Err(Response::error(
                400,
                format!(
                    r#"field name must be "files", got {:?}"#,
                    part.name.unwrap_or_default()
                ),
            ));
        }
        let path = part.filename.unwrap_or_default();
        let Some(item) = items
            .iter()
            .find(|f| f.get("path").and_then(Value::as_str) == Some(&path))
        else {
            return Err(Response::error(
                400,
                format!("no metadata for path {path:?}"),
            ));
        };
        let mut data = Vec::new();
        if parts.copy_part(&mut data).is_err() {
            return Err(Response::error(
                400,
                format!("cannot read file part {i}: unexpected EOF"),
            ));
        }
        outcome.insert(path, files::write_file(d, item, &data));
        i += 1;
    }
    Ok(outcome)
}

/// One result per metadata item, in the request's order; an item without a part failed.
fn write_results(items: &[Value], mut outcome: WriteOutcome) -> Response {
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
