//! The flat, snake_case flags of the main job (the Python wnm's names), generated from the one key
//! table in `wnm_config::keys`. Only the command line is read here: environment variables and
//! config files are layered by `wnm_config`, so precedence stays exact
//! (command line > environment > config files > database > defaults).
//!
//! Booleans: `--no_upnp` sets true, `--no_upnp=false` or `--upnp` sets it back to false
//! (likewise `--antctl_debug` / `--no_antctl_debug`; every switch takes `=false`).
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use std::path::Path;
use wnm_config::Sources;
use wnm_config::keys::{EnvUse, KEYS, Key, Shape};

/// Flags of a `wnm` run: every value given on the command line as `(snake_key, raw value)`, in
/// command-line order (later wins). Parsing and validation happen in `wnm_config`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunArgs {
    /// `(key, value)` pairs; switches give `"true"`/`"false"`, `-v` its count.
    pub given: Vec<(String, String)>,
}

impl RunArgs {
    /// The configuration sources of this run: these flags, `env` (normally
    /// `wnm_config::process_env()`), and the config files under `home` plus every `-c FILE`.
    pub fn sources(&self, env: Vec<(String, String)>, home: &Path) -> wnm_core::Result<Sources> {
        Sources::gather(self.given.clone(), env, home)
    }
}

fn help_for(k: &Key) -> String {
    match (k.env_name(), k.env) {
        (Some(env), EnvUse::InitOnly) => format!("{} [env: {env}, read with --init only]", k.help),
        (Some(env), _) => format!("{} [env: {env}]", k.help),
        (None, _) => k.help.to_string(),
    }
}

fn arg_for(k: &'static Key) -> Arg {
    let heading = if k.is_setting() {
        "Settings (saved in the database; flag > env > config file > database > default)"
    } else {
        "This run only"
    };
    let mut a = Arg::new(k.name)
        .long(k.name)
        .help(help_for(k))
        .help_heading(heading);
    if let Some(c) = k.short {
        a = a.short(c);
    }
    match k.shape {
        Shape::Value => a
            .action(ArgAction::Set)
            .num_args(1)
            .value_name(k.value_name)
            .allow_hyphen_values(true),
        Shape::Switch => a
            .action(ArgAction::Set)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_name("BOOL"),
        Shape::Count => a.action(ArgAction::Count),
        Shape::Multi => a
            .action(ArgAction::Append)
            .num_args(1)
            .value_name(k.value_name),
    }
}

