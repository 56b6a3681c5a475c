//! The pod supervisor: PID 1 of every docker pod, run as `wnm pod --control DIR` (the wnm
//! binary itself, bind-mounted read-only, so `cargo install wnm-cli` needs nothing else).
//!
//! It reads one desired-state file per node in its control dir (`antnodeNNNN.json`, see
//! [`crate::control`]), starts and stops node processes to match (stop: SIGTERM, the grace,
//! SIGKILL), restarts nodes that exit while wanted running (backing off, see [`slot`]), reaps
//! every zombie (it is PID 1), and writes `antnodeNNNN.state` after every change. The control
//! dir is watched with inotify, which wakes the supervisor (where inotify is missing, the dir's
//! modification time is looked at every 20 ms); the files are read when one changed (and every
//! 30 s anyway). Otherwise it sleeps until the earliest deadline a node has (the end of a crash
//! backoff, the SIGKILL after a grace), at most 10 s: a node that keeps failing wakes it once per
//! retry, not every tick. On SIGTERM or SIGINT (`docker stop`, `docker restart`) it stops every
//! node, looking every 20 ms until all are gone, and exits 0; when the pod starts again it
//! brings back every node wanted running by itself.
//!
//! Processes are spawned through wnm-runner's `SystemRunner` like everywhere else in wnm.
pub mod slot;
mod watch;

use crate::control::{
    self, Desired, NodeState, desired_path, read_desired, services_in, state_path,
};
use slot::{Act, Slot};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::signal::unix::{SignalKind, signal};
use wnm_core::{CommandSpec, Runner, Signal};
use wnm_runner::SystemRunner;

/// How the supervisor runs.
#[derive(Debug, Clone)]
pub struct PodOptions {
    /// The control dir (desired-state files in, state files out).
    pub control: PathBuf,
    /// SIGTERM to SIGKILL grace per node.
    pub grace: Duration,
    /// How often it looks while shutting down, and at the control dir without inotify.
    pub tick: Duration,
    /// Files are read at least this often even when the dir looks unchanged.
    pub rescan: Duration,
}

impl PodOptions {
    /// Defaults for `control`: 10 s grace, 20 ms tick, 2 s rescan.
    pub fn new(control: PathBuf) -> Self {
        PodOptions {
            control,
            grace: crate::config::DEFAULT_STOP_GRACE,
            tick: Duration::from_millis(20),
            rescan: Duration::from_secs(2),
        }
    }
}

/// The longest sleep: the safety-net looks (liveness, rescan) happen at least this often.
const IDLE: Duration = Duration::from_secs(10);

fn epoch_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn say(msg: &str) {
    eprintln!("wnm pod: {msg}");
}

/// Run the supervisor until SIGTERM/SIGINT; the exit code for the process.
pub fn run(opts: PodOptions) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    match rt.block_on(supervise(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(&e);
            ExitCode::from(1)
        }
    }
}

/// Every child that has exited, with how (`exit code 3`, `signal 9`); orphans the pod
/// inherited are reaped here too.
fn reap() -> HashMap<u32, String> {
    use rustix::process::{WaitOptions, waitpid};
    let mut out = HashMap::new();
    while let Ok(Some((pid, status))) = waitpid(None, WaitOptions::NOHANG) {
        let how = if let Some(c) = status.exit_status() {
            format!("exit code {c}")
        } else if let Some(s) = status.terminating_signal() {
            format!("signal {s}")
        } else {
            "exited".to_string()
        };
        out.insert(pid.as_raw_nonzero().get().unsigned_abs(), how);
    }
    out
}

fn spec_of(launch: &control::Launch) -> CommandSpec {
    let mut spec = CommandSpec::new(launch.program.clone(), launch.args.clone());
    spec.env = launch.env.clone();
    if !launch.cwd.is_empty() {
        spec.cwd = Some(PathBuf::from(&launch.cwd));
    }
    for (file, slot) in [
        (&launch.stdout, &mut spec.stdout_file),
        (&launch.stderr, &mut spec.stderr_file),
    ] {
        if !file.is_empty() {
            let p = PathBuf::from(file);
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            *slot = Some(p);
        }
    }
    spec
}

