//! Benchmark plumbing: measuring a phase (wall, CPU, peak RSS), the phases `wnm-bench` knows,
//! and how a measuring child reports to the parent. Each phase runs in its own child process so
//! its peak RSS is its own.
//!
//! - [`net`]: the survey alone, the parser alone, and a naive sequential baseline.
//! - [`cycle`]: the idle cycle in-process (store, machine window over the survey, plan, write).
//! - [`wnm_bin`]: the real `wnm` binary (an idle cycle, `--force_action survey`, a report,
//!   `--version`), measured from outside with `getrusage(RUSAGE_CHILDREN)`.
//! - [`colony`]: the seeded colony database those phases run against.
//!
//! To add a phase, add an entry to [`phases`]: a name and a function that does the work for
//! the given [`PhaseArgs`] and returns a [`PhaseReport`].
pub mod colony;
pub mod cycle;
pub mod net;
pub mod wnm_bin;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use wnm_survey::SurveyTarget;

/// What one phase cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// Wall time of the measured work.
    pub wall: Duration,
    /// CPU time (user + system) of this process during the work.
    pub cpu: Duration,
    /// Peak resident memory of this process so far, KiB (VmHWM).
    pub peak_rss_kib: u64,
}

/// CPU time (user + system) this process has used, from `/proc/self/stat`.
pub fn process_cpu_time() -> Duration {
    proc_cpu_time("self").unwrap_or_default()
}

/// CPU time of process `pid` (`"self"` or a number), from `/proc/<pid>/stat`.
pub fn proc_cpu_time(pid: &str) -> Option<Duration> {
    let pid = match pid {
        "self" => std::process::id(),
        n => n.parse().ok()?,
    };
    let hz = rustix::param::clock_ticks_per_second();
    Some(wnm_runner::proc::stat(pid)?.cpu_time(hz))
}

/// Peak resident memory of this process, KiB (`VmHWM` in `/proc/self/status`).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// Run `work` and measure it.
pub fn measure<T>(work: impl FnOnce() -> T) -> (T, Figures) {
    let cpu0 = process_cpu_time();
    let t0 = Instant::now();
    let out = work();
    let wall = t0.elapsed();
    let cpu = process_cpu_time().saturating_sub(cpu0);
    (
        out,
        Figures {
            wall,
            cpu,
            peak_rss_kib: peak_rss_kib(),
        },
    )
}

/// What a phase gets: the emulated nodes, the survey settings, the seeded colony, the binary.
#[derive(Debug, Clone, Default)]
pub struct PhaseArgs {
    /// First metrics port of `antnode-emu --serve-many`.
    pub base_port: u16,
    /// Nodes to cover.
    pub n: u16,
    /// Survey concurrency.
    pub concurrency: usize,
    /// Read `/metadata` too (survey phase).
    pub metadata: bool,
    /// Directory of the seeded colony for `n` nodes ([`colony::seed`]).
    pub colony: Option<PathBuf>,
    /// The `wnm` binary.
    pub wnm: Option<PathBuf>,
    /// Where the report phase saves the report it printed (`node-status-N.txt`).
    pub report_dir: Option<PathBuf>,
}

impl PhaseArgs {
    /// The targets of this run.
    pub fn targets(&self) -> Vec<SurveyTarget> {
        (0..self.n)
            .map(|i| SurveyTarget::local(u32::from(i) + 1, self.base_port + i, self.metadata))
            .collect()
    }

    /// The seeded colony directory, or why there is none.
    pub fn colony(&self) -> Result<&std::path::Path, String> {
        self.colony
            .as_deref()
            .ok_or_else(|| "this phase needs a seeded colony (--colony)".to_string())
    }
}

/// What a phase reports: its figures, the work it covered, and a short note.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseReport {
    /// Measured cost.
    pub figures: Figures,
    /// Nodes actually covered (the baseline covers a sample and extrapolates).
    pub covered: u16,
    /// e.g. `5000 answering`.
    pub note: String,
}

/// A named phase.
pub struct Phase {
    /// Name used on the command line.
    pub name: &'static str,
    /// What it measures, for the table.
    pub about: &'static str,
    /// Do the work and measure it.
    pub run: fn(&PhaseArgs) -> Result<PhaseReport, String>,
}

