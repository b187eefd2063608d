//! The fake's filesystem: paths cleaned as Pebble requires, files and directories with
//! their permissions and owners, Pebble's error kinds.

use super::{path_err, State, FAKE_TIME};
use crate::error::{Error, Result};
use crate::types::*;

pub(super) enum Entry {
    File {
        data: Vec<u8>,
        permissions: u32,
        user: Option<String>,
        group: Option<String>,
    },
    Dir {
        permissions: u32,
        user: Option<String>,
        group: Option<String>,
    },
}

/// Go's `path.Match` for one name: `*`, `?`, `[a-z]`, `[^a]`, `\\x`.
pub fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    match pat.first() {
        None => name.is_empty(),
        Some(b'*') => (0..=name.len()).any(|i| glob_match(&pat[1..], &name[i..])),
        Some(b'?') => !name.is_empty() && glob_match(&pat[1..], &name[1..]),
        Some(b'[') => {
            let Some((&c, rest)) = name.split_first() else {
                return false;
            };
            let mut i = 1;
            let negate = pat.get(1) == Some(&b'^');
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < pat.len() && (first || pat[i] != b']') {
                first = false;
                let lo = pat[i];
                if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|h| *h != b']') {
                    matched |= (lo..=pat[i + 2]).contains(&c);
                    i += 3;
                } else {
                    matched |= lo == c;
                    i += 1;
                }
            }
            i < pat.len() && matched != negate && glob_match(&pat[i + 1..], rest)
        }
        Some(b'\\') if pat.len() > 1 => {
            name.first() == Some(&pat[1]) && glob_match(&pat[2..], &name[1..])
        }
        Some(&p) => name.first() == Some(&p) && glob_match(&pat[1..], &name[1..]),
    }
}

/// Absolute, cleaned path (`/a/./b/../c/` → `/a/c`), as Pebble requires.
pub(super) fn clean(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        return Err(Error::InvalidInput(format!(
            "paths must be absolute, got {path:?}"
        )));
    }
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

fn parent(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    let i = path.rfind('/')?;
    Some(if i == 0 {
        "/".to_string()
    } else {
        path[..i].to_string()
    })
}

fn base_name(path: &str) -> String {
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("/")
        .to_string()
}

