//! The emulator's launchd state, kept in the directory `LAUNCHCTL_EMU_STATE` names:
//!
//! - `jobs/<label>`: a loaded job; holds the id of its run.
//! - `runs/<id>/`: one loaded job's run: `job.plist` (the copy launchd loaded), `path` (where it
//!   was loaded from), `domain` (`gui/<uid>`, `system`), `supervisor` (pid), `pid` (the job's
//!   process while it runs), `last_exit` (wait status), and the requests `stop` and `kick`.
//! - `disabled/<label>`: the override database `load -w` / `unload -w` write.
//! - `lock`: taken while a command changes the state.
use std::os::fd::AsFd;
use std::path::PathBuf;

/// The state directory's variable.
pub const STATE_ENV: &str = "LAUNCHCTL_EMU_STATE";

/// The state directory.
pub struct State {
    /// Its root.
    pub root: PathBuf,
}

/// One loaded job's run directory.
pub struct Run {
    /// `runs/<id>`.
    pub dir: PathBuf,
}

impl State {
    /// The state named by [`STATE_ENV`] (created when missing).
    pub fn from_env() -> Result<State, String> {
        let root = std::env::var_os(STATE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| format!("launchctl-emu: set {STATE_ENV} to a state directory"))?;
        for d in ["jobs", "runs", "disabled"] {
            std::fs::create_dir_all(root.join(d))
                .map_err(|e| format!("{}: {e}", root.display()))?;
        }
        Ok(State { root })
    }

    /// Hold the state lock until the returned file is dropped.
    pub fn lock(&self) -> Result<std::fs::File, String> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join("lock"))
            .map_err(|e| format!("lock: {e}"))?;
        rustix::fs::flock(f.as_fd(), rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| format!("lock: {e}"))?;
        Ok(f)
    }

    /// The run of loaded job `label`.
    pub fn run_of(&self, label: &str) -> Option<Run> {
        let id = std::fs::read_to_string(self.root.join("jobs").join(label)).ok()?;
        let dir = self.root.join("runs").join(id.trim());
        dir.is_dir().then_some(Run { dir })
    }

    /// Every loaded label, sorted.
    pub fn labels(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root.join("jobs"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Record `label` as loaded in run `id`.
    pub fn set_loaded(&self, label: &str, id: &str) -> std::io::Result<()> {
        std::fs::write(self.root.join("jobs").join(label), id)
    }

    /// Forget that `label` is loaded (its run finishes by itself).
    pub fn set_unloaded(&self, label: &str) {
        let _ = std::fs::remove_file(self.root.join("jobs").join(label));
    }

    /// `unload -w` recorded `label` as disabled.
    pub fn disabled(&self, label: &str) -> bool {
        self.root.join("disabled").join(label).exists()
    }

    /// Record or clear the disabled override.
    pub fn set_disabled(&self, label: &str, disabled: bool) {
        let p = self.root.join("disabled").join(label);
        if disabled {
            let _ = std::fs::write(p, "");
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Run {
    /// A file of the run.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A file's trimmed text.
    pub fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.file(name))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// Write a file of the run.
    pub fn write(&self, name: &str, text: &str) {
        let tmp = self.file(&format!(".{name}.tmp"));
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, self.file(name));
        }
    }

    /// The job's process, if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.read("pid")
            .and_then(|p| p.parse().ok())
            .filter(|p| wnm_runner::is_alive(*p))
    }

    /// The wait status of the last exit (0 before any).
    pub fn last_exit(&self) -> i64 {
        self.read("last_exit")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}
