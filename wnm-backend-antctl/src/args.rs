//! What reaches a node through `antctl add` (pure): the operator's `start_args` (antnode flags)
//! mapped to the `antctl add` options that make antctl put them on the node's command line, and
//! `environment` as repeated `--env KEY=VALUE`. A flag antctl cannot pass on is refused with a
//! clear error, never dropped.
use wnm_core::profile::{node_environment, split_start_args};
use wnm_core::{Error, Node, Result};

/// antnode flags without a value that `antctl add` takes under the same name.
const SAME_FLAGS: &[&str] = &[
    "--relay",
    "--no-upnp",
    "--alpha",
    "--first",
    "--local",
    "--ignore-cache",
    "--write-older-cache-files",
    "--enable-metrics-server",
];

/// antnode options with a value: (antnode name, `antctl add` name).
const VALUE_OPTIONS: &[(&str, &str)] = &[
    ("--ip", "--node-ip"),
    ("--log-format", "--log-format"),
    ("--network-id", "--network-id"),
    ("--peer", "--peer"),
    ("--network-contacts-url", "--network-contacts-url"),
    ("--max-log-files", "--max-log-files"),
    ("--max-archived-log-files", "--max-archived-log-files"),
];

/// antnode flags wnm (or antctl) already gives every node, so an operator's copy is refused.
const SET_PER_NODE: &[(&str, &str)] = &[
    ("--port", "wnm gives each node its port (port_start)"),
    (
        "--metrics-server-port",
        "wnm gives each node its metrics port (metrics_port_start)",
    ),
    ("--rpc", "wnm gives each node its RPC port (rpc_port_start)"),
    ("--root-dir", "antctl makes each node's data dir"),
    ("--log-output-dest", "antctl makes each node's log dir"),
    (
        "--rewards-address",
        "wnm gives each node its wallet (rewards_address)",
    ),
    (
        "--bootstrap-cache-dir",
        "antctl sets the bootstrap cache dir itself",
    ),
];

/// The `antctl add` options for `start_args` plus `no_upnp` (`--no-upnp` once even when both ask
/// for it). `--stop-on-upgrade` is accepted and passes nothing: antctl gives it to every node.
pub fn add_options(start_args: &str, no_upnp: bool) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    if no_upnp {
        out.push("--no-upnp".into());
    }
    let words = split_start_args(start_args);
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (word.as_str(), None),
        };
        i += 1;
        if name == "--stop-on-upgrade" && inline.is_none() {
            continue;
        }
        if SAME_FLAGS.contains(&name) && inline.is_none() {
            if !out.iter().any(|o| o == name) {
                out.push(name.to_string());
            }
            continue;
        }
        if let Some((_, antctl)) = VALUE_OPTIONS.iter().find(|(a, _)| *a == name) {
            let value = match inline {
                Some(v) => v,
                None => match words.get(i) {
                    Some(v) if !v.starts_with("--") => {
                        i += 1;
                        v.clone()
                    }
                    _ => {
                        return Err(Error::invalid_config(format!(
                            "start_args: {name} needs a value (e.g. {name} VALUE)"
                        )));
                    }
                },
            };
            if value.is_empty() {
                return Err(Error::invalid_config(format!(
                    "start_args: {name} needs a value"
                )));
            }
            out.push((*antctl).to_string());
            out.push(value);
            continue;
        }
        if let Some((_, why)) = SET_PER_NODE.iter().find(|(a, _)| *a == name) {
            return Err(Error::invalid_config(format!(
                "start_args: {name} cannot be given with an antctl process manager: {why}; remove it from start_args"
            )));
        }
        let known: Vec<&str> = SAME_FLAGS
            .iter()
            .copied()
            .chain(VALUE_OPTIONS.iter().map(|(a, _)| *a))
            .chain(std::iter::once("--stop-on-upgrade"))
            .collect();
        return Err(Error::invalid_config(if name.starts_with('-') {
            format!(
                "start_args: antctl add cannot pass {word:?} on to the node; with an antctl process manager start_args may hold only {}",
                known.join(", ")
            )
        } else {
            format!(
                "start_args: {word:?} is not a flag; antctl add gives the network subcommand itself (evm-arbitrum-one)"
            )
        }));
    }
    Ok(out)
}

