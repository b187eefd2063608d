//! Charms the macros must accept, one per module, each with a test of what its expansion
//! does. They are built with the rest of the suite rather than by trybuild
//! (`tests/compile_fail.rs`): with nothing to build and run, trybuild only checks its
//! cases, which takes 40% off its time on a clean checkout.

mod components;
mod every_declaration;
mod handlers_in_modules;
mod json_error_in_handler;
