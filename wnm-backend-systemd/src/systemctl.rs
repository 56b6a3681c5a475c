//! Building `systemctl` commands (pure) for the system or user manager, directly or through
//! `sudo -n`, and reading `systemctl show` output back.
use wnm_core::{CommandSpec, ProcessState};

/// Which systemd instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The system manager (`/etc/systemd/system`).
    System,
    /// The invoking user's manager (`systemctl --user`).
    User,
}

/// A `systemctl` command builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Systemctl {
    /// System or user manager.
    pub scope: Scope,
    /// Prefix changing commands with `sudo -n` (system scope when wnm is not root). Read-only
    /// queries (`show`, `is-active`) never use sudo: any user may ask, and sudo would log each.
    pub sudo: bool,
    /// `XDG_RUNTIME_DIR` to give `systemctl --user` when the environment lacks it (cron jobs do):
    /// without it systemctl cannot find the user manager.
    pub runtime_dir: Option<String>,
}

/// The properties `show` asks for.
pub const SHOW_PROPERTIES: [&str; 5] = ["Id", "LoadState", "ActiveState", "SubState", "MainPID"];

impl Systemctl {
    /// A builder for `scope`, through sudo or not.
    pub fn new(scope: Scope, sudo: bool) -> Self {
        Systemctl {
            scope,
            sudo,
            runtime_dir: None,
        }
    }

    /// Set `XDG_RUNTIME_DIR` on user-manager commands.
    pub fn with_runtime_dir(mut self, dir: Option<String>) -> Self {
        self.runtime_dir = dir;
        self
    }

    /// `systemctl [--user] ARGS...`, prefixed by `sudo -n` when needed.
    pub fn command<I, S>(&self, args: I) -> CommandSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.build(args, self.sudo)
    }

    /// A read-only query: never through sudo.
    pub fn query<I, S>(&self, args: I) -> CommandSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.build(args, false)
    }

    fn build<I, S>(&self, args: I, sudo: bool) -> CommandSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut a: Vec<String> = Vec::new();
        if sudo {
            a.push("-n".into());
            a.push("systemctl".into());
        }
        if self.scope == Scope::User {
            a.push("--user".into());
        }
        a.extend(args.into_iter().map(Into::into));
        let mut cmd = if sudo {
            CommandSpec::new("sudo", a)
        } else {
            CommandSpec::new("systemctl", a)
        };
        if self.scope == Scope::User
            && let Some(dir) = &self.runtime_dir
        {
            cmd.env.push(("XDG_RUNTIME_DIR".into(), dir.clone()));
        }
        cmd
    }

    /// `daemon-reload`.
    pub fn daemon_reload(&self) -> CommandSpec {
        self.command(["daemon-reload"])
    }

    /// `start UNIT`.
    pub fn start(&self, unit: &str) -> CommandSpec {
        self.command(["start", unit])
    }

    /// `stop UNIT`.
    pub fn stop(&self, unit: &str) -> CommandSpec {
        self.command(["stop", unit])
    }

    /// `restart UNIT`.
    pub fn restart(&self, unit: &str) -> CommandSpec {
        self.command(["restart", unit])
    }

    /// `reset-failed UNIT` (forget a failed state after removal).
    pub fn reset_failed(&self, unit: &str) -> CommandSpec {
        self.command(["reset-failed", unit])
    }

    /// `show -p Id,LoadState,ActiveState,SubState,MainPID UNIT...` (one block per unit).
    pub fn show(&self, units: &[String]) -> CommandSpec {
        let mut a = vec!["show".to_string(), "-p".into(), SHOW_PROPERTIES.join(",")];
        a.extend(units.iter().cloned());
        self.query(a)
    }

    /// `is-active UNIT...` (one line per unit).
    pub fn is_active(&self, units: &[String]) -> CommandSpec {
        let mut a = vec!["is-active".to_string()];
        a.extend(units.iter().cloned());
        self.query(a)
    }
}

