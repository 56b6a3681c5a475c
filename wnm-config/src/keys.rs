//! The one table of configuration keys: every persisted `Machine` setting and every transient
//! flag of spec §2, with its environment variable, value shape, help text and (for settings)
//! how to read and write it on a `Machine`. The CLI flags, the config-file and `.env` parsers,
//! the `machine-config` report and the change log are all driven by this table.
use crate::parse;
use wnm_core::Machine;

/// How a key is written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `--key VALUE`.
    Value,
    /// A boolean switch: `--key` means true, `--key=false` turns it off again.
    Switch,
    /// A counted short flag (`-v`, `-vv`).
    Count,
    /// `--key VALUE`, may be repeated (`-c a -c b`).
    Multi,
}

/// The type of a key's value; decides quoting in the env and config report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number.
    Int,
    /// A decimal number.
    Float,
    /// true/false.
    Bool,
    /// Free text (paths, lists, addresses): quoted in env and config output.
    Text,
}

/// Whether a key reads its UPPER_CASE environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvUse {
    /// No environment variable (command line and config files only, or command line only).
    No,
    /// `UPPER_NAME` is read on every run.
    Yes,
    /// `UPPER_NAME` from the process environment is read only with `--init`. Used for `HOST`,
    /// which tcsh and some images export as the machine's name; `.env` files are always read.
    InitOnly,
}

/// Reads and writes one persisted setting on a `Machine`.
#[derive(Clone, Copy)]
pub struct Setting {
    /// Refused when it differs from the stored row after `--init`.
    pub immutable: bool,
    /// Run state an operator may give but wnm keeps itself: never written into env or config
    /// files, so a stale file cannot wind it back (`highest_node_id_used`: antctl would reuse
    /// node numbers).
    pub run_state: bool,
    /// The current value, rendered the way the config report writes it.
    pub get: fn(&Machine) -> String,
    /// Parse and store a value; the error says what is allowed.
    pub set: fn(&mut Machine, &str) -> Result<(), String>,
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting")
            .field("immutable", &self.immutable)
            .field("run_state", &self.run_state)
            .finish_non_exhaustive()
    }
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// snake_case name: the `--flag`, the config-file key, and (upper-cased) the env variable.
    pub name: &'static str,
    /// Single-letter alias on the command line.
    pub short: Option<char>,
    /// Command-line shape.
    pub shape: Shape,
    /// Value type.
    pub kind: Kind,
    /// Placeholder shown in `--help`.
    pub value_name: &'static str,
    /// One-line help.
    pub help: &'static str,
    /// Whether the UPPER_CASE environment variable is read.
    pub env: EnvUse,
    /// Accepted only on the command line (not in config files).
    pub cli_only: bool,
    /// A second flag that sets this boolean to false (`--upnp` for `no_upnp`).
    pub negation: Option<&'static str>,
    /// Present for persisted `Machine` settings; `None` for transient flags.
    pub setting: Option<Setting>,
}

impl Key {
    /// The environment variable name (`NODE_CAP`), if this key reads one.
    pub fn env_name(&self) -> Option<String> {
        (self.env != EnvUse::No).then(|| self.name.to_ascii_uppercase())
    }

    /// True for persisted `Machine` settings.
    pub fn is_setting(&self) -> bool {
        self.setting.is_some()
    }

    /// The immutable-after-init settings.
    pub fn is_immutable(&self) -> bool {
        self.setting.is_some_and(|s| s.immutable)
    }

    /// Settings that are run state, not configuration (see [`Setting::run_state`]).
    pub fn is_run_state(&self) -> bool {
        self.setting.is_some_and(|s| s.run_state)
    }

    const fn setting(
        name: &'static str,
        kind: Kind,
        value_name: &'static str,
        help: &'static str,
        get: fn(&Machine) -> String,
        set: fn(&mut Machine, &str) -> Result<(), String>,
    ) -> Key {
        Key {
            name,
            short: None,
            shape: if matches!(kind, Kind::Bool) {
                Shape::Switch
            } else {
                Shape::Value
            },
            kind,
            value_name,
            help,
            env: EnvUse::Yes,
            cli_only: false,
            negation: None,
            setting: Some(Setting {
                immutable: false,
                run_state: false,
                get,
                set,
            }),
        }
    }

