//! The planner's output: `Plan` = ordered `Step`s, each naming the concrete node it acts on and a
//! typed `Reason` that renders as a sentence (`stop antnode0042: cpu 83% > cpu_remove 70%`).
use serde::{Deserialize, Serialize};
use std::fmt;
use wnm_core::{NodeId, NodeStatus, WalletTarget};

/// What to do. Every variant that touches a node names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Create and start a new node with this id and wallet.
    Add {
        /// The id chosen (lowest free, or highest+1 for never-reuse backends).
        id: NodeId,
        /// The wallet drawn from the weighted rewards list.
        wallet: WalletTarget,
    },
    /// Start a STOPPED node (upgrading its binary first when it is older than the binary).
    Start {
        /// The node.
        id: NodeId,
        /// Its version is older than the binary's: install the new binary before starting.
        upgrade_first: bool,
    },
    /// Stop a RUNNING node (kept, started again later).
    Stop {
        /// The node.
        id: NodeId,
    },
    /// Upgrade an outdated RUNNING node (stop, new binary, start, confirm; roll back on failure).
    Upgrade {
        /// The node.
        id: NodeId,
    },
    /// Begin removing a node: stop it and mark it REMOVING; its files go when `delay_remove` ends.
    Remove {
        /// The node.
        id: NodeId,
    },
    /// Delete a node for good: process, service, files, logs, then its row (REMOVING expired, or DEAD).
    Delete {
        /// The node.
        id: NodeId,
    },
    /// A transitional status's timer ended: probe the node and record its true status.
    Settle {
        /// The node.
        id: NodeId,
        /// The transitional status that ended.
        from: NodeStatus,
    },
    /// Survey everything again (after a reboot).
    Resurvey,
}

impl Action {
    /// The node acted on, if any.
    pub fn node_id(&self) -> Option<NodeId> {
        match self {
            Action::Add { id, .. }
            | Action::Start { id, .. }
            | Action::Stop { id }
            | Action::Upgrade { id }
            | Action::Remove { id }
            | Action::Delete { id }
            | Action::Settle { id, .. } => Some(*id),
            Action::Resurvey => None,
        }
    }

    /// Lower-case verb (`add`, `stop`, ...).
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Add { .. } => "add",
            Action::Start { .. } => "start",
            Action::Stop { .. } => "stop",
            Action::Upgrade { .. } => "upgrade",
            Action::Remove { .. } => "remove",
            Action::Delete { .. } => "delete",
            Action::Settle { .. } => "settle",
            Action::Resurvey => "resurvey",
        }
    }

    /// The status the node is in once the step has been carried out, when the step decides it:
    /// `Add`/`Start` -> RESTARTING (also for `upgrade_first`), `Stop` -> STOPPED,
    /// `Upgrade` -> UPGRADING, `Remove` and `Delete` -> REMOVING (a `Delete` then drops the row).
    /// `Settle` (a probe decides) and `Resurvey` have none.
    pub fn status_after(&self) -> Option<NodeStatus> {
        match self {
            Action::Add { .. } | Action::Start { .. } => Some(NodeStatus::Restarting),
            Action::Stop { .. } => Some(NodeStatus::Stopped),
            Action::Upgrade { .. } => Some(NodeStatus::Upgrading),
            Action::Remove { .. } | Action::Delete { .. } => Some(NodeStatus::Removing),
            Action::Settle { .. } | Action::Resurvey => None,
        }
    }

    /// Housekeeping (`Settle`, `Delete`, `Resurvey`) rather than a §4 decision.
    pub fn is_housekeeping(&self) -> bool {
        matches!(
            self,
            Action::Delete { .. } | Action::Settle { .. } | Action::Resurvey
        )
    }
}

