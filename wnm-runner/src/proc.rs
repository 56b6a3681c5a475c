//! Reading `/proc/PID/*` on Linux: process state (zombies), session and group ids, CPU times and
//! start time, command line, executable. The one parser of `/proc/PID/stat` in the workspace.
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
    /// User-mode CPU time, clock ticks (field 14).
    pub utime: u64,
    /// Kernel-mode CPU time, clock ticks (field 15).
    pub stime: u64,
    /// When the process started, clock ticks after the boot (field 22).
    pub starttime: u64,
}

impl ProcStat {
    /// The process has exited and waits to be reaped (`Z`) or is being torn down (`X`, `x`).
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }

    /// CPU time used (user + system), given the clock ticks per second.
    pub fn cpu_time(&self, ticks_per_second: u64) -> std::time::Duration {
        std::time::Duration::from_nanos(
            (self.utime + self.stime).saturating_mul(1_000_000_000) / ticks_per_second.max(1),
        )
    }
}

/// Parse the text of `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself
/// contain spaces and `)`, so the fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    // `rest[0]` is field 3 (state).
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).copied();
    let number = |n: usize| field(n)?.parse::<u64>().ok();
    Some(ProcStat {
        pid,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        pgrp: field(5)?.parse().ok()?,
        session: field(6)?.parse().ok()?,
        utime: number(14)?,
        stime: number(15)?,
        starttime: number(22)?,
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

/// The environment `pid` was started with (`K=V` entries, in order); needs the same user or root.
pub fn environ(pid: u32) -> Option<Vec<String>> {
    let bytes = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
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
        let s = parse_stat(
            "4242 (my (odd) prog) Z 1 4242 4200 0 -1 4194560 0 0 0 0 31 7 0 0 20 0 1 0 9876 0 0",
        )
        .unwrap();
        assert_eq!(
            s,
            ProcStat {
                pid: 4242,
                state: 'Z',
                ppid: 1,
                pgrp: 4242,
                session: 4200,
                utime: 31,
                stime: 7,
                starttime: 9876,
            }
        );
        assert!(s.is_zombie());
        assert_eq!(s.cpu_time(100), std::time::Duration::from_millis(380));
        assert!(parse_stat("garbage").is_none());
        assert!(parse_stat("12 (x) S").is_none());
        // cut short before the start time (field 22)
        assert!(parse_stat("12 (x) S 1 12 12 0 -1 0 0 0 0 0 3 5 0 0 20 0 1 0").is_none());
    }

    #[test]
    fn starttime_is_field_22_after_the_command_name() {
        let systemd = "1 (systemd) S 0 1 1 0 -1 4194560 51 4 0 0 3 5 0 0 20 0 1 0 12345 22282240 2862 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0";
        let s = parse_stat(systemd).unwrap();
        assert_eq!((s.utime, s.stime, s.starttime), (3, 5, 12345));
        let odd = "7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0 0";
        assert_eq!(parse_stat(odd).unwrap().starttime, 500);
        assert!(parse_stat("1 (x) S 0").is_none());
    }

    #[test]
    fn own_stat_is_readable_and_running() {
        let me = std::process::id();
        let s = stat(me).expect("/proc/self/stat");
        assert_eq!(s.pid, me);
        assert!(!s.is_zombie());
        assert!(s.starttime > 0, "started after the boot");
        assert!(!cmdline(me).unwrap().is_empty());
        let env = environ(me).unwrap();
        if let Ok(path) = std::env::var("PATH") {
            assert!(env.contains(&format!("PATH={path}")), "{env:?}");
        }
        assert!(environ(u32::MAX).is_none());
    }

    #[test]
    fn cmdline_split() {
        assert_eq!(parse_cmdline(b"a\0b c\0\0d\0"), ["a", "b c", "", "d"]);
        assert!(parse_cmdline(b"").is_empty());
    }
}
