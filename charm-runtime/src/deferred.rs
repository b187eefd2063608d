//! Deferred events, as `ops` has them (`EventBase.defer` in
//! <https://github.com/canonical/operator/blob/main/ops/framework.py>): a handler calls
//! [`Context::defer`](crate::Context::defer), and the event is run again for that handler
//! at the start of the next hook, before the new event, until the handler stops deferring.
//!
//! **What may be deferred** is the event catalogue's ([`charm_catalogue::Deferral`]):
//! every event but those whose `defer()` raises in `ops` (actions, `stop`, `remove`,
//! `secret-rotate`, `secret-expired`), the status collectors, and the hooks of Juju's
//! restricted context (`collect-metrics`, `meter-status-changed`), which have no charm
//! state to keep a deferred event in.
//!
//! **What is stored.** A list of [`Notice`]s, each a handler name (`Type::method`) and an
//! [`EventSnapshot`] (the dispatch path and the variables Juju set for the event), as JSON
//! in the unit's charm state under [`STATE_KEY`]. A component's handler also names the
//! endpoint of the instance that deferred (two instances of one library share their
//! handlers' names); a custom event also keeps its name and payload ([`CustomSnapshot`]),
//! its snapshot being the Juju event it was emitted under. Juju commits charm state only when the
//! hook exits 0 (`doFlush` in
//! <https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/context/context.go> runs
//! only without a hook error), so a hook that fails neither loses nor duplicates a notice:
//! the next run sees the list as it was before the failed hook.
//!
//! **Re-running.** On every hook but the restricted ones, each notice is re-run, in order,
//! for the handler that deferred it only, in the *current* hook's context (leadership,
//! relation membership, config are today's). A relation event whose relation is gone gets
//! an inactive [`Relation`](crate::Relation): its bags read as empty and writes to them are
//! dropped with a warning. A notice whose handler no longer exists or no longer observes
//! that event (after an upgrade) is dropped with a warning; so are a custom event whose
//! stored payload no longer reads as its handler's type, a stored notice that does not
//! read (the others are kept), one of an event that may not be deferred (an action's:
//! the list was written by something else), the oldest of a list longer than
//! [`MAX_NOTICES`], and a stored list that is not valid JSON (a charm stuck on unreadable
//! state helps nobody). None of these fails the hook.
//!
//! **Cost.** Reading the list is one `state-get`, the same one
//! [`Context::state_get`](crate::Context::state_get) uses (one per hook at most). To skip
//! even that when nothing is deferred, [`crate::dispatch::run`] keeps a marker file,
//! [`MARKER_FILE`], in the charm directory. It holds `0` only when the state read at the
//! start of a hook had no notices and that hook added none, and it is written only after
//! the hook's writes were flushed; a hook that defers first replaces it with `1` (and
//! fails, before writing anything, if it cannot). So `0` is never on disk while committed
//! state holds notices: a missing, unreadable or other marker (a fresh or replaced charm
//! directory, a pod restart on Kubernetes, a crash at any point) only costs one
//! `state-get`, never a lost notice.

use std::path::{Path, PathBuf};

use crate::backend::LogLevel;
use crate::env::Hook;
use crate::error::{Error, Result};
use crate::model::ModelInner;

mod snapshot;

pub use snapshot::{
    encode_notices, parse_notices, parse_notices_lossy, CustomSnapshot, EventSnapshot, Notice,
};

/// The charm-state key holding the deferred notices. Keys starting `charm-rs.` are the
/// framework's: charms must not write them.
pub const STATE_KEY: &str = "charm-rs.deferred";

/// The marker file, in the charm directory (see the module docs).
pub const MARKER_FILE: &str = ".charm-rs-deferred";

/// At most this many notices are kept, in at most 64 KiB (the oldest are dropped, with
/// a warning): they are one charm-state value, which Juju limits to 64 KiB. The bound
/// holds when the list is read too: a longer stored list is not re-run whole.
pub const MAX_NOTICES: usize = 100;

mod bound;
pub(crate) use bound::bound;

/// Whether the event of `hook` may be deferred; if not, why (the catalogue's
/// [`Deferral`](charm_catalogue::Deferral) of its event).
pub fn deferrable(hook: &Hook) -> Result<(), String> {
    let Some(refusal) = hook.spec().and_then(|spec| spec.deferral.refusal()) else {
        return Ok(());
    };
    let what = match hook {
        Hook::Action(name) => format!("the action `{name}`"),
        hook => format!("`{}`", hook.juju_name()),
    };
    Err(format!("{what} cannot be deferred ({refusal})"))
}

