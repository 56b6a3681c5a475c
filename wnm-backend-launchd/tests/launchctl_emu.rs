//! The launchd backend with real processes: `launchctl-emu` (wnm-testkit's launchctl stand-in,
//! which really spawns the plist's job) as launchctl, `antnode-emu` as the node binary, the real
//! `SystemRunner`. A node's whole life in user mode (create, start, answering /metrics, status,
//! KeepAlive restarting a killed node, stop, upgrade, kickstart, discovery, removal) and in sudo
//! mode as root (system domain, `UserName`, `/Library/LaunchDaemons` under a temp root).
//!
//! Needs the binaries built first (`cargo build --workspace --bins`; scripts/test.sh does).
#![allow(clippy::disallowed_methods)] // test infrastructure reads /proc and writes scripts

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wnm_backend_launchd::parse::ListAnswer;
use wnm_backend_launchd::{HostFacts, LaunchdBackend, LaunchdConfig};
use wnm_core::{
    Antnode04, Backend, BackendContext, Machine, Node, NodeMetrics, NodeStatus, NullFirewall,
    ProcessState,
};

const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// A built binary next to the running test (`target/<profile>/NAME`).
fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent();
    while let Some(d) = dir {
        if d.join(name).is_file() {
            return d.join(name);
        }
        dir = d.parent();
    }
    panic!(
        "{name} is not built: run `cargo build --workspace --bins` first (scripts/test.sh does)"
    );
}

