//! Opt-in: the real `wnm` binary drives three real antnode 0.4.11 processes, offline.
//!
//! Set `WNM_REAL_ANTNODE` to an antnode 0.4.11 binary (see docs/DEVELOPERS.md:
//! `cargo install --locked ant-node@0.4.11 --root /tmp/antnode-install`, then
//! `WNM_REAL_ANTNODE=/tmp/antnode-install/bin/antnode`). Unset, the test prints a notice and passes.
//!
//! The nodes run with `--first --local --ignore-cache --ip 127.0.0.1` (through `start_args`) and
//! `--no-upnp` (the `no_upnp` setting), each a network of its own; when this user may create a
//! network namespace (`unshare -n`, i.e. root), every wnm run and so every node runs inside a
//! fresh one that has only `lo`, so nothing can reach outside even by mistake.
#![allow(clippy::disallowed_methods)]

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wnm_tests::{Colony, fast_settings, wait_for, with};

/// A network namespace with only `lo` (up), held open by a `sleep` started with `unshare -n`.
struct Netns {
    holder: Child,
}

impl Netns {
    /// None when this user cannot create one.
    fn new() -> Option<Netns> {
        let holder = Command::new("unshare")
            .args(["-n", "--", "sleep", "3600"])
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let ns = Netns { holder };
        let pid = ns.holder.id();
        let ours = std::fs::read_link("/proc/self/ns/net").ok()?;
        let theirs = || std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
        if !wait_for(Duration::from_secs(5), || {
            theirs().is_some_and(|t| t != ours)
        }) {
            return None;
        }
        let up = Command::new("nsenter")
            .args([
                "-t",
                &pid.to_string(),
                "-n",
                "--",
                "ip",
                "link",
                "set",
                "lo",
                "up",
            ])
            .status()
            .ok()?;
        up.success().then_some(ns)
    }

    /// The command prefix that runs a program inside it.
    fn prefix(&self) -> Vec<String> {
        ["nsenter", "-t", &self.holder.id().to_string(), "-n", "--"]
            .map(String::from)
            .to_vec()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

fn node<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|n| n["service_name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no row {name}: {rows:?}"))
}

/// The peer id the node printed on its stdout (`PeerId is 12D3KooW...`), the last one.
fn printed_peer_id(n: &Value) -> Option<String> {
    let log = Path::new(n["log_dir"].as_str()?).join("stdout.log");
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("PeerId is "))
        .map(|s| s.trim().to_string())
}

/// True when process `pid` has a UDP socket bound to 127.0.0.1:`port` (its own namespace's table).
fn binds_udp(pid: u32, port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    ["udp", "udp6"].iter().any(|t| {
        std::fs::read_to_string(format!("/proc/{pid}/net/{t}")).is_ok_and(|s| {
            s.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(&want))
        })
    })
}

fn pid_of(c: &Colony, n: &Value) -> Option<u32> {
    let root = n["root_dir"].as_str()?;
    c.node_processes()
        .into_iter()
        .find(|(_, r)| r == root)
        .map(|(p, _)| p)
}

