//! Command-line behaviour of the real `wnm` binary on colonies of emulated nodes: `--dry_run`
//! changes nothing, a missing node binary, `-q`, the `--show_*` flags, `--json`, every forced
//! action with its selection forms, exit codes, the reboot re-survey, step delays, and the
//! history reasons the executor writes.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use wnm_tests::{CALM, Colony, WALLET, count, exists, fast_settings, wait_for, with};

/// A colony initialised with these port bases and `node_cap` (as many starts at a time), delays 0.
fn colony(ports: (u32, u32, u32), node_cap: u32, extra: &[&str]) -> Colony {
    let c = Colony::new("0.4.11");
    c.init_ports(
        ports.0,
        ports.1,
        ports.2,
        &with(&fast_settings(node_cap), extra),
    );
    c
}

/// Cycles until `n` nodes run.
fn fill(c: &Colony, n: usize) {
    c.cycle_until(8, |s| s.len() == n && count(s, "RUNNING") == n);
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Paths with their bytes (`None` for dirs and node logs).
type Tree = BTreeMap<String, Option<Vec<u8>>>;

/// Every file under `dir` with its bytes (node logs, which the nodes themselves write, by name only).
fn tree(dir: &Path) -> Tree {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.to_string_lossy().into_owned();
            if p.is_dir() {
                out.insert(format!("{name}/"), None);
                stack.push(p);
            } else if name.ends_with(".log") {
                out.insert(name, None);
            } else {
                out.insert(name, std::fs::read(&p).ok());
            }
        }
    }
    out
}

/// What a dry run must not change: every file of the colony (the database and its -wal/-shm
/// included, byte for byte) and the node processes.
fn state(c: &Colony) -> (Tree, Vec<(u32, String)>) {
    let mut procs = c.node_processes();
    procs.sort();
    (tree(c.dir.path()), procs)
}

#[test]
fn dry_run_changes_nothing() {
    let c = colony((46, 29, 56), 3, &[]);
    fill(&c, 3);
    c.ok(&["--force_action", "stop", "--service_name", "antnode0003"]);
    let before = state(&c);
    assert!(before.0.keys().any(|k| k.ends_with("/colony.db")));

    let runs: &[&[&str]] = &[
        &["--dry_run"],
        &["--dry_run", "--node_cap", "5", "-v"],
        &["--dry_run", "--force_action", "add", "--count", "2"],
        &["--dry_run", "--force_action", "stop", "--count", "2"],
        &[
            "--dry_run",
            "--force_action",
            "start",
            "--service_name",
            "3",
        ],
        &[
            "--dry_run",
            "--force_action",
            "remove",
            "--service_name",
            "1",
        ],
        &["--dry_run", "--force_action", "teardown", "--confirm"],
        &[
            "--dry_run",
            "--force_action",
            "disable",
            "--service_name",
            "2",
        ],
        &["--dry_run", "--init", "--import"],
    ];
    let mut outputs = Vec::new();
    for args in runs {
        outputs.push(c.ok(args));
    }
    // Pressure: the plan stops a node, on paper only.
    c.set_metrics(&CALM.replace("\"cpu_percent\": 5", "\"cpu_percent\": 85"));
    let pressure = c.ok(&["--dry_run"]);
    c.set_metrics(CALM);
    let after = state(&c);
    assert!(
        before.0 == after.0,
        "files changed: {:?}",
        before
            .0
            .iter()
            .filter(|(k, v)| after.0.get(*k) != Some(v))
            .map(|(k, _)| k)
            .chain(after.0.keys().filter(|k| !before.0.contains_key(*k)))
            .collect::<Vec<_>>()
    );
    assert_eq!(before.1, after.1, "node processes changed");

    assert!(
        outputs[0].contains("plan (dry run, nothing changed):"),
        "{}",
        outputs[0]
    );
    assert!(outputs[0].contains("start antnode0003"), "{}", outputs[0]);
    assert!(outputs[1].contains("node_cap 3 -> 5"), "{}", outputs[1]);
    assert!(outputs[2].contains("add antnode0004"), "{}", outputs[2]);
    assert!(outputs[6].contains("delete antnode0001"), "{}", outputs[6]);
    assert!(
        pressure.contains("stop antnode0002: cpu 85% > cpu_remove 70%"),
        "{pressure}"
    );
    // And the settings a dry run gave were not kept.
    let cfg: serde_json::Value =
        serde_json::from_str(&c.ok(&["--report", "machine-config", "--json"])).unwrap();
    assert_eq!(cfg["node_cap"], 3);
}

