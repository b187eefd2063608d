//! FakePebble follows Pebble's semantics: layers, services, files, checks, exec.

use std::collections::BTreeMap;

use charm_pebble::*;

fn svc(cmd: &str) -> Service {
    Service::new(cmd)
}

fn merge(mut s: Service) -> Service {
    s.r#override = Some(Override::Merge);
    s
}

#[test]
fn layers_merge_and_replace_by_override() {
    let p = FakePebble::new();
    let base = Layer::new().service(
        "web",
        Service {
            after: vec!["db".into()],
            ..svc("/bin/web --v1").enabled().env("A", "1").env("B", "1")
        },
    );
    p.add_layer("base", &base, false).unwrap();

    // override: merge keeps unset fields, replaces set scalars, appends lists, merges maps.
    let over = Layer::new().service(
        "web",
        Service {
            command: Some("/bin/web --v2".into()),
            after: vec!["cache".into()],
            environment: BTreeMap::from([("B".into(), "2".into()), ("C".into(), "3".into())]),
            ..merge(Service::default())
        },
    );
    p.add_layer("over", &over, false).unwrap();
    let web = &p.get_plan().unwrap().services["web"];
    assert_eq!(web.command.as_deref(), Some("/bin/web --v2"));
    assert_eq!(web.startup, Some(Startup::Enabled));
    assert_eq!(web.after, vec!["db", "cache"]);
    assert_eq!(
        web.environment,
        BTreeMap::from([
            ("A".into(), "1".into()),
            ("B".into(), "2".into()),
            ("C".into(), "3".into())
        ])
    );

    // override: replace drops everything earlier layers said.
    p.add_layer(
        "top",
        &Layer::new().service("web", svc("/bin/other")),
        false,
    )
    .unwrap();
    let web = &p.get_plan().unwrap().services["web"];
    assert_eq!(web.command.as_deref(), Some("/bin/other"));
    assert_eq!(web.startup, None);
    assert!(web.environment.is_empty() && web.after.is_empty());
    assert_eq!(
        p.layers()
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        ["base", "over", "top"]
    );
}

#[test]
fn same_label_needs_combine() {
    let p = FakePebble::new();
    let l1 = Layer::new().service("a", svc("/bin/a"));
    p.add_layer("app", &l1, false).unwrap();
    let e = p.add_layer("app", &l1, false).unwrap_err();
    assert!(
        matches!(&e, Error::Api { status: 400, message, .. } if message.contains("already exists")),
        "{e}"
    );

    let l2 = Layer::new()
        .service("b", svc("/bin/b"))
        .service("a", merge(Service::default().enabled()));
    p.add_layer("app", &l2, true).unwrap();
    let layers = p.layers();
    assert_eq!(layers.len(), 1, "combined into the same layer");
    let plan = p.get_plan().unwrap();
    assert_eq!(plan.services.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(plan.services["a"].command.as_deref(), Some("/bin/a"));
    assert_eq!(plan.services["a"].startup, Some(Startup::Enabled));
}

#[test]
fn invalid_layers_leave_the_plan_unchanged() {
    let p = FakePebble::new();
    p.add_layer("ok", &Layer::new().service("a", svc("/bin/a")), false)
        .unwrap();
    let before = p.get_plan().unwrap();

    let no_override = Layer::new().service(
        "a",
        Service {
            command: Some("/x".into()),
            ..Service::default()
        },
    );
    let e = p.add_layer("bad", &no_override, false).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"layer "bad" must define "override" for service "a""#),
        "{e}"
    );

    let no_command = Layer::new().service("new", merge(Service::default()));
    let e = p.add_layer("bad", &no_command, false).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"must define "command" for service "new""#),
        "{e}"
    );

    assert!(p.add_layer("", &Layer::new(), false).is_err());
    assert_eq!(p.get_plan().unwrap(), before);
    assert_eq!(p.layers().len(), 1);
}

