//! Machine metrics over a window that overlaps the survey: `begin()` before, `finish()` after.
//!
//! CPU % and the IO rates need two readings some time apart; instead of sleeping a second
//! (wnm 0.5.0) the window is the survey itself, stretched to sysinfo's
//! `MINIMUM_CPU_UPDATE_INTERVAL` when the survey was shorter. Network rates leave out
//! loopback: the survey itself moves megabytes over `lo`, which is not the node traffic
//! the `netio_*` limits are about.
use crate::cgroup;
use async_trait::async_trait;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use sysinfo::{
    CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, Networks, RefreshKind, System,
};
use wnm_core::{DiskUsage, Error, ErrorKind, MachineMetrics, Result};

/// Something that measures the host over a window. Tests supply [`FixedSampler`].
#[async_trait]
pub trait MachineSampler: Send {
    /// Also report the filesystems holding these node directories (each node's root dir),
    /// replacing the node paths given before; the paths given at construction stay. Call
    /// before `begin`. Samplers without disks ignore it.
    fn set_node_paths(&mut self, _paths: Vec<PathBuf>) {}
    /// Open the window (call just before the survey).
    fn begin(&mut self) -> Result<()>;
    /// Close the window and return the figures; waits for the rest of the minimum window
    /// if `begin` was too recent. Calls `begin` itself if it was never called.
    async fn finish(&mut self) -> Result<MachineMetrics>;
}

/// Returns the same figures every time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixedSampler {
    /// What `finish` returns.
    pub metrics: MachineMetrics,
    /// How many windows were opened (lets tests check the cycle called `begin`).
    pub begun: u32,
}

impl FixedSampler {
    /// A sampler that reports `metrics`.
    pub fn new(metrics: MachineMetrics) -> Self {
        FixedSampler { metrics, begun: 0 }
    }
}

#[async_trait]
impl MachineSampler for FixedSampler {
    fn begin(&mut self) -> Result<()> {
        self.begun += 1;
        Ok(())
    }

    async fn finish(&mut self) -> Result<MachineMetrics> {
        Ok(self.metrics.clone())
    }
}

/// Byte counters read at the start of the window.
#[derive(Debug, Clone, Copy)]
struct Counters {
    at: Instant,
    disk_read: u64,
    disk_written: u64,
    net_rx: u64,
    net_tx: u64,
}

/// The real sampler, on sysinfo 0.40.
pub struct SysinfoSampler {
    data_paths: Vec<PathBuf>,
    node_paths: Vec<PathBuf>,
    min_window: Duration,
    system: System,
    disks: Disks,
    networks: Networks,
    start: Option<Counters>,
}

impl SysinfoSampler {
    /// A sampler reporting disk usage for the filesystems holding `data_paths` (node
    /// storage roots; paths that do not exist yet are resolved to their nearest existing
    /// parent).
    pub fn new(data_paths: Vec<PathBuf>) -> Result<Self> {
        let refresh = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing().with_usage())
            .with_memory(MemoryRefreshKind::nothing().with_ram());
        let system =
            System::new_with_specifics(refresh).map_err(sys_err("reading CPU and memory"))?;
        let disks =
            Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_io_usage())
                .map_err(sys_err("listing disks"))?;
        let networks =
            Networks::new_with_refreshed_list().map_err(sys_err("listing network interfaces"))?;
        Ok(SysinfoSampler {
            data_paths,
            node_paths: Vec::new(),
            min_window: sysinfo::MINIMUM_CPU_UPDATE_INTERVAL,
            system,
            disks,
            networks,
            start: None,
        })
    }

    /// Make the window at least `window` long (default: sysinfo's minimum, 200 ms).
    pub fn with_min_window(mut self, window: Duration) -> Self {
        self.min_window = window.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
        self
    }

    fn counters(&mut self) -> Counters {
        self.disks
            .refresh_specifics(false, DiskRefreshKind::nothing().with_io_usage());
        self.networks.refresh(true);
        let mut seen = HashSet::new();
        let (mut disk_read, mut disk_written) = (0u64, 0u64);
        for d in self.disks.iter() {
            // One device mounted in several places is counted once.
            if seen.insert(d.name().to_os_string()) {
                let u = d.usage();
                disk_read = disk_read.saturating_add(u.total_read_bytes);
                disk_written = disk_written.saturating_add(u.total_written_bytes);
            }
        }
        let (mut net_rx, mut net_tx) = (0u64, 0u64);
        for (name, data) in self.networks.iter() {
            if name != "lo" {
                net_rx = net_rx.saturating_add(data.total_received());
                net_tx = net_tx.saturating_add(data.total_transmitted());
            }
        }
        Counters {
            at: Instant::now(),
            disk_read,
            disk_written,
            net_rx,
            net_tx,
        }
    }
}