/// Every phase `wnm-bench` can run.
pub fn phases() -> Vec<Phase> {
    vec![
        Phase {
            name: "survey",
            about: "wnm_survey::survey alone, in-process (hyper, bounded concurrency, 2 worker threads)",
            run: net::survey_phase,
        },
        Phase {
            name: "cycle",
            about: "idle cycle in-process: open store, then the real Cycle::run (survey, save, plan, execute, run state)",
            run: cycle::cycle_phase,
        },
        Phase {
            name: "wnm",
            about: "the wnm binary: one plain idle cycle (node_cap = N, plans nothing), start to exit",
            run: wnm_bin::cycle_phase,
        },
        Phase {
            name: "wnm-survey",
            about: "the wnm binary: --force_action survey, start to exit",
            run: wnm_bin::survey_phase,
        },
        Phase {
            name: "wnm-report",
            about: "the wnm binary: --force_action survey --report node-status, start to exit",
            run: wnm_bin::report_phase,
        },
        Phase {
            name: "version",
            about: "the wnm binary: --version (median of 21 runs; N does not matter)",
            run: wnm_bin::version_phase,
        },
        Phase {
            name: "baseline",
            about: "naive sequential survey, new connection per request (wnm 0.5.0's way)",
            run: net::baseline_phase,
        },
        Phase {
            name: "parse",
            about: "wnm_survey::parse_metrics on the 47 KB mainnet body, N times, one thread, no IO",
            run: net::parse_phase,
        },
    ]
}

/// The first this many nodes are read by the baseline; its time is scaled to `n`.
pub const BASELINE_SAMPLE: u16 = 200;

/// Scale figures measured over `covered` nodes to `n` nodes (peak RSS unscaled).
pub fn extrapolate(f: Figures, covered: u16, n: u16) -> Figures {
    let k = f64::from(n) / f64::from(covered.max(1));
    Figures {
        wall: f.wall.mul_f64(k),
        cpu: f.cpu.mul_f64(k),
        peak_rss_kib: f.peak_rss_kib,
    }
}

/// `PHASE <wall_ns> <cpu_ns> <peak_kib> <covered> <note>`: how a child reports to the parent.
pub fn encode(r: &PhaseReport) -> String {
    format!(
        "PHASE {} {} {} {} {}",
        r.figures.wall.as_nanos(),
        r.figures.cpu.as_nanos(),
        r.figures.peak_rss_kib,
        r.covered,
        r.note
    )
}

/// The inverse of [`encode`].
pub fn decode(line: &str) -> Option<PhaseReport> {
    let mut it = line.strip_prefix("PHASE ")?.splitn(5, ' ');
    let wall = Duration::from_nanos(it.next()?.parse().ok()?);
    let cpu = Duration::from_nanos(it.next()?.parse().ok()?);
    let peak_rss_kib = it.next()?.parse().ok()?;
    let covered = it.next()?.parse().ok()?;
    let note = it.next().unwrap_or_default().to_string();
    Some(PhaseReport {
        figures: Figures {
            wall,
            cpu,
            peak_rss_kib,
        },
        covered,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_figures_are_plausible() {
        let ((), f) = measure(|| {
            let mut x = 0u64;
            let t = Instant::now();
            while t.elapsed() < Duration::from_millis(30) {
                x = x.wrapping_add(1);
            }
            std::hint::black_box(x);
        });
        assert!(f.wall >= Duration::from_millis(30));
        assert!(f.cpu > Duration::ZERO && f.cpu <= f.wall + Duration::from_millis(20));
        assert!(f.peak_rss_kib > 100);
        let me = std::process::id().to_string();
        assert!(proc_cpu_time(&me).is_some_and(|t| t > Duration::ZERO));
        assert_eq!(proc_cpu_time("not-a-pid"), None);
    }

    #[test]
    fn reports_round_trip() {
        let r = PhaseReport {
            figures: Figures {
                wall: Duration::from_millis(12),
                cpu: Duration::from_micros(3400),
                peak_rss_kib: 9000,
            },
            covered: 200,
            note: "200/200 answering (x y)".into(),
        };
        assert_eq!(decode(&encode(&r)), Some(r));
        assert_eq!(decode("nonsense"), None);
        let e = extrapolate(
            Figures {
                wall: Duration::from_secs(1),
                cpu: Duration::from_secs(2),
                peak_rss_kib: 5,
            },
            200,
            1000,
        );
        assert_eq!(
            (e.wall, e.cpu, e.peak_rss_kib),
            (Duration::from_secs(5), Duration::from_secs(10), 5)
        );
    }
}
