//! Cost of one full docker pod: create and start N emulated nodes (default 200, the
//! `max_node_per_container` default) in one pod through the docker backend, the supervisor's
//! memory with them all running, a `docker restart` of the pod until every node answers again,
//! and the teardown. Prints figures; asserts nothing about speed (the machine is shared).
//!
//! `cargo build --release -p wnm-cli -p wnm-testkit --bins && cargo run --release -p wnm-tests --example docker_bench -- 200`
#![allow(clippy::disallowed_methods)] // bench harness: docker from the host

#[path = "../docker_harness.rs"]
mod docker_harness;

use docker_harness::{ContainerGuard, config, docker, http_get, install_emulator, node, pod_image};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wnm_backend_docker::DockerBackend;
use wnm_core::{Antnode04, Backend, Node};
use wnm_tests::{wait_for, workspace_bin};

fn kb(pid: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in clock ticks (1/100 s).
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // Fields 14 and 15 of stat; `rest` starts at field 3.
    get(11) + get(12)
}

fn all_answer(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .all(|n| http_get(n.metrics_port, "/metrics").is_some())
}

fn main() {
    let count: u16 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N nodes"))
        .unwrap_or(200);
    let wnm = workspace_bin("wnm");
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    let image = pod_image(&[&wnm, &emu]);
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("base");
    let source = d.path().join("bin/antnode");
    install_emulator(&source);
    let mut cfg = config(&base, &d.path().join("nodes"), &image, u32::from(count));
    // The product's grace and environment, not the tests' shorter ones.
    cfg.stop_grace = wnm_backend_docker::config::DEFAULT_STOP_GRACE;
    cfg.environment.clear();
    let _guard = ContainerGuard(cfg.colony.clone());
    let first = wnm_testkit::free_port_range(count * 2).unwrap();
    let nodes: Vec<Node> = (1..=count)
        .map(|i| node(&cfg, u32::from(i), first + i - 1, first + count + i - 1))
        .collect();
    let b = DockerBackend::new(cfg.clone(), Arc::new(Antnode04));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let t = Instant::now();
    for n in &nodes {
        rt.block_on(b.create(n, &source)).unwrap();
    }
    let create = t.elapsed();
    let t = Instant::now();
    for n in &nodes {
        rt.block_on(b.start(n)).unwrap();
    }
    let start = t.elapsed();
    let calls = b.pods().calls();
    assert!(wait_for(Duration::from_secs(120), || all_answer(&nodes)));
    let answering = t.elapsed();
    let pod = wnm_backend_docker::spec::pod_name(&cfg.colony, 1);
    let pid1 = docker(&["inspect", "--format", "{{.State.Pid}}", &pod])
        .trim()
        .to_string();
    std::thread::sleep(Duration::from_secs(3));
    let (rss, hwm) = (kb(&pid1, "VmRSS:"), kb(&pid1, "VmHWM:"));
    let idle_secs = 20;
    let before = cpu_ticks(&pid1);
    std::thread::sleep(Duration::from_secs(idle_secs));
    let idle_cpu = (cpu_ticks(&pid1) - before) as f64 / idle_secs as f64; // % of one core
    // Every process of the pod (host pids from `docker top`).
    let pod_kb: u64 = docker(&["top", &pod, "-eo", "pid"])
        .lines()
        .skip(1)
        .map(|pid| kb(pid.trim(), "VmRSS:"))
        .sum();

    let t = Instant::now();
    docker(&["restart", &pod]);
    assert!(wait_for(Duration::from_secs(180), || all_answer(&nodes)));
    let restart = t.elapsed();

    let t = Instant::now();
    rt.block_on(b.teardown(&nodes)).unwrap();
    let teardown = t.elapsed();
    assert!(!Path::new(&nodes[0].root_dir).exists());

    let profile = if wnm.to_string_lossy().contains("/release/") {
        "release"
    } else {
        "debug"
    };
    println!("docker pod bench ({profile} wnm, {count} antnode-emu nodes in one pod)");
    println!(
        "  create {count}: {:.1} s ({:.1} ms/node)",
        create.as_secs_f64(),
        create.as_secs_f64() * 1000.0 / f64::from(count)
    );
    println!(
        "  start {count} one by one (backend.start returns when the supervisor and docker top agree): {:.1} s ({:.1} ms/node); all answering /metrics after {:.1} s",
        start.as_secs_f64(),
        start.as_secs_f64() * 1000.0 / f64::from(count),
        answering.as_secs_f64()
    );
    println!(
        "  supervisor (PID 1, host pid {pid1}) with {count} nodes: VmRSS {:.1} MB, peak {:.1} MB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!(
        "  supervisor CPU while {count} nodes idle: {idle_cpu:.2} % of one core (over {idle_secs} s)"
    );
    println!(
        "  whole pod (supervisor + {count} emulators, sum of VmRSS): {:.0} MB",
        pod_kb as f64 / 1024.0
    );
    println!(
        "  docker restart until all {count} answer again: {:.1} s",
        restart.as_secs_f64()
    );
    println!(
        "  docker asked during create + start: {} container lists, {} process lists (docker top)",
        calls.lists, calls.tops
    );
    println!("  teardown: {:.1} s", teardown.as_secs_f64());
}
