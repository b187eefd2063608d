//! Juju secrets: ids, content that never prints, owners, and the [`Secret`] handle.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::error::Result;
use crate::model::{ModelInner, SecretOp};
use crate::relation::Relation;

/// A secret's id, in one of the two forms Juju issues: `secret:<xid>` or
/// `secret://<model uuid>/<xid>`.
///
/// `<xid>` is an [xid](https://github.com/rs/xid): 20 characters of lowercase base32hex
/// (`0-9`, `a-v`) encoding 96 bits, so the last character carries 4 zero bits and is `0`
/// or `g`. The model UUID is lowercase hex, `8-4-4-4-12`. The rules are those of Juju's
/// `ParseURI` (`core/secrets/secret.go` in juju/juju: the UUID pattern, the 20-character id
/// decoded by rs/xid's `FromString`, which refuses a last character that does not decode
/// back to itself); of the other spellings `ParseURI` takes (a bare `<xid>`,
/// `secret:<uuid>/<xid>`) Juju prints none, and neither is accepted here. Nothing is
/// trimmed.
///
/// An id usually arrives in a databag a related application wrote: untrusted. A value
/// that is not an id Juju would issue is refused here, before it reaches `secret-get`
/// (where it would fail the hook, and every retry of it). Read such ids with
/// [`DataBag::get_secret`](crate::DataBag::get_secret), which also ties each id to the
/// relation it arrived on.
///
/// Two ids naming the same secret compare equal whatever their form.
///
/// ```
/// use charm_runtime::SecretId;
/// let a = SecretId::parse("secret://4b1b2b0c-7e4a-4c9e-9d1f-3a2b1c0d9e8f/cjhg2ok5jrbc769e4mkg").unwrap();
/// let b = SecretId::parse("secret:cjhg2ok5jrbc769e4mkg").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.xid(), "cjhg2ok5jrbc769e4mkg");
/// // Not ids Juju issues:
/// for bad in ["secret:abc", "secret://junk/cjhg2ok5jrbc769e4mkg", "cjhg2ok5jrbc769e4mkg",
///             "secret:cjhg2ok5jrbc769e4mkh", " secret:cjhg2ok5jrbc769e4mkg"] {
///     assert_eq!(SecretId::parse(bad), None, "{bad}");
/// }
/// ```
#[derive(Clone, Eq)]
pub struct SecretId(String);

/// The length of an xid in characters.
const XID_LEN: usize = 20;

/// Whether `s` is an xid as rs/xid's `FromString` decodes it: 20 characters of `0-9a-v`,
/// the last one `0` or `g` (its low 4 bits are padding and must be zero).
fn is_xid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == XID_LEN
        && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'v'))
        && matches!(b[XID_LEN - 1], b'0' | b'g')
}

/// Whether `s` matches Juju's `uuidSnippet`: lowercase hex in groups of 8-4-4-4-12.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len && g.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        })
}

impl SecretId {
    /// Parses a secret id in a form Juju issues; `None` if it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        let xid = match s.strip_prefix("secret://") {
            Some(rest) => {
                let (uuid, xid) = rest.split_once('/')?;
                if !is_uuid(uuid) {
                    return None;
                }
                xid
            }
            None => s.strip_prefix("secret:")?,
        };
        is_xid(xid).then(|| SecretId(s.to_string()))
    }
    /// The id as Juju printed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 20-character unique part.
    pub fn xid(&self) -> &str {
        &self.0[self.0.len() - XID_LEN..]
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
    /// When it expires (`secret-expired` tells the owner).
    pub expire: Option<SecretExpiry>,
    /// How often it should be rotated (`secret-rotate` tells the owner).
    pub rotate: Option<RotatePolicy>,
}

/// How often an owner should rotate a secret: Juju fires `secret-rotate` at the owner
/// (the leader, for an application secret) when a rotation is due, and again until a new
/// revision is made (`core/secrets`, `RotatePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RotatePolicy {
    /// Never.
    Never,
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
    /// Every year.
    Yearly,
}