    const fn transient(
        name: &'static str,
        shape: Shape,
        kind: Kind,
        value_name: &'static str,
        help: &'static str,
    ) -> Key {
        Key {
            name,
            short: None,
            shape,
            kind,
            value_name,
            help,
            env: EnvUse::No,
            cli_only: false,
            negation: None,
            setting: None,
        }
    }

    const fn immutable(mut self) -> Key {
        if let Some(s) = self.setting.as_mut() {
            s.immutable = true;
        }
        self
    }

    const fn run_state(mut self) -> Key {
        if let Some(s) = self.setting.as_mut() {
            s.run_state = true;
        }
        self
    }

    const fn env(mut self, env: EnvUse) -> Key {
        self.env = env;
        self
    }

    const fn short(mut self, c: char) -> Key {
        self.short = Some(c);
        self
    }

    const fn cli_only(mut self) -> Key {
        self.cli_only = true;
        self
    }

    const fn negation(mut self, flag: &'static str) -> Key {
        self.negation = Some(flag);
        self
    }
}

/// A persisted setting parsed by `$parse` (a `fn(&str) -> Result<T, String>`), rendered with Display.
macro_rules! setting {
    ($field:ident, $kind:expr, $parse:path, $vn:literal, $help:literal) => {
        Key::setting(
            stringify!($field),
            $kind,
            $vn,
            $help,
            |m| m.$field.to_string(),
            |m, v| {
                m.$field = $parse(v)?;
                Ok(())
            },
        )
    };
}

/// A load-average setting: rendered with `{:?}` so `8.0` stays `8.0` and round-trips exactly.
macro_rules! load_setting {
    ($field:ident, $help:literal) => {
        Key::setting(
            stringify!($field),
            Kind::Float,
            "LOAD",
            $help,
            |m| format!("{:?}", m.$field),
            |m, v| {
                m.$field = parse::load_average(v)?;
                Ok(())
            },
        )
    };
}

