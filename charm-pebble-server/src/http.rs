//! HTTP/1.1 over the unix socket: one request per connection, as Pebble's
//! clients (ops, Go, charm-pebble) send them; heads parsed by `httparse`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;

use serde_json::{json, Value};

/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A request whose body was read whole.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The first value of a query parameter.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Every value of a query parameter, comma-separated lists split
    /// (`strutil.MultiCommaSeparatedList`).
    pub fn query_list(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }
    pub fn has_query(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }
    /// The body as JSON, or Pebble's 400.
    pub fn json(&self) -> Result<Value, Response> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Response::error(400, format!("cannot decode request body: {e}")))
    }
}

/// Percent-decoding; `+` is a space in query strings.
fn decode(s: &str, plus_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' if plus_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one request; `Ok(None)` when the peer closed without sending one.
pub(crate) fn read_request(r: &mut BufReader<UnixStream>) -> Result<Option<Request>, String> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let n = r
            .by_ref()
            .take((MAX_HEAD - head.len().min(MAX_HEAD)) as u64)
            .read_until(b'\n', &mut head)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Err("request head cut short or too long".into());
        }
        if &head[start..] == b"\r\n" || &head[start..] == b"\n" {
            if start == 0 {
                head.clear(); // stray blank line before the request line
                continue;
            }
            break;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err("incomplete request head".into()),
        Err(e) => return Err(format!("bad request head: {e}")),
    }
    let method = req.method.unwrap_or_default().to_string();
    let target = req.path.unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k, true), decode(v, true))
        })
        .collect();
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect();
    let mut request = Request {
        method,
        path: decode(path, false),
        query,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        charm_pebble::wire::ChunkedReader::new(&mut *r)
            .read_to_end(&mut request.body)
            .map_err(|e| format!("bad chunked body: {e}"))?;
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length {len:?}"))?;
        request.body = vec![0; len];
        r.read_exact(&mut request.body)
            .map_err(|e| format!("body cut short: {e}"))?;
    }
    Ok(Some(request))
}

/// A response, written with `Content-Length` and `Connection: close`.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

impl Response {
    fn envelope(status: u16, kind: &str, change: Option<u64>, result: Value) -> Response {
        let mut v = json!({
            "type": kind,
            "status-code": status,
            "status": status_text(status),
        });
        if let Some(c) = change {
            v["change"] = json!(c.to_string());
        }
        if !result.is_null() {
            v["result"] = result;
        }
        Response {
            status,
            content_type: "application/json".into(),
            body: v.to_string().into_bytes(),
        }
    }

    /// `SyncResponse`.
    pub fn sync(result: Value) -> Response {
        Response::envelope(200, "sync", None, result)
    }

    /// A sync-typed answer with another status (`/v1/health`'s 502).
    pub fn sync_status(status: u16, result: Value) -> Response {
        Response::envelope(status, "sync", None, result)
    }

    /// `AsyncResponse`.
    pub fn async_change(change: u64, result: Value) -> Response {
        Response::envelope(202, "async", Some(change), result)
    }

    /// `ErrorResponse`.
    pub fn error(status: u16, message: impl Into<String>) -> Response {
        Response::envelope(status, "error", None, json!({"message": message.into()}))
    }

    /// An error with a `kind` (`not-found`, `generic-file-error`...).
    pub fn error_kind(status: u16, message: impl Into<String>, kind: &str) -> Response {
        Response::envelope(
            status,
            "error",
            None,
            json!({"message": message.into(), "kind": kind}),
        )
    }

    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.status,
            status_text(self.status),
            self.content_type,
            self.body.len()
        );
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        w.write_all(&out)?;
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_targets() {
        assert_eq!(decode("/a%20b", false), "/a b");
        assert_eq!(decode("a+b%2Cc", true), "a b,c");
        assert_eq!(decode("100%", true), "100%");
        assert_eq!(decode("%zz", true), "%zz");
    }

    #[test]
    fn reads_chunked_and_sized_requests() {
        let (a, b) = UnixStream::pair().unwrap();
        (&a).write_all(b"POST /v1/x?k=v&k=w HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /y HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi").unwrap();
        drop(a);
        let mut r = BufReader::new(b);
        let one = read_request(&mut r).unwrap().unwrap();
        assert_eq!((one.method.as_str(), one.path.as_str()), ("POST", "/v1/x"));
        assert_eq!(one.query_list("k"), ["v", "w"]);
        assert_eq!(one.body, b"abc");
        let two = read_request(&mut r).unwrap().unwrap();
        assert_eq!(two.body, b"hi");
        assert!(read_request(&mut r).unwrap().is_none());
    }
}
