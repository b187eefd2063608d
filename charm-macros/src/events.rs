//! The Juju events a charm can observe, by kind, each with the `charm_runtime::event` type its handler takes.

/// Events every charm has, with the type a handler taking one receives.
pub const LIFECYCLE: &[(&str, &str)] = &[
    ("install", "Install"),
    ("start", "Start"),
    ("stop", "Stop"),
    ("remove", "Remove"),
    ("config_changed", "ConfigChanged"),
    ("upgrade_charm", "UpgradeCharm"),
    ("update_status", "UpdateStatus"),
    ("leader_elected", "LeaderElected"),
    ("leader_settings_changed", "LeaderSettingsChanged"),
    ("pre_series_upgrade", "PreSeriesUpgrade"),
    ("post_series_upgrade", "PostSeriesUpgrade"),
    ("collect_metrics", "CollectMetrics"),
    ("meter_status_changed", "MeterStatusChanged"),
    ("secret_changed", "SecretChanged"),
    ("secret_rotate", "SecretRotate"),
    ("secret_remove", "SecretRemove"),
    ("secret_expired", "SecretExpired"),
    ("collect_unit_status", "CollectStatus"),
    ("collect_app_status", "CollectStatus"),
];

/// Relation event kinds, with their types.
pub const RELATION_KINDS: &[(&str, &str)] = &[
    ("created", "RelationCreated"),
    ("joined", "RelationJoined"),
    ("changed", "RelationChanged"),
    ("departed", "RelationDeparted"),
    ("broken", "RelationBroken"),
];

/// Storage event kinds, with their types.
pub const STORAGE_KINDS: &[(&str, &str)] = &[
    ("storage_attached", "StorageAttached"),
    ("storage_detaching", "StorageDetaching"),
];

/// Workload event kinds, with their types.
pub const WORKLOAD_KINDS: &[(&str, &str)] = &[
    ("pebble_ready", "PebbleReady"),
    ("pebble_custom_notice", "PebbleCustomNotice"),
    ("pebble_check_failed", "PebbleCheck"),
    ("pebble_check_recovered", "PebbleCheck"),
];
