//! End to end: the real `wnm` binary drives a colony of emulated antnodes (setsid+user, no root)
//! through its whole life: fill to node_cap, stop under cpu pressure, start again, remove under
//! disk pressure (stopped nodes first), a rolling upgrade one node at a time, an upgrade to a
//! binary that cannot start (rolled back), and a teardown that leaves nothing behind.
use std::path::Path;
use wnm_tests::{CALM, Colony, count, exists, fast_settings, with};

#[test]
fn colony_life_cycle() {
    let c = Colony::new("0.4.11");
    c.init(20, &with(&fast_settings(3), &[]));

    // 1. cycles fill the colony to node_cap.
    let s = c.cycle_until(6, |s| s.len() == 3 && count(s, "RUNNING") == 3);
    assert_eq!(
        s.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["antnode0001", "antnode0002", "antnode0003"]
    );
    assert_eq!(c.running_roots().len(), 3, "three node processes run");
    let nodes = c.nodes();
    for n in &nodes {
        assert_eq!(n["version"], "0.4.11");
        assert!(
            n["peer_id"].as_str().unwrap().starts_with("12D3KooW"),
            "{n}"
        );
        assert!(exists(n["root_dir"].as_str().unwrap()));
    }
    // a cycle at the cap does nothing
    let out = c.ok(&["-v"]);
    assert!(out.contains("node_cap 3 reached"), "{out}");

    // 2. cpu pressure stops the youngest running node (antnode0003), which keeps its files.
    c.set_metrics(&CALM.replace("\"cpu_percent\": 5", "\"cpu_percent\": 85"));
    let out = c.ok(&["-v"]);
    assert!(
        out.contains("stop antnode0003: cpu 85% > cpu_remove 70%"),
        "{out}"
    );
    let s = c.statuses();
    assert_eq!(s[2], ("antnode0003".to_string(), "STOPPED".to_string()));
    assert_eq!(count(&s, "RUNNING"), 2);
    assert_eq!(c.running_roots().len(), 2);
    assert!(exists(nodes[2]["root_dir"].as_str().unwrap()));

    // 3. pressure gone: it is started again.
    c.set_metrics(CALM);
    let out = c.ok(&["-v"]);
    assert!(out.contains("start antnode0003"), "{out}");
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);
    assert_eq!(c.running_roots().len(), 3);

    // 4. stop one (cpu), then disk pressure: the STOPPED node is removed first, files included.
    c.set_metrics(&CALM.replace("\"cpu_percent\": 5", "\"cpu_percent\": 85"));
    c.ok(&["-v"]);
    assert_eq!(c.statuses()[2].1, "STOPPED");
    c.set_metrics(&CALM.replace("\"disk_percent\": 10", "\"disk_percent\": 95"));
    let out = c.ok(&["-v"]);
    assert!(
        out.contains("remove antnode0003: disk 95% > hd_remove 90%"),
        "stopped node removed first: {out}"
    );
    assert_eq!(c.statuses()[2].1, "REMOVING");
    assert_eq!(c.running_roots().len(), 2, "running nodes untouched");
    // delay_remove 0: the next cycle deletes it (files, then row).
    c.set_metrics(
        CALM.replace("\"cpu_percent\": 5", "\"cpu_percent\": 60")
            .as_str(),
    );
    c.ok(&["-v"]);
    let s = c.statuses();
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(
        !exists(nodes[2]["root_dir"].as_str().unwrap()),
        "node dir removed"
    );
    assert!(
        !exists(nodes[2]["log_dir"].as_str().unwrap()),
        "log dir removed"
    );

    // 5. a new binary version rolls through the colony one node at a time.
    c.set_metrics(CALM);
    c.cycle_until(6, |s| s.len() == 3 && count(s, "RUNNING") == 3);
    c.install_binary("0.4.12", &[]);
    let mut seen_upgrading = 0;
    for _ in 0..12 {
        let out = c.ok(&["-v"]);
        let s = c.statuses();
        assert!(
            count(&s, "UPGRADING") <= 1,
            "one upgrade at a time: {s:?}\n{out}"
        );
        assert!(
            out.matches("done: upgrade antnode").count() <= 1,
            "one upgrade step per cycle: {out}"
        );
        seen_upgrading += count(&s, "UPGRADING");
        if c.versions().iter().all(|v| v == "0.4.12") && count(&s, "RUNNING") == 3 {
            break;
        }
    }
    assert_eq!(c.versions(), ["0.4.12", "0.4.12", "0.4.12"]);
    assert!(seen_upgrading >= 3, "each node went through UPGRADING");
    assert_eq!(c.running_roots().len(), 3);

    // 6. an upgrade to a binary that fails to start is rolled back: no node is left down.
    c.install_binary("0.4.13", &["--emu-refuse-start"]);
    let out = c.run(&["-v"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a failed upgrade is a failed run");
    assert!(text.contains("FAILED: upgrade antnode0001"), "{text}");
    assert!(text.contains("old binary restored"), "{text}");
    assert_eq!(c.running_roots().len(), 3, "all three still run");
    let after = c.nodes();
    assert_eq!(after[0]["version"], "0.4.12", "still the old version");
    // the restored node settles back to RUNNING
    c.install_binary("0.4.12", &[]);
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);

    // 7. a lost database is rebuilt from the node dirs and running processes.
    let before = c.statuses();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
    }
    c.init(20, &["--import", "--node_cap", "3"]);
    assert_eq!(c.statuses(), before, "every node imported with its status");
    let imported = c.nodes();
    assert_eq!(imported[1]["port"], "20002");
    assert_eq!(imported[1]["wallet"], wnm_tests::WALLET);
    let out = c.ok(&["-v"]);
    assert!(
        out.contains("node_cap"),
        "the imported colony is managed: {out}"
    );
    assert_eq!(c.running_roots().len(), 3, "no node restarted or lost");

    // 8. teardown leaves nothing behind: no process, no dir, no row.
    let out = c.run(&["--force_action", "teardown"]);
    assert!(!out.status.success(), "teardown needs --confirm");
    assert_eq!(c.running_roots().len(), 3);
    c.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(c.statuses().is_empty());
    assert!(c.processes().is_empty(), "{:?}", c.processes());
    assert!(
        !Path::new(&c.node_storage()).exists(),
        "node storage removed"
    );
    assert!(
        !c.home.join(".local/share/autonomi/logs").exists(),
        "log base removed"
    );
}

