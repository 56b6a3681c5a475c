//! influx-resources (the Python wnm's line protocol) and the NTracking-compatible variant whose
//! measurements and field spellings (`networ_size`, title-case status) its Grafana dashboards read.
use wnm_core::{MachineMetrics, Node, NodeStatus};

/// Escape a string field value for influx line protocol.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn rewards_number(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() || t.parse::<f64>().is_err() {
        "0".to_string()
    } else {
        t.to_string()
    }
}

fn fnum(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".to_string()
    }
}

fn total_rewards(nodes: &[Node]) -> f64 {
    nodes
        .iter()
        .filter_map(|n| n.metrics.rewards.trim().parse::<f64>().ok())
        .fold(0.0, |a, b| a + b)
}

fn network_size(nodes: &[Node]) -> u64 {
    nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Running)
        .map(|n| n.metrics.network_size)
        .max()
        .unwrap_or(0)
}

/// The Python wnm's influx-resources: `nodes,id=N ...`, `nodes_totals ...`, `nodes_network size=N`.
pub fn influx_resources(nodes: &[Node], now_ns: i128) -> String {
    let mut out = String::new();
    for n in nodes {
        let m = &n.metrics;
        out.push_str(&format!(
            "nodes,id={} PeerId={},status={},version={},gets={}i,puts={}i,up_time={}i,rewards={},records={}i,connected_peers={}i,network_size={}i,open_connections={}i,total_peers={}i,shunned_count={}i,bad_peers={}i,mem={},cpu={},rel_records={}i,max_records={}i,payment_count={}i,live_time={}i {now_ns}\n",
            n.id,
            q(n.peer_id.as_deref().unwrap_or("")),
            q(n.status.as_str()),
            q(n.version.as_deref().unwrap_or("")),
            m.gets, m.puts, m.uptime,
            q(&rewards_number(&m.rewards)),
            m.records, m.connected_peers, m.network_size, m.open_connections, m.total_peers,
            m.shunned, m.bad_peers, fnum(m.mem_mb), fnum(m.cpu_percent), m.rel_records, m.max_records,
            m.payment_count, m.live_time,
        ));
    }
    let running = nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Running)
        .count();
    let killed = nodes.len() - running;
    out.push_str(&format!(
        "nodes_totals rewards={},nodes_running={running}i,nodes_killed={killed}i {now_ns}\n",
        q(&fnum(total_rewards(nodes)))
    ));
    out.push_str(&format!(
        "nodes_network size={}i {now_ns}\n",
        network_size(nodes)
    ));
    out
}

fn ntracking_status(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Running => "Running",
        NodeStatus::Stopped => "Stopped",
        NodeStatus::Restarting => "Restarting",
        NodeStatus::Upgrading => "Upgrading",
        NodeStatus::Removing => "Removing",
        NodeStatus::Disabled => "Disabled",
        NodeStatus::Dead => "Dead",
    }
}

