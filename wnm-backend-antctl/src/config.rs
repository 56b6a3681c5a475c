//! Settings of the antctl backend resolved from a `BackendContext`: the mode, which antctl runs
//! and how (through `sudo -n` or not, `--debug`, `XDG_RUNTIME_DIR` for a user manager), who the
//! nodes run as, where antctl keeps its registry, and the `start_args` and `environment` as
//! antctl takes them (settings it cannot take refuse the backend: `InvalidConfig`, exit 2).
use crate::args::{add_options, check_unit_safe};
use std::path::{Path, PathBuf};
use wnm_core::profile::parse_environment;
use wnm_core::{BackendContext, Error, ManagerMode, ProcessManager, Result};
use wnm_runner::nodefs::expand_home_in;

/// The user antctl runs system-wide nodes as.
pub const NODE_USER: &str = "ant";
/// antctl's registry when run as root.
pub const ROOT_REGISTRY: &str = "/var/antctl/node_registry.json";
/// antctl's registry under `$HOME` when run as another user.
pub const USER_REGISTRY: &str = ".local/share/autonomi/node/node_registry.json";

/// Resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntctlConfig {
    /// The manager these nodes are recorded under (`antctl+sudo` ...); its mode is
    /// [`AntctlConfig::mode`].
    pub manager: ProcessManager,
    /// The antctl binary (`antctl_path`, `~` expanded).
    pub program: String,
    /// Run antctl through `sudo -n` (sudo mode while wnm is not root).
    pub sudo: bool,
    /// antctl acts as root (system-wide services, `/var/antctl`), directly or through sudo.
    pub antctl_is_root: bool,
    /// Pass `--debug` (`antctl_debug`).
    pub debug: bool,
    /// `XDG_RUNTIME_DIR` to give antctl when the environment has none (cron): antctl runs
    /// `systemctl --user` for user-mode services, which needs it.
    pub runtime_dir: Option<String>,
    /// Who the nodes run as (`ant`, or the invoking user for user-mode services).
    pub node_user: String,
    /// antctl's registry file (host path), read for the number of its next node.
    pub registry: String,
    /// Filesystem root the registry path is read under (`/`, a temp dir in tests).
    pub root: PathBuf,
    /// The machine's `environment`, parsed and checked for what antctl can write into a unit (a
    /// bad one refuses the backend); each node's own goes over it.
    pub environment: Vec<(String, String)>,
    /// The `antctl add` options of `start_args` and `no_upnp` ([`crate::args::add_options`]); a
    /// flag antctl cannot pass on refuses the backend.
    pub add_options: Vec<String>,
}

impl AntctlConfig {
    /// Resolve from the context, `$HOME`, `$XDG_RUNTIME_DIR` and the effective uid.
    pub fn from_context(ctx: &BackendContext) -> Result<AntctlConfig> {
        let home = std::env::var("HOME").unwrap_or_default();
        let euid = rustix::process::geteuid();
        let mut cfg = Self::resolve(ctx, &home, euid.is_root(), &current_user_name())?;
        if !cfg.antctl_is_root && std::env::var_os("XDG_RUNTIME_DIR").is_none() {
            cfg.runtime_dir = Some(format!("/run/user/{}", euid.as_raw()));
        }
        Ok(cfg)
    }

    /// Resolve with an explicit home, root-ness and user name (tests).
    pub fn resolve(
        ctx: &BackendContext,
        home: &str,
        is_root: bool,
        user: &str,
    ) -> Result<AntctlConfig> {
        if ctx.manager.kind() != ProcessManager::ANTCTL {
            return Err(Error::invalid_config(format!(
                "the antctl backend cannot drive {} nodes",
                ctx.manager
            )));
        }
        let mode = ctx.manager.mode();
        let (sudo, antctl_is_root) = match mode {
            ManagerMode::Sudo => (!is_root, true),
            ManagerMode::User if is_root => {
                return Err(Error::invalid_config(
                    "antctl+user cannot run as root: antctl makes system-wide services when run as root; use antctl+sudo, or run wnm as the user who owns the nodes",
                ));
            }
            ManagerMode::User => (false, false),
            ManagerMode::Zen => (false, is_root),
        };
        let program = expand_home_in(ctx.machine.antctl_path.trim(), Path::new(home))
            .display()
            .to_string();
        if program.trim().is_empty() {
            return Err(Error::invalid_config(
                "antctl_path is empty: give the antctl binary (--antctl_path /path/to/antctl)",
            ));
        }
        // Settings antctl cannot carry are refused now, before wnm writes a row or uses an id.
        let environment = parse_environment(&ctx.machine.environment)?;
        check_unit_safe(&environment)?;
        let add_options = add_options(&ctx.machine.start_args, ctx.machine.no_upnp)?;
        let registry = if antctl_is_root {
            ROOT_REGISTRY.to_string()
        } else {
            format!("{}/{USER_REGISTRY}", home.trim_end_matches('/'))
        };
        Ok(AntctlConfig {
            manager: ctx.manager.clone(),
            program,
            sudo,
            antctl_is_root,
            debug: ctx.machine.antctl_debug,
            runtime_dir: None,
            node_user: if antctl_is_root {
                NODE_USER.to_string()
            } else {
                user.to_string()
            },
            registry,
            root: ctx.root.clone(),
            environment,
            add_options,
        })
    }

