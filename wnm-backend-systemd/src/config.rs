//! Settings of the systemd backend resolved from a `BackendContext`: mode, filesystem root, unit
//! directory, who runs the nodes, where new nodes' data and logs go, and how files are touched.
use crate::fs::Privilege;
use crate::systemctl::{Scope, Systemctl};
use crate::users::current_user_name;
use std::path::{Path, PathBuf};
use wnm_core::profile::parse_environment;
use wnm_core::{BackendContext, Error, ManagerMode, Result};
use wnm_runner::nodefs::expand_home_in;

/// The user sudo-mode nodes run as.
pub const NODE_USER: &str = "ant";
/// Unit directory of the system manager.
pub const SYSTEM_UNIT_DIR: &str = "/etc/systemd/system";
/// Unit directory of a user manager, under `$HOME`.
pub const USER_UNIT_SUBDIR: &str = ".config/systemd/user";

/// Resolved settings. Paths are host paths (as written in units); `root` maps them on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdConfig {
    /// `User` or `Sudo`.
    pub mode: ManagerMode,
    /// Filesystem root (`/` in production, a temp dir in tests).
    pub root: PathBuf,
    /// The invoking user's home (host path), for the user unit dir and `~` in settings.
    pub home: String,
    /// Where units go (host path).
    pub unit_dir: String,
    /// User the nodes run as (`ant` in sudo mode, the invoking user in user mode).
    pub node_user: String,
    /// Parent of new nodes' root dirs (host path).
    pub node_storage: String,
    /// Parent of new nodes' log dirs (host path).
    pub log_base: String,
    /// The machine's `environment`, parsed (a bad one refuses the backend before any node is
    /// touched); each node's own goes over it.
    pub environment: Vec<(String, String)>,
    /// Direct file access or through sudo.
    pub privilege: Privilege,
    /// Running as root.
    pub is_root: bool,
    /// `XDG_RUNTIME_DIR` for `systemctl --user` when the environment has none (cron).
    pub user_runtime_dir: Option<String>,
}

impl SystemdConfig {
    /// Resolve from the context: `root`, `base_dir`, the machine's `node_storage`, `$HOME`, euid.
    pub fn from_context(ctx: &BackendContext) -> Result<SystemdConfig> {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let is_root = rustix::process::geteuid().is_root();
        let mut cfg = Self::resolve(ctx, &home, is_root)?;
        if cfg.mode == ManagerMode::User && std::env::var_os("XDG_RUNTIME_DIR").is_none() {
            cfg.user_runtime_dir =
                Some(format!("/run/user/{}", rustix::process::geteuid().as_raw()));
        }
        Ok(cfg)
    }

    /// Resolve with an explicit home and root-ness (tests).
    pub fn resolve(ctx: &BackendContext, home: &str, is_root: bool) -> Result<SystemdConfig> {
        let mode = ctx.manager.mode();
        if ctx.manager.kind() != wnm_core::ProcessManager::SYSTEMD {
            return Err(Error::invalid_config(format!(
                "the systemd backend cannot drive {} nodes",
                ctx.manager
            )));
        }
        let base = ctx.base_dir.display().to_string();
        let (unit_dir, node_user, default_storage, log_base, privilege) = match mode {
            ManagerMode::Sudo => (
                SYSTEM_UNIT_DIR.to_string(),
                NODE_USER.to_string(),
                "/var/antctl/services".to_string(),
                "/var/log/antnode".to_string(),
                if is_root {
                    Privilege::Direct
                } else {
                    Privilege::Sudo
                },
            ),
            ManagerMode::User => (
                format!("{}/{USER_UNIT_SUBDIR}", home.trim_end_matches('/')),
                current_user_name(),
                format!("{base}/node"),
                format!("{base}/logs"),
                Privilege::Direct,
            ),
            ManagerMode::Zen => {
                return Err(Error::invalid_config("systemd has no zen mode"));
            }
        };
        let storage = expand_home_in(ctx.machine.node_storage.trim(), Path::new(home))
            .display()
            .to_string();
        let environment = parse_environment(&ctx.machine.environment)?;
        Ok(SystemdConfig {
            mode,
            root: ctx.root.clone(),
            home: home.to_string(),
            unit_dir,
            node_user,
            node_storage: if storage.is_empty() {
                default_storage
            } else {
                storage
            },
            log_base,
            environment,
            privilege,
            is_root,
            user_runtime_dir: None,
        })
    }

    /// The `systemctl` builder for this mode.
    pub fn systemctl(&self) -> Systemctl {
        match self.mode {
            ManagerMode::User => {
                Systemctl::new(Scope::User, false).with_runtime_dir(self.user_runtime_dir.clone())
            }
            _ => Systemctl::new(Scope::System, !self.is_root),
        }
    }

    /// `User=` for units: `Some("ant")` in sudo mode, `None` in user mode.
    pub fn unit_user(&self) -> Option<&str> {
        (self.mode == ManagerMode::Sudo).then_some(self.node_user.as_str())
    }

    /// Host path of the unit of `service_name`.
    pub fn unit_path(&self, service_name: &str) -> String {
        format!("{}/{service_name}.service", self.unit_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wnm_core::{Antnode04, Machine, NullFirewall};

    fn context(manager: &str, environment: &str) -> BackendContext {
        let machine = Machine {
            process_manager: manager.parse().unwrap(),
            environment: environment.into(),
            ..Machine::default()
        };
        BackendContext {
            manager: machine.process_manager.clone(),
            machine,
            runner: Arc::new(wnm_runner::RecordingRunner::new()),
            line: Arc::new(Antnode04),
            firewall: Arc::new(NullFirewall),
            base_dir: "/home/alice/.local/share/autonomi".into(),
            root: "/".into(),
        }
    }

    #[test]
    fn environment_is_parsed_once_and_a_bad_one_refuses_the_backend() {
        let c = SystemdConfig::resolve(
            &context("systemd+user", "ANT_LOG=info,X=1"),
            "/home/alice",
            false,
        )
        .unwrap();
        assert_eq!(
            c.environment,
            [("ANT_LOG", "info"), ("X", "1")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(c.node_storage, "/home/alice/.local/share/autonomi/node");
        let e =
            SystemdConfig::resolve(&context("systemd+sudo", "1X=2"), "/root", true).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        assert!(e.message().contains("1X"), "{e}");
        let e = SystemdConfig::resolve(&context("setsid+user", ""), "/h", false).unwrap_err();
        assert!(e.message().contains("cannot drive"), "{e}");
    }
}
