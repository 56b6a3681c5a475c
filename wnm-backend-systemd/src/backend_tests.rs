//! Tests of `SystemdBackend` against a temp filesystem root with a recording runner: what it
//! writes, which systemctl/ufw commands it runs, and in which order.
use crate::backend::{SystemdBackend, safe_to_delete};
use crate::config::SystemdConfig;
use crate::fs::Privilege;
use crate::testutil::{ANM_UNIT, ANTCTL_UNIT, anm_node};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wnm_core::{
    Antnode04, Backend, BackendContext, CommandOutput, ErrorKind, Machine, NodeStatus,
    ProcessManager, ProcessState, Runner,
};
use wnm_firewall::UfwFirewall;
use wnm_runner::RecordingRunner;

struct Fixture {
    dir: tempfile::TempDir,
    runner: Arc<RecordingRunner>,
    backend: SystemdBackend,
}

impl Fixture {
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn disk(&self, p: &str) -> PathBuf {
        self.root().join(p.trim_start_matches('/'))
    }
    fn lines(&self) -> Vec<String> {
        self.runner.run_lines()
    }
}

fn own_ids() -> (u32, u32) {
    (
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw(),
    )
}

/// A backend on a temp root. `ant` is in the temp passwd with our own ids (so chown works
/// whoever runs the tests) unless `with_ant` is false.
fn fixture(manager: &str, privilege: Privilege, with_ant: bool, machine: Machine) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    if with_ant {
        let (u, g) = own_ids();
        std::fs::write(
            dir.path().join("etc/passwd"),
            format!(
                "root:x:0:0:root:/root:/bin/bash\nant:x:{u}:{g}::/home/ant:/usr/sbin/nologin\n"
            ),
        )
        .unwrap();
    }
    let runner = Arc::new(RecordingRunner::new());
    let manager: ProcessManager = manager.parse().unwrap();
    let ctx = BackendContext {
        manager: manager.clone(),
        machine: machine.clone(),
        runner: runner.clone() as Arc<dyn Runner>,
        line: Arc::new(Antnode04),
        firewall: Arc::new(UfwFirewall::new(runner.clone()).with_sudo(false)),
        base_dir: "/home/alice/.local/share/autonomi".into(),
        root: dir.path().into(),
    };
    let mut cfg =
        SystemdConfig::resolve(&ctx, "/home/alice", privilege == Privilege::Direct).unwrap();
    cfg.privilege = privilege;
    let backend = SystemdBackend::with_config(&ctx, cfg);
    Fixture {
        dir,
        runner,
        backend,
    }
}

fn anm_machine() -> Machine {
    Machine {
        no_upnp: true,
        environment: "ANT_LOG=ant_evm=error".into(),
        ..Machine::default()
    }
}

fn source_binary(f: &Fixture) -> PathBuf {
    let p = f.root().join("antnode-src");
    std::fs::write(&p, b"#!/bin/sh\nexit 0\n").unwrap();
    p
}

fn show(id: &str, active: &str, pid: u32) -> CommandOutput {
    CommandOutput {
        code: Some(0),
        stdout: format!(
            "Id={id}\nLoadState=loaded\nActiveState={active}\nSubState=x\nMainPID={pid}\n"
        ),
        stderr: String::new(),
    }
}

#[tokio::test]
async fn sudo_create_lays_out_an_anm_shaped_node_without_touching_systemd() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let mut n = anm_node();
    n.root_dir.clear();
    n.log_dir.clear();
    n.binary.clear();
    n.user.clear();
    let src = source_binary(&f);
    let created = f.backend.create(&n, &src).await.unwrap();
    assert_eq!(created, anm_node(), "paths and user filled like anm's");
    let unit = std::fs::read_to_string(f.disk("/etc/systemd/system/antnode0001.service")).unwrap();
    let anm = ANM_UNIT
        .replace(" --bootstrap-cache-dir /var/antctl/bootstrap-cache", "")
        .replace("#RestartSec=300\n", "");
    assert_eq!(unit, anm);
    let bin = f.disk("/var/antctl/services/antnode0001/antnode");
    assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(&src).unwrap());
    assert!(f.disk("/var/log/antnode/antnode0001").is_dir());
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(f.disk("/var/antctl/services/antnode0001")).unwrap();
    assert_eq!((m.uid(), m.gid()), own_ids());
    assert!(f.lines().is_empty(), "create runs nothing: {:?}", f.lines());
    assert!(f.backend.needs_reload());
}

