//! `Machine`: every persisted setting of the Python wnm (spec §2) with its default, plus the
//! few settings wnm added (survey concurrency and timeout). One row per colony.
use crate::manager::ProcessManager;
use crate::wallet::{EvmAddress, WalletList};
use serde::{Deserialize, Serialize};

/// The persisted settings and state of one colony host.
///
/// Percentages are whole numbers 0–100; IO limits are bytes per second (0 = off);
/// `delay_*` are seconds; `survey_delay` and `action_delay` milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Machine {
    /// CPUs the planner assumes (cgroup quota respected when detected).
    pub cpu_count: u32,
    /// Most nodes this host may hold.
    pub node_cap: u32,
    /// Add nodes only while cpu% is below this.
    pub cpu_less_than: u32,
    /// Stop nodes while cpu% is above this.
    pub cpu_remove: u32,
    /// Add nodes only while memory% is below this.
    pub mem_less_than: u32,
    /// Stop nodes while memory% is above this.
    pub mem_remove: u32,
    /// Add nodes only while disk% is below this.
    pub hd_less_than: u32,
    /// Remove nodes while disk% is above this.
    pub hd_remove: u32,
    /// Add only while load averages are below this (default cpus*0.6).
    pub desired_load_average: f64,
    /// Stop nodes while any load average is above this (default cpus).
    pub max_load_average_allowed: f64,
    /// Seconds a started node stays RESTARTING.
    pub delay_start: u64,
    /// Kept for compatibility; unused by the planner (as in the Python wnm).
    pub delay_restart: u64,
    /// Seconds an upgraded node stays UPGRADING.
    pub delay_upgrade: u64,
    /// Seconds a node stays REMOVING before its files and row go.
    pub delay_remove: u64,
    /// Milliseconds between node requests in a survey (0 = as fast as allowed).
    pub survey_delay: u64,
    /// Milliseconds between executed actions.
    pub action_delay: u64,
    /// Most upgrades in flight.
    pub max_concurrent_upgrades: u32,
    /// Most starts/adds in flight.
    pub max_concurrent_starts: u32,
    /// Most removals in flight.
    pub max_concurrent_removals: u32,
    /// Most transitional operations of any kind in flight.
    pub max_concurrent_operations: u32,
    /// Disk read limit for adding (bytes/s).
    pub hdio_read_less_than: u64,
    /// Disk read limit for stopping (bytes/s).
    pub hdio_read_remove: u64,
    /// Disk write limit for adding (bytes/s).
    pub hdio_write_less_than: u64,
    /// Disk write limit for stopping (bytes/s).
    pub hdio_write_remove: u64,
    /// Network receive limit for adding (bytes/s).
    pub netio_read_less_than: u64,
    /// Network receive limit for stopping (bytes/s).
    pub netio_read_remove: u64,
    /// Network transmit limit for adding (bytes/s).
    pub netio_write_less_than: u64,
    /// Network transmit limit for stopping (bytes/s).
    pub netio_write_remove: u64,
    /// Free-space floor in bytes (kept from the Python wnm).
    pub crisis_bytes: u64,
    /// Directory that holds the node root dirs.
    pub node_storage: String,
    /// Rewards list (`0x..`, `faucet`, `donate`, weighted `a:100,b:10`).
    pub rewards_address: String,
    /// Address used for `donate` entries.
    pub donate_address: String,
    /// Node port base in thousands: port = port_start*1000 + id.
    pub port_start: u32,
    /// Metrics port base in thousands.
    pub metrics_port_start: u32,
    /// RPC port base in thousands.
    pub rpc_port_start: u32,
    /// Highest node id ever allocated (antctl never reuses ids).
    pub highest_node_id_used: Option<u32>,
    /// Epoch seconds of the last completed run (reboot detection).
    pub last_stopped_at: i64,
    /// Host the node metrics servers are reached at.
    pub host: String,
    /// Extra environment for nodes: `K=V K2=V2` or `K=V,K2=V2`.
    pub environment: String,
    /// Extra node arguments, appended to every node's command line.
    pub start_args: String,
    /// Which node goes first when removing (`youngest`).
    pub node_removal_strategy: String,
    /// Backend and mode; immutable after init.
    pub process_manager: ProcessManager,
    /// Docker: nodes per container.
    pub max_node_per_container: u32,
    /// Docker: containers kept even when empty.
    pub min_container_count: u32,
    /// Docker: image the node containers run.
    pub docker_image: String,
    /// Pass `--no-upnp` to nodes.
    pub no_upnp: bool,
    /// The node binary new nodes and upgrades copy.
    pub antnode_path: String,
    /// antctl binary (antctl backend).
    pub antctl_path: String,
    /// Pass `--debug` to antctl.
    pub antctl_debug: bool,
    /// antctl `--version` to pin (antctl backend).
    pub antctl_version: Option<String>,
    /// Most metrics requests in flight during a survey.
    pub survey_concurrency: u32,
    /// Per-node connect+read timeout of a survey in milliseconds.
    pub survey_timeout_ms: u64,
    /// Firewall for node ports: `auto` (ufw in sudo mode when installed), `ufw` or `none`.
    pub firewall: String,
}

