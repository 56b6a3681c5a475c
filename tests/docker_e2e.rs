//! End to end in `docker+user` mode: the real `wnm` binary fills a colony to its node_cap
//! across several pods (two nodes per container), every node answers on 127.0.0.1, a lost
//! database is rebuilt from the pods (`--init --import`), and a teardown leaves no container
//! and no node dir behind.
#![allow(clippy::disallowed_methods)]

mod docker_harness;

use docker_harness::{ContainerGuard, colony_containers, http_get, install_emulator, pod_image};
use std::time::Instant;
use wnm_tests::{Colony, WALLET, workspace_bin};

/// `(node id, name of the container row it points at)` and the number of container rows, read
/// with wnm's own store.
fn containers(c: &Colony) -> (Vec<(u32, String)>, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = wnm_store::Store::open(&c.db).await.unwrap();
        let rows = s.containers().await.unwrap();
        let nodes = s.nodes().await.unwrap();
        s.close().await.unwrap();
        let of = nodes
            .iter()
            .map(|n| {
                let row = rows.iter().find(|r| Some(r.id) == n.container_id);
                (n.id, row.map(|r| r.name.clone()).unwrap_or_default())
            })
            .collect();
        (of, rows.len())
    })
}

/// Nodes 1-2 in pod 1, 3-4 in pod 2, 5 in pod 3.
fn expected_pods(colony: &str) -> Vec<(u32, String)> {
    (1..=5u32)
        .map(|id| {
            (
                id,
                wnm_backend_docker::spec::pod_name(colony, id.div_ceil(2)),
            )
        })
        .collect()
}

#[test]
fn docker_colony_fills_across_pods_and_tears_down() {
    let t0 = Instant::now();
    let wnm = workspace_bin("wnm");
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    let image = pod_image(&[&wnm, &emu]);
    let c = Colony::new("0.4.11");
    // Pods run node binaries from the mounted node dirs: a plain copy of the emulator, not the
    // harness's wrapper script (which execs a binary the pods cannot see).
    install_emulator(&c.antnode);
    let base = c.home.join(".local/share/autonomi");
    let colony = wnm_backend_docker::config::colony_id(&base);
    let _guard = ContainerGuard(colony.clone());
    let storage = c.node_storage();
    let init: Vec<&str> = vec![
        "--init",
        "--process_manager",
        "docker+user",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        c.antnode.to_str().unwrap(),
        "--node_storage",
        storage.to_str().unwrap(),
        "--port_start",
        "47",
        "--metrics_port_start",
        "30",
        "--rpc_port_start",
        "57",
        "--docker_image",
        &image,
        "--max_node_per_container",
        "2",
        "--node_cap",
        "5",
        "--max_concurrent_starts",
        "5",
        "--max_concurrent_operations",
        "5",
        "--delay_start",
        "0",
        "--no_upnp",
    ];
    c.ok(&init);

    // Cycles fill the colony to node_cap: 5 nodes in 3 pods.
    let t = Instant::now();
    let s = c.cycle_until(8, |s| {
        s.len() == 5 && s.iter().all(|(_, st)| st == "RUNNING")
    });
    let t_fill = t.elapsed();
    assert_eq!(s.len(), 5);
    let pods: Vec<String> = (1..=3)
        .map(|n| wnm_backend_docker::spec::pod_name(&colony, n))
        .collect();
    assert_eq!(colony_containers(&colony), pods);
    for n in c.nodes() {
        let id: u16 = n["node_id"].as_str().unwrap().parse().unwrap();
        assert_eq!(n["manager"], "docker+user", "{n}");
        assert_eq!(n["version"], "0.4.11", "{n}");
        let port = 30000 + id;
        assert!(http_get(port, "/metrics").is_some(), "node {id} on {port}");
    }
    let out = c.ok(&["-v"]);
    assert!(out.contains("node_cap 5 reached"), "{out}");
    // Each row points at the container row of its pod.
    assert_eq!(containers(&c), (expected_pods(&colony), 3));

    // A lost database: `--init --import` finds the nodes in the pods, all running.
    std::fs::remove_file(&c.db).unwrap();
    let mut import = init.clone();
    import.push("--import");
    let out = c.ok(&import);
    assert!(out.contains("imported 5 node(s) (5 running)"), "{out}");
    assert_eq!(c.statuses().len(), 5);
    assert_eq!(containers(&c), (expected_pods(&colony), 3));

    // Teardown: no container, no node dir, no control dir.
    let t = Instant::now();
    c.ok(&["--force_action", "teardown", "--confirm"]);
    let t_teardown = t.elapsed();
    assert!(colony_containers(&colony).is_empty());
    assert!(c.node_dirs().is_empty(), "{:?}", c.node_dirs());
    assert!(!base.join("docker").exists());
    assert!(c.statuses().is_empty());
    assert_eq!(
        containers(&c),
        (vec![], 0),
        "no container row outlives its nodes"
    );
    eprintln!(
        "[timing] docker e2e: fill 5 nodes in 3 pods {:.1} s, teardown {:.1} s, total {:.1} s",
        t_fill.as_secs_f64(),
        t_teardown.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn an_engine_that_does_not_answer_is_named_with_what_to_do() {
    let t0 = Instant::now();
    let mut c = Colony::new("0.4.11");
    install_emulator(&c.antnode);
    c.env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    let storage = c.node_storage();
    c.ok(&[
        "--init",
        "--process_manager",
        "docker+user",
        "--rewards_address",
        WALLET,
        "--antnode_path",
        c.antnode.to_str().unwrap(),
        "--node_storage",
        storage.to_str().unwrap(),
        "--port_start",
        "48",
        "--metrics_port_start",
        "31",
        "--rpc_port_start",
        "58",
        "--node_cap",
        "1",
    ]);
    let out = c.run(&["-v"]);
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("unix:///nonexistent/docker.sock does not exist: install and start Docker"),
        "{text}"
    );
    assert!(
        c.node_dirs().is_empty(),
        "no node laid out: {:?}",
        c.node_dirs()
    );
    eprintln!(
        "[timing] docker engine missing: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
}
