//! The secret tools: `secret-add`, `secret-get`, `secret-info-get`, `secret-set`,
//! `secret-grant`, `secret-revoke`, `secret-remove`, `secret-ids`
//! (`internal/worker/uniter/runner/jujuc/secret-*.go`), with the hook context's checks
//! (`internal/worker/uniter/runner/context/context.go`: `CreateSecret`, `GetSecret`,
//! `GrantSecret`, ...). Every change is committed with the hook.

pub(crate) mod cli;

use super::relation::RelationFlag;
use super::HookContext;
use crate::error::{not_leader, permission_denied, quote, secret_not_found, Result, ToolError};
use crate::model::Bag;
use crate::names::{app_of, is_valid_application, is_valid_secret_key, is_valid_unit};
use crate::names::{parse_secret_id, secret_uri};
use crate::secret::{Consumer, Grant, Grantee, Owner, Scope, Secret};

/// The rotation policies (`core/secrets`, `RotatePolicy.IsValid`).
const ROTATE_POLICIES: [&str; 7] = [
    "never",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
];

/// `secret-add`'s arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretAdd<'a> {
    /// `--owner`: `application` (the default) or `unit`.
    pub owner: Option<&'a str>,
    /// `--label`.
    pub label: Option<&'a str>,
    /// `--description`.
    pub description: Option<&'a str>,
    /// `--expire`, as given.
    pub expire: Option<&'a str>,
    /// `--rotate`.
    pub rotate: Option<&'a str>,
    /// The content: `key=value` arguments and the `--file`'s keys.
    pub content: Bag,
    /// Whether a `--file` was given (without it and without arguments there is nothing to
    /// add).
    pub from_file: bool,
}

/// `secret-get`'s arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecretGet<'a> {
    /// The secret's URI, as given.
    pub id: Option<&'a str>,
    /// `--label`: find the secret by label, or (with an id) label it.
    pub label: Option<&'a str>,
    /// `--peek`: the latest revision, this time only.
    pub peek: bool,
    /// `--refresh`: the latest revision, tracked from now on.
    pub refresh: bool,
}

/// `secret-set`'s arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretSet<'a> {
    /// The secret's URI, as given.
    pub id: &'a str,
    /// New content (none: keep the content).
    pub content: Bag,
    /// `--label`.
    pub label: Option<&'a str>,
    /// `--description`.
    pub description: Option<&'a str>,
    /// `--expire`.
    pub expire: Option<&'a str>,
    /// `--rotate`.
    pub rotate: Option<&'a str>,
}

/// What `secret-info-get` says about a secret the unit owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    /// The id.
    pub xid: String,
    /// The latest revision.
    pub revision: u64,
    /// The owner's label.
    pub label: Option<String>,
    /// `application` or `unit`.
    pub owner: &'static str,
    /// The description.
    pub description: Option<String>,
    /// The rotation policy.
    pub rotation: Option<String>,
    /// The expiry, as given.
    pub expiry: Option<String>,
    /// Grants: target tag (`application-web`), scope tag (`relation-db.db#web.db`).
    pub access: Vec<(String, String)>,
}

/// The id in a secret URI given on the command line (`secrets.ParseURI`).
fn secret_arg(id: &str) -> Result<String> {
    parse_secret_id(id)
        .ok_or_else(|| ToolError::usage(format!("secret URI {} not valid", quote(id))))
}

/// `--rotate`'s check.
fn check_rotate(rotate: Option<&str>) -> Result<()> {
    match rotate {
        Some(r) if !ROTATE_POLICIES.contains(&r) => Err(ToolError::usage(format!(
            "rotate policy {} not valid",
            quote(r)
        ))),
        _ => Ok(()),
    }
}

/// `--expire`'s check (`parseExpire` in `secret-add.go`): an RFC 3339 time (with or
/// without a zone), or a positive Go duration (`24h`, `1h30m`).
fn check_expire(expire: Option<&str>) -> Result<()> {
    let Some(spec) = expire else {
        return Ok(());
    };
    if crate::time::is_rfc3339(spec) {
        return Ok(());
    }
    match crate::time::parse_go_duration(spec) {
        Some(d) if d > 0.0 => Ok(()),
        Some(_) => Err(ToolError::usage(format!(
            "negative expire duration {} not valid",
            quote(spec)
        ))),
        None => Err(ToolError::usage(format!(
            "expire time or duration {} not valid",
            quote(spec)
        ))),
    }
}

/// Content keys: `secrets.CreateSecretData`.
fn check_content(content: &Bag) -> Result<()> {
    match content.keys().find(|k| !is_valid_secret_key(k)) {
        Some(k) => Err(ToolError::usage(format!("key {} not valid", quote(k)))),
        None => Ok(()),
    }
}

