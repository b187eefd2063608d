//! The units' charm directories and the hooks' output files.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What a charm directory may not hold: a FIFO, a socket or a device, which a copy would
/// block on or read without end (a packed charm holds files, directories and symlinks).
fn special_file(ft: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        Some("a FIFO")
    } else if ft.is_socket() {
        Some("a socket")
    } else if ft.is_block_device() || ft.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

/// The error for a special file at `path`.
fn refuse_special(path: &Path, kind: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "{} is {kind}: a charm directory holds only files, directories and symlinks",
            path.display()
        ),
    )
}

/// Checks that `dir` holds only files, directories and symlinks (before anything in it
/// is read), `.git` left out.
pub(crate) fn check_charm_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == ".git" {
            continue;
        }
        let ft = entry.file_type()?;
        if let Some(kind) = special_file(ft) {
            return Err(refuse_special(&entry.path(), kind));
        }
        if ft.is_dir() {
            check_charm_dir(&entry.path())?;
        }
    }
    Ok(())
}

/// Copies a charm directory, `.git` left out; a FIFO, socket or device is refused.
pub(crate) fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        let ft = entry.file_type()?;
        if let Some(kind) = special_file(ft) {
            return Err(refuse_special(&from, kind));
        }
        if !ft.is_dir() && to.symlink_metadata().is_ok() {
            std::fs::remove_file(&to)?;
        }
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from)?, &to)?;
        } else if ft.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            // Big files (compiled charms) are hard-linked to keep 1000-unit models cheap.
            let big = entry.metadata()?.len() > 1 << 20;
            if !(big && std::fs::hard_link(&from, &to).is_ok()) {
                std::fs::copy(&from, &to)?;
            }
        }
    }
    Ok(())
}

/// How much of a hook's stdout and stderr its record keeps: the end.
pub(crate) const OUTPUT_KEPT: u64 = 64 * 1024;

/// The last [`OUTPUT_KEPT`] bytes of a hook's output file, read from there (a hook may
/// write gigabytes), as text: bytes that are not UTF-8 become U+FFFD, and a character
/// cut at the start is dropped.
pub(crate) fn read_tail(path: &Path) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(OUTPUT_KEPT);
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(start)).is_err() || f.take(OUTPUT_KEPT).read_to_end(&mut buf).is_err()
    {
        return String::new();
    }
    let mut from = 0;
    if start > 0 {
        // UTF-8 continuation bytes (10xxxxxx) of a character that began before `start`.
        while from < buf.len().min(3) && buf[from] & 0xc0 == 0x80 {
            from += 1;
        }
    }
    String::from_utf8_lossy(&buf[from..]).into_owned()
}

/// The prefix of a model directory's name (in the system's temporary directory).
pub(crate) const MODEL_DIR_PREFIX: &str = "charm-sim-";

/// The file in a model directory naming the process that owns it (`<pid> <start time>`);
/// a directory without it (kept with `--keep`) is never swept.
const OWNER_FILE: &str = ".owner";

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`), where `/proc` has it.
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.get(stat.rfind(')')? + 1..)?;
    after_name.split_whitespace().nth(19).map(str::to_string)
}

/// Marks `dir` as owned by this process, for [`sweep_stale_models`].
pub(crate) fn mark_owner(dir: &Path) -> std::io::Result<()> {
    let pid = std::process::id();
    let start = process_start(pid).unwrap_or_default();
    std::fs::write(dir.join(OWNER_FILE), format!("{pid} {start}"))
}

/// Unmarks `dir`: it is kept when its owner is gone.
pub(crate) fn unmark_owner(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(OWNER_FILE));
}

/// Whether the process an owner file names is gone: no such pid, or a pid since reused
/// by a process that started at another time.
fn owner_gone(owner: &str) -> bool {
    let mut parts = owner.split_whitespace();
    let Some(pid) = parts.next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    let recorded = parts.next().unwrap_or_default();
    match process_start(pid) {
        Some(start) => !recorded.is_empty() && start != recorded,
        None => match rustix::process::Pid::from_raw(pid as i32) {
            Some(p) => rustix::process::test_kill_process(p) == Err(rustix::io::Errno::SRCH),
            None => false,
        },
    }
}

/// Removes the model directories under `tmp` that a simulator killed before it could
/// clean up left behind: only directories named `charm-sim-*`, owned by this user, whose
/// owner file names a process that is gone. Returns how many were removed.
pub(crate) fn sweep_stale_models(tmp: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let uid = rustix::process::geteuid().as_raw();
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        if !e
            .file_name()
            .to_string_lossy()
            .starts_with(MODEL_DIR_PREFIX)
        {
            continue;
        }
        let path = e.path();
        // Not followed if a symlink: only a directory of ours.
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if !meta.is_dir() || meta.uid() != uid {
            continue;
        }
        let Ok(owner) = std::fs::read_to_string(path.join(OWNER_FILE)) else {
            continue;
        };
        if owner_gone(&owner) && std::fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_is_the_last_64_kib_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        // A 3-byte character straddling the cut, then bytes that are not UTF-8.
        let mut data = vec![b'a'; 100_000];
        let cut = data.len() - OUTPUT_KEPT as usize;
        data[cut - 1..cut + 2].copy_from_slice("€".as_bytes());
        data.extend_from_slice(b"end \xff\xfe.");
        std::fs::write(&p, &data).unwrap();
        let tail = read_tail(&p);
        assert!(tail.starts_with("aaa"), "{:?}", &tail[..10]);
        assert!(tail.ends_with("end \u{fffd}\u{fffd}."), "{tail:?}");
        assert_eq!(read_tail(&dir.path().join("missing")), "");
    }

    #[test]
    fn a_huge_sparse_output_is_read_from_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        let f = File::create(&p).unwrap();
        f.set_len(1 << 40).unwrap();
        drop(f);
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        std::io::Write::write_all(&mut f, b"last line\n").unwrap();
        let tail = read_tail(&p);
        assert_eq!(tail.len(), OUTPUT_KEPT as usize);
        assert!(tail.ends_with("\0last line\n"));
    }

    #[test]
    fn only_model_dirs_of_processes_that_are_gone_are_swept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = |name: &str, owner: Option<String>| {
            let d = tmp.path().join(name);
            std::fs::create_dir_all(d.join("units")).unwrap();
            if let Some(o) = owner {
                std::fs::write(d.join(OWNER_FILE), o).unwrap();
            }
            d
        };
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        let my_start = process_start(me).unwrap();
        let stale = dir("charm-sim-stale", Some(format!("{dead} 1")));
        let reused = dir("charm-sim-reused", Some(format!("{me} 1")));
        let live = dir("charm-sim-live", Some(format!("{me} {my_start}")));
        let kept = dir("charm-sim-kept", None);
        let other = dir("other-stale", Some(format!("{dead} 1")));
        assert_eq!(sweep_stale_models(tmp.path()), 2);
        assert!(!stale.exists() && !reused.exists());
        assert!(live.exists() && kept.exists() && other.exists());
    }

    #[test]
    fn a_fifo_in_a_charm_dir_is_refused_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/ok"), "x").unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join("src/pipe"))
            .status()
            .unwrap();
        assert!(status.success());
        let err = check_charm_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("src/pipe is a FIFO"), "{err}");
        let to = tempfile::tempdir().unwrap();
        let err = copy_dir(dir.path(), to.path()).unwrap_err().to_string();
        assert!(err.contains("src/pipe is a FIFO"), "{err}");
    }
}
