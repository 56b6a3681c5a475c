//! Test helpers of this crate's unit tests: the captured antctl fixtures, backend contexts and a
//! new node as the executor builds it.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wnm_core::{Antnode04, BackendContext, Machine, Node, NodeStatus, NullFirewall, Runner};

/// The wallet of every fixture.
pub const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// Path of `tests/fixtures/<name>`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The text of `tests/fixtures/<name>` (captured from antctl 0.14.2, see its README).
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A context for `manager` with a recording runner, root `/`.
pub fn context(manager: &str) -> BackendContext {
    context_with(
        manager,
        Arc::new(wnm_runner::RecordingRunner::new()),
        Path::new("/"),
    )
}

/// A context for `manager` with `runner` and filesystem root `root`.
pub fn context_with(manager: &str, runner: Arc<dyn Runner>, root: &Path) -> BackendContext {
    let mut machine = Machine::defaults_for(2);
    machine.process_manager = manager.parse().expect("valid manager");
    machine.rewards_address = WALLET.into();
    machine.node_storage = "/var/antctl/services".into();
    machine.antctl_path = "/usr/local/bin/antctl".into();
    BackendContext {
        manager: machine.process_manager.clone(),
        machine,
        runner,
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: PathBuf::from("/var/antctl"),
        root: root.to_path_buf(),
    }
}

/// A new node as wnm's executor builds it for id `id` (sudo layout).
pub fn new_node(id: u32) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 55000 + id as u16,
        metrics_port: 13000 + id as u16,
        rpc_port: 30000 + id as u16,
        root_dir: format!("/var/antctl/services/{}", wnm_core::service_name(id)),
        log_dir: format!("/var/log/antnode/{}", wnm_core::service_name(id)),
        binary: format!(
            "/var/antctl/services/{}/antnode",
            wnm_core::service_name(id)
        ),
        user: "ant".into(),
        wallet: WALLET.into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: "antctl+sudo".parse().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: Default::default(),
    }
}
