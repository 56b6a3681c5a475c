//! Prints how long `plan()` takes for large colonies (N nodes, calm host and cpu pressure):
//! `cargo run -p wnm-engine --example plan_bench`.
use std::time::Instant;
use wnm_core::{Machine, MachineMetrics, NodeFacts, NodeStatus, Snapshot};
use wnm_engine::{Policy, plan};

fn snapshot(n: u32, cpu: f64) -> Snapshot {
    let now = 1_795_352_886;
    Snapshot {
        metrics: MachineMetrics {
            cpu_percent: cpu,
            cpu_count: 64,
            boot_time: now - 86_400,
            ..MachineMetrics::default()
        },
        nodes: (1..=n)
            .map(|id| NodeFacts {
                id: if id % 97 == 0 { id + n } else { id },
                service_name: String::new(),
                status: if id % 13 == 0 {
                    NodeStatus::Stopped
                } else {
                    NodeStatus::Running
                },
                version: Some("0.4.11".parse().unwrap()),
                status_changed_at: now - 10_000,
                created_at: now - i64::from(id) * 7,
            })
            .collect(),
        binary_version: Some("0.4.11".parse().unwrap()),
        last_stopped_at: now - 60,
        ..Snapshot::default()
    }
}

fn main() {
    let mut m = Machine::defaults_for(64);
    m.rewards_address = "faucet".into();
    m.node_cap = 50_000;
    m.max_concurrent_starts = 4;
    m.max_concurrent_operations = 4;
    let policy = Policy::from_machine(&m).unwrap();
    for n in [1_000u32, 6_000, 20_000] {
        for (label, cpu) in [("calm", 10.0), ("cpu 90%", 90.0)] {
            let s = snapshot(n, cpu);
            let runs = 50;
            let t = Instant::now();
            let mut steps = 0;
            for _ in 0..runs {
                steps += plan(&s, &policy, 1_795_352_886).steps.len();
            }
            let per = t.elapsed() / runs;
            println!(
                "N={n:>6} {label:<8} plan() {per:>10.2?} per call ({} steps)",
                steps / runs as usize
            );
        }
    }
}
