//! The fake's exec: canned results or a test's handler, played on a thread with the
//! command's streams over OS pipes.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::State;
use crate::error::{Error, Result};
use crate::process::{ExecProcess, ExecReader, ExecStdin, ProcessControl};
use crate::types::*;

/// What a test installs to answer [`Pebble::exec`](crate::Pebble::exec): given the command and the
/// options, return the output (its `command` field is filled in for you) or an error.
pub type ExecHandler = Box<dyn FnMut(&[String], &ExecOptions) -> Result<ExecOutput> + Send>;

/// The standard streams a [`StreamingExecHandler`] works with, open while it runs.
pub struct ExecIo<'a> {
    /// The command's standard input (end of file when the caller closes it).
    pub stdin: &'a mut (dyn Read + Send),
    /// Its standard output.
    pub stdout: &'a mut (dyn Write + Send),
    /// Its standard error (the same stream as `stdout` when combined).
    pub stderr: &'a mut (dyn Write + Send),
}

/// A handler that plays a command while the caller streams to and from it;
/// returns the exit code. Installed with [`FakePebble::on_exec_stream`](super::FakePebble::on_exec_stream).
pub type StreamingExecHandler =
    Box<dyn FnMut(&[String], &ExecOptions, ExecIo<'_>) -> std::io::Result<i32> + Send>;

pub(super) enum Handler {
    Buffered(ExecHandler),
    Streaming(StreamingExecHandler),
}

impl State {
    /// How to play `cmd`: the longest matching canned result, else the handler; with
    /// neither, an error change as Pebble reports an unknown executable.
    pub(super) fn runner(&mut self, cmd: &[String]) -> Result<Runner> {
        if cmd.is_empty() {
            return Err(Error::InvalidInput("exec needs a command".into()));
        }
        self.exec_calls.push(cmd.to_vec());
        let canned = self
            .exec_results
            .iter()
            .filter(|(p, _)| cmd.starts_with(p))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, out)| out.clone());
        match (canned, &self.exec) {
            (Some(out), _) => Ok(Runner::Canned(out)),
            (None, Some(h)) => Ok(Runner::Handler(Arc::clone(h))),
            (None, None) => {
                let summary = format!("Execute command {:?}", cmd[0]);
                let err = format!(
                    "cannot perform the following tasks:\n- {summary} (cannot find executable {:?}: \
                     no exec result or handler in this FakePebble; add one with add_exec or on_exec)",
                    cmd[0]
                );
                let id = self.change("exec", summary, Some(err.clone()));
                Err(Error::Change {
                    change_id: id.0,
                    err,
                })
            }
        }
    }
}

/// Signal names Pebble accepts (`unix.SignalNum`): `SIG` and a Linux signal name.
pub(super) fn valid_signal(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "SIGABRT",
        "SIGALRM",
        "SIGBUS",
        "SIGCHLD",
        "SIGCONT",
        "SIGFPE",
        "SIGHUP",
        "SIGILL",
        "SIGINT",
        "SIGIO",
        "SIGKILL",
        "SIGPIPE",
        "SIGPROF",
        "SIGPWR",
        "SIGQUIT",
        "SIGSEGV",
        "SIGSTKFLT",
        "SIGSTOP",
        "SIGSYS",
        "SIGTERM",
        "SIGTRAP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGUSR1",
        "SIGUSR2",
        "SIGVTALRM",
        "SIGWINCH",
        "SIGXCPU",
        "SIGXFSZ",
    ];
    NAMES.contains(&name)
}

/// How a fake command is played.
pub(super) enum Runner {
    Canned(ExecOutput),
    Handler(Arc<Mutex<Handler>>),
}

/// Control of a fake command: its exit code arrives on a channel when its thread ends.
struct FakeProcess {
    command: Vec<String>,
    state: Arc<Mutex<State>>,
    done: mpsc::Receiver<Result<i32>>,
    change: ChangeId,
}

