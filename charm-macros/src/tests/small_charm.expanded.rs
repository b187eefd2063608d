// #[derive(Charm)]
#[automatically_derived]
impl ::charm_runtime::Charm for Demo {
    type Config = ::charm_runtime::NoConfig;
    fn metadata() -> ::charm_runtime::CharmMeta {
        ::charm_runtime::CharmMeta {
            name: "demo".into(),
            title: ::core::option::Option::None,
            summary: "A demo charm".into(),
            description: "A demo charm".into(),
            base: "ubuntu@24.04".into(),
            platforms: ::std::vec!["amd64".into()],
            binary: match ::core::option_env!("CARGO_BIN_NAME") {
                ::core::option::Option::Some(bin) => bin,
                ::core::option::Option::None => ::core::env!("CARGO_PKG_NAME"),
            }
                .into(),
            subordinate: false,
            assumes: ::std::vec![],
            endpoints: ::std::vec![
                ::charm_runtime::__private::EndpointMeta { name : "db".into(), role :
                ::charm_runtime::Role::Requirer, interface : "postgresql_client".into(),
                limit : ::core::option::Option::Some(1u32), optional : false, scope :
                ::core::option::Option::None, description : ::core::option::Option::None,
                }
            ],
            config: ::charm_runtime::__private::config_options::<Self>(),
            actions: ::std::vec![
                ::charm_runtime::__private::ActionMeta { name : "backup".into(),
                description : "Back up the data".into(), params :
                ::charm_runtime::__private::action_params:: < Demo,
                10337386351801469247u64 > (), }
            ],
            storage: ::std::vec![],
            containers: ::std::vec![],
            resources: ::std::vec![],
        }
    }
}
#[automatically_derived]
impl ::charm_runtime::__private::HasAction<10337386351801469247u64> for Demo {
    type Params = BackupParams;
}
#[automatically_derived]
#[allow(dead_code)]
impl Demo {
    ///The `db` endpoint (`requires`, interface `postgresql_client`).
    pub const DB: ::charm_runtime::Endpoint<
        ::charm_runtime::relation::role::Requires,
        ::charm_runtime::One,
    > = ::charm_runtime::Endpoint::new("db");
}
#[doc(hidden)]
#[allow(unused_macros, non_snake_case)]
macro_rules! __charm_handlers_Demo {
    ($($block:tt)*) => {
        ::charm_runtime::__private::check_handlers! { charm_type = "Demo", endpoints =
        ["db"], actions = ["backup"], storage = [], containers = [], events = [],
        components = [], $($block)* }
    };
}
#[doc(hidden)]
#[allow(unused_imports)]
pub(crate) use __charm_handlers_Demo as Demo;
const _: () = {
    fn charm_is_made_with_default<C: ::core::default::Default>() {}
    let _ = charm_is_made_with_default::<Demo>;
};

// #[handlers]
impl Demo {
    fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        Ok(())
    }
    fn backup(
        &mut self,
        ctx: &mut Context<Self>,
        action: &Action<BackupParams>,
    ) -> Result<()> {
        Ok(())
    }
}
Demo! {
    self_ty = (Demo), line = (::core::line!()), handler = { method = reconcile, events =
    [db_relation_changed config_changed], event_param = (), output = (Result < () >), },
    handler = { method = backup, events = [backup_action], event_param = (Action <
    BackupParams >), output = (Result < () >), },
}

// __check_handlers!
const _: () = {
    fn __call(
        charm: &mut dyn ::charm_runtime::__private::Any,
        ctx: &mut dyn ::charm_runtime::__private::Any,
        event: &::charm_runtime::Event,
    ) -> ::charm_runtime::Result<()> {
        let charm = ::charm_runtime::__private::downcast::<Demo>(charm, "charm")?;
        let ctx = ::charm_runtime::__private::context::<Demo>(ctx)?;
        let _ = event;
        {
            let result = <Demo>::reconcile(charm, ctx);
            ::charm_runtime::__private::HandlerResult::into_result(result)
        }
    }
    ::charm_runtime::__private::inventory::submit! {
        ::charm_runtime::__private::HandlerEntry { charm :
        ::charm_runtime::__private::type_id:: < Demo >, events : &
        ["db_relation_changed", "config_changed"], name : "Demo::reconcile", module :
        ::core::module_path!(), line : ::core::line!(), index : 0u32, call : __call, }
    }
};
const _: () = {
    fn __call(
        charm: &mut dyn ::charm_runtime::__private::Any,
        ctx: &mut dyn ::charm_runtime::__private::Any,
        event: &::charm_runtime::Event,
    ) -> ::charm_runtime::Result<()> {
        let charm = ::charm_runtime::__private::downcast::<Demo>(charm, "charm")?;
        let ctx = ::charm_runtime::__private::context::<Demo>(ctx)?;
        fn event_parameter<
            K,
            T: ?::core::marker::Sized + ::charm_runtime::__private::EventArg<K>,
        >() {}
        #[allow(dead_code)]
        fn action_parameter<
            T: ?::core::marker::Sized + ::charm_runtime::__private::ActionArg<P>,
            P,
        >() {}
        event_parameter::<::charm_runtime::event::ActionEvent, Action<BackupParams>>();
        action_parameter::<
            Action<BackupParams>,
            <Demo as ::charm_runtime::__private::HasAction<
                10337386351801469247u64,
            >>::Params,
        >();
        <Action<
            BackupParams,
        > as ::charm_runtime::__private::EventArg<
            ::charm_runtime::event::ActionEvent,
        >>::with(
            event,
            |event| {
                let result = <Demo>::backup(charm, ctx, event);
                ::charm_runtime::__private::HandlerResult::into_result(result)
            },
        )
    }
    ::charm_runtime::__private::inventory::submit! {
        ::charm_runtime::__private::HandlerEntry { charm :
        ::charm_runtime::__private::type_id:: < Demo >, events : & ["backup_action"],
        name : "Demo::backup", module : ::core::module_path!(), line : ::core::line!(),
        index : 1u32, call : __call, }
    }
};