/// One unit's block of `systemctl show`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitState {
    /// `Id` (`antnode0001.service`).
    pub id: String,
    /// `LoadState` (`loaded`, `not-found`, ...).
    pub load_state: String,
    /// `ActiveState` (`active`, `inactive`, `failed`, `activating`, ...).
    pub active_state: String,
    /// `SubState` (`running`, `dead`, `auto-restart`, ...).
    pub sub_state: String,
    /// `MainPID` (0 when none).
    pub main_pid: u32,
}

impl UnitState {
    /// What the unit state means for the node's process.
    ///
    /// `not-found` is Missing; a main process (active, activating, reloading, deactivating with a
    /// pid) is Running; everything else (inactive, failed, auto-restart between crashes) is Stopped.
    pub fn process_state(&self) -> ProcessState {
        if self.load_state == "not-found" {
            return ProcessState::Missing;
        }
        match self.active_state.as_str() {
            "active" | "reloading" => ProcessState::Running {
                pid: (self.main_pid > 0).then_some(self.main_pid),
            },
            "activating" | "deactivating" if self.main_pid > 0 => ProcessState::Running {
                pid: Some(self.main_pid),
            },
            _ => ProcessState::Stopped,
        }
    }
}

/// Parse `systemctl show` output: `Key=value` lines, units separated by blank lines.
pub fn parse_show(stdout: &str) -> Vec<UnitState> {
    let mut out = Vec::new();
    let mut cur = UnitState::default();
    let mut any = false;
    for line in stdout.lines().chain(std::iter::once("")) {
        let line = line.trim_end();
        if line.is_empty() {
            if any {
                out.push(std::mem::take(&mut cur));
                any = false;
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        any = true;
        match k {
            "Id" => cur.id = v.to_string(),
            "LoadState" => cur.load_state = v.to_string(),
            "ActiveState" => cur.active_state = v.to_string(),
            "SubState" => cur.sub_state = v.to_string(),
            "MainPID" => cur.main_pid = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_per_scope_and_privilege() {
        let sys_root = Systemctl::new(Scope::System, false);
        let sys_sudo = Systemctl::new(Scope::System, true);
        let user = Systemctl::new(Scope::User, false);
        assert_eq!(
            sys_root.start("antnode0001.service").display(),
            "systemctl start antnode0001.service"
        );
        assert_eq!(
            sys_sudo.stop("antnode0001.service").display(),
            "sudo -n systemctl stop antnode0001.service"
        );
        assert_eq!(
            user.daemon_reload().display(),
            "systemctl --user daemon-reload"
        );
        assert_eq!(
            user.show(&["a.service".into(), "b.service".into()])
                .display(),
            "systemctl --user show -p Id,LoadState,ActiveState,SubState,MainPID a.service b.service"
        );
        // queries never go through sudo
        assert_eq!(
            sys_sudo.is_active(&["a.service".into()]).display(),
            "systemctl is-active a.service"
        );
        assert_eq!(sys_sudo.show(&["a.service".into()]).program, "systemctl");
        let cron_user =
            Systemctl::new(Scope::User, false).with_runtime_dir(Some("/run/user/1000".into()));
        assert_eq!(
            cron_user.start("a.service").env,
            vec![("XDG_RUNTIME_DIR".to_string(), "/run/user/1000".to_string())]
        );
        let sys = Systemctl::new(Scope::System, false).with_runtime_dir(Some("/run/user/0".into()));
        assert!(sys.start("a.service").env.is_empty());
    }

    #[test]
    fn show_output_maps_to_process_states() {
        let out = "Id=antnode0001.service\nLoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\n\n\
Id=antnode0002.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nMainPID=0\n\n\
Id=antnode0003.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n\n\
Id=antnode0004.service\nLoadState=loaded\nActiveState=activating\nSubState=auto-restart\nMainPID=0\n\n\
Id=antnode0005.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\n";
        let states = parse_show(out);
        assert_eq!(states.len(), 5);
        assert_eq!(states[0].id, "antnode0001.service");
        let ps: Vec<ProcessState> = states.iter().map(UnitState::process_state).collect();
        assert_eq!(
            ps,
            vec![
                ProcessState::Running { pid: Some(4242) },
                ProcessState::Stopped,
                ProcessState::Missing,
                ProcessState::Stopped,
                ProcessState::Stopped,
            ]
        );
        assert!(parse_show("").is_empty());
    }
}
