//! The supervisor's pure bookkeeping for one node: what its process does, what wnm wants of it,
//! and the next thing to do (spawn, SIGTERM, SIGKILL, forget). Crash restarts back off
//! 1 s, 2 s, 4 s ... up to 60 s; a node that ran a minute before exiting starts the count anew.
use crate::control::{Desired, Launch, NodeState, RunState, Want};
use std::time::{Duration, Instant};

/// Longest pause before restarting a node that keeps exiting.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A node that ran this long before exiting has its crash count reset.
pub const STABLE_AFTER: Duration = Duration::from_secs(60);

/// What the node's process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proc {
    /// No process.
    Down,
    /// Running since `started`.
    Up {
        /// Its pid.
        pid: u32,
        /// When it was spawned.
        started: Instant,
    },
    /// SIGTERM sent at `term_at`; SIGKILL sent when `killed`.
    Stopping {
        /// Its pid.
        pid: u32,
        /// When SIGTERM went.
        term_at: Instant,
        /// SIGKILL went too.
        killed: bool,
    },
}

/// One step the supervisor takes for a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// Start it with this launch.
    Spawn(Launch),
    /// Send SIGTERM.
    Term(u32),
    /// Send SIGKILL.
    Kill(u32),
    /// Its desired file is gone and its process too: drop the slot and its state file.
    Forget,
}

/// One node the supervisor looks after.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The desired-state file as last read; `None` once it was deleted.
    pub desired: Option<Desired>,
    /// The process.
    pub proc: Proc,
    /// Exits in a row while wanted running.
    pub crashes: u32,
    /// Restarts after such exits, ever.
    pub restarts: u32,
    /// No spawn before this (backing off).
    pub retry_at: Option<Instant>,
    /// How it last exited.
    pub last_exit: Option<String>,
    /// Why the last spawn failed.
    pub error: Option<String>,
    /// When the reported state last changed (epoch s).
    pub since: i64,
}

impl Slot {
    /// A slot for a node first seen with `desired`.
    pub fn new(desired: Desired, now_epoch: i64) -> Self {
        Slot {
            desired: Some(desired),
            proc: Proc::Down,
            crashes: 0,
            restarts: 0,
            retry_at: None,
            last_exit: None,
            error: None,
            since: now_epoch,
        }
    }

    fn wants_running(&self) -> bool {
        self.desired
            .as_ref()
            .is_some_and(|d| d.want == Want::Running)
    }

    /// A new reading of the desired file (`None`: deleted). A new request to run clears any
    /// backoff, so `wnm` starting a node is never made to wait for a crash timer.
    pub fn set_desired(&mut self, new: Option<Desired>) {
        let fresh_start = match (&self.desired, &new) {
            (Some(old), Some(n)) => n.seq != old.seq && n.want == Want::Running,
            (None, Some(n)) => n.want == Want::Running,
            _ => false,
        };
        if fresh_start {
            self.retry_at = None;
            self.crashes = 0;
            self.error = None;
        }
        self.desired = new;
    }

    /// The next step at `now`, if any. `shutting_down`: the pod is stopping, so every node goes.
    pub fn decide(&self, now: Instant, grace: Duration, shutting_down: bool) -> Option<Act> {
        let want_up = self.wants_running() && !shutting_down;
        match self.proc {
            Proc::Down if self.desired.is_none() => Some(Act::Forget),
            Proc::Down if want_up && self.retry_at.is_none_or(|t| now >= t) => {
                self.desired.as_ref().map(|d| Act::Spawn(d.launch.clone()))
            }
            Proc::Down => None,
            Proc::Up { pid, .. } if !want_up => Some(Act::Term(pid)),
            Proc::Up { .. } => None,
            Proc::Stopping {
                pid,
                term_at,
                killed: false,
            } if now.duration_since(term_at) >= grace => Some(Act::Kill(pid)),
            Proc::Stopping { .. } => None,
        }
    }