#[async_trait]
impl MachineSampler for SysinfoSampler {
    fn set_node_paths(&mut self, paths: Vec<PathBuf>) {
        self.node_paths = paths;
    }

    fn begin(&mut self) -> Result<()> {
        self.system.refresh_cpu_usage();
        self.start = Some(self.counters());
        Ok(())
    }

    async fn finish(&mut self) -> Result<MachineMetrics> {
        if self.start.is_none() {
            self.begin()?;
        }
        let Some(start) = self.start.take() else {
            return Err(Error::new(
                ErrorKind::Other,
                "machine sampler window was not opened",
            ));
        };
        let waited = start.at.elapsed();
        if waited < self.min_window {
            tokio::time::sleep(self.min_window - waited).await;
        }
        self.system.refresh_cpu_usage();
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        let end = self.counters();
        let secs = end.at.duration_since(start.at).as_secs_f64().max(1e-3);
        let rate = |a: u64, b: u64| (b.saturating_sub(a) as f64 / secs).round() as u64;

        let total = self.system.total_memory();
        let mem_percent = if total == 0 {
            0.0
        } else {
            total.saturating_sub(self.system.available_memory()) as f64 * 100.0 / total as f64
        };
        let paths: Vec<&Path> = self
            .data_paths
            .iter()
            .chain(&self.node_paths)
            .map(PathBuf::as_path)
            .collect();
        let disks = disk_usage(&paths);
        let disk_percent = disks.iter().map(|d| d.percent).fold(0.0, f64::max);
        let load = System::load_average().unwrap_or(sysinfo::LoadAvg {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        });
        let logical = match self.system.cpus().len() {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        Ok(MachineMetrics {
            cpu_percent: f64::from(self.system.global_cpu_usage()).clamp(0.0, 100.0),
            mem_percent,
            disk_percent,
            hdio_read_bps: rate(start.disk_read, end.disk_read),
            hdio_write_bps: rate(start.disk_written, end.disk_written),
            netio_read_bps: rate(start.net_rx, end.net_rx),
            netio_write_bps: rate(start.net_tx, end.net_tx),
            load_1: load.one,
            load_5: load.five,
            load_15: load.fifteen,
            cpu_count: cgroup::effective_cpu_count(logical, cgroup::cpu_quota()),
            boot_time: crate::boot::effective_boot_time(
                System::boot_time().map_or(0, |t| t as i64),
            ),
            disks,
        })
    }
}

/// Usage of each distinct filesystem holding one of `paths`, named by its mount point.
///
/// A path that does not exist (yet) counts for its nearest existing parent; one that cannot be
/// read at all is skipped. Paths on a device already seen cost one `stat` each, so thousands of
/// node dirs on a few disks stay cheap.
pub fn disk_usage<P: AsRef<Path>>(paths: &[P]) -> Vec<DiskUsage> {
    let mut devices = HashSet::new();
    let mut filesystems = HashSet::new();
    let mut out = Vec::new();
    for path in paths {
        let Some((existing, dev)) = nearest_existing(path.as_ref()) else {
            continue;
        };
        if !devices.insert(dev) {
            continue;
        }
        let Ok(existing) = existing.canonicalize() else {
            continue;
        };
        let Ok(st) = rustix::fs::statvfs(&existing) else {
            continue;
        };
        if !filesystems.insert(st.f_fsid) {
            continue;
        }
        let frsize = if st.f_frsize > 0 {
            st.f_frsize
        } else {
            st.f_bsize
        };
        let used = st.f_blocks.saturating_sub(st.f_bfree);
        let denom = used + st.f_bavail;
        let percent = if denom == 0 {
            0.0
        } else {
            used as f64 * 100.0 / denom as f64
        };
        let mount = mount_point(&existing, dev).display().to_string();
        out.push(DiskUsage {
            mount,
            percent,
            free_bytes: st.f_bavail.saturating_mul(frsize),
            total_bytes: st.f_blocks.saturating_mul(frsize),
        });
    }
    out
}

/// The mount point of the filesystem holding `dir` (canonical, on device `dev`): its highest
/// ancestor on the same device. Works for every filesystem (tmpfs too, which sysinfo's disk
/// list leaves out).
fn mount_point(dir: &Path, dev: u64) -> &Path {
    use std::os::unix::fs::MetadataExt;
    let mut mount = dir;
    while let Some(parent) = mount.parent() {
        match std::fs::metadata(parent) {
            Ok(m) if m.dev() == dev => mount = parent,
            _ => break,
        }
    }
    mount
}

/// `path`, or its nearest existing parent, with the device it is on.
fn nearest_existing(path: &Path) -> Option<(&Path, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut cur = Some(path);
    while let Some(p) = cur {
        if let Ok(m) = std::fs::metadata(p) {
            return Some((p, m.dev()));
        }
        cur = p.parent().filter(|q| !q.as_os_str().is_empty());
    }
    None
}

fn sys_err(what: &'static str) -> impl Fn(sysinfo::Error) -> Error {
    move |e| {
        Error::new(
            ErrorKind::Io,
            format!("{what} failed ({e}); machine metrics need /proc and /sys"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fixed_sampler_returns_its_figures() {
        let m = MachineMetrics {
            cpu_percent: 42.0,
            cpu_count: 3,
            ..Default::default()
        };
        let mut s: Box<dyn MachineSampler> = Box::new(FixedSampler::new(m.clone()));
        s.begin().unwrap();
        assert_eq!(s.finish().await.unwrap(), m);
    }

    #[tokio::test]
    async fn real_sampler_waits_the_minimum_window_and_reports_sane_figures() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not/yet/created");
        let mut s =
            SysinfoSampler::new(vec![dir.path().to_path_buf(), missing, PathBuf::from("/")])
                .unwrap();
        let t = Instant::now();
        s.begin().unwrap();
        let m = s.finish().await.unwrap();
        assert!(t.elapsed() >= sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
        assert!((0.0..=100.0).contains(&m.cpu_percent), "{m:?}");
        assert!(m.mem_percent > 0.0 && m.mem_percent <= 100.0, "{m:?}");
        // The host's logical CPUs, counted independently of sysinfo (`cpuN` lines of /proc/stat),
        // capped by this process's cgroup quota.
        let stat = std::fs::read_to_string("/proc/stat").unwrap();
        let logical = stat
            .lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count();
        assert!(logical >= 1);
        assert_eq!(
            m.cpu_count,
            cgroup::effective_cpu_count(logical, cgroup::cpu_quota()),
            "{m:?}"
        );
        assert!(m.cpu_count >= 1 && m.cpu_count as usize <= logical);
        assert!(m.boot_time > 1_500_000_000, "{m:?}");
        assert!(m.load_1 >= 0.0);
        assert!(!m.disks.is_empty());
        assert!(
            m.disks
                .iter()
                .all(|d| d.total_bytes > 0 && (0.0..=100.0).contains(&d.percent))
        );
        let max = m.disks.iter().map(|d| d.percent).fold(0.0, f64::max);
        assert_eq!(m.disk_percent, max);
    }

    #[test]
    fn the_same_filesystem_is_reported_once() {
        let a = tempfile::tempdir().unwrap();
        let b = a.path().join("b");
        std::fs::create_dir(&b).unwrap();
        let usage = disk_usage(&[a.path().to_path_buf(), b]);
        assert_eq!(usage.len(), 1);
        let root = disk_usage(&["/"]);
        assert_eq!(root[0].mount, "/");
    }
}
