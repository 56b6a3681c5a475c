//! Crash safety: the real `wnm` binary is SIGKILLed in the middle of an add, an upgrade, a
//! removal and a teardown (paused at its fault points with `WNM_FAULT_PAUSE`, then killed), and
//! the next runs must find every node in a true state (no orphan process, no row without its
//! process, no process or node dir without a row, firewall holes only for live nodes) and carry
//! on: fill to node_cap, finish or roll back the upgrade, finish the removal.
use std::path::Path;
use wnm_tests::{CALM, Colony, count, exists, fast_settings, with};

/// Three nodes, three at a time, no delays.
fn settings() -> Vec<String> {
    fast_settings(3)
}

/// Cycles (checking the true state after each) until three nodes run.
fn fill(c: &Colony) {
    for _ in 0..8 {
        c.ok(&["-v"]);
        c.assert_true_state();
        let s = c.statuses();
        if s.len() == 3 && count(&s, "RUNNING") == 3 {
            return;
        }
    }
    panic!("colony did not fill: {:?}", c.statuses());
}

/// Old binaries an upgrade kept, anywhere under node_storage.
fn kept_binaries(c: &Colony) -> Vec<String> {
    c.node_dirs()
        .iter()
        .map(|d| Path::new(d).join("antnode.wnm-previous"))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect()
}

fn root_of(c: &Colony, name: &str) -> String {
    c.nodes()
        .iter()
        .find(|n| n["service_name"].as_str().unwrap().starts_with(name))
        .map(|n| n["root_dir"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{name} has no row"))
}

#[test]
fn killed_after_creating_a_node_and_before_starting_it() {
    let mut c = Colony::new("0.4.11");
    c.with_recording_ufw();
    c.init_ports(40, 23, 60, &with(&settings(), &[]));
    c.kill_at("add:created", &["-v"]);

    // What the crash left: the row (written first) and the node's files, no process.
    let rows = c.nodes();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "STOPPED");
    let root = rows[0]["root_dir"].as_str().unwrap().to_string();
    assert!(exists(&root));
    assert!(c.node_processes().is_empty());
    // Make it worse: as if the crash hit while the binary was being copied.
    std::fs::remove_file(Path::new(&root).join("antnode")).unwrap();

    // The next runs adopt the half-made node (its binary installed again) and fill the colony.
    fill(&c);
    assert_eq!(
        root_of(&c, "antnode0001"),
        root,
        "the half-made node was adopted, not replaced"
    );
    assert_eq!(c.node_processes().len(), 3);
    assert_eq!(c.open_ports(), vec![40001, 40002, 40003]);
}

#[test]
fn killed_after_starting_a_node_and_before_recording_it() {
    let mut c = Colony::new("0.4.11");
    c.with_recording_ufw();
    c.init_ports(41, 24, 61, &with(&settings(), &[]));
    c.kill_at("add:started", &["-v"]);

    // Every new node of the plan was laid out first; antnode0001's process runs, its row still
    // says STOPPED, and the firewall was never opened.
    let rows = c.nodes();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["status"] == "STOPPED"), "{rows:?}");
    let procs = c.node_processes();
    assert_eq!(procs.len(), 1, "{procs:?}");
    assert_eq!(procs[0].1, rows[0]["root_dir"].as_str().unwrap());
    assert!(c.open_ports().is_empty());

    // The next run finds it running, records that and opens its port.
    let out = c.ok(&["-v"]);
    assert!(
        out.contains("antnode0001 STOPPED -> RUNNING"),
        "survey adopts the running node: {out}"
    );
    let rows = c.assert_true_state();
    assert_eq!(rows[0]["status"], "RUNNING");
    assert!(c.open_ports().contains(&41001));
    fill(&c);
    assert_eq!(
        c.node_processes().len(),
        3,
        "no second process for antnode0001"
    );
}

#[test]
fn killed_in_the_middle_of_upgrades_the_upgrade_is_finished() {
    let c = Colony::new("0.4.11");
    c.init_ports(42, 25, 62, &with(&settings(), &[]));
    fill(&c);
    c.install_binary("0.4.12", &[]);

    // 1. killed after stopping antnode0001 (nothing installed yet).
    c.kill_at("upgrade:stopped", &["-v"]);
    assert_eq!(c.statuses()[0].1, "RUNNING", "the row still says RUNNING");
    assert_eq!(c.node_processes().len(), 2, "antnode0001 is down");
    assert_eq!(kept_binaries(&c).len(), 1, "its old binary is kept");
    let out = c.ok(&["--dry_run"]);
    assert!(out.contains("would recover antnode0001"), "{out}");
    assert_eq!(kept_binaries(&c).len(), 1, "a dry run recovers nothing");
    assert_eq!(c.node_processes().len(), 2);
    let out = c.ok(&["-v"]);
    assert!(out.contains("recover antnode0001"), "{out}");
    assert!(out.contains("now running 0.4.12"), "{out}");
    c.assert_true_state();
    assert_eq!(c.versions()[0], "0.4.12");

    // 2. killed after installing the new binary in antnode0002, before starting it.
    c.kill_at("upgrade:installed", &["-v"]);
    assert!(c.node_processes().len() < 3, "a node is down");
    let out = c.ok(&["-v"]);
    assert!(out.contains("recover antnode0002"), "{out}");
    c.assert_true_state();

    // The rolling upgrade carries on to the end; nothing is left kept.
    for _ in 0..8 {
        c.ok(&["-v"]);
        c.assert_true_state();
        if c.versions().iter().all(|v| v == "0.4.12") && count(&c.statuses(), "RUNNING") == 3 {
            break;
        }
    }
    assert_eq!(c.versions(), ["0.4.12", "0.4.12", "0.4.12"]);
    assert_eq!(count(&c.statuses(), "RUNNING"), 3);
    assert!(kept_binaries(&c).is_empty(), "{:?}", kept_binaries(&c));
    let h = wnm_tests::assert_history_sentences(&c);
    assert!(
        h.iter().any(|e| e
            .reason
            .starts_with("recover antnode0001: an upgrade was cut short")),
        "{h:#?}"
    );
}

