//! `launchctl-emu`: a stand-in for macOS `launchctl` (and the launchd behind it) for the launchd
//! backend's tests on Linux. State lives in the directory `LAUNCHCTL_EMU_STATE` names; each load
//! starts a detached supervisor that really runs the job's `ProgramArguments` (see
//! `supervise.rs`). Point wnm at it with `WNM_LAUNCHCTL=/path/to/launchctl-emu`.
//!
//! What real launchctl does for each emulated command, and what the emulator does:
//!
//! - `load [-w] PLIST...`: loads each job into the caller's domain (`gui/<uid>`; `system` as
//!   root); with `RunAtLoad` launchd starts it at once. `-w` clears a "disabled" override first
//!   (and a disabled job is not loaded without it). The legacy `load` reports its failures on
//!   stderr and still exits 0: `PLIST: service already loaded` for a loaded label,
//!   `PLIST: Invalid property list` for a file it cannot parse or without `Label`/program,
//!   `PLIST: No such file or directory`, `PLIST: service is disabled`. The emulator prints the
//!   same lines with exit 0. Deviation: as root, real launchctl loads even a `LaunchAgents`
//!   plist into the system domain; the emulator keeps `LaunchAgents` plists in `gui/<uid>` so
//!   user-mode tests can run as root (CI does).
//! - `unload [-w] PLIST...`: removes the job from its domain; launchd sends the process SIGTERM,
//!   then SIGKILL after `ExitTimeOut` (20 s). The command returns without waiting for the
//!   process to exit. `-w` records the job as disabled (it is not loaded again at login or boot,
//!   nor by `load` without `-w`). Not loaded: `Unload failed: 113: Could not find specified
//!   service` on stderr, exit 113.
//! - `remove LABEL`: unloads by label (same stop as unload). Not loaded: `Could not find service
//!   "LABEL" in domain for port`, exit 113.
//! - `list LABEL`: the job's dictionary on stdout, exit 0:
//!   `{` / `"LimitLoadToSessionType" = "Aqua";` (`"System"` in the system domain) /
//!   `"Label" = "...";` / `"OnDemand" = false;` / `"LastExitStatus" = N;` (a wait status: exit
//!   code * 256, or the signal number) / `"PID" = N;` (only while the process runs) /
//!   `"Program" = "...";` / `"ProgramArguments" = ( "..."; );` / `};`, tab indented. Not
//!   loaded: `Could not find service "LABEL" in domain for port` on stderr, exit 113.
//! - `list`: every job of the caller's domain as a table, exit 0: the header `PID\tStatus\tLabel`,
//!   then one `PID\tSTATUS\tLABEL` line per job (`-` for no pid; status = the last exit code, or
//!   minus the signal that ended it). The emulator lists every loaded job (one domain per test).
//! - `kickstart [-k] DOMAIN/LABEL` (`gui/<uid>/L`, `user/<uid>/L`, `system/L`): starts the job
//!   now; `-k` kills a running instance first (SIGKILL). Returns once the process is started.
//!   Not loaded in that domain: `Could not find service "LABEL" in domain for port`, exit 113; a
//!   malformed target: `Unrecognized target specifier.`, exit 64.
//!
//! Only what the launchd backend runs is emulated. Anything else prints `launchctl-emu: ... is not emulated` and exits 64 (no real launchctl
//! message is invented). Test-only infrastructure: it spawns with `std::process::Command`.
#![allow(clippy::disallowed_methods)]

mod state;
mod supervise;
mod xml;

use state::{Run, STATE_ENV, State};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What one command printed and its exit code.
#[derive(Default)]
struct Outcome {
    code: u8,
    out: String,
    err: String,
}

impl Outcome {
    fn fail(code: u8, err: impl Into<String>) -> Outcome {
        let mut err = err.into();
        if !err.ends_with('\n') {
            err.push('\n');
        }
        Outcome {
            code,
            out: String::new(),
            err,
        }
    }
    fn line(&mut self, err: String) {
        self.err.push_str(&err);
        self.err.push('\n');
    }
}

