//! The systemd backend against a real systemd: a Debian container with systemd as PID 1, the
//! backend driven in `systemd+sudo` mode through `examples/systemd_driver`, nodes played by
//! `antnode-emu`. Needs a Docker engine (the tests fail without one) and root for the first
//! image build (`scripts/systemd-image.sh`).
#![allow(clippy::disallowed_methods)] // test harness: `docker exec` from the host, see common/mod.rs

mod common;

use common::{Container, binaries, fixtures, image};
use serde_json::Value;
use std::time::Instant;
use wnm_core::{Node, NodeStatus};

const DRIVER: &str = "/usr/local/bin/systemd_driver";
const SOURCE: &str = "/usr/local/bin/antnode";
const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";
const MACHINE: &str =
    r#"{"no_upnp":true,"environment":"WNM_TEST_MARK=machine","start_args":"--relay"}"#;

fn node(id: u32) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 55000 + id as u16,
        metrics_port: 13000 + id as u16,
        rpc_port: 0,
        root_dir: String::new(),
        log_dir: String::new(),
        binary: String::new(),
        user: String::new(),
        wallet: WALLET.into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 0,
        manager: "systemd+sudo".parse().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: format!("NODE_MARK=n{id}"),
        metrics: Default::default(),
    }
}

fn driver(c: &Container, args: &[&str]) -> Value {
    let mut argv = vec![DRIVER];
    argv.extend_from_slice(args);
    let out = c.exec_env(&[("WNM_DRIVER_MACHINE", MACHINE)], &argv);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "systemd_driver {} failed: {}{}",
        args.first().unwrap_or(&""),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("driver printed {stdout:?}: {e}"))
}

fn json(n: &Node) -> String {
    serde_json::to_string(n).unwrap()
}

fn status(c: &Container, n: &Node) -> (String, Option<u64>) {
    let v = driver(c, &["status", &json(n)]);
    (v["state"].as_str().unwrap().to_string(), v["pid"].as_u64())
}

fn running_pid(c: &Container, n: &Node) -> u64 {
    let (state, pid) = status(c, n);
    assert_eq!(state, "running", "{} should run", n.service_name);
    pid.expect("a running unit has a MainPID")
}

fn ufw_rules(c: &Container) -> String {
    c.sh_ok(&["ufw", "show", "added"])
}

