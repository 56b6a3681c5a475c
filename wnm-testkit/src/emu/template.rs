//! Bodies in the captured format: the fixture texts as templates with changing values.
//!
//! A template is the fixture cut into static slices and holes; a hole is the value of a
//! sample wnm reads (uptime, records, peers ...) or a label value of `/metadata` (version,
//! peer id). Rendering copies the slices and formats the holes, so every body is
//! byte-identical to the capture except for those values.
use std::fmt::Write as _;
use std::time::Instant;

/// antnode 0.4.11 `/metrics` captured offline.
pub const METRICS_0411: &str = include_str!("../../fixtures/antnode-0.4.11/metrics.txt");
/// antnode 0.4.11 `/metrics_extended` captured offline.
pub const METRICS_EXTENDED_0411: &str =
    include_str!("../../fixtures/antnode-0.4.11/metrics_extended.txt");
/// antnode 0.4.11 `/metadata` captured offline.
pub const METADATA_0411: &str = include_str!("../../fixtures/antnode-0.4.11/metadata.txt");
/// antnode 0.4.11 `--version` output.
pub const VERSION_0411: &str = include_str!("../../fixtures/antnode-0.4.11/version.txt");
/// antnode 0.4.7 `/metrics` of a node on the live network (47 KB).
pub const METRICS_MAINNET: &str = include_str!("../../fixtures/antnode-0.4.7-mainnet/metrics.txt");
/// antnode 0.4.7 `/metadata` of the same node.
pub const METADATA_MAINNET: &str =
    include_str!("../../fixtures/antnode-0.4.7-mainnet/metadata.txt");

/// The `Content-Type` antnode's metrics server sends.
pub const CONTENT_TYPE: &str = "application/openmetrics-text;charset=utf-8;version=1.0.0";

/// A value that changes between bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hole {
    /// `ant_node_uptime`: seconds since the node started (+ a per-node offset in serve-many).
    Uptime,
    /// `ant_networking_records_stored` / `ant_node_put_record_ok_total`: grows slowly.
    Records,
    /// `ant_networking_relevant_records`.
    RelRecords,
    /// `ant_networking_connected_peers` / `ant_networking_open_connections`.
    ConnectedPeers,
    /// `ant_networking_peers_in_routing_table`.
    TotalPeers,
    /// `ant_networking_estimated_network_size`.
    NetworkSize,
    /// `ant_networking_process_memory_used_mb`.
    MemMb,
    /// `ant_networking_process_cpu_usage_percentage`.
    CpuPercent,
    /// `ant_networking_live_time`.
    LiveTime,
    /// `antnode_version="..."` in `/metadata`.
    Version,
    /// `peer_id="..."` in `/metadata`.
    PeerId,
}

fn hole_for_sample(name: &str) -> Option<Hole> {
    Some(match name {
        "ant_node_uptime" => Hole::Uptime,
        "ant_networking_records_stored" | "ant_node_put_record_ok_total" => Hole::Records,
        "ant_networking_relevant_records" => Hole::RelRecords,
        "ant_networking_connected_peers" | "ant_networking_open_connections" => {
            Hole::ConnectedPeers
        }
        "ant_networking_peers_in_routing_table" => Hole::TotalPeers,
        "ant_networking_estimated_network_size" => Hole::NetworkSize,
        "ant_networking_process_memory_used_mb" => Hole::MemMb,
        "ant_networking_process_cpu_usage_percentage" => Hole::CpuPercent,
        "ant_networking_live_time" => Hole::LiveTime,
        _ => return None,
    })
}

#[derive(Debug, Clone)]
enum Piece {
    Text(&'static str),
    Hole(Hole),
}

/// A fixture cut into text and holes.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
    len_hint: usize,
}

impl Template {
    /// Cut `text` at the values of the samples in [`Hole`] and at the `antnode_version` and
    /// `peer_id` label values.
    pub fn new(text: &'static str) -> Self {
        let mut pieces = Vec::new();
        let mut static_from = 0;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if line.starts_with('#') {
                continue;
            }
            for (label, hole) in [
                ("antnode_version=\"", Hole::Version),
                ("peer_id=\"", Hole::PeerId),
            ] {
                if let Some(i) = line.find(label) {
                    let v0 = start + i + label.len();
                    if let Some(len) = text[v0..].find('"') {
                        pieces.push(Piece::Text(&text[static_from..v0]));
                        pieces.push(Piece::Hole(hole));
                        static_from = v0 + len;
                    }
                }
            }
            let name_end = line.find(['{', ' ']).unwrap_or(0);
            if let Some(hole) = hole_for_sample(&line[..name_end]) {
                let body = line.trim_end_matches('\n');
                if let Some(sp) = body.rfind(' ') {
                    let v0 = start + sp + 1;
                    pieces.push(Piece::Text(&text[static_from..v0]));
                    pieces.push(Piece::Hole(hole));
                    static_from = start + body.len();
                }
            }
        }
        pieces.push(Piece::Text(&text[static_from..]));
        Template {
            pieces,
            len_hint: text.len() + 64,
        }
    }

    /// The holes in order (for tests).
    pub fn holes(&self) -> Vec<Hole> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Hole(h) => Some(*h),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// The body with `values` filled in.
    pub fn render(&self, values: &Values<'_>) -> Vec<u8> {
        let mut out = String::with_capacity(self.len_hint);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Hole(h) => values.write(*h, &mut out),
            }
        }
        out.into_bytes()
    }
}

