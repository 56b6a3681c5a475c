//! Behaviour tests of resolution: precedence of every layer pair, same-run effect, immutable
//! settings, every validation rule, both config syntaxes, turning booleans off, and the
//! machine-config round trips through `-c` and `.env`.
use crate::file::parse_dotenv;
use crate::*;
use std::path::PathBuf;
use wnm_core::{ErrorKind, Machine};

pub(crate) const WALLET: &str = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93";

/// A valid stored machine row.
pub(crate) fn stored() -> Machine {
    let mut m = Machine::defaults_for(8);
    m.node_storage = "/srv/nodes".into();
    m.rewards_address = WALLET.into();
    m
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn file(contents: &str) -> (PathBuf, String) {
    (PathBuf::from("/etc/wnm.conf"), contents.to_string())
}

fn run(s: &Sources) -> wnm_core::Result<Resolved> {
    resolve(s, Some(&stored()), &stored(), Mode::Run)
}

#[test]
fn each_layer_beats_the_one_below() {
    let mut defaults = stored();
    defaults.node_cap = 20;
    let mut db = stored();
    db.node_cap = 21;
    let f = vec![file("node_cap = 22\n")];
    let dotenv = Some((PathBuf::from("/h/.env"), "NODE_CAP=23\n".to_string()));
    let env = pairs(&[("NODE_CAP", "24")]);
    let cli = pairs(&[("node_cap", "25")]);

    let cap = |s: Sources, stored: Option<&Machine>| {
        let mode = if stored.is_some() {
            Mode::Run
        } else {
            Mode::Init
        };
        let r = resolve(&s, stored, &defaults, mode).unwrap();
        (r.machine.node_cap, r.origins["node_cap"].to_string())
    };
    // default alone, then the database over the default
    assert_eq!(cap(Sources::default(), None), (20, "default".into()));
    assert_eq!(cap(Sources::default(), Some(&db)), (21, "database".into()));
    // a config file over the database
    let s = Sources {
        files: f.clone(),
        ..Default::default()
    };
    assert_eq!(cap(s, Some(&db)).0, 22);
    // .env over config files
    let s = Sources {
        files: f.clone(),
        dotenv: dotenv.clone(),
        ..Default::default()
    };
    assert_eq!(cap(s, Some(&db)).0, 23);
    // the environment over .env and config files
    let s = Sources {
        files: f.clone(),
        dotenv: dotenv.clone(),
        env: env.clone(),
        ..Default::default()
    };
    assert_eq!(
        cap(s, Some(&db)),
        (24, "environment variable NODE_CAP".into())
    );
    // the command line over everything
    let s = Sources {
        files: f,
        dotenv,
        env,
        cli,
    };
    assert_eq!(cap(s, Some(&db)), (25, "command line --node_cap".into()));
}

#[test]
fn later_config_files_and_later_flags_win() {
    let s = Sources {
        files: vec![
            (
                PathBuf::from("/home/x/.local/share/wnm/config"),
                "node_cap = 5\ncpu_remove = 80\n".into(),
            ),
            (PathBuf::from("/home/x/extra"), "node_cap = 6\n".into()),
        ],
        cli: pairs(&[("delay_start", "10"), ("delay_start", "11")]),
        ..Default::default()
    };
    let m = run(&s).unwrap().machine;
    assert_eq!((m.node_cap, m.cpu_remove, m.delay_start), (6, 80, 11));
}

#[test]
fn changes_take_effect_in_the_same_run_and_are_reported() {
    let s = Sources {
        cli: pairs(&[("node_cap", "40")]),
        ..Default::default()
    };
    let r = run(&s).unwrap();
    assert_eq!(r.machine.node_cap, 40, "the new value is used by this run");
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.changes[0].to_string(), "node_cap 20 -> 40");
    assert_eq!(r.changes[0].origin, Origin::CommandLine("node_cap"));
    // Giving the stored value again is not a change.
    let s = Sources {
        cli: pairs(&[("node_cap", "20"), ("port_start", "55000")]),
        ..Default::default()
    };
    assert!(run(&s).unwrap().changes.is_empty());
}

