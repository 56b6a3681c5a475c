//! Planner invariants over random snapshots and policies (proptest): limits respected after the
//! plan, node_cap never passed by adds, DISABLED nodes untouched, every step legal for its node,
//! one step per node, fresh ids for adds, and the same input always giving the same plan.
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use wnm_core::{
    IdAllocation, Machine, MachineMetrics, NodeFacts, NodeId, NodeStatus, Snapshot, Version,
};
use wnm_engine::{Action, Plan, Policy, plan};

const NOW: i64 = 1_795_352_886;
const VERSIONS: [&str; 4] = ["0.4.5", "0.4.6", "0.4.7", "0.4.8"];

fn version() -> impl Strategy<Value = Option<Version>> {
    prop::option::of(prop::sample::select(VERSIONS.to_vec()).prop_map(|v| v.parse().unwrap()))
}

fn nodes() -> impl Strategy<Value = Vec<NodeFacts>> {
    (prop::collection::btree_set(1u32..80, 0..30), any::<bool>()).prop_flat_map(|(ids, settled)| {
        let n = ids.len();
        let status = if settled {
            // Half the snapshots hold nothing in flight, so starts and adds get planned.
            prop_oneof![
                6 => Just(NodeStatus::Running),
                2 => Just(NodeStatus::Stopped),
                1 => Just(NodeStatus::Disabled),
                1 => Just(NodeStatus::Dead),
            ]
            .boxed()
        } else {
            prop::sample::select(NodeStatus::ALL.to_vec()).boxed()
        };
        let attrs = (
            status,
            version(),
            0i64..200_000,
            -20i64..1_000,
            any::<bool>(),
        );
        prop::collection::vec(attrs, n).prop_map(move |attrs| {
            ids.iter()
                .zip(attrs)
                .map(
                    |(&id, (status, version, age, changed_ago, named))| NodeFacts {
                        id,
                        service_name: if named {
                            format!("antnode{id}")
                        } else {
                            String::new()
                        },
                        status,
                        version,
                        status_changed_at: NOW - changed_ago,
                        created_at: NOW - age,
                    },
                )
                .collect()
        })
    })
}

fn metrics() -> impl Strategy<Value = MachineMetrics> {
    // Half the hosts are calm (below every add gate the policy can draw), half anywhere.
    prop_oneof![
        (
            (0.0f64..20.0, 0.0f64..20.0, 0.0f64..20.0),
            (0.0f64..0.5, 0.0f64..0.5, 0.0f64..0.5),
            (0u64..10, 0u64..10, 0u64..10, 0u64..10),
            prop::bool::weighted(0.1),
        ),
        (
            (0.0f64..100.0, 0.0f64..100.0, 0.0f64..100.0),
            (0.0f64..8.0, 0.0f64..8.0, 0.0f64..8.0),
            (0u64..10_000, 0u64..10_000, 0u64..10_000, 0u64..10_000),
            prop::bool::weighted(0.1),
        ),
    ]
    .prop_map(
        |((cpu, mem, disk), (l1, l5, l15), (hr, hw, nr, nw), rebooted)| MachineMetrics {
            cpu_percent: cpu,
            mem_percent: mem,
            disk_percent: disk,
            load_1: l1,
            load_5: l5,
            load_15: l15,
            hdio_read_bps: hr,
            hdio_write_bps: hw,
            netio_read_bps: nr,
            netio_write_bps: nw,
            cpu_count: 4,
            boot_time: if rebooted { NOW - 10 } else { NOW - 86_400 },
            ..MachineMetrics::default()
        },
    )
}

