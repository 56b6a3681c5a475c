//! `systemd-analyze verify` accepts the units the backend writes (sudo and user mode, awkward
//! paths), checked in a temp root holding the node binaries (`--root`), and rejects a broken one
//! (so the check can fail). Needs `systemd-analyze` on the host (scripts/setup-ci.sh installs it).
use std::path::Path;
use std::sync::Arc;
use wnm_backend_systemd::{SystemdBackend, SystemdConfig, fs::Privilege};
use wnm_core::{
    Antnode04, Backend, BackendContext, CommandSpec, Machine, Node, NodeStatus, NullFirewall,
    Runner,
};
use wnm_runner::SystemRunner;

fn node(id: u32, manager: &str) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 55000 + id as u16,
        metrics_port: 13000 + id as u16,
        rpc_port: 0,
        root_dir: String::new(),
        log_dir: String::new(),
        binary: String::new(),
        user: String::new(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: manager.parse().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: "RUST_LOG=info,ant_node=debug".into(),
        metrics: Default::default(),
    }
}

/// A temp root with `ant` (our own ids, so chown works for anyone) and the three targets every
/// service depends on by default, so `--root` verification finds them.
fn root() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let (u, g) = (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    );
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    std::fs::write(
        d.path().join("etc/passwd"),
        format!("root:x:0:0:root:/root:/bin/bash\nant:x:{u}:{g}::/nonexistent:/usr/sbin/nologin\n"),
    )
    .unwrap();
    let lib = d.path().join("usr/lib/systemd/system");
    std::fs::create_dir_all(&lib).unwrap();
    for t in ["sysinit", "basic", "shutdown"] {
        std::fs::write(
            lib.join(format!("{t}.target")),
            format!("[Unit]\nDescription={t}\n"),
        )
        .unwrap();
    }
    d
}

fn backend(root: &Path, manager: &str, machine: Machine) -> SystemdBackend {
    let runner: Arc<dyn Runner> = Arc::new(SystemRunner::new());
    let ctx = BackendContext {
        manager: manager.parse().unwrap(),
        machine,
        runner,
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: "/home/alice/.local/share/autonomi".into(),
        root: root.into(),
    };
    let mut cfg = SystemdConfig::resolve(&ctx, "/home/alice", true).unwrap();
    cfg.privilege = Privilege::Direct;
    SystemdBackend::with_config(&ctx, cfg)
}

async fn verify(root: &Path, unit_paths: &[String]) -> wnm_core::CommandOutput {
    let mut args = vec![
        "verify".to_string(),
        "--man=no".into(),
        format!("--root={}", root.display()),
    ];
    args.extend(unit_paths.iter().cloned());
    SystemRunner::new()
        .run(&CommandSpec::new("systemd-analyze", args))
        .await
        .expect(
            "systemd-analyze must be installed (apt-get install systemd); see scripts/setup-ci.sh",
        )
}

#[tokio::test]
async fn generated_units_pass_systemd_analyze_verify() {
    let d = root();
    let source = d.path().join("antnode-src");
    std::fs::copy("/bin/true", &source).unwrap();
    let machine = Machine {
        no_upnp: true,
        environment: "ANT_LOG=ant_evm=error PCT=100%".into(),
        start_args: "--relay --ip 0.0.0.0".into(),
        ..Machine::default()
    };
    let sudo = backend(d.path(), "systemd+sudo", machine.clone());
    let mut units = Vec::new();
    for id in 1..=2 {
        let n = sudo
            .create(&node(id, "systemd+sudo"), &source)
            .await
            .unwrap();
        units.push(format!("/etc/systemd/system/{}.service", n.service_name));
    }
    let mut odd = node(3, "systemd+sudo");
    odd.root_dir = "/srv/ant nodes 100%/antnode0003".into();
    odd.environment = "QUOTED=a\"b $HOME".replace(' ', "");
    sudo.create(&odd, &source).await.unwrap();
    units.push("/etc/systemd/system/antnode0003.service".into());
    let user = backend(d.path(), "systemd+user", machine);
    user.create(&node(4, "systemd+user"), &source)
        .await
        .unwrap();
    // `verify --root` only searches the standard unit dirs, so the user unit is checked as a
    // system unit of the same text (no User=, runs as whoever the manager is).
    std::fs::copy(
        d.path()
            .join("home/alice/.config/systemd/user/antnode0004.service"),
        d.path().join("etc/systemd/system/antnode0004.service"),
    )
    .unwrap();
    units.push("/etc/systemd/system/antnode0004.service".into());

    let out = verify(d.path(), &units).await;
    assert!(
        out.success(),
        "systemd-analyze verify rejected generated units:\n{}{}\nunit 3:\n{}",
        out.stdout,
        out.stderr,
        std::fs::read_to_string(d.path().join("etc/systemd/system/antnode0003.service")).unwrap()
    );
    assert!(out.stderr.trim().is_empty(), "warnings: {}", out.stderr);
}

#[tokio::test]
async fn verify_catches_a_broken_unit_and_a_missing_binary() {
    let d = root();
    let source = d.path().join("antnode-src");
    std::fs::copy("/bin/true", &source).unwrap();
    let b = backend(d.path(), "systemd+sudo", Machine::default());
    let n = b.create(&node(1, "systemd+sudo"), &source).await.unwrap();
    let unit_path = d.path().join("etc/systemd/system/antnode0001.service");
    let good = std::fs::read_to_string(&unit_path).unwrap();

    std::fs::write(&unit_path, good.replace("ExecStart=", "ExecStart=\"")).unwrap();
    let out = verify(
        d.path(),
        &["/etc/systemd/system/antnode0001.service".into()],
    )
    .await;
    assert!(!out.success(), "unbalanced quoting must be rejected");

    std::fs::write(&unit_path, &good).unwrap();
    std::fs::remove_file(d.path().join(n.binary.trim_start_matches('/'))).unwrap();
    let out = verify(
        d.path(),
        &["/etc/systemd/system/antnode0001.service".into()],
    )
    .await;
    assert!(!out.success(), "a missing binary must be reported");
    assert!(out.stderr.contains("not executable"), "{}", out.stderr);
}
