//! Reading the fields wnm needs out of antnode's `/metrics` and `/metadata` bodies.
//!
//! One pass over the lines; only samples whose name wnm reads are parsed further, so the
//! cost is a line scan plus a handful of number conversions. Counters are summed over their
//! labels (`ant_node_put_record_ok_total{record_type=...}`); other families keep their last
//! sample. Non-finite values (`NaN`, `Inf`) of gauges read as 0; integers too large for
//! `u64` saturate; negative values read as 0.
use crate::openmetrics::{Line, Lines, ParseError, Sample};
use wnm_core::NodeMetrics;

/// What `/metadata` says about a node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `ant_node_antnode_version_info{antnode_version="0.4.11"}`, as written.
    pub version: Option<String>,
    /// `ant_networking_peer_id_info{peer_id="12D3KooW..."}`.
    pub peer_id: Option<String>,
}

/// The fields of [`NodeMetrics`] and how a sample feeds them.
#[derive(Clone, Copy)]
enum Field {
    Uptime,
    Records,
    RelRecords,
    MaxRecords,
    ConnectedPeers,
    OpenConnections,
    TotalPeers,
    NetworkSize,
    Shunned,
    ShunnedCloseGroup,
    ShunnedOldCloseGroup,
    BadPeers,
    Rewards,
    Puts,
    Gets,
    MemMb,
    CpuPercent,
    PaymentCount,
    LiveTime,
}

fn field_of(name: &str) -> Option<Field> {
    // Cheap reject first: every name wnm reads starts with one of these.
    if !(name.starts_with("ant_") || name.starts_with("libp2p_kad_query_result_get_record")) {
        return None;
    }
    Some(match name {
        "ant_node_uptime" => Field::Uptime,
        "ant_networking_records_stored" => Field::Records,
        "ant_networking_relevant_records" => Field::RelRecords,
        "ant_networking_max_records" => Field::MaxRecords,
        "ant_networking_connected_peers" => Field::ConnectedPeers,
        "ant_networking_open_connections" => Field::OpenConnections,
        "ant_networking_peers_in_routing_table" => Field::TotalPeers,
        "ant_networking_estimated_network_size" => Field::NetworkSize,
        "ant_networking_shunned_count_total" => Field::Shunned,
        "ant_networking_shunned_by_close_group" => Field::ShunnedCloseGroup,
        "ant_networking_shunned_by_old_close_group" => Field::ShunnedOldCloseGroup,
        "ant_networking_bad_peers_count_total" => Field::BadPeers,
        "ant_node_current_reward_wallet_balance" => Field::Rewards,
        "ant_node_put_record_ok_total" => Field::Puts,
        "libp2p_kad_query_result_get_record_ok_total" => Field::Gets,
        "ant_networking_process_memory_used_mb" => Field::MemMb,
        "ant_networking_process_cpu_usage_percentage" => Field::CpuPercent,
        "ant_networking_received_payment_count" => Field::PaymentCount,
        "ant_networking_live_time" => Field::LiveTime,
        _ => return None,
    })
}

/// Read a `/metrics` body into [`NodeMetrics`]. Fails on anything that is not OpenMetrics
/// text (binary junk, an HTML error page, a truncated body without `# EOF`).
pub fn parse_metrics(body: &[u8]) -> Result<NodeMetrics, ParseError> {
    let mut m = NodeMetrics::default();
    for line in Lines::new(body)? {
        let Line::Sample(s) = line? else { continue };
        let Some(field) = field_of(s.name) else {
            continue;
        };
        let sample = s.parse()?;
        apply(&mut m, field, &sample);
    }
    Ok(m)
}

fn apply(m: &mut NodeMetrics, field: Field, s: &Sample<'_>) {
    let v = s.value;
    match field {
        Field::Uptime => m.uptime = to_u64(v),
        Field::Records => m.records = to_u64(v),
        Field::RelRecords => m.rel_records = to_u64(v),
        Field::MaxRecords => m.max_records = to_u64(v),
        Field::ConnectedPeers => m.connected_peers = to_u64(v),
        Field::OpenConnections => m.open_connections = to_u64(v),
        Field::TotalPeers => m.total_peers = to_u64(v),
        Field::NetworkSize => m.network_size = to_u64(v),
        Field::Shunned => m.shunned = m.shunned.saturating_add(to_u64(v)),
        Field::ShunnedCloseGroup => m.shunned_close_group = to_u64(v),
        Field::ShunnedOldCloseGroup => m.shunned_old_close_group = to_u64(v),
        Field::BadPeers => m.bad_peers = m.bad_peers.saturating_add(to_u64(v)),
        Field::Rewards => {
            m.rewards.clear();
            m.rewards.push_str(rewards_text(v));
        }
        Field::Puts => m.puts = m.puts.saturating_add(to_u64(v)),
        Field::Gets => m.gets = m.gets.saturating_add(to_u64(v)),
        Field::MemMb => m.mem_mb = to_f64(v),
        Field::CpuPercent => m.cpu_percent = to_f64(v),
        Field::PaymentCount => m.payment_count = to_u64(v),
        Field::LiveTime => m.live_time = to_u64(v),
    }
}