impl Machine {
    /// Defaults of spec §2 for a host with `cpu_count` CPUs.
    pub fn defaults_for(cpu_count: u32) -> Machine {
        let cpus = f64::from(cpu_count.max(1));
        Machine {
            cpu_count: cpu_count.max(1),
            node_cap: 20,
            cpu_less_than: 50,
            cpu_remove: 70,
            mem_less_than: 60,
            mem_remove: 75,
            hd_less_than: 75,
            hd_remove: 90,
            desired_load_average: (cpus * 0.6 * 100.0).round() / 100.0,
            max_load_average_allowed: cpus,
            delay_start: 300,
            delay_restart: 600,
            delay_upgrade: 300,
            delay_remove: 300,
            survey_delay: 0,
            action_delay: 0,
            max_concurrent_upgrades: 1,
            max_concurrent_starts: 1,
            max_concurrent_removals: 1,
            max_concurrent_operations: 1,
            hdio_read_less_than: 0,
            hdio_read_remove: 0,
            hdio_write_less_than: 0,
            hdio_write_remove: 0,
            netio_read_less_than: 0,
            netio_read_remove: 0,
            netio_write_less_than: 0,
            netio_write_remove: 0,
            crisis_bytes: 2_000_000_000,
            node_storage: String::new(),
            rewards_address: String::new(),
            donate_address: crate::wallet::DEFAULT_DONATE_ADDRESS.to_string(),
            port_start: 55,
            metrics_port_start: 13,
            rpc_port_start: 30,
            highest_node_id_used: None,
            last_stopped_at: 0,
            host: "127.0.0.1".to_string(),
            environment: String::new(),
            start_args: String::new(),
            node_removal_strategy: "youngest".to_string(),
            process_manager: ProcessManager::platform_default(),
            max_node_per_container: 200,
            min_container_count: 1,
            docker_image: "iweave/antnode:latest".to_string(),
            no_upnp: false,
            antnode_path: "~/.local/bin/antnode".to_string(),
            antctl_path: "~/.local/bin/antctl".to_string(),
            antctl_debug: false,
            antctl_version: None,
            survey_concurrency: 128,
            survey_timeout_ms: 5_000,
            firewall: "auto".to_string(),
        }
    }

    /// The UDP port of node `id`.
    pub fn node_port(&self, id: u32) -> u32 {
        self.port_start * 1000 + id
    }

    /// The metrics port of node `id`.
    pub fn metrics_port(&self, id: u32) -> u32 {
        self.metrics_port_start * 1000 + id
    }

    /// The RPC port of node `id`.
    pub fn rpc_port(&self, id: u32) -> u32 {
        self.rpc_port_start * 1000 + id
    }

    /// The address a node found without `--rewards-address` is given: the main (first) entry of
    /// `rewards_address`, `donate` resolved with `donate_address` (else the default one); empty
    /// when the list does not parse.
    pub fn default_wallet(&self) -> String {
        let Ok(list) = self.rewards_address.parse::<WalletList>() else {
            return String::new();
        };
        let donate: EvmAddress = self.donate_address.parse().unwrap_or_else(|_| {
            crate::wallet::DEFAULT_DONATE_ADDRESS
                .parse()
                .expect("the built-in address is valid")
        });
        list.main().resolve(&donate).to_string()
    }
}

impl Default for Machine {
    fn default() -> Self {
        Machine::defaults_for(1)
    }
}

/// Normalise a port base the way the Python wnm did: a value >= 1000 is divided by 1000.
pub fn normalise_port_base(v: u32) -> u32 {
    if v >= 1000 { v / 1000 } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_spec() {
        let m = Machine::defaults_for(8);
        assert_eq!(m.node_cap, 20);
        assert_eq!(m.desired_load_average, 4.8);
        assert_eq!(m.max_load_average_allowed, 8.0);
        assert_eq!(m.node_port(1), 55001);
        assert_eq!(m.metrics_port(42), 13042);
        assert_eq!(m.rpc_port(7), 30007);
    }

    #[test]
    fn wallet_defaults_to_the_main_entry() {
        let with = |rewards: &str, donate: &str| Machine {
            rewards_address: rewards.into(),
            donate_address: donate.into(),
            ..Machine::default()
        };
        assert_eq!(
            with(
                "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1",
                "0x00455d78f850b0358E8cea5be24d415E01E107CF"
            )
            .default_wallet(),
            "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93"
        );
        assert_eq!(
            with("faucet", "").default_wallet(),
            crate::wallet::FAUCET_ADDRESS
        );
        assert_eq!(
            with(
                "donate:3,faucet",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            )
            .default_wallet(),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
        assert_eq!(
            with("donate", "bad").default_wallet(),
            crate::wallet::DEFAULT_DONATE_ADDRESS
        );
        assert_eq!(with("", "").default_wallet(), "");
        assert_eq!(with("0xbad", "").default_wallet(), "");
    }

    #[test]
    fn port_base_normalised() {
        assert_eq!(normalise_port_base(55000), 55);
        assert_eq!(normalise_port_base(13), 13);
    }
}
