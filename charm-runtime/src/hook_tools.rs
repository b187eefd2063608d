//! Every hook tool Juju 3.6 ships, and what charm-rs offers for it.
//!
//! The list is the command table of Juju 3.6's hook-tool server
//! ([`worker/uniter/runner/jujuc/server.go`](https://github.com/juju/juju/blob/3.6/worker/uniter/runner/jujuc/server.go):
//! `baseCommands`, `secretCommands`, `storageCommands`, `leaderCommands`,
//! `resourceCommands`, `payloadCommands`, `actionCommands`). Each supported tool's argv is
//! defined once, in [`backend::argv`](crate::backend::argv); the in-memory test backend
//! (`testing::MemoryTools`) and the simulator (`cargo charm sim`) answer it with the same
//! rules (the `juju-model` crate). "Test" names the test that runs it through a charm.
//!
//! | hook tool | charm-rs API | test |
//! |---|---|---|
//! | `action-fail` | [`Action::fail`](crate::Action::fail) | `charm-runtime/tests/testing_actions.rs` |
//! | `action-get` | the action's typed parameters ([`Action::params`](crate::Action::params)) | `testing_actions.rs` |
//! | `action-log` | [`Action::log`](crate::Action::log) | `testing_actions.rs` |
//! | `action-set` | [`Action::set_result`](crate::Action::set_result) | `testing_actions.rs` |
//! | `add-metric` | not offered: metrics and `collect-metrics` are gone from Juju 4 and `ops` has no API for them | — |
//! | `application-version-set` | [`Context::set_workload_version`](crate::Context::set_workload_version) | `testing_model_data.rs` |
//! | `close-port` | [`Context::close_port`](crate::Context::close_port), [`Context::set_ports`](crate::Context::set_ports) | `testing_model_data.rs` |
//! | `config-get` | [`Context::config`](crate::Context::config) (typed, [`CharmConfig`](crate::CharmConfig)) | `charm-runtime/tests/testing_harness.rs` |
//! | `credential-get` | [`Context::cloud_spec`](crate::Context::cloud_spec) → [`CloudSpec`](crate::cloud::CloudSpec) | `testing_model_data.rs` |
//! | `goal-state` | [`Context::goal_state`](crate::Context::goal_state), [`Context::planned_units`](crate::Context::planned_units) | `testing_model_data.rs` |
//! | `is-leader` | [`Context::leader`](crate::Context::leader) (a [`Leader`](crate::Leader) proof) | `testing_rules.rs` |
//! | `juju-log` | [`Context::log`](crate::Context::log); without a `Context`, the `log` crate ([`log_bridge`](crate::log_bridge)) | `testing_model_data.rs` |
//! | `juju-reboot` | [`Context::request_reboot`](crate::Context::request_reboot), [`Context::reboot_now`](crate::Context::reboot_now) | `testing_model_data.rs` |
//! | `k8s-raw-get`, `k8s-raw-set` | not offered: pod-spec charms only, deprecated in Juju 3 and removed in Juju 4; sidecar charms use Pebble ([`Container`](crate::Container)) | — |
//! | `k8s-spec-get`, `k8s-spec-set` | not offered: as `k8s-raw-*` | — |
//! | `leader-get`, `leader-set` | not offered: deprecated since Juju 2.7, removed in Juju 4; the leader writes the peer relation's application bag ([`Relation::local_app_data`](crate::Relation::local_app_data)) | — |
//! | `network-get` | [`Context::network`](crate::Context::network), [`Context::network_of`](crate::Context::network_of) → [`Network`](crate::network::Network) | `testing_model_data.rs` |
//! | `open-port` | [`Context::open_port`](crate::Context::open_port), [`Context::open_port_on`](crate::Context::open_port_on), [`Context::set_ports`](crate::Context::set_ports) | `testing_model_data.rs` |
//! | `opened-ports` | [`Context::opened_ports`](crate::Context::opened_ports) | `testing_model_data.rs` |
//! | `payload-register`, `payload-status-set`, `payload-unregister` | not offered: payloads are deprecated (removed in Juju 4) and `ops` has no API for them | — |
//! | `pod-spec-get`, `pod-spec-set` | not offered: the deprecated names of `k8s-spec-*` | — |
//! | `relation-get` | [`Relation::remote_app_data`](crate::Relation::remote_app_data), [`Relation::remote_unit_data`](crate::Relation::remote_unit_data), the local bags | `tests/juju_rules.rs` |
//! | `relation-ids` | [`Context::relations`](crate::Context::relations), [`Context::relation`](crate::Context::relation) | `tests/juju_rules.rs` |
//! | `relation-list` | [`Relation::units`](crate::Relation::units), [`Relation::remote_app`](crate::Relation::remote_app) | `tests/juju_rules.rs` |
//! | `relation-model-get` | [`Context::remote_model_uuid`](crate::Context::remote_model_uuid) (Juju ≥ 3.6.2) | `testing_model_data.rs` |
//! | `relation-set` | the local bags' `set`, flushed once per bag | `tests/juju_rules.rs` |
//! | `resource-get` | [`Context::resource`](crate::Context::resource) | `testing_model_data.rs` |
//! | `secret-add` | [`Context::add_app_secret`](crate::Context::add_app_secret), [`Context::add_unit_secret`](crate::Context::add_unit_secret), and `_with` a [`SecretMeta`](crate::secret::SecretMeta) (description, expiry, rotation) | `testing_model_data.rs` |
//! | `secret-get` | [`Secret::content`](crate::Secret::content), `peek_content`, `refresh_content`; [`Context::secret_with_label`](crate::Context::secret_with_label) labels it as a consumer | `testing_model_data.rs` |
//! | `secret-grant` | [`Secret::grant`](crate::Secret::grant) | `tests/juju_rules.rs` |
//! | `secret-ids` | [`Context::secret_ids`](crate::Context::secret_ids) | `testing_model_data.rs` |
//! | `secret-info-get` | [`Secret::info`](crate::Secret::info) | `testing_model_data.rs` |
//! | `secret-remove` | [`Secret::remove_all_revisions`](crate::Secret::remove_all_revisions), [`Secret::remove_revision`](crate::Secret::remove_revision) | `testing_model_data.rs` |
//! | `secret-revoke` | [`Secret::revoke`](crate::Secret::revoke) | `testing_model_data.rs` |
//! | `secret-set` | [`Secret::set_content`](crate::Secret::set_content), [`Secret::set_info`](crate::Secret::set_info) | `testing_model_data.rs` |
//! | `state-delete`, `state-get`, `state-set` | [`Context::state_get`](crate::Context::state_get), `state_set`, `state_delete` | `tests/juju_rules.rs` |
//! | `status-get` | [`Context::unit_status`](crate::Context::unit_status), [`Context::app_status`](crate::Context::app_status) | `testing_model_data.rs` |
//! | `status-set` | [`Context::set_status`](crate::Context::set_status), [`Context::set_app_status`](crate::Context::set_app_status), collect-status | `tests/juju_rules.rs` |
//! | `storage-add` | [`Context::add_storage`](crate::Context::add_storage) | `testing_model_data.rs` |
//! | `storage-get` | [`StorageInstance::location`](crate::StorageInstance::location) | `testing_actions.rs` |
//! | `storage-list` | [`Context::storage`](crate::Context::storage) | `testing_actions.rs` |
//! | `unit-get` | not offered: `network-get`'s addresses replace it (`ops` does not call it either); the test backends answer it | `juju-model` |
//!
//! What Juju says in the environment rather than through a tool is on [`Context`](crate::Context)
//! too: [`juju_version`](crate::Context::juju_version) (a comparable
//! [`JujuVersion`](crate::version::JujuVersion)), [`model_uuid`](crate::Context::model_uuid),
//! [`availability_zone`](crate::Context::availability_zone),
//! [`machine_id`](crate::Context::machine_id),
//! [`principal_unit`](crate::Context::principal_unit).
//!
//! A dispatch path that is no hook the charm observes (`juju exec --unit app/0 --
//! JUJU_DISPATCH_PATH=custom/backup ./dispatch`) reaches the charm's
//! [`other_dispatch!`](crate::other_dispatch) handler: `main!(Charm, other = handler)`.
