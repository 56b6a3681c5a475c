//! Failed commands of this backend as `wnm_core::Error`s: the one wording of
//! `wnm_core::error::check_command`, with the sudo hint naming `launchd+sudo`.
use wnm_core::error::{check_command, command_detail};
use wnm_core::{CommandOutput, CommandSpec, Error, Result};

/// The mode the sudo hint names.
const SUDO_MODE: &str = "launchd+sudo";

/// The stderr (else stdout) of a command, trimmed, for messages.
pub fn detail(out: &CommandOutput) -> &str {
    command_detail(out)
}

/// Ok when `out` is a success; otherwise a `Backend` error saying `what` failed, the command, its
/// exit code and output, and a hint when sudo asked for a password.
pub fn check(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Result<()> {
    check_command(cmd, out, what, SUDO_MODE)
}

/// The error of a failed `cmd` (see [`check`]).
pub fn failed(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Error {
    Error::command_failed(cmd, out, what, command_detail(out), SUDO_MODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_command_and_hint_at_sudo() {
        let cmd = CommandSpec::new("sudo", ["-n", "launchctl", "list", "x"]);
        let out = CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        };
        let e = check(&cmd, &out, "asking launchd").unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::Backend);
        assert!(e.message().starts_with("asking launchd: `sudo -n launchctl list x` exited with code 1: sudo: a password is required"), "{e}");
        assert!(e.message().contains("launchd+sudo needs passwordless sudo"));
        assert_eq!(failed(&cmd, &out, "asking launchd").message(), e.message());
        let ok = CommandOutput {
            code: Some(0),
            ..Default::default()
        };
        assert!(check(&cmd, &ok, "x").is_ok());
    }
}
