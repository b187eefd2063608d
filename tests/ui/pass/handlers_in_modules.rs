// Handlers split over modules, each naming the charm by its path; a subordinate may
// require `juju-info`.
use charm_runtime::prelude::*;

#[derive(Charm, Default)]
#[charm(name = "logger", summary = "Forwards logs", subordinate)]
#[requires(juju-info(interface = "juju-info", scope = "container"))]
pub struct Logger;

mod install {
    use super::*;

    #[handlers]
    impl Logger {
        #[on(install)]
        fn install(&mut self, _ctx: &mut Context<Self>) -> Result<()> {
            Ok(())
        }
    }
}

mod info {
    use charm_runtime::prelude::*;

    #[handlers]
    impl crate::Logger {
        #[on(juju_info_relation_joined)]
        fn joined(&mut self, _ctx: &mut Context<Self>, _event: &RelationJoined) -> Result<()> {
            let _ = Self::JUJU_INFO;
            Ok(())
        }
    }
}

fn main() {}
