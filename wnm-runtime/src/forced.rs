//! `--force_action`: one thing now instead of a planned cycle. Every action is turned into plan
//! steps carrying `Reason::Forced` and run by the same executor, so forced work is recorded in
//! the node history like any other.
use crate::cycle::{Cycle, CycleOptions};
use crate::executor::Outcome;
use crate::select::{Pick, by_names, default_pick};
use wnm_core::{Error, IdAllocation, Node, NodeStatus, Result, Version};
use wnm_engine::{Action, Plan, Policy, Reason, Step};

/// A forced action on existing nodes or the colony.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    /// Add `count` nodes.
    Add,
    /// Remove nodes now (process, service, files, row).
    Remove,
    /// Upgrade running nodes.
    Upgrade,
    /// Start stopped nodes.
    Start,
    /// Stop running nodes.
    Stop,
    /// Stop nodes and take them out of management.
    Disable,
    /// Remove every node.
    Teardown,
}

impl Forced {
    fn name(self) -> &'static str {
        match self {
            Forced::Add => "add",
            Forced::Remove => "remove",
            Forced::Upgrade => "upgrade",
            Forced::Start => "start",
            Forced::Stop => "stop",
            Forced::Disable => "disable",
            Forced::Teardown => "teardown",
        }
    }
}

/// Which nodes, and how many.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--service_name` values (any accepted form).
    pub names: Vec<String>,
    /// `--count`.
    pub count: u32,
}

fn step(n: &Node, action: Action, forced: Forced) -> Step {
    Step {
        action,
        service_name: n.service_name.clone(),
        why: Reason::Forced {
            action: forced.name().to_string(),
        },
    }
}

fn pick<'a>(nodes: &'a [Node], sel: &Selection, p: Pick) -> Result<Vec<&'a Node>> {
    if sel.names.is_empty() {
        default_pick(nodes, p, sel.count as usize)
    } else {
        by_names(nodes, &sel.names.join(","))
    }
}

/// Build the steps of a forced action.
pub async fn forced_plan(cycle: &Cycle, what: Forced, sel: &Selection) -> Result<Plan> {
    let nodes = cycle.store.nodes().await?;
    let binary = cycle.binary_info().await;
    let steps: Vec<Step> = match what {
        Forced::Add => {
            if let Some(p) = binary.problem() {
                return Err(Error::not_found(p));
            }
            let collected_like = crate::collect::Collected {
                nodes: nodes.clone(),
                metrics: Default::default(),
                latency_ms: None,
                surveyed: 0,
                changes: Vec::new(),
                reasons: Default::default(),
            };
            let snapshot = cycle.snapshot(&collected_like, &binary);
            let policy = Policy::from_machine(&cycle.machine)?;
            let steps = wnm_engine::forced_adds(&snapshot, &policy, sel.count.max(1));
            if steps.is_empty() {
                return Err(Error::invalid_config(
                    "rewards_address is empty: set it (--rewards_address 0x...) before adding nodes",
                ));
            }
            steps
        }
        Forced::Teardown => nodes
            .iter()
            .map(|n| step(n, Action::Delete { id: n.id }, what))
            .collect(),
        Forced::Remove => pick(&nodes, sel, Pick::Remove)?
            .into_iter()
            .map(|n| step(n, Action::Delete { id: n.id }, what))
            .collect(),
        Forced::Stop => pick(&nodes, sel, Pick::Stop)?
            .into_iter()
            .map(|n| {
                require(
                    n,
                    &[
                        NodeStatus::Running,
                        NodeStatus::Restarting,
                        NodeStatus::Upgrading,
                    ],
                    what,
                )
                .map(|n| step(n, Action::Stop { id: n.id }, what))
            })
            .collect::<Result<_>>()?,
        Forced::Start => {
            let bv = binary.version().cloned();
            pick(&nodes, sel, Pick::Start)?
                .into_iter()
                .map(|n| {
                    require(n, &[NodeStatus::Stopped], what).map(|n| {
                        let upgrade_first = older(n, bv.as_ref());
                        step(
                            n,
                            Action::Start {
                                id: n.id,
                                upgrade_first,
                            },
                            what,
                        )
                    })
                })
                .collect::<Result<_>>()?
        }
        Forced::Upgrade => {
            if let Some(p) = binary.problem() {
                return Err(Error::not_found(p));
            }
            pick(&nodes, sel, Pick::Upgrade)?
                .into_iter()
                .map(|n| {
                    require(n, &[NodeStatus::Running], what)
                        .map(|n| step(n, Action::Upgrade { id: n.id }, what))
                })
                .collect::<Result<_>>()?
        }
        Forced::Disable => pick(&nodes, sel, Pick::Disable)?
            .into_iter()
            .map(|n| step(n, Action::Stop { id: n.id }, what))
            .collect(),
    };
    let idle = steps.is_empty().then(|| Reason::Idle {
        why: format!("--force_action {}: no node to act on", what.name()),
    });
    Ok(Plan { steps, idle })
}

