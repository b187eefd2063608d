//! Secrets: adding, granting, revising, and Juju's secret events.

use super::{HResult, Harness, HarnessError};
use crate::relation::RelationId;
use crate::secret::{SecretContent, SecretId};
use crate::testing::scenario::Event;
use crate::testing::state::{Secret, SecretOwner};
use crate::Charm;

impl<C: Charm + Default> Harness<C> {
    /// Adds a secret owned by `owner`: this application, this unit, or another
    /// application (then this unit sees it only once [`grant_secret`](Self::grant_secret)ed).
    pub fn add_model_secret(&mut self, owner: &str, content: SecretContent) -> HResult<SecretId> {
        content
            .validate()
            .map_err(|e| HarnessError::Invalid(e.to_string()))?;
        let owner = if owner == self.unit_name() {
            SecretOwner::Unit
        } else if owner == self.ctx.application() {
            SecretOwner::App
        } else {
            SecretOwner::Remote
        };
        let mut secret = Secret::new(content).owner(owner);
        secret.granted = owner != SecretOwner::Remote;
        let id = secret.id.clone();
        self.state.secrets.push(secret);
        Ok(id)
    }

    /// Adds a secret owned by the model's user (not an application): this unit sees it
    /// once it is [`grant_secret`](Self::grant_secret)ed to this application.
    pub fn add_user_secret(&mut self, content: SecretContent) -> HResult<SecretId> {
        self.add_model_secret("<model user>", content)
    }

    /// The revisions of a secret, oldest first.
    pub fn secret_revisions(&self, id: &SecretId) -> Vec<u64> {
        self.state
            .get_secret(id)
            .map(|s| s.revisions.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Who was granted a secret this charm owns over relation `relation`.
    pub fn secret_grants(&self, id: &SecretId, relation: RelationId) -> Vec<String> {
        self.state
            .get_secret(id)
            .and_then(|s| s.grants.get(&relation))
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn secret_mut(&mut self, id: &SecretId) -> HResult<&mut Secret> {
        self.state
            .secrets
            .iter_mut()
            .find(|s| &s.id == id)
            .ok_or_else(|| HarnessError::Invalid(format!("there is no secret {id}")))
    }

    /// Grants `observer` (an application or unit) access: to this unit, for a secret of
    /// another application; to a related application, for a secret this charm owns.
    pub fn grant_secret(&mut self, id: &SecretId, observer: &str) -> HResult {
        self.grant_or_revoke(id, observer, true)
    }

    /// Takes back a grant made by [`grant_secret`](Self::grant_secret).
    pub fn revoke_secret(&mut self, id: &SecretId, observer: &str) -> HResult {
        self.grant_or_revoke(id, observer, false)
    }

    fn grant_or_revoke(&mut self, id: &SecretId, observer: &str, grant: bool) -> HResult {
        let app = self.ctx.application().to_string();
        let me = self.unit_name();
        let observer_app = observer.split('/').next().unwrap_or(observer).to_string();
        let relation = self
            .state
            .relations
            .iter()
            .find(|r| r.remote_app_or(&app) == observer_app)
            .map(|r| r.id);
        let secret = self.secret_mut(id)?;
        if secret.owner == SecretOwner::Remote {
            if observer == app || observer == me {
                secret.granted = grant;
                return Ok(());
            }
            return Err(HarnessError::Invalid(format!(
                "secret {id} belongs to another application; only this unit (`{me}`) or application (`{app}`) can be its observer here"
            )));
        }
        let Some(relation) = relation else {
            return Err(HarnessError::Invalid(format!(
                "no relation with `{observer_app}` to grant secret {id} over"
            )));
        };
        let grants = secret.grants.entry(relation).or_default();
        if grant {
            grants.insert(observer.to_string());
        } else {
            grants.remove(observer);
            if grants.is_empty() {
                secret.grants.remove(&relation);
            }
        }
        Ok(())
    }

    /// The owner publishes a new revision; if this unit is a consumer that was granted it,
    /// fires secret-changed.
    pub fn set_secret_content(&mut self, id: &SecretId, content: SecretContent) -> HResult {
        content
            .validate()
            .map_err(|e| HarnessError::Invalid(e.to_string()))?;
        let secret = self.secret_mut(id)?;
        let next = secret.latest_revision() + 1;
        secret.revisions.insert(next, content);
        let snapshot = secret.clone();
        if snapshot.owner == SecretOwner::Remote && snapshot.granted {
            self.fire_if_begun(Event::secret_changed(&snapshot))?;
        }
        Ok(())
    }

    fn secret(&self, id: &SecretId) -> HResult<Secret> {
        self.state
            .get_secret(id)
            .cloned()
            .ok_or_else(|| HarnessError::Invalid(format!("there is no secret {id}")))
    }

    /// Fires secret-rotate for a secret this charm owns.
    pub fn trigger_secret_rotation(&mut self, id: &SecretId) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_rotate(&s))
    }

    /// Fires secret-remove of `revision` for a secret this charm owns.
    pub fn trigger_secret_removal(&mut self, id: &SecretId, revision: u64) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_remove(&s, revision))
    }

    /// Fires secret-expired of `revision` for a secret this charm owns.
    pub fn trigger_secret_expiration(&mut self, id: &SecretId, revision: u64) -> HResult {
        let s = self.secret(id)?;
        self.fire(Event::secret_expired(&s, revision))
    }
}
