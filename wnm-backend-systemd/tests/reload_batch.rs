//! The real executor (with a real SQLite store) driving the systemd backend on a temp filesystem
//! root, a recording runner playing systemctl and ufw. One `daemon-reload` per cycle and one
//! `ufw allow` per start, counted through a plan that mixes a delete, a start of an existing node
//! and three adds; and the binary an interrupted upgrade kept under that root, found by the
//! runtime and restored and discarded by the backend under the one name both use.
use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use wnm_backend_systemd::{SystemdBackend, SystemdConfig};
use wnm_core::{
    Antnode04, Backend, BackendContext, Firewall, Machine, Node, NodeStatus, Runner, WalletTarget,
};
use wnm_engine::{Action, Plan, Reason, Step};
use wnm_firewall::UfwFirewall;
use wnm_runner::RecordingRunner;
use wnm_runtime::clock::{Clock, SystemClock};
use wnm_runtime::executor::Executor;
use wnm_runtime::probe::{Probe, Prober};
use wnm_store::Store;

const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

struct NotAsked;

#[async_trait]
impl Prober for NotAsked {
    async fn probe(&self, _: &Node) -> Probe {
        Probe::not_asked()
    }
}

fn step(id: u32, action: Action) -> Step {
    Step {
        action,
        service_name: wnm_core::service_name(id),
        why: Reason::Forced {
            action: "test".into(),
        },
    }
}

struct World {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    runner: Arc<RecordingRunner>,
    executor: Executor,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    // `ant` with our own ids, so the direct-mode chown works whoever runs the test
    let (u, g) = (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );
    std::fs::write(
        root.join("etc/passwd"),
        format!("ant:x:{u}:{g}::/home/ant:/usr/sbin/nologin\n"),
    )
    .unwrap();
    let source = dir.path().join("antnode");
    std::fs::write(&source, b"#!/bin/sh\n").unwrap();

    let mut machine = Machine::defaults_for(2);
    machine.process_manager = "systemd+sudo".parse().unwrap();
    machine.node_storage = "/var/antctl/services".into();
    machine.rewards_address = WALLET.into();
    let runner = Arc::new(RecordingRunner::new());
    let firewall: Arc<dyn Firewall> = Arc::new(UfwFirewall::new(runner.clone()).with_sudo(false));
    let ctx = BackendContext {
        manager: machine.process_manager.clone(),
        machine: machine.clone(),
        runner: runner.clone() as Arc<dyn Runner>,
        line: Arc::new(Antnode04),
        firewall: firewall.clone(),
        base_dir: "/var/antctl".into(),
        root: root.clone(),
    };
    let cfg = SystemdConfig::resolve(&ctx, "/root", true).unwrap();
    let backend: Arc<dyn Backend> = Arc::new(SystemdBackend::with_config(&ctx, cfg));

    let store = Store::open(&dir.path().join("colony.db")).await.unwrap();
    store.save_machine(&machine).await.unwrap();
    let executor = Executor {
        backend,
        firewall,
        store,
        machine,
        line: Arc::new(Antnode04),
        source_binary: source,
        binary_version: None,
        log_base: "/var/log/antnode".into(),
        prober: Arc::new(NotAsked),
        clock: Arc::new(SystemClock),
        pause: Duration::ZERO,
        upgrade_confirm: Duration::from_secs(1),
        user: "ant".into(),
    };
    World {
        _dir: dir,
        root,
        runner,
        executor,
    }
}

impl World {
    /// A node laid out by an earlier cycle: row with `status`, files and unit on disk.
    async fn existing(&self, id: u32, status: NodeStatus) {
        let e = &self.executor;
        let n = e
            .new_node(id, &WalletTarget::Address(WALLET.parse().unwrap()))
            .unwrap();
        let n = e.backend.create(&n, &e.source_binary).await.unwrap();
        e.store
            .insert_node(&n, "an earlier cycle", SystemClock.now())
            .await
            .unwrap();
        if status != NodeStatus::Stopped {
            e.store
                .set_status(id, status, "an earlier cycle", SystemClock.now())
                .await
                .unwrap();
        }
    }

    fn unit(&self, id: u32) -> std::path::PathBuf {
        self.root.join(format!(
            "etc/systemd/system/{}.service",
            wnm_core::service_name(id)
        ))
    }
}

fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

