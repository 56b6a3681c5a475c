//! Rebuilding `Node`s from what is on disk and in `/proc`: the launch facts in a running node's
//! command line (ports, wallet, log dir, network), else the layout and port bases (`--import`).
use crate::config::SetsidConfig;
use std::path::Path;
use wnm_core::wallet::{EvmAddress, WalletList};
use wnm_core::{Error, Node, NodeId, NodeLine, NodeMetrics, NodeStatus, Result, UnixTime};

/// What a node's command line says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchFacts {
    /// The node binary (the argument ending in `/<binary name>`).
    pub binary: Option<String>,
    /// `--root-dir`.
    pub root_dir: Option<String>,
    /// `--port` / `-p`.
    pub port: Option<u16>,
    /// `--metrics-server-port` (antnode 0.4) or `--metrics-port` (2026 line).
    pub metrics_port: Option<u16>,
    /// Port of `--rpc IP:PORT`.
    pub rpc_port: Option<u16>,
    /// `--rewards-address`.
    pub wallet: Option<String>,
    /// `--log-output-dest` (antnode 0.4) or `--log-dir` (2026 line).
    pub log_dir: Option<String>,
    /// The EVM subcommand (`evm-arbitrum-one`), or `--evm-network` mapped to that spelling.
    pub network: Option<String>,
}

/// Flags of either node line that take a value (so the value is not taken for a subcommand).
const VALUE_FLAGS: &[&str] = &[
    "--root-dir",
    "--port",
    "-p",
    "--ip",
    "--metrics-server-port",
    "--metrics-port",
    "--rewards-address",
    "--log-output-dest",
    "--log-dir",
    "--log-level",
    "--log-format",
    "--log-max-files",
    "--max-log-files",
    "--max-archived-log-files",
    "--bootstrap-cache-dir",
    "--bootstrap",
    "--peer",
    "--rpc",
    "--evm-network",
    "--network-mode",
    "--upgrade-channel",
];

fn network_from_flag(v: &str) -> String {
    match v {
        "arbitrum-one" => "evm-arbitrum-one".to_string(),
        "arbitrum-sepolia" => "evm-arbitrum-sepolia-test".to_string(),
        other => other.to_string(),
    }
}

/// Read the launch facts out of a node's argument vector. Wrappers before the binary (`setpriv
/// ...`, `sudo ... env K=V`) are skipped by starting after the argument naming `binary_name`.
pub fn parse_launch_args(cmdline: &[String], binary_name: &str) -> LaunchFacts {
    let suffix = format!("/{binary_name}");
    let start = cmdline
        .iter()
        .position(|a| a == binary_name || a.ends_with(&suffix));
    let mut f = LaunchFacts {
        binary: start.map(|i| cmdline[i].clone()),
        ..LaunchFacts::default()
    };
    let args = &cmdline[start.map_or(1.min(cmdline.len()), |i| i + 1)..];
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        if VALUE_FLAGS.contains(&flag) {
            let value = match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).cloned()
                }
            };
            if let Some(v) = value {
                match flag {
                    "--root-dir" => f.root_dir = Some(v),
                    "--port" | "-p" => f.port = v.parse().ok(),
                    "--metrics-server-port" | "--metrics-port" => f.metrics_port = v.parse().ok(),
                    "--rpc" => f.rpc_port = v.rsplit(':').next().and_then(|p| p.parse().ok()),
                    "--rewards-address" => f.wallet = Some(v),
                    "--log-output-dest" | "--log-dir" => f.log_dir = Some(v),
                    "--evm-network" => f.network = Some(network_from_flag(&v)),
                    _ => {}
                }
            }
        } else if !a.starts_with('-') && a.starts_with("evm-") && f.network.is_none() {
            f.network = Some(a.to_string());
        }
        i += 1;
    }
    f
}

/// The address a stopped node found on disk is given: the main entry of the rewards list.
pub fn default_wallet(rewards: &str, donate: &str) -> String {
    let Ok(list) = rewards.parse::<WalletList>() else {
        return String::new();
    };
    let donate: EvmAddress = match donate.parse() {
        Ok(d) => d,
        Err(_) => wnm_core::wallet::DEFAULT_DONATE_ADDRESS
            .parse()
            .expect("built-in address is valid"),
    };
    list.main().resolve(&donate).to_string()
}

fn port(what: &str, id: NodeId, value: u32) -> Result<u16> {
    u16::try_from(value).map_err(|_| {
        Error::invalid_config(format!(
            "node {id}: {what} {value} does not fit a port; check the port bases"
        ))
    })
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
    let facts = live
        .map(|p| parse_launch_args(&p.cmdline, line.binary_name()))
        .unwrap_or_default();
    let default_binary = root_dir.join(line.binary_name());
    Ok(Node {
        id,
        service_name: name,
        port: match facts.port {
            Some(p) => p,
            None => port("port", id, m.node_port(id))?,
        },
        metrics_port: match facts.metrics_port {
            Some(p) => p,
            None => port("metrics port", id, m.metrics_port(id))?,
        },
        rpc_port: match facts.rpc_port {
            Some(p) => p,
            None => port("rpc port", id, m.rpc_port(id))?,
        },
        root_dir: root_dir.to_string_lossy().into_owned(),
        log_dir: facts
            .log_dir
            .unwrap_or_else(|| layout.log_dir.to_string_lossy().into_owned()),
        binary: facts
            .binary
            .filter(|b| Path::new(b).parent() == Some(root_dir))
            .unwrap_or_else(|| default_binary.to_string_lossy().into_owned()),
        user: cfg.node_user.clone(),
        wallet: facts
            .wallet
            .unwrap_or_else(|| default_wallet(&m.rewards_address, &m.donate_address)),
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
        let f = parse_launch_args(&cmd, "antnode");
        assert_eq!(f.binary.as_deref(), Some(n.binary.as_str()));
        assert_eq!(f.root_dir.as_deref(), Some(n.root_dir.as_str()));
        assert_eq!(f.port, Some(55123));
        assert_eq!(f.metrics_port, Some(13123));
        assert_eq!(f.wallet.as_deref(), Some(n.wallet.as_str()));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
    }

    #[test]
    fn wrapped_and_new_line_command_lines() {
        let f = parse_launch_args(
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
        assert_eq!(f.port, Some(55002));
        assert_eq!(f.rpc_port, Some(30002));
        assert_eq!(f.log_dir.as_deref(), Some("evm-not-a-network"));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-sepolia-test"));

        let n = crate::testutil::node(3, "/n", "/l");
        let mut cmd = vec!["/n/antnode0003/ant-node".to_string()];
        cmd.extend(AntNode2026.launch_args(&n, &LaunchOptions::default()));
        let f = parse_launch_args(&cmd, "ant-node");
        assert_eq!(f.port, Some(n.port));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
    }

    #[test]
    fn wallet_defaults_to_the_main_entry() {
        assert_eq!(
            default_wallet(
                "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1",
                "0x00455d78f850b0358E8cea5be24d415E01E107CF"
            ),
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"
        );
        assert_eq!(
            default_wallet("faucet", ""),
            wnm_core::wallet::FAUCET_ADDRESS
        );
        assert_eq!(default_wallet("", ""), "");
    }
}
