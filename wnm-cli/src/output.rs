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
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Close the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
