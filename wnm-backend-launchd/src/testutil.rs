//! Test helpers of this crate's unit tests: a node laid out under given bases, and a backend
//! context for a manager.
use std::path::PathBuf;
use std::sync::Arc;
use wnm_core::{Antnode04, BackendContext, Machine, Node, NodeMetrics, NodeStatus, NullFirewall};

/// Node `id` with its root under `storage`, logs under `logs`, default ports.
pub fn node(id: u32, storage: &str, logs: &str) -> Node {
    let name = wnm_core::service_name(id);
    Node {
        id,
        service_name: name.clone(),
        port: (55_000 + id) as u16,
        metrics_port: (13_000 + id) as u16,
        rpc_port: (30_000 + id) as u16,
        root_dir: format!("{storage}/{name}"),
        log_dir: format!("{logs}/{name}"),
        binary: format!("{storage}/{name}/antnode"),
        user: "ant".into(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: "launchd+user".parse().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics::default(),
    }
}

/// A context for `manager` with base dir `base`, root `/`, no node_storage setting.
pub fn context(manager: &str, base: &str) -> BackendContext {
    context_with(manager, base, Arc::new(wnm_runner::RecordingRunner::new()))
}

/// [`context`] with a given runner.
pub fn context_with(
    manager: &str,
    base: &str,
    runner: Arc<dyn wnm_core::Runner>,
) -> BackendContext {
    let mut machine = Machine::defaults_for(2);
    machine.process_manager = manager.parse().unwrap();
    machine.node_storage = String::new();
    machine.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into();
    BackendContext {
        manager: machine.process_manager.clone(),
        machine,
        runner,
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: PathBuf::from(base),
        root: PathBuf::from("/"),
    }
}
