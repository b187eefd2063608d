//! Components in real hook processes, in the simulator: the `ping` interface library
//! (`charm_tests::ping`) in two compiled charms, `ping-server` and `ping-client` (its
//! requirer attached twice). The consumer labels the requirer gives the token secrets
//! are recorded by the simulator's Juju, and the `secret-changed` a rotation causes
//! carries them back (`JUJU_SECRET_LABEL`), so each instance finds its relation.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use charm_tests::{deploy, lay_out_charm, model, scratch_dir, settle_cleanly, unit_status};

/// The two fixture charms, laid out once per process.
fn charms() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("ping-charms");
        for (name, binary) in [
            ("ping-server", env!("CARGO_BIN_EXE_ping-server")),
            ("ping-client", env!("CARGO_BIN_EXE_ping-client")),
        ] {
            lay_out_charm(Path::new(binary), &dir.join(name));
        }
        dir
    })
}

#[test]
fn two_instances_of_a_library_follow_their_secrets_by_label() {
    let mut m = model("ping");
    deploy(&mut m, "ping-server", charms().join("ping-server"), 1);
    deploy(&mut m, "ping-client", charms().join("ping-client"), 2);
    // The generated charmcraft.yaml has the interface from the library.
    let yaml = std::fs::read_to_string(charms().join("ping-client/charmcraft.yaml")).unwrap();
    assert!(yaml.contains("  primary:\n    interface: ping\n"), "{yaml}");
    let primary = m
        .integrate("ping-client:primary", "ping-server:clients")
        .unwrap();
    let backup = m
        .integrate("ping-client:backup", "ping-server:clients")
        .unwrap();
    settle_cleanly(&mut m);

    let token = |rel: u32, n: u32| format!("ping-clients-{rel}-{n}");
    for unit in ["ping-client/0", "ping-client/1"] {
        assert_eq!(
            unit_status(&m, unit),
            format!(
                "active: primary {}, backup {}",
                token(primary, 0),
                token(backup, 0)
            )
        );
        // Each unit read each token once by id, with its own label for it.
        for (endpoint, rel) in [("primary", primary), ("backup", backup)] {
            let secret = m.secret(&format!("ping-clients-{rel}")).unwrap();
            let label = format!("{endpoint}.{rel}.token");
            assert_eq!(secret.consumers[unit], (Some(label), 1), "{unit}");
        }
    }

    // A rotation: a new revision of each token secret; each client unit gets
    // `secret-changed` with its label, and the instance on that endpoint follows.
    m.clear_history();
    let out = m
        .run_action("ping-server/0", "rotate", serde_json::json!({}))
        .unwrap();
    assert_eq!(out.status, "completed", "{}", out.message);
    assert_eq!(out.results["rotated"], "2");
    settle_cleanly(&mut m);
    for unit in ["ping-client/0", "ping-client/1"] {
        assert_eq!(
            unit_status(&m, unit),
            format!(
                "active: primary {}, backup {}",
                token(primary, 1),
                token(backup, 1)
            )
        );
        assert_eq!(m.hook_names(unit), ["secret-changed", "secret-changed"]);
        let logs: Vec<String> = m
            .logs(unit)
            .unwrap()
            .iter()
            .map(|l| l.message.clone())
            .collect();
        for event in ["primary::token_rotated", "backup::token_rotated"] {
            assert!(
                logs.iter().any(|l| l == &format!("custom event {event}")),
                "{unit}: {logs:#?}"
            );
        }
    }
}