#[test]
fn replan_starts_enabled_and_restarts_changed_services() {
    let p = FakePebble::new();
    let layer = Layer::new()
        .service("web", svc("/bin/web").enabled())
        .service("job", svc("/bin/job"));
    p.add_layer("l", &layer, false).unwrap();
    assert_eq!(p.service_status("web"), Some(ServiceStatus::Inactive));
    assert_eq!(p.service_status("nope"), None);

    p.replan_services().unwrap();
    assert_eq!(p.service_status("web"), Some(ServiceStatus::Active));
    assert_eq!(p.service_status("job"), Some(ServiceStatus::Inactive));
    assert_eq!(p.start_count("web"), 1);

    // Nothing changed: no restart.
    p.replan_services().unwrap();
    assert_eq!(p.start_count("web"), 1);

    // Changed definition: replan restarts it.
    p.add_layer(
        "l",
        &Layer::new().service("web", merge(Service::default().env("X", "1"))),
        true,
    )
    .unwrap();
    p.replan_services().unwrap();
    assert_eq!(p.start_count("web"), 2);

    // A crashed enabled service is started again.
    p.set_service_status("web", ServiceStatus::Error);
    p.replan_services().unwrap();
    assert_eq!(p.service_status("web"), Some(ServiceStatus::Active));

    let infos = p.get_services().unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].name, "job");
    assert_eq!(infos[0].startup, Startup::Disabled);
    assert!(infos[1].is_running());
    assert!(p.get_service("web").unwrap().unwrap().is_running());
}

#[test]
fn start_stop_restart() {
    let p = FakePebble::new();
    let layer = Layer::new().service("db", svc("/bin/db")).service(
        "web",
        Service {
            requires: vec!["db".into()],
            ..svc("/bin/web")
        },
    );
    p.add_layer("l", &layer, false).unwrap();

    p.start_services(&["web"]).unwrap();
    assert_eq!(
        p.service_status("db"),
        Some(ServiceStatus::Active),
        "required service started too"
    );
    p.start_services(&["web"]).unwrap();
    assert_eq!(
        p.start_count("web"),
        1,
        "starting a running service is a no-op"
    );
    p.restart_services(&["web"]).unwrap();
    assert_eq!(p.start_count("web"), 2);
    p.stop_services(&["web", "db"]).unwrap();
    assert_eq!(p.service_status("web"), Some(ServiceStatus::Inactive));

    let e = p.start_services(&["nope"]).unwrap_err();
    assert!(
        matches!(&e, Error::Api { message, .. } if message.contains(r#""nope" does not exist"#)),
        "{e}"
    );
    assert!(p.stop_services(&[]).is_err());
}

#[test]
fn files_follow_pebble_rules() {
    let p = FakePebble::new();
    let e = p
        .push("/etc/app/app.conf", b"x", &PushOptions::default())
        .unwrap_err();
    assert!(
        matches!(&e, Error::Path { kind, .. } if kind == "not-found"),
        "{e}"
    );

    let opts = PushOptions {
        make_dirs: true,
        permissions: Some(0o600),
        ..Default::default()
    };
    p.push("/etc/app/app.conf", b"key=1\n", &opts).unwrap();
    assert_eq!(p.pull("/etc/app/app.conf").unwrap(), b"key=1\n");
    assert_eq!(
        p.file("/etc/./app//app.conf").as_deref(),
        Some(&b"key=1\n"[..])
    );
    p.push("/etc/app/app.conf", b"key=2\n", &PushOptions::default())
        .unwrap();
    assert_eq!(p.pull("/etc/app/app.conf").unwrap(), b"key=2\n");

    let listed = p.list_files("/etc").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].path.as_str(), listed[0].file_type),
        ("/etc/app", FileType::Directory)
    );
    let file = &p.list_files("/etc/app/app.conf").unwrap()[0];
    assert_eq!(
        (file.name.as_str(), file.size, file.permissions),
        ("app.conf", Some(6), 0o644)
    );
    assert!(p.list_files("/nope").unwrap_err().is_not_found());
    assert!(p.exists("/etc/app").unwrap());
    assert!(!p.exists("/etc/nope").unwrap());

    assert!(
        matches!(p.pull("/etc/app"), Err(Error::Path { kind, .. }) if kind == "generic-file-error")
    );
    assert!(p.pull("/nope").unwrap_err().is_not_found());
    assert!(
        p.push("/etc/app", b"", &PushOptions::default()).is_err(),
        "cannot overwrite a directory"
    );
    assert!(p
        .push(
            "/etc/app/app.conf/x",
            b"",
            &PushOptions {
                make_dirs: true,
                ..Default::default()
            }
        )
        .is_err());
    assert!(matches!(p.pull("relative"), Err(Error::InvalidInput(_))));
    let setuid = PushOptions {
        permissions: Some(0o4755),
        ..Default::default()
    };
    assert!(matches!(
        p.push("/x", b"", &setuid),
        Err(Error::InvalidInput(_))
    ));

    // make_dir
    assert!(p
        .make_dir("/srv/a/b", &MakeDirOptions::default())
        .unwrap_err()
        .is_not_found());
    let parents = MakeDirOptions {
        make_parents: true,
        permissions: Some(0o700),
        ..Default::default()
    };
    p.make_dir("/srv/a/b", &parents).unwrap();
    p.make_dir("/srv/a/b", &parents).unwrap();
    assert!(
        p.make_dir("/srv/a/b", &MakeDirOptions::default()).is_err(),
        "exists"
    );
    assert_eq!(p.list_files("/srv/a").unwrap()[0].permissions, 0o700);
    assert_eq!(p.list_files("/srv").unwrap()[0].permissions, 0o755);

    // remove
    let e = p.remove_path("/srv", false).unwrap_err();
    assert!(e.to_string().contains("directory not empty"), "{e}");
    p.remove_path("/srv", true).unwrap();
    assert!(!p.exists("/srv/a/b").unwrap());
    p.remove_path("/srv", true).unwrap();
    assert!(p.remove_path("/srv", false).unwrap_err().is_not_found());
    p.remove_path("/etc/app/app.conf", false).unwrap();
    assert!(p.list_files("/etc/app").unwrap().is_empty());
}

