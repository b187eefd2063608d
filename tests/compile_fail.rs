//! The compile-time side of the macros: every error message they give, each in one case
//! with the output a charm author sees (`tests/ui/<macro>/*.stderr`); the charms they
//! must accept are `tests/accepted/`. The `.stderr` files are rustc's output on the
//! toolchain `rust-toolchain.toml` pins; after a deliberate change (or a toolchain
//! bump) regenerate them with
//! `TRYBUILD=overwrite cargo test -p charm-tests --test compile_fail` and review the
//! diff. One case: `cargo test -p charm-tests --test compile_fail -- ui trybuild=name.rs`.

#[test]
fn ui() {
    // trybuild's project has cargo's default dev profile, not the workspace's: the same
    // line tables only (`Cargo.toml`), through cargo's environment override, or the
    // proc macros and build scripts its check compiles carry full debug info.
    std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
    let t = trybuild::TestCases::new();
    // `#[derive(Charm)]`'s declarations.
    t.compile_fail("tests/ui/charm/*.rs");
    // `#[derive(CharmConfig)]` and `#[derive(ActionParams)]`.
    t.compile_fail("tests/ui/config/*.rs");
    t.compile_fail("tests/ui/action_params/*.rs");
    // `#[derive(ActionResults)]`: field names that are not keys Juju's `action-set` takes.
    t.compile_fail("tests/ui/action_results/*.rs");
    // `#[handlers]` and `#[on(..)]`: signatures, event names against the declarations.
    t.compile_fail("tests/ui/handlers/*.rs");
    // `#[component]` and the events it emits.
    t.compile_fail("tests/ui/component/*.rs");
    // What the runtime's types forbid: writing a bag one may not write, etc.
    t.compile_fail("tests/ui/types/*.rs");
}
