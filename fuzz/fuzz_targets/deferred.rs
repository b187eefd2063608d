//! The stored deferred notices (charm state, so whatever a previous version or an
//! operator left there): parsing, restoring each event and re-encoding never panic, and
//! what parses survives a round trip.
#![no_main]

use charm_runtime::deferred::{deferrable, encode_notices, parse_notices, parse_notices_lossy};
use charm_runtime::env::JujuEnv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    // Notice by notice: what reads is what the strict parser reads, when it does; and
    // each left-out notice is named in one printable line.
    let lossy = parse_notices_lossy(raw);
    if let Ok((_, unreadable)) = &lossy {
        assert!(unreadable
            .iter()
            .all(|why| !why.contains(['\n', '\u{1b}']) && why.len() < 1200));
    }
    let Ok(notices) = parse_notices(raw) else {
        return;
    };
    assert_eq!(
        lossy.expect("a list the strict parser reads"),
        (notices.clone(), vec![])
    );
    let encoded = encode_notices(&notices);
    assert_eq!(
        parse_notices(&encoded).expect("re-encoded notices parse"),
        notices
    );
    let base = JujuEnv::from_lookup(|k| match k {
        "JUJU_DISPATCH_PATH" => Some("hooks/install".into()),
        "JUJU_UNIT_NAME" => Some("app/0".into()),
        _ => None,
    })
    .expect("a valid base environment");
    for notice in &notices {
        let _ = notice.event.describe();
        if let Ok(env) = notice.event.restore(&base) {
            let _ = deferrable(&env.hook);
            let _ = env.hook.event_name();
            assert_eq!(env.unit_name, base.unit_name);
        }
    }
});
