//! The environment of a hook process, as Juju's unit agent sets it
//! (`internal/worker/uniter/runner/context/env.go`).

use super::containers::{pod_tmp, sockets_dir, CONTAINERS_DIR_VAR};
use super::hook::Hook;
use super::server::HookCtx;
use super::state::Unit;
use super::{Model, JUJU_VERSION};

impl Model {
    /// The hook's variables: Juju's, the model's extra ones, and a few of the
    /// simulator's own (`PATH` first holds the hook tools).
    pub(crate) fn hook_env(
        &self,
        unit: &Unit,
        ctx: &HookCtx,
        dispatch_path: &str,
        hook_name: &str,
    ) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        let mut set = |k: &str, v: &str| env.push((k.to_string(), v.to_string()));
        let dir = unit.dir.display().to_string();
        let path = std::env::var("PATH").unwrap_or_else(|_| {
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
        });
        set("PATH", &format!("{}:{path}", self.tools_dir.display()));
        set("JUJU_CHARM_DIR", &dir);
        set("CHARM_DIR", &dir);
        set("JUJU_CONTEXT_ID", &ctx.context_id);
        set("JUJU_HOOK_NAME", hook_name);
        set("JUJU_DISPATCH_PATH", dispatch_path);
        set(
            "JUJU_AGENT_SOCKET_ADDRESS",
            &self.socket.display().to_string(),
        );
        set("JUJU_AGENT_SOCKET_NETWORK", "unix");
        set("JUJU_UNIT_NAME", &unit.name);
        set("JUJU_MODEL_UUID", &self.state.uuid);
        set("JUJU_MODEL_NAME", &self.state.name);
        set("JUJU_API_ADDRESSES", "10.0.0.1:17070");
        set("JUJU_MACHINE_ID", &unit.machine.to_string());
        set("JUJU_PRINCIPAL_UNIT", "");
        set("JUJU_AVAILABILITY_ZONE", "");
        set("JUJU_VERSION", JUJU_VERSION);
        set("CLOUD_API_VERSION", "");
        for p in ["HTTP", "HTTPS", "FTP", "NO"] {
            set(&format!("JUJU_CHARM_{p}_PROXY"), "");
        }
        set("LANG", "C.UTF-8");
        set("TERM", "tmux-256color");
        set("DEBIAN_FRONTEND", "noninteractive");
        set("APT_LISTCHANGES_FRONTEND", "none");
        for k in ["HOME", "TMPDIR", "USER", "LOGNAME"] {
            if let Ok(v) = std::env::var(k) {
                set(k, &v);
            }
        }
        if self.state.apps[&unit.app].meta.is_kubernetes() {
            // The pod's own /tmp, and where its Pebble sockets are.
            set("TMPDIR", &pod_tmp(unit).display().to_string());
            set(CONTAINERS_DIR_VAR, &sockets_dir(unit).display().to_string());
        }
        if let Some(h) = &ctx.hook {
            self.hook_vars(h, &mut set);
        }
        if let Some(name) = dispatch_path.strip_prefix("actions/") {
            set("JUJU_ACTION_NAME", name);
            set("JUJU_ACTION_UUID", &ctx.action_id.to_string());
            set("JUJU_ACTION_TAG", &format!("action-{}", ctx.action_id));
        }
        for (k, v) in &self.extra_env {
            set(k, v);
        }
        env
    }

    /// What a relation or secret hook's environment says about its subject, and the
    /// variables the event's catalogue line has values for.
    fn hook_vars(&self, h: &Hook, set: &mut dyn FnMut(&str, &str)) {
        if let (Some(id), Some(ep)) = (h.relation, &h.endpoint) {
            set("JUJU_RELATION", ep);
            set("JUJU_RELATION_ID", &format!("{ep}:{id}"));
            set("JUJU_REMOTE_UNIT", h.remote_unit.as_deref().unwrap_or(""));
            set("JUJU_REMOTE_APP", h.remote_app.as_deref().unwrap_or(""));
            if let Some(d) = &h.departing {
                set("JUJU_DEPARTING_UNIT", d);
            }
        }
        if let Some(x) = &h.secret {
            set("JUJU_SECRET_ID", &self.state.secret_uri(x));
            set("JUJU_SECRET_LABEL", h.secret_label.as_deref().unwrap_or(""));
            if let Some(rev) = h.secret_revision {
                set("JUJU_SECRET_REVISION", &rev.to_string());
            }
        }
        for (k, v) in h.event_vars() {
            set(k, &v);
        }
    }
}
