//! Backend for Docker (`docker+user`, `docker+sudo`) through bollard, many nodes per container.
//!
//! A *pod* is a container holding up to `max_node_per_container` nodes (200 by default; large
//! operators run ~200 per container and 6,000 per server). Pods run with host networking
//! (antnode's metrics server binds 127.0.0.1 only, and no port mappings are needed), restart
//! policy `unless-stopped`, the labels `wnm.colony=<id>` and `wnm.pod=<n>`, and the name
//! `wnm-pod-<colony>-<n>`; in user mode as wnm's own uid:gid (files stay the operator's), in
//! sudo mode as `ant`. Node storage, the log base and the pod's control dir are bind-mounted at
//! their own paths; the wnm binary is mounted read-only as PID 1: its hidden `wnm pod`
//! subcommand is the [`supervisor`], which follows the desired-state files wnm writes in the
//! control dir ([`control`]). The image only needs a glibc the host's wnm and node binaries
//! run with (e.g. the host's own distribution release; wnm never pulls it).
//!
//! A new node goes to the emptiest pod with room (a new pod while fewer than
//! `min_container_count` exist, or when all are full). A pod left empty is removed while more
//! than `min_container_count` remain; once the colony has no node at all, every pod goes.
//!
//! Files: [`config`] (what the backend reads from its context), [`spec`] (the pure parts: pod
//! choice, pod container spec, node launch, path checks), [`control`] (the file formats),
//! [`engine`] (bollard), [`pods`] (the colony's pods, cached docker answers), [`discover`],
//! [`error`] (messages that say what to do), [`backend`] (the `Backend` impl) and
//! [`supervisor`] (PID 1 of a pod).
//!
//! ```
//! let mut registry = wnm_core::Registry::new();
//! wnm_backend_docker::register(&mut registry);
//! assert_eq!(registry.kinds(), ["docker"]);
//! ```

pub mod backend;
pub mod config;
pub mod control;
pub mod discover;
pub mod engine;
pub mod error;
use wnm_runner::nodefs as fsops;
pub mod pods;
pub mod spec;
pub mod supervisor;
use wnm_runner::passwd as users;

#[cfg(test)]
mod testutil;

pub use backend::DockerBackend;
pub use config::DockerConfig;
pub use supervisor::{PodOptions, run as run_pod};

use std::sync::Arc;
use wnm_core::{Backend, BackendContext, Registry, Result};

fn build(ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
    Ok(Arc::new(DockerBackend::from_context(ctx)?))
}

/// Make the `docker` process manager (`docker+user`, `docker+sudo`) available.
pub fn register(registry: &mut Registry) {
    registry.register(wnm_core::ProcessManager::DOCKER, build);
}
