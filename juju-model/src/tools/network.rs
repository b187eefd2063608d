//! `network-get` and `unit-get` (`worker/uniter/runner/jujuc/network-get.go`,
//! `unit-get.go` in Juju 3.6): where the unit is reachable on a binding.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::relation::RelationFlag;
use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, val, with_fmt, Io, Res};
use crate::error::{quote, Result, ToolError};

/// One address of an interface (`params.InterfaceAddress`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceAddress {
    /// The host name, if Juju knows one (often empty).
    #[serde(default)]
    pub hostname: String,
    /// The address (`value` in the tool's output).
    pub value: String,
    /// The subnet, e.g. `10.0.0.0/24`.
    #[serde(default)]
    pub cidr: String,
}

/// One interface a binding's space has on the unit's machine (`params.NetworkInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindAddress {
    /// The MAC address.
    #[serde(default, rename = "mac-address")]
    pub mac_address: String,
    /// The interface, e.g. `eth0`.
    #[serde(default, rename = "interface-name")]
    pub interface_name: String,
    /// Its addresses.
    #[serde(default)]
    pub addresses: Vec<InterfaceAddress>,
}

/// What `network-get <binding>` says of a binding (`params.NetworkInfoResult`): where to
/// listen, what to advertise, where traffic comes from. Its serde shape is the tool's
/// `--format=json` output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// The interfaces to bind to.
    #[serde(default, rename = "bind-addresses")]
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses related units should use to reach this unit, best first.
    #[serde(default, rename = "ingress-addresses")]
    pub ingress_addresses: Vec<String>,
    /// The subnets the unit's traffic comes from (CIDRs).
    #[serde(default, rename = "egress-subnets")]
    pub egress_subnets: Vec<String>,
}

impl NetworkInfo {
    /// A unit with one interface, `eth0`, and one IPv4 address, advertised as is and
    /// egressing from itself (`<address>/32`): what a machine on a flat network has.
    ///
    /// ```
    /// let n = juju_model::NetworkInfo::single("10.1.2.3");
    /// assert_eq!(n.bind_addresses[0].addresses[0].cidr, "10.1.2.0/24");
    /// assert_eq!(n.egress_subnets, ["10.1.2.3/32"]);
    /// ```
    pub fn single(address: &str) -> NetworkInfo {
        let octets: Vec<&str> = address.split('.').collect();
        let (cidr, mac) = match octets.as_slice() {
            [a, b, c, d] => {
                let hex = |s: &str| {
                    s.parse::<u8>()
                        .map(|n| format!("{n:02x}"))
                        .unwrap_or_default()
                };
                (
                    format!("{a}.{b}.{c}.0/24"),
                    format!("00:16:3e:{}:{}:{}", hex(b), hex(c), hex(d)),
                )
            }
            _ => (String::new(), String::new()),
        };
        NetworkInfo {
            bind_addresses: vec![BindAddress {
                mac_address: mac,
                interface_name: "eth0".into(),
                addresses: vec![InterfaceAddress {
                    hostname: String::new(),
                    value: address.to_string(),
                    cidr,
                }],
            }],
            ingress_addresses: vec![address.to_string()],
            egress_subnets: vec![format!("{address}/32")],
        }
    }

    /// The tool's full output (`resultToDisplay`): empty lists left out; YAML also
    /// carries the keys older agents read (`macaddress`, `interfacename`, `address`).
    fn display(&self, yaml: bool) -> Value {
        let mut out = Map::new();
        if !self.bind_addresses.is_empty() {
            let binds: Vec<Value> = self
                .bind_addresses
                .iter()
                .map(|b| {
                    let addresses: Vec<Value> = b
                        .addresses
                        .iter()
                        .map(|a| {
                            let mut v =
                                json!({"hostname": a.hostname, "value": a.value, "cidr": a.cidr});
                            if yaml {
                                v["address"] = json!(a.value);
                            }
                            v
                        })
                        .collect();
                    let mut v = json!({
                        "mac-address": b.mac_address,
                        "interface-name": b.interface_name,
                        "addresses": addresses,
                    });
                    if yaml {
                        v["macaddress"] = json!(b.mac_address);
                        v["interfacename"] = json!(b.interface_name);
                    }
                    v
                })
                .collect();
            out.insert("bind-addresses".into(), Value::Array(binds));
        }
        if !self.egress_subnets.is_empty() {
            out.insert("egress-subnets".into(), json!(self.egress_subnets));
        }
        if !self.ingress_addresses.is_empty() {
            out.insert("ingress-addresses".into(), json!(self.ingress_addresses));
        }
        Value::Object(out)
    }