    /// When this slot next needs the supervisor without anything else happening: a spawn once
    /// its backoff ends (`now` when it is due), SIGKILL once the grace after SIGTERM ends.
    /// `None`: only a change (a desired file, a process exit, SIGTERM) can give it work.
    pub fn wake_at(&self, now: Instant, grace: Duration, shutting_down: bool) -> Option<Instant> {
        match self.proc {
            Proc::Down if self.wants_running() && !shutting_down => {
                Some(self.retry_at.unwrap_or(now))
            }
            Proc::Down if self.desired.is_none() => Some(now),
            Proc::Down => None,
            Proc::Up { .. } if !self.wants_running() || shutting_down => Some(now),
            Proc::Up { .. } => None,
            Proc::Stopping {
                term_at,
                killed: false,
                ..
            } => Some(term_at + grace),
            // Killed: its exit comes as SIGCHLD.
            Proc::Stopping { .. } => None,
        }
    }

    /// The spawn went through.
    pub fn spawned(&mut self, pid: u32, now: Instant) {
        self.proc = Proc::Up { pid, started: now };
        self.error = None;
        self.retry_at = None;
    }

    /// The spawn failed: report why and try again after a backoff.
    pub fn spawn_failed(&mut self, error: String, now: Instant) {
        self.crashes += 1;
        self.retry_at = Some(now + backoff(self.crashes));
        self.error = Some(error);
    }

    /// SIGTERM went.
    pub fn termed(&mut self, now: Instant) {
        if let Proc::Up { pid, .. } = self.proc {
            self.proc = Proc::Stopping {
                pid,
                term_at: now,
                killed: false,
            };
        }
    }

    /// SIGKILL went.
    pub fn killed(&mut self) {
        if let Proc::Stopping { pid, term_at, .. } = self.proc {
            self.proc = Proc::Stopping {
                pid,
                term_at,
                killed: true,
            };
        }
    }

    /// The process is gone (`how`: `exit code 1`, `signal 9`, when known: the runner's own
    /// reaper may have collected the status first). An exit nobody asked for while the node is
    /// wanted running is a crash: restart after a backoff.
    pub fn exited(&mut self, how: Option<String>, now: Instant) {
        let crashed = match self.proc {
            Proc::Up { started, .. } => {
                if now.duration_since(started) >= STABLE_AFTER {
                    self.crashes = 0;
                }
                self.wants_running()
            }
            _ => false,
        };
        self.last_exit = Some(how.unwrap_or_else(|| "exited".to_string()));
        self.proc = Proc::Down;
        if crashed {
            self.crashes += 1;
            self.restarts += 1;
            self.retry_at = Some(now + backoff(self.crashes));
        }
    }

    /// The pid to watch, while there is a process.
    pub fn pid(&self) -> Option<u32> {
        match self.proc {
            Proc::Up { pid, .. } | Proc::Stopping { pid, .. } => Some(pid),
            Proc::Down => None,
        }
    }

    /// What the state file should say now (`since` is filled by [`Slot::report_at`]).
    fn report_core(&self) -> (RunState, Option<u32>) {
        match self.proc {
            Proc::Up { pid, .. } => (RunState::Running, Some(pid)),
            Proc::Stopping { pid, .. } => (RunState::Stopping, Some(pid)),
            Proc::Down if self.wants_running() && self.error.is_some() => (RunState::Failed, None),
            Proc::Down if self.wants_running() && self.retry_at.is_some() => {
                (RunState::Backoff, None)
            }
            Proc::Down => (RunState::Stopped, None),
        }
    }

    /// The state file's contents now; `previous` (what was last written) keeps `since` when
    /// the state itself did not change.
    pub fn report_at(&mut self, previous: Option<&NodeState>, now_epoch: i64) -> NodeState {
        let (state, pid) = self.report_core();
        let changed = previous.is_none_or(|p| p.state != state || p.pid != pid);
        if changed {
            self.since = now_epoch;
        }
        NodeState {
            format: crate::control::FORMAT,
            seq: self.desired.as_ref().map_or(0, |d| d.seq),
            state,
            pid,
            since: self.since,
            restarts: self.restarts,
            last_exit: self.last_exit.clone(),
            error: self.error.clone(),
        }
    }
}

