//! `blog.conf`: what the blog reads, and how it is written.
//!
//! ```text
//! database-uri = postgresql://<username>:<password>@<first endpoint>/blog
//! tls = off
//! ```
//!
//! Written atomically in the charm directory (a temporary file beside it, renamed over
//! it) and only when what it says changes.

use charm_runtime::charm_dir::CharmFile;
use charm_runtime::{Error, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The file's name, in the charm directory.
pub const FILE: &str = "blog.conf";

/// What RFC 3986 leaves unescaped in userinfo without ambiguity: the unreserved characters.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Everything `blog.conf` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlogConf {
    /// `postgresql://<username>:<password>@<host:port>/<database>`.
    pub database_uri: String,
    /// Whether the blog serves TLS (`tls = on`).
    pub tls: bool,
}

impl BlogConf {
    /// The database URI of `username`/`password` at `endpoint` (`host:port`), database
    /// `database`; the credentials percent-encoded (alphanumerics stay as they are).
    ///
    /// ```
    /// use blog::conf::BlogConf;
    /// assert_eq!(
    ///     BlogConf::database_uri("relation_id_3", "pa:ss/w@rd", "10.0.0.2:5432", "blog"),
    ///     "postgresql://relation_id_3:pa%3Ass%2Fw%40rd@10.0.0.2:5432/blog"
    /// );
    /// ```
    pub fn database_uri(username: &str, password: &str, endpoint: &str, database: &str) -> String {
        format!(
            "postgresql://{}:{}@{endpoint}/{database}",
            utf8_percent_encode(username, USERINFO),
            utf8_percent_encode(password, USERINFO)
        )
    }

    /// The file's content.
    ///
    /// ```
    /// use blog::conf::BlogConf;
    /// let conf = BlogConf { database_uri: "postgresql://u:p@h:5432/blog".into(), tls: false };
    /// assert_eq!(conf.render(), "database-uri = postgresql://u:p@h:5432/blog\ntls = off\n");
    /// ```
    pub fn render(&self) -> String {
        format!(
            "database-uri = {}\ntls = {}\n",
            self.database_uri,
            if self.tls { "on" } else { "off" }
        )
    }

    /// Writes `blog.conf` in `charm_dir` unless it says this already.
    pub fn write(&self, charm_dir: &std::path::Path) -> Result<()> {
        file(charm_dir, FILE)?
            .write_if_changed(self.render().as_bytes())
            .map_err(|e| Error::msg(format!("cannot write {FILE}: {e}")))?;
        Ok(())
    }
}

/// Removes `blog.conf` from `charm_dir` if it is there.
pub fn remove(charm_dir: &std::path::Path) -> Result<()> {
    remove_file(charm_dir, FILE)
}

/// The TLS files, in the charm directory: the certificate, its CA and the private key.
pub const TLS_FILES: [&str; 3] = ["blog.crt", "blog-ca.crt", "blog.key"];

/// What the unit serves TLS with (PEM text).
#[derive(Clone, PartialEq, Eq)]
pub struct Tls {
    /// The unit's certificate.
    pub certificate: String,
    /// The CA that signed it.
    pub ca: String,
    /// The unit's private key.
    pub private_key: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Writes [`TLS_FILES`] in `charm_dir` (each atomically, mode 0600, only if it
    /// changed), each PEM ending with a newline.
    pub fn write(&self, charm_dir: &std::path::Path) -> Result<()> {
        for (name, pem) in TLS_FILES
            .iter()
            .zip([&self.certificate, &self.ca, &self.private_key])
        {
            let text = format!("{}\n", pem.trim_end());
            file(charm_dir, name)?
                .write_if_changed(text.as_bytes())
                .map_err(|e| Error::msg(format!("cannot write {name}: {e}")))?;
        }
        Ok(())
    }
}

/// Removes [`TLS_FILES`] from `charm_dir`, those that are there.
pub fn remove_tls(charm_dir: &std::path::Path) -> Result<()> {
    TLS_FILES
        .iter()
        .try_for_each(|name| remove_file(charm_dir, name))
}

fn remove_file(charm_dir: &std::path::Path, name: &str) -> Result<()> {
    file(charm_dir, name)?
        .remove()
        .map_err(|e| Error::msg(format!("cannot remove {name}: {e}")))?;
    Ok(())
}

fn file(charm_dir: &std::path::Path, name: &str) -> Result<CharmFile> {
    CharmFile::resolve(charm_dir, name)
        .map_err(|e| Error::msg(format!("cannot use {name} in the charm directory: {e}")))
}

/// The first `host:port` of a provider's comma-separated `endpoints`, if it is one: no
/// whitespace, control character, `/`, `@` or `?`, which would change what the URI
/// (and the file) says.
///
/// ```
/// use blog::conf::first_endpoint;
/// assert_eq!(first_endpoint("10.0.0.2:5432,10.0.0.3:5432"), Some("10.0.0.2:5432"));
/// assert_eq!(first_endpoint("h:1\ntls = on"), None);
/// assert_eq!(first_endpoint(""), None);
/// ```
pub fn first_endpoint(endpoints: &str) -> Option<&str> {
    let first = endpoints.split(',').next()?.trim();
    let fine = !first.is_empty()
        && first
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"/@?#".contains(c));
    fine.then_some(first)
}
