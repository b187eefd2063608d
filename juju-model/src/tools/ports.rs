//! `open-port`, `close-port`, `opened-ports` (`worker/uniter/runner/jujuc/ports.go`,
//! `opened-ports.go` in Juju 3.6), with the hook context's checks
//! (`worker/uniter/runner/context/context.go`, `OpenPortRange`/`ClosePortRange`, and
//! their tests in `context/flush_test.go`). Changes are committed with the hook.
//!
//! A unit's opened ports are grouped by endpoint, as Juju's `GroupedPortRanges`: the
//! empty endpoint name means every endpoint (an `open-port` without `--endpoints`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, val, with_fmt, Io, Res};
use crate::error::{quote, Result, ToolError};

/// A port or range of ports and its protocol (`core/network/portrange.go`,
/// `PortRange`). ICMP has no port: `from` and `to` are `-1`.
///
/// Ordered as Juju sorts them (`LessThan`): by protocol, then first port, then last.
///
/// ```
/// use juju_model::PortRange;
/// let p = PortRange::parse("8000-8080/UDP").unwrap();
/// assert_eq!(p.to_string(), "8000-8080/udp");
/// assert_eq!(PortRange::parse("443").unwrap().to_string(), "443/tcp");
/// assert_eq!(PortRange::parse("icmp").unwrap().to_string(), "icmp");
/// assert_eq!(
///     PortRange::parse("80/sctp").unwrap_err(),
///     "invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\""
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortRange {
    /// `tcp`, `udp` or `icmp`.
    pub protocol: String,
    /// The first port (`-1` for ICMP).
    pub from: i32,
    /// The last port (`-1` for ICMP).
    pub to: i32,
}

impl Ord for PortRange {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.protocol, self.from, self.to).cmp(&(&other.protocol, other.from, other.to))
    }
}

impl PartialOrd for PortRange {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Go's `strconv.Atoi` error text for `s`.
fn atoi(s: &str) -> std::result::Result<i32, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            quote(s)
        ));
    }
    s.parse::<i32>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}

impl PortRange {
    /// Parses `<port>[/<protocol>]`, `<from>-<to>[/<protocol>]` or `icmp` as
    /// `network.ParsePortRange` does (the tools lower-case their argument first): the
    /// error is Juju's text.
    pub fn parse(s: &str) -> std::result::Result<PortRange, String> {
        let s = s.to_lowercase();
        let (ports, protocol) = match s.split_once('/') {
            Some((p, proto)) => (p, proto.to_string()),
            None => (s.as_str(), "tcp".to_string()),
        };
        let parts: Vec<&str> = ports.split('-').collect();
        let (from, to) = match parts.as_slice() {
            ["icmp"] => (-1, -1),
            [one] => {
                let p = atoi(one).map_err(|e| format!("invalid port {}: {e}", quote(ports)))?;
                (p, p)
            }
            [a, b] => {
                let from = atoi(a).map_err(|e| format!("invalid port {}: {e}", quote(a)))?;
                let to = atoi(b).map_err(|e| format!("invalid port {}: {e}", quote(b)))?;
                (from, to)
            }
            _ => return Err(format!("invalid port range {}", quote(ports))),
        };
        let protocol = if from == -1 && parts == ["icmp"] {
            "icmp".to_string()
        } else {
            protocol
        };
        let range = PortRange { protocol, from, to };
        range.validate()?;
        Ok(range)
    }

    /// `PortRange.Validate`.
    fn validate(&self) -> std::result::Result<(), String> {
        let proto = self.protocol.as_str();
        if !["tcp", "udp", "icmp"].contains(&proto) {
            return Err(format!(
                "invalid protocol {}, expected \"tcp\", \"udp\", or \"icmp\"",
                quote(proto)
            ));
        }
        if proto == "icmp" {
            if self.from == -1 && self.to == -1 {
                return Ok(());
            }
            return Err(format!(
                "protocol \"icmp\" doesn't support any ports; got \"{}\"",
                self.from
            ));
        }
        if self.from > self.to {
            return Err(format!("invalid port range {self}"));
        }
        if self.from < 0 || self.to > 65535 {
            return Err(format!(
                "port range bounds must be between 0 and 65535, got {}-{}",
                self.from, self.to
            ));
        }
        Ok(())
    }

    /// Whether the two ranges overlap (`ConflictsWith`).
    pub fn conflicts_with(&self, other: &PortRange) -> bool {
        self.protocol == other.protocol && self.to >= other.from && other.to >= self.from
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.protocol == "icmp" {
            f.write_str("icmp")
        } else if self.from == self.to {
            write!(f, "{}/{}", self.from, self.protocol)
        } else {
            write!(f, "{}-{}/{}", self.from, self.to, self.protocol)
        }
    }
}

/// A unit's opened ports by endpoint (`""`: every endpoint), as Juju's
/// `GroupedPortRanges`.
pub type OpenedPorts = BTreeMap<String, BTreeSet<PortRange>>;

/// Every range in `ports`, once, sorted (`UniquePortRanges`).
pub fn unique_ranges(ports: &OpenedPorts) -> BTreeSet<PortRange> {
    ports.values().flatten().cloned().collect()
}

