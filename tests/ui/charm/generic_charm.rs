use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "webapp", summary = "A web application")]
pub struct Webapp<T>(std::marker::PhantomData<T>);

fn main() {}