#[test]
fn checks_come_from_the_plan() {
    let p = FakePebble::new();
    let layer = Layer::new()
        .check(
            "http",
            Check {
                r#override: Some(Override::Replace),
                level: Some(CheckLevel::Ready),
                http: Some(HttpCheck {
                    url: Some("http://localhost:8080/".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .check(
            "off",
            Check {
                r#override: Some(Override::Replace),
                startup: Some(Startup::Disabled),
                ..Default::default()
            },
        );
    p.add_layer("c", &layer, false).unwrap();
    let checks = p.get_checks().unwrap();
    assert_eq!(
        (checks[0].name.as_str(), checks[0].status),
        ("http", CheckStatus::Up)
    );
    assert_eq!(checks[1].status, CheckStatus::Inactive);
    p.set_check_status("http", CheckStatus::Down);
    let http = &p.get_checks().unwrap()[0];
    assert_eq!(
        (http.status, http.failures, http.threshold),
        (CheckStatus::Down, 3, 3)
    );

    // override: merge on a check merges its http headers.
    let more = Layer::new().check(
        "http",
        Check {
            r#override: Some(Override::Merge),
            threshold: Some(5),
            http: Some(HttpCheck {
                headers: BTreeMap::from([("X".into(), "1".into())]),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    p.add_layer("c", &more, true).unwrap();
    let check = &p.get_plan().unwrap().checks["http"];
    assert_eq!(check.threshold, Some(5));
    let http = check.http.as_ref().unwrap();
    assert_eq!(http.url.as_deref(), Some("http://localhost:8080/"));
    assert_eq!(http.headers.len(), 1);
}

#[test]
fn exec_uses_the_installed_handler() {
    let p = FakePebble::new();
    assert!(matches!(
        p.exec(&["true"], &ExecOptions::default()),
        Err(Error::Change { .. })
    ));
    p.on_exec(|cmd, opts| {
        Ok(ExecOutput {
            stdout: format!("ran {}", cmd.join(" ")).into_bytes(),
            stderr: opts.stdin.clone().unwrap_or_default(),
            exit_code: if cmd[0] == "false" { 1 } else { 0 },
            ..Default::default()
        })
    });
    let out = p
        .exec(
            &["echo", "hi"],
            &ExecOptions {
                stdin: Some(b"in".to_vec()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        (out.stdout_str().as_str(), out.stderr_str().as_str()),
        ("ran echo hi", "in")
    );
    assert_eq!(out.command, ["echo", "hi"]);
    let out = p.exec(
        &["false"],
        &ExecOptions {
            combine_stderr: true,
            stdin: Some(b"!".to_vec()),
            ..Default::default()
        },
    );
    let out = out.unwrap();
    assert_eq!(out.stdout, b"ran false!");
    let e = out.success().unwrap_err();
    assert!(e.to_string().contains("exited with code 1"), "{e}");
    assert_eq!(
        p.exec_calls(),
        vec![vec!["true"], vec!["echo", "hi"], vec!["false"]]
    );
}

#[test]
fn not_ready_is_a_connection_error() {
    let p = FakePebble::new();
    p.set_ready(false);
    let e = p.get_services().unwrap_err();
    assert!(matches!(e, Error::Connection { .. }));
    assert!(e.to_string().contains("may not be ready"));
    p.set_ready(true);
    assert_eq!(p.system_info().unwrap().version, "fake");
}

#[test]
fn notices_and_trait_objects() {
    let p = FakePebble::new();
    p.add_notice("example.com/ready", BTreeMap::new());
    let n = p.add_notice(
        "example.com/ready",
        BTreeMap::from([("k".into(), "v".into())]),
    );
    assert_eq!(n.occurrences, 2);
    fn count(p: impl Pebble) -> usize {
        p.notices().unwrap().len()
    }
    let shared = std::sync::Arc::new(FakePebble::new());
    assert_eq!(count(shared.clone()), 0);
    let boxed: Box<dyn Pebble> = Box::new(FakePebble::new());
    assert_eq!(count(boxed), 0);
    assert_eq!(count(&p), 1);
    let pebble: &dyn Pebble = &p;
    let notices = pebble.notices().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (
            notices[0].notice_type.as_str(),
            notices[0].last_data["k"].as_str()
        ),
        ("custom", "v")
    );
}

#[test]
fn layer_yaml_round_trip() {
    let yaml = "summary: s\nservices:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n    \
                working-dir: /srv\n    user-id: 1000\n    backoff-factor: 1.5\n    on-check-failure:\n      up: restart\n    \
                future-field: ignored\nchecks:\n  up:\n    override: merge\n    tcp:\n      port: 8080\n\
                log-targets:\n  loki:\n    override: replace\n    type: loki\n    location: http://loki/\n    services: [all]\n";
    let layer = Layer::from_yaml(yaml).unwrap();
    let web = &layer.services["web"];
    assert_eq!(
        (web.working_dir.as_deref(), web.user_id, web.backoff_factor),
        (Some("/srv"), Some(1000), Some(1.5))
    );
    assert_eq!(web.on_check_failure["up"], "restart");
    assert_eq!(layer.checks["up"].tcp.as_ref().unwrap().port, Some(8080));
    assert_eq!(layer.log_targets["loki"].kind.as_deref(), Some("loki"));
    let again = Layer::from_yaml(&layer.to_yaml()).unwrap();
    assert_eq!(again, layer);
    assert!(!layer.to_yaml().contains("future-field"));
    let tricky = Layer::new().service(
        "w",
        svc("sh -c 'echo \"a: b\" # not a comment'").env("N", "0755"),
    );
    let text = tricky.to_yaml();
    assert_eq!(Layer::from_yaml(&text).unwrap(), tricky, "{text}");
    assert_eq!(Plan::from_yaml("{}\n").unwrap(), Plan::default());
    assert!(matches!(
        Layer::from_yaml("services: [1, 2"),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        Plan::from_yaml("services: 3"),
        Err(Error::BadResponse { .. })
    ));
}

#[test]
fn layer_combine_is_usable_without_pebble() {
    let mut base = Layer::new().service("a", svc("/bin/a").env("X", "1"));
    base.combine(&Layer::new().service("a", merge(Service::default().env("Y", "2"))))
        .unwrap();
    assert_eq!(base.services["a"].environment.len(), 2);
    let no_override = Layer::new().service("a", Service::default());
    assert!(matches!(
        base.combine(&no_override),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn exec_handler_may_use_the_fake() {
    let p = std::sync::Arc::new(FakePebble::new());
    let inner = std::sync::Arc::clone(&p);
    p.on_exec(move |cmd, _| {
        // A command with a side effect on the container's filesystem.
        inner.push(&format!("/{}", cmd[1]), b"made", &PushOptions::default())?;
        Ok(ExecOutput::default())
    });
    p.exec(&["touch", "marker"], &ExecOptions::default())
        .unwrap();
    assert_eq!(p.file("/marker").as_deref(), Some(&b"made"[..]));
}

#[test]
fn canned_exec_results_match_the_longest_prefix() {
    let p = FakePebble::new();
    let out = |s: &str, code| ExecOutput {
        stdout: s.into(),
        exit_code: code,
        ..Default::default()
    };
    p.add_exec(&["git"], out("git", 0));
    p.add_exec(&["git", "push"], out("push", 1));
    p.on_exec(|_, _| {
        Ok(ExecOutput {
            stdout: b"handler".to_vec(),
            ..Default::default()
        })
    });
    let run = |cmd: &[&str]| p.exec(cmd, &ExecOptions::default()).unwrap();
    assert_eq!(run(&["git", "push", "origin"]).stdout, b"push");
    assert_eq!(run(&["git", "status"]).stdout, b"git");
    assert_eq!(run(&["ls"]).stdout, b"handler");
    assert_eq!(run(&["git", "push"]).exit_code, 1);
    let changes: Vec<String> = (1..=4)
        .map(|i| p.get_change(&ChangeId(i.to_string())).unwrap().kind)
        .collect();
    assert_eq!(changes, ["exec", "exec", "exec", "exec"]);
}

#[test]
fn spawn_streams_and_records_signals() {
    let p = FakePebble::new();
    p.on_exec_stream(|_, _, io| {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(io.stdin), &mut line)?;
        write!(io.stdout, "echo: {line}")?;
        write!(io.stderr, "done")?;
        Ok(7)
    });
    let mut proc = p.spawn(&["cat"], &ExecOptions::default()).unwrap();
    proc.send_signal("SIGUSR1").unwrap();
    assert!(proc.send_signal("SIGNOPE").is_err());
    writeln!(proc.stdin().unwrap(), "hi").unwrap();
    let out = proc.wait_output().unwrap();
    assert_eq!(
        (
            out.stdout_str().as_str(),
            out.stderr_str().as_str(),
            out.exit_code
        ),
        ("echo: hi\n", "done", 7)
    );
    assert_eq!(
        p.signals(),
        [("SIGUSR1".to_string(), vec!["cat".to_string()])]
    );
    // Input given up front: no stdin handle, the handler reads it.
    let mut proc = p
        .spawn(
            &["cat"],
            &ExecOptions {
                stdin: Some(b"x\n".to_vec()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(proc.stdin().is_none());
    assert_eq!(proc.wait_output().unwrap().stdout, b"echo: x\n");
    // A handler's I/O error fails the exec's change.
    p.on_exec_stream(|_, _, _| Err(std::io::Error::other("broken")));
    let e = p.exec(&["x"], &ExecOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Change { err, .. } if err.contains("broken")),
        "{e}"
    );
}

#[test]
fn signals_need_running_services_and_checks_start_and_stop() {
    let p = FakePebble::new();
    let check = Check {
        r#override: Some(Override::Replace),
        tcp: Some(TcpCheck {
            port: Some(80),
            host: None,
        }),
        ..Check::default()
    };
    let off = Check {
        startup: Some(Startup::Disabled),
        ..check.clone()
    };
    p.add_layer(
        "l",
        &Layer::new()
            .service("web", svc("/bin/web"))
            .check("up", check)
            .check("off", off),
        false,
    )
    .unwrap();
    let e = p.send_signal("SIGHUP", &["web"]).unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"cannot send signal to "web": service is not running"#),
        "{e}"
    );
    p.start_services(&["web"]).unwrap();
    p.send_signal("SIGHUP", &["web"]).unwrap();
    assert!(
        p.send_signal("HUP", &["web"]).is_err(),
        "Pebble wants SIG names"
    );

    let status = |n: &str| p.get_check(n).unwrap().unwrap().status;
    assert_eq!(
        (status("up"), status("off")),
        (CheckStatus::Up, CheckStatus::Inactive)
    );
    assert_eq!(p.stop_checks(&["up", "off"]).unwrap(), ["up"]);
    assert_eq!(status("up"), CheckStatus::Inactive);
    assert_eq!(p.start_checks(&["up", "off"]).unwrap(), ["off", "up"]);
    assert_eq!(p.start_checks(&["up"]).unwrap(), Vec::<String>::new());
    let e = p.stop_checks(&["nope", "gone"]).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot stop checks: cannot find checks in plan: gone, nope"),
        "{e}"
    );
}

#[test]
fn notices_filter_and_notify_checks_keys() {
    let p = FakePebble::new();
    let id = p.notify("example.com/a", &BTreeMap::new(), None).unwrap();
    p.notify(
        "example.com/b",
        &BTreeMap::from([("k".into(), "v".into())]),
        None,
    )
    .unwrap();
    assert_eq!(
        p.notify("example.com/a", &BTreeMap::new(), None).unwrap(),
        id
    );
    assert_eq!(p.get_notice(&id).unwrap().occurrences, 2);
    let keys = |q: NoticesQuery| {
        p.get_notices(&q)
            .unwrap()
            .into_iter()
            .map(|n| n.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(NoticesQuery::new().keys(["example.com/b"])),
        ["example.com/b"]
    );
    assert!(keys(NoticesQuery::new().types(["warning"])).is_empty());
    assert_eq!(keys(NoticesQuery::new().types(["custom"])).len(), 2);
    assert!(p.notify("Not/A/Key", &BTreeMap::new(), None).is_err());
    assert!(p.get_notice("99").unwrap_err().is_not_found());
}

#[test]
fn list_patterns_itself_and_path_copies() {
    let p = FakePebble::new();
    let opts = PushOptions {
        make_dirs: true,
        ..Default::default()
    };
    p.push("/etc/a.conf", b"a", &opts).unwrap();
    p.push("/etc/b.yaml", b"b", &opts).unwrap();
    let names = |o: ListFilesOptions| {
        p.list_files_with("/etc", &o)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(ListFilesOptions {
            pattern: Some("*.conf".into()),
            ..Default::default()
        }),
        ["a.conf"]
    );
    assert_eq!(
        names(ListFilesOptions {
            pattern: Some("[ab].*".into()),
            ..Default::default()
        }),
        ["a.conf", "b.yaml"]
    );
    assert_eq!(
        names(ListFilesOptions {
            itself: true,
            ..Default::default()
        }),
        ["etc"]
    );
    assert!(p.is_dir("/etc").unwrap() && !p.is_dir("/etc/a.conf").unwrap());

    let out = tempfile::tempdir().unwrap();
    p.pull_path(&["/etc/*"], out.path()).unwrap();
    assert_eq!(std::fs::read(out.path().join("b.yaml")).unwrap(), b"b");
    p.push_path(&[out.path()], "/copy").unwrap();
    let dir = out
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        p.file(&format!("/copy/{dir}/a.conf")).as_deref(),
        Some(&b"a"[..])
    );
    let e = p
        .pull_path(&["/missing", "/etc/a.conf"], out.path())
        .unwrap_err();
    assert!(
        matches!(&e, Error::Multi { errors, .. } if errors.len() == 1 && errors[0].0 == "/missing"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("failed to pull one or more files (1 errors): /missing:"),
        "{e}"
    );
}
