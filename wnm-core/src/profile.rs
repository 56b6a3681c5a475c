//! Node-line profiles: how a node binary is launched, versioned and health-checked, as data per
//! line (antnode 0.4.x today, the 2026 `ant-node` line next), not constants spread through backends;
//! which line a binary is, and reading a command line back ([`facts`]).
use crate::machine::Machine;
use crate::node::Node;
use crate::version::Version;
use std::sync::Arc;

pub mod facts;
pub use facts::{LaunchFacts, network_from_flag, parse_launch_args};

/// How a manager learns a node's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthCheck {
    /// HTTP OpenMetrics on 127.0.0.1:metrics_port: `metrics_path` for figures, `metadata_path` for version and peer id.
    Metrics {
        /// Path of the metrics body (`/metrics`).
        metrics_path: &'static str,
        /// Path of the metadata body (`/metadata`).
        metadata_path: &'static str,
    },
    /// No HTTP endpoint: the process (pid) and its UDP port are all there is.
    ProcessOnly,
}

/// Options that shape a node's command line beyond its own row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Disable UPnP.
    pub no_upnp: bool,
    /// Operator's extra arguments (`start_args`), appended before the network subcommand.
    pub extra_args: Vec<String>,
}

impl LaunchOptions {
    /// The options a machine's settings give: `no_upnp`, and `start_args` split into words.
    pub fn from_machine(machine: &Machine) -> LaunchOptions {
        LaunchOptions {
            no_upnp: machine.no_upnp,
            extra_args: split_start_args(&machine.start_args),
        }
    }
}

/// A node line: everything that differs between node binaries.
pub trait NodeLine: Send + Sync + std::fmt::Debug {
    /// Stable name stored with each node (`antnode-0.4`).
    fn name(&self) -> &'static str;
    /// File name of the binary (`antnode`).
    fn binary_name(&self) -> &'static str;
    /// The argument list that runs `node` (program excluded).
    fn launch_args(&self, node: &Node, opts: &LaunchOptions) -> Vec<String>;
    /// Parse the version out of `BINARY --version` output.
    fn parse_version_output(&self, output: &str) -> Option<Version>;
    /// How health is observed.
    fn health(&self) -> HealthCheck;
    /// File in the root dir that holds the node's identity (kept across restarts and upgrades).
    fn identity_file(&self) -> &'static str;
    /// File in the root dir where the node writes its pid, if it does.
    fn pid_file(&self) -> Option<&'static str>;
}

/// antnode 0.4.x (crates.io `ant-node` 0.3–0.4.17, binary `antnode`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Antnode04;

impl NodeLine for Antnode04 {
    fn name(&self) -> &'static str {
        "antnode-0.4"
    }
    fn binary_name(&self) -> &'static str {
        "antnode"
    }
    fn launch_args(&self, node: &Node, opts: &LaunchOptions) -> Vec<String> {
        let mut a: Vec<String> = Vec::with_capacity(20);
        if opts.no_upnp {
            a.push("--no-upnp".into());
        }
        a.extend([
            "--root-dir".into(),
            node.root_dir.clone(),
            "--port".into(),
            node.port.to_string(),
            "--enable-metrics-server".into(),
            "--metrics-server-port".into(),
            node.metrics_port.to_string(),
            "--log-output-dest".into(),
            node.log_dir.clone(),
            "--max-log-files".into(),
            "1".into(),
            "--max-archived-log-files".into(),
            "1".into(),
            "--rewards-address".into(),
            node.wallet.clone(),
        ]);
        a.extend(opts.extra_args.iter().cloned());
        if !node.network.is_empty() {
            a.push(node.network.clone());
        }
        a
    }
    fn parse_version_output(&self, output: &str) -> Option<Version> {
        let first = output.lines().next()?;
        let v = first.trim().strip_prefix("Autonomi Node v")?;
        v.trim().parse().ok()
    }
    fn health(&self) -> HealthCheck {
        HealthCheck::Metrics {
            metrics_path: "/metrics",
            metadata_path: "/metadata",
        }
    }
    fn identity_file(&self) -> &'static str {
        "secret-key"
    }
    fn pid_file(&self) -> Option<&'static str> {
        Some("antnode.pid")
    }
}

/// The 2026 line (crates.io `ant-node` >= 0.6, binary `ant-node`): flags instead of subcommands,
/// no HTTP metrics, health from the process only.
#[derive(Debug, Clone, Copy, Default)]
pub struct AntNode2026;