/// Taking over a Python wnm 0.5.0 colony from the command line: a bad setting is refused with
/// exit 2 and leaves the file byte-identical (no migration, no backup); good settings convert it
/// after a backup, keep every node, and apply the change in the same run.
#[test]
fn python_colony_takeover_through_the_cli() {
    let c = Colony::new("0.4.11");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wnm-store/tests/fixtures/wnm-0.5.0/colony.db"
    );
    std::fs::copy(fixture, &c.db).unwrap();
    let original = std::fs::read(&c.db).unwrap();

    let out = c.run(&["--report", "node-status", "--cpu_less_than", "95"]);
    assert_eq!(out.status.code(), Some(2), "cpu_less_than above cpu_remove");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cpu_less_than"), "{err}");
    assert_eq!(std::fs::read(&c.db).unwrap(), original, "file untouched");
    let siblings: Vec<_> = std::fs::read_dir(c.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("colony.db.bak"))
        .collect();
    assert!(
        siblings.is_empty(),
        "no backup for a refused run: {siblings:?}"
    );

    let out = c.ok(&["--report", "node-status", "--node_cap", "25"]);
    assert!(out.contains("antnode0005.service"), "{out}");
    assert!(out.contains("DISABLED"), "{out}");
    let cfg = c.ok(&["--report", "machine-config", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&cfg).unwrap();
    assert_eq!(v["node_cap"], 25, "change applied in the same run");
    assert_eq!(
        v["rewards_address"],
        "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1"
    );
    assert_eq!(v["process_manager"], "systemd+user");
    let backups = std::fs::read_dir(c.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("colony.db.bak"))
        .count();
    assert_eq!(backups, 1, "one backup before the conversion");
}