/// `opened-ports --endpoints`: each range with the endpoints it is open for (`*`: all),
/// as `"80/tcp (*)"`, `"80/tcp (admin, public)"`.
pub fn ranges_with_endpoints(ports: &OpenedPorts) -> Vec<String> {
    let mut by_range: BTreeMap<&PortRange, BTreeSet<&str>> = BTreeMap::new();
    for (endpoint, ranges) in ports {
        for r in ranges {
            by_range.entry(r).or_default().insert(endpoint);
        }
    }
    by_range
        .into_iter()
        .map(|(r, eps)| {
            let shown = if eps.contains("") {
                "*".to_string()
            } else {
                eps.into_iter().collect::<Vec<_>>().join(", ")
            };
            format!("{r} ({shown})")
        })
        .collect()
}

impl HookContext<'_> {
    /// The unit's opened ports as the hook sees them: the committed ones with the
    /// hook's `open-port`/`close-port` on top.
    pub fn ports(&self) -> OpenedPorts {
        match &self.hook.pending.ports {
            Some(p) => p.clone(),
            None => self.model.opened_ports(),
        }
    }

    /// `open-port <range> [--endpoints a,b]` (`open`) or `close-port`: for every endpoint
    /// when `endpoints` is empty. Opening a range already open, or closing one that is
    /// not, does nothing; opening a range that overlaps another of the unit's is refused.
    pub fn set_port(&mut self, range: &PortRange, endpoints: &[&str], open: bool) -> Result<()> {
        let committed = unique_ranges(&self.model.opened_ports());
        let before = self.ports();
        let mut ports = before.clone();
        let endpoints: Vec<&str> = if endpoints.is_empty() {
            vec![""]
        } else {
            endpoints.to_vec()
        };
        for endpoint in endpoints {
            if open {
                let clash = unique_ranges(&ports)
                    .into_iter()
                    .find(|r| r != range && r.conflicts_with(range));
                if let Some(other) = clash {
                    let earlier = if committed.contains(&other) {
                        ""
                    } else {
                        " requested earlier"
                    };
                    return Err(ToolError::runtime(format!(
                        "cannot open {range} (unit {}): port range conflicts with {other} (unit {}){earlier}",
                        quote(self.model.unit()),
                        quote(self.model.unit())
                    )));
                }
                ports
                    .entry(endpoint.to_string())
                    .or_default()
                    .insert(range.clone());
            } else if let Some(set) = ports.get_mut(endpoint) {
                set.remove(range);
                if set.is_empty() {
                    ports.remove(endpoint);
                }
            }
        }
        if ports != before {
            self.hook.pending.ports = Some(ports);
        }
        Ok(())
    }

    /// `opened-ports`: the committed ports (the hook's own changes are not listed, as
    /// the tool's documentation says).
    pub fn opened_ports(&self) -> Result<OpenedPorts> {
        if self.hook.restricted {
            // `RestrictedContext.OpenedPortRanges` answers nil.
            return Ok(OpenedPorts::new());
        }
        Ok(self.model.opened_ports())
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
        let range = PortRange::parse(spec).map_err(ToolError::usage)?;
        no_extra(&p.args, 1)?;
        let endpoints: Vec<&str> = p
            .value("endpoints")
            .map(|e| e.split(',').map(str::trim).collect())
            .unwrap_or_default();
        cx.set_port(&range, &endpoints, open)?;
        Ok(String::new())
    }

    pub(crate) fn opened_ports(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[boolean(&["endpoints"])]))?;
        no_extra(&p.args, 0)?;
        let ports = cx.opened_ports()?;
        let shown: Vec<String> = if p.flag("endpoints") {
            ranges_with_endpoints(&ports)
        } else {
            unique_ranges(&ports)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        emit(&p, io, &Value::from(shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> PortRange {
        PortRange::parse(s).unwrap()
    }

    #[test]
    fn parses_as_juju() {
        assert_eq!(r("8080").to_string(), "8080/tcp");
        assert_eq!(r("1-2/udp").to_string(), "1-2/udp");
        assert_eq!(r("0").to_string(), "0/tcp");
        assert_eq!(r("ICMP").to_string(), "icmp");
        let e = |s: &str| PortRange::parse(s).unwrap_err();
        assert_eq!(
            e("x"),
            "invalid port \"x\": strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(e("1-2-3"), "invalid port range \"1-2-3\"");
        assert_eq!(e("90-80"), "invalid port range 90-80/tcp");
        assert_eq!(
            e("70000"),
            "port range bounds must be between 0 and 65535, got 70000-70000"
        );
        assert_eq!(
            e("80/icmp"),
            "protocol \"icmp\" doesn't support any ports; got \"80\""
        );
    }

    #[test]
    fn sorted_and_shown_as_juju() {
        let mut ports = OpenedPorts::new();
        ports.entry(String::new()).or_default().insert(r("80"));
        ports.entry("admin".into()).or_default().insert(r("8080"));
        ports.entry("public".into()).or_default().insert(r("8080"));
        ports.entry("public".into()).or_default().insert(r("icmp"));
        let all: Vec<String> = unique_ranges(&ports)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(all, ["icmp", "80/tcp", "8080/tcp"]);
        assert_eq!(
            ranges_with_endpoints(&ports),
            ["icmp (public)", "80/tcp (*)", "8080/tcp (admin, public)"]
        );
    }
}
