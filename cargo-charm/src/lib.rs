//! `cargo charm`: build-time tooling and a local Juju model simulator for charms.
//!
//! - [`sim`]: run compiled charms (any directory with a `dispatch` executable) as Juju's
//!   unit agent would, with hook tools, relations, secrets, leadership and statuses.
//! - [`build`]: generate/check `charmcraft.yaml`, pack `.charm` archives, the demo.
//! - [`k8s_demo`]: `cargo charm demo --k8s`, a Kubernetes charm with a real Pebble.
//! - [`meta`]: charm metadata (endpoints, config options, actions).
//! - [`new`]: `cargo charm new`, a new charm crate.

pub mod build;
pub mod cli;
pub mod hookclient;
pub mod k8s_demo;
pub mod meta;
pub mod new;
pub mod sim;