/// Cycles until `done(rows)`, at most `limit`.
fn cycle_until(c: &Colony, limit: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        c.ok(&["-v"]);
        let rows = c.nodes();
        if done(&rows) {
            return rows;
        }
        assert!(
            start.elapsed() < limit,
            "not reached within {limit:?}: {rows:#?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn known(n: &Value) -> bool {
    n["status"] == "RUNNING"
        && n["version"] == "0.4.11"
        && n["peer_id"]
            .as_str()
            .is_some_and(|p| p.starts_with("12D3KooW"))
}

#[test]
fn three_real_antnodes_added_read_stopped_started_and_removed() {
    let Some(real) = std::env::var_os("WNM_REAL_ANTNODE") else {
        eprintln!(
            "NOTICE: real-antnode test not run: set WNM_REAL_ANTNODE to an antnode 0.4.11 binary \
             (cargo install --locked ant-node@0.4.11; see docs/DEVELOPERS.md)"
        );
        return;
    };
    let real = std::path::PathBuf::from(real);
    assert!(
        real.is_file(),
        "WNM_REAL_ANTNODE={} is not a file",
        real.display()
    );
    let t0 = Instant::now();

    let mut c = Colony::new("0.4.11");
    std::fs::copy(&real, &c.antnode).expect("copying the real antnode");
    let netns = Netns::new();
    match &netns {
        Some(ns) => {
            eprintln!("[real-antnode] running inside a fresh network namespace (lo only)");
            c.wrap = ns.prefix();
        }
        None => eprintln!(
            "[real-antnode] cannot create a network namespace here: nodes bind 127.0.0.1 only"
        ),
    }
    let fast = fast_settings(3);
    c.init(
        60,
        &with(
            &fast,
            &[
                "--no_upnp",
                "--start_args",
                "--first --local --ignore-cache --ip 127.0.0.1",
            ],
        ),
    );

    // 1. One cycle adds three real nodes.
    let out = c.ok(&["-v"]);
    assert_eq!(out.matches("done: add antnode").count(), 3, "{out}");
    // 2. Later cycles read their real peer ids and versions from /metadata into the db.
    let rows = cycle_until(&c, Duration::from_secs(120), |rows| {
        rows.len() == 3 && rows.iter().all(known)
    });
    eprintln!("[real-antnode] three nodes known after {:?}", t0.elapsed());
    let mut peers: Vec<&str> = rows
        .iter()
        .map(|n| n["peer_id"].as_str().unwrap())
        .collect();
    for n in &rows {
        let name = n["service_name"].as_str().unwrap();
        let pid = pid_of(&c, n).unwrap_or_else(|| panic!("{name} has no process"));
        let cmd = wnm_runner::proc::cmdline(pid).unwrap_or_default();
        assert!(
            cmd[0].ends_with("/antnode"),
            "the real binary runs: {cmd:?}"
        );
        for flag in ["--first", "--local", "--ignore-cache", "--no-upnp"] {
            assert!(cmd.iter().any(|a| a == flag), "{name}: {flag} in {cmd:?}");
        }
        if let Some(ns) = &netns {
            assert_eq!(
                std::fs::read_link(format!("/proc/{pid}/ns/net")).ok(),
                std::fs::read_link(format!("/proc/{}/ns/net", ns.holder.id())).ok(),
                "{name} runs in the test's network namespace"
            );
        }
        let port: u16 = n["port"].as_str().unwrap().parse().unwrap();
        assert!(
            wait_for(Duration::from_secs(10), || binds_udp(pid, port)),
            "{name} binds 127.0.0.1:{port}/udp"
        );
        assert_eq!(
            printed_peer_id(n).as_deref(),
            n["peer_id"].as_str(),
            "{name}: the db holds the peer id the node printed"
        );
        eprintln!(
            "[real-antnode] {name} pid {pid} peer {} version {} uptime {}",
            n["peer_id"], n["version"], n["uptime"]
        );
    }
    peers.sort();
    peers.dedup();
    assert_eq!(peers.len(), 3, "three identities");

    // 3. Stop one: its process ends, its files stay.
    let n2 = node(&rows, "antnode0002").clone();
    let pid2 = pid_of(&c, &n2).unwrap();
    c.ok(&["--force_action", "stop", "--service_name", "antnode0002"]);
    let rows = c.nodes();
    assert_eq!(node(&rows, "antnode0002")["status"], "STOPPED");
    assert!(
        !Path::new(&format!("/proc/{pid2}")).exists() || pid_of(&c, &n2).is_none(),
        "antnode0002's process ended"
    );
    assert!(
        Path::new(n2["root_dir"].as_str().unwrap())
            .join("secret-key")
            .is_file()
    );

    // 4. Start it again: same identity (its secret-key stayed).
    c.ok(&["--force_action", "start", "--service_name", "2"]);
    let rows = cycle_until(&c, Duration::from_secs(60), |rows| rows.iter().all(known));
    let again = node(&rows, "antnode0002");
    assert_ne!(pid_of(&c, again), Some(pid2), "a new process");
    assert_eq!(
        again["peer_id"], n2["peer_id"],
        "same peer id after a restart"
    );
    assert_eq!(printed_peer_id(again).as_deref(), n2["peer_id"].as_str());

    // 5. Remove one: process, files and row go.
    let n3 = node(&rows, "antnode0003").clone();
    c.ok(&[
        "--force_action",
        "remove",
        "--service_name",
        "antnode0003.service",
    ]);
    let rows = c.nodes();
    assert_eq!(rows.len(), 2);
    assert!(!Path::new(n3["root_dir"].as_str().unwrap()).exists());
    assert!(pid_of(&c, &n3).is_none());
    assert_eq!(c.node_processes().len(), 2);

    // 6. Teardown: nothing left.
    c.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(c.nodes().is_empty());
    assert!(c.node_processes().is_empty());
    eprintln!("[real-antnode] done in {:?}", t0.elapsed());
    drop(c);
    drop(netns);
}
