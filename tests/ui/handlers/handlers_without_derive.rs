use charm_runtime::prelude::*;

pub struct Plain;

#[handlers]
impl Plain {
    #[on(install)]
    fn install(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
}

fn main() {}