#[test]
fn a_missing_node_binary_says_how_to_get_one() {
    let c = Colony::new("0.4.11");
    let hint = "cargo install --locked ant-node@0.4.11";
    let storage = c.node_storage();
    let init = |extra: &[&str]| {
        let mut args = vec![
            "--init",
            "--process_manager",
            "setsid+user",
            "--rewards_address",
            WALLET,
            "--node_storage",
            storage.to_str().unwrap(),
            "--port_start",
            "47",
            "--metrics_port_start",
            "30",
            "--rpc_port_start",
            "57",
        ];
        args.extend_from_slice(extra);
        c.run(&args)
    };
    // A path given explicitly must exist: refused (exit 2), no database made.
    let given = c.dir.path().join("no/antnode");
    let out = init(&["--antnode_path", given.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));
    assert!(!c.db.exists());

    // The default path (~/.local/bin/antnode) on a fresh machine: init works and says how to get one.
    let default = c.home.join(".local/bin/antnode");
    let out = init(&[]);
    assert_eq!(out.status.code(), Some(0), "init works without a binary");
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&default.display().to_string()),
        "names the path: {}",
        stderr(&out)
    );

    let out = c.run(&[]);
    assert_eq!(out.status.code(), Some(1), "a run that cannot add fails");
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));
    assert!(c.statuses().is_empty(), "nothing added");

    let out = c.run(&["--dry_run"]);
    assert!(stdout(&out).contains("add antnode0001"), "{}", stdout(&out));
    assert!(stderr(&out).contains(hint));

    let out = c.run(&["--force_action", "add"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));
}

