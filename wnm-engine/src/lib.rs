//! The pure wnm planner: `plan(&Snapshot, &Policy, now) -> Plan`. No IO, no clock, no async;
//! other Autonomi tools embed it.
pub mod plan;

pub use plan::{Action, Plan, Reason, Step};