fn script(path: &Path, body: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

struct World {
    dir: tempfile::TempDir,
    backend: LaunchdBackend,
    state: PathBuf,
}

impl Drop for World {
    /// End every emulated job: asking each run to stop (its supervisor SIGTERMs the job) and
    /// removing the state (a supervisor whose run dir is gone SIGKILLs its job).
    fn drop(&mut self) {
        if let Ok(rd) = std::fs::read_dir(self.state.join("runs")) {
            for e in rd.flatten() {
                let _ = std::fs::write(e.path().join("stop"), "");
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

fn world(manager: &str, machine_env: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("launchd-state");
    let lc = dir.path().join("launchctl");
    // The stand-in keeps its state where the variable says; the wrapper sets it for every call.
    script(
        &lc,
        &format!(
            "LAUNCHCTL_EMU_STATE='{}' exec '{}' \"$@\"",
            state.display(),
            workspace_bin("launchctl-emu").display()
        ),
    );
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut machine = Machine::defaults_for(2);
    machine.process_manager = manager.parse().unwrap();
    machine.rewards_address = WALLET.into();
    machine.node_storage = dir.path().join("nodes").display().to_string();
    machine.no_upnp = true;
    machine.start_args = "--relay".into();
    machine.environment = machine_env.into();
    let ctx = BackendContext {
        manager: machine.process_manager.clone(),
        machine,
        runner: Arc::new(wnm_runner::SystemRunner::new()),
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: dir.path().join("base"),
        root: dir.path().join("root"),
    };
    let uid = rustix::process::geteuid();
    let host = HostFacts {
        os: std::env::consts::OS.to_string(),
        home: home.display().to_string(),
        uid: uid.as_raw(),
        is_root: uid.is_root(),
        launchctl_override: Some(lc.display().to_string()),
        user: "tester".into(),
    };
    let mut cfg = LaunchdConfig::resolve(&ctx, &host).unwrap();
    cfg.stop_wait = Duration::from_secs(15);
    if manager.ends_with("+sudo") {
        // No `ant` user on this host: the sudo-mode jobs run as root (`UserName` root).
        cfg.node_user = "root".into();
    }
    World {
        backend: LaunchdBackend::with_config(&ctx, cfg),
        dir,
        state,
    }
}

impl World {
    fn source(&self, version: &str) -> PathBuf {
        let p = self.dir.path().join(format!("antnode-{version}"));
        script(
            &p,
            &format!(
                "exec '{}' --emu-version '{version}' \"$@\"",
                wnm_testkit::emulator_path().unwrap().display()
            ),
        );
        p
    }

    fn node(&self, id: u32) -> Node {
        let ports = wnm_testkit::free_ports(2).unwrap();
        let name = wnm_core::service_name(id);
        let root = self.dir.path().join("nodes").join(&name);
        Node {
            id,
            service_name: name.clone(),
            port: ports[0],
            metrics_port: ports[1],
            rpc_port: 0,
            root_dir: root.display().to_string(),
            log_dir: self
                .dir
                .path()
                .join("logs")
                .join(&name)
                .display()
                .to_string(),
            binary: root.join("antnode").display().to_string(),
            user: String::new(),
            wallet: WALLET.into(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: self.backend.config().manager.clone(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: "NODE_ONLY=yes".into(),
            metrics: NodeMetrics::default(),
        }
    }
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn alive(pid: u32) -> bool {
    wnm_runner::is_alive(pid)
}

fn cmdline(pid: u32) -> Vec<String> {
    wnm_runner::proc::cmdline(pid).unwrap_or_default()
}

fn environ(pid: u32) -> Vec<String> {
    wnm_runner::proc::environ(pid).unwrap_or_default()
}

async fn running_pid(b: &LaunchdBackend, n: &Node) -> u32 {
    match b.status(n).await.unwrap() {
        ProcessState::Running { pid: Some(p) } => p,
        other => panic!("{} is {other:?}, not running", n.service_name),
    }
}

fn version_served(port: u16) -> Option<String> {
    let body = http_get(port, "/metadata")?;
    let at = body.find("antnode_version=\"")? + "antnode_version=\"".len();
    Some(body[at..].split('"').next()?.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_mode_node_life_with_real_processes() {
    let w = world("launchd+user", "WNM_T=a&b<c>\"q\"x RUST_LOG=info,x=y");
    let b = &w.backend;
    let n = w.node(1);

    // create: files and plist, nothing loaded
    let made = b.create(&n, &w.source("0.4.11")).await.unwrap();
    assert_eq!(made.user, "tester");
    let plist = b.plist_path(&n);
    assert!(plist.ends_with("home/Library/LaunchAgents/com.autonomi.antnode-1.plist"));
    assert_eq!(b.list(&n).await.unwrap(), ListAnswer::NotLoaded);
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);

    // start: launchd (the stand-in) runs the plist's job, which answers /metrics
    b.start(&n).await.unwrap();
    let metrics = wait_for(Duration::from_secs(30), || {
        http_get(n.metrics_port, "/metrics").filter(|b| b.contains("200 OK"))
    })
    .expect("the node answers /metrics");
    assert!(metrics.contains("ant_"), "{metrics}");
    let pid = running_pid(b, &n).await;
    let argv = cmdline(pid);
    assert!(argv.contains(&n.root_dir), "{argv:?}");
    assert!(
        argv.contains(&"--relay".to_string()),
        "start_args reach the node: {argv:?}"
    );
    assert!(argv.contains(&"--no-upnp".to_string()), "{argv:?}");
    let env = environ(pid);
    assert!(env.contains(&"WNM_T=a&b<c>\"q\"x".to_string()), "{env:?}");
    assert!(env.contains(&"RUST_LOG=info,x=y".to_string()), "{env:?}");
    assert!(env.contains(&"NODE_ONLY=yes".to_string()), "{env:?}");
    assert!(
        env.contains(&"PATH=/usr/bin:/bin:/usr/sbin:/sbin".to_string()),
        "launchd's own environment, not wnm's: {env:?}"
    );
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap();
    assert_eq!(cwd, Path::new(&n.root_dir));
    assert!(Path::new(&n.log_dir).join("stdout.log").is_file());
    // a second start of a running node changes nothing
    b.start(&n).await.unwrap();
    assert_eq!(running_pid(b, &n).await, pid);

    // KeepAlive: a node killed behind wnm's back is started again by launchd
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
    let mut respawned = None;
    for _ in 0..300 {
        if let ProcessState::Running { pid: Some(p) } = b.status(&n).await.unwrap()
            && p != pid
        {
            respawned = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = respawned.expect("launchd restarts a killed node (KeepAlive)");
    match b.list(&n).await.unwrap() {
        ListAnswer::Loaded(e) => assert_eq!(e.last_exit_status, Some(9), "killed by SIGKILL"),
        other => panic!("{other:?}"),
    }

    // stop: unloaded, the process is gone, status Stopped
    b.stop(&n).await.unwrap();
    assert!(!alive(pid), "stop returns once the node is gone");
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Stopped);
    assert_eq!(b.list(&n).await.unwrap(), ListAnswer::NotLoaded);
    assert!(http_get(n.metrics_port, "/metrics").is_none());

    // upgrade: the binary is replaced and the node comes back with the new version
    let kept = b.keep_binary(&n).await.unwrap().unwrap();
    b.upgrade(&n, &w.source("0.4.12")).await.unwrap();
    b.start(&n).await.unwrap();
    let v = wait_for(Duration::from_secs(30), || version_served(n.metrics_port));
    assert_eq!(v.as_deref(), Some("0.4.12"));
    b.discard_kept_binary(&n, &kept).await.unwrap();
    assert!(!kept.exists());

    // restart: kickstart -k gives a new process
    let before = running_pid(b, &n).await;
    b.restart(&n).await.unwrap();
    let after = running_pid(b, &n).await;
    assert_ne!(before, after);

    // discover: the plist says who the node is, launchd says it runs
    let found = b.discover().await.unwrap();
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.manager.to_string(), "launchd+user");
    assert_eq!(f.status, NodeStatus::Running);
    assert_eq!((f.port, f.metrics_port), (n.port, n.metrics_port));
    assert_eq!(
        (&f.root_dir, &f.log_dir, &f.binary),
        (&n.root_dir, &n.log_dir, &n.binary)
    );
    assert_eq!(f.wallet, WALLET);
    assert!(f.environment.contains("NODE_ONLY=yes"));

    // remove: process, plist and dirs gone
    b.remove(&n).await.unwrap();
    assert!(!alive(after));
    assert!(!plist.exists());
    assert!(!Path::new(&n.root_dir).exists());
    assert!(!Path::new(&n.log_dir).exists());
    assert_eq!(b.status(&n).await.unwrap(), ProcessState::Missing);
    assert!(b.discover().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sudo_mode_runs_jobs_in_the_system_domain() {
    assert!(
        rustix::process::geteuid().is_root(),
        "this test drives launchd+sudo as root (CI runs as root)"
    );
    let w = world("launchd+sudo", "");
    let b = &w.backend;
    let n = w.node(2);
    let made = b.create(&n, &w.source("0.4.11")).await.unwrap();
    assert_eq!(made.user, "root");
    let plist = b.plist_path(&made);
    assert_eq!(
        plist,
        w.dir
            .path()
            .join("root/Library/LaunchDaemons/com.autonomi.antnode-2.plist")
    );
    let text = std::fs::read_to_string(&plist).unwrap();
    assert!(
        text.contains("<key>UserName</key>\n\t<string>root</string>"),
        "{text}"
    );
    b.start(&made).await.unwrap();
    wait_for(Duration::from_secs(30), || {
        http_get(n.metrics_port, "/metrics").filter(|b| b.contains("200 OK"))
    })
    .expect("the node answers /metrics");
    let pid = running_pid(b, &made).await;
    // kickstart names the system domain: the stand-in refuses any other
    b.restart(&made).await.unwrap();
    let pid2 = running_pid(b, &made).await;
    assert_ne!(pid, pid2);
    let found = b.discover().await.unwrap();
    assert_eq!(found[0].manager.to_string(), "launchd+sudo");
    assert_eq!(found[0].user, "root");
    b.remove(&made).await.unwrap();
    assert!(!alive(pid2));
    assert!(!plist.exists());
    assert!(!Path::new(&n.root_dir).exists());
}
