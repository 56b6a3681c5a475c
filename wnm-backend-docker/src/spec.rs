//! The pure parts of the docker backend: which pod a new node goes to and which pods go when
//! nodes leave, what a pod container looks like (`PodSpec`: name, labels, mounts, user,
//! entrypoint), the launch of one node, and the checks on node names and paths.
use crate::config::{DockerConfig, SUPERVISOR_IN_POD};
use crate::control::Launch;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wnm_core::{Error, LaunchOptions, Node, NodeLine, Result};
use wnm_runner::nodefs::{is_strictly_inside, validate_node_paths};

/// Label naming the colony a pod belongs to.
pub const LABEL_COLONY: &str = "wnm.colony";
/// Label holding the pod's number.
pub const LABEL_POD: &str = "wnm.pod";
/// Label holding the pod's control dir.
pub const LABEL_CONTROL: &str = "wnm.control";
/// Label holding the process manager (`docker+user`).
pub const LABEL_MANAGER: &str = "wnm.manager";

/// File in the node's log dir that receives its stdout.
pub const STDOUT_FILE: &str = "stdout.log";
/// File in the node's log dir that receives its stderr.
pub const STDERR_FILE: &str = "stderr.log";

/// How full one pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodLoad {
    /// Pod number (>= 1).
    pub number: u32,
    /// Nodes it holds.
    pub nodes: u32,
}

fn lowest_free(pods: &[PodLoad]) -> u32 {
    (1..)
        .find(|n| !pods.iter().any(|p| p.number == *n))
        .unwrap_or(u32::MAX)
}

/// The pod for one new node: while fewer than `min_pods` pods exist, a new one (nodes spread
/// over at least `min_pods` containers); otherwise the emptiest pod with room (ties: the lowest
/// number), and a new pod when every pod holds `max_per_pod`. New pods take the lowest free
/// number (a number not among `pods` means a new pod).
pub fn choose_pod(pods: &[PodLoad], max_per_pod: u32, min_pods: u32) -> u32 {
    if (pods.len() as u64) < u64::from(min_pods) {
        return lowest_free(pods);
    }
    pods.iter()
        .filter(|p| p.nodes < max_per_pod.max(1))
        .min_by_key(|p| (p.nodes, p.number))
        .map_or_else(|| lowest_free(pods), |p| p.number)
}

/// Pods to remove after nodes left: empty pods beyond `min_pods` (highest numbers first), and
/// every pod once the colony holds no node at all (a colony without nodes keeps no container).
pub fn pods_to_remove(pods: &[PodLoad], min_pods: u32) -> Vec<u32> {
    if pods.iter().all(|p| p.nodes == 0) {
        return pods.iter().map(|p| p.number).collect();
    }
    let mut empty: Vec<u32> = pods
        .iter()
        .filter(|p| p.nodes == 0)
        .map(|p| p.number)
        .collect();
    empty.sort_unstable_by(|a, b| b.cmp(a));
    let spare = pods.len().saturating_sub(min_pods as usize);
    empty.truncate(spare);
    empty
}

/// The container name of pod `n` of `colony`.
pub fn pod_name(colony: &str, n: u32) -> String {
    format!("wnm-pod-{colony}-{n}")
}

/// One bind mount: host path at the same path inside (or at `target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    /// Host path.
    pub source: PathBuf,
    /// Path inside the pod.
    pub target: PathBuf,
    /// Mounted read-only.
    pub read_only: bool,
}

/// Everything a pod container is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpec {
    /// Container name.
    pub name: String,
    /// Image.
    pub image: String,
    /// PID 1: the supervisor (`wnm-pod pod --control DIR`).
    pub entrypoint: Vec<String>,
    /// `uid:gid`.
    pub user: String,
    /// Labels (`wnm.colony`, `wnm.pod`, ...).
    pub labels: BTreeMap<String, String>,
    /// Bind mounts.
    pub mounts: Vec<BindMount>,
    /// Environment (`K=V`).
    pub env: Vec<String>,
    /// Seconds docker gives the pod between SIGTERM and SIGKILL (`docker stop`/`restart`):
    /// enough for the supervisor to stop every node with its own grace.
    pub stop_timeout_secs: i64,
}