struct Supervisor {
    opts: PodOptions,
    runner: SystemRunner,
    slots: BTreeMap<String, Slot>,
    written: HashMap<String, NodeState>,
    bad_files: HashMap<String, String>,
}

impl Supervisor {
    /// Read every desired-state file; a file that cannot be read keeps the last good reading.
    fn rescan(&mut self) {
        let services = match services_in(&self.opts.control) {
            Ok(s) => s,
            Err(e) => {
                say(&format!("{e}"));
                return;
            }
        };
        let now = epoch_now();
        for name in &services {
            let path = desired_path(&self.opts.control, name);
            let d: Desired = match read_desired(&path) {
                Ok(Some(d)) => {
                    self.bad_files.remove(name);
                    d
                }
                Ok(None) => continue,
                Err(e) => {
                    let msg = e.to_string();
                    if self.bad_files.get(name) != Some(&msg) {
                        say(&msg);
                        self.bad_files.insert(name.clone(), msg);
                    }
                    continue;
                }
            };
            match self.slots.get_mut(name) {
                Some(s) => {
                    if s.desired.as_ref() != Some(&d) {
                        s.set_desired(Some(d));
                    }
                }
                None => {
                    self.slots.insert(name.clone(), Slot::new(d, now));
                }
            }
        }
        for (name, s) in self.slots.iter_mut() {
            if !services.contains(name) && s.desired.is_some() {
                s.set_desired(None);
            }
        }
    }

    /// Note every node process that is gone.
    fn check_exits(&mut self, exits: &HashMap<u32, String>) {
        let now = Instant::now();
        for (name, s) in self.slots.iter_mut() {
            if let Some(pid) = s.pid() {
                let how = exits.get(&pid).cloned();
                if how.is_some() || !self.runner.is_alive(pid) {
                    say(&format!(
                        "{name} (pid {pid}) {}",
                        how.as_deref().unwrap_or("exited")
                    ));
                    s.exited(how, now);
                }
            }
        }
    }

    /// Take each slot's next step.
    async fn act(&mut self, shutting_down: bool) {
        let now = Instant::now();
        let grace = self.opts.grace;
        let mut forget = Vec::new();
        for (name, s) in self.slots.iter_mut() {
            match s.decide(now, grace, shutting_down) {
                None => {}
                Some(Act::Spawn(launch)) => {
                    match self.runner.spawn_detached(&spec_of(&launch)).await {
                        Ok(pid) => {
                            say(&format!("{name} started (pid {pid})"));
                            s.spawned(pid, Instant::now());
                        }
                        Err(e) => {
                            say(&format!("{name} could not start: {e}"));
                            s.spawn_failed(e.to_string(), Instant::now());
                        }
                    }
                }
                Some(Act::Term(pid)) => {
                    let _ = self.runner.signal(pid, Signal::Term);
                    s.termed(now);
                }
                Some(Act::Kill(pid)) => {
                    say(&format!(
                        "{name} (pid {pid}) still runs {} s after SIGTERM; SIGKILL",
                        grace.as_secs()
                    ));
                    let _ = self.runner.signal(pid, Signal::Kill);
                    s.killed();
                }
                Some(Act::Forget) => forget.push(name.clone()),
            }
        }
        for name in forget {
            self.slots.remove(&name);
            self.written.remove(&name);
            let _ = control::remove_file(&state_path(&self.opts.control, &name));
        }
    }

    /// Write the state files that changed.
    fn report(&mut self) {
        let now = epoch_now();
        for (name, s) in self.slots.iter_mut() {
            if s.desired.is_none() {
                continue;
            }
            let prev = self.written.get(name);
            let state = s.report_at(prev, now);
            if prev != Some(&state) {
                match control::write_state(&state_path(&self.opts.control, name), &state) {
                    Ok(()) => {
                        self.written.insert(name.clone(), state);
                    }
                    Err(e) => say(&format!("{e}")),
                }
            }
        }
    }

