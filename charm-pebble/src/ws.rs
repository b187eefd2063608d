//! The small part of RFC 6455 (websockets) that Pebble's exec needs: the client
//! handshake, masked client frames, reading unmasked (or masked) server frames,
//! fragmentation, ping/pong and close. No extensions, no TLS.
//!
//! The handshake's `Sec-WebSocket-Accept` is not verified (that needs SHA-1 and
//! guards against caching proxies, which a unix socket does not have); the
//! `101` status and `Upgrade: websocket` header are checked.

use std::io::{self, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use crate::http::{self, HttpError};

/// Largest single message accepted (a guard against a corrupt length).
const MAX_MESSAGE: u64 = 256 * 1024 * 1024;

const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// A received message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Message {
    Text(String),
    Binary(Vec<u8>),
    /// The peer closed (close frame or end of stream).
    Close,
}

/// The writing half; shared so the reader can answer pings.
#[derive(Clone)]
pub(crate) struct WsWriter {
    stream: Arc<Mutex<UnixStream>>,
}

/// The reading half.
pub(crate) struct WsReader {
    reader: BufReader<UnixStream>,
    writer: WsWriter,
}

/// Performs the client handshake on `stream` for `target` (path and query).
pub(crate) fn connect(stream: UnixStream, target: &str) -> Result<(WsReader, WsWriter), HttpError> {
    let key = base64(&mask_key_bytes(16));
    let mut w = stream.try_clone()?;
    http::write_request(
        &mut w,
        "GET",
        target,
        &[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", &key),
            ("Sec-WebSocket-Version", "13"),
        ],
        None,
    )?;
    let mut reader = BufReader::new(stream);
    let (status, headers) = http::read_head(&mut reader)?;
    if status != 101 {
        // Read what error body there is (bounded) for the message.
        let mut body = Vec::new();
        let len = http::header(&headers, "content-length")
            .and_then(|l| l.parse::<u64>().ok())
            .unwrap_or(0);
        let _ = (&mut reader)
            .take(len.min(64 * 1024))
            .read_to_end(&mut body);
        return Err(HttpError::Bad(
            format!("websocket upgrade refused with HTTP {status}"),
            body,
        ));
    }
    if !http::header(&headers, "upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err(HttpError::Bad(
            "websocket upgrade answer lacks `Upgrade: websocket`".into(),
            Vec::new(),
        ));
    }
    let writer = WsWriter {
        stream: Arc::new(Mutex::new(w)),
    };
    Ok((
        WsReader {
            reader,
            writer: writer.clone(),
        },
        writer,
    ))
}

impl WsWriter {
    /// Sends one whole message.
    pub fn send(&self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let frame = encode_frame(opcode, payload, mask_key());
        let mut s = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        s.write_all(&frame)?;
        s.flush()
    }

    /// Sends a binary message.
    pub fn send_binary(&self, payload: &[u8]) -> io::Result<()> {
        self.send(OP_BINARY, payload)
    }

    /// Sends a text message.
    pub fn send_text(&self, text: &str) -> io::Result<()> {
        self.send(OP_TEXT, text.as_bytes())
    }

