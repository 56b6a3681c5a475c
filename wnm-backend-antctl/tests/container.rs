//! The real `wnm` driving a real antctl 0.14.2 under a real systemd: the `wnm-systemd` Debian
//! container of wnm-backend-systemd's tests (systemd as PID 1, no network but loopback, harness
//! shared through `#[path]`), with real antnode 0.4.11 nodes (antctl's `start` reads each new
//! node's info over its RPC port, which the node emulator does not serve); the first node
//! founds an offline network (`--first --local`), the others join it with `--peer`.
//!
//! - `wnm_drives_a_real_antctl_colony` (`antctl+sudo` as root): init, cycles add antnode1,
//!   antnode2, antnode3 (units antctl wrote, running as `ant`, with the machine environment),
//!   forced stop and start, a forced removal, the next add takes a new number (antnode4),
//!   `--init --import` rebuilds the database from `antctl status --json` (kind, mode, status;
//!   the removed entry DEAD), and a teardown runs `antctl reset --force`, after which numbering
//!   starts at antnode1 again.
//! - `an_operator_through_sudo_then_user_and_zen_colonies`: `antctl+sudo` by an operator with
//!   passwordless sudo (`sudo -n antctl`), then `antctl+user` under a lingering user manager
//!   (`systemctl --user` units, import), then `antctl+zen` (antctl's own dirs read back).
//!
//! Opt-in: building antctl takes ~10 min here. `WNM_REAL_ANTCTL=/path/to/antctl` (see
//! `scripts/antctl.sh`) and `WNM_REAL_ANTNODE=/path/to/antnode` (0.4.11) turn it on; without
//! `WNM_REAL_ANTCTL` the test prints a NOTICE and passes (its only skip).
#![allow(clippy::disallowed_methods)] // test harness: `docker exec` from the host

#[path = "../../wnm-backend-systemd/tests/common/mod.rs"]
mod common;

use common::{Container, binaries, image};
use serde_json::Value;
use std::time::{Duration, Instant};

const WNM: &str = "/usr/local/bin/wnm";
const ANTCTL: &str = "/usr/local/bin/antctl";
const ANTNODE: &str = "/usr/local/bin/antnode";
const METRICS: &str = "/etc/wnm-test-metrics.json";
const CALM: &str = r#"{"cpu_percent": 5, "mem_percent": 10, "disk_percent": 10, "load_1": 0.1, "load_5": 0.1, "load_15": 0.1}"#;
const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";
/// Offline nodes: the first founds its own network, the others join it.
const FIRST: &str = "--start_args=--first --local --ignore-cache --ip 127.0.0.1";

/// `wnm --init` with antctl as `manager` (index 2, so a caller may swap it): the container's
/// antctl and antnode, the wallet, `--node_cap node_cap`, no start delay, no UPnP, then `extra`.
fn init_args<'a>(manager: &'a str, node_cap: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--init",
        "--process_manager",
        manager,
        "--rewards_address",
        WALLET,
        "--antctl_path",
        ANTCTL,
        "--antnode_path",
        ANTNODE,
        "--node_cap",
        node_cap,
        "--delay_start",
        "0",
        "--no_upnp",
    ];
    a.extend_from_slice(extra);
    a
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// wnm as root, or as `user` (HOME /home/user, no XDG_RUNTIME_DIR: as cron runs it), with
/// `extra` flags on every run.
struct Wnm<'a> {
    c: &'a Container,
    user: Option<&'a str>,
    extra: Vec<&'a str>,
}

impl<'a> Wnm<'a> {
    fn root(c: &'a Container) -> Wnm<'a> {
        Wnm {
            c,
            user: None,
            extra: Vec::new(),
        }
    }

    fn user(c: &'a Container, user: &'a str, extra: &[&'a str]) -> Wnm<'a> {
        Wnm {
            c,
            user: Some(user),
            extra: extra.to_vec(),
        }
    }

    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut argv = vec![WNM];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&self.extra);
        let home = self
            .user
            .map_or("/root".to_string(), |u| format!("/home/{u}"));
        let env = [
            ("HOME", home.as_str()),
            ("WNM_MACHINE_METRICS_OVERRIDE", METRICS),
            ("WNM_UPGRADE_CONFIRM_SECS", "30"),
        ];
        let t = Instant::now();
        let out = self.c.exec_as(self.user, &env, &argv);
        let (o, e) = (text(&out.stdout), text(&out.stderr));
        eprintln!(
            "$ wnm {}\n{o}{e}[exit {:?}, {}]",
            args.join(" "),
            out.status.code(),
            secs(t.elapsed())
        );
        (out.status.success(), o, e)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, o, e) = self.run(args);
        assert!(ok, "wnm {args:?} failed: {o}{e}");
        o
    }

