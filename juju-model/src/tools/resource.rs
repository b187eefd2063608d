//! `resource-get` (`worker/uniter/runner/jujuc/resource-get.go` in Juju 3.6): the path
//! of the unit's local copy of a resource the charm declares.

use super::HookContext;
use crate::cli::{no_extra, parse, Res};
use crate::error::{Result, ToolError};

impl HookContext<'_> {
    /// `resource-get <name>`: where the resource's file is. A resource the model has no
    /// file for fails as the download from the controller fails; the text is the one
    /// `ops`' Harness reproduces (`_TestingModelBackend.resource_get` in
    /// `ops/_private/harness.py`).
    pub fn resource_get(&self, name: &str) -> Result<String> {
        self.model.resource(name).ok_or_else(|| {
            ToolError::runtime(format!(
                "could not download resource: HTTP request failed: Get https://.../units/unit-{}/resources/{name}: resource#{}/{name} not found",
                self.model.unit().replace('/', "-"),
                self.model.app()
            ))
        })
    }
}

/// The command line of `resource-get`: the path, without a newline (`fmt.Fprintf(.., "%s")`).
pub(crate) mod cli {
    use super::*;

    pub(crate) fn resource_get(cx: &mut HookContext, args: &[String]) -> Res {
        let p = parse(args, &[])?;
        let Some(name) = p.args.first() else {
            return Err(ToolError::usage("missing required resource name"));
        };
        no_extra(&p.args, 1)?;
        cx.resource_get(name)
    }
}
