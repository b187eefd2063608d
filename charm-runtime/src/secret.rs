//! Juju secrets: ids, content that never prints, owners, and the [`Secret`] handle.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::error::Result;
use crate::model::{ModelInner, SecretOp};
use crate::relation::Relation;

/// A secret's id: `secret://<model-uuid>/<xid>` or `secret:<xid>`.
///
/// Two ids naming the same secret compare equal whatever their form.
///
/// ```
/// use charm_runtime::SecretId;
/// let a = SecretId::parse("secret://4b1b2b0c-7e4a-4c9e-9d1f-3a2b1c0d9e8f/cjhg2ok5jrbc769e4mkg").unwrap();
/// let b = SecretId::parse("secret:cjhg2ok5jrbc769e4mkg").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.xid(), "cjhg2ok5jrbc769e4mkg");
/// ```
#[derive(Clone, Eq)]
pub struct SecretId(String);

impl SecretId {
    /// Parses a secret URI; `None` if it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let xid = if let Some(rest) = s.strip_prefix("secret://") {
            rest.rsplit('/').next()?
        } else {
            s.strip_prefix("secret:")?
        };
        if xid.is_empty() || !xid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        Some(SecretId(s.to_string()))
    }
    /// The id as Juju printed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 20-character unique part.
    pub fn xid(&self) -> &str {
        self.0.rsplit(['/', ':']).next().unwrap_or(&self.0)
    }
}

impl PartialEq for SecretId {
    fn eq(&self, other: &Self) -> bool {
        self.xid() == other.xid()
    }
}

impl std::hash::Hash for SecretId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.xid().hash(state)
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretId({})", self.0)
    }
}

/// A secret's content: keys and values. Its `Debug` shows the keys only, never a value.
///
/// ```
/// use charm_runtime::SecretContent;
/// let c = SecretContent::new().with("username", "app").with("password", "hunter2");
/// assert_eq!(c.get("password"), Some("hunter2"));
/// let shown = format!("{c:?}");
/// assert!(!shown.contains("hunter2"));
/// assert!(shown.contains("password"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Empty content.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a key (builder style).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }
    /// Sets a key.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }
    /// A value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// A value that must be there: the error names the key, never the content.
    pub fn require(&self, key: &str) -> Result<&str> {
        self.get(key).ok_or_else(|| {
            crate::Error::msg(format!(
                "secret content has no key `{key}` (keys: {})",
                self.keys().collect::<Vec<_>>().join(", ")
            ))
        })
    }
    /// The keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
    /// Keys and values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Checks Juju's rules: at least one key; keys of 3+ chars `[a-z]` then `[a-z0-9-]`.
    pub fn validate(&self) -> Result<()> {
        if self.0.is_empty() {
            return Err(crate::Error::msg(
                "secret content must have at least one key",
            ));
        }
        for key in self.0.keys() {
            let ok = key.len() >= 3
                && key.starts_with(|c: char| c.is_ascii_lowercase())
                && !key.ends_with('-')
                && !key.contains("--")
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(crate::Error::msg(format!(
                    "invalid secret key `{key}`: keys are 3+ characters of a-z, 0-9 and single dashes, starting with a letter"
                )));
            }
        }
        Ok(())
    }
}

impl From<BTreeMap<String, String>> for SecretContent {
    fn from(map: BTreeMap<String, String>) -> Self {
        SecretContent(map)
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

/// Who owns a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// The application (only the leader may create or change it).
    Application,
    /// This unit.
    Unit,
}

/// Which revision a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretRead {
    /// The revision this unit tracks (the latest, the first time).
    Tracked,
    /// The latest revision, without tracking it.
    Peek,
    /// The latest revision, and track it from now on.
    Refresh,
}

/// A secret to create.
#[derive(Debug, Clone)]
pub struct NewSecret {
    /// The content.
    pub content: SecretContent,
    /// The owner.
    pub owner: SecretOwner,
    /// The owner's label.
    pub label: Option<String>,
    /// A description.
    pub description: Option<String>,
}

/// What `secret-info-get` says about a secret this unit owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The id (xid form as Juju keys it).
    pub id: String,
    /// The latest revision.
    pub revision: u64,
    /// The owner label.
    pub label: Option<String>,
}

impl SecretInfo {
    pub(crate) fn from_info_get(map: &BTreeMap<String, serde_json::Value>) -> Option<Self> {
        let (id, info) = map.iter().next()?;
        Some(SecretInfo {
            id: id.clone(),
            revision: info.get("revision")?.as_u64()?,
            label: info
                .get("label")
                .and_then(|l| l.as_str())
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        })
    }
}

/// `secret-set <id>` with new content, as the flush sends it. Juju before 3.6 drops the
/// owner's label of a secret when `secret-set` comes without `--label`
/// ([LP#2081034](https://bugs.launchpad.net/juju/+bug/2081034)): there, as `ops` does
/// (`_ModelBackend.secret_set` in canonical/operator's `ops/model.py`), the label is read
/// first with `secret-info-get` and sent again.
pub(crate) fn set_content(
    model: &ModelInner,
    id: &SecretId,
    content: &SecretContent,
) -> Result<()> {
    let label = match juju_before(&model.env.juju_version, 3, 6) {
        true => model.tools.secret_info_get(Some(id), None)?.label,
        false => None,
    };
    model.tools.secret_set(id, Some(content), label.as_deref())
}