impl<'a> HookContext<'a> {
    /// Whether the unit or its application owns `s`.
    fn owns(&self, s: &Secret) -> bool {
        s.owned_by(self.model.app(), self.model.unit())
    }

    /// The checks before changing a secret the unit may know: the owner's leader for an
    /// application secret, the owner for a unit secret.
    fn check_manage(&self, s: &Secret) -> Result<()> {
        match &s.owner {
            Owner::App(a) if a == self.model.app() => {
                if self.leader() {
                    Ok(())
                } else {
                    Err(not_leader())
                }
            }
            Owner::Unit(u) if u == self.model.unit() => Ok(()),
            _ => Err(permission_denied()),
        }
    }

    /// A secret by id (`secret "<xid>" not found` when the model has none), or by label:
    /// the owner's label of one the unit owns, else this unit's consumer label.
    fn find_secret(&self, id: Option<&str>, label: Option<&str>) -> Result<String> {
        let secrets = self.secrets();
        if let Some(id) = id {
            let xid = secret_arg(id)?;
            return match secrets.contains_key(&xid) {
                true => Ok(xid),
                false => Err(secret_not_found(&xid)),
            };
        }
        let label =
            label.ok_or_else(|| ToolError::usage("require either a secret URI or label"))?;
        let unit = self.model.unit();
        let owned = secrets
            .values()
            .find(|s| self.owns(s) && s.label.as_deref() == Some(label));
        let consumed = || {
            secrets.values().find(|s| {
                s.consumers
                    .get(unit)
                    .is_some_and(|c| c.label.as_deref() == Some(label))
            })
        };
        owned
            .or_else(consumed)
            .map(|s| s.xid.clone())
            .ok_or_else(|| secret_not_found(label))
    }

    /// The secret `xid` (known to exist), to change.
    fn secret_mut(&mut self, xid: &str) -> &mut Secret {
        self.secrets_mut()
            .get_mut(xid)
            .expect("a secret found in this hook")
    }

    /// `secret-add`: the new secret's URI.
    pub fn secret_add(&mut self, req: &SecretAdd) -> Result<String> {
        if req.content.is_empty() && !req.from_file {
            return Err(ToolError::usage("missing secret value or filename"));
        }
        check_expire(req.expire)?;
        check_rotate(req.rotate)?;
        let owner = match req.owner.unwrap_or("application") {
            "application" => Owner::App(self.model.app().to_string()),
            "unit" => Owner::Unit(self.model.unit().to_string()),
            other => {
                return Err(ToolError::usage(format!(
                    "secret owner {} not valid",
                    quote(other)
                )))
            }
        };
        check_content(&req.content)?;
        if req.content.is_empty() {
            return Err(ToolError::runtime("empty secret value not valid"));
        }
        if matches!(owner, Owner::App(_)) && !self.leader() {
            return Err(not_leader());
        }
        if let Some(l) = req.label {
            let taken = self
                .secrets()
                .values()
                .any(|s| s.owner == owner && s.label.as_deref() == Some(l));
            if taken {
                return Err(ToolError::runtime(format!(
                    "secret with label {} already exists",
                    quote(l)
                )));
            }
        }
        let xid = self.hook.next_xid();
        let mut secret = Secret::new(xid.clone(), owner, req.content.clone());
        secret.label = req.label.map(str::to_string);
        secret.description = req.description.map(str::to_string);
        secret.expire = req.expire.map(str::to_string);
        secret.rotate = req.rotate.map(str::to_string);
        self.secrets_mut().insert(xid.clone(), secret);
        Ok(secret_uri(self.model.model_uuid(), &xid))
    }