/// A measured figure for a sentence: at most two decimals, no trailing zeros (`83`, `0.5`, `1.25`).
pub fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Why a step is planned, or why nothing is. Renders as the tail of a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// cpu% above cpu_remove.
    CpuAboveRemove {
        /// Observed.
        used: f64,
        /// Limit.
        limit: u32,
    },
    /// mem% above mem_remove.
    MemAboveRemove {
        /// Observed.
        used: f64,
        /// Limit.
        limit: u32,
    },
    /// disk% above hd_remove.
    DiskAboveRemove {
        /// Observed.
        used: f64,
        /// Limit.
        limit: u32,
    },
    /// A load average above max_load_average_allowed.
    LoadAboveMax {
        /// Which average (1, 5, 15).
        window: u8,
        /// Observed.
        load: f64,
        /// Limit.
        limit: f64,
    },
    /// Disk or network IO above its remove limit.
    IoAboveRemove {
        /// `hdio_read`, `hdio_write`, `netio_read`, `netio_write`.
        which: String,
        /// Observed bytes/s.
        rate: u64,
        /// Limit bytes/s.
        limit: u64,
    },
    /// More nodes than node_cap.
    OverNodeCap {
        /// Nodes counted.
        total: u32,
        /// The cap.
        cap: u32,
    },
    /// Trimming rather than stopping while an upgrade is pending.
    TrimDuringUpgrade,
    /// Pressure that would stop a node, met while outdated nodes wait for an upgrade: remove instead.
    PressureWhileUpgradePending {
        /// The pressure (cpu, mem, load or io reason).
        pressure: Box<Reason>,
        /// RUNNING nodes older than the binary.
        outdated: u32,
    },
    /// Room to grow.
    Capacity {
        /// Nodes counted.
        total: u32,
        /// The cap.
        cap: u32,
    },
    /// A stopped node can run again.
    ResourcesAllow,
    /// A stopped node can run again; it is older than the binary, so it is upgraded first.
    ResourcesAllowUpgradeFirst {
        /// Node version.
        from: String,
        /// Binary version.
        to: String,
    },
    /// Node older than the binary.
    Outdated {
        /// Node version.
        from: String,
        /// Binary version.
        to: String,
    },
    /// A transitional status's timer ended.
    TimerExpired {
        /// Which status.
        status: NodeStatus,
        /// Seconds spent in it.
        elapsed: i64,
        /// The delay setting.
        delay: u64,
    },
    /// Dead nodes are cleaned up at once.
    DeadNode,
    /// The host booted after the last run.
    Rebooted {
        /// Boot time.
        boot_time: i64,
        /// Last run end.
        last_stopped_at: i64,
    },
    /// Idle: as many operations in flight as allowed.
    AtGlobalCapacity {
        /// In flight.
        ops: u32,
        /// Limit.
        limit: u32,
    },
    /// Idle: node_cap reached, nothing to add.
    NodeCapReached {
        /// Nodes counted (every status but REMOVING and DEAD).
        total: u32,
        /// The cap.
        cap: u32,
    },
    /// Asked for by the operator (`--force_action`).
    Forced {
        /// The forced action as given (`stop`, `teardown`, ...).
        action: String,
    },
    /// Idle: nothing to do, with a sentence saying why (which gate held adds back).
    Idle {
        /// Human explanation, e.g. "node_cap 20 reached".
        why: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::CpuAboveRemove { used, limit } => {
                write!(f, "cpu {}% > cpu_remove {limit}%", num(*used))
            }
            Reason::MemAboveRemove { used, limit } => {
                write!(f, "mem {}% > mem_remove {limit}%", num(*used))
            }
            Reason::DiskAboveRemove { used, limit } => {
                write!(f, "disk {}% > hd_remove {limit}%", num(*used))
            }
            Reason::LoadAboveMax {
                window,
                load,
                limit,
            } => {
                write!(
                    f,
                    "load{window} {} > max_load_average_allowed {}",
                    num(*load),
                    num(*limit)
                )
            }
            Reason::IoAboveRemove { which, rate, limit } => {
                write!(f, "{which} {rate} B/s > {which}_remove {limit} B/s")
            }
            Reason::OverNodeCap { total, cap } => write!(f, "{total} nodes > node_cap {cap}"),
            Reason::TrimDuringUpgrade => f.write_str(
                "under pressure while an upgrade is pending: trimming instead of stopping",
            ),
            Reason::Capacity { total, cap } => {
                write!(f, "{total} nodes < node_cap {cap} and resources allow")
            }
            Reason::PressureWhileUpgradePending { pressure, outdated } => write!(
                f,
                "{pressure} while {outdated} outdated node(s) await an upgrade: removing instead of stopping"
            ),
            Reason::ResourcesAllow => f.write_str("resources allow"),
            Reason::ResourcesAllowUpgradeFirst { from, to } => {
                write!(
                    f,
                    "resources allow; version {from} < binary {to}: upgrading it first"
                )
            }
            Reason::Outdated { from, to } => write!(f, "version {from} < binary {to}"),
            Reason::TimerExpired {
                status,
                elapsed,
                delay,
            } => {
                write!(f, "{status} for {elapsed}s >= {delay}s")
            }
            Reason::DeadNode => f.write_str("node is DEAD"),
            Reason::Rebooted {
                boot_time,
                last_stopped_at,
            } => {
                write!(
                    f,
                    "system rebooted (boot {boot_time} > last run {last_stopped_at})"
                )
            }
            Reason::AtGlobalCapacity { ops, limit } => {
                write!(
                    f,
                    "at global capacity: {ops} operations in flight >= max_concurrent_operations {limit}"
                )
            }
            Reason::NodeCapReached { total, cap } => {
                write!(f, "idle: node_cap {cap} reached ({total} nodes)")
            }
            Reason::Forced { action } => {
                write!(f, "forced by the operator (--force_action {action})")
            }
            Reason::Idle { why } => write!(f, "idle: {why}"),
        }
    }
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What to do (names the node).
    #[serde(flatten)]
    pub action: Action,
    /// The node's service name (`antnode0042`), empty for host-wide steps.
    pub service_name: String,
    /// Why.
    pub why: Reason,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.service_name.is_empty() {
            write!(f, "{}: {}", self.action.verb(), self.why)
        } else {
            write!(
                f,
                "{} {}: {}",
                self.action.verb(),
                self.service_name,
                self.why
            )
        }
    }
}

/// The planner's answer: steps in execution order, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Steps in order.
    pub steps: Vec<Step>,
    /// When `steps` is empty (or holds only housekeeping), why nothing else happens.
    pub idle: Option<Reason>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "{s}")?;
        }
        if let Some(r) = &self.idle {
            writeln!(f, "{r}")?;
        }
        Ok(())
    }
}
