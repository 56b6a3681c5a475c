//! Rebuilding `Node`s from job plists (pure): the launch facts in `ProgramArguments`
//! (`wnm_core::profile::parse_launch_args`: ports, wallet, root and log dirs, network, line), the
//! environment, else the port bases and the default layout. The manager recorded is the one that really drives the job (`launchd+user` or
//! `launchd+sudo`): the Python wnm recorded a wrong one, so its imported launchd nodes were
//! later driven with systemctl.
use crate::plist::{PlistSpec, STDOUT_FILE, parse_label};
use std::path::Path;
use wnm_core::profile::parse_launch_args;
use wnm_core::{
    Error, Machine, Node, NodeMetrics, NodeStatus, ProcessManager, Result, UnixTime, service_name,
};

/// What the caller knows that a plist does not say.
#[derive(Debug, Clone)]
pub struct DiscoverContext {
    /// The manager the nodes are driven by (`launchd+user`, `launchd+sudo`).
    pub manager: ProcessManager,
    /// Port bases, rewards, host.
    pub machine: Machine,
    /// User recorded when the plist has no `UserName`.
    pub default_user: String,
    /// Parent of root dirs when `--root-dir` is missing.
    pub node_storage: String,
    /// Parent of log dirs when neither `--log-output-dest` nor `StandardOutPath` tells.
    pub log_base: String,
    /// Status time (and creation time until the caller knows the dir's age).
    pub now: UnixTime,
}