/// NTracking's `influx-resources.sh` format (fixtures/ntracking): `id=0001`, title-case status,
/// `networ_size`, shunned close-group fields, then `nodes_totals` (rewards and counts; disk),
/// `nodes_network`, and `nodes latency=` when a survey latency (ms) is known.
pub fn influx_resources_ntracking(
    nodes: &[Node],
    machine: &MachineMetrics,
    latency_ms: Option<f64>,
    now_ns: i128,
) -> String {
    let mut out = String::new();
    for n in nodes {
        let m = &n.metrics;
        out.push_str(&format!(
            "nodes,id={:04} PeerId={},status={},version={},gets={}i,puts={}i,up_time={}i,rewards={},records={}i,connected_peers={}i,networ_size={}i,open_connections={}i,total_peers={}i,shunned_count={}i,bad_peers={}i,mem={},cpu={},rel_records={}i,max_records={}i,payment_count={}i,live_time={}i,shunned_closedgroup={}i,shunned_oldclosedgroup={}i {now_ns}\n",
            n.id,
            q(n.peer_id.as_deref().unwrap_or("")),
            q(ntracking_status(n.status)),
            q(n.version.as_deref().unwrap_or("")),
            m.gets, m.puts, m.uptime,
            rewards_number(&m.rewards),
            m.records, m.connected_peers, m.network_size, m.open_connections, m.total_peers,
            m.shunned, m.bad_peers, fnum(m.mem_mb), fnum(m.cpu_percent), m.rel_records, m.max_records,
            m.payment_count, m.live_time, m.shunned_close_group, m.shunned_old_close_group,
        ));
    }
    let running = nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Running)
        .count();
    let killed = nodes.len() - running;
    out.push_str(&format!(
        "nodes_totals rewards={},nodes_running={running}i,nodes_killed={killed}i {now_ns}\n",
        fnum(total_rewards(nodes))
    ));
    let used_mb: u64 = machine
        .disks
        .iter()
        .map(|d| d.total_bytes.saturating_sub(d.free_bytes) / 1_000_000)
        .sum();
    out.push_str(&format!(
        "nodes_totals total_disk={used_mb}i,Disk_percent={}i {now_ns}\n",
        machine.disk_percent.round() as i64
    ));
    out.push_str(&format!(
        "nodes_network size={}i {now_ns}\n",
        network_size(nodes)
    ));
    if let Some(l) = latency_ms {
        out.push_str(&format!("nodes latency={} {now_ns}\n", fnum(l)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::tests_support::node;

    const FIXTURE: &str =
        include_str!("../../../wnm-testkit/fixtures/ntracking/influx-resources.txt");

    fn keys(line: &str) -> (String, Vec<String>) {
        let (head, rest) = line.split_once(' ').unwrap();
        let fields = rest.rsplit_once(' ').unwrap().0;
        let measurement = head.split(',').next().unwrap().to_string();
        let mut names = Vec::new();
        let mut in_q = false;
        let mut cur = String::new();
        for c in fields.chars() {
            match c {
                '"' => in_q = !in_q,
                ',' if !in_q => {
                    names.push(cur.split('=').next().unwrap().to_string());
                    cur.clear();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        names.push(cur.split('=').next().unwrap().to_string());
        (measurement, names)
    }

    #[test]
    fn ntracking_variant_has_the_fixture_measurements_and_fields() {
        let mut running = node(1, "RUNNING", 4);
        running.metrics.network_size = 2064384;
        let nodes = vec![running, node(2, "STOPPED", 0)];
        let machine = MachineMetrics {
            disk_percent: 12.0,
            ..Default::default()
        };
        let ours = influx_resources_ntracking(&nodes, &machine, Some(12.345), 1763300000000000000);
        let fixture_lines: Vec<&str> = FIXTURE.lines().filter(|l| !l.is_empty()).collect();
        let our_lines: Vec<&str> = ours.lines().collect();
        assert_eq!(our_lines.len(), fixture_lines.len(), "{ours}");
        for (a, b) in our_lines.iter().zip(&fixture_lines) {
            assert_eq!(keys(a), keys(b), "\nours:    {a}\nfixture: {b}");
        }
        assert!(our_lines[0].starts_with("nodes,id=0001 PeerId=\"12D3KooW"));
        assert!(our_lines[0].contains("status=\"Running\""));
        assert!(our_lines[1].contains("status=\"Stopped\""));
        assert!(ours.contains(
            "nodes_totals rewards=0,nodes_running=1i,nodes_killed=1i 1763300000000000000"
        ));
        assert!(ours.contains("nodes_network size=2064384i 1763300000000000000"));
    }

    #[test]
    fn python_variant_lines() {
        let nodes = vec![node(1, "RUNNING", 4), node(2, "STOPPED", 0)];
        let s = influx_resources(&nodes, 7);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("nodes,id=1 PeerId=\"12D3KooW"));
        assert!(lines[0].contains(",status=\"RUNNING\",") && lines[0].ends_with(" 7"));
        assert!(lines[0].contains(",network_size=0i,"));
        assert_eq!(
            lines[2],
            "nodes_totals rewards=\"0\",nodes_running=1i,nodes_killed=1i 7"
        );
        assert_eq!(lines[3], "nodes_network size=0i 7");
    }

    #[test]
    fn quotes_are_escaped() {
        let mut n = node(1, "RUNNING", 0);
        n.version = Some("0.4\"x".into());
        assert!(influx_resources(&[n], 0).contains("version=\"0.4\\\"x\""));
    }
}
