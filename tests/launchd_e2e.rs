//! End to end with `--process_manager launchd+user`: the real `wnm` binary drives emulated
//! antnodes through launchd, played by `launchctl-emu` (`WNM_LAUNCHCTL`), which really runs each
//! plist's job. Fill to node_cap, a rolling upgrade, a forced stop, a lost database rebuilt by
//! `--init --import` (nodes recorded as launchd+user, none restarted), teardown; and the refusal
//! of launchd on a host without launchctl.
use std::path::{Path, PathBuf};
use std::process::Command;
use wnm_tests::{Colony, WALLET, count, exists, fast_settings, with, workspace_bin};

/// A colony whose wnm runs talk to the launchctl stand-in.
fn launchd_colony() -> (Colony, PathBuf) {
    let mut c = Colony::new("0.4.11");
    let state = c.dir.path().join("launchd-state");
    c.env.push((
        "WNM_LAUNCHCTL".into(),
        workspace_bin("launchctl-emu").display().to_string(),
    ));
    c.env
        .push(("LAUNCHCTL_EMU_STATE".into(), state.display().to_string()));
    (c, state)
}

fn init(c: &Colony, extra: &[&str]) {
    let storage = c.node_storage();
    let mut args = vec![
        "--init",
        "--process_manager",
        "launchd+user",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        c.antnode.to_str().unwrap(),
        "--node_storage",
        storage.to_str().unwrap(),
        // bases no other test uses (docs/DEVELOPERS.md: metrics below 32)
        "--port_start",
        "54",
        "--metrics_port_start",
        "19",
        "--rpc_port_start",
        "62",
    ];
    let fast = fast_settings(2);
    args.extend(with(&fast, extra));
    c.ok(&args);
}

/// What the stand-in says of a label: `Some(pid)` running, `Some(0)` loaded idle, `None` not loaded.
fn launchctl_list(c: &Colony, label: &str) -> Option<u32> {
    #[allow(clippy::disallowed_methods)] // test infrastructure asks the stand-in directly
    let mut cmd = Command::new(workspace_bin("launchctl-emu"));
    for (k, v) in &c.env {
        cmd.env(k, v);
    }
    let out = cmd.args(["list", label]).output().unwrap();
    if out.status.code() == Some(113) {
        return None;
    }
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .find_map(|l| l.trim().strip_prefix("\"PID\" = "))
            .map_or(0, |p| p.trim_end_matches(';').parse().unwrap()),
    )
}

fn plist(c: &Colony, id: u32) -> PathBuf {
    c.home.join(format!(
        "Library/LaunchAgents/com.autonomi.antnode-{id}.plist"
    ))
}

#[test]
fn launchd_colony_life_cycle() {
    let (c, _state) = launchd_colony();
    init(&c, &[]);

    // 1. cycles fill the colony: two plists, two jobs launchd runs, both answering
    let s = c.cycle_until(6, |s| s.len() == 2 && count(s, "RUNNING") == 2);
    assert_eq!(s[0].0, "antnode0001");
    for id in [1, 2] {
        let text = std::fs::read_to_string(plist(&c, id)).unwrap();
        assert!(text.contains("<key>KeepAlive</key>"), "{text}");
        assert!(
            launchctl_list(&c, &format!("com.autonomi.antnode-{id}")).unwrap() > 0,
            "launchd runs antnode{id}"
        );
    }
    assert_eq!(c.running_roots().len(), 2);
    for n in c.nodes() {
        assert_eq!(n["manager"], "launchd+user");
        assert_eq!(n["version"], "0.4.11");
    }

    // 2. a new binary rolls through both nodes
    c.install_binary("0.4.12", &[]);
    let mut done = false;
    for _ in 0..10 {
        c.ok(&["-v"]);
        let nodes = c.nodes();
        if nodes.iter().all(|n| n["version"] == "0.4.12") && count(&c.statuses(), "RUNNING") == 2 {
            done = true;
            break;
        }
    }
    assert!(done, "upgraded: {:?}", c.nodes());
    assert_eq!(c.running_roots().len(), 2);

    // 3. a forced stop unloads the job: launchd no longer has it, its files stay
    c.ok(&["--force_action", "stop", "--service_name", "antnode0002"]);
    assert_eq!(c.statuses()[1].1, "STOPPED");
    assert_eq!(launchctl_list(&c, "com.autonomi.antnode-2"), None);
    assert!(plist(&c, 2).is_file());
    assert_eq!(c.running_roots().len(), 1);
    let pid1 = launchctl_list(&c, "com.autonomi.antnode-1").unwrap();

    // 4. a lost database is rebuilt from the plists: launchd+user nodes, none restarted
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
    }
    init(&c, &["--import"]);
    let nodes = c.nodes();
    assert_eq!(nodes.len(), 2, "{nodes:?}");
    for n in &nodes {
        assert_eq!(n["manager"], "launchd+user", "{n}");
        assert_eq!(n["wallet"], WALLET);
    }
    assert_eq!(nodes[0]["port"], "54001");
    assert_eq!(nodes[1]["metrics_port"], "19002");
    let s = c.statuses();
    assert_eq!(s[0].1, "RUNNING");
    assert_eq!(s[1].1, "STOPPED");
    assert_eq!(
        launchctl_list(&c, "com.autonomi.antnode-1"),
        Some(pid1),
        "import restarts nothing"
    );
    // and the imported colony is driven by launchd: the stopped node is started again
    c.cycle_until(4, |s| count(s, "RUNNING") == 2);
    assert!(launchctl_list(&c, "com.autonomi.antnode-2").unwrap() > 0);

    // 5. teardown: no job, plist, process or dir left
    let roots: Vec<String> = c
        .nodes()
        .iter()
        .map(|n| n["root_dir"].as_str().unwrap().to_string())
        .collect();
    c.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(c.statuses().is_empty());
    for id in [1, 2] {
        assert!(!plist(&c, id).exists());
        assert_eq!(
            launchctl_list(&c, &format!("com.autonomi.antnode-{id}")),
            None
        );
    }
    assert!(c.running_roots().is_empty(), "{:?}", c.processes());
    for r in roots {
        assert!(!exists(&r), "{r} removed");
    }
}

#[cfg(not(target_os = "macos"))]
#[test]
fn launchd_is_refused_where_there_is_no_launchctl() {
    let c = Colony::new("0.4.11");
    let storage = c.node_storage();
    let out = c.run(&[
        "--init",
        "--process_manager",
        "launchd+user",
        "--rewards_address",
        WALLET,
        "--node_storage",
        storage.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a manager this host cannot have is a configuration mistake: {err}"
    );
    assert!(err.contains("needs macOS's launchd"), "{err}");
    assert!(err.contains("setsid+user"), "{err}");
    assert!(
        !Path::new(&c.home).join("Library/LaunchAgents").exists(),
        "no plist dir made"
    );
}
