//! Components from another crate and from another module of this one; handlers in
//! another module than the charm; a charm's own event; a component's event handled with
//! `&Event`.
mod library {
    use charm_runtime::prelude::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
    pub struct Ready {
        pub at: u32,
    }

    #[derive(Default)]
    pub struct Local {
        pub seen: u32,
    }

    #[component(interface = "local_thing", role = peers, events(ready = Ready))]
    impl Local {
        #[on(relation_changed, install)]
        fn changed(&mut self, ctx: &mut ComponentContext<Self>, _event: &Event) -> Result<()> {
            self.seen += 1;
            ctx.emit(Ready { at: self.seen });
            Ok(())
        }
    }
}

mod charm {
    use charm_runtime::prelude::*;
    use charm_tests::ping;

    #[derive(Debug, serde::Serialize, serde::Deserialize, CustomEvent)]
    pub struct Restart;

    #[derive(Charm)]
    #[charm(name = "both", summary = "Two libraries")]
    #[events(restart = Restart)]
    pub struct Both {
        #[requires(server)]
        pub server: ping::PingRequires,
        #[peers(cluster)]
        pub cluster: crate::components::library::Local,
    }

    impl Default for Both {
        fn default() -> Self {
            Both {
                server: ping::PingRequires::new("1"),
                cluster: Default::default(),
            }
        }
    }
}

mod handlers {
    use crate::components::charm::{Both, Restart};
    use charm_runtime::prelude::*;

    #[handlers]
    impl Both {
        #[on(server::ponged, cluster::ready, restart)]
        fn any(&mut self, ctx: &mut Context<Self>, event: &Event) -> Result<()> {
            if let Event::Custom(custom) = event {
                ctx.info(custom.name());
            }
            Ok(())
        }

        #[on(cluster::ready)]
        fn ready(
            &mut self,
            ctx: &mut Context<Self>,
            event: &crate::components::library::Ready,
        ) -> Result<()> {
            ctx.info(format!("ready at {}", event.at));
            ctx.emit(Restart);
            Ok(())
        }
    }
}

#[test]
fn the_components_endpoints_are_in_the_charmcraft_yaml() {
    use charm_runtime::Charm;
    let yaml = <charm::Both as Charm>::metadata().charmcraft_yaml();
    assert!(
        yaml.contains("  cluster:\n    interface: local_thing\n"),
        "{yaml}"
    );
}

#[test]
fn install_runs_the_component_then_its_event_then_the_charms_own() {
    use charm_runtime::testing::{Context as Scenario, Event as Hook, State};
    let out = Scenario::<charm::Both>::new()
        .run(Hook::install(), State::new())
        .unwrap();
    assert_eq!(out.error, None, "{out:?}");
    let logged: Vec<&str> = out.logs.iter().map(|l| l.message.as_str()).collect();
    assert!(logged.contains(&"ready at 1"), "{logged:?}");
    assert!(logged.contains(&"restart"), "{logged:?}");
    // The component's install handler emits `ready`; the charm handles it twice, its
    // `ready` handler emits the charm's own `restart`; then the collect-status pass.
    assert_eq!(
        out.handlers,
        [
            "Local::changed",
            "Both::any",
            "Both::ready",
            "Both::any",
            "PingRequires::status"
        ]
    );
}