/// Whether notices are re-run before `hook`: all hooks but those of Juju's restricted
/// context, as `ops` (`_Manager._emit` in
/// <https://github.com/canonical/operator/blob/main/ops/_main.py>).
pub fn reruns_before(hook: &Hook) -> bool {
    !hook.restricted()
}

/// Why a stored notice can never be re-run, if it cannot: its event may not be deferred
/// (only a stored list written by hand or by another program holds one).
fn not_rerunnable(notice: &Notice) -> Option<String> {
    let hook = Hook::parse(&notice.event.dispatch_path);
    deferrable(&hook).err()
}

/// The first few of `items` for one log line, each printable and cut, with how many
/// more there are: a stored list of thousands makes one short warning.
fn listed(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|item| crate::backend::printable(item, 300))
        .collect();
    if items.len() > SHOWN {
        text.push(format!("and {} more", items.len() - SHOWN));
    }
    text.join("; ")
}

/// Whether the marker says the committed state has no notices.
fn marker_says_none(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b == b"0")
}

/// The handler running now, and whether it may defer its event: what
/// [`Context::defer`](crate::Context::defer) asks and records.
pub(crate) struct Running {
    handler: &'static str,
    /// Why the event cannot be deferred, if it cannot.
    refusal: Option<String>,
    deferred: bool,
}

impl Running {
    /// `handler` runs, on an event deferrable unless `refusal` says why not.
    pub(crate) fn new(handler: &'static str, refusal: Option<String>) -> Self {
        Running {
            handler,
            refusal,
            deferred: false,
        }
    }

    /// Records that the handler defers its event, or says why it cannot.
    pub(crate) fn defer(&mut self) -> Result<()> {
        match &self.refusal {
            None => {
                self.deferred = true;
                Ok(())
            }
            Some(why) => Err(Error::msg(format!(
                "handler `{}` cannot defer: {why}",
                self.handler
            ))),
        }
    }

    /// Whether the handler deferred its event.
    pub(crate) fn deferred(&self) -> bool {
        self.deferred
    }
}

/// The deferred notices of one hook: the list committed before it, what remains of it
/// after the re-runs and the hook's own deferrals, and the marker file that lets the next
/// hook skip reading it.
#[derive(Debug)]
pub(crate) struct Deferred {
    /// The committed notices that are re-run, in order; `None`: the hook does not touch
    /// the list (Juju's restricted context).
    committed: Option<Vec<Notice>>,
    /// Whether the stored list held more than `committed` (unreadable, not deferrable,
    /// over the bound): it is rewritten when the hook succeeds, even if nothing else
    /// changed.
    pruned: bool,
    remaining: Vec<Notice>,
    marker: Option<PathBuf>,
}

impl Deferred {
    /// Reads the committed notices, unless the hook runs in Juju's restricted context, or
    /// `nothing_deferred` or the `marker` file says there are none. What cannot be re-run
    /// is left out with a warning, never failing the hook: a list that is not JSON, a
    /// notice that does not read, a notice of an event that may not be deferred (an
    /// action's, which has no action to run in a later hook), and the oldest notices
    /// over the bound ([`MAX_NOTICES`], one charm-state value), as when storing.
    pub(crate) fn load(
        model: &ModelInner,
        marker: Option<PathBuf>,
        nothing_deferred: bool,
    ) -> Result<Self> {
        let mut deferred = Deferred {
            committed: None,
            pruned: false,
            remaining: Vec::new(),
            marker,
        };
        if !reruns_before(&model.env.hook) {
            return Ok(deferred);
        }
        let known_none =
            nothing_deferred || deferred.marker.as_deref().is_some_and(marker_says_none);
        let raw = match known_none {
            true => None,
            false => model.state_get(STATE_KEY)?,
        };
        let mut notices = match raw.as_deref().map(parse_notices_lossy) {
            None => Vec::new(),
            Some(Ok((notices, unreadable))) => {
                if !unreadable.is_empty() {
                    deferred.pruned = true;
                    let message = format!(
                        "dropping {} stored deferred events that do not read: {}",
                        unreadable.len(),
                        listed(&unreadable)
                    );
                    model.log(LogLevel::Warning, &message);
                }
                notices
            }
            Some(Err(why)) => {
                let bytes = raw.as_deref().map_or(0, str::len);
                let message = format!("{why}; dropping them ({bytes} bytes)");
                model.log(LogLevel::Warning, &message);
                deferred.pruned = true;
                Vec::new()
            }
        };
        let mut refused = Vec::new();
        notices.retain(|notice| match not_rerunnable(notice) {
            None => true,
            Some(why) => {
                refused.push(format!(
                    "{} of `{}`: {why}",
                    notice.describe(),
                    notice.handler
                ));
                false
            }
        });
        if !refused.is_empty() {
            let message = format!(
                "dropping {} stored deferred events that cannot be re-run: {}",
                refused.len(),
                listed(&refused)
            );
            model.log(LogLevel::Warning, &message);
        }
        let refused = !refused.is_empty();
        let over = bound(model, &mut notices) > 0;
        deferred.pruned |= refused || over;
        deferred.committed = Some(notices);
        Ok(deferred)
    }

