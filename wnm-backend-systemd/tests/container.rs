//! The real `wnm` binary against a real systemd: a Debian container with systemd as PID 1 and
//! ufw enabled, wnm run inside it (`systemd+sudo` as root, `systemd+sudo` as an operator with
//! passwordless sudo, `systemd+user` under a lingering user manager), `antnode-emu` as the node
//! binary. Needs a Docker engine (the tests fail without one) and root for the first image build
//! (`scripts/systemd-image.sh`). Each test prints `[timing]` lines.
//!
//! Machine pressure comes from a metrics override file (calm cpu, memory, disk and load, so the
//! busy shared host does not decide the plan); the boot time is measured, so a restart of the
//! container is a reboot to wnm.
#![allow(clippy::disallowed_methods)] // test harness: `docker exec` from the host, see common/mod.rs

mod common;

use common::{Container, binaries, fixtures, image};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const WNM: &str = "/usr/local/bin/wnm";
/// The emulator, also `antnode_path` of the colonies.
const EMU: &str = "/usr/local/bin/antnode";
const METRICS: &str = "/etc/wnm-test-metrics.json";
const CALM: &str = r#"{"cpu_percent": 5, "mem_percent": 10, "disk_percent": 10, "load_1": 0.1, "load_5": 0.1, "load_15": 0.1}"#;
const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Who runs wnm in the container, and with what environment.
struct Wnm<'a> {
    c: &'a Container,
    user: Option<&'a str>,
    env: Vec<(&'a str, String)>,
    extra: Vec<&'a str>,
}

