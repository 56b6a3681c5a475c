//! Reading `/proc/PID/*` on Linux: process state (zombies), session and group ids, command line, executable.
//!
//! Every function returns `None` when the process does not exist or `/proc` is not there (macOS):
//! callers treat that as "unknown", never as a failure.
use std::path::PathBuf;

/// The fields of `/proc/PID/stat` wnm uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id (field 1).
    pub pid: u32,
    /// State letter (field 3): `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead) ...
    pub state: char,
    /// Parent pid (field 4).
    pub ppid: u32,
    /// Process group id (field 5).
    pub pgrp: u32,
    /// Session id (field 6).
    pub session: u32,
}

impl ProcStat {
    /// The process has exited and waits to be reaped (`Z`) or is being torn down (`X`, `x`).
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parse the text of `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself
/// contain spaces and `)`, so the fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    let session = rest.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
        session,
    })
}

/// `/proc/PID/stat`, parsed.
pub fn stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Split the NUL-separated text of `/proc/PID/cmdline` into arguments (lossy UTF-8).
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The argument vector of `pid` (program first). Empty for zombies and kernel threads.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(parse_cmdline(&bytes))
}

/// The executable `pid` runs (`/proc/PID/exe`); needs the same user or root.
pub fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_awkward_command_name() {
        let s = parse_stat("4242 (my (odd) prog) Z 1 4242 4200 0 -1 4194560 0 0").unwrap();
        assert_eq!(
            s,
            ProcStat {
                pid: 4242,
                state: 'Z',
                ppid: 1,
                pgrp: 4242,
                session: 4200
            }
        );
        assert!(s.is_zombie());
        assert!(parse_stat("garbage").is_none());
        assert!(parse_stat("12 (x) S").is_none());
    }

    #[test]
    fn own_stat_is_readable_and_running() {
        let me = std::process::id();
        let s = stat(me).expect("/proc/self/stat");
        assert_eq!(s.pid, me);
        assert!(!s.is_zombie());
        assert!(!cmdline(me).unwrap().is_empty());
    }

    #[test]
    fn cmdline_split() {
        assert_eq!(parse_cmdline(b"a\0b c\0\0d\0"), ["a", "b c", "", "d"]);
        assert!(parse_cmdline(b"").is_empty());
    }
}
