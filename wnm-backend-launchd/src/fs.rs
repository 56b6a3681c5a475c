//! The file work of the backend (node dirs, binary copies, plists, ownership):
//! `wnm_runner::privileged`, done directly when wnm may (user mode, or root) or through `sudo -n`
//! commands otherwise (launchd+sudo run by an operator: `/Library/LaunchDaemons` and `ant`'s
//! dirs belong to root and `ant`). Paths are real paths (the filesystem root is `/`).
use std::path::Path;
use std::sync::Arc;
use wnm_core::{Error, Result, Runner};
pub use wnm_runner::privileged::{Privilege, PrivilegedFs};

/// Mode of plists: launchd refuses a job file others may write.
pub const PLIST_MODE: u32 = 0o644;

/// The file layer of a launchd backend with `privilege`; sudo failures name `launchd+sudo`.
pub fn node_fs(privilege: Privilege, runner: Arc<dyn Runner>) -> PrivilegedFs {
    PrivilegedFs::new("/", privilege, runner).naming("launchd+sudo")
}

/// Put `source` at `dest` as an executable; a missing source is `NotFound` naming the setting
/// (through sudo too, where `install` would only say it failed).
pub async fn install_executable(fs: &PrivilegedFs, source: &Path, dest: &Path) -> Result<bool> {
    if !source.is_file() {
        return Err(Error::not_found(format!(
            "node binary {} is missing or not a file; set antnode_path to an antnode binary",
            source.display()
        )));
    }
    fs.install_executable(source, dest).await
}