/// Whether Juju `version` (`JUJU_VERSION`: `3.5.4`, `3.6-beta2`, `2.9.42.1`) is older
/// than `major.minor`. A version that does not parse (`0.0.0` when unset) is older.
fn juju_before(version: &str, major: u64, minor: u64) -> bool {
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(ma), Some(mi)) => (ma, mi) < (major, minor),
        _ => true,
    }
}

/// A handle on a secret, from [`Context::add_app_secret`](crate::Context::add_app_secret),
/// [`Context::add_unit_secret`](crate::Context::add_unit_secret),
/// [`Context::secret`](crate::Context::secret) or
/// [`Context::secret_by_label`](crate::Context::secret_by_label).
///
/// Reads go to Juju when asked; nothing is cached that could go stale.
#[derive(Clone)]
pub struct Secret {
    pub(crate) model: Rc<ModelInner>,
    pub(crate) id: Option<SecretId>,
    pub(crate) label: Option<String>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("label", &self.label)
            .finish()
    }
}

impl Secret {
    /// The id, if known (a secret looked up by label alone has none until read).
    pub fn id(&self) -> Option<&SecretId> {
        self.id.as_ref()
    }
    /// The label this handle was looked up or created with.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    fn require_id(&self) -> Result<SecretId> {
        if let Some(id) = &self.id {
            return Ok(id.clone());
        }
        let info = self.info()?;
        SecretId::parse(&format!(
            "secret:{}",
            info.id.rsplit(['/', ':']).next().unwrap_or("")
        ))
        .ok_or_else(|| {
            crate::Error::msg(format!("secret-info-get returned a bad id {:?}", info.id))
        })
    }

    /// The content of the revision this unit tracks (pins the latest on first read).
    pub fn content(&self) -> Result<SecretContent> {
        self.read(SecretRead::Tracked)
    }
    /// The latest content, without moving this unit's tracking.
    pub fn peek_content(&self) -> Result<SecretContent> {
        self.read(SecretRead::Peek)
    }
    /// The latest content, and track it from now on.
    pub fn refresh_content(&self) -> Result<SecretContent> {
        self.read(SecretRead::Refresh)
    }
    fn read(&self, read: SecretRead) -> Result<SecretContent> {
        if read == SecretRead::Refresh || (self.id.is_some() && self.label.is_some()) {
            // Moves this unit's tracking, or labels the secret: Juju commits it with the hook.
            self.model.sent_pending.set(true);
        }
        self.model
            .tools
            .secret_get(self.id.as_ref(), self.label.as_deref(), read)
    }

    /// Owner only: what Juju knows of this secret (latest revision, label).
    ///
    /// Asks by id when the handle has one, else by label: `secret-info-get` refuses both
    /// at once ("specify either a secret URI or label but not both", `secret-info-get.go`
    /// in juju/juju), and a handle from [`add_app_secret`](crate::Context::add_app_secret)
    /// with a label has both.
    pub fn info(&self) -> Result<SecretInfo> {
        let label = match self.id {
            Some(_) => None,
            None => self.label.as_deref(),
        };
        self.model.tools.secret_info_get(self.id.as_ref(), label)
    }

    /// Owner only: a new revision with this content. Applied when the hook succeeds, as
    /// Juju does (a failed hook changes no secret).
    pub fn set_content(&self, content: SecretContent) -> Result<()> {
        content.validate()?;
        let id = self.require_id()?;
        self.model.push_secret_op(SecretOp::Set(id, content));
        Ok(())
    }

    /// Owner only: let the remote application of `relation` read this secret, or only
    /// `unit` of it. Applied when the hook succeeds.
    pub fn grant(&self, relation: &Relation, unit: Option<&str>) -> Result<()> {
        let id = self.require_id()?;
        self.model
            .push_secret_op(SecretOp::Grant(id, relation.id(), unit.map(str::to_string)));
        Ok(())
    }

    /// Owner only: take back a grant. Applied when the hook succeeds.
    pub fn revoke(&self, relation: &Relation, unit: Option<&str>) -> Result<()> {
        let id = self.require_id()?;
        self.model.push_secret_op(SecretOp::Revoke(
            id,
            relation.id(),
            unit.map(str::to_string),
        ));
        Ok(())
    }

    /// Owner only: remove the secret, every revision. Applied when the hook succeeds.
    pub fn remove_all_revisions(&self) -> Result<()> {
        let id = self.require_id()?;
        self.model.push_secret_op(SecretOp::Remove(id, None));
        Ok(())
    }

    /// Owner only: remove one revision (in `secret-remove`, once no consumer tracks it).
    /// Applied when the hook succeeds.
    pub fn remove_revision(&self, revision: u64) -> Result<()> {
        let id = self.require_id()?;
        self.model
            .push_secret_op(SecretOp::Remove(id, Some(revision)));
        Ok(())
    }
}
