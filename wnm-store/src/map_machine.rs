//! `wnm_core::Machine` <-> the `machine` row (id 1): every field is stored; NULLs in the
//! columns the Python wnm left nullable read as the `Machine` defaults.
use crate::convert::{from_u64, to_u32, to_u64};
use crate::entity::machine;
use wnm_core::{Machine, ProcessManager, Result};

/// The one machine row's id.
pub const MACHINE_ROW: i64 = 1;

/// The row for `m`.
pub fn to_model(m: &Machine) -> machine::Model {
    machine::Model {
        id: MACHINE_ROW,
        cpu_count: i64::from(m.cpu_count),
        node_cap: i64::from(m.node_cap),
        cpu_less_than: i64::from(m.cpu_less_than),
        mem_less_than: i64::from(m.mem_less_than),
        hd_less_than: i64::from(m.hd_less_than),
        hdio_read_less_than: from_u64(m.hdio_read_less_than),
        hdio_write_less_than: from_u64(m.hdio_write_less_than),
        netio_read_less_than: from_u64(m.netio_read_less_than),
        netio_write_less_than: from_u64(m.netio_write_less_than),
        cpu_remove: i64::from(m.cpu_remove),
        mem_remove: i64::from(m.mem_remove),
        hd_remove: i64::from(m.hd_remove),
        hdio_read_remove: from_u64(m.hdio_read_remove),
        hdio_write_remove: from_u64(m.hdio_write_remove),
        netio_read_remove: from_u64(m.netio_read_remove),
        netio_write_remove: from_u64(m.netio_write_remove),
        max_load_average_allowed: m.max_load_average_allowed,
        desired_load_average: m.desired_load_average,
        delay_start: from_u64(m.delay_start),
        delay_restart: from_u64(m.delay_restart),
        delay_upgrade: from_u64(m.delay_upgrade),
        delay_remove: from_u64(m.delay_remove),
        survey_delay: from_u64(m.survey_delay),
        action_delay: from_u64(m.action_delay),
        node_storage: m.node_storage.clone(),
        rewards_address: m.rewards_address.clone(),
        donate_address: m.donate_address.clone(),
        port_start: i64::from(m.port_start),
        metrics_port_start: i64::from(m.metrics_port_start),
        rpc_port_start: i64::from(m.rpc_port_start),
        highest_node_id_used: m.highest_node_id_used.map(i64::from),
        last_stopped_at: m.last_stopped_at,
        host: m.host.clone(),
        crisis_bytes: from_u64(m.crisis_bytes),
        environment: Some(m.environment.clone()),
        start_args: Some(m.start_args.clone()),
        max_concurrent_upgrades: i64::from(m.max_concurrent_upgrades),
        max_concurrent_starts: i64::from(m.max_concurrent_starts),
        max_concurrent_removals: i64::from(m.max_concurrent_removals),
        max_concurrent_operations: i64::from(m.max_concurrent_operations),
        node_removal_strategy: m.node_removal_strategy.clone(),
        process_manager: Some(m.process_manager.to_string()),
        max_node_per_container: i64::from(m.max_node_per_container),
        min_container_count: i64::from(m.min_container_count),
        docker_image: Some(m.docker_image.clone()),
        no_upnp: i64::from(m.no_upnp),
        antnode_path: Some(m.antnode_path.clone()),
        antctl_path: Some(m.antctl_path.clone()),
        antctl_debug: i64::from(m.antctl_debug),
        antctl_version: m.antctl_version.clone(),
        survey_concurrency: i64::from(m.survey_concurrency),
        survey_timeout_ms: from_u64(m.survey_timeout_ms),
        firewall: m.firewall.clone(),
    }
}

