//! antctl registry entries as wnm nodes (pure), for `wnm --init --import`: id = antctl's number,
//! name, ports, paths and wallet from the entry; Running -> RUNNING, Stopped/Added -> STOPPED,
//! Removed -> DEAD (wnm then deletes the row; antctl keeps the entry, so the number is never
//! used again).
use crate::parse::{AntctlStatus, RegistryNode};
use wnm_core::wallet::eip55_checksum;
use wnm_core::{Node, NodeStatus, ProcessManager, UnixTime};

/// What an imported node takes from the host rather than from the entry.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// The manager the rows are recorded under (`antctl+sudo` ...).
    pub manager: ProcessManager,
    /// The user of user-mode services (the entry records none).
    pub user: String,
    /// Host the metrics servers are reached at.
    pub host: String,
    /// The node line (`antnode-0.4`).
    pub line: String,
    /// Now (status change time, and creation time when the dir age is unknown).
    pub now: UnixTime,
}

/// wnm's status for an antctl status.
pub fn node_status(s: AntctlStatus) -> NodeStatus {
    match s {
        AntctlStatus::Running => NodeStatus::Running,
        AntctlStatus::Stopped | AntctlStatus::Added => NodeStatus::Stopped,
        AntctlStatus::Removed => NodeStatus::Dead,
    }
}

/// A lower-case `0x` address in its EIP-55 spelling (antctl stores addresses in lower case);
/// anything else as it is.
pub fn checksummed(address: &str) -> String {
    match address.strip_prefix("0x") {
        Some(body) if body.len() == 40 && body.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("0x{}", eip55_checksum(body))
        }
        _ => address.to_string(),
    }
}

/// The wnm row for registry entry `e`.
pub fn node_of(e: &RegistryNode, cx: &ImportContext) -> Node {
    Node {
        id: e.number,
        service_name: e.service_name.clone(),
        port: e.node_port.unwrap_or(0),
        metrics_port: e.metrics_port.unwrap_or(0),
        rpc_port: e.rpc_port(),
        root_dir: e.data_dir_path.clone(),
        log_dir: e.log_dir_path.clone(),
        binary: e.antnode_path.clone(),
        user: e.user.clone().unwrap_or_else(|| cx.user.clone()),
        wallet: checksummed(&e.rewards_address),
        network: e.network(),
        version: (!e.version.is_empty()).then(|| e.version.clone()),
        peer_id: e.peer_id.clone(),
        status: node_status(e.status),
        status_changed_at: cx.now,
        created_at: cx.now,
        manager: cx.manager.clone(),
        line: cx.line.clone(),
        container_id: None,
        host: cx.host.clone(),
        environment: String::new(),
        metrics: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_status;
    use crate::testutil::fixture;

    fn cx(manager: &str) -> ImportContext {
        ImportContext {
            manager: manager.parse().unwrap(),
            user: "op".into(),
            host: "127.0.0.1".into(),
            line: "antnode-0.4".into(),
            now: 1_700_000_000,
        }
    }

    #[test]
    fn every_state_maps() {
        let r = parse_status(&fixture("status-four-states.json")).unwrap();
        let nodes: Vec<Node> = r
            .nodes
            .iter()
            .map(|e| node_of(e, &cx("antctl+sudo")))
            .collect();
        let got: Vec<(u32, &str, NodeStatus)> = nodes
            .iter()
            .map(|n| (n.id, n.service_name.as_str(), n.status))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "antnode1", NodeStatus::Running),
                (2, "antnode2", NodeStatus::Dead),
                (3, "antnode3", NodeStatus::Stopped),
                (4, "antnode4", NodeStatus::Stopped),
            ]
        );
        let n = &nodes[0];
        assert_eq!(n.manager.to_string(), "antctl+sudo");
        assert_eq!((n.port, n.metrics_port, n.rpc_port), (55001, 13001, 30001));
        assert_eq!(n.root_dir, "/var/antctl/services/antnode1");
        assert_eq!(n.log_dir, "/var/log/antnode/antnode1");
        assert_eq!(n.binary, "/var/antctl/services/antnode1/antnode");
        assert_eq!(n.user, "ant");
        assert_eq!(n.wallet, "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93");
        assert_eq!(n.network, "evm-arbitrum-one");
        assert_eq!(n.version.as_deref(), Some("0.4.11"));
        assert_eq!(
            n.peer_id.as_deref(),
            Some("12D3KooWRpvHtqkcXkF9SUjFMJkAcPwimRWwUsPhtL67KsrvxqoR")
        );
        assert_eq!(nodes[2].peer_id, None);
    }

    #[test]
    fn user_mode_entry_runs_as_the_user() {
        let r = parse_status(&fixture("status-user.json")).unwrap();
        let n = node_of(&r.nodes[0], &cx("antctl+user"));
        assert_eq!(n.user, "op");
        assert_eq!(n.manager.to_string(), "antctl+user");
        assert_eq!(n.port, 56001);
        assert_eq!(n.status, NodeStatus::Running);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            checksummed("0x5c69a31f0c03ffc64ac203f6b67cf9cc7ca93a93"),
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"
        );
        assert_eq!(checksummed("nonsense"), "nonsense");
    }
}
