//! The rule tables' builder (`Case`: snapshot + policy + now, spec §4 example defaults) and the
//! one `check(name, case, expected lines)` helper they all go through.
use wnm_core::{Machine, MachineMetrics, NodeFacts, NodeId, NodeStatus, Snapshot, Version};
use wnm_engine::{Policy, plan};

/// The planner's `now` in every case.
pub const NOW: i64 = 1_795_352_886;

/// One planner input.
#[derive(Debug, Clone)]
pub struct Case {
    pub snapshot: Snapshot,
    pub policy: Policy,
    pub now: i64,
}

fn node(id: NodeId, status: NodeStatus) -> NodeFacts {
    let created = NOW - 100_000 + i64::from(id) * 100;
    NodeFacts {
        id,
        service_name: String::new(),
        status,
        version: None,
        status_changed_at: created,
        created_at: created,
    }
}

fn v(s: &str) -> Version {
    s.parse().expect("test version")
}

impl Case {
    /// The spec §4 example defaults: every concurrency limit 1, node_cap 20, 10 RUNNING nodes
    /// (ids 1..=10, older ids created earlier), calm metrics on 4 cpus, last run after boot.
    /// `delay_remove` is 600 so the three timers can be told apart.
    pub fn new() -> Case {
        let mut m = Machine::defaults_for(4);
        m.rewards_address = "faucet".into();
        m.delay_remove = 600;
        Case {
            snapshot: Snapshot {
                metrics: MachineMetrics {
                    cpu_percent: 10.0,
                    mem_percent: 20.0,
                    disk_percent: 30.0,
                    load_1: 0.5,
                    load_5: 0.5,
                    load_15: 0.5,
                    cpu_count: 4,
                    boot_time: NOW - 86_400,
                    ..MachineMetrics::default()
                },
                nodes: (1..=10).map(|id| node(id, NodeStatus::Running)).collect(),
                last_stopped_at: NOW - 60,
                ..Snapshot::default()
            },
            policy: Policy::from_machine(&m).expect("default policy"),
            now: NOW,
        }
    }

    fn node_mut(&mut self, id: NodeId) -> &mut NodeFacts {
        if !self.snapshot.nodes.iter().any(|n| n.id == id) {
            self.snapshot.nodes.push(node(id, NodeStatus::Running));
        }
        self.snapshot
            .nodes
            .iter_mut()
            .find(|n| n.id == id)
            .expect("just added")
    }

    /// Replace the nodes by these (id, status) pairs.
    pub fn only(mut self, nodes: &[(NodeId, NodeStatus)]) -> Case {
        self.snapshot.nodes = nodes.iter().map(|&(id, st)| node(id, st)).collect();
        self
    }

    /// Set a node's status (adding it when missing).
    pub fn status(mut self, id: NodeId, status: NodeStatus) -> Case {
        self.node_mut(id).status = status;
        self
    }

    /// The node's status changed `secs_ago` seconds before `NOW`.
    pub fn changed(mut self, id: NodeId, secs_ago: i64) -> Case {
        self.node_mut(id).status_changed_at = NOW - secs_ago;
        self
    }

    /// The node's creation time.
    pub fn created(mut self, id: NodeId, at: i64) -> Case {
        self.node_mut(id).created_at = at;
        self
    }

    /// The node's version.
    pub fn version(mut self, id: NodeId, ver: &str) -> Case {
        self.node_mut(id).version = Some(v(ver));
        self
    }

    /// Every node's version.
    pub fn all_versions(mut self, ver: &str) -> Case {
        for n in &mut self.snapshot.nodes {
            n.version = Some(v(ver));
        }
        self
    }

    /// The node's service name.
    pub fn name(mut self, id: NodeId, name: &str) -> Case {
        self.node_mut(id).service_name = name.to_string();
        self
    }

    /// The binary's version.
    pub fn binary(mut self, ver: &str) -> Case {
        self.snapshot.binary_version = Some(v(ver));
        self
    }

    /// The rewards list.
    pub fn rewards(mut self, list: &str) -> Case {
        self.policy.wallets = Some(list.parse().expect("test rewards list"));
        self
    }

    /// Change the host metrics.
    pub fn metrics(mut self, f: impl FnOnce(&mut MachineMetrics)) -> Case {
        f(&mut self.snapshot.metrics);
        self
    }

    /// Change the policy.
    pub fn policy(mut self, f: impl FnOnce(&mut Policy)) -> Case {
        f(&mut self.policy);
        self
    }

    /// Change the rest of the snapshot.
    pub fn snapshot(mut self, f: impl FnOnce(&mut Snapshot)) -> Case {
        f(&mut self.snapshot);
        self
    }
}

/// The plan's lines (steps, then the idle reason) for a case.
pub fn lines(case: &Case) -> Vec<String> {
    plan(&case.snapshot, &case.policy, case.now)
        .to_string()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Assert the plan of `case` renders as exactly `expected`, one line each.
pub fn check(name: &str, case: &Case, expected: &[&str]) {
    if let Some(diff) = mismatch(name, case, expected) {
        panic!("{diff}");
    }
}

fn mismatch(name: &str, case: &Case, expected: &[&str]) -> Option<String> {
    let got = lines(case);
    (got != expected)
        .then(|| format!("case {name:?}\n  expected: {expected:#?}\n  got:      {got:#?}"))
}

/// Check every row of a table, reporting every failing row at once.
pub fn table(rows: Vec<(&str, Case, Vec<&str>)>) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(name, case, expected)| mismatch(name, case, expected))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
