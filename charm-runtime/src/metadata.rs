//! The charm's declarations as data, and the `charmcraft.yaml` generated from them.
//!
//! `#[derive(Charm)]` builds a [`CharmMeta`]; the compiled charm prints
//! [`CharmMeta::charmcraft_yaml`] when run as `<charm> charmcraft-yaml`, and
//! `cargo charm yaml` writes it next to the crate. The binary is the one source.

use crate::action::ActionMeta;
use crate::config::ConfigOption;
use crate::relation::Role;
use crate::workload::{ContainerMeta, ResourceMeta, StorageMeta};
use crate::yaml::Node;

/// The scope of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every unit sees every remote unit (the default).
    Global,
    /// Subordinate relations: a unit sees only the units in its container.
    Container,
}

/// One declared endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointMeta {
    /// The name (`db`, `log-forwarder`).
    pub name: String,
    /// peers, provides or requires.
    pub role: Role,
    /// The interface name.
    pub interface: String,
    /// `limit:`, if declared.
    pub limit: Option<u32>,
    /// `optional: true`
    pub optional: bool,
    /// `scope:`, if declared.
    pub scope: Option<Scope>,
    /// `description:`, if declared.
    pub description: Option<String>,
}

/// Everything a charm declares.
#[derive(Debug, Clone, PartialEq)]
pub struct CharmMeta {
    /// `name:`
    pub name: String,
    /// `title:`
    pub title: Option<String>,
    /// `summary:`
    pub summary: String,
    /// `description:`
    pub description: String,
    /// `base:`, e.g. `ubuntu@24.04`.
    pub base: String,
    /// Architectures for `platforms:`.
    pub platforms: Vec<String>,
    /// The cargo binary that becomes `dispatch`.
    pub binary: String,
    /// `subordinate: true`
    pub subordinate: bool,
    /// `assumes:`
    pub assumes: Vec<String>,
    /// peers, provides and requires, in declaration order.
    pub endpoints: Vec<EndpointMeta>,
    /// `config.options`
    pub config: Vec<ConfigOption>,
    /// `actions:`
    pub actions: Vec<ActionMeta>,
    /// `storage:`
    pub storage: Vec<StorageMeta>,
    /// `containers:`
    pub containers: Vec<ContainerMeta>,
    /// `resources:`
    pub resources: Vec<ResourceMeta>,
}

impl CharmMeta {
    /// The endpoints of one role.
    pub fn endpoints(&self, role: Role) -> impl Iterator<Item = &EndpointMeta> {
        self.endpoints.iter().filter(move |e| e.role == role)
    }

    /// The `charmcraft.yaml` for this charm: what charmcraft 4.x packs, with the
    /// craft-parts `rust` plugin building the binary and `organize` making it `dispatch`.
    ///
    /// The `parts` section depends on where the charm's crate is, which the process
    /// learns from `CARGO_MANIFEST_DIR` (cargo sets it under `cargo test` and
    /// `cargo run`, `cargo charm` when it asks the binary): a crate that is its own
    /// workspace is built from `source: .`; a workspace member from the workspace root,
    /// with `rust-path` naming the member, so its `workspace = true` dependencies resolve.
    ///
    /// ```
    /// use charm_runtime::metadata::{CharmMeta, EndpointMeta};
    /// use charm_runtime::relation::Role;
    /// let meta = CharmMeta {
    ///     name: "demo".into(), title: None, summary: "A demo".into(),
    ///     description: "Demo charm.".into(), base: "ubuntu@24.04".into(),
    ///     platforms: vec!["amd64".into()], binary: "demo".into(), subordinate: false,
    ///     assumes: vec![], config: vec![], actions: vec![], storage: vec![],
    ///     containers: vec![], resources: vec![],
    ///     endpoints: vec![EndpointMeta {
    ///         name: "db".into(), role: Role::Requirer, interface: "postgresql_client".into(),
    ///         limit: Some(1), optional: false, scope: None, description: None,
    ///     }],
    /// };
    /// let yaml = meta.charmcraft_yaml();
    /// assert!(yaml.contains("requires:\n  db:\n    interface: postgresql_client\n    limit: 1\n"));
    /// assert!(yaml.contains("bin/demo: dispatch"));
    /// ```
    pub fn charmcraft_yaml(&self) -> String {
        let mut doc = self.identity();
        let member = std::env::var_os("CARGO_MANIFEST_DIR")
            .and_then(|dir| workspace_member(std::path::Path::new(&dir)));
        doc.push(("parts".into(), self.parts(member.as_deref())));
        for role in [Role::Peer, Role::Provider, Role::Requirer] {
            let eps: Vec<(String, Node)> = self
                .endpoints(role)
                .map(|e| (e.name.clone(), endpoint_node(e)))
                .collect();
            if !eps.is_empty() {
                doc.push((role.section().into(), Node::Map(eps)));
            }
        }
        if !self.containers.is_empty() {
            let containers = self
                .containers
                .iter()
                .map(|c| (c.name.clone(), container_node(c)))
                .collect();
            doc.push(("containers".into(), Node::Map(containers)));
        }
        if !self.resources.is_empty() {
            let resources = self
                .resources
                .iter()
                .map(|r| (r.name.clone(), resource_node(r)))
                .collect();
            doc.push(("resources".into(), Node::Map(resources)));
        }
        if !self.storage.is_empty() {
            let storage = self
                .storage
                .iter()
                .map(|st| (st.name.clone(), storage_node(st)))
                .collect();
            doc.push(("storage".into(), Node::Map(storage)));
        }
        if !self.config.is_empty() {
            let options = self
                .config
                .iter()
                .map(|o| (o.name.clone(), option_node(o)))
                .collect();
            doc.push((
                "config".into(),
                Node::Map(vec![("options".into(), Node::Map(options))]),
            ));
        }
        if !self.actions.is_empty() {
            let actions = self
                .actions
                .iter()
                .map(|a| (a.name.clone(), action_node(a)))
                .collect();
            doc.push(("actions".into(), Node::Map(actions)));
        }
        let mut out = format!(
            "# Generated from the declarations of the `{}` charm; do not edit.\n# Regenerate with `cargo charm yaml`.\n",
            self.name
        );
        out.push_str(&crate::yaml::to_string(&Node::Map(doc)));
        out
    }

