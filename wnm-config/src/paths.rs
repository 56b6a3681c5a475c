//! Where wnm keeps its files (spec §1), as plain data computed from the home directory, whether
//! the process runs as root, and the process manager: BASE_DIR, the database, the lock file, the
//! default node storage and log directories, and the config files it reads.
use std::path::{Path, PathBuf};
use wnm_core::{Error, Machine, ProcessManager, Result};

/// The operating-system family, which decides the directory layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux (and other Unix systems that are not macOS).
    Linux,
    /// macOS.
    MacOs,
}

impl Platform {
    /// The platform this binary was built for.
    pub fn current() -> Platform {
        if cfg!(target_os = "macos") {
            Platform::MacOs
        } else {
            Platform::Linux
        }
    }
}

/// The files and directories of one colony.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// True for the system-wide (root/sudo) layout.
    pub system: bool,
    /// BASE_DIR: `~/.local/share/autonomi`, `/var/antctl`, `~/Library/Application Support/autonomi`
    /// or `/Library/Application Support/autonomi`.
    pub base_dir: PathBuf,
    /// The SQLite database file (`<BASE_DIR>/colony.db` unless `--dbpath`).
    pub db_path: PathBuf,
    /// The run lock (`<BASE_DIR>/wnm_active.lock`), held with an OS lock for the whole run.
    pub lock_file: PathBuf,
    /// The Python wnm's lock file (`<BASE_DIR>/wnm_active`), removed by `--remove_lockfile`.
    pub legacy_lock_file: PathBuf,
    /// Default `node_storage`.
    pub node_storage: PathBuf,
    /// Default directory for node logs.
    pub log_dir: PathBuf,
}

impl Paths {
    /// The layout for this platform. System-wide when `manager` is a sudo manager, or when no
    /// manager is known yet and the process runs as root. `dbpath_override` is `--dbpath`.
    pub fn resolve(
        home: &Path,
        is_root: bool,
        manager: Option<&ProcessManager>,
        dbpath_override: Option<&str>,
    ) -> Result<Paths> {
        Paths::resolve_for(Platform::current(), home, is_root, manager, dbpath_override)
    }

    /// [`Paths::resolve`] for a given platform (for tests and tools).
    pub fn resolve_for(
        platform: Platform,
        home: &Path,
        is_root: bool,
        manager: Option<&ProcessManager>,
        dbpath_override: Option<&str>,
    ) -> Result<Paths> {
        let system = manager.map_or(is_root, ProcessManager::is_sudo);
        let (base_dir, node_storage, log_dir) = match (platform, system) {
            (Platform::Linux, false) => {
                let b = home.join(".local/share/autonomi");
                (b.clone(), b.join("node"), b.join("logs"))
            }
            (Platform::Linux, true) => (
                PathBuf::from("/var/antctl"),
                PathBuf::from("/var/antctl/services"),
                PathBuf::from("/var/log/antnode"),
            ),
            (Platform::MacOs, false) => {
                let b = home.join("Library/Application Support/autonomi");
                (
                    b.clone(),
                    b.join("node"),
                    home.join("Library/Logs/autonomi"),
                )
            }
            (Platform::MacOs, true) => {
                let b = PathBuf::from("/Library/Application Support/autonomi");
                (
                    b.clone(),
                    b.join("node"),
                    PathBuf::from("/Library/Logs/autonomi"),
                )
            }
        };
        let db_path = match dbpath_override {
            Some(d) => parse_dbpath(d, home)?,
            None => base_dir.join("colony.db"),
        };
        Ok(Paths {
            system,
            lock_file: base_dir.join("wnm_active.lock"),
            legacy_lock_file: base_dir.join("wnm_active"),
            db_path,
            base_dir,
            node_storage,
            log_dir,
        })
    }

    /// The defaults of spec §2 for this layout: `Machine::defaults_for(cpu_count)` with
    /// `node_storage` set to this layout's node directory.
    pub fn machine_defaults(&self, cpu_count: u32) -> Machine {
        let mut m = Machine::defaults_for(cpu_count);
        m.node_storage = self.node_storage.to_string_lossy().into_owned();
        m
    }
}

/// `--dbpath` as a file path. Accepts a plain path, `~/...`, `$HOME/...`, and sqlite URLs: the
/// Python form `sqlite:///<path>` (so `sqlite:////var/antctl/colony.db` is absolute) and
/// `sqlite://<path>`; a `?query` is dropped. A relative path stays relative to the working
/// directory.
pub fn parse_dbpath(s: &str, home: &Path) -> Result<PathBuf> {
    let t = s.trim();
    let path = if let Some(rest) = t.strip_prefix("sqlite:///") {
        rest
    } else if let Some(rest) = t.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = t.strip_prefix("sqlite:") {
        rest
    } else {
        t
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Err(Error::invalid_config(format!(
            "dbpath {s:?} names no database file; give a path such as /var/antctl/colony.db or sqlite:////var/antctl/colony.db"
        )));
    }
    let path = if let Some(rest) = path
        .strip_prefix("$HOME")
        .or_else(|| path.strip_prefix("${HOME}"))
    {
        format!("~{rest}")
    } else {
        path.to_string()
    };
    Ok(expand_tilde(&path, home))
}

