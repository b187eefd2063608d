//! The units' charm directories and the hooks' output files.

use std::path::Path;

/// Copies a charm directory, `.git` left out.
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

/// The last 64 KiB of a hook's output.
pub(crate) fn truncate(mut s: String) -> String {
    const MAX: usize = 64 * 1024;
    if s.len() > MAX {
        let mut cut = s.len() - MAX;
        while !s.is_char_boundary(cut) {
            cut += 1;
        }
        s.drain(..cut);
    }
    s
}
