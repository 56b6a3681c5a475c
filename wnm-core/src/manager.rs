//! `ProcessManager`: which backend drives a node and in which mode (`systemd+user`, `setsid+sudo`, `antctl+zen` ...).
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// How the backend runs: as the invoking user, through sudo/root, or (antctl) letting the tool choose paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ManagerMode {
    /// Runs as the invoking user; no root needed.
    User,
    /// Runs as root (directly or through sudo); nodes run as the `ant` user.
    Sudo,
    /// antctl chooses the paths and wnm reads them back.
    Zen,
}

impl ManagerMode {
    /// Lower-case name used after the `+`.
    pub fn as_str(self) -> &'static str {
        match self {
            ManagerMode::User => "user",
            ManagerMode::Sudo => "sudo",
            ManagerMode::Zen => "zen",
        }
    }
}

/// A backend kind plus mode. Known kinds: `systemd setsid launchd antctl docker`; third-party
/// backends register other lower-case names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessManager {
    kind: String,
    mode: ManagerMode,
}

impl ProcessManager {
    /// The setsid backend kind.
    pub const SETSID: &'static str = "setsid";
    /// The systemd backend kind.
    pub const SYSTEMD: &'static str = "systemd";
    /// The launchd backend kind.
    pub const LAUNCHD: &'static str = "launchd";
    /// The antctl backend kind.
    pub const ANTCTL: &'static str = "antctl";
    /// The docker backend kind.
    pub const DOCKER: &'static str = "docker";

    /// A manager of `kind` in `mode`; the kind must be a lower-case word.
    pub fn new(kind: &str, mode: ManagerMode) -> Result<Self> {
        if kind.is_empty()
            || !kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(Error::invalid_config(format!(
                "process manager kind {kind:?} must be a lower-case word such as systemd, setsid, launchd, antctl or docker"
            )));
        }
        if mode == ManagerMode::Zen && kind != Self::ANTCTL {
            return Err(Error::invalid_config(format!(
                "process manager {kind}+zen: the zen mode exists only for antctl"
            )));
        }
        Ok(ProcessManager {
            kind: kind.to_string(),
            mode,
        })
    }

    /// The platform default: `launchd+user` on macOS, `systemd+user` elsewhere.
    pub fn platform_default() -> Self {
        let kind = if cfg!(target_os = "macos") {
            Self::LAUNCHD
        } else {
            Self::SYSTEMD
        };
        ProcessManager {
            kind: kind.to_string(),
            mode: ManagerMode::User,
        }
    }

    /// The backend kind (`systemd`, ...).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The mode.
    pub fn mode(&self) -> ManagerMode {
        self.mode
    }

    /// True for the sudo/root mode.
    pub fn is_sudo(&self) -> bool {
        self.mode == ManagerMode::Sudo
    }
}

impl fmt::Display for ProcessManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.kind, self.mode.as_str())
    }
}

impl FromStr for ProcessManager {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let (kind, mode) = t.split_once('+').ok_or_else(|| {
            Error::invalid_config(format!(
                "process_manager {t:?} must be KIND+MODE, e.g. systemd+user, systemd+sudo, setsid+user, launchd+user, antctl+sudo, antctl+zen"
            ))
        })?;
        let mode = match mode {
            "user" => ManagerMode::User,
            "sudo" => ManagerMode::Sudo,
            "zen" => ManagerMode::Zen,
            other => {
                return Err(Error::invalid_config(format!(
                    "process_manager {t:?}: mode {other:?} is not one of user, sudo, zen"
                )));
            }
        };
        ProcessManager::new(kind, mode)
    }
}

impl Serialize for ProcessManager {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProcessManager {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_python_value() {
        for s in [
            "systemd+sudo",
            "systemd+user",
            "setsid+sudo",
            "setsid+user",
            "launchd+sudo",
            "launchd+user",
            "antctl+sudo",
            "antctl+user",
            "antctl+zen",
            "docker+user",
        ] {
            let pm: ProcessManager = s.parse().unwrap();
            assert_eq!(pm.to_string(), s);
        }
    }

    #[test]
    fn rejects_bad_values() {
        for s in [
            "systemd",
            "systemd+root",
            "Systemd+user",
            "setsid+zen",
            "+user",
        ] {
            assert!(s.parse::<ProcessManager>().is_err(), "{s}");
        }
    }
}
