//! The one place wnm spawns and signals processes: `SystemRunner` implements `wnm_core::Runner`.
//!
//! - [`SystemRunner`] is the real runner: `run` captures output with a timeout, `spawn_detached`
//!   starts a node in its own session, `signal` and `is_alive` use `kill(2)` and `/proc`.
//! - [`RecordingRunner`] is the test double other crates (systemd, launchd, antctl backends) use
//!   to assert which commands they would run and to script what those commands answer.
//! - [`proc`] reads `/proc/PID/{stat,cmdline,exe}` (session ids, zombies, command lines).
//! - [`nodefs`] and [`passwd`]: node file work (dirs with owner, atomic binary install, tree
//!   removal) and `/etc/passwd` lookups, shared by the backends that touch node files directly.
//! - [`privileged`]: the same file work for backends that may have to act as root (systemd,
//!   launchd): directly through `nodefs`, or through `sudo -n` commands.
//!
//! Architecture invariant: `Command::new` appears only in `src/system.rs` of this crate.

pub mod nodefs;
pub mod passwd;
pub mod privileged;
pub mod proc;
mod program;
mod recording;
mod signals;
mod system;

pub use program::resolve_program;
pub use recording::{Call, RecordingRunner};
pub use signals::{is_alive, send_signal};
pub use system::SystemRunner;