fn udp_bound(c: &Container, port: u16) -> bool {
    let out = c.exec(&["ss", "-Hlun", &format!("sport = :{port}")]);
    !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

#[test]
fn sudo_lifecycle_under_real_systemd() {
    let t0 = Instant::now();
    let image = image();
    let bins = binaries();
    let t_ready = t0.elapsed();
    let c = Container::start(&image);
    c.copy_in(&bins.driver, DRIVER);
    c.copy_in(&bins.emu, SOURCE);
    let t_started = t0.elapsed();
    assert!(
        c.exec(&["id", "ant"]).status.code() != Some(0),
        "the image must not have ant: the backend creates it"
    );

    // Node 3 lives under a path with a blank and a percent sign: quoting must survive systemd.
    let mut nodes: Vec<Node> = (1..=3).map(node).collect();
    nodes[2].root_dir = "/srv/ant nodes 100%/antnode0003".into();

    // create: dirs, binary copy, unit, ant user; nothing started
    for n in nodes.iter_mut() {
        let created: Node =
            serde_json::from_value(driver(&c, &["create", &json(n), SOURCE])).unwrap();
        *n = created;
    }
    assert_eq!(nodes[0].root_dir, "/var/antctl/services/antnode0001");
    assert_eq!(nodes[0].log_dir, "/var/log/antnode/antnode0001");
    assert_eq!(nodes[0].binary, "/var/antctl/services/antnode0001/antnode");
    assert_eq!(nodes[2].binary, "/srv/ant nodes 100%/antnode0003/antnode");
    c.sh_ok(&["id", "ant"]);
    let unit = c.sh_ok(&["cat", "/etc/systemd/system/antnode0001.service"]);
    assert!(unit.contains("User=ant\n"), "{unit}");
    assert!(
        unit.contains("Environment=\"WNM_TEST_MARK=machine\"\nEnvironment=\"NODE_MARK=n1\"\n"),
        "{unit}"
    );
    assert!(!unit.contains("[Install]"));
    assert_eq!(
        c.sh_ok(&[
            "stat",
            "-c",
            "%U %a",
            "/var/antctl/services/antnode0001",
            "/var/antctl/services/antnode0001/antnode"
        ]),
        "ant 755\nant 755\n"
    );
    // A real systemd with the ant user and the binaries in place accepts the generated units.
    c.sh_ok(&[
        "systemd-analyze",
        "verify",
        "/etc/systemd/system/antnode0001.service",
        "/etc/systemd/system/antnode0002.service",
        "/etc/systemd/system/antnode0003.service",
    ]);
    for n in &nodes {
        assert_eq!(
            status(&c, n).0,
            "stopped",
            "{} created, not started",
            n.service_name
        );
    }
    assert!(!ufw_rules(&c).contains("5500"), "no hole before start");

    // start: services run as ant with the unit's arguments and environment; ports opened
    for n in &nodes {
        driver(&c, &["start", &json(n)]);
    }
    for n in &nodes {
        let pid = running_pid(&c, n);
        let user = c.sh_ok(&["ps", "-o", "user=", "-p", &pid.to_string()]);
        assert_eq!(user.trim(), "ant");
        c.wait_until(20, &format!("UDP port {} bound", n.port), |c| {
            udp_bound(c, n.port)
        });
        let environ = c.sh_ok(&["cat", &format!("/proc/{pid}/environ")]);
        assert!(environ.contains("WNM_TEST_MARK=machine\0"), "{environ:?}");
        assert!(
            environ.contains(&format!("NODE_MARK=n{}\0", n.id)),
            "{environ:?}"
        );
        let cmdline = c.sh_ok(&["cat", &format!("/proc/{pid}/cmdline")]);
        assert!(
            cmdline.contains(&format!("\0--root-dir\0{}\0", n.root_dir)),
            "{cmdline:?}"
        );
        assert!(
            cmdline.starts_with(&format!("{}\0--no-upnp\0", n.binary)),
            "{cmdline:?}"
        );
        assert!(
            cmdline.ends_with("\0--relay\0evm-arbitrum-one\0"),
            "{cmdline:?}"
        );
        assert!(ufw_rules(&c).contains(&format!("ufw allow {}/udp", n.port)));
    }
    c.wait_until(20, "node 3 wrote into its quoted root dir", |c| {
        c.exec(&["test", "-f", "/srv/ant nodes 100%/antnode0003/secret-key"])
            .status
            .success()
    });

    // discover sees what it created, as systemd+sudo, running
    let found: Vec<Node> = serde_json::from_value(driver(&c, &["discover"])).unwrap();
    assert_eq!(found.len(), 3);
    for (f, n) in found.iter().zip(&nodes) {
        assert_eq!(
            (f.id, f.port, f.metrics_port),
            (n.id, n.port, n.metrics_port)
        );
        assert_eq!(
            (&f.root_dir, &f.log_dir, &f.binary),
            (&n.root_dir, &n.log_dir, &n.binary)
        );
        assert_eq!(f.manager.to_string(), "systemd+sudo");
        assert_eq!(f.status, NodeStatus::Running);
        assert_eq!(
            f.environment,
            format!("WNM_TEST_MARK=machine NODE_MARK=n{}", n.id)
        );
    }

    // stop / start one node; the others keep running
    let pid2 = running_pid(&c, &nodes[1]);
    driver(&c, &["stop", &json(&nodes[0])]);
    assert_eq!(status(&c, &nodes[0]).0, "stopped");
    assert!(!ufw_rules(&c).contains("55001/udp"), "hole closed on stop");
    assert_eq!(running_pid(&c, &nodes[1]), pid2);
    driver(&c, &["start", &json(&nodes[0])]);
    running_pid(&c, &nodes[0]);

    // upgrade in place: stopped by the caller, binary replaced atomically (new inode), restarted
    driver(&c, &["stop", &json(&nodes[1])]);
    let inode = c.sh_ok(&["stat", "-c", "%i", &nodes[1].binary]);
    driver(&c, &["upgrade", &json(&nodes[1]), SOURCE]);
    assert_ne!(c.sh_ok(&["stat", "-c", "%i", &nodes[1].binary]), inode);
    assert_eq!(
        c.sh_ok(&["stat", "-c", "%U", &nodes[1].binary]).trim(),
        "ant"
    );
    driver(&c, &["start", &json(&nodes[1])]);
    assert_ne!(running_pid(&c, &nodes[1]), pid2);
    let t_lifecycle = t0.elapsed();

    // reboot: no [Install], so systemd leaves the nodes stopped; the backend reports that and
    // starts them again (what wnm's next cycle does by its normal rules)
    c.restart();
    for n in &nodes {
        assert_eq!(
            status(&c, n).0,
            "stopped",
            "{} after reboot",
            n.service_name
        );
    }
    for n in &nodes {
        driver(&c, &["start", &json(n)]);
    }
    for n in &nodes {
        running_pid(&c, n);
        c.wait_until(
            20,
            &format!("UDP port {} bound after reboot", n.port),
            |c| udp_bound(c, n.port),
        );
    }
    let t_reboot = t0.elapsed();

    // remove: unit, root dir, log dir and the ufw rule go; nothing else
    c.sh_ok(&[
        "touch",
        "/var/antctl/services/not-a-node",
        "/etc/systemd/system/keep.service",
    ]);
    for n in &nodes {
        driver(&c, &["remove", &json(n)]);
    }
    for n in &nodes {
        assert_eq!(status(&c, n).0, "missing");
        for p in [
            format!("/etc/systemd/system/{}.service", n.service_name),
            n.root_dir.clone(),
            n.log_dir.clone(),
        ] {
            assert!(
                !c.exec(&["test", "-e", &p]).status.success(),
                "{p} should be gone"
            );
        }
        let load = c.sh_ok(&[
            "systemctl",
            "show",
            "-p",
            "LoadState",
            &format!("{}.service", n.service_name),
        ]);
        assert_eq!(
            load.trim(),
            "LoadState=not-found",
            "daemon-reload ran after removal"
        );
    }
    let rules = ufw_rules(&c);
    assert!(!rules.contains("5500"), "{rules}");
    assert!(
        !c.exec(&["pgrep", "-u", "ant"]).status.success(),
        "no node process left"
    );
    c.sh_ok(&["test", "-e", "/var/antctl/services/not-a-node"]);
    c.sh_ok(&["test", "-e", "/etc/systemd/system/keep.service"]);
    c.sh_ok(&["test", "-d", "/srv/ant nodes 100%"]);
    let found: Vec<Node> = serde_json::from_value(driver(&c, &["discover"])).unwrap();
    assert!(found.is_empty(), "{found:?}");

    eprintln!(
        "[timing] image+binaries {:.1} s, container up {:.1} s, lifecycle {:.1} s, reboot+restart {:.1} s, total {:.1} s",
        t_ready.as_secs_f64(),
        (t_started - t_ready).as_secs_f64(),
        (t_lifecycle - t_started).as_secs_f64(),
        (t_reboot - t_lifecycle).as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}

fn main_pid_and_start(c: &Container, unit: &str) -> (String, String) {
    let out = c.sh_ok(&[
        "systemctl",
        "show",
        "-p",
        "MainPID",
        "-p",
        "ExecMainStartTimestampMonotonic",
        "-p",
        "NRestarts",
        unit,
    ]);
    let pid = out
        .lines()
        .find_map(|l| l.strip_prefix("MainPID="))
        .unwrap()
        .to_string();
    (pid, out)
}

#[test]
fn anm_host_is_read_and_its_running_node_left_alone() {
    let t0 = Instant::now();
    let image = image();
    let bins = binaries();
    let c = Container::start(&image);
    c.copy_in(&bins.driver, DRIVER);
    // An anm-shaped host: ant user, anm's unit, config, cron job, script, marker files.
    c.sh_ok(&[
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        "ant",
    ]);
    c.sh_ok(&[
        "mkdir",
        "-p",
        "/var/antctl/services/antnode0001",
        "/var/log/antnode/antnode0001",
        "/etc/cron.d",
    ]);
    c.copy_in(&bins.emu, "/var/antctl/services/antnode0001/antnode");
    c.sh_ok(&[
        "chown",
        "-R",
        "ant:ant",
        "/var/antctl/services/antnode0001",
        "/var/log/antnode/antnode0001",
    ]);
    c.copy_in(
        &fixtures().join("anm/antnode0001.service"),
        "/etc/systemd/system/antnode0001.service",
    );
    c.copy_in(&fixtures().join("anm/config"), "/var/antctl/config");
    c.write_file("/var/antctl/system", "");
    c.write_file(
        "/etc/cron.d/anm",
        "* * * * * root /bin/bash /usr/bin/anms.sh >> /var/antctl/log\n",
    );
    c.write_file("/usr/bin/anms.sh", "#!/bin/bash\nntpr=55\n");
    c.sh_ok(&["systemctl", "daemon-reload"]);
    c.sh_ok(&["systemctl", "start", "antnode0001.service"]);
    c.wait_until(20, "anm's node bound its port", |c| udp_bound(c, 55001));
    let (pid, before) = main_pid_and_start(&c, "antnode0001.service");
    assert_ne!(pid, "0");

    // anm mid-run: refused, but its cron job is already off so the next try succeeds
    c.write_file("/var/antctl/block", "");
    let out = c.exec(&[DRIVER, "anm"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("anm is running"),
        "{out:?}"
    );
    c.sh_ok(&["test", "-f", "/etc/cron.d/anm.disabled-by-wnm"]);
    c.sh_ok(&["rm", "/var/antctl/block"]);

    let host = driver(&c, &["anm"]);
    assert_eq!(host["port_start"], 55);
    assert_eq!(host["node_cap"], 20);
    assert_eq!(host["delay_start"], 300, "5 minutes in anm's config");
    let nodes: Vec<Node> = serde_json::from_value(host["nodes"].clone()).unwrap();
    assert_eq!(nodes.len(), 1);
    let n = &nodes[0];
    assert_eq!((n.id, n.port, n.metrics_port), (1, 55001, 13001));
    assert_eq!(n.status, NodeStatus::Running);
    assert_eq!(n.manager.to_string(), "systemd+sudo");
    assert_eq!(n.wallet, WALLET);
    assert_eq!(n.environment, "ANT_LOG=ant_evm=error");

    let found: Vec<Node> = serde_json::from_value(driver(&c, &["discover"])).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, NodeStatus::Running);
    assert_eq!(found[0].root_dir, "/var/antctl/services/antnode0001");
    assert_eq!(
        driver(&c, &["status", &json(&found[0])])["pid"].as_u64(),
        pid.parse().ok()
    );

    // Reading and discovering never restarted it.
    let (pid_after, after) = main_pid_and_start(&c, "antnode0001.service");
    assert_eq!(pid_after, pid);
    assert_eq!(after, before);
    assert!(after.contains("NRestarts=0"), "{after}");
    eprintln!(
        "[timing] anm test total {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}

/// The driver as `alice` in user mode, with no `XDG_RUNTIME_DIR` (as under cron).
fn user_driver(c: &Container, args: &[&str]) -> Value {
    let mut argv = vec![DRIVER];
    argv.extend_from_slice(args);
    let out = c.exec_as(
        Some("alice"),
        &[
            ("HOME", "/home/alice"),
            ("WNM_DRIVER_MANAGER", "systemd+user"),
        ],
        &argv,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "systemd_driver {} as alice failed: {}{}",
        args.first().unwrap_or(&""),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("driver printed {stdout:?}: {e}"))
}

#[test]
fn user_mode_under_a_lingering_user_manager() {
    let t0 = Instant::now();
    let image = image();
    let bins = binaries();
    let c = Container::start(&image);
    c.copy_in(&bins.driver, DRIVER);
    c.copy_in(&bins.emu, SOURCE);
    c.sh_ok(&["useradd", "--create-home", "alice"]);
    c.sh_ok(&["loginctl", "enable-linger", "alice"]);
    let uid = c.sh_ok(&["id", "-u", "alice"]).trim().to_string();
    c.wait_until(30, "alice's user manager", |c| {
        c.exec(&["systemctl", "is-active", &format!("user@{uid}.service")])
            .status
            .success()
    });

    let mut n = node(5);
    n.manager = "systemd+user".parse().unwrap();
    let n: Node = serde_json::from_value(user_driver(&c, &["create", &json(&n), SOURCE])).unwrap();
    assert_eq!(
        n.root_dir,
        "/home/alice/.local/share/autonomi/node/antnode0005"
    );
    assert_eq!(
        n.log_dir,
        "/home/alice/.local/share/autonomi/logs/antnode0005"
    );
    assert_eq!(n.user, "alice");
    let unit = c.sh_ok(&[
        "cat",
        "/home/alice/.config/systemd/user/antnode0005.service",
    ]);
    assert!(!unit.contains("User="), "{unit}");

    user_driver(&c, &["start", &json(&n)]);
    let st = user_driver(&c, &["status", &json(&n)]);
    assert_eq!(st["state"], "running", "{st}");
    let pid = st["pid"].as_u64().unwrap().to_string();
    assert_eq!(c.sh_ok(&["ps", "-o", "user=", "-p", &pid]).trim(), "alice");
    c.wait_until(20, "UDP port 55005 bound", |c| udp_bound(c, 55005));
    assert!(
        !ufw_rules(&c).contains("55005"),
        "user mode never touches the firewall"
    );
    let found: Vec<Node> = serde_json::from_value(user_driver(&c, &["discover"])).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].manager.to_string(), "systemd+user");
    assert_eq!(found[0].status, NodeStatus::Running);

    user_driver(&c, &["stop", &json(&n)]);
    assert_eq!(user_driver(&c, &["status", &json(&n)])["state"], "stopped");
    user_driver(&c, &["remove", &json(&n)]);
    assert_eq!(user_driver(&c, &["status", &json(&n)])["state"], "missing");
    for p in [
        "/home/alice/.config/systemd/user/antnode0005.service",
        &n.root_dir,
        &n.log_dir,
    ] {
        assert!(
            !c.exec(&["test", "-e", p]).status.success(),
            "{p} should be gone"
        );
    }
    c.sh_ok(&["test", "-d", "/home/alice/.local/share/autonomi/node"]);
    eprintln!(
        "[timing] user-mode test total {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}