/// The spec of pod `n`: host network (antnode's metrics server binds 127.0.0.1 only, and no
/// per-node port mappings are needed), restart policy `unless-stopped` (set by the engine
/// layer), node storage, log base and control dir mounted at their own paths, and the
/// supervisor binary read-only at [`SUPERVISOR_IN_POD`].
pub fn pod_spec(cfg: &DockerConfig, n: u32) -> PodSpec {
    let control = cfg.control_dir(n);
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_COLONY.to_string(), cfg.colony.clone());
    labels.insert(LABEL_POD.to_string(), n.to_string());
    labels.insert(
        LABEL_CONTROL.to_string(),
        control.to_string_lossy().into_owned(),
    );
    labels.insert(LABEL_MANAGER.to_string(), cfg.manager.to_string());
    let mut mounts: Vec<BindMount> = Vec::new();
    for dir in [&cfg.node_storage, &cfg.log_base, &control] {
        if !mounts.iter().any(|m| &m.source == dir) {
            mounts.push(BindMount {
                source: dir.clone(),
                target: dir.clone(),
                read_only: false,
            });
        }
    }
    mounts.push(BindMount {
        source: cfg.supervisor.clone(),
        target: PathBuf::from(SUPERVISOR_IN_POD),
        read_only: true,
    });
    let grace = cfg.stop_grace.as_secs().max(1);
    PodSpec {
        name: pod_name(&cfg.colony, n),
        image: cfg.image.clone(),
        entrypoint: vec![
            SUPERVISOR_IN_POD.to_string(),
            "pod".to_string(),
            "--control".to_string(),
            control.to_string_lossy().into_owned(),
            "--grace-secs".to_string(),
            grace.to_string(),
        ],
        user: cfg.user.docker_user(),
        labels,
        mounts,
        env: vec![format!("HOME={}", control.join("home").display())],
        stop_timeout_secs: i64::try_from(grace).unwrap_or(i64::MAX).saturating_add(20),
    }
}

/// How the supervisor starts `node`: its binary with the line's arguments, in its root dir,
/// stdout and stderr appended to files in its log dir.
pub fn node_launch(
    node: &Node,
    line: &dyn NodeLine,
    opts: &LaunchOptions,
    env: Vec<(String, String)>,
) -> Launch {
    let log = Path::new(&node.log_dir);
    Launch {
        program: node.binary.clone(),
        args: line.launch_args(node, opts),
        env,
        cwd: node.root_dir.clone(),
        stdout: log.join(STDOUT_FILE).to_string_lossy().into_owned(),
        stderr: log.join(STDERR_FILE).to_string_lossy().into_owned(),
    }
}

