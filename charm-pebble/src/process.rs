//! A command running in the container, with its standard streams open while it
//! runs (`ops.pebble.ExecProcess`).

use std::io::{self, Read, Write};
use std::thread;

use crate::error::{Error, Result};
use crate::types::ExecOutput;

/// How an [`ExecProcess`] is waited for and signalled; implemented by the real
/// client (over Pebble's control websocket and change) and by [`FakePebble`](crate::FakePebble).
pub trait ProcessControl: Send {
    /// Sends a signal (`SIGTERM`, `SIGHUP`...) to the running command.
    fn send_signal(&mut self, signal: &str) -> Result<()>;
    /// Waits for the command to finish; returns its exit code.
    fn wait(&mut self) -> Result<i32>;
}

/// A writable standard input.
pub type ExecStdin = Box<dyn Write + Send>;
/// A readable standard output or error.
pub type ExecReader = Box<dyn Read + Send>;

/// A command started by [`Pebble::spawn`](crate::Pebble::spawn): write its
/// standard input and read its output while it runs, then [`wait`](Self::wait)
/// or [`wait_output`](Self::wait_output).
///
/// ```
/// use std::io::{BufRead, BufReader, Write};
/// use charm_pebble::{ExecOptions, FakePebble, Pebble};
///
/// let fake = FakePebble::new();
/// // A workload command that answers each line as it comes.
/// fake.on_exec_stream(|_cmd, _opts, io| {
///     for line in BufReader::new(io.stdin).lines() {
///         writeln!(io.stdout, "got {}", line?)?;
///     }
///     Ok(0)
/// });
/// let mut process = fake.spawn(&["repl"], &ExecOptions::default())?;
/// let mut stdin = process.take_stdin().unwrap();
/// let mut stdout = BufReader::new(process.take_stdout().unwrap());
/// writeln!(stdin, "ping")?;
/// let mut answer = String::new();
/// stdout.read_line(&mut answer)?;
/// assert_eq!(answer, "got ping\n");
/// drop(stdin); // end of input: the command finishes
/// assert_eq!(process.wait()?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExecProcess {
    command: Vec<String>,
    stdin: Option<ExecStdin>,
    stdout: Option<ExecReader>,
    stderr: Option<ExecReader>,
    control: Box<dyn ProcessControl>,
}

impl std::fmt::Debug for ExecProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecProcess")
            .field("command", &self.command)
            .field("stdin", &self.stdin.is_some())
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .finish()
    }
}

impl ExecProcess {
    /// Assembles a process from its streams and control (for [`Pebble`](crate::Pebble)
    /// implementations). `stderr` is `None` when it is combined into `stdout`;
    /// `stdin` is `None` when the caller gave the input up front.
    pub fn new(
        command: Vec<String>,
        stdin: Option<ExecStdin>,
        stdout: Option<ExecReader>,
        stderr: Option<ExecReader>,
        control: Box<dyn ProcessControl>,
    ) -> ExecProcess {
        ExecProcess {
            command,
            stdin,
            stdout,
            stderr,
            control,
        }
    }

    /// The command line.
    pub fn command(&self) -> &[String] {
        &self.command
    }

    /// Standard input, while it is open; dropping it (or [`take_stdin`](Self::take_stdin)
    /// then dropping) sends end of file.
    pub fn stdin(&mut self) -> Option<&mut (dyn Write + Send + 'static)> {
        self.stdin.as_deref_mut()
    }

    /// Takes standard input out, for another thread; drop it to send end of file.
    pub fn take_stdin(&mut self) -> Option<ExecStdin> {
        self.stdin.take()
    }

    /// Standard output (with standard error if it was combined).
    pub fn stdout(&mut self) -> Option<&mut (dyn Read + Send + 'static)> {
        self.stdout.as_deref_mut()
    }

    /// Takes standard output out, for another thread.
    pub fn take_stdout(&mut self) -> Option<ExecReader> {
        self.stdout.take()
    }

    /// Standard error, when it is kept apart.
    pub fn stderr(&mut self) -> Option<&mut (dyn Read + Send + 'static)> {
        self.stderr.as_deref_mut()
    }

    /// Takes standard error out, for another thread.
    pub fn take_stderr(&mut self) -> Option<ExecReader> {
        self.stderr.take()
    }

    /// Sends a signal by name (`SIGTERM`, `SIGHUP`...) to the running command.
    pub fn send_signal(&mut self, signal: &str) -> Result<()> {
        self.control.send_signal(signal)
    }

    /// Closes standard input and waits for the command; returns its exit code.
    /// Output not read yet is read and dropped, so a chatty command cannot block.
    /// A non-zero exit is not an error here (compare `ops`' `wait`, which raises).
    pub fn wait(mut self) -> Result<i32> {
        drop(self.stdin.take());
        let drains: Vec<_> = [self.stdout.take(), self.stderr.take()]
            .into_iter()
            .flatten()
            .map(|mut r| thread::spawn(move || io::copy(&mut r, &mut io::sink())))
            .collect();
        let code = self.control.wait();
        for d in drains {
            let _ = d.join();
        }
        code
    }

    /// Closes standard input, reads the rest of the output and waits; the output
    /// and exit code (see [`ExecOutput::success`] to turn a non-zero exit into
    /// an error). Output already taken with `take_stdout`/`take_stderr` is not in it.
    pub fn wait_output(mut self) -> Result<ExecOutput> {
        drop(self.stdin.take());
        let read_all = |r: Option<ExecReader>| {
            r.map(|mut r| {
                thread::spawn(move || {
                    let mut out = Vec::new();
                    r.read_to_end(&mut out).map(|_| out)
                })
            })
        };
        let stdout = read_all(self.stdout.take());
        let stderr = read_all(self.stderr.take());
        let exit_code = self.control.wait()?;
        let collect = |h: Option<thread::JoinHandle<io::Result<Vec<u8>>>>| -> Result<Vec<u8>> {
            match h.map(|h| h.join()) {
                None => Ok(Vec::new()),
                Some(Ok(r)) => r.map_err(|source| Error::Local {
                    path: "<exec output>".into(),
                    source,
                }),
                Some(Err(_)) => Ok(Vec::new()),
            }
        };
        Ok(ExecOutput {
            command: self.command.clone(),
            stdout: collect(stdout)?,
            stderr: collect(stderr)?,
            exit_code,
        })
    }
}
