//! Harness for the cross-crate behaviour tests: a colony in a temporary HOME, driven by the real
//! `wnm` binary with the node emulator as its `antnode`, inspected through wnm's own JSON reports
//! and through `/proc` (which processes really run).
//!
//! Test-only infrastructure: it runs `wnm` with `std::process::Command` directly.
#![allow(clippy::disallowed_methods)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The rewards address test colonies use.
pub const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// A built binary of this workspace next to the running test (`target/<profile>/NAME`).
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent();
    while let Some(d) = dir {
        let c = d.join(name);
        if c.is_file() {
            return c;
        }
        dir = d.parent();
    }
    panic!(
        "{name} is not built next to {}: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        exe.display()
    );
}

/// A colony under a temporary directory.
pub struct Colony {
    /// Keeps the directory alive.
    pub dir: tempfile::TempDir,
    /// HOME of every wnm run.
    pub home: PathBuf,
    /// The database.
    pub db: PathBuf,
    /// `antnode_path`: starts as a copy of the emulator.
    pub antnode: PathBuf,
    /// The machine-metrics override file (calm at first).
    pub metrics_file: PathBuf,
    /// Extra environment for wnm runs.
    pub env: Vec<(String, String)>,
    /// A command every wnm run is wrapped in (e.g. `nsenter -t PID -n --`), empty for none.
    pub wrap: Vec<String>,
}

/// Calm machine metrics: everything allows adding.
pub const CALM: &str = r#"{"cpu_percent": 5, "mem_percent": 10, "disk_percent": 10, "load_1": 0.1, "load_5": 0.1, "load_15": 0.1, "cpu_count": 2, "boot_time": 1}"#;

impl Colony {
    /// A new colony directory with the emulator installed as `antnode` (version `version`).
    pub fn new(version: &str) -> Colony {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let antnode = dir.path().join("bin/antnode");
        std::fs::create_dir_all(antnode.parent().unwrap()).unwrap();
        let c = Colony {
            db: dir.path().join("colony.db"),
            metrics_file: dir.path().join("metrics.json"),
            home,
            antnode,
            dir,
            env: Vec::new(),
            wrap: Vec::new(),
        };
        c.install_binary(version, &[]);
        c.set_metrics(CALM);
        c
    }

    /// Put a node binary at `antnode_path` that reports `version`, with extra emulator flags
    /// (e.g. `--emu-refuse-start`). A two-line script that execs the emulator: the emulator
    /// itself has one version baked in, and the script gives each "release" its own file.
    pub fn install_binary(&self, version: &str, extra: &[&str]) {
        let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
        let mut script = format!(
            "#!/bin/sh\nexec '{}' --emu-version '{version}'",
            emu.display()
        );
        for e in extra {
            script.push_str(&format!(" '{e}'"));
        }
        script.push_str(" \"$@\"\n");
        let tmp = self.antnode.with_extension("new");
        std::fs::write(&tmp, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &self.antnode).unwrap();
    }

    /// Replace the machine metrics wnm sees (a JSON object of `MachineMetrics` fields).
    pub fn set_metrics(&self, json: &str) {
        std::fs::write(&self.metrics_file, json).unwrap();
    }

    /// Where the node dirs go.
    pub fn node_storage(&self) -> PathBuf {
        self.dir.path().join("nodes")
    }

