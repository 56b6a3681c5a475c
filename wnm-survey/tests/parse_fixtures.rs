//! The parser on every captured antnode body, and on the ways a body can be broken.
use wnm_core::NodeMetrics;
use wnm_survey::openmetrics::{Line, Lines, validate};
use wnm_survey::{Metadata, parse_metadata, parse_metrics};

const METRICS_0411: &[u8] = include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.11/metrics.txt");
const EXTENDED_0411: &[u8] =
    include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.11/metrics_extended.txt");
const METADATA_0411: &[u8] =
    include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.11/metadata.txt");
const METRICS_MAINNET: &[u8] =
    include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.7-mainnet/metrics.txt");
const METADATA_MAINNET: &[u8] =
    include_bytes!("../../wnm-testkit/fixtures/antnode-0.4.7-mainnet/metadata.txt");

#[test]
fn mainnet_metrics_match_what_ntracking_reported_for_the_same_node() {
    // fixtures/ntracking/influx-resources.txt line for node 0001 was made from this body.
    let m = parse_metrics(METRICS_MAINNET).unwrap();
    assert_eq!(
        m,
        NodeMetrics {
            uptime: 1260,
            records: 1,
            rel_records: 0,
            max_records: 0,
            connected_peers: 4,
            open_connections: 4,
            total_peers: 362,
            network_size: 2_064_384,
            shunned: 0,
            shunned_close_group: 0,
            shunned_old_close_group: 0,
            bad_peers: 0,
            rewards: "0".into(),
            puts: 1,
            gets: 0,
            mem_mb: 97.8125,
            cpu_percent: 0.0353,
            payment_count: 0,
            live_time: 0,
        }
    );
}

#[test]
fn local_0411_metrics_and_extended() {
    let m = parse_metrics(METRICS_0411).unwrap();
    assert_eq!(m.uptime, 80);
    assert_eq!(m.network_size, 1);
    assert_eq!(m.mem_mb, 23.0318);
    assert_eq!(m.cpu_percent, 0.0167);
    assert_eq!(m.puts, 0, "a family with only HELP/TYPE has no samples");
    assert_eq!(m.rewards, "0");
    let e = parse_metrics(EXTENDED_0411).unwrap();
    assert_eq!(e.uptime, 30);
    assert_eq!(e.mem_mb, 18.7064);
}

#[test]
fn metadata_of_both_captures() {
    assert_eq!(
        parse_metadata(METADATA_0411).unwrap(),
        Metadata {
            version: Some("0.4.11".into()),
            peer_id: Some("12D3KooWP1wRSR7WmExd3c3x6ZMaTMXuuarGvx7aY21FCvCTVn6z".into()),
        }
    );
    assert_eq!(
        parse_metadata(METADATA_MAINNET).unwrap(),
        Metadata {
            version: Some("0.4.7".into()),
            peer_id: Some("12D3KooWMDqtXsSEbuWZ5wdrr3Ai6rUWJta6yBgutJaJXusSujuu".into()),
        }
    );
}

#[test]
fn every_line_of_every_capture_is_valid_openmetrics() {
    for (body, samples) in [
        (METRICS_0411, 79),
        (EXTENDED_0411, 79),
        (METADATA_0411, 4),
        (METRICS_MAINNET, 409),
        (METADATA_MAINNET, 4),
    ] {
        assert_eq!(validate(body), Ok(samples));
    }
    // The NaN gauge and the families without samples are there and read as such.
    let lines: Vec<Line<'_>> = Lines::new(METRICS_0411)
        .unwrap()
        .map(|l| l.unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| matches!(l, Line::Sample(s)
        if s.name == "ant_networking_relay_peers_percentage" && s.parse().unwrap().value == "NaN"))
    );
    assert!(lines.contains(&Line::Descriptor {
        kind: "TYPE",
        family: "ant_node_put_record_ok",
        rest: "counter"
    }));
    assert_eq!(lines.last(), Some(&Line::Eof));
}

#[test]
fn truncated_bodies_fail_at_every_cut() {
    // Any strict prefix lacks `# EOF` (or cuts a line), so none may parse.
    let body = METRICS_MAINNET;
    for cut in (0..body.len() - 1).step_by(97) {
        assert!(parse_metrics(&body[..cut]).is_err(), "cut at {cut}");
    }
    assert!(
        parse_metrics(&body[..body.len() - 1]).is_ok(),
        "only the final LF missing is fine"
    );
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "missing `# EOF`"),
        (b"\x00\x01\x02\xff\xfe binary", "not UTF-8"),
        (
            b"<html><body>502 Bad Gateway</body></html>\n",
            "metric name",
        ),
        (b"ant_node_uptime 80\n", "missing `# EOF`"),
        (b"ant_node_uptime eighty\n# EOF\n", "not a number"),
        (
            b"ant_node_put_record_ok_total{record_type=\"Chunk} 1\n# EOF\n",
            "not closed",
        ),
        (
            b"ant_node_put_record_ok_total{record_type=\"a\\x\"} 1\n# EOF\n",
            "bad escape",
        ),
        (b"ant_node_uptime 80\n# EOF\nmore\n", "after `# EOF`"),
    ];
    for (body, want) in cases {
        let e = parse_metrics(body).unwrap_err();
        assert!(e.to_string().contains(want), "{e} should mention {want}");
    }
}

#[test]
fn huge_nan_inf_and_escaped_labels() {
    let body = b"ant_node_uptime 1e400\n\
ant_networking_records_stored 184467440737095516160\n\
ant_networking_connected_peers -Inf\n\
ant_networking_process_memory_used_mb +Inf\n\
ant_networking_process_cpu_usage_percentage nan\n\
ant_node_put_record_ok_total{record_type=\"Chu\\\"nk\\\\\",x=\"a\\nb\"} 18446744073709551615\n\
ant_node_put_record_ok_total{record_type=\"Scratchpad\"} 5\n\
ant_node_current_reward_wallet_balance 340282366920938463463374607431768211456\n\
# EOF\n";
    let m = parse_metrics(body).unwrap();
    assert_eq!(m.uptime, u64::MAX);
    assert_eq!(m.records, u64::MAX);
    assert_eq!(m.connected_peers, 0);
    assert_eq!(m.mem_mb, 0.0);
    assert_eq!(m.cpu_percent, 0.0);
    assert_eq!(m.puts, u64::MAX, "the sum saturates");
    assert_eq!(m.rewards, "340282366920938463463374607431768211456");
}

#[test]
fn metadata_without_the_families_reads_as_unknown() {
    assert_eq!(parse_metadata(b"# EOF\n").unwrap(), Metadata::default());
    assert!(parse_metadata(b"garbage").is_err());
}