#[tokio::test]
async fn a_cycle_of_creates_and_starts_reloads_systemd_once() {
    let w = world().await;
    w.existing(1, NodeStatus::Stopped).await;
    w.existing(5, NodeStatus::Removing).await;
    w.executor.backend.flush().await.unwrap();
    w.runner.clear_calls();

    let wallet = WalletTarget::Address(WALLET.parse().unwrap());
    let plan = Plan {
        steps: vec![
            step(5, Action::Delete { id: 5 }),
            step(
                1,
                Action::Start {
                    id: 1,
                    upgrade_first: false,
                },
            ),
            step(
                2,
                Action::Add {
                    id: 2,
                    wallet: wallet.clone(),
                },
            ),
            step(
                3,
                Action::Add {
                    id: 3,
                    wallet: wallet.clone(),
                },
            ),
            step(4, Action::Add { id: 4, wallet }),
        ],
        idle: None,
    };
    let outcomes = w.executor.execute(&plan).await;
    for o in &outcomes {
        assert!(o.ok, "{o:?}");
    }
    let lines = w.runner.run_lines();
    assert_eq!(
        count(&lines, "systemctl daemon-reload"),
        1,
        "one reload for three new units and a deleted one: {lines:#?}"
    );
    let reload = lines
        .iter()
        .position(|l| l == "systemctl daemon-reload")
        .unwrap();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("systemctl start "))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(starts.len(), 4, "{lines:#?}");
    assert!(
        starts.iter().all(|&i| i > reload),
        "no unit is started before the reload: {lines:#?}"
    );
    // one hole per start, one closed for the deleted node, from the executor alone
    assert_eq!(count(&lines, "ufw allow "), 4, "{lines:#?}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("ufw allow 5500"))
            .count(),
        4
    );
    assert_eq!(count(&lines, "ufw delete allow 55005/udp"), 1, "{lines:#?}");
    assert_eq!(count(&lines, "ufw"), 5, "no other ufw call: {lines:#?}");

    for id in 2..=4 {
        assert!(w.unit(id).is_file(), "unit {id} written");
        let n = w.executor.store.node(id).await.unwrap().unwrap();
        assert_eq!(n.status, NodeStatus::Restarting);
    }
    assert!(!w.unit(5).exists(), "deleted node's unit gone");
    assert!(w.executor.store.node(5).await.unwrap().is_none());
    assert_eq!(
        w.executor.store.node(1).await.unwrap().unwrap().status,
        NodeStatus::Restarting
    );
}

#[tokio::test]
async fn a_failed_create_fails_only_its_own_add() {
    let w = world().await;
    // node 3's root dir cannot be made: a file sits where the directory should go
    let blocker = w.root.join("var/antctl/services/antnode0003");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, b"in the way").unwrap();
    let wallet = WalletTarget::Address(WALLET.parse().unwrap());
    let plan = Plan {
        steps: (2..=4)
            .map(|id| {
                step(
                    id,
                    Action::Add {
                        id,
                        wallet: wallet.clone(),
                    },
                )
            })
            .collect(),
        idle: None,
    };
    let outcomes = w.executor.execute(&plan).await;
    let ok: Vec<bool> = outcomes.iter().map(|o| o.ok).collect();
    assert_eq!(ok, [true, false, true], "{outcomes:#?}");
    assert!(
        outcomes[1].detail.contains("antnode0003"),
        "{:?}",
        outcomes[1]
    );
    let lines = w.runner.run_lines();
    assert_eq!(count(&lines, "systemctl daemon-reload"), 1, "{lines:#?}");
    assert_eq!(count(&lines, "systemctl start "), 2, "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("antnode0003.service")));
    // its row exists (written before the files) and records the truth: nothing of it exists,
    // so the next cycle removes it
    let n3 = w.executor.store.node(3).await.unwrap().unwrap();
    assert_eq!(n3.status, NodeStatus::Dead);
    assert!(Path::new(&blocker).is_file(), "nothing of ours was deleted");
}

#[tokio::test]
async fn under_a_root_the_kept_binary_the_runtime_finds_is_restored_and_discarded() {
    use std::collections::HashMap;
    use wnm_runtime::kept;
    use wnm_runtime::recover::{Recovery, recoveries};
    let w = world().await;
    w.existing(1, NodeStatus::Stopped).await;
    let e = &w.executor;
    let n = e.store.node(1).await.unwrap().unwrap();
    let disk = |p: &Path| w.root.join(p.to_string_lossy().trim_start_matches('/'));
    let old = std::fs::read(disk(Path::new(&n.binary))).unwrap();
    // An upgrade kept the old binary, installed a new one, and wnm was killed.
    let kept = kept::keep(e.backend.as_ref(), &n).await.unwrap().unwrap();
    assert_eq!(kept, wnm_core::kept_binary_path(&n));
    assert!(disk(&kept).is_file(), "the copy is under the root");
    std::fs::write(disk(Path::new(&n.binary)), b"new, never confirmed").unwrap();

    // The next run finds it by the same name and plans to finish or roll back the upgrade.
    assert_eq!(kept::found(e.backend.as_ref(), &n), Some(kept.clone()));
    let before = HashMap::from([(1, NodeStatus::Running)]);
    let todo = recoveries(std::slice::from_ref(&n), &before, |n| {
        kept::found(e.backend.as_ref(), n).is_some()
    });
    assert_eq!(todo, [Recovery::ResumeUpgrade(1)]);
    w.runner.clear_calls();
    // No binary version to confirm: the kept binary goes back and is started.
    let o = e.resume_upgrade(1, "an upgrade was cut short").await;
    assert!(o.detail.contains("old binary restored"), "{o:?}");
    assert_eq!(std::fs::read(disk(Path::new(&n.binary))).unwrap(), old);
    assert!(
        !disk(&kept).exists(),
        "the backend accepted the copy and deleted it"
    );
    assert_eq!(kept::found(e.backend.as_ref(), &n), None);
    assert_eq!(
        e.store.node(1).await.unwrap().unwrap().status,
        NodeStatus::Restarting
    );
    let lines = w.runner.run_lines();
    assert_eq!(count(&lines, "systemctl start "), 1, "{lines:#?}");
}
