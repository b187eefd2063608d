//! Ports a unit opens: [`Port`], what `open-port`, `close-port` and `opened-ports` take
//! and print (`80/tcp`, `1000-2000/udp`, `icmp`).
//!
//! Open them with [`Context::open_port`](crate::Context::open_port), or say which ports
//! should be open with [`Context::set_ports`](crate::Context::set_ports) and let the
//! runtime open and close the difference.

use std::fmt;
use std::str::FromStr;

/// A transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// ICMP (no port).
    Icmp,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp`, `udp` or `icmp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Icmp => "icmp",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A port, a range of ports, or ICMP: what a unit opens.
///
/// Ordered as Juju lists them: ICMP, then TCP, then UDP, each by port.
///
/// ```
/// use charm_runtime::port::Port;
/// assert_eq!(Port::tcp(8080).to_string(), "8080/tcp");
/// assert_eq!(Port::udp_range(1000, 2000).to_string(), "1000-2000/udp");
/// assert_eq!("icmp".parse::<Port>().unwrap(), Port::icmp());
/// assert_eq!("443".parse::<Port>().unwrap(), Port::tcp(443));
/// assert!("80/sctp".parse::<Port>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port {
    protocol: Protocol,
    from: u16,
    to: u16,
}

impl Port {
    /// TCP port `port`.
    pub const fn tcp(port: u16) -> Port {
        Port::range(Protocol::Tcp, port, port)
    }
    /// UDP port `port`.
    pub const fn udp(port: u16) -> Port {
        Port::range(Protocol::Udp, port, port)
    }
    /// TCP ports `from` to `to` (inclusive).
    pub const fn tcp_range(from: u16, to: u16) -> Port {
        Port::range(Protocol::Tcp, from, to)
    }
    /// UDP ports `from` to `to` (inclusive).
    pub const fn udp_range(from: u16, to: u16) -> Port {
        Port::range(Protocol::Udp, from, to)
    }
    /// ICMP.
    pub const fn icmp() -> Port {
        Port {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        }
    }
    const fn range(protocol: Protocol, from: u16, to: u16) -> Port {
        // A reversed range is the same range.
        if from <= to {
            Port { protocol, from, to }
        } else {
            Port {
                protocol,
                from: to,
                to: from,
            }
        }
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
    /// The port, or the first port of a range (`None` for ICMP).
    pub fn port(&self) -> Option<u16> {
        (self.protocol != Protocol::Icmp).then_some(self.from)
    }
    /// The last port of a range (the port itself for a single port; `None` for ICMP).
    pub fn to_port(&self) -> Option<u16> {
        (self.protocol != Protocol::Icmp).then_some(self.to)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Protocol::Icmp => f.write_str("icmp"),
            p if self.from == self.to => write!(f, "{}/{}", self.from, p.as_str()),
            p => write!(f, "{}-{}/{}", self.from, self.to, p.as_str()),
        }
    }
}

/// A string that is not a port: the error says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a port: expected `<port>[/tcp|udp]`, `<from>-<to>[/tcp|udp]` or `icmp`")]
pub struct PortParseError(String);

impl FromStr for Port {
    type Err = PortParseError;

    /// Parses what `opened-ports` prints (a trailing endpoint list, `80/tcp (*)`, is
    /// ignored).
    fn from_str(s: &str) -> Result<Port, PortParseError> {
        let bad = || PortParseError(s.to_string());
        let spec = s.split(" (").next().unwrap_or(s).trim().to_lowercase();
        if spec == "icmp" {
            return Ok(Port::icmp());
        }
        let (ports, protocol) = match spec.split_once('/') {
            Some((p, "tcp")) => (p, Protocol::Tcp),
            Some((p, "udp")) => (p, Protocol::Udp),
            Some(_) => return Err(bad()),
            None => (spec.as_str(), Protocol::Tcp),
        };
        let num = |p: &str| p.parse::<u16>().map_err(|_| bad());
        match ports.split_once('-') {
            Some((a, b)) => {
                let (from, to) = (num(a)?, num(b)?);
                if from > to {
                    return Err(bad());
                }
                Ok(Port::range(protocol, from, to))
            }
            None => {
                let p = num(ports)?;
                Ok(Port::range(protocol, p, p))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_opened_ports_prints() {
        for s in [
            "80/tcp",
            "1000-2000/udp",
            "icmp",
            "80/tcp (*)",
            "53/udp (dns, admin)",
        ] {
            let p: Port = s.parse().unwrap();
            assert_eq!(p.to_string(), s.split(" (").next().unwrap());
        }
        assert!("2000-1000/udp".parse::<Port>().is_err());
        assert!("70000".parse::<Port>().is_err());
        let mut v = vec![Port::udp(53), Port::tcp(80), Port::icmp(), Port::tcp(22)];
        v.sort();
        assert_eq!(
            v,
            [Port::icmp(), Port::tcp(22), Port::tcp(80), Port::udp(53)]
        );
        assert_eq!(Port::tcp_range(90, 80), Port::tcp_range(80, 90));
        assert_eq!(Port::icmp().port(), None);
    }
}
