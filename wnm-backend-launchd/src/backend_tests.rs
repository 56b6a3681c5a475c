//! Unit tests of `LaunchdBackend` against a `RecordingRunner`: which launchctl, sudo and file
//! commands each operation runs, how `launchctl list` answers map to process states, and what
//! discovery makes of the plists it finds.
use crate::backend::LaunchdBackend;
use crate::config::{HostFacts, LaunchdConfig};
use crate::parse::ListAnswer;
use crate::testutil::{context_with, node};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wnm_core::{Backend, CommandOutput, ErrorKind, Node, NodeStatus, ProcessState, Signal};
use wnm_runner::RecordingRunner;

struct Fixture {
    dir: tempfile::TempDir,
    runner: Arc<RecordingRunner>,
    backend: LaunchdBackend,
}

fn out(code: i32, stdout: &str, stderr: &str) -> CommandOutput {
    CommandOutput {
        code: Some(code),
        stdout: stdout.into(),
        stderr: stderr.into(),
    }
}

fn running(label: &str, pid: u32) -> CommandOutput {
    out(
        0,
        &format!(
            "{{\n\t\"LimitLoadToSessionType\" = \"Aqua\";\n\t\"Label\" = \"{label}\";\n\t\"OnDemand\" = false;\n\t\"LastExitStatus\" = 0;\n\t\"PID\" = {pid};\n}};\n"
        ),
        "",
    )
}

fn loaded_idle(label: &str) -> CommandOutput {
    out(
        0,
        &format!("{{\n\t\"Label\" = \"{label}\";\n\t\"LastExitStatus\" = 256;\n}};\n"),
        "",
    )
}

fn not_loaded(label: &str) -> CommandOutput {
    out(
        113,
        "",
        &format!("Could not find service \"{label}\" in domain for port\n"),
    )
}

fn fixture(manager: &str, is_root: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let runner = Arc::new(RecordingRunner::new());
    let home = dir.path().join("home");
    let mut ctx = context_with(
        manager,
        &home.join("base").display().to_string(),
        runner.clone(),
    );
    ctx.root = dir.path().join("root");
    let host = HostFacts {
        os: "macos".into(),
        home: home.display().to_string(),
        uid: 501,
        is_root,
        launchctl_override: None,
        user: "op".into(),
    };
    let mut cfg = LaunchdConfig::resolve(&ctx, &host).unwrap();
    cfg.stop_wait = Duration::from_millis(200);
    cfg.kill_wait = Duration::from_millis(200);
    cfg.poll_interval = Duration::from_millis(10);
    let backend = LaunchdBackend::with_config(&ctx, cfg);
    Fixture {
        dir,
        runner,
        backend,
    }
}

impl Fixture {
    fn node(&self, id: u32) -> Node {
        let base = self.dir.path().display().to_string();
        let mut n = node(id, &format!("{base}/nodes"), &format!("{base}/logs"));
        n.manager = self.backend.config().manager.clone();
        n
    }

    fn source(&self) -> PathBuf {
        let p = self.dir.path().join("antnode-src");
        std::fs::write(&p, "#!/bin/sh\necho 'Autonomi Node v0.4.11'\n").unwrap();
        p
    }

    fn plist(&self, n: &Node) -> PathBuf {
        self.backend.plist_path(n)
    }
}

