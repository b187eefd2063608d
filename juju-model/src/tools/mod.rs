//! The hook tools, typed: [`HookContext`] runs each tool against a [`Model`] and the
//! running [`Hook`], with Juju's checks in Juju's order and Juju's error texts.
//!
//! One module per family of tools, as Juju's `jujuc` and ops' `hookcmds` split them. Each
//! tool's arguments are what its command line holds once parsed (the value of `-r` as
//! given, names as given), so a typed call and the same call through [`crate::cli`] fail
//! the same way.

mod action;
mod config;
#[cfg(test)]
mod data_tests;
mod goal_state;
mod log;
mod machine;
mod network;
mod ports;
mod relation;
mod resource;
mod secret;
mod state;
mod status;
mod storage;
#[cfg(test)]
mod tests;

pub use goal_state::{GoalState, GoalStatus};
pub use network::{BindAddress, InterfaceAddress, NetworkInfo};
pub use ports::{ranges_with_endpoints, unique_ranges, OpenedPorts, PortRange};
pub use relation::{RelationFlag, RelationGet};
pub use secret::{SecretAdd, SecretGet, SecretInfo, SecretSet};
pub use state::{
    charm_state_size, check_charm_state_commit, MAX_CHARM_STATE_KEY, MAX_CHARM_STATE_SIZE,
    MAX_CHARM_STATE_VALUE,
};
pub use status::AppStatus;

pub(crate) use self::action::cli as action_cli;
pub(crate) use self::config::cli as config_cli;
pub(crate) use self::goal_state::cli as goal_state_cli;
pub(crate) use self::log::cli as log_cli;
pub(crate) use self::machine::cli as machine_cli;
pub(crate) use self::network::cli as network_cli;
pub(crate) use self::ports::cli as ports_cli;
pub(crate) use self::relation::cli as relation_cli;
pub(crate) use self::resource::cli as resource_cli;
pub(crate) use self::secret::cli as secret_cli;
pub(crate) use self::state::cli as state_cli;
pub(crate) use self::status::cli as status_cli;
pub(crate) use self::storage::cli as storage_cli;

use crate::error::{Result, ToolError};
use crate::hook::Hook;
use crate::model::Model;
use crate::secret::Secrets;

/// The hook tools of one running hook: reads see the [`Model`] with the hook's pending
/// changes on top; writes go to [`Hook::pending`].
pub struct HookContext<'a> {
    model: &'a dyn Model,
    hook: &'a mut Hook,
}

impl<'a> HookContext<'a> {
    /// The tools of `hook`, running on `model`.
    pub fn new(model: &'a dyn Model, hook: &'a mut Hook) -> Self {
        HookContext { model, hook }
    }

    /// The model the hook started from.
    pub fn model(&self) -> &'a dyn Model {
        self.model
    }

    /// The running hook.
    pub fn hook(&self) -> &Hook {
        self.hook
    }

    /// Whether `tool` answers in this hook: in Juju's restricted context
    /// ([`Hook::restricted`]) only `juju-log` and `opened-ports` do; every other tool
    /// fails with `jujuc.ErrRestrictedContext`, `errors.NotImplementedf("not implemented
    /// for restricted context")` (juju/errors adds the suffix), exit code 1.
    ///
    /// ```
    /// use juju_model::{Hook, HookContext, Model};
    /// # struct Bare;
    /// # impl Model for Bare {
    /// #     fn model_uuid(&self) -> &str { "7f3a2e1c-0b4d-4c5e-9f60-1a2b3c4d5e6f" }
    /// #     fn unit(&self) -> &str { "demo/0" }
    /// #     fn app(&self) -> &str { "demo" }
    /// #     fn is_leader(&self) -> bool { true }
    /// # }
    /// let mut hook = Hook::new(|| "cjhg2ok5jrbc769e4mkg".to_string()).named("collect-metrics");
    /// let ctx = HookContext::new(&Bare, &mut hook);
    /// let err = ctx.check_allowed("is-leader").unwrap_err();
    /// assert_eq!(err.message, "not implemented for restricted context not implemented");
    /// assert!(ctx.check_allowed("juju-log").is_ok());
    /// ```
    pub fn check_allowed(&self, tool: &str) -> Result<()> {
        match self.hook.restricted && !matches!(tool, "juju-log" | "opened-ports") {
            true => Err(ToolError::runtime(
                "not implemented for restricted context not implemented",
            )),
            false => Ok(()),
        }
    }

    fn leader(&self) -> bool {
        self.model.is_leader()
    }

    /// Every secret as the hook sees it: its own changes on top of the model's.
    fn secrets(&self) -> &Secrets {
        match &self.hook.pending.secrets {
            Some(s) => s,
            None => self.model.secrets(),
        }
    }

    /// The secrets, for a change (copied from the model on the first change).
    fn secrets_mut(&mut self) -> &mut Secrets {
        let model = self.model;
        self.hook
            .pending
            .secrets
            .get_or_insert_with(|| model.secrets().clone())
    }
}
