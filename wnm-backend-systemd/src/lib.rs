//! Backend for systemd (user and sudo modes): unit generation, systemctl control, unit discovery,
//! and taking a host over from anm.
//!
//! - `systemd+user`: units in `~/.config/systemd/user`, driven with `systemctl --user`; nodes run
//!   as the invoking user; data under `<base_dir>/node`, logs under `<base_dir>/logs`.
//! - `systemd+sudo`: units in `/etc/systemd/system`, driven with `systemctl` (through `sudo -n`
//!   when wnm is not root); nodes run as `ant` (created with `useradd --system` when missing) and
//!   own their dirs; data under `/var/antctl/services`, logs under `/var/log/antnode`.
//!
//! Units are named `antnodeNNNN.service`, hold the node's own binary copy in its root dir, and
//! look like anm's (see [`unit`]). Every path is mapped under `BackendContext::root`, so tests
//! run against a temp dir. One `daemon-reload` per cycle: see [`backend`].
//!
//! Modules: [`backend`] (the `Backend` impl), [`config`] (settings from the context), [`unit`]
//! (generation, pure), [`parse`] (reading units, pure), [`systemctl`] (command builder),
//! [`execline`] (systemd quoting), [`fs`] (direct or sudo file work), [`users`], [`anm`] (takeover).

pub mod anm;
pub mod backend;
pub mod config;
pub mod error;
pub mod execline;
pub mod fs;
pub mod parse;
pub mod systemctl;
pub mod unit;
pub mod users;

#[cfg(test)]
mod backend_tests;
#[cfg(test)]
mod testutil;

pub use anm::{AnmHost, AnmSettings, read_anm_host, take_over_anm};
pub use backend::SystemdBackend;
pub use config::SystemdConfig;
pub use parse::{ParseContext, ParsedUnit, UnitLocation, UnitStyle, parse_node_unit};
pub use unit::UnitSpec;

use std::sync::Arc;
use wnm_core::{Backend, BackendContext, ProcessManager, Registry, Result};

/// Build the systemd backend for `ctx` (the `BackendFactory` registered under `systemd`).
pub fn build(ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
    Ok(Arc::new(SystemdBackend::new(ctx)?))
}

/// Make the `systemd` kind available.
pub fn register(registry: &mut Registry) {
    registry.register(ProcessManager::SYSTEMD, build);
}
