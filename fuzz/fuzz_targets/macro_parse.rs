//! charm-macros' attribute parser on arbitrary Rust items: a model or a `syn::Error`,
//! never a panic. charm-macros is a proc-macro crate (nothing can be imported from it),
//! so its parser is compiled in here; proc-macro2 works outside a proc macro.
#![no_main]

#[allow(dead_code)]
#[path = "../../charm-macros/src/diagnostics.rs"]
mod diagnostics;
#[allow(dead_code)]
#[path = "../../charm-macros/src/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "../../charm-macros/src/parse.rs"]
mod parse;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(input) = syn::parse_str::<syn::DeriveInput>(text) else {
        // Not an item: use the text as an event name instead.
        let eps = vec!["db".to_string(), "log_forwarder".to_string()];
        let _ = diagnostics::event_type(text, &eps, "W");
        return;
    };
    let _ = parse::docs(&input.attrs);
    if let Ok(charm) = parse::charm(&input) {
        let prefixes: Vec<String> = charm.endpoints.iter().map(|e| e.event_prefix()).collect();
        for ep in &charm.endpoints {
            assert!(!ep.name.is_empty());
            assert!(!ep.interface.is_empty());
            let _ = ep.const_name();
            for kind in ["created", "joined", "changed", "departed", "broken"] {
                let event = format!("{}_relation_{kind}", ep.event_prefix());
                assert!(diagnostics::event_type(&event, &prefixes, "C").is_ok(), "{event}");
            }
        }
        let name = charm.attrs.name.as_deref().unwrap_or_default();
        assert!(!name.is_empty() && name.len() <= 40, "{name}");
        for e in &charm.endpoints {
            assert!(!e.name.starts_with("juju-") || name.starts_with("juju-") || charm.attrs.subordinate);
        }
        let _ = diagnostics::event_type("instal", &prefixes, name);
    }
});
