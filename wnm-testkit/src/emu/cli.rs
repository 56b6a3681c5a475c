//! The emulator's command line: antnode 0.4.x's flags (as in its `--help`) plus `--emu-*`
//! fault switches and the `--serve-many` benchmark mode. Every fault switch also reads an
//! `ANTNODE_EMU_*` environment variable, so a test can set faults on nodes that something
//! else (a backend, systemd, antctl) launches.
use clap::builder::BoolishValueParser;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::path::PathBuf;

/// antnode 0.4.x stand-in for tests and benchmarks.
#[derive(Debug, Clone, Parser)]
#[command(name = "antnode", bin_name = "antnode", disable_version_flag = true)]
pub struct Cli {
    /// Print version information (four lines, like antnode).
    #[arg(long)]
    pub version: bool,
    /// Print the crate version.
    #[arg(long)]
    pub crate_version: bool,
    /// Print the package version.
    #[arg(long)]
    pub package_version: bool,
    /// Print the network protocol version.
    #[arg(long)]
    pub protocol_version: bool,

    /// Node data directory (default `$HOME/.local/share/autonomi/node/<peer-id>`).
    #[arg(long)]
    pub root_dir: Option<PathBuf>,
    /// UDP port to listen on (0 = any).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// IP to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    pub ip: IpAddr,
    /// Metrics server port on 127.0.0.1 (turns the server on; 0 = off unless enabled).
    #[arg(long, default_value_t = 0)]
    pub metrics_server_port: u16,
    /// Start the metrics server on a random port if no port is given.
    #[arg(long)]
    pub enable_metrics_server: bool,
    /// Rewards address (required, like antnode's).
    #[arg(long)]
    pub rewards_address: Option<String>,
    /// `stdout`, `data-dir` or a directory for `antnode.log`.
    #[arg(long, default_value = "data-dir")]
    pub log_output_dest: String,
    /// Log format (accepted, ignored).
    #[arg(long)]
    pub log_format: Option<String>,
    /// Accepted, ignored.
    #[arg(long)]
    pub max_log_files: Option<usize>,
    /// Accepted, ignored.
    #[arg(long)]
    pub max_archived_log_files: Option<usize>,
    /// Accepted, ignored.
    #[arg(long)]
    pub no_upnp: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub relay: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub first: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub local: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub alpha: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub ignore_cache: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub bootstrap_cache_dir: Option<PathBuf>,
    /// Accepted, ignored.
    #[arg(long)]
    pub network_id: Option<u8>,
    /// Accepted, ignored.
    #[arg(long)]
    pub peer: Vec<String>,
    /// Accepted, ignored.
    #[arg(long)]
    pub network_contacts_url: Option<String>,
    /// Admin RPC address (accepted, not served).
    #[arg(long)]
    pub rpc: Option<String>,
    /// Accepted (the emulator never upgrades itself).
    #[arg(long)]
    pub stop_on_upgrade: bool,
    /// Accepted, ignored.
    #[arg(long)]
    pub write_older_cache_files: bool,

    /// Version to report in `--version` and `/metadata`.
    #[arg(long, env = "ANTNODE_EMU_VERSION", default_value = "0.4.11")]
    pub emu_version: String,
    /// Report uptime and live time as if the node had already run this many seconds.
    #[arg(long, env = "ANTNODE_EMU_UPTIME", default_value_t = 0)]
    pub emu_uptime: u64,
    /// Fault: accept metrics connections and never answer.
    #[arg(long, env = "ANTNODE_EMU_HANG", value_parser = BoolishValueParser::new())]
    pub emu_hang: bool,
    /// Fault: answer metrics requests after this many milliseconds.
    #[arg(long, env = "ANTNODE_EMU_SLOW_MS")]
    pub emu_slow_ms: Option<u64>,
    /// Fault: answer HTTP 200 with a body of binary junk.
    #[arg(long, env = "ANTNODE_EMU_GARBAGE", value_parser = BoolishValueParser::new())]
    pub emu_garbage: bool,
    /// Fault: answer with bytes that are not HTTP at all.
    #[arg(long, env = "ANTNODE_EMU_NOT_HTTP", value_parser = BoolishValueParser::new())]
    pub emu_not_http: bool,
    /// Fault: answer HTTP 500.
    #[arg(long, env = "ANTNODE_EMU_HTTP_500", value_parser = BoolishValueParser::new())]
    pub emu_http_500: bool,
    /// Fault: send half the body, then close the connection.
    #[arg(long, env = "ANTNODE_EMU_TRUNCATE", value_parser = BoolishValueParser::new())]
    pub emu_truncate: bool,
    /// Fault: exit with code 101 (like a panic) after this many seconds.
    #[arg(long, env = "ANTNODE_EMU_CRASH_AFTER")]
    pub emu_crash_after: Option<f64>,
    /// Fault: refuse to start (print an error and exit 1 at once).
    #[arg(long, env = "ANTNODE_EMU_REFUSE_START", value_parser = BoolishValueParser::new())]
    pub emu_refuse_start: bool,

