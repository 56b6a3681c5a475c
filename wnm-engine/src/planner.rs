//! `plan(&Snapshot, &Policy, now) -> Plan`: reboot check, housekeeping, then the spec §4
//! decision (remove/stop under pressure, else upgrade, else start/add). Rules in the crate docs.
use crate::housekeeping;
use crate::ids::{SplitMix64, allocate};
use crate::plan::{Action, Plan, Reason, Step};
use crate::policy::Policy;
use crate::signals::Signals;
use crate::view::{View, name_of, outdated};
use wnm_core::{NodeFacts, NodeStatus, Snapshot, UnixTime, service_name};

/// Plan one cycle. Pure: the same arguments always give the same plan.
pub fn plan(snapshot: &Snapshot, policy: &Policy, now: UnixTime) -> Plan {
    let boot_time = snapshot.metrics.boot_time;
    if boot_time > snapshot.last_stopped_at {
        return Plan {
            steps: vec![Step {
                action: Action::Resurvey,
                service_name: String::new(),
                why: Reason::Rebooted {
                    boot_time,
                    last_stopped_at: snapshot.last_stopped_at,
                },
            }],
            idle: Some(Reason::Idle {
                why:
                    "the host rebooted: node statuses are stale until every node is surveyed again"
                        .to_string(),
            }),
        };
    }
    let view = View::of(snapshot);
    let mut steps = housekeeping::steps(&view, policy, now);
    let decision = decide(&view, snapshot, policy);
    let idle = if decision.is_empty() {
        Some(decision.idle)
    } else {
        None
    };
    steps.extend(decision.steps);
    Plan { steps, idle }
}

/// The §4 decision: steps, or why there are none.
struct Decision {
    steps: Vec<Step>,
    idle: Reason,
}

impl Decision {
    fn idle(why: impl Into<String>) -> Decision {
        Decision {
            steps: Vec::new(),
            idle: Reason::Idle { why: why.into() },
        }
    }

    fn steps(steps: Vec<Step>) -> Decision {
        Decision {
            steps,
            idle: Reason::Idle { why: String::new() },
        }
    }

    fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

fn step(node: &NodeFacts, action: Action, why: Reason) -> Step {
    Step {
        action,
        service_name: name_of(node),
        why,
    }
}

fn len32<T>(v: &[T]) -> u32 {
    u32::try_from(v.len()).unwrap_or(u32::MAX)
}

fn decide(view: &View<'_>, snapshot: &Snapshot, p: &Policy) -> Decision {
    let ops = view.in_flight();
    if ops >= p.max_concurrent_operations {
        return Decision {
            steps: Vec::new(),
            idle: Reason::AtGlobalCapacity {
                ops,
                limit: p.max_concurrent_operations,
            },
        };
    }
    let ops_room = p.max_concurrent_operations - ops;
    let signals = Signals::of(&snapshot.metrics, p, view.total);
    let binary = snapshot.binary_version.as_ref();
    let to_upgrade: Vec<&NodeFacts> = view
        .oldest(NodeStatus::Running)
        .into_iter()
        .filter(|n| outdated(n, binary).is_some())
        .collect();

    if signals.remove() {
        return relieve(view, p, &signals, len32(&to_upgrade), ops_room);
    }

    if let Some(binary) = binary {
        let k = p
            .max_concurrent_upgrades
            .saturating_sub(view.upgrading)
            .min(ops_room)
            .min(len32(&to_upgrade));
        if k > 0 {
            let steps = to_upgrade
                .iter()
                .take(k as usize)
                .map(|n| {
                    let from = n
                        .version
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    step(
                        n,
                        Action::Upgrade { id: n.id },
                        Reason::Outdated {
                            from,
                            to: binary.to_string(),
                        },
                    )
                })
                .collect();
            return Decision::steps(steps);
        }
    }

    grow(view, snapshot, p, &signals, ops_room)
}

/// Under pressure: REMOVE (disk, over cap, or any pressure while upgrades are pending) stopped
/// nodes first then the youngest running, or STOP the youngest running nodes.
fn relieve(
    view: &View<'_>,
    p: &Policy,
    signals: &Signals,
    outdated: u32,
    ops_room: u32,
) -> Decision {
    let cap = p
        .max_concurrent_removals
        .saturating_sub(view.removing)
        .min(ops_room);
    let trim = outdated > 0 && view.removing == 0 && !signals.pressure.is_empty();
    let first_pressure = signals.pressure.first().cloned();
    let headline = signals
        .disk
        .clone()
        .or_else(|| signals.over_cap.clone())
        .or_else(|| first_pressure.clone())
        .map(|r| r.to_string())
        .unwrap_or_default();

    let removing_mode = signals.disk.is_some() || signals.over_cap.is_some() || trim;
    if cap > 0 && removing_mode {
        let n = if signals.disk.is_some() || trim {
            cap
        } else {
            cap.min(view.total.saturating_sub(p.node_cap))
        };
        let why = match (&signals.disk, &signals.over_cap, first_pressure) {
            (Some(d), _, _) => d.clone(),
            (None, Some(o), _) => o.clone(),
            (None, None, Some(pr)) => Reason::PressureWhileUpgradePending {
                pressure: Box::new(pr),
                outdated,
            },
            (None, None, None) => Reason::TrimDuringUpgrade,
        };
        let steps: Vec<Step> = view
            .youngest(NodeStatus::Stopped)
            .into_iter()
            .chain(view.youngest(NodeStatus::Running))
            .take(n as usize)
            .map(|node| step(node, Action::Remove { id: node.id }, why.clone()))
            .collect();
        if !steps.is_empty() {
            return Decision::steps(steps);
        }
        return Decision::idle(format!(
            "{headline}, but no STOPPED or RUNNING node can be removed (DISABLED nodes are never touched)"
        ));
    }
    if cap > 0 && view.removing == 0 {
        if let Some(why) = signals.pressure.first() {
            let steps: Vec<Step> = view
                .youngest(NodeStatus::Running)
                .into_iter()
                .take(cap as usize)
                .map(|node| step(node, Action::Stop { id: node.id }, why.clone()))
                .collect();
            if !steps.is_empty() {
                return Decision::steps(steps);
            }
        }
        return Decision::idle(format!("{headline}, but no RUNNING node to stop"));
    }
    if view.removing > 0 {
        return Decision::idle(format!(
            "{headline}, but {} node(s) are already REMOVING: waiting for them",
            view.removing
        ));
    }
    Decision::idle(format!(
        "{headline}, but max_concurrent_removals {} allows no removal",
        p.max_concurrent_removals
    ))
}

/// Calm: START the oldest STOPPED nodes, then ADD new ones, when nothing is in flight and every
/// gate allows.
fn grow(
    view: &View<'_>,
    snapshot: &Snapshot,
    p: &Policy,
    signals: &Signals,
    ops_room: u32,
) -> Decision {
    let in_flight = view.in_flight();
    if in_flight > 0 {
        return Decision::idle(format!(
            "{in_flight} node(s) in flight ({} RESTARTING, {} UPGRADING, {} REMOVING): nothing starts until they settle",
            view.restarting, view.upgrading, view.removing
        ));
    }
    if let Some(block) = &signals.add_block {
        return Decision::idle(block.clone());
    }
    if view.running >= p.node_cap {
        return Decision {
            steps: Vec::new(),
            idle: Reason::NodeCapReached {
                total: view.total,
                cap: p.node_cap,
            },
        };
    }
    let cap = p
        .max_concurrent_starts
        .saturating_sub(view.restarting)
        .min(ops_room);
    if cap == 0 {
        return Decision::idle(format!(
            "max_concurrent_starts {} allows no start",
            p.max_concurrent_starts
        ));
    }
    let binary = snapshot.binary_version.as_ref();
    let start_room = cap.min(p.node_cap - view.running);
    let mut steps: Vec<Step> = view
        .oldest(NodeStatus::Stopped)
        .into_iter()
        .take(start_room as usize)
        .map(|n| {
            let old = outdated(n, binary);
            let why = match (old, binary) {
                (Some(from), Some(to)) => Reason::ResourcesAllowUpgradeFirst {
                    from: from.to_string(),
                    to: to.to_string(),
                },
                _ => Reason::ResourcesAllow,
            };
            step(
                n,
                Action::Start {
                    id: n.id,
                    upgrade_first: old.is_some(),
                },
                why,
            )
        })
        .collect();

    let room = p.node_cap.saturating_sub(view.total);
    let adds = (cap - len32(&steps)).min(room);
    let mut idle = None;
    if adds > 0 {
        match &p.wallets {
            Some(wallets) => {
                let mut rng = SplitMix64::new(snapshot.wallet_seed);
                for (i, id) in allocate(snapshot, adds).into_iter().enumerate() {
                    let total = view.total + u32::try_from(i).unwrap_or(u32::MAX);
                    steps.push(Step {
                        action: Action::Add {
                            id,
                            wallet: wallets.pick(rng.next_u64()).clone(),
                        },
                        service_name: service_name(id),
                        why: Reason::Capacity {
                            total,
                            cap: p.node_cap,
                        },
                    });
                }
            }
            None => {
                idle = Some(Reason::Idle {
                    why: "rewards_address is empty: no wallet for a new node".to_string(),
                });
            }
        }
    } else if room == 0 {
        idle = Some(Reason::NodeCapReached {
            total: view.total,
            cap: p.node_cap,
        });
    }
    match idle {
        Some(idle) if steps.is_empty() => Decision {
            steps: Vec::new(),
            idle,
        },
        _ if steps.is_empty() => Decision::idle("no free node id left"),
        _ => Decision::steps(steps),
    }
}

/// `count` ADD steps the operator forced (`--force_action add --count N`): fresh ids as the
/// planner allocates them, wallets drawn from the weighted list with the snapshot's seed. No
/// resource gate applies: the operator asked. Empty when the policy has no rewards address.
pub fn forced_adds(snapshot: &Snapshot, policy: &Policy, count: u32) -> Vec<Step> {
    let Some(wallets) = &policy.wallets else {
        return Vec::new();
    };
    let mut rng = SplitMix64::new(snapshot.wallet_seed);
    allocate(snapshot, count)
        .into_iter()
        .map(|id| Step {
            action: Action::Add {
                id,
                wallet: wallets.pick(rng.next_u64()).clone(),
            },
            service_name: wnm_core::service_name(id),
            why: Reason::Forced {
                action: "add".to_string(),
            },
        })
        .collect()
}
