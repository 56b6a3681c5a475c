//! The boot time reboot detection compares with: the later of the kernel's boot (`btime`) and the
//! start of PID 1 of wnm's PID namespace. On a host the two are seconds apart. In a container
//! (systemd as its PID 1, LXC, docker) the container's start is its boot: a `docker restart`
//! stops every node in it while the kernel's btime stays the host's.
//!
//! PID 1's start is rounded up to the second: a reboot is `boot_time > last run`, and a restart
//! quicker than the kernel's whole-second `btime` must still count (a boot time a fraction late
//! can only cause one harmless extra re-survey).
use std::time::{SystemTime, UNIX_EPOCH};

/// `kernel_btime` (epoch seconds), or PID 1's start when that is later.
pub fn effective_boot_time(kernel_btime: i64) -> i64 {
    let hz = rustix::param::clock_ticks_per_second();
    let ticks = wnm_runner::proc::stat(1).map(|s| s.starttime);
    let uptime = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    match (ticks, uptime) {
        (Some(t), Some(up)) => kernel_btime.max(process_start(now, up, t, hz)),
        _ => kernel_btime,
    }
}

/// When a process started, in epoch seconds rounded up: `now - uptime` is the kernel's boot,
/// `ticks / hz` how long after it the process started.
pub fn process_start(now: f64, uptime: f64, ticks: u64, hz: u64) -> i64 {
    (now - uptime + ticks as f64 / hz.max(1) as f64).ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_start_rounds_up() {
        // booted at 1000.5, started 123.45 s later: 1123.95 -> 1124
        assert_eq!(process_start(2000.5, 1000.0, 12345, 100), 1124);
        assert_eq!(process_start(2000.0, 1000.0, 100, 100), 1001);
    }

    #[test]
    fn never_earlier_than_the_kernel_boot_and_not_in_the_future() {
        let real = sysinfo::System::boot_time().expect("boot time") as i64;
        let t = effective_boot_time(real);
        assert!(t >= real, "{t} < {real}");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            t <= now + 1,
            "PID 1 did not start in the future: {t} > {now}"
        );
        assert_eq!(
            effective_boot_time(now + 100),
            now + 100,
            "never earlier than btime"
        );
    }
}
