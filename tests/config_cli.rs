//! Configuration and store behaviour seen through the real `wnm` binary: a refused `--init`
//! leaves no database, a change takes effect in the run that gives it (and is printed as
//! `node_cap 20 -> 40`), an immutable change and a database from a newer wnm are refused with the
//! file left byte-identical. (A second `wnm` refused while one runs: tests/cli.rs,
//! `a_held_lock_is_a_runtime_failure`.)
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::Command;
use wnm_tests::{Colony, WALLET, exists};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The database and its WAL side files, byte for byte.
fn db_bytes(db: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| {
            let p = format!("{}{s}", db.display());
            let bytes = std::fs::read(&p).ok();
            (p, bytes)
        })
        .collect()
}

#[test]
fn a_refused_init_leaves_no_database() {
    let c = Colony::new("0.4.11");
    let storage = c.node_storage();
    let storage = storage.to_str().unwrap();
    let antnode = c.antnode.to_str().unwrap();
    let base = [
        "--init",
        "--process_manager",
        "setsid+user",
        "--rewards_address",
        WALLET,
        "--node_storage",
        storage,
    ];
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--antnode_path", antnode, "--cpu_less_than", "95"],
            &["cpu_less_than = 95", "cpu_remove = 70"],
        ),
        (
            &["--antnode_path", "/nonexistent/antnode"],
            &["antnode_path", "/nonexistent/antnode", "does not exist"],
        ),
        (
            &["--antnode_path", antnode, "--node_cap", "-1"],
            &["node_cap", "-1"],
        ),
        (
            &[
                "--antnode_path",
                antnode,
                "--rewards_address",
                "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A94",
            ],
            &["rewards_address", "EIP-55"],
        ),
    ];
    for (extra, want) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let out = c.run(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
        for (p, bytes) in db_bytes(&c.db) {
            assert!(bytes.is_none(), "{args:?} left {p} behind");
        }
        assert!(!exists(storage), "{args:?} created {storage}");
    }
    // A process manager this host cannot run (launchd off macOS) is refused after the database
    // was created: the refused init still leaves none behind.
    let mut args = base.to_vec();
    args.extend_from_slice(&["--antnode_path", antnode]);
    args[2] = "launchd+user";
    let out = c
        .command(&args)
        .env_remove("WNM_LAUNCHCTL")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("launchd"), "{err}");
    for (p, bytes) in db_bytes(&c.db) {
        assert!(bytes.is_none(), "a refused launchd init left {p} behind");
    }

    // The same init without the bad setting works.
    let mut args = base.to_vec();
    args.extend_from_slice(&["--antnode_path", antnode]);
    let out = c.run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(c.db.is_file());
}

#[test]
fn a_change_takes_effect_in_the_run_that_gives_it() {
    let c = Colony::new("0.4.11");
    c.init(31, &[]);
    // A dry run plans with the given node_cap at once, and stores nothing.
    let out = c.run(&["--dry_run", "--node_cap", "7"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let so = text(&out.stdout);
    assert!(so.contains("node_cap 20 -> 7"), "{so}");
    assert!(so.contains("node_cap 7"), "the plan uses the new cap: {so}");
    let cfg = |c: &Colony| -> serde_json::Value {
        let out = c.run(&["--report", "machine-config", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("the JSON report is JSON only")
    };
    assert_eq!(cfg(&c)["node_cap"], 20, "a dry run stores nothing");

    // A report run that changes a setting: the report shows the new value, the change line goes
    // to stderr so the JSON stays parseable, and the value is stored.
    let out = c.run(&["--node_cap", "40", "--report", "machine-config", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON only on stdout");
    assert_eq!(j["node_cap"], 40);
    assert!(
        text(&out.stderr).contains("node_cap 20 -> 40"),
        "{}",
        text(&out.stderr)
    );
    let j = cfg(&c);
    assert_eq!(j["node_cap"], 40, "stored");

    // A Python-wnm cron line with --highest_node_id_used keeps working.
    let out = c.run(&["--highest_node_id_used", "12", "--force_action", "nullop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cfg(&c)["highest_node_id_used"], 12);

    // The firewall choice is a stored setting like the others.
    let out = c.ok(&["--firewall", "none", "--force_action", "nullop"]);
    assert!(out.contains("firewall auto -> none"), "{out}");
    assert_eq!(cfg(&c)["firewall"], "none");
    let out = c.run(&["--firewall", "iptables", "--force_action", "nullop"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("firewall"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(cfg(&c)["firewall"], "none");

    // A boolean turns off again.
    c.ok(&["--no_upnp", "--force_action", "nullop"]);
    assert_eq!(cfg(&c)["no_upnp"], true);
    let out = c.ok(&["--upnp", "--force_action", "nullop"]);
    assert!(out.contains("no_upnp true -> false"), "{out}");
    assert_eq!(cfg(&c)["no_upnp"], false);
}

#[test]
fn immutable_and_invalid_changes_leave_the_database_byte_identical() {
    let c = Colony::new("0.4.11");
    c.init(33, &[]);
    let before = db_bytes(&c.db);
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--port_start", "40"],
            &["port_start", "port_start = 33", "gives 40"],
        ),
        (
            &["--process_manager", "systemd+user"],
            &["process_manager", "setsid+user", "systemd+user"],
        ),
        (&["--mem_less_than", "101"], &["mem_less_than", "101"]),
        (
            &["--hd_less_than", "95", "--node_cap", "30"],
            &["hd_less_than = 95", "hd_remove = 90"],
        ),
    ];
    for (args, want) in cases {
        let out = c.run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
        let after = db_bytes(&c.db);
        for (b, a) in before.iter().zip(&after) {
            assert!(
                b == a,
                "{args:?} changed {} ({:?} -> {:?} bytes)",
                b.0,
                b.1.as_ref().map(Vec::len),
                a.1.as_ref().map(Vec::len)
            );
        }
    }
    // An unknown key in a config file is reported, and changes nothing either.
    let conf = c.dir.path().join("bad.conf");
    std::fs::write(&conf, "node_cap = 30\nnode_kap = 31\n").unwrap();
    let out = c.run(&["-c", conf.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("node_kap"), "{err}");
    assert!(
        db_bytes(&c.db) == before,
        "an unknown key changed the database"
    );
}

#[test]
fn a_database_from_a_newer_wnm_is_refused_under_its_real_path() {
    let c = Colony::new("0.4.11");
    c.init(35, &[]);
    // A migration this binary does not know, as a newer wnm would have recorded it.
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); \
             d.execute(\"INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_the_future', 0)\"); \
             d.commit(); d.execute('PRAGMA wal_checkpoint(TRUNCATE)'); d.close()",
        )
        .arg(&c.db)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = db_bytes(&c.db);
    let listing: Vec<_> = std::fs::read_dir(c.db.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    for args in [&["-v"][..], &["--node_cap", "5"], &["--dry_run"]] {
        let out = c.run(args);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains("newer wnm"), "{args:?}: {err}");
        assert!(err.contains("m20991231_000001_from_the_future"), "{err}");
        if args != ["--dry_run"] {
            assert!(
                err.contains(&c.db.display().to_string()),
                "{args:?}: the message names the real file: {err}"
            );
        }
        assert!(db_bytes(&c.db) == before, "{args:?} changed the database");
    }
    let mut after: Vec<_> = std::fs::read_dir(c.db.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    after.retain(|n| n != "wnm_active.lock");
    let mut listing = listing;
    listing.retain(|n| n != "wnm_active.lock");
    after.sort();
    listing.sort();
    assert_eq!(after, listing, "no backup or other file appeared");
}
