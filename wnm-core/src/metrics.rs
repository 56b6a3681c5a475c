//! Observed figures: what a node's `/metrics` says (`NodeMetrics`) and what the host shows (`MachineMetrics`).
use serde::{Deserialize, Serialize};

/// The per-node figures the reports and the store keep (spec §7, NTracking fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeMetrics {
    /// `ant_node_uptime` seconds.
    pub uptime: u64,
    /// `ant_networking_records_stored`.
    pub records: u64,
    /// `ant_networking_relevant_records`.
    pub rel_records: u64,
    /// `ant_networking_max_records`.
    pub max_records: u64,
    /// `ant_networking_connected_peers`.
    pub connected_peers: u64,
    /// `ant_networking_open_connections`.
    pub open_connections: u64,
    /// `ant_networking_peers_in_routing_table`.
    pub total_peers: u64,
    /// `ant_networking_estimated_network_size`.
    pub network_size: u64,
    /// `ant_networking_shunned_count_total`.
    pub shunned: u64,
    /// `ant_networking_shunned_by_close_group`.
    pub shunned_close_group: u64,
    /// `ant_networking_shunned_by_old_close_group`.
    pub shunned_old_close_group: u64,
    /// `ant_networking_bad_peers_count_total`.
    pub bad_peers: u64,
    /// `ant_node_current_reward_wallet_balance`, kept as text (it can exceed f64 precision).
    pub rewards: String,
    /// Sum of `ant_node_put_record_ok_total` over its labels.
    pub puts: u64,
    /// `libp2p_kad_query_result_get_record_ok_total`.
    pub gets: u64,
    /// `ant_networking_process_memory_used_mb`.
    pub mem_mb: f64,
    /// `ant_networking_process_cpu_usage_percentage`.
    pub cpu_percent: f64,
    /// `ant_networking_received_payment_count`.
    pub payment_count: u64,
    /// `ant_networking_live_time`.
    pub live_time: u64,
}

/// Host figures sampled once per run. Percentages 0–100, IO in bytes per second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MachineMetrics {
    /// 100 - idle over the sampling window.
    pub cpu_percent: f64,
    /// Used memory percent.
    pub mem_percent: f64,
    /// Highest usage percent over the filesystems that hold node data.
    pub disk_percent: f64,
    /// Disk bytes read per second.
    pub hdio_read_bps: u64,
    /// Disk bytes written per second.
    pub hdio_write_bps: u64,
    /// Network bytes received per second.
    pub netio_read_bps: u64,
    /// Network bytes sent per second.
    pub netio_write_bps: u64,
    /// 1-minute load average.
    pub load_1: f64,
    /// 5-minute load average.
    pub load_5: f64,
    /// 15-minute load average.
    pub load_15: f64,
    /// CPUs available (cgroup quota respected).
    pub cpu_count: u32,
    /// Epoch seconds the host booted.
    pub boot_time: i64,
    /// Per-filesystem usage, for operators who spread nodes over several disks.
    pub disks: Vec<DiskUsage>,
}

/// Usage of one filesystem holding node data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskUsage {
    /// Mount point.
    pub mount: String,
    /// Used percent.
    pub percent: f64,
    /// Bytes free.
    pub free_bytes: u64,
    /// Bytes total.
    pub total_bytes: u64,
}
