//! The part of launchd that runs a loaded job: one detached supervisor process per load
//! (`launchctl-emu __supervise RUN_DIR`), parent of the job's process.
//!
//! It starts the job at load when `RunAtLoad`, records its pid and, when it exits, its wait
//! status (`LastExitStatus`); with `KeepAlive` it starts it again, no sooner than
//! `ThrottleInterval` (10 s) after the previous start, as launchd throttles respawns. A `kick`
//! request starts it now (`kickstart`; with `-k` a running instance is SIGKILLed first). A `stop`
//! request (`unload`) sends SIGTERM, waits `ExitTimeOut` (20 s), then SIGKILL, and ends the run.
//! The run also ends (killing the job) when its directory disappears, so a test that drops its
//! temporary state leaves no process behind.
//!
//! The job runs as launchd runs jobs: `ProgramArguments` with a fresh environment (`PATH` =
//! `/usr/bin:/bin:/usr/sbin:/sbin`, `HOME`, `USER`, `LOGNAME`, `SHELL`, then
//! `EnvironmentVariables`), `WorkingDirectory` (else `/`), stdin from /dev/null, stdout and
//! stderr appended to `StandardOutPath`/`StandardErrorPath` (else /dev/null; launchd creates the
//! files, not their directories), in its own process group, as `UserName` when the emulator runs
//! as root (a job that cannot be spawned exits with EX_CONFIG, wait status 78 << 8 = 19968).
//! When the job's process exits, what is left of its process group is SIGKILLed, as launchd does
//! unless `AbandonProcessGroup`.
use crate::state::Run;
use crate::xml::Job;
use rustix::process::Signal;
use std::fs::OpenOptions;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wnm_runner::passwd::{PasswdEntry, lookup_user, passwd_text};

/// Wait status launchd records for a job it could not spawn (`EX_CONFIG` << 8).
pub const SPAWN_FAILED: i32 = 78 << 8;
const TICK: Duration = Duration::from_millis(50);

/// The passwd entry of `user` on this host.
fn passwd(user: &str) -> Option<PasswdEntry> {
    lookup_user(&passwd_text(std::path::Path::new("/"))?, user)
}

fn output(path: Option<&String>) -> std::io::Result<Stdio> {
    Ok(match path {
        Some(p) => Stdio::from(OpenOptions::new().create(true).append(true).open(p)?),
        None => Stdio::null(),
    })
}

/// Start the job's process.
fn spawn(job: &Job) -> std::io::Result<Child> {
    let is_root = rustix::process::geteuid().is_root();
    let as_user = match (&job.user, is_root) {
        (Some(u), true) => Some(passwd(u).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, format!("no user {u}"))
        })?),
        _ => None,
    };
    #[allow(clippy::disallowed_methods)] // the emulator is the process manager here
    let mut c = Command::new(&job.program[0]);
    c.args(&job.program[1..])
        .env_clear()
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
    match &as_user {
        Some(p) => {
            let name = job.user.clone().unwrap_or_default();
            c.uid(p.uid)
                .gid(p.gid)
                .env("HOME", &p.home)
                .env("SHELL", &p.shell)
                .env("USER", &name)
                .env("LOGNAME", &name);
        }
        None => {
            for k in ["HOME", "USER", "LOGNAME", "SHELL"] {
                if let Some(v) = std::env::var_os(k) {
                    c.env(k, v);
                }
            }
        }
    }
    c.envs(&job.env)
        .current_dir(job.cwd.as_deref().unwrap_or("/"))
        .stdin(Stdio::null())
        .stdout(output(job.stdout.as_ref())?)
        .stderr(output(job.stderr.as_ref())?)
        .process_group(0);
    c.spawn()
}

/// The job's process is gone: record how it ended and, as launchd does unless
/// `AbandonProcessGroup`, SIGKILL what is left of its process group.
fn reap(run: &Run, child: &mut Option<Child>, status: i32) {
    if let Some(c) = child.take()
        && let Some(pgid) = i32::try_from(c.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
    }
    run.write("last_exit", &status.to_string());
    let _ = std::fs::remove_file(run.file("pid"));
}

/// Wait up to `limit` for the child to exit; true when it did (and was reaped).
fn wait_exit(run: &Run, child: &mut Option<Child>, limit: Duration) -> bool {
    let end = Instant::now() + limit;
    loop {
        let Some(c) = child.as_mut() else {
            return true;
        };
        if let Ok(Some(st)) = c.try_wait() {
            reap(run, child, st.into_raw());
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(TICK);
    }
}

fn kill_now(run: &Run, child: &mut Option<Child>) {
    if let Some(c) = child.as_ref() {
        let _ = wnm_runner::send_signal(c.id(), wnm_core::Signal::Kill);
    }
    wait_exit(run, child, Duration::from_secs(5));
}

/// SIGTERM, `ExitTimeOut`, SIGKILL: how launchd stops a job it unloads.
fn terminate(run: &Run, child: &mut Option<Child>, job: &Job) {
    if let Some(c) = child.as_ref() {
        let _ = wnm_runner::send_signal(c.id(), wnm_core::Signal::Term);
        if !wait_exit(run, child, Duration::from_secs(job.exit_timeout)) {
            kill_now(run, child);
        }
    }
}

/// Supervise the run in `dir` until it is stopped or its directory disappears.
pub fn supervise(dir: &Path) -> i32 {
    let run = Run {
        dir: dir.to_path_buf(),
    };
    let Some(job) = run.read("job.plist").and_then(|t| crate::xml::job(&t).ok()) else {
        return 1;
    };
    run.write("supervisor", &std::process::id().to_string());
    let mut child: Option<Child> = None;
    let mut last_start: Option<Instant> = None;
    let mut want = job.run_at_load;
    let mut now_please = job.run_at_load;
    loop {
        if !run.dir.is_dir() {
            kill_now(&run, &mut child);
            return 0;
        }
        if run.file("stop").exists() {
            terminate(&run, &mut child, &job);
            let _ = std::fs::remove_dir_all(&run.dir);
            return 0;
        }
        if let Some(kick) = run.read("kick") {
            let _ = std::fs::remove_file(run.file("kick"));
            if kick == "kill" {
                kill_now(&run, &mut child);
            }
            want = true;
            now_please = true;
        }
        if let Some(c) = child.as_mut()
            && let Ok(Some(st)) = c.try_wait()
        {
            reap(&run, &mut child, st.into_raw());
            want = job.keep_alive;
        }
        let throttled = last_start.is_some_and(|t| t.elapsed() < Duration::from_secs(job.throttle));
        if child.is_none() && want && (now_please || !throttled) {
            want = false;
            now_please = false;
            last_start = Some(Instant::now());
            match spawn(&job) {
                Ok(c) => {
                    run.write("pid", &c.id().to_string());
                    child = Some(c);
                }
                Err(e) => {
                    run.write("spawn_error", &e.to_string());
                    reap(&run, &mut child, SPAWN_FAILED);
                    want = job.keep_alive;
                }
            }
        }
        std::thread::sleep(TICK);
    }
}
