//! Test a charm without Juju: Scenario-style state transitions, and a Harness.
//!
//! Enabled by the `testing` feature (`charm-runtime = { ..., features = ["testing"] }` in
//! `[dev-dependencies]`). Every run goes through [`dispatch`](crate::dispatch::dispatch),
//! the code path of the charm's binary, with [`MemoryTools`], an in-memory
//! [`HookTools`](crate::backend::HookTools) that answers as Juju does: same outputs, same
//! permission rules and error texts, same commit rule (a failed hook keeps only its
//! statuses and log lines).
//!
//! Both this module and the prelude have a `Context` and an `Event`; import this module
//! under a name (`use charm_runtime::testing as scenario;`) or its items explicitly.
//!
//! # What the in-memory Juju does
//!
//! The rules below are `juju-model`'s, the crate the local simulator (`cargo charm sim`)
//! answers hook tools with too: a call answers, or is refused, the same way in both.
//!
//! - **Commit rule** (Juju's hook context): relation-set, secret add/set/grant/revoke/
//!   remove, secret tracking (`--refresh`) and state-set/delete go to a *pending* state
//!   the hook's own reads see; they are committed only when the dispatch exits 0.
//!   status-set, application-version-set, juju-log and action-log are immediate and stay
//!   even when the hook fails.
//! - **Permissions**, with Juju's texts, classified into the same [`Error`](crate::Error)s
//!   as production: a follower reading its application bag on a non-peer relation
//!   (`permission denied`), writing it (`cannot write relation settings`), setting the
//!   application status or adding/changing/granting an application secret (`this unit is
//!   not the leader`), reading a secret it was not granted (`permission denied`), an unknown
//!   relation (`relation not found`), an unknown secret (`not found`). Every refused call
//!   is in [`Output::tool_errors`].
//! - **Membership**: in relation-joined the joining unit is already listed; in
//!   relation-departed the departing unit is not (its bag stays readable); in
//!   relation-broken no unit is, and `relation-ids` still lists the relation.
//! - **Secrets**: a consumer reads its tracked revision until it refreshes (`--peek` reads
//!   the latest without moving); an owner reads the latest.
//! - **Actions** ([`Event::action`]): `action-get` gives the parameters with declared
//!   defaults, `action-set`/`action-log`/`action-fail` land in [`Output::action`]; outside an
//!   action they fail with `not running an action`.
//! - **Storage** ([`Storage`]) answers `storage-get`; **containers** ([`Container`]) give
//!   the charm an in-memory Pebble ([`FakePebble`]) that is the workload itself: its
//!   changes are immediate and shared by the input and output states. A test prepares
//!   it with [`Container`]'s builders (`can_connect(false)`, `layer`, `service_status`,
//!   `check_status(.., Down)`, `exec(prefix, output)`, `file`, `notice`) or the fake's
//!   own (`on_exec`, `on_exec_stream` for a command that streams), and fires
//!   `Event::pebble_check_failed` / `pebble_custom_notice` with them.
//! - **Consistency**: before the charm runs, [`Context::run`] rejects, with a message per
//!   problem, a relation on an undeclared endpoint or of the wrong kind, a peer relation
//!   with a remote application or listing this unit, more relations than `limit`, duplicate
//!   ids, local application data a follower could not know, an event whose relation,
//!   unit, departing unit, secret, storage, container or action is not in the state or
//!   not declared, a secret event the unit would not get (not granted; secret-changed to
//!   an owner; rotate/remove/expired to a non-owner, or to a follower for an application
//!   secret), undeclared config options or values of the wrong type, action parameters
//!   that are unknown, missing or of the wrong type.
//!
//! # Scenario style
//!
//! Describe the [`State`] before the hook, run an [`Event`] made from the state's objects,
//! check the [`Output`]: the new state, the `juju-log` lines, every hook-tool call.
//!
//! ```
//! mod charm {
//!     use charm_runtime::prelude::*;
//!
//!     #[derive(Charm, Default)]
//!     #[charm(name = "mailer", summary = "Sends mail", description = "A demo.")]
//!     #[provides(smtp(interface = "smtp"))]
//!     #[requires(db(interface = "postgresql_client", limit = 1))]
//!     pub struct Mailer;
//!
//!     #[handlers]
//!     impl Mailer {
//!         #[on(smtp_relation_joined)]
//!         fn joined(&mut self, _ctx: &mut Context<Self>, event: &RelationJoined) -> Result<()> {
//!             // Our own unit bag (the Python guide wrote the *remote* unit's bag).
//!             event.relation().local_unit_data().set("smtp_credentials", format!("creds-for-{}", event.unit()));
//!             Ok(())
//!         }
//!         #[on(db_relation_changed)]
//!         fn db(&mut self, ctx: &mut Context<Self>, event: &RelationChanged) -> Result<()> {
//!             let host = event.relation().remote_app_data()?.require("host")?;
//!             ctx.set_status(Status::active(format!("db at {host}")));
//!             Ok(())
//!         }
//!     }
//! }
//!
//! use charm_runtime::testing::{self as scenario, Bag, Event, Relation, State};
//! use charm_runtime::Status;
//!
//! let ctx = scenario::Context::<charm::Mailer>::new();
//! let smtp = Relation::new("smtp").remote_app_name("consumer").remote_unit(1, Bag::new());
//! let out = ctx.run(Event::relation_joined(&smtp, 1), State::new().relation(smtp.clone()))?;
//! out.assert_ok();
//! assert_eq!(out.relation(smtp.id).local_unit_data["smtp_credentials"], "creds-for-consumer/1");
//! assert!(out.calls.contains(&format!("relation-set -r {} --file -", smtp.id)));
//!
//! // A failing hook: nothing buffered is kept, and the error says why.
//! let db = Relation::new("db").remote_app_name("postgresql");
//! let out = ctx.run(Event::relation_changed(&db), State::new().relation(db.clone()))?;
//! assert!(out.error.unwrap().contains("key `host`: not set"));
//!
//! // An impossible state is rejected before the charm runs.
//! let err = ctx.run(Event::relation_changed(&db), State::new()).unwrap_err();
//! assert!(err.to_string().contains("not in the state"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Harness style
//!
//! For tests ported from `ops.testing.Harness`: one evolving state; each call fires what
//! Juju would fire.
//!
//! ```
//! # mod charm {
//! #     use charm_runtime::prelude::*;
//! #     #[derive(Charm, Default)]
//! #     #[charm(name = "mailer", summary = "Sends mail", description = "A demo.")]
//! #     #[requires(db(interface = "postgresql_client", limit = 1))]
//! #     pub struct Mailer;
//! #     #[handlers]
//! #     impl Mailer {
//! #         #[on(db_relation_changed)]
//! #         fn db(&mut self, ctx: &mut Context<Self>, event: &RelationChanged) -> Result<()> {
//! #             if let Some(host) = event.relation().remote_app_data()?.get("host")? {
//! #                 ctx.set_status(Status::active(format!("db at {host}")));
//! #             }
//! #             Ok(())
//! #         }
//! #     }
//! # }
//! use charm_runtime::testing::{bag, Harness};
//! use charm_runtime::Status;
//!
//! let mut harness = Harness::<charm::Mailer>::new();
//! let db = harness.add_relation("db", "postgresql")?;
//! harness.begin();
//! harness.add_relation_unit(db, "postgresql/0")?;
//! harness.update_relation_data(db, "postgresql", bag([("host", "10.0.0.7")]))?;
//! assert_eq!(harness.unit_status(), &Status::active("db at 10.0.0.7"));
//! assert_eq!(
//!     harness.fired(),
//!     ["db-relation-joined", "db-relation-changed", "db-relation-changed"]
//! );
//! # Ok::<(), charm_runtime::testing::HarnessError>(())
//! ```

