//! Charm metadata: what a charm declares (endpoints, config options, actions), read from
//! `metadata.yaml` / `config.yaml` / `actions.yaml` or from `charmcraft.yaml`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Errors reading charm metadata.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("cannot parse {path}: {message}")]
    Yaml {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// Neither `metadata.yaml` nor `charmcraft.yaml` exists.
    #[error("{0}: no metadata.yaml or charmcraft.yaml in the charm directory")]
    Missing(String),
    /// The metadata is structurally wrong.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

pub use charm_catalogue::Role;

/// One declared endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Endpoint name (`db`).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Interface name (`postgresql_client`).
    pub interface: String,
    /// `limit:` if declared.
    pub limit: Option<u64>,
    /// `optional:`.
    pub optional: bool,
}

/// One config option (`config.options.<name>`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigOption {
    /// `string`, `int`, `float`, `boolean` or `secret`.
    pub kind: String,
    /// Default value, if any.
    pub default: Option<Value>,
}

/// One declared storage (`storage.<name>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageSpec {
    /// `filesystem` or `block`.
    pub kind: String,
    /// `location:` (where a filesystem is mounted in the charm container), if declared.
    pub location: Option<String>,
    /// How many instances Juju attaches at deploy: the low end of `multiple.range`
    /// (`2-`, `1-3`, `4`), else 1.
    pub count: u32,
}

/// One workload container (`containers.<name>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// `resource:`: the OCI image resource it runs.
    pub resource: Option<String>,
    /// `mounts:` as (storage name, location in the container).
    pub mounts: Vec<(String, String)>,
}

/// What a charm declares.
#[derive(Clone, Debug, Default)]
pub struct CharmMeta {
    /// Charm name.
    pub name: String,
    /// All endpoints, by name.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Config options, by name.
    pub config: BTreeMap<String, ConfigOption>,
    /// Workload containers (a Kubernetes charm's), by name.
    pub containers: BTreeMap<String, ContainerSpec>,
    /// Storage, by name, with what the simulator attaches.
    pub storages: BTreeMap<String, StorageSpec>,
    /// Actions, by name (the raw action body: description, params...).
    pub actions: BTreeMap<String, Value>,
    /// `extra-bindings` names.
    pub extra_bindings: Vec<String>,
    /// Declared storage names (`storage:`).
    pub storage: Vec<String>,
    /// Whether the charm is a subordinate.
    pub subordinate: bool,
}

pub(crate) fn read_yaml(path: &Path) -> Result<Value, MetaError> {
    let text = std::fs::read_to_string(path).map_err(|source| MetaError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_yaml(&text, &path.display().to_string())
}

pub(crate) fn parse_yaml(text: &str, what: &str) -> Result<Value, MetaError> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| MetaError::Yaml {
        path: what.to_string(),
        message: e.to_string(),
    })
}

impl CharmMeta {
    /// Read the metadata of the charm in `dir`: `metadata.yaml` (+ `config.yaml`,
    /// `actions.yaml`) if present, else `charmcraft.yaml`.
    pub fn load(dir: &Path) -> Result<CharmMeta, MetaError> {
        let md = dir.join("metadata.yaml");
        if md.exists() {
            let mut doc = read_yaml(&md)?;
            let obj = doc.as_object_mut().ok_or_else(|| MetaError::Invalid {
                path: md.display().to_string(),
                message: "not a mapping".into(),
            })?;
            let cfg = dir.join("config.yaml");
            if cfg.exists() && !obj.contains_key("config") {
                obj.insert("config".into(), read_yaml(&cfg)?);
            }
            let act = dir.join("actions.yaml");
            if act.exists() && !obj.contains_key("actions") {
                obj.insert("actions".into(), read_yaml(&act)?);
            }
            return CharmMeta::from_value(&doc, &md.display().to_string());
        }
        let cc = dir.join("charmcraft.yaml");
        if cc.exists() {
            return CharmMeta::from_value(&read_yaml(&cc)?, &cc.display().to_string());
        }
        Err(MetaError::Missing(dir.display().to_string()))
    }

    /// Build from a parsed `charmcraft.yaml` / merged `metadata.yaml` document.
    pub fn from_value(doc: &Value, what: &str) -> Result<CharmMeta, MetaError> {
        let invalid = |message: String| MetaError::Invalid {
            path: what.to_string(),
            message,
        };
        let obj = doc
            .as_object()
            .ok_or_else(|| invalid("not a mapping".into()))?;
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("missing `name`".into()))?
            .to_string();
        let mut meta = CharmMeta {
            name,
            subordinate: obj
                .get("subordinate")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..CharmMeta::default()
        };
        meta.endpoints = endpoints(obj, &invalid)?;
        meta.config = config_options(obj.get("config"));
        meta.containers = containers(obj.get("containers"), &invalid)?;
        meta.storages = storages(obj.get("storage"), &invalid)?;
        if let Some(acts) = obj.get("actions").and_then(Value::as_object) {
            for (name, body) in acts {
                meta.actions.insert(name.clone(), body.clone());
            }
        }
        if let Some(eb) = obj.get("extra-bindings").and_then(Value::as_object) {
            meta.extra_bindings = eb.keys().cloned().collect();
        }
        if let Some(st) = obj.get("storage").and_then(Value::as_object) {
            meta.storage = st.keys().cloned().collect();
        }
        Ok(meta)
    }

    /// Whether the charm is a Kubernetes (sidecar) charm: it declares containers.
    pub fn is_kubernetes(&self) -> bool {
        !self.containers.is_empty()
    }

    /// A config value given by the operator, as Juju stores it for its option's type, or
    /// Juju's error (`juju_model::config::coerce`, the rule of Juju's `ParseSettingsYAML`).
    pub fn coerce_config(&self, key: &str, value: Value) -> Result<Value, String> {
        let kind = self.config.get(key).map(|o| o.kind.as_str());
        juju_model::config::coerce(key, kind, &value)
    }
}