    /// The document's head: name, type, title, summary, description, subordinate,
    /// assumes, base and platforms.
    fn identity(&self) -> Vec<(String, Node)> {
        let mut doc: Vec<(String, Node)> = vec![
            ("name".into(), Node::str(&self.name)),
            ("type".into(), Node::str("charm")),
        ];
        if let Some(title) = &self.title {
            doc.push(("title".into(), Node::str(title)));
        }
        doc.push(("summary".into(), Node::str(&self.summary)));
        let mut description = self.description.trim_end().to_string();
        description.push('\n');
        doc.push(("description".into(), Node::Str(description)));
        if self.subordinate {
            doc.push(("subordinate".into(), Node::Bool(true)));
        }
        if !self.assumes.is_empty() {
            doc.push((
                "assumes".into(),
                Node::Seq(self.assumes.iter().map(Node::str).collect()),
            ));
        }
        doc.push(("base".into(), Node::str(&self.base)));
        doc.push((
            "platforms".into(),
            Node::Map(
                self.platforms
                    .iter()
                    .map(|p| (p.clone(), Node::Null))
                    .collect(),
            ),
        ));
        doc
    }
}

fn container_node(c: &ContainerMeta) -> Node {
    let mut body = Vec::new();
    if let Some(r) = &c.resource {
        body.push(("resource".into(), Node::str(r)));
    }
    if !c.mounts.is_empty() {
        let mounts = c
            .mounts
            .iter()
            .map(|(storage, location)| {
                Node::Map(vec![
                    ("storage".into(), Node::str(storage)),
                    ("location".into(), Node::str(location)),
                ])
            })
            .collect();
        body.push(("mounts".into(), Node::Seq(mounts)));
    }
    Node::Map(body)
}

fn resource_node(r: &ResourceMeta) -> Node {
    let mut body = vec![("type".into(), Node::str(&r.kind))];
    if let Some(d) = &r.description {
        body.push(("description".into(), Node::str(d)));
    }
    if let Some(f) = &r.filename {
        body.push(("filename".into(), Node::str(f)));
    }
    Node::Map(body)
}

fn storage_node(s: &StorageMeta) -> Node {
    let mut body = vec![("type".into(), Node::str(&s.kind))];
    if let Some(d) = &s.description {
        body.push(("description".into(), Node::str(d)));
    }
    if let Some(l) = &s.location {
        body.push(("location".into(), Node::str(l)));
    }
    if let Some(m) = &s.multiple {
        body.push((
            "multiple".into(),
            Node::Map(vec![("range".into(), Node::str(m))]),
        ));
    }
    if let Some(m) = &s.minimum_size {
        body.push(("minimum-size".into(), Node::str(m)));
    }
    Node::Map(body)
}

fn option_node(o: &ConfigOption) -> Node {
    let mut body = vec![("type".into(), Node::str(o.kind.as_str()))];
    if let Some(d) = &o.default {
        body.push(("default".into(), Node::from_json(d)));
    }
    if !o.description.is_empty() {
        body.push(("description".into(), Node::str(&o.description)));
    }
    Node::Map(body)
}

