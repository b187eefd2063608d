use charm_runtime::prelude::*;

pub struct Wrapper<T>(T);

#[handlers]
impl<T> Wrapper<T> {}

fn main() {}
