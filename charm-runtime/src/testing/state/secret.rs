//! Secrets as a test describes them: owner, revisions, grants.

use std::collections::{BTreeMap, BTreeSet};

use super::next_secret_id;
use crate::relation::RelationId;
use crate::secret::{RotatePolicy, SecretContent, SecretId};

/// Who owns a [`Secret`] in the [`State`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecretOwner {
    /// This application: every unit reads it, only the leader manages it.
    App,
    /// This unit.
    Unit,
    /// Another application: this unit reads it if it was granted access.
    #[default]
    Remote,
}

/// A secret in the [`State`]: content by revision, owner, labels, grants.
///
/// ```
/// use charm_runtime::SecretContent;
/// use charm_runtime::testing::Secret;
/// let s = Secret::new(SecretContent::new().with("password", "old"))
///     .new_revision(SecretContent::new().with("password", "new"))
///     .label("db-password");
/// assert_eq!(s.latest_revision(), 2);
/// assert_eq!(s.tracked_revision, 1);   // a consumer still sees "old" until it refreshes
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The id (fresh and unique in the test by default).
    pub id: SecretId,
    /// Who owns it.
    pub owner: SecretOwner,
    /// The content of each revision (at least one).
    pub revisions: BTreeMap<u64, SecretContent>,
    /// The revision this unit tracks (a consumer sees it until it refreshes; an owner
    /// always sees the latest).
    pub tracked_revision: u64,
    /// The label this unit knows it by (the owner's label, or this consumer's).
    pub label: Option<String>,
    /// The description (owner).
    pub description: Option<String>,
    /// For a [`Remote`](SecretOwner::Remote) secret: whether this unit was granted access.
    pub granted: bool,
    /// For an owned secret: relation id ⇒ who was granted access over it (the remote
    /// application's name, or unit names).
    pub grants: BTreeMap<RelationId, BTreeSet<String>>,
    /// For an owned secret: when it expires, as given to `--expire` (an RFC 3339 time or
    /// a Go duration).
    pub expire: Option<String>,
    /// For an owned secret: its rotation policy.
    pub rotate: Option<RotatePolicy>,
}

impl Secret {
    /// A secret owned by another application and granted to this unit, with one revision
    /// (`1`), tracked.
    pub fn new(content: SecretContent) -> Self {
        Secret {
            id: next_secret_id(),
            owner: SecretOwner::Remote,
            revisions: BTreeMap::from([(1, content)]),
            tracked_revision: 1,
            label: None,
            description: None,
            granted: true,
            grants: BTreeMap::new(),
            expire: None,
            rotate: None,
        }
    }
    /// Sets the rotation policy.
    pub fn rotate(mut self, policy: RotatePolicy) -> Self {
        self.rotate = Some(policy);
        self
    }
    /// Sets the id.
    pub fn id(mut self, id: SecretId) -> Self {
        self.id = id;
        self
    }
    /// Sets the owner.
    pub fn owner(mut self, owner: SecretOwner) -> Self {
        self.owner = owner;
        self
    }
    /// Owned by this application.
    pub fn app_owned(self) -> Self {
        self.owner(SecretOwner::App)
    }
    /// Owned by this unit.
    pub fn unit_owned(self) -> Self {
        self.owner(SecretOwner::Unit)
    }
    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Adds a revision (the latest), leaving the tracked revision where it is.
    pub fn new_revision(mut self, content: SecretContent) -> Self {
        let next = self.latest_revision() + 1;
        self.revisions.insert(next, content);
        self
    }
    /// A remote secret this unit was *not* granted.
    pub fn not_granted(mut self) -> Self {
        self.granted = false;
        self
    }
    /// Records a grant over `relation` to `to` (an application or unit name).
    pub fn grant(mut self, relation: RelationId, to: impl Into<String>) -> Self {
        self.grants.entry(relation).or_default().insert(to.into());
        self
    }
    /// The latest revision number.
    pub fn latest_revision(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }
    /// The latest content.
    pub fn latest_content(&self) -> Option<&SecretContent> {
        self.revisions.values().next_back()
    }
    /// The tracked revision's content.
    pub fn tracked_content(&self) -> Option<&SecretContent> {
        self.revisions.get(&self.tracked_revision)
    }
    /// Whether this unit or its application owns it.
    pub fn is_owned(&self) -> bool {
        self.owner != SecretOwner::Remote
    }

    /// How a consumer sees this owned secret, for chaining one charm's output into another
    /// charm's input: same id and revisions, owned by a remote application, tracking the
    /// latest revision, granted if the owner granted it over `relation` to `consumer` (a
    /// unit name) or to its application.
    ///
    /// ```
    /// use charm_runtime::{RelationId, SecretContent};
    /// use charm_runtime::testing::{Secret, SecretOwner};
    /// let owned = Secret::new(SecretContent::new().with("password", "x"))
    ///     .app_owned()
    ///     .grant(RelationId::new(3), "webapp");
    /// let seen = owned.consumer_view(RelationId::new(3), "webapp/1");
    /// assert_eq!(seen.owner, SecretOwner::Remote);
    /// assert!(seen.granted);
    /// assert!(!owned.consumer_view(RelationId::new(4), "webapp/1").granted);
    /// ```
    pub fn consumer_view(&self, relation: RelationId, consumer: &str) -> Secret {
        let app = consumer.split('/').next().unwrap_or(consumer);
        let granted = self
            .grants
            .get(&relation)
            .is_some_and(|to| to.contains(consumer) || to.contains(app));
        Secret {
            owner: SecretOwner::Remote,
            label: None,
            description: None,
            grants: BTreeMap::new(),
            expire: None,
            rotate: None,
            granted,
            tracked_revision: self.latest_revision(),
            ..self.clone()
        }
    }
}