/// One emulated node's identity and clock.
#[derive(Debug, Clone)]
pub struct NodeIdentity {
    /// Its peer id.
    pub peer_id: String,
    /// The version it reports.
    pub version: String,
    /// When it started.
    pub started: Instant,
    /// Seconds it had already run at `started` (`--emu-uptime`: a colony that has run a while).
    pub uptime_base: u64,
    /// A per-node number that varies the figures between nodes (0 for a single node).
    pub seed: u64,
}

/// The values of one render.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    node: &'a NodeIdentity,
    secs: u64,
}

impl<'a> Values<'a> {
    /// The values of `node` now.
    pub fn now(node: &'a NodeIdentity) -> Self {
        Values {
            node,
            secs: node.uptime_base + node.started.elapsed().as_secs(),
        }
    }

    fn write(&self, hole: Hole, out: &mut String) {
        let s = self.secs;
        let seed = self.node.seed;
        let _ = match hole {
            Hole::Uptime => write!(out, "{}", s + seed % 3600),
            Hole::Records => write!(out, "{}", s / 30 + 1 + seed % 50),
            Hole::RelRecords => write!(out, "{}", (s / 30 + 1 + seed % 50) / 2),
            Hole::ConnectedPeers => write!(out, "{}", 4 + (s / 60 + seed) % 20),
            Hole::TotalPeers => write!(out, "{}", 300 + (s / 60 + seed) % 100),
            Hole::NetworkSize => write!(out, "{}", 2_000_000 + (seed * 7919) % 100_000),
            Hole::MemMb => write!(
                out,
                "{:.4}",
                90.0 + (seed % 20) as f64 + (s % 60) as f64 / 64.0
            ),
            Hole::CpuPercent => write!(out, "{:.4}", 0.01 + (seed % 10) as f64 / 100.0),
            Hole::LiveTime => write!(out, "{s}"),
            Hole::Version => out.write_str(&self.node.version),
            Hole::PeerId => out.write_str(&self.node.peer_id),
        };
    }
}

/// The four lines `antnode --version` prints, with `version` on the first.
pub fn version_text(version: &str) -> String {
    VERSION_0411.replacen("v0.4.11", &format!("v{version}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> NodeIdentity {
        NodeIdentity {
            peer_id: "12D3KooWTest".into(),
            version: "0.4.12".into(),
            started: Instant::now(),
            uptime_base: 0,
            seed: 0,
        }
    }

    #[test]
    fn rendering_changes_only_the_holes() {
        let t = Template::new(METRICS_0411);
        assert_eq!(
            t.holes(),
            vec![
                Hole::Uptime,
                Hole::Records,
                Hole::ConnectedPeers,
                Hole::NetworkSize,
                Hole::ConnectedPeers,
                Hole::TotalPeers,
                Hole::MemMb,
                Hole::CpuPercent,
                Hole::RelRecords,
                Hole::LiveTime
            ]
        );
        let body = String::from_utf8(t.render(&Values::now(&node()))).unwrap();
        let differing: Vec<_> = body
            .lines()
            .zip(METRICS_0411.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.split(' ').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(body.lines().count(), METRICS_0411.lines().count());
        assert!(
            differing.iter().all(|n| hole_for_sample(n).is_some()),
            "{differing:?}"
        );
        assert!(body.contains("\nant_node_uptime 0\n"));
        assert!(body.ends_with("# EOF\n"));
    }

    #[test]
    fn metadata_gets_version_and_peer_id() {
        let t = Template::new(METADATA_MAINNET);
        assert_eq!(t.holes(), vec![Hole::Version, Hole::PeerId]);
        let body = String::from_utf8(t.render(&Values::now(&node()))).unwrap();
        assert!(body.contains("ant_node_antnode_version_info{antnode_version=\"0.4.12\"} 1\n"));
        assert!(body.contains("ant_networking_peer_id_info{peer_id=\"12D3KooWTest\"} 1\n"));
        assert_eq!(
            body.replace("0.4.12", "0.4.7").replace(
                "12D3KooWTest",
                "12D3KooWMDqtXsSEbuWZ5wdrr3Ai6rUWJta6yBgutJaJXusSujuu"
            ),
            METADATA_MAINNET
        );
    }

    #[test]
    fn mainnet_puts_are_a_hole_too() {
        let t = Template::new(METRICS_MAINNET);
        assert!(t.holes().contains(&Hole::Records));
        let body = t.render(&Values::now(&node()));
        assert!(body.len() > 45_000);
    }

    #[test]
    fn version_text_has_the_emulated_version() {
        let v = version_text("0.4.12");
        assert!(v.starts_with("Autonomi Node v0.4.12\nNetwork version: ant/1.0/1\n"));
        assert_eq!(v.lines().count(), 4);
    }
}