#[tokio::test]
async fn create_lays_the_node_out_and_writes_its_plist_without_loading_it() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    let made = f.backend.create(&n, &f.source()).await.unwrap();
    assert_eq!(made, n);
    assert!(f.runner.runs().is_empty(), "{:?}", f.runner.run_lines());
    let plist = f.plist(&n);
    assert_eq!(
        plist,
        f.dir
            .path()
            .join("home/Library/LaunchAgents/com.autonomi.antnode-1.plist")
    );
    let text = std::fs::read_to_string(&plist).unwrap();
    assert_eq!(text, f.backend.plist_spec(&n).unwrap().render());
    assert!(!text.contains("UserName"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&n.binary).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        std::fs::metadata(&plist).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert!(Path::new(&n.log_dir).is_dir());
    // a missing source binary is a clear error
    let e = f
        .backend
        .create(&f.node(2), &f.dir.path().join("nope"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("antnode_path"), "{e}");
}

#[tokio::test]
async fn start_loads_the_plist_and_confirms_with_list() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    std::fs::remove_file(f.plist(&n)).unwrap();
    let label = "com.autonomi.antnode-1";
    f.runner.push_output(not_loaded(label));
    f.runner.push_output(out(0, "", ""));
    f.runner.push_output(running(label, 4242));
    f.backend.start(&n).await.unwrap();
    let plist = f.plist(&n).display().to_string();
    assert_eq!(
        f.runner.run_lines(),
        [
            format!("launchctl list {label}"),
            format!("launchctl load -w {plist}"),
            format!("launchctl list {label}"),
        ]
    );
    assert!(f.plist(&n).is_file(), "a missing plist is written again");

    // already running: nothing but the question
    f.runner.clear_calls();
    f.runner.push_output(running(label, 4242));
    f.backend.start(&n).await.unwrap();
    assert_eq!(f.runner.run_lines(), [format!("launchctl list {label}")]);

    // loaded but not running (exited, KeepAlive throttled): kickstart
    f.runner.clear_calls();
    f.runner.push_output(loaded_idle(label));
    f.backend.start(&n).await.unwrap();
    assert_eq!(
        f.runner.run_lines()[1],
        format!("launchctl kickstart -k gui/501/{label}")
    );
}

#[tokio::test]
async fn a_load_that_loads_nothing_is_an_error_even_with_exit_code_zero() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    let label = "com.autonomi.antnode-1";
    f.runner.push_output(not_loaded(label));
    f.runner.push_output(out(
        0,
        "",
        "/x/com.autonomi.antnode-1.plist: Invalid property list\n",
    ));
    f.runner.push_output(not_loaded(label));
    let e = f.backend.start(&n).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(e.message().contains("Invalid property list"), "{e}");
    assert!(e.message().contains("did not load"), "{e}");
}

#[tokio::test]
async fn start_refuses_a_node_without_files() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    let e = f.backend.start(&n).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("root dir"), "{e}");
    assert!(f.runner.runs().is_empty());
    let mut bad = n.clone();
    bad.root_dir = "/x/../etc".into();
    assert_eq!(
        f.backend.start(&bad).await.unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
    let mut bad = n;
    bad.service_name = "antnode0002".into();
    assert_eq!(
        f.backend.status(&bad).await.unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

#[tokio::test]
async fn stop_unloads_and_waits_then_kills_a_process_that_stays() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    let label = "com.autonomi.antnode-1";
    // the process exits after unload
    f.runner.push_output(running(label, 4242));
    f.backend.stop(&n).await.unwrap();
    let plist = f.plist(&n).display().to_string();
    assert_eq!(
        f.runner.run_lines(),
        [
            format!("launchctl list {label}"),
            format!("launchctl unload -w {plist}"),
        ]
    );
    assert!(f.runner.signals().is_empty());

    // the process outlives unload: SIGKILL after stop_wait
    f.runner.clear_calls();
    f.runner.set_alive(4243, true);
    f.runner.push_output(running(label, 4243));
    f.backend.stop(&n).await.unwrap();
    assert_eq!(f.runner.signals(), [(4243, Signal::Kill)]);

    // not loaded: nothing to do
    f.runner.clear_calls();
    f.runner.push_output(not_loaded(label));
    f.backend.stop(&n).await.unwrap();
    assert_eq!(f.runner.runs().len(), 1);

    // the plist is gone but the job is loaded: removed by label
    f.runner.clear_calls();
    std::fs::remove_file(f.plist(&n)).unwrap();
    f.runner.push_output(loaded_idle(label));
    f.backend.stop(&n).await.unwrap();
    assert_eq!(f.runner.run_lines()[1], format!("launchctl remove {label}"));

    // unload fails and the job stays: an error naming the command
    f.runner.clear_calls();
    f.runner.push_output(loaded_idle(label));
    f.runner
        .push_output(out(1, "", "Unload failed: 5: Input/output error\n"));
    f.runner.push_output(loaded_idle(label));
    let e = f.backend.stop(&n).await.unwrap_err();
    assert!(e.message().contains("Input/output error"), "{e}");
}

#[tokio::test]
async fn restart_kickstarts_a_loaded_job() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    f.runner.push_output(running("com.autonomi.antnode-1", 77));
    f.backend.restart(&n).await.unwrap();
    assert_eq!(
        f.runner.run_lines(),
        [
            "launchctl list com.autonomi.antnode-1",
            "launchctl kickstart -k gui/501/com.autonomi.antnode-1"
        ]
    );
}