/// The node a job plist describes (status `Stopped` until the caller asks launchctl).
pub fn node_from_plist(spec: &PlistSpec, ctx: &DiscoverContext) -> Result<Node> {
    let id = parse_label(&spec.label).ok_or_else(|| {
        Error::invalid_config(format!(
            "label {:?} is not com.autonomi.antnode-<number>",
            spec.label
        ))
    })?;
    let name = service_name(id);
    let binary = spec.program_arguments.first().cloned().unwrap_or_default();
    if !binary.starts_with('/') {
        return Err(Error::invalid_config(format!(
            "{}: program {binary:?} is not an absolute path",
            spec.label
        )));
    }
    let facts = parse_launch_args(&spec.program_arguments[1..]);
    let m = &ctx.machine;
    let line = facts.line(&binary).name();
    let (port, metrics_port, rpc_port) = facts.ports_or_bases(m, id)?;
    let root_dir = facts
        .root_dir
        .or_else(|| spec.working_directory.clone())
        .unwrap_or_else(|| format!("{}/{name}", ctx.node_storage.trim_end_matches('/')));
    // The node's own log dir: its --log-output-dest, else the dir of our stdout.log.
    let log_dir = facts
        .log_dir
        .or_else(|| {
            spec.stdout_path
                .as_deref()
                .filter(|p| p.ends_with(&format!("/{STDOUT_FILE}")))
                .and_then(|p| Path::new(p).parent())
                .map(|p| p.display().to_string())
        })
        .unwrap_or_else(|| format!("{}/{name}", ctx.log_base.trim_end_matches('/')));
    let environment = spec
        .environment
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Node {
        id,
        service_name: name,
        port,
        metrics_port,
        rpc_port,
        root_dir,
        log_dir,
        binary,
        user: spec
            .user_name
            .clone()
            .unwrap_or_else(|| ctx.default_user.clone()),
        wallet: facts.wallet.unwrap_or_else(|| m.default_wallet()),
        network: facts
            .network
            .unwrap_or_else(|| "evm-arbitrum-one".to_string()),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: ctx.now,
        created_at: ctx.now,
        manager: ctx.manager.clone(),
        line: line.to_string(),
        container_id: None,
        host: m.host.clone(),
        environment,
        metrics: NodeMetrics::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plist::PlistSpec;
    use crate::testutil::node;
    use wnm_core::LaunchOptions;
    use wnm_core::{AntNode2026, Antnode04};

    fn ctx(manager: &str) -> DiscoverContext {
        let mut machine = Machine::defaults_for(2);
        machine.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into();
        machine.process_manager = manager.parse().unwrap();
        DiscoverContext {
            manager: manager.parse().unwrap(),
            machine,
            default_user: "ant".into(),
            node_storage: "/s".into(),
            log_base: "/l".into(),
            now: 1_700_000_000,
        }
    }

    #[test]
    fn our_plist_round_trips_to_the_same_node() {
        let mut n = node(7, "/Users/ant/nodes", "/Users/ant/logs");
        n.port = 55123;
        n.metrics_port = 13123;
        n.environment = "RUST_LOG=info,x=y K=v".into();
        let mut m = Machine::defaults_for(2);
        m.no_upnp = true;
        m.start_args = "--relay".into();
        let spec = PlistSpec::for_node(
            &n,
            &Antnode04,
            &LaunchOptions::from_machine(&m),
            &[],
            Some("ant"),
        )
        .unwrap();
        let text = spec.render();
        let back = crate::parse::parse_plist(&text).unwrap();
        assert_eq!(back, spec);
        let found = node_from_plist(&back, &ctx("launchd+sudo")).unwrap();
        assert_eq!(found.id, 7);
        assert_eq!(found.service_name, "antnode0007");
        assert_eq!(found.manager.to_string(), "launchd+sudo");
        for (what, got, want) in [
            ("root", &found.root_dir, &n.root_dir),
            ("log", &found.log_dir, &n.log_dir),
            ("binary", &found.binary, &n.binary),
            ("wallet", &found.wallet, &n.wallet),
            ("network", &found.network, &n.network),
            ("env", &found.environment, &n.environment),
        ] {
            assert_eq!(got, want, "{what}");
        }
        assert_eq!((found.port, found.metrics_port), (55123, 13123));
        assert_eq!(found.user, "ant");
        assert_eq!(found.line, "antnode-0.4");
    }

    #[test]
    fn python_wnm_plist_fills_gaps_from_the_layout() {
        // 0.5.0: a shared log dir, no --enable-metrics-server, bootstrap cache first, no UserName.
        let spec = PlistSpec {
            label: "com.autonomi.antnode-3".into(),
            program_arguments: [
                "/Users/ant/Library/Application Support/autonomi/node/antnode0003/antnode",
                "--no-upnp",
                "--bootstrap-cache-dir",
                "/Users/ant/Library/Application Support/autonomi/bootstrap-cache",
                "--root-dir",
                "/Users/ant/Library/Application Support/autonomi/node/antnode0003",
                "--port",
                "55003",
                "--metrics-server-port",
                "13003",
                "--rewards-address",
                "0x00455d78f850b0358E8cea5be24d415E01E107CF",
                "evm-arbitrum-sepolia-test",
            ]
            .map(String::from)
            .to_vec(),
            working_directory: None,
            ..PlistSpec::default()
        };
        let n = node_from_plist(&spec, &ctx("launchd+user")).unwrap();
        assert_eq!(n.id, 3);
        assert_eq!(n.manager.to_string(), "launchd+user");
        assert_eq!(
            n.root_dir,
            "/Users/ant/Library/Application Support/autonomi/node/antnode0003"
        );
        assert_eq!(n.log_dir, "/l/antnode0003");
        assert_eq!(n.network, "evm-arbitrum-sepolia-test");
        assert_eq!(n.wallet, "0x00455d78f850b0358E8cea5be24d415E01E107CF");
        assert_eq!(n.user, "ant");
        assert_eq!(n.rpc_port, 30003);
    }

    #[test]
    fn bare_plist_uses_port_bases_and_rewards() {
        let spec = PlistSpec {
            label: "com.autonomi.antnode-12".into(),
            program_arguments: vec!["/s/antnode0012/ant-node".into()],
            ..PlistSpec::default()
        };
        let n = node_from_plist(&spec, &ctx("launchd+user")).unwrap();
        assert_eq!((n.port, n.metrics_port), (55012, 13012));
        assert_eq!(n.root_dir, "/s/antnode0012");
        assert_eq!(n.wallet, "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93");
        assert_eq!(n.line, "ant-node-2026");
        let mut bad = spec.clone();
        bad.label = "com.autonomi.antnode-x".into();
        assert!(node_from_plist(&bad, &ctx("launchd+user")).is_err());
        let mut rel = spec;
        rel.program_arguments = vec!["antnode".into()];
        assert!(node_from_plist(&rel, &ctx("launchd+user")).is_err());
    }

    #[test]
    fn new_line_arguments() {
        let n = node(4, "/s", "/l");
        let mut args = vec![n.binary.clone()];
        args.extend(wnm_core::NodeLine::launch_args(
            &AntNode2026,
            &n,
            &Default::default(),
        ));
        let f = wnm_core::profile::parse_launch_args(&args[1..]);
        assert_eq!(f.port, Some(n.port));
        assert_eq!(f.network.as_deref(), Some("evm-arbitrum-one"));
        assert_eq!(f.log_dir.as_deref(), Some(n.log_dir.as_str()));
        assert_eq!(f.root_dir.as_deref(), Some(n.root_dir.as_str()));
    }
}
