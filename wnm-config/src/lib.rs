//! Layered configuration: command line > environment > config files > stored machine row >
//! defaults, with validation, the `machine-config` report, the file layout and the CLI key table.
//!
//! The flow of a run:
//! 1. [`Sources::gather`] reads the config files (`~/.local/share/wnm/config`, `~/wnm/config`,
//!    every `-c FILE`, `~/.local/share/wnm/.env`) next to the command line and environment.
//! 2. [`Layers::collect`] parses and checks everything against [`keys::KEYS`]; [`Layers::options`]
//!    gives the transient [`RunOptions`] and [`Layers::process_manager_hint`] the manager.
//! 3. [`Paths::resolve`] picks BASE_DIR, the database and the lock file.
//! 4. After loading the stored row, [`Layers::resolve`] gives the [`Resolved`] `Machine` (changes
//!    already applied) and the [`Change`]s to persist, or refuses an invalid configuration.
//!
//! Flag, environment and config-file names are the Python wnm's (`--node_cap`, `NODE_CAP`,
//! `node_cap = 40`), so existing cron lines and config files keep working.
pub mod file;
pub mod keys;
pub mod layers;
pub mod options;
pub mod parse;
pub mod paths;
pub mod report;
pub mod resolve;
pub mod sources;
pub mod validate;

pub use layers::{Given, Layers};
pub use options::{ForceAction, ReportFormat, ReportKind, RunOptions};
pub use paths::{Paths, Platform};
pub use report::render_machine_config;
pub use resolve::{Change, Mode, Resolved, resolve};
pub use sources::{Origin, Sources, process_env};

#[cfg(test)]
mod tests;