#[tokio::test]
async fn status_maps_list_answers() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    let label = "com.autonomi.antnode-1";
    // nothing at all
    f.runner.push_output(not_loaded(label));
    assert_eq!(f.backend.status(&n).await.unwrap(), ProcessState::Missing);
    f.backend.create(&n, &f.source()).await.unwrap();
    for (answer, want) in [
        (running(label, 99), ProcessState::Running { pid: Some(99) }),
        (loaded_idle(label), ProcessState::Stopped),
        (not_loaded(label), ProcessState::Stopped),
    ] {
        f.runner.push_output(answer);
        assert_eq!(f.backend.status(&n).await.unwrap(), want);
    }
    // the data is gone: Missing unless a process still runs
    std::fs::remove_dir_all(&n.root_dir).unwrap();
    f.runner.push_output(not_loaded(label));
    assert_eq!(f.backend.status(&n).await.unwrap(), ProcessState::Missing);
    f.runner.push_output(running(label, 5));
    assert_eq!(
        f.backend.status(&n).await.unwrap(),
        ProcessState::Running { pid: Some(5) }
    );
    // a launchctl that fails otherwise is an error, not a state
    f.runner
        .push_output(out(1, "", "launchctl: unrecognized subcommand\n"));
    let e = f.backend.status(&n).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    f.runner.push_output(not_loaded(label));
    assert_eq!(f.backend.list(&n).await.unwrap(), ListAnswer::NotLoaded);
}

#[tokio::test]
async fn remove_stops_and_deletes_plist_and_dirs() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    std::fs::write(Path::new(&n.log_dir).join("stdout.log"), "x").unwrap();
    f.runner
        .push_output(running("com.autonomi.antnode-1", 4242));
    f.backend.remove(&n).await.unwrap();
    assert!(!f.plist(&n).exists());
    assert!(!Path::new(&n.root_dir).exists());
    assert!(!Path::new(&n.log_dir).exists());
    assert!(f.runner.run_lines()[1].starts_with("launchctl unload -w "));
    // a log dir that is not the node's own is left alone
    let mut odd = f.node(2);
    odd.log_dir = f.dir.path().join("shared-logs").display().to_string();
    f.backend.create(&odd, &f.source()).await.unwrap();
    f.runner.push_output(not_loaded("com.autonomi.antnode-2"));
    f.backend.remove(&odd).await.unwrap();
    assert!(Path::new(&odd.log_dir).is_dir());
    assert!(!Path::new(&odd.root_dir).exists());
}

#[tokio::test]
async fn upgrade_and_kept_binaries() {
    let f = fixture("launchd+user", false);
    let n = f.node(1);
    f.backend.create(&n, &f.source()).await.unwrap();
    let kept = f.backend.keep_binary(&n).await.unwrap().unwrap();
    assert_eq!(kept, wnm_core::kept_binary_path(&n));
    let newer = f.dir.path().join("newer");
    std::fs::write(&newer, "new").unwrap();
    f.backend.upgrade(&n, &newer).await.unwrap();
    assert_eq!(std::fs::read_to_string(&n.binary).unwrap(), "new");
    f.backend.restore_binary(&n, &kept).await.unwrap();
    assert!(
        std::fs::read_to_string(&n.binary)
            .unwrap()
            .contains("v0.4.11")
    );
    let e = f.backend.discard_kept_binary(&n, &newer).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(newer.exists());
    f.backend.discard_kept_binary(&n, &kept).await.unwrap();
    assert!(!kept.exists());
    assert!(f.runner.runs().is_empty(), "user mode: plain file work");
}

