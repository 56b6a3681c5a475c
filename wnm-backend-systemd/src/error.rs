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
    let d = detail(out);
    let hint = if cmd.program == "sudo" && d.contains("password") {
        " (sudo mode needs passwordless sudo for wnm's user, or run wnm as root)"
    } else {
        ""
    };
    Err(Error::backend(format!(
        "{what}: `{}` exited with {}: {d}{hint}",
        cmd.display(),
        out.code
            .map_or("a signal".to_string(), |c| format!("code {c}")),
    )))
}
