//! Reading a node's command line back (pure): the inverse of `NodeLine::launch_args` for either
//! node line, used wherever wnm finds nodes it did not start in this run (plists, units, `/proc`).
use super::{AntNode2026, NodeLine, line_for_binary};
use crate::error::{Error, Result};
use crate::machine::Machine;
use crate::node::NodeId;
use std::sync::Arc;

/// What a node's launch arguments say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchFacts {
    /// `--root-dir`.
    pub root_dir: Option<String>,
    /// `--port` / `-p`.
    pub port: Option<u16>,
    /// `--metrics-server-port` (antnode 0.4) or `--metrics-port` (2026 line).
    pub metrics_port: Option<u16>,
    /// Port of `--rpc IP:PORT` (antctl's nodes).
    pub rpc_port: Option<u16>,
    /// `--rewards-address`.
    pub wallet: Option<String>,
    /// `--log-output-dest` (antnode 0.4) or `--log-dir` (2026 line).
    pub log_dir: Option<String>,
    /// The EVM subcommand (`evm-arbitrum-one`), or `--evm-network` mapped to that spelling.
    pub network: Option<String>,
    /// `--ip`.
    pub ip: Option<String>,
    /// A flag only the 2026 line has was seen (`--metrics-port`, `--log-dir`, `--evm-network`).
    pub new_line_flags: bool,
    /// Values given to a flag that cannot be what it takes (`--port "99999" is not a port
    /// number`), in order; the fact stays unset. A caller that must not guess refuses them.
    pub invalid: Vec<String>,
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
    "--network-id",
    "--network-contacts-url",
];

/// The subcommand spelling (`evm-arbitrum-one`) of a 2026-line `--evm-network` value
/// (`arbitrum-one`): the inverse of [`AntNode2026`]'s mapping.
pub fn network_from_flag(v: &str) -> String {
    match v {
        "arbitrum-one" => "evm-arbitrum-one".to_string(),
        "arbitrum-sepolia" => "evm-arbitrum-sepolia-test".to_string(),
        other => other.to_string(),
    }
}

impl LaunchFacts {
    fn port_value(&mut self, flag: &str, v: &str) -> Option<u16> {
        let p = v.parse().ok();
        if p.is_none() {
            self.invalid
                .push(format!("{flag} {v:?} is not a port number"));
        }
        p
    }

    /// The node line these arguments run: the 2026 line when its flags were seen, else the
    /// line of `binary`'s file name ([`line_for_binary`]).
    pub fn line(&self, binary: &str) -> Arc<dyn NodeLine> {
        if self.new_line_flags {
            Arc::new(AntNode2026)
        } else {
            line_for_binary(binary)
        }
    }

    /// Node, metrics and RPC port: each from the arguments, else node `id`'s from the machine's
    /// port bases; a base port that does not fit 16 bits is an error naming the setting.
    pub fn ports_or_bases(&self, m: &Machine, id: NodeId) -> Result<(u16, u16, u16)> {
        let fit = |what: &str, given: Option<u16>, base: u32| match given {
            Some(p) => Ok(p),
            None => u16::try_from(base).map_err(|_| {
                Error::invalid_config(format!(
                    "node {id}: {what} {base} does not fit a port; check the port bases"
                ))
            }),
        };
        Ok((
            fit("port", self.port, m.node_port(id))?,
            fit("metrics port", self.metrics_port, m.metrics_port(id))?,
            fit("rpc port", self.rpc_port, m.rpc_port(id))?,
        ))
    }
}