#[tokio::test]
async fn one_daemon_reload_per_cycle_however_many_units_changed() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let src = source_binary(&f);
    for id in 1..=3u32 {
        let mut n = anm_node();
        n.id = id;
        n.service_name = wnm_core::service_name(id);
        n.port = 55000 + id as u16;
        n.root_dir.clear();
        n.log_dir.clear();
        n.binary.clear();
        f.backend.create(&n, &src).await.unwrap();
    }
    f.backend.flush().await.unwrap();
    f.backend.flush().await.unwrap();
    assert_eq!(f.lines(), vec!["systemctl daemon-reload"]);
    // rewriting an identical unit changes nothing
    f.backend.create(&anm_node(), &src).await.unwrap();
    f.backend.flush().await.unwrap();
    assert_eq!(f.lines().len(), 1);
}

#[tokio::test]
async fn start_reloads_a_fresh_unit_first_and_never_touches_the_firewall() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let src = source_binary(&f);
    let n = f.backend.create(&anm_node(), &src).await.unwrap();
    f.backend.start(&n).await.unwrap();
    f.backend.flush().await.unwrap();
    f.backend.restart(&n).await.unwrap();
    f.backend.stop(&n).await.unwrap();
    assert_eq!(
        f.lines(),
        vec![
            "systemctl daemon-reload",
            "systemctl start antnode0001.service",
            "systemctl restart antnode0001.service",
            "systemctl stop antnode0001.service",
            "systemctl reset-failed antnode0001.service",
        ],
        "the executor opens and closes ports, not the backend"
    );
}

#[tokio::test]
async fn start_of_a_node_without_unit_is_not_found_and_failures_name_the_command() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let e = f.backend.start(&anm_node()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    f.runner.respond(
        "systemctl",
        &["start"],
        CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "Job for antnode0001.service failed.\n".into(),
        },
    );
    let e = f.backend.start(&n).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(
        e.message().contains("systemctl start antnode0001.service"),
        "{e}"
    );
    assert!(
        e.message().contains("Job for antnode0001.service failed"),
        "{e}"
    );
    assert!(
        !f.lines().iter().any(|l| l.starts_with("ufw")),
        "the backend never runs ufw, even when given a UFW firewall"
    );
}

#[tokio::test]
async fn status_maps_systemd_states() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    assert_eq!(
        f.backend.status(&anm_node()).await.unwrap(),
        ProcessState::Missing
    );
    let n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    f.runner
        .push_output(show("antnode0001.service", "active", 4321));
    f.runner
        .push_output(show("antnode0001.service", "failed", 0));
    assert_eq!(
        f.backend.status(&n).await.unwrap(),
        ProcessState::Running { pid: Some(4321) }
    );
    assert_eq!(f.backend.status(&n).await.unwrap(), ProcessState::Stopped);
    assert_eq!(
        f.lines()[0],
        "systemctl show -p Id,LoadState,ActiveState,SubState,MainPID antnode0001.service"
    );
}

#[tokio::test]
async fn remove_deletes_unit_dirs_and_rule_only() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    std::fs::write(f.disk("/var/antctl/services/keep-me"), "other").unwrap();
    std::fs::write(f.disk("/etc/systemd/system/other.service"), "[Unit]\n").unwrap();
    f.backend.flush().await.unwrap();
    f.runner.clear_calls();
    f.backend.remove(&n).await.unwrap();
    assert!(!f.disk("/etc/systemd/system/antnode0001.service").exists());
    assert!(!f.disk("/var/antctl/services/antnode0001").exists());
    assert!(!f.disk("/var/log/antnode/antnode0001").exists());
    assert!(f.disk("/var/antctl/services/keep-me").exists());
    assert!(f.disk("/etc/systemd/system/other.service").exists());
    assert!(f.disk("/var/log/antnode").is_dir());
    f.backend.flush().await.unwrap();
    assert_eq!(
        f.lines(),
        vec![
            "systemctl stop antnode0001.service",
            "systemctl reset-failed antnode0001.service",
            "systemctl daemon-reload",
        ]
    );
    // removing again is harmless
    f.backend.remove(&n).await.unwrap();
}