#[test]
fn changed_strings_are_shown_quoted_when_empty_or_spaced() {
    let s = Sources {
        cli: pairs(&[("start_args", "--a b")]),
        ..Default::default()
    };
    assert_eq!(
        run(&s).unwrap().changes[0].to_string(),
        r#"start_args "" -> "--a b""#
    );
}

#[test]
fn immutable_settings_are_refused_naming_setting_stored_and_given_values() {
    let cases: &[(Sources, &str, &str, &str)] = &[
        (
            Sources {
                cli: pairs(&[("port_start", "56")]),
                ..Default::default()
            },
            "port_start",
            "55",
            "56",
        ),
        (
            Sources {
                env: pairs(&[("METRICS_PORT_START", "14000")]),
                ..Default::default()
            },
            "metrics_port_start",
            "13",
            "14",
        ),
        (
            Sources {
                files: vec![file("rpc_port_start: 31\n")],
                ..Default::default()
            },
            "rpc_port_start",
            "30",
            "31",
        ),
        (
            Sources {
                cli: pairs(&[("process_manager", "antctl+user")]),
                ..Default::default()
            },
            "process_manager",
            "+user",
            "antctl+user",
        ),
    ];
    for (s, key, was, given) in cases {
        let e = run(s).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        let m = e.to_string();
        assert!(
            m.contains(&format!("{key} cannot change after --init")),
            "{m}"
        );
        assert!(
            m.contains(&format!("database has {key} = ")) && m.contains(was),
            "{m}"
        );
        assert!(m.contains(&format!("gives {given}")), "{m}");
    }
    // At --init the same values are simply taken.
    let s = Sources {
        cli: pairs(&[
            ("port_start", "56"),
            ("rewards_address", "faucet"),
            ("process_manager", "setsid+user"),
        ]),
        ..Default::default()
    };
    let r = resolve(&s, None, &stored(), Mode::Init).unwrap();
    assert_eq!(r.machine.port_start, 56);
    assert_eq!(r.machine.process_manager.to_string(), "setsid+user");
}

#[test]
fn a_run_without_a_stored_row_asks_for_init() {
    let e = resolve(&Sources::default(), None, &stored(), Mode::Run).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("--init"));
}

/// (what, flags, stored-row tweak, fragments the error must contain)
type Rule = (
    &'static str,
    &'static [(&'static str, &'static str)],
    fn(&mut Machine),
    &'static [&'static str],
);

fn no_tweak(_: &mut Machine) {}

