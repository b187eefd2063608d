//! The files API over the container root: container paths are mapped under
//! the root directory and symlinks resolve inside it, so no request reaches
//! outside (`internals/daemon/api_files.go`).

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use serde_json::{json, Value};

use crate::daemon::{rfc3339, Daemon};
use crate::process::go_error;
use crate::users;

/// Lexically cleaned absolute container path (`/a/./b/../c` → `/a/c`).
pub(crate) fn clean(path: &str) -> String {
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
    format!("/{}", parts.join("/"))
}

/// The host path of container path `path`, resolving symlinks as if `root`
/// were `/` (an absolute link target restarts at the root, `..` stops there).
/// With `follow_last`, a symlink in the last component is followed too.
pub(crate) fn resolve(root: &Path, path: &str, follow_last: bool) -> io::Result<PathBuf> {
    let mut todo: VecDeque<String> = clean(path)
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let mut stack: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop_front() {
        if part == ".." {
            stack.pop();
            continue;
        }
        if part == "." {
            continue;
        }
        let mut candidate = root.to_path_buf();
        candidate.extend(&stack);
        candidate.push(&part);
        let is_last = todo.is_empty();
        let is_link = fs::symlink_metadata(&candidate).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && (!is_last || follow_last) {
            links += 1;
            if links > 40 {
                return Err(io::Error::from_raw_os_error(40));
            }
            let target = fs::read_link(&candidate)?;
            if target.is_absolute() {
                stack.clear();
            }
            let mut parts: Vec<String> = target
                .components()
                .filter_map(|c| match c {
                    Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
                    Component::ParentDir => Some("..".into()),
                    _ => None,
                })
                .collect();
            parts.extend(todo.drain(..));
            todo = parts.into();
            continue;
        }
        stack.push(part);
    }
    let mut out = root.to_path_buf();
    out.extend(&stack);
    Ok(out)
}

/// A file operation's error: Go's text about the container path, and Pebble's kind.
#[derive(Debug)]
pub(crate) struct FileError {
    pub kind: &'static str,
    pub message: String,
}

impl FileError {
    fn os(op: &str, path: &str, e: &io::Error) -> FileError {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => "not-found",
            io::ErrorKind::PermissionDenied => "permission-denied",
            _ => "generic-file-error",
        };
        FileError {
            kind,
            message: format!("{op} {path}: {}", go_error(e)),
        }
    }
    fn generic(message: String) -> FileError {
        FileError {
            kind: "generic-file-error",
            message,
        }
    }
    /// HTTP status for a whole-request failure (`fileErrorToStatus`).
    pub fn status(&self) -> u16 {
        match self.kind {
            "not-found" => 404,
            "permission-denied" => 403,
            _ => 400,
        }
    }
    pub fn json(&self) -> Value {
        json!({"kind": self.kind, "message": self.message})
    }
}

type FResult<T> = Result<T, FileError>;

fn absolute(path: &str) -> FResult<()> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(FileError::generic(format!(
            "paths must be absolute, got {path:?}"
        )))
    }
}

fn parse_permissions(p: Option<&str>, default: u32) -> FResult<u32> {
    match p {
        None | Some("") => Ok(default),
        Some(t) => match u32::from_str_radix(t, 8) {
            Ok(v) if t.len() == 3 => Ok(v),
            _ => Err(FileError::generic(format!(
                "permissions must be a 3-digit octal string, got {t:?}"
            ))),
        },
    }
}

/// Ownership fields of a write or make-dirs item, as ids.
pub(crate) struct Owner<'a> {
    pub user_id: Option<u32>,
    pub user: Option<&'a str>,
    pub group_id: Option<u32>,
    pub group: Option<&'a str>,
}

impl Owner<'_> {
    pub fn from_json(v: &Value) -> Owner<'_> {
        let id = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        Owner {
            user_id: id("user-id"),
            user: v.get("user").and_then(Value::as_str),
            group_id: id("group-id"),
            group: v.get("group").and_then(Value::as_str),
        }
    }
    fn resolve(&self, root: &Path) -> FResult<Option<(u32, u32)>> {
        users::normalize(root, self.user_id, self.group_id, self.user, self.group)
            .map_err(|e| FileError::generic(format!("cannot look up user and group: {e}")))
    }
}

