//! The boot time reboot detection compares with: the later of the kernel's boot (`btime`) and the
//! start of PID 1 of wnm's PID namespace. On a host the two are seconds apart. In a container
//! (systemd as its PID 1, LXC, docker) the container's start is its boot: a `docker restart`
//! stops every node in it while the kernel's btime stays the host's.

/// `kernel_btime` (epoch seconds), or PID 1's start when that is later.
pub fn effective_boot_time(kernel_btime: i64) -> i64 {
    let hz = rustix::param::clock_ticks_per_second();
    std::fs::read_to_string("/proc/1/stat")
        .ok()
        .and_then(|stat| start_after_boot_secs(&stat, hz))
        .map_or(kernel_btime, |secs| kernel_btime.max(kernel_btime + secs))
}

/// Seconds after boot a process started, from its `/proc/PID/stat` line (field 22, `starttime`,
/// in clock ticks). The command name may hold blanks and parentheses: fields are counted after
/// the last `)`.
pub fn start_after_boot_secs(stat: &str, ticks_per_second: u64) -> Option<i64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // `rest` starts with field 3 (state); starttime is field 22.
    let ticks: u64 = rest.split_whitespace().nth(22 - 3)?.parse().ok()?;
    i64::try_from(ticks / ticks_per_second.max(1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttime_is_field_22_after_the_command_name() {
        let systemd = "1 (systemd) S 0 1 1 0 -1 4194560 51 4 0 0 3 5 0 0 20 0 1 0 12345 22282240 2862 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0";
        assert_eq!(start_after_boot_secs(systemd, 100), Some(123));
        let odd = "7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0 0";
        assert_eq!(start_after_boot_secs(odd, 100), Some(5));
        assert_eq!(start_after_boot_secs("garbage", 100), None);
        assert_eq!(start_after_boot_secs("1 (x) S 0", 100), None);
    }

    #[test]
    fn never_earlier_than_the_kernel_boot_and_not_in_the_future() {
        let btime = 1_700_000_000;
        let t = effective_boot_time(btime);
        assert!(t >= btime, "{t}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        // PID 1 started before this test did (relative to the real btime).
        let real = sysinfo::System::boot_time().expect("boot time") as i64;
        assert!(
            effective_boot_time(real) <= now,
            "PID 1 did not start in the future"
        );
    }
}