    fn nodes(&self) -> Vec<Value> {
        let s = self.ok(&["--report", "node-status-details", "--json", "-q"]);
        match serde_json::from_str(&s).expect("report is JSON") {
            Value::Array(v) => v,
            other => panic!("not a list: {other}"),
        }
    }

    /// (service name, status, manager) of every row, in id order.
    fn rows(&self) -> Vec<(String, String, String)> {
        self.nodes()
            .iter()
            .map(|n| {
                let s = |k: &str| n[k].as_str().unwrap_or_default().to_string();
                (
                    s("service_name").trim_end_matches(".service").to_string(),
                    s("status"),
                    s("manager"),
                )
            })
            .collect()
    }

    fn statuses(&self) -> Vec<(String, String)> {
        self.rows().into_iter().map(|(n, s, _)| (n, s)).collect()
    }

    /// Cycles (`wnm -v`, a second apart) until `done(statuses)`.
    fn cycle_until(&self, max: usize, what: &str, done: impl Fn(&[(String, String)]) -> bool) {
        for _ in 0..max {
            self.ok(&["-v"]);
            if done(&self.statuses()) {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        panic!("not {what} after {max} cycles: {:?}", self.statuses());
    }
}

fn named(s: &[(String, String)], want: &[(&str, &str)]) -> bool {
    s.len() == want.len()
        && s.iter()
            .zip(want)
            .all(|((n, st), (wn, wst))| n == wn && st == wst)
}

/// `antctl status --json` in the container (as root, or as `user` for user-mode services),
/// parsed; and how long it took.
fn antctl_status_as(c: &Container, user: Option<&str>) -> (Vec<(String, String)>, Value, Duration) {
    let t = Instant::now();
    let runtime;
    let mut env: Vec<(&str, &str)> = Vec::new();
    if let Some(u) = user {
        runtime = format!("/run/user/{}", c.sh_ok(&["id", "-u", u]).trim());
        env.push(("XDG_RUNTIME_DIR", runtime.as_str()));
    }
    let home = user.map_or("/root".to_string(), |u| format!("/home/{u}"));
    env.push(("HOME", home.as_str()));
    let out = c.exec_as(user, &env, &[ANTCTL, "status", "--json"]);
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "antctl status --json: {}",
        text(&out.stderr)
    );
    let out = text(&out.stdout);
    if out.trim().is_empty() {
        return (Vec::new(), Value::Null, took);
    }
    let v: Value = serde_json::from_str(&out).expect("antctl status --json is JSON");
    let pairs = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["service_name"].as_str().unwrap().to_string(),
                n["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (pairs, v, took)
}

fn antctl_status(c: &Container) -> (Vec<(String, String)>, Value, Duration) {
    antctl_status_as(c, None)
}

fn active(c: &Container, unit: &str) -> String {
    text(&c.exec(&["systemctl", "is-active", unit]).stdout)
        .trim()
        .to_string()
}

fn exists(c: &Container, p: &str) -> bool {
    c.exec(&["test", "-e", p]).status.success()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The owner of a unit's main process (`--user` units through `user`'s manager).
fn main_pid_owner(c: &Container, unit: &str, user: Option<&str>) -> (String, String) {
    let out = match user {
        None => c.sh_ok(&["systemctl", "show", "-p", "MainPID", "--value", unit]),
        Some(u) => {
            let runtime = format!("/run/user/{}", c.sh_ok(&["id", "-u", u]).trim());
            let o = c.exec_as(
                Some(u),
                &[("XDG_RUNTIME_DIR", runtime.as_str())],
                &[
                    "systemctl",
                    "--user",
                    "show",
                    "-p",
                    "MainPID",
                    "--value",
                    unit,
                ],
            );
            text(&o.stdout)
        }
    };
    let pid = out.trim().to_string();
    assert_ne!(pid, "0", "{unit} has a main process");
    let owner = c
        .sh_ok(&["ps", "-o", "user=", "-p", &pid])
        .trim()
        .to_string();
    (pid, owner)
}

/// A container with wnm, the real antctl and the real antnode in place, or `None` (after a
/// NOTICE) when `WNM_REAL_ANTCTL` is not set.
fn real_host() -> Option<(Container, Duration)> {
    let Some(antctl) = std::env::var_os("WNM_REAL_ANTCTL").filter(|v| !v.is_empty()) else {
        eprintln!(
            "NOTICE: wnm-backend-antctl/tests/container.rs did not run: set WNM_REAL_ANTCTL=/path/to/antctl (0.14.2; `bash scripts/antctl.sh` installs it and prints the path) and WNM_REAL_ANTNODE=/path/to/antnode (0.4.11) to run it"
        );
        return None;
    };
    let antnode = std::env::var_os("WNM_REAL_ANTNODE")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "WNM_REAL_ANTCTL is set but WNM_REAL_ANTNODE is not: antctl's start reads each node's info over its RPC port, so the nodes must be a real antnode 0.4.11 (`cargo install --locked ant-node@0.4.11 --root /tmp/antnode-install`)"
            )
        });
    let t0 = Instant::now();
    let image = image();
    let bins = binaries();
    let c = Container::start(&image);
    c.install(&bins.wnm, WNM);
    c.install(std::path::Path::new(&antctl), ANTCTL);
    c.install(std::path::Path::new(&antnode), ANTNODE);
    assert!(
        c.sh_ok(&[ANTCTL, "--version"]).contains("v0.14."),
        "antctl 0.14.x"
    );
    c.write_file(METRICS, CALM);
    c.sh_ok(&["chmod", "644", METRICS]);
    Some((c, t0.elapsed()))
}