impl NodeLine for AntNode2026 {
    fn name(&self) -> &'static str {
        "ant-node-2026"
    }
    fn binary_name(&self) -> &'static str {
        "ant-node"
    }
    fn launch_args(&self, node: &Node, opts: &LaunchOptions) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "--root-dir".into(),
            node.root_dir.clone(),
            "--port".into(),
            node.port.to_string(),
            "--rewards-address".into(),
            node.wallet.clone(),
            "--enable-logging".into(),
            "--log-dir".into(),
            node.log_dir.clone(),
            "--stop-on-upgrade".into(),
        ];
        match node.network.as_str() {
            "" => {}
            "evm-arbitrum-one" => a.extend(["--evm-network".into(), "arbitrum-one".into()]),
            "evm-arbitrum-sepolia-test" => {
                a.extend(["--evm-network".into(), "arbitrum-sepolia".into()])
            }
            other => a.extend(["--evm-network".into(), other.to_string()]),
        }
        a.extend(opts.extra_args.iter().cloned());
        a
    }
    fn parse_version_output(&self, output: &str) -> Option<Version> {
        let first = output.lines().next()?;
        first.trim().strip_prefix("ant-node ")?.trim().parse().ok()
    }
    fn health(&self) -> HealthCheck {
        HealthCheck::ProcessOnly
    }
    fn identity_file(&self) -> &'static str {
        "node_identity.key"
    }
    fn pid_file(&self) -> Option<&'static str> {
        None
    }
}

/// Look a line up by its stored name; unknown names fall back to none.
pub fn line_by_name(name: &str) -> Option<Arc<dyn NodeLine>> {
    match name {
        "antnode-0.4" | "" => Some(Arc::new(Antnode04)),
        "ant-node-2026" => Some(Arc::new(AntNode2026)),
        _ => None,
    }
}

/// Every node line wnm knows, the default (antnode 0.4) first.
pub fn known_lines() -> Vec<Arc<dyn NodeLine>> {
    vec![Arc::new(Antnode04), Arc::new(AntNode2026)]
}

/// The line whose binary `binary` (a path or a file name) is, by its file name against each
/// line's [`NodeLine::binary_name`] (`.../ant-node` is the 2026 line); any other name is the
/// default line, antnode 0.4 (nodes were renamed `antnode` copies before there was a choice).
pub fn line_for_binary(binary: &str) -> Arc<dyn NodeLine> {
    let file = binary.rsplit('/').next().unwrap_or(binary);
    known_lines()
        .into_iter()
        .find(|l| l.binary_name() == file)
        .unwrap_or_else(|| Arc::new(Antnode04))
}

