//! `SetsidConfig`: what the setsid backend reads from its `BackendContext` (paths, launch options,
//! environment, who nodes run as, stop timing), resolved once when the backend is built.
use crate::command::RunAs;
pub use crate::fsops::{default_log_base, default_node_storage, expand_home};
use crate::layout::{NodeLayout, layout_with};
use crate::users::{PasswdEntry, lookup_uid, lookup_user};
use std::path::PathBuf;
use std::time::Duration;
use wnm_core::profile::{parse_environment, split_start_args};
use wnm_core::{
    BackendContext, LaunchOptions, Machine, ManagerMode, NodeId, ProcessManager, Result,
};

/// The user nodes run as in sudo mode (the anm/antctl convention).
pub const SUDO_NODE_USER: &str = "ant";

/// How long `stop` waits after SIGTERM before SIGKILL (spec §6).
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// Settings of one setsid backend.
#[derive(Debug, Clone, PartialEq)]
pub struct SetsidConfig {
    /// `setsid+user` or `setsid+sudo`.
    pub manager: ProcessManager,
    /// The machine row the backend was built with (port bases, host, rewards, ...).
    pub machine: Machine,
    /// Directory holding the node root dirs (`antnodeNNNN`).
    pub node_storage: PathBuf,
    /// Directory holding the node log dirs (`antnodeNNNN`).
    pub log_base: PathBuf,
    /// How node processes are started (directly, through `setpriv`, through `sudo`).
    pub run_as: RunAs,
    /// Who owns node dirs and binaries (`chown`), when wnm runs as root in sudo mode.
    pub owner: Option<(u32, u32)>,
    /// The OS user recorded for nodes this backend finds.
    pub node_user: String,
    /// `no_upnp` and `start_args`.
    pub launch: LaunchOptions,
    /// The machine's `environment`, parsed.
    pub environment: Vec<(String, String)>,
    /// SIGTERM to SIGKILL grace of `stop`.
    pub stop_grace: Duration,
    /// How often `stop` looks whether the node is gone.
    pub poll_interval: Duration,
}

fn current_user_name(passwd: Option<&str>) -> String {
    let uid = rustix::process::geteuid().as_raw();
    if let Some(e) = passwd.and_then(|t| lookup_uid(t, uid)) {
        return e.name;
    }
    std::env::var("USER").unwrap_or_else(|_| uid.to_string())
}

/// Decide how nodes are started: user mode runs them as wnm's user; sudo mode as `user`, through
/// `setpriv` when wnm is root and the user exists, through `sudo -n -u` when wnm is not root, and
/// as root itself (with a warning) when wnm is root but the user does not exist.
pub fn choose_run_as(
    mode: ManagerMode,
    is_root: bool,
    user: &str,
    entry: Option<&PasswdEntry>,
) -> RunAs {
    match (mode, is_root, entry) {
        (ManagerMode::Sudo, true, Some(e)) => RunAs::Setpriv {
            user: e.name.clone(),
            gid: e.gid,
            home: e.home.clone(),
        },
        (ManagerMode::Sudo, false, _) => RunAs::Sudo {
            user: user.to_string(),
        },
        _ => RunAs::Current,
    }
}

impl SetsidConfig {
    /// Resolve the settings from what the factory is given.
    pub fn from_context(ctx: &BackendContext) -> Result<Self> {
        let m = &ctx.machine;
        let mode = ctx.manager.mode();
        let node_storage = if m.node_storage.trim().is_empty() {
            default_node_storage(mode, &ctx.base_dir)
        } else {
            expand_home(m.node_storage.trim())
        };
        let log_base = default_log_base(mode, &ctx.base_dir, &ctx.root);
        let mut environment = parse_environment(&m.environment)?;
        environment.retain(|(k, _)| !k.is_empty());
        let passwd = std::fs::read_to_string(ctx.root.join("etc/passwd")).ok();
        let is_root = rustix::process::geteuid().is_root();
        let (run_as, owner, node_user) = if mode == ManagerMode::Sudo {
            let entry = passwd
                .as_deref()
                .and_then(|t| lookup_user(t, SUDO_NODE_USER));
            if is_root && entry.is_none() {
                tracing::warn!(
                    "setsid+sudo: user {SUDO_NODE_USER} does not exist; nodes will run as root (create it with `useradd -m {SUDO_NODE_USER}`)"
                );
            }
            let owner = entry.as_ref().filter(|_| is_root).map(|e| (e.uid, e.gid));
            let user = match (&entry, is_root) {
                (None, true) => current_user_name(passwd.as_deref()),
                _ => SUDO_NODE_USER.to_string(),
            };
            (
                choose_run_as(mode, is_root, SUDO_NODE_USER, entry.as_ref()),
                owner,
                user,
            )
        } else {
            (RunAs::Current, None, current_user_name(passwd.as_deref()))
        };
        Ok(SetsidConfig {
            manager: ctx.manager.clone(),
            machine: m.clone(),
            node_storage,
            log_base,
            run_as,
            owner,
            node_user,
            launch: LaunchOptions {
                no_upnp: m.no_upnp,
                extra_args: split_start_args(&m.start_args),
            },
            environment,
            stop_grace: DEFAULT_STOP_GRACE,
            poll_interval: Duration::from_millis(100),
        })
    }

    /// Paths of node `id` under this backend's storage and log base.
    pub fn layout(&self, id: NodeId, binary_name: &str) -> NodeLayout {
        layout_with(&self.node_storage, &self.log_base, binary_name, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn entry() -> PasswdEntry {
        PasswdEntry {
            name: "ant".into(),
            uid: 1001,
            gid: 1002,
            home: "/home/ant".into(),
            shell: "/bin/bash".into(),
        }
    }

    #[test]
    fn run_as_per_mode_and_privilege() {
        let e = entry();
        assert_eq!(
            choose_run_as(ManagerMode::User, true, "ant", Some(&e)),
            RunAs::Current
        );
        assert_eq!(
            choose_run_as(ManagerMode::Sudo, true, "ant", Some(&e)),
            RunAs::Setpriv {
                user: "ant".into(),
                gid: 1002,
                home: "/home/ant".into()
            }
        );
        assert_eq!(
            choose_run_as(ManagerMode::Sudo, true, "ant", None),
            RunAs::Current
        );
        assert_eq!(
            choose_run_as(ManagerMode::Sudo, false, "ant", None),
            RunAs::Sudo { user: "ant".into() }
        );
    }

    #[test]
    fn default_paths() {
        let base = Path::new("/home/u/.local/share/autonomi");
        assert_eq!(
            default_node_storage(ManagerMode::User, base),
            Path::new("/home/u/.local/share/autonomi/node")
        );
        assert_eq!(
            default_log_base(ManagerMode::User, base, Path::new("/")),
            Path::new("/home/u/.local/share/autonomi/logs")
        );
        let base = Path::new("/var/antctl");
        assert_eq!(
            default_node_storage(ManagerMode::Sudo, base),
            Path::new("/var/antctl/services")
        );
        assert_eq!(
            default_log_base(ManagerMode::Sudo, base, Path::new("/")),
            Path::new("/var/log/antnode")
        );
        assert_eq!(expand_home("/abs"), Path::new("/abs"));
    }
}
