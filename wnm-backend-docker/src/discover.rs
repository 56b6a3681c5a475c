//! Rebuilding a `Node` from a pod's desired-state file (`--init --import`), and recognising a
//! node's process among a pod's processes.
use crate::config::DockerConfig;
use crate::control::Desired;
use crate::engine::PodProcess;
use wnm_core::{Node, NodeMetrics, NodeStatus, Result, UnixTime};

/// The host pid of the process running the node whose root dir is `root_dir`: the one whose
/// command line carries `--root-dir ROOT_DIR` as a whole argument.
pub fn node_pid(procs: &[PodProcess], root_dir: &str) -> Option<u32> {
    let needle = format!("--root-dir {root_dir}");
    procs
        .iter()
        .find(|p| {
            p.args.match_indices(&needle).any(|(i, _)| {
                let before_ok = i == 0 || p.args.as_bytes()[i - 1] == b' ';
                let end = i + needle.len();
                let after_ok = end == p.args.len() || p.args.as_bytes()[end] == b' ';
                before_ok && after_ok
            })
        })
        .map(|p| p.pid)
}

/// The node a desired-state file describes, with `status` as found, for this backend's manager.
pub fn rebuild_node(
    cfg: &DockerConfig,
    d: &Desired,
    status: NodeStatus,
    now: UnixTime,
) -> Result<Node> {
    let r = &d.node;
    let id = wnm_core::parse_service_name(&r.service_name)?;
    Ok(Node {
        id,
        service_name: r.service_name.clone(),
        port: r.port,
        metrics_port: r.metrics_port,
        rpc_port: r.rpc_port,
        root_dir: r.root_dir.clone(),
        log_dir: r.log_dir.clone(),
        binary: if r.binary.is_empty() {
            d.launch.program.clone()
        } else {
            r.binary.clone()
        },
        user: if r.user.is_empty() {
            cfg.user.name.clone()
        } else {
            r.user.clone()
        },
        wallet: r.wallet.clone(),
        network: r.network.clone(),
        version: None,
        peer_id: None,
        status,
        status_changed_at: now,
        created_at: if r.created_at > 0 { r.created_at } else { now },
        manager: cfg.manager.clone(),
        line: r.line.clone(),
        container_id: None,
        host: if r.host.is_empty() {
            cfg.machine.host.clone()
        } else {
            r.host.clone()
        },
        environment: r.environment.clone(),
        metrics: NodeMetrics::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{Launch, NodeRecord, Want};
    use crate::testutil::{config, node};

    #[test]
    fn process_is_found_by_its_whole_root_dir() {
        let procs = vec![
            PodProcess {
                pid: 1,
                args: "/usr/local/bin/wnm-pod pod --control /c/pod-1".into(),
            },
            PodProcess {
                pid: 20,
                args: "/n/antnode00010/antnode --root-dir /n/antnode00010 --port 1".into(),
            },
            PodProcess {
                pid: 21,
                args: "/n/antnode0001/antnode --root-dir /n/antnode0001".into(),
            },
        ];
        assert_eq!(node_pid(&procs, "/n/antnode0001"), Some(21));
        assert_eq!(node_pid(&procs, "/n/antnode00010"), Some(20));
        assert_eq!(node_pid(&procs, "/n/antnode0002"), None);
        assert_eq!(node_pid(&procs, "/n"), None);
    }

    #[test]
    fn nodes_come_back_from_their_records() {
        let (_d, cfg) = config();
        let mut n = node(&cfg, 7);
        n.created_at = 1234;
        n.user = "op".into();
        n.environment = "K=v".into();
        let d = Desired {
            format: 1,
            seq: 1,
            want: Want::Running,
            launch: Launch::default(),
            node: NodeRecord::of(&n),
        };
        let back = rebuild_node(&cfg, &d, NodeStatus::Running, 99).unwrap();
        let mut want = n.clone();
        want.status = NodeStatus::Running;
        want.status_changed_at = 99;
        assert_eq!(back, want);
        let mut bad = d.clone();
        bad.node.service_name = "x".into();
        assert!(rebuild_node(&cfg, &bad, NodeStatus::Stopped, 1).is_err());
    }
}