impl<'a> Wnm<'a> {
    /// wnm as root, like `sudo wnm` from root's cron.
    fn root(c: &'a Container) -> Wnm<'a> {
        Wnm {
            c,
            user: None,
            env: vec![("HOME", "/root".into())],
            extra: Vec::new(),
        }
    }

    /// wnm as `user` (HOME /home/user, no XDG_RUNTIME_DIR: as cron runs it), with extra flags.
    fn user(c: &'a Container, user: &'a str, extra: &[&'a str]) -> Wnm<'a> {
        Wnm {
            c,
            user: Some(user),
            env: vec![("HOME", format!("/home/{user}"))],
            extra: extra.to_vec(),
        }
    }

    /// Also set `key=value` on every run.
    fn with_env(mut self, key: &'a str, value: &str) -> Wnm<'a> {
        self.env.push((key, value.to_string()));
        self
    }

    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut argv = vec![WNM];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&self.extra);
        let mut env: Vec<(&str, &str)> = vec![
            ("WNM_MACHINE_METRICS_OVERRIDE", METRICS),
            ("WNM_UPGRADE_CONFIRM_SECS", "5"),
        ];
        env.extend(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        let out = self.c.exec_as(self.user, &env, &argv);
        let (o, e) = (text(&out.stdout), text(&out.stderr));
        eprintln!(
            "$ wnm {}\n{o}{e}[exit {:?}]",
            args.join(" "),
            out.status.code()
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

    fn statuses(&self) -> Vec<(String, String)> {
        self.nodes()
            .iter()
            .map(|n| {
                (
                    n["service_name"]
                        .as_str()
                        .unwrap()
                        .trim_end_matches(".service")
                        .to_string(),
                    n["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Run cycles (`wnm -v`) until `done(statuses)`; the outputs of the cycles run.
    fn cycle_until(&self, max: usize, done: impl Fn(&[(String, String)]) -> bool) -> Vec<String> {
        let mut outs = Vec::new();
        for _ in 0..max {
            outs.push(self.ok(&["-v"]));
            if done(&self.statuses()) {
                return outs;
            }
        }
        panic!("not reached after {max} cycles: {:?}", self.statuses());
    }
}

fn all(s: &[(String, String)], n: usize, status: &str) -> bool {
    s.len() == n && s.iter().all(|(_, st)| st == status)
}

/// `systemctl show` properties of a unit.
fn show(c: &Container, unit: &str) -> BTreeMap<String, String> {
    c.sh_ok(&[
        "systemctl",
        "show",
        "-p",
        "User,MainPID,ActiveState,NRestarts,ExecMainStartTimestampMonotonic,LoadState",
        unit,
    ])
    .lines()
    .filter_map(|l| l.split_once('='))
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn unit(id: u32) -> String {
    format!("antnode{id:04}.service")
}

/// The MainPID of a unit that must be active, owned by `user`.
fn running_as(c: &Container, id: u32, user: &str) -> String {
    let p = show(c, &unit(id));
    assert_eq!(p["ActiveState"], "active", "{}: {p:?}", unit(id));
    assert_ne!(p["MainPID"], "0");
    let owner = c.sh_ok(&["ps", "-o", "user=", "-p", &p["MainPID"]]);
    assert_eq!(owner.trim(), user, "{} process owner", unit(id));
    p["MainPID"].clone()
}

/// The ports of `ufw status` lines `PORT/udp ALLOW ...` (IPv4 rules; sorted, repeats kept).
fn udp_rules(c: &Container) -> Vec<u16> {
    let status = c.sh_ok(&["ufw", "status"]);
    assert!(status.starts_with("Status: active"), "{status}");
    let mut v: Vec<u16> = status
        .lines()
        .filter(|l| !l.contains("(v6)"))
        .filter_map(|l| {
            l.split_whitespace()
                .next()?
                .strip_suffix("/udp")?
                .parse()
                .ok()
        })
        .collect();
    v.sort_unstable();
    v
}

/// How many `daemon-reload`s systemd has done since it booted.
fn reloads(c: &Container) -> usize {
    c.sh_ok(&["journalctl", "-b", "_PID=1", "-o", "cat", "--no-pager"])
        .lines()
        .filter(|l| l.trim() == "Reloading.")
        .count()
}

fn exists(c: &Container, p: &str) -> bool {
    c.exec(&["test", "-e", p]).status.success()
}

fn udp_bound(c: &Container, port: u16) -> bool {
    let out = c.exec(&["ss", "-Hlun", &format!("sport = :{port}")]);
    !text(&out.stdout).trim().is_empty()
}

/// A container with wnm, the emulator and the calm metrics file in place.
fn host() -> (Container, Duration) {
    let t = Instant::now();
    let image = image();
    let bins = binaries();
    let c = Container::start(&image);
    c.install(&bins.wnm, WNM);
    c.install(&bins.emu, EMU);
    c.write_file(METRICS, CALM);
    c.sh_ok(&["chmod", "644", METRICS]);
    (c, t.elapsed())
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[test]
fn wnm_runs_a_sudo_colony_under_real_systemd_through_a_reboot() {
    let t0 = Instant::now();
    let (c, t_ready) = host();
    let wnm = Wnm::root(&c);
    // The host's own firewall rules and files, which wnm must never touch.
    c.sh_ok(&["ufw", "allow", "22/tcp"]);
    c.sh_ok(&["ufw", "allow", "60001/udp"]);
    c.sh_ok(&["ufw", "--force", "enable"]);
    c.sh_ok(&["mkdir", "-p", "/var/antctl/services/not-a-node"]);
    c.write_file(
        "/etc/systemd/system/keep.service",
        "[Service]\nExecStart=/bin/true\n",
    );
    assert!(
        !c.exec(&["id", "ant"]).status.success(),
        "the image must not have ant: wnm creates it"
    );

    // 1. init, then cycles fill the colony to node_cap.
    let t = Instant::now();
    wnm.ok(&[
        "--init",
        "--process_manager",
        "systemd+sudo",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        EMU,
        "--node_cap",
        "3",
        "--max_concurrent_starts",
        "3",
        "--max_concurrent_operations",
        "3",
        "--delay_start",
        "0",
        "--delay_remove",
        "0",
        "--no_upnp",
        "--start_args=--relay",
        "--environment",
        "WNM_TEST_MARK=machine",
    ]);
    let before = reloads(&c);
    let out = wnm.ok(&["-v"]);
    assert_eq!(out.matches("done: add antnode").count(), 3, "{out}");
    assert_eq!(
        reloads(&c) - before,
        1,
        "three units written in one cycle, one daemon-reload"
    );
    wnm.cycle_until(5, |s| all(s, 3, "RUNNING"));
    for id in 1..=3u32 {
        let pid = running_as(&c, id, "ant");
        assert_eq!(show(&c, &unit(id))["User"], "ant");
        let root = format!("/var/antctl/services/antnode{id:04}");
        let cmdline = c.sh_ok(&["cat", &format!("/proc/{pid}/cmdline")]);
        assert!(
            cmdline.starts_with(&format!("{root}/antnode\0--no-upnp\0")),
            "{cmdline:?}"
        );
        assert!(
            cmdline.contains(&format!("\0--root-dir\0{root}\0")),
            "{cmdline:?}"
        );
        assert!(
            cmdline.ends_with("\0--relay\0evm-arbitrum-one\0"),
            "{cmdline:?}"
        );
        let environ = c.sh_ok(&["cat", &format!("/proc/{pid}/environ")]);
        assert!(environ.contains("WNM_TEST_MARK=machine\0"), "{environ:?}");
        assert_eq!(
            c.sh_ok(&[
                "stat",
                "-c",
                "%U",
                &root,
                &format!("{root}/antnode"),
                &format!("/var/log/antnode/antnode{id:04}")
            ]),
            "ant\nant\nant\n"
        );
        assert!(udp_bound(&c, 55000 + id as u16));
    }
    let unit1 = c.sh_ok(&["cat", "/etc/systemd/system/antnode0001.service"]);
    assert!(unit1.contains("User=ant\n"), "{unit1}");
    assert!(!unit1.contains("[Install]"), "{unit1}");
    c.sh_ok(&[
        "systemd-analyze",
        "verify",
        "/etc/systemd/system/antnode0001.service",
        "/etc/systemd/system/antnode0002.service",
        "/etc/systemd/system/antnode0003.service",
    ]);
    assert_eq!(
        udp_rules(&c),
        [55001, 55002, 55003, 60001],
        "one rule per node, plus the host's own"
    );
    let t_fill = t.elapsed();

    // 2. forced stop and start of one node; the others keep running.
    let t = Instant::now();
    let (p1, p3) = (running_as(&c, 1, "ant"), running_as(&c, 3, "ant"));
    let p2 = running_as(&c, 2, "ant");
    wnm.ok(&["--force_action", "stop", "--service_name", "antnode0002"]);
    assert_eq!(show(&c, &unit(2))["ActiveState"], "inactive");
    assert_eq!(wnm.statuses()[1].1, "STOPPED");
    assert_eq!(udp_rules(&c), [55001, 55003, 60001], "hole closed on stop");
    wnm.ok(&["--force_action", "start", "--service_name", "antnode0002"]);
    assert_ne!(running_as(&c, 2, "ant"), p2, "a new process");
    assert_eq!(udp_rules(&c), [55001, 55002, 55003, 60001]);
    assert_eq!(
        (running_as(&c, 1, "ant"), running_as(&c, 3, "ant")),
        (p1, p3)
    );
    wnm.cycle_until(3, |s| all(s, 3, "RUNNING"));
    let t_stop_start = t.elapsed();

    // 3. reboot. The units have no [Install]: systemd leaves the nodes down, wnm's next cycle
    // sees the new boot time, re-surveys (all STOPPED), and its rules start them again.
    let t = Instant::now();
    c.restart();
    for id in 1..=3 {
        let p = show(&c, &unit(id));
        assert_eq!(
            (p["ActiveState"].as_str(), p["MainPID"].as_str()),
            ("inactive", "0"),
            "systemd did not start {} by itself",
            unit(id)
        );
    }
    assert_eq!(
        udp_rules(&c),
        [55001, 55002, 55003, 60001],
        "ufw keeps its rules over a reboot"
    );
    let out = wnm.ok(&["-v"]);
    assert!(out.contains("system rebooted"), "{out}");
    assert!(all(&wnm.statuses(), 3, "STOPPED"), "{:?}", wnm.statuses());
    let outs = wnm.cycle_until(5, |s| all(s, 3, "RUNNING"));
    for id in 1..=3 {
        assert!(
            outs.iter()
                .any(|o| o.contains(&format!("done: start antnode{id:04}"))),
            "started by wnm's rules: {outs:?}"
        );
        running_as(&c, id, "ant");
        c.wait_until(20, "UDP port bound after reboot", |c| {
            udp_bound(c, 55000 + id as u16)
        });
    }
    assert_eq!(udp_rules(&c), [55001, 55002, 55003, 60001]);
    let t_reboot = t.elapsed();

    // 4. a lower node_cap removes the youngest node: stopped now, files gone a cycle later.
    let t = Instant::now();
    let out = wnm.ok(&["-v", "--node_cap", "2"]);
    assert!(out.contains("remove antnode0003"), "{out}");
    assert_eq!(wnm.statuses()[2].1, "REMOVING");
    assert_eq!(show(&c, &unit(3))["ActiveState"], "inactive");
    wnm.cycle_until(3, |s| s.len() == 2);
    for p in [
        "/etc/systemd/system/antnode0003.service",
        "/var/antctl/services/antnode0003",
        "/var/log/antnode/antnode0003",
    ] {
        assert!(!exists(&c, p), "{p} should be gone");
    }
    assert_eq!(show(&c, &unit(3))["LoadState"], "not-found");
    assert_eq!(udp_rules(&c), [55001, 55002, 60001]);
    let t_remove = t.elapsed();

    // 5. teardown: every node, unit, dir and node rule goes; nothing else.
    let t = Instant::now();
    wnm.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(wnm.statuses().is_empty());
    let units = c.sh_ok(&["ls", "/etc/systemd/system"]);
    assert!(!units.contains("antnode"), "{units}");
    for id in 1..=3u32 {
        for p in [
            format!("/var/antctl/services/antnode{id:04}"),
            format!("/var/log/antnode/antnode{id:04}"),
        ] {
            assert!(!exists(&c, &p), "{p} should be gone");
        }
        assert_eq!(show(&c, &unit(id))["LoadState"], "not-found");
    }
    assert_eq!(udp_rules(&c), [60001], "the host's own udp rule survives");
    assert!(
        c.sh_ok(&["ufw", "status"]).contains("22/tcp"),
        "the host's ssh rule survives"
    );
    assert!(exists(&c, "/var/antctl/services/not-a-node"));
    assert!(exists(&c, "/etc/systemd/system/keep.service"));
    assert!(
        !c.exec(&["pgrep", "-u", "ant"]).status.success(),
        "no node process left"
    );
    let t_teardown = t.elapsed();
    eprintln!(
        "[timing] sudo colony: image+binaries+container {}, init+fill {}, stop/start {}, reboot+restart {}, remove {}, teardown {}, total {}",
        secs(t_ready),
        secs(t_fill),
        secs(t_stop_start),
        secs(t_reboot),
        secs(t_remove),
        secs(t_teardown),
        secs(t0.elapsed())
    );
}

/// An anm-shaped host: the `ant` user, two of anm's units (`fixtures/anm/antnode0001.service`
/// and the same for node 2) running the emulator, anm's config, script and cron job.
fn anm_host(c: &Container) {
    c.sh_ok(&[
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        "ant",
    ]);
    let unit1 = std::fs::read_to_string(fixtures().join("anm/antnode0001.service")).unwrap();
    for id in 1..=2u32 {
        let name = format!("antnode{id:04}");
        let (root, logs) = (
            format!("/var/antctl/services/{name}"),
            format!("/var/log/antnode/{name}"),
        );
        c.sh_ok(&["mkdir", "-p", &root, &logs]);
        c.sh_ok(&["cp", EMU, &format!("{root}/antnode")]);
        c.sh_ok(&["chown", "-R", "ant:ant", &root, &logs]);
        let text = unit1
            .replace("antnode0001", &name)
            .replace("55001", &format!("{}", 55000 + id))
            .replace("13001", &format!("{}", 13000 + id));
        c.write_file(&format!("/etc/systemd/system/{name}.service"), &text);
    }
    c.sh_ok(&["mkdir", "-p", "/etc/cron.d"]);
    c.copy_in(&fixtures().join("anm/config"), "/var/antctl/config");
    c.write_file("/var/antctl/system", "");
    c.write_file(
        "/etc/cron.d/anm",
        "* * * * * root /bin/bash /usr/bin/anms.sh >> /var/antctl/log\n",
    );
    c.write_file("/usr/bin/anms.sh", "#!/bin/bash\nntpr=55\n");
    c.sh_ok(&["systemctl", "daemon-reload"]);
    for id in 1..=2 {
        c.sh_ok(&["systemctl", "start", &unit(id)]);
        c.wait_until(20, "anm's node bound its port", |c| {
            udp_bound(c, 55000 + id as u16)
        });
    }
}

/// What shows a restart: pid, restart count, start time.
fn run_identity(c: &Container, id: u32) -> (String, String, String) {
    let p = show(c, &unit(id));
    (
        p["MainPID"].clone(),
        p["NRestarts"].clone(),
        p["ExecMainStartTimestampMonotonic"].clone(),
    )
}

#[test]
fn anm_host_taken_over_by_wnm_without_a_restart() {
    let t0 = Instant::now();
    let (c, t_ready) = host();
    // The operator turned the firewall off the old way: no rule is made for a node wnm adds.
    let wnm = Wnm::root(&c).with_env("WNM_FIREWALL_DISABLED", "1");
    c.sh_ok(&["ufw", "--force", "enable"]);
    anm_host(&c);
    let before: Vec<_> = (1..=2).map(|id| run_identity(&c, id)).collect();
    for (pid, restarts, _) in &before {
        assert_ne!(pid, "0");
        assert_eq!(restarts, "0");
    }
    let cron = c.sh_ok(&["cat", "/etc/cron.d/anm"]);

    // anm mid-run: the takeover is refused and changes nothing.
    let t = Instant::now();
    c.write_file("/var/antctl/block", "");
    let (ok, _, err) = wnm.run(&["--init", "--migrate_anm", "--antnode_path", EMU]);
    assert!(!ok);
    assert!(err.contains("anm is running"), "{err}");
    assert_eq!(
        c.sh_ok(&["cat", "/etc/cron.d/anm"]),
        cron,
        "cron job in place"
    );
    assert!(!exists(&c, "/etc/cron.d/anm.disabled-by-wnm"));
    assert!(!exists(&c, "/var/antctl/colony.db"), "no database made");
    c.sh_ok(&["rm", "/var/antctl/block"]);

    // anm done: taken over, cron job disabled, both nodes imported running.
    let out = wnm.ok(&["--init", "--migrate_anm", "--antnode_path", EMU]);
    assert!(
        out.contains("took over 2 anm node(s) (2 running, none restarted)"),
        "{out}"
    );
    assert!(!exists(&c, "/etc/cron.d/anm"), "anm's cron job is off");
    assert_eq!(
        c.sh_ok(&["cat", "/etc/cron.d/anm.disabled-by-wnm"]),
        cron,
        "kept, renamed"
    );
    let nodes = wnm.nodes();
    assert_eq!(nodes.len(), 2);
    for (n, id) in nodes.iter().zip(1..=2u32) {
        assert_eq!(n["status"], "RUNNING", "{n}");
        assert_eq!(n["manager"], "systemd+sudo");
        assert_eq!(n["port"], (55000 + id).to_string());
        assert_eq!(n["metrics_port"], (13000 + id).to_string());
        assert_eq!(n["wallet"], WALLET);
    }
    let t_takeover = t.elapsed();

    // One cycle manages them: surveyed, none restarted, none lost.
    let t = Instant::now();
    let out = wnm.ok(&["-v"]);
    let s = wnm.statuses();
    assert!(s.len() >= 2, "{s:?}");
    for (name, status) in &s[..2] {
        assert_eq!(status, "RUNNING", "{name}: {out}");
    }
    let after: Vec<_> = (1..=2).map(|id| run_identity(&c, id)).collect();
    assert_eq!(after, before, "same pid, no restart, same start time");
    let versions: Vec<String> = wnm
        .nodes()
        .iter()
        .take(2)
        .map(|n| n["version"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(versions, ["0.4.11", "0.4.11"], "surveyed");
    if s.len() == 3 {
        assert!(out.contains("done: add antnode0003"), "{out}");
        running_as(&c, 3, "ant");
    }
    assert_eq!(udp_rules(&c), Vec::<u16>::new(), "WNM_FIREWALL_DISABLED=1");
    let t_cycle = t.elapsed();
    eprintln!(
        "[timing] anm takeover: image+binaries+container {}, refused+takeover {}, first cycle {}, total {}",
        secs(t_ready),
        secs(t_takeover),
        secs(t_cycle),
        secs(t0.elapsed())
    );
}

/// A node binary "release" for the operator's colony: a script that runs the emulator as
/// `version` (with extra emulator flags), installed at `path` for `owner`.
fn release(c: &Container, path: &str, owner: &str, version: &str, extra: &str) {
    c.write_file(
        path,
        &format!("#!/bin/sh\nexec {EMU} --emu-version {version} {extra} \"$@\"\n"),
    );
    c.sh_ok(&["chown", owner, path]);
    c.sh_ok(&["chmod", "755", path]);
}

#[test]
fn an_operator_with_sudo_upgrades_and_rolls_back_nodes_it_cannot_write() {
    let t0 = Instant::now();
    let (c, t_ready) = host();
    c.sh_ok(&["useradd", "--create-home", "op"]);
    c.write_file("/etc/sudoers.d/op", "op ALL=(ALL) NOPASSWD:ALL\n");
    c.sh_ok(&["chmod", "440", "/etc/sudoers.d/op"]);
    c.sh_ok(&["mkdir", "-p", "/home/op/bin"]);
    c.sh_ok(&["chown", "op:op", "/home/op/bin"]);
    let antnode = "/home/op/bin/antnode";
    release(&c, antnode, "op", "0.4.11", "");
    let wnm = Wnm::user(&c, "op", &["--dbpath", "/home/op/colony.db"]);

    let t = Instant::now();
    wnm.ok(&[
        "--init",
        "--process_manager",
        "systemd+sudo",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        antnode,
        "--node_cap",
        "1",
        "--delay_start",
        "0",
        "--delay_upgrade",
        "0",
    ]);
    c.sh_ok(&["ufw", "--force", "enable"]);
    wnm.cycle_until(4, |s| all(s, 1, "RUNNING"));
    running_as(&c, 1, "ant");
    assert_eq!(udp_rules(&c), [55001], "opened through sudo ufw");
    let root = "/var/antctl/services/antnode0001";
    assert!(
        !c.exec_as(Some("op"), &[], &["touch", &format!("{root}/x")])
            .status
            .success(),
        "op cannot write the node's dir: only sudo can"
    );
    let t_fill = t.elapsed();

    // an upgrade: the old binary is kept through sudo, the new one confirmed, the copy dropped
    let t = Instant::now();
    release(&c, antnode, "op", "0.4.12", "");
    let outs = wnm.cycle_until(4, |s| all(s, 1, "RUNNING"));
    assert!(
        outs.iter().any(|o| o.contains("done: upgrade antnode0001")),
        "{outs:?}"
    );
    assert_eq!(wnm.nodes()[0]["version"], "0.4.12");
    assert!(!exists(&c, &format!("{root}/antnode.wnm-previous")));
    assert_eq!(
        c.sh_ok(&["stat", "-c", "%U", &format!("{root}/antnode")])
            .trim(),
        "ant"
    );
    let t_upgrade = t.elapsed();

    // an upgrade to a release that cannot start is rolled back to the kept binary
    let t = Instant::now();
    release(&c, antnode, "op", "0.4.13", "--emu-refuse-start");
    let (ok, out, _) = wnm.run(&["-v"]);
    assert!(!ok, "a failed upgrade is a failed run");
    assert!(out.contains("old binary restored"), "{out}");
    running_as(&c, 1, "ant");
    assert!(
        c.sh_ok(&["cat", &format!("{root}/antnode")])
            .contains("0.4.12"),
        "the 0.4.12 release is back in place"
    );
    assert!(!exists(&c, &format!("{root}/antnode.wnm-previous")));
    release(&c, antnode, "op", "0.4.12", "");
    wnm.cycle_until(3, |s| all(s, 1, "RUNNING"));
    assert_eq!(wnm.nodes()[0]["version"], "0.4.12");
    let t_rollback = t.elapsed();

    assert_eq!(
        udp_rules(&c),
        [55001],
        "one rule, after upgrades and a rollback"
    );
    wnm.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(!exists(&c, root));
    assert!(!exists(&c, "/etc/systemd/system/antnode0001.service"));
    assert_eq!(udp_rules(&c), Vec::<u16>::new());
    eprintln!(
        "[timing] operator with sudo: image+binaries+container {}, init+fill {}, upgrade {}, failed upgrade rolled back {}, total {}",
        secs(t_ready),
        secs(t_fill),
        secs(t_upgrade),
        secs(t_rollback),
        secs(t0.elapsed())
    );
}

#[test]
fn user_mode_colony_under_a_lingering_user_manager() {
    let t0 = Instant::now();
    let (c, t_ready) = host();
    c.sh_ok(&["useradd", "--create-home", "alice"]);
    c.sh_ok(&["loginctl", "enable-linger", "alice"]);
    let uid = c.sh_ok(&["id", "-u", "alice"]).trim().to_string();
    c.wait_until(30, "alice's user manager", |c| {
        c.exec(&["systemctl", "is-active", &format!("user@{uid}.service")])
            .status
            .success()
    });
    c.sh_ok(&["ufw", "--force", "enable"]);
    let wnm = Wnm::user(&c, "alice", &[]);
    let t = Instant::now();
    wnm.ok(&[
        "--init",
        "--process_manager",
        "systemd+user",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        EMU,
        "--node_cap",
        "1",
        "--delay_start",
        "0",
    ]);
    wnm.cycle_until(4, |s| all(s, 1, "RUNNING"));
    let n = &wnm.nodes()[0];
    let root = "/home/alice/.local/share/autonomi/node/antnode0001";
    assert_eq!(n["root_dir"], root);
    assert_eq!(n["manager"], "systemd+user");
    let unit_file = "/home/alice/.config/systemd/user/antnode0001.service";
    assert!(!c.sh_ok(&["cat", unit_file]).contains("User="));
    let runtime = format!("/run/user/{uid}");
    let shown = c.exec_as(
        Some("alice"),
        &[("XDG_RUNTIME_DIR", runtime.as_str())],
        &[
            "systemctl",
            "--user",
            "show",
            "-p",
            "MainPID,ActiveState",
            "antnode0001.service",
        ],
    );
    let shown = text(&shown.stdout);
    assert!(shown.contains("ActiveState=active"), "{runtime}: {shown}");
    let pid = shown
        .lines()
        .find_map(|l| l.strip_prefix("MainPID="))
        .unwrap()
        .to_string();
    assert_eq!(c.sh_ok(&["ps", "-o", "user=", "-p", &pid]).trim(), "alice");
    assert_eq!(
        udp_rules(&c),
        Vec::<u16>::new(),
        "user mode never touches ufw"
    );
    wnm.ok(&["--force_action", "teardown", "--confirm"]);
    assert!(!exists(&c, unit_file));
    assert!(!exists(&c, root));
    assert!(!c.exec(&["kill", "-0", &pid]).status.success());
    eprintln!(
        "[timing] user mode: image+binaries+container {}, init+fill+teardown {}, total {}",
        secs(t_ready),
        secs(t.elapsed()),
        secs(t0.elapsed())
    );
}
