//! Backend for detached processes (`setsid+user`, `setsid+sudo`): each node runs in its own
//! session (it outlives wnm and the terminal), its pid is kept in `<root>/node.pid`, and it is
//! stopped with SIGTERM, a grace period (10 s) and SIGKILL.
//!
//! Files: [`config`] (what the backend reads from its `BackendContext`), [`layout`] (node paths
//! and the checks before touching them), [`command`] (the pure command builder, including how
//! sudo mode runs nodes as the `ant` user), [`discover`] (rebuilding nodes from dirs and running
//! processes for `--init --import`), [`pidfile`], and [`backend`] (the `Backend` impl).
//!
//! All process spawns and signals go through the context's `Runner`; node processes are
//! recognised by their `/proc/PID/cmdline` naming the node's binary or root dir, so a reused
//! pid never makes a foreign process look like a node.
//!
//! ```
//! let mut registry = wnm_core::Registry::new();
//! wnm_backend_setsid::register(&mut registry);
//! assert_eq!(registry.kinds(), ["setsid"]);
//! ```

pub mod backend;
pub mod command;
pub mod config;
pub mod discover;
use wnm_runner::nodefs as fsops;
pub mod layout;
pub mod pidfile;
use wnm_runner::passwd as users;

#[cfg(test)]
mod testutil;

pub use backend::SetsidBackend;
pub use command::{RunAs, node_command};
pub use config::SetsidConfig;
pub use layout::{NodeLayout, layout};
pub use users::{PasswdEntry, lookup_user};

use std::sync::Arc;
use wnm_core::{Backend, BackendContext, Registry, Result};

fn build(ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
    Ok(Arc::new(SetsidBackend::from_context(ctx)?))
}

/// Make the `setsid` process manager (`setsid+user`, `setsid+sudo`) available.
pub fn register(registry: &mut Registry) {
    registry.register(wnm_core::ProcessManager::SETSID, build);
}
