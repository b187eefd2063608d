//! What a unit asks of the machine and cloud it runs on: `credential-get` and
//! `juju-reboot` (`worker/uniter/runner/jujuc/credential-get.go`, `reboot.go` in Juju
//! 3.6).

use serde_json::Value;

use super::HookContext;
use crate::cli::{boolean, emit, no_extra, parse, with_fmt, Io, Res};
use crate::error::{Result, ToolError};

impl HookContext<'_> {
    /// `credential-get`: the model's cloud specification. Without `juju trust` the
    /// controller refuses (`UniterAPI.CloudSpec` answers `ErrPerm`), and the tool says
    /// `cannot access cloud credentials: permission denied`.
    pub fn credential_get(&self) -> Result<Value> {
        self.model
            .cloud_spec()
            .ok_or_else(|| ToolError::runtime("cannot access cloud credentials: permission denied"))
    }

    /// `juju-reboot [--now]`: asks for the machine to reboot after the hook (with `now`,
    /// at once, the hook to run again after). Not in an action.
    pub fn juju_reboot(&mut self, now: bool) -> Result<()> {
        if self.hook.action.is_some() {
            return Err(ToolError::runtime(
                "juju-reboot is not supported when running an action.",
            ));
        }
        self.hook.pending.reboot = Some(now || self.hook.pending.reboot == Some(true));
        Ok(())
    }
}

/// The command lines of `credential-get` and `juju-reboot`.
pub(crate) mod cli {
    use super::*;

    pub(crate) fn credential_get(cx: &mut HookContext, args: &[String], io: &Io) -> Res {
        let p = parse(args, &with_fmt(&[]))?;
        no_extra(&p.args, 0)?;
        emit(&p, io, &cx.credential_get()?)
    }

    pub(crate) fn juju_reboot(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[boolean(&["now"])])?;
        no_extra(&p.args, 0)?;
        cx.juju_reboot(p.flag("now"))?;
        Ok(String::new())
    }
}