/// `--env KEY=VALUE` per variable of the machine's (parsed) environment with `node`'s over it
/// (`wnm_core::profile::node_environment`). antctl writes each as `Environment="KEY=VALUE"`
/// without escaping, so a value holding `"` or `\` is refused (the machine's too, even where the
/// node overrides it).
pub fn env_options(machine_env: &[(String, String)], node: &Node) -> Result<Vec<String>> {
    let vars = node_environment(machine_env, node)?;
    check_unit_safe(machine_env)?;
    check_unit_safe(&vars)?;
    Ok(vars
        .into_iter()
        .flat_map(|(k, v)| ["--env".to_string(), format!("{k}={v}")])
        .collect())
}

/// Refuse a variable antctl would write into its unit broken (a `"` or `\` in the value).
pub fn check_unit_safe(vars: &[(String, String)]) -> Result<()> {
    match vars.iter().find(|(_, v)| v.contains(['"', '\\'])) {
        Some((k, v)) => Err(Error::invalid_config(format!(
            "environment {k}={v}: antctl writes it into the unit unescaped, so it may not hold \" or \\"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(start_args: &str, no_upnp: bool, want: &[&str]) {
        assert_eq!(
            add_options(start_args, no_upnp).unwrap(),
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{start_args:?}"
        );
    }

    #[test]
    fn known_flags_map() {
        check("", false, &[]);
        check("", true, &["--no-upnp"]);
        check("--no-upnp", true, &["--no-upnp"]);
        check("--relay", false, &["--relay"]);
        check(
            "--first --local --ignore-cache --ip 127.0.0.1",
            true,
            &[
                "--no-upnp",
                "--first",
                "--local",
                "--ignore-cache",
                "--node-ip",
                "127.0.0.1",
            ],
        );
        check("--ip=0.0.0.0", false, &["--node-ip", "0.0.0.0"]);
        check(
            "--peer /ip4/127.0.0.1/udp/55001/quic-v1/p2p/12D3KooWRpvHtqkcXkF9SUjFMJkAcPwimRWwUsPhtL67KsrvxqoR --log-format json",
            false,
            &[
                "--peer",
                "/ip4/127.0.0.1/udp/55001/quic-v1/p2p/12D3KooWRpvHtqkcXkF9SUjFMJkAcPwimRWwUsPhtL67KsrvxqoR",
                "--log-format",
                "json",
            ],
        );
        check(
            "--max-log-files 1 --max-archived-log-files 2",
            false,
            &["--max-log-files", "1", "--max-archived-log-files", "2"],
        );
        check("--stop-on-upgrade --alpha", false, &["--alpha"]);
    }

    #[test]
    fn unmappable_flags_are_refused_by_name() {
        for (args, says) in [
            ("--port 55001", "wnm gives each node its port"),
            ("--rpc 127.0.0.1:1", "RPC port"),
            ("--root-dir /x", "data dir"),
            ("--rewards-address 0x00", "wallet"),
            ("--bootstrap-cache-dir /tmp", "bootstrap cache"),
            ("--home-network", "cannot pass \"--home-network\""),
            ("--relay --upnp", "cannot pass \"--upnp\""),
            ("evm-arbitrum-sepolia-test", "network subcommand"),
            ("--ip", "--ip needs a value"),
            ("--ip --relay", "--ip needs a value"),
            ("--peer=", "--peer needs a value"),
            ("--relay=yes", "cannot pass \"--relay=yes\""),
        ] {
            let e = add_options(args, false).unwrap_err();
            assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig, "{args}");
            assert!(e.to_string().contains(says), "{args}: {e}");
            assert!(e.to_string().starts_with("start_args: "), "{args}: {e}");
        }
    }

    fn env(machine: &str, node: &str) -> Result<Vec<String>> {
        let mut n = crate::testutil::new_node(1);
        n.environment = node.into();
        env_options(&wnm_core::profile::parse_environment(machine)?, &n)
    }

    #[test]
    fn environment_is_one_env_per_variable() {
        assert_eq!(
            env("ANT_LOG=info,FOO=bar", "").unwrap(),
            ["--env", "ANT_LOG=info", "--env", "FOO=bar"]
        );
        assert_eq!(
            env("RUST_LOG=info,wnm=debug A=1", "A=2").unwrap(),
            ["--env", "RUST_LOG=info,wnm=debug", "--env", "A=2"]
        );
        assert!(env("", "").unwrap().is_empty());
        let e = env("A=x\"y", "").unwrap_err();
        assert!(e.to_string().contains("unescaped"), "{e}");
        assert!(env("A=x\\y", "").is_err());
        assert!(env("", "A=x\\y").is_err());
        assert!(
            env("A=x\\y", "A=ok").is_err(),
            "the machine's value is refused too"
        );
        assert!(env("=x", "").is_err());
        assert!(env("", "=x").is_err());
    }
}
