//! Backend for macOS launchd (user and sudo modes): plist generation, launchctl control, plist
//! discovery.
//!
//! - `launchd+user`: job plists `com.autonomi.antnode-<id>.plist` in `~/Library/LaunchAgents`,
//!   driven in the `gui/<uid>` domain; nodes run as the invoking user; data under
//!   `<base_dir>/node` (`~/Library/Application Support/autonomi/node`).
//! - `launchd+sudo`: plists in `/Library/LaunchDaemons` (under `BackendContext::root`), the
//!   `system` domain, nodes run as `ant` (`UserName`) and own their dirs; launchctl and file
//!   work go through `sudo -n` when wnm is not root.
//!
//! Every job has `RunAtLoad` and `KeepAlive`: `launchctl load -w` starts it, launchd restarts it
//! when it exits, `launchctl unload -w` stops it and keeps it stopped across a reboot. Labels,
//! file names and subcommands are the Python wnm 0.5.0's, so its jobs are found (`--init
//! --import`) and driven as before, recorded as launchd nodes (0.5.0 recorded them wrong).
//!
//! launchd is macOS only: elsewhere the backend is refused with `ErrorKind::InvalidConfig` (a
//! manager this host cannot have; exit 2) unless `WNM_LAUNCHCTL` names a launchctl (the tests'
//! `launchctl-emu`, in `wnm-testkit`).
//!
//! Modules: [`backend`] (the `Backend` impl), [`config`] (settings from the context and the
//! host), [`plist`] (generation, pure), [`parse`] (reading plists and `launchctl list`, pure),
//! [`launchctl`] (command builder, pure), [`discover`] (plists to nodes, pure), [`fs`] (direct or
//! sudo file work), [`error`].
//!
//! ```
//! let mut registry = wnm_core::Registry::new();
//! wnm_backend_launchd::register(&mut registry);
//! assert_eq!(registry.kinds(), ["launchd"]);
//! ```

pub mod backend;
pub mod config;
pub mod discover;
pub mod error;
pub mod fs;
pub mod launchctl;
pub mod parse;
pub mod plist;

#[cfg(test)]
mod backend_tests;
#[cfg(test)]
mod testutil;

pub use backend::LaunchdBackend;
pub use config::{HostFacts, LAUNCHCTL_ENV, LaunchdConfig};
pub use launchctl::{Domain, Launchctl};
pub use plist::PlistSpec;

use std::sync::Arc;
use wnm_core::{Backend, BackendContext, ProcessManager, Registry, Result};

/// Build the launchd backend for `ctx` (the `BackendFactory` registered under `launchd`).
pub fn build(ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
    Ok(Arc::new(LaunchdBackend::new(ctx)?))
}

/// Make the `launchd` kind available.
pub fn register(registry: &mut Registry) {
    registry.register(ProcessManager::LAUNCHD, build);
}