    /// The earliest time a slot needs the supervisor by itself (see [`Slot::wake_at`]).
    fn next_wake(&self, now: Instant, shutting_down: bool) -> Option<Instant> {
        self.slots
            .values()
            .filter_map(|s| s.wake_at(now, self.opts.grace, shutting_down))
            .min()
    }

    fn all_down(&self) -> bool {
        self.slots.values().all(|s| s.pid().is_none())
    }
}

async fn supervise(opts: PodOptions) -> Result<(), String> {
    if !opts.control.is_dir() {
        return Err(format!(
            "control dir {} does not exist (is it mounted into the container?)",
            opts.control.display()
        ));
    }
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    let mut child = signal(SignalKind::child()).map_err(|e| format!("SIGCHLD handler: {e}"))?;
    say(&format!(
        "supervising {} (pid {})",
        opts.control.display(),
        std::process::id()
    ));
    let tick = opts.tick;
    let rescan_every = opts.rescan;
    let mut sup = Supervisor {
        opts,
        runner: SystemRunner::new().without_setsid(),
        slots: BTreeMap::new(),
        written: HashMap::new(),
        bad_files: HashMap::new(),
    };
    let mut watch = watch::Watch::new(&sup.opts.control);
    // With inotify every change is seen; the periodic full read is only a safety net.
    let rescan_every = if watch.precise() {
        rescan_every.max(Duration::from_secs(30))
    } else {
        rescan_every
    };
    let mut last_scan: Option<Instant> = None;
    let mut last_liveness = Instant::now();
    let mut shutting_down = false;
    let mut child_exited = true;
    loop {
        let now = Instant::now();
        let mut changed =
            shutting_down || sup.next_wake(now, shutting_down).is_some_and(|t| t <= now);
        let touched = watch.changed(&sup.opts.control);
        if !shutting_down && (touched || last_scan.is_none_or(|t| t.elapsed() >= rescan_every)) {
            last_scan = Some(Instant::now());
            sup.rescan();
            changed = true;
        }
        let exits = reap();
        // Node exits arrive as SIGCHLD (they are our children); the look at every pid is a
        // safety net.
        if child_exited || !exits.is_empty() || last_liveness.elapsed() >= IDLE {
            sup.check_exits(&exits);
            last_liveness = Instant::now();
            child_exited = false;
            changed = true;
        }
        // A look with nothing to do is one read and one waitpid.
        if changed {
            sup.act(shutting_down).await;
            sup.report();
        }
        if shutting_down && sup.all_down() {
            say("every node stopped; exiting");
            return Ok(());
        }
        // Changes are announced by inotify and SIGCHLD: sleep until the next deadline.
        let nap = if shutting_down || !watch.precise() {
            tick
        } else {
            let now = Instant::now();
            sup.next_wake(now, false)
                .map_or(IDLE, |t| t.saturating_duration_since(now).min(IDLE))
        };
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = watch.readable() => {}
            _ = child.recv() => { child_exited = true; }
            _ = term.recv() => {
                say("SIGTERM: stopping every node");
                shutting_down = true;
            }
            _ = int.recv() => {
                say("SIGINT: stopping every node");
                shutting_down = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn launch_becomes_a_command_spec() {
        let d = tempfile::tempdir().unwrap();
        let logs = d.path().join("logs/antnode0001");
        let l = control::Launch {
            program: "/n/antnode".into(),
            args: vec!["--port".into(), "1".into()],
            env: vec![("K".into(), "v".into())],
            cwd: "/n".into(),
            stdout: logs.join("stdout.log").to_string_lossy().into_owned(),
            stderr: logs.join("stderr.log").to_string_lossy().into_owned(),
        };
        let s = spec_of(&l);
        assert_eq!(s.program, "/n/antnode");
        assert_eq!(s.args, ["--port", "1"]);
        assert_eq!(s.env, [("K".to_string(), "v".to_string())]);
        assert_eq!(s.cwd.as_deref(), Some(Path::new("/n")));
        assert_eq!(
            s.stderr_file.as_deref(),
            Some(logs.join("stderr.log").as_path())
        );
        // The log dir is made so the node's output has somewhere to go.
        assert!(logs.is_dir());
    }
}