#[tokio::test]
async fn remove_never_deletes_a_dir_that_is_not_the_nodes() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let mut n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    n.root_dir = "/var/antctl/services".into();
    n.log_dir = "/var/log/antnode/../antnode/antnode0001".into();
    f.backend.remove(&n).await.unwrap();
    assert!(f.disk("/var/antctl/services/antnode0001").is_dir());
    assert!(f.disk("/var/log/antnode/antnode0001").is_dir());
    assert!(safe_to_delete(
        "/var/antctl/services/antnode0001",
        "antnode0001"
    ));
    assert!(!safe_to_delete("/", "antnode0001"));
    assert!(!safe_to_delete("antnode0001", "antnode0001"));
    assert!(!safe_to_delete("/home/alice", "antnode0001"));
}

#[tokio::test]
async fn sudo_mode_without_root_goes_through_sudo_and_creates_ant() {
    let f = fixture("systemd+sudo", Privilege::Sudo, false, anm_machine());
    let src = source_binary(&f);
    let n = f.backend.create(&anm_node(), &src).await.unwrap();
    assert!(
        !f.disk("/etc/systemd/system").exists(),
        "nothing written without sudo"
    );
    // what the faked `sudo install` + `sudo mv` would have left
    std::fs::create_dir_all(f.disk("/etc/systemd/system")).unwrap();
    std::fs::write(
        f.disk("/etc/systemd/system/antnode0001.service"),
        "[Unit]\n",
    )
    .unwrap();
    f.backend.start(&n).await.unwrap();
    let root = f.root().display().to_string();
    let lines = f.lines();
    assert_eq!(
        lines[0],
        format!(
            "sudo -n useradd --system --user-group --no-create-home --shell /usr/sbin/nologin --root {root} ant"
        )
    );
    assert_eq!(
        lines[1],
        format!("sudo -n mkdir -p {root}/var/antctl/services/antnode0001")
    );
    assert!(lines.contains(&format!(
        "sudo -n chown -R ant:ant {root}/var/antctl/services/antnode0001 {root}/var/log/antnode/antnode0001"
    )));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("sudo -n install -m 0644 "))
    );
    let tail: Vec<&str> = lines.iter().rev().take(2).map(String::as_str).collect();
    assert_eq!(
        tail,
        vec![
            "sudo -n systemctl start antnode0001.service",
            "sudo -n systemctl daemon-reload"
        ]
    );
}

#[tokio::test]
async fn user_mode_uses_the_user_manager_and_home_paths() {
    let f = fixture("systemd+user", Privilege::Direct, false, Machine::default());
    let mut n = anm_node();
    n.root_dir.clear();
    n.log_dir.clear();
    n.binary.clear();
    n.user.clear();
    n.manager = "systemd+user".parse().unwrap();
    let n = f.backend.create(&n, &source_binary(&f)).await.unwrap();
    assert_eq!(
        n.root_dir,
        "/home/alice/.local/share/autonomi/node/antnode0001"
    );
    assert_eq!(
        n.log_dir,
        "/home/alice/.local/share/autonomi/logs/antnode0001"
    );
    assert_eq!(
        n.binary,
        "/home/alice/.local/share/autonomi/node/antnode0001/antnode"
    );
    let unit =
        std::fs::read_to_string(f.disk("/home/alice/.config/systemd/user/antnode0001.service"))
            .unwrap();
    assert!(!unit.contains("User="), "{unit}");
    assert!(!unit.contains("--no-upnp"), "{unit}");
    f.backend.start(&n).await.unwrap();
    assert_eq!(
        f.lines()[..2],
        [
            "systemctl --user daemon-reload",
            "systemctl --user start antnode0001.service"
        ]
    );
}

