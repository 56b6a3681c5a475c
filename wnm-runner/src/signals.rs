//! Signalling and probing processes by pid with `kill(2)` (through rustix) and `/proc`.
use rustix::io::Errno;
use rustix::process::{Pid, Signal as RSignal, kill_process, test_kill_process};
use wnm_core::{Error, Result, Signal};

fn to_pid(pid: u32) -> Option<Pid> {
    // Pid 0 and negative values would address process groups: never allowed here.
    i32::try_from(pid).ok().and_then(Pid::from_raw)
}

/// Send `signal` to `pid`. A pid that no longer exists is Ok; pid 0 or one that does not fit an
/// `i32` is refused (it would address a whole process group).
pub fn send_signal(pid: u32, signal: Signal) -> Result<()> {
    let p = to_pid(pid).ok_or_else(|| {
        Error::invalid_config(format!(
            "refusing to signal pid {pid}: not a single process id"
        ))
    })?;
    let sig = match signal {
        Signal::Term => RSignal::TERM,
        Signal::Kill => RSignal::KILL,
    };
    match kill_process(p, sig) {
        Ok(()) | Err(Errno::SRCH) => Ok(()),
        Err(Errno::PERM) => Err(Error::backend(format!(
            "not permitted to send {signal:?} to pid {pid} (it belongs to another user); run wnm as root or as the node's user"
        ))),
        Err(e) => Err(Error::backend(format!(
            "sending {signal:?} to pid {pid} failed: {e}"
        ))),
    }
}

/// True while `pid` exists and is not a zombie. A process of another user (`EPERM`) exists.
pub fn is_alive(pid: u32) -> bool {
    let Some(p) = to_pid(pid) else {
        return false;
    };
    match test_kill_process(p) {
        Ok(()) | Err(Errno::PERM) => {}
        Err(_) => return false,
    }
    // An exited child that nobody reaped yet still answers kill(0): /proc tells the truth.
    match crate::proc::stat(pid) {
        Some(s) => !s.is_zombie(),
        None => !std::path::Path::new("/proc/self/stat").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_bad_pids_are_not() {
        assert!(is_alive(std::process::id()));
        assert!(!is_alive(0));
        assert!(!is_alive(u32::MAX));
        assert!(send_signal(0, Signal::Term).is_err());
        assert!(send_signal(u32::MAX, Signal::Kill).is_err());
    }
}