fn is_under(path: &str, dir: &str) -> bool {
    path != dir
        && (dir == "/"
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

impl State {
    fn entry(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    fn info(&self, path: &str, e: &Entry) -> FileInfo {
        let (file_type, size, permissions, user, group) = match e {
            Entry::File {
                data,
                permissions,
                user,
                group,
            } => (
                FileType::File,
                Some(data.len() as u64),
                *permissions,
                user,
                group,
            ),
            Entry::Dir {
                permissions,
                user,
                group,
            } => (FileType::Directory, None, *permissions, user, group),
        };
        FileInfo {
            path: path.to_string(),
            name: base_name(path),
            file_type,
            size,
            permissions,
            last_modified: FAKE_TIME.to_string(),
            user_id: None,
            user: user.clone(),
            group_id: None,
            group: group.clone(),
        }
    }

    /// Creates `dir` and its missing parents, failing on a file in the way.
    fn make_parents(&mut self, dir: &str, opts: Option<&MakeDirOptions>) -> Result<()> {
        let mut missing = Vec::new();
        let mut cur = Some(dir.to_string());
        while let Some(p) = cur {
            match self.entry(&p) {
                Some(Entry::Dir { .. }) => break,
                Some(Entry::File { .. }) => {
                    return Err(path_err(
                        dir,
                        "generic-file-error",
                        format!("mkdir {p}: not a directory"),
                    ))
                }
                None => {
                    cur = parent(&p);
                    missing.push(p);
                }
            }
        }
        for p in missing.into_iter().rev() {
            let (permissions, user, group) = match opts {
                Some(o) if p == dir => (
                    o.permissions.unwrap_or(0o755),
                    o.user.clone(),
                    o.group.clone(),
                ),
                _ => (0o755, None, None),
            };
            self.files.insert(
                p,
                Entry::Dir {
                    permissions,
                    user,
                    group,
                },
            );
        }
        Ok(())
    }

    pub(super) fn write_file(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<()> {
        let p = clean(path)?;
        crate::client::check_permissions(options.permissions)?;
        let Some(dir) = parent(&p) else {
            return Err(path_err(
                path,
                "generic-file-error",
                format!("open {p}: is a directory"),
            ));
        };
        match self.entry(&dir) {
            Some(Entry::Dir { .. }) => {}
            Some(Entry::File { .. }) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("open {p}: not a directory"),
                ))
            }
            None if options.make_dirs => self.make_parents(&dir, None).map_err(|e| match e {
                Error::Path { kind, message, .. } => path_err(path, &kind, message),
                e => e,
            })?,
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("open {p}: no such file or directory"),
                ))
            }
        }
        if let Some(Entry::Dir { .. }) = self.entry(&p) {
            return Err(path_err(
                path,
                "generic-file-error",
                format!("open {p}: is a directory"),
            ));
        }
        self.files.insert(
            p,
            Entry::File {
                data: content.to_vec(),
                permissions: options.permissions.unwrap_or(0o644),
                user: options.user.clone(),
                group: options.group.clone(),
            },
        );
        Ok(())
    }

    pub(super) fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let p = clean(path)?;
        match self.entry(&p) {
            Some(Entry::File { data, .. }) => Ok(data.clone()),
            Some(Entry::Dir { .. }) => Err(path_err(
                path,
                "generic-file-error",
                format!("can only read a regular file: \"{p}\""),
            )),
            None => Err(path_err(
                path,
                "not-found",
                format!("stat {p}: no such file or directory"),
            )),
        }
    }

    pub(super) fn list(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>> {
        let p = clean(path)?;
        let matches = |name: &str| {
            options
                .pattern
                .as_deref()
                .is_none_or(|pat| glob_match(pat.as_bytes(), name.as_bytes()))
        };
        let found = match self.entry(&p) {
            None => {
                return Err(Error::Api {
                    status: 404,
                    message: format!("stat {p}: no such file or directory"),
                    kind: Some("not-found".into()),
                })
            }
            Some(e @ Entry::File { .. }) => vec![self.info(&p, e)],
            Some(e @ Entry::Dir { .. }) if options.itself => vec![self.info(&p, e)],
            Some(Entry::Dir { .. }) => self
                .files
                .iter()
                .filter(|(k, _)| is_under(k, &p) && parent(k).as_deref() == Some(p.as_str()))
                .map(|(k, e)| self.info(k, e))
                .collect(),
        };
        Ok(found.into_iter().filter(|f| matches(&f.name)).collect())
    }

    pub(super) fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let p = clean(path)?;
        crate::client::check_permissions(options.permissions)?;
        match self.entry(&p) {
            Some(Entry::Dir { .. }) if options.make_parents => return Ok(()),
            Some(_) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("mkdir {p}: file exists"),
                ))
            }
            None => {}
        }
        let dir = parent(&p).unwrap_or_else(|| "/".into());
        match self.entry(&dir) {
            Some(Entry::Dir { .. }) => {}
            Some(Entry::File { .. }) => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("mkdir {p}: not a directory"),
                ))
            }
            None if options.make_parents => {}
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("mkdir {p}: no such file or directory"),
                ))
            }
        }
        self.make_parents(&p, Some(options)).map_err(|e| match e {
            Error::Path { kind, message, .. } => path_err(path, &kind, message),
            e => e,
        })
    }

    pub(super) fn remove(&mut self, path: &str, recursive: bool) -> Result<()> {
        let p = clean(path)?;
        if p == "/" {
            return Err(path_err(
                path,
                "generic-file-error",
                "remove /: cannot remove the root".into(),
            ));
        }
        let has_children = self.files.keys().any(|k| is_under(k, &p));
        match self.entry(&p) {
            None if recursive => return Ok(()),
            None => {
                return Err(path_err(
                    path,
                    "not-found",
                    format!("remove {p}: no such file or directory"),
                ))
            }
            Some(Entry::Dir { .. }) if has_children && !recursive => {
                return Err(path_err(
                    path,
                    "generic-file-error",
                    format!("remove {p}: directory not empty"),
                ))
            }
            Some(_) => {}
        }
        self.files.retain(|k, _| k != &p && !is_under(k, &p));
        Ok(())
    }
}