impl ProcessControl for FakeProcess {
    fn send_signal(&mut self, signal: &str) -> Result<()> {
        if !valid_signal(signal) {
            return Err(Error::InvalidInput(format!(
                "invalid signal name {signal:?}"
            )));
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.signals.push((signal.to_string(), self.command.clone()));
        Ok(())
    }

    fn wait(&mut self) -> Result<i32> {
        match self.done.recv() {
            Ok(r) => r,
            Err(_) => Err(Error::Change {
                change_id: self.change.0.clone(),
                err: "the exec handler panicked".into(),
            }),
        }
    }
}

fn pipe_err(e: std::io::Error) -> Error {
    Error::Local {
        path: "<fake exec pipe>".into(),
        source: e,
    }
}

/// Runs a fake command on its own thread, its streams over OS pipes so the
/// caller can stream while it runs.
pub(super) fn spawn_fake(
    cmd: Vec<String>,
    options: ExecOptions,
    runner: Runner,
    state: Arc<Mutex<State>>,
    change: ChangeId,
) -> Result<ExecProcess> {
    let (stdin_r, stdin_w) = std::io::pipe().map_err(pipe_err)?;
    let (out_r, out_w) = std::io::pipe().map_err(pipe_err)?;
    let (err_r, err_w) = if options.combine_stderr {
        (None, out_w.try_clone().map_err(pipe_err)?)
    } else {
        let (r, w) = std::io::pipe().map_err(pipe_err)?;
        (Some(r), w)
    };
    let given_stdin = options.stdin.clone();
    let has_stdin = given_stdin.is_some();
    let (tx, rx) = mpsc::channel();
    let thread_cmd = cmd.clone();
    let change_id = change.clone();
    std::thread::spawn(move || {
        let (mut stdin_r, mut out_w, mut err_w) = (stdin_r, out_w, err_w);
        let mut given = given_stdin.as_deref();
        let stdin: &mut (dyn Read + Send) = match &mut given {
            Some(bytes) => bytes,
            None => &mut stdin_r,
        };
        let io = ExecIo {
            stdin,
            stdout: &mut out_w,
            stderr: &mut err_w,
        };
        let result = play(runner, &thread_cmd, &options, io, &change_id);
        drop((out_w, err_w));
        let _ = tx.send(result);
    });
    let stdin = (!has_stdin).then(|| Box::new(stdin_w) as ExecStdin);
    Ok(ExecProcess::new(
        cmd.clone(),
        stdin,
        Some(Box::new(out_r) as ExecReader),
        err_r.map(|r| Box::new(r) as ExecReader),
        Box::new(FakeProcess {
            command: cmd,
            state,
            done: rx,
            change,
        }),
    ))
}

/// Plays the command on its streams: its exit code, or the handler's error.
fn play(
    runner: Runner,
    cmd: &[String],
    options: &ExecOptions,
    io: ExecIo<'_>,
    change_id: &ChangeId,
) -> Result<i32> {
    match runner {
        Runner::Canned(out) => {
            // Like a command that ignores its input.
            let _ = io.stdout.write_all(&out.stdout);
            let _ = io.stderr.write_all(&out.stderr);
            Ok(out.exit_code)
        }
        Runner::Handler(h) => {
            let mut h = h.lock().unwrap_or_else(|p| p.into_inner());
            match &mut *h {
                Handler::Buffered(f) => {
                    let mut opts = options.clone();
                    if opts.stdin.is_none() {
                        let mut all = Vec::new();
                        let _ = io.stdin.read_to_end(&mut all);
                        opts.stdin = Some(all);
                    }
                    f(cmd, &opts).map(|out| {
                        let _ = io.stdout.write_all(&out.stdout);
                        let _ = io.stderr.write_all(&out.stderr);
                        out.exit_code
                    })
                }
                Handler::Streaming(f) => f(cmd, options, io).map_err(|e| Error::Change {
                    change_id: change_id.0.clone(),
                    err: format!(
                        "cannot perform the following tasks:\n- Execute command {:?} ({e})",
                        cmd[0]
                    ),
                }),
            }
        }
    }
}
