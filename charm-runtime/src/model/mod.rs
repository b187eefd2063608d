//! The model as one hook sees it: [`Context`], which handlers receive, and the per-hook
//! caches behind it.
//!
//! Reads are lazy and cached for the hook (one `relation-get` per databag, one
//! `is-leader`, one `config-get`); writes are buffered and flushed once per databag when
//! every handler succeeded. A failed handler flushes nothing, so the hook leaves the model
//! as if it had never run and Juju retries it.

mod inner;

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::backend::LogLevel;
use crate::cloud::CloudSpec;
use crate::config::CharmConfig;
use crate::error::{Error, Result};
use crate::goal_state::GoalState;
use crate::network::Network;
use crate::port::Port;
use crate::relation::{Endpoint, One, Relation};
use crate::secret::{NewSecret, Secret, SecretContent, SecretId, SecretMeta, SecretOwner};
use crate::status::Status;
use crate::version::JujuVersion;
use crate::Charm;

/// Proof that this unit is the leader, for this hook. Only [`Context::leader`] makes one.
///
/// Writing the application's own databag and setting the application status take a
/// `&Leader`, so a non-leader writing them does not compile:
///
/// ```compile_fail
/// let forged = charm_runtime::Leader { _private: () }; // error: field `_private` is private
/// ```
#[derive(Debug)]
pub struct Leader {
    _private: (),
}

pub(crate) use inner::{check_state_size, ModelInner, SecretOp};
pub use inner::{MAX_STATE_KEY, MAX_STATE_SIZE, MAX_STATE_VALUE};

/// What a handler receives: the model as this hook sees it.
///
/// `C` is the charm, so [`config`](Self::config) is typed and endpoint handles
/// (`Self::DB`) are checked.
pub struct Context<C: Charm> {
    pub(crate) model: Rc<ModelInner>,
    config: OnceCell<C::Config>,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("unit", &self.model.env.unit_name)
            .field("hook", &self.model.env.dispatch_path)
            .finish()
    }
}

impl<C: Charm> Context<C> {
    pub(crate) fn new(model: Rc<ModelInner>) -> Self {
        Context {
            model,
            config: OnceCell::new(),
            _charm: PhantomData,
        }
    }

    /// This unit's name, e.g. `webapp/1`.
    pub fn unit_name(&self) -> &str {
        &self.model.env.unit_name
    }
    /// This application's name, e.g. `webapp`.
    pub fn app_name(&self) -> &str {
        &self.model.env.app_name
    }
    /// The model's name.
    pub fn model_name(&self) -> &str {
        &self.model.env.model_name
    }
    /// The directory the charm runs in (`JUJU_CHARM_DIR`).
    pub fn charm_dir(&self) -> &Path {
        &self.model.env.charm_dir
    }
    /// A path relative to the charm directory (absolute paths are returned as they are).
    pub fn charm_path(&self, path: impl AsRef<Path>) -> PathBuf {
        self.model.env.charm_dir.join(path)
    }
    /// The hook being run, e.g. `hooks/db-relation-changed`.
    pub fn dispatch_path(&self) -> &str {
        &self.model.env.dispatch_path
    }

    /// `Some(Leader)` if this unit is the leader: the proof that writing the application
    /// databag and the application status require. One `is-leader` call per hook.
    pub fn leader(&self) -> Result<Option<Leader>> {
        Ok(self.model.is_leader()?.then_some(Leader { _private: () }))
    }