#[test]
fn every_validation_rule_is_enforced() {
    let rules: &[Rule] = &[
        (
            "percent above 100",
            &[("cpu_less_than", "101")],
            no_tweak,
            &["cpu_less_than", "\"101\"", "0 to 100"],
        ),
        (
            "cpu add above remove",
            &[("cpu_less_than", "80")],
            no_tweak,
            &["cpu_less_than", "80", "cpu_remove = 70"],
        ),
        (
            "mem add above remove",
            &[("mem_remove", "50")],
            no_tweak,
            &["mem_less_than", "mem_remove = 50"],
        ),
        (
            "hd add above remove",
            &[("hd_less_than", "95")],
            no_tweak,
            &["hd_less_than", "95", "hd_remove = 90"],
        ),
        (
            "hdio read",
            &[("hdio_read_less_than", "900"), ("hdio_read_remove", "500")],
            no_tweak,
            &["hdio_read_less_than", "900", "hdio_read_remove = 500"],
        ),
        (
            "hdio write",
            &[
                ("hdio_write_less_than", "900"),
                ("hdio_write_remove", "500"),
            ],
            no_tweak,
            &["hdio_write_less_than"],
        ),
        (
            "netio read",
            &[
                ("netio_read_less_than", "900"),
                ("netio_read_remove", "500"),
            ],
            no_tweak,
            &["netio_read_less_than"],
        ),
        (
            "netio write",
            &[
                ("netio_write_less_than", "900"),
                ("netio_write_remove", "500"),
            ],
            no_tweak,
            &["netio_write_less_than"],
        ),
        (
            "load average zero",
            &[("desired_load_average", "0")],
            no_tweak,
            &["desired_load_average", "above 0"],
        ),
        (
            "desired above max load",
            &[("desired_load_average", "9.5")],
            no_tweak,
            &["desired_load_average", "9.5", "max_load_average_allowed"],
        ),
        (
            "negative delay",
            &[("delay_start", "-5")],
            no_tweak,
            &["delay_start", "\"-5\"", "negative"],
        ),
        (
            "negative limit",
            &[("max_concurrent_starts", "-1")],
            no_tweak,
            &["max_concurrent_starts", "negative"],
        ),
        (
            "zero limit",
            &[("max_concurrent_operations", "0")],
            no_tweak,
            &["max_concurrent_operations", "at least 1"],
        ),
        (
            "zero survey concurrency",
            &[("survey_concurrency", "0")],
            no_tweak,
            &["survey_concurrency", "at least 1"],
        ),
        (
            "port below 1024 (init)",
            &[("port_start", "1")],
            no_tweak,
            &["port_start = 1", "1001", "1024..=65535"],
        ),
        (
            "port above 65535",
            &[("node_cap", "600")],
            |m| m.port_start = 65,
            &["port_start = 65", "65600"],
        ),
        (
            "port base not a number",
            &[("rpc_port_start", "x")],
            no_tweak,
            &["rpc_port_start", "\"x\""],
        ),
        (
            "same port bases",
            &[("metrics_port_start", "55")],
            |m| m.metrics_port_start = 55,
            &["port_start = 55", "metrics_port_start = 55", "overlapping"],
        ),
        (
            "ranges overlap with a big node_cap",
            &[("node_cap", "1500")],
            |m| {
                m.port_start = 20;
                m.metrics_port_start = 21;
                m.rpc_port_start = 40
            },
            &["port_start = 20", "metrics_port_start = 21", "overlapping"],
        ),
        (
            "node_storage relative",
            &[("node_storage", "nodes")],
            no_tweak,
            &["node_storage", "\"nodes\"", "absolute"],
        ),
        (
            "node_storage with tilde",
            &[("node_storage", "~/nodes")],
            no_tweak,
            &["node_storage", "absolute"],
        ),
        (
            "antnode_path relative",
            &[("antnode_path", "bin/antnode")],
            no_tweak,
            &["antnode_path", "~/"],
        ),
        (
            "antnode_path missing",
            &[("antnode_path", "/nonexistent/wnm-test/antnode")],
            no_tweak,
            &[
                "antnode_path = \"/nonexistent/wnm-test/antnode\"",
                "does not exist",
                "cargo install --locked ant-node@0.4.11",
            ],
        ),
        (
            "antnode_path a directory",
            &[("antnode_path", "/")],
            no_tweak,
            &["antnode_path = \"/\"", "is not a file"],
        ),
        (
            "antctl_path missing",
            &[("antctl_path", "/nonexistent/wnm-test/antctl")],
            no_tweak,
            &["antctl_path", "does not exist", "ant-node-manager@0.14.2"],
        ),
        (
            "node_storage is a file",
            &[("node_storage", "/etc/hostname")],
            no_tweak,
            &["node_storage = \"/etc/hostname\"", "not a directory"],
        ),
        (
            "rewards bad checksum",
            &[(
                "rewards_address",
                "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A94",
            )],
            no_tweak,
            &["rewards_address", "EIP-55"],
        ),
        (
            "rewards bad weight entry",
            &[("rewards_address", "faucet,0xbad:3")],
            no_tweak,
            &["rewards_address", "0xbad:3"],
        ),
        (
            "donate address",
            &[("donate_address", "donate")],
            no_tweak,
            &["donate_address", "0x"],
        ),
        (
            "process manager",
            &[("process_manager", "systemd+root")],
            no_tweak,
            &["process_manager", "systemd+root", "user, sudo, zen"],
        ),
        (
            "environment",
            &[("environment", "1BAD=x")],
            no_tweak,
            &["environment", "1BAD"],
        ),
        (
            "host",
            &[("host", "a b")],
            no_tweak,
            &["host", "IP address"],
        ),
        (
            "removal strategy",
            &[("node_removal_strategy", "oldest")],
            no_tweak,
            &["node_removal_strategy", "youngest"],
        ),
        (
            "antctl version",
            &[("antctl_version", "latest")],
            no_tweak,
            &["antctl_version", "0.14.2"],
        ),
        (
            "boolean",
            &[("no_upnp", "maybe")],
            no_tweak,
            &["no_upnp", "true or false"],
        ),
        (
            "bad stored value",
            &[],
            |m| m.cpu_less_than = 150,
            &["cpu_less_than = \"150\" (database)", "0 to 100"],
        ),
        (
            "empty stored rewards",
            &[],
            |m| m.rewards_address.clear(),
            &["rewards_address", "(database)", "is empty"],
        ),
    ];
    for (what, flags, tweak, fragments) in rules {
        let mut db = stored();
        tweak(&mut db);
        let s = Sources {
            cli: pairs(flags),
            ..Default::default()
        };
        let mode = if *what == "port below 1024 (init)" {
            Mode::Init
        } else {
            Mode::Run
        };
        let db_ref = (mode == Mode::Run).then_some(&db);
        let e = match resolve(&s, db_ref, &db, mode) {
            Ok(r) => panic!("{what}: accepted {:?}", r.changes),
            Err(e) => e,
        };
        assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{what}");
        for f in *fragments {
            assert!(e.to_string().contains(f), "{what}: {f:?} missing from: {e}");
        }
    }
}

