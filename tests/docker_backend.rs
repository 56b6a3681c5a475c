//! The docker backend against a real Docker engine: pods built from a tiny local image, nodes
//! played by `antnode-emu`, the pod supervisor being the real `wnm pod`. Also the supervisor
//! alone on the host (no docker): start, stop, crash restart, shutdown.
#![allow(clippy::disallowed_methods)] // test harness: docker and kill from the host

mod docker_harness;

use docker_harness::{
    ContainerGuard, colony_containers, config, context, docker, http_get, install_emulator, node,
    peer_id, pod_image, version,
};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wnm_backend_docker::DockerBackend;
use wnm_backend_docker::config::DockerConfig;
use wnm_backend_docker::control::{self, Desired, Launch, RunState, Want};
use wnm_core::{Antnode04, Backend, ErrorKind, Machine, Node, NodeStatus, ProcessState};
use wnm_tests::{WALLET, wait_for, workspace_bin};

const T: Duration = Duration::from_secs(45);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn environ(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn running_pid(rt: &tokio::runtime::Runtime, b: &DockerBackend, n: &Node) -> u32 {
    b.pods().invalidate();
    match rt.block_on(b.status(n)).unwrap() {
        ProcessState::Running { pid: Some(pid) } => pid,
        other => panic!("{} should run, is {other:?}", n.service_name),
    }
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|e| {
            e.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn pods_hold_many_nodes_through_restarts_crashes_upgrades_and_removal() {
    let t0 = Instant::now();
    let wnm = workspace_bin("wnm");
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    let image = pod_image(&[&wnm, &emu]);
    let t_image = t0.elapsed();
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    let storage = d.path().join("nodes");
    let source = d.path().join("bin/antnode");
    install_emulator(&source);
    let rt = rt();

    // A missing image: a clear error, and nothing laid out.
    let cfg = config(&base, &storage, "wnm-pod-test:no-such-tag", 3);
    let _guard = ContainerGuard(cfg.colony.clone());
    let b = DockerBackend::new(cfg.clone(), Arc::new(Antnode04));
    let n1 = node(&cfg, 1, 1, 1);
    let e = rt.block_on(b.create(&n1, &source)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(
        e.message()
            .contains("docker images wnm-pod-test:no-such-tag"),
        "{e}"
    );
    assert!(!Path::new(&n1.root_dir).exists());
    assert!(colony_containers(&cfg.colony).is_empty());

    let cfg = config(&base, &storage, &image, 3);
    let b = DockerBackend::new(cfg.clone(), Arc::new(Antnode04));
    let ports = wnm_testkit::free_port_range(14).unwrap();
    let metrics = ports + 7;
    let nodes: Vec<Node> = (1..=7u16)
        .map(|i| node(&cfg, u32::from(i), ports + i - 1, metrics + i - 1))
        .collect();

    // 1. create: 7 nodes with 3 per pod span 3 pods, all stopped.
    let t = Instant::now();
    for n in &nodes {
        let made = rt.block_on(b.create(n, &source)).unwrap();
        assert_eq!(made.user, cfg.user.name);
        assert!(Path::new(&n.binary).is_file());
    }
    let pod = |k: u32| wnm_backend_docker::spec::pod_name(&cfg.colony, k);
    assert_eq!(colony_containers(&cfg.colony), [pod(1), pod(2), pod(3)]);
    for (k, want) in [(1, 3), (2, 3), (3, 1)] {
        assert_eq!(
            control::services_in(&cfg.control_dir(k)).unwrap().len(),
            want,
            "pod {k}"
        );
    }
    let inspect = docker(&[
        "inspect",
        "--format",
        "{{.HostConfig.NetworkMode}} {{.HostConfig.RestartPolicy.Name}} {{.Config.User}} {{index .Config.Labels \"wnm.pod\"}}",
        &pod(2),
    ]);
    assert_eq!(
        inspect.trim(),
        format!("host unless-stopped {} 2", cfg.user.docker_user())
    );
    for n in &nodes {
        assert_eq!(rt.block_on(b.status(n)).unwrap(), ProcessState::Stopped);
    }
    // Creating again is harmless (same pod, files in place).
    rt.block_on(b.create(&nodes[0], &source)).unwrap();
    assert_eq!(control::services_in(&cfg.control_dir(1)).unwrap().len(), 3);
    let t_create = t.elapsed();

    // 2. start: every node answers /metrics on 127.0.0.1 (host network), runs as a host process
    // with its launch arguments and environment.
    let t = Instant::now();
    for n in &nodes {
        rt.block_on(b.start(n)).unwrap();
    }
    let t_start = t.elapsed();
    let mut peers = Vec::new();
    for n in &nodes {
        assert!(
            wait_for(T, || http_get(n.metrics_port, "/metrics").is_some()),
            "{} does not answer /metrics",
            n.service_name
        );
        peers.push(peer_id(n.metrics_port).unwrap());
        let pid = running_pid(&rt, &b, n);
        let cmd = cmdline(pid);
        assert!(cmd.contains(&format!("--root-dir {}", n.root_dir)), "{cmd}");
        assert!(cmd.contains("--no-upnp"), "{cmd}");
        let env = environ(pid);
        assert!(env.contains("WNM_TEST_MARK=machine"), "{env}");
        assert!(env.contains(&format!("NODE_MARK=n{}", n.id)), "{env}");
    }
    assert!(peers.iter().all(|p| p.starts_with("12D3KooW")), "{peers:?}");
    let logs = std::fs::read_to_string(Path::new(&nodes[0].log_dir).join("antnode.log"))
        .unwrap_or_default();
    assert!(
        logs.contains(&peers[0]),
        "node log in the mounted log dir: {logs}"
    );

    // 3. stop antnode0002 (pod 1).
    rt.block_on(b.stop(&nodes[1])).unwrap();
    assert_eq!(
        rt.block_on(b.status(&nodes[1])).unwrap(),
        ProcessState::Stopped
    );
    assert!(http_get(nodes[1].metrics_port, "/metrics").is_none());
    rt.block_on(b.stop(&nodes[1])).unwrap();

    // 4. `docker restart` pod 1: its wanted nodes come back by themselves with their peer ids;
    // the stopped one stays stopped.
    let t = Instant::now();
    let old_pid = running_pid(&rt, &b, &nodes[0]);
    docker(&["restart", &pod(1)]);
    for i in [0usize, 2] {
        assert!(
            wait_for(T, || peer_id(nodes[i].metrics_port).as_deref()
                == Some(&peers[i])),
            "{} did not come back after the pod restart",
            nodes[i].service_name
        );
    }
    assert_ne!(running_pid(&rt, &b, &nodes[0]), old_pid);
    std::thread::sleep(Duration::from_secs(1));
    assert!(http_get(nodes[1].metrics_port, "/metrics").is_none());
    assert_eq!(
        rt.block_on(b.status(&nodes[1])).unwrap(),
        ProcessState::Stopped
    );
    let t_restart = t.elapsed();

    // 5. a node killed from outside is restarted by the supervisor (same identity, new pid).
    let pid = running_pid(&rt, &b, &nodes[3]);
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        wait_for(T, || {
            b.pods().invalidate();
            matches!(rt.block_on(b.status(&nodes[3])), Ok(ProcessState::Running { pid: Some(p) }) if p != pid)
                && peer_id(nodes[3].metrics_port).as_deref() == Some(&peers[3])
        }),
        "antnode0004 was not restarted after kill -9"
    );
    let st = control::read_state(&control::state_path(&cfg.control_dir(2), "antnode0004"))
        .unwrap()
        .unwrap();
    assert_eq!(st.state, RunState::Running);
    assert_eq!(st.restarts, 1);
    assert!(st.last_exit.is_some());

    // 6. upgrade antnode0005: a "new release" (the emulator reporting 0.4.12).
    let release = d.path().join("bin/antnode-0.4.12");
    let emu_in_pods = storage.join(".emu/antnode-emu");
    install_emulator(&emu_in_pods);
    std::fs::write(
        &release,
        format!(
            "#!/bin/sh\nexec '{}' --emu-version 0.4.12 \"$@\"\n",
            emu_in_pods.display()
        ),
    )
    .unwrap();
    assert_eq!(version(nodes[4].metrics_port).as_deref(), Some("0.4.11"));
    rt.block_on(b.stop(&nodes[4])).unwrap();
    rt.block_on(b.upgrade(&nodes[4], &release)).unwrap();
    rt.block_on(b.start(&nodes[4])).unwrap();
    assert!(
        wait_for(T, || version(nodes[4].metrics_port).as_deref()
            == Some("0.4.12")),
        "the upgraded node does not report 0.4.12"
    );
    assert_eq!(
        peer_id(nodes[4].metrics_port).as_deref(),
        Some(peers[4].as_str())
    );

    // 7. discover sees every node with its pod's truth, asking docker for one container list
    // and one process list per running pod (3), not one per node (7). A backend whose docker
    // answers never expire counts them exactly; status reads after it ask docker nothing.
    let mut steady = cfg.clone();
    steady.cache_ttl = Duration::from_secs(3600);
    let counted = DockerBackend::new(steady, Arc::new(Antnode04));
    let found = rt.block_on(counted.discover()).unwrap();
    let calls = counted.pods().calls();
    assert_eq!((calls.lists, calls.tops), (1, 3), "{calls:?}");
    for n in &nodes {
        rt.block_on(counted.status(n)).unwrap();
    }
    assert_eq!(counted.pods().calls(), calls);
    assert_eq!(found.len(), 7);
    for f in &found {
        let n = &nodes[f.id as usize - 1];
        assert_eq!(
            (f.port, f.metrics_port, &f.root_dir),
            (n.port, n.metrics_port, &n.root_dir)
        );
        assert_eq!(f.manager.to_string(), "docker+user");
        assert_eq!(f.created_at, n.created_at);
        let want = if f.id == 2 {
            NodeStatus::Stopped
        } else {
            NodeStatus::Running
        };
        assert_eq!(f.status, want, "{}", f.service_name);
    }
    // Stopping and starting a node trusts the pod seen running and keeps what docker said
    // about every pod: no new container list, and only the waits read pod 2's processes.
    let before = counted.pods().calls();
    rt.block_on(counted.stop(&nodes[4])).unwrap();
    rt.block_on(counted.start(&nodes[4])).unwrap();
    let after = counted.pods().calls();
    assert_eq!(after.lists, before.lists, "{after:?}");
    assert!(after.tops > before.tops, "{after:?}");
    for n in &nodes {
        let want = if n.id == 2 {
            ProcessState::Stopped
        } else {
            ProcessState::Running {
                pid: Some(running_pid(&rt, &b, n)),
            }
        };
        assert_eq!(rt.block_on(counted.status(n)).unwrap(), want);
    }
    assert_eq!(counted.pods().calls(), after);

    // 8. removing antnode0007 empties pod 3, which goes (above min_container_count 1);
    // removing the stopped antnode0002 leaves pod 1 (it still holds two nodes).
    rt.block_on(b.remove(&nodes[6])).unwrap();
    assert_eq!(colony_containers(&cfg.colony), [pod(1), pod(2)]);
    assert!(!cfg.control_dir(3).exists());
    assert!(!Path::new(&nodes[6].root_dir).exists());
    assert!(!Path::new(&nodes[6].log_dir).exists());
    assert_eq!(
        rt.block_on(b.status(&nodes[6])).unwrap(),
        ProcessState::Missing
    );
    rt.block_on(b.remove(&nodes[1])).unwrap();
    assert_eq!(colony_containers(&cfg.colony), [pod(1), pod(2)]);
    assert!(http_get(nodes[0].metrics_port, "/metrics").is_some());

    // 9. a container with a pod's name that is not this colony's is never touched.
    // (One node per pod makes the next node need pod 3.)
    let foreign = pod(3);
    docker(&["create", "--name", &foreign, &image, "/bin/sh"]);
    let mut one = cfg.clone();
    one.max_per_pod = 1;
    let b1 = DockerBackend::new(one, Arc::new(Antnode04));
    let e = rt.block_on(b1.create(&nodes[6], &source));
    let _ = Command::new("docker").args(["rm", "-f", &foreign]).output();
    let e = e.unwrap_err();
    assert!(e.message().contains("not one of this colony's pods"), "{e}");
    assert!(!Path::new(&nodes[6].root_dir).exists());
    // One with this colony's label but no pod number is named with what to do, and nothing
    // is laid out.
    let colony_label = format!("wnm.colony={}", cfg.colony);
    docker(&[
        "create",
        "--name",
        &foreign,
        "--label",
        &colony_label,
        &image,
        "/bin/sh",
    ]);
    let e = rt.block_on(b1.create(&nodes[6], &source));
    let _ = Command::new("docker").args(["rm", "-f", &foreign]).output();
    let e = e.unwrap_err();
    assert!(
        e.message().contains(&format!("docker rm -f {foreign}")),
        "{e}"
    );
    assert!(!Path::new(&nodes[6].root_dir).exists());

    // 10. teardown: no container, no node dir, no control dir.
    let t = Instant::now();
    let left: Vec<Node> = [0usize, 2, 3, 4, 5]
        .iter()
        .map(|i| nodes[*i].clone())
        .collect();
    let before = b.pods().calls();
    rt.block_on(b.teardown(&left)).unwrap();
    let t_teardown = t.elapsed();
    // One container list serves every pod's removal.
    assert_eq!(b.pods().calls().lists, before.lists + 1);
    assert!(colony_containers(&cfg.colony).is_empty());
    let _ = std::fs::remove_dir_all(storage.join(".emu"));
    assert!(
        files_under(&storage).is_empty(),
        "{:?}",
        files_under(&storage)
    );
    assert!(files_under(&cfg.log_base).is_empty());
    assert!(!cfg.control_base.exists());
    for n in &left {
        assert!(http_get(n.metrics_port, "/metrics").is_none());
    }
    eprintln!(
        "[timing] docker backend: image {:.1} s, create 7 {:.1} s, start 7 {:.1} s, pod restart {:.1} s, teardown {:.1} s, total {:.1} s",
        t_image.as_secs_f64(),
        t_create.as_secs_f64(),
        t_start.as_secs_f64(),
        t_restart.as_secs_f64(),
        t_teardown.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}

fn desired(root: &Path, id: u32, metrics: u16, want: Want, seq: u64, program: &Path) -> Desired {
    let name = wnm_core::service_name(id);
    let r = root.join(&name);
    std::fs::create_dir_all(&r).unwrap();
    Desired {
        format: control::FORMAT,
        seq,
        want,
        launch: Launch {
            program: program.to_string_lossy().into_owned(),
            args: [
                "--root-dir",
                &r.to_string_lossy(),
                "--metrics-server-port",
                &metrics.to_string(),
                "--rewards-address",
                WALLET,
                "--log-output-dest",
                &r.to_string_lossy(),
            ]
            .map(String::from)
            .to_vec(),
            env: vec![],
            cwd: r.to_string_lossy().into_owned(),
            stdout: r.join("stdout.log").to_string_lossy().into_owned(),
            stderr: r.join("stderr.log").to_string_lossy().into_owned(),
        },
        node: Default::default(),
    }
}

/// Kills the supervisor when a failed assertion leaves it running.
struct Supervisor(std::process::Child);

impl Drop for Supervisor {
    fn drop(&mut self) {
        // SIGTERM first, so it stops its nodes; SIGKILL if it does not go.
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        if !wait_for(Duration::from_secs(10), || {
            self.0.try_wait().ok().flatten().is_some()
        }) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// How often the main thread of `pid` went to sleep (its voluntary context switches): the
/// supervisor's loop runs there, so this counts its wake-ups.
fn sleeps(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("voluntary_ctxt_switches in /proc/PID/status")
}

fn state(control_dir: &Path, id: u32) -> Option<control::NodeState> {
    control::read_state(&control::state_path(
        control_dir,
        &wnm_core::service_name(id),
    ))
    .ok()
    .flatten()
}

#[test]
fn supervisor_follows_its_control_dir() {
    let t0 = Instant::now();
    let d = tempfile::tempdir().unwrap();
    let ctl = d.path().join("control");
    std::fs::create_dir_all(&ctl).unwrap();
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    let m = wnm_testkit::free_port_range(2).unwrap();
    let write = |id: u32, want: Want, seq: u64, program: &Path| {
        let dd = desired(d.path(), id, m + id as u16 - 1, want, seq, program);
        control::write_desired(
            &control::desired_path(&ctl, &wnm_core::service_name(id)),
            &dd,
        )
        .unwrap();
    };
    write(1, Want::Running, 1, &emu);
    write(2, Want::Stopped, 1, &emu);
    let log = d.path().join("supervisor.log");
    let mut sup = Supervisor(
        Command::new(workspace_bin("wnm"))
            .args(["pod", "--control"])
            .arg(&ctl)
            .args(["--grace-secs", "2"])
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let running = |id: u32| state(&ctl, id).is_some_and(|s| s.state == RunState::Running);
    assert!(wait_for(T, || running(1) && http_get(m, "/metrics").is_some()));
    assert_eq!(state(&ctl, 2).unwrap().state, RunState::Stopped);
    // Start the second, stop the first.
    write(2, Want::Running, 2, &emu);
    write(1, Want::Stopped, 2, &emu);
    assert!(wait_for(T, || running(2) && http_get(m + 1, "/metrics").is_some()));
    assert!(wait_for(T, || state(&ctl, 1)
        .is_some_and(|s| s.state == RunState::Stopped && s.seq == 2)));
    assert!(http_get(m, "/metrics").is_none());
    // A crash is restarted after its backoff, with the exit recorded.
    let pid = state(&ctl, 2).unwrap().pid.unwrap();
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(wait_for(T, || state(&ctl, 2)
        .is_some_and(|s| s.state == RunState::Running
            && s.pid != Some(pid)
            && s.restarts == 1)));
    // "signal 9" when the supervisor reaped it, "exited" when the runner's reaper did.
    let how = state(&ctl, 2).unwrap().last_exit.unwrap();
    assert!(how == "signal 9" || how == "exited", "{how}");
    // A binary that cannot start is reported and retried after a growing backoff (1 s, 2 s,
    // ...), not in a tight loop: over 3 s the supervisor tries at most 3 times, and its main
    // thread sleeps in between (a 20 ms poll would wake it some 150 times).
    write(1, Want::Running, 3, Path::new("/nonexistent/antnode"));
    assert!(wait_for(T, || state(&ctl, 1)
        .is_some_and(|s| s.state == RunState::Failed && s.seq == 3)));
    assert!(
        state(&ctl, 1)
            .unwrap()
            .error
            .unwrap()
            .contains("/nonexistent/antnode")
    );
    let tries = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("antnode0001 could not start")
            .count()
    };
    let (wakes0, tries0) = (sleeps(sup.0.id()), tries());
    std::thread::sleep(Duration::from_secs(3));
    let (wakes, tries) = (sleeps(sup.0.id()) - wakes0, tries() - tries0);
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    eprintln!(
        "[timing] a node that cannot start: {tries} tries, {wakes} supervisor wake-ups in 3 s"
    );
    assert!((1..=3).contains(&tries), "{tries} tries in 3 s:\n{said}");
    assert!(
        wakes < 40,
        "the supervisor woke {wakes} times in 3 s:\n{said}"
    );
    assert_eq!(state(&ctl, 1).unwrap().state, RunState::Failed);
    // Deleting the desired file stops the node and drops its state file.
    control::remove_file(&control::desired_path(&ctl, "antnode0001")).unwrap();
    assert!(wait_for(T, || state(&ctl, 1).is_none()));
    // SIGTERM: every node stops, the supervisor exits 0.
    let pid2 = state(&ctl, 2).unwrap().pid.unwrap();
    assert!(
        Command::new("kill")
            .args(["-TERM", &sup.0.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = sup.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!Path::new(&format!("/proc/{pid2}")).exists() || cmdline(pid2).is_empty());
    assert!(http_get(m + 1, "/metrics").is_none());
    assert_eq!(state(&ctl, 2).unwrap().state, RunState::Stopped);
    eprintln!(
        "[timing] supervisor on the host: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}

fn owner_uid(p: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().uid()
}

fn proc_uid(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn sudo_mode_runs_pods_as_ant() {
    let t0 = Instant::now();
    assert!(
        rustix::process::geteuid().is_root(),
        "docker+sudo gives node dirs to the ant user: this test needs root"
    );
    let wnm = workspace_bin("wnm");
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    let image = pod_image(&[&wnm, &emu]);
    // A filesystem root of our own whose /etc/passwd has ant (uid 4242); the host's users are
    // left alone.
    let d = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = d.path().to_path_buf();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nant:x:4242:4243:Autonomi:/home/ant:/bin/sh\n",
    )
    .unwrap();
    let base = root.join("var/antctl");
    let source = root.join("bin/antnode");
    install_emulator(&source);
    let mut m = Machine::defaults_for(2);
    m.process_manager = "docker+sudo".parse().unwrap();
    m.docker_image = image;
    m.no_upnp = true;
    let mut cfg = DockerConfig::from_context(&context(m, &base, &root)).unwrap();
    cfg.supervisor = wnm;
    cfg.stop_grace = Duration::from_secs(3);
    assert_eq!(cfg.node_storage, base.join("services"));
    assert_eq!(cfg.log_base, root.join("var/log/antnode"));
    assert_eq!(cfg.user.docker_user(), "4242:4243");
    let _guard = ContainerGuard(cfg.colony.clone());
    let b = DockerBackend::new(cfg.clone(), Arc::new(Antnode04));
    let rt = rt();
    let ports = wnm_testkit::free_port_range(4).unwrap();
    let nodes: Vec<Node> = (1..=2u16)
        .map(|i| node(&cfg, u32::from(i), ports + i - 1, ports + 1 + i))
        .collect();
    for n in &nodes {
        let made = rt.block_on(b.create(n, &source)).unwrap();
        assert_eq!(made.user, "ant");
        rt.block_on(b.start(n)).unwrap();
    }
    for n in &nodes {
        assert!(wait_for(T, || http_get(n.metrics_port, "/metrics").is_some()));
        let pid = running_pid(&rt, &b, n);
        assert_eq!(proc_uid(pid), Some(4242), "{} runs as ant", n.service_name);
        for p in [&n.root_dir, &n.log_dir, &n.binary] {
            assert_eq!(owner_uid(Path::new(p)), 4242, "{p}");
        }
        // What the node wrote is ant's too.
        assert_eq!(owner_uid(&Path::new(&n.root_dir).join("secret-key")), 4242);
    }
    let state = control::state_path(&cfg.control_dir(1), "antnode0001");
    assert_eq!(owner_uid(&state), 4242, "the supervisor runs as ant");
    rt.block_on(b.teardown(&nodes)).unwrap();
    assert!(colony_containers(&cfg.colony).is_empty());
    assert!(!Path::new(&nodes[0].root_dir).exists());
    assert!(!cfg.control_base.exists());
    eprintln!(
        "[timing] docker+sudo pod: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}
