//! Settings of the launchd backend resolved from a `BackendContext` and the host's facts (OS,
//! home, uid, root or not, where launchctl is): mode, domain, plist directory, who runs the nodes,
//! where new nodes go, and how files are touched.
//!
//! launchd exists only on macOS. On any other host asking for it is a configuration mistake: the
//! backend refuses to be built (`ErrorKind::InvalidConfig`, exit 2, saying which managers to use
//! here) unless [`LAUNCHCTL_ENV`] names a launchctl to use: the tests' stand-in `launchctl-emu`.
use crate::fs::Privilege;
use crate::launchctl::{Domain, Launchctl};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wnm_core::profile::parse_environment;
use wnm_core::{BackendContext, Error, ManagerMode, ProcessManager, Result};
use wnm_runner::nodefs::expand_home_in;

/// Environment variable naming the launchctl program to run instead of `launchctl` (tests; on
/// a non-macOS host the backend works only with it).
pub const LAUNCHCTL_ENV: &str = "WNM_LAUNCHCTL";
/// The user launchd+sudo nodes run as (`UserName` in their plists).
pub const NODE_USER: &str = "ant";
/// Where launchd+user plists go, under `$HOME`.
pub const USER_PLIST_SUBDIR: &str = "Library/LaunchAgents";
/// Where launchd+sudo plists go (under the context's filesystem root).
pub const SYSTEM_PLIST_DIR: &str = "Library/LaunchDaemons";
/// How long `stop` waits for the node to exit after `unload` (launchd itself sends SIGKILL
/// after the job's `ExitTimeOut`, 20 s by default) before wnm sends SIGKILL.
pub const DEFAULT_STOP_WAIT: Duration = Duration::from_secs(30);

/// What the backend needs to know about the host it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `std::env::consts::OS` (`macos`, `linux`).
    pub os: String,
    /// The invoking user's home.
    pub home: String,
    /// Effective uid (the `gui/<uid>` domain).
    pub uid: u32,
    /// Running as root.
    pub is_root: bool,
    /// [`LAUNCHCTL_ENV`], when set and not empty.
    pub launchctl_override: Option<String>,
    /// `$USER` (the user launchd+user nodes run as).
    pub user: String,
}

impl HostFacts {
    /// The facts of this process.
    pub fn current() -> HostFacts {
        let uid = rustix::process::geteuid();
        HostFacts {
            os: std::env::consts::OS.to_string(),
            home: std::env::var("HOME").unwrap_or_else(|_| "/var/root".into()),
            uid: uid.as_raw(),
            is_root: uid.is_root(),
            launchctl_override: std::env::var(LAUNCHCTL_ENV).ok().filter(|v| !v.is_empty()),
            user: std::env::var("USER")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| uid.as_raw().to_string()),
        }
    }

    /// The launchctl to run here: the override, else `launchctl` on macOS; elsewhere an
    /// `InvalidConfig` error (the operator chose a manager this host cannot have) naming what to
    /// use instead.
    pub fn launchctl_program(&self, manager: &ProcessManager) -> Result<String> {
        match (&self.launchctl_override, self.os.as_str()) {
            (Some(p), _) => Ok(p.clone()),
            (None, "macos") => Ok("launchctl".to_string()),
            (None, os) => Err(Error::invalid_config(format!(
                "{manager} needs macOS's launchd and launchctl, which this {os} host does not have; \
                 use setsid+user or systemd+user here (tests point {LAUNCHCTL_ENV} at a launchctl stand-in)"
            ))),
        }
    }
}

/// Resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchdConfig {
    /// `launchd+user` or `launchd+sudo`.
    pub manager: ProcessManager,
    /// The launchctl command builder (program, domain, sudo).
    pub launchctl: Launchctl,
    /// Where the node plists are.
    pub plist_dir: PathBuf,
    /// The user recorded for nodes whose row has none: the invoking user, or `ant` (sudo mode,
    /// where plists name the node's user as `UserName`; see [`LaunchdConfig::sets_user_name`]).
    pub node_user: String,
    /// Parent of nodes' root dirs when a node row has none, and for discovery.
    pub node_storage: String,
    /// Parent of nodes' log dirs when a node row has none.
    pub log_base: String,
    /// The machine's `environment`, parsed (a bad one refuses the backend before any node is
    /// touched); each node's own goes over it.
    pub environment: Vec<(String, String)>,
    /// Direct file access or through sudo.
    pub privilege: Privilege,
    /// See [`DEFAULT_STOP_WAIT`].
    pub stop_wait: Duration,
    /// How long to wait after wnm's own SIGKILL.
    pub kill_wait: Duration,
    /// How often to look whether a process is gone.
    pub poll_interval: Duration,
}

impl LaunchdConfig {
    /// Resolve from the context and this host.
    pub fn from_context(ctx: &BackendContext) -> Result<LaunchdConfig> {
        Self::resolve(ctx, &HostFacts::current())
    }