#[test]
fn io_limits_are_compared_only_when_both_are_set() {
    let s = Sources {
        cli: pairs(&[("hdio_read_less_than", "900"), ("netio_write_remove", "5")]),
        ..Default::default()
    };
    let m = run(&s).unwrap().machine;
    assert_eq!((m.hdio_read_less_than, m.netio_write_remove), (900, 5));
}

#[test]
fn rewards_address_is_required_at_init() {
    let e = resolve(
        &Sources::default(),
        None,
        &Paths::resolve_for(Platform::Linux, "/h".as_ref(), false, None, None)
            .unwrap()
            .machine_defaults(2),
        Mode::Init,
    )
    .unwrap_err();
    assert!(e.to_string().contains("rewards_address"), "{e}");
}

#[test]
fn both_config_syntaxes_parse() {
    let s = Sources {
        files: vec![file(
            "# wnm\nnode_cap: 30\ncpu_remove = 80\nnode_storage = \"/srv/my nodes\"\nrewards_address: faucet:3,donate\n",
        )],
        ..Default::default()
    };
    let m = run(&s).unwrap().machine;
    assert_eq!((m.node_cap, m.cpu_remove), (30, 80));
    assert_eq!(m.node_storage, "/srv/my nodes");
    assert_eq!(m.rewards_address, "faucet:3,donate");
}

#[test]
fn unknown_config_key_is_reported_through_resolve() {
    let s = Sources {
        files: vec![file("node_cap = 3\nnode_capp = 4\n")],
        ..Default::default()
    };
    let e = run(&s).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        e.to_string()
            .contains("/etc/wnm.conf line 2: unknown key \"node_capp\"; did you mean node_cap?"),
        "{e}"
    );
}

#[test]
fn booleans_can_be_turned_off_from_every_layer() {
    let mut db = stored();
    db.no_upnp = true;
    db.antctl_debug = true;
    for s in [
        Sources {
            cli: pairs(&[("no_upnp", "false"), ("antctl_debug", "false")]),
            ..Default::default()
        },
        Sources {
            env: pairs(&[("NO_UPNP", "0"), ("ANTCTL_DEBUG", "no")]),
            ..Default::default()
        },
        Sources {
            files: vec![file("no_upnp = false\nantctl_debug: off\n")],
            ..Default::default()
        },
    ] {
        let r = resolve(&s, Some(&db), &db, Mode::Run).unwrap();
        assert!(!r.machine.no_upnp && !r.machine.antctl_debug);
        let shown: Vec<String> = r.changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec!["no_upnp true -> false", "antctl_debug true -> false"]
        );
    }
    // and on again: a bare key in a config file means true
    let s = Sources {
        files: vec![file("no_upnp\n")],
        ..Default::default()
    };
    assert!(run(&s).unwrap().machine.no_upnp);
}

