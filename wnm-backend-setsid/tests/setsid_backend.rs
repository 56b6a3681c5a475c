//! The setsid backend against real detached processes (the `fake_node` example as the node
//! binary): create, start, status, stop, SIGKILL after the grace, remove, upgrade, discover,
//! path checks, pid reuse, and sudo mode through `setpriv`.
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wnm_backend_setsid::{RunAs, SetsidBackend, SetsidConfig};
use wnm_core::{
    Antnode04, Backend, BackendContext, CommandSpec, ErrorKind, Machine, Node, NodeMetrics,
    NodeStatus, NullFirewall, ProcessManager, ProcessState, Registry, Runner, Signal,
};
use wnm_runner::{RecordingRunner, SystemRunner, proc};

const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";
const OTHER_WALLET: &str = "0x00455d78f850b0358E8cea5be24d415E01E107CF";

/// The `fake_node` example, built by `cargo test` next to this test binary.
fn fake_node() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/fake_node");
    assert!(
        p.is_file(),
        "{} is missing: run `cargo test -p wnm-backend-setsid` (it builds the examples) or `cargo build -p wnm-backend-setsid --examples`",
        p.display()
    );
    p
}

struct World {
    dir: tempfile::TempDir,
    ctx: BackendContext,
    backend: SetsidBackend,
}

fn machine(dir: &Path) -> Machine {
    let mut m = Machine::defaults_for(2);
    m.process_manager = "setsid+user".parse().unwrap();
    m.node_storage = dir.join("base/node").to_string_lossy().into_owned();
    m.rewards_address = format!("{WALLET},faucet:1");
    m
}

fn world_with(manager: &str, tweak: impl FnOnce(&mut Machine), runner: Arc<dyn Runner>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut m = machine(dir.path());
    m.process_manager = manager.parse().unwrap();
    tweak(&mut m);
    let ctx = BackendContext {
        manager: manager.parse().unwrap(),
        machine: m,
        runner,
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: dir.path().join("base"),
        root: dir.path().to_path_buf(),
    };
    let mut cfg = SetsidConfig::from_context(&ctx).unwrap();
    cfg.poll_interval = Duration::from_millis(20);
    let backend = SetsidBackend::new(cfg, ctx.runner.clone(), ctx.line.clone());
    World { dir, ctx, backend }
}

fn world(tweak: impl FnOnce(&mut Machine)) -> World {
    world_with("setsid+user", tweak, Arc::new(SystemRunner::new()))
}