#[tokio::test]
async fn sudo_mode_goes_through_sudo_into_the_system_domain() {
    let f = fixture("launchd+sudo", false);
    let mut n = f.node(3);
    n.user = String::new();
    let made = f.backend.create(&n, &f.source()).await.unwrap();
    assert_eq!(made.user, "ant");
    let plist = f
        .dir
        .path()
        .join("root/Library/LaunchDaemons/com.autonomi.antnode-3.plist");
    assert_eq!(f.plist(&made), plist);
    let lines = f.runner.run_lines();
    assert_eq!(lines[0], "id -u ant");
    let mut other = f.node(4);
    other.user = String::new();
    f.backend.create(&other, &f.source()).await.unwrap();
    let ids = f
        .runner
        .run_lines()
        .iter()
        .filter(|l| l.starts_with("id "))
        .count();
    assert_eq!(ids, 1, "the node user is looked up once per backend");
    assert_eq!(lines[1], format!("sudo -n mkdir -p {}", n.root_dir));
    assert_eq!(lines[2], format!("sudo -n mkdir -p {}", n.log_dir));
    assert!(
        lines[3].starts_with("sudo -n install -m 0755 "),
        "{lines:?}"
    );
    assert!(lines[4].starts_with("sudo -n mv -f "), "{lines:?}");
    assert_eq!(
        lines[5],
        format!("sudo -n chown -R ant {} {}", n.root_dir, n.log_dir)
    );
    assert!(
        lines[7].starts_with("sudo -n install -m 0644 "),
        "{lines:?}"
    );
    assert!(
        lines[8].ends_with(&plist.display().to_string()),
        "{lines:?}"
    );
    // the plist text handed to install names the user
    assert!(
        f.backend
            .plist_spec(&made)
            .unwrap()
            .render()
            .contains("<key>UserName</key>\n\t<string>ant</string>")
    );
    f.runner.clear_calls();
    f.runner.push_output(running("com.autonomi.antnode-3", 812));
    f.runner.set_alive(812, true);
    // (the recorded `sudo kill` kills nothing: a process that survives SIGKILL is a Timeout)
    let e = f.backend.stop(&made).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let lines = f.runner.run_lines();
    assert_eq!(lines[0], "sudo -n launchctl list com.autonomi.antnode-3");
    assert!(
        lines[1].starts_with("sudo -n launchctl remove com.autonomi.antnode-3"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "sudo -n kill -9 812");

    // the node user must exist
    let f = fixture("launchd+sudo", true);
    f.runner.push_output(out(1, "", "id: ant: no such user\n"));
    let e = f.backend.create(&f.node(1), &f.source()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("sysadminctl"), "{e}");
    assert!(!Path::new(&f.node(1).root_dir).exists(), "nothing made");
}

#[tokio::test]
async fn root_sudo_mode_writes_directly_and_restarts_in_the_system_domain() {
    let f = fixture("launchd+sudo", true);
    let n = f.node(1);
    f.runner.respond("chown", &[], out(0, "", ""));
    f.backend.create(&n, &f.source()).await.unwrap();
    assert_eq!(
        f.runner.run_lines(),
        [
            "id -u ant".to_string(),
            format!("chown -R ant {} {}", n.root_dir, n.log_dir)
        ]
    );
    assert!(f.plist(&n).is_file());
    f.runner.clear_calls();
    f.runner.push_output(running("com.autonomi.antnode-1", 1));
    f.backend.restart(&n).await.unwrap();
    assert_eq!(
        f.runner.run_lines()[1],
        "launchctl kickstart -k system/com.autonomi.antnode-1"
    );
}

#[tokio::test]
async fn discover_reads_plists_and_asks_launchd() {
    let f = fixture("launchd+user", false);
    let one = f.node(1);
    let two = f.node(2);
    let mut five = f.node(5);
    five.root_dir = f.dir.path().join("gone/antnode0005").display().to_string();
    five.binary = format!("{}/antnode", five.root_dir);
    for n in [&one, &two] {
        f.backend.create(n, &f.source()).await.unwrap();
    }
    let dir = f.backend.config().plist_dir.clone();
    std::fs::write(
        dir.join("com.autonomi.antnode-5.plist"),
        f.backend.plist_spec(&five).unwrap().render(),
    )
    .unwrap();
    // not ours, unreadable, or lying about its label: skipped
    std::fs::write(dir.join("com.example.other.plist"), "x").unwrap();
    std::fs::write(dir.join("com.autonomi.antnode-7.plist"), "<plist").unwrap();
    std::fs::write(
        dir.join("com.autonomi.antnode-8.plist"),
        f.backend.plist_spec(&two).unwrap().render(),
    )
    .unwrap();
    // antnode-2 loaded but exited, 5 running but its dir is gone; other jobs of the domain too
    f.runner.push_output(out(
        0,
        "PID\tStatus\tLabel\n-\t0\tcom.apple.Safari\n4001\t0\tcom.autonomi.antnode-1\n-\t256\tcom.autonomi.antnode-2\n4005\t0\tcom.autonomi.antnode-5\n4010\t0\tcom.autonomi.antnode-10\n",
        "",
    ));
    let found = f.backend.discover().await.unwrap();
    assert_eq!(
        f.runner.run_lines(),
        ["launchctl list"],
        "one table for every plist"
    );
    let ids: Vec<u32> = found.iter().map(|n| n.id).collect();
    assert_eq!(ids, [1, 2, 5]);
    let st: Vec<NodeStatus> = found.iter().map(|n| n.status).collect();
    assert_eq!(
        st,
        [NodeStatus::Running, NodeStatus::Stopped, NodeStatus::Dead]
    );
    for (got, want) in found.iter().zip([&one, &two, &five]) {
        assert_eq!(got.manager.to_string(), "launchd+user");
        assert_eq!(got.root_dir, want.root_dir);
        assert_eq!(got.log_dir, want.log_dir);
        assert_eq!(got.binary, want.binary);
        assert_eq!(got.port, want.port);
        assert_eq!(got.metrics_port, want.metrics_port);
        assert_eq!(got.wallet, want.wallet);
        assert_eq!(got.user, "op");
    }
    assert!(found[0].created_at > 0);
    // no plist dir at all: nothing found, no error, nothing asked
    let empty = fixture("launchd+sudo", true);
    assert!(empty.backend.discover().await.unwrap().is_empty());
    assert!(empty.runner.calls().is_empty());
    // a table launchctl did not print is an error, not "nothing runs"
    f.runner
        .push_output(out(1, "", "sudo: a password is required\n"));
    let e = f.backend.discover().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    f.runner.push_output(out(0, "{\n};\n", ""));
    let e = f.backend.discover().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadAnswer);
}

#[test]
fn capabilities_and_the_registry() {
    let f = fixture("launchd+user", false);
    let c = f.backend.capabilities();
    assert!(c.upgrade && c.discover && c.survives_reboot);
    assert_eq!(c.id_allocation, wnm_core::IdAllocation::FillHoles);
    assert_eq!(wnm_core::Backend::kind(&f.backend), "launchd");
    // On this (non-macOS) host the registry refuses launchd unless WNM_LAUNCHCTL names one.
    if std::env::consts::OS != "macos" && std::env::var_os(crate::LAUNCHCTL_ENV).is_none() {
        let mut r = wnm_core::Registry::new();
        crate::register(&mut r);
        let ctx = crate::testutil::context("launchd+user", "/tmp/x");
        let e = r.build(&ctx).err().expect("refused");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains("launchd"), "{e}");
    }
}
