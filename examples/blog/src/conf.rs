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
        file(charm_dir)?
            .write_if_changed(self.render().as_bytes())
            .map_err(|e| Error::msg(format!("cannot write {FILE}: {e}")))?;
        Ok(())
    }
}

/// Removes `blog.conf` from `charm_dir` if it is there.
pub fn remove(charm_dir: &std::path::Path) -> Result<()> {
    file(charm_dir)?
        .remove()
        .map_err(|e| Error::msg(format!("cannot remove {FILE}: {e}")))?;
    Ok(())
}

fn file(charm_dir: &std::path::Path) -> Result<CharmFile> {
    CharmFile::resolve(charm_dir, FILE)
        .map_err(|e| Error::msg(format!("cannot use {FILE} in the charm directory: {e}")))
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