fn action_node(a: &ActionMeta) -> Node {
    let mut body = vec![("description".into(), Node::str(&a.description))];
    if !a.params.is_empty() {
        body.push((
            "params".into(),
            Node::Map(
                a.params
                    .iter()
                    .map(|p| (p.name.clone(), Node::from_json(&p.schema)))
                    .collect(),
            ),
        ));
        let required: Vec<Node> = a
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| Node::str(&p.name))
            .collect();
        if !required.is_empty() {
            body.push(("required".into(), Node::Seq(required)));
        }
    }
    body.push(("additionalProperties".into(), Node::Bool(false)));
    Node::Map(body)
}

impl CharmMeta {
    /// `parts:`: the craft-parts `rust` plugin (`cargo install --locked --path
    /// <rust-path> --root <install dir>`, craft-parts' `plugins/rust_plugin.py`), which
    /// installs the binary as `bin/<binary>`, and `organize` making it `dispatch`.
    /// `member` is the crate's path in its workspace, `None` when it is its own.
    fn parts(&self, member: Option<&str>) -> Node {
        let mut part = vec![("plugin".into(), Node::str("rust"))];
        match member {
            None => part.push(("source".into(), Node::str("."))),
            Some(member) => {
                let up = vec![".."; member.split('/').count()].join("/");
                part.push(("source".into(), Node::Str(up)));
                part.push(("rust-path".into(), Node::Seq(vec![Node::str(member)])));
            }
        }
        part.push((
            "organize".into(),
            Node::Map(vec![(
                format!("bin/{}", self.binary),
                Node::str("dispatch"),
            )]),
        ));
        Node::Map(vec![("charm".into(), Node::Map(part))])
    }
}

/// The path of the crate in `dir` in the cargo workspace above it, with `/` separators;
/// `None` when the crate is its own workspace. The workspace root is the nearest
/// ancestor whose `Cargo.toml` has a `[workspace]` table, as cargo finds it.
fn workspace_member(dir: &std::path::Path) -> Option<String> {
    let has_workspace_table = |d: &std::path::Path| {
        std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|toml| {
            toml.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("[workspace]") || l.starts_with("[workspace.")
            })
        })
    };
    if has_workspace_table(dir) {
        return None;
    }
    let root = dir.ancestors().skip(1).find(|d| has_workspace_table(d))?;
    let member: Vec<String> = dir
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!member.is_empty()).then(|| member.join("/"))
}

fn endpoint_node(e: &EndpointMeta) -> Node {
    let mut body = vec![("interface".into(), Node::str(&e.interface))];
    if let Some(limit) = e.limit {
        body.push(("limit".into(), Node::Int(limit.into())));
    }
    if e.optional {
        body.push(("optional".into(), Node::Bool(true)));
    }
    if let Some(Scope::Container) = e.scope {
        body.push(("scope".into(), Node::str("container")));
    }
    if let Some(d) = &e.description {
        body.push(("description".into(), Node::str(d)));
    }
    Node::Map(body)
}

#[cfg(test)]
mod parts_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn parts_build_the_binary_with_the_rust_plugin() {
        let meta = CharmMeta {
            name: "web".into(),
            title: None,
            summary: "s".into(),
            description: "d".into(),
            base: "ubuntu@24.04".into(),
            platforms: vec!["amd64".into()],
            binary: "web".into(),
            subordinate: false,
            assumes: vec![],
            endpoints: vec![],
            config: vec![],
            actions: vec![],
            storage: vec![],
            containers: vec![],
            resources: vec![],
        };
        let render = |member| crate::yaml::to_string(&meta.parts(member));
        assert_eq!(
            render(None),
            "charm:\n  plugin: rust\n  source: '.'\n  organize:\n    bin/web: dispatch\n"
        );
        assert_eq!(
            render(Some("examples/web")),
            "charm:\n  plugin: rust\n  source: ../..\n  rust-path:\n  - examples/web\n  organize:\n    bin/web: dispatch\n"
        );
        assert!(render(Some("hello")).contains("  source: \"..\"\n  rust-path:\n  - hello\n"));
    }

    #[test]
    fn a_workspace_member_is_built_from_the_workspace_root() {
        let ws = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let p = ws.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "Cargo.toml",
            "[package]\nname = \"root\"\n\n[workspace]\nmembers = [\"examples/web\"]\n",
        );
        write("examples/web/Cargo.toml", "[package]\nname = \"web\"\n");
        write(
            "solo/Cargo.toml",
            "[package]\nname = \"solo\"\n\n[workspace]\n",
        );
        assert_eq!(
            workspace_member(&ws.path().join("examples/web")).as_deref(),
            Some("examples/web")
        );
        assert_eq!(workspace_member(ws.path()), None);
        assert_eq!(workspace_member(&ws.path().join("solo")), None);
        assert_eq!(workspace_member(Path::new("/nonexistent/crate")), None);
    }
}