/// Read a `/metadata` body: version and peer id. Fails like [`parse_metrics`].
pub fn parse_metadata(body: &[u8]) -> Result<Metadata, ParseError> {
    let mut md = Metadata::default();
    for line in Lines::new(body)? {
        let Line::Sample(s) = line? else { continue };
        let label = match s.name {
            "ant_node_antnode_version_info" => "antnode_version",
            "ant_networking_peer_id_info" => "peer_id",
            _ => continue,
        };
        let sample = s.parse()?;
        let Some(value) = sample.labels.get(label).map(|l| l.value().into_owned()) else {
            continue;
        };
        if label == "peer_id" {
            md.peer_id = Some(value);
        } else {
            md.version = Some(value);
        }
    }
    Ok(md)
}

/// A number token as a non-negative integer: exact for integers (saturating at `u64::MAX`),
/// truncated for decimals, 0 for negatives and NaN, `u64::MAX` for `+Inf`.
pub fn to_u64(v: &str) -> u64 {
    let digits = v.strip_prefix('+').unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse::<u64>().unwrap_or(u64::MAX);
    }
    match v.parse::<f64>() {
        // `as` saturates and maps NaN to 0.
        Ok(f) => f as u64,
        Err(_) => 0,
    }
}

/// A number token as a finite float (non-finite reads as 0).
pub fn to_f64(v: &str) -> f64 {
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => f,
        _ => 0.0,
    }
}

/// The wallet balance kept as text: the token itself when it is a plain decimal, else "0".
fn rewards_text(v: &str) -> &str {
    if crate::openmetrics::is_real_number(v) && !v.starts_with('-') {
        v.strip_prefix('+').unwrap_or(v)
    } else {
        "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sum_over_labels_and_gauges_keep_the_value() {
        let body = b"# TYPE ant_node_put_record_ok counter\n\
ant_node_put_record_ok_total{record_type=\"Chunk\"} 5\n\
ant_node_put_record_ok_total{record_type=\"Scratchpad\"} 7\n\
ant_node_uptime 1260\n\
ant_networking_process_memory_used_mb 97.8125\n\
ant_networking_process_cpu_usage_percentage NaN\n\
ant_node_current_reward_wallet_balance 123456789012345678901234\n\
# EOF\n";
        let m = parse_metrics(body).unwrap();
        assert_eq!(m.puts, 12);
        assert_eq!(m.uptime, 1260);
        assert_eq!(m.mem_mb, 97.8125);
        assert_eq!(m.cpu_percent, 0.0);
        assert_eq!(m.rewards, "123456789012345678901234");
    }

    #[test]
    fn number_conversions() {
        assert_eq!(to_u64("42"), 42);
        assert_eq!(to_u64("+42"), 42);
        assert_eq!(to_u64("99999999999999999999999"), u64::MAX);
        assert_eq!(to_u64("1e30"), u64::MAX);
        assert_eq!(to_u64("+Inf"), u64::MAX);
        assert_eq!(to_u64("-Inf"), 0);
        assert_eq!(to_u64("-5"), 0);
        assert_eq!(to_u64("NaN"), 0);
        assert_eq!(to_u64("12.9"), 12);
        assert_eq!(to_f64("Inf"), 0.0);
        assert_eq!(to_f64("1e-3"), 0.001);
        assert_eq!(rewards_text("NaN"), "0");
        assert_eq!(rewards_text("-3"), "0");
        assert_eq!(rewards_text("+3.5"), "3.5");
    }

    #[test]
    fn metadata_unescapes_labels() {
        let md = parse_metadata(
            b"ant_node_antnode_version_info{antnode_version=\"0.4.1\\\"1\"} 1\n\
ant_networking_peer_id_info{peer_id=\"12D3KooWabc\"} 1\n# EOF\n",
        )
        .unwrap();
        assert_eq!(md.version.as_deref(), Some("0.4.1\"1"));
        assert_eq!(md.peer_id.as_deref(), Some("12D3KooWabc"));
    }
}
