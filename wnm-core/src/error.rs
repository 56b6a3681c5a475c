//! The one error type of wnm: `Error { kind, message, source }` with a non-exhaustive `ErrorKind`.
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
}
