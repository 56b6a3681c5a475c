//! Asking one node how it is: its health endpoint (per its node line) and its process state.
use crate::reconcile::Answer;
use async_trait::async_trait;
use wnm_core::Node;

/// What one look at a node's health endpoint showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// How it answered.
    pub answer: Answer,
    /// Version from its metadata, when read.
    pub version: Option<String>,
    /// Peer id from its metadata, when read.
    pub peer_id: Option<String>,
}

impl Probe {
    /// Nothing was asked (node line without HTTP health).
    pub fn not_asked() -> Probe {
        Probe {
            answer: Answer::NotAsked,
            version: None,
            peer_id: None,
        }
    }
}

/// Looks at one node's health endpoint (metadata included).
#[async_trait]
pub trait Prober: Send + Sync {
    /// One look, bounded by the prober's own timeout.
    async fn probe(&self, node: &Node) -> Probe;
}
