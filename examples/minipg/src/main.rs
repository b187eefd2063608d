//! The `minipg` charm's `dispatch`: Juju runs this binary once per hook.

charm_runtime::main!(minipg::Minipg);