    /// Resolve from the context and explicit host facts (pure; tests).
    pub fn resolve(ctx: &BackendContext, host: &HostFacts) -> Result<LaunchdConfig> {
        let manager = &ctx.manager;
        if manager.kind() != ProcessManager::LAUNCHD {
            return Err(Error::invalid_config(format!(
                "the launchd backend cannot drive {manager} nodes"
            )));
        }
        let program = host.launchctl_program(manager)?;
        let base = ctx.base_dir.display().to_string();
        let macos = host.os == "macos";
        let (domain, plist_dir, node_user, log_base, privilege) = match manager.mode() {
            ManagerMode::User => (
                Domain::Gui(host.uid),
                Path::new(&host.home).join(USER_PLIST_SUBDIR),
                host.user.clone(),
                if macos {
                    format!("{}/Library/Logs/autonomi", host.home.trim_end_matches('/'))
                } else {
                    format!("{base}/logs")
                },
                Privilege::Direct,
            ),
            ManagerMode::Sudo => (
                Domain::System,
                ctx.root.join(SYSTEM_PLIST_DIR),
                NODE_USER.to_string(),
                if macos {
                    "/Library/Logs/autonomi".to_string()
                } else {
                    "/var/log/antnode".to_string()
                },
                if host.is_root {
                    Privilege::Direct
                } else {
                    Privilege::Sudo
                },
            ),
            ManagerMode::Zen => {
                return Err(Error::invalid_config("launchd has no zen mode"));
            }
        };
        let storage = expand_home_in(ctx.machine.node_storage.trim(), Path::new(&host.home))
            .display()
            .to_string();
        let environment = parse_environment(&ctx.machine.environment)?;
        Ok(LaunchdConfig {
            manager: manager.clone(),
            launchctl: Launchctl::new(program, domain, privilege == Privilege::Sudo),
            plist_dir,
            node_user,
            node_storage: if storage.is_empty() {
                format!("{base}/node")
            } else {
                storage
            },
            log_base,
            environment,
            privilege,
            stop_wait: DEFAULT_STOP_WAIT,
            kill_wait: Duration::from_secs(5),
            poll_interval: Duration::from_millis(100),
        })
    }

    /// Plists name the node's user as `UserName` (sudo mode: jobs in the system domain would run
    /// as root otherwise); user-mode jobs run as the invoking user.
    pub fn sets_user_name(&self) -> bool {
        self.manager.mode() == ManagerMode::Sudo
    }

    /// Where node `id`'s plist is.
    pub fn plist_path(&self, id: wnm_core::NodeId) -> PathBuf {
        self.plist_dir.join(crate::plist::plist_file_name(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::context;

    fn mac(uid: u32, is_root: bool) -> HostFacts {
        HostFacts {
            os: "macos".into(),
            home: "/Users/ant".into(),
            uid,
            is_root,
            launchctl_override: None,
            user: "ant".into(),
        }
    }

    #[test]
    fn user_mode_on_macos() {
        let ctx = context(
            "launchd+user",
            "/Users/ant/Library/Application Support/autonomi",
        );
        let c = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert_eq!(
            c.launchctl,
            Launchctl::new("launchctl", Domain::Gui(501), false)
        );
        assert_eq!(c.plist_dir, Path::new("/Users/ant/Library/LaunchAgents"));
        assert_eq!(
            c.plist_path(12),
            Path::new("/Users/ant/Library/LaunchAgents/com.autonomi.antnode-12.plist")
        );
        assert!(!c.sets_user_name());
        assert_eq!(c.node_user, "ant");
        assert_eq!(
            c.node_storage,
            "/Users/ant/Library/Application Support/autonomi/node"
        );
        assert_eq!(c.log_base, "/Users/ant/Library/Logs/autonomi");
        assert_eq!(c.privilege, Privilege::Direct);
    }

    #[test]
    fn sudo_mode_as_root_and_not() {
        let ctx = context("launchd+sudo", "/Library/Application Support/autonomi");
        let root = LaunchdConfig::resolve(&ctx, &mac(0, true)).unwrap();
        assert_eq!(
            root.launchctl,
            Launchctl::new("launchctl", Domain::System, false)
        );
        assert_eq!(root.plist_dir, Path::new("/Library/LaunchDaemons"));
        assert!(root.sets_user_name());
        assert_eq!(root.node_user, "ant");
        assert_eq!(root.privilege, Privilege::Direct);
        let op = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert!(op.launchctl.sudo);
        assert_eq!(op.privilege, Privilege::Sudo);
        assert_eq!(op.log_base, "/Library/Logs/autonomi");
    }

    #[test]
    fn other_hosts_are_refused_unless_a_launchctl_is_given() {
        let ctx = context("launchd+user", "/home/u/.local/share/autonomi");
        let mut linux = mac(1000, false);
        linux.os = "linux".into();
        let e = LaunchdConfig::resolve(&ctx, &linux).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        assert!(e.message().contains("linux host"), "{e}");
        assert!(e.message().contains("setsid+user"), "{e}");
        linux.launchctl_override = Some("/t/launchctl-emu".into());
        let c = LaunchdConfig::resolve(&ctx, &linux).unwrap();
        assert_eq!(c.launchctl.program, "/t/launchctl-emu");
        assert_eq!(c.log_base, "/home/u/.local/share/autonomi/logs");
        let wrong = context("setsid+user", "/x");
        assert!(LaunchdConfig::resolve(&wrong, &linux).is_err());
    }

    #[test]
    fn node_storage_setting_and_home() {
        let mut ctx = context("launchd+user", "/b");
        ctx.machine.node_storage = "~/nodes".into();
        let c = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert_eq!(c.node_storage, "/Users/ant/nodes");
        assert!(c.environment.is_empty());
        ctx.machine.environment = "A=1,B=x C=y".into();
        let c = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert_eq!(c.environment.len(), 3);
        ctx.machine.environment = "1BAD=x".into();
        let e = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        ctx.machine.environment = String::new();
        ctx.machine.node_storage = "~".into();
        let c = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert_eq!(c.node_storage, "/Users/ant");
        ctx.machine.node_storage = " /abs ".into();
        let c = LaunchdConfig::resolve(&ctx, &mac(501, false)).unwrap();
        assert_eq!(c.node_storage, "/abs");
    }
}
