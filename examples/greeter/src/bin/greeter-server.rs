//! `greeter-server`: the greeter charm's workload, a small HTTP server (what the
//! container image ships; the charm runs it through Pebble).
//!
//! ```text
//! greeter-server serve --port 8080 [--greeting Hello] [--pid-file run/greeter.pid]
//! greeter-server greet --port 8080 --name Ada      # asks the running server
//! greeter-server --version
//! ```
//!
//! `serve` greets with `--greeting`, else `$GREETING`, else `Hello`, and answers `GET /` (`Hello, world!`), `GET /greet/<name>` (`Hello, <name>!`) and
//! `GET /health` (`ok`). Once it listens it records a Pebble custom notice
//! `greeter.example.com/started` (with its `port`) through `$PEBBLE_SOCKET`, the socket
//! Juju gives a workload container, so the charm learns that it is up.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use charm_runtime::pebble::{Client, Pebble};
use greeter::STARTED_NOTICE;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let result = match args.first().map(String::as_str) {
        Some("--version") => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("serve") => serve(
            flag("--port").unwrap_or_else(|| "8080".into()),
            flag("--greeting")
                .or_else(|| std::env::var("GREETING").ok())
                .unwrap_or_else(|| "Hello".into()),
            flag("--pid-file"),
        ),
        Some("greet") => greet(
            flag("--port").unwrap_or_else(|| "8080".into()),
            flag("--name").unwrap_or_else(|| "world".into()),
        ),
        _ => Err("usage: greeter-server serve|greet|--version".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("greeter-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(port: String, greeting: String, pid_file: Option<String>) -> Result<(), String> {
    let listener =
        TcpListener::bind(format!("0.0.0.0:{port}")).map_err(|e| format!("port {port}: {e}"))?;
    if let Some(path) = pid_file {
        let path = std::path::Path::new(&path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, std::process::id().to_string()).map_err(|e| e.to_string())?;
    }
    if let Ok(socket) = std::env::var("PEBBLE_SOCKET") {
        let data = BTreeMap::from([("port".to_string(), port.clone())]);
        if let Err(e) = Client::new(socket).notify(STARTED_NOTICE, &data, None) {
            eprintln!("greeter-server: cannot record the started notice: {e}");
        }
    }
    println!("greeter-server: listening on :{port}");
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let greeting = greeting.clone();
        std::thread::spawn(move || answer(conn, &greeting));
    }
    Ok(())
}

/// One request, one answer.
fn answer(mut conn: TcpStream, greeting: &str) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut line = String::new();
    if BufReader::new(&conn).read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/" => ("200 OK", format!("{greeting}, world!\n")),
        "/health" => ("200 OK", "ok\n".to_string()),
        p => match p.strip_prefix("/greet/") {
            Some(name) if !name.is_empty() && name.len() <= 64 => {
                ("200 OK", format!("{greeting}, {name}!\n"))
            }
            _ => ("404 Not Found", "not found\n".to_string()),
        },
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn greet(port: String, name: String) -> Result<(), String> {
    let mut conn =
        TcpStream::connect(format!("127.0.0.1:{port}")).map_err(|e| format!("port {port}: {e}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        conn,
        "GET /greet/{name} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    conn.read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("the server's answer has no body")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(head.lines().next().unwrap_or_default().to_string());
    }
    print!("{body}");
    Ok(())
}
