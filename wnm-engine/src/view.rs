//! `View`: the snapshot's nodes de-duplicated and counted by status, with the orderings the
//! planner picks nodes by (youngest first to stop or remove, oldest first to start or upgrade).
use std::cmp::Reverse;
use wnm_core::{NodeFacts, NodeStatus, Snapshot, Version, service_name};

/// The node population as the planner counts it.
#[derive(Debug)]
pub(crate) struct View<'a> {
    /// Every node once (first occurrence of an id wins), sorted by id.
    pub nodes: Vec<&'a NodeFacts>,
    pub running: u32,
    pub restarting: u32,
    pub upgrading: u32,
    pub removing: u32,
    /// Nodes that count against `node_cap`: every status but REMOVING and DEAD.
    pub total: u32,
}

fn count(nodes: &[&NodeFacts], status: NodeStatus) -> u32 {
    let n = nodes.iter().filter(|n| n.status == status).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'a> View<'a> {
    pub fn of(snapshot: &'a Snapshot) -> View<'a> {
        let mut nodes: Vec<&NodeFacts> = snapshot.nodes.iter().collect();
        nodes.sort_by_key(|n| n.id);
        nodes.dedup_by_key(|n| n.id);
        let total = nodes
            .iter()
            .filter(|n| !matches!(n.status, NodeStatus::Removing | NodeStatus::Dead))
            .count();
        View {
            running: count(&nodes, NodeStatus::Running),
            restarting: count(&nodes, NodeStatus::Restarting),
            upgrading: count(&nodes, NodeStatus::Upgrading),
            removing: count(&nodes, NodeStatus::Removing),
            total: u32::try_from(total).unwrap_or(u32::MAX),
            nodes,
        }
    }

    /// Nodes in transitional statuses (expired timers included: they settle this cycle).
    pub fn in_flight(&self) -> u32 {
        self.restarting
            .saturating_add(self.upgrading)
            .saturating_add(self.removing)
    }

    /// Nodes of `status`, youngest first (latest `created_at`, then highest id).
    pub fn youngest(&self, status: NodeStatus) -> Vec<&'a NodeFacts> {
        let mut v: Vec<&NodeFacts> = self.of_status(status).collect();
        v.sort_by_key(|n| (Reverse(n.created_at), Reverse(n.id)));
        v
    }

    /// Nodes of `status`, oldest first (earliest `created_at`, then lowest id).
    pub fn oldest(&self, status: NodeStatus) -> Vec<&'a NodeFacts> {
        let mut v: Vec<&NodeFacts> = self.of_status(status).collect();
        v.sort_by_key(|n| (n.created_at, n.id));
        v
    }

    fn of_status(&self, status: NodeStatus) -> impl Iterator<Item = &'a NodeFacts> + '_ {
        self.nodes
            .iter()
            .copied()
            .filter(move |n| n.status == status)
    }
}

/// The node's version when it is strictly older than the binary's (never a downgrade; an
/// unknown node version or no binary version is never outdated).
pub(crate) fn outdated<'v>(node: &'v NodeFacts, binary: Option<&Version>) -> Option<&'v Version> {
    match (&node.version, binary) {
        (Some(v), Some(b)) if v < b => Some(v),
        _ => None,
    }
}

/// The node's service name, `antnode%04d` of its id when the facts leave it empty.
pub(crate) fn name_of(node: &NodeFacts) -> String {
    if node.service_name.is_empty() {
        service_name(node.id)
    } else {
        node.service_name.clone()
    }
}
