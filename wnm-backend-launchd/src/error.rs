//! Turning a failed command into a `wnm_core::Error` that names the command and what it printed.
use wnm_core::{CommandOutput, CommandSpec, Error, Result};

/// The stderr (else stdout) of a command, trimmed, for messages.
pub fn detail(out: &CommandOutput) -> &str {
    if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    }
}

/// Ok when `out` is a success; otherwise a `Backend` error saying `what` failed, the command, its
/// exit code and output, and a hint when sudo asked for a password.
pub fn check(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Result<()> {
    if out.success() {
        return Ok(());
    }
    Err(failed(cmd, out, what))
}

/// The error of a failed `cmd` (see [`check`]).
pub fn failed(cmd: &CommandSpec, out: &CommandOutput, what: &str) -> Error {
    let d = detail(out);
    let hint = if cmd.program == "sudo" && d.contains("password") {
        " (launchd+sudo needs passwordless sudo for wnm's user, or run wnm as root)"
    } else {
        ""
    };
    Error::backend(format!(
        "{what}: `{}` exited with {}: {d}{hint}",
        cmd.display(),
        out.code
            .map_or("a signal".to_string(), |c| format!("code {c}")),
    ))
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
        assert!(e.message().contains("passwordless sudo"));
        let ok = CommandOutput {
            code: Some(0),
            ..Default::default()
        };
        assert!(check(&cmd, &ok, "x").is_ok());
    }
}
