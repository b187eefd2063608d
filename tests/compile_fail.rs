//! Mistakes the compiler catches, each with the message a charm author sees
//! (`tests/ui/*.stderr`). Regenerate after a deliberate change with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the expected compiler output is pinned to rustc 1.95"
)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
