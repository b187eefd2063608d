//! The bound on the stored notices: they are one charm-state value, which Juju limits to
//! [`MAX_STATE_VALUE`] bytes (`MaxCharmStateValueSize` in juju/juju's
//! `core/quota/fixed_limits.go`). A longer list would fail the `state-set` at the end of
//! every hook, leaving the unit in error; the oldest notices are dropped instead.

use super::{encode_notices, Notice, MAX_NOTICES};
use crate::backend::LogLevel;
use crate::model::{ModelInner, MAX_STATE_VALUE};

/// Drops the oldest of `notices` until at most [`MAX_NOTICES`] remain and their stored
/// form fits one charm-state value, with a warning naming what was dropped. Returns how
/// many were dropped.
pub(crate) fn bound(model: &ModelInner, notices: &mut Vec<Notice>) -> usize {
    let dropped = oldest_to_drop(notices);
    if dropped > 0 {
        let described: Vec<String> = notices[..dropped]
            .iter()
            .map(|n| format!("{} for `{}`", n.event.describe(), n.handler))
            .collect();
        model.log(
            LogLevel::Warning,
            &format!(
                "{} deferred events are more than Juju can keep (at most {MAX_NOTICES}, in {MAX_STATE_VALUE} bytes of charm state): dropping the {dropped} oldest: {}",
                notices.len(),
                described.join("; ")
            ),
        );
        notices.drain(..dropped);
    }
    dropped
}

/// How many of the oldest notices must go for the rest to fit.
fn oldest_to_drop(notices: &[Notice]) -> usize {
    // The stored form is a JSON list: `[` items joined by `,` `]`.
    let sizes: Vec<usize> = notices
        .iter()
        .map(|n| encode_notices(std::slice::from_ref(n)).len() - 2)
        .collect();
    let stored = |kept: &[usize]| 2 + kept.iter().sum::<usize>() + kept.len().saturating_sub(1);
    let mut dropped = notices.len().saturating_sub(MAX_NOTICES);
    while dropped < notices.len() && stored(&sizes[dropped..]) > MAX_STATE_VALUE {
        dropped += 1;
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deferred::EventSnapshot;

    fn notice(payload: usize) -> Notice {
        Notice::new(
            "C::wait",
            EventSnapshot {
                dispatch_path: "hooks/config-changed".into(),
                storage_location: Some("x".repeat(payload)),
                ..EventSnapshot::default()
            },
        )
    }

    #[test]
    fn the_stored_list_fits_one_charm_state_value() {
        let notices: Vec<Notice> = (0..40).map(|_| notice(2000)).collect();
        assert!(encode_notices(&notices).len() > MAX_STATE_VALUE);
        let dropped = oldest_to_drop(&notices);
        let kept = encode_notices(&notices[dropped..]);
        assert!(kept.len() <= MAX_STATE_VALUE, "{}", kept.len());
        // Dropping one fewer would not fit: only what must go goes.
        assert!(encode_notices(&notices[dropped - 1..]).len() > MAX_STATE_VALUE);
    }

    #[test]
    fn at_most_max_notices_are_kept() {
        let notices: Vec<Notice> = (0..MAX_NOTICES + 7).map(|_| notice(1)).collect();
        assert_eq!(oldest_to_drop(&notices), 7);
        assert_eq!(oldest_to_drop(&notices[..3]), 0);
        assert_eq!(oldest_to_drop(&[]), 0);
        // One notice too large to keep at all goes too.
        assert_eq!(oldest_to_drop(&[notice(MAX_STATE_VALUE)]), 1);
    }
}
