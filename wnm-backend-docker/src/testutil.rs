//! Unit-test helpers: a `DockerConfig` over a temp dir and nodes laid out in it.
use crate::config::{DockerConfig, PodUser, colony_id};
use std::path::Path;
use std::time::Duration;
use wnm_core::{LaunchOptions, Machine, Node, NodeStatus};

/// A config whose base dir is a fresh temp dir (kept alive by the returned guard).
pub fn config() -> (tempfile::TempDir, DockerConfig) {
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    let mut machine = Machine::defaults_for(2);
    machine.process_manager = "docker+user".parse().unwrap();
    let cfg = DockerConfig {
        manager: machine.process_manager.clone(),
        node_storage: base.join("node"),
        log_base: base.join("logs"),
        control_base: base.join("docker"),
        colony: colony_id(&base),
        image: "wnm-pod-test:latest".into(),
        max_per_pod: 3,
        min_pods: 1,
        user: PodUser {
            uid: 1000,
            gid: 1000,
            name: "op".into(),
        },
        owner: None,
        supervisor: Path::new("/usr/bin/wnm").to_path_buf(),
        launch: LaunchOptions::default(),
        environment: Vec::new(),
        stop_grace: Duration::from_secs(10),
        start_timeout: Duration::from_secs(60),
        poll_interval: Duration::from_millis(25),
        cache_ttl: crate::config::DEFAULT_CACHE_TTL,
        machine,
    };
    (d, cfg)
}

/// Node `id` laid out under `cfg`'s storage and log base.
pub fn node(cfg: &DockerConfig, id: u32) -> Node {
    let name = wnm_core::service_name(id);
    let root = cfg.node_storage.join(&name);
    Node {
        id,
        service_name: name.clone(),
        port: 55000 + id as u16,
        metrics_port: 13000 + id as u16,
        rpc_port: 0,
        binary: root.join("antnode").to_string_lossy().into_owned(),
        root_dir: root.to_string_lossy().into_owned(),
        log_dir: cfg.log_base.join(&name).to_string_lossy().into_owned(),
        user: String::new(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: cfg.manager.clone(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: Default::default(),
    }
}
