//! Minimal HTTP/1.1 framing over any byte stream, and multipart bodies.
//!
//! Hand-rolled on purpose: the HTTP clients on crates.io either need an async
//! runtime (hyper, reqwest) or only speak TCP (ureq, attohttpc), and Pebble uses a
//! tiny subset of HTTP: one request per connection (`Connection: close`), bodies
//! framed by `Content-Length` or `chunked`, and a websocket upgrade for exec.

use std::io::{self, BufRead, Read, Write};

/// Largest response head (status line + headers) accepted.
const MAX_HEAD: u64 = 64 * 1024;

/// A parsed response.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why reading a response failed.
#[derive(Debug)]
pub enum HttpError {
    /// The stream failed (closed, reset, timed out).
    Io(io::Error),
    /// The bytes were not HTTP as expected: reason and what was read.
    Bad(String, Vec<u8>),
}

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// Writes one request. `target` is the path with its query string.
pub(crate) fn write_request(
    w: &mut impl Write,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
) -> io::Result<()> {
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: charm-pebble/{}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((content_type, bytes)) = body {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            bytes.len()
        ));
    }
    head.push_str("\r\n");
    // One buffer, one write: small requests go out in one segment.
    let mut out = head.into_bytes();
    if let Some((_, bytes)) = body {
        out.extend_from_slice(bytes);
    }
    w.write_all(&out)?;
    w.flush()
}

/// Reads a status line and headers, up to and including the blank line.
pub(crate) fn read_head(r: &mut impl BufRead) -> Result<(u16, Vec<(String, String)>), HttpError> {
    let mut raw = Vec::new();
    let mut limited = r.take(MAX_HEAD);
    let mut lines: Vec<String> = Vec::new();
    loop {
        let start = raw.len();
        let n = limited.read_until(b'\n', &mut raw)?;
        if n == 0 {
            let reason = if raw.is_empty() {
                "connection closed before any response"
            } else {
                "response head cut short"
            };
            return Err(HttpError::Bad(reason.into(), raw));
        }
        if !raw.ends_with(b"\n") {
            return Err(HttpError::Bad("response head too long".into(), raw));
        }
        let line = String::from_utf8_lossy(&raw[start..])
            .trim_end_matches(['\r', '\n'])
            .to_string();
        if line.is_empty() {
            if lines.is_empty() {
                continue; // tolerate stray blank lines before the status line
            }
            break;
        }
        lines.push(line);
    }
    let status_line = &lines[0];
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Bad("not an HTTP/1.x response".into(), raw));
    }
    let status = match code.parse::<u16>() {
        Ok(c) if (100..600).contains(&c) => c,
        _ => return Err(HttpError::Bad(format!("bad status code {code:?}"), raw)),
    };
    let mut headers = Vec::new();
    for line in &lines[1..] {
        match line.split_once(':') {
            Some((k, v)) => headers.push((k.trim().to_string(), v.trim().to_string())),
            None => return Err(HttpError::Bad(format!("bad header line {line:?}"), raw)),
        }
    }
    Ok((status, headers))
}

/// Reads a whole response (head and body).
pub(crate) fn read_response(r: &mut impl BufRead) -> Result<Response, HttpError> {
    let (status, headers) = read_head(r)?;
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(r)?
    } else if let Some(len) = header(&headers, "content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| HttpError::Bad(format!("bad Content-Length {len:?}"), Vec::new()))?;
        let mut body = Vec::new();
        r.take(len).read_to_end(&mut body)?;
        if (body.len() as u64) < len {
            return Err(HttpError::Bad(
                format!("body cut short: {} of {len} bytes", body.len()),
                body,
            ));
        }
        body
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else {
        let mut body = Vec::new();
        r.read_to_end(&mut body)?;
        body
    };
    Ok(Response { status, body })
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let mut line = Vec::new();
        r.take(1024).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(HttpError::Bad("bad chunk size line".into(), line));
        }
        let text = String::from_utf8_lossy(&line);
        let size_text = text
            .trim()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let size = u64::from_str_radix(&size_text, 16)
            .map_err(|_| HttpError::Bad(format!("bad chunk size {size_text:?}"), line.clone()))?;
        if size == 0 {
            // Trailers, then a blank line.
            loop {
                let mut t = Vec::new();
                let n = r.take(MAX_HEAD).read_until(b'\n', &mut t)?;
                if n == 0 || t == b"\r\n" || t == b"\n" {
                    return Ok(body);
                }
            }
        }
        let before = body.len();
        r.take(size).read_to_end(&mut body)?;
        if ((body.len() - before) as u64) < size {
            return Err(HttpError::Bad("chunk cut short".into(), body));
        }
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(HttpError::Bad(
                "chunk not followed by CRLF".into(),
                crlf.to_vec(),
            ));
        }
    }
}