/// Replace a leading `~` or `~/` with `home`.
pub fn expand_tilde(p: &str, home: &Path) -> PathBuf {
    if p == "~" {
        home.to_path_buf()
    } else if let Some(rest) = p.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(p)
    }
}

/// The config files read on every run when they exist, lowest precedence first.
pub fn default_config_files(home: &Path) -> Vec<PathBuf> {
    vec![
        home.join(".local/share/wnm/config"),
        home.join("wnm/config"),
    ]
}

/// The `.env` file read on every run when it exists.
pub fn dotenv_file(home: &Path) -> PathBuf {
    home.join(".local/share/wnm/.env")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(s: &str) -> ProcessManager {
        s.parse().unwrap()
    }

    #[test]
    fn layouts_per_platform_and_mode() {
        let home = Path::new("/home/ant");
        // (platform, running as root, manager, BASE_DIR, node storage, logs)
        type Case<'a> = (Platform, bool, Option<&'a str>, &'a str, &'a str, &'a str);
        let cases: &[Case] = &[
            (
                Platform::Linux,
                false,
                None,
                "/home/ant/.local/share/autonomi",
                "/home/ant/.local/share/autonomi/node",
                "/home/ant/.local/share/autonomi/logs",
            ),
            (
                Platform::Linux,
                true,
                None,
                "/var/antctl",
                "/var/antctl/services",
                "/var/log/antnode",
            ),
            (
                Platform::Linux,
                false,
                Some("systemd+sudo"),
                "/var/antctl",
                "/var/antctl/services",
                "/var/log/antnode",
            ),
            (
                Platform::Linux,
                true,
                Some("setsid+user"),
                "/home/ant/.local/share/autonomi",
                "/home/ant/.local/share/autonomi/node",
                "/home/ant/.local/share/autonomi/logs",
            ),
            (
                Platform::Linux,
                false,
                Some("antctl+zen"),
                "/home/ant/.local/share/autonomi",
                "/home/ant/.local/share/autonomi/node",
                "/home/ant/.local/share/autonomi/logs",
            ),
            (
                Platform::MacOs,
                false,
                None,
                "/home/ant/Library/Application Support/autonomi",
                "/home/ant/Library/Application Support/autonomi/node",
                "/home/ant/Library/Logs/autonomi",
            ),
            (
                Platform::MacOs,
                false,
                Some("launchd+sudo"),
                "/Library/Application Support/autonomi",
                "/Library/Application Support/autonomi/node",
                "/Library/Logs/autonomi",
            ),
        ];
        for (platform, root, manager, base, nodes, logs) in cases {
            let m = manager.map(pm);
            let p = Paths::resolve_for(*platform, home, *root, m.as_ref(), None).unwrap();
            assert_eq!(
                p.base_dir,
                Path::new(base),
                "{platform:?} root={root} {manager:?}"
            );
            assert_eq!(p.node_storage, Path::new(nodes));
            assert_eq!(p.log_dir, Path::new(logs));
            assert_eq!(p.db_path, Path::new(base).join("colony.db"));
            assert_eq!(p.lock_file, Path::new(base).join("wnm_active.lock"));
            assert_eq!(p.legacy_lock_file, Path::new(base).join("wnm_active"));
        }
    }

    #[test]
    fn dbpath_overrides_accept_paths_and_sqlite_urls() {
        let home = Path::new("/home/ant");
        let cases = [
            ("/tmp/c.db", "/tmp/c.db"),
            ("~/c.db", "/home/ant/c.db"),
            ("$HOME/x/c.db", "/home/ant/x/c.db"),
            ("sqlite:////var/antctl/colony.db", "/var/antctl/colony.db"),
            ("sqlite:///~/colony.db", "/home/ant/colony.db"),
            ("sqlite:///rel.db", "rel.db"),
            ("sqlite://rel.db?mode=rwc", "rel.db"),
            ("sqlite:/abs.db", "/abs.db"),
        ];
        for (given, want) in cases {
            let p = Paths::resolve_for(Platform::Linux, home, false, None, Some(given)).unwrap();
            assert_eq!(p.db_path, Path::new(want), "{given}");
            assert_eq!(
                p.lock_file,
                Path::new("/home/ant/.local/share/autonomi/wnm_active.lock")
            );
        }
        assert!(parse_dbpath("sqlite://", home).is_err());
        assert!(parse_dbpath("sqlite::memory:", home).is_err());
    }

    #[test]
    fn defaults_carry_the_layout_node_storage() {
        let p = Paths::resolve_for(Platform::Linux, Path::new("/root"), true, None, None).unwrap();
        let m = p.machine_defaults(4);
        assert_eq!(m.node_storage, "/var/antctl/services");
        assert_eq!(m.cpu_count, 4);
        assert_eq!(
            default_config_files(Path::new("/h")),
            vec![
                PathBuf::from("/h/.local/share/wnm/config"),
                PathBuf::from("/h/wnm/config")
            ]
        );
        assert_eq!(
            dotenv_file(Path::new("/h")),
            PathBuf::from("/h/.local/share/wnm/.env")
        );
    }
}