    /// The notices to re-run before the hook's event, in order.
    pub(crate) fn to_rerun(&self) -> &[Notice] {
        self.committed.as_deref().unwrap_or_default()
    }

    /// A re-run notice was deferred again: it stays, in its place.
    pub(crate) fn keep(&mut self, notice: &Notice) {
        self.remaining.push(notice.clone());
    }

    /// The hook's own event was deferred by a handler: added last, once.
    pub(crate) fn add(&mut self, notice: Notice) {
        if !self.remaining.contains(&notice) {
            self.remaining.push(notice);
        }
    }

    /// Whether the committed list had no notices and none remain: the marker may say `0`.
    fn none_remain(&self) -> bool {
        matches!(&self.committed, Some(n) if n.is_empty())
            && !self.pruned
            && self.remaining.is_empty()
    }

    /// Before the flush: buffers the new list (when it changed) with the hook's other
    /// writes, and, unless none remain, replaces a `0` marker. An error means the marker
    /// can be neither written nor removed: the hook must fail, writing nothing, rather
    /// than leave `0` on disk while notices may be committed.
    pub(crate) fn store(&mut self, model: &ModelInner) -> Result<(), String> {
        let Some(committed) = &self.committed else {
            return Ok(());
        };
        bound(model, &mut self.remaining);
        let changed = self.pruned || *committed != self.remaining;
        if changed {
            let stored = (!self.remaining.is_empty()).then(|| encode_notices(&self.remaining));
            model.state_write(STATE_KEY, stored);
        }
        match &self.marker {
            Some(marker) if !self.none_remain() => std::fs::write(marker, b"1")
                .or_else(|_| std::fs::remove_file(marker))
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .map_err(|e| {
                    format!(
                        "cannot update {}: {e}; failing the hook so that no deferred event is lost",
                        marker.display()
                    )
                }),
            _ => Ok(()),
        }
    }

    /// After the flush: when none remain, the marker says so (best effort: without it
    /// the next hook reads the state once more).
    pub(crate) fn committed(&self) {
        if let (Some(marker), true) = (&self.marker, self.committed.is_some() && self.none_remain())
        {
            if !marker_says_none(marker) {
                let _ = std::fs::write(marker, b"0");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_says_what_may_be_deferred() {
        for path in [
            "hooks/stop",
            "hooks/remove",
            "hooks/secret-rotate",
            "hooks/secret-expired",
            "hooks/collect-metrics",
            "hooks/meter-status-changed",
            "actions/backup",
        ] {
            assert!(deferrable(&Hook::parse(path)).is_err(), "{path}");
        }
        for path in [
            "hooks/install",
            "hooks/db-relation-changed",
            "hooks/secret-changed",
            "hooks/config-changed",
            "hooks/leader-settings-changed",
            "hooks/pre-series-upgrade",
            "hooks/post-series-upgrade",
            "hooks/unknown-hook",
        ] {
            assert!(deferrable(&Hook::parse(path)).is_ok(), "{path}");
        }
        let err = deferrable(&Hook::parse("hooks/collect-metrics")).unwrap_err();
        assert!(
            err.starts_with(
                "`collect-metrics` cannot be deferred (it runs in Juju's restricted context"
            ),
            "{err}"
        );
        assert!(!reruns_before(&Hook::parse("hooks/collect-metrics")));
        assert!(!reruns_before(&Hook::parse("hooks/meter-status-changed")));
        assert!(reruns_before(&Hook::parse("actions/backup")));
    }

    #[test]
    fn a_refused_deferral_names_the_handler_and_why() {
        let mut running = Running::new("C::stop", deferrable(&Hook::Stop).err());
        let err = running.defer().unwrap_err().to_string();
        assert!(
            err.contains("handler `C::stop` cannot defer: `stop` cannot be deferred (as in ops"),
            "{err}"
        );
        assert!(!running.deferred());
        let mut running = Running::new("C::install", None);
        running.defer().unwrap();
        assert!(running.deferred());
    }
}