    /// The charm's configuration, typed. One `config-get` per hook.
    pub fn config(&self) -> Result<&C::Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let values = self.model.config_values()?;
        let config = C::Config::from_values(&values)?;
        Ok(self.config.get_or_init(|| config))
    }

    /// The charm's configuration, or `None` after setting the unit's status to blocked
    /// when a value is invalid (wrong type, out of range, refused by its check): the
    /// operator sees `invalid config: config option `port`: must be at least 1024, got 80`
    /// in `juju status` and fixes it with `juju config`, which fires `config-changed`
    /// again.
    ///
    /// ```no_run
    /// # use charm_runtime::prelude::*;
    /// # #[derive(CharmConfig)] pub struct Cfg { #[option(default = 1)] port: u16 }
    /// # #[derive(Charm, Default)] #[charm(name = "d", summary = "s")] #[config(Cfg)] pub struct D;
    /// # fn f(ctx: &Context<D>) -> Result<()> {
    /// let Some(config) = ctx.config_or_block()? else { return Ok(()) };
    /// # let _ = config; Ok(()) }
    /// ```
    pub fn config_or_block(&self) -> Result<Option<&C::Config>> {
        match self.config() {
            Ok(c) => Ok(Some(c)),
            Err(e @ Error::Config { .. }) => {
                self.set_status(Status::blocked(format!("invalid config: {e}")));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The relation on an endpoint that has at most one (`limit: 1`, or a peer endpoint);
    /// `None` if there is none. In that relation's `relation-broken`, `None`.
    pub fn relation<R>(&self, endpoint: Endpoint<R, One>) -> Result<Option<Relation>> {
        let mut all = self.model.relations(endpoint.name())?;
        match all.len() {
            0 => Ok(None),
            1 => Ok(all.pop()),
            count => Err(Error::TooManyRelations {
                endpoint: endpoint.name().into(),
                count,
            }),
        }
    }

    /// Every relation on an endpoint, by id (the one being broken left out).
    pub fn relations<R, M>(&self, endpoint: Endpoint<R, M>) -> Result<Vec<Relation>> {
        self.model.relations(endpoint.name())
    }

    /// Every relation on an endpoint named at run time; an unknown name is an error
    /// listing the declared endpoints.
    pub fn relations_named(&self, endpoint: &str) -> Result<Vec<Relation>> {
        self.model.relations(endpoint)
    }

    /// Sets this unit's workload status (at the end of the hook, if it succeeds; to show
    /// a status while the hook runs, [`set_status_now`](Self::set_status_now)).
    pub fn set_status(&self, status: Status) {
        self.model.set_unit_status(status);
    }

    /// Sets the application's status: the leader's privilege.
    pub fn set_app_status(&self, _leader: &Leader, status: Status) {
        self.model.set_app_status(status);
    }

    /// Sets this unit's workload status now, with `status-set`, for the operator to see
    /// while the hook runs: a `maintenance` status before a long install or upgrade.
    ///
    /// [`set_status`](Self::set_status) sends the status once, at the end of a hook that
    /// succeeded; this one is sent at once and, as `status-set` always is in Juju, stays
    /// even if the hook then fails (`ops` sends every status so). A later `set_status`, or
    /// a status collector, replaces it at the end of the hook; a status set with
    /// `set_status` before this call is dropped.
    ///
    /// ```
    /// # use charm_runtime::prelude::*;
    /// # #[derive(Charm, Default)]
    /// # #[charm(name = "demo", summary = "s", description = "d")]
    /// # pub struct Demo;
    /// # #[handlers]
    /// # impl Demo {
    /// #[on(install)]
    /// fn install(&mut self, ctx: &mut Context<Self>) -> Result<()> {
    ///     ctx.set_status_now(Status::maintenance("installing packages"))?;
    ///     // ... minutes of work ...
    ///     ctx.set_status(Status::active(""));
    ///     Ok(())
    /// }
    /// # }
    /// # let out = charm_runtime::testing::Context::<Demo>::new()
    /// #     .run(charm_runtime::testing::Event::install(), charm_runtime::testing::State::new())
    /// #     .unwrap();
    /// # assert_eq!(out.unit_status_history, [Status::maintenance("installing packages"), Status::active("")]);
    /// ```
    pub fn set_status_now(&self, status: Status) -> Result<()> {
        self.model.unit_status.borrow_mut().take();
        self.model.tools.status_set(false, &status)
    }

    /// Sets the application's status now (see [`set_status_now`](Self::set_status_now)):
    /// the leader's privilege.
    pub fn set_app_status_now(&self, _leader: &Leader, status: Status) -> Result<()> {
        self.model.app_status.borrow_mut().take();
        self.model.tools.status_set(true, &status)
    }

    /// Sets the workload version `juju status` shows.
    pub fn set_workload_version(&self, version: impl Into<String>) {
        *self.model.workload_version.borrow_mut() = Some(version.into());
    }

    /// Writes a line to the unit's Juju log, now.
    pub fn log(&self, level: LogLevel, message: impl AsRef<str>) {
        self.model.log(level, message.as_ref());
    }
    /// `log(LogLevel::Debug, ..)`
    pub fn debug(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Debug, message);
    }
    /// `log(LogLevel::Info, ..)`
    pub fn info(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Info, message);
    }
    /// `log(LogLevel::Warning, ..)`
    pub fn warn(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Warning, message);
    }

    /// Creates a secret owned by the application (the leader's privilege).
    ///
    /// `secret-add` runs at once, since the id is needed; Juju discards the secret if the
    /// hook then fails. Content travels in files (mode 0600, in a fresh 0700 directory,
    /// removed as soon as the tool returns), never in argv.
    pub fn add_app_secret(
        &self,
        _leader: &Leader,
        content: SecretContent,
        label: Option<&str>,
    ) -> Result<Secret> {
        self.add_secret(SecretOwner::Application, content, label)
    }

    /// Creates a secret owned by this unit.
    pub fn add_unit_secret(&self, content: SecretContent, label: Option<&str>) -> Result<Secret> {
        self.add_secret(SecretOwner::Unit, content, label)
    }

    fn add_secret(
        &self,
        owner: SecretOwner,
        content: SecretContent,
        label: Option<&str>,
    ) -> Result<Secret> {
        let meta = SecretMeta {
            label: label.map(str::to_string),
            ..SecretMeta::default()
        };
        self.add_secret_with(owner, content, &meta)
    }

    /// A secret by id (nothing is read until asked).
    pub fn secret(&self, id: &SecretId) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: Some(id.clone()),
            label: None,
        }
    }

    /// A secret by the label this unit gave it (as owner, or as consumer).
    pub fn secret_by_label(&self, label: &str) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: None,
            label: Some(label.to_string()),
        }
    }

    /// A value of the unit's charm state (Juju's `state-get`), kept across hooks.
    pub fn state_get(&self, key: &str) -> Result<Option<String>> {
        self.model.state_get(key)
    }
    /// Sets a value of the charm state (flushed with `state-set` when the hook succeeds).
    ///
    /// Juju keeps keys of at most [`MAX_STATE_KEY`] bytes and values of at most
    /// [`MAX_STATE_VALUE`] bytes: a larger one is an error now, naming the key (sent at
    /// the end, it would fail every run of the hook).
    pub fn state_set(&self, key: &str, value: impl Into<String>) -> Result<()> {
        let value = value.into();
        check_state_size(key, &value)?;
        self.model.state_write(key, Some(value));
        Ok(())
    }
    /// Deletes a value of the charm state (when the hook succeeds).
    pub fn state_delete(&self, key: &str) {
        self.model.state_write(key, None);
    }

    /// The attached instances of a declared storage (`storage-list`), e.g. `data/0`.
    pub fn storage(&self, name: &str) -> Result<Vec<crate::workload::StorageInstance>> {
        Ok(self
            .model
            .tools
            .storage_list(name)?
            .into_iter()
            .map(|id| crate::workload::StorageInstance {
                model: Rc::clone(&self.model),
                id,
                location: None,
            })
            .collect())
    }

    /// A workload container, by its typed handle (`Self::WORKLOAD`).
    pub fn container(&self, name: crate::workload::ContainerName) -> crate::workload::Container {
        crate::workload::Container::new(&self.model, name.name())
    }

    /// The model's uuid (`JUJU_MODEL_UUID`).
    pub fn model_uuid(&self) -> &str {
        &self.model.env.model_uuid
    }
    /// The version of the Juju agent running the hook (`JUJU_VERSION`), typed and
    /// comparable: `ctx.juju_version() >= JujuVersion::new(3, 6, 2)`. A version Juju
    /// would never send reads as `0.0.0`, as `ops` reads a missing one.
    pub fn juju_version(&self) -> JujuVersion {
        self.model
            .env
            .juju_version
            .parse()
            .unwrap_or_else(|_| JujuVersion::new(0, 0, 0))
    }
    /// The availability zone of the unit's machine (`JUJU_AVAILABILITY_ZONE`), if any.
    pub fn availability_zone(&self) -> Option<&str> {
        self.model.env.placement.availability_zone.as_deref()
    }
    /// The unit's machine (`JUJU_MACHINE_ID`); none on Kubernetes.
    pub fn machine_id(&self) -> Option<&str> {
        self.model.env.placement.machine_id.as_deref()
    }
    /// For a subordinate, the unit it runs beside (`JUJU_PRINCIPAL_UNIT`).
    pub fn principal_unit(&self) -> Option<&str> {
        self.model.env.placement.principal_unit.as_deref()
    }

    /// This unit's workload status as Juju has it (`status-get`), or the one this hook
    /// set.
    pub fn unit_status(&self) -> Result<Status> {
        if let Some(s) = self.model.unit_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        self.model.tools.status_get(false)
    }
    /// The application's status (`status-get --application`; the leader's), or the one
    /// this hook set.
    pub fn app_status(&self, _leader: &Leader) -> Result<Status> {
        if let Some(s) = self.model.app_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        self.model.tools.status_get(true)
    }

    /// Opens `port` on every endpoint (`open-port`; Juju applies it when the hook
    /// succeeds).
    pub fn open_port(&self, port: Port) -> Result<()> {
        self.open_port_on(port, &[])
    }
    /// Opens `port` on these endpoints only (`open-port --endpoints`).
    pub fn open_port_on(&self, port: Port, endpoints: &[&str]) -> Result<()> {
        self.model.tools.open_port(&port, endpoints)?;
        if let Some(p) = self.model.ports.borrow_mut().as_mut() {
            p.insert(port);
        }
        Ok(())
    }
    /// Closes `port` (`close-port`; when the hook succeeds). Closing a port that is not
    /// open does nothing.
    pub fn close_port(&self, port: Port) -> Result<()> {
        self.model.tools.close_port(&port, &[])?;
        if let Some(p) = self.model.ports.borrow_mut().as_mut() {
            p.remove(&port);
        }
        Ok(())
    }
    /// The ports open when the hook started (`opened-ports`: Juju does not list this
    /// hook's own changes).
    pub fn opened_ports(&self) -> Result<BTreeSet<Port>> {
        Ok(self.model.tools.opened_ports()?.into_iter().collect())
    }
    /// Makes exactly `ports` open: opens the missing ones, closes the others (`ops`'
    /// `Unit.set_ports`). Calling it again in the same hook starts from where the last
    /// call left the ports.
    ///
    /// ```no_run
    /// # use charm_runtime::prelude::*;
    /// # use charm_runtime::port::Port;
    /// # fn f<C: Charm>(ctx: &Context<C>, tls: bool) -> Result<()> {
    /// ctx.set_ports([Port::tcp(if tls { 443 } else { 80 })])?;
    /// # Ok(()) }
    /// ```
    pub fn set_ports(&self, ports: impl IntoIterator<Item = Port>) -> Result<()> {
        let wanted: BTreeSet<Port> = ports.into_iter().collect();
        let current = match self.model.ports.borrow().clone() {
            Some(p) => p,
            None => self.opened_ports()?,
        };
        *self.model.ports.borrow_mut() = Some(current.clone());
        for port in current.difference(&wanted) {
            self.close_port(*port)?;
        }
        for port in wanted.difference(&current) {
            self.open_port(*port)?;
        }
        Ok(())
    }

    /// The unit's network on a binding: an endpoint's name, or `juju-info`
    /// (`network-get`).
    pub fn network(&self, binding: &str) -> Result<Network> {
        self.model.tools.network_get(binding, None)
    }
    /// The unit's network on the binding of `relation`'s endpoint, for that relation
    /// (`network-get -r`): the address to publish to its remote side.
    pub fn network_of(&self, relation: &Relation) -> Result<Network> {
        self.model
            .tools
            .network_get(relation.endpoint(), Some(relation.id()))
    }

    /// What the model is heading for (`goal-state`).
    pub fn goal_state(&self) -> Result<GoalState> {
        self.model.tools.goal_state()
    }
    /// How many units this application is meant to have (its units in the goal state
    /// that are not dying), as `ops`' `planned_units()`.
    pub fn planned_units(&self) -> Result<usize> {
        Ok(self.goal_state()?.planned_units())
    }

    /// The path of the unit's copy of resource `name` (`resource-get`).
    pub fn resource(&self, name: &str) -> Result<PathBuf> {
        self.model.tools.resource_get(name)
    }

    /// The model's cloud and credential (`credential-get`); the application must be
    /// trusted (`juju trust`), else [`Error::PermissionDenied`].
    pub fn cloud_spec(&self) -> Result<CloudSpec> {
        self.model.tools.credential_get()
    }

    /// Asks Juju to reboot the machine once the hook has finished (`juju-reboot`).
    pub fn request_reboot(&self) -> Result<()> {
        self.model.tools.juju_reboot(false)
    }
    /// Reboots the machine now (`juju-reboot --now`): Juju kills this process and runs
    /// the hook again after the reboot, so nothing after this call runs in production.
    /// (In a test, the call returns and the output records the reboot.)
    pub fn reboot_now(&self) -> Result<()> {
        self.model.tools.juju_reboot(true)
    }

    /// Asks for `count` more instances of declared storage `name` (`storage-add`; added
    /// when the hook succeeds, each then getting its `storage-attached`).
    pub fn add_storage(&self, name: &str, count: u32) -> Result<()> {
        self.model.tools.storage_add(name, count)
    }

    /// The uuid of the model `relation`'s remote application is in (`relation-model-get`,
    /// Juju 3.6.2 and later): another model's for a cross-model relation.
    pub fn remote_model_uuid(&self, relation: &Relation) -> Result<String> {
        self.model.tools.relation_model_get(relation.id())
    }

    /// Creates a secret owned by the application with a label, description, expiry and
    /// rotation policy (the leader's privilege).
    pub fn add_app_secret_with(
        &self,
        _leader: &Leader,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        self.add_secret_with(SecretOwner::Application, content, meta)
    }
    /// Creates a secret owned by this unit with a label, description, expiry and
    /// rotation policy.
    pub fn add_unit_secret_with(
        &self,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        self.add_secret_with(SecretOwner::Unit, content, meta)
    }
    fn add_secret_with(
        &self,
        owner: SecretOwner,
        content: SecretContent,
        meta: &SecretMeta,
    ) -> Result<Secret> {
        content.validate()?;
        self.model.sent_pending.set(true);
        let id = self.model.tools.secret_add(&NewSecret {
            content,
            owner,
            label: meta.label.clone(),
            description: meta.description.clone(),
            expire: meta.expire,
            rotate: meta.rotate,
        })?;
        Ok(Secret {
            model: Rc::clone(&self.model),
            id: Some(id),
            label: meta.label.clone(),
        })
    }
    /// The ids of the secrets this unit (or its application) owns (`secret-ids`).
    pub fn secret_ids(&self) -> Result<Vec<SecretId>> {
        self.model.tools.secret_ids()
    }
    /// A secret by id, which this unit labels `label` on its first read
    /// (`secret-get <id> --label <label>`): later hooks find it with
    /// [`secret_by_label`](Self::secret_by_label), and `secret-changed` (and the other
    /// secret events) carry the label: that is how a library maps a secret back to the
    /// relation it came with. The owner may label its own secret the same way.
    pub fn secret_with_label(&self, id: &SecretId, label: &str) -> Secret {
        Secret {
            model: Rc::clone(&self.model),
            id: Some(id.clone()),
            label: Some(label.to_string()),
        }
    }

    /// Defers the event the running handler is handling: it is run again for this handler
    /// at the start of the next hook, before that hook's event, and again after that until
    /// the handler returns without deferring (as `ops`' `event.defer()`; see
    /// [`deferred`](crate::deferred)). The handler should still return `Ok`: an error fails
    /// the hook, and nothing of it, the deferral included, is kept.
    ///
    /// An error for events `ops` does not defer either: actions, `stop`, `remove`,
    /// `secret-rotate`, `secret-expired`, and the status collectors; and for the hooks
    /// of Juju's restricted context (`collect-metrics`, `meter-status-changed`), which
    /// have no charm state to keep a deferred event in.
    pub fn defer(&self) -> Result<()> {
        match self.model.running.borrow_mut().as_mut() {
            Some(running) => running.defer(),
            None => Err(Error::msg("defer() is only possible while a handler runs")),
        }
    }
}
