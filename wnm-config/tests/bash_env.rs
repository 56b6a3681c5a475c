//! The `--report machine-config --report_format env` output is loadable by a real shell:
//! `bash -c 'set -a; . FILE; env -0'` exports exactly the values wnm rendered, and resolving
//! those exported variables reproduces the machine.
use std::path::PathBuf;
use wnm_config::{Mode, ReportFormat, Sources, keys, render_machine_config, resolve};
use wnm_core::Machine;

fn unusual() -> Machine {
    let mut m = Machine::defaults_for(4);
    m.node_cap = 33;
    m.cpu_remove = 85;
    m.desired_load_average = 1.5;
    m.node_storage = "/srv/my nodes/it's \"here\"".into();
    m.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93:100,donate:10,faucet".into();
    m.host = "10.1.2.3".into();
    m.environment = "ANT_LOG=ant_evm=error,RUST_BACKTRACE=1".into();
    m.start_args = r#"--x "a b" \ $HOME `id` $(id) ;|&<>*?"#.into();
    m.no_upnp = true;
    m.antnode_path = "~/.local/bin/antnode".into();
    m.antctl_version = Some("0.14.2".into());
    m
}

#[test]
fn env_report_is_loadable_by_bash() {
    let want = unusual();
    let text = render_machine_config(&want, Some("/var/db/colony.db"), ReportFormat::Env);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("machine.env");
    std::fs::write(&file, &text).unwrap();

    // A test may spawn a real shell: process spawns are banned in library code only.
    #[allow(clippy::disallowed_methods)]
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"set -a; . "$1"; env -0"#)
        .arg("bash")
        .arg(&file)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: Vec<(String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |name: &str| {
        exported
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("bash did not export {name}"))
    };

    // Every setting arrives in the shell exactly as wnm renders it (but the run state
    // highest_node_id_used, which env files never carry).
    assert!(!exported.iter().any(|(k, _)| k == "HIGHEST_NODE_ID_USED"));
    for key in keys::settings().filter(|k| !k.is_run_state()) {
        let rendered = (key.setting.unwrap().get)(&want);
        assert_eq!(
            get(&key.name.to_ascii_uppercase()),
            rendered,
            "{}",
            key.name
        );
    }
    assert_eq!(get("DBPATH"), "/var/db/colony.db");

    // And what the shell exports resolves back to the same machine.
    let s = Sources {
        env: exported,
        ..Default::default()
    };
    let r = resolve(&s, None, &Machine::defaults_for(1), Mode::Init).unwrap();
    assert_eq!(r.machine, want);
    assert_eq!(r.options.dbpath, Some("/var/db/colony.db".into()));
    assert_eq!(
        r.options.config_files,
        Vec::<PathBuf>::new(),
        "nothing else leaked in"
    );
}
