use super::*;

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n";
    let r = read_response(&mut &raw[..]).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"Wikipedia");
}

#[test]
fn content_length_and_eof_bodies() {
    let raw = b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}extra";
    let r = read_response(&mut &raw[..]).unwrap();
    assert_eq!((r.status, &r.body[..]), (404, &b"{}"[..]));
    let raw = b"HTTP/1.0 200 OK\r\n\r\nuntil eof";
    assert_eq!(read_response(&mut &raw[..]).unwrap().body, b"until eof");
}

#[test]
fn malformed_responses_are_errors_not_panics() {
    for raw in [
        &b""[..],
        b"garbage\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"HTTP/1.1 200",
    ] {
        assert!(
            read_response(&mut &raw[..]).is_err(),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn query_encoding() {
    assert_eq!(
        target("/v1/files", &[("action", "list"), ("path", "/a b&c")]),
        "/v1/files?action=list&path=/a%20b%26c"
    );
    assert_eq!(target("/v1/plan", &[]), "/v1/plan");
}

#[test]
fn header_params_honour_quotes() {
    let (main, p) = header_params(r#"form-data; name="files"; filename="/a;b\"c""#);
    assert_eq!(main, "form-data");
    assert_eq!(
        p,
        vec![
            ("name".into(), "files".into()),
            ("filename".into(), "/a;b\"c".into())
        ]
    );
    let (main, p) = header_params("multipart/form-data; boundary=abc");
    assert_eq!(
        (main.as_str(), p[0].1.as_str()),
        ("multipart/form-data", "abc")
    );
}

#[test]
fn multipart_round_trip() {
    let body = encode_push(
        "XYZ",
        br#"{"a":1}"#,
        "/etc/x \"q\"",
        b"line\r\n--XY not a boundary\r\n",
    );
    let parts = parse_multipart(&body, "XYZ").unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0.name.as_deref(), Some("request"));
    assert_eq!(parts[0].1, br#"{"a":1}"#);
    assert_eq!(parts[1].0.filename.as_deref(), Some("/etc/x \"q\""));
    assert_eq!(parts[1].1, b"line\r\n--XY not a boundary\r\n");
    assert!(parse_multipart(&body[..body.len() - 20], "XYZ").is_err());
    assert!(parse_multipart(b"nothing", "XYZ").is_err());
    assert!(parse_multipart(b"--XYZ", "XYZ").is_err());
}

/// A reader that hands out one byte per read: every boundary straddles reads.
struct Trickle<'a>(&'a [u8]);
impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.is_empty()) {
            (Some((b, rest)), false) => {
                buf[0] = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn chunked_multipart_streams_across_reads() {
    let content: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let body = encode_push("B0UNDARY", b"{}", "/f", &content);
    let mut wire = Vec::new();
    for piece in body.chunks(777) {
        wire.extend(format!("{:x}\r\n", piece.len()).bytes());
        wire.extend(piece);
        wire.extend(b"\r\n");
    }
    wire.extend(b"0\r\n\r\n");
    let reader = ChunkedReader::new(io::BufReader::with_capacity(1, Trickle(&wire)));
    let mut m = MultipartStream::new(reader, "B0UNDARY").unwrap();
    let mut got = Vec::new();
    while let Some(head) = m.next_part().unwrap() {
        let mut data = Vec::new();
        assert!(m.copy_part(&mut data).unwrap().is_none());
        got.push((head.name, data));
    }
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], (Some("files".to_string()), content));
}

/// Mutated and truncated responses and multipart bodies never panic.
#[test]
fn mangled_input_never_panics() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let good = b"HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".to_vec();
    let multipart = encode_push("XYZ", b"{}", "/a", b"data");
    for _ in 0..3000 {
        for base in [&good, &multipart] {
            let mut m = base.clone();
            for _ in 0..(next() % 4) {
                let i = (next() as usize) % m.len();
                m[i] = next() as u8;
            }
            m.truncate((next() as usize) % (m.len() + 1));
            let _ = read_response(&mut &m[..]);
            let _ = parse_multipart(&m, "XYZ");
            let _ = header_params(&String::from_utf8_lossy(&m));
        }
    }
}