#[tokio::test]
async fn node_storage_setting_with_tilde_is_honoured() {
    let m = Machine {
        node_storage: "~/nodes".into(),
        ..Machine::default()
    };
    let f = fixture("systemd+user", Privilege::Direct, false, m);
    let n = f.backend.complete_node(&wnm_core::Node {
        root_dir: String::new(),
        binary: String::new(),
        ..anm_node()
    });
    assert_eq!(n.root_dir, "/home/alice/nodes/antnode0001");
}

#[tokio::test]
async fn upgrade_replaces_the_binary_in_place() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    let newer = f.root().join("antnode-new");
    std::fs::write(&newer, b"#!/bin/sh\necho new\n").unwrap();
    f.backend.upgrade(&n, &newer).await.unwrap();
    assert_eq!(
        std::fs::read(f.disk(&n.binary)).unwrap(),
        b"#!/bin/sh\necho new\n"
    );
    assert!(f.lines().is_empty());
}

#[tokio::test]
async fn keeps_restores_and_discards_the_old_binary() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let n = f
        .backend
        .create(&anm_node(), &source_binary(&f))
        .await
        .unwrap();
    let old = std::fs::read(f.disk(&n.binary)).unwrap();
    assert_eq!(f.backend.kept_binary(&n), None, "nothing kept yet");
    let kept = f.backend.keep_binary(&n).await.unwrap().unwrap();
    // named as the node sees it (the one definition), on disk under the root
    assert_eq!(
        kept,
        PathBuf::from("/var/antctl/services/antnode0001/antnode.wnm-previous")
    );
    assert_eq!(kept, wnm_core::kept_binary_path(&n));
    let on_disk = f.disk(&kept.display().to_string());
    assert_eq!(std::fs::read(&on_disk).unwrap(), old);
    // what the runtime finds on a later run: the same path
    assert_eq!(f.backend.kept_binary(&n), Some(kept.clone()));
    let newer = f.root().join("antnode-new");
    std::fs::write(&newer, b"#!/bin/sh\necho new\n").unwrap();
    f.backend.upgrade(&n, &newer).await.unwrap();
    f.backend.restore_binary(&n, &kept).await.unwrap();
    assert_eq!(std::fs::read(f.disk(&n.binary)).unwrap(), old);
    for foreign in [f.disk(&n.binary), PathBuf::from(&n.binary), on_disk.clone()] {
        let e = f
            .backend
            .discard_kept_binary(&n, &foreign)
            .await
            .unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::InvalidConfig,
            "only its own copy is deleted, by its one name: {}",
            foreign.display()
        );
        let e = f.backend.restore_binary(&n, &foreign).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{}", foreign.display());
    }
    assert!(f.disk(&n.binary).is_file());
    assert!(on_disk.is_file());
    f.backend.discard_kept_binary(&n, &kept).await.unwrap();
    assert!(!on_disk.exists());
    assert_eq!(f.backend.kept_binary(&n), None);
    // nothing to keep when the binary is gone
    std::fs::remove_file(f.disk(&n.binary)).unwrap();
    assert_eq!(f.backend.keep_binary(&n).await.unwrap(), None);
    assert!(f.lines().is_empty(), "{:?}", f.lines());
}

