//! What-if files (`wnm plan --snapshot FILE`): `{"now": .., "machine": {..}, "snapshot": {..}}`
//! parsed into a `Machine`, a `Policy` and a `Snapshot`. The format is documented in docs/snapshot.md.
use crate::plan::Plan;
use crate::policy::Policy;
use serde::Deserialize;
use wnm_core::{Error, IdAllocation, Machine, ProcessManager, Result, Snapshot, UnixTime};

/// A parsed what-if: the moment, the machine settings (defaults filled), its policy and the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// The planner's `now` (epoch seconds).
    pub now: UnixTime,
    /// The machine settings: `Machine::defaults_for(cpus)` overlaid with the file's `machine`.
    pub machine: Machine,
    /// `Policy::from_machine(&machine)`.
    pub policy: Policy,
    /// The observed state.
    pub snapshot: Snapshot,
}

impl WhatIf {
    /// The plan for this what-if.
    pub fn plan(&self) -> Plan {
        crate::plan(&self.snapshot, &self.policy, self.now)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    now: UnixTime,
    #[serde(default)]
    machine: Machine,
    snapshot: Snapshot,
}

/// Which keys the file's `machine` and `snapshot` objects set (some defaults depend on others).
#[derive(Deserialize, Default)]
struct Keys {
    #[serde(default)]
    machine: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    snapshot: serde_json::Map<String, serde_json::Value>,
}

/// The file's JSON, with the path of a wrong field in front of serde_json's message
/// (`snapshot.metrics.cpu_percent: invalid type: string "high", expected f64 at line 3 column 30`).
fn parse_file(text: &str) -> Result<File> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file: File = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            Error::invalid_config(inner.to_string())
        } else {
            Error::invalid_config(format!("{path}: {inner}"))
        }
    })?;
    de.end().map_err(|e| Error::invalid_config(e.to_string()))?;
    Ok(file)
}

