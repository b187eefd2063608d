//! The `minica` charm's `dispatch`: Juju runs this binary once per hook.

charm_runtime::main!(minica::Minica);
