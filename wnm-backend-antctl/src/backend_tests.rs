//! Backend behaviour against a recording runner that answers with captured antctl 0.14.2
//! output: the exact commands, the numbering rules, status from one `status --json`, import.
use crate::backend::AntctlBackend;
use crate::config::AntctlConfig;
use crate::testutil::{WALLET, context_with, fixture, fixture_path, new_node};
use std::path::Path;
use std::sync::Arc;
use wnm_core::{Backend, CommandOutput, ErrorKind, IdAllocation, Node, NodeStatus, ProcessState};
use wnm_runner::RecordingRunner;

const ANTCTL: &str = "/usr/local/bin/antctl";
const SRC: &str = "/usr/local/bin/antnode";

fn ok(stdout: &str) -> CommandOutput {
    CommandOutput {
        code: Some(0),
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

fn failed(stdout: &str, stderr: &str) -> CommandOutput {
    CommandOutput {
        code: Some(1),
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

struct Rig {
    runner: Arc<RecordingRunner>,
    root: tempfile::TempDir,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            runner: Arc::new(RecordingRunner::new()),
            root: tempfile::tempdir().unwrap(),
        }
    }

    /// A backend as root (`is_root`) or as user `op`.
    fn backend(
        &self,
        manager: &str,
        is_root: bool,
        tweak: impl Fn(&mut wnm_core::Machine),
    ) -> AntctlBackend {
        let mut ctx = context_with(manager, self.runner.clone(), self.root.path());
        tweak(&mut ctx.machine);
        let (home, user) = if is_root {
            ("/root", "root")
        } else {
            ("/home/op", "op")
        };
        let cfg = AntctlConfig::resolve(&ctx, home, is_root, user).unwrap();
        AntctlBackend::with_config(&ctx, cfg)
    }

    fn lines(&self) -> Vec<String> {
        self.runner.run_lines()
    }

    /// Put `fixture` in place as antctl's root registry file.
    fn registry_file(&self, fixture_name: &str) {
        let p = self.root.path().join("var/antctl/node_registry.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(fixture_path(fixture_name), p).unwrap();
    }

    /// Answer the sudo-layout `antctl add` of id `id` (told apart by its node port) with the
    /// captured `fixture_name`.
    fn respond_add(&self, id: u32, fixture_name: &str) {
        let port = (55000 + id).to_string();
        self.runner.respond(
            ANTCTL,
            &[
                "add",
                "--count",
                "1",
                "--data-dir-path",
                "/var/antctl/services",
                "--log-dir-path",
                "/var/log/antnode",
                "--node-port",
                &port,
            ],
            ok(&fixture(fixture_name)),
        );
    }

    fn dir(&self, host_path: &str) {
        std::fs::create_dir_all(self.root.path().join(host_path.trim_start_matches('/'))).unwrap();
    }
}

/// A node as the antctl backend made it (`antnodeN`, antctl's paths).
fn made_node(id: u32) -> Node {
    Node {
        service_name: format!("antnode{id}"),
        root_dir: format!("/var/antctl/services/antnode{id}"),
        log_dir: format!("/var/log/antnode/antnode{id}"),
        binary: format!("/var/antctl/services/antnode{id}/antnode"),
        ..new_node(id)
    }
}

fn add_line(id: u32, options: &str) -> String {
    format!(
        "{ANTCTL} add --count 1 --data-dir-path /var/antctl/services --log-dir-path /var/log/antnode --node-port {} --metrics-port {} --rpc-port {} --rewards-address {WALLET}{options} --path {SRC} evm-arbitrum-one",
        55000 + id,
        13000 + id,
        30000 + id
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn create_runs_the_add_and_reads_the_node_back() {
    let rig = Rig::new();
    // No registry file yet: antctl is asked, and on an empty registry it prints nothing.
    rig.runner.respond(ANTCTL, &["status", "--json"], ok(""));
    rig.respond_add(1, "add-first-sudo.stdout");
    rig.respond_add(2, "add-antnode2.stdout");
    rig.runner.respond("systemctl", &["show"], ok("no\n"));
    let b = rig.backend("antctl+sudo", true, |m| m.no_upnp = true);
    let made = block_on(b.create(&new_node(1), Path::new(SRC))).unwrap();
    assert_eq!(
        made,
        Node {
            rpc_port: 30001,
            ..made_node(1)
        }
    );
    let made2 = block_on(b.create(&new_node(2), Path::new(SRC))).unwrap();
    assert_eq!(made2.service_name, "antnode2");
    assert_eq!(made2.root_dir, "/var/antctl/services/antnode2");
    assert_eq!(
        rig.lines(),
        vec![
            format!("{ANTCTL} status --json"),
            add_line(1, " --no-upnp"),
            "systemctl show -p NeedDaemonReload --value antnode1.service".to_string(),
            // The second add knows antctl's next number without asking again.
            add_line(2, " --no-upnp"),
            "systemctl show -p NeedDaemonReload --value antnode2.service".to_string(),
        ]
    );
    let add = &rig.runner.runs()[1];
    assert!(add.timeout.is_some());
}

#[test]
fn a_stale_unit_is_reloaded_after_the_add() {
    let rig = Rig::new();
    rig.registry_file("node_registry.json"); // two entries: the next node is antnode3
    rig.runner.respond(
        "sudo",
        &["-n", ANTCTL, "add"],
        ok(&fixture("add-antnode3.stdout")),
    );
    rig.runner
        .respond("sudo", &["-n", "systemctl", "daemon-reload"], ok(""));
    rig.runner.respond("systemctl", &["show"], ok("yes\n"));
    let b = rig.backend("antctl+sudo", false, |_| {});
    block_on(b.create(&new_node(3), Path::new(SRC))).unwrap();
    let lines = rig.lines();
    assert_eq!(lines[0], format!("sudo -n {}", &add_line(3, "")[..]));
    assert_eq!(
        lines[1..],
        [
            "systemctl show -p NeedDaemonReload --value antnode3.service".to_string(),
            "sudo -n systemctl daemon-reload".to_string()
        ]
    );
}

#[test]
fn start_args_and_environment_reach_the_add() {
    let rig = Rig::new();
    rig.runner.respond(ANTCTL, &["status", "--json"], ok(""));
    rig.runner
        .respond(ANTCTL, &["add"], ok(&fixture("add-first-sudo.stdout")));
    rig.runner.respond("systemctl", &["show"], ok("no\n"));
    let b = rig.backend("antctl+sudo", true, |m| {
        m.no_upnp = true;
        m.start_args = "--first --local --ignore-cache --ip 127.0.0.1".into();
        m.environment = "ANT_LOG=info,FOO=bar".into();
    });
    block_on(b.create(&new_node(1), Path::new(SRC))).unwrap();
    // --count is left out beside --first (antctl refuses both).
    assert_eq!(
        rig.lines()[1],
        format!(
            "{ANTCTL} add --data-dir-path /var/antctl/services --log-dir-path /var/log/antnode --node-port 55001 --metrics-port 13001 --rpc-port 30001 --rewards-address {WALLET} --no-upnp --first --local --ignore-cache --node-ip 127.0.0.1 --env ANT_LOG=info --env FOO=bar --path {SRC} evm-arbitrum-one"
        )
    );
}

#[test]
fn an_unmappable_start_arg_is_refused_before_antctl_runs() {
    for bad in ["--port 6000", "--home-network", "evm-arbitrum-sepolia-test"] {
        let rig = Rig::new();
        let mut ctx = context_with("antctl+sudo", rig.runner.clone(), rig.root.path());
        ctx.machine.start_args = bad.into();
        let e = AntctlConfig::resolve(&ctx, "/root", true, "root").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}: {e}");
        assert!(e.to_string().starts_with("start_args: "), "{bad}: {e}");
        assert!(rig.runner.calls().is_empty(), "{bad}: nothing may run");
    }
    let rig = Rig::new();
    let b = rig.backend("antctl+sudo", true, |_| {});
    let mut n = new_node(1);
    n.line = "ant-node-2026".into();
    let e = block_on(b.create(&n, Path::new(SRC))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(rig.runner.calls().is_empty());
}

#[test]
fn zen_lets_antctl_choose_the_dirs_and_reads_them_back() {
    let rig = Rig::new();
    std::fs::create_dir_all(rig.root.path().join("home/op/.local/share/autonomi/node")).unwrap();
    std::fs::write(
        rig.root
            .path()
            .join("home/op/.local/share/autonomi/node/node_registry.json"),
        "",
    )
    .unwrap();
    rig.runner
        .respond(ANTCTL, &["add"], ok(&fixture("add-user.stdout")));
    rig.runner
        .respond("systemctl", &["--user", "show"], ok("no\n"));
    let b = rig.backend("antctl+zen", false, |_| {});
    assert!(b.capabilities().chooses_own_paths);
    let mut n = new_node(1);
    (n.port, n.metrics_port, n.rpc_port) = (56001, 14001, 31001);
    let made = block_on(b.create(&n, Path::new(SRC))).unwrap();
    assert_eq!(
        made.root_dir,
        "/home/op/.local/share/autonomi/node/antnode1"
    );
    assert_eq!(
        made.log_dir,
        "/home/op/.local/share/autonomi/node/antnode1/logs"
    );
    assert_eq!(
        made.binary,
        "/home/op/.local/share/autonomi/node/antnode1/antnode"
    );
    assert_eq!(made.user, "op");
    assert_eq!(
        rig.lines()[0],
        format!(
            "{ANTCTL} add --count 1 --node-port 56001 --metrics-port 14001 --rpc-port 31001 --rewards-address {WALLET} --path {SRC} evm-arbitrum-one"
        )
    );
    assert!(rig.lines()[1].starts_with("systemctl --user show"));
}

#[test]
fn wnm_ahead_uses_antctl_numbers_up_with_their_own_ports() {
    let rig = Rig::new();
    rig.registry_file("node_registry.json"); // next is antnode3; wnm wants 4
    rig.respond_add(3, "add-antnode3.stdout");
    rig.respond_add(4, "add-antnode4.stdout");
    rig.runner
        .respond(ANTCTL, &["remove"], ok(&fixture("remove.stdout")));
    rig.runner.respond("systemctl", &["show"], ok("no\n"));
    let b = rig.backend("antctl+sudo", true, |m| {
        m.no_upnp = true;
        m.start_args = "--relay".into();
        m.environment = "ANT_LOG=info".into();
    });
    let made = block_on(b.create(&new_node(4), Path::new(SRC))).unwrap();
    assert_eq!(made.service_name, "antnode4");
    assert_eq!(
        rig.lines(),
        vec![
            // the stand-in gets id 3's ports and nothing else
            add_line(3, ""),
            format!("{ANTCTL} remove --service-name antnode3"),
            add_line(4, " --no-upnp --relay --env ANT_LOG=info"),
            "systemctl show -p NeedDaemonReload --value antnode4.service".to_string(),
        ]
    );
}

#[test]
fn antctl_ahead_or_far_behind_is_refused_without_adding() {
    let rig = Rig::new();
    rig.registry_file("node_registry.json"); // next is antnode3
    let b = rig.backend("antctl+sudo", true, |_| {});
    let e = block_on(b.create(&new_node(2), Path::new(SRC))).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("antnode3") && m.contains("--highest_node_id_used 2"),
        "{m}"
    );
    let e = block_on(b.create(&new_node(100), Path::new(SRC))).unwrap_err();
    assert!(e.to_string().contains("--highest_node_id_used 2"), "{e}");
    assert!(rig.runner.calls().is_empty());
}

#[test]
fn an_add_reporting_another_name_is_an_error() {
    let rig = Rig::new();
    rig.runner.respond(ANTCTL, &["status", "--json"], ok(""));
    rig.runner
        .respond(ANTCTL, &["add"], ok(&fixture("add-antnode2.stdout")));
    let b = rig.backend("antctl+sudo", true, |_| {});
    let e = block_on(b.create(&new_node(1), Path::new(SRC))).unwrap_err();
    assert!(e.to_string().contains("disagree"), "{e}");
    let rig = Rig::new();
    rig.runner.respond(ANTCTL, &["status", "--json"], ok(""));
    rig.runner.respond(
        ANTCTL,
        &["add"],
        failed(&fixture("add-port-in-use.merged"), ""),
    );
    let b = rig.backend("antctl+sudo", true, |_| {});
    let e = block_on(b.create(&new_node(1), Path::new(SRC))).unwrap_err();
    assert!(
        e.to_string()
            .contains("Port 55002 is being used by another service"),
        "{e}"
    );
}

#[test]
fn status_comes_from_one_status_call_per_cycle() {
    let rig = Rig::new();
    rig.runner.respond(
        ANTCTL,
        &["status", "--json"],
        ok(&fixture("status-four-states.json")),
    );
    rig.runner
        .respond(ANTCTL, &["stop"], ok(&fixture("stop.stdout")));
    rig.dir("/var/antctl/services/antnode3");
    rig.runner.set_alive(258, true);
    let b = rig.backend("antctl+sudo", true, |_| {});
    let st = |id: u32| block_on(b.status(&made_node(id))).unwrap();
    assert_eq!(st(1), ProcessState::Running { pid: Some(258) });
    assert_eq!(st(2), ProcessState::Missing, "Removed");
    assert_eq!(st(3), ProcessState::Stopped, "Added");
    assert_eq!(st(4), ProcessState::Missing, "Stopped, its data dir gone");
    assert_eq!(st(9), ProcessState::Missing, "not in the registry");
    assert_eq!(
        block_on(b.status(&new_node(1))).unwrap(),
        ProcessState::Missing,
        "a row still named antnode0001 (its add failed) is not antctl's antnode1"
    );
    rig.dir("/var/antctl/services/antnode4");
    assert_eq!(st(4), ProcessState::Stopped);
    let status_calls = |r: &Rig| {
        r.lines()
            .iter()
            .filter(|l| l.ends_with("status --json"))
            .count()
    };
    assert_eq!(status_calls(&rig), 1);
    // A change through antctl drops the cached answer; a dead pid is not running.
    block_on(b.stop(&made_node(3))).unwrap();
    rig.runner.set_alive(258, false);
    assert_eq!(st(1), ProcessState::Stopped);
    assert_eq!(status_calls(&rig), 2);
}

#[test]
fn status_reads_through_debug_logs() {
    let rig = Rig::new();
    rig.runner.respond(
        ANTCTL,
        &["--debug", "status", "--json"],
        ok(&fixture("status-debug.merged")),
    );
    let b = rig.backend("antctl+sudo", true, |m| m.antctl_debug = true);
    rig.dir("/var/antctl/services/antnode4");
    assert_eq!(
        block_on(b.status(&made_node(4))).unwrap(),
        ProcessState::Stopped
    );
    assert_eq!(rig.lines(), vec![format!("{ANTCTL} --debug status --json")]);
}

#[test]
fn stop_and_remove_accept_names_antctl_does_not_know() {
    let rig = Rig::new();
    let unknown = failed(
        &fixture("remove-unknown.stdout"),
        &fixture("remove-unknown.stderr"),
    );
    rig.runner.respond(
        ANTCTL,
        &["stop", "--service-name", "antnode2"],
        unknown.clone(),
    );
    rig.runner.respond(
        ANTCTL,
        &["stop", "--service-name", "antnode3"],
        ok(&fixture("stop-already-stopped.stdout")),
    );
    rig.runner.respond(
        ANTCTL,
        &["remove", "--service-name", "antnode3"],
        ok(&fixture("remove.stdout")),
    );
    let b = rig.backend("antctl+sudo", true, |_| {});
    block_on(b.stop(&made_node(2))).unwrap();
    block_on(b.remove(&made_node(2))).unwrap();
    block_on(b.remove(&made_node(3))).unwrap();
    assert_eq!(
        rig.lines(),
        vec![
            format!("{ANTCTL} stop --service-name antnode2"),
            format!("{ANTCTL} stop --service-name antnode2"),
            format!("{ANTCTL} stop --service-name antnode3"),
            format!("{ANTCTL} remove --service-name antnode3"),
        ]
    );
    // A start of an unknown name, or one whose node dies at once, fails saying why.
    rig.runner
        .respond(ANTCTL, &["start", "--service-name", "antnode2"], unknown);
    let e = block_on(b.start(&made_node(2))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    rig.runner.respond(
        ANTCTL,
        &["start", "--service-name", "antnode1"],
        failed(
            &fixture("start-pid-not-found.stdout"),
            &fixture("start-pid-not-found.stderr"),
        ),
    );
    let e = block_on(b.start(&made_node(1))).unwrap_err();
    assert!(
        e.to_string()
            .contains("The PID of the process was not found after starting it"),
        "{e}"
    );
    rig.runner.respond(
        ANTCTL,
        &["start", "--service-name", "antnode3"],
        ok(&fixture("start.stdout")),
    );
    block_on(b.start(&made_node(3))).unwrap();
    assert_eq!(
        rig.lines().last().unwrap(),
        &format!("{ANTCTL} start --service-name antnode3 --interval 0")
    );
}

#[test]
fn upgrade_passes_the_environment_and_reloads_a_rewritten_unit() {
    let rig = Rig::new();
    rig.runner
        .respond(ANTCTL, &["upgrade"], ok(&fixture("upgrade-forced.stdout")));
    rig.runner.respond("systemctl", &["show"], ok("yes\n"));
    let b = rig.backend("antctl+sudo", true, |m| {
        m.environment = "ANT_LOG=info".into()
    });
    block_on(b.upgrade(&made_node(1), Path::new("/tmp/new/antnode"))).unwrap();
    assert_eq!(
        rig.lines(),
        vec![
            format!(
                "{ANTCTL} upgrade --service-name antnode1 --path /tmp/new/antnode --force --do-not-start --env ANT_LOG=info"
            ),
            "systemctl show -p NeedDaemonReload --value antnode1.service".into(),
            "systemctl daemon-reload".into(),
        ]
    );
}

#[test]
fn sudo_mode_keeps_the_old_binary_through_sudo() {
    let rig = Rig::new();
    let n = made_node(1);
    rig.dir(&n.root_dir);
    let on_disk = |p: &Path| rig.root.path().join(p.strip_prefix("/").unwrap());
    std::fs::write(on_disk(Path::new(&n.binary)), b"bin").unwrap();
    let b = rig.backend("antctl+sudo", false, |_| {});
    let kept = block_on(b.keep_binary(&n)).unwrap().unwrap();
    assert_eq!(
        kept,
        wnm_core::kept_binary_path(&n),
        "the path as the node sees it"
    );
    assert_eq!(
        kept,
        Path::new("/var/antctl/services/antnode1/antnode.wnm-previous")
    );
    assert_eq!(b.kept_binary(&n), None, "the recorded install made no file");
    std::fs::write(on_disk(&kept), b"bin").unwrap();
    assert_eq!(b.kept_binary(&n).as_deref(), Some(kept.as_path()));
    block_on(b.discard_kept_binary(&n, &kept)).unwrap();
    let e = block_on(b.discard_kept_binary(&n, Path::new("/etc/passwd"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    let root = rig.root.path().display();
    let lines = rig.lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "sudo -n install -m 0755 {root}/var/antctl/services/antnode1/antnode {root}/var/antctl/services/antnode1/antnode.wnm-previous.wnm-tmp-"
        )),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("sudo -n mv -f ")
            && lines[1].ends_with(&format!(
                " {root}/var/antctl/services/antnode1/antnode.wnm-previous"
            )),
        "{lines:?}"
    );
    assert_eq!(
        lines[2],
        format!("sudo -n rm -f {root}/var/antctl/services/antnode1/antnode.wnm-previous")
    );
    let as_root = rig.backend("antctl+sudo", true, |_| {});
    let e = block_on(as_root.keep_binary(&n)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "root copies plainly");
}

#[test]
fn discover_imports_every_entry_with_its_status() {
    let rig = Rig::new();
    rig.runner.respond(
        ANTCTL,
        &["status", "--json"],
        ok(&fixture("status-four-states.json")),
    );
    let b = rig.backend("antctl+sudo", true, |_| {});
    let nodes = block_on(b.discover()).unwrap();
    let got: Vec<(u32, String, NodeStatus, String)> = nodes
        .iter()
        .map(|n| {
            (
                n.id,
                n.service_name.clone(),
                n.status,
                n.manager.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                "antnode1".into(),
                NodeStatus::Running,
                "antctl+sudo".into()
            ),
            (2, "antnode2".into(), NodeStatus::Dead, "antctl+sudo".into()),
            (
                3,
                "antnode3".into(),
                NodeStatus::Stopped,
                "antctl+sudo".into()
            ),
            (
                4,
                "antnode4".into(),
                NodeStatus::Stopped,
                "antctl+sudo".into()
            ),
        ]
    );
    // discover always asks afresh
    block_on(b.discover()).unwrap();
    assert_eq!(rig.lines().len(), 2);
}

#[test]
fn teardown_resets_antctl_and_forgets_the_numbering() {
    let rig = Rig::new();
    rig.registry_file("node_registry.json");
    rig.runner
        .respond(ANTCTL, &["reset", "--force"], ok(&fixture("reset.stdout")));
    let b = rig.backend("antctl+sudo", true, |_| {});
    assert_eq!(block_on(b.next_number()).unwrap(), 3);
    std::fs::remove_file(rig.root.path().join("var/antctl/node_registry.json")).unwrap();
    // wnm removed its nodes already; antctl prints nothing for an empty registry
    rig.runner.respond(ANTCTL, &["status", "--json"], ok(""));
    block_on(b.teardown(&[])).unwrap();
    assert_eq!(block_on(b.next_number()).unwrap(), 1);
    assert_eq!(
        rig.lines(),
        vec![
            format!("{ANTCTL} status --json"),
            format!("{ANTCTL} reset --force"),
            format!("{ANTCTL} status --json")
        ]
    );
}

#[test]
fn teardown_refuses_to_reset_nodes_wnm_does_not_manage() {
    // antnode1 Running, antnode2 Removed, antnode3 Added, antnode4 Stopped
    let rig = Rig::new();
    rig.runner.respond(
        ANTCTL,
        &["status", "--json"],
        ok(&fixture("status-four-states.json")),
    );
    let b = rig.backend("antctl+sudo", true, |_| {});
    let e = block_on(b.teardown(&[])).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("not resetting antctl") && m.contains("antnode1, antnode3, antnode4"),
        "{m}"
    );
    assert!(
        !m.contains("antnode2"),
        "a Removed entry is nobody's node: {m}"
    );
    let e = block_on(b.teardown(&[made_node(1), made_node(3)])).unwrap_err();
    assert!(e.to_string().contains("holds antnode4 that"), "{e}");
    assert_eq!(
        rig.lines(),
        vec![format!("{ANTCTL} status --json"); 2],
        "nothing stopped, removed or reset"
    );
    // Every live entry is wnm's: they are removed, then antctl is reset.
    rig.runner
        .respond(ANTCTL, &["stop"], ok(&fixture("stop.stdout")));
    rig.runner
        .respond(ANTCTL, &["remove"], ok(&fixture("remove.stdout")));
    rig.runner
        .respond(ANTCTL, &["reset", "--force"], ok(&fixture("reset.stdout")));
    block_on(b.teardown(&[made_node(1), made_node(3), made_node(4)])).unwrap();
    let lines = rig.lines();
    assert_eq!(
        lines[2..],
        [
            format!("{ANTCTL} status --json"),
            format!("{ANTCTL} stop --service-name antnode1"),
            format!("{ANTCTL} remove --service-name antnode1"),
            format!("{ANTCTL} stop --service-name antnode3"),
            format!("{ANTCTL} remove --service-name antnode3"),
            format!("{ANTCTL} stop --service-name antnode4"),
            format!("{ANTCTL} remove --service-name antnode4"),
            format!("{ANTCTL} reset --force"),
        ]
    );
}

#[test]
fn capabilities_and_a_missing_antctl() {
    let rig = Rig::new();
    let b = rig.backend("antctl+user", false, |_| {});
    let c = b.capabilities();
    assert_eq!(c.id_allocation, IdAllocation::NeverReuse);
    assert!(c.upgrade && c.discover && !c.chooses_own_paths && !c.survives_reboot);
    rig.runner
        .push_error(ErrorKind::NotFound, "No such file or directory");
    let e = block_on(b.status(&made_node(1))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("antctl_path"), "{e}");
}

#[test]
fn no_systemctl_means_nothing_to_reload() {
    let rig = Rig::new();
    rig.registry_file("node_registry.json");
    rig.runner
        .respond(ANTCTL, &["add"], ok(&fixture("add-antnode3.stdout")));
    rig.runner
        .respond_error("systemctl", &["show"], ErrorKind::NotFound, "no systemctl");
    let b = rig.backend("antctl+sudo", true, |_| {});
    let made = block_on(b.create(&new_node(3), Path::new(SRC))).unwrap();
    assert_eq!(made.service_name, "antnode3");
}