    /// The address to advertise: the first ingress address (what `ops` calls
    /// `Network.ingress_address`).
    ///
    /// ```
    /// let n = juju_model::NetworkInfo::single("10.1.2.3");
    /// assert_eq!(n.ingress_address(), Some("10.1.2.3"));
    /// ```
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }

    /// The address to listen on: the first address of the first interface.
    ///
    /// ```
    /// let n = juju_model::NetworkInfo::single("10.1.2.3");
    /// assert_eq!(n.bind_address(), Some("10.1.2.3"));
    /// ```
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .first()?
            .addresses
            .first()
            .map(|a| a.value.as_str())
    }
}

impl HookContext<'_> {
    /// `network-get <binding> [-r <id>]`: the unit's network on a binding (an endpoint,
    /// an extra binding, or `juju-info`, the endpoint every charm has).
    pub fn network_get(
        &self,
        binding: &str,
        relation: Option<RelationFlag>,
    ) -> Result<NetworkInfo> {
        if binding.is_empty() {
            return Err(ToolError::usage("no binding name specified"));
        }
        if relation.is_some() {
            self.relation_arg(relation)?;
        }
        self.model.network(binding).ok_or_else(|| {
            ToolError::runtime(format!(
                "no network config found for binding {}",
                quote(binding)
            ))
        })
    }

    /// `unit-get private-address|public-address`: the unit's address.
    pub fn unit_get(&self, setting: &str) -> Result<String> {
        match setting {
            "private-address" | "public-address" => Ok(self.model.address()),
            other => Err(ToolError::usage(format!(
                "unknown setting {}",
                quote(other)
            ))),
        }
    }
}

/// The command lines of `network-get` and `unit-get`.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn network_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(
            args,
            &with_fmt(&[
                val(&["r", "relation"]),
                boolean(&["primary-address"]),
                boolean(&["bind-address"]),
                boolean(&["ingress-address"]),
                boolean(&["egress-subnets"]),
            ]),
        )?;
        let Some(binding) = p.args.first() else {
            return Err(ToolError::usage("no arguments specified"));
        };
        no_extra(&p.args, 1)?;
        let relation = crate::tools::relation_cli::relation_flag(&p);
        let info = cx.network_get(binding, relation)?;
        if info.bind_addresses.is_empty() {
            return Err(ToolError::runtime(format!(
                "no network config found for binding {}",
                quote(binding)
            )));
        }
        let keys: Vec<&str> = ["egress-subnets", "ingress-address", "bind-address"]
            .into_iter()
            .filter(|k| p.flag(k))
            .collect();
        let no_addresses = || {
            ToolError::runtime(format!(
                "no addresses attached to space for binding {}",
                quote(binding)
            ))
        };
        if p.flag("primary-address") {
            if !keys.is_empty() {
                return Err(ToolError::runtime(
                    "--primary-address must be the only flag specified",
                ));
            }
            let a = info.bind_address().ok_or_else(no_addresses)?;
            return emit(&p, io, &json!(a));
        }
        if keys.is_empty() {
            let yaml = p
                .value("format")
                .is_none_or(|f| f == "yaml" || f == "smart");
            return emit(&p, io, &info.display(yaml));
        }
        let mut values = Map::new();
        for k in &keys {
            let v = match *k {
                "egress-subnets" => json!(info.egress_subnets),
                "ingress-address" => match info.ingress_addresses.first() {
                    Some(a) => json!(a),
                    None => json!(info.bind_address().ok_or_else(no_addresses)?),
                },
                _ => json!(info.bind_address().ok_or_else(no_addresses)?),
            };
            values.insert(k.to_string(), v);
        }
        if keys.len() == 1 {
            return emit(&p, io, &values[keys[0]]);
        }
        emit(&p, io, &Value::Object(values))
    }

    pub(crate) fn unit_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[]))?;
        let Some(setting) = p.args.first() else {
            return Err(ToolError::usage("no setting specified"));
        };
        no_extra(&p.args, 1)?;
        emit(&p, io, &json!(cx.unit_get(setting)?))
    }
}
