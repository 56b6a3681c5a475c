//! `RunOptions`: the transient flags of one run (never persisted), typed and validated, with the
//! `ForceAction`, `ReportKind` and `ReportFormat` choices of spec §2.
use crate::parse;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

macro_rules! choice_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v),+
        }

        impl $name {
            /// Every value, in help order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The name used on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let t = s.trim();
                $name::ALL.iter().copied().find(|x| x.as_str() == t).ok_or_else(|| {
                    let all: Vec<&str> = $name::ALL.iter().map(|x| x.as_str()).collect();
                    format!("is not a known {}; choose one of {}", $what, all.join(", "))
                })
            }
        }
    };
}

choice_enum!(
    /// `--force_action`: do one thing now instead of a planned cycle.
    ForceAction, "action" {
        /// Add `--count` new nodes.
        Add => "add",
        /// Remove nodes (youngest first, or `--service_name`).
        Remove => "remove",
        /// Upgrade running nodes (oldest first).
        Upgrade => "upgrade",
        /// Start stopped nodes (oldest first).
        Start => "start",
        /// Stop running nodes (youngest first).
        Stop => "stop",
        /// Disable nodes (never surveyed again).
        Disable => "disable",
        /// Remove every node and the colony's data; needs `--confirm`.
        Teardown => "teardown",
        /// Survey every node now.
        Survey => "survey",
        /// Migrate a Python wnm database; needs `--confirm`.
        WnmDbMigration => "wnm-db-migration",
        /// Do nothing (apply config changes only).
        Nullop => "nullop",
        /// Apply config changes only.
        UpdateConfig => "update_config",
        /// Turn the boolean settings (no_upnp, antctl_debug) off (Python compatibility).
        DisableConfig => "disable_config",
    }
);

impl ForceAction {
    /// Whether the action destroys data and so needs `--confirm`.
    pub fn needs_confirm(self) -> bool {
        matches!(self, ForceAction::Teardown | ForceAction::WnmDbMigration)
    }
}

choice_enum!(
    /// `--report`: print a report and exit.
    ReportKind, "report" {
        /// One line per node.
        NodeStatus => "node-status",
        /// Every field per node.
        NodeStatusDetails => "node-status-details",
        /// InfluxDB line protocol.
        InfluxResources => "influx-resources",
        /// The resolved machine settings.
        MachineConfig => "machine-config",
        /// The host's measured metrics.
        MachineMetrics => "machine-metrics",
    }
);

choice_enum!(
    /// `--report_format`.
    ReportFormat, "report format" {
        /// `key: value` / tables.
        Text => "text",
        /// JSON.
        Json => "json",
        /// `UPPER_KEY=value`, quoted for a shell.
        Env => "env",
        /// `key=value`, reloadable with `-c`.
        Config => "config",
    }
);

/// The transient flags of one run, resolved command line > environment > config files > default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// `-c FILE` values, in order.
    pub config_files: Vec<PathBuf>,
    /// `-v` count.
    pub verbose: u8,
    /// `-q/--quiet`.
    pub quiet: bool,
    /// `--loglevel`, upper-cased (TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL).
    pub loglevel: Option<String>,
    /// `--dbpath` as given (path or sqlite URL); see `paths::parse_dbpath`.
    pub dbpath: Option<String>,
    /// `--dry_run`.
    pub dry_run: bool,
    /// `--init`.
    pub init: bool,
    /// `--migrate_anm`.
    pub migrate_anm: bool,
    /// `--import`.
    pub import: bool,
    /// `--confirm`.
    pub confirm: bool,
    /// `--force_action`.
    pub force_action: Option<ForceAction>,
    /// `--service_name a,b` split on commas, blanks dropped.
    pub service_names: Vec<String>,
    /// `--count` (default 1, at least 1).
    pub count: u32,
    /// `--report`.
    pub report: Option<ReportKind>,
    /// `--report_format` (`--json` wins).
    pub report_format: ReportFormat,
    /// `--this_action_delay` or its alias `--interval` (the former wins), milliseconds.
    pub this_action_delay: Option<u64>,
    /// `--this_survey_delay`, milliseconds.
    pub this_survey_delay: Option<u64>,
    /// `--show_machine_config`.
    pub show_machine_config: bool,
    /// `--show_machine_metrics`.
    pub show_machine_metrics: bool,
    /// `--show_decisions`.
    pub show_decisions: bool,
    /// `--remove_lockfile`.
    pub remove_lockfile: bool,
    /// `--rust_backtrace`.
    pub rust_backtrace: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            config_files: Vec::new(),
            verbose: 0,
            quiet: false,
            loglevel: None,
            dbpath: None,
            dry_run: false,
            init: false,
            migrate_anm: false,
            import: false,
            confirm: false,
            force_action: None,
            service_names: Vec::new(),
            count: 1,
            report: None,
            report_format: ReportFormat::Text,
            this_action_delay: None,
            this_survey_delay: None,
            show_machine_config: false,
            show_machine_metrics: false,
            show_decisions: false,
            remove_lockfile: false,
            rust_backtrace: false,
        }
    }
}

const LOG_LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL",
];

