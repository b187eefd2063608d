//! `cargo charm`: build-time tooling and a local Juju model simulator for charms.
//!
//! - [`sim`]: run compiled charms (any directory with a `dispatch` executable) as Juju's
//!   unit agent would, with hook tools, relations, secrets, leadership and statuses.
//! - [`workspace`]: the cargo workspace, which members are charms, building them.
//! - [`charmcraft_yaml`]: a compiled charm's `charmcraft.yaml`; `cargo charm yaml`.
//! - [`pack`]: `.charm` archives as charmcraft writes them; `cargo charm pack`.
//! - [`platform`]: the platforms a charm declares, and the Rust target of each.
//! - [`linkage`]: whether a compiled charm runs on a declared base.
//! - [`demo`]: `cargo charm demo` (and `--ecosystem`), the example charms in the simulator.
//! - [`k8s_demo`]: `cargo charm demo --k8s`, a Kubernetes charm with a real Pebble.
//! - [`meta`]: charm metadata (endpoints, config options, actions).
//! - [`new`]: `cargo charm new`, a new charm crate.

pub mod charmcraft_yaml;
pub mod cli;
pub mod demo;
pub mod error;
pub mod hookclient;
pub mod k8s_demo;
pub mod linkage;
pub mod meta;
pub mod new;
pub mod pack;
pub mod platform;
pub mod sim;
pub mod workspace;

pub use error::{Error, Result};
