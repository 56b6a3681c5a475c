//! `node-status` and `node-status-details` in text and json, same layouts as the Python wnm.
use super::service_column;
use serde_json::{Value, json};
use wnm_core::Node;

/// The node-status table: `{service:<20}{peer_id:<55}{status:<15}{connected_peers:>15}`.
pub fn node_status_text(nodes: &[Node]) -> String {
    let mut out = format!(
        "{:<20}{:<55}{:<15}{:>15}\n",
        "Service Name", "Peer ID", "Status", "Connected Peers"
    );
    for n in nodes {
        out.push_str(&format!(
            "{:<20}{:<55}{:<15}{:>15}\n",
            service_column(n),
            n.peer_id.as_deref().unwrap_or(""),
            n.status.as_str(),
            n.metrics.connected_peers
        ));
    }
    out
}

/// node-status as JSON: a list of `{service_name, peer_id, status, connected_peers}`.
pub fn node_status_json(nodes: &[Node]) -> Value {
    Value::Array(
        nodes
            .iter()
            .map(|n| {
                json!({
                    "service_name": service_column(n),
                    "peer_id": n.peer_id,
                    "status": n.status.as_str(),
                    "connected_peers": n.metrics.connected_peers,
                })
            })
            .collect(),
    )
}

fn detail_pairs(n: &Node) -> Vec<(&'static str, String)> {
    let m = &n.metrics;
    vec![
        ("service_name", service_column(n)),
        ("node_id", n.id.to_string()),
        ("status", n.status.as_str().to_string()),
        ("version", n.version.clone().unwrap_or_default()),
        ("peer_id", n.peer_id.clone().unwrap_or_default()),
        ("manager", n.manager.to_string()),
        ("port", n.port.to_string()),
        ("metrics_port", n.metrics_port.to_string()),
        ("rpc_port", n.rpc_port.to_string()),
        ("root_dir", n.root_dir.clone()),
        ("log_dir", n.log_dir.clone()),
        ("binary", n.binary.clone()),
        ("wallet", n.wallet.clone()),
        ("network", n.network.clone()),
        ("status_changed_at", n.status_changed_at.to_string()),
        ("created_at", n.created_at.to_string()),
        ("uptime", m.uptime.to_string()),
        ("records", m.records.to_string()),
        ("rel_records", m.rel_records.to_string()),
        ("max_records", m.max_records.to_string()),
        ("connected_peers", m.connected_peers.to_string()),
        ("open_connections", m.open_connections.to_string()),
        ("total_peers", m.total_peers.to_string()),
        ("network_size", m.network_size.to_string()),
        ("shunned", m.shunned.to_string()),
        ("bad_peers", m.bad_peers.to_string()),
        ("rewards", m.rewards.clone()),
        ("puts", m.puts.to_string()),
        ("gets", m.gets.to_string()),
        ("mem_mb", m.mem_mb.to_string()),
        ("cpu_percent", m.cpu_percent.to_string()),
        ("payment_count", m.payment_count.to_string()),
        ("live_time", m.live_time.to_string()),
    ]
}

/// node-status-details as text: one `key: value` block per node, blank line between nodes.
pub fn node_status_details_text(nodes: &[Node]) -> String {
    let mut out = String::new();
    for (i, n) in nodes.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (k, v) in detail_pairs(n) {
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    out
}

/// node-status-details as JSON: one object per node with every field of the text form.
pub fn node_status_details_json(nodes: &[Node]) -> Value {
    Value::Array(
        nodes
            .iter()
            .map(|n| {
                Value::Object(
                    detail_pairs(n)
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), Value::String(v)))
                        .collect(),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::tests_support::node;

    #[test]
    fn table_layout_matches_python_columns() {
        let t = node_status_text(&[node(1, "RUNNING", 5), node(12, "STOPPED", 0)]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "Service Name        Peer ID                                                Status         Connected Peers"
        );
        assert!(lines[1].starts_with("antnode0001.service 12D3KooW"));
        assert_eq!(&lines[1][75..90], "RUNNING        ");
        assert_eq!(&lines[1][90..], "              5");
        assert_eq!(lines[1].len(), 105);
        assert!(lines[2].starts_with("antnode0012.service "));
    }

    #[test]
    fn json_has_python_keys() {
        let v = node_status_json(&[node(3, "RUNNING", 7)]);
        assert_eq!(v[0]["service_name"], "antnode0003.service");
        assert_eq!(v[0]["connected_peers"], 7);
        assert_eq!(v[0]["status"], "RUNNING");
        let d = node_status_details_json(&[node(3, "RUNNING", 7)]);
        assert_eq!(d[0]["metrics_port"], "13003");
        assert!(node_status_details_text(&[node(3, "RUNNING", 7)]).contains("port: 55003\n"));
    }
}
