//! `Signals`: the spec §4 threshold tests on the host metrics. Which pressures call for stopping
//! or removing nodes (with their typed reasons), and the first gate that holds adds back.
use crate::plan::{Reason, num};
use crate::policy::{IoLimits, Policy};
use wnm_core::MachineMetrics;

/// `x < limit`, strictly; an unmeasurable (NaN) figure is never below anything.
fn below(x: f64, limit: f64) -> bool {
    x < limit
}

/// The threshold verdicts of one snapshot.
#[derive(Debug, Default)]
pub(crate) struct Signals {
    /// cpu, mem, load, hdio and netio pressures, in that order: each STOPS the youngest running node.
    pub pressure: Vec<Reason>,
    /// disk% > hd_remove: REMOVES nodes.
    pub disk: Option<Reason>,
    /// More nodes than node_cap: REMOVES the excess.
    pub over_cap: Option<Reason>,
    /// The first metric that holds adds and starts back (`cpu 55% >= cpu_less_than 50%`).
    pub add_block: Option<String>,
}

impl Signals {
    /// Any reason to stop or remove nodes.
    pub fn remove(&self) -> bool {
        !self.pressure.is_empty() || self.disk.is_some() || self.over_cap.is_some()
    }

    pub fn of(m: &MachineMetrics, p: &Policy, total: u32) -> Signals {
        let mut s = Signals::default();
        s.percent(m.cpu_percent, "cpu", p.cpu_less_than);
        if m.cpu_percent > f64::from(p.cpu_remove) {
            s.pressure.push(Reason::CpuAboveRemove {
                used: m.cpu_percent,
                limit: p.cpu_remove,
            });
        }
        s.percent(m.mem_percent, "mem", p.mem_less_than);
        if m.mem_percent > f64::from(p.mem_remove) {
            s.pressure.push(Reason::MemAboveRemove {
                used: m.mem_percent,
                limit: p.mem_remove,
            });
        }
        s.percent(m.disk_percent, "disk", p.hd_less_than);
        if m.disk_percent > f64::from(p.hd_remove) {
            s.disk = Some(Reason::DiskAboveRemove {
                used: m.disk_percent,
                limit: p.hd_remove,
            });
        }
        s.load(m, p);
        s.io("hdio", &p.hdio, m.hdio_read_bps, m.hdio_write_bps);
        s.io("netio", &p.netio, m.netio_read_bps, m.netio_write_bps);
        if total > p.node_cap {
            s.over_cap = Some(Reason::OverNodeCap {
                total,
                cap: p.node_cap,
            });
        }
        s
    }

    fn block(&mut self, why: impl FnOnce() -> String) {
        if self.add_block.is_none() {
            self.add_block = Some(why());
        }
    }

    /// `allow_x = x% < x_less_than` (strict).
    fn percent(&mut self, used: f64, what: &str, less_than: u32) {
        let limit_name = if what == "disk" { "hd" } else { what };
        if !below(used, f64::from(less_than)) {
            self.block(|| {
                format!(
                    "{what} {}% >= {limit_name}_less_than {less_than}%",
                    num(used)
                )
            });
        }
    }

    /// `io_on` gates the family; within it a limit of 0 is off (see the crate docs).
    fn io(&mut self, family: &str, l: &IoLimits, read: u64, write: u64) {
        if !l.is_on() {
            return;
        }
        for (dir, rate, less_than, remove) in [
            ("read", read, l.read_less_than, l.read_remove),
            ("write", write, l.write_less_than, l.write_remove),
        ] {
            if remove > 0 && rate > remove {
                self.pressure.push(Reason::IoAboveRemove {
                    which: format!("{family}_{dir}"),
                    rate,
                    limit: remove,
                });
            }
            if less_than > 0 && rate >= less_than {
                self.block(|| {
                    format!("{family}_{dir} {rate} B/s >= {family}_{dir}_less_than {less_than} B/s")
                });
            }
        }
    }

    /// `load_allow`: all three below desired; `load_not_allow`: any above max (first one named).
    fn load(&mut self, m: &MachineMetrics, p: &Policy) {
        let windows = [(1u8, m.load_1), (5, m.load_5), (15, m.load_15)];
        if let Some((window, load)) = windows
            .iter()
            .copied()
            .find(|(_, l)| *l > p.max_load_average_allowed)
        {
            self.pressure.push(Reason::LoadAboveMax {
                window,
                load,
                limit: p.max_load_average_allowed,
            });
        }
        if let Some((window, load)) = windows
            .iter()
            .copied()
            .find(|(_, l)| !below(*l, p.desired_load_average))
        {
            self.block(|| {
                format!(
                    "load{window} {} >= desired_load_average {}",
                    num(load),
                    num(p.desired_load_average)
                )
            });
        }
    }
}
