//! `DockerConfig`: what the docker backend reads from its `BackendContext` (paths, the colony's
//! id, image, pod sizes, who the pods run as, the supervisor binary, timings), resolved once.
use crate::fsops::{default_log_base, default_node_storage, expand_home};
use crate::users::{lookup_user, passwd_text};
use sha3::{Digest, Sha3_256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wnm_core::profile::{parse_environment, split_start_args};
use wnm_core::{
    BackendContext, Error, LaunchOptions, Machine, ManagerMode, ProcessManager, Result,
};

/// The user pods run as in sudo mode (the anm/antctl convention).
pub const SUDO_NODE_USER: &str = "ant";

/// How long the supervisor waits after SIGTERM before SIGKILL (as setsid: spec §6).
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// How long `start` waits for the supervisor to report the node running.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a docker answer (container list, a pod's processes) is reused.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(2);

/// Where the supervisor binary is mounted inside every pod.
pub const SUPERVISOR_IN_POD: &str = "/usr/local/bin/wnm-pod";

/// The uid and gid a pod's processes run as, and the name recorded as the nodes' user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodUser {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Name recorded in `Node::user`.
    pub name: String,
}

impl PodUser {
    /// `uid:gid`, the form `docker run --user` takes.
    pub fn docker_user(&self) -> String {
        format!("{}:{}", self.uid, self.gid)
    }
}

/// Settings of one docker backend.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerConfig {
    /// `docker+user` or `docker+sudo`.
    pub manager: ProcessManager,
    /// The machine row the backend was built with.
    pub machine: Machine,
    /// Directory holding the node root dirs (`antnodeNNNN`), mounted in every pod.
    pub node_storage: PathBuf,
    /// Directory holding the node log dirs, mounted in every pod.
    pub log_base: PathBuf,
    /// `<base dir>/docker` (`~/.local/share/autonomi/docker`, `/var/antctl/docker`): one
    /// control dir per pod (`pod-N`) below it.
    pub control_base: PathBuf,
    /// Stable id of this colony (label `wnm.colony`, part of pod names).
    pub colony: String,
    /// Image the pods run (`docker_image`); never pulled.
    pub image: String,
    /// Nodes per pod (`max_node_per_container`).
    pub max_per_pod: u32,
    /// Pods kept while the colony has nodes (`min_container_count`).
    pub min_pods: u32,
    /// Who the pods' processes run as.
    pub user: PodUser,
    /// Owner given to node dirs, binaries and control dirs (sudo mode with wnm as root).
    pub owner: Option<(u32, u32)>,
    /// The wnm binary whose hidden `pod` subcommand is PID 1 of every pod (bind-mounted read-only).
    pub supervisor: PathBuf,
    /// `no_upnp` and `start_args`.
    pub launch: LaunchOptions,
    /// The machine's `environment`, parsed.
    pub environment: Vec<(String, String)>,
    /// SIGTERM to SIGKILL grace the supervisor gives a node.
    pub stop_grace: Duration,
    /// How long `start` waits for a node to run.
    pub start_timeout: Duration,
    /// How often `start`/`stop` look at the state file.
    pub poll_interval: Duration,
    /// How long a docker answer (container list, `top`) is reused.
    pub cache_ttl: Duration,
}

/// The colony id: the first 12 hex digits of SHA3-256 of the base dir's path. Stable across
/// runs and wnm versions; two colonies on one host have different base dirs.
pub fn colony_id(base_dir: &Path) -> String {
    let digest = Sha3_256::digest(base_dir.to_string_lossy().as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Who pods run as: in user mode wnm's own uid and gid (files stay the operator's); in sudo
/// mode the `ant` user of `passwd`, which must exist.
pub fn pod_user(
    mode: ManagerMode,
    passwd: Option<&str>,
    euid: u32,
    egid: u32,
    env_user: Option<String>,
) -> Result<PodUser> {
    if mode == ManagerMode::Sudo {
        let e = passwd
            .and_then(|t| lookup_user(t, SUDO_NODE_USER))
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "docker+sudo runs nodes as the user {SUDO_NODE_USER}, which does not exist: create it with `useradd -m {SUDO_NODE_USER}`"
                ))
            })?;
        return Ok(PodUser {
            uid: e.uid,
            gid: e.gid,
            name: e.name,
        });
    }
    let name = passwd
        .and_then(|t| crate::users::lookup_uid(t, euid))
        .map(|e| e.name)
        .or(env_user)
        .unwrap_or_else(|| euid.to_string());
    Ok(PodUser {
        uid: euid,
        gid: egid,
        name,
    })
}