/// The pause before restart number `crashes` (1 s, 2 s, 4 s ... at most [`MAX_BACKOFF`]).
pub fn backoff(crashes: u32) -> Duration {
    let secs = 1u64 << crashes.saturating_sub(1).min(6);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(seq: u64, want: Want) -> Desired {
        Desired {
            format: 1,
            seq,
            want,
            launch: Launch {
                program: "/n/antnode0001/antnode".into(),
                ..Default::default()
            },
            node: Default::default(),
        }
    }

    const G: Duration = Duration::from_secs(10);

    #[test]
    fn start_stop_kill_forget() {
        let t0 = Instant::now();
        let mut s = Slot::new(desired(1, Want::Stopped), 0);
        assert_eq!(s.decide(t0, G, false), None);
        assert_eq!(s.report_at(None, 5).state, RunState::Stopped);
        s.set_desired(Some(desired(2, Want::Running)));
        let Some(Act::Spawn(l)) = s.decide(t0, G, false) else {
            panic!("should spawn")
        };
        assert_eq!(l.program, "/n/antnode0001/antnode");
        s.spawned(42, t0);
        assert_eq!(s.decide(t0, G, false), None);
        let r = s.report_at(None, 6);
        assert_eq!(
            (r.state, r.pid, r.seq, r.since),
            (RunState::Running, Some(42), 2, 6)
        );
        // Same state later: `since` stays.
        assert_eq!(s.report_at(Some(&r), 9).since, 6);
        s.set_desired(Some(desired(3, Want::Stopped)));
        assert_eq!(s.decide(t0, G, false), Some(Act::Term(42)));
        s.termed(t0);
        assert_eq!(s.report_at(None, 7).state, RunState::Stopping);
        assert_eq!(s.decide(t0 + G / 2, G, false), None);
        assert_eq!(s.decide(t0 + G, G, false), Some(Act::Kill(42)));
        s.killed();
        assert_eq!(s.decide(t0 + G * 2, G, false), None);
        s.exited(Some("signal 9".into()), t0 + G * 2);
        // An asked-for stop is no crash.
        assert_eq!((s.crashes, s.restarts, s.retry_at), (0, 0, None));
        assert_eq!(s.report_at(None, 8).state, RunState::Stopped);
        s.set_desired(None);
        assert_eq!(s.decide(t0, G, false), Some(Act::Forget));
    }

    #[test]
    fn crashes_back_off_and_a_new_start_request_clears_it() {
        let t0 = Instant::now();
        let mut s = Slot::new(desired(1, Want::Running), 0);
        assert!(matches!(s.decide(t0, G, false), Some(Act::Spawn(_))));
        s.spawned(10, t0);
        s.exited(Some("exit code 101".into()), t0 + Duration::from_secs(1));
        assert_eq!((s.crashes, s.restarts), (1, 1));
        let r = s.report_at(None, 1);
        assert_eq!(r.state, RunState::Backoff);
        assert_eq!(r.last_exit.as_deref(), Some("exit code 101"));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(s.decide(t1, G, false), None);
        assert!(matches!(
            s.decide(t1 + backoff(1), G, false),
            Some(Act::Spawn(_))
        ));
        s.spawned(11, t1 + backoff(1));
        s.exited(None, t1 + backoff(1));
        assert_eq!(s.crashes, 2);
        assert_eq!(s.retry_at, Some(t1 + backoff(1) + Duration::from_secs(2)));
        // wnm asks again (new seq): no waiting.
        s.set_desired(Some(desired(5, Want::Running)));
        assert!(matches!(
            s.decide(t1 + backoff(1), G, false),
            Some(Act::Spawn(_))
        ));
        // Rewriting the same request keeps the timer.
        s.spawned(12, t1);
        s.exited(None, t1);
        s.set_desired(Some(desired(5, Want::Running)));
        assert_eq!(s.decide(t1, G, false), None);
        // A node that ran a minute starts its count anew.
        let mut s = Slot::new(desired(1, Want::Running), 0);
        s.crashes = 5;
        s.spawned(1, t0);
        s.exited(None, t0 + STABLE_AFTER);
        assert_eq!(s.crashes, 1);
    }

    #[test]
    fn spawn_failures_are_reported_and_retried() {
        let t0 = Instant::now();
        let mut s = Slot::new(desired(1, Want::Running), 0);
        s.spawn_failed("cannot start /x: not found".into(), t0);
        let r = s.report_at(None, 1);
        assert_eq!(r.state, RunState::Failed);
        assert_eq!(r.error.as_deref(), Some("cannot start /x: not found"));
        assert_eq!(s.decide(t0, G, false), None);
        assert!(matches!(
            s.decide(t0 + backoff(1), G, false),
            Some(Act::Spawn(_))
        ));
        s.spawned(3, t0);
        assert_eq!(s.report_at(None, 2).error, None);
    }

    #[test]
    fn shutdown_stops_everything_and_starts_nothing() {
        let t0 = Instant::now();
        let mut s = Slot::new(desired(1, Want::Running), 0);
        assert_eq!(s.decide(t0, G, true), None);
        s.spawned(7, t0);
        assert_eq!(s.decide(t0, G, true), Some(Act::Term(7)));
        s.termed(t0);
        s.exited(None, t0);
        // Stopped by the shutdown: not a crash, and wanted again when the pod comes back.
        assert_eq!(s.crashes, 0);
        assert!(s.wants_running());
    }

    #[test]
    fn wake_times_follow_backoffs_and_grace_and_agree_with_decide() {
        let t0 = Instant::now();
        let mut s = Slot::new(desired(1, Want::Running), 0);
        // Due now: decide spawns.
        assert_eq!(s.wake_at(t0, G, false), Some(t0));
        assert!(s.decide(t0, G, false).is_some());
        s.spawn_failed("no such file".into(), t0);
        // A failing node sleeps until its retry, and decide has nothing to do before it.
        let retry = t0 + backoff(1);
        assert_eq!(s.wake_at(t0, G, false), Some(retry));
        assert_eq!(s.decide(retry - Duration::from_millis(1), G, false), None);
        assert!(s.decide(retry, G, false).is_some());
        s.spawned(5, retry);
        assert_eq!(s.wake_at(retry, G, false), None);
        // A crash: the next wake is after the (longer) backoff.
        s.exited(Some("exit code 1".into()), retry);
        assert_eq!(s.wake_at(retry, G, false), Some(retry + backoff(2)));
        // Shutting down, a node that is down needs nothing; one that runs is stopped now.
        assert_eq!(s.wake_at(retry, G, true), None);
        s.spawned(6, retry);
        assert_eq!(s.wake_at(retry, G, true), Some(retry));
        // Stopping: SIGKILL is due after the grace; once killed only its exit matters.
        s.set_desired(Some(desired(2, Want::Stopped)));
        assert_eq!(s.wake_at(retry, G, false), Some(retry));
        s.termed(t0);
        assert_eq!(s.wake_at(t0, G, false), Some(t0 + G));
        assert_eq!(s.decide(t0 + G - Duration::from_millis(1), G, false), None);
        s.killed();
        assert_eq!(s.wake_at(t0 + G, G, false), None);
        s.exited(None, t0 + G);
        // Stopped as asked: idle, whatever the old backoff.
        assert_eq!(s.wake_at(t0 + G, G, false), None);
        // Its desired file gone: forgotten at once.
        s.set_desired(None);
        assert_eq!(s.wake_at(t0, G, false), Some(t0));
        assert_eq!(s.decide(t0, G, false), Some(Act::Forget));
    }

    #[test]
    fn backoff_grows_to_a_minute() {
        let secs: Vec<u64> = (1..=9).map(|c| backoff(c).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