fn io_limit() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 10u64..10_000]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        (0u32..30, 0u32..5, 0u32..5, 0u32..5, 0u32..6),
        (20u32..80, 20u32..80, 20u32..95, 0u32..30),
        (0.5f64..6.0, 0.5f64..8.0),
        (0u64..600, 0u64..600, 0u64..600),
        prop::collection::vec(io_limit(), 8),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(
                (cap, upg, starts, rem, ops),
                (cpu_lt, mem_lt, hd_lt, gap),
                (desired, max),
                (ds, du, dr),
                io,
                wallets,
            )| {
                let mut m = Machine::defaults_for(4);
                m.node_cap = cap;
                m.max_concurrent_upgrades = upg;
                m.max_concurrent_starts = starts;
                m.max_concurrent_removals = rem;
                m.max_concurrent_operations = ops;
                m.cpu_less_than = cpu_lt;
                m.cpu_remove = cpu_lt + gap;
                m.mem_less_than = mem_lt;
                m.mem_remove = mem_lt + gap;
                m.hd_less_than = hd_lt;
                m.hd_remove = hd_lt + gap;
                m.desired_load_average = desired;
                m.max_load_average_allowed = max;
                m.delay_start = ds;
                m.delay_upgrade = du;
                m.delay_remove = dr;
                m.hdio_read_less_than = io[0];
                m.hdio_read_remove = io[1];
                m.hdio_write_less_than = io[2];
                m.hdio_write_remove = io[3];
                m.netio_read_less_than = io[4];
                m.netio_read_remove = io[5];
                m.netio_write_less_than = io[6];
                m.netio_write_remove = io[7];
                if wallets {
                    m.rewards_address = "faucet:2,donate:1".into();
                }
                Policy::from_machine(&m).unwrap()
            },
        )
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        nodes(),
        metrics(),
        version(),
        prop::option::of(0u32..100),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(nodes, metrics, binary_version, highest, never_reuse, seed)| Snapshot {
                metrics,
                nodes,
                binary_version,
                last_stopped_at: NOW - 60,
                highest_node_id_used: highest,
                id_allocation: if never_reuse {
                    IdAllocation::NeverReuse
                } else {
                    IdAllocation::FillHoles
                },
                wallet_seed: seed,
            },
        )
}

fn count(s: &Snapshot, status: NodeStatus) -> u32 {
    s.nodes.iter().filter(|n| n.status == status).count() as u32
}

/// Planned steps of each kind that put a node in flight.
#[derive(Default)]
struct Planned {
    starts: u32,
    adds: u32,
    upgrades: u32,
    removes: u32,
}

fn planned(p: &Plan) -> Planned {
    let mut c = Planned::default();
    for s in &p.steps {
        match s.action {
            Action::Add { .. } => c.adds += 1,
            Action::Start { .. } => c.starts += 1,
            Action::Upgrade { .. } => c.upgrades += 1,
            Action::Remove { .. } => c.removes += 1,
            _ => {}
        }
    }
    c
}

/// Whether `action` may be taken on a node in `status` (and leads somewhere the table allows).
fn legal(action: &Action, status: NodeStatus) -> bool {
    use NodeStatus::*;
    let from_ok = match action {
        Action::Start { .. } => status == Stopped,
        Action::Stop { .. } | Action::Upgrade { .. } => status == Running,
        Action::Remove { .. } => matches!(status, Running | Stopped),
        Action::Delete { .. } => matches!(status, Dead | Removing),
        Action::Settle { from, .. } => {
            *from == status
                && matches!(status, Restarting | Upgrading)
                && status.can_become(Running)
                && status.can_become(Stopped)
        }
        Action::Add { .. } | Action::Resurvey => false,
    };
    from_ok && action.status_after().is_none_or(|to| status.can_become(to))
}

/// How often each kind of step came up, so the run shows the properties were exercised.
#[derive(Default)]
struct Tally {
    kinds: BTreeMap<&'static str, AtomicU32>,
}

impl Tally {
    fn new() -> Tally {
        let kinds = [
            "add", "start", "stop", "upgrade", "remove", "delete", "settle", "resurvey", "idle",
        ]
        .into_iter()
        .map(|k| (k, AtomicU32::new(0)))
        .collect();
        Tally { kinds }
    }

