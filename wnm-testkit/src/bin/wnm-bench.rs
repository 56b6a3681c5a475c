//! `wnm-bench`: starts `antnode-emu --serve-many`, seeds a colony database per size, measures
//! each phase (survey alone, idle cycle in-process, the real `wnm` binary, baseline, ...) at each
//! size in a child process of its own, and prints a table. See scripts/bench.sh.
use clap::Parser;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;
use wnm_testkit::ServeMany;
use wnm_testkit::bench::colony::{COLONY_UPTIME_SECS, Seed, seed};
use wnm_testkit::bench::wnm_bin::wnm_path;
use wnm_testkit::bench::{
    BASELINE_SAMPLE, Figures, PhaseArgs, PhaseReport, decode, encode, extrapolate, phases,
    proc_cpu_time,
};

/// Measure wnm's survey and idle cycle against emulated nodes.
#[derive(Debug, Parser)]
struct Args {
    /// Node counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1000,5000")]
    sizes: Vec<u16>,
    /// Phases to run, in order (`version` runs once, not per size).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "survey,cycle,wnm,wnm-survey,wnm-report,baseline,parse,version"
    )]
    phases: Vec<String>,
    /// Survey concurrency (requests in flight), also the seeded colony's survey_concurrency.
    #[arg(long, default_value_t = 128)]
    concurrency: usize,
    /// Also read /metadata from every node (survey phase).
    #[arg(long)]
    metadata: bool,
    /// Body the emulator serves: mainnet (47 KB) or 0.4.11 (16 KB).
    #[arg(long, default_value = "mainnet")]
    body: String,
    /// Runs per phase and size; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Emulator worker threads.
    #[arg(long, default_value_t = 1)]
    emu_threads: usize,
    /// The wnm binary (default: $WNM_BIN, else next to wnm-bench).
    #[arg(long)]
    wnm: Option<PathBuf>,
    /// Save the report the wnm-report phase printed to DIR/node-status-N.txt.
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Internal: run one phase in this process and print its figures.
    #[arg(long, hide = true)]
    child: Option<String>,
    /// Internal: first port of the emulated nodes (child mode).
    #[arg(long, hide = true, default_value_t = 0)]
    base_port: u16,
    /// Internal: node count (child mode).
    #[arg(long, hide = true, default_value_t = 0)]
    n: u16,
    /// Internal: the seeded colony dir (child mode).
    #[arg(long, hide = true)]
    colony: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.child {
        Some(name) => run_child(&args, name),
        None => run_parent(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wnm-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_child(args: &Args, name: &str) -> Result<(), String> {
    let all = phases();
    let phase = all
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("unknown phase {name}"))?;
    let report = (phase.run)(&PhaseArgs {
        base_port: args.base_port,
        n: args.n,
        concurrency: args.concurrency,
        metadata: args.metadata,
        colony: args.colony.clone(),
        wnm: args.wnm.clone(),
        report_dir: args.report_dir.clone(),
    })?;
    println!("{}", encode(&report));
    Ok(())
}

/// Test-only infrastructure: the benchmark re-runs its own binary for each measurement.
#[allow(clippy::disallowed_methods)]
fn child_run(
    args: &Args,
    phase: &str,
    base_port: u16,
    n: u16,
    colony: Option<&Path>,
    wnm: Option<&Path>,
) -> Result<PhaseReport, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "--child",
        phase,
        "--base-port",
        &base_port.to_string(),
        "--n",
        &n.to_string(),
    ])
    .args(["--concurrency", &args.concurrency.to_string()])
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    if args.metadata {
        cmd.arg("--metadata");
    }
    if let Some(c) = colony {
        cmd.arg("--colony").arg(c);
    }
    if let Some(w) = wnm {
        cmd.arg("--wnm").arg(w);
    }
    if let Some(d) = &args.report_dir {
        cmd.arg("--report-dir").arg(d);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run a child: {e}"))?;
    let mut report = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(r) = decode(&line) {
                report = Some(r);
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    match report {
        Some(r) if status.success() => Ok(r),
        _ => Err(format!("phase {phase} at n={n} failed ({status})")),
    }
}

/// Phases that run against a seeded colony database.
fn needs_colony(phase: &str) -> bool {
    matches!(phase, "cycle" | "wnm" | "wnm-survey" | "wnm-report")
}

fn needs_wnm(phase: &str) -> bool {
    phase.starts_with("wnm") || phase == "version"
}

fn run_parent(args: &Args) -> Result<(), String> {
    let all = phases();
    for p in &args.phases {
        if !all.iter().any(|q| q.name == p) {
            let known: Vec<&str> = all.iter().map(|q| q.name).collect();
            return Err(format!("unknown phase {p}; known: {}", known.join(", ")));
        }
    }
    let wnm = match args.wnm.clone().or_else(wnm_path) {
        Some(w) if w.is_file() => Some(w),
        other if args.phases.iter().any(|p| needs_wnm(p)) => {
            return Err(format!(
                "the wnm binary is needed ({}); build it with `cargo build --release -p wnm-cli` or pass --wnm",
                other.map_or("not found next to wnm-bench".into(), |p| format!(
                    "{} is not a file",
                    p.display()
                ))
            ));
        }
        _ => None,
    };
    let max_n = args.sizes.iter().copied().max().unwrap_or(1000);
    let threads = args.emu_threads.to_string();
    let uptime = COLONY_UPTIME_SECS.to_string();
    let emu = ServeMany::start(
        max_n,
        &args.body,
        &["--emu-threads", &threads, "--emu-uptime", &uptime],
    )
    .map_err(|e| e.to_string())?;
    let emu_pid = emu.pid().to_string();
    let emulator = wnm_testkit::emulator_path().map_err(|e| e.to_string())?;
    println!(
        "antnode-emu --serve-many {max_n} --body {} on 127.0.0.1:{}..; concurrency {}, metadata {}, median of {}",
        args.body,
        emu.base_port,
        args.concurrency,
        if args.metadata { "yes" } else { "no" },
        args.repeat
    );
    if let Some(w) = &wnm {
        println!("wnm binary: {}", w.display());
    }
    for p in all
        .iter()
        .filter(|p| args.phases.iter().any(|n| n == p.name))
    {
        println!("  {:<10} {}", p.name, p.about);
    }
    println!();
    println!(
        "{:<10} {:>6} {:>10} {:>10} {:>10} {:>12}  {:<16} note",
        "phase", "N", "wall", "cpu", "peak RSS", "emulator cpu", "target"
    );
    // Warm the emulator's sockets and pages once.
    let _ = child_run(args, "survey", emu.base_port, max_n, None, None);
    let mut version_done = false;
    for &n in &args.sizes {
        let colony = if args.phases.iter().any(|p| needs_colony(p)) {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            seed(
                dir.path(),
                &Seed {
                    n,
                    base_port: emu.base_port,
                    concurrency: args.concurrency,
                    antnode: &emulator,
                },
            )?;
            Some(dir)
        } else {
            None
        };
        for phase in args.phases.iter() {
            if phase == "version" {
                if version_done {
                    continue;
                }
                version_done = true;
            }
            let mut runs = Vec::new();
            for _ in 0..args.repeat.max(1) {
                let e0 = proc_cpu_time(&emu_pid).unwrap_or_default();
                let r = child_run(
                    args,
                    phase,
                    emu.base_port,
                    n,
                    colony.as_ref().map(|d| d.path()),
                    wnm.as_deref(),
                )?;
                let e1 = proc_cpu_time(&emu_pid).unwrap_or_default();
                runs.push((r, e1.saturating_sub(e0)));
            }
            runs.sort_by_key(|(r, _)| r.figures.wall);
            let (r, emu_cpu) = runs[runs.len() / 2].clone();
            let (f, emu_cpu, extra) = if r.covered < n {
                let k = f64::from(n) / f64::from(r.covered.max(1));
                (
                    extrapolate(r.figures, r.covered, n),
                    emu_cpu.mul_f64(k),
                    format!("; extrapolated from {}", r.covered.min(BASELINE_SAMPLE)),
                )
            } else {
                (r.figures, emu_cpu, String::new())
            };
            println!(
                "{:<10} {:>6} {:>10} {:>10} {:>10} {:>12}  {:<16} {}{}",
                phase,
                if phase == "version" {
                    "-".to_string()
                } else {
                    n.to_string()
                },
                secs(f.wall),
                secs(f.cpu),
                format!("{:.1} MB", f.peak_rss_kib as f64 / 1024.0),
                secs(emu_cpu),
                target(phase, n, &f),
                r.note,
                extra
            );
        }
    }
    let emu_peak = std::fs::read_to_string(format!("/proc/{emu_pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    println!(
        "\nantnode-emu ({max_n} nodes, one process) peak RSS: {:.1} MB",
        emu_peak / 1024.0
    );
    drop(emu);
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Issue #3's targets on a 2-core machine: the idle cycle (and the survey inside it) at
/// N = 1,000 and 5,000, and `wnm --version`.
fn target(phase: &str, n: u16, f: &Figures) -> String {
    let mb = f.peak_rss_kib as f64 / 1024.0;
    let limit = match (phase, n) {
        ("version", _) => {
            let ok = f.wall <= Duration::from_millis(10);
            return format!("{} <=10ms", if ok { "ok" } else { "MISS" });
        }
        ("survey" | "cycle" | "wnm", 1000) => Some((0.5, 40.0)),
        ("survey" | "cycle" | "wnm", 5000) => Some((2.5, 80.0)),
        _ => None,
    };
    match limit {
        Some((wall, limit_mb)) => {
            let ok = f.wall.as_secs_f64() <= wall && mb <= limit_mb;
            format!("{} <={wall}s,{limit_mb}MB", if ok { "ok" } else { "MISS" })
        }
        None => "-".into(),
    }
}
