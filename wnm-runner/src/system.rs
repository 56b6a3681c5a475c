//! `SystemRunner`: the real `Runner`, and the only file in wnm that calls `Command::new`.
//!
//! # How a detached node is started
//! `spawn_detached` runs `setsid PROGRAM ARGS...` (util-linux) with `tokio::process::Command`,
//! stdin from `/dev/null` and stdout/stderr appended to the given files. The spawned child is not a
//! process-group leader, so `setsid` calls `setsid(2)` itself and then `exec`s the program in the
//! same process: **the pid returned is the node's own pid**, the node leads a new session (no
//! controlling terminal, so no SIGHUP when the terminal closes, no SIGINT from Ctrl-C) and it
//! outlives wnm. `setsid --fork` is deliberately not used: it would hand back the pid of a process
//! that exits at once. `pre_exec(setsid)` would need `unsafe`, which the workspace forbids.
//!
//! `spawn_detached` returns once the program has been `exec`ed (it watches `/proc/PID/exe` change
//! from `setsid` to something else), so a program that `setsid` cannot start is reported as an
//! error instead of a pid that dies a moment later.
//!
//! Where no `setsid` program exists (macOS), the child is put in its own process group with
//! `process_group(0)`: it still outlives wnm and is out of the terminal's foreground group, but it
//! shares wnm's session.
//!
//! The node stays wnm's child while wnm lives, so it would linger as a zombie after it exits: a
//! tokio task waits on every detached child to reap it. After wnm exits the node is re-parented to
//! init, which reaps it.
#![allow(clippy::disallowed_methods)] // This file is the one sanctioned spawn point (see lib.rs).

use crate::program::resolve_program;
use async_trait::async_trait;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;
use wnm_core::{CommandOutput, CommandSpec, Error, ErrorKind, Result, Runner, Signal};

/// How long `run` waits when the spec gives no timeout.
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// How long `spawn_detached` waits for `setsid` to `exec` the program.
const EXEC_WAIT: Duration = Duration::from_secs(10);

/// The real process runner.
#[derive(Debug, Clone)]
pub struct SystemRunner {
    setsid: Option<PathBuf>,
    default_timeout: Option<Duration>,
}

impl Default for SystemRunner {
    fn default() -> Self {
        SystemRunner::new()
    }
}

impl SystemRunner {
    /// A runner that detaches through the `setsid` found on `PATH` (if any) and gives `run`
    /// [`DEFAULT_RUN_TIMEOUT`] when a command sets none.
    pub fn new() -> Self {
        let setsid = resolve_program("setsid", None)
            .ok()
            .and_then(|p| std::fs::canonicalize(p).ok());
        SystemRunner {
            setsid,
            default_timeout: Some(DEFAULT_RUN_TIMEOUT),
        }
    }

    /// Timeout for `run` when the command has none (`None`: wait as long as it takes).
    pub fn with_default_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Never use `setsid`; detach with a new process group only (what happens on macOS).
    pub fn without_setsid(mut self) -> Self {
        self.setsid = None;
        self
    }

    /// The `setsid` program used to detach, if one was found.
    pub fn setsid_program(&self) -> Option<&Path> {
        self.setsid.as_deref()
    }
}

fn spawn_error(cmd: &CommandSpec, e: std::io::Error) -> Error {
    let hint = match e.kind() {
        std::io::ErrorKind::NotFound => {
            "program not found on PATH; install it or give its full path"
        }
        std::io::ErrorKind::PermissionDenied => "permission denied; check that it is executable",
        _ => "check the program and its arguments",
    };
    Error::new(
        if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Backend
        },
        format!("cannot start {}: {e}: {hint}", cmd.program),
    )
    .with_source(e)
}

fn check_cwd(cmd: &CommandSpec) -> Result<()> {
    if let Some(dir) = &cmd.cwd
        && !dir.is_dir()
    {
        return Err(Error::not_found(format!(
            "cannot start {}: its working directory {} does not exist",
            cmd.program,
            dir.display()
        )));
    }
    Ok(())
}