fn not_found(label: &str) -> Outcome {
    Outcome::fail(
        113,
        format!("Could not find service \"{label}\" in domain for port"),
    )
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The domain a plist loaded by this caller goes into.
fn caller_domain(plist: &str) -> String {
    if euid() == 0 && !plist.contains("/LaunchAgents/") {
        "system".into()
    } else {
        format!("gui/{}", euid())
    }
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Load the job in `path` into `domain`; the error is the line launchctl prints.
fn load_one(st: &State, path: &str, domain: &str, write: bool) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|_| format!("{path}: No such file or directory"))?;
    let job = xml::job(&text).map_err(|_| format!("{path}: Invalid property list"))?;
    if st.run_of(&job.label).is_some() {
        return Err(format!("{path}: service already loaded"));
    }
    if write {
        st.set_disabled(&job.label, false);
    } else if st.disabled(&job.label) {
        return Err(format!("{path}: service is disabled"));
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let id = format!("{nanos}-{}", std::process::id());
    let run = Run {
        dir: st.root.join("runs").join(&id),
    };
    std::fs::create_dir_all(&run.dir).map_err(|e| format!("{path}: {e}"))?;
    run.write("job.plist", &text);
    run.write("path", path);
    run.write("domain", domain);
    let exe = std::env::current_exe().map_err(|e| format!("{path}: {e}"))?;
    Command::new(exe)
        .arg("__supervise")
        .arg(&run.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{path}: {e}"))?;
    st.set_loaded(&job.label, &id)
        .map_err(|e| format!("{path}: {e}"))?;
    // launchd has the job once load returns: wait for the supervisor to be up.
    let end = Instant::now() + Duration::from_secs(5);
    while run.read("supervisor").is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn load(st: &State, args: &[String]) -> Outcome {
    let write = args.iter().any(|a| a == "-w");
    let mut o = Outcome::default();
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        if let Err(line) = load_one(st, path, &caller_domain(path), write) {
            o.line(line);
        }
    }
    o
}

/// Ask the run to stop and forget the label; the run ends by itself.
fn stop_run(st: &State, label: &str, run: &Run) {
    std::fs::write(run.file("stop"), "").ok();
    st.set_unloaded(label);
}

fn unload(st: &State, args: &[String]) -> Outcome {
    let write = args.iter().any(|a| a == "-w");
    let mut o = Outcome::default();
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        let Some(job) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| xml::job(&t).ok())
        else {
            o.line(format!("{path}: No such file or directory"));
            continue;
        };
        if write {
            st.set_disabled(&job.label, true);
        }
        match st.run_of(&job.label) {
            Some(run) => stop_run(st, &job.label, &run),
            None => {
                o.line("Unload failed: 113: Could not find specified service".into());
                o.code = 113;
            }
        }
    }
    o
}

fn remove(st: &State, args: &[String]) -> Outcome {
    let Some(label) = args.first() else {
        return Outcome::fail(64, "Usage: launchctl remove <label>");
    };
    match st.run_of(label) {
        Some(run) => {
            stop_run(st, label, &run);
            Outcome::default()
        }
        None => not_found(label),
    }
}

fn job_of(run: &Run) -> Option<xml::Job> {
    run.read("job.plist").and_then(|t| xml::job(&t).ok())
}

