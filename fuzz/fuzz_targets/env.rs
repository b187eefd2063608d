//! `JujuEnv::from_os_lookup` (and so `from_lookup`, `Hook::parse`, `RelationId::parse`,
//! `SecretId::parse`) on arbitrary variables, valid UTF-8 or not: an environment or an
//! error naming a variable, never a panic.
#![no_main]

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use charm_runtime::env::{Hook, JujuEnv};
use charm_runtime::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|vars: Vec<(u8, Vec<u8>)>| {
    let names = JujuEnv::VARIABLES;
    let map: HashMap<&str, Vec<u8>> = vars
        .into_iter()
        .map(|(i, v)| (names[i as usize % names.len()], v))
        .collect();
    let result = JujuEnv::from_os_lookup(|k| map.get(k).cloned().map(OsString::from_vec));
    match result {
        Ok(env) => {
            assert_eq!(env.hook, Hook::parse(&env.dispatch_path));
            assert!(!env.app_name.is_empty());
            assert!(env.unit_name.starts_with(&format!("{}/", env.app_name)));
            let _ = env.hook.event_name();
            if let Some(r) = &env.relation {
                assert!(matches!(env.hook, Hook::Relation { .. }));
                assert!(!r.endpoint.is_empty());
            }
            if env.secret.is_some() {
                assert!(matches!(env.hook, Hook::Secret(_)));
            }
        }
        Err(Error::Environment { var, detail }) => {
            assert!(names.contains(&var), "{var}");
            assert!(!detail.is_empty());
        }
        Err(other) => panic!("not an environment error: {other}"),
    }
    if let Some(path) = map.get("JUJU_DISPATCH_PATH") {
        let hook = Hook::parse(&String::from_utf8_lossy(path));
        let _ = hook.event_name();
    }
});
