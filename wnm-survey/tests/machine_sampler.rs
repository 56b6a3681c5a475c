//! The real sysinfo sampler on this host: disk % for every filesystem holding node dirs (two real
//! filesystems: the target dir's disk and the /dev/shm tmpfs), and IO rates that count a write
//! made during the window.
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wnm_survey::{MachineSampler, SysinfoSampler};

/// A scratch dir on the disk the build runs on (not a tmpfs /tmp).
fn disk_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir in the target dir")
}

/// A dir on a filesystem other than `other`'s: /dev/shm (tmpfs on Linux), else /run.
fn second_filesystem(other: &Path) -> tempfile::TempDir {
    let dev = std::fs::metadata(other).expect("stat").dev();
    for base in ["/dev/shm", "/run"] {
        if std::fs::metadata(base).is_ok_and(|m| m.dev() != dev)
            && let Ok(d) = tempfile::tempdir_in(base)
        {
            return d;
        }
    }
    panic!(
        "this test needs a second writable filesystem (/dev/shm or /run) besides {}",
        other.display()
    );
}

#[tokio::test]
async fn disk_percent_covers_every_filesystem_holding_node_dirs() {
    let storage = disk_dir();
    let shm = second_filesystem(storage.path());
    let a = storage.path().join("antnode0001");
    let b = shm.path().join("antnode0002");
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    // A node dir not created yet counts for its parent's filesystem; one more on each disk
    // and a relative junk path change nothing.
    let missing = shm.path().join("not-yet/antnode0003");
    let c = storage.path().join("antnode0004");
    std::fs::create_dir(&c).unwrap();

    let mut only_storage = SysinfoSampler::new(vec![storage.path().to_path_buf()]).unwrap();
    only_storage.begin().unwrap();
    let before = only_storage.finish().await.unwrap();
    assert_eq!(before.disks.len(), 1, "{:?}", before.disks);

    let mut s = SysinfoSampler::new(vec![storage.path().to_path_buf()]).unwrap();
    s.set_node_paths(vec![a, b, missing, c, PathBuf::from("relative/junk")]);
    s.begin().unwrap();
    let m = s.finish().await.unwrap();
    assert_eq!(m.disks.len(), 2, "one entry per filesystem: {:?}", m.disks);
    let shm_mount = m
        .disks
        .iter()
        .filter(|d| shm.path().starts_with(&d.mount))
        .max_by_key(|d| d.mount.len())
        .unwrap_or_else(|| panic!("no entry for {}: {:?}", shm.path().display(), m.disks));
    let st = rustix::fs::statvfs(shm.path()).unwrap();
    assert_eq!(shm_mount.total_bytes, st.f_blocks * st.f_frsize);
    assert_ne!(m.disks[0].mount, m.disks[1].mount);
    assert!(
        m.disks
            .iter()
            .all(|d| (0.0..=100.0).contains(&d.percent) && d.total_bytes > 0)
    );
    let max = m.disks.iter().map(|d| d.percent).fold(0.0, f64::max);
    assert_eq!(m.disk_percent, max, "disk % is the fullest filesystem");

    // Node paths are replaced, not accumulated, from one cycle to the next.
    s.set_node_paths(Vec::new());
    s.begin().unwrap();
    assert_eq!(s.finish().await.unwrap().disks.len(), 1);
}

#[tokio::test]
async fn io_rates_count_a_write_fsynced_during_the_window() {
    const BYTES: usize = 32 << 20;
    let dir = disk_dir();
    let mut s = SysinfoSampler::new(vec![dir.path().to_path_buf()]).unwrap();
    let t0 = Instant::now();
    s.begin().unwrap();
    {
        let mut f = std::fs::File::create(dir.path().join("blob")).unwrap();
        // Not zeros: no filesystem may skip or compress them away.
        let chunk: Vec<u8> = (0..1 << 20)
            .map(|i: u32| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        for _ in 0..BYTES >> 20 {
            f.write_all(&chunk).unwrap();
        }
        f.sync_all().unwrap();
    }
    let m = s.finish().await.unwrap();
    let window = t0.elapsed().as_secs_f64();
    // The sampler's own window lies inside [t0, now], so rate x outer window >= bytes it saw.
    let written = m.hdio_write_bps as f64 * window;
    assert!(
        written >= BYTES as f64 * 0.9,
        "wrote and fsynced {BYTES} bytes in {window:.3} s, the sampler saw {} B/s ({written:.0} bytes)",
        m.hdio_write_bps
    );
    // The other rates are plain counters over the same window: plausible magnitudes (a
    // wrapped or garbage counter would give absurd ones). Loopback is left out of the network.
    let absurd = 100_000_000_000u64; // 100 GB/s
    for (what, v) in [
        ("disk read", m.hdio_read_bps),
        ("disk write", m.hdio_write_bps),
        ("net rx", m.netio_read_bps),
        ("net tx", m.netio_write_bps),
    ] {
        assert!(v < absurd, "{what}: {v} B/s");
    }
}
