//! `RecordingRunner`: a `Runner` test double that records every call and answers from a script,
//! so backends (systemctl, launchctl, antctl, ufw, setsid) can be tested without running anything.
use async_trait::async_trait;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Mutex;
use wnm_core::{CommandOutput, CommandSpec, Error, ErrorKind, Result, Runner, Signal};

/// One call made on a [`RecordingRunner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `run(spec)`.
    Run(CommandSpec),
    /// `spawn_detached(spec)`; the pid it handed out.
    Spawn(CommandSpec, u32),
    /// `signal(pid, signal)`.
    Signal(u32, Signal),
}

#[derive(Debug, Clone)]
enum Reply {
    Output(CommandOutput),
    Error(ErrorKind, String),
}

struct Rule {
    program: String,
    args_prefix: Vec<String>,
    reply: Reply,
}

impl Rule {
    fn matches(&self, cmd: &CommandSpec) -> bool {
        cmd.program == self.program && cmd.args.starts_with(&self.args_prefix)
    }
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    queue: VecDeque<Reply>,
    rules: Vec<Rule>,
    alive: BTreeSet<u32>,
    ignore_term: bool,
    next_pid: u32,
}

/// Records `CommandSpec`s and answers with scripted outputs.
///
/// A `run` is answered by, in order: the first matching rule ([`RecordingRunner::respond`]), else
/// the next queued reply ([`RecordingRunner::push_output`], [`RecordingRunner::push_error`]), else
/// success with empty output. `spawn_detached` hands out fake pids from 900000 up, which stay
/// "alive" until a `Term` (unless [`RecordingRunner::ignore_term`]) or `Kill` signal, or
/// [`RecordingRunner::set_alive`].
#[derive(Default)]
pub struct RecordingRunner {
    state: Mutex<State>,
}

impl RecordingRunner {
    /// An empty script: every command succeeds with no output.
    pub fn new() -> Self {
        RecordingRunner::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answer the next unmatched `run` with `output`.
    pub fn push_output(&self, output: CommandOutput) -> &Self {
        self.state().queue.push_back(Reply::Output(output));
        self
    }

    /// Make the next unmatched `run` fail as if the program could not be spawned.
    pub fn push_error(&self, kind: ErrorKind, message: impl Into<String>) -> &Self {
        self.state()
            .queue
            .push_back(Reply::Error(kind, message.into()));
        self
    }

    /// Answer every `run` of `program` whose arguments start with `args_prefix` with `output`.
    pub fn respond(&self, program: &str, args_prefix: &[&str], output: CommandOutput) -> &Self {
        self.state().rules.push(Rule {
            program: program.to_string(),
            args_prefix: args_prefix.iter().map(|s| s.to_string()).collect(),
            reply: Reply::Output(output),
        });
        self
    }

    /// Fail every `run` of `program` whose arguments start with `args_prefix`.
    pub fn respond_error(
        &self,
        program: &str,
        args_prefix: &[&str],
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> &Self {
        self.state().rules.push(Rule {
            program: program.to_string(),
            args_prefix: args_prefix.iter().map(|s| s.to_string()).collect(),
            reply: Reply::Error(kind, message.into()),
        });
        self
    }

    /// Mark `pid` alive or dead.
    pub fn set_alive(&self, pid: u32, alive: bool) {
        let mut s = self.state();
        if alive {
            s.alive.insert(pid);
        } else {
            s.alive.remove(&pid);
        }
    }

    /// Make spawned processes survive `Term` (only `Kill` ends them).
    pub fn ignore_term(&self, ignore: bool) {
        self.state().ignore_term = ignore;
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The commands given to `run`, in order.
    pub fn runs(&self) -> Vec<CommandSpec> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Run(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The commands given to `run`, as a human reads them (`CommandSpec::display`).
    pub fn run_lines(&self) -> Vec<String> {
        self.runs().iter().map(CommandSpec::display).collect()
    }

    /// The commands given to `spawn_detached`, in order.
    pub fn spawns(&self) -> Vec<CommandSpec> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Spawn(s, _) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The signals sent, in order.
    pub fn signals(&self) -> Vec<(u32, Signal)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Signal(p, s) => Some((p, s)),
                _ => None,
            })
            .collect()
    }

    /// Forget the recorded calls (the script stays).
    pub fn clear_calls(&self) {
        self.state().calls.clear();
    }
}

#[async_trait]
impl Runner for RecordingRunner {
    async fn run(&self, cmd: &CommandSpec) -> Result<CommandOutput> {
        let mut s = self.state();
        s.calls.push(Call::Run(cmd.clone()));
        let reply = match s.rules.iter().find(|r| r.matches(cmd)) {
            Some(r) => Some(r.reply.clone()),
            None => s.queue.pop_front(),
        };
        match reply {
            Some(Reply::Output(o)) => Ok(o),
            Some(Reply::Error(kind, m)) => Err(Error::new(kind, m)),
            None => Ok(CommandOutput {
                code: Some(0),
                ..Default::default()
            }),
        }
    }

    async fn spawn_detached(&self, cmd: &CommandSpec) -> Result<u32> {
        let mut s = self.state();
        s.next_pid = s.next_pid.max(900_000) + 1;
        let pid = s.next_pid;
        s.alive.insert(pid);
        s.calls.push(Call::Spawn(cmd.clone(), pid));
        Ok(pid)
    }

    fn signal(&self, pid: u32, signal: Signal) -> Result<()> {
        let mut s = self.state();
        s.calls.push(Call::Signal(pid, signal));
        if signal == Signal::Kill || !s.ignore_term {
            s.alive.remove(&pid);
        }
        Ok(())
    }

    fn is_alive(&self, pid: u32) -> bool {
        self.state().alive.contains(&pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scripted_replies_and_records() {
        let r = RecordingRunner::new();
        r.respond(
            "systemctl",
            &["--user", "is-active"],
            CommandOutput {
                code: Some(3),
                stdout: "inactive\n".into(),
                stderr: String::new(),
            },
        );
        r.push_output(CommandOutput {
            code: Some(1),
            ..Default::default()
        });
        r.push_error(ErrorKind::NotFound, "no ufw");
        let a = r
            .run(&CommandSpec::new("systemctl", ["--user", "is-active", "x"]))
            .await
            .unwrap();
        assert_eq!(a.stdout, "inactive\n");
        let b = r
            .run(&CommandSpec::new("true", [] as [&str; 0]))
            .await
            .unwrap();
        assert_eq!(b.code, Some(1));
        let c = r
            .run(&CommandSpec::new("ufw", ["allow"]))
            .await
            .unwrap_err();
        assert_eq!(c.kind(), ErrorKind::NotFound);
        let d = r
            .run(&CommandSpec::new("true", [] as [&str; 0]))
            .await
            .unwrap();
        assert!(d.success());
        assert_eq!(r.runs().len(), 4);
        assert_eq!(r.run_lines()[0], "systemctl --user is-active x");
    }

    #[tokio::test]
    async fn fake_processes_live_until_signalled() {
        let r = RecordingRunner::new();
        let pid = r
            .spawn_detached(&CommandSpec::new("antnode", ["--port", "1"]))
            .await
            .unwrap();
        assert!(r.is_alive(pid));
        r.ignore_term(true);
        r.signal(pid, Signal::Term).unwrap();
        assert!(r.is_alive(pid));
        r.signal(pid, Signal::Kill).unwrap();
        assert!(!r.is_alive(pid));
        assert_eq!(r.signals(), [(pid, Signal::Term), (pid, Signal::Kill)]);
        assert_eq!(r.spawns()[0].args, ["--port", "1"]);
    }
}
