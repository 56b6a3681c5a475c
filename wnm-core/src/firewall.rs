//! The `Firewall` trait (open/close a node's UDP port), the null firewall used when none is
//! wanted, and the operator's `firewall` setting (`auto`, `ufw`, `none`), parsed here only.
use crate::error::{Error, Result};
use async_trait::async_trait;

/// The operator's firewall setting (`machine.firewall`, stored as its [`std::fmt::Display`]
/// text). The one parser: the configuration, the legacy `WNM_FIREWALL` variable and the wiring
/// all read it through [`std::str::FromStr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallSetting {
    /// UFW in sudo mode when installed; nothing otherwise.
    Auto,
    /// Always UFW (fails loudly if ufw is missing).
    Ufw,
    /// Never touch a firewall (`none`; `null` and `off` read as it).
    Null,
}

impl FirewallSetting {
    /// What is accepted, as error messages say it.
    pub const CHOICES: &'static str = "auto, ufw, none (or null, off)";

    /// `auto`, `ufw`, `none`: the stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            FirewallSetting::Auto => "auto",
            FirewallSetting::Ufw => "ufw",
            FirewallSetting::Null => "none",
        }
    }
}

impl std::fmt::Display for FirewallSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FirewallSetting {
    type Err = Error;
    /// Case and surrounding blanks do not matter; an empty value is not a choice.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(FirewallSetting::Auto),
            "ufw" => Ok(FirewallSetting::Ufw),
            "none" | "null" | "off" => Ok(FirewallSetting::Null),
            _ => Err(Error::invalid_config(format!(
                "firewall {s:?} is not a firewall; choose one of {}",
                Self::CHOICES
            ))),
        }
    }
}

/// Transport of a firewall rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// UDP (node ports).
    Udp,
    /// TCP.
    Tcp,
}

impl Protocol {
    /// `udp` / `tcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
        }
    }
}

/// Opens a hole when a node starts, closes it when the node stops or goes. Implementations only
/// ever touch rules they created.
#[async_trait]
pub trait Firewall: Send + Sync {
    /// Name for logs and reports (`ufw`, `null`).
    fn name(&self) -> &str;
    /// Allow inbound traffic to `port`.
    async fn open(&self, port: u16, protocol: Protocol) -> Result<()>;
    /// Remove the rule `open` created.
    async fn close(&self, port: u16, protocol: Protocol) -> Result<()>;
}

/// Does nothing: user-mode hosts, or `WNM_FIREWALL_DISABLED`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullFirewall;

#[async_trait]
impl Firewall for NullFirewall {
    fn name(&self) -> &str {
        "null"
    }
    async fn open(&self, _port: u16, _protocol: Protocol) -> Result<()> {
        Ok(())
    }
    async fn close(&self, _port: u16, _protocol: Protocol) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_print_back() {
        use FirewallSetting::*;
        for (text, want) in [
            ("auto", Auto),
            ("ufw", Ufw),
            (" UFW ", Ufw),
            ("none", Null),
            (" None ", Null),
            ("null", Null),
            ("OFF", Null),
        ] {
            assert_eq!(text.parse::<FirewallSetting>().unwrap(), want, "{text:?}");
        }
        for s in [Auto, Ufw, Null] {
            assert_eq!(s.to_string().parse::<FirewallSetting>().unwrap(), s);
        }
        assert_eq!(Null.to_string(), "none");
        for bad in ["", "  ", "iptables", "pf"] {
            let e = bad.parse::<FirewallSetting>().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidConfig, "{bad:?}");
            assert!(e.message().contains("auto, ufw, none"), "{e}");
        }
    }
}