impl RotatePolicy {
    /// The name `--rotate` takes and `secret-info-get` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }

    /// The policy named `s`.
    pub fn parse(s: &str) -> Option<RotatePolicy> {
        [
            RotatePolicy::Never,
            RotatePolicy::Hourly,
            RotatePolicy::Daily,
            RotatePolicy::Weekly,
            RotatePolicy::Monthly,
            RotatePolicy::Quarterly,
            RotatePolicy::Yearly,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// When a secret's current revision expires: Juju fires `secret-expired` at the owner.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use charm_runtime::secret::SecretExpiry;
/// assert_eq!(SecretExpiry::In(Duration::from_secs(90)).to_arg(), "90s");
/// let at = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
/// assert_eq!(SecretExpiry::At(at).to_arg(), "2030-03-17T17:46:40Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretExpiry {
    /// After this long (from the hook).
    In(std::time::Duration),
    /// At this time.
    At(std::time::SystemTime),
}

impl SecretExpiry {
    /// What `--expire` is given: a Go duration in seconds, or an RFC 3339 time in UTC.
    pub fn to_arg(&self) -> String {
        match self {
            SecretExpiry::In(d) => format!("{}s", d.as_secs().max(1)),
            SecretExpiry::At(t) => {
                let secs = t
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                rfc3339_utc(secs)
            }
        }
    }
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (the civil-from-days algorithm of
/// H. Hinnant's `chrono`-compatible date library).
fn rfc3339_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What an owner says about a secret besides its content: label, description, expiry,
/// rotation. For [`Context::add_app_secret_with`](crate::Context::add_app_secret_with),
/// [`Context::add_unit_secret_with`](crate::Context::add_unit_secret_with) and
/// [`Secret::set_info`]; what is left `None` is not changed.
///
/// ```
/// use charm_runtime::secret::{RotatePolicy, SecretMeta};
/// let meta = SecretMeta::new().label("db-admin").rotate(RotatePolicy::Monthly);
/// assert_eq!(meta.rotate, Some(RotatePolicy::Monthly));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMeta {
    /// The owner's label.
    pub label: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// When it expires.
    pub expire: Option<SecretExpiry>,
    /// How often it should be rotated.
    pub rotate: Option<RotatePolicy>,
}

impl SecretMeta {
    /// Nothing set.
    pub fn new() -> SecretMeta {
        SecretMeta::default()
    }
    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Sets the expiry.
    pub fn expire(mut self, expire: SecretExpiry) -> Self {
        self.expire = Some(expire);
        self
    }
    /// Sets the rotation policy.
    pub fn rotate(mut self, rotate: RotatePolicy) -> Self {
        self.rotate = Some(rotate);
        self
    }
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &SecretMeta::default()
    }
}

/// What `secret-info-get` says about a secret this unit owns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretInfo {
    /// The id (xid form as Juju keys it).
    pub id: String,
    /// The latest revision.
    pub revision: u64,
    /// The owner label.
    pub label: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// When the current revision expires (RFC 3339), if it does.
    pub expiry: Option<String>,
    /// The rotation policy.
    pub rotation: Option<RotatePolicy>,
}

impl SecretInfo {
    pub(crate) fn from_info_get(map: &BTreeMap<String, serde_json::Value>) -> Option<Self> {
        let (id, info) = map.iter().next()?;
        let text = |key: &str| {
            info.get(key)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Some(SecretInfo {
            id: id.clone(),
            revision: info.get("revision")?.as_u64()?,
            label: text("label"),
            description: text("description"),
            expiry: text("expiry"),
            rotation: text("rotation").as_deref().and_then(RotatePolicy::parse),
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
    // A version that does not parse (`0.0.0` when unset) is taken as an old one.
    let keeps_label = model
        .env
        .juju_version
        .parse::<crate::version::JujuVersion>()
        .is_ok_and(|v| v.secret_set_keeps_metadata());
    let label = match keeps_label {
        false => model.tools.secret_info_get(Some(id), None)?.label,
        true => None,
    };
    model.tools.secret_set(id, Some(content), label.as_deref())
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

    /// This secret (known by its id), with the label this unit knows it by from now on:
    /// the next read is `secret-get <id> --label <label>`, which gives it the label (a
    /// consumer's own label, or the owner's). The secret events carry it then
    /// (`JUJU_SECRET_LABEL`): that is how a library maps a secret back to the relation it
    /// came with. A handle without an id looks the secret up by the label alone.
    pub fn with_label(mut self, label: impl Into<String>) -> Secret {
        self.label = Some(label.into());
        self
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

    /// Owner only: changes the label, description, expiry or rotation policy (what
    /// `meta` sets), not the content (`secret-set` without content). Applied when the hook
    /// succeeds.
    pub fn set_info(&self, meta: &SecretMeta) -> Result<()> {
        if meta.is_empty() {
            return Ok(());
        }
        let id = self.require_id()?;
        self.model
            .push_secret_op(SecretOp::SetInfo(id, meta.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    const XID: &str = "cjhg2ok5jrbc769e4mkg";
    const UUID: &str = "4b1b2b0c-7e4a-4c9e-9d1f-3a2b1c0d9e8f";

    #[test]
    fn the_two_forms_juju_issues_parse() {
        for id in [format!("secret:{XID}"), format!("secret://{UUID}/{XID}")] {
            let parsed = SecretId::parse(&id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(parsed.as_str(), id);
            assert_eq!(parsed.xid(), XID);
        }
        // Every base32hex character, and the two possible last ones.
        assert!(SecretId::parse("secret:0123456789abcdefghij").is_none()); // ends in `j`
        assert!(SecretId::parse("secret:0123456789abcdefghi0").is_some());
        assert!(SecretId::parse("secret:klmnopqrstuvklmnopqg").is_some());
    }

    #[test]
    fn anything_else_is_refused() {
        let long = format!("secret:{}", "a".repeat(140_000));
        let bad = [
            String::new(),
            "secret:".into(),
            "secret:abc".into(),
            "secret://".into(),
            format!("secret://junk/{XID}"),
            format!("secret://{UUID}/"),
            format!("secret://{UUID}"),
            format!("secret://{}/{XID}", UUID.to_uppercase()),
            format!("secret://{UUID}/{UUID}/{XID}"),
            format!("secret://{UUID}/{XID}/"),
            format!("secret://{UUID}/{XID}#password"),
            format!("secret:{UUID}/{XID}"), // ParseURI takes it; Juju never prints it
            XID.into(),                     // likewise
            format!("secret:{}", XID.to_uppercase()),
            format!("secret:{XID} "),
            format!(" secret:{XID}"),
            format!("secret:{XID}\n"),
            format!("secret:{}", &XID[..19]),
            format!("secret:{XID}0"),
            "secret:cjhg2ok5jrbc769e4mkh".into(), // last character not `0` or `g`
            "secret:wxyz2ok5jrbc769e4mkg".into(), // `w`..`z` are not base32hex
            "secret:cjhg2ok5jrbc769e4mké".into(),
            "\"secret:cjhg2ok5jrbc769e4mkg\"".into(),
            long,
        ];
        for id in &bad {
            assert_eq!(SecretId::parse(id), None, "{:?}", &id[..id.len().min(80)]);
        }
    }

    #[test]
    fn forms_compare_by_xid() {
        let a = SecretId::parse(&format!("secret:{XID}")).unwrap();
        let b = SecretId::parse(&format!("secret://{UUID}/{XID}")).unwrap();
        assert_eq!(a, b);
        let c = SecretId::parse("secret:cjhg2ok5jrbc769e4mk0").unwrap();
        assert_ne!(a, c);
    }
}
