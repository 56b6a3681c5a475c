//! Pid files (`<root>/node.pid`, written by wnm; `<root>/antnode.pid`, written by antnode itself)
//! and the check that a live pid is really this node's process and not a reused pid.
use crate::fsops::write_atomic;
use std::path::Path;
use wnm_core::{Error, Result};

/// The pid file wnm writes in the node's root dir (the Python tool's name).
pub const PID_FILE: &str = "node.pid";

/// The pid in `path`, if the file exists and holds one.
pub fn read_pid(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.trim().parse().ok().filter(|p| *p > 0)
}

/// Write `pid` to `path` (atomically: temp file + rename).
pub fn write_pid(path: &Path, pid: u32) -> Result<()> {
    write_atomic(path, format!("{pid}\n").as_bytes())
}

/// Delete `path`; a file already gone is fine.
pub fn remove_pid(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(
            format!("removing pid file {}", path.display()),
            e,
        )),
    }
}

/// A command line belongs to the node when one of its arguments is the node's binary or root dir
/// (exact match, so `antnode0001` is not mistaken for `antnode00010`).
pub fn cmdline_belongs(cmdline: &[String], binary: &str, root_dir: &str) -> bool {
    let root = root_dir.trim_end_matches('/');
    cmdline
        .iter()
        .any(|a| a == binary || a.trim_end_matches('/') == root)
}

/// `pid`'s `/proc/PID/cmdline` names the node. Without `/proc` (not Linux) nothing can be
/// checked and the pid is trusted.
pub fn pid_belongs(pid: u32, binary: &str, root_dir: &str) -> bool {
    match wnm_runner::proc::cmdline(pid) {
        Some(c) => cmdline_belongs(&c, binary, root_dir),
        None => !Path::new("/proc/self/cmdline").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_files_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(PID_FILE);
        assert_eq!(read_pid(&p), None);
        write_pid(&p, 4321).unwrap();
        assert_eq!(read_pid(&p), Some(4321));
        std::fs::write(&p, "garbage").unwrap();
        assert_eq!(read_pid(&p), None);
        std::fs::write(&p, "0\n").unwrap();
        assert_eq!(read_pid(&p), None);
        remove_pid(&p).unwrap();
        remove_pid(&p).unwrap();
        assert!(!p.exists());
    }

    #[test]
    fn cmdline_ownership() {
        let c: Vec<String> = [
            "/n/antnode0001/antnode",
            "--root-dir",
            "/n/antnode0001",
            "--port",
            "55001",
        ]
        .map(String::from)
        .to_vec();
        assert!(cmdline_belongs(
            &c,
            "/n/antnode0001/antnode",
            "/n/antnode0001"
        ));
        assert!(cmdline_belongs(&c, "/x/antnode", "/n/antnode0001/"));
        assert!(!cmdline_belongs(
            &c,
            "/n/antnode00010/antnode",
            "/n/antnode00010"
        ));
        assert!(!cmdline_belongs(
            &[],
            "/n/antnode0001/antnode",
            "/n/antnode0001"
        ));
        assert!(pid_belongs(
            std::process::id(),
            &wnm_runner::proc::cmdline(std::process::id()).unwrap()[0],
            "/nowhere"
        ));
        assert!(!pid_belongs(std::process::id(), "/nope", "/nowhere"));
    }
}
