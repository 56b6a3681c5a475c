//! The planner's input (the "Features" snapshot): machine metrics, the node population, the binary
//! version and reboot facts. Plain data, serialisable, so a what-if can be fed from a JSON file.
use crate::metrics::MachineMetrics;
use crate::node::{Node, NodeId, UnixTime};
use crate::status::NodeStatus;
use crate::version::Version;
use serde::{Deserialize, Serialize};

/// What the planner needs to know of one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFacts {
    /// Node number.
    pub id: NodeId,
    /// Service name (defaults to `antnode%04d` of the id when absent in JSON).
    #[serde(default)]
    pub service_name: String,
    /// Current status.
    pub status: NodeStatus,
    /// Version last seen, if known.
    #[serde(default)]
    pub version: Option<Version>,
    /// When the status last changed (epoch s).
    #[serde(default)]
    pub status_changed_at: UnixTime,
    /// When the node was created (epoch s); younger = larger.
    #[serde(default)]
    pub created_at: UnixTime,
}

impl NodeFacts {
    /// The facts of a full node row.
    pub fn of(node: &Node) -> NodeFacts {
        NodeFacts {
            id: node.id,
            service_name: node.service_name.clone(),
            status: node.status,
            version: node.version.as_deref().and_then(|v| v.parse().ok()),
            status_changed_at: node.status_changed_at,
            created_at: node.created_at,
        }
    }
}

/// How new node ids are chosen; a backend capability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdAllocation {
    /// Lowest free id from 1 (fills holes).
    #[default]
    FillHoles,
    /// Always `highest_node_id_used + 1` (antctl never reuses a number).
    NeverReuse,
}

/// Everything the planner looks at, observed at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Host metrics.
    #[serde(default)]
    pub metrics: MachineMetrics,
    /// Every node row, any status.
    #[serde(default)]
    pub nodes: Vec<NodeFacts>,
    /// Version of the binary at `antnode_path` (what adds and upgrades install).
    #[serde(default)]
    pub binary_version: Option<Version>,
    /// End of the previous run (epoch s); a boot after it means the host rebooted.
    #[serde(default)]
    pub last_stopped_at: UnixTime,
    /// Highest node id ever used (for `NeverReuse`).
    #[serde(default)]
    pub highest_node_id_used: Option<NodeId>,
    /// How new ids are picked.
    #[serde(default)]
    pub id_allocation: IdAllocation,
    /// Seed for the weighted wallet choice of new nodes (deterministic plans).
    #[serde(default)]
    pub wallet_seed: u64,
}