fn older(n: &Node, binary: Option<&Version>) -> bool {
    match (
        n.version.as_deref().and_then(|v| v.parse::<Version>().ok()),
        binary,
    ) {
        (Some(v), Some(b)) => &v < b,
        _ => false,
    }
}

fn require<'a>(n: &'a Node, allowed: &[NodeStatus], what: Forced) -> Result<&'a Node> {
    if allowed.contains(&n.status) {
        Ok(n)
    } else {
        Err(Error::invalid_config(format!(
            "cannot {} {}: it is {} (needs {})",
            what.name(),
            n.service_name,
            n.status,
            allowed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

/// Run a forced action through the executor; `progress` is told after each step.
pub async fn run_forced(
    cycle: &mut Cycle,
    what: Forced,
    sel: &Selection,
    opts: &CycleOptions,
    progress: &(dyn Fn(usize, usize, &Outcome) + Sync),
) -> Result<(Plan, Vec<Outcome>)> {
    let plan = forced_plan(cycle, what, sel).await?;
    if opts.dry_run {
        return Ok((plan, Vec::new()));
    }
    let binary = cycle.binary_info().await;
    let executor = cycle.executor(opts, binary.version().cloned());
    // The executor lays new nodes out before any starts: one daemon-reload for `--count N` adds.
    let mut outcomes = executor.execute_with(&plan, progress).await;
    if what == Forced::Disable {
        for (s, o) in plan.steps.iter().zip(&outcomes) {
            if let (true, Some(id)) = (o.ok, s.action.node_id()) {
                cycle
                    .store
                    .set_status(id, NodeStatus::Disabled, &s.to_string(), cycle.clock.now())
                    .await?;
            }
        }
    }
    if what == Forced::Teardown && outcomes.iter().all(|o| o.ok) {
        // Then whatever shared state the backend keeps (antctl: `antctl reset --force`, which
        // also restarts its node numbering, so a never-reuse colony's numbering starts again too).
        match cycle.backend.teardown(&[]).await {
            Ok(()) => {
                if cycle.backend.capabilities().id_allocation == IdAllocation::NeverReuse {
                    let mut m = cycle
                        .store
                        .machine()
                        .await?
                        .unwrap_or_else(|| cycle.machine.clone());
                    m.highest_node_id_used = None;
                    cycle.store.save_machine(&m).await?;
                    cycle.machine.highest_node_id_used = None;
                }
            }
            Err(e) => outcomes.push(Outcome {
                step: format!("teardown {} backend state", cycle.backend.kind()),
                node: None,
                ok: false,
                detail: format!("failed: {e}"),
            }),
        }
        // The node and log dirs wnm made go too, but only when empty: nothing else is touched.
        for dir in [
            std::path::PathBuf::from(&cycle.machine.node_storage),
            cycle.log_base.clone(),
        ] {
            let _ = std::fs::remove_dir(&dir);
        }
    }
    cycle.finish(&plan).await?;
    Ok((plan, outcomes))
}
