//! The exclusive run lock (one wnm run at a time): an OS file lock on `<BASE_DIR>/wnm_active.lock`
//! held for the whole run. The holder writes its pid into the file so a second run can say who
//! holds it. The OS drops the lock when the process dies, so a run killed with SIGKILL never
//! blocks the next one (the Python wnm's `wnm_active` file did). The file is never deleted:
//! deleting a lock file lets two processes lock two different files.
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use wnm_core::{Error, ErrorKind, Result};

/// Held for the whole run; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Take the lock at `path` (creating the file and its directory), or fail at once with
    /// `ErrorKind::Locked` naming the pid of the run that holds it.
    pub fn acquire(path: &Path) -> Result<RunLock> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::io(format!("creating {} for the run lock", dir.display()), e)
            })?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(format!("opening the run lock {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_pid(&mut file)
                    .map(|p| format!("pid {p}"))
                    .unwrap_or_else(|| "pid unknown".into());
                return Err(Error::new(
                    ErrorKind::Locked,
                    format!(
                        "another wnm run is in progress ({holder}); it holds {}. Wait for it to finish; \
                         a run that died releases the lock by itself",
                        path.display()
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("locking {}", path.display()), e));
            }
        }
        let write_pid = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{}", std::process::id())?;
            file.flush()
        };
        write_pid(&mut file)
            .map_err(|e| Error::io(format!("writing the pid into {}", path.display()), e))?;
        Ok(RunLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Clear the pid so nobody reads a stale one, then release; closing would release too.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

/// `--remove_lockfile`: delete the Python wnm's stale `wnm_active` file if it exists.
/// Returns whether a file was removed. The OS lock of [`RunLock`] never needs removing.
pub fn remove_legacy_lockfile(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(format!("removing {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::process::{Child, Stdio};

    const CHILD_ENV: &str = "WNM_LOCK_TEST_CHILD";
    const CHILD_TEST: &str = "lock::tests::lock_child_process";

    /// Not a test of its own: the body of the child process the tests below start by re-running
    /// this test binary with `CHILD_ENV` set to `hold:PATH` or `try:PATH`. Without it, returns.
    #[test]
    fn lock_child_process() {
        let Ok(spec) = std::env::var(CHILD_ENV) else {
            return;
        };
        let (mode, path) = spec.split_once(':').expect("mode:path");
        let mut out = std::io::stdout();
        match (mode, RunLock::acquire(Path::new(path))) {
            ("hold", Ok(_lock)) => {
                writeln!(out, "LOCKED").unwrap();
                out.flush().unwrap();
                std::thread::sleep(std::time::Duration::from_secs(120));
            }
            (_, Ok(_)) => writeln!(out, "RESULT ok").unwrap(),
            (_, Err(e)) => writeln!(out, "RESULT {:?} {}", e.kind(), e).unwrap(),
        }
        out.flush().unwrap();
    }

    /// Re-run this test binary as a child that takes the lock at `path`.
    // Tests may spawn processes; library code goes through the runner.
    #[allow(clippy::disallowed_methods)]
    fn child(mode: &str, path: &Path) -> ChildGuard {
        let c = std::process::Command::new(std::env::current_exe().unwrap())
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, format!("{mode}:{}", path.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the test binary");
        ChildGuard(c)
    }

    /// Kills the child if a test fails before it ends, so no holder outlives the test.
    struct ChildGuard(Child);

    impl std::ops::Deref for ChildGuard {
        type Target = Child;
        fn deref(&self) -> &Child {
            &self.0
        }
    }

    impl std::ops::DerefMut for ChildGuard {
        fn deref_mut(&mut self) -> &mut Child {
            &mut self.0
        }
    }

    impl Drop for ChildGuard {
        fn drop(&mut self) {
            if let Ok(None) = self.0.try_wait() {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }

    /// A fresh directory for one test, removed when dropped (std only; no tempfile dependency).
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let p = std::env::temp_dir().join(format!("wnm-lock-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The child's first output line containing `prefix`, from `prefix` on.
    fn line_from(child: &mut Child, prefix: &str) -> String {
        let out = child.stdout.as_mut().unwrap();
        let mut r = std::io::BufReader::new(out);
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                r.read_line(&mut line).unwrap() > 0,
                "child ended before printing {prefix}"
            );
            // libtest may print "test NAME ... " on the same line first.
            if let Some(at) = line.find(prefix) {
                return line[at..].trim_end().to_string();
            }
        }
    }

    #[test]
    fn second_process_is_refused_with_the_holders_pid() {
        let dir = TempDir::new("second");
        let path = dir.path().join("base/wnm_active.lock");
        let lock = RunLock::acquire(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            std::process::id().to_string()
        );
        let mut c = child("try", &path);
        let result = line_from(&mut c, "RESULT");
        assert!(c.wait().unwrap().success());
        assert!(result.starts_with("RESULT Locked "), "{result}");
        assert!(
            result.contains(&format!(
                "another wnm run is in progress (pid {})",
                std::process::id()
            )),
            "{result}"
        );
        drop(lock);
        let mut c = child("try", &path);
        assert_eq!(line_from(&mut c, "RESULT"), "RESULT ok");
        c.wait().unwrap();
    }

    #[test]
    fn a_sigkilled_holder_does_not_block_the_next_run() {
        let dir = TempDir::new("sigkill");
        let path = dir.path().join("wnm_active.lock");
        let mut holder = child("hold", &path);
        line_from(&mut holder, "LOCKED");
        let e = RunLock::acquire(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked);
        assert!(
            e.to_string().contains(&format!("(pid {})", holder.id())),
            "{e}"
        );
        holder.kill().unwrap(); // SIGKILL: no destructor, no cleanup
        holder.wait().unwrap();
        let lock = RunLock::acquire(&path).expect("the dead holder's lock is gone");
        assert_eq!(lock.path(), path);
    }

    #[test]
    fn released_on_drop_and_legacy_file_removal_is_harmless() {
        let dir = TempDir::new("drop");
        let path = dir.path().join("wnm_active.lock");
        drop(RunLock::acquire(&path).unwrap());
        let _again = RunLock::acquire(&path).unwrap();
        // Within one process a second open file description is refused too.
        assert_eq!(
            RunLock::acquire(&path).unwrap_err().kind(),
            ErrorKind::Locked
        );

        let legacy = dir.path().join("wnm_active");
        assert!(!remove_legacy_lockfile(&legacy).unwrap());
        std::fs::write(&legacy, "").unwrap();
        assert!(remove_legacy_lockfile(&legacy).unwrap());
        assert!(!legacy.exists());
    }
}
