//! Phases that run the real `wnm` binary against a fresh copy of the seeded colony and measure
//! it from outside: wall time from spawn to exit, CPU time (user + system) and peak RSS from
//! `getrusage(RUSAGE_CHILDREN)` of this measuring process, which waits for nothing else (so the
//! figures are wnm's, plus the `antnode --version` it runs itself).
//!
//! Test-only infrastructure: it spawns with `std::process::Command` directly (allowed here only).
use super::colony::{census, fresh_copy};
use super::{Figures, PhaseArgs, PhaseReport};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// CPU time and peak RSS of every child this process has waited for.
fn children_usage() -> Result<(Duration, u64), String> {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    let d = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec().max(0) as u64)
            + Duration::from_micros(t.tv_usec().max(0) as u64)
    };
    Ok((
        d(u.user_time()) + d(u.system_time()),
        u.max_rss().max(0) as u64,
    ))
}

fn wnm(args: &PhaseArgs) -> Result<&Path, String> {
    args.wnm
        .as_deref()
        .ok_or_else(|| "this phase needs the wnm binary (--wnm)".to_string())
}

/// `wnm <extra>` in a clean environment with HOME in `home`; stdout captured, stderr to a file
/// in `home` (read when the run fails).
#[allow(clippy::disallowed_methods)] // test-only infrastructure, see the module docs
fn command(wnm: &Path, home: &Path, extra: &[&str]) -> Result<Command, String> {
    let stderr = std::fs::File::create(home.join("wnm.stderr")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(wnm);
    cmd.args(extra)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    Ok(cmd)
}

/// Run `cmd` (made by [`command`] with `home`) once: its wall time and stdout.
fn run(mut cmd: Command, home: &Path) -> Result<(Duration, String), String> {
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot run wnm: {e}"))?;
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = t0.elapsed();
    if !status.success() {
        let err = std::fs::read_to_string(home.join("wnm.stderr")).unwrap_or_default();
        return Err(format!("wnm exited {status}: {}", err.trim()));
    }
    Ok((wall, out))
}

/// One wnm run over a fresh copy of the colony: figures, stdout, and (nodes, running) after.
fn colony_run(args: &PhaseArgs, extra: &[&str]) -> Result<(Figures, String, usize, usize), String> {
    let (dir, db) = fresh_copy(args.colony()?)?;
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let db_arg = db.display().to_string();
    let mut all = vec!["--dbpath", db_arg.as_str()];
    all.extend_from_slice(extra);
    let (wall, out) = run(command(wnm(args)?, &home, &all)?, &home)?;
    let (cpu, peak_rss_kib) = children_usage()?;
    let (nodes, running) = census(&db)?;
    Ok((
        Figures {
            wall,
            cpu,
            peak_rss_kib,
        },
        out,
        nodes,
        running,
    ))
}

/// `wnm` as cron runs it: one plain cycle, which for this colony plans nothing.
pub fn cycle_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let (figures, out, nodes, running) = colony_run(args, &["-q"])?;
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "exit 0, {running}/{nodes} running after{}",
            if out.trim().is_empty() {
                String::new()
            } else {
                format!(", said {:?}", out.lines().next().unwrap_or(""))
            }
        ),
    })
}

/// `wnm --force_action survey`: the survey and its write, no plan.
pub fn survey_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let (figures, out, nodes, running) = colony_run(args, &["--force_action", "survey"])?;
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "{:?}, {running}/{nodes} running after",
            out.lines().next().unwrap_or("")
        ),
    })
}

/// `wnm --force_action survey --report node-status`: issue #4's report on N nodes.
pub fn report_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let (figures, out, _, running) = colony_run(
        args,
        &["--force_action", "survey", "--report", "node-status"],
    )?;
    if let Some(dir) = &args.report_dir {
        let file = dir.join(format!("node-status-{}.txt", args.n));
        std::fs::write(&file, &out).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let rows = out.lines().filter(|l| l.contains("antnode")).count();
    let running_rows = out
        .lines()
        .filter(|l| l.contains("antnode") && l.contains("RUNNING"))
        .count();
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "{rows} node rows ({running_rows} RUNNING), {} bytes of report; {running} running after",
            out.len()
        ),
    })
}

/// Runs of `wnm --version` in [`version_phase`].
pub const VERSION_RUNS: usize = 21;

/// `wnm --version`, [`VERSION_RUNS`] times: the median wall time, mean CPU, peak RSS.
pub fn version_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut walls = Vec::new();
    let mut first = String::new();
    for _ in 0..VERSION_RUNS {
        let (wall, out) = run(
            command(wnm(args)?, home.path(), &["--version"])?,
            home.path(),
        )?;
        walls.push(wall);
        first = out.trim().to_string();
    }
    walls.sort();
    let (cpu, peak_rss_kib) = children_usage()?;
    Ok(PhaseReport {
        figures: Figures {
            wall: walls[walls.len() / 2],
            cpu: cpu / VERSION_RUNS as u32,
            peak_rss_kib,
        },
        covered: args.n,
        note: format!(
            "{first:?}; median of {VERSION_RUNS} (min {:.1} ms, max {:.1} ms), cpu is the mean",
            walls[0].as_secs_f64() * 1e3,
            walls[walls.len() - 1].as_secs_f64() * 1e3
        ),
    })
}

/// The `wnm` binary: `$WNM_BIN`, else next to this executable (`target/<profile>/wnm`).
pub fn wnm_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WNM_BIN") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join("wnm");
    candidate.is_file().then_some(candidate)
}