#[test]
fn killed_after_installing_a_broken_binary_the_old_one_is_restored() {
    let c = Colony::new("0.4.11");
    c.init_ports(43, 26, 63, &with(&settings(), &[]));
    fill(&c);
    let root = root_of(&c, "antnode0001");
    let old = std::fs::read(Path::new(&root).join("antnode")).unwrap();
    c.install_binary("0.4.12", &["--emu-refuse-start"]);

    c.kill_at("upgrade:installed", &["-v"]);
    assert_ne!(
        std::fs::read(Path::new(&root).join("antnode")).unwrap(),
        old,
        "the broken binary is in place"
    );
    assert_eq!(c.node_processes().len(), 2);

    // The next run finishes the upgrade, sees it fail, and restores the old binary.
    let out = c.run(&["-v"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("recover antnode0001"), "{text}");
    assert!(text.contains("old binary restored"), "{text}");
    c.assert_true_state();
    assert_eq!(
        std::fs::read(Path::new(&root).join("antnode")).unwrap(),
        old,
        "antnode0001 runs its old binary again"
    );
    assert_eq!(c.node_processes().len(), 3, "no node is left down");

    // Later runs keep every node up on 0.4.11 (each attempt rolls back) ...
    for _ in 0..2 {
        c.run(&["-v"]);
        c.assert_true_state();
        assert_eq!(c.node_processes().len(), 3);
    }
    assert!(
        c.versions().iter().all(|v| v == "0.4.11"),
        "{:?}",
        c.versions()
    );
    // ... and a good release rolls through.
    c.install_binary("0.4.12", &[]);
    for _ in 0..10 {
        c.ok(&["-v"]);
        c.assert_true_state();
        if c.versions().iter().all(|v| v == "0.4.12") && count(&c.statuses(), "RUNNING") == 3 {
            break;
        }
    }
    assert_eq!(c.versions(), ["0.4.12", "0.4.12", "0.4.12"]);
    assert!(kept_binaries(&c).is_empty());
}

#[test]
fn killed_in_the_middle_of_a_removal_the_removal_is_finished() {
    let mut c = Colony::new("0.4.11");
    c.with_recording_ufw();
    c.init_ports(44, 27, 64, &with(&settings(), &[]));
    fill(&c);
    let root3 = root_of(&c, "antnode0003");
    c.set_metrics(&CALM.replace("\"disk_percent\": 10", "\"disk_percent\": 95"));

    // 1. killed after stopping the node being removed.
    c.kill_at("remove:stopped", &["-v"]);
    let s = c.statuses();
    assert_eq!(s[2], ("antnode0003".into(), "REMOVING".into()), "{s:?}");
    assert_eq!(c.node_processes().len(), 2);
    assert!(exists(&root3));

    // 2. pressure gone; the removal is still finished. Killed again after the files went.
    c.set_metrics(CALM);
    c.kill_at("delete:removed", &["-v"]);
    assert!(!exists(&root3), "files removed");
    assert_eq!(c.statuses().len(), 3, "the row is still there");

    // 3. the next run deletes the row and the colony carries on (a new antnode0003).
    let out = c.ok(&["-v"]);
    assert!(out.contains("antnode0003"), "{out}");
    c.assert_true_state();
    fill(&c);
    assert!(!c.open_ports().is_empty());
}

#[test]
fn killed_in_the_middle_of_a_teardown_the_next_runs_clean_up() {
    let mut c = Colony::new("0.4.11");
    c.with_recording_ufw();
    c.init_ports(45, 28, 65, &with(&settings(), &[]));
    fill(&c);
    let root1 = root_of(&c, "antnode0001");

    c.kill_at(
        "delete:removed",
        &["--force_action", "teardown", "--confirm"],
    );
    assert!(!exists(&root1), "antnode0001's files are gone");
    assert_eq!(c.statuses().len(), 3, "its row is not");

    // A normal run finds it gone (DEAD) and deletes the row; the rest is untouched.
    c.ok(&["-v", "--node_cap", "2"]);
    let rows = c.assert_true_state();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(c.node_processes().len(), 2);

    // The teardown, run again, finishes.
    c.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(c.statuses().is_empty());
    assert!(c.node_processes().is_empty());
    assert!(c.node_dirs().is_empty());
    assert!(c.open_ports().is_empty(), "{:?}", c.open_ports());
}