    /// Benchmark mode: serve N emulated nodes on ports base-port .. base-port+N-1.
    #[arg(long, env = "ANTNODE_EMU_SERVE_MANY")]
    pub serve_many: Option<u16>,
    /// First port of `--serve-many`.
    #[arg(long, env = "ANTNODE_EMU_BASE_PORT", default_value_t = 13001)]
    pub base_port: u16,
    /// Which captured `/metrics` body to serve.
    #[arg(long, env = "ANTNODE_EMU_BODY", value_enum, default_value_t = Body::Local)]
    pub body: Body,
    /// Worker threads of the emulator's runtime (1 = single-threaded, smallest).
    #[arg(long, env = "ANTNODE_EMU_THREADS", default_value_t = 1)]
    pub emu_threads: usize,

    /// The EVM network.
    #[command(subcommand)]
    pub network: Option<Network>,
}

/// Which body the metrics server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Body {
    /// The 0.4.11 capture of an offline node (16 KB).
    #[value(name = "0.4.11", alias = "local")]
    Local,
    /// The 0.4.7 capture of a node on the live network (47 KB).
    Mainnet,
}

/// antnode's trailing EVM network subcommand.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Network {
    /// Use the Arbitrum One network.
    EvmArbitrumOne,
    /// Use the Arbitrum Sepolia network with test contracts.
    EvmArbitrumSepoliaTest,
    /// Use a custom network.
    EvmCustom {
        /// Its options, accepted as given.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// What the metrics server does wrong, if anything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answers normally.
    None,
    /// Accepts and never answers.
    Hang,
    /// Answers after this many milliseconds.
    Slow(u64),
    /// HTTP 200 with binary junk.
    Garbage,
    /// Not HTTP.
    NotHttp,
    /// HTTP 500.
    Http500,
    /// Half a body, then close.
    Truncate,
}

impl Cli {
    /// The metrics server's fault (the first switch set, in the order of the flags).
    pub fn fault(&self) -> Fault {
        if self.emu_hang {
            Fault::Hang
        } else if let Some(ms) = self.emu_slow_ms {
            Fault::Slow(ms)
        } else if self.emu_garbage {
            Fault::Garbage
        } else if self.emu_not_http {
            Fault::NotHttp
        } else if self.emu_http_500 {
            Fault::Http500
        } else if self.emu_truncate {
            Fault::Truncate
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_antnode_command_lines_parse() {
        let c = Cli::try_parse_from([
            "antnode",
            "--root-dir",
            "/var/antctl/services/antnode0001",
            "--port",
            "55001",
            "--metrics-server-port",
            "13001",
            "--rewards-address",
            "0x00455d78f850b0358E8cea5be24d415E01E107CF",
            "--log-output-dest",
            "/var/log/antnode/antnode0001",
            "--max-log-files",
            "1",
            "--max-archived-log-files",
            "1",
            "--no-upnp",
            "--relay",
            "--stop-on-upgrade",
            "--rpc",
            "127.0.0.1:30001",
            "evm-arbitrum-one",
        ])
        .unwrap();
        assert_eq!(c.port, 55001);
        assert_eq!(c.metrics_server_port, 13001);
        assert_eq!(c.network, Some(Network::EvmArbitrumOne));
        assert_eq!(c.fault(), Fault::None);
        let c = Cli::try_parse_from([
            "antnode",
            "--first",
            "--local",
            "--ignore-cache",
            "--ip",
            "127.0.0.1",
        ])
        .unwrap();
        assert!(c.network.is_none() && c.local);
        let c = Cli::try_parse_from([
            "antnode",
            "evm-custom",
            "--rpc-url",
            "http://x",
            "--payment-token-address",
            "0x1",
        ])
        .unwrap();
        assert!(matches!(c.network, Some(Network::EvmCustom { ref args }) if args.len() == 4));
    }

    #[test]
    fn unknown_flags_are_rejected_like_clap_does() {
        let e = Cli::try_parse_from(["antnode", "--no-such-flag"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn fault_switches() {
        let c =
            Cli::try_parse_from(["antnode", "--emu-slow-ms", "300", "--body", "mainnet"]).unwrap();
        assert_eq!(c.fault(), Fault::Slow(300));
        assert_eq!(c.body, Body::Mainnet);
        let c = Cli::try_parse_from(["antnode", "--emu-hang", "--emu-http-500"]).unwrap();
        assert_eq!(c.fault(), Fault::Hang);
        let c = Cli::try_parse_from(["antnode", "--emu-garbage"]).unwrap();
        assert_eq!(c.fault(), Fault::Garbage);
    }
}