impl Args for RunArgs {
    fn augment_args(cmd: Command) -> Command {
        let mut cmd = cmd.args_override_self(true);
        for k in KEYS {
            cmd = cmd.arg(arg_for(k));
            if let Some(neg) = k.negation {
                cmd = cmd.arg(
                    Arg::new(neg)
                        .long(neg)
                        .action(ArgAction::SetTrue)
                        .help(format!("Same as --{}=false", k.name))
                        .help_heading("Settings (saved in the database; flag > env > config file > database > default)"),
                );
            }
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for RunArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = RunArgs::default();
        args.update_from_arg_matches(m)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        let from_cli = |id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
        let mut given: Vec<(usize, String, String)> = Vec::new();
        for k in KEYS {
            if from_cli(k.name) {
                let at = m.index_of(k.name).unwrap_or(0);
                match k.shape {
                    Shape::Count => {
                        given.push((at, k.name.into(), m.get_count(k.name).to_string()));
                    }
                    Shape::Multi => {
                        let idx = m.indices_of(k.name).into_iter().flatten();
                        let vals = m.get_many::<String>(k.name).into_iter().flatten();
                        for (i, v) in idx.zip(vals) {
                            given.push((i, k.name.into(), v.clone()));
                        }
                    }
                    Shape::Value | Shape::Switch => {
                        if let Some(v) = m.get_one::<String>(k.name) {
                            given.push((at, k.name.into(), v.clone()));
                        }
                    }
                }
            }
            if let Some(neg) = k.negation.filter(|n| from_cli(n) && m.get_flag(n)) {
                let at = m.index_of(neg).unwrap_or(0);
                given.push((at, k.name.into(), "false".into()));
            }
        }
        given.sort_by_key(|(i, _, _)| *i);
        self.given.extend(given.into_iter().map(|(_, k, v)| (k, v)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_config::{Mode, resolve};
    use wnm_core::Machine;

    fn cmd() -> Command {
        RunArgs::augment_args(Command::new("wnm").version("0"))
    }

    fn parse(argv: &[&str]) -> RunArgs {
        let m = cmd()
            .try_get_matches_from(std::iter::once("wnm").chain(argv.iter().copied()))
            .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        RunArgs::from_arg_matches(&m).unwrap()
    }

    fn pairs(a: &RunArgs) -> Vec<(&str, &str)> {
        a.given
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn stored() -> Machine {
        let mut m = Machine::defaults_for(4);
        m.node_storage = "/srv/nodes".into();
        m.rewards_address = "faucet".into();
        m
    }

    #[test]
    fn the_command_is_well_formed() {
        cmd().debug_assert();
        let help = cmd().render_long_help().to_string();
        assert!(help.contains("--node_cap <N>"), "{help}");
        assert!(help.contains("[env: NODE_CAP]"));
        assert!(help.contains("--upnp"));
        assert!(help.contains("read with --init only"));
    }

    #[test]
    fn python_cron_lines_parse() {
        let a = parse(&[
            "--node_cap",
            "40",
            "--cpu_less_than",
            "55",
            "--rewards_address",
            "faucet",
            "--dbpath",
            "sqlite:////var/antctl/colony.db",
            "--force_action",
            "disable_config",
            "--service_name",
            "antnode0001,antnode0003",
            "--count",
            "2",
            "-c",
            "/a",
            "-c",
            "/b",
            "-vv",
            "-q",
            "--json",
            "--report",
            "machine-config",
        ]);
        assert_eq!(
            pairs(&a),
            vec![
                ("node_cap", "40"),
                ("cpu_less_than", "55"),
                ("rewards_address", "faucet"),
                ("dbpath", "sqlite:////var/antctl/colony.db"),
                ("force_action", "disable_config"),
                ("service_name", "antnode0001,antnode0003"),
                ("count", "2"),
                ("config", "/a"),
                ("config", "/b"),
                ("v", "2"),
                ("quiet", "true"),
                ("json", "true"),
                ("report", "machine-config"),
            ]
        );
    }

    #[test]
    fn switches_take_an_optional_equals_value_and_have_opposites() {
        assert_eq!(pairs(&parse(&["--no_upnp"])), vec![("no_upnp", "true")]);
        assert_eq!(
            pairs(&parse(&["--no_upnp=false"])),
            vec![("no_upnp", "false")]
        );
        assert_eq!(
            pairs(&parse(&["--no_upnp", "--upnp"])),
            vec![("no_upnp", "true"), ("no_upnp", "false")]
        );
        assert_eq!(
            pairs(&parse(&["--no_antctl_debug", "--dry_run"])),
            vec![("antctl_debug", "false"), ("dry_run", "true")]
        );
        // A switch never swallows the next word.
        let a = parse(&["--dry_run", "--node_cap", "3"]);
        assert_eq!(pairs(&a), vec![("dry_run", "true"), ("node_cap", "3")]);
    }

    #[test]
    fn upnp_turns_a_stored_no_upnp_off() {
        let mut db = stored();
        db.no_upnp = true;
        let s = parse(&["--upnp"])
            .sources(vec![], Path::new("/nonexistent-home"))
            .unwrap();
        let r = resolve(&s, Some(&db), &db, Mode::Run).unwrap();
        assert!(!r.machine.no_upnp);
        assert_eq!(r.changes[0].to_string(), "no_upnp true -> false");
    }

    #[test]
    fn values_may_start_with_a_dash_and_repeats_keep_the_last() {
        let a = parse(&[
            "--start_args",
            "--log-format json",
            "--node_cap",
            "3",
            "--node_cap",
            "4",
        ]);
        assert_eq!(
            pairs(&a),
            vec![("start_args", "--log-format json"), ("node_cap", "4")]
        );
        // A negative number reaches validation, which names the key.
        let s = parse(&["--delay_start", "-5"])
            .sources(vec![], Path::new("/nonexistent-home"))
            .unwrap();
        let e = resolve(&s, Some(&stored()), &stored(), Mode::Run).unwrap_err();
        assert!(
            e.to_string()
                .contains("delay_start = \"-5\" (command line --delay_start)"),
            "{e}"
        );
    }

    #[test]
    fn unknown_flags_are_refused_with_a_hint() {
        let e = cmd()
            .try_get_matches_from(["wnm", "--node_cpa", "3"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--node_cap"), "{e}");
    }

    #[test]
    fn the_flag_beats_the_environment_and_config_files() {
        let home = std::env::temp_dir().join(format!("wnm-args-{}", std::process::id()));
        std::fs::create_dir_all(home.join(".local/share/wnm")).unwrap();
        std::fs::write(
            home.join(".local/share/wnm/config"),
            "node_cap = 10\ncpu_remove: 80\nmem_remove = 80\n",
        )
        .unwrap();
        let env = vec![
            ("NODE_CAP".to_string(), "30".to_string()),
            ("CPU_REMOVE".to_string(), "85".to_string()),
        ];
        let s = parse(&["--node_cap", "40"]).sources(env, &home).unwrap();
        let r = resolve(&s, Some(&stored()), &stored(), Mode::Run);
        std::fs::remove_dir_all(&home).unwrap();
        let m = r.unwrap().machine;
        assert_eq!((m.node_cap, m.cpu_remove, m.mem_remove), (40, 85, 80));
    }
}
