//! What a run prints: plain lines for humans and cron logs, JSON where asked, a progress bar only
//! on a terminal.
use std::io::IsTerminal;
use wnm_config::ReportFormat;
use wnm_config::keys::Kind;
use wnm_config::report::{Row, render_rows};
use wnm_core::MachineMetrics;
use wnm_engine::Plan;
use wnm_runtime::executor::Outcome;

/// How chatty to be.
#[derive(Debug, Clone, Copy)]
pub struct Verbosity {
    /// `-q`.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
}

impl Verbosity {
    /// Print ordinary lines.
    pub fn normal(&self) -> bool {
        !self.quiet
    }
}

/// Print a plan, one step per line, then why nothing else happens.
pub fn print_plan(plan: &Plan, header: &str) {
    println!("{header}");
    for s in &plan.steps {
        println!("  {s}");
    }
    if let Some(r) = &plan.idle {
        println!("  {r}");
    }
}

/// The planner's inputs in a few lines (`--show_decisions`): the machine figures against the
/// thresholds they are compared with, the node population, the binary and the reboot facts.
pub fn render_inputs(
    m: &MachineMetrics,
    nodes: &[wnm_core::Node],
    binary: Option<&wnm_core::Version>,
    machine: &wnm_core::Machine,
) -> String {
    let f = |v: f64| {
        let r = (v * 100.0).round() / 100.0;
        if r.fract() == 0.0 {
            format!("{r:.0}")
        } else {
            format!("{r}")
        }
    };
    let mut by_status: Vec<(wnm_core::NodeStatus, usize)> = Vec::new();
    for n in nodes {
        match by_status.iter_mut().find(|(s, _)| *s == n.status) {
            Some((_, c)) => *c += 1,
            None => by_status.push((n.status, 1)),
        }
    }
    by_status.sort_by_key(|(s, _)| s.as_str());
    let statuses = if by_status.is_empty() {
        "none".to_string()
    } else {
        by_status
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::from("inputs:\n");
    out.push_str(&format!(
        "  cpu {}% (add below {}, stop above {}); mem {}% (add below {}, stop above {}); disk {}% (add below {}, remove above {})\n",
        f(m.cpu_percent),
        machine.cpu_less_than,
        machine.cpu_remove,
        f(m.mem_percent),
        machine.mem_less_than,
        machine.mem_remove,
        f(m.disk_percent),
        machine.hd_less_than,
        machine.hd_remove,
    ));
    out.push_str(&format!(
        "  load {} {} {} (add below {}, stop above {}); disk io {}/{} B/s, net io {}/{} B/s (read/write)\n",
        f(m.load_1),
        f(m.load_5),
        f(m.load_15),
        f(machine.desired_load_average),
        f(machine.max_load_average_allowed),
        m.hdio_read_bps,
        m.hdio_write_bps,
        m.netio_read_bps,
        m.netio_write_bps,
    ));
    out.push_str(&format!(
        "  nodes {} (node_cap {}): {statuses}; binary {}\n",
        nodes.len(),
        machine.node_cap,
        binary.map_or_else(|| "unknown".to_string(), |v| v.to_string()),
    ));
    out.push_str(&format!(
        "  boot time {} vs last run end {} ({}); in flight at most {} (starts {}, upgrades {}, removals {})\n",
        m.boot_time,
        machine.last_stopped_at,
        if m.boot_time > machine.last_stopped_at {
            "rebooted since"
        } else {
            "no reboot"
        },
        machine.max_concurrent_operations,
        machine.max_concurrent_starts,
        machine.max_concurrent_upgrades,
        machine.max_concurrent_removals,
    ));
    out
}

/// Print executed steps.
pub fn print_outcomes(outcomes: &[Outcome]) {
    for o in outcomes {
        let mark = if o.ok { "done" } else { "FAILED" };
        println!("{mark}: {} ({})", o.step, o.detail);
    }
}

/// The machine-metrics report rows.
pub fn metrics_rows(m: &MachineMetrics) -> Vec<Row> {
    let v = serde_json::to_value(m).unwrap_or_default();
    let mut rows = Vec::new();
    if let serde_json::Value::Object(obj) = v {
        for (k, val) in obj {
            let text = match &val {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let kind = if val.is_string() || val.is_array() {
                Kind::Text
            } else {
                Kind::Int
            };
            rows.push(Row {
                key: k,
                text,
                json: val,
                kind,
            });
        }
    }
    rows
}

/// Render machine metrics in a report format.
pub fn render_metrics(m: &MachineMetrics, f: ReportFormat) -> String {
    render_rows(&metrics_rows(m), f)
}

/// A progress reporter: a bar on a terminal, nothing in cron.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar for `len` steps when stderr is a terminal and not quiet.
    pub fn new(len: usize, what: &str, quiet: bool) -> Progress {
        let bar = (len > 1 && !quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(len as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            {
                b.set_style(style);
            }
            b.set_message(what.to_string());
            b
        });
        Progress { bar }
    }

    /// One more done.
    pub fn tick(&self) {
        self.advance(1);
    }

    /// `n` more done.
    pub fn advance(&self, n: usize) {
        if let Some(b) = &self.bar {
            b.inc(n as u64);
        }
    }

    /// Close the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