/// The endpoints under `peers`, `provides` and `requires`: each needs an interface, and a
/// name is declared once across the three.
fn endpoints(
    obj: &serde_json::Map<String, Value>,
    invalid: &dyn Fn(String) -> MetaError,
) -> Result<BTreeMap<String, Endpoint>, MetaError> {
    let mut out = BTreeMap::new();
    for role in Role::ALL {
        let key = role.section();
        let Some(eps) = obj.get(key) else { continue };
        let Some(eps) = eps.as_object() else {
            if eps.is_null() {
                continue;
            }
            return Err(invalid(format!("`{key}` is not a mapping")));
        };
        for (ep, body) in eps {
            let interface = body
                .get("interface")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("endpoint {ep:?} has no interface")))?
                .to_string();
            if out.contains_key(ep) {
                return Err(invalid(format!("endpoint {ep:?} declared twice")));
            }
            out.insert(
                ep.clone(),
                Endpoint {
                    name: ep.clone(),
                    role,
                    interface,
                    limit: body.get("limit").and_then(Value::as_u64),
                    optional: body
                        .get("optional")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                },
            );
        }
    }
    Ok(out)
}

/// The options under `config.options`; `type` defaults to `string`.
fn config_options(config: Option<&Value>) -> BTreeMap<String, ConfigOption> {
    let mut out = BTreeMap::new();
    if let Some(opts) = config
        .and_then(|c| c.get("options"))
        .and_then(Value::as_object)
    {
        for (name, body) in opts {
            let kind = body
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_string();
            let default = body.get("default").filter(|v| !v.is_null()).cloned();
            out.insert(name.clone(), ConfigOption { kind, default });
        }
    }
    out
}

/// `containers:` of the metadata.
fn containers(
    v: Option<&Value>,
    invalid: &dyn Fn(String) -> MetaError,
) -> Result<BTreeMap<String, ContainerSpec>, MetaError> {
    let mut out = BTreeMap::new();
    let Some(map) = v.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    let map = map
        .as_object()
        .ok_or_else(|| invalid("`containers` is not a mapping".into()))?;
    for (name, body) in map {
        let mut spec = ContainerSpec {
            resource: body
                .get("resource")
                .and_then(Value::as_str)
                .map(str::to_string),
            mounts: Vec::new(),
        };
        for m in body
            .get("mounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let storage = m.get("storage").and_then(Value::as_str);
            let location = m.get("location").and_then(Value::as_str);
            let (Some(storage), Some(location)) = (storage, location) else {
                return Err(invalid(format!(
                    "container {name:?}: a mount needs `storage` and `location`"
                )));
            };
            spec.mounts
                .push((storage.to_string(), location.to_string()));
        }
        out.insert(name.clone(), spec);
    }
    Ok(out)
}

/// `storage:` of the metadata.
fn storages(
    v: Option<&Value>,
    invalid: &dyn Fn(String) -> MetaError,
) -> Result<BTreeMap<String, StorageSpec>, MetaError> {
    let mut out = BTreeMap::new();
    let Some(map) = v.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    let map = map
        .as_object()
        .ok_or_else(|| invalid("`storage` is not a mapping".into()))?;
    for (name, body) in map {
        let kind = body
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("storage {name:?} has no type")))?
            .to_string();
        // `multiple: {range: 2-}`: Juju attaches the minimum at deploy.
        let range = body.get("multiple").and_then(|m| m.get("range"));
        let low = match range {
            None => "1".to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.split('-').next().unwrap_or("").trim().to_string(),
            Some(other) => return Err(invalid(format!("storage {name:?}: bad range {other}"))),
        };
        let count = if low.is_empty() {
            0
        } else {
            low.parse()
                .map_err(|_| invalid(format!("storage {name:?}: bad range {range:?}")))?
        };
        out.insert(
            name.clone(),
            StorageSpec {
                kind,
                location: body
                    .get("location")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                count,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_storage_are_read_with_their_mounts_and_counts() {
        let doc = parse_yaml(
            "name: web\ncontainers:\n  workload:\n    resource: image\n    mounts:\n      - {storage: data, location: /var/lib/web}\nstorage:\n  data: {type: filesystem, location: /data}\n  logs: {type: filesystem, multiple: {range: 2-}}\n  cache: {type: block, multiple: {range: '-4'}}\n",
            "t",
        )
        .unwrap();
        let meta = CharmMeta::from_value(&doc, "t").unwrap();
        assert!(meta.is_kubernetes());
        assert_eq!(
            meta.containers["workload"],
            ContainerSpec {
                resource: Some("image".into()),
                mounts: vec![("data".into(), "/var/lib/web".into())],
            }
        );
        assert_eq!(meta.storages["data"].location.as_deref(), Some("/data"));
        assert_eq!(
            [
                meta.storages["data"].count,
                meta.storages["logs"].count,
                meta.storages["cache"].count
            ],
            [1, 2, 0]
        );
        let bad = parse_yaml("name: x\ncontainers:\n  c: {mounts: [{storage: d}]}\n", "t").unwrap();
        assert!(CharmMeta::from_value(&bad, "t")
            .unwrap_err()
            .to_string()
            .contains("a mount needs `storage` and `location`"));
    }
}
