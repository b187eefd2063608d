//! The stored deferred notices (charm state, so whatever a previous version or an
//! operator left there): parsing, restoring each event and re-encoding never panic, and
//! what parses survives a round trip.
#![no_main]

use charm_runtime::deferred::{deferrable, encode_notices, parse_notices};
use charm_runtime::env::JujuEnv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let Ok(notices) = parse_notices(raw) else { return };
    let encoded = encode_notices(&notices);
    assert_eq!(parse_notices(&encoded).expect("re-encoded notices parse"), notices);
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
