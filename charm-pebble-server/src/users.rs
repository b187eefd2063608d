//! The container's users and groups, from its own `/etc/passwd` and `/etc/group`
//! (what Pebble's `os/user` lookups see inside the container).
//!
//! Processes run as the simulator's own user, which the container sees as root
//! (uid 0), like a rootless user namespace: file ownership asked for with
//! `user`/`group` is recorded and reported, not applied to the host files.

use std::fs;
use std::path::Path;

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

fn read_table(root: &Path, file: &str) -> Vec<Vec<String>> {
    fs::read_to_string(root.join("etc").join(file))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

fn users(root: &Path) -> Vec<User> {
    let mut users: Vec<User> = read_table(root, "passwd")
        .into_iter()
        .filter_map(|f| {
            Some(User {
                name: f.first()?.clone(),
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                home: f.get(5).cloned().unwrap_or_default(),
            })
        })
        .collect();
    if !users.iter().any(|u| u.uid == 0) {
        users.push(User {
            name: "root".into(),
            uid: 0,
            gid: 0,
            home: "/root".into(),
        });
    }
    users
}

fn groups(root: &Path) -> Vec<(String, u32)> {
    let mut groups: Vec<(String, u32)> = read_table(root, "group")
        .into_iter()
        .filter_map(|f| Some((f.first()?.clone(), f.get(2)?.parse().ok()?)))
        .collect();
    if !groups.iter().any(|(_, g)| *g == 0) {
        groups.push(("root".into(), 0));
    }
    groups
}

/// The user with this name.
pub(crate) fn by_name(root: &Path, name: &str) -> Option<User> {
    users(root).into_iter().find(|u| u.name == name)
}

/// The user with this uid.
pub(crate) fn by_uid(root: &Path, uid: u32) -> Option<User> {
    users(root).into_iter().find(|u| u.uid == uid)
}

/// The name of the group with this gid.
pub(crate) fn group_name(root: &Path, gid: u32) -> Option<String> {
    groups(root)
        .into_iter()
        .find(|(_, g)| *g == gid)
        .map(|(n, _)| n)
}

/// Pebble's `osutil.NormalizeUidGid`: turns the user/group fields of a request
/// into ids, with Go's error texts.
pub(crate) fn normalize(
    root: &Path,
    uid: Option<u32>,
    gid: Option<u32>,
    user: Option<&str>,
    group: Option<&str>,
) -> Result<Option<(u32, u32)>, String> {
    let user = user.filter(|u| !u.is_empty());
    let group = group.filter(|g| !g.is_empty());
    if uid.is_none() && gid.is_none() && user.is_none() && group.is_none() {
        return Ok(None);
    }
    let mut uid = uid;
    let mut gid = gid;
    if let Some(name) = user {
        let u = by_name(root, name).ok_or_else(|| format!("user: unknown user {name}"))?;
        if let Some(id) = uid.filter(|id| *id != u.uid) {
            return Err(format!(
                "user {name:?} UID ({}) does not match user-id ({id})",
                u.uid
            ));
        }
        uid = Some(u.uid);
    }
    if let Some(name) = group {
        let g = groups(root)
            .into_iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| format!("group: unknown group {name}"))?;
        if let Some(id) = gid.filter(|id| *id != g.1) {
            return Err(format!(
                "group {name:?} GID ({}) does not match group-id ({id})",
                g.1
            ));
        }
        gid = Some(g.1);
    }
    match (uid, gid) {
        (None, Some(_)) | (None, None) => Err("must specify user, not just group".into()),
        (Some(u), Some(g)) => Ok(Some((u, g))),
        (Some(u), None) => {
            let user = by_uid(root, u).ok_or_else(|| format!("user: unknown userid {u}"))?;
            Ok(Some((u, user.gid)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_follow_the_container_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("etc")).unwrap();
        fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\npostgres:x:999:998::/var/lib/postgresql:/bin/sh\n",
        )
        .unwrap();
        fs::write(dir.path().join("etc/group"), "root:x:0:\npostgres:x:998:\n").unwrap();
        let r = dir.path();
        assert_eq!(normalize(r, None, None, None, None), Ok(None));
        assert_eq!(
            normalize(r, None, None, Some("postgres"), None),
            Ok(Some((999, 998)))
        );
        assert_eq!(
            normalize(r, Some(999), None, None, None),
            Ok(Some((999, 998)))
        );
        assert_eq!(
            normalize(r, None, None, Some("nobody"), None),
            Err("user: unknown user nobody".into())
        );
        assert_eq!(
            normalize(r, Some(1), None, Some("postgres"), None),
            Err(r#"user "postgres" UID (999) does not match user-id (1)"#.into())
        );
        assert_eq!(
            normalize(r, None, None, None, Some("postgres")),
            Err("must specify user, not just group".into())
        );
        assert_eq!(group_name(r, 998).as_deref(), Some("postgres"));
        // A root without /etc still has root.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            by_uid(empty.path(), 0).map(|u| u.home),
            Some("/root".into())
        );
    }
}