/// Parse a what-if file's text. Errors are InvalidConfig and carry serde_json's message with the
/// line and column (`unknown field `cpu_remov`, expected one of ... at line 4 column 17`), or name
/// the setting (`rewards_address: ...`) or node (`snapshot.nodes: id 3 appears twice`).
///
/// Defaults that depend on other fields, when the file leaves a field out:
/// - machine defaults are `Machine::defaults_for(cpus)` where cpus is the file's
///   `machine.cpu_count`, else `snapshot.metrics.cpu_count` when above 0, else 1: so
///   `desired_load_average` (cpus*0.6) and `max_load_average_allowed` (cpus) follow the host;
/// - `snapshot.last_stopped_at` and `snapshot.highest_node_id_used` come from the machine's
///   fields of the same name;
/// - `snapshot.id_allocation` is `never_reuse` when `machine.process_manager` is an antctl one.
pub fn parse_whatif(text: &str) -> Result<WhatIf> {
    let mut file = parse_file(text)?;
    let keys: Keys = serde_json::from_str(text).unwrap_or_default();
    let set = |k: &str| keys.machine.contains_key(k);
    let snap_set = |k: &str| keys.snapshot.contains_key(k);
    if !snap_set("last_stopped_at") {
        file.snapshot.last_stopped_at = file.machine.last_stopped_at;
    }
    if !snap_set("highest_node_id_used") {
        file.snapshot.highest_node_id_used = file.machine.highest_node_id_used;
    }
    if !snap_set("id_allocation") && file.machine.process_manager.kind() == ProcessManager::ANTCTL {
        file.snapshot.id_allocation = IdAllocation::NeverReuse;
    }

    let mut machine = file.machine;
    let cpus = if set("cpu_count") {
        machine.cpu_count
    } else if file.snapshot.metrics.cpu_count > 0 {
        file.snapshot.metrics.cpu_count
    } else {
        1
    };
    let defaults = Machine::defaults_for(cpus);
    if !set("cpu_count") {
        machine.cpu_count = defaults.cpu_count;
    }
    if !set("desired_load_average") {
        machine.desired_load_average = defaults.desired_load_average;
    }
    if !set("max_load_average_allowed") {
        machine.max_load_average_allowed = defaults.max_load_average_allowed;
    }

    let mut seen = std::collections::BTreeSet::new();
    for n in &file.snapshot.nodes {
        if n.id == 0 {
            return Err(Error::invalid_config(
                "snapshot.nodes: node id 0 is not allowed; node ids start at 1",
            ));
        }
        if !seen.insert(n.id) {
            return Err(Error::invalid_config(format!(
                "snapshot.nodes: node id {} appears twice; each node id must be unique",
                n.id
            )));
        }
    }

    let policy = Policy::from_machine(&machine)?;
    Ok(WhatIf {
        now: file.now,
        machine,
        policy,
        snapshot: file.snapshot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::ErrorKind;

    const MIN: &str = r#"{"now": 100, "snapshot": {"metrics": {"cpu_count": 8}}}"#;

    #[test]
    fn defaults_follow_the_snapshot_cpus() {
        let w = parse_whatif(MIN).unwrap();
        assert_eq!(w.now, 100);
        assert_eq!(w.machine.cpu_count, 8);
        assert_eq!(w.policy.desired_load_average, 4.8);
        assert_eq!(w.policy.max_load_average_allowed, 8.0);
        assert_eq!(w.policy.node_cap, 20);
        assert_eq!(w.policy.wallets, None);
    }

    #[test]
    fn explicit_settings_win() {
        let w = parse_whatif(
            r#"{"now": 1, "machine": {"cpu_count": 2, "max_load_average_allowed": 9.5, "node_cap": 3},
                "snapshot": {"metrics": {"cpu_count": 8}}}"#,
        )
        .unwrap();
        assert_eq!(w.machine.cpu_count, 2);
        assert_eq!(w.policy.desired_load_average, 1.2);
        assert_eq!(w.policy.max_load_average_allowed, 9.5);
        assert_eq!(w.policy.node_cap, 3);
    }

    #[test]
    fn snapshot_facts_fall_back_to_the_machine_row() {
        let w = parse_whatif(
            r#"{"now": 1, "machine": {"last_stopped_at": 77, "highest_node_id_used": 12,
                "process_manager": "antctl+user"}, "snapshot": {}}"#,
        )
        .unwrap();
        assert_eq!(w.snapshot.last_stopped_at, 77);
        assert_eq!(w.snapshot.highest_node_id_used, Some(12));
        assert_eq!(w.snapshot.id_allocation, IdAllocation::NeverReuse);

        let w = parse_whatif(
            r#"{"now": 1, "machine": {"last_stopped_at": 77, "process_manager": "antctl+user"},
                "snapshot": {"last_stopped_at": 5, "id_allocation": "fill_holes"}}"#,
        )
        .unwrap();
        assert_eq!(w.snapshot.last_stopped_at, 5);
        assert_eq!(w.snapshot.id_allocation, IdAllocation::FillHoles);
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse_whatif("{\"now\": 1,\n \"machine\": {\"cpu_remov\": 3}, \"snapshot\": {}}")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.to_string().contains("cpu_remov"), "{e}");
        assert!(e.to_string().contains("line 2"), "{e}");

        let e = parse_whatif(r#"{"snapshot": {}}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `now`"), "{e}");

        let e = parse_whatif(
            r#"{"now": 1, "snapshot": {"nodes": [{"id": 3, "status": "RUNNING"}, {"id": 3, "status": "STOPPED"}]}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("id 3 appears twice"), "{e}");

        let e =
            parse_whatif(r#"{"now": 1, "snapshot": {"nodes": [{"id": 3, "status": "SLEEPING"}]}}"#)
                .unwrap_err();
        assert!(e.to_string().contains("SLEEPING"), "{e}");

        let e = parse_whatif(
            "{\"now\": 1,\n \"snapshot\": {\"metrics\": {\"cpu_percent\": \"high\"}}}",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("snapshot.metrics.cpu_percent: invalid type"),
            "{e}"
        );
        assert!(e.to_string().contains("line 2"), "{e}");

        let e = parse_whatif(
            r#"{"now": 1, "snapshot": {"nodes": [{"id": 1, "status": "RUNNING"}, {"id": "two", "status": "RUNNING"}]}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("snapshot.nodes[1].id:"), "{e}");

        let e = parse_whatif(r#"{"now": 1, "snapshot": {}} trailing"#).unwrap_err();
        assert!(e.to_string().contains("trailing"), "{e}");

        let e =
            parse_whatif(r#"{"now": 1, "machine": {"rewards_address": "0x12"}, "snapshot": {}}"#)
                .unwrap_err();
        assert!(e.to_string().starts_with("rewards_address"), "{e}");
    }
}