    /// The `wnm` command for this colony (HOME, --dbpath, metrics override set).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = match self.wrap.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(workspace_bin("wnm"));
                c
            }
            None => Command::new(workspace_bin("wnm")),
        };
        cmd.args(args)
            .arg("--dbpath")
            .arg(&self.db)
            .env("HOME", &self.home)
            .env("WNM_MACHINE_METRICS_OVERRIDE", &self.metrics_file)
            .env_remove("WNM_FAULT_PAUSE")
            .env("WNM_UPGRADE_CONFIRM_SECS", "5");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Run wnm to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("running wnm");
        eprintln!(
            "$ wnm {}\n{}{}[exit {:?}]",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            out.status.code()
        );
        out
    }

    /// Run wnm and require exit 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "wnm {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `wnm --init` as setsid+user with port bases `base`, `base+1`, `base+2` (thousands).
    pub fn init(&self, base: u32, extra: &[&str]) {
        self.init_ports(base, base + 1, base + 2, extra);
    }

    /// `wnm --init` as setsid+user with these port bases (thousands), then `extra`.
    pub fn init_ports(&self, port: u32, metrics: u32, rpc: u32, extra: &[&str]) {
        let init = self.init_args(port, metrics, rpc);
        self.ok(&with(&init, extra));
    }

    /// The flags of `wnm --init` as setsid+user with this colony's binary and node storage and
    /// these port bases (thousands). Keep `metrics` below 32: metrics ports in the kernel's
    /// ephemeral range (32768-60999) can be taken by any outgoing connection on this busy
    /// machine, and a node then cannot bind its metrics server.
    pub fn init_args(&self, port: u32, metrics: u32, rpc: u32) -> Vec<String> {
        let storage = self.node_storage();
        [
            "--init",
            "--process_manager",
            "setsid+user",
            "--rewards_address",
            WALLET,
            "--antnode_path",
            self.antnode.to_str().unwrap(),
            "--node_storage",
            storage.to_str().unwrap(),
            "--port_start",
            &port.to_string(),
            "--metrics_port_start",
            &metrics.to_string(),
            "--rpc_port_start",
            &rpc.to_string(),
        ]
        .map(String::from)
        .to_vec()
    }

    /// Every node row, as `--report node-status-details --json` gives it.
    pub fn nodes(&self) -> Vec<Value> {
        let s = self.ok(&["--report", "node-status-details", "--json", "-q"]);
        match serde_json::from_str(&s).expect("report is JSON") {
            Value::Array(v) => v,
            other => panic!("not a list: {other}"),
        }
    }

    /// `(service name, status)` of every node.
    pub fn statuses(&self) -> Vec<(String, String)> {
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

    /// The version of every node row (`""` when unknown), in row order.
    pub fn versions(&self) -> Vec<String> {
        self.nodes()
            .iter()
            .map(|n| n["version"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Processes (pid, argument vector) whose command line mentions this colony's directory:
    /// its nodes, not the wnm runs themselves (nor this test), zombies left out.
    pub fn processes(&self) -> Vec<(u32, Vec<String>)> {
        let marker = self.dir.path().to_string_lossy().into_owned();
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Some(argv) = wnm_runner::proc::cmdline(pid) else {
                continue;
            };
            let is_wnm = argv
                .iter()
                .any(|a| Path::new(a).file_name().is_some_and(|f| f == "wnm"));
            let zombie = wnm_runner::proc::stat(pid).is_none_or(|s| s.is_zombie());
            if argv.iter().any(|a| a.contains(&marker))
                && !zombie
                && !is_wnm
                && pid != std::process::id()
            {
                out.push((pid, argv));
            }
        }
        out
    }

    /// Root dirs of running node processes (`--root-dir` of each).
    pub fn running_roots(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .node_processes()
            .into_iter()
            .map(|(_, root)| root)
            .collect();
        v.sort();
        v
    }

    /// Run cycles until `done(statuses)` or `max` cycles.
    pub fn cycle_until(
        &self,
        max: usize,
        done: impl Fn(&[(String, String)]) -> bool,
    ) -> Vec<(String, String)> {
        for _ in 0..max {
            self.ok(&["-v"]);
            let s = self.statuses();
            if done(&s) {
                return s;
            }
        }
        panic!("not reached after {max} cycles: {:?}", self.statuses());
    }
}

/// Statuses whose node must have a live process.
pub const LIVE: [&str; 3] = ["RUNNING", "RESTARTING", "UPGRADING"];

impl Colony {
    /// Route wnm's firewall calls to a recording `ufw` (a script on `PATH` that appends its
    /// arguments to `ufw.log`): ufw itself cannot run on this host. [`Colony::open_ports`] reads it back.
    pub fn with_recording_ufw(&mut self) {
        let bin = self.dir.path().join("fw-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let log = self.dir.path().join("ufw.log");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\necho 'Rule added'\n",
            log.display()
        );
        let ufw = bin.join("ufw");
        std::fs::write(&ufw, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ufw, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::var("PATH").unwrap_or_default();
        self.env
            .push(("PATH".into(), format!("{}:{path}", bin.display())));
        self.env.push(("WNM_FIREWALL".into(), "ufw".into()));
        self.env.push(("FIREWALL".into(), "ufw".into()));
    }

    /// UDP ports the recording ufw holds open (`allow P/udp` minus `delete allow P/udp`).
    pub fn open_ports(&self) -> Vec<u16> {
        let log = std::fs::read_to_string(self.dir.path().join("ufw.log")).unwrap_or_default();
        let mut open = std::collections::BTreeSet::new();
        for line in log.lines() {
            let w: Vec<&str> = line.split_whitespace().collect();
            let port = |r: &str| r.strip_suffix("/udp").and_then(|p| p.parse::<u16>().ok());
            match w.as_slice() {
                ["allow", r] => {
                    open.extend(port(r));
                }
                ["delete", "allow", r] => {
                    if let Some(p) = port(r) {
                        open.remove(&p);
                    }
                }
                _ => {}
            }
        }
        open.into_iter().collect()
    }

    /// Start `wnm ARGS` with `WNM_FAULT_PAUSE=point`, wait until it reports that it paused
    /// there, and SIGKILL it: the state a crash at that line leaves behind.
    pub fn kill_at(&self, point: &str, args: &[&str]) {
        let mut child = self.pause_at(point, args);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("reaping wnm");
        eprintln!("$ wnm {} -- SIGKILLed at {point}", args.join(" "));
        assert!(
            std::os::unix::process::ExitStatusExt::signal(&status).is_some(),
            "wnm died of a signal"
        );
    }

    /// Start `wnm ARGS` with `WNM_FAULT_PAUSE=point` and return it once it has paused there
    /// (it then sleeps, holding the run lock, until killed).
    pub fn pause_at(&self, point: &str, args: &[&str]) -> std::process::Child {
        use std::io::BufRead;
        let mut cmd = self.command(args);
        cmd.env("WNM_FAULT_PAUSE", point)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawning wnm");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let want = format!("fault point {point}");
        std::thread::spawn(move || {
            let mut seen = String::new();
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(|l| l.ok())
            {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(&want) {
                    let _ = tx.send(Ok(()));
                    return;
                }
            }
            let _ = tx.send(Err(seen));
        });
        let reached = rx.recv_timeout(Duration::from_secs(120));
        match reached {
            Ok(Ok(())) => child,
            Ok(Err(seen)) => {
                let _ = child.kill();
                let status = child.wait().expect("reaping wnm");
                panic!("wnm {args:?} ended ({status}) before {point}:\n{seen}")
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wnm {args:?} did not reach {point} within 120 s")
            }
        }
    }

    /// Node dirs under node_storage.
    pub fn node_dirs(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.node_storage())
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.path().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Node processes as `(pid, root dir)`: the argument after `--root-dir` (a dir with a blank
    /// in its name is one argument).
    pub fn node_processes(&self) -> Vec<(u32, String)> {
        self.processes()
            .into_iter()
            .filter_map(|(pid, argv)| {
                let at = argv.iter().position(|a| a == "--root-dir")?;
                Some((pid, argv.get(at + 1)?.clone()))
            })
            .collect()
    }

    /// Every row matches the machine: a RUNNING/RESTARTING/UPGRADING row has exactly one live
    /// process (the pid in its pid file, its root dir on the `/proc` command line) and its files;
    /// every other row has no process; every process and every node dir has a row; with the
    /// recording ufw, the open ports are exactly the live nodes' ports. Returns the rows.
    pub fn assert_true_state(&self) -> Vec<Value> {
        let rows = self.nodes();
        let procs = self.node_processes();
        let dirs = self.node_dirs();
        let root = |r: &Value| r["root_dir"].as_str().unwrap_or("").to_string();
        for r in &rows {
            let status = r["status"].as_str().unwrap_or("");
            let name = r["service_name"].as_str().unwrap_or("");
            let live: Vec<u32> = procs
                .iter()
                .filter(|(_, d)| *d == root(r))
                .map(|(p, _)| *p)
                .collect();
            if LIVE.contains(&status) {
                assert_eq!(
                    live.len(),
                    1,
                    "{name} is {status}: one process, found {live:?}"
                );
                let pid_file = Path::new(&root(r)).join("node.pid");
                let recorded = std::fs::read_to_string(&pid_file).unwrap_or_default();
                assert_eq!(
                    recorded.trim().parse::<u32>().ok(),
                    Some(live[0]),
                    "{name}: node.pid names the live process"
                );
                assert!(
                    Path::new(&root(r)).join("antnode").is_file(),
                    "{name}: binary in place"
                );
            } else {
                assert!(live.is_empty(), "{name} is {status} but runs as {live:?}");
            }
            if status != "DEAD" && status != "REMOVING" {
                assert!(dirs.contains(&root(r)), "{name} is {status} but has no dir");
            }
        }
        for (pid, d) in &procs {
            assert!(
                rows.iter().any(|r| root(r) == *d),
                "orphan process {pid} in {d}: no row"
            );
        }
        for d in &dirs {
            assert!(
                rows.iter().any(|r| root(r) == *d),
                "node dir {d} has no row"
            );
        }
        if self.env.iter().any(|(k, _)| k == "WNM_FIREWALL") {
            let mut want: Vec<u16> = rows
                .iter()
                .filter(|r| LIVE.contains(&r["status"].as_str().unwrap_or("")))
                .filter_map(|r| r["port"].as_str().and_then(|p| p.parse().ok()))
                .collect();
            want.sort();
            assert_eq!(
                self.open_ports(),
                want,
                "open firewall ports = live nodes' ports"
            );
        }
        rows
    }
}

impl Drop for Colony {
    /// Never leave a node process behind, whatever the test did.
    fn drop(&mut self) {
        for (pid, _) in self.processes() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// Wait until `f` holds, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

/// Settings that make cycles quick: `node_cap` `n`, `n` starts and `n` operations at a time,
/// and no wait before a start, an upgrade or a removal (`delay_*` 0).
pub fn fast_settings(n: u32) -> Vec<String> {
    let n = n.to_string();
    [
        "--node_cap",
        &n,
        "--max_concurrent_starts",
        &n,
        "--max_concurrent_operations",
        &n,
        "--delay_start",
        "0",
        "--delay_upgrade",
        "0",
        "--delay_remove",
        "0",
    ]
    .map(String::from)
    .to_vec()
}

/// `owned` then `extra`, as the argument list wnm runs take.
pub fn with<'a>(owned: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    owned
        .iter()
        .map(String::as_str)
        .chain(extra.iter().copied())
        .collect()
}

/// How many `(name, status)` pairs have `status`.
pub fn count(statuses: &[(String, String)], status: &str) -> usize {
    statuses.iter().filter(|(_, st)| st == status).count()
}

/// True when `p` exists.
pub fn exists(p: &str) -> bool {
    Path::new(p).exists()
}

/// The colony's node history (newest first), read with wnm's own store.
pub fn history(c: &Colony) -> Vec<wnm_store::HistoryEntry> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = wnm_store::Store::open(&c.db).await.unwrap();
        let h = s.history(None, 100_000).await.unwrap();
        s.close().await.unwrap();
        h
    })
}

/// Every history reason (but the bare `survey` older rows carry) is a sentence naming its cause:
/// `<action> <node>: <cause of two words or more>` (`resurvey: <cause>` has no node).
/// Returns the history.
pub fn assert_history_sentences(c: &Colony) -> Vec<wnm_store::HistoryEntry> {
    let h = history(c);
    for e in &h {
        let r = e.reason.as_str();
        if r == "survey" {
            continue;
        }
        let (head, cause) = r
            .split_once(": ")
            .unwrap_or_else(|| panic!("history reason without a cause: {r:?}"));
        let mut w = head.split_whitespace();
        let verb = w.next().unwrap_or("");
        assert!(
            [
                "add", "start", "stop", "upgrade", "remove", "delete", "settle", "resurvey",
                "recover", "imported", "survey"
            ]
            .contains(&verb),
            "history reason {r:?}"
        );
        if verb != "resurvey" && verb != "imported" {
            assert!(
                w.next().is_some_and(|n| n.starts_with("antnode")),
                "history reason names no node: {r:?}"
            );
        }
        assert!(
            cause.split_whitespace().count() >= 2,
            "too short a cause: {r:?}"
        );
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_dir_with_a_blank_is_one_argument() {
        let c = Colony::new("0.4.11");
        let root = c.dir.path().join("nodes/node with blanks");
        let root = root.to_str().unwrap().to_string();
        // a stand-in node: a shell that sleeps (`; true` keeps it from exec'ing sleep)
        let mut child = Command::new("sh")
            .args(["-c", "sleep 60; true", "sh", "--root-dir", &root])
            .spawn()
            .unwrap();
        let found = wait_for(Duration::from_secs(10), || {
            c.node_processes().contains(&(child.id(), root.clone()))
        });
        let procs = c.node_processes();
        let _ = child.kill();
        let _ = child.wait();
        assert!(found, "{procs:?}");
        assert_eq!(c.running_roots(), Vec::<String>::new(), "gone once killed");
    }
}
