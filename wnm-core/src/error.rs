//! The one error type of wnm: `Error { kind, message, source }` with a non-exhaustive `ErrorKind`,
//! and the one wording of "a command ran and failed" every backend uses.
use crate::runner::{CommandOutput, CommandSpec};
use std::fmt;

/// What class of failure happened; callers branch on this, humans read the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A node, file, unit or row that should exist does not.
    NotFound,
    /// The backend or node line cannot do this (see `Capabilities`).
    Unsupported,
    /// A setting, flag, config file or snapshot is invalid. Exit code 2.
    InvalidConfig,
    /// A status change not in the transition table.
    IllegalTransition,
    /// The process manager (systemctl, launchctl, antctl, docker, a spawned process) failed.
    Backend,
    /// Filesystem or network IO failed.
    Io,
    /// The database is locked, corrupt, or newer than this binary.
    Store,
    /// Another wnm run holds the lock.
    Locked,
    /// A node answered with something that is not what it should be.
    BadAnswer,
    /// Waiting for something took longer than allowed.
    Timeout,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidConfig => "invalid configuration",
            ErrorKind::IllegalTransition => "illegal status transition",
            ErrorKind::Backend => "backend failure",
            ErrorKind::Io => "io error",
            ErrorKind::Store => "store error",
            ErrorKind::Locked => "locked",
            ErrorKind::BadAnswer => "bad answer",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Other => "error",
        };
        f.write_str(s)
    }
}

/// The error every wnm crate returns. The message says what failed and, where it can, what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attach the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message (without the source chain).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shorthand for `ErrorKind::InvalidConfig`.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidConfig, message)
    }

    /// Shorthand for `ErrorKind::Unsupported`.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for `ErrorKind::NotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for `ErrorKind::Backend`.
    pub fn backend(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Backend, message)
    }

    /// An IO error with context (`what` says which file or action).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        let what = what.into();
        let kind = if source.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(kind, format!("{what}: {source}")).with_source(source)
    }

    /// A `Backend` error for `cmd`, which ran and failed: `{what}: `CMD` exited with code N:
    /// {detail}`, or `with a signal` when it was killed (a runner's timeout is its own
    /// `ErrorKind::Timeout` error, never an output). When the command went through `sudo` and sudo
    /// asked for a password, a hint follows: `(SUDO_MODE needs passwordless sudo for wnm's user,
    /// or run wnm as root)`, `sudo_mode` naming the mode (`launchd+sudo`).
    ///
    /// `detail` is what the command printed, as the caller wants it shown ([`command_detail`],
    /// or an excerpt of a long output).
    pub fn command_failed(
        cmd: &CommandSpec,
        out: &CommandOutput,
        what: &str,
        detail: &str,
        sudo_mode: &str,
    ) -> Error {
        let asked_password = out.stderr.contains("password") || out.stdout.contains("password");
        let hint = if cmd.program == "sudo" && asked_password {
            format!(" ({sudo_mode} needs passwordless sudo for wnm's user, or run wnm as root)")
        } else {
            String::new()
        };
        let how = out
            .code
            .map_or("a signal".to_string(), |c| format!("code {c}"));
        Error::backend(format!(
            "{what}: `{}` exited with {how}: {detail}{hint}",
            cmd.display()
        ))
    }
}

/// What a finished command said, for messages: its stderr, else its stdout, trimmed.
pub fn command_detail(out: &CommandOutput) -> &str {
    if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    }
}

/// Ok when `out` is a success, else [`Error::command_failed`] with [`command_detail`].
pub fn check_command(
    cmd: &CommandSpec,
    out: &CommandOutput,
    what: &str,
    sudo_mode: &str,
) -> Result<()> {
    if out.success() {
        return Ok(());
    }
    Err(Error::command_failed(
        cmd,
        out,
        what,
        command_detail(out),
        sudo_mode,
    ))
}

/// `Result` with the wnm error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_not_found_maps_to_not_found_kind() {
        let e = Error::io(
            "reading /x",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("reading /x"));
        assert!(std::error::Error::source(&e).is_some());
    }

    fn output(code: Option<i32>, stdout: &str, stderr: &str) -> CommandOutput {
        CommandOutput {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn command_failures_name_command_code_output_and_the_sudo_hint() {
        let sudo = CommandSpec::new("sudo", ["-n", "launchctl", "list", "x"]);
        let pw = output(Some(1), "", "sudo: a password is required\n");
        let e = check_command(&sudo, &pw, "asking launchd", "launchd+sudo").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert_eq!(
            e.message(),
            "asking launchd: `sudo -n launchctl list x` exited with code 1: sudo: a password is required (launchd+sudo needs passwordless sudo for wnm's user, or run wnm as root)"
        );
        // no hint without sudo, nor when sudo did not ask for a password
        let plain = CommandSpec::new("launchctl", ["list"]);
        let e = check_command(&plain, &pw, "x", "launchd+sudo").unwrap_err();
        assert!(!e.message().contains("passwordless"), "{e}");
        let other = output(Some(3), "out only\n", " \n");
        let e = check_command(&sudo, &other, "x", "m").unwrap_err();
        assert_eq!(
            e.message(),
            "x: `sudo -n launchctl list x` exited with code 3: out only"
        );
        // killed by a signal
        let e = Error::command_failed(&plain, &output(None, "", ""), "x", "d", "m");
        assert_eq!(e.message(), "x: `launchctl list` exited with a signal: d");
        assert!(check_command(&plain, &output(Some(0), "", "warn"), "x", "m").is_ok());
        assert_eq!(command_detail(&output(Some(1), " o ", "")), "o");
        assert_eq!(command_detail(&output(Some(1), "o", " e\n")), "e");
    }
}