/// Split `start_args` into arguments: whitespace separated, no shell quoting or expansion.
pub fn split_start_args(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// A node's environment: the machine's `environment` (already parsed), then the node's own
/// (`node.environment`, parsed here); a key the node sets again replaces the machine's.
pub fn node_environment(
    machine_env: &[(String, String)],
    node: &Node,
) -> crate::Result<Vec<(String, String)>> {
    let mut env = machine_env.to_vec();
    for (k, v) in parse_environment(&node.environment)? {
        env.retain(|(ek, _)| ek != &k);
        env.push((k, v));
    }
    Ok(env)
}

/// Parse `environment` (`K=V K2=V2` or `K=V,K2=V2`) into pairs; keys must be shell-style names.
/// A comma separates entries only when an upper-case `NAME=` follows it, so values such as
/// `RUST_LOG=info,wnm=debug` keep their commas.
pub fn parse_environment(s: &str) -> crate::Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in s.split_whitespace() {
        let mut rest = word;
        loop {
            let cut = rest
                .match_indices(',')
                .map(|(i, _)| i)
                .find(|&i| starts_with_assignment(&rest[i + 1..]));
            let (item, next) = match cut {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let item = item.trim_end_matches(',');
            if !item.is_empty() {
                out.push(parse_assignment(item)?);
            }
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    }
    Ok(out)
}

fn is_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn starts_with_assignment(s: &str) -> bool {
    s.split_once('=')
        .is_some_and(|(k, _)| is_name(k) && !k.chars().any(|c| c.is_ascii_lowercase()))
}

fn parse_assignment(item: &str) -> crate::Result<(String, String)> {
    let (k, v) = item.split_once('=').ok_or_else(|| {
        crate::Error::invalid_config(format!("environment entry {item:?} must be KEY=VALUE"))
    })?;
    let k = k.trim();
    if !is_name(k) {
        return Err(crate::Error::invalid_config(format!(
            "environment entry {item:?}: {k:?} is not a valid variable name"
        )));
    }
    Ok((k.to_string(), v.trim_matches('"').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::ProcessManager;
    use crate::metrics::NodeMetrics;
    use crate::status::NodeStatus;

    pub(crate) fn node() -> Node {
        Node {
            id: 1,
            service_name: "antnode0001".into(),
            port: 55001,
            metrics_port: 13001,
            rpc_port: 30001,
            root_dir: "/var/antctl/services/antnode0001".into(),
            log_dir: "/var/log/antnode/antnode0001".into(),
            binary: "/var/antctl/services/antnode0001/antnode".into(),
            user: "ant".into(),
            wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: ProcessManager::platform_default(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: NodeMetrics::default(),
        }
    }

    #[test]
    fn antnode_args_match_anm_unit_order_and_network_last() {
        let opts = LaunchOptions {
            no_upnp: true,
            extra_args: vec!["--relay".into()],
        };
        let a = Antnode04.launch_args(&node(), &opts);
        assert_eq!(a.first().unwrap(), "--no-upnp");
        assert_eq!(a.last().unwrap(), "evm-arbitrum-one");
        assert_eq!(a[a.len() - 2], "--relay");
        let joined = a.join(" ");
        assert!(joined.contains("--metrics-server-port 13001"));
        assert!(joined.contains("--rewards-address 0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"));
    }

    #[test]
    fn version_outputs_of_both_lines() {
        let out04 = "Autonomi Node v0.4.11\nNetwork version: ant/1.0/1\n";
        assert_eq!(
            Antnode04.parse_version_output(out04).unwrap().to_string(),
            "0.4.11"
        );
        assert_eq!(
            AntNode2026
                .parse_version_output("ant-node 0.23.1\n")
                .unwrap()
                .to_string(),
            "0.23.1"
        );
        assert!(Antnode04.parse_version_output("garbage").is_none());
    }

    #[test]
    fn new_line_uses_flags_not_subcommands() {
        let a = AntNode2026.launch_args(&node(), &LaunchOptions::default());
        assert!(!a.contains(&"evm-arbitrum-one".to_string()));
        assert!(a.windows(2).any(|w| w == ["--evm-network", "arbitrum-one"]));
        assert_eq!(AntNode2026.health(), HealthCheck::ProcessOnly);
    }

    #[test]
    fn lines_by_binary_name() {
        for (binary, line) in [
            ("/n/antnode0001/antnode", "antnode-0.4"),
            ("/n/antnode0001/ant-node", "ant-node-2026"),
            ("ant-node", "ant-node-2026"),
            ("/n/antnode0001/antnode-0.4.11", "antnode-0.4"),
            ("", "antnode-0.4"),
        ] {
            assert_eq!(line_for_binary(binary).name(), line, "{binary}");
        }
        for l in known_lines() {
            assert_eq!(line_by_name(l.name()).unwrap().name(), l.name());
            assert_eq!(line_for_binary(l.binary_name()).name(), l.name());
        }
    }

    #[test]
    fn launch_options_from_the_machine() {
        let m = Machine {
            no_upnp: true,
            start_args: " --relay  --ip 0.0.0.0 ".into(),
            ..Machine::default()
        };
        assert_eq!(
            LaunchOptions::from_machine(&m),
            LaunchOptions {
                no_upnp: true,
                extra_args: vec!["--relay".into(), "--ip".into(), "0.0.0.0".into()],
            }
        );
        assert_eq!(
            LaunchOptions::from_machine(&Machine::default()),
            LaunchOptions::default()
        );
    }

    #[test]
    fn environment_parsing() {
        let e = parse_environment("ANT_LOG=ant_evm=error, RUST_BACKTRACE=1").unwrap();
        assert_eq!(e[0], ("ANT_LOG".into(), "ant_evm=error".into()));
        assert_eq!(e[1], ("RUST_BACKTRACE".into(), "1".into()));
        assert!(parse_environment("1BAD=x").is_err());
        assert!(parse_environment("NOVALUE").is_err());
        assert!(parse_environment("").unwrap().is_empty());
        let e = parse_environment("RUST_LOG=a,b,c=d X=1,Y=2").unwrap();
        assert_eq!(
            e,
            vec![
                ("RUST_LOG".into(), "a,b,c=d".into()),
                ("X".into(), "1".into()),
                ("Y".into(), "2".into())
            ]
        );
    }

    #[test]
    fn node_environment_overrides_machine_keys() {
        let mut n = node();
        n.environment = "A=2,B=3".into();
        let machine = [("A".to_string(), "1".to_string()), ("C".into(), "4".into())];
        assert_eq!(
            node_environment(&machine, &n).unwrap(),
            [
                ("C".to_string(), "4".to_string()),
                ("A".to_string(), "2".to_string()),
                ("B".to_string(), "3".to_string())
            ]
        );
        n.environment = String::new();
        assert_eq!(node_environment(&machine, &n).unwrap(), machine);
        n.environment = "bad".into();
        assert!(node_environment(&machine, &n).is_err());
    }
}
