//! Juju's names: applications, units, secret ids (`github.com/juju/names`,
//! `core/secrets`).

/// Whether `s` is a valid application name: `names.IsValidApplication`, the pattern
/// `[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*` (every part after a `-` has a letter).
///
/// ```
/// use juju_model::names::is_valid_application;
/// assert!(is_valid_application("postgresql-k8s"));
/// assert!(!is_valid_application("db-2") && !is_valid_application("Db") && !is_valid_application("a-"));
/// ```
pub fn is_valid_application(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first.chars().all(lower_alnum)
        && parts.all(|p| p.chars().all(lower_alnum) && p.chars().any(|c| c.is_ascii_lowercase()))
}

/// Whether `s` is a valid unit name: `names.IsValidUnit`, `<application>/<number>` with no
/// leading zero.
///
/// ```
/// use juju_model::names::is_valid_unit;
/// assert!(is_valid_unit("db/0") && is_valid_unit("db/10"));
/// assert!(!is_valid_unit("db/01") && !is_valid_unit("db") && !is_valid_unit("db/x"));
/// ```
pub fn is_valid_unit(s: &str) -> bool {
    match s.split_once('/') {
        Some((app, n)) => {
            is_valid_application(app)
                && !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
                && (n == "0" || !n.starts_with('0'))
        }
        None => false,
    }
}

/// The application of a unit name (`db` for `db/0`; the name itself if it has no `/`).
pub fn app_of(unit: &str) -> &str {
    unit.split('/').next().unwrap_or(unit)
}

/// Juju's natural order of unit names: by application, then by unit number (`db/2` before
/// `db/10`, as `juju status` lists them); a name that is not a unit name sorts after the
/// units of its application, by text. The one order every list of units here uses.
///
/// ```
/// use juju_model::names::unit_order;
/// let mut units = vec!["web/10", "db/1", "web/2"];
/// units.sort_by(|a, b| unit_order(a, b));
/// assert_eq!(units, ["db/1", "web/2", "web/10"]);
/// ```
pub fn unit_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(u: &str) -> (&str, u64) {
        let (app, number) = u.split_once('/').unwrap_or((u, ""));
        (app, number.parse().unwrap_or(u64::MAX))
    }
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// An application name Juju accepts ([`is_valid_application`]).
///
/// ```
/// use juju_model::names::AppName;
/// let app: AppName = "postgresql-k8s".parse().unwrap();
/// assert_eq!(app.as_str(), "postgresql-k8s");
/// let e = "db-2".parse::<AppName>().unwrap_err();
/// assert_eq!(e.to_string(), r#""db-2" is not a valid application name"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppName(String);

/// A unit name Juju accepts ([`is_valid_unit`]), ordered as Juju lists units
/// ([`unit_order`]).
///
/// ```
/// use juju_model::names::UnitName;
/// let mut units: Vec<UnitName> = ["web/10", "web/2"].iter().map(|u| u.parse().unwrap()).collect();
/// units.sort();
/// assert_eq!(units[0].as_str(), "web/2");
/// assert_eq!((units[1].app().as_str(), units[1].number()), ("web", 10));
/// assert!("web/02".parse::<UnitName>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnitName(String);

/// A name Juju would refuse: what it is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidName {
    name: String,
    what: &'static str,
}

impl std::fmt::Display for InvalidName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a valid {}", self.name, self.what)
    }
}

impl std::error::Error for InvalidName {}

impl AppName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl UnitName {
    /// The name, `<application>/<number>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The unit's application.
    pub fn app(&self) -> AppName {
        AppName(app_of(&self.0).to_string())
    }
    /// The unit's number.
    pub fn number(&self) -> u64 {
        self.0
            .split_once('/')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(u64::MAX)
    }
}

impl std::str::FromStr for AppName {
    type Err = InvalidName;
    fn from_str(s: &str) -> Result<Self, InvalidName> {
        if is_valid_application(s) {
            Ok(AppName(s.to_string()))
        } else {
            Err(InvalidName {
                name: s.to_string(),
                what: "application name",
            })
        }
    }
}

impl std::str::FromStr for UnitName {
    type Err = InvalidName;
    fn from_str(s: &str) -> Result<Self, InvalidName> {
        if is_valid_unit(s) {
            Ok(UnitName(s.to_string()))
        } else {
            Err(InvalidName {
                name: s.to_string(),
                what: "unit name",
            })
        }
    }
}

impl Ord for UnitName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        unit_order(&self.0, &other.0)
    }
}

impl PartialOrd for UnitName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for AppName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for UnitName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AppName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UnitName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The 20-character id (`xid`) in `secret://<model-uuid>/<xid>`, `secret:<xid>` or
/// `<xid>`: `secrets.ParseURI`, whose ids are 20 characters of `[0-9a-z]`.
///
/// ```
/// use juju_model::names::parse_secret_id;
/// let xid = "cjhg2ok5jrbc769e4mkg";
/// assert_eq!(parse_secret_id(&format!("secret:{xid}")).as_deref(), Some(xid));
/// assert_eq!(parse_secret_id(&format!("secret://7f3a/{xid}")).as_deref(), Some(xid));
/// assert_eq!(parse_secret_id("secret:abc"), None);
/// ```
pub fn parse_secret_id(s: &str) -> Option<String> {
    let xid = if let Some(rest) = s.strip_prefix("secret://") {
        rest.rsplit('/').next()?
    } else if let Some(rest) = s.strip_prefix("secret:") {
        rest
    } else {
        s
    };
    let valid = xid.len() == 20
        && xid
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase());
    valid.then(|| xid.to_string())
}

/// The URI Juju prints for a secret: `secret://<model-uuid>/<xid>`.
pub fn secret_uri(model_uuid: &str, xid: &str) -> String {
    format!("secret://{model_uuid}/{xid}")
}

/// Whether `key` is a valid secret content key: `^([a-z](?:-?[a-z0-9]){2,})$`
/// (`core/secrets/secret.go`, `keyRegExp`).
pub fn is_valid_secret_key(key: &str) -> bool {
    let b = key.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut groups = 0;
    let mut i = 1;
    while i < b.len() {
        if b[i] == b'-' {
            i += 1;
        }
        if i >= b.len() || !(b[i].is_ascii_lowercase() || b[i].is_ascii_digit()) {
            return false;
        }
        groups += 1;
        i += 1;
    }
    groups >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        assert!(is_valid_secret_key("password"));
        assert!(is_valid_secret_key("user-name"));
        assert!(!is_valid_secret_key("ab"));
        assert!(!is_valid_secret_key("Password"));
        assert!(!is_valid_secret_key("a--b"));
    }

    #[test]
    fn application_names() {
        for ok in ["a", "ab1", "a-b", "a-1b", "mysql-k8s"] {
            assert!(is_valid_application(ok), "{ok}");
        }
        for bad in ["", "1a", "a_b", "a--b", "a-1", "-a"] {
            assert!(!is_valid_application(bad), "{bad}");
        }
    }
}
