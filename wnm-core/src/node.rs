//! `Node`: one managed node process with its identity, ports, paths, status and last metrics, and
//! the layout a backend gives a node whose row leaves its paths empty.
use crate::error::{Error, Result};
use crate::manager::ProcessManager;
use crate::metrics::NodeMetrics;
use crate::status::NodeStatus;
use serde::{Deserialize, Serialize};

/// Node numbers start at 1; service names are `antnode%04d`.
pub type NodeId = u32;

/// Epoch seconds.
pub type UnixTime = i64;

/// The service name of node `id` (`antnode0001`).
pub fn service_name(id: NodeId) -> String {
    format!("antnode{id:04}")
}

/// Parse `antnode0001`, `antnode0001.service`, `antnode1` (antctl) or `1` into a node id.
pub fn parse_service_name(s: &str) -> Result<NodeId> {
    let t = s.trim();
    let t = t.strip_suffix(".service").unwrap_or(t);
    let digits = t.strip_prefix("antnode").unwrap_or(t);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid_config(format!(
            "{s:?} is not a node name; use antnode0001, antnode0001.service or 1"
        )));
    }
    let id: NodeId = digits
        .parse()
        .map_err(|_| Error::invalid_config(format!("{s:?}: node number too large")))?;
    if id == 0 {
        return Err(Error::invalid_config(format!(
            "{s:?}: node numbers start at 1"
        )));
    }
    Ok(id)
}

/// One node as wnm knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Node number (>= 1).
    pub id: NodeId,
    /// Service name, `antnode0001` (antctl: `antnode1`).
    pub service_name: String,
    /// UDP port the node listens on.
    pub port: u16,
    /// Metrics server port (127.0.0.1).
    pub metrics_port: u16,
    /// RPC port (antctl only; 0 when unused).
    pub rpc_port: u16,
    /// The node's root (data) dir.
    pub root_dir: String,
    /// The node's log dir.
    pub log_dir: String,
    /// The node's own binary copy.
    pub binary: String,
    /// OS user the node runs as.
    pub user: String,
    /// Rewards address this node was given.
    pub wallet: String,
    /// Network subcommand (`evm-arbitrum-one`); empty for none.
    pub network: String,
    /// Version last seen (`/metadata` or `--version`).
    pub version: Option<String>,
    /// Peer id last seen.
    pub peer_id: Option<String>,
    /// Current status.
    pub status: NodeStatus,
    /// When the status last changed (epoch s).
    pub status_changed_at: UnixTime,
    /// When the node was created (epoch s): its age.
    pub created_at: UnixTime,
    /// The backend that drives it.
    pub manager: ProcessManager,
    /// Node line profile name (`antnode-0.4`, `ant-node-2026`).
    pub line: String,
    /// Docker container row id, for many-nodes-per-container.
    pub container_id: Option<i64>,
    /// Host the metrics server is reached at.
    pub host: String,
    /// Extra environment for this node (`K=V` pairs).
    pub environment: String,
    /// Last surveyed figures.
    pub metrics: NodeMetrics,
}

/// Where a backend puts a node's files when the node's row leaves them empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeDefaults<'a> {
    /// Parent of root dirs: a node's root dir is `node_storage/<service name>`.
    pub node_storage: &'a str,
    /// Parent of log dirs: a node's log dir is `log_base/<service name>`.
    pub log_base: &'a str,
    /// File name of the node line's binary (in the root dir).
    pub binary_name: &'a str,
    /// The user a node runs as.
    pub user: &'a str,
}

impl Node {
    /// This node with every empty path and the user filled in from `d` (pure): root dir
    /// `node_storage/<service name>`, log dir `log_base/<service name>`, binary
    /// `<root dir>/<binary name>`, user. Values the row has are kept.
    pub fn completed(&self, d: &NodeDefaults<'_>) -> Node {
        let under = |base: &str| format!("{}/{}", base.trim_end_matches('/'), self.service_name);
        let mut n = self.clone();
        if n.root_dir.is_empty() {
            n.root_dir = under(d.node_storage);
        }
        if n.log_dir.is_empty() {
            n.log_dir = under(d.log_base);
        }
        if n.binary.is_empty() {
            n.binary = format!("{}/{}", n.root_dir.trim_end_matches('/'), d.binary_name);
        }
        if n.user.is_empty() {
            n.user = d.user.to_string();
        }
        n
    }

    /// Change status through the legal transition table; records the time of the change.
    pub fn set_status(&mut self, to: NodeStatus, now: UnixTime) -> Result<()> {
        self.status.transition(to)?;
        if self.status != to {
            self.status = to;
            self.status_changed_at = now;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare(id: NodeId) -> Node {
        Node {
            id,
            service_name: service_name(id),
            port: 0,
            metrics_port: 0,
            rpc_port: 0,
            root_dir: String::new(),
            log_dir: String::new(),
            binary: String::new(),
            user: String::new(),
            wallet: String::new(),
            network: String::new(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: ProcessManager::platform_default(),
            line: String::new(),
            container_id: None,
            host: String::new(),
            environment: String::new(),
            metrics: NodeMetrics::default(),
        }
    }

    #[test]
    fn empty_paths_and_user_come_from_the_defaults_and_set_ones_stay() {
        let d = NodeDefaults {
            node_storage: "/var/antctl/services/",
            log_base: "/var/log/antnode",
            binary_name: "ant-node",
            user: "ant",
        };
        let n = bare(7).completed(&d);
        assert_eq!(n.root_dir, "/var/antctl/services/antnode0007");
        assert_eq!(n.log_dir, "/var/log/antnode/antnode0007");
        assert_eq!(n.binary, "/var/antctl/services/antnode0007/ant-node");
        assert_eq!(n.user, "ant");
        // the binary follows a root dir the row has
        let mut own = bare(7);
        own.root_dir = "/srv/n7/".into();
        own.user = "op".into();
        let n = own.completed(&d);
        assert_eq!(n.root_dir, "/srv/n7/");
        assert_eq!(n.binary, "/srv/n7/ant-node");
        assert_eq!(n.user, "op");
        // a complete row is returned as it is
        assert_eq!(n.completed(&d), n);
    }

    #[test]
    fn service_names() {
        assert_eq!(service_name(1), "antnode0001");
        assert_eq!(service_name(12345), "antnode12345");
        for s in [
            "antnode0001",
            "antnode0001.service",
            "1",
            "antnode1",
            " 0001 ",
        ] {
            assert_eq!(parse_service_name(s).unwrap(), 1, "{s}");
        }
        for s in ["", "antnode", "node1", "0", "antnode-1", "../1", "1;rm"] {
            assert!(parse_service_name(s).is_err(), "{s}");
        }
    }
}
