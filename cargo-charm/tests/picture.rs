//! The model as a picture (`Model::to_svg`, `cargo charm sim --svg`): parsed as XML, it
//! holds the applications with their scale and status in `juju status` colours, the
//! integrations labelled `endpoint:interface`, and one timeline lane per unit with a bar
//! per hook it ran, the failed ones red.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use cargo_charm::sim::{Config, SettleOptions};
use common::{charm, fixture, model};

/// `juju status`'s colours (`cmd/output/output.go`): good, busy, bad.
const GREEN: &str = "#2e8540";
const RED: &str = "#cc2929";

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name)
        .unwrap_or_else(|| panic!("no {name} on {n:?}"))
}

fn with_class<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    class: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    doc.descendants()
        .filter(move |n| n.attribute("class") == Some(class))
}

#[test]
fn the_picture_shows_apps_integrations_and_each_unit_s_hooks() {
    let mut m = model("picture");
    m.deploy("provider", fixture("provider"), 2, Config::new())
        .unwrap();
    m.deploy("requirer", fixture("requirer"), 1, Config::new())
        .unwrap();
    m.integrate("requirer:db", "provider:db").unwrap();
    let broken = charm("name: broken\n", "echo 'no database' >&2; exit 1");
    m.deploy("broken", broken.path(), 1, Config::new()).unwrap();
    let _ = m.settle_with(&SettleOptions {
        max_retries: 0,
        ..SettleOptions::default()
    });
    let svg = m.to_svg();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    // Self-contained: nothing loaded from elsewhere.
    assert!(!svg.contains("href") && !svg.contains("<script"), "{svg}");

    // Applications: scale, status, colour.
    let apps: BTreeMap<&str, (&str, &str, &str)> = with_class(&doc, "app")
        .map(|g| {
            let frame = g.children().find(|c| c.has_tag_name("rect")).unwrap();
            (
                attr(g, "data-app"),
                (
                    attr(g, "data-status"),
                    attr(g, "data-scale"),
                    attr(frame, "stroke"),
                ),
            )
        })
        .collect();
    assert_eq!(
        apps,
        BTreeMap::from([
            ("broken", ("error", "1", RED)),
            ("provider", ("active", "2", GREEN)),
            ("requirer", ("active", "1", GREEN)),
        ])
    );
    let units: Vec<(&str, &str)> = with_class(&doc, "unit")
        .map(|u| (attr(u, "data-unit"), attr(u, "data-status")))
        .collect();
    assert_eq!(
        units,
        [
            ("broken/0", "error"),
            ("provider/0", "active"),
            ("provider/1", "active"),
            ("requirer/0", "active")
        ]
    );
    let text_of = |n: roxmltree::Node| {
        n.descendants()
            .filter(|t| t.is_text())
            .map(|t| t.text().unwrap_or(""))
            .collect::<String>()
    };
    let leader = with_class(&doc, "unit")
        .find(|u| attr(*u, "data-unit") == "provider/0")
        .unwrap();
    assert!(
        text_of(leader).starts_with("provider/0*"),
        "{}",
        text_of(leader)
    );
    let peers: Vec<String> = with_class(&doc, "peer").map(text_of).collect();
    assert_eq!(peers, ["peers peers:provider_peers"]);

    // The integration, labelled endpoint:interface.
    let edges: Vec<(&str, &str, String)> = with_class(&doc, "integration")
        .map(|e| {
            (
                attr(e, "data-endpoints"),
                attr(e, "data-interface"),
                text_of(e),
            )
        })
        .collect();
    assert_eq!(
        edges,
        [("provider:db requirer:db", "testdb", "db:testdb".to_string())]
    );

    // One lane per unit, one bar per hook it ran, in order; the failed one red.
    let lanes: BTreeMap<&str, Vec<(&str, &str)>> = with_class(&doc, "lane")
        .map(|l| {
            let hooks = l
                .children()
                .filter(|c| c.attribute("data-hook").is_some())
                .map(|c| (attr(c, "data-hook"), attr(c, "class")))
                .collect();
            (attr(l, "data-unit"), hooks)
        })
        .collect();
    for unit in ["provider/0", "provider/1", "requirer/0", "broken/0"] {
        let expected: Vec<&str> = m
            .history()
            .iter()
            .filter(|r| r.unit == unit)
            .map(|r| r.hook.as_str())
            .collect();
        let drawn: Vec<&str> = lanes[unit].iter().map(|h| h.0).collect();
        assert_eq!(drawn, expected, "{unit}");
    }
    assert_eq!(lanes["broken/0"], [("install", "hook failed")]);
    let failed = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("hook failed"))
        .unwrap();
    assert_eq!(attr(failed, "fill"), RED);
    let tip = text_of(failed);
    assert!(tip.starts_with("broken/0 install: exit 1, "), "{tip}");
    assert!(lanes["provider/0"]
        .iter()
        .all(|(_, class)| *class == "hook ok"));
}

#[test]
fn cargo_charm_sim_svg_writes_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.svg");
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .env("CARGO_CHARM_BIN", env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "sim"])
        .arg(fixture("model.yaml"))
        .arg("--svg")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let apps: Vec<&str> = with_class(&doc, "app")
        .map(|g| attr(g, "data-app"))
        .collect();
    assert_eq!(apps, ["provider", "requirer"]);
    assert_eq!(with_class(&doc, "lane").count(), 4);
}
