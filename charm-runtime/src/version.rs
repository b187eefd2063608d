//! [`JujuVersion`]: the version of the Juju agent running the hook (`JUJU_VERSION`),
//! typed and comparable, for gating features.
//!
//! ```
//! use charm_runtime::version::JujuVersion;
//! let v: JujuVersion = "3.6.8".parse().unwrap();
//! assert!(v >= JujuVersion::new(3, 6, 0));
//! assert!(v.has_secrets() && v.supports_open_port_on_k8s());
//! assert!("3.6-beta2".parse::<JujuVersion>().unwrap() < JujuVersion::new(3, 6, 0));
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A Juju version: `major.minor.patch[.build]`, or `major.minor-<tag><patch>` for a
/// pre-release (`3.6-beta2`), as `ops`' `JujuVersion` reads it (`ops/jujuversion.py`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JujuVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// The pre-release tag (`beta`, `rc`), empty for a release.
    pub tag: String,
    /// Patch (the pre-release number for a pre-release).
    pub patch: u32,
    /// Build.
    pub build: u32,
}

impl JujuVersion {
    /// Release `major.minor.patch`.
    pub fn new(major: u32, minor: u32, patch: u32) -> JujuVersion {
        JujuVersion {
            major,
            minor,
            tag: String::new(),
            patch,
            build: 0,
        }
    }

    /// Secrets (Juju 3.0.2 and later, as `ops` gates them).
    pub fn has_secrets(&self) -> bool {
        *self >= JujuVersion::new(3, 0, 2)
    }
    /// `open-port` on Kubernetes (3.0.3 and later).
    pub fn supports_open_port_on_k8s(&self) -> bool {
        *self >= JujuVersion::new(3, 0, 3)
    }
    /// `secret-set` that leaves out what it is not given (3.6 and later; before it, `ops`
    /// re-sends the whole secret, LP#2081034).
    pub fn secret_set_keeps_metadata(&self) -> bool {
        *self >= JujuVersion::new(3, 6, 0)
    }
    /// `relation-model-get` (3.6.2 and later).
    pub fn has_relation_model_get(&self) -> bool {
        *self >= JujuVersion::new(3, 6, 2)
    }
}

impl Ord for JujuVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // A pre-release sorts before the release of the same major.minor.
        let release = |v: &JujuVersion| v.tag.is_empty();
        (self.major, self.minor)
            .cmp(&(other.major, other.minor))
            .then_with(|| release(self).cmp(&release(other)))
            .then_with(|| self.tag.cmp(&other.tag))
            .then_with(|| (self.patch, self.build).cmp(&(other.patch, other.build)))
    }
}

impl PartialOrd for JujuVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tag.is_empty() {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        } else {
            write!(
                f,
                "{}.{}-{}{}",
                self.major, self.minor, self.tag, self.patch
            )?;
        }
        if self.build > 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

/// A string that is not a Juju version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Juju version (expected `3.6.8`, `3.6.8.1` or `3.6-beta2`)")]
pub struct VersionParseError(String);

impl FromStr for JujuVersion {
    type Err = VersionParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || VersionParseError(s.to_string());
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        let (major, rest) = s.split_once('.').ok_or_else(bad)?;
        let major = num(major)?;
        if let Some((minor, pre)) = rest.split_once('-') {
            let minor = num(minor)?;
            let (pre, build) = match pre.split_once('.') {
                Some((p, b)) => (p, num(b)?),
                None => (pre, 0),
            };
            let digits = pre.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let tag = &pre[..pre.len() - digits.len()];
            if tag.is_empty() || digits.is_empty() {
                return Err(bad());
            }
            return Ok(JujuVersion {
                major,
                minor,
                tag: tag.to_string(),
                patch: num(digits)?,
                build,
            });
        }
        let parts: Vec<&str> = rest.split('.').collect();
        let (minor, patch, build) = match parts.as_slice() {
            [minor] => (num(minor)?, 0, 0),
            [minor, patch] => (num(minor)?, num(patch)?, 0),
            [minor, patch, build] => (num(minor)?, num(patch)?, num(build)?),
            _ => return Err(bad()),
        };
        Ok(JujuVersion {
            major,
            minor,
            tag: String::new(),
            patch,
            build,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> JujuVersion {
        s.parse().unwrap()
    }

    #[test]
    fn orders_as_ops_does() {
        assert!(v("2.9.44") < v("3.0.0"));
        assert!(v("3.6-rc1") < v("3.6.0"));
        assert!(v("3.6-beta1") < v("3.6-rc1"));
        assert!(v("3.6.8") < v("3.6.8.1"));
        assert!(v("3.6.10") > v("3.6.9"));
        assert_eq!(v("3.6.8.1").to_string(), "3.6.8.1");
        assert_eq!(v("3.6-beta2").to_string(), "3.6-beta2");
        assert!("3".parse::<JujuVersion>().is_err());
        assert!("3.x.1".parse::<JujuVersion>().is_err());
        assert!(!v("3.6.1").has_relation_model_get());
    }
}
