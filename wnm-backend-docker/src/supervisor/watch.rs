//! Noticing changes to desired-state files: an inotify watch on the control dir, read by a
//! thread that blocks on it and wakes the supervisor (so an idle pod does not poll), else the
//! dir's modification time.
use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use std::mem::MaybeUninit;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;
use tokio::sync::Notify;

/// Watches one control dir.
pub struct Watch {
    inotify: Option<Shared>,
    stamp: Option<SystemTime>,
}

#[derive(Clone)]
struct Shared {
    changed: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

fn stamp(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir).and_then(|m| m.modified()).ok()
}

/// A file name whose change matters: a desired-state file (not a temp file, not a state file).
fn matters(name: &[u8]) -> bool {
    name.ends_with(b".json") && !name.starts_with(b".")
}

fn start_inotify(dir: &Path) -> Option<Shared> {
    let fd = inotify::init(CreateFlags::CLOEXEC).ok()?;
    inotify::add_watch(
        &fd,
        dir,
        WatchFlags::CLOSE_WRITE
            | WatchFlags::MOVED_TO
            | WatchFlags::MOVED_FROM
            | WatchFlags::DELETE
            | WatchFlags::CREATE,
    )
    .ok()?;
    let shared = Shared {
        changed: Arc::new(AtomicBool::new(false)),
        wake: Arc::new(Notify::new()),
    };
    let s = shared.clone();
    std::thread::Builder::new()
        .name("control-dir-watch".into())
        .spawn(move || {
            let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
            let mut reader = inotify::Reader::new(&fd, &mut buf);
            // Blocks until events come; an event without a name (queue overflow) counts.
            while let Ok(e) = reader.next() {
                if e.file_name().is_none_or(|n| matters(n.to_bytes())) {
                    s.changed.store(true, Ordering::SeqCst);
                    s.wake.notify_one();
                }
            }
        })
        .ok()?;
    Some(shared)
}

impl Watch {
    /// Watch `dir`; without inotify (or when the dir cannot be watched) fall back to its mtime.
    pub fn new(dir: &Path) -> Self {
        Watch {
            inotify: start_inotify(dir),
            stamp: stamp(dir),
        }
    }

    /// True when inotify is in use (changes are seen at once, whatever the clock granularity).
    pub fn precise(&self) -> bool {
        self.inotify.is_some()
    }

    /// Returns when a change was announced (never without inotify: poll then).
    pub async fn readable(&self) {
        match &self.inotify {
            Some(s) => s.wake.notified().await,
            None => std::future::pending().await,
        }
    }

    /// Whether a desired-state file changed since the last look.
    pub fn changed(&mut self, dir: &Path) -> bool {
        match &self.inotify {
            Some(s) => s.changed.swap(false, Ordering::SeqCst),
            None => {
                let now = stamp(dir);
                let changed = now != self.stamp;
                self.stamp = now;
                changed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settle(w: &mut Watch, dir: &Path) -> bool {
        // The watch thread sees events a moment after they happen.
        let end = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < end {
            if w.changed(dir) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn sees_desired_files_change_and_ignores_the_rest() {
        let d = tempfile::tempdir().unwrap();
        let mut w = Watch::new(d.path());
        assert!(w.precise());
        assert!(!w.changed(d.path()));
        std::fs::write(d.path().join("antnode0001.state"), "{}").unwrap();
        std::fs::write(d.path().join(".antnode0001.json.7.tmp"), "{}").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!w.changed(d.path()));
        std::fs::rename(
            d.path().join(".antnode0001.json.7.tmp"),
            d.path().join("antnode0001.json"),
        )
        .unwrap();
        // The waiter is woken.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), w.readable())
                .await
                .unwrap()
        });
        assert!(settle(&mut w, d.path()));
        assert!(!w.changed(d.path()));
        std::fs::remove_file(d.path().join("antnode0001.json")).unwrap();
        assert!(settle(&mut w, d.path()));
        assert!(matters(b"antnode0001.json"));
        assert!(!matters(b".antnode0001.json"));
    }
}
