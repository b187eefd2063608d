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

/// Checks what the parser made of one item.
fn check(input: &syn::DeriveInput) {
    let _ = parse::docs(&input.attrs);
    let Ok(charm) = parse::charm(input) else {
        return;
    };
    let prefix = |s: &str| s.replace('-', "_");
    let declared = diagnostics::Declared {
        endpoints: charm.endpoints.iter().map(|e| e.event_prefix()).collect(),
        actions: charm.actions.iter().map(|a| prefix(&a.name)).collect(),
        storage: charm.storage.iter().map(|s| prefix(&s.name)).collect(),
        containers: charm.containers.iter().map(|c| prefix(&c.name)).collect(),
    };
    let name = charm.attrs.name.as_deref().unwrap_or_default();
    assert!(!name.is_empty() && name.len() <= 40, "{name}");
    let mut events = Vec::new();
    for ep in &charm.endpoints {
        assert!(!ep.name.is_empty());
        assert!(!ep.interface.is_empty());
        let _ = ep.const_name();
        for kind in ["created", "joined", "changed", "departed", "broken"] {
            events.push(format!("{}_relation_{kind}", ep.event_prefix()));
        }
    }
    for action in &charm.actions {
        events.push(action.event());
        let _ = diagnostics::action_hash(&action.name);
    }
    for s in &declared.storage {
        for (kind, _) in diagnostics::STORAGE_KINDS {
            events.push(format!("{s}_{kind}"));
        }
    }
    for c in &declared.containers {
        for (kind, _) in diagnostics::WORKLOAD_KINDS {
            events.push(format!("{c}_{kind}"));
        }
    }
    for event in events {
        assert!(
            diagnostics::event_type(&event, &declared, name).is_ok(),
            "{event} is declared but not accepted"
        );
    }
    let _ = diagnostics::event_type("instal", &declared, name);
}

fuzz_target!(|text: &str| {
    // The text as a whole item, and as the inside of each attribute (which is where
    // random text gets furthest).
    let items = [
        text.to_string(),
        format!("#[charm({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[requires({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[peers(p(interface = \"i\"))] #[provides({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[actions({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[storage({text})] #[containers({text})] #[resources({text})] struct S;"),
    ];
    for item in &items {
        if let Ok(input) = syn::parse_str::<syn::DeriveInput>(item) {
            check(&input);
        }
    }
    let declared = diagnostics::Declared {
        endpoints: vec!["db".into(), "log_forwarder".into()],
        actions: vec!["backup".into()],
        storage: vec!["data".into()],
        containers: vec!["workload".into()],
    };
    let _ = diagnostics::event_type(text, &declared, "W");
});