fn record_owner(d: &Daemon, path: &str, ids: Option<(u32, u32)>) {
    let mut o = d.ownership.lock().unwrap_or_else(|p| p.into_inner());
    match ids {
        Some(ids) => {
            o.insert(clean(path), ids);
        }
        None => {
            o.remove(&clean(path));
        }
    }
}

fn set_mode(host: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(host, fs::Permissions::from_mode(mode))
}

/// `mkdir -p` of container path `path`; newly made directories get `perm`.
fn mkdir_all(d: &Daemon, path: &str, perm: u32, ids: Option<(u32, u32)>) -> FResult<()> {
    let cleaned = clean(path);
    let mut cur = String::new();
    for part in cleaned.split('/').filter(|p| !p.is_empty()) {
        cur.push('/');
        cur.push_str(part);
        let host = resolve(&d.root, &cur, true).map_err(|e| FileError::os("mkdir", &cur, &e))?;
        match fs::metadata(&host) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => {
                return Err(FileError::os(
                    "mkdir",
                    &cur,
                    &io::Error::from_raw_os_error(20),
                ))
            }
            Err(_) => {
                fs::create_dir(&host).map_err(|e| FileError::os("mkdir", &cur, &e))?;
                set_mode(&host, perm).map_err(|e| FileError::os("chmod", &cur, &e))?;
                if ids.is_some() {
                    record_owner(d, &cur, ids);
                }
            }
        }
    }
    Ok(())
}

/// One `write` item: `make-dirs`, `permissions`, ownership; the content is
/// written to a temporary file beside the target and renamed over it.
pub(crate) fn write_file(d: &Daemon, item: &Value, content: &[u8]) -> FResult<()> {
    let path = item.get("path").and_then(Value::as_str).unwrap_or_default();
    absolute(path)?;
    let ids = Owner::from_json(item).resolve(&d.root)?;
    let parent = clean(&format!("{}/..", clean(path)));
    if item.get("make-dirs").and_then(Value::as_bool) == Some(true) {
        mkdir_all(d, &parent, 0o755, ids).map_err(|e| FileError {
            kind: e.kind,
            message: format!("cannot create directory: {}", e.message),
        })?;
    }
    let perm = parse_permissions(item.get("permissions").and_then(Value::as_str), 0o644)?;
    let host = resolve(&d.root, path, true).map_err(|e| FileError::os("open", path, &e))?;
    if host.is_dir() {
        return Err(FileError::os(
            "open",
            path,
            &io::Error::from_raw_os_error(21),
        ));
    }
    let dir = host
        .parent()
        .ok_or_else(|| FileError::generic(format!("open {path}: is a directory")))?;
    let tmp = dir.join(format!(
        ".{}~{}",
        host.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|t| t.as_nanos())
            .unwrap_or(0)
    ));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
        set_mode(&tmp, perm)?;
        fs::rename(&tmp, &host)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(FileError::os("open", path, &e));
    }
    record_owner(d, path, ids);
    Ok(())
}

/// One `make-dirs` item.
pub(crate) fn make_dir(d: &Daemon, item: &Value) -> FResult<()> {
    let path = item.get("path").and_then(Value::as_str).unwrap_or_default();
    absolute(path)?;
    let perm = parse_permissions(item.get("permissions").and_then(Value::as_str), 0o755)?;
    let ids = Owner::from_json(item).resolve(&d.root)?;
    if item.get("make-parents").and_then(Value::as_bool) == Some(true) {
        return mkdir_all(d, path, perm, ids);
    }
    let host = resolve(&d.root, path, false).map_err(|e| FileError::os("mkdir", path, &e))?;
    fs::create_dir(&host).map_err(|e| FileError::os("mkdir", path, &e))?;
    set_mode(&host, perm).map_err(|e| FileError::os("chmod", path, &e))?;
    record_owner(d, path, ids);
    Ok(())
}

/// One `remove` item (`os.Remove`, or `os.RemoveAll` when recursive).
pub(crate) fn remove(d: &Daemon, item: &Value) -> FResult<()> {
    let path = item.get("path").and_then(Value::as_str).unwrap_or_default();
    absolute(path)?;
    let recursive = item.get("recursive").and_then(Value::as_bool) == Some(true);
    if clean(path) == "/" {
        return Err(FileError::generic(format!(
            "remove {path}: cannot remove the container root"
        )));
    }
    let host = resolve(&d.root, path, false).map_err(|e| FileError::os("remove", path, &e))?;
    let meta = match fs::symlink_metadata(&host) {
        Ok(m) => m,
        Err(e) if recursive && e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FileError::os("remove", path, &e)),
    };
    let removed = if meta.is_dir() {
        if recursive {
            fs::remove_dir_all(&host)
        } else {
            fs::remove_dir(&host)
        }
    } else {
        fs::remove_file(&host)
    };
    removed.map_err(|e| FileError::os("remove", path, &e))?;
    let prefix = format!("{}/", clean(path));
    d.ownership
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|k, _| *k != clean(path) && !k.starts_with(&prefix));
    Ok(())
}

