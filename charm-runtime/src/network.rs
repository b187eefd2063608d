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
    /// IPv4 address gets its `/24` subnet and a MAC address derived from it. The same
    /// answer as the simulator's (`juju_model::NetworkInfo::single`), in this shape.
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
        Network::from_core(juju_model::NetworkInfo::single(address))
    }

    /// The network `juju-model` answers `network-get` with (the in-memory hook tools,
    /// [`Network::single`]), in this public shape.
    pub(crate) fn from_core(info: juju_model::NetworkInfo) -> Network {
        Network {
            bind_addresses: info
                .bind_addresses
                .into_iter()
                .map(|b| BindAddress {
                    mac_address: b.mac_address,
                    interface_name: b.interface_name,
                    addresses: b
                        .addresses
                        .into_iter()
                        .map(|a| InterfaceAddress {
                            hostname: a.hostname,
                            value: a.value,
                            cidr: a.cidr,
                        })
                        .collect(),
                })
                .collect(),
            ingress_addresses: info.ingress_addresses,
            egress_subnets: info.egress_subnets,
        }
    }

    /// This network as `juju-model` keeps it (a test state's network, for the in-memory
    /// hook tools).
    #[cfg(feature = "testing")]
    pub(crate) fn to_core(&self) -> juju_model::NetworkInfo {
        juju_model::NetworkInfo {
            bind_addresses: self
                .bind_addresses
                .iter()
                .map(|b| juju_model::BindAddress {
                    mac_address: b.mac_address.clone(),
                    interface_name: b.interface_name.clone(),
                    addresses: b
                        .addresses
                        .iter()
                        .map(|a| juju_model::InterfaceAddress {
                            hostname: a.hostname.clone(),
                            value: a.value.clone(),
                            cidr: a.cidr.clone(),
                        })
                        .collect(),
                })
                .collect(),
            ingress_addresses: self.ingress_addresses.clone(),
            egress_subnets: self.egress_subnets.clone(),
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
