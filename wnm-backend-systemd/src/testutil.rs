//! Test helpers shared by this crate's unit tests: the captured unit fixtures and a node like anm's.
use wnm_core::{Node, NodeStatus, ProcessManager};

/// `fixtures/anm/antnode0001.service`.
pub const ANM_UNIT: &str = include_str!("../../wnm-testkit/fixtures/anm/antnode0001.service");
/// `fixtures/antctl/antnode1.service` (assembled from antctl's source).
pub const ANTCTL_UNIT: &str = include_str!("../../wnm-testkit/fixtures/antctl/antnode1.service");
/// `fixtures/antctl/antnode1.captured-0.14.2.service` (written by a real antctl; no trailing newline).
pub const ANTCTL_CAPTURED_UNIT: &str =
    include_str!("../../wnm-testkit/fixtures/antctl/antnode1.captured-0.14.2.service");
/// `fixtures/anm/config`.
pub const ANM_CONFIG: &str = include_str!("../../wnm-testkit/fixtures/anm/config");
/// The wallet in every fixture.
pub const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// The node of `fixtures/anm/antnode0001.service`.
pub fn anm_node() -> Node {
    Node {
        id: 1,
        service_name: "antnode0001".into(),
        port: 55001,
        metrics_port: 13001,
        rpc_port: 0,
        root_dir: "/var/antctl/services/antnode0001".into(),
        log_dir: "/var/log/antnode/antnode0001".into(),
        binary: "/var/antctl/services/antnode0001/antnode".into(),
        user: "ant".into(),
        wallet: WALLET.into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: "systemd+sudo"
            .parse::<ProcessManager>()
            .expect("valid manager"),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: Default::default(),
    }
}