/// Reads a regular file for the `read` action.
pub(crate) fn read_file(d: &Daemon, path: &str) -> FResult<Vec<u8>> {
    absolute(path)?;
    let host = resolve(&d.root, path, true).map_err(|e| FileError::os("stat", path, &e))?;
    let meta = fs::metadata(&host).map_err(|e| FileError::os("stat", path, &e))?;
    if !meta.is_file() {
        return Err(FileError::generic(format!(
            "can only read a regular file: {path:?}"
        )));
    }
    fs::read(&host).map_err(|e| FileError::os("open", path, &e))
}

fn file_type(ft: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_file() {
        "file"
    } else if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_fifo() {
        "named-pipe"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "unknown"
    }
}

/// `fileInfoToResult`, with the container's view of ownership.
fn info_json(d: &Daemon, container_path: &str, meta: &fs::Metadata) -> Value {
    let me = rustix::process::getuid().as_raw();
    let recorded = d
        .ownership
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(container_path)
        .copied();
    let (uid, gid) = recorded.unwrap_or_else(|| {
        // The simulator's user is the container's root.
        let map = |id: u32| if id == me { 0 } else { id };
        (map(meta.uid()), map(meta.gid()))
    });
    let name = container_path
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("/");
    let mut v = json!({
        "path": container_path,
        "name": name,
        "type": file_type(meta.file_type()),
        "permissions": format!("{:03o}", meta.permissions().mode() & 0o777),
        "last-modified": rfc3339(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)),
        "user-id": uid,
        "user": users::by_uid(&d.root, uid).map(|u| u.name).unwrap_or_default(),
        "group-id": gid,
        "group": users::group_name(&d.root, gid).unwrap_or_default(),
    });
    if meta.is_file() {
        v["size"] = json!(meta.len());
    }
    v
}

/// The `list` action (`listFiles`).
pub(crate) fn list(
    d: &Daemon,
    path: &str,
    pattern: Option<&str>,
    itself: bool,
) -> FResult<Vec<Value>> {
    let host = resolve(&d.root, path, true).map_err(|e| FileError::os("stat", path, &e))?;
    let meta = fs::metadata(&host).map_err(|e| FileError::os("stat", path, &e))?;
    let cleaned = clean(path);
    let mut entries: Vec<(String, fs::Metadata)> = Vec::new();
    if !meta.is_dir() || itself {
        entries.push((cleaned.clone(), meta));
    } else {
        let rd = fs::read_dir(&host).map_err(|e| FileError::os("open", path, &e))?;
        for e in rd {
            let e = e.map_err(|e| FileError::os("readdirent", path, &e))?;
            let m = e
                .metadata()
                .map_err(|err| FileError::os("lstat", path, &err))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let full = if cleaned == "/" {
                format!("/{name}")
            } else {
                format!("{cleaned}/{name}")
            };
            entries.push((full, m));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut out = Vec::new();
    for (full, m) in entries {
        let name = full.rsplit('/').next().unwrap_or_default();
        if let Some(p) = pattern.filter(|p| !p.is_empty()) {
            if !charm_pebble::wire::glob_match(p.as_bytes(), name.as_bytes()) {
                continue;
            }
        }
        out.push(info_json(d, &full, &m));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../../..", root.join("etc/up")).unwrap();
        assert_eq!(
            resolve(root, "/../../etc/x", true).unwrap(),
            root.join("etc/x")
        );
        // An absolute link target is the container's /etc, not the host's.
        assert_eq!(
            resolve(root, "/abs/passwd", true).unwrap(),
            root.join("etc/passwd")
        );
        assert_eq!(
            resolve(root, "/etc/up/tmp", true).unwrap(),
            root.join("tmp")
        );
        // The last component is left alone unless followed.
        assert_eq!(resolve(root, "/abs", false).unwrap(), root.join("abs"));
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        assert!(resolve(root, "/loop", true).is_err());
    }
}
