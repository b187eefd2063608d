//! The Juju events a charm can observe, by kind, each with the `charm_runtime::event` type
//! its handler takes: the `charm-catalogue` crate's table, the one the runtime's events,
//! environment reading and deferral are generated from.

pub use charm_catalogue::{LIFECYCLE, RELATION_KINDS, STORAGE_KINDS, WORKLOAD_KINDS};
