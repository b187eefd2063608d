//! Handlers split over modules, each naming the charm by its path; a subordinate may
//! require `juju-info`.
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
    impl crate::handlers_in_modules::Logger {
        #[on(juju_info_relation_joined)]
        fn joined(&mut self, _ctx: &mut Context<Self>, _event: &RelationJoined) -> Result<()> {
            let _ = Self::JUJU_INFO;
            Ok(())
        }
    }
}

#[test]
fn the_handlers_of_both_modules_run() {
    use charm_runtime::testing::{Context as Scenario, Event as Hook, State, SubordinateRelation};
    let ctx = Scenario::<Logger>::new();
    let out = ctx.run(Hook::install(), State::new()).unwrap();
    assert_eq!(out.handlers, ["Logger::install"], "{out:?}");
    let info = SubordinateRelation::new("juju-info");
    let state = State::new().relation(info.clone());
    let out = ctx.run(Hook::relation_joined(&info, 0), state).unwrap();
    assert_eq!(
        out.handlers,
        ["crate::handlers_in_modules::Logger::joined"],
        "{out:?}"
    );
}
