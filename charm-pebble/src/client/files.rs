//! Files over `/v1/files`: streamed pushes and pulls, and the per-path results.

use std::io::{BufReader, Read, Write};

use serde_json::{json, Value};

use super::{envelope, Client};
use crate::error::{Error, Result};
use crate::http::{self, HttpError};
use crate::types::*;

/// `push_from`: the file streams in as a chunked multipart body.
pub(super) fn push_from(
    client: &Client,
    path: &str,
    source: &mut dyn Read,
    options: &PushOptions,
) -> Result<()> {
    let request = push_request(path, options)?;
    let boundary = http::new_boundary();
    let what = "POST /v1/files";
    let mut stream = client.connect(client.timeout)?;
    let content_type = format!("multipart/form-data; boundary=\"{boundary}\"");
    // Reading the source fails on our side: remember it apart from socket errors.
    let mut local_err = None;
    let sent = http::write_chunked_request(
        &mut stream,
        "POST",
        "/v1/files",
        &[("Accept", "application/json"), ("Connection", "close")],
        &content_type,
        |w| {
            let head = http::encode_push(&boundary, request.to_string().as_bytes(), path, b"");
            // encode_push ends with CRLF--boundary--CRLF after the (empty) content.
            let tail = format!("\r\n--{boundary}--\r\n");
            let head = &head[..head.len() - tail.len()];
            w.write_all(head)?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match source.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => w.write_all(&buf[..n])?,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        local_err = Some(e);
                        // Stop without the closing boundary: Pebble rejects the body.
                        return Ok(());
                    }
                }
            }
            w.write_all(tail.as_bytes())
        },
    );
    if let Some(source) = local_err {
        return Err(Error::Local {
            path: "<push source>".into(),
            source,
        });
    }
    sent.map_err(|e| client.http_err(HttpError::Io(e), what, client.timeout))?;
    let resp = http::read_response(&mut BufReader::new(stream))
        .map_err(|e| client.http_err(e, what, client.timeout))?;
    let env = envelope(resp.status, &resp.body)?;
    path_result(&env, path)
}

/// `pull_to`: the file's part of the multipart answer streams to `sink`, then the
/// `response` part says whether Pebble could read it.
pub(super) fn pull_to(client: &Client, path: &str, sink: &mut dyn Write) -> Result<()> {
    check_path(path)?;
    let target = http::target("/v1/files", &[("action", "read"), ("path", path)]);
    let what = format!("GET {target}");
    let mut stream = client.connect(client.timeout)?;
    http::write_request(
        &mut stream,
        "GET",
        &target,
        &[("Accept", "multipart/form-data"), ("Connection", "close")],
        None,
    )
    .map_err(|e| client.http_err(HttpError::Io(e), &what, client.timeout))?;
    let mut reader = BufReader::new(stream);
    let (status, headers) =
        http::read_head(&mut reader).map_err(|e| client.http_err(e, &what, client.timeout))?;
    let (ctype, params) =
        http::header_params(http::header(&headers, "content-type").unwrap_or_default());
    let body = http::body_reader(status, &headers, reader)
        .map_err(|e| client.http_err(e, &what, client.timeout))?;
    if ctype != "multipart/form-data" {
        // Errors about the request as a whole come back as JSON.
        let mut bytes = Vec::new();
        let _ = body.take(1024 * 1024).read_to_end(&mut bytes);
        envelope(status, &bytes)?;
        return Err(Error::bad(
            format!("expected a multipart answer, got {ctype:?}"),
            &bytes,
        ));
    }
    let boundary = params
        .iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let err = |e| client.http_err(e, &what, client.timeout);
    let mut parts = http::MultipartStream::new(body, &boundary).map_err(err)?;
    let mut response: Option<Vec<u8>> = None;
    let mut got_file = false;
    let mut sink_err = None;
    while let Some(part) = parts.next_part().map_err(err)? {
        match part.name.as_deref() {
            Some("files") if part.filename.as_deref() == Some(path) && !got_file => {
                got_file = true;
                sink_err = parts.copy_part(sink).map_err(err)?;
            }
            Some("files") => {
                return Err(Error::bad(
                    format!("answer is for {:?}, not {path:?}", part.filename),
                    b"",
                ))
            }
            Some("response") => {
                let mut bytes = Vec::new();
                parts.copy_part(&mut bytes).map_err(err)?;
                response = Some(bytes);
            }
            _ => {
                parts.copy_part(&mut std::io::sink()).map_err(err)?;
            }
        }
    }
    let response =
        response.ok_or_else(|| Error::bad("no \"response\" part in multipart answer", b""))?;
    let env = envelope(status, &response)?;
    path_result(&env, path)?;
    if !got_file {
        return Err(Error::bad("no file content in multipart answer", &response));
    }
    match sink_err {
        Some(source) => Err(Error::Local {
            path: "<pull sink>".into(),
            source,
        }),
        None => Ok(()),
    }
}

/// Pebble's per-path file results: `[{"path": .., "error": {"kind": .., "message": ..}}]`.
pub(super) fn path_result(env: &Value, path: &str) -> Result<()> {
    let items = env.get("result").and_then(Value::as_array);
    let item = items.and_then(|a| {
        a.iter()
            .find(|i| i.get("path").and_then(Value::as_str) == Some(path))
    });
    let Some(item) = item else {
        return Err(Error::bad(
            format!("no result for path {path:?}"),
            env.to_string().as_bytes(),
        ));
    };
    match item.get("error") {
        Some(e) if !e.is_null() => Err(Error::Path {
            path: path.to_string(),
            kind: e
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("generic-file-error")
                .to_string(),
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        _ => Ok(()),
    }
}

/// The `permissions`/`user`/`group` fields shared by push and make-dirs.
pub(super) fn ownership(
    info: &mut serde_json::Map<String, Value>,
    permissions: Option<u32>,
    user: &Option<String>,
    user_id: Option<u32>,
    group: &Option<String>,
    group_id: Option<u32>,
) {
    if let Some(p) = permissions {
        info.insert("permissions".into(), json!(format!("{p:03o}")));
    }
    if let Some(u) = user_id {
        info.insert("user-id".into(), json!(u));
    }
    if let Some(u) = user {
        info.insert("user".into(), json!(u));
    }
    if let Some(g) = group_id {
        info.insert("group-id".into(), json!(g));
    }
    if let Some(g) = group {
        info.insert("group".into(), json!(g));
    }
}

/// Pebble takes exactly three octal digits (no setuid/setgid/sticky bits).
pub(crate) fn check_permissions(permissions: Option<u32>) -> Result<()> {
    match permissions {
        Some(p) if p > 0o777 => Err(Error::InvalidInput(format!(
            "permissions must be at most 0o777 (three octal digits), got {p:#o}"
        ))),
        _ => Ok(()),
    }
}

pub(super) fn check_path(path: &str) -> Result<()> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "paths must be absolute, got {path:?}"
        )))
    }
}

/// The JSON metadata of a one-file write.
pub(super) fn push_request(path: &str, options: &PushOptions) -> Result<Value> {
    check_path(path)?;
    check_permissions(options.permissions)?;
    let mut info = serde_json::Map::new();
    info.insert("path".into(), json!(path));
    if options.make_dirs {
        info.insert("make-dirs".into(), json!(true));
    }
    ownership(
        &mut info,
        options.permissions,
        &options.user,
        options.user_id,
        &options.group,
        options.group_id,
    );
    Ok(json!({"action": "write", "files": [info]}))
}