impl World {
    fn node(&self, id: u32) -> Node {
        let cfg = self.backend.config();
        let l = cfg.layout(id, "antnode");
        Node {
            id,
            service_name: wnm_core::service_name(id),
            port: cfg.machine.node_port(id) as u16,
            metrics_port: cfg.machine.metrics_port(id) as u16,
            rpc_port: cfg.machine.rpc_port(id) as u16,
            root_dir: l.root_dir.to_string_lossy().into_owned(),
            log_dir: l.log_dir.to_string_lossy().into_owned(),
            binary: l.binary.to_string_lossy().into_owned(),
            user: String::new(),
            wallet: WALLET.into(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: self.ctx.manager.clone(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: NodeMetrics::default(),
        }
    }
}

async fn wait_for(mut f: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn read_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

async fn running_pid(b: &SetsidBackend, n: &Node) -> u32 {
    match b.status(n).await.unwrap() {
        ProcessState::Running { pid: Some(pid) } => pid,
        other => panic!("{} is {other:?}, expected running", n.service_name),
    }
}

#[tokio::test]
async fn lifecycle_with_real_processes() {
    let w = world(|m| {
        m.start_args = "--extra-flag wnm-start-args".into();
        m.environment = "WNM_MACHINE_ENV=hello,ANT_LOG=info".into();
        m.no_upnp = true;
    });
    let b = &w.backend;
    let mut n = w.node(1);
    n.environment = "WNM_NODE_ENV=only-me".into();

    let created = b.create(&n, &fake_node()).await.unwrap();
    assert!(!created.user.is_empty(), "user filled in");
    let bin = Path::new(&n.binary);
    assert_eq!(
        std::fs::read(bin).unwrap(),
        std::fs::read(fake_node()).unwrap()
    );
    assert_eq!(
        std::fs::metadata(bin).unwrap().permissions().mode() & 0o111,
        0o111
    );
    assert!(Path::new(&n.log_dir).is_dir());
    // create is idempotent
    b.create(&n, &fake_node()).await.unwrap();
    let entries: Vec<_> = std::fs::read_dir(&n.root_dir).unwrap().collect();
    assert_eq!(entries.len(), 1, "create writes only the binary");
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);

    let t = Instant::now();
    b.start(&n).await.unwrap();
    let start_ms = t.elapsed().as_secs_f64() * 1e3;
    let pid = running_pid(b, &n).await;
    let root = Path::new(&n.root_dir);
    assert_eq!(
        std::fs::read_to_string(root.join("node.pid"))
            .unwrap()
            .trim(),
        pid.to_string()
    );
    wait_for(|| root.join("fake_node.args").exists(), "the node's argv").await;
    // The pid recorded is the node's own (the node wrote the same one).
    assert_eq!(
        std::fs::read_to_string(root.join("antnode.pid"))
            .unwrap()
            .trim(),
        pid.to_string()
    );
    let argv = read_lines(&root.join("fake_node.args"));
    assert_eq!(argv[0], n.binary);
    assert_eq!(argv[1], "--no-upnp");
    for w in [
        ["--root-dir", n.root_dir.as_str()],
        ["--port", "55001"],
        ["--metrics-server-port", "13001"],
        ["--log-output-dest", n.log_dir.as_str()],
        ["--rewards-address", WALLET],
        ["--extra-flag", "wnm-start-args"],
    ] {
        assert!(argv.windows(2).any(|x| x == w), "{w:?} not in {argv:?}");
    }
    assert_eq!(argv.last().unwrap(), "evm-arbitrum-one");
    let env = read_lines(&root.join("fake_node.env"));
    for e in [
        "WNM_MACHINE_ENV=hello",
        "ANT_LOG=info",
        "WNM_NODE_ENV=only-me",
    ] {
        assert!(
            env.iter().any(|l| l == e),
            "{e} not in the node's environment"
        );
    }
    // Detached: its own session, not ours.
    let st = proc::stat(pid).unwrap();
    assert_ne!(st.session, proc::stat(std::process::id()).unwrap().session);
    assert_eq!(st.session, pid);
    // stdout and stderr go to files in the log dir.
    let out = Path::new(&n.log_dir).join("stdout.log");
    wait_for(
        || {
            std::fs::read_to_string(&out)
                .unwrap_or_default()
                .contains("started")
        },
        "stdout in the log dir",
    )
    .await;
    assert!(
        std::fs::read_to_string(Path::new(&n.log_dir).join("stderr.log"))
            .unwrap()
            .contains("fake node stderr line")
    );

    // start is idempotent: no second process.
    b.start(&n).await.unwrap();
    assert_eq!(running_pid(b, &n).await, pid);

    let t = Instant::now();
    b.stop(&n).await.unwrap();
    let stop_ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(
        t.elapsed() < b.config().stop_grace,
        "SIGTERM should have been enough"
    );
    assert!(!wnm_runner::is_alive(pid));
    assert!(!root.join("node.pid").exists());
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);
    // Stopping a stopped node is fine.
    b.stop(&n).await.unwrap();

    b.start(&n).await.unwrap();
    let pid2 = running_pid(b, &n).await;
    assert_ne!(pid2, pid);
    b.remove(&n).await.unwrap();
    assert!(!wnm_runner::is_alive(pid2));
    assert!(!root.exists());
    assert!(!Path::new(&n.log_dir).exists());
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Missing);
    b.remove(&n).await.unwrap();
    eprintln!(
        "figures: start {start_ms:.1} ms (spawn until exec), stop {stop_ms:.1} ms (SIGTERM until gone)"
    );
    drop(w.dir);
}

