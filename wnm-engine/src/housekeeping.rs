//! Housekeeping steps that come before any §4 decision: delete DEAD nodes (no limits), settle
//! RESTARTING/UPGRADING nodes whose timer ended, delete REMOVING nodes whose `delay_remove` ended.
use crate::plan::{Action, Reason, Step};
use crate::policy::Policy;
use crate::view::{View, name_of};
use wnm_core::{NodeStatus, UnixTime};

/// Whether a transitional node's timer has ended at `now`: `now - status_changed_at >= delay`.
/// Returns the elapsed seconds when it has.
pub(crate) fn expired(changed_at: UnixTime, delay: u64, now: UnixTime) -> Option<i64> {
    let elapsed = now.saturating_sub(changed_at);
    let delay = i64::try_from(delay).unwrap_or(i64::MAX);
    (elapsed >= delay).then_some(elapsed)
}

/// The housekeeping steps, in node-id order.
pub(crate) fn steps(view: &View<'_>, policy: &Policy, now: UnixTime) -> Vec<Step> {
    let mut out = Vec::new();
    for n in &view.nodes {
        let timer = match n.status {
            NodeStatus::Dead => {
                out.push(Step {
                    action: Action::Delete { id: n.id },
                    service_name: name_of(n),
                    why: Reason::DeadNode,
                });
                continue;
            }
            NodeStatus::Restarting => policy.delay_start,
            NodeStatus::Upgrading => policy.delay_upgrade,
            NodeStatus::Removing => policy.delay_remove,
            _ => continue,
        };
        let Some(elapsed) = expired(n.status_changed_at, timer, now) else {
            continue;
        };
        let action = if n.status == NodeStatus::Removing {
            Action::Delete { id: n.id }
        } else {
            Action::Settle {
                id: n.id,
                from: n.status,
            }
        };
        out.push(Step {
            action,
            service_name: name_of(n),
            why: Reason::TimerExpired {
                status: n.status,
                elapsed,
                delay: timer,
            },
        });
    }
    out
}