impl DockerConfig {
    /// Resolve the settings from what the factory is given.
    pub fn from_context(ctx: &BackendContext) -> Result<Self> {
        let m = &ctx.machine;
        let mode = ctx.manager.mode();
        if mode == ManagerMode::Zen {
            return Err(Error::invalid_config(
                "the docker backend runs in user or sudo mode (docker+user, docker+sudo)",
            ));
        }
        let node_storage = if m.node_storage.trim().is_empty() {
            default_node_storage(mode, &ctx.base_dir)
        } else {
            expand_home(m.node_storage.trim())
        };
        let mut environment = parse_environment(&m.environment)?;
        environment.retain(|(k, _)| !k.is_empty());
        let passwd = passwd_text(&ctx.root);
        let euid = rustix::process::geteuid().as_raw();
        let egid = rustix::process::getegid().as_raw();
        let user = pod_user(
            mode,
            passwd.as_deref(),
            euid,
            egid,
            std::env::var("USER").ok(),
        )?;
        let owner = (mode == ManagerMode::Sudo && euid == 0).then_some((user.uid, user.gid));
        let supervisor = std::env::current_exe().map_err(|e| {
            Error::io(
                "finding the wnm binary (its `pod` subcommand supervises the nodes in each container)",
                e,
            )
        })?;
        if m.max_node_per_container == 0 {
            return Err(Error::invalid_config(
                "max_node_per_container must be at least 1",
            ));
        }
        Ok(DockerConfig {
            manager: ctx.manager.clone(),
            machine: m.clone(),
            control_base: ctx.base_dir.join("docker"),
            colony: colony_id(&ctx.base_dir),
            node_storage,
            log_base: default_log_base(mode, &ctx.base_dir, &ctx.root),
            image: m.docker_image.trim().to_string(),
            max_per_pod: m.max_node_per_container,
            min_pods: m.min_container_count,
            user,
            owner,
            supervisor,
            launch: LaunchOptions {
                no_upnp: m.no_upnp,
                extra_args: split_start_args(&m.start_args),
            },
            environment,
            stop_grace: DEFAULT_STOP_GRACE,
            start_timeout: DEFAULT_START_TIMEOUT,
            poll_interval: Duration::from_millis(25),
            cache_ttl: DEFAULT_CACHE_TTL,
        })
    }

    /// The control dir of pod `n` (`<base>/docker/pod-N`), mounted at the same path inside it.
    pub fn control_dir(&self, n: u32) -> PathBuf {
        self.control_base.join(format!("pod-{n}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\nant:x:1001:1002:Autonomi:/home/ant:/bin/bash\n";

    #[test]
    fn colony_ids_are_stable_and_distinct() {
        let a = colony_id(Path::new("/home/u/.local/share/autonomi"));
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, colony_id(Path::new("/home/u/.local/share/autonomi")));
        assert_ne!(a, colony_id(Path::new("/var/antctl")));
        // Pinned: pods made by an earlier wnm must still be found.
        assert_eq!(colony_id(Path::new("/var/antctl")), "b84c61c89f97");
    }

    #[test]
    fn pod_users_per_mode() {
        let u = pod_user(ManagerMode::User, Some(PASSWD), 1001, 1002, None).unwrap();
        assert_eq!((u.uid, u.gid, u.name.as_str()), (1001, 1002, "ant"));
        assert_eq!(u.docker_user(), "1001:1002");
        let u = pod_user(ManagerMode::User, None, 5000, 5000, Some("op".into())).unwrap();
        assert_eq!(u.name, "op");
        let s = pod_user(ManagerMode::Sudo, Some(PASSWD), 0, 0, None).unwrap();
        assert_eq!((s.uid, s.gid, s.name.as_str()), (1001, 1002, "ant"));
        let e = pod_user(
            ManagerMode::Sudo,
            Some("root:x:0:0::/root:/bin/sh\n"),
            0,
            0,
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("useradd -m ant"), "{e}");
    }

    #[test]
    fn default_paths() {
        let base = Path::new("/home/u/.local/share/autonomi");
        assert_eq!(
            default_node_storage(ManagerMode::User, base),
            base.join("node")
        );
        assert_eq!(
            default_log_base(ManagerMode::User, base, Path::new("/")),
            base.join("logs")
        );
        assert_eq!(
            default_log_base(ManagerMode::Sudo, Path::new("/var/antctl"), Path::new("/")),
            Path::new("/var/log/antnode")
        );
    }
}
