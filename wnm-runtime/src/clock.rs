//! Wall-clock time as epoch seconds, behind a trait so tests can move time.
use std::time::{SystemTime, UNIX_EPOCH};
use wnm_core::UnixTime;

/// A source of "now".
pub trait Clock: Send + Sync {
    /// Epoch seconds.
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as UnixTime)
            .unwrap_or(0)
    }
}
