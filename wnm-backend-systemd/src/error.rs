//! Failed commands of this backend as `wnm_core::Error`s: the one wording of
//! `wnm_core::error::check_command`, with the sudo hint naming sudo mode.
use wnm_core::error::{check_command, command_detail};
use wnm_core::{CommandOutput, CommandSpec, Result};

/// The mode the sudo hint names.
const SUDO_MODE: &str = "sudo mode";

/// The stderr (else stdout) of a command, trimmed, for messages.
pub fn detail(out: &CommandOutput) -> &str {
    command_detail(out)
}

/// Ok when `out` is a success; otherwise a `Backend` error saying `what` failed, the command, its
/// exit code and output, and a hint when sudo asked for a password.
pub fn check(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Result<()> {
    check_command(cmd, out, what, SUDO_MODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_hint_at_passwordless_sudo() {
        let cmd = CommandSpec::new("sudo", ["-n", "systemctl", "daemon-reload"]);
        let out = CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        };
        let e = check(&cmd, &out, "reloading").unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::Backend);
        assert_eq!(
            e.message(),
            "reloading: `sudo -n systemctl daemon-reload` exited with code 1: sudo: a password is required (sudo mode needs passwordless sudo for wnm's user, or run wnm as root)"
        );
    }
}
