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
//!
//! A test gives a unit a network with [`Network::single`], the answer the simulator
//! gives each unit (one interface, one address):
//!
//! ```
//! use charm_runtime::network::Network;
//!
//! let n = Network::single("10.1.2.3");
//! assert_eq!(n.ingress_address(), Some("10.1.2.3"));
//! assert_eq!(n.bind_addresses[0].addresses[0].cidr, "10.1.2.0/24");
//! assert_eq!(n.egress_subnets, ["10.1.2.3/32"]);
//! ```
//!
//! These are `juju-model`'s types, the one model of Juju the runtime's in-memory hook
//! tools and the simulator share.

pub use juju_model::{BindAddress, InterfaceAddress, NetworkInfo as Network};
