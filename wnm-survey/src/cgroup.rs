//! How many CPUs this process may really use: the host's count capped by a cgroup CPU quota.
//!
//! cgroup v2 writes the quota to `<cgroup>/cpu.max` as `"<quota> <period>"` or `"max <period>"`;
//! cgroup v1 to `cpu.cfs_quota_us` (-1 = none) and `cpu.cfs_period_us`. A container limited
//! with `--cpus 1.5` on an 8-core host has 2 usable CPUs, not 8, and load limits derived
//! from the CPU count must follow.
use std::path::{Path, PathBuf};

/// CPUs allowed by a cgroup v2 `cpu.max` text; `None` when unlimited or unreadable.
pub fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota = parts.next()?;
    let period: f64 = parts.next().map_or(Some(100_000.0), |p| p.parse().ok())?;
    if quota == "max" || period <= 0.0 {
        return None;
    }
    let quota: f64 = quota.parse().ok()?;
    (quota > 0.0).then_some(quota / period)
}

/// CPUs allowed by cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` texts.
pub fn parse_cfs(quota: &str, period: &str) -> Option<f64> {
    let quota: f64 = quota.trim().parse().ok()?;
    let period: f64 = period.trim().parse().ok()?;
    (quota > 0.0 && period > 0.0).then_some(quota / period)
}

/// `logical` CPUs capped by `quota` (rounded up, at least 1).
pub fn effective_cpu_count(logical: usize, quota: Option<f64>) -> u32 {
    let logical = logical.max(1) as u32;
    match quota {
        Some(q) if q.is_finite() && q > 0.0 => logical.min((q.ceil() as u32).max(1)),
        _ => logical,
    }
}

/// The tightest CPU quota on this process's cgroup or any ancestor, read under `root`
/// (normally `/sys/fs/cgroup`) using `proc_self_cgroup` (the text of `/proc/self/cgroup`).
pub fn cpu_quota_under(root: &Path, proc_self_cgroup: &str) -> Option<f64> {
    let mut best: Option<f64> = None;
    let mut consider = |q: Option<f64>| {
        if let Some(q) = q {
            best = Some(best.map_or(q, |b: f64| b.min(q)));
        }
    };
    for line in proc_self_cgroup.lines() {
        // `hierarchy:controllers:path`; v2 is `0::/path`, v1 cpu is `N:cpu,cpuacct:/path`.
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if controllers.is_empty() {
            for dir in ancestors(&root.join(rel), root) {
                consider(
                    read(&dir.join("cpu.max"))
                        .as_deref()
                        .and_then(parse_cpu_max),
                );
            }
        } else if controllers.split(',').any(|c| c == "cpu") {
            for base in [root.join(controllers), root.join("cpu")] {
                for dir in ancestors(&base.join(rel), &base) {
                    let q = read(&dir.join("cpu.cfs_quota_us"));
                    let p = read(&dir.join("cpu.cfs_period_us"));
                    if let (Some(q), Some(p)) = (q, p) {
                        consider(parse_cfs(&q, &p));
                    }
                }
            }
        }
    }
    best
}

/// The CPU quota of this process (`/sys/fs/cgroup`, `/proc/self/cgroup`), if any.
pub fn cpu_quota() -> Option<f64> {
    let own = read(Path::new("/proc/self/cgroup")).unwrap_or_else(|| "0::/\n".to_string());
    cpu_quota_under(Path::new("/sys/fs/cgroup"), &own)
}

fn ancestors(dir: &Path, stop: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        out.push(d.to_path_buf());
        if d == stop || !d.starts_with(stop) {
            break;
        }
        cur = d.parent();
    }
    out
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_max_texts() {
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(1.5));
        assert_eq!(parse_cpu_max("50000"), Some(0.5));
        assert_eq!(parse_cpu_max(""), None);
        assert_eq!(parse_cpu_max("x 100000"), None);
        assert_eq!(parse_cfs("-1\n", "100000\n"), None);
        assert_eq!(parse_cfs("200000\n", "100000\n"), Some(2.0));
    }

    #[test]
    fn count_is_capped_and_rounded_up() {
        assert_eq!(effective_cpu_count(8, Some(1.5)), 2);
        assert_eq!(effective_cpu_count(8, Some(0.2)), 1);
        assert_eq!(effective_cpu_count(2, Some(16.0)), 2);
        assert_eq!(effective_cpu_count(4, None), 4);
        assert_eq!(effective_cpu_count(0, None), 1);
    }

    #[test]
    fn reads_the_tightest_quota_on_the_path_v2_and_v1() {
        let root = tempfile::tempdir().unwrap();
        let leaf = root.path().join("system.slice/wnm.service");
        std::fs::create_dir_all(&leaf).unwrap();
        std::fs::write(root.path().join("system.slice/cpu.max"), "300000 100000\n").unwrap();
        std::fs::write(leaf.join("cpu.max"), "max 100000\n").unwrap();
        assert_eq!(
            cpu_quota_under(root.path(), "0::/system.slice/wnm.service\n"),
            Some(3.0)
        );
        std::fs::write(root.path().join("cpu.max"), "100000 100000\n").unwrap();
        assert_eq!(
            cpu_quota_under(root.path(), "0::/system.slice/wnm.service\n"),
            Some(1.0)
        );
        assert_eq!(cpu_quota_under(root.path(), "0::/elsewhere\n"), Some(1.0));

        let v1 = tempfile::tempdir().unwrap();
        let cpu = v1.path().join("cpu,cpuacct/docker/abc");
        std::fs::create_dir_all(&cpu).unwrap();
        std::fs::write(cpu.join("cpu.cfs_quota_us"), "250000\n").unwrap();
        std::fs::write(cpu.join("cpu.cfs_period_us"), "100000\n").unwrap();
        assert_eq!(
            cpu_quota_under(v1.path(), "4:cpu,cpuacct:/docker/abc\n0::/\n"),
            Some(2.5)
        );
        assert_eq!(cpu_quota_under(v1.path(), "4:memory:/x\n"), None);
    }
}