#[test]
fn wnm_drives_a_real_antctl_colony() {
    let t0 = Instant::now();
    let Some((c, t_ready)) = real_host() else {
        return;
    };
    let wnm = Wnm::root(&c);

    // 1. init, the first node (the network's founder), then two more joining it.
    let t = Instant::now();
    wnm.ok(&init_args(
        "antctl+sudo",
        "1",
        &[
            "--delay_remove",
            "0",
            FIRST,
            "--environment",
            "WNM_TEST_MARK=machine",
        ],
    ));
    wnm.cycle_until(10, "antnode1 running", |s| {
        named(s, &[("antnode1", "RUNNING")])
    });
    assert_eq!(active(&c, "antnode1"), "active");
    let unit1 = c.sh_ok(&["cat", "/etc/systemd/system/antnode1.service"]);
    assert!(unit1.contains("User=ant"), "{unit1}");
    assert!(
        unit1.contains("Environment=\"WNM_TEST_MARK=machine\""),
        "{unit1}"
    );
    assert!(
        unit1.contains("--root-dir /var/antctl/services/antnode1 ")
            && unit1.contains("--first --local --ignore-cache")
            && unit1.contains("--no-upnp --ip 127.0.0.1 --port 55001 --metrics-server-port 13001"),
        "{unit1}"
    );
    let (st, v, _) = antctl_status(&c);
    assert_eq!(st, pairs(&[("antnode1", "Running")]));
    let peer = v["nodes"][0]["peer_id"]
        .as_str()
        .expect("peer id")
        .to_string();
    let n1 = &wnm.nodes()[0];
    assert_eq!(
        n1["peer_id"].as_str(),
        Some(peer.as_str()),
        "wnm read the same peer id"
    );
    assert_eq!(n1["root_dir"], "/var/antctl/services/antnode1");
    assert_eq!(n1["rpc_port"], "30001");
    let join = format!(
        "--start_args=--local --ignore-cache --ip 127.0.0.1 --peer /ip4/127.0.0.1/udp/55001/quic-v1/p2p/{peer}"
    );
    wnm.ok(&["--node_cap", "3", &join, "--force_action", "update_config"]);
    wnm.cycle_until(20, "three nodes running", |s| {
        named(
            s,
            &[
                ("antnode1", "RUNNING"),
                ("antnode2", "RUNNING"),
                ("antnode3", "RUNNING"),
            ],
        )
    });
    for n in ["antnode1", "antnode2", "antnode3"] {
        assert_eq!(active(&c, n), "active", "{n}");
        let pid = c.sh_ok(&["systemctl", "show", "-p", "MainPID", "--value", n]);
        let owner = c.sh_ok(&["ps", "-o", "user=", "-p", pid.trim()]);
        assert_eq!(owner.trim(), "ant", "{n} runs as ant");
        let environ = c.sh_ok(&["cat", &format!("/proc/{}/environ", pid.trim())]);
        assert!(
            environ.contains("WNM_TEST_MARK=machine\0"),
            "{n}: {environ:?}"
        );
    }
    let unit3 = c.sh_ok(&["cat", "/etc/systemd/system/antnode3.service"]);
    assert!(
        unit3.contains(&format!(
            "--peer /ip4/127.0.0.1/udp/55001/quic-v1/p2p/{peer}"
        )),
        "{unit3}"
    );
    assert!(!unit3.contains("--first"), "{unit3}");
    let (st, _, t_status3) = antctl_status(&c);
    assert_eq!(
        st,
        pairs(&[
            ("antnode1", "Running"),
            ("antnode2", "Running"),
            ("antnode3", "Running")
        ])
    );
    let t_fill = t.elapsed();

    // 2. forced stop and start through antctl.
    let t = Instant::now();
    wnm.ok(&["--force_action", "stop", "--service_name", "antnode2"]);
    assert_eq!(active(&c, "antnode2"), "inactive");
    assert_eq!(
        antctl_status(&c).0[1],
        ("antnode2".into(), "Stopped".into())
    );
    assert_eq!(wnm.statuses()[1].1, "STOPPED");
    wnm.ok(&["--force_action", "start", "--service_name", "antnode2"]);
    assert_eq!(active(&c, "antnode2"), "active");
    assert_eq!(
        antctl_status(&c).0[1],
        ("antnode2".into(), "Running".into())
    );
    wnm.cycle_until(10, "all running again", |s| {
        s.iter().all(|(_, st)| st == "RUNNING")
    });
    let t_stopstart = t.elapsed();

    // 3. remove antnode3: antctl keeps it as Removed; the next add is antnode4, never 3 again.
    let t = Instant::now();
    wnm.ok(&["--force_action", "remove", "--service_name", "antnode3"]);
    assert!(!exists(&c, "/etc/systemd/system/antnode3.service"));
    assert!(!exists(&c, "/var/antctl/services/antnode3"));
    assert_eq!(
        antctl_status(&c).0[2],
        ("antnode3".into(), "Removed".into())
    );
    assert_eq!(wnm.statuses().len(), 2);
    wnm.cycle_until(20, "antnode4 running", |s| {
        named(
            s,
            &[
                ("antnode1", "RUNNING"),
                ("antnode2", "RUNNING"),
                ("antnode4", "RUNNING"),
            ],
        )
    });
    assert_eq!(active(&c, "antnode4"), "active");
    let n4 = wnm
        .nodes()
        .into_iter()
        .find(|n| n["service_name"] == "antnode4.service")
        .unwrap();
    assert_eq!(
        (n4["port"].as_str(), n4["metrics_port"].as_str()),
        (Some("55004"), Some("13004"))
    );
    assert!(
        !exists(&c, "/etc/systemd/system/antnode3.service"),
        "3 is never reused"
    );
    let t_remove = t.elapsed();

    // 4. a lost database: --init --import rebuilds it from antctl status --json.
    let t = Instant::now();
    c.sh_ok(&["bash", "-c", "rm -f /var/antctl/colony.db*"]);
    let out = wnm.ok(&init_args(
        "antctl+sudo",
        "3",
        &["--import", "--delay_remove", "0", &join],
    ));
    assert!(
        out.contains("imported 4 node(s) (3 running) with the antctl+sudo backend"),
        "{out}"
    );
    let rows = wnm.rows();
    let want = [
        ("antnode1", "RUNNING"),
        ("antnode2", "RUNNING"),
        ("antnode3", "DEAD"),
        ("antnode4", "RUNNING"),
    ];
    assert_eq!(rows.len(), 4, "{rows:?}");
    for ((name, status, manager), (wn, ws)) in rows.iter().zip(want) {
        assert_eq!(
            (name.as_str(), status.as_str(), manager.as_str()),
            (wn, ws, "antctl+sudo")
        );
    }
    let n2 = &wnm.nodes()[1];
    assert_eq!(n2["port"], "55002");
    assert_eq!(n2["wallet"], WALLET);
    assert_eq!(n2["root_dir"], "/var/antctl/services/antnode2");
    // The next cycles delete the DEAD row (antctl already removed it) and keep the rest.
    wnm.cycle_until(5, "the dead row gone", |s| {
        named(
            s,
            &[
                ("antnode1", "RUNNING"),
                ("antnode2", "RUNNING"),
                ("antnode4", "RUNNING"),
            ],
        )
    });
    assert_eq!(
        antctl_status(&c).0.len(),
        4,
        "antctl keeps the removed entry"
    );
    let t_import = t.elapsed();

    // 5. teardown: antctl reset --force; numbering starts again at antnode1.
    let t = Instant::now();
    wnm.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(wnm.statuses().is_empty());
    let (st, _, _) = antctl_status(&c);
    assert!(st.is_empty(), "registry reset: {st:?}");
    for n in ["antnode1", "antnode2", "antnode4"] {
        assert!(
            !exists(&c, &format!("/etc/systemd/system/{n}.service")),
            "{n}"
        );
        assert_ne!(active(&c, n), "active", "{n}");
    }
    assert!(
        c.exec(&["pgrep", "-f", "/var/antctl/services/"])
            .stdout
            .is_empty()
    );
    wnm.ok(&["--node_cap", "1", FIRST, "--force_action", "update_config"]);
    wnm.cycle_until(10, "a new antnode1", |s| {
        named(s, &[("antnode1", "RUNNING")])
    });
    assert_eq!(antctl_status(&c).0, pairs(&[("antnode1", "Running")]));
    wnm.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(antctl_status(&c).0.is_empty());
    let t_teardown = t.elapsed();

    eprintln!(
        "[timing] container+binaries {} | fill to 3 real nodes {} | antctl status --json with 3 running {} | stop+start {} | remove+re-add {} | import {} | teardowns {} | total {}",
        secs(t_ready),
        secs(t_fill),
        secs(t_status3),
        secs(t_stopstart),
        secs(t_remove),
        secs(t_import),
        secs(t_teardown),
        secs(t0.elapsed())
    );
}

