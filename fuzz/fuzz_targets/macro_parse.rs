//! charm-macros' attribute parser on arbitrary Rust items: a model or a `syn::Error`,
//! never a panic. charm-macros is a proc-macro crate (nothing can be imported from it),
//! so its parser is compiled in here; proc-macro2 works outside a proc macro.
#![no_main]

#[allow(dead_code)]
#[path = "../../charm-macros/src/ctxt.rs"]
mod ctxt;
#[allow(dead_code)]
#[path = "../../charm-macros/src/event_name.rs"]
mod event_name;
#[allow(dead_code)]
#[path = "../../charm-macros/src/events.rs"]
mod events;
#[allow(dead_code)]
#[path = "../../charm-macros/src/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "../../charm-macros/src/parse/mod.rs"]
mod parse;
#[allow(dead_code)]
#[path = "../../charm-macros/src/valid.rs"]
mod valid;

use libfuzzer_sys::fuzz_target;

/// Checks what the parser made of one item.
fn check(input: &syn::DeriveInput) {
    let _ = parse::docs(&input.attrs);
    let ctxt = ctxt::Ctxt::new();
    let mut charm = parse::charm::charm(&ctxt, input);
    valid::charm(&ctxt, &mut charm);
    if ctxt.check().is_err() {
        return;
    }
    let prefix = model::event_prefix;
    let declared = event_name::Declared {
        endpoints: charm.endpoints.iter().map(|e| prefix(&e.name)).collect(),
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
        let _ = model::const_name(&ep.name);
        for kind in ["created", "joined", "changed", "departed", "broken"] {
            events.push(format!("{}_relation_{kind}", prefix(&ep.name)));
        }
    }
    for action in &declared.actions {
        events.push(format!("{action}_action"));
    }
    for s in &declared.storage {
        for (kind, _) in events::STORAGE_KINDS {
            events.push(format!("{s}_{kind}"));
        }
    }
    for c in &declared.containers {
        for (kind, _) in events::WORKLOAD_KINDS {
            events.push(format!("{c}_{kind}"));
        }
    }
    for event in events {
        assert!(
            event_name::event_type(&event, &declared, name).is_ok(),
            "{event} is declared but not accepted"
        );
    }
    let _ = event_name::event_type("instal", &declared, name);
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
    let declared = event_name::Declared {
        endpoints: vec!["db".into(), "log_forwarder".into()],
        actions: vec!["backup".into()],
        storage: vec!["data".into()],
        containers: vec!["workload".into()],
    };
    let _ = event_name::event_type(text, &declared, "W");
});