fn list(st: &State, args: &[String]) -> Outcome {
    let mut o = Outcome::default();
    let Some(label) = args.first() else {
        o.out.push_str("PID\tStatus\tLabel\n");
        for label in st.labels() {
            let Some(run) = st.run_of(&label) else {
                continue;
            };
            let pid = run.pid().map_or("-".to_string(), |p| p.to_string());
            let w = run.last_exit();
            let status = if w & 0x7f != 0 { -(w & 0x7f) } else { w >> 8 };
            o.out.push_str(&format!("{pid}\t{status}\t{label}\n"));
        }
        return o;
    };
    let Some(run) = st.run_of(label) else {
        return not_found(label);
    };
    let Some(job) = job_of(&run) else {
        return not_found(label);
    };
    let session = if run.read("domain").as_deref() == Some("system") {
        "System"
    } else {
        "Aqua"
    };
    let mut s = String::from("{\n");
    s.push_str(&format!(
        "\t\"LimitLoadToSessionType\" = {};\n",
        quoted(session)
    ));
    s.push_str(&format!("\t\"Label\" = {};\n", quoted(&job.label)));
    s.push_str(&format!("\t\"OnDemand\" = {};\n", !job.keep_alive));
    s.push_str(&format!("\t\"LastExitStatus\" = {};\n", run.last_exit()));
    if let Some(pid) = run.pid() {
        s.push_str(&format!("\t\"PID\" = {pid};\n"));
    }
    s.push_str(&format!("\t\"Program\" = {};\n", quoted(&job.program[0])));
    s.push_str("\t\"ProgramArguments\" = (\n");
    for a in &job.program {
        s.push_str(&format!("\t\t{};\n", quoted(a)));
    }
    s.push_str("\t);\n};\n");
    o.out = s;
    o
}

/// `gui/501/L`, `user/501/L`, `system/L` into (domain, label).
fn parse_target(t: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = t.split('/').collect();
    match parts.as_slice() {
        ["system", label] if !label.is_empty() => Some(("system".into(), label.to_string())),
        [d @ ("gui" | "user"), uid, label] if !label.is_empty() && uid.parse::<u32>().is_ok() => {
            Some((format!("{d}/{uid}"), label.to_string()))
        }
        _ => None,
    }
}

fn kickstart(st: &State, args: &[String]) -> Outcome {
    let kill = args.iter().any(|a| a == "-k");
    let Some(target) = args.iter().find(|a| !a.starts_with('-')) else {
        return Outcome::fail(64, "Usage: launchctl kickstart [-k] <service-target>");
    };
    let Some((domain, label)) = parse_target(target) else {
        return Outcome::fail(64, "Unrecognized target specifier.");
    };
    let Some(run) = st.run_of(&label) else {
        return not_found(&label);
    };
    // gui/<uid> and user/<uid> name the same user's jobs here
    let theirs = run.read("domain").unwrap_or_default();
    let uid = |d: &str| {
        d.strip_prefix("gui/")
            .or_else(|| d.strip_prefix("user/"))
            .map(str::to_string)
    };
    if theirs != domain && (uid(&theirs).is_none() || uid(&theirs) != uid(&domain)) {
        return not_found(&label);
    }
    let before = run.pid();
    if before.is_some() && !kill {
        return Outcome::default();
    }
    run.write("kick", if kill { "kill" } else { "start" });
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        let kicked = !run.file("kick").exists();
        if kicked
            && (run.pid().is_some_and(|p| Some(p) != before) || run.read("spawn_error").is_some())
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Outcome::default()
}

fn dispatch(args: &[String]) -> Outcome {
    let Some((cmd, rest)) = args.split_first() else {
        return Outcome::fail(64, "Usage: launchctl <subcommand> ... | help [subcommand]");
    };
    if cmd == "__supervise" {
        let code = rest
            .first()
            .map_or(64, |d| supervise::supervise(Path::new(d)));
        return Outcome {
            code: u8::try_from(code).unwrap_or(1),
            ..Outcome::default()
        };
    }
    let st = match State::from_env() {
        Ok(s) => s,
        Err(e) => return Outcome::fail(64, e),
    };
    let _lock = match st.lock() {
        Ok(l) => l,
        Err(e) => return Outcome::fail(64, format!("launchctl-emu: {e}")),
    };
    match cmd.as_str() {
        "load" => load(&st, rest),
        "unload" => unload(&st, rest),
        "remove" => remove(&st, rest),
        "list" => list(&st, rest),
        "kickstart" => kickstart(&st, rest),
        other => Outcome::fail(
            64,
            format!("launchctl-emu: subcommand {other:?} is not emulated (state in ${STATE_ENV})"),
        ),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = dispatch(&args);
    let _ = std::io::stdout().write_all(o.out.as_bytes());
    let _ = std::io::stderr().write_all(o.err.as_bytes());
    ExitCode::from(o.code)
}