/// Every key wnm knows, settings first (in report order), then transient flags.
pub static KEYS: &[Key] = &[
    // --- persisted settings (machine row) ---
    setting!(cpu_count, Kind::Int, parse::at_least_one_u32, "N", "CPUs the planner assumes (detected at --init)"),
    setting!(node_cap, Kind::Int, parse::uint32, "N", "Most nodes this host may hold"),
    setting!(cpu_less_than, Kind::Int, parse::percent, "PERCENT", "Add nodes only while cpu% is below this"),
    setting!(cpu_remove, Kind::Int, parse::percent, "PERCENT", "Stop nodes while cpu% is above this"),
    setting!(mem_less_than, Kind::Int, parse::percent, "PERCENT", "Add nodes only while memory% is below this"),
    setting!(mem_remove, Kind::Int, parse::percent, "PERCENT", "Stop nodes while memory% is above this"),
    setting!(hd_less_than, Kind::Int, parse::percent, "PERCENT", "Add nodes only while disk% is below this"),
    setting!(hd_remove, Kind::Int, parse::percent, "PERCENT", "Remove nodes while disk% is above this"),
    load_setting!(desired_load_average, "Add nodes only while every load average is below this (default cpus*0.6)"),
    load_setting!(max_load_average_allowed, "Stop nodes while any load average is above this (default cpus)"),
    setting!(delay_start, Kind::Int, parse::uint64, "SECONDS", "Seconds a started node stays RESTARTING"),
    setting!(delay_restart, Kind::Int, parse::uint64, "SECONDS", "Kept for compatibility; unused"),
    setting!(delay_upgrade, Kind::Int, parse::uint64, "SECONDS", "Seconds an upgraded node stays UPGRADING"),
    setting!(delay_remove, Kind::Int, parse::uint64, "SECONDS", "Seconds a node stays REMOVING before its files go"),
    setting!(survey_delay, Kind::Int, parse::uint64, "MS", "Milliseconds between node requests in a survey"),
    setting!(action_delay, Kind::Int, parse::uint64, "MS", "Milliseconds between executed actions"),
    setting!(max_concurrent_upgrades, Kind::Int, parse::at_least_one_u32, "N", "Most upgrades in flight"),
    setting!(max_concurrent_starts, Kind::Int, parse::at_least_one_u32, "N", "Most starts/adds in flight"),
    setting!(max_concurrent_removals, Kind::Int, parse::at_least_one_u32, "N", "Most removals in flight"),
    setting!(max_concurrent_operations, Kind::Int, parse::at_least_one_u32, "N", "Most transitional operations of any kind in flight"),
    setting!(hdio_read_less_than, Kind::Int, parse::uint64, "BYTES_PER_S", "Add only while disk reads are below this (0 = off)"),
    setting!(hdio_read_remove, Kind::Int, parse::uint64, "BYTES_PER_S", "Stop nodes while disk reads are above this (0 = off)"),
    setting!(hdio_write_less_than, Kind::Int, parse::uint64, "BYTES_PER_S", "Add only while disk writes are below this (0 = off)"),
    setting!(hdio_write_remove, Kind::Int, parse::uint64, "BYTES_PER_S", "Stop nodes while disk writes are above this (0 = off)"),
    setting!(netio_read_less_than, Kind::Int, parse::uint64, "BYTES_PER_S", "Add only while network receive is below this (0 = off)"),
    setting!(netio_read_remove, Kind::Int, parse::uint64, "BYTES_PER_S", "Stop nodes while network receive is above this (0 = off)"),
    setting!(netio_write_less_than, Kind::Int, parse::uint64, "BYTES_PER_S", "Add only while network transmit is below this (0 = off)"),
    setting!(netio_write_remove, Kind::Int, parse::uint64, "BYTES_PER_S", "Stop nodes while network transmit is above this (0 = off)"),
    setting!(crisis_bytes, Kind::Int, parse::uint64, "BYTES", "Free-space floor in bytes"),
    setting!(node_storage, Kind::Text, parse::absolute_path, "DIR", "Directory that holds the node root dirs (absolute)"),
    setting!(rewards_address, Kind::Text, parse::rewards_list, "WALLETS", "Rewards wallet(s): 0x..., faucet, donate, or weighted 0xA:100,donate:10"),
    setting!(donate_address, Kind::Text, parse::evm_address, "0xADDRESS", "Address used for `donate` entries"),
    setting!(port_start, Kind::Int, parse::port_base, "BASE", "Node port base in thousands (55 -> 55001..); fixed after --init").immutable(),
    setting!(metrics_port_start, Kind::Int, parse::port_base, "BASE", "Metrics port base in thousands; fixed after --init").immutable(),
    setting!(rpc_port_start, Kind::Int, parse::port_base, "BASE", "RPC port base in thousands; fixed after --init").immutable(),
    setting!(host, Kind::Text, parse::host, "HOST", "Host the node metrics servers are reached at").env(EnvUse::InitOnly),
    setting!(environment, Kind::Text, parse::environment, "K=V,..", "Extra environment for nodes: K=V K2=V2 or K=V,K2=V2"),
    setting!(start_args, Kind::Text, parse::text, "ARGS", "Extra arguments appended to every node's command line"),
    setting!(node_removal_strategy, Kind::Text, parse::removal_strategy, "STRATEGY", "Which node goes first when removing (youngest)"),
    setting!(process_manager, Kind::Text, parse::process_manager, "KIND+MODE", "systemd+user, systemd+sudo, setsid+user, setsid+sudo, launchd+user, launchd+sudo, antctl+user, antctl+sudo, antctl+zen, docker+user; fixed after --init").immutable(),
    setting!(max_node_per_container, Kind::Int, parse::at_least_one_u32, "N", "Docker: nodes per container"),
    setting!(min_container_count, Kind::Int, parse::uint32, "N", "Docker: spread nodes over at least N containers; empty ones beyond N are removed, and all once no node is left"),
    setting!(docker_image, Kind::Text, parse::docker_image, "IMAGE", "Docker: image the node containers run"),
    setting!(no_upnp, Kind::Bool, parse::boolean, "BOOL", "Pass --no-upnp to nodes (turn off with --upnp or --no_upnp=false)").negation("upnp"),
    setting!(antnode_path, Kind::Text, parse::binary_path, "PATH", "antnode binary new nodes and upgrades copy (absolute or ~/...)"),
    setting!(antctl_path, Kind::Text, parse::binary_path, "PATH", "antctl binary (antctl backend; absolute or ~/...)"),
    setting!(antctl_debug, Kind::Bool, parse::boolean, "BOOL", "Pass --debug to antctl (turn off with --no_antctl_debug)").negation("no_antctl_debug"),
    Key::setting(
        "antctl_version",
        Kind::Text,
        "VERSION",
        "antctl --version to pin (empty = none)",
        |m| m.antctl_version.clone().unwrap_or_default(),
        |m, v| {
            m.antctl_version = parse::optional_version(v)?;
            Ok(())
        },
    ),
    Key::setting(
        "highest_node_id_used",
        Kind::Int,
        "N",
        "Highest node number ever used (antctl never reuses one; kept for Python wnm cron lines)",
        |m| m.highest_node_id_used.map(|n| n.to_string()).unwrap_or_default(),
        |m, v| {
            m.highest_node_id_used = match v.trim() {
                "" => None,
                t => Some(parse::uint32(t)?),
            };
            Ok(())
        },
    )
    .run_state(),
    setting!(firewall, Kind::Text, parse::firewall, "auto|ufw|none", "Firewall for node ports: auto (ufw in sudo mode when installed), ufw, none; WNM_FIREWALL_DISABLED=1 turns it off"),
    setting!(survey_concurrency, Kind::Int, parse::at_least_one_u32, "N", "Most metrics requests in flight during a survey"),
    setting!(survey_timeout_ms, Kind::Int, parse::at_least_one_u64, "MS", "Per-node connect+read timeout of a survey"),
    // --- transient flags (this run only) ---
    Key::transient("config", Shape::Multi, Kind::Text, "FILE", "Read settings from this config file (key = value lines); repeatable").short('c').cli_only(),
    Key::transient("v", Shape::Count, Kind::Int, "", "Verbose output (repeat for more)").short('v'),
    Key::transient("quiet", Shape::Switch, Kind::Bool, "BOOL", "Only print errors").short('q'),
    Key::transient("loglevel", Shape::Value, Kind::Text, "LEVEL", "Log level: TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL").env(EnvUse::Yes),
    Key::transient("dbpath", Shape::Value, Kind::Text, "PATH|URL", "Database file or sqlite URL (default <BASE_DIR>/colony.db)").env(EnvUse::Yes),
    Key::transient("dry_run", Shape::Switch, Kind::Bool, "BOOL", "Plan and print, change nothing").env(EnvUse::Yes),
    Key::transient("init", Shape::Switch, Kind::Bool, "BOOL", "Create the colony (machine row) from the settings given").cli_only(),
    Key::transient("migrate_anm", Shape::Switch, Kind::Bool, "BOOL", "With --init: take over an anm host").cli_only(),
    Key::transient("import", Shape::Switch, Kind::Bool, "BOOL", "With --init: import the nodes that already exist").cli_only(),
    Key::transient("confirm", Shape::Switch, Kind::Bool, "BOOL", "Confirm a destructive forced action (teardown, wnm-db-migration)").cli_only(),
    Key::transient("force_action", Shape::Value, Kind::Text, "ACTION", "add, remove, upgrade, start, stop, disable, teardown, survey, wnm-db-migration, nullop, update_config, disable_config").env(EnvUse::Yes),
    Key::transient("service_name", Shape::Value, Kind::Text, "NAMES", "Nodes to act on or report: antnode0001,antnode0003").env(EnvUse::Yes),
    Key::transient("count", Shape::Value, Kind::Int, "N", "How many nodes a forced action affects (default 1)").env(EnvUse::Yes),
    Key::transient("report", Shape::Value, Kind::Text, "REPORT", "node-status, node-status-details, influx-resources, machine-config, machine-metrics").env(EnvUse::Yes),
    Key::transient("report_format", Shape::Value, Kind::Text, "FORMAT", "text, json, env or config (default text)").env(EnvUse::Yes),
    Key::transient("json", Shape::Switch, Kind::Bool, "BOOL", "Shortcut for --report_format json"),
    Key::transient("this_action_delay", Shape::Value, Kind::Int, "MS", "action_delay for this run only").env(EnvUse::Yes),
    Key::transient("interval", Shape::Value, Kind::Int, "MS", "Same as --this_action_delay (antctl's name)").env(EnvUse::Yes),
    Key::transient("this_survey_delay", Shape::Value, Kind::Int, "MS", "survey_delay for this run only").env(EnvUse::Yes),
    Key::transient("show_machine_config", Shape::Switch, Kind::Bool, "BOOL", "Log the machine config on every run"),
    Key::transient("show_machine_metrics", Shape::Switch, Kind::Bool, "BOOL", "Log the machine metrics on every run"),
    Key::transient("show_decisions", Shape::Switch, Kind::Bool, "BOOL", "Log the planner's inputs and decisions"),
    Key::transient("remove_lockfile", Shape::Switch, Kind::Bool, "BOOL", "Remove a stale lock file left by the Python wnm and exit").cli_only(),
    Key::transient("rust_backtrace", Shape::Switch, Kind::Bool, "BOOL", "Start nodes with RUST_BACKTRACE=1 in this run"),
];

