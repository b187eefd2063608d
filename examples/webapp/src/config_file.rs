//! The workload's configuration file: what it says, and how it is written so that no
//! reader ever sees half of it.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Everything the config file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The database name.
    pub database: String,
    /// The database user.
    pub username: String,
    /// The database password.
    pub password: String,
    /// The mail relay, if an `smtp` relation offers one to this unit.
    pub smtp: Option<Smtp>,
}

/// A mail relay and the credentials to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    /// The host.
    pub host: String,
    /// The SMTP user.
    pub username: String,
    /// The SMTP password.
    pub password: String,
}

impl Settings {
    /// The file's content: one `key=value` line each, in this order.
    ///
    /// ```
    /// use webapp::config_file::Settings;
    /// let s = Settings { database: "webapp".into(), username: "u".into(), password: "p".into(), smtp: None };
    /// assert_eq!(s.render(), "database=webapp\nusername=u\npassword=p\n");
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!(
            "database={}\nusername={}\npassword={}\n",
            self.database, self.username, self.password
        );
        if let Some(smtp) = &self.smtp {
            out.push_str(&format!(
                "smtp_host={}\nsmtp_username={}\nsmtp_password={}\n",
                smtp.host, smtp.username, smtp.password
            ));
        }
        out
    }
}

/// Writes `content` to `path` unless the file already holds exactly that; returns whether
/// it wrote.
///
/// The content goes to a temporary file in the same directory (mode 0600: it holds
/// passwords), is synced, then renamed over `path`: a rename within a file system is
/// atomic, so a reader sees the old file or the new one, never a half-written one, and
/// a failure leaves the old file as it was.
pub fn write_if_changed(path: &Path, content: &str) -> io::Result<bool> {
    match fs::read(path) {
        Ok(existing) if existing == content.as_bytes() => return Ok(false),
        _ => {}
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".webapp-config-")
        .tempfile_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(true)
}

/// Removes the file if it exists; returns whether it did.
pub fn remove_if_exists(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            database: "webapp".into(),
            username: "webapp_user".into(),
            password: "pw".into(),
            smtp: Some(Smtp {
                host: "mailserver-0.mail".into(),
                username: "webapp-0".into(),
                password: "spw".into(),
            }),
        }
    }

    #[test]
    fn renders_the_lines_in_order() {
        assert_eq!(
            settings().render(),
            "database=webapp\nusername=webapp_user\npassword=pw\n\
             smtp_host=mailserver-0.mail\nsmtp_username=webapp-0\nsmtp_password=spw\n"
        );
    }

    #[test]
    fn writes_atomically_only_when_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webapp.conf");
        assert!(write_if_changed(&path, "a=1\n").unwrap());
        assert!(!write_if_changed(&path, "a=1\n").unwrap());
        assert!(write_if_changed(&path, "a=2\n").unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "a=2\n");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        assert!(remove_if_exists(&path).unwrap());
        assert!(!remove_if_exists(&path).unwrap());
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("webapp.conf");
        assert!(write_if_changed(&path, "a=1\n").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        // A directory in the way: the rename fails, the temporary file is cleaned up.
        let blocker = dir.path().join("webapp.conf");
        fs::create_dir(&blocker).unwrap();
        fs::write(blocker.join("keep"), "x").unwrap();
        assert!(write_if_changed(&blocker, "a=1\n").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
