//! Tests of the executor against a real SQLite store and a backend that records what it is
//! asked: a node a crash left half-made (dir there, binary missing) gets its binary installed
//! again through `Backend::upgrade` before its start, never a second `Backend::create`.
use super::*;
use crate::clock::SystemClock;
use async_trait::async_trait;
use std::sync::Mutex;
use wnm_core::{Antnode04, Capabilities, ManagerMode, NullFirewall, ProcessState};
use wnm_engine::Reason;

const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// Lays nodes out with plain files and records every call (`create`, `upgrade`, `start`).
#[derive(Default)]
struct Recording {
    calls: Mutex<Vec<String>>,
}

impl Recording {
    fn log(&self, what: &str, node: &Node) {
        let line = format!("{what} {}", node.service_name);
        self.calls.lock().unwrap().push(line);
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl Backend for Recording {
    fn kind(&self) -> &str {
        "recording"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User])
    }
    async fn create(&self, node: &Node, source: &Path) -> Result<Node> {
        self.log("create", node);
        std::fs::create_dir_all(&node.root_dir).map_err(|e| Error::io("mkdir", e))?;
        std::fs::copy(source, &node.binary).map_err(|e| Error::io("install", e))?;
        Ok(node.clone())
    }
    async fn upgrade(&self, node: &Node, source: &Path) -> Result<()> {
        self.log("upgrade", node);
        std::fs::copy(source, &node.binary).map_err(|e| Error::io("install", e))?;
        Ok(())
    }
    async fn start(&self, node: &Node) -> Result<()> {
        self.log("start", node);
        if !Path::new(&node.binary).is_file() {
            return Err(Error::not_found("no binary to start"));
        }
        Ok(())
    }
    async fn stop(&self, node: &Node) -> Result<()> {
        self.log("stop", node);
        Ok(())
    }
    async fn remove(&self, node: &Node) -> Result<()> {
        self.log("remove", node);
        Ok(())
    }
    async fn status(&self, _: &Node) -> Result<ProcessState> {
        Ok(ProcessState::Stopped)
    }
}

struct NotAsked;

#[async_trait]
impl Prober for NotAsked {
    async fn probe(&self, _: &Node) -> Probe {
        Probe::not_asked()
    }
}

struct World {
    dir: tempfile::TempDir,
    backend: Arc<Recording>,
    executor: Executor,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("antnode-src");
    std::fs::write(&source, b"#!/bin/sh\n").unwrap();
    let mut machine = Machine::defaults_for(2);
    machine.node_storage = dir.path().join("nodes").display().to_string();
    machine.rewards_address = WALLET.into();
    let store = Store::open(&dir.path().join("colony.db")).await.unwrap();
    store.save_machine(&machine).await.unwrap();
    let backend = Arc::new(Recording::default());
    let executor = Executor {
        backend: backend.clone(),
        firewall: Arc::new(NullFirewall),
        store,
        machine,
        line: Arc::new(Antnode04),
        source_binary: source,
        binary_version: None,
        log_base: dir.path().join("logs"),
        prober: Arc::new(NotAsked),
        clock: Arc::new(SystemClock),
        pause: Duration::ZERO,
        upgrade_confirm: Duration::from_secs(1),
        user: String::new(),
    };
    World {
        dir,
        backend,
        executor,
    }
}

fn start_plan(id: NodeId) -> Plan {
    Plan {
        steps: vec![Step {
            action: Action::Start {
                id,
                upgrade_first: false,
            },
            service_name: wnm_core::service_name(id),
            why: Reason::Forced {
                action: "start".into(),
            },
        }],
        idle: None,
    }
}

/// A STOPPED node laid out by an earlier run (row, dir, binary).
async fn existing(w: &World, id: NodeId) -> Node {
    let e = &w.executor;
    let n = e
        .new_node(id, &WalletTarget::Address(WALLET.parse().unwrap()))
        .unwrap();
    e.store
        .insert_node(&n, "an earlier run", e.clock.now())
        .await
        .unwrap();
    let n = e.backend.create(&n, &e.source_binary).await.unwrap();
    assert!(n.root_dir.starts_with(&*w.dir.path().to_string_lossy()));
    n
}

#[tokio::test]
async fn a_half_made_node_gets_its_binary_back_by_upgrade_not_a_second_create() {
    let w = world().await;
    let n = existing(&w, 1).await;
    std::fs::remove_file(&n.binary).unwrap(); // as if the crash hit while copying it
    w.backend.calls.lock().unwrap().clear();

    let out = w.executor.execute(&start_plan(1)).await;
    assert!(out[0].ok, "{out:?}");
    assert_eq!(
        w.backend.calls(),
        ["upgrade antnode0001", "start antnode0001"],
        "the binary is installed again into the existing node; no second create"
    );
    assert_eq!(std::fs::read(&n.binary).unwrap(), b"#!/bin/sh\n");
    let row = w.executor.store.node(1).await.unwrap().unwrap();
    assert_eq!(row.status, NodeStatus::Restarting);
    assert_eq!(row.root_dir, n.root_dir, "the same node, adopted");
}

#[tokio::test]
async fn a_whole_node_is_only_started() {
    let w = world().await;
    existing(&w, 2).await;
    w.backend.calls.lock().unwrap().clear();
    let out = w.executor.execute(&start_plan(2)).await;
    assert!(out[0].ok, "{out:?}");
    assert_eq!(w.backend.calls(), ["start antnode0002"]);
}

#[tokio::test]
async fn a_binary_that_cannot_be_installed_again_fails_the_start_and_says_why() {
    let w = world().await;
    let n = existing(&w, 3).await;
    std::fs::remove_file(&n.binary).unwrap();
    std::fs::remove_file(&w.executor.source_binary).unwrap();
    w.backend.calls.lock().unwrap().clear();
    let out = w.executor.execute(&start_plan(3)).await;
    assert!(!out[0].ok);
    assert!(
        out[0]
            .detail
            .contains("is missing and could not be installed again"),
        "{out:?}"
    );
    assert_eq!(
        w.backend.calls(),
        ["upgrade antnode0003"],
        "no start without a binary"
    );
    let row = w.executor.store.node(3).await.unwrap().unwrap();
    assert_eq!(row.status, NodeStatus::Stopped);
}
