//! The `Firewall` trait (open/close a node's UDP port) and the null firewall used when none is wanted.
use crate::error::Result;
use async_trait::async_trait;

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