#[test]
fn an_operator_through_sudo_then_user_and_zen_colonies() {
    let t0 = Instant::now();
    let Some((c, t_ready)) = real_host() else {
        return;
    };

    // antctl+sudo run by an operator with passwordless sudo: wnm runs `sudo -n antctl`.
    let t = Instant::now();
    c.sh_ok(&["useradd", "--create-home", "op"]);
    c.write_file("/etc/sudoers.d/op", "op ALL=(ALL) NOPASSWD:ALL\n");
    c.sh_ok(&["chmod", "440", "/etc/sudoers.d/op"]);
    let op = Wnm::user(&c, "op", &["--dbpath", "/home/op/colony.db"]);
    op.ok(&init_args("antctl+sudo", "1", &[FIRST]));
    op.cycle_until(10, "antnode1 running", |s| {
        named(s, &[("antnode1", "RUNNING")])
    });
    assert_eq!(
        main_pid_owner(&c, "antnode1.service", None).1,
        "ant",
        "a system unit running as ant"
    );
    assert!(exists(&c, "/etc/systemd/system/antnode1.service"));
    assert_eq!(antctl_status(&c).0, pairs(&[("antnode1", "Running")]));
    op.ok(&["--force_action", "stop", "--service_name", "antnode1"]);
    assert_eq!(active(&c, "antnode1"), "inactive");
    op.ok(&["--force_action", "start", "--service_name", "1"]);
    assert_eq!(active(&c, "antnode1"), "active");
    op.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(antctl_status(&c).0.is_empty());
    assert!(!exists(&c, "/etc/systemd/system/antnode1.service"));
    let t_sudo = t.elapsed();

    // antctl+user under a lingering user manager: antctl as alice, `systemctl --user` units.
    let t = Instant::now();
    c.sh_ok(&["useradd", "--create-home", "alice"]);
    c.sh_ok(&["loginctl", "enable-linger", "alice"]);
    let uid = c.sh_ok(&["id", "-u", "alice"]).trim().to_string();
    c.wait_until(30, "alice's user manager", |c| {
        c.exec(&["systemctl", "is-active", &format!("user@{uid}.service")])
            .status
            .success()
    });
    let alice = Wnm::user(&c, "alice", &[]);
    let init = init_args(
        "antctl+user",
        "1",
        &[
            "--port_start",
            "56",
            "--metrics_port_start",
            "14",
            "--rpc_port_start",
            "31",
            FIRST,
        ],
    );
    alice.ok(&init);
    alice.cycle_until(10, "alice's antnode1 running", |s| {
        named(s, &[("antnode1", "RUNNING")])
    });
    let n = &alice.nodes()[0];
    let root = "/home/alice/.local/share/autonomi/node/antnode1";
    assert_eq!(n["root_dir"], root);
    assert_eq!(
        n["log_dir"],
        "/home/alice/.local/share/autonomi/logs/antnode1"
    );
    assert_eq!(n["manager"], "antctl+user");
    assert_eq!(n["port"], "56001");
    let unit_file = "/home/alice/.config/systemd/user/antnode1.service";
    let unit = c.sh_ok(&["cat", unit_file]);
    assert!(!unit.contains("User="), "{unit}");
    assert_eq!(
        main_pid_owner(&c, "antnode1.service", Some("alice")).1,
        "alice"
    );
    assert!(exists(
        &c,
        "/home/alice/.local/share/autonomi/node/node_registry.json"
    ));
    let (st, v, _) = antctl_status_as(&c, Some("alice"));
    assert_eq!(st, pairs(&[("antnode1", "Running")]));
    assert_eq!(v["nodes"][0]["user_mode"], true);
    // A lost database comes back from alice's registry with the user mode.
    c.sh_ok(&["rm", "-f", "/home/alice/.local/share/autonomi/colony.db"]);
    let mut import = init.clone();
    import.push("--import");
    let out = alice.ok(&import);
    assert!(
        out.contains("imported 1 node(s) (1 running) with the antctl+user backend"),
        "{out}"
    );
    assert_eq!(
        alice.rows(),
        vec![(
            "antnode1".to_string(),
            "RUNNING".to_string(),
            "antctl+user".to_string()
        )]
    );
    alice.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(antctl_status_as(&c, Some("alice")).0.is_empty());
    assert!(!exists(&c, unit_file));
    assert!(!exists(&c, root));
    let t_user = t.elapsed();

    // antctl+zen as alice: antctl chooses the dirs (its user-mode defaults), wnm reads them back.
    let t = Instant::now();
    c.sh_ok(&["rm", "-f", "/home/alice/.local/share/autonomi/colony.db"]);
    let mut zen = init.clone();
    zen[2] = "antctl+zen";
    alice.ok(&zen);
    alice.cycle_until(10, "alice's zen antnode1 running", |s| {
        named(s, &[("antnode1", "RUNNING")])
    });
    let n = &alice.nodes()[0];
    assert_eq!(n["manager"], "antctl+zen");
    assert_eq!(n["root_dir"], root);
    assert_eq!(
        n["log_dir"],
        format!("{root}/logs"),
        "antctl's own user-mode log dir, read back from its add output"
    );
    assert_eq!(n["binary"], format!("{root}/antnode"));
    assert!(exists(&c, &format!("{root}/logs")));
    alice.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(antctl_status_as(&c, Some("alice")).0.is_empty());
    assert!(!exists(&c, root));
    let t_zen = t.elapsed();
    eprintln!(
        "[timing] container+binaries {} | operator with sudo {} | user mode {} | zen {} | total {}",
        secs(t_ready),
        secs(t_sudo),
        secs(t_user),
        secs(t_zen),
        secs(t0.elapsed())
    );
}
