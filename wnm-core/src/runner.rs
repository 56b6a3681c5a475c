//! The process runner contract: every process wnm spawns (nodes, systemctl, launchctl, antctl, ufw)
//! goes through one `Runner`, with arguments as a list and never a shell string.
use crate::error::Result;
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

/// One command to run: program and arguments as a list, never interpolated into a shell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program path or name looked up on PATH.
    pub program: String,
    /// Arguments, one element each.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// Where a detached process's stdout goes (appended).
    pub stdout_file: Option<PathBuf>,
    /// Where a detached process's stderr goes (appended).
    pub stderr_file: Option<PathBuf>,
    /// Give up on a `run` after this long (the process is killed).
    pub timeout: Option<Duration>,
}

impl CommandSpec {
    /// `program` with `args`.
    pub fn new<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandSpec {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// The command as a human reads it (for logs and dry runs), quoted where needed.
    pub fn display(&self) -> String {
        let mut s = self.program.clone();
        for a in &self.args {
            s.push(' ');
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                s.push_str(&format!("{a:?}"));
            } else {
                s.push_str(a);
            }
        }
        s
    }
}

/// What a finished command left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// Captured stdout (lossy UTF-8).
    pub stdout: String,
    /// Captured stderr (lossy UTF-8).
    pub stderr: String,
}

impl CommandOutput {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Signals the runner can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ask to stop.
    Term,
    /// Force stop.
    Kill,
}

/// Spawns and signals processes. The real one lives in `wnm-runner`; tests may record instead.
#[async_trait]
pub trait Runner: Send + Sync {
    /// Run to completion and capture output. A non-zero exit is not an error here; a failure to spawn is.
    async fn run(&self, cmd: &CommandSpec) -> Result<CommandOutput>;
    /// Start detached in a new session (outlives wnm); returns its pid.
    async fn spawn_detached(&self, cmd: &CommandSpec) -> Result<u32>;
    /// Send a signal to a pid. A pid that no longer exists is not an error.
    fn signal(&self, pid: u32, signal: Signal) -> Result<()>;
    /// True while `pid` exists and is not a zombie.
    fn is_alive(&self, pid: u32) -> bool;
}
