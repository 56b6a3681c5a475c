//! Core model of wnm: `Node`, `Machine`, the planner `Snapshot`, `NodeStatus` and its legal
//! transitions, node-line profiles, the `Backend`, `Firewall` and `Runner` traits, and one error type.
//!
//! This crate does no IO and has few dependencies: third parties build backends against it alone.

pub mod backend;
pub mod error;
pub mod firewall;
pub mod machine;
pub mod manager;
pub mod metrics;
pub mod node;
pub mod profile;
pub mod runner;
pub mod snapshot;
pub mod status;
pub mod version;
pub mod wallet;

pub use backend::{
    Backend, BackendContext, BackendFactory, Capabilities, ContainerInfo, ProcessState, Registry,
    kept_binary_path,
};
pub use error::{Error, ErrorKind, Result};
pub use firewall::{Firewall, FirewallSetting, NullFirewall, Protocol};
pub use machine::Machine;
pub use manager::{ManagerMode, ProcessManager};
pub use metrics::{DiskUsage, MachineMetrics, NodeMetrics};
pub use node::{Node, NodeId, UnixTime, parse_service_name, service_name};
pub use profile::{AntNode2026, Antnode04, HealthCheck, LaunchOptions, NodeLine};
pub use runner::{CommandOutput, CommandSpec, Runner, Signal};
pub use snapshot::{IdAllocation, NodeFacts, Snapshot};
pub use status::NodeStatus;
pub use version::Version;
pub use wallet::{EvmAddress, WalletList, WalletTarget};
