//! `Policy`: the thresholds, limits, delays and rewards list the planner reads, taken from a
//! `wnm_core::Machine`. Plain data (serde), so embedders and what-if files can build one directly.
use serde::{Deserialize, Serialize};
use wnm_core::{Error, Machine, Result, WalletList};

/// One IO family's four limits (`hdio_*` or `netio_*`), bytes per second, 0 = that limit off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IoLimits {
    /// Add only while reads are below this.
    pub read_less_than: u64,
    /// Stop nodes while reads are above this.
    pub read_remove: u64,
    /// Add only while writes are below this.
    pub write_less_than: u64,
    /// Stop nodes while writes are above this.
    pub write_remove: u64,
}

impl IoLimits {
    /// The family takes part only when its four limits sum to more than 1 (spec §4 `io_on`).
    pub fn is_on(&self) -> bool {
        self.read_less_than
            .saturating_add(self.read_remove)
            .saturating_add(self.write_less_than)
            .saturating_add(self.write_remove)
            > 1
    }
}

/// What the planner needs of the machine row. Build it with [`Policy::from_machine`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Most nodes the host may hold (every status but REMOVING and DEAD counts).
    pub node_cap: u32,
    /// Add only while cpu% < this.
    pub cpu_less_than: u32,
    /// Stop while cpu% > this.
    pub cpu_remove: u32,
    /// Add only while mem% < this.
    pub mem_less_than: u32,
    /// Stop while mem% > this.
    pub mem_remove: u32,
    /// Add only while disk% < this.
    pub hd_less_than: u32,
    /// Remove while disk% > this.
    pub hd_remove: u32,
    /// Add only while load1, load5 and load15 are all below this.
    pub desired_load_average: f64,
    /// Stop while any load average is above this.
    pub max_load_average_allowed: f64,
    /// Seconds a started node stays RESTARTING.
    pub delay_start: u64,
    /// Seconds an upgraded node stays UPGRADING.
    pub delay_upgrade: u64,
    /// Seconds a node stays REMOVING before it is deleted.
    pub delay_remove: u64,
    /// Most UPGRADING nodes.
    pub max_concurrent_upgrades: u32,
    /// Most RESTARTING nodes (starts and adds).
    pub max_concurrent_starts: u32,
    /// Most REMOVING nodes.
    pub max_concurrent_removals: u32,
    /// Most transitional nodes of any kind.
    pub max_concurrent_operations: u32,
    /// Disk IO limits.
    pub hdio: IoLimits,
    /// Network IO limits.
    pub netio: IoLimits,
    /// The weighted rewards list new nodes draw their wallet from; `None` (empty
    /// `rewards_address`) means no node can be added.
    pub wallets: Option<WalletList>,
}

impl Policy {
    /// The policy of a machine row. Fails (InvalidConfig, naming the entry) when the rewards list
    /// does not parse; an empty `rewards_address` gives `wallets: None`.
    pub fn from_machine(m: &Machine) -> Result<Policy> {
        let rewards = m.rewards_address.trim();
        let wallets =
            if rewards.is_empty() {
                None
            } else {
                Some(rewards.parse::<WalletList>().map_err(|e| {
                    Error::invalid_config(format!("rewards_address: {}", e.message()))
                })?)
            };
        Ok(Policy {
            node_cap: m.node_cap,
            cpu_less_than: m.cpu_less_than,
            cpu_remove: m.cpu_remove,
            mem_less_than: m.mem_less_than,
            mem_remove: m.mem_remove,
            hd_less_than: m.hd_less_than,
            hd_remove: m.hd_remove,
            desired_load_average: m.desired_load_average,
            max_load_average_allowed: m.max_load_average_allowed,
            delay_start: m.delay_start,
            delay_upgrade: m.delay_upgrade,
            delay_remove: m.delay_remove,
            max_concurrent_upgrades: m.max_concurrent_upgrades,
            max_concurrent_starts: m.max_concurrent_starts,
            max_concurrent_removals: m.max_concurrent_removals,
            max_concurrent_operations: m.max_concurrent_operations,
            hdio: IoLimits {
                read_less_than: m.hdio_read_less_than,
                read_remove: m.hdio_read_remove,
                write_less_than: m.hdio_write_less_than,
                write_remove: m.hdio_write_remove,
            },
            netio: IoLimits {
                read_less_than: m.netio_read_less_than,
                read_remove: m.netio_read_remove,
                write_less_than: m.netio_write_less_than,
                write_remove: m.netio_write_remove,
            },
            wallets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::{ErrorKind, WalletTarget};

    #[test]
    fn takes_the_machine_settings() {
        let mut m = Machine::defaults_for(4);
        m.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93:100,donate:10".into();
        m.netio_write_remove = 7;
        let p = Policy::from_machine(&m).unwrap();
        assert_eq!(p.node_cap, 20);
        assert_eq!(p.desired_load_average, 2.4);
        assert_eq!(p.max_load_average_allowed, 4.0);
        assert_eq!(p.netio.write_remove, 7);
        assert!(p.netio.is_on());
        assert!(!p.hdio.is_on());
        let w = p.wallets.unwrap();
        assert_eq!(w.total_weight(), 110);
        assert_eq!(w.entries[1].0, WalletTarget::Donate);
    }

    #[test]
    fn empty_rewards_means_no_wallets() {
        let p = Policy::from_machine(&Machine::defaults_for(1)).unwrap();
        assert_eq!(p.wallets, None);
    }

    #[test]
    fn bad_rewards_entry_is_named() {
        let mut m = Machine::defaults_for(1);
        m.rewards_address = "faucet,0xabc:2".into();
        let e = Policy::from_machine(&m).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.to_string().contains("rewards_address"), "{e}");
        assert!(e.to_string().contains("0xabc:2"), "{e}");
    }

    #[test]
    fn io_on_needs_a_sum_above_one() {
        let mut l = IoLimits::default();
        assert!(!l.is_on());
        l.read_remove = 1;
        assert!(!l.is_on());
        l.write_remove = 1;
        assert!(l.is_on());
    }
}