/// The key called `name` (snake_case), if any.
pub fn key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// The key whose environment variable is `var`, if any.
pub fn key_for_env(var: &str) -> Option<&'static Key> {
    KEYS.iter()
        .find(|k| k.env != EnvUse::No && k.name.eq_ignore_ascii_case(var) && is_upper(var))
}

fn is_upper(s: &str) -> bool {
    !s.chars().any(|c| c.is_ascii_lowercase())
}

/// The persisted settings, in report order.
pub fn settings() -> impl Iterator<Item = &'static Key> {
    KEYS.iter().filter(|k| k.is_setting())
}

/// The known key closest to a misspelt `name`, for "did you mean" hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name
        .trim_start_matches('-')
        .to_ascii_lowercase()
        .replace('-', "_");
    if let Some(k) = key(&lower) {
        return Some(k.name);
    }
    KEYS.iter()
        .map(|k| (edit_distance(&lower, k.name), k.name))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_settings_match_machine_fields() {
        let mut seen = std::collections::HashSet::new();
        for k in KEYS {
            assert!(seen.insert(k.name), "duplicate key {}", k.name);
            assert!(
                k.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                k.name
            );
        }
        // Every setting is a serialised Machine field, so the JSON report can use serde.
        let json = serde_json::to_value(Machine::default()).unwrap();
        for k in settings() {
            assert!(
                json.get(k.name).is_some(),
                "{} is not a Machine field",
                k.name
            );
        }
        // Every Machine field is a setting except the run state.
        for field in json.as_object().unwrap().keys() {
            assert!(
                key(field).is_some() || field == "last_stopped_at",
                "Machine field {field} has no key"
            );
        }
    }

    #[test]
    fn every_setting_round_trips_through_get_and_set() {
        let mut m = Machine::defaults_for(8);
        m.node_storage = "/srv/nodes".into();
        m.rewards_address = "faucet".into();
        for k in settings() {
            let s = k.setting.unwrap();
            let mut copy = Machine::default();
            (s.set)(&mut copy, &(s.get)(&m)).unwrap_or_else(|e| panic!("{}: {e}", k.name));
            assert_eq!((s.get)(&copy), (s.get)(&m), "{}", k.name);
        }
    }

    #[test]
    fn env_lookup_is_upper_case_only() {
        assert_eq!(key_for_env("NODE_CAP").unwrap().name, "node_cap");
        assert!(key_for_env("node_cap").is_none());
        assert!(
            key_for_env("INIT").is_none(),
            "--init must not come from the environment"
        );
        assert!(key_for_env("CONFIRM").is_none());
        assert_eq!(key_for_env("DBPATH").unwrap().name, "dbpath");
    }

    #[test]
    fn suggestions_find_the_intended_key() {
        assert_eq!(suggest("node_cpa"), Some("node_cap"));
        assert_eq!(suggest("NODE_CAP"), Some("node_cap"));
        assert_eq!(suggest("cpu-less-than"), Some("cpu_less_than"));
        assert_eq!(suggest("zzzzzzzzzzzz"), None);
    }
}
