//! Which peer units are ready, as the leader counts them (`<k> of <n> units ready`),
//! without reading every peer's databag in every hook.
//!
//! Reading all N peer bags in each leader hook costs N `relation-get` calls, and with a
//! hook per peer on every change, N² over a scale-out. Juju tells every unit when a peer's
//! bag changes (`replicas-relation-changed`, that peer as the remote unit), so the leader
//! keeps what it learnt in its charm state, [`READY_KEY`], and reads only the peer that
//! changed. It counts against `relation-list` (one call), which also drops the peers that
//! left. A unit with no record yet (just elected, or upgraded from a version without one)
//! reads every peer once. A unit that is not the leader keeps no record, and drops the one
//! it kept as leader: it would go stale while another unit counts.

use std::collections::BTreeSet;

use charm_runtime::prelude::*;

use crate::Webapp;

/// The charm-state key: the unit numbers of the peers last seen with `ready=true`, a JSON
/// list (`[1, 4]`), kept by the leader.
pub const READY_KEY: &str = "webapp.ready-peers";

/// The unit number of `unit` (`webapp/4` is 4).
fn number(unit: &str) -> Option<u32> {
    unit.rsplit_once('/')?.1.parse().ok()
}

/// The record, if this unit keeps one. One that does not parse is dropped, with a warning:
/// the next count reads every peer again.
fn load(ctx: &Context<Webapp>) -> Result<Option<BTreeSet<u32>>> {
    let Some(raw) = ctx.state_get(READY_KEY)? else {
        return Ok(None);
    };
    Ok(serde_json::from_str(&raw)
        .inspect_err(|e| {
            ctx.warn(format!(
                "charm state `{READY_KEY}` is unreadable ({e}); counting afresh"
            ))
        })
        .ok())
}

fn store(ctx: &Context<Webapp>, ready: &BTreeSet<u32>) -> Result<()> {
    let json = serde_json::to_string(ready).map_err(|e| Error::msg(e.to_string()))?;
    ctx.state_set(READY_KEY, json)
}

fn is_ready(peers: &Relation, unit: &str) -> Result<bool> {
    Ok(peers.remote_unit_data(unit).get("ready")?.as_deref() == Some("true"))
}

/// In `replicas-relation-changed` for a peer unit: the leader records whether that unit is
/// ready now (one `relation-get`); another unit drops a record it kept as leader.
pub fn observe(ctx: &Context<Webapp>, peers: &Relation, event: &Event) -> Result<()> {
    let Event::RelationChanged(changed) = event else {
        return Ok(());
    };
    let Some(unit) = changed
        .unit()
        .filter(|_| changed.relation().id() == peers.id())
    else {
        return Ok(());
    };
    let Some(mut ready) = load(ctx)? else {
        return Ok(());
    };
    if ctx.leader()?.is_none() {
        ctx.state_delete(READY_KEY);
        return Ok(());
    }
    let Some(n) = number(unit) else {
        return Ok(());
    };
    if is_ready(peers, unit)? {
        ready.insert(n);
    } else {
        ready.remove(&n);
    }
    store(ctx, &ready)
}

/// The leader's count: `(k, n)`, `n` this unit and its peers, `k` this unit (ready when
/// this is called) and the peers recorded ready. One `relation-list`; every peer's bag is
/// read only when there is no record yet.
pub fn count(ctx: &Context<Webapp>, peers: Option<&Relation>) -> Result<(usize, usize)> {
    let Some(peers) = peers else {
        return Ok((1, 1));
    };
    let units = peers.units()?;
    let ready: BTreeSet<u32> = match load(ctx)? {
        Some(known) => units
            .iter()
            .filter_map(|u| number(u))
            .filter(|n| known.contains(n))
            .collect(),
        None => {
            let mut ready = BTreeSet::new();
            for unit in &units {
                if let (Some(n), true) = (number(unit), is_ready(peers, unit)?) {
                    ready.insert(n);
                }
            }
            ready
        }
    };
    store(ctx, &ready)?;
    Ok((ready.len() + 1, units.len() + 1))
}