    fn bump(&self, kind: &str) {
        if let Some(c) = self.kinds.get(kind) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[test]
fn invariants_hold_over_random_snapshots() {
    let tally = Tally::new();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(snapshot(), policy()), |(snap, pol)| {
            invariants(&snap, &pol, &tally)
        })
        .unwrap();
    let seen: BTreeMap<&str, u32> = tally
        .kinds
        .iter()
        .map(|(k, c)| (*k, c.load(Ordering::Relaxed)))
        .collect();
    println!("plans holding each kind of step, of 3000: {seen:?}");
    for (kind, n) in &seen {
        assert!(
            *n >= 50,
            "only {n} plans held a {kind} step: the generators miss it ({seen:?})"
        );
    }
}

fn invariants(snap: &Snapshot, pol: &Policy, tally: &Tally) -> Result<(), TestCaseError> {
    {
        let (snap, pol) = (snap.clone(), pol.clone());
        let p = plan(&snap, &pol, NOW);
        let kinds: BTreeSet<&str> = p.steps.iter().map(|s| s.action.verb()).collect();
        for k in kinds {
            tally.bump(k);
        }
        if p.idle.is_some() {
            tally.bump("idle");
        }
        let by_id: BTreeMap<NodeId, &NodeFacts> = snap.nodes.iter().map(|n| (n.id, n)).collect();

        // Deterministic.
        prop_assert_eq!(&p, &plan(&snap, &pol, NOW));

        // After a reboot only a resurvey is planned.
        if snap.metrics.boot_time > snap.last_stopped_at {
            prop_assert_eq!(p.steps.len(), 1);
            prop_assert_eq!(&p.steps[0].action, &Action::Resurvey);
            return Ok(());
        }

        // One step per node; DISABLED untouched; every step legal for its node; adds get fresh ids.
        let mut seen = BTreeSet::new();
        for s in &p.steps {
            let id = s
                .action
                .node_id()
                .expect("every step after no reboot names a node");
            prop_assert!(seen.insert(id), "two steps on node {}: {}", id, p);
            match (&s.action, by_id.get(&id)) {
                (Action::Add { .. }, None) => {
                    prop_assert_eq!(s.action.status_after(), Some(NodeStatus::Restarting));
                    if snap.id_allocation == IdAllocation::NeverReuse {
                        let above = by_id
                            .keys()
                            .last()
                            .copied()
                            .unwrap_or(0)
                            .max(snap.highest_node_id_used.unwrap_or(0));
                        prop_assert!(id > above, "never-reuse id {} not above {}", id, above);
                    }
                }
                (Action::Add { .. }, Some(_)) => {
                    prop_assert!(false, "add reuses existing id {}", id)
                }
                (_, None) => prop_assert!(false, "step on unknown node {}", id),
                (a, Some(n)) => {
                    prop_assert!(
                        n.status != NodeStatus::Disabled,
                        "step on DISABLED node: {}",
                        s
                    );
                    prop_assert!(
                        legal(a, n.status),
                        "illegal step for {} node: {}",
                        n.status,
                        s
                    );
                    let expect = if n.service_name.is_empty() {
                        wnm_core::service_name(id)
                    } else {
                        n.service_name.clone()
                    };
                    prop_assert_eq!(&s.service_name, &expect);
                }
            }
        }

        // Limits after the plan (what is already over a limit may stay, but nothing is added to it).
        let c = planned(&p);
        let restarting = count(&snap, NodeStatus::Restarting);
        let upgrading = count(&snap, NodeStatus::Upgrading);
        let removing = count(&snap, NodeStatus::Removing);
        let new_starts = c.starts + c.adds;
        if new_starts > 0 {
            prop_assert!(
                restarting + new_starts <= pol.max_concurrent_starts,
                "starts: {}",
                p
            );
        }
        if c.upgrades > 0 {
            prop_assert!(
                upgrading + c.upgrades <= pol.max_concurrent_upgrades,
                "upgrades: {}",
                p
            );
        }
        if c.removes > 0 {
            prop_assert!(
                removing + c.removes <= pol.max_concurrent_removals,
                "removals: {}",
                p
            );
        }
        let new_ops = new_starts + c.upgrades + c.removes;
        if new_ops > 0 {
            prop_assert!(
                restarting + upgrading + removing + new_ops <= pol.max_concurrent_operations,
                "ops: {}",
                p
            );
        }

        // node_cap is never passed by adds (every row that stays counts, DISABLED included).
        if c.adds > 0 {
            let staying = snap
                .nodes
                .iter()
                .filter(|n| n.status != NodeStatus::Dead)
                .count() as u32;
            prop_assert!(
                staying + c.adds <= pol.node_cap,
                "node_cap {}: {}",
                pol.node_cap,
                p
            );
            prop_assert!(pol.wallets.is_some());
        }

        // An idle reason exactly when no decision step is planned.
        let decisions = p
            .steps
            .iter()
            .filter(|s| !s.action.is_housekeeping())
            .count();
        prop_assert_eq!(p.idle.is_some(), decisions == 0, "idle mismatch: {}", p);
    }
    Ok(())
}