mod backend;
mod consistency;
mod harness;
mod scenario;
mod state;
mod view;

pub use backend::{ActionOutput, Finished, LogLine, MemoryTools, ToolError};
pub use charm_pebble::FakePebble;
pub use consistency::InconsistentState;
pub use harness::{Harness, HarnessError};
pub use scenario::{Context, Event, Output};
pub use state::{
    bag, Bag, Container, PeerRelation, Relation, RelationKind, Secret, SecretOwner, State, Storage,
    SubordinateRelation,
};

/// Checks that the committed `charmcraft.yaml` at `path` is what charm `C`'s declarations
/// generate; with the environment variable `UPDATE_CHARMCRAFT_YAML` set, rewrites it
/// instead. For a test in each charm crate, so a stale file fails the build:
///
/// ```no_run
/// # use charm_runtime::prelude::*;
/// # #[derive(Charm, Default)]
/// # #[charm(name = "demo", summary = "A demo")]
/// # pub struct Demo;
/// #[test]
/// fn committed_charmcraft_yaml_is_up_to_date() {
///     charm_runtime::testing::assert_charmcraft_yaml_fresh::<Demo>(
///         concat!(env!("CARGO_MANIFEST_DIR"), "/charmcraft.yaml"),
///     );
/// }
/// ```
///
/// # Panics
/// When the file is stale (the message says how to refresh it), or cannot be written.
pub fn assert_charmcraft_yaml_fresh<C: crate::Charm>(path: impl AsRef<std::path::Path>) {
    let path = path.as_ref();
    let generated = C::metadata().charmcraft_yaml();
    if std::env::var_os("UPDATE_CHARMCRAFT_YAML").is_some() {
        if let Err(e) = std::fs::write(path, &generated) {
            panic!("cannot write {}: {e}", path.display());
        }
        eprintln!("UPDATE_CHARMCRAFT_YAML is set: rewrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: it is not what the charm's declarations generate.\n\
         Refresh it with `cargo charm yaml`, or `UPDATE_CHARMCRAFT_YAML=1 cargo test`.\n\
         --- generated ---\n{generated}",
        path.display()
    );
}
