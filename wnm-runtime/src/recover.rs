//! Crash recovery at the start of a cycle, after the survey and before planning: what a killed
//! run left half-done and the survey alone cannot finish. An upgrade cut short leaves its kept
//! old binary beside the node's (`antnode.wnm-previous`):
//! - the node was RUNNING before and is down now: the upgrade stopped it and never brought it
//!   back, so it is finished (install, start, confirm) or rolled back to the kept binary;
//! - the node runs: whatever runs is what it has; the kept binary is dropped and the version read again.
//!
//! Half-made adds need nothing here: the row comes first, so the survey finds them (a missing dir
//! makes them DEAD and they are deleted; a node dir makes them STOPPED and the next start installs
//! a missing binary again through `Backend::upgrade`; a running process makes them RUNNING).
use crate::executor::{Executor, Outcome};
use std::collections::HashMap;
use wnm_core::{Node, NodeId, NodeStatus};

/// One recovery to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Finish or roll back the upgrade of a node found down.
    ResumeUpgrade(NodeId),
    /// The node runs: drop the kept binary.
    ForgetKept(NodeId),
}

const RESUME_WHY: &str = "an upgrade was cut short (wnm stopped after stopping the node, which is down): finishing it, or restoring the old binary";
const FORGET_WHY: &str =
    "an upgrade was cut short, but the node runs: keeping what it runs, dropping the old binary";

impl Recovery {
    /// The node it is about.
    pub fn node(&self) -> NodeId {
        match self {
            Recovery::ResumeUpgrade(id) | Recovery::ForgetKept(id) => *id,
        }
    }

    /// What it is about, as printed.
    pub fn render(&self) -> String {
        match self {
            Recovery::ResumeUpgrade(id) => {
                format!("recover {}: {RESUME_WHY}", wnm_core::service_name(*id))
            }
            Recovery::ForgetKept(id) => {
                format!("recover {}: {FORGET_WHY}", wnm_core::service_name(*id))
            }
        }
    }
}

/// The recoveries `nodes` (as surveyed now) need, given each node's status before the survey
/// and `kept`, which says whether an upgrade's kept binary is beside a node's
/// ([`crate::kept::found`] through the node's backend).
pub fn recoveries(
    nodes: &[Node],
    before: &HashMap<NodeId, NodeStatus>,
    kept: impl Fn(&Node) -> bool,
) -> Vec<Recovery> {
    use NodeStatus::*;
    nodes
        .iter()
        .filter(|n| !matches!(n.status, Disabled | Removing | Dead))
        .filter(|n| kept(n))
        .filter_map(|n| {
            let was = before.get(&n.id).copied().unwrap_or(n.status);
            match n.status {
                Running => Some(Recovery::ForgetKept(n.id)),
                Stopped if matches!(was, Running | Upgrading | Restarting) => {
                    Some(Recovery::ResumeUpgrade(n.id))
                }
                // Stopped before too (a start that upgrades first was cut short): the next start
                // confirms the binary in place or puts the kept one back.
                _ => None,
            }
        })
        .collect()
}

/// Do `todo` with `executor`, in order.
pub async fn recover(executor: &Executor, todo: &[Recovery]) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(todo.len());
    for r in todo {
        tracing::warn!("{}", r.render());
        out.push(match r {
            Recovery::ResumeUpgrade(id) => executor.resume_upgrade(*id, RESUME_WHY).await,
            Recovery::ForgetKept(id) => executor.forget_kept_binary(*id, FORGET_WHY).await,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::tests_support::node;
    use wnm_core::kept_binary_path;

    #[test]
    fn only_nodes_with_a_kept_binary_and_the_right_history_are_recovered() {
        let dir = std::env::temp_dir().join(format!("wnm-recover-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut nodes = Vec::new();
        let mut before = HashMap::new();
        // (now, before the survey, kept binary?)
        let cases = [
            ("STOPPED", NodeStatus::Running, true), // 1: upgrade cut short -> resume
            ("RUNNING", NodeStatus::Running, true), // 2: runs anyway -> forget
            ("STOPPED", NodeStatus::Stopped, true), // 3: a start that upgrades first -> its start does it
            ("STOPPED", NodeStatus::Running, false), // 4: a plain stop found -> nothing
            ("REMOVING", NodeStatus::Removing, true), // 5: going anyway -> nothing
            ("STOPPED", NodeStatus::Upgrading, true), // 6: resume
        ];
        for (i, (now, was, kept)) in cases.iter().enumerate() {
            let id = i as u32 + 1;
            let mut n = node(id, now, 0);
            n.binary = dir
                .join(format!("antnode{id}"))
                .to_string_lossy()
                .into_owned();
            if *kept {
                std::fs::write(kept_binary_path(&n), b"old").unwrap();
            }
            before.insert(id, *was);
            nodes.push(n);
        }
        // what a backend without a filesystem root of its own finds (the trait's default)
        let got = recoveries(&nodes, &before, |n| kept_binary_path(n).is_file());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            got,
            vec![
                Recovery::ResumeUpgrade(1),
                Recovery::ForgetKept(2),
                Recovery::ResumeUpgrade(6)
            ]
        );
        assert!(
            got[0]
                .render()
                .starts_with("recover antnode0001: an upgrade was cut short")
        );
        assert_eq!(got[1].node(), 2);
    }
}
