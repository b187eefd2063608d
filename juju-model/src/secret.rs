//! Secrets as the controller keeps them: owner, revisions, grants, and what each consumer
//! unit tracks (`core/secrets`, `domain/secret` in Juju).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Bag;
use crate::names::app_of;

/// Every secret the unit may know about, by id (`xid`).
pub type Secrets = BTreeMap<String, Secret>;

/// Who owns a secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// An application (its leader manages the secret).
    App(String),
    /// A unit.
    Unit(String),
}

impl Owner {
    /// The application or unit name.
    pub fn name(&self) -> &str {
        match self {
            Owner::App(n) | Owner::Unit(n) => n,
        }
    }
    /// `application` or `unit`, as `secret-info-get` prints the owner.
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::App(_) => "application",
            Owner::Unit(_) => "unit",
        }
    }
}

/// Who a secret was granted to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// Every unit of an application.
    App(String),
    /// One unit.
    Unit(String),
}

impl Grantee {
    /// The application or unit name.
    pub fn name(&self) -> &str {
        match self {
            Grantee::App(n) | Grantee::Unit(n) => n,
        }
    }
    /// The grantee's tag (`application-db`, `unit-db-0`), as `secret-info-get` prints it.
    pub fn tag(&self) -> String {
        match self {
            Grantee::App(a) => format!("application-{a}"),
            Grantee::Unit(u) => format!("unit-{}", u.replace('/', "-")),
        }
    }
    /// Whether it covers `unit` of application `app`.
    pub fn covers(&self, app: &str, unit: &str) -> bool {
        match self {
            Grantee::App(a) => a == app,
            Grantee::Unit(u) => u == unit,
        }
    }
}

/// What a grant is scoped to: a charm grants over a relation (the grant goes with it); a
/// user grants a user secret to an application in the whole model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A relation, by id.
    Relation(u32),
    /// The model.
    Model,
}

/// One grant: who may read the secret, and in which scope.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The scope.
    pub scope: Scope,
    /// Who may read.
    pub to: Grantee,
}

/// What a consumer unit knows of a secret it reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// The consumer's label for it.
    pub label: Option<String>,
    /// The revision it tracks (reads without `--peek`/`--refresh`).
    pub tracked: u64,
    /// The latest revision it was told about with `secret-changed`.
    pub notified: u64,
}

/// One secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The 20-character id.
    pub xid: String,
    /// The owner.
    pub owner: Owner,
    /// The owner's label.
    pub label: Option<String>,
    /// The owner's description.
    pub description: Option<String>,
    /// When it expires, as given to `--expire`.
    pub expire: Option<String>,
    /// The rotation policy (`hourly`, ...).
    pub rotate: Option<String>,
    /// The content of each revision still kept.
    pub revisions: BTreeMap<u64, Bag>,
    /// The latest revision number (revisions are never reused).
    pub latest: u64,
    /// Who may read it.
    pub grants: BTreeSet<Grant>,
    /// The consumer units that read it, by unit name.
    pub consumers: BTreeMap<String, Consumer>,
    /// Obsolete revisions the owner was told about (`secret-remove` hooks).
    pub remove_notified: BTreeSet<u64>,
    /// Whether a rotation is due (the owner gets `secret-rotate`).
    pub rotate_due: bool,
    /// Revisions that expired and the owner has not been told of (`secret-expired`).
    pub expired: BTreeSet<u64>,
}

impl Secret {
    /// A new secret: revision 1 with `content`, no label, no grant.
    pub fn new(xid: impl Into<String>, owner: Owner, content: Bag) -> Secret {
        Secret {
            xid: xid.into(),
            owner,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            revisions: BTreeMap::from([(1, content)]),
            latest: 1,
            grants: BTreeSet::new(),
            consumers: BTreeMap::new(),
            remove_notified: BTreeSet::new(),
            rotate_due: false,
            expired: BTreeSet::new(),
        }
    }

    /// Whether `unit` (of `app`) or its application owns it.
    pub fn owned_by(&self, app: &str, unit: &str) -> bool {
        match &self.owner {
            Owner::App(a) => a == app,
            Owner::Unit(u) => u == unit,
        }
    }

    /// Whether `unit` (of `app`) was granted it (the owner needs no grant).
    pub fn granted_to(&self, app: &str, unit: &str) -> bool {
        self.grants.iter().any(|g| g.to.covers(app, unit))
    }

    /// The latest revision's content.
    pub fn latest_content(&self) -> Option<&Bag> {
        self.revisions.get(&self.latest)
    }

    /// Adds a grant as a charm's `secret-grant` does (`HookContext.GrantSecret` in
    /// `internal/worker/uniter/runner/context/context.go`): nothing to do when the
    /// grantee, or its whole application, already has one in that scope; an application
    /// grant over unit grants of the same application is refused.
    pub fn add_grant(&mut self, grant: Grant) -> Result<(), &'static str> {
        for g in self.grants.iter().filter(|g| g.scope == grant.scope) {
            if g.to == grant.to || matches!(&g.to, Grantee::App(a) if a == app_of(grant.to.name()))
            {
                return Ok(());
            }
            if let (Grantee::Unit(u), Grantee::App(a)) = (&g.to, &grant.to) {
                if app_of(u) == a {
                    return Err("any unit level grants need to be revoked before granting access to the corresponding application");
                }
            }
        }
        self.grants.insert(grant);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(rel: u32, to: Grantee) -> Grant {
        Grant {
            scope: Scope::Relation(rel),
            to,
        }
    }

    #[test]
    fn application_grants_cover_units_and_need_unit_grants_revoked() {
        let mut s = Secret::new("x", Owner::App("db".into()), Bag::new());
        s.add_grant(grant(1, Grantee::Unit("web/0".into())))
            .unwrap();
        let e = s.add_grant(grant(1, Grantee::App("web".into())));
        assert!(e.unwrap_err().starts_with("any unit level grants"));
        s.add_grant(grant(2, Grantee::App("web".into()))).unwrap();
        // An application grant in the scope covers its units: nothing added.
        s.add_grant(grant(2, Grantee::Unit("web/1".into())))
            .unwrap();
        assert_eq!(s.grants.len(), 2);
        assert!(s.granted_to("web", "web/3"));
        assert!(!s.granted_to("other", "other/0"));
    }
}