    /// `secret-get`: a revision's content. An owner reads the latest (and may label the
    /// secret); a consumer must have been granted it, reads the revision it tracks (the
    /// latest, the first time), and may label it for itself.
    pub fn secret_get(&mut self, req: SecretGet) -> Result<Bag> {
        if let Some(id) = req.id {
            secret_arg(id)?;
        } else if req.label.is_none() {
            return Err(ToolError::usage("require either a secret URI or label"));
        }
        if req.peek && req.refresh {
            return Err(ToolError::usage(
                "specify one of --peek or --refresh but not both",
            ));
        }
        let xid = self.find_secret(req.id, req.label)?;
        let new_label = req.label.filter(|_| req.id.is_some());
        let secret = &self.secrets()[&xid];
        if self.owns(secret) {
            if let Some(l) = new_label.filter(|l| secret.label.as_deref() != Some(l)) {
                if matches!(secret.owner, Owner::App(_)) && !self.leader() {
                    return Err(not_leader());
                }
                self.secret_mut(&xid).label = Some(l.to_string());
            }
            let secret = &self.secrets()[&xid];
            return revision_content(secret, secret.latest);
        }
        if !secret.granted_to(self.model.app(), self.model.unit()) {
            return Err(permission_denied());
        }
        let latest = secret.latest;
        let unit = self.model.unit().to_string();
        let consumer = secret.consumers.get(&unit);
        let revision = match consumer {
            Some(c) if !req.peek && !req.refresh => c.tracked,
            _ => latest,
        };
        let needs_write = consumer.is_none_or(|c| {
            (req.refresh && c.tracked != latest)
                || new_label.is_some_and(|l| c.label.as_deref() != Some(l))
        });
        if needs_write {
            let c = self
                .secret_mut(&xid)
                .consumers
                .entry(unit)
                .or_insert_with(|| Consumer {
                    label: None,
                    tracked: latest,
                    notified: latest,
                });
            if req.refresh {
                c.tracked = latest;
            }
            if let Some(l) = new_label {
                c.label = Some(l.to_string());
            }
        }
        revision_content(&self.secrets()[&xid], revision)
    }

    /// `secret-info-get <id>` or `--label <label>`: a secret the unit owns.
    pub fn secret_info_get(&self, id: Option<&str>, label: Option<&str>) -> Result<SecretInfo> {
        let xid = id.map(secret_arg).transpose()?;
        if xid.is_none() && label.is_none() {
            return Err(ToolError::usage("require either a secret URI or label"));
        }
        if xid.is_some() && label.is_some() {
            return Err(ToolError::usage(
                "specify either a secret URI or label but not both",
            ));
        }
        let mut owned = self.secrets().values().filter(|s| self.owns(s));
        let found = match (&xid, label) {
            (Some(x), _) => owned.find(|s| &s.xid == x),
            (None, Some(l)) => owned.find(|s| s.label.as_deref() == Some(l)),
            (None, None) => None,
        };
        let s = found.ok_or_else(|| secret_not_found(xid.as_deref().or(label).unwrap_or("")))?;
        let access = s
            .grants
            .iter()
            .map(|g| (g.to.tag(), self.scope_tag(g.scope)))
            .collect();
        Ok(SecretInfo {
            xid: s.xid.clone(),
            revision: s.latest,
            label: s.label.clone(),
            owner: s.owner.kind(),
            description: s.description.clone(),
            rotation: s.rotate.clone(),
            expiry: s.expire.clone(),
            access,
        })
    }

    /// A grant's scope as a tag: `relation-<key>` (`names.NewRelationTag`: `:` becomes
    /// `.`, the space `#`) or `model-<uuid>`.
    fn scope_tag(&self, scope: Scope) -> String {
        match scope {
            Scope::Relation(id) => format!(
                "relation-{}",
                self.model
                    .relation_key(id)
                    .replace(':', ".")
                    .replace(' ', "#")
            ),
            Scope::Model => format!("model-{}", self.model.model_uuid()),
        }
    }

    /// `secret-set <id>`: new content (a new revision when it differs from the latest),
    /// label, description, expiry, rotation.
    pub fn secret_set(&mut self, req: &SecretSet) -> Result<()> {
        secret_arg(req.id)?;
        check_expire(req.expire)?;
        check_rotate(req.rotate)?;
        check_content(&req.content)?;
        let xid = self.find_secret(Some(req.id), None)?;
        let secret = &self.secrets()[&xid];
        self.check_manage(secret)?;
        if let Some(l) = req.label {
            let owner = &secret.owner;
            let taken = self
                .secrets()
                .values()
                .any(|o| o.xid != xid && &o.owner == owner && o.label.as_deref() == Some(l));
            if taken {
                return Err(ToolError::runtime(format!(
                    "secret with label {} already exists",
                    quote(l)
                )));
            }
        }
        let s = self.secret_mut(&xid);
        let set = |field: &mut Option<String>, value: Option<&str>| {
            if let Some(v) = value {
                *field = Some(v.to_string());
            }
        };
        set(&mut s.label, req.label);
        set(&mut s.description, req.description);
        set(&mut s.expire, req.expire);
        set(&mut s.rotate, req.rotate);
        if !req.content.is_empty() && s.latest_content() != Some(&req.content) {
            s.latest += 1;
            s.revisions.insert(s.latest, req.content.clone());
        }
        Ok(())
    }

