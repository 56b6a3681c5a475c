//! The file work of the backend (node dirs, binary copies, unit files, ownership):
//! `wnm_runner::privileged`, done directly when wnm may (user mode, or root) or through `sudo -n`
//! commands otherwise. Paths given to it are host paths (as written in units), mapped under the
//! backend's filesystem root.
pub use wnm_runner::privileged::{Privilege, PrivilegedFs as NodeFs};

/// Mode of unit files: root's to write, everyone's to read (as systemd expects).
pub const UNIT_MODE: u32 = 0o644;
