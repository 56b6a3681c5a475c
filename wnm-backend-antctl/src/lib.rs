//! Backend driving antctl (ant-node-manager 0.14.x, `antctl 0.14.2` captured in
//! `tests/fixtures/`): wnm decides, antctl does. Nodes are added with `antctl add`, started,
//! stopped, removed and upgraded by name (`antnode1`, no zero padding), imported from
//! `antctl status --json`, and torn down with `antctl reset --force`. antctl drives systemd.
//!
//! - `antctl+sudo`: antctl as root (`sudo -n antctl` when wnm is not root): system units, nodes
//!   run as `ant`, registry `/var/antctl/node_registry.json`; dirs in wnm's layout
//!   (`--data-dir-path node_storage`, `--log-dir-path /var/log/antnode`).
//! - `antctl+user`: antctl as the invoking user: `systemctl --user` units (a lingering user
//!   manager), registry under `~/.local/share/autonomi/node`; dirs in wnm's layout.
//! - `antctl+zen`: antctl as wnm runs, choosing the dirs itself; wnm reads them back from what
//!   `antctl add` prints.
//!
//! antctl never reuses a number (removed entries stay until `reset`), so new node ids are
//! `highest_node_id_used + 1` (`IdAllocation::NeverReuse`); see [`backend`] for how the two
//! numberings are kept in step.
//!
//! Modules: [`backend`] (the `Backend` impl), [`config`] (settings from the context),
//! [`command`] (every antctl command, pure), [`args`] (`start_args` and `environment` as
//! `antctl add` options, pure), [`parse`] (`add` output, `status --json`, pure), [`import`]
//! (registry entries as nodes, pure), [`registry`] (entry count of the registry file),
//! [`systemd`] (the daemon-reload antctl forgets), [`error`].

pub mod args;
pub mod backend;
pub mod command;
pub mod config;
pub mod error;
pub mod import;
pub mod parse;
pub mod registry;
pub mod systemd;

#[cfg(test)]
mod backend_tests;
#[cfg(test)]
mod testutil;

pub use backend::AntctlBackend;
pub use config::AntctlConfig;

use std::sync::Arc;
use wnm_core::{Backend, BackendContext, ProcessManager, Registry, Result};

/// Build the antctl backend for `ctx` (the `BackendFactory` registered under `antctl`).
pub fn build(ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
    Ok(Arc::new(AntctlBackend::new(ctx)?))
}

/// Make the `antctl` kind available.
pub fn register(registry: &mut Registry) {
    registry.register(ProcessManager::ANTCTL, build);
}
