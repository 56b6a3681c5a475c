//! A third-party backend written against `wnm-core` alone: the smallest complete `Backend`
//! (it keeps node "processes" in memory), registered into a `Registry` and driven once.
//! Run it with `cargo run -p wnm-core --example custom_backend`; docs/backend-guide.md walks through it.
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use wnm_core::{
    Antnode04, Backend, BackendContext, Capabilities, Error, Machine, ManagerMode, Node,
    NodeMetrics, NodeStatus, NullFirewall, ProcessManager, ProcessState, Registry, Result,
};

/// Nodes "run" in a map: id -> running?
#[derive(Default)]
struct MemoryBackend {
    nodes: Mutex<BTreeMap<u32, bool>>,
}

impl MemoryBackend {
    fn table(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<u32, bool>>> {
        self.nodes
            .lock()
            .map_err(|_| Error::backend("memory backend poisoned"))
    }
}

#[async_trait]
impl Backend for MemoryBackend {
    fn kind(&self) -> &str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        // What it can do is data: wnm never asks it to upgrade or discover.
        Capabilities::basic(vec![ManagerMode::User])
    }

    async fn create(&self, node: &Node, _source_binary: &Path) -> Result<Node> {
        self.table()?.entry(node.id).or_insert(false);
        Ok(node.clone())
    }

    async fn start(&self, node: &Node) -> Result<()> {
        match self.table()?.get_mut(&node.id) {
            Some(running) => {
                *running = true;
                Ok(())
            }
            None => Err(Error::not_found(format!(
                "{} was never created",
                node.service_name
            ))),
        }
    }

    async fn stop(&self, node: &Node) -> Result<()> {
        if let Some(running) = self.table()?.get_mut(&node.id) {
            *running = false;
        }
        Ok(())
    }

    async fn remove(&self, node: &Node) -> Result<()> {
        self.table()?.remove(&node.id);
        Ok(())
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        Ok(match self.table()?.get(&node.id) {
            Some(true) => ProcessState::Running { pid: None },
            Some(false) => ProcessState::Stopped,
            None => ProcessState::Missing,
        })
    }
}

/// What the backend crate exports: `register`, called by the wnm binary behind a cargo feature.
pub fn register(registry: &mut Registry) {
    registry.register("memory", |_ctx: &BackendContext| {
        Ok(Arc::new(MemoryBackend::default()))
    });
}

/// A runner that refuses to run anything (this backend never spawns).
struct NoRunner;

#[async_trait]
impl wnm_core::Runner for NoRunner {
    async fn run(&self, cmd: &wnm_core::CommandSpec) -> Result<wnm_core::CommandOutput> {
        Err(Error::unsupported(format!(
            "no processes here: {}",
            cmd.display()
        )))
    }
    async fn spawn_detached(&self, cmd: &wnm_core::CommandSpec) -> Result<u32> {
        Err(Error::unsupported(format!(
            "no processes here: {}",
            cmd.display()
        )))
    }
    fn signal(&self, _pid: u32, _signal: wnm_core::Signal) -> Result<()> {
        Ok(())
    }
    fn is_alive(&self, _pid: u32) -> bool {
        false
    }
}

fn main() -> Result<()> {
    let mut registry = Registry::new();
    register(&mut registry);
    let machine = Machine::defaults_for(2);
    let ctx = BackendContext {
        manager: ProcessManager::new("memory", ManagerMode::User)?,
        machine: machine.clone(),
        runner: Arc::new(NoRunner),
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: "/tmp/wnm-example".into(),
        root: "/".into(),
    };
    let backend = registry.build(&ctx)?;
    let node = Node {
        id: 1,
        service_name: wnm_core::service_name(1),
        port: machine.node_port(1) as u16,
        metrics_port: machine.metrics_port(1) as u16,
        rpc_port: 0,
        root_dir: "/tmp/wnm-example/antnode0001".into(),
        log_dir: "/tmp/wnm-example/logs/antnode0001".into(),
        binary: "/tmp/wnm-example/antnode0001/antnode".into(),
        user: "ant".into(),
        wallet: wnm_core::wallet::FAUCET_ADDRESS.into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: ctx.manager.clone(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics::default(),
    };
    let rt = block_on(async {
        backend.create(&node, Path::new("/nonexistent")).await?;
        backend.start(&node).await?;
        let running = backend.status(&node).await?;
        backend.stop(&node).await?;
        let stopped = backend.status(&node).await?;
        backend.remove(&node).await?;
        let gone = backend.status(&node).await?;
        let upgrade = backend.upgrade(&node, Path::new("/x")).await;
        Ok::<_, Error>((running, stopped, gone, upgrade.map_err(|e| e.kind())))
    })?;
    println!(
        "{} backend: {:?} -> {:?} -> {:?}; upgrade: {:?}",
        backend.kind(),
        rt.0,
        rt.1,
        rt.2,
        rt.3
    );
    assert_eq!(rt.0, ProcessState::Running { pid: None });
    assert_eq!(rt.2, ProcessState::Missing);
    assert_eq!(rt.3, Err(wnm_core::ErrorKind::Unsupported));
    Ok(())
}

/// Drive a future to completion without an async runtime (the in-memory backend never waits).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}
