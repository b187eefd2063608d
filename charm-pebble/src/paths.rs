//! Recursive copies between the charm's filesystem and the container's:
//! `push_path` and `pull_path`, following `ops.model.Container` (its
//! `_list_recursive` and `_build_destpath`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::types::{FileType, ListFilesOptions, MakeDirOptions, PushOptions};
use crate::Pebble;

fn local(path: &Path, source: std::io::Error) -> Error {
    Error::Local {
        path: path.display().to_string(),
        source,
    }
}

/// `/src/*` lists the contents of `/src`; anything else lists itself.
fn strip_star(path: &str) -> (&str, bool) {
    match path.strip_suffix("/*") {
        Some("") => ("/", true),
        Some(dir) => (dir, true),
        None => (path, false),
    }
}

/// Where `file` (found under `source`) lands in `dest`: relative to the parent
/// of `source` (so `/src` keeps its name, `/src/*` does not).
fn dest_for(file: &str, source: &str, dest: &str) -> Result<String> {
    let (dir, star) = strip_star(source);
    let prefix = if star {
        dir.trim_end_matches('/').to_string()
    } else {
        match dir.trim_end_matches('/').rsplit_once('/') {
            Some((parent, _)) => parent.to_string(),
            None => String::new(),
        }
    };
    let rel = if prefix.is_empty() {
        file.trim_start_matches('/')
    } else {
        file.strip_prefix(&prefix)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "file {file:?} does not have specified prefix {prefix:?}"
                ))
            })?
    };
    Ok(format!("{}/{rel}", dest.trim_end_matches('/')))
}

/// A local entry found while walking a source.
struct LocalEntry {
    path: PathBuf,
    is_dir: bool,
    mode: u32,
}

fn local_list(path: &Path) -> Result<Vec<LocalEntry>> {
    let entry = |p: PathBuf| -> Result<Option<LocalEntry>> {
        // Follows symlinks, as ops' push opens the path.
        let meta = fs::metadata(&p).map_err(|e| local(&p, e))?;
        if !(meta.is_dir() || meta.is_file()) {
            return Ok(None); // sockets, devices...: skipped as ops does
        }
        Ok(Some(LocalEntry {
            is_dir: meta.is_dir(),
            mode: meta.permissions().mode() & 0o777,
            path: p,
        }))
    };
    if path.is_dir() {
        let mut names: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| local(path, e))?
            .map(|e| e.map(|e| e.path()).map_err(|e| local(path, e)))
            .collect::<Result<_>>()?;
        names.sort();
        names
            .into_iter()
            .filter_map(|p| entry(p).transpose())
            .collect()
    } else {
        Ok(entry(path.to_path_buf())?.into_iter().collect())
    }
}

fn push_one<P: Pebble + ?Sized>(pebble: &P, source: &Path, dest_dir: &str) -> Result<()> {
    let text = source.to_string_lossy();
    let (start, _) = strip_star(&text);
    let mut todo = vec![PathBuf::from(start)];
    while let Some(dir) = todo.pop() {
        for e in local_list(&dir)? {
            let dst = dest_for(&e.path.to_string_lossy(), &text, dest_dir)?;
            if e.is_dir {
                let opts = MakeDirOptions {
                    make_parents: true,
                    ..MakeDirOptions::default()
                };
                pebble.make_dir(&dst, &opts)?;
                todo.push(e.path);
            } else {
                let mut file = fs::File::open(&e.path).map_err(|err| local(&e.path, err))?;
                let opts = PushOptions {
                    make_dirs: true,
                    permissions: Some(e.mode),
                    ..PushOptions::default()
                };
                pebble.push_from(&dst, &mut file, &opts)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn push_path<P: Pebble + ?Sized>(
    pebble: &P,
    sources: &[&Path],
    dest_dir: &str,
) -> Result<()> {
    let errors: Vec<(String, Error)> = sources
        .iter()
        .filter_map(|s| {
            push_one(pebble, s, dest_dir)
                .err()
                .map(|e| (s.display().to_string(), e))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Multi {
            message: "failed to push one or more files".into(),
            errors,
        })
    }
}

fn pull_one<P: Pebble + ?Sized>(pebble: &P, source: &str, dest_dir: &Path) -> Result<()> {
    let (start, _) = strip_star(source);
    let dest = dest_dir.to_string_lossy();
    let mut todo = vec![start.to_string()];
    while let Some(dir) = todo.pop() {
        for info in pebble.list_files_with(&dir, &ListFilesOptions::default())? {
            let dst = PathBuf::from(dest_for(&info.path, source, &dest)?);
            match info.file_type {
                FileType::Directory => {
                    fs::create_dir_all(&dst).map_err(|e| local(&dst, e))?;
                    todo.push(info.path);
                }
                FileType::File | FileType::Symlink => {
                    if let Some(parent) = dst.parent() {
                        fs::create_dir_all(parent).map_err(|e| local(parent, e))?;
                    }
                    let mut file = fs::File::create(&dst).map_err(|e| local(&dst, e))?;
                    pebble.pull_to(&info.path, &mut file)?;
                }
                _ => {} // sockets, pipes, devices: skipped as ops does
            }
        }
    }
    Ok(())
}

pub(crate) fn pull_path<P: Pebble + ?Sized>(
    pebble: &P,
    sources: &[&str],
    dest_dir: &Path,
) -> Result<()> {
    let errors: Vec<(String, Error)> = sources
        .iter()
        .filter_map(|s| {
            pull_one(pebble, s, dest_dir)
                .err()
                .map(|e| (s.to_string(), e))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Multi {
            message: "failed to pull one or more files".into(),
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::dest_for;

    /// The examples of `ops.Container.push_path`'s docstring.
    #[test]
    fn destinations_follow_ops() {
        let d = |f, s| dest_for(f, s, "/dst").unwrap();
        assert_eq!(d("/foo/foobar.txt", "/foo/foobar.txt"), "/dst/foobar.txt");
        assert_eq!(d("/foo/bar/baz.txt", "/foo"), "/dst/foo/bar/baz.txt");
        assert_eq!(d("/foo/bar/baz.txt", "/foo/*"), "/dst/bar/baz.txt");
        assert_eq!(d("/foo/bar/baz.txt", "/foo/bar"), "/dst/bar/baz.txt");
        assert_eq!(d("/quux.txt", "/quux.txt"), "/dst/quux.txt");
        assert_eq!(d("/x/y", "/*"), "/dst/x/y");
        assert!(dest_for("/elsewhere/a", "/foo/x", "/dst").is_err());
    }
}
