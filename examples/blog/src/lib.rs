//! # `blog`: a `postgresql_client` requirer
//!
//! A stand-in blog (it serves nothing) that gets a database through
//! [`charm_postgresql_client::DatabaseRequires`], speaking the v0 protocol that v0 and v1
//! providers serve (Canonical's postgresql charms, `minipg`), and writes the connection
//! to `blog.conf` in its charm directory ([`conf`]):
//!
//! - no `database` relation: `blog.conf` removed, blocked `missing database relation`;
//! - a relation, no credentials yet: waiting `waiting for database`;
//! - credentials: `blog.conf` holds `database-uri = postgresql://<user>:<password>@<first
//!   endpoint>/blog` and `tls = off`; active `ready`. A new password from the provider
//!   (`secret-changed`, which the component maps to the relation) is written at once.
//!
//! And a certificate for each unit through [`charm_tls_certificates::CertificatesRequires`]
//! (unit mode, an optional `certificates` relation): common name and DNS name the unit's
//! name with `/` replaced by `-`; with a certificate for the unit's current key, `blog.crt`,
//! `blog-ca.crt` and `blog.key` (mode 0600) in the charm directory, `tls = on` and active
//! `ready (tls)`; a `certificates` relation and no certificate yet: waiting
//! `waiting for certificate` (`blog.conf` says `tls = off`); the relation gone: the files
//! removed, `tls = off`.

use charm_postgresql_client::DatabaseRequires;
use charm_runtime::prelude::*;
use charm_tls_certificates::{CertificateRequestAttributes, CertificatesRequires, Mode};

pub mod conf;

use conf::{BlogConf, Tls};

/// The database the blog asks for.
pub const DATABASE: &str = "blog";

/// The charm. Its fields live for one hook.
#[derive(Charm, Debug)]
#[charm(
    name = "blog",
    summary = "A stand-in blog that gets its database over postgresql_client",
    description = "Requests the database `blog` on `database` (interface postgresql_client, the v0 protocol both v0 and v1 providers serve) and writes the connection URI to blog.conf in its charm directory, following the provider's password rotations. An example of the charm-runtime framework and of the charm-postgresql-client library."
)]
pub struct Blog {
    /// The `database` endpoint; its interface comes from the library.
    #[requires(database(limit = 1))]
    database: DatabaseRequires,
    /// The `certificates` endpoint (tls-certificates), optional.
    #[requires(certificates(limit = 1, optional))]
    certificates: CertificatesRequires,
}

impl Default for Blog {
    fn default() -> Self {
        Blog {
            database: DatabaseRequires::new(DATABASE),
            certificates: CertificatesRequires::new(Mode::Unit, |ctx| {
                let name = ctx.unit_name().replace('/', "-");
                Ok(vec![
                    CertificateRequestAttributes::new(&name).with_dns(&name)
                ])
            }),
        }
    }
}

/// What the unit should be, from the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No `database` relation.
    NoDatabase,
    /// A relation, no credentials yet.
    WaitingForDatabase,
    /// The provider's answer is unusable (the status says why).
    Unusable(String),
    /// The database, and a `certificates` relation without a certificate yet.
    WaitingForCertificate(BlogConf),
    /// Everything the blog needs (with TLS when the conf says so).
    Ready(BlogConf, Option<Tls>),
}

#[handlers]
impl Blog {
    /// Makes `blog.conf` and the status say what the model says, whatever happened.
    #[on(
        start,
        upgrade_charm,
        database_relation_created,
        database_relation_broken,
        database::database_created,
        database::endpoints_changed,
        database::credentials_changed,
        certificates_relation_created,
        certificates_relation_broken,
        certificates::certificate_available,
        certificates::certificate_withdrawn
    )]
    fn reconcile(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        match self.plan(ctx)? {
            Plan::NoDatabase => {
                conf::remove(ctx.charm_dir())?;
                conf::remove_tls(ctx.charm_dir())?;
                ctx.set_status(Status::blocked("missing database relation"));
            }
            Plan::WaitingForDatabase => {
                conf::remove(ctx.charm_dir())?;
                ctx.set_status(Status::waiting("waiting for database"));
            }
            Plan::Unusable(why) => {
                conf::remove(ctx.charm_dir())?;
                ctx.set_status(Status::blocked(why));
            }
            Plan::WaitingForCertificate(blog_conf) => {
                conf::remove_tls(ctx.charm_dir())?;
                blog_conf.write(ctx.charm_dir())?;
                ctx.set_status(Status::waiting("waiting for certificate"));
            }
            Plan::Ready(blog_conf, tls) => {
                match tls {
                    Some(tls) => tls.write(ctx.charm_dir())?,
                    None => conf::remove_tls(ctx.charm_dir())?,
                }
                blog_conf.write(ctx.charm_dir())?;
                ctx.set_status(Status::active(if blog_conf.tls {
                    "ready (tls)"
                } else {
                    "ready"
                }));
            }
        }
        Ok(())
    }
}

impl Blog {
    /// What the unit should be: the database connection, and whether TLS is on.
    pub fn plan(&self, ctx: &Context<Self>) -> Result<Plan> {
        let Some(db) = self.database.connection(ctx)? else {
            return Ok(Plan::NoDatabase);
        };
        let (Some(username), Some(password), Some(endpoints)) =
            (db.username(), db.password(), db.endpoints())
        else {
            return Ok(Plan::WaitingForDatabase);
        };
        let Some(endpoint) = conf::first_endpoint(endpoints) else {
            ctx.warn(format!(
                "the database's endpoints are not host:port: {endpoints:?}"
            ));
            return Ok(Plan::Unusable(
                "database endpoints are not host:port".into(),
            ));
        };
        let database_uri = BlogConf::database_uri(username, password, endpoint, DATABASE);
        let tls = self.tls(ctx)?;
        let blog_conf = BlogConf {
            database_uri,
            tls: tls.is_some(),
        };
        if tls.is_none() && !ctx.relations_named("certificates")?.is_empty() {
            return Ok(Plan::WaitingForCertificate(blog_conf));
        }
        Ok(Plan::Ready(blog_conf, tls))
    }

    /// What the unit serves TLS with: a certificate the CA issued for the unit's current
    /// key (the component gives none for an older key), the CA and the key.
    fn tls(&self, ctx: &Context<Self>) -> Result<Option<Tls>> {
        let (Some(held), Some(key)) = (
            self.certificates.certificate(ctx)?,
            self.certificates.private_key(ctx)?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Tls {
            certificate: held.certificate.pem().to_string(),
            ca: held.ca.pem().to_string(),
            private_key: key.to_pem(),
        }))
    }
}
