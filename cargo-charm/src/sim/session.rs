//! Hook tools without a charm process: a [`HookSession`] answers tool calls in-process,
//! exactly as the tools a hook process runs are answered, then commits or drops what they
//! changed.

use super::hook::Hook;
use super::server::HookCtx;
use super::{Model, Result, SimError, ToolCall};

/// A hook of one unit whose tools a test calls directly: the same answers, permission
/// rules and commit rule as for a hook process.
///
/// ```no_run
/// use cargo_charm::sim::{Config, Model};
/// # fn main() -> Result<(), cargo_charm::sim::SimError> {
/// let mut m = Model::new("demo")?;
/// m.deploy("webapp", "charms/webapp", 1, Config::new())?;
/// m.settle()?;
/// let mut hook = m.hook_session("webapp/0", "update-status", None, None)?;
/// let call = hook.run(&["is-leader", "--format=json"], None);
/// assert_eq!(call.stdout, "true\n");
/// hook.finish(0);
/// # Ok(()) }
/// ```
pub struct HookSession<'m> {
    model: &'m mut Model,
    ctx: HookCtx,
}

impl Model {
    /// A hook session for `unit`: hook `hook` (`update-status`, `db-relation-changed`,
    /// ...), about relation `relation` and remote unit `remote_unit` for a relation hook.
    /// The unit's queue of hooks is not touched: the session only answers tool calls.
    pub fn hook_session(
        &mut self,
        unit: &str,
        hook: &str,
        relation: Option<u32>,
        remote_unit: Option<&str>,
    ) -> Result<HookSession<'_>> {
        let mut h =
            Hook::named(hook).ok_or_else(|| SimError::Invalid(format!("unknown hook {hook:?}")))?;
        if h.endpoint.is_some() {
            let id = relation
                .ok_or_else(|| SimError::Invalid(format!("hook {hook:?} needs a relation id")))?;
            let app = &self.unit_app(unit)?;
            let r = self
                .state
                .relations
                .get(&id)
                .ok_or(SimError::UnknownRelation(id))?;
            h.relation = Some(id);
            h.remote_app = Some(r.remote_app(app).to_string());
            h.remote_unit = Some(remote_unit.unwrap_or_default().to_string());
        }
        let ctx = self.new_context(unit, Some(h), None)?;
        Ok(HookSession { model: self, ctx })
    }

    fn unit_app(&self, unit: &str) -> Result<String> {
        self.state
            .units
            .get(unit)
            .map(|u| u.app.clone())
            .ok_or_else(|| SimError::UnknownUnit(unit.into()))
    }
}

impl HookSession<'_> {
    /// Runs tool `argv[0]` with the rest as arguments (and `stdin` for `--file -`), in
    /// the unit's charm directory.
    pub fn run(&mut self, argv: &[&str], stdin: Option<&str>) -> ToolCall {
        let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
        let cwd = self
            .model
            .state
            .units
            .get(&self.ctx.unit)
            .map(|u| u.dir.display().to_string());
        self.ctx
            .call(&self.model.state, &argv, stdin, &cwd.unwrap_or_default())
    }

    /// The calls so far.
    pub fn calls(&self) -> &[ToolCall] {
        &self.ctx.calls
    }

    /// Ends the hook as if it exited with `exit_code`: its pending changes are committed
    /// on 0 (unless the controller refuses them: a charm state over its quota) and
    /// dropped otherwise; statuses and log lines stay either way. Whether they were
    /// committed.
    pub fn finish(self, exit_code: i32) -> bool {
        self.model.finish(self.ctx, exit_code == 0)
    }
}