/// The `Machine` of row `r`.
pub fn from_model(r: &machine::Model) -> Result<Machine> {
    let cpu_count = to_u32("machine.cpu_count", r.cpu_count)?;
    let d = Machine::defaults_for(cpu_count);
    let u32c = |name: &str, v: i64| to_u32(&format!("machine.{name}"), v);
    let u64c = |name: &str, v: i64| to_u64(&format!("machine.{name}"), v);
    let process_manager = match r.process_manager.as_deref().map(str::trim) {
        None | Some("") => d.process_manager.clone(),
        Some(s) => s.parse::<ProcessManager>().map_err(|e| {
            wnm_core::Error::new(
                wnm_core::ErrorKind::Store,
                format!("machine.process_manager in the colony database: {e}"),
            )
        })?,
    };
    Ok(Machine {
        cpu_count,
        node_cap: u32c("node_cap", r.node_cap)?,
        cpu_less_than: u32c("cpu_less_than", r.cpu_less_than)?,
        cpu_remove: u32c("cpu_remove", r.cpu_remove)?,
        mem_less_than: u32c("mem_less_than", r.mem_less_than)?,
        mem_remove: u32c("mem_remove", r.mem_remove)?,
        hd_less_than: u32c("hd_less_than", r.hd_less_than)?,
        hd_remove: u32c("hd_remove", r.hd_remove)?,
        desired_load_average: r.desired_load_average,
        max_load_average_allowed: r.max_load_average_allowed,
        delay_start: u64c("delay_start", r.delay_start)?,
        delay_restart: u64c("delay_restart", r.delay_restart)?,
        delay_upgrade: u64c("delay_upgrade", r.delay_upgrade)?,
        delay_remove: u64c("delay_remove", r.delay_remove)?,
        survey_delay: u64c("survey_delay", r.survey_delay)?,
        action_delay: u64c("action_delay", r.action_delay)?,
        max_concurrent_upgrades: u32c("max_concurrent_upgrades", r.max_concurrent_upgrades)?,
        max_concurrent_starts: u32c("max_concurrent_starts", r.max_concurrent_starts)?,
        max_concurrent_removals: u32c("max_concurrent_removals", r.max_concurrent_removals)?,
        max_concurrent_operations: u32c("max_concurrent_operations", r.max_concurrent_operations)?,
        hdio_read_less_than: u64c("hdio_read_less_than", r.hdio_read_less_than)?,
        hdio_read_remove: u64c("hdio_read_remove", r.hdio_read_remove)?,
        hdio_write_less_than: u64c("hdio_write_less_than", r.hdio_write_less_than)?,
        hdio_write_remove: u64c("hdio_write_remove", r.hdio_write_remove)?,
        netio_read_less_than: u64c("netio_read_less_than", r.netio_read_less_than)?,
        netio_read_remove: u64c("netio_read_remove", r.netio_read_remove)?,
        netio_write_less_than: u64c("netio_write_less_than", r.netio_write_less_than)?,
        netio_write_remove: u64c("netio_write_remove", r.netio_write_remove)?,
        crisis_bytes: u64c("crisis_bytes", r.crisis_bytes)?,
        node_storage: r.node_storage.clone(),
        rewards_address: r.rewards_address.clone(),
        donate_address: r.donate_address.clone(),
        port_start: u32c("port_start", r.port_start)?,
        metrics_port_start: u32c("metrics_port_start", r.metrics_port_start)?,
        rpc_port_start: u32c("rpc_port_start", r.rpc_port_start)?,
        highest_node_id_used: r
            .highest_node_id_used
            .map(|v| u32c("highest_node_id_used", v))
            .transpose()?,
        last_stopped_at: r.last_stopped_at,
        host: r.host.clone(),
        environment: r.environment.clone().unwrap_or_default(),
        start_args: r.start_args.clone().unwrap_or_default(),
        node_removal_strategy: r.node_removal_strategy.clone(),
        process_manager,
        max_node_per_container: u32c("max_node_per_container", r.max_node_per_container)?,
        min_container_count: u32c("min_container_count", r.min_container_count)?,
        docker_image: r.docker_image.clone().unwrap_or(d.docker_image),
        no_upnp: r.no_upnp != 0,
        antnode_path: r.antnode_path.clone().unwrap_or(d.antnode_path),
        antctl_path: r.antctl_path.clone().unwrap_or(d.antctl_path),
        antctl_debug: r.antctl_debug != 0,
        antctl_version: r.antctl_version.clone().filter(|v| !v.is_empty()),
        survey_concurrency: u32c("survey_concurrency", r.survey_concurrency)?,
        survey_timeout_ms: u64c("survey_timeout_ms", r.survey_timeout_ms)?,
        firewall: r.firewall.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_field() {
        let mut m = Machine::defaults_for(6);
        m.node_cap = 77;
        m.highest_node_id_used = Some(12);
        m.antctl_version = Some("0.14.2".into());
        m.no_upnp = true;
        m.environment = "A=1 B=2".into();
        m.survey_timeout_ms = 1234;
        m.firewall = "none".into();
        m.netio_write_remove = 9_000_000;
        assert_eq!(from_model(&to_model(&m)).unwrap(), m);
    }

    #[test]
    fn nulls_read_as_defaults() {
        let mut r = to_model(&Machine::defaults_for(2));
        r.process_manager = None;
        r.docker_image = None;
        r.antnode_path = None;
        r.environment = None;
        let m = from_model(&r).unwrap();
        assert_eq!(m, Machine::defaults_for(2));
    }
}
