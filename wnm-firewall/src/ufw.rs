//! `UfwFirewall`: opens and closes a node's port with `ufw allow PORT/udp` and
//! `ufw delete allow PORT/udp` through the `Runner`, prefixed by `sudo -n` when not root.
use async_trait::async_trait;
use std::sync::Arc;
use wnm_core::{CommandOutput, CommandSpec, Error, Firewall, Protocol, Result, Runner};

/// The UFW firewall. Only ever adds and deletes the exact rule `allow PORT/PROTO`.
#[derive(Clone)]
pub struct UfwFirewall {
    runner: Arc<dyn Runner>,
    sudo: bool,
    program: String,
}

impl std::fmt::Debug for UfwFirewall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UfwFirewall")
            .field("sudo", &self.sudo)
            .field("program", &self.program)
            .finish()
    }
}

impl UfwFirewall {
    /// A UFW firewall that runs `ufw` directly when wnm is root and through `sudo -n` otherwise.
    pub fn new(runner: Arc<dyn Runner>) -> Self {
        let sudo = !rustix::process::geteuid().is_root();
        UfwFirewall {
            runner,
            sudo,
            program: "ufw".to_string(),
        }
    }

    /// Force (or not) the `sudo -n` prefix.
    pub fn with_sudo(mut self, sudo: bool) -> Self {
        self.sudo = sudo;
        self
    }

    /// Use another `ufw` program (a path), e.g. `/usr/sbin/ufw`.
    pub fn with_program(mut self, program: impl Into<String>) -> Self {
        self.program = program.into();
        self
    }

    /// The command that runs `ufw` with `args`.
    pub fn command(&self, args: &[String]) -> CommandSpec {
        if self.sudo {
            let mut a = vec!["-n".to_string(), self.program.clone()];
            a.extend(args.iter().cloned());
            CommandSpec::new("sudo", a)
        } else {
            CommandSpec::new(self.program.clone(), args.iter().cloned())
        }
    }

    /// `allow PORT/PROTO`.
    pub fn allow_args(port: u16, protocol: Protocol) -> Vec<String> {
        vec!["allow".into(), rule(port, protocol)]
    }

    /// `delete allow PORT/PROTO`.
    pub fn delete_args(port: u16, protocol: Protocol) -> Vec<String> {
        vec!["delete".into(), "allow".into(), rule(port, protocol)]
    }

    async fn run(&self, args: Vec<String>, what: &str) -> Result<CommandOutput> {
        let cmd = self.command(&args);
        let out = self.runner.run(&cmd).await.map_err(|e| {
            Error::new(
                e.kind(),
                format!(
                    "{what}: could not run `{}`: {} (is ufw installed? set firewall=none or WNM_FIREWALL_DISABLED=1 to run without it)",
                    cmd.display(),
                    e.message()
                ),
            )
        })?;
        Ok(out)
    }
}

fn rule(port: u16, protocol: Protocol) -> String {
    format!("{port}/{}", protocol.as_str())
}

fn failure(what: &str, cmd: &CommandSpec, out: &CommandOutput) -> Error {
    let detail = if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    };
    Error::backend(format!(
        "{what}: `{}` exited with {:?}: {detail}",
        cmd.display(),
        out.code
    ))
}

#[async_trait]
impl Firewall for UfwFirewall {
    fn name(&self) -> &str {
        "ufw"
    }

    async fn open(&self, port: u16, protocol: Protocol) -> Result<()> {
        let what = format!("opening {}", rule(port, protocol));
        let args = Self::allow_args(port, protocol);
        let out = self.run(args.clone(), &what).await?;
        // "Rule added" or "Skipping adding existing rule": both leave the rule in place.
        if out.success() {
            Ok(())
        } else {
            Err(failure(&what, &self.command(&args), &out))
        }
    }

    async fn close(&self, port: u16, protocol: Protocol) -> Result<()> {
        let what = format!("closing {}", rule(port, protocol));
        let args = Self::delete_args(port, protocol);
        let out = self.run(args.clone(), &what).await?;
        let text = format!("{}{}", out.stdout, out.stderr);
        // A rule that is already gone is the state we want.
        if out.success() || text.contains("non-existent rule") {
            Ok(())
        } else {
            Err(failure(&what, &self.command(&args), &out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_runner::RecordingRunner;

    fn out(code: i32, stdout: &str) -> CommandOutput {
        CommandOutput {
            code: Some(code),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[tokio::test]
    async fn open_and_close_run_the_exact_rule_as_root() {
        let r = Arc::new(RecordingRunner::new());
        let fw = UfwFirewall::new(r.clone()).with_sudo(false);
        fw.open(55001, Protocol::Udp).await.unwrap();
        fw.close(55001, Protocol::Udp).await.unwrap();
        assert_eq!(
            r.run_lines(),
            vec!["ufw allow 55001/udp", "ufw delete allow 55001/udp"]
        );
        assert_eq!(fw.name(), "ufw");
    }

    #[tokio::test]
    async fn not_root_goes_through_non_interactive_sudo() {
        let r = Arc::new(RecordingRunner::new());
        let fw = UfwFirewall::new(r.clone()).with_sudo(true);
        fw.open(55002, Protocol::Udp).await.unwrap();
        fw.close(55002, Protocol::Tcp).await.unwrap();
        assert_eq!(
            r.run_lines(),
            vec![
                "sudo -n ufw allow 55002/udp",
                "sudo -n ufw delete allow 55002/tcp"
            ]
        );
    }

    #[tokio::test]
    async fn closing_a_rule_that_is_gone_is_fine_other_failures_are_errors() {
        let r = Arc::new(RecordingRunner::new());
        r.push_output(out(0, "Could not delete non-existent rule\n"));
        r.push_output(out(1, "Could not delete non-existent rule (v6)\n"));
        r.push_output(out(1, "ERROR: You need to be root to run this script\n"));
        r.push_output(out(1, "ERROR: problem running iptables\n"));
        let fw = UfwFirewall::new(r.clone()).with_sudo(false);
        fw.close(55003, Protocol::Udp).await.unwrap();
        fw.close(55003, Protocol::Udp).await.unwrap();
        let e = fw.close(55003, Protocol::Udp).await.unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::Backend);
        assert!(e.message().contains("need to be root"), "{e}");
        let e = fw.open(55003, Protocol::Udp).await.unwrap_err();
        assert!(e.message().contains("ufw allow 55003/udp"), "{e}");
    }

    #[tokio::test]
    async fn a_missing_ufw_says_how_to_run_without_it() {
        let r = Arc::new(RecordingRunner::new());
        r.push_error(wnm_core::ErrorKind::NotFound, "program ufw not found");
        let fw = UfwFirewall::new(r.clone()).with_sudo(false);
        let e = fw.open(1, Protocol::Udp).await.unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::NotFound);
        assert!(e.message().contains("WNM_FIREWALL_DISABLED"), "{e}");
    }
}