    /// `secret-grant <id> -r <relation> [--unit <unit>]`: the related application (or one
    /// of its units) may read the secret, as long as the relation lasts.
    pub fn secret_grant(
        &mut self,
        id: &str,
        relation: Option<RelationFlag>,
        unit: Option<&str>,
    ) -> Result<()> {
        secret_arg(id)?;
        let rel = self.relation_arg(relation)?;
        if let Some(u) = unit {
            if !is_valid_unit(u) {
                return Err(ToolError::usage(format!("unit {} not valid", quote(u))));
            }
            if app_of(u) != rel.remote_app {
                return Err(ToolError::usage(format!(
                    "cannot specify unit {} in relation to application {}",
                    quote(u),
                    quote(rel.remote_app)
                )));
            }
        }
        let xid = self.owned_secret(id)?;
        self.check_manage(&self.secrets()[&xid])?;
        let to = match unit {
            Some(u) => Grantee::Unit(u.to_string()),
            None => Grantee::App(rel.remote_app.to_string()),
        };
        let scope = Scope::Relation(rel.id);
        self.secret_mut(&xid)
            .add_grant(Grant { scope, to })
            .map_err(ToolError::runtime)
    }

    /// `secret-revoke <id> [-r <relation>] [--app <app> | --unit <unit>]`: takes back a
    /// grant from the unit, else the application (the relation's remote one with `-r`);
    /// with `-r`, only the grant made over that relation.
    pub fn secret_revoke(
        &mut self,
        id: &str,
        relation: Option<RelationFlag>,
        app: Option<&str>,
        unit: Option<&str>,
    ) -> Result<()> {
        secret_arg(id)?;
        if let Some(a) = app.filter(|a| !is_valid_application(a)) {
            return Err(ToolError::usage(format!(
                "application {} not valid",
                quote(a)
            )));
        }
        if let Some(u) = unit.filter(|u| !is_valid_unit(u)) {
            return Err(ToolError::usage(format!("unit {} not valid", quote(u))));
        }
        if app.is_some() && unit.is_some() {
            return Err(ToolError::usage("specify only one of application or unit"));
        }
        let rel = match relation {
            Some(_) => Some(self.relation_arg(relation)?),
            None => None,
        };
        if rel.is_some() && app.is_some() {
            return Err(ToolError::usage("do not specify both relation and app"));
        }
        let subject = match (unit, app, rel) {
            (Some(u), _, _) => Grantee::Unit(u.to_string()),
            (None, Some(a), _) => Grantee::App(a.to_string()),
            (None, None, Some(r)) => Grantee::App(r.remote_app.to_string()),
            (None, None, None) => {
                return Err(ToolError::usage("missing relation or application or unit"))
            }
        };
        let xid = self.owned_secret(id)?;
        self.check_manage(&self.secrets()[&xid])?;
        let scope = rel.map(|r| Scope::Relation(r.id));
        self.secret_mut(&xid)
            .grants
            .retain(|g| !(g.to == subject && scope.is_none_or(|s| s == g.scope)));
        Ok(())
    }

    /// A secret the unit owns (`secret "<xid>" not found` for any other: the hook
    /// context only knows the metadata of its own secrets).
    fn owned_secret(&self, id: &str) -> Result<String> {
        let xid = self.find_secret(Some(id), None)?;
        match self.owns(&self.secrets()[&xid]) {
            true => Ok(xid),
            false => Err(secret_not_found(&xid)),
        }
    }

    /// `secret-remove <id> [--revision <n>]`: one revision, or the whole secret.
    pub fn secret_remove(&mut self, id: &str, revision: Option<u64>) -> Result<()> {
        let xid = self.find_secret(Some(id), None)?;
        self.check_manage(&self.secrets()[&xid])?;
        let secrets = self.secrets_mut();
        match revision {
            None => {
                secrets.remove(&xid);
            }
            Some(r) => {
                let s = secrets.get_mut(&xid).expect("a secret found in this hook");
                if s.revisions.remove(&r).is_none() {
                    return Err(revision_not_found(&xid, r));
                }
                if s.revisions.is_empty() {
                    secrets.remove(&xid);
                }
            }
        }
        Ok(())
    }

    /// `secret-ids`: the ids of the secrets the unit owns.
    pub fn secret_ids(&self) -> Result<Vec<String>> {
        Ok(self
            .secrets()
            .values()
            .filter(|s| self.owns(s))
            .map(|s| s.xid.clone())
            .collect())
    }
}

/// `secret revision "<xid>/<n>" not found`: the controller's text for a revision it does
/// not keep (`state/secrets.go`, `secretRevisionKey`).
fn revision_not_found(xid: &str, revision: u64) -> ToolError {
    ToolError::runtime(format!(
        "secret revision {} not found",
        quote(&format!("{xid}/{revision}"))
    ))
}

fn revision_content(secret: &Secret, revision: u64) -> Result<Bag> {
    secret
        .revisions
        .get(&revision)
        .cloned()
        .ok_or_else(|| revision_not_found(&secret.xid, revision))
}