/// Refuse a node the backend cannot run in a pod: a name that is not `antnodeNNNN`, paths that
/// are not clean absolute paths, a binary outside its root dir, a root dir outside
/// `node_storage` or a log dir outside the log base (the pods see only those mounts).
pub fn validate_node(cfg: &DockerConfig, node: &Node) -> Result<()> {
    validate_node_paths("docker", node)?;
    let root = Path::new(&node.root_dir);
    if !is_strictly_inside(&cfg.node_storage, root) {
        return Err(Error::invalid_config(format!(
            "{}: its root dir {} is not inside node_storage {}, the only node dir the containers see",
            node.service_name,
            node.root_dir,
            cfg.node_storage.display()
        )));
    }
    let logs = Path::new(&node.log_dir);
    if !is_strictly_inside(&cfg.log_base, logs) && !is_strictly_inside(&cfg.node_storage, logs) {
        return Err(Error::invalid_config(format!(
            "{}: its log dir {} is inside neither the log base {} nor node_storage, which the containers see",
            node.service_name,
            node.log_dir,
            cfg.log_base.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{config, node};

    fn loads(v: &[(u32, u32)]) -> Vec<PodLoad> {
        v.iter()
            .map(|&(number, nodes)| PodLoad { number, nodes })
            .collect()
    }

    #[test]
    fn placement_fills_pods_then_opens_new_ones() {
        assert_eq!(choose_pod(&[], 3, 1), 1);
        assert_eq!(choose_pod(&loads(&[(1, 2)]), 3, 1), 1);
        assert_eq!(choose_pod(&loads(&[(1, 3)]), 3, 1), 2);
        // The emptiest pod with room, ties to the lowest number.
        assert_eq!(choose_pod(&loads(&[(1, 3), (2, 1), (3, 1)]), 3, 1), 2);
        // Holes in the numbering are filled first.
        assert_eq!(choose_pod(&loads(&[(1, 3), (3, 3)]), 3, 1), 2);
        // min_pods spreads the first nodes over that many pods.
        assert_eq!(choose_pod(&loads(&[(1, 1)]), 200, 2), 2);
        assert_eq!(choose_pod(&loads(&[(1, 1), (2, 0)]), 200, 2), 2);
        // A max of 0 (refused by the settings) still places one node per pod.
        assert_eq!(choose_pod(&loads(&[(1, 0)]), 0, 1), 1);
        // 7 nodes with 3 per pod span 3 pods.
        let mut pods: Vec<PodLoad> = Vec::new();
        for _ in 0..7 {
            let n = choose_pod(&pods, 3, 1);
            match pods.iter_mut().find(|p| p.number == n) {
                Some(p) => p.nodes += 1,
                None => pods.push(PodLoad {
                    number: n,
                    nodes: 1,
                }),
            }
        }
        assert_eq!(pods, loads(&[(1, 3), (2, 3), (3, 1)]));
    }

    #[test]
    fn empty_pods_go_above_the_minimum_and_all_go_with_the_last_node() {
        assert_eq!(pods_to_remove(&loads(&[(1, 3), (2, 0)]), 1), [2]);
        assert_eq!(pods_to_remove(&loads(&[(1, 0), (2, 3)]), 1), [1]);
        assert!(pods_to_remove(&loads(&[(1, 3), (2, 0)]), 2).is_empty());
        assert_eq!(
            pods_to_remove(&loads(&[(1, 1), (2, 0), (3, 0), (4, 0)]), 2),
            [4, 3]
        );
        assert_eq!(pods_to_remove(&loads(&[(1, 0), (2, 0)]), 5), [1, 2]);
        assert!(pods_to_remove(&[], 1).is_empty());
    }

    #[test]
    fn pod_spec_mounts_paths_at_their_own_place() {
        let (_d, cfg) = config();
        let s = pod_spec(&cfg, 2);
        assert_eq!(s.name, format!("wnm-pod-{}-2", cfg.colony));
        assert_eq!(s.labels[LABEL_COLONY], cfg.colony);
        assert_eq!(s.labels[LABEL_POD], "2");
        assert_eq!(s.labels[LABEL_MANAGER], "docker+user");
        assert_eq!(
            s.labels[LABEL_CONTROL],
            cfg.control_base.join("pod-2").to_string_lossy()
        );
        assert_eq!(
            s.entrypoint,
            [
                SUPERVISOR_IN_POD,
                "pod",
                "--control",
                &cfg.control_base.join("pod-2").to_string_lossy(),
                "--grace-secs",
                "10"
            ]
        );
        assert_eq!(s.user, format!("{}:{}", cfg.user.uid, cfg.user.gid));
        let same: Vec<_> = s.mounts.iter().filter(|m| m.source == m.target).collect();
        assert_eq!(same.len(), 3);
        assert!(same.iter().all(|m| !m.read_only));
        assert!(s.mounts.iter().any(|m| m.source == cfg.node_storage));
        assert!(s.mounts.iter().any(|m| m.source == cfg.log_base));
        let sup = s.mounts.last().unwrap();
        assert_eq!(
            (sup.source.as_path(), sup.target.as_path(), sup.read_only),
            (cfg.supervisor.as_path(), Path::new(SUPERVISOR_IN_POD), true)
        );
        assert!(s.stop_timeout_secs > 10);
        assert!(s.env[0].starts_with("HOME="));
        // A log base equal to node_storage is mounted once.
        let mut c2 = cfg.clone();
        c2.log_base = c2.node_storage.clone();
        assert_eq!(pod_spec(&c2, 1).mounts.len(), 3);
    }

    #[test]
    fn launch_and_environment() {
        let (_d, cfg) = config();
        let mut n = node(&cfg, 3);
        n.environment = "A=2,B=3".into();
        let env = wnm_core::profile::node_environment(
            &[("A".into(), "1".into()), ("C".into(), "4".into())],
            &n,
        )
        .unwrap();
        assert_eq!(
            env,
            [
                ("C".to_string(), "4".to_string()),
                ("A".to_string(), "2".to_string()),
                ("B".to_string(), "3".to_string())
            ]
        );
        let opts = LaunchOptions {
            no_upnp: true,
            extra_args: vec!["--relay".into()],
        };
        let l = node_launch(&n, &wnm_core::Antnode04, &opts, env.clone());
        assert_eq!(l.program, n.binary);
        assert_eq!(l.args, wnm_core::Antnode04.launch_args(&n, &opts));
        assert_eq!(l.cwd, n.root_dir);
        assert_eq!(l.env, env);
        assert_eq!(
            Path::new(&l.stderr),
            Path::new(&n.log_dir).join(STDERR_FILE)
        );
    }

    #[test]
    fn nodes_outside_the_mounts_are_refused() {
        let (_d, cfg) = config();
        let good = node(&cfg, 1);
        validate_node(&cfg, &good).unwrap();
        let mut n = good.clone();
        n.service_name = "antnode1/..".into();
        assert!(validate_node(&cfg, &n).is_err());
        let mut n = good.clone();
        n.root_dir = "/elsewhere/antnode0001".into();
        n.binary = "/elsewhere/antnode0001/antnode".into();
        let e = validate_node(&cfg, &n).unwrap_err();
        assert!(e.message().contains("not inside node_storage"), "{e}");
        let mut n = good.clone();
        n.log_dir = "/tmp/x".into();
        assert!(
            validate_node(&cfg, &n)
                .unwrap_err()
                .message()
                .contains("log base")
        );
        let mut n = good.clone();
        n.binary = "/bin/sh".into();
        assert!(validate_node(&cfg, &n).is_err());
        let mut n = good;
        n.root_dir = format!("{}/../x", cfg.node_storage.display());
        assert!(validate_node(&cfg, &n).is_err());
    }
}