#[tokio::test]
async fn a_node_ignoring_sigterm_is_killed_after_the_grace() {
    let mut w = world(|m| m.start_args = "--ignore-sigterm".into());
    let mut cfg = w.backend.config().clone();
    cfg.stop_grace = Duration::from_millis(500);
    w.backend = SetsidBackend::new(cfg, w.ctx.runner.clone(), w.ctx.line.clone());
    let b = &w.backend;
    let n = w.node(2);
    b.create(&n, &fake_node()).await.unwrap();
    b.start(&n).await.unwrap();
    let pid = running_pid(b, &n).await;
    let root = Path::new(&n.root_dir);
    wait_for(|| root.join("fake_node.args").exists(), "the node's argv").await;
    let t = Instant::now();
    b.stop(&n).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "did not wait the grace"
    );
    assert!(!wnm_runner::is_alive(pid));
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);
    let err = std::fs::read_to_string(Path::new(&n.log_dir).join("stderr.log")).unwrap();
    assert!(err.contains("ignores SIGTERM"), "{err}");
    b.remove(&n).await.unwrap();
}

#[tokio::test]
async fn discover_rebuilds_running_and_stopped_nodes() {
    let w = world(|_| {});
    let b = &w.backend;
    let mut n1 = w.node(1);
    n1.port = 40001;
    n1.metrics_port = 41001;
    n1.wallet = OTHER_WALLET.into();
    let n2 = w.node(2);
    let mut n3 = w.node(3);
    n3.network = "evm-arbitrum-sepolia-test".into();
    for n in [&n1, &n2, &n3] {
        b.create(n, &fake_node()).await.unwrap();
    }
    b.start(&n1).await.unwrap();
    b.start(&n3).await.unwrap();
    let p1 = running_pid(b, &n1).await;
    let p3 = running_pid(b, &n3).await;
    // Things that are not nodes are ignored.
    let storage = &w.backend.config().node_storage;
    std::fs::create_dir_all(storage.join("other")).unwrap();
    std::fs::write(storage.join("antnode0009"), "a file").unwrap();

    // "Lose the database": a fresh backend knows nothing but the disk and the processes.
    let fresh = SetsidBackend::from_context(&w.ctx).unwrap();
    let found = fresh.discover().await.unwrap();
    assert_eq!(found.iter().map(|n| n.id).collect::<Vec<_>>(), [1, 2, 3]);
    let f1 = &found[0];
    assert_eq!(f1.status, NodeStatus::Running);
    assert_eq!(
        (f1.port, f1.metrics_port),
        (40001, 41001),
        "ports from the command line"
    );
    assert_eq!(f1.wallet, OTHER_WALLET);
    assert_eq!(f1.root_dir, n1.root_dir);
    assert_eq!(f1.log_dir, n1.log_dir);
    assert_eq!(f1.binary, n1.binary);
    assert_eq!(f1.manager.to_string(), "setsid+user");
    assert_eq!(f1.line, "antnode-0.4");
    let f2 = &found[1];
    assert_eq!(f2.status, NodeStatus::Stopped);
    assert_eq!(
        (f2.port, f2.metrics_port, f2.rpc_port),
        (55002, 13002, 30002)
    );
    assert_eq!(f2.wallet, WALLET, "the main rewards address");
    assert_eq!(f2.log_dir, n2.log_dir);
    assert_eq!(f2.service_name, "antnode0002");
    assert_eq!(found[2].network, "evm-arbitrum-sepolia-test");
    assert_eq!(found[2].status, NodeStatus::Running);
    assert!(found.iter().all(|n| n.created_at > 0));

    // The rebuilt nodes drive the real processes.
    assert_eq!(
        fresh.status(f1).await.unwrap(),
        ProcessState::Running { pid: Some(p1) }
    );
    fresh.stop(f1).await.unwrap();
    fresh.stop(&found[2]).await.unwrap();
    assert!(!wnm_runner::is_alive(p1) && !wnm_runner::is_alive(p3));
    let again = fresh.discover().await.unwrap();
    assert!(again.iter().all(|n| n.status == NodeStatus::Stopped));
    // An empty or missing storage finds nothing.
    std::fs::remove_dir_all(storage).unwrap();
    assert!(fresh.discover().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_names_and_paths_are_refused() {
    let w = world(|_| {});
    let b = &w.backend;
    let good = w.node(5);
    let mut cases = Vec::new();
    for name in ["node5", "antnode5;rm", "antnode", "../antnode5"] {
        let mut n = good.clone();
        n.service_name = name.into();
        cases.push(n);
    }
    let mut n = good.clone();
    n.root_dir = "relative/antnode0005".into();
    cases.push(n);
    let mut n = good.clone();
    n.root_dir = format!("{}/../antnode0005", good.root_dir);
    n.binary = format!("{}/antnode", n.root_dir);
    cases.push(n);
    let mut n = good.clone();
    n.root_dir = "/".into();
    n.binary = "/antnode".into();
    cases.push(n);
    let mut n = good.clone();
    n.binary = w
        .dir
        .path()
        .join("elsewhere/antnode")
        .to_string_lossy()
        .into_owned();
    cases.push(n);
    let mut n = good.clone();
    n.log_dir = "/".into();
    cases.push(n);
    for n in &cases {
        let e = b.create(n, &fake_node()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{n:?}: {e}");
        assert!(b.remove(n).await.is_err());
        assert!(b.start(n).await.is_err());
    }
    assert!(!Path::new(&good.root_dir).exists(), "nothing was created");

    // A node outside node_storage may be created but is never deleted by remove.
    let mut outside = good.clone();
    let other = w.dir.path().join("elsewhere/antnode0005");
    outside.root_dir = other.to_string_lossy().into_owned();
    outside.binary = other.join("antnode").to_string_lossy().into_owned();
    b.create(&outside, &fake_node()).await.unwrap();
    let e = b.remove(&outside).await.unwrap_err();
    assert!(e.message().contains("refusing to delete"), "{e}");
    assert!(other.join("antnode").exists());
    // A missing source binary is a clear error.
    let e = b
        .create(&good, &w.dir.path().join("no-such-antnode"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("antnode_path"), "{e}");
}

#[tokio::test]
async fn a_reused_pid_is_not_mistaken_for_the_node() {
    let w = world(|_| {});
    let b = &w.backend;
    let n = w.node(6);
    b.create(&n, &fake_node()).await.unwrap();
    // A foreign live process whose pid sits in the node's pid file.
    let runner = SystemRunner::new();
    let foreign = runner
        .spawn_detached(&CommandSpec::new("sleep", ["61.5"]))
        .await
        .unwrap();
    std::fs::write(Path::new(&n.root_dir).join("node.pid"), foreign.to_string()).unwrap();
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);
    b.stop(&n).await.unwrap();
    assert!(
        runner.is_alive(foreign),
        "stop killed a process that is not the node"
    );
    // start spawns the real node despite the stale pid file.
    b.start(&n).await.unwrap();
    let pid = running_pid(b, &n).await;
    assert_ne!(pid, foreign);
    b.remove(&n).await.unwrap();
    runner.signal(foreign, Signal::Kill).unwrap();
}

#[tokio::test]
async fn upgrade_replaces_the_binary() {
    let w = world(|_| {});
    let b = &w.backend;
    let n = w.node(7);
    b.create(&n, &fake_node()).await.unwrap();
    let newer = w.dir.path().join("antnode-new");
    let mut bytes = std::fs::read(fake_node()).unwrap();
    bytes.extend_from_slice(b"\0wnm-upgrade-marker");
    std::fs::write(&newer, &bytes).unwrap();
    b.upgrade(&n, &newer).await.unwrap();
    assert_eq!(std::fs::read(&n.binary).unwrap(), bytes);
    assert_eq!(
        std::fs::metadata(&n.binary).unwrap().permissions().mode() & 0o777,
        0o755
    );
    b.start(&n).await.unwrap();
    let pid = running_pid(b, &n).await;
    assert_eq!(proc::exe(pid).unwrap(), Path::new(&n.binary));
    b.remove(&n).await.unwrap();
    let e = b.upgrade(&n, &newer).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn keeps_restores_and_discards_the_old_binary() {
    let w = world(|_| {});
    let b = &w.backend;
    let n = w.node(9);
    b.create(&n, &fake_node()).await.unwrap();
    let old = std::fs::read(&n.binary).unwrap();
    let kept = b.keep_binary(&n).await.unwrap().unwrap();
    assert_eq!(kept, wnm_core::kept_binary_path(&n));
    assert_eq!(std::fs::read(&kept).unwrap(), old);
    let newer = w.dir.path().join("antnode-new");
    std::fs::write(&newer, b"not a node").unwrap();
    b.upgrade(&n, &newer).await.unwrap();
    b.restore_binary(&n, &kept).await.unwrap();
    assert_eq!(std::fs::read(&n.binary).unwrap(), old);
    let e = b
        .discard_kept_binary(&n, Path::new(&n.binary))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        Path::new(&n.binary).is_file(),
        "only its own copy is deleted"
    );
    b.discard_kept_binary(&n, &kept).await.unwrap();
    assert!(!kept.exists());
    b.discard_kept_binary(&n, &kept).await.unwrap();
    std::fs::remove_file(&n.binary).unwrap();
    assert_eq!(b.keep_binary(&n).await.unwrap(), None);
}

#[tokio::test]
async fn sudo_mode_runs_the_node_as_another_user_through_setpriv() {
    // The `ant` user does not exist here; `nobody` stands in for it.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let Some(user) = wnm_backend_setsid::lookup_user(&passwd, "nobody") else {
        panic!("this test needs the nobody user");
    };
    assert!(
        rustix_is_root(),
        "this test needs root (it drops to nobody)"
    );
    let mut w = world_with("setsid+sudo", |_| {}, Arc::new(SystemRunner::new()));
    // nobody must be able to reach its dirs inside the temp dir.
    std::fs::set_permissions(w.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cfg = w.backend.config().clone();
    cfg.run_as = RunAs::Setpriv {
        user: user.name.clone(),
        gid: user.gid,
        home: user.home.clone(),
    };
    cfg.owner = Some((user.uid, user.gid));
    w.backend = SetsidBackend::new(cfg, w.ctx.runner.clone(), w.ctx.line.clone());
    for p in [w.dir.path().join("base"), w.dir.path().join("var")] {
        std::fs::create_dir_all(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let b = &w.backend;
    let n = w.node(8);
    assert_eq!(
        n.log_dir,
        w.dir
            .path()
            .join("var/log/antnode/antnode0008")
            .to_string_lossy()
    );
    for p in [
        &w.dir.path().join("base/node"),
        &w.dir.path().join("var/log/antnode"),
    ] {
        std::fs::create_dir_all(p).unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(p.parent().unwrap(), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    b.create(&n, &fake_node()).await.unwrap();
    for p in [&n.root_dir, &n.log_dir, &n.binary] {
        assert_eq!(std::fs::metadata(p).unwrap().uid(), user.uid, "{p} owner");
    }
    let kept = b.keep_binary(&n).await.unwrap().unwrap();
    assert_eq!(
        std::fs::metadata(&kept).unwrap().uid(),
        user.uid,
        "kept copy owner"
    );
    b.discard_kept_binary(&n, &kept).await.unwrap();
    b.start(&n).await.unwrap();
    let pid = running_pid(b, &n).await;
    let root = Path::new(&n.root_dir);
    wait_for(|| root.join("fake_node.args").exists(), "the node's argv").await;
    // setpriv exec'ed the node: the recorded pid is the node's own, running as nobody.
    assert_eq!(proc::exe(pid).unwrap(), Path::new(&n.binary));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid_line.split_whitespace().nth(1) == Some(&user.uid.to_string()),
        "{uid_line}"
    );
    let env = read_lines(&root.join("fake_node.env"));
    assert!(env.iter().any(|l| *l == format!("HOME={}", user.home)));
    b.stop(&n).await.unwrap();
    assert!(!wnm_runner::is_alive(pid));
    b.remove(&n).await.unwrap();
    assert!(!root.exists());
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        .unwrap_or(false)
}

#[tokio::test]
async fn sudo_mode_configuration_from_the_context() {
    // With an `ant` user in the (test) root's passwd and wnm as root: setpriv and chown to ant.
    let w = world_with("setsid+sudo", |_| {}, Arc::new(RecordingRunner::new()));
    std::fs::create_dir_all(w.dir.path().join("etc")).unwrap();
    std::fs::write(
        w.dir.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nant:x:1001:1002:Autonomi:/home/ant:/bin/sh\n",
    )
    .unwrap();
    let cfg = SetsidConfig::from_context(&w.ctx).unwrap();
    assert_eq!(cfg.log_base, w.dir.path().join("var/log/antnode"));
    assert_eq!(cfg.node_user, "ant");
    if rustix_is_root() {
        assert_eq!(
            cfg.run_as,
            RunAs::Setpriv {
                user: "ant".into(),
                gid: 1002,
                home: "/home/ant".into()
            }
        );
        assert_eq!(cfg.owner, Some((1001, 1002)));
    }
    let b = SetsidBackend::new(cfg, w.ctx.runner.clone(), w.ctx.line.clone());
    let n = w.node(9);
    let c = b.launch_command(&n).unwrap();
    assert_eq!(c.program, "setpriv");
    assert!(c.args.contains(&n.binary));

    // Without the user (the earlier world's root has no etc/passwd), root runs nodes itself.
    let w2 = world_with("setsid+sudo", |_| {}, Arc::new(RecordingRunner::new()));
    let cfg2 = SetsidConfig::from_context(&w2.ctx).unwrap();
    assert_eq!(cfg2.run_as, RunAs::Current);
    assert_eq!(cfg2.owner, None);
}

#[tokio::test]
async fn start_hands_the_built_command_to_the_runner() {
    let rec = Arc::new(RecordingRunner::new());
    let mut w = world_with("setsid+sudo", |m| m.environment = "A=1".into(), rec.clone());
    let mut cfg = w.backend.config().clone();
    cfg.run_as = RunAs::Sudo { user: "ant".into() };
    w.backend = SetsidBackend::new(cfg, rec.clone(), w.ctx.line.clone());
    let n = w.node(4);
    w.backend.create(&n, &fake_node()).await.unwrap();
    w.backend.start(&n).await.unwrap();
    let spawns = rec.spawns();
    assert_eq!(spawns.len(), 1);
    let s = &spawns[0];
    assert_eq!(s.program, "sudo");
    assert_eq!(s.args[..6], ["-n", "-u", "ant", "--", "env", "A=1"]);
    assert_eq!(s.args[6], n.binary);
    assert_eq!(s.cwd.as_deref(), Some(Path::new(&n.root_dir)));
    let pid: u32 = std::fs::read_to_string(Path::new(&n.root_dir).join("node.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(rec.is_alive(pid));
}

#[tokio::test]
async fn registry_builds_the_backend() {
    let w = world(|_| {});
    let mut r = Registry::new();
    wnm_backend_setsid::register(&mut r);
    let b = r.build(&w.ctx).unwrap();
    assert_eq!(b.kind(), "setsid");
    let caps = b.capabilities();
    assert!(caps.upgrade && caps.discover && !caps.survives_reboot);
    let mut ctx = w.ctx.clone();
    ctx.manager = ProcessManager::platform_default();
    assert!(r.build(&ctx).is_err());
}