impl RunOptions {
    /// Apply one transient value (already known to belong to a transient key).
    pub(crate) fn apply(&mut self, key: &str, v: &str) -> Result<(), String> {
        match key {
            "config" => self.config_files.push(PathBuf::from(v)),
            "v" => {
                self.verbose = match v.trim().parse() {
                    Ok(n) => n,
                    Err(_) => u8::from(
                        parse::boolean(v).map_err(|_| "is not a count or a boolean".to_string())?,
                    ),
                }
            }
            "quiet" => self.quiet = parse::boolean(v)?,
            "loglevel" => {
                let up = v.trim().to_ascii_uppercase();
                if !LOG_LEVELS.contains(&up.as_str()) {
                    return Err(format!(
                        "is not a log level; choose one of {}",
                        LOG_LEVELS.join(", ")
                    ));
                }
                self.loglevel = Some(up);
            }
            "dbpath" => {
                if v.trim().is_empty() {
                    return Err("is empty; give a database file path or sqlite URL".into());
                }
                self.dbpath = Some(v.trim().to_string());
            }
            "dry_run" => self.dry_run = parse::boolean(v)?,
            "init" => self.init = parse::boolean(v)?,
            "migrate_anm" => self.migrate_anm = parse::boolean(v)?,
            "import" => self.import = parse::boolean(v)?,
            "confirm" => self.confirm = parse::boolean(v)?,
            "force_action" => self.force_action = Some(v.parse()?),
            "service_name" => {
                self.service_names = v
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "count" => self.count = parse::at_least_one_u32(v)?,
            "report" => self.report = Some(v.parse()?),
            "report_format" => self.report_format = v.parse()?,
            "json" => {
                if parse::boolean(v)? {
                    self.report_format = ReportFormat::Json;
                }
            }
            "this_action_delay" => self.this_action_delay = Some(parse::uint64(v)?),
            "interval" => {
                let ms = parse::uint64(v)?;
                self.this_action_delay.get_or_insert(ms);
            }
            "this_survey_delay" => self.this_survey_delay = Some(parse::uint64(v)?),
            "show_machine_config" => self.show_machine_config = parse::boolean(v)?,
            "show_machine_metrics" => self.show_machine_metrics = parse::boolean(v)?,
            "show_decisions" => self.show_decisions = parse::boolean(v)?,
            "remove_lockfile" => self.remove_lockfile = parse::boolean(v)?,
            "rust_backtrace" => self.rust_backtrace = parse::boolean(v)?,
            other => return Err(format!("internal: {other} is not a transient option")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KEYS;

    #[test]
    fn every_transient_key_is_handled() {
        for k in KEYS.iter().filter(|k| !k.is_setting()) {
            let sample = match k.name {
                "config" => "/x",
                "v" | "count" | "this_action_delay" | "interval" | "this_survey_delay" => "1",
                "loglevel" => "debug",
                "dbpath" => "/x.db",
                "force_action" => "add",
                "service_name" => "antnode0001",
                "report" => "node-status",
                "report_format" => "json",
                _ => "true",
            };
            RunOptions::default()
                .apply(k.name, sample)
                .unwrap_or_else(|e| panic!("{}: {e}", k.name));
        }
    }

    #[test]
    fn firewall_is_a_stored_setting() {
        let k = crate::keys::key_for_env("FIREWALL").unwrap();
        assert_eq!(k.name, "firewall");
        assert!(
            k.is_setting(),
            "a firewall choice made at --init holds for later runs"
        );
        let set = k.setting.unwrap().set;
        let mut m = wnm_core::Machine::default();
        set(&mut m, " None ").unwrap();
        assert_eq!(m.firewall, "none");
        set(&mut m, "off").unwrap();
        assert_eq!(m.firewall, "none");
        set(&mut m, "UFW").unwrap();
        assert_eq!(m.firewall, "ufw");
        let e = set(&mut m, "iptables").unwrap_err();
        assert!(e.contains("auto, ufw, none"), "{e}");
        assert_eq!(m.firewall, "ufw", "a bad value changes nothing");
    }

    #[test]
    fn choices_and_aliases() {
        let mut o = RunOptions::default();
        assert!(
            o.apply("force_action", "explode")
                .unwrap_err()
                .contains("disable_config")
        );
        o.apply("force_action", "disable_config").unwrap();
        assert_eq!(o.force_action, Some(ForceAction::DisableConfig));
        assert!(ForceAction::Teardown.needs_confirm());
        o.apply("report_format", "config").unwrap();
        o.apply("json", "true").unwrap();
        assert_eq!(o.report_format, ReportFormat::Json);
        o.apply("this_action_delay", "5").unwrap();
        o.apply("interval", "9").unwrap();
        assert_eq!(
            o.this_action_delay,
            Some(5),
            "--this_action_delay beats --interval"
        );
        o.apply("service_name", "antnode0001, ,antnode0003")
            .unwrap();
        assert_eq!(o.service_names, vec!["antnode0001", "antnode0003"]);
        assert!(o.apply("count", "0").is_err());
        assert!(o.apply("loglevel", "loud").is_err());
        o.apply("v", "true").unwrap();
        assert_eq!(o.verbose, 1, "v = true in a config file means -v");
    }
}