#[test]
fn host_from_the_process_environment_counts_only_at_init() {
    let env = pairs(&[("HOST", "box.example")]);
    let s = Sources {
        env: env.clone(),
        ..Default::default()
    };
    assert_eq!(
        run(&s).unwrap().machine.host,
        "127.0.0.1",
        "tcsh exports HOST; ignored after init"
    );
    let s = Sources {
        env,
        cli: pairs(&[("rewards_address", "faucet")]),
        ..Default::default()
    };
    assert_eq!(
        resolve(&s, None, &stored(), Mode::Init)
            .unwrap()
            .machine
            .host,
        "box.example"
    );
    let s = Sources {
        cli: pairs(&[("host", "10.0.0.2")]),
        ..Default::default()
    };
    assert_eq!(run(&s).unwrap().machine.host, "10.0.0.2");
}

/// A machine whose every setting differs from `stored()` except the immutable ones (and
/// node_removal_strategy, which has one legal value).
pub(crate) fn unusual() -> Machine {
    let mut m = stored();
    m.cpu_count = 3;
    m.node_cap = 77;
    m.cpu_less_than = 41;
    m.cpu_remove = 81;
    m.mem_less_than = 42;
    m.mem_remove = 82;
    m.hd_less_than = 43;
    m.hd_remove = 83;
    m.desired_load_average = 1.25;
    m.max_load_average_allowed = 3.0;
    m.delay_start = 11;
    m.delay_restart = 12;
    m.delay_upgrade = 13;
    m.delay_remove = 14;
    m.survey_delay = 15;
    m.action_delay = 16;
    m.max_concurrent_upgrades = 2;
    m.max_concurrent_starts = 3;
    m.max_concurrent_removals = 4;
    m.max_concurrent_operations = 5;
    m.hdio_read_less_than = 100;
    m.hdio_read_remove = 200;
    m.hdio_write_less_than = 300;
    m.hdio_write_remove = 400;
    m.netio_read_less_than = 500;
    m.netio_read_remove = 600;
    m.netio_write_less_than = 700;
    m.netio_write_remove = 800;
    m.crisis_bytes = 12345;
    m.node_storage = "/srv/my nodes/it's \"here\"".into();
    m.rewards_address = format!("{WALLET}:100,donate:10,faucet");
    m.donate_address = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into();
    m.host = "10.1.2.3".into();
    m.environment = "ANT_LOG=ant_evm=error,RUST_BACKTRACE=1".into();
    m.start_args = r#"--log-format json --x "a b" \ $HOME `id`"#.into();
    m.max_node_per_container = 150;
    m.min_container_count = 2;
    m.docker_image = "iweave/antnode:0.4.11".into();
    m.no_upnp = true;
    let (antnode, antctl) = unusual_binaries();
    m.antnode_path = antnode;
    m.antctl_path = antctl;
    m.antctl_debug = true;
    m.antctl_version = Some("0.14.2".into());
    m.survey_concurrency = 64;
    m.survey_timeout_ms = 2500;
    m.firewall = "none".into();
    m.highest_node_id_used = Some(99);
    m.last_stopped_at = 1_795_352_877;
    m
}

#[test]
fn unusual_differs_from_stored_in_every_mutable_setting() {
    let r = resolve(
        &Sources {
            files: vec![file(&report::render_machine_config(
                &unusual(),
                None,
                ReportFormat::Config,
            ))],
            ..Default::default()
        },
        Some(&stored()),
        &stored(),
        Mode::Run,
    )
    .unwrap();
    // node_removal_strategy has a single legal value, so it cannot differ; run state
    // (highest_node_id_used) is what config files never carry.
    let mutable = keys::settings()
        .filter(|k| !k.is_immutable() && k.name != "node_removal_strategy" && !k.is_run_state())
        .count();
    assert_eq!(r.changes.len(), mutable, "{:?}", r.changes);
}

#[test]
fn config_report_round_trips_through_dash_c() {
    let want = unusual();
    let text = render_machine_config(&want, Some("/var/db/colony.db"), ReportFormat::Config);
    let s = Sources {
        files: vec![(PathBuf::from("/tmp/m.conf"), text)],
        ..Default::default()
    };
    // Over a stored row that differs in every setting but shares the run state.
    let mut db = stored();
    db.highest_node_id_used = want.highest_node_id_used;
    db.last_stopped_at = want.last_stopped_at;
    let r = resolve(&s, Some(&db), &db, Mode::Run).unwrap();
    assert_eq!(r.machine, want);
    assert_eq!(r.options.dbpath.as_deref(), Some("/var/db/colony.db"));
    // And at --init from different defaults (run state is not configuration).
    let r = resolve(&s, None, &Machine::defaults_for(1), Mode::Init).unwrap();
    let mut expect = want.clone();
    expect.highest_node_id_used = None;
    expect.last_stopped_at = 0;
    assert_eq!(r.machine, expect);
}