/// Reads a chunked body as a stream (`Transfer-Encoding: chunked`).
pub struct ChunkedReader<R> {
    inner: R,
    /// Bytes left in the current chunk; `None` before the first size line.
    left: Option<u64>,
    done: bool,
}

impl<R: BufRead> ChunkedReader<R> {
    /// Decodes the chunked body that follows in `inner`.
    pub fn new(inner: R) -> Self {
        ChunkedReader {
            inner,
            left: None,
            done: false,
        }
    }

    fn bad(reason: String) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, reason)
    }

    /// Reads the next size line (after the CRLF ending the previous chunk).
    fn next_size(&mut self) -> io::Result<u64> {
        if self.left.is_some() {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
            if &crlf != b"\r\n" {
                return Err(Self::bad("chunk not followed by CRLF".into()));
            }
        }
        let mut line = Vec::new();
        (&mut self.inner).take(1024).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(Self::bad("bad chunk size line".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let size = text.trim().split(';').next().unwrap_or_default().trim();
        u64::from_str_radix(size, 16).map_err(|_| Self::bad(format!("bad chunk size {size:?}")))
    }
}

impl<R: BufRead> Read for ChunkedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left.is_none_or(|l| l == 0) {
            let size = self.next_size()?;
            if size == 0 {
                // Trailers, then a blank line.
                loop {
                    let mut t = Vec::new();
                    let n = (&mut self.inner).take(MAX_HEAD).read_until(b'\n', &mut t)?;
                    if n == 0 || t == b"\r\n" || t == b"\n" {
                        break;
                    }
                }
                self.done = true;
                return Ok(0);
            }
            self.left = Some(size);
        }
        let left = self.left.unwrap_or(0);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left = Some(left - n as u64);
        Ok(n)
    }
}

/// The body of a response whose head was read, as a stream.
pub(crate) fn body_reader<'a, R: BufRead + 'a>(
    status: u16,
    headers: &[(String, String)],
    r: R,
) -> Result<Box<dyn Read + 'a>, HttpError> {
    let chunked = header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    Ok(if chunked {
        Box::new(ChunkedReader::new(r))
    } else if let Some(len) = header(headers, "content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| HttpError::Bad(format!("bad Content-Length {len:?}"), Vec::new()))?;
        Box::new(r.take(len))
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Box::new(io::empty())
    } else {
        Box::new(r)
    })
}

/// Writes a request whose body is streamed with chunked encoding; `body` is
/// called with a writer that frames each write as one chunk.
pub(crate) fn write_chunked_request(
    w: &mut impl Write,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: charm-pebble/{}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ));
    let mut out = io::BufWriter::with_capacity(64 * 1024, w);
    out.write_all(head.as_bytes())?;
    struct Chunks<'a, W: Write>(&'a mut W);
    impl<W: Write> Write for Chunks<'_, W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if !buf.is_empty() {
                write!(self.0, "{:x}\r\n", buf.len())?;
                self.0.write_all(buf)?;
                self.0.write_all(b"\r\n")?;
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.flush()
        }
    }
    body(&mut Chunks(&mut out))?;
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}

/// A `multipart/form-data` body read part by part, each part's data streamed.
pub struct MultipartStream<R> {
    r: R,
    /// `\r\n--boundary`.
    delim: Vec<u8>,
    buf: Vec<u8>,
    eof: bool,
}

/// The headers of one part.
#[derive(Debug, Default)]
pub struct PartHead {
    /// `name` of its `Content-Disposition`.
    pub name: Option<String>,
    /// `filename` of its `Content-Disposition`.
    pub filename: Option<String>,
}

impl<R: Read> MultipartStream<R> {
    /// Starts reading; the preamble up to the first boundary is skipped.
    pub fn new(r: R, boundary: &str) -> Result<Self, HttpError> {
        if boundary.is_empty() {
            return Err(HttpError::Bad(
                "empty multipart boundary".into(),
                Vec::new(),
            ));
        }
        let mut m = MultipartStream {
            r,
            delim: format!("\r\n--{boundary}").into_bytes(),
            // The first boundary has no CRLF before it: pretend it has.
            buf: b"\r\n".to_vec(),
            eof: false,
        };
        m.copy_part(&mut io::sink())?;
        Ok(m)
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let mut chunk = [0u8; 32 * 1024];
        let n = self.r.read(&mut chunk)?;
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(true)
    }