#[test]
fn quiet_show_flags_and_json() {
    let c = colony((48, 31, 58), 2, &[]);
    // -q: nothing at all on success, whatever happens.
    for args in [
        &["-q"][..],
        &["-q"],
        &["-q", "--force_action", "survey"],
        &["-q", "--node_cap", "3"],
    ] {
        let out = c.run(args);
        assert!(out.status.success());
        assert_eq!(stdout(&out), "", "{args:?} printed");
        assert_eq!(stderr(&out), "", "{args:?} printed on stderr");
    }
    fill(&c, 3);

    let out = c.ok(&["--show_machine_metrics", "-q"]);
    assert!(out.contains("cpu_percent: 5.0\n"), "{out}");
    assert!(out.contains("disk_percent: 10.0\n"), "{out}");
    let out = c.ok(&["--show_machine_config", "-q"]);
    assert!(out.contains("node_cap: 3\n"), "{out}");
    assert!(out.contains("process_manager: setsid+user\n"), "{out}");
    let out = c.ok(&["--show_machine_metrics", "--report_format", "json", "-q"]);
    let json_start = out.find('{').expect("json");
    let v: serde_json::Value = serde_json::from_str(&out[json_start..]).expect("JSON metrics");
    assert_eq!(v["mem_percent"], 10.0);

    c.set_metrics(&CALM.replace("\"cpu_percent\": 5", "\"cpu_percent\": 85"));
    let out = c.ok(&["--show_decisions"]);
    for want in [
        "inputs:",
        "cpu 85% (add below 50, stop above 70)",
        "mem 10% (add below 60, stop above 75)",
        "disk 10% (add below 75, remove above 90)",
        "nodes 3 (node_cap 3): RUNNING 3; binary 0.4.11",
        "no reboot",
        "plan:",
        "stop antnode0003: cpu 85% > cpu_remove 70%",
    ] {
        assert!(
            out.contains(want),
            "--show_decisions lacks {want:?}:\n{out}"
        );
    }
    c.set_metrics(CALM);

    let out = c.ok(&["--force_action", "stop", "--service_name", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("forced output is JSON");
    assert_eq!(v["action"], "stop");
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["plan"]["steps"][0]["service_name"], "antnode0002");
    let o = &v["outcomes"][0];
    assert_eq!(o["ok"], true, "{v}");
    assert_eq!(o["node"], 2);
    assert!(
        o["step"]
            .as_str()
            .unwrap()
            .starts_with("stop antnode0002: forced by the operator"),
        "{o}"
    );
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 1);
    let out = c.ok(&[
        "--force_action",
        "start",
        "--count",
        "1",
        "--json",
        "--dry_run",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("dry-run forced JSON");
    assert_eq!(v["dry_run"], true);
    assert!(v["outcomes"].as_array().unwrap().is_empty());
    assert_eq!(v["plan"]["steps"][0]["service_name"], "antnode0002");
}

#[test]
fn every_forced_action() {
    let c = colony((49, 13, 59), 3, &["--no_upnp"]);
    let names = |c: &Colony| c.statuses().into_iter().map(|(n, _)| n).collect::<Vec<_>>();

    // add --count
    let out = c.ok(&["--force_action", "add", "--count", "2"]);
    assert_eq!(out.matches("done: add antnode").count(), 2, "{out}");
    assert_eq!(names(&c), ["antnode0001", "antnode0002"]);
    c.ok(&["--force_action", "add"]);
    fill(&c, 3);

    // unknown names: exit 2, the known ones listed, nothing done
    let out = c.run(&["--force_action", "stop", "--service_name", "antnode0099"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("known nodes: antnode0001, antnode0002, antnode0003"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count(&c.statuses(), "RUNNING"), 3);

    // stop: the three name forms and --count
    c.ok(&["--force_action", "stop", "--service_name", "antnode0001"]);
    c.ok(&[
        "--force_action",
        "stop",
        "--service_name",
        "antnode0002.service,3",
    ]);
    assert_eq!(count(&c.statuses(), "STOPPED"), 3);
    assert!(c.node_processes().is_empty());
    // start --count: the oldest stopped first
    let out = c.ok(&["--force_action", "start", "--count", "2"]);
    assert!(
        out.contains("start antnode0001") && out.contains("start antnode0002"),
        "{out}"
    );
    c.ok(&["--force_action", "start", "--service_name", "antnode0003"]);
    let s = c.statuses();
    assert_eq!(count(&s, "STOPPED"), 0, "{s:?}");
    assert_eq!(c.node_processes().len(), 3);
    // stop --count: the youngest running first
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);
    let out = c.ok(&["--force_action", "stop", "--count", "2"]);
    assert!(
        out.contains("stop antnode0003") && out.contains("stop antnode0002"),
        "{out}"
    );
    c.ok(&["--force_action", "start", "--count", "2"]);
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);

    // upgrade --count: the oldest running first, to the binary's version
    c.install_binary("0.4.12", &[]);
    let out = c.ok(&["--force_action", "upgrade", "--count", "2"]);
    assert!(
        out.contains("upgrade antnode0001") && out.contains("upgrade antnode0002"),
        "{out}"
    );
    let v: Vec<String> = c
        .nodes()
        .iter()
        .map(|n| n["version"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(v, ["0.4.12", "0.4.12", "0.4.11"]);

    // disable: stopped and out of management (not surveyed, not started again)
    c.ok(&[
        "--force_action",
        "disable",
        "--service_name",
        "antnode0003.service",
    ]);
    assert_eq!(c.statuses()[2].1, "DISABLED");
    assert_eq!(c.node_processes().len(), 2);
    c.ok(&["-v"]);
    c.ok(&["-v"]);
    assert_eq!(c.statuses()[2].1, "DISABLED", "a cycle leaves it alone");
    let out = c.run(&["--force_action", "disable"]);
    assert_eq!(out.status.code(), Some(2), "disable needs names");

    // survey
    let out = c.ok(&["--force_action", "survey"]);
    assert!(out.contains("surveyed 2 node(s)"), "{out}");

    // nullop changes nothing; update_config applies settings; disable_config turns switches off
    let before = c.nodes();
    let out = c.ok(&["--force_action", "nullop"]);
    assert!(out.contains("nothing else to do"), "{out}");
    assert_eq!(c.nodes(), before, "nullop touches no node");
    c.ok(&["--force_action", "update_config", "--node_cap", "4"]);
    let cfg = |c: &Colony| -> serde_json::Value {
        serde_json::from_str(&c.ok(&["--report", "machine-config", "--json"])).unwrap()
    };
    assert_eq!(cfg(&c)["node_cap"], 4);
    assert_eq!(cfg(&c)["no_upnp"], true);
    c.ok(&["--force_action", "disable_config"]);
    assert_eq!(cfg(&c)["no_upnp"], false);
    assert_eq!(c.statuses().len(), 3, "no node touched by config actions");

    // wnm-db-migration needs --confirm
    let out = c.run(&["--force_action", "wnm-db-migration"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--confirm"), "{}", stderr(&out));
    let out = c.ok(&["--force_action", "wnm-db-migration", "--confirm"]);
    assert!(out.contains("migrated"), "{out}");

    // remove: a named one, then --count (youngest first), process, files and row
    let root2 = c.nodes()[1]["root_dir"].as_str().unwrap().to_string();
    c.ok(&["--force_action", "remove", "--service_name", "2"]);
    assert_eq!(names(&c), ["antnode0001", "antnode0003"]);
    assert!(!exists(&root2));
    let out = c.ok(&["--force_action", "remove", "--count", "1"]);
    assert!(
        out.contains("delete antnode0003"),
        "the youngest goes: {out}"
    );
    assert_eq!(names(&c), ["antnode0001"]);

    // teardown: refused without --confirm (exit 2, nothing touched), then everything goes
    let out = c.run(&["--force_action", "teardown"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--confirm"), "{}", stderr(&out));
    assert_eq!(c.statuses().len(), 1);
    assert_eq!(c.node_processes().len(), 1);

    // The history the executor wrote: every reason names the action, the node and the cause.
    let h = wnm_tests::assert_history_sentences(&c);
    let reasons: Vec<&str> = h.iter().map(|e| e.reason.as_str()).collect();
    for want in [
        "add antnode0001: forced by the operator (--force_action add)",
        "stop antnode0002: forced by the operator (--force_action stop)",
        "upgrade antnode0001: forced by the operator (--force_action upgrade)",
        "delete antnode0002: forced by the operator (--force_action remove)",
    ] {
        assert!(reasons.contains(&want), "no {want:?} in {reasons:#?}");
    }
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("settle antnode") && r.contains("RESTARTING for")),
        "{reasons:#?}"
    );

    c.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(c.statuses().is_empty());
    assert!(c.node_processes().is_empty());
}

#[test]
fn a_held_lock_is_a_runtime_failure() {
    let c = colony((50, 14, 39), 2, &[]);
    // A first run pauses (holding the lock) ...
    let mut first = c.pause_at("add:created", &["-v"]);
    let pid = first.id();
    let lock = c.dir.path().join("wnm_active.lock");
    // ... so a second one fails with exit 1 and says why, naming the holder and the lock.
    let out = c.run(&["-v"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("another wnm run is in progress (pid {pid})"))
            && err.contains(&lock.display().to_string()),
        "{err}"
    );
    // So does a forced action that only applies settings.
    let out = c.run(&["--force_action", "nullop"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("another wnm run is in progress (pid {pid})")),
        "{}",
        stderr(&out)
    );
    // A dry run does not need the lock.
    assert!(c.run(&["--dry_run"]).status.success());
    // Nor does a report that changes nothing (NTracking's influx cron line meets wnm's own run),
    // but a report that would store a changed setting waits its turn like any writer.
    let out = c.run(&["--report", "influx-resources"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nodes_totals"));
    let out = c.run(&["--report", "node-status", "--node_cap", "9"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("another wnm run is in progress"));
    // SIGKILL the holder: the next run is not blocked.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(wait_for(Duration::from_secs(10), || {
        c.run(&["--force_action", "nullop"]).status.success()
    }));
    c.ok(&["-v"]);
}

/// Seconds of the day of a tracing line (`2026-12-01T07:11:52.865672Z  INFO ...`).
fn at(line: &str) -> Option<f64> {
    let t = line.split_once('T')?.1.split_once('Z')?.0;
    let mut p = t.split(':');
    let (h, m, s) = (p.next()?, p.next()?, p.next()?);
    Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}

/// Start times of the steps whose log line contains `what`.
fn step_times(err: &str, what: &str) -> Vec<f64> {
    err.lines()
        .filter(|l| l.contains(" INFO ") && l.contains(what))
        .filter_map(at)
        .collect()
}

fn assert_spaced(times: &[f64], n: usize, min: f64, what: &str) {
    assert_eq!(times.len(), n, "{what}: {times:?}");
    for w in times.windows(2) {
        assert!(
            w[1] - w[0] >= min,
            "{what}: steps {:.3}s apart < {min}s",
            w[1] - w[0]
        );
    }
}

#[test]
fn step_delays_are_honoured() {
    let c = colony((52, 16, 37), 3, &[]);
    fill(&c, 3);
    let out = c.run(&[
        "-v",
        "--force_action",
        "stop",
        "--count",
        "3",
        "--this_action_delay",
        "700",
    ]);
    assert_spaced(
        &step_times(&stderr(&out), ": forced by"),
        3,
        0.7,
        "--this_action_delay",
    );
    let out = c.run(&[
        "-v",
        "--force_action",
        "start",
        "--count",
        "3",
        "--interval",
        "600",
    ]);
    assert_spaced(
        &step_times(&stderr(&out), ": forced by"),
        3,
        0.6,
        "--interval",
    );
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);
    c.ok(&["--force_action", "stop", "--count", "3"]);
    // The action_delay setting, given in this run, spaces this run's planned starts.
    let out = c.run(&["-v", "--action_delay", "800"]);
    assert!(
        stdout(&out).contains("action_delay 0 -> 800"),
        "{}",
        stdout(&out)
    );
    assert_spaced(
        &step_times(&stderr(&out), ": resources allow"),
        3,
        0.8,
        "action_delay",
    );
    // --this_action_delay wins over the setting, for this run only.
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);
    c.ok(&[
        "--force_action",
        "stop",
        "--count",
        "2",
        "--this_action_delay",
        "0",
    ]);
    let out = c.run(&["-v", "--this_action_delay", "1200"]);
    assert_spaced(
        &step_times(&stderr(&out), ": resources allow"),
        2,
        1.2,
        "override",
    );
}

#[test]
fn a_later_boot_time_resurveys_and_restarts_what_ran_before() {
    let c = colony((51, 15, 38), 3, &[]);
    fill(&c, 3);
    // "Reboot": every node process is gone and the machine reports a boot after the last run.
    for (pid, _) in c.node_processes() {
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
    }
    assert!(wnm_tests::wait_for(Duration::from_secs(10), || c
        .node_processes()
        .is_empty()));
    // The boot is a second after the last run ended.
    std::thread::sleep(Duration::from_millis(1100));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    c.set_metrics(&CALM.replace("\"boot_time\": 1", &format!("\"boot_time\": {now}")));

    let out = c.ok(&["-v"]);
    assert!(out.contains("resurvey"), "{out}");
    assert!(out.contains("system rebooted"), "{out}");
    assert!(
        !out.contains("start antnode"),
        "nothing else in the reboot cycle: {out}"
    );
    let s = c.statuses();
    assert_eq!(count(&s, "STOPPED"), 3, "{s:?}");
    // The next run (after the boot) starts them again by the normal rules.
    let out = c.ok(&["-v"]);
    for n in ["antnode0001", "antnode0002", "antnode0003"] {
        assert!(
            out.contains(&format!("start {n}: resources allow")),
            "{out}"
        );
    }
    c.cycle_until(3, |s| count(s, "RUNNING") == 3);
    assert_eq!(c.node_processes().len(), 3);
    let h = wnm_tests::assert_history_sentences(&c);
    assert!(
        h.iter()
            .any(|e| e.reason.starts_with("start antnode0001: resources allow")),
        "{h:#?}"
    );
}