#[tokio::test]
async fn sudo_mode_keeps_the_old_binary_through_sudo_for_ant() {
    let f = fixture("systemd+sudo", Privilege::Sudo, true, anm_machine());
    let n = anm_node();
    // the node as an earlier create left it (ant's dir; wnm may only read it)
    std::fs::create_dir_all(f.disk(&n.root_dir)).unwrap();
    std::fs::write(f.disk(&n.binary), b"old").unwrap();
    let kept = f.backend.keep_binary(&n).await.unwrap().unwrap();
    let root = f.root().display().to_string();
    let lines = f.lines();
    assert!(
        lines[0].starts_with(&format!(
            "sudo -n install -m 0755 {root}/var/antctl/services/antnode0001/antnode {root}/var/antctl/services/antnode0001/antnode.wnm-previous.wnm-tmp-"
        )),
        "{lines:?}"
    );
    assert!(lines[1].starts_with("sudo -n mv -f "), "{lines:?}");
    assert_eq!(
        lines[2],
        format!(
            "sudo -n chown -R ant:ant {root}/var/antctl/services/antnode0001/antnode.wnm-previous"
        )
    );
    assert_eq!(kept, wnm_core::kept_binary_path(&n));
    let on_disk = f.disk(&kept.display().to_string());
    assert!(!on_disk.exists(), "wnm wrote nothing itself");
    std::fs::write(&on_disk, b"old").unwrap(); // what the sudo commands left
    assert_eq!(f.backend.kept_binary(&n), Some(kept.clone()));
    f.runner.clear_calls();
    f.backend.restore_binary(&n, &kept).await.unwrap();
    f.backend.discard_kept_binary(&n, &kept).await.unwrap();
    let lines = f.lines();
    assert!(
        lines[0].starts_with(&format!("sudo -n install -m 0755 {}", on_disk.display())),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!("sudo -n rm -f {}", on_disk.display())
    );
}

#[tokio::test]
async fn discover_reads_every_style_with_its_status() {
    let f = fixture("systemd+sudo", Privilege::Direct, true, anm_machine());
    let dir = f.disk("/etc/systemd/system");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("antnode0001.service"), ANM_UNIT).unwrap();
    std::fs::write(dir.join("antnode1.service"), ANTCTL_UNIT).unwrap();
    std::fs::write(
        dir.join("antnode0007.service"),
        ANM_UNIT.replace("0001", "0007"),
    )
    .unwrap();
    std::fs::write(
        dir.join("unrelated.service"),
        "[Service]\nExecStart=/bin/true\n",
    )
    .unwrap();
    std::fs::create_dir_all(f.disk("/var/antctl/services/antnode0001")).unwrap();
    std::fs::create_dir_all(f.disk("/var/antctl/services/antnode1")).unwrap();
    f.runner.push_output(CommandOutput {
        code: Some(0),
        stdout: format!(
            "{}\n{}\n{}",
            show("antnode0001.service", "active", 77).stdout,
            show("antnode1.service", "inactive", 0).stdout,
            show("antnode0007.service", "inactive", 0).stdout
        ),
        stderr: String::new(),
    });
    let nodes = f.backend.discover().await.unwrap();
    let got: Vec<(String, String, NodeStatus)> = nodes
        .iter()
        .map(|n| (n.service_name.clone(), n.manager.to_string(), n.status))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "antnode0001".into(),
                "systemd+sudo".into(),
                NodeStatus::Running
            ),
            ("antnode1".into(), "antctl+sudo".into(), NodeStatus::Stopped),
            (
                "antnode0007".into(),
                "systemd+sudo".into(),
                NodeStatus::Dead
            ),
        ]
    );
    assert!(nodes[0].created_at > 1_600_000_000);
    assert_eq!(
        f.lines(),
        vec![
            "systemctl show -p Id,LoadState,ActiveState,SubState,MainPID antnode0001.service antnode1.service antnode0007.service"
        ]
    );
}

#[tokio::test]
async fn registry_builds_it_and_capabilities_are_data() {
    let mut reg = wnm_core::Registry::new();
    crate::register(&mut reg);
    assert_eq!(reg.kinds(), vec!["systemd"]);
    let runner: Arc<dyn Runner> = Arc::new(RecordingRunner::new());
    let ctx = BackendContext {
        manager: "systemd+user".parse().unwrap(),
        machine: Machine::default(),
        runner,
        line: Arc::new(Antnode04),
        firewall: Arc::new(wnm_core::NullFirewall),
        base_dir: "/tmp/x".into(),
        root: "/".into(),
    };
    let b = reg.build(&ctx).unwrap();
    assert_eq!(b.kind(), "systemd");
    let c = b.capabilities();
    assert!(c.upgrade && c.discover && !c.survives_reboot);
    let bad = BackendContext {
        manager: "setsid+user".parse().unwrap(),
        ..ctx
    };
    assert!(crate::build(&bad).is_err());
}
