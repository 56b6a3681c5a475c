//! Reports an operator scripts against (spec §7): node-status, node-status-details, influx-resources
//! and its NTracking-compatible variant. Pure formatting over plain `wnm-core` data.
mod influx;
mod status;

pub use influx::{influx_resources, influx_resources_ntracking};
pub use status::{
    node_status_details_json, node_status_details_text, node_status_json, node_status_text,
};

/// Python-compatible service column: `antnode0001.service`.
pub(crate) fn service_column(n: &wnm_core::Node) -> String {
    if n.service_name.ends_with(".service") {
        n.service_name.clone()
    } else {
        format!("{}.service", n.service_name)
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use wnm_core::{Node, NodeMetrics, ProcessManager};

    /// A node row for report tests.
    pub fn node(id: u32, status: &str, peers: u64) -> Node {
        Node {
            id,
            service_name: wnm_core::service_name(id),
            port: (55000 + id) as u16,
            metrics_port: (13000 + id) as u16,
            rpc_port: (30000 + id) as u16,
            root_dir: format!("/n/antnode{id:04}"),
            log_dir: format!("/l/antnode{id:04}"),
            binary: format!("/n/antnode{id:04}/antnode"),
            user: "ant".into(),
            wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
            network: "evm-arbitrum-one".into(),
            version: Some("0.4.7".into()),
            peer_id: Some(format!(
                "12D3KooWMDqtXsSEbuWZ5wdrr3Ai6rUWJta6yBgutJaJXusSuj{id:02}"
            )),
            status: status.parse().unwrap(),
            status_changed_at: 0,
            created_at: 0,
            manager: ProcessManager::platform_default(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: NodeMetrics {
                connected_peers: peers,
                ..Default::default()
            },
        }
    }
}
