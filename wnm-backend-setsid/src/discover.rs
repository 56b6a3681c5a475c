//! Rebuilding `Node`s from what is on disk and in `/proc`: the launch facts in a running node's
//! command line (ports, wallet, log dir, network), else the layout and port bases (`--import`).
use crate::config::SetsidConfig;
use std::path::Path;
use wnm_core::profile::{LaunchFacts, parse_launch_args};
use wnm_core::{Node, NodeId, NodeLine, NodeMetrics, NodeStatus, Result, UnixTime};

/// The node binary in a node's argument vector and what the arguments after it say. Wrappers
/// before the binary (`setpriv ...`, `sudo ... env K=V`) are skipped by starting after the
/// argument naming `binary_name` (else after argv[0]); the rest is
/// `wnm_core::profile::parse_launch_args`.
pub fn parse_cmdline(cmdline: &[String], binary_name: &str) -> (Option<String>, LaunchFacts) {
    let suffix = format!("/{binary_name}");
    let start = cmdline
        .iter()
        .position(|a| a == binary_name || a.ends_with(&suffix));
    let args = &cmdline[start.map_or(1.min(cmdline.len()), |i| i + 1)..];
    (start.map(|i| cmdline[i].clone()), parse_launch_args(args))
}

/// A running process of a discovered node: its pid and command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveProcess {
    /// The pid.
    pub pid: u32,
    /// Its `/proc/PID/cmdline`.
    pub cmdline: Vec<String>,
}

/// Rebuild node `id` found at `root_dir`: from `live`'s command line where it says, else from the
/// layout and the port bases. `created_at` is the dir's age, `now` the status time.
pub fn rebuild_node(
    cfg: &SetsidConfig,
    line: &dyn NodeLine,
    id: NodeId,
    root_dir: &Path,
    live: Option<&LiveProcess>,
    created_at: UnixTime,
    now: UnixTime,
) -> Result<Node> {
    let m = &cfg.machine;
    let name = wnm_core::service_name(id);
    let layout = cfg.layout(id, line.binary_name());
    let (binary, facts) = live
        .map(|p| parse_cmdline(&p.cmdline, line.binary_name()))
        .unwrap_or_default();
    let (port, metrics_port, rpc_port) = facts.ports_or_bases(m, id)?;
    let default_binary = root_dir.join(line.binary_name());
    Ok(Node {
        id,
        service_name: name,
        port,
        metrics_port,
        rpc_port,
        root_dir: root_dir.to_string_lossy().into_owned(),
        log_dir: facts
            .log_dir
            .unwrap_or_else(|| layout.log_dir.to_string_lossy().into_owned()),
        binary: binary
            .filter(|b| Path::new(b).parent() == Some(root_dir))
            .unwrap_or_else(|| default_binary.to_string_lossy().into_owned()),
        user: cfg.node_user.clone(),
        wallet: facts.wallet.unwrap_or_else(|| m.default_wallet()),
        network: facts
            .network
            .unwrap_or_else(|| "evm-arbitrum-one".to_string()),
        version: None,
        peer_id: None,
        status: if live.is_some() {
            NodeStatus::Running
        } else {
            NodeStatus::Stopped
        },
        status_changed_at: now,
        created_at,
        manager: cfg.manager.clone(),
        line: line.name().to_string(),
        container_id: None,
        host: m.host.clone(),
        environment: String::new(),
        metrics: NodeMetrics::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::{AntNode2026, Antnode04, LaunchOptions};

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn antnode_command_line_round_trips() {
        let mut n = crate::testutil::node(7, "/n", "/l");
        n.port = 55123;
        n.metrics_port = 13123;
        let mut cmd = vec![n.binary.clone()];
        cmd.extend(Antnode04.launch_args(
            &n,
            &LaunchOptions {
                no_upnp: true,
                extra_args: vec!["--relay".into()],
            },
        ));
        let (binary, f) = parse_cmdline(&cmd, "antnode");
        assert_eq!(binary.as_deref(), Some(n.binary.as_str()));
        assert_eq!(f.root_dir.as_deref(), Some(n.root_dir.as_str()));
        assert_eq!(f.port, Some(55123));
        assert_eq!(f.metrics_port, Some(13123));
        assert_eq!(f.wallet.as_deref(), Some(n.wallet.as_str()));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
    }

    #[test]
    fn wrapped_and_new_line_command_lines() {
        let (binary, f) = parse_cmdline(
            &args(&[
                "sudo",
                "-n",
                "-u",
                "ant",
                "--",
                "env",
                "K=evm-x",
                "/n/antnode0002/antnode",
                "--port=55002",
                "--rpc",
                "127.0.0.1:30002",
                "--log-output-dest",
                "evm-not-a-network",
                "evm-arbitrum-sepolia-test",
            ]),
            "antnode",
        );
        assert_eq!(binary.as_deref(), Some("/n/antnode0002/antnode"));
        assert_eq!(f.port, Some(55002));
        assert_eq!(f.rpc_port, Some(30002));
        assert_eq!(f.log_dir.as_deref(), Some("evm-not-a-network"));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-sepolia-test"));

        let n = crate::testutil::node(3, "/n", "/l");
        let mut cmd = vec!["/n/antnode0003/ant-node".to_string()];
        cmd.extend(AntNode2026.launch_args(&n, &LaunchOptions::default()));
        let (_, f) = parse_cmdline(&cmd, "ant-node");
        assert_eq!(f.port, Some(n.port));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
    }

    #[test]
    fn no_binary_in_the_command_line_reads_after_argv0() {
        let (binary, f) = parse_cmdline(&args(&["/usr/bin/x", "--port", "55004"]), "antnode");
        assert_eq!(binary, None);
        assert_eq!(f.port, Some(55004));
        assert_eq!(
            parse_cmdline(&[], "antnode"),
            (None, LaunchFacts::default())
        );
    }
}
