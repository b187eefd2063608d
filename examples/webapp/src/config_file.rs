//! The workload's configuration file: what it says, and which file it is.
//!
//! Where it goes is `config-path`, checked by [`CharmFile`] (a file inside the charm
//! directory, or nothing), which also writes it atomically, so that no reader ever sees
//! half of it. The path last written is kept in the unit's charm state, so that the old
//! file, and the password in it, goes when the path changes.

use std::path::Path;

use charm_runtime::charm_dir::CharmFile;
use charm_runtime::{Context, Error, Result};

use crate::Webapp;

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

/// The charm-state key holding the path of the config file this unit last wrote.
pub const WRITTEN_KEY: &str = "webapp.config-file";

/// Records that `file` holds the configuration now (committed with the hook).
pub fn remember(ctx: &Context<Webapp>, file: &CharmFile) -> Result<()> {
    ctx.state_set(WRITTEN_KEY, file.path().display().to_string())
}

/// Records that no file holds the configuration.
pub fn forget(ctx: &Context<Webapp>) {
    ctx.state_delete(WRITTEN_KEY);
}

/// Removes the config file this unit wrote before if it is not `current` (`config-path`
/// changed, or no longer names a file we may write): it holds a password. It is checked
/// again first: should something else be at that path now, it is left alone.
pub fn remove_previous(ctx: &Context<Webapp>, current: Option<&CharmFile>) -> Result<()> {
    let Some(previous) = ctx.state_get(WRITTEN_KEY)? else {
        return Ok(());
    };
    if current.is_some_and(|file| file.path() == Path::new(&previous)) {
        return Ok(());
    }
    match CharmFile::resolve(ctx.charm_dir(), &previous) {
        Ok(file) => {
            if file
                .remove()
                .map_err(|e| Error::io(format!("removing {previous}"), e))?
            {
                ctx.info(format!("removed {previous}: config-path changed"));
            }
        }
        Err(why) => ctx.warn(format!("not removing the previous config file: {why}")),
    }
    forget(ctx);
    Ok(())
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
}
