//! Host processes for the container: finding the program, signals, process
//! groups, Go-style error texts.

use std::io;
use std::path::{Path, PathBuf};

use rustix::process::{kill_process, kill_process_group, Pid, Signal};

use crate::files;

/// Finds `program` as the container would (its root first: `/usr/bin/x` is
/// `<root>/usr/bin/x`), then on the simulator's own `PATH`: a container root
/// usually holds only the workload's files, not a whole image.
pub(crate) fn find_program(root: &Path, program: &str, path_env: Option<&str>) -> Option<PathBuf> {
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        if program.starts_with('/') {
            if let Ok(inside) = files::resolve(root, program, true) {
                if executable(&inside) {
                    return Some(inside);
                }
            }
        }
        let host = PathBuf::from(program);
        return executable(&host).then_some(host);
    }
    let container_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for dir in container_path.split(':') {
        if let Ok(p) = files::resolve(root, &format!("{dir}/{program}"), true) {
            if executable(&p) {
                return Some(p);
            }
        }
    }
    let host_path = path_env
        .map(str::to_string)
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_else(|| container_path.to_string());
    host_path
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(program))
        .find(|p| executable(p))
}

/// A signal by its Go/Linux name (`SIGTERM`), as `unix.SignalNum`.
pub(crate) fn signal_by_name(name: &str) -> Option<Signal> {
    Some(match name {
        "SIGABRT" => Signal::ABORT,
        "SIGALRM" => Signal::ALARM,
        "SIGBUS" => Signal::BUS,
        "SIGCHLD" => Signal::CHILD,
        "SIGCONT" => Signal::CONT,
        "SIGFPE" => Signal::FPE,
        "SIGHUP" => Signal::HUP,
        "SIGILL" => Signal::ILL,
        "SIGINT" => Signal::INT,
        "SIGIO" => Signal::IO,
        "SIGKILL" => Signal::KILL,
        "SIGPIPE" => Signal::PIPE,
        "SIGPROF" => Signal::PROF,
        "SIGPWR" => Signal::POWER,
        "SIGQUIT" => Signal::QUIT,
        "SIGSEGV" => Signal::SEGV,
        "SIGSTKFLT" => Signal::STKFLT,
        "SIGSTOP" => Signal::STOP,
        "SIGSYS" => Signal::SYS,
        "SIGTERM" => Signal::TERM,
        "SIGTRAP" => Signal::TRAP,
        "SIGTSTP" => Signal::TSTP,
        "SIGTTIN" => Signal::TTIN,
        "SIGTTOU" => Signal::TTOU,
        "SIGURG" => Signal::URG,
        "SIGUSR1" => Signal::USR1,
        "SIGUSR2" => Signal::USR2,
        "SIGVTALRM" => Signal::VTALARM,
        "SIGWINCH" => Signal::WINCH,
        "SIGXCPU" => Signal::XCPU,
        "SIGXFSZ" => Signal::XFSZ,
        _ => return None,
    })
}

/// Signals one process.
pub(crate) fn signal(pid: i32, sig: Signal) -> io::Result<()> {
    let pid = Pid::from_raw(pid).ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    kill_process(pid, sig).map_err(io::Error::from)
}

/// Signals a whole process group (`kill(-pgid, sig)`); a group already gone is fine.
pub(crate) fn signal_group(pgid: i32, sig: Signal) {
    if let Some(pid) = Pid::from_raw(pgid) {
        let _ = kill_process_group(pid, sig);
    }
}

/// True while some process is in group `pgid` (`kill(-pgid, 0)`).
pub(crate) fn group_alive(pgid: i32) -> bool {
    Pid::from_raw(pgid).is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}

/// Go's text for an OS error (`no such file or directory`), without Rust's
/// `(os error N)` suffix.
pub(crate) fn go_error(e: &io::Error) -> String {
    let text = match e.raw_os_error() {
        Some(2) => "no such file or directory",
        Some(13) => "permission denied",
        Some(17) => "file exists",
        Some(20) => "not a directory",
        Some(21) => "is a directory",
        Some(39) => "directory not empty",
        Some(8) => "exec format error",
        Some(1) => "operation not permitted",
        Some(40) => "too many levels of symbolic links",
        _ => return e.to_string(),
    };
    text.to_string()
}

/// An exit status as Go's `ProcessState.ExitCode`: -1 when killed by a signal.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(-1)
}