/// Read the launch facts out of a node's arguments (after the program), any order, `--flag value`
/// or `--flag=value`. Flags that take a value are known by name, so a value is never taken for
/// the subcommand; unknown flags and words are skipped. The first word starting with `evm-` that
/// is no flag's value is the network subcommand, and what follows it is the subcommand's own.
pub fn parse_launch_args(args: &[String]) -> LaunchFacts {
    let mut f = LaunchFacts::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        let (flag, inline) = match a.split_once('=') {
            Some((fl, v)) if fl.starts_with("--") => (fl, Some(v.to_string())),
            _ => (a, None),
        };
        if VALUE_FLAGS.contains(&flag) {
            let value = match inline {
                Some(v) => v,
                None => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => break,
                },
            };
            match flag {
                "--root-dir" => f.root_dir = Some(value),
                "--port" | "-p" => f.port = f.port_value(flag, &value),
                "--metrics-server-port" => f.metrics_port = f.port_value(flag, &value),
                "--metrics-port" => {
                    f.metrics_port = f.port_value(flag, &value);
                    f.new_line_flags = true;
                }
                "--rpc" => {
                    let port = value.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
                    if port.is_none() {
                        f.invalid.push(format!("--rpc {value:?} is not IP:PORT"));
                    }
                    f.rpc_port = port;
                }
                "--rewards-address" => f.wallet = Some(value),
                "--log-output-dest" => f.log_dir = Some(value),
                "--log-dir" => {
                    f.log_dir = Some(value);
                    f.new_line_flags = true;
                }
                "--ip" => f.ip = Some(value),
                "--evm-network" => {
                    f.network = Some(network_from_flag(&value));
                    f.new_line_flags = true;
                }
                _ => {}
            }
        } else if a.starts_with("evm-") {
            f.network = Some(a.to_string());
            break;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Antnode04, LaunchOptions, tests::node};

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn both_lines_read_back_what_they_launch() {
        let mut n = node();
        n.port = 55123;
        n.metrics_port = 13123;
        let opts = LaunchOptions {
            no_upnp: true,
            extra_args: words(&["--relay", "--ip", "0.0.0.0"]),
        };
        let f = parse_launch_args(&Antnode04.launch_args(&n, &opts));
        assert_eq!(f.root_dir.as_deref(), Some(n.root_dir.as_str()));
        assert_eq!(
            (f.port, f.metrics_port, f.rpc_port),
            (Some(55123), Some(13123), None)
        );
        assert_eq!(f.wallet.as_deref(), Some(n.wallet.as_str()));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
        assert_eq!(f.ip.as_deref(), Some("0.0.0.0"));
        assert!(!f.new_line_flags && f.invalid.is_empty());
        assert_eq!(f.line("/x/antnode").name(), "antnode-0.4");

        let f = parse_launch_args(&AntNode2026.launch_args(&n, &LaunchOptions::default()));
        assert_eq!(f.port, Some(55123));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
        assert!(f.new_line_flags);
        assert_eq!(f.line("/x/antnode").name(), "ant-node-2026");
    }

    #[test]
    fn values_are_never_subcommands_and_the_subcommand_ends_the_flags() {
        let f = parse_launch_args(&words(&[
            "--port=55002",
            "--rpc",
            "127.0.0.1:30002",
            "--owner",
            "someone",
            "--log-output-dest",
            "evm-not-a-network",
            "--future-bool",
            "evm-custom",
            "--port",
            "1",
            "--rpc-url",
            "http://x",
        ]));
        assert_eq!(
            f.port,
            Some(55002),
            "--port after the subcommand is the subcommand's"
        );
        assert_eq!(f.rpc_port, Some(30002));
        assert_eq!(f.log_dir.as_deref(), Some("evm-not-a-network"));
        assert_eq!(f.network.as_deref(), Some("evm-custom"));
        let f = parse_launch_args(&words(&[
            "-p",
            "55009",
            "--evm-network",
            "arbitrum-sepolia",
        ]));
        assert_eq!(f.port, Some(55009));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-sepolia-test"));
        // a value flag at the very end has no value
        assert_eq!(
            parse_launch_args(&words(&["--root-dir"])),
            LaunchFacts::default()
        );
    }

    #[test]
    fn bad_values_are_listed_and_left_unset() {
        let f = parse_launch_args(&words(&[
            "--port",
            "99999",
            "--rpc",
            "x",
            "--metrics-port=a",
        ]));
        assert_eq!((f.port, f.rpc_port, f.metrics_port), (None, None, None));
        assert_eq!(
            f.invalid,
            [
                "--port \"99999\" is not a port number",
                "--rpc \"x\" is not IP:PORT",
                "--metrics-port \"a\" is not a port number"
            ]
        );
    }

    #[test]
    fn missing_ports_come_from_the_bases() {
        let m = Machine::defaults_for(2);
        let f = LaunchFacts {
            metrics_port: Some(14000),
            ..LaunchFacts::default()
        };
        assert_eq!(f.ports_or_bases(&m, 7).unwrap(), (55007, 14000, 30007));
        let high = Machine {
            rpc_port_start: 66,
            ..Machine::defaults_for(2)
        };
        let e = f.ports_or_bases(&high, 7).unwrap_err();
        assert!(e.message().contains("rpc port 66007"), "{e}");
        let given = LaunchFacts {
            rpc_port: Some(1),
            ..f
        };
        assert_eq!(given.ports_or_bases(&high, 7).unwrap().2, 1);
    }
}
