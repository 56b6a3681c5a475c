//! `wnm_core::Node` <-> the `node` row. The wnm 0.5.0 spellings are kept: `age` is the creation
//! time, `timestamp` the last status change, `mem`/`cpu` are x100 integers, `node_name` is
//! `0001`; a `service` of `antnode0001.service` reads as `antnode0001`.
use crate::convert::{counter, from_hundredths, from_u64, to_hundredths, to_u16, to_u32};
use crate::entity::node;
use crate::map_machine::MACHINE_ROW;
use sea_orm::ActiveValue::Set;
use wnm_core::{Error, ErrorKind, Node, NodeMetrics, NodeStatus, ProcessManager, Result};

/// The full row for a new node `n`.
pub fn to_model(n: &Node) -> node::Model {
    node::Model {
        id: i64::from(n.id),
        machine_id: MACHINE_ROW,
        container_id: n.container_id,
        manager_type: n.manager.to_string(),
        node_name: format!("{:04}", n.id),
        service: n.service_name.clone(),
        user: n.user.clone(),
        binary: n.binary.clone(),
        version: n.version.clone(),
        root_dir: n.root_dir.clone(),
        log_dir: Some(n.log_dir.clone()),
        port: i64::from(n.port),
        metrics_port: i64::from(n.metrics_port),
        rpc_port: i64::from(n.rpc_port),
        network: n.network.clone(),
        wallet: Some(n.wallet.clone()),
        peer_id: n.peer_id.clone(),
        status: n.status.as_str().to_string(),
        timestamp: n.status_changed_at,
        records: from_u64(n.metrics.records),
        uptime: from_u64(n.metrics.uptime),
        shunned: from_u64(n.metrics.shunned),
        connected_peers: from_u64(n.metrics.connected_peers),
        gets: from_u64(n.metrics.gets),
        puts: from_u64(n.metrics.puts),
        mem: to_hundredths(n.metrics.mem_mb),
        cpu: to_hundredths(n.metrics.cpu_percent),
        open_connections: from_u64(n.metrics.open_connections),
        total_peers: from_u64(n.metrics.total_peers),
        bad_peers: from_u64(n.metrics.bad_peers),
        rel_records: from_u64(n.metrics.rel_records),
        max_records: from_u64(n.metrics.max_records),
        rewards: Some(n.metrics.rewards.clone()),
        payment_count: from_u64(n.metrics.payment_count),
        live_time: from_u64(n.metrics.live_time),
        network_size: from_u64(n.metrics.network_size),
        age: n.created_at,
        host: n.host.clone(),
        method: n.manager.to_string(),
        layout: "1".to_string(),
        environment: Some(n.environment.clone()),
        line: n.line.clone(),
        shunned_close_group: from_u64(n.metrics.shunned_close_group),
        shunned_old_close_group: from_u64(n.metrics.shunned_old_close_group),
    }
}

/// Everything of `n` an update writes: all but `machine_id`, `node_name`, `method` and `layout`,
/// which keep what the row has.
pub fn to_update(n: &Node) -> node::ActiveModel {
    let m = to_model(n);
    node::ActiveModel {
        container_id: Set(m.container_id),
        manager_type: Set(m.manager_type),
        service: Set(m.service),
        user: Set(m.user),
        binary: Set(m.binary),
        version: Set(m.version),
        root_dir: Set(m.root_dir),
        log_dir: Set(m.log_dir),
        port: Set(m.port),
        metrics_port: Set(m.metrics_port),
        rpc_port: Set(m.rpc_port),
        network: Set(m.network),
        wallet: Set(m.wallet),
        host: Set(m.host),
        environment: Set(m.environment),
        line: Set(m.line),
        age: Set(m.age),
        ..to_survey_update(n)
    }
}

/// What a survey changes: status and its time, version, peer id and the metrics columns.
pub fn to_survey_update(n: &Node) -> node::ActiveModel {
    let m = to_model(n);
    node::ActiveModel {
        version: Set(m.version),
        peer_id: Set(m.peer_id),
        status: Set(m.status),
        timestamp: Set(m.timestamp),
        records: Set(m.records),
        uptime: Set(m.uptime),
        shunned: Set(m.shunned),
        connected_peers: Set(m.connected_peers),
        gets: Set(m.gets),
        puts: Set(m.puts),
        mem: Set(m.mem),
        cpu: Set(m.cpu),
        open_connections: Set(m.open_connections),
        total_peers: Set(m.total_peers),
        bad_peers: Set(m.bad_peers),
        rel_records: Set(m.rel_records),
        max_records: Set(m.max_records),
        rewards: Set(m.rewards),
        payment_count: Set(m.payment_count),
        live_time: Set(m.live_time),
        network_size: Set(m.network_size),
        shunned_close_group: Set(m.shunned_close_group),
        shunned_old_close_group: Set(m.shunned_old_close_group),
        ..Default::default()
    }
}

/// Parse a stored status (`RUNNING` ...), naming the row on failure.
pub fn parse_status(what: &str, s: &str) -> Result<NodeStatus> {
    s.parse::<NodeStatus>().map_err(|e| {
        Error::new(
            ErrorKind::Store,
            format!("{what} in the colony database: {}", e.message()),
        )
    })
}

/// The `Node` of row `r`.
pub fn from_model(r: &node::Model) -> Result<Node> {
    let id = to_u32("node.id", r.id)?;
    let what = |col: &str| format!("node {id} {col}");
    let service = r.service.trim();
    let manager = r.manager_type.parse::<ProcessManager>().map_err(|e| {
        Error::new(
            ErrorKind::Store,
            format!(
                "{} in the colony database: {}",
                what("manager_type"),
                e.message()
            ),
        )
    })?;
    Ok(Node {
        id,
        service_name: service
            .strip_suffix(".service")
            .unwrap_or(service)
            .to_string(),
        port: to_u16(&what("port"), r.port)?,
        metrics_port: to_u16(&what("metrics_port"), r.metrics_port)?,
        rpc_port: to_u16(&what("rpc_port"), r.rpc_port)?,
        root_dir: r.root_dir.clone(),
        log_dir: r.log_dir.clone().unwrap_or_default(),
        binary: r.binary.clone(),
        user: r.user.clone(),
        wallet: r.wallet.clone().unwrap_or_default(),
        network: r.network.clone(),
        version: r.version.clone().filter(|v| !v.is_empty()),
        peer_id: r.peer_id.clone().filter(|v| !v.is_empty()),
        status: parse_status(&what("status"), &r.status)?,
        status_changed_at: r.timestamp,
        created_at: r.age,
        manager,
        line: r.line.clone(),
        container_id: r.container_id,
        host: r.host.clone(),
        environment: r.environment.clone().unwrap_or_default(),
        metrics: NodeMetrics {
            uptime: counter(r.uptime),
            records: counter(r.records),
            rel_records: counter(r.rel_records),
            max_records: counter(r.max_records),
            connected_peers: counter(r.connected_peers),
            open_connections: counter(r.open_connections),
            total_peers: counter(r.total_peers),
            network_size: counter(r.network_size),
            shunned: counter(r.shunned),
            shunned_close_group: counter(r.shunned_close_group),
            shunned_old_close_group: counter(r.shunned_old_close_group),
            bad_peers: counter(r.bad_peers),
            rewards: r.rewards.clone().unwrap_or_default(),
            puts: counter(r.puts),
            gets: counter(r.gets),
            mem_mb: from_hundredths(r.mem),
            cpu_percent: from_hundredths(r.cpu),
            payment_count: counter(r.payment_count),
            live_time: counter(r.live_time),
        },
    })
}
