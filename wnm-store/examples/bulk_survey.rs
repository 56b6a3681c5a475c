//! Measures the survey write: 1,000 and 5,000 node updates (metrics, version, peer id, a few
//! status changes) in one transaction, against 1,000 one-transaction-per-node updates as the
//! Python wnm did. Run: `cargo run -p wnm-store --example bulk_survey [--release]`.
use std::time::Instant;
use wnm_core::{Machine, Node, NodeMetrics, NodeStatus, ProcessManager};
use wnm_store::Store;

fn node(id: u32) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 20000 + id as u16,
        metrics_port: 30000 + id as u16,
        rpc_port: 0,
        root_dir: format!("/var/antctl/services/antnode{id:04}"),
        log_dir: format!("/var/log/antnode/antnode{id:04}"),
        binary: format!("/var/antctl/services/antnode{id:04}/antnode"),
        user: "ant".into(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Running,
        status_changed_at: 1_700_000_000,
        created_at: 1_700_000_000,
        manager: "systemd+sudo".parse::<ProcessManager>().expect("manager"),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics::default(),
    }
}

/// What a survey of `n` found in round `round`.
fn surveyed(mut n: Node, round: u64) -> Node {
    n.version = Some("0.4.11".into());
    n.peer_id = Some(format!("12D3KooW{:044}", n.id));
    n.metrics.uptime = 60 * round + u64::from(n.id);
    n.metrics.records = 1000 + round;
    n.metrics.connected_peers = 40 + round % 7;
    n.metrics.mem_mb = 120.25;
    n.metrics.cpu_percent = 1.5;
    n.metrics.rewards = "0.000001".into();
    if n.id.is_multiple_of(100) {
        let to = if n.status == NodeStatus::Running {
            NodeStatus::Stopped
        } else {
            NodeStatus::Running
        };
        n.set_status(to, 1_700_000_000 + round as i64)
            .expect("legal");
    }
    n
}

#[tokio::main]
async fn main() -> wnm_core::Result<()> {
    println!(
        "wnm-store survey write ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for count in [1_000u32, 5_000] {
        let dir = tempfile::tempdir().map_err(|e| wnm_core::Error::io("tempdir", e))?;
        let store = Store::open(&dir.path().join("colony.db")).await?;
        store.save_machine(&Machine::defaults_for(2)).await?;
        let nodes: Vec<Node> = (1..=count).map(node).collect();
        let t = Instant::now();
        store.insert_nodes(&nodes, "added", 1_700_000_000).await?;
        let insert = t.elapsed();
        let mut best = f64::MAX;
        let mut current = nodes;
        for round in 1..=3 {
            let survey: Vec<Node> = current.into_iter().map(|n| surveyed(n, round)).collect();
            let t = Instant::now();
            store.save_survey(&survey).await?;
            best = best.min(t.elapsed().as_secs_f64());
            current = survey;
        }
        let t = Instant::now();
        let back = store.nodes().await?;
        let read = t.elapsed();
        assert_eq!(back, current, "stored survey differs");
        println!(
            "{count:>5} nodes: save_survey (1 transaction) best of 3 {:>7.1} ms ({:.1} us/node); insert_nodes {:>7.1} ms; nodes() {:>6.1} ms",
            best * 1e3,
            best * 1e6 / f64::from(count),
            insert.as_secs_f64() * 1e3,
            read.as_secs_f64() * 1e3
        );
        if count == 1_000 {
            let t = Instant::now();
            for n in current.iter().map(|n| surveyed(n.clone(), 9)) {
                store.update_node(&n).await?;
            }
            println!(
                "{count:>5} nodes: one transaction per node (the wnm 0.5.0 pattern) {:>7.1} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
        store.close().await?;
    }
    Ok(())
}
