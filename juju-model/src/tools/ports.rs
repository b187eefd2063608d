//! `open-port`, `close-port`, `opened-ports` (`internal/worker/uniter/runner/jujuc/
//! ports.go`, `opened-ports.go`). Changes are committed with the hook.

use serde_json::Value;

use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, val, with_fmt, Io, Res};
use crate::error::{quote, Result, ToolError};

/// `8080` → `8080/tcp`, `1000-2000/udp`, `icmp`; `None` when not a port or range.
pub fn normalize_port(s: &str) -> Option<String> {
    if s == "icmp" {
        return Some(s.into());
    }
    let (range, proto) = s.split_once('/').unwrap_or((s, "tcp"));
    if !["tcp", "udp"].contains(&proto) {
        return None;
    }
    let ok = |p: &str| p.parse::<u16>().is_ok_and(|n| n > 0);
    match range.split_once('-') {
        Some((a, b)) if ok(a) && ok(b) => Some(format!("{a}-{b}/{proto}")),
        None if ok(range) => Some(format!("{range}/{proto}")),
        _ => None,
    }
}

impl HookContext<'_> {
    /// `open-port <port>[/<protocol>]` (`open`) or `close-port`.
    pub fn set_port(&mut self, spec: &str, open: bool) -> Result<()> {
        let spec = normalize_port(spec)
            .ok_or_else(|| ToolError::usage(format!("invalid port or range {}", quote(spec))))?;
        let model = self.model;
        let ports = self
            .hook
            .pending
            .ports
            .get_or_insert_with(|| model.opened_ports());
        if open {
            ports.insert(spec);
        } else {
            ports.remove(&spec);
        }
        Ok(())
    }
}

/// The command lines of the port tools.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn port(cx: &mut HookContext, args: &[String], open: bool) -> Res {
        let p = parse(args, &[val(&["endpoints"]), val(&["format"])])?;
        let Some(spec) = p.args.first() else {
            return Err(ToolError::usage("no port or range specified"));
        };
        no_extra(&p.args, 1)?;
        cx.set_port(spec, open)?;
        Ok(String::new())
    }

    pub(crate) fn opened_ports(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["endpoints"])]))?;
        no_extra(&p.args, 0)?;
        // The committed ports: the hook's own changes are not listed.
        let ports: Vec<Value> = cx
            .model()
            .opened_ports()
            .into_iter()
            .map(|s| {
                if p.flag("endpoints") {
                    Value::String(format!("{s} (*)"))
                } else {
                    Value::String(s)
                }
            })
            .collect();
        emit(&p, io, &Value::Array(ports))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(normalize_port("8080").as_deref(), Some("8080/tcp"));
        assert_eq!(normalize_port("1-2/udp").as_deref(), Some("1-2/udp"));
        assert_eq!(normalize_port("x"), None);
        assert_eq!(normalize_port("0"), None);
    }
}
