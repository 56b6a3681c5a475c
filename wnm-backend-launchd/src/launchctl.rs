//! Building `launchctl` commands (pure) for the user's GUI domain (`gui/<uid>`, launchd+user) or
//! the system domain (`system`, launchd+sudo, through `sudo -n` when wnm is not root).
//!
//! The subcommands are the ones the Python wnm 0.5.0 used, so an operator's existing jobs are
//! driven the same way: `load -w PLIST` (loads the job; `RunAtLoad` starts it), `unload -w PLIST`
//! (stops it with SIGTERM, launchd's SIGKILL after `ExitTimeOut`, and removes it from the
//! domain), `kickstart -k DOMAIN/LABEL` (kill and start again), `list LABEL` (one job's state),
//! `list` (every job of the domain as a table, for discovery), and `remove LABEL` (unload a job
//! whose plist file is gone).
//! `-w` records the job as enabled (load) or disabled (unload) in launchd's override database,
//! so a node wnm stopped is not started again by launchd at the next login or boot, while one
//! that was running is.
use wnm_core::CommandSpec;

/// `launchctl list LABEL` exits with this when the job is not loaded ("Could not find service
/// ... in domain for port"; 113 is `ESRCH`-like in launchd's error space).
pub const EXIT_NOT_FOUND: i32 = 113;

/// The launchd domain node jobs live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `gui/<uid>`: the user's login session (LaunchAgents).
    Gui(u32),
    /// `system`: the system domain (LaunchDaemons), root only.
    System,
}

impl Domain {
    /// The domain target: `gui/501`, `system`.
    pub fn target(&self) -> String {
        match self {
            Domain::Gui(uid) => format!("gui/{uid}"),
            Domain::System => "system".to_string(),
        }
    }

    /// The service target of `label` in this domain: `gui/501/com.autonomi.antnode-1`.
    pub fn service_target(&self, label: &str) -> String {
        format!("{}/{label}", self.target())
    }
}

/// A `launchctl` command builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launchctl {
    /// The program (`launchctl`, or the stand-in tests give).
    pub program: String,
    /// The domain jobs go into.
    pub domain: Domain,
    /// Prefix every command with `sudo -n` (system domain while wnm is not root). Unlike
    /// systemctl, even `list` needs it: an unprivileged `launchctl list` sees only the caller's
    /// own domain, never the system domain's jobs.
    pub sudo: bool,
}

impl Launchctl {
    /// A builder running `program` for `domain`, through sudo or not.
    pub fn new(program: impl Into<String>, domain: Domain, sudo: bool) -> Self {
        Launchctl {
            program: program.into(),
            domain,
            sudo,
        }
    }

    /// `launchctl ARGS...`, prefixed by `sudo -n` when needed.
    pub fn command<I, S>(&self, args: I) -> CommandSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args = args.into_iter().map(Into::into);
        if self.sudo {
            let mut a = vec!["-n".to_string(), self.program.clone()];
            a.extend(args);
            CommandSpec::new("sudo", a)
        } else {
            CommandSpec::new(self.program.clone(), args)
        }
    }

    /// `load -w PLIST`.
    pub fn load(&self, plist: &str) -> CommandSpec {
        self.command(["load", "-w", plist])
    }

    /// `unload -w PLIST`.
    pub fn unload(&self, plist: &str) -> CommandSpec {
        self.command(["unload", "-w", plist])
    }

    /// `kickstart -k DOMAIN/LABEL`.
    pub fn kickstart(&self, label: &str) -> CommandSpec {
        self.command([
            "kickstart".to_string(),
            "-k".to_string(),
            self.domain.service_target(label),
        ])
    }

    /// `list LABEL`.
    pub fn list(&self, label: &str) -> CommandSpec {
        self.command(["list", label])
    }

    /// `list`: every job of the domain in one table.
    pub fn list_all(&self) -> CommandSpec {
        self.command(["list"])
    }

    /// `remove LABEL`: unload a job by label (its plist file is gone).
    pub fn remove(&self, label: &str) -> CommandSpec {
        self.command(["remove", label])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_domain_commands() {
        let l = Launchctl::new("launchctl", Domain::Gui(501), false);
        let plist = "/Users/ant/Library/LaunchAgents/com.autonomi.antnode-1.plist";
        assert_eq!(
            l.load(plist).display(),
            format!("launchctl load -w {plist}")
        );
        assert_eq!(
            l.unload(plist).display(),
            format!("launchctl unload -w {plist}")
        );
        assert_eq!(
            l.kickstart("com.autonomi.antnode-1").display(),
            "launchctl kickstart -k gui/501/com.autonomi.antnode-1"
        );
        assert_eq!(
            l.list("com.autonomi.antnode-1").display(),
            "launchctl list com.autonomi.antnode-1"
        );
        assert_eq!(
            l.remove("com.autonomi.antnode-1").display(),
            "launchctl remove com.autonomi.antnode-1"
        );
        assert_eq!(l.list_all().display(), "launchctl list");
        // a path with a space stays one argument
        let spaced = "/Users/a b/Library/LaunchAgents/com.autonomi.antnode-2.plist";
        assert_eq!(l.load(spaced).args, ["load", "-w", spaced]);
    }

    #[test]
    fn system_domain_commands_as_root_and_through_sudo() {
        let root = Launchctl::new("launchctl", Domain::System, false);
        assert_eq!(
            root.kickstart("com.autonomi.antnode-7").display(),
            "launchctl kickstart -k system/com.autonomi.antnode-7"
        );
        let sudo = Launchctl::new("/usr/local/bin/lc", Domain::System, true);
        let plist = "/Library/LaunchDaemons/com.autonomi.antnode-7.plist";
        let c = sudo.load(plist);
        assert_eq!(c.program, "sudo");
        assert_eq!(c.args, ["-n", "/usr/local/bin/lc", "load", "-w", plist]);
        assert_eq!(
            sudo.list("com.autonomi.antnode-7").display(),
            "sudo -n /usr/local/bin/lc list com.autonomi.antnode-7"
        );
        assert_eq!(
            sudo.kickstart("com.autonomi.antnode-7").args,
            [
                "-n",
                "/usr/local/bin/lc",
                "kickstart",
                "-k",
                "system/com.autonomi.antnode-7"
            ]
        );
        assert_eq!(sudo.list_all().args, ["-n", "/usr/local/bin/lc", "list"]);
        assert_eq!(Domain::Gui(0).target(), "gui/0");
        assert_eq!(Domain::System.target(), "system");
    }
}