    /// Sends a close frame (errors ignored: the peer may be gone) and shuts the socket.
    pub fn close(&self) {
        let _ = self.send(OP_CLOSE, &1000u16.to_be_bytes());
        if let Ok(s) = self.stream.lock() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl WsWriter {
    /// Sends a close frame and shuts the writing side only: what the peer
    /// already sent can still be read.
    pub fn close_write(&self) {
        let _ = self.send(OP_CLOSE, &1000u16.to_be_bytes());
        if let Ok(s) = self.stream.lock() {
            let _ = s.shutdown(std::net::Shutdown::Write);
        }
    }
}

/// The data of a Pebble exec stream as a byte stream: binary messages until
/// Pebble's `{"command":"end"}` or a close.
pub(crate) struct WsStream {
    reader: WsReader,
    pending: Vec<u8>,
    pos: usize,
    done: bool,
}

impl WsStream {
    pub fn new(reader: WsReader) -> Self {
        WsStream {
            reader,
            pending: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for WsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.pending.len() {
            if self.done {
                return Ok(0);
            }
            match self.reader.recv() {
                Ok(Message::Binary(b)) => {
                    self.pending = b;
                    self.pos = 0;
                }
                Ok(Message::Text(t)) => {
                    let end = serde_json::from_str::<serde_json::Value>(&t)
                        .ok()
                        .and_then(|v| {
                            v.get("command")
                                .and_then(|c| c.as_str())
                                .map(|c| c == "end")
                        })
                        .unwrap_or(false);
                    if end {
                        self.done = true;
                    }
                }
                Ok(Message::Close) => self.done = true,
                Err(HttpError::Io(e)) => return Err(e),
                Err(HttpError::Bad(reason, _)) => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, reason))
                }
            }
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl WsReader {
    /// Reads the next data message, answering pings on the way.
    pub fn recv(&mut self) -> Result<Message, HttpError> {
        let mut message: Option<(u8, Vec<u8>)> = None;
        loop {
            let frame = match read_frame(&mut self.reader) {
                Ok(f) => f,
                Err(HttpError::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    return Ok(Message::Close)
                }
                Err(e) => return Err(e),
            };
            let Some((fin, opcode, payload)) = frame else {
                return Ok(Message::Close);
            };
            match opcode {
                OP_PING => {
                    let _ = self.writer.send(OP_PONG, &payload);
                }
                OP_PONG => {}
                OP_CLOSE => return Ok(Message::Close),
                OP_TEXT | OP_BINARY | OP_CONT => {
                    let (op, mut data) = match (opcode, message.take()) {
                        (OP_CONT, Some(m)) => m,
                        (OP_CONT, None) => {
                            return Err(HttpError::Bad(
                                "continuation frame without a message".into(),
                                payload,
                            ))
                        }
                        (op, _) => (op, Vec::new()),
                    };
                    data.extend_from_slice(&payload);
                    if data.len() as u64 > MAX_MESSAGE {
                        return Err(HttpError::Bad(
                            "websocket message too large".into(),
                            Vec::new(),
                        ));
                    }
                    if !fin {
                        message = Some((op, data));
                        continue;
                    }
                    return Ok(if op == OP_TEXT {
                        Message::Text(String::from_utf8_lossy(&data).into_owned())
                    } else {
                        Message::Binary(data)
                    });
                }
                other => {
                    return Err(HttpError::Bad(
                        format!("unknown websocket opcode {other:#x}"),
                        payload,
                    ))
                }
            }
        }
    }
}

/// One frame: `(fin, opcode, payload)`, or `None` at a clean end of stream.
fn read_frame(r: &mut impl Read) -> Result<Option<(bool, u8, Vec<u8>)>, HttpError> {
    let mut h = [0u8; 2];
    match r.read(&mut h[..1])? {
        0 => return Ok(None),
        _ => r.read_exact(&mut h[1..])?,
    }
    let fin = h[0] & 0x80 != 0;
    let opcode = h[0] & 0x0F;
    let masked = h[1] & 0x80 != 0;
    let len = match h[1] & 0x7F {
        126 => {
            let mut b = [0u8; 2];
            r.read_exact(&mut b)?;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            r.read_exact(&mut b)?;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    if len > MAX_MESSAGE {
        return Err(HttpError::Bad(
            format!("websocket frame of {len} bytes is too large"),
            h.to_vec(),
        ));
    }
    let mut key = [0u8; 4];
    if masked {
        r.read_exact(&mut key)?;
    }
    let mut payload = Vec::new();
    r.take(len).read_to_end(&mut payload)?;
    if (payload.len() as u64) < len {
        return Err(HttpError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= key[i % 4];
        }
    }
    Ok(Some((fin, opcode, payload)))
}

/// A whole (FIN) frame; client frames are always masked.
pub(crate) fn encode_frame(opcode: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// Masking keys need not be secret over a unix socket; they only have to vary.
fn mask_key() -> [u8; 4] {
    let b = mask_key_bytes(4);
    [b[0], b[1], b[2], b[3]]
}

fn mask_key_bytes(n: usize) -> Vec<u8> {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_usize(out.len());
        out.extend_from_slice(&h.finish().to_le_bytes());
    }
    out.truncate(n);
    out
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Reads one frame or panics; for tests that play Pebble.
#[cfg(test)]
pub(crate) fn read_frame_for_test(r: &mut impl Read) -> (bool, u8, Vec<u8>) {
    read_frame(r).expect("a frame").expect("not end of stream")
}

/// Encodes a server (unmasked) frame; used by tests that play Pebble.
#[cfg(test)]
pub(crate) fn encode_server_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = encode_frame(opcode, payload, [0; 4]);
    // Clear the mask bit and drop the (all-zero) key.
    if !fin {
        f[0] &= 0x7F;
    }
    f[1] &= 0x7F;
    let key_at = match f[1] {
        126 => 4,
        127 => 10,
        _ => 2,
    };
    f.drain(key_at..key_at + 4);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn client_frames_decode_back() {
        for len in [0usize, 5, 125, 126, 65535, 65536] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let f = encode_frame(OP_BINARY, &payload, [1, 2, 3, 4]);
            let (fin, op, got) = read_frame(&mut &f[..]).unwrap().unwrap();
            assert!(fin);
            assert_eq!(op, OP_BINARY);
            assert_eq!(got, payload);
        }
    }

    #[test]
    fn fragmented_server_message_and_ping() {
        let (a, b) = UnixStream::pair().unwrap();
        let mut bytes = encode_server_frame(false, OP_BINARY, b"hel");
        bytes.extend(encode_server_frame(true, OP_PING, b"p"));
        bytes.extend(encode_server_frame(true, OP_CONT, b"lo"));
        bytes.extend(encode_server_frame(true, OP_TEXT, br#"{"command":"end"}"#));
        (&b).write_all(&bytes).unwrap();
        let w = WsWriter {
            stream: Arc::new(Mutex::new(a.try_clone().unwrap())),
        };
        let mut r = WsReader {
            reader: BufReader::new(a),
            writer: w,
        };
        assert_eq!(r.recv().unwrap(), Message::Binary(b"hello".to_vec()));
        assert_eq!(
            r.recv().unwrap(),
            Message::Text(r#"{"command":"end"}"#.into())
        );
        // The ping was answered with a masked pong carrying the same payload.
        let (fin, op, payload) = read_frame(&mut &b).unwrap().unwrap();
        assert_eq!((fin, op, payload), (true, OP_PONG, b"p".to_vec()));
        drop(b);
        assert_eq!(r.recv().unwrap(), Message::Close);
    }

    #[test]
    fn truncated_frames_are_errors() {
        let f = encode_frame(OP_BINARY, b"hello", [9, 9, 9, 9]);
        assert!(read_frame(&mut &f[..f.len() - 1]).is_err());
        assert!(read_frame(&mut &[0x82u8][..]).is_err());
        assert!(
            read_frame(&mut &[0x82u8, 127, 255, 255, 255, 255, 255, 255, 255, 255][..]).is_err()
        );
    }
}
