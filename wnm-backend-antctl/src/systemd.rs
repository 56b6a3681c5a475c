//! The one thing wnm asks systemd directly (pure command building): antctl 0.14.2 writes unit
//! files but never runs `systemctl daemon-reload`, so a unit name systemd still has loaded (a
//! node that had failed before an `antctl reset`, or a unit `antctl upgrade` rewrote) keeps its
//! old definition. After writing, wnm asks `NeedDaemonReload` and reloads only when systemd says so.
use crate::config::AntctlConfig;
use std::time::Duration;
use wnm_core::CommandSpec;

const TIMEOUT: Duration = Duration::from_secs(120);

/// `systemctl` for the manager antctl's services live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Systemctl {
    /// `--user` (user-mode services).
    pub user: bool,
    /// Reloading the system manager through `sudo -n`.
    pub sudo: bool,
    /// `XDG_RUNTIME_DIR` for `--user`.
    pub runtime_dir: Option<String>,
}

impl Systemctl {
    /// The manager of `cfg`'s services.
    pub fn new(cfg: &AntctlConfig) -> Systemctl {
        Systemctl {
            user: !cfg.antctl_is_root,
            sudo: cfg.sudo,
            runtime_dir: cfg.runtime_dir.clone(),
        }
    }

    fn build(&self, args: &[&str], sudo: bool) -> CommandSpec {
        let mut a: Vec<String> = Vec::new();
        if sudo {
            a.extend(["-n".to_string(), "systemctl".to_string()]);
        }
        if self.user {
            a.push("--user".into());
        }
        a.extend(args.iter().map(|s| s.to_string()));
        let mut cmd = if sudo {
            CommandSpec::new("sudo", a)
        } else {
            CommandSpec::new("systemctl", a)
        };
        if self.user
            && let Some(d) = &self.runtime_dir
        {
            cmd.env.push(("XDG_RUNTIME_DIR".into(), d.clone()));
        }
        cmd.timeout = Some(TIMEOUT);
        cmd
    }

    /// `systemctl [--user] show -p NeedDaemonReload --value NAME.service` (read-only: no sudo).
    pub fn need_reload(&self, service_name: &str) -> CommandSpec {
        self.build(
            &[
                "show",
                "-p",
                "NeedDaemonReload",
                "--value",
                &format!("{service_name}.service"),
            ],
            false,
        )
    }

    /// `[sudo -n] systemctl [--user] daemon-reload`.
    pub fn daemon_reload(&self) -> CommandSpec {
        self.build(&["daemon-reload"], self.sudo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let s = Systemctl {
            user: false,
            sudo: true,
            runtime_dir: Some("/run/user/1".into()),
        };
        assert_eq!(
            s.need_reload("antnode3").display(),
            "systemctl show -p NeedDaemonReload --value antnode3.service"
        );
        assert!(s.need_reload("antnode3").env.is_empty());
        assert_eq!(
            s.daemon_reload().display(),
            "sudo -n systemctl daemon-reload"
        );
        let u = Systemctl {
            user: true,
            sudo: false,
            runtime_dir: Some("/run/user/1000".into()),
        };
        assert_eq!(
            u.daemon_reload().display(),
            "systemctl --user daemon-reload"
        );
        assert_eq!(
            u.daemon_reload().env,
            vec![("XDG_RUNTIME_DIR".to_string(), "/run/user/1000".to_string())]
        );
    }
}
