//! What the model gives its units besides relations: resource files, trust (the cloud
//! credential), and the clock's work on secrets (a rotation due, a revision expired).

use std::path::Path;

use super::{io_err, Model, Result, SimError};

impl Model {
    /// Attaches `path` as resource `name` of `app`: `resource-get <name>` gives it to the
    /// units (`juju attach-resource`).
    pub fn attach_resource(&mut self, app: &str, name: &str, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let path = path.canonicalize().map_err(io_err(format!(
            "resource {name:?} of {app:?}: {}",
            path.display()
        )))?;
        let a = self.app_mut(app)?;
        a.resources.insert(name.to_string(), path);
        Ok(())
    }

    /// Trusts `app` with the model's cloud credential, or takes the trust back (`juju
    /// trust`): `credential-get` answers only a trusted application.
    pub fn trust(&mut self, app: &str, trusted: bool) -> Result<()> {
        self.app_mut(app)?.trusted = trusted;
        Ok(())
    }

    /// Makes a rotation of the secret due (its id or owner label): its owner (the
    /// leader, for an application secret) runs `secret-rotate`.
    pub fn secret_rotate_due(&mut self, id_or_label: &str) -> Result<()> {
        let xid = self.secret_xid(id_or_label)?;
        if let Some(s) = self.state.secrets.get_mut(&xid) {
            s.rotate_due = true;
        }
        Ok(())
    }

    /// Expires the secret's `revision`: its owner runs `secret-expired` with
    /// `JUJU_SECRET_REVISION`.
    pub fn secret_expire(&mut self, id_or_label: &str, revision: u64) -> Result<()> {
        let xid = self.secret_xid(id_or_label)?;
        let s = self
            .state
            .secrets
            .get_mut(&xid)
            .ok_or_else(|| SimError::Invalid(format!("secret {id_or_label:?} not found")))?;
        if !s.revisions.contains_key(&revision) {
            return Err(SimError::Invalid(format!(
                "secret {id_or_label:?} has no revision {revision}"
            )));
        }
        s.expired.insert(revision);
        Ok(())
    }

    /// The unit's address: what `network-get` and `unit-get` answer, and what its
    /// relation bags carry as `ingress-address`.
    pub fn unit_address(&self, unit: &str) -> Result<String> {
        self.state
            .units
            .get(unit)
            .map(|u| u.address.clone())
            .ok_or_else(|| SimError::Invalid(format!("no unit {unit:?}")))
    }

    fn secret_xid(&self, id_or_label: &str) -> Result<String> {
        juju_model::names::parse_secret_id(id_or_label)
            .filter(|x| self.state.secrets.contains_key(x))
            .or_else(|| {
                self.state
                    .secrets
                    .values()
                    .find(|s| s.label.as_deref() == Some(id_or_label))
                    .map(|s| s.xid.clone())
            })
            .ok_or_else(|| SimError::Invalid(format!("secret {id_or_label:?} not found")))
    }

    fn app_mut(&mut self, app: &str) -> Result<&mut super::state::App> {
        self.state
            .apps
            .get_mut(app)
            .ok_or_else(|| SimError::Invalid(format!("no application {app:?}")))
    }
}
