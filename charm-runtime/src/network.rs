//! [`Network`]: where a unit is reachable on a binding, as `network-get` says: the
//! addresses to bind to, the addresses to advertise to related units, the subnets its
//! traffic comes from.
//!
//! A provider publishing its address reads the binding of the relation's endpoint:
//!
//! ```no_run
//! # use charm_runtime::prelude::*;
//! # #[derive(Charm, Default)]
//! # #[charm(name = "kv", summary = "s")]
//! # #[provides(kv(interface = "kv"))]
//! # pub struct Kv;
//! # fn publish(ctx: &Context<Kv>, relation: &Relation) -> Result<()> {
//! let network = ctx.network_of(relation)?;
//! if let Some(address) = network.ingress_address() {
//!     relation.local_unit_data().set("host", address);
//! }
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

/// One address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceAddress {
    /// The host name, if Juju knows one (often empty).
    #[serde(default)]
    pub hostname: String,
    /// The address.
    pub value: String,
    /// Its subnet, e.g. `10.0.0.0/24`.
    #[serde(default)]
    pub cidr: String,
}

/// One interface of the binding's space on the unit's machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A unit's network on one binding (an endpoint, an extra binding, or `juju-info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// The interfaces to listen on.
    #[serde(default, rename = "bind-addresses")]
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses related units should use to reach this unit, best first.
    #[serde(default, rename = "ingress-addresses")]
    pub ingress_addresses: Vec<String>,
    /// The subnets this unit's traffic comes from (CIDRs).
    #[serde(default, rename = "egress-subnets")]
    pub egress_subnets: Vec<String>,
}

impl Network {
    /// A unit with one interface (`eth0`) and one address, advertised as is and
    /// egressing from itself: what the simulator gives a unit, and a test's network. An
    /// IPv4 address gets its `/24` subnet and a MAC address derived from it.
    ///
    /// ```
    /// use charm_runtime::network::Network;
    /// let n = Network::single("10.1.2.3");
    /// assert_eq!(n.ingress_address(), Some("10.1.2.3"));
    /// assert_eq!(n.bind_address(), Some("10.1.2.3"));
    /// assert_eq!(n.bind_addresses[0].addresses[0].cidr, "10.1.2.0/24");
    /// assert_eq!(n.egress_subnets, ["10.1.2.3/32"]);
    /// ```
    pub fn single(address: &str) -> Network {
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
        Network {
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

    /// The address to advertise: the first ingress address (what `ops` calls
    /// `Network.ingress_address`).
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }

    /// The address to listen on: the first address of the first interface.
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .first()?
            .addresses
            .first()
            .map(|a| a.value.as_str())
    }
}