    fn cut_short(&self) -> HttpError {
        HttpError::Bad("multipart body cut short".into(), self.buf.clone())
    }

    /// The next part's headers, or `None` after the closing boundary.
    pub fn next_part(&mut self) -> Result<Option<PartHead>, HttpError> {
        while self.buf.len() < 2 {
            if !self.fill()? {
                return Err(self.cut_short());
            }
        }
        if self.buf.starts_with(b"--") {
            return Ok(None);
        }
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n", 0) {
                break i;
            }
            if self.buf.len() > MAX_HEAD as usize {
                return Err(HttpError::Bad(
                    "multipart part headers too long".into(),
                    Vec::new(),
                ));
            }
            if !self.fill()? {
                return Err(self.cut_short());
            }
        };
        let mut part = PartHead::default();
        // The boundary line's rest (normally empty), then the headers.
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        for line in head.split("\r\n").skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                if k.trim().eq_ignore_ascii_case("content-disposition") {
                    for (pk, pv) in header_params(v).1 {
                        match pk.as_str() {
                            "name" => part.name = Some(pv),
                            "filename" => part.filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            }
        }
        self.buf.drain(..end + 4);
        Ok(Some(part))
    }

    /// Streams the current part's data into `out`, up to and including the next
    /// boundary. A failing `out` stops the writing, not the reading: its error
    /// is returned as `Ok(Some(..))` once the part is consumed.
    pub fn copy_part(&mut self, out: &mut dyn Write) -> Result<Option<io::Error>, HttpError> {
        let mut failed: Option<io::Error> = None;
        let mut emit = |bytes: &[u8], failed: &mut Option<io::Error>| {
            if failed.is_none() {
                if let Err(e) = out.write_all(bytes) {
                    *failed = Some(e);
                }
            }
        };
        loop {
            if let Some(i) = find(&self.buf, &self.delim, 0) {
                emit(&self.buf[..i], &mut failed);
                self.buf.drain(..i + self.delim.len());
                return Ok(failed);
            }
            // Everything but a possible partial delimiter at the end is data.
            let keep = self.delim.len() - 1;
            if self.buf.len() > keep {
                let n = self.buf.len() - keep;
                emit(&self.buf[..n], &mut failed);
                self.buf.drain(..n);
            }
            if !self.fill()? {
                return Err(self.cut_short());
            }
        }
    }
}

/// Percent-encodes a query value (unreserved characters and `/` kept).
pub(crate) fn encode_query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&k2=v2`, values percent-encoded.
pub(crate) fn target(path: &str, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode_query_value(k), encode_query_value(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// Splits a header value such as `form-data; name="files"; filename="/a;b"` into
/// its main value and its parameters, honouring quotes.
pub fn header_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            ';' if !in_quotes => pieces.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    pieces.push(cur);
    let main = pieces
        .first()
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let params = pieces
        .iter()
        .skip(1)
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let v = v.trim();
            let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                unescape(&v[1..v.len() - 1])
            } else {
                v.to_string()
            };
            Some((k.trim().to_ascii_lowercase(), v))
        })
        .collect();
    (main, params)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A boundary unlikely to occur in content: hex of time, process id and a counter.
pub(crate) fn new_boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:032x}{:08x}{n:04x}", nanos, std::process::id())
}

/// Encodes Pebble's file-write request: a `request` JSON part and one `files` part.
pub(crate) fn encode_push(
    boundary: &str,
    request_json: &[u8],
    path: &str,
    content: &[u8],
) -> Vec<u8> {
    let escaped = path.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = Vec::with_capacity(content.len() + request_json.len() + 512);
    out.extend_from_slice(
        format!("--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n")
            .as_bytes(),
    );
    out.extend_from_slice(request_json);
    out.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{escaped}\"\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(content);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Every part of a multipart body, read with [`MultipartStream`] (for tests).
#[cfg(test)]
pub(crate) fn parse_multipart(
    body: &[u8],
    boundary: &str,
) -> Result<Vec<(PartHead, Vec<u8>)>, HttpError> {
    let mut m = MultipartStream::new(body, boundary)?;
    let mut parts = Vec::new();
    while let Some(head) = m.next_part()? {
        let mut data = Vec::new();
        m.copy_part(&mut data)?;
        parts.push((head, data));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests;
