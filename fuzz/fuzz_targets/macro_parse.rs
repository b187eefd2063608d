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
    let prefixes: Vec<String> = charm.endpoints.iter().map(|e| e.event_prefix()).collect();
    let name = charm.attrs.name.as_deref().unwrap_or_default();
    assert!(!name.is_empty() && name.len() <= 40, "{name}");
    for ep in &charm.endpoints {
        assert!(!ep.name.is_empty());
        assert!(!ep.interface.is_empty());
        let _ = ep.const_name();
        for kind in ["created", "joined", "changed", "departed", "broken"] {
            let event = format!("{}_relation_{kind}", ep.event_prefix());
            assert!(
                diagnostics::event_type(&event, &prefixes, name).is_ok(),
                "{event}"
            );
        }
    }
    let _ = diagnostics::event_type("instal", &prefixes, name);
}

fuzz_target!(|text: &str| {
    // The text as a whole item, and as the inside of each attribute (which is where
    // random text gets furthest).
    let items = [
        text.to_string(),
        format!("#[charm({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[requires({text})] struct S;"),
        format!("#[charm(name = \"c\", summary = \"s\")] #[peers(p(interface = \"i\"))] #[provides({text})] struct S;"),
    ];
    for item in &items {
        if let Ok(input) = syn::parse_str::<syn::DeriveInput>(item) {
            check(&input);
        }
    }
    let eps = vec!["db".to_string(), "log_forwarder".to_string()];
    let _ = diagnostics::event_type(text, &eps, "W");
});