fn open_append(path: &Path, what: &str) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening {what} file {}", path.display()), e))
}

fn output_stdio(path: Option<&PathBuf>, what: &str) -> Result<Stdio> {
    Ok(match path {
        Some(p) => Stdio::from(open_append(p, what)?),
        None => Stdio::null(),
    })
}

#[async_trait]
impl Runner for SystemRunner {
    async fn run(&self, cmd: &CommandSpec) -> Result<CommandOutput> {
        check_cwd(cmd)?;
        let mut c = Command::new(&cmd.program);
        c.args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &cmd.cwd {
            c.current_dir(dir);
        }
        tracing::debug!(command = %cmd.display(), "run");
        let child = c.spawn().map_err(|e| spawn_error(cmd, e))?;
        let wait = child.wait_with_output();
        let out = match cmd.timeout.or(self.default_timeout) {
            // Dropping the future drops the child, and kill_on_drop kills (and later reaps) it.
            Some(t) => tokio::time::timeout(t, wait).await.map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{} did not finish within {:.1} s and was killed; check what it waits for or raise its timeout",
                        cmd.display(),
                        t.as_secs_f64()
                    ),
                )
            })?,
            None => wait.await,
        }
        .map_err(|e| Error::io(format!("waiting for {}", cmd.display()), e))?;
        Ok(CommandOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    async fn spawn_detached(&self, cmd: &CommandSpec) -> Result<u32> {
        check_cwd(cmd)?;
        let path_var = cmd
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.as_str());
        let program = resolve_program(&cmd.program, path_var)?;
        let stdout = output_stdio(cmd.stdout_file.as_ref(), "stdout")?;
        let stderr = output_stdio(cmd.stderr_file.as_ref(), "stderr")?;
        let mut c = match &self.setsid {
            Some(setsid) => {
                let mut c = Command::new(setsid);
                c.arg(&program);
                c
            }
            None => {
                let mut c = Command::new(&program);
                c.process_group(0);
                c
            }
        };
        c.args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(false);
        if let Some(dir) = &cmd.cwd {
            c.current_dir(dir);
        }
        tracing::debug!(command = %cmd.display(), "spawn detached");
        let mut child = c.spawn().map_err(|e| spawn_error(cmd, e))?;
        let pid = child.id().ok_or_else(|| {
            Error::backend(format!("{} exited before its pid was known", cmd.program))
        })?;
        if let Some(setsid) = &self.setsid {
            // Wait until setsid has exec'ed the program (same pid), or report why it did not.
            let start = Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(status)) if status.success() => return Ok(pid),
                    Ok(Some(status)) => {
                        let log = cmd
                            .stderr_file
                            .as_ref()
                            .map(|p| format!("; see {}", p.display()))
                            .unwrap_or_default();
                        return Err(Error::backend(format!(
                            "{} exited at once ({status}){log}",
                            cmd.display()
                        )));
                    }
                    Ok(None) => {}
                    Err(e) => return Err(Error::io(format!("waiting for {}", cmd.program), e)),
                }
                // Still setsid: wait. Another program, or unreadable (a setuid sudo, no /proc): done.
                match crate::proc::exe(pid) {
                    Some(exe) if &exe == setsid && start.elapsed() < EXEC_WAIT => {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    _ => break,
                }
            }
        }
        // Reap the node when it exits so it never lingers as a zombie while wnm lives.
        tokio::spawn(async move {
            let _ = child.wait().await;
        });
        Ok(pid)
    }

    fn signal(&self, pid: u32, signal: Signal) -> Result<()> {
        crate::signals::send_signal(pid, signal)
    }

    fn is_alive(&self, pid: u32) -> bool {
        crate::signals::is_alive(pid)
    }
}