    /// `User`, `Sudo` or `Zen`: the manager's mode.
    pub fn mode(&self) -> ManagerMode {
        self.manager.mode()
    }

    /// antctl chooses the data and log dirs (zen) instead of wnm's layout.
    pub fn antctl_chooses_paths(&self) -> bool {
        self.mode() == ManagerMode::Zen
    }

    /// The registry file on disk (under `root`).
    pub fn registry_on_disk(&self) -> PathBuf {
        self.root.join(self.registry.trim_start_matches('/'))
    }
}

/// The invoking user's name (`$USER`, `$LOGNAME`, else the uid).
pub fn current_user_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| rustix::process::geteuid().as_raw().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::context;

    #[test]
    fn modes() {
        let sudo_as_op =
            AntctlConfig::resolve(&context("antctl+sudo"), "/home/op", false, "op").unwrap();
        assert!(sudo_as_op.sudo && sudo_as_op.antctl_is_root);
        assert_eq!(sudo_as_op.node_user, "ant");
        assert_eq!(sudo_as_op.registry, "/var/antctl/node_registry.json");
        assert!(!sudo_as_op.antctl_chooses_paths());
        assert_eq!(sudo_as_op.mode(), ManagerMode::Sudo);

        let sudo_as_root =
            AntctlConfig::resolve(&context("antctl+sudo"), "/root", true, "root").unwrap();
        assert!(!sudo_as_root.sudo && sudo_as_root.antctl_is_root);

        let mut ctx = context("antctl+user");
        ctx.machine.antctl_path = "~/.local/bin/antctl".into();
        let user = AntctlConfig::resolve(&ctx, "/home/op", false, "op").unwrap();
        assert!(!user.sudo && !user.antctl_is_root);
        assert_eq!(user.node_user, "op");
        assert_eq!(
            user.registry,
            "/home/op/.local/share/autonomi/node/node_registry.json"
        );
        assert_eq!(user.program, "/home/op/.local/bin/antctl");

        let zen = AntctlConfig::resolve(&context("antctl+zen"), "/home/op", false, "op").unwrap();
        assert!(zen.antctl_chooses_paths() && !zen.sudo);
        let zen_root =
            AntctlConfig::resolve(&context("antctl+zen"), "/root", true, "root").unwrap();
        assert!(zen_root.antctl_is_root && !zen_root.sudo);
        assert_eq!(zen_root.node_user, "ant");
    }

    #[test]
    fn refusals() {
        let e = AntctlConfig::resolve(&context("antctl+user"), "/root", true, "root").unwrap_err();
        assert!(e.to_string().contains("antctl+sudo"), "{e}");
        let e = AntctlConfig::resolve(&context("systemd+user"), "/h", false, "op").unwrap_err();
        assert!(e.to_string().contains("cannot drive systemd+user"), "{e}");
        let mut ctx = context("antctl+sudo");
        ctx.machine.antctl_path = " ".into();
        assert!(AntctlConfig::resolve(&ctx, "/h", true, "root").is_err());
    }

    #[test]
    fn settings_antctl_cannot_carry_refuse_the_backend() {
        let mut ctx = context("antctl+sudo");
        ctx.machine.no_upnp = true;
        ctx.machine.start_args = "--relay --ip 127.0.0.1".into();
        ctx.machine.environment = "ANT_LOG=info,X=1".into();
        let c = AntctlConfig::resolve(&ctx, "/root", true, "root").unwrap();
        assert_eq!(
            c.add_options,
            ["--no-upnp", "--relay", "--node-ip", "127.0.0.1"]
        );
        assert_eq!(c.environment.len(), 2);
        for (start_args, environment, says) in [
            ("--port 6000", "", "start_args: --port"),
            ("--home-network", "", "cannot pass"),
            ("evm-arbitrum-sepolia-test", "", "network subcommand"),
            ("", "A=x\"y", "unescaped"),
            ("", "A=x\\y", "unescaped"),
            ("", "1BAD=x", "not a valid variable name"),
        ] {
            let mut ctx = context("antctl+user");
            ctx.machine.start_args = start_args.into();
            ctx.machine.environment = environment.into();
            let e = AntctlConfig::resolve(&ctx, "/home/op", false, "op").unwrap_err();
            assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig, "{e}");
            assert!(
                e.message().contains(says),
                "{start_args:?} {environment:?}: {e}"
            );
            assert!(crate::AntctlBackend::new(&ctx).is_err());
        }
    }
}