#[test]
fn env_report_round_trips_through_dotenv_and_environment() {
    let want = unusual();
    let text = render_machine_config(&want, Some("/var/db/colony.db"), ReportFormat::Env);
    let mut db = stored();
    db.highest_node_id_used = want.highest_node_id_used;
    db.last_stopped_at = want.last_stopped_at;

    let s = Sources {
        dotenv: Some((PathBuf::from("/h/.env"), text.clone())),
        ..Default::default()
    };
    let r = resolve(&s, Some(&db), &db, Mode::Run).unwrap();
    assert_eq!(r.machine, want);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    // As real environment variables (what `set -a; . FILE` exports), at --init (HOST counts).
    let env = parse_dotenv(&text)
        .unwrap()
        .into_iter()
        .map(|l| (l.key, l.value))
        .collect();
    let s = Sources {
        env,
        ..Default::default()
    };
    let r = resolve(&s, None, &Machine::defaults_for(1), Mode::Init).unwrap();
    assert_eq!(r.machine.host, want.host);
    assert_eq!(r.machine.start_args, want.start_args);
    assert_eq!(r.machine.node_storage, want.node_storage);
    assert_eq!(r.options.dbpath.as_deref(), Some("/var/db/colony.db"));
}

#[test]
fn python_fixture_row_resolves_unchanged() {
    // The machine row of fixtures/wnm-0.5.0/colony.db, as the store would load it.
    let mut m = Machine::defaults_for(8);
    m.node_storage = "/home/ant/.local/share/autonomi/node".into();
    m.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1".into();
    m.last_stopped_at = 1_795_352_877;
    let r = resolve(&Sources::default(), Some(&m), &m, Mode::Run).unwrap();
    assert_eq!(r.machine, m);
    assert!(r.changes.is_empty());
}

/// Real files for the unusual binary paths (a changed binary path must exist), in a directory
/// with a blank in its name so quoting is exercised.
fn unusual_binaries() -> (String, String) {
    let dir =
        std::env::temp_dir().join(format!("wnm-config-tests-{}/ant node", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let antnode = dir.join("antnode");
    let antctl = dir.join("antctl");
    for p in [&antnode, &antctl] {
        if !p.exists() {
            std::fs::write(p, b"#!/bin/true\n").unwrap();
        }
    }
    (antnode.display().to_string(), antctl.display().to_string())
}

#[test]
fn stored_and_default_paths_are_not_checked_for_existence() {
    // A stored antnode_path that is gone (binary not installed yet) is a runtime message, not a
    // configuration error; giving the same value again is no change either.
    let mut db = stored();
    db.antnode_path = "/nonexistent/wnm-test/antnode".into();
    let r = resolve(&Sources::default(), Some(&db), &db, Mode::Run).unwrap();
    assert_eq!(r.machine.antnode_path, db.antnode_path);
    let s = Sources {
        files: vec![file("antnode_path = /nonexistent/wnm-test/antnode\n")],
        ..Default::default()
    };
    assert!(resolve(&s, Some(&db), &db, Mode::Run).is_ok());
    let r = resolve(
        &Sources::default(),
        None,
        &Machine::defaults_for(2),
        Mode::Init,
    );
    // Defaults: only the missing rewards address is a problem, never the default binary path.
    let e = r.unwrap_err();
    assert!(!e.message().contains("antnode_path"), "{e}");
}

#[test]
fn highest_node_id_used_is_the_one_run_state_setting() {
    let run_state: Vec<&str> = keys::settings()
        .filter(|k| k.is_run_state())
        .map(|k| k.name)
        .collect();
    assert_eq!(run_state, ["highest_node_id_used"]);
    // given on the command line it is still a setting (Python wnm cron lines pass it)
    assert!(keys::key("highest_node_id_used").is_some_and(|k| k.is_setting()));
}
