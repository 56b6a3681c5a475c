//! The file work of the backend (node dirs, binary copies, unit files, ownership), done directly
//! when wnm may (user mode, or root) or through `sudo -n` commands otherwise. Paths given here are
//! host paths (as written in units); they are mapped under the backend's filesystem root.
use crate::error::check;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wnm_core::{CommandSpec, Error, Result, Runner};

/// How files are touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// wnm can write the files itself (user mode, or running as root).
    Direct,
    /// Through `sudo -n` commands (sudo mode while not root).
    Sudo,
}

/// File operations under a filesystem root.
#[derive(Clone)]
pub struct NodeFs {
    root: PathBuf,
    privilege: Privilege,
    runner: Arc<dyn Runner>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn tmp_suffix() -> String {
    format!(
        ".wnm-tmp-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl NodeFs {
    /// File operations on `root` with `privilege`.
    pub fn new(root: PathBuf, privilege: Privilege, runner: Arc<dyn Runner>) -> Self {
        NodeFs {
            root,
            privilege,
            runner,
        }
    }

    /// The filesystem root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where host path `p` is on disk (under the root).
    pub fn on_disk(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    fn disk_str(&self, p: &str) -> String {
        self.on_disk(p).display().to_string()
    }

    async fn sudo(&self, args: &[&str], what: &str) -> Result<()> {
        let mut a = vec!["-n"];
        a.extend_from_slice(args);
        let cmd = CommandSpec::new("sudo", a);
        let out = self.runner.run(&cmd).await?;
        check(&cmd, &out, what)
    }

    /// `mkdir -p`.
    pub async fn create_dir_all(&self, p: &str) -> Result<()> {
        let what = format!("creating directory {p}");
        match self.privilege {
            Privilege::Direct => {
                std::fs::create_dir_all(self.on_disk(p)).map_err(|e| Error::io(what, e))
            }
            Privilege::Sudo => self.sudo(&["mkdir", "-p", &self.disk_str(p)], &what).await,
        }
    }

    /// Does host path `p` exist (as far as wnm can see)?
    pub fn exists(&self, p: &str) -> bool {
        self.on_disk(p).exists()
    }

    /// Put `source` (a real path) at `dest` as an executable, atomically: copy beside, then rename.
    pub async fn install_executable(&self, source: &Path, dest: &str) -> Result<()> {
        let what = format!("installing {} as {dest}", source.display());
        let final_path = self.on_disk(dest);
        let tmp = PathBuf::from(format!("{}{}", final_path.display(), tmp_suffix()));
        match self.privilege {
            Privilege::Direct => {
                use std::os::unix::fs::PermissionsExt;
                let res = (|| {
                    std::fs::copy(source, &tmp)?;
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
                    std::fs::rename(&tmp, &final_path)
                })();
                if res.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                res.map_err(|e| Error::io(what, e))
            }
            Privilege::Sudo => {
                let (src, t, f) = (
                    source.display().to_string(),
                    tmp.display().to_string(),
                    final_path.display().to_string(),
                );
                self.sudo(&["install", "-m", "0755", &src, &t], &what)
                    .await?;
                self.sudo(&["mv", "-f", &t, &f], &what).await
            }
        }
    }

    /// Write `contents` to `dest` atomically (temp file in the same dir, then rename), mode 0644.
    /// Returns false (and writes nothing) when the file already holds exactly `contents`.
    pub async fn write_atomic(&self, dest: &str, contents: &str) -> Result<bool> {
        let final_path = self.on_disk(dest);
        if std::fs::read_to_string(&final_path).is_ok_and(|old| old == contents) {
            return Ok(false);
        }
        let what = format!("writing {dest}");
        let tmp = PathBuf::from(format!("{}{}", final_path.display(), tmp_suffix()));
        match self.privilege {
            Privilege::Direct => {
                use std::io::Write;
                use std::os::unix::fs::PermissionsExt;
                let res = (|| {
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(contents.as_bytes())?;
                    f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
                    f.sync_all()?;
                    std::fs::rename(&tmp, &final_path)
                })();
                if res.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                res.map_err(|e| Error::io(what, e))?;
            }
            Privilege::Sudo => {
                // Stage in our own temp dir, then let root place it beside the target and rename.
                let staged = std::env::temp_dir().join(format!("wnm-unit{}", tmp_suffix()));
                std::fs::write(&staged, contents)
                    .map_err(|e| Error::io(format!("{what} (staging {})", staged.display()), e))?;
                let (s, t, f) = (
                    staged.display().to_string(),
                    tmp.display().to_string(),
                    final_path.display().to_string(),
                );
                let res = async {
                    self.sudo(&["install", "-m", "0644", &s, &t], &what).await?;
                    self.sudo(&["mv", "-f", &t, &f], &what).await
                }
                .await;
                let _ = std::fs::remove_file(&staged);
                res?;
            }
        }
        Ok(true)
    }

    /// Delete a file; a missing one is fine. Returns whether something was deleted.
    pub async fn remove_file(&self, p: &str) -> Result<bool> {
        let path = self.on_disk(p);
        if !path.exists() {
            return Ok(false);
        }
        let what = format!("deleting {p}");
        match self.privilege {
            Privilege::Direct => std::fs::remove_file(&path).map_err(|e| Error::io(what, e))?,
            Privilege::Sudo => {
                self.sudo(&["rm", "-f", &path.display().to_string()], &what)
                    .await?
            }
        }
        Ok(true)
    }

    /// Delete a directory tree; a missing one is fine.
    pub async fn remove_dir_all(&self, p: &str) -> Result<()> {
        let what = format!("deleting directory {p}");
        match self.privilege {
            Privilege::Direct => match std::fs::remove_dir_all(self.on_disk(p)) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::io(what, e)),
            },
            Privilege::Sudo => self.sudo(&["rm", "-rf", &self.disk_str(p)], &what).await,
        }
    }

    /// Give the trees `paths` to `user` (uid/gid looked up by the caller for direct mode).
    pub async fn chown_recursive(
        &self,
        paths: &[&str],
        user: &str,
        ids: Option<(u32, u32)>,
    ) -> Result<()> {
        match self.privilege {
            Privilege::Direct => {
                let (uid, gid) = ids.ok_or_else(|| {
                    Error::not_found(format!(
                        "user {user} is not in {}/etc/passwd",
                        self.root.display()
                    ))
                })?;
                for p in paths {
                    chown_tree(&self.on_disk(p), uid, gid)
                        .map_err(|e| Error::io(format!("giving {p} to {user}"), e))?;
                }
                Ok(())
            }
            Privilege::Sudo => {
                let owner = format!("{user}:{user}");
                let mut a = vec!["chown", "-R", owner.as_str()];
                let disk: Vec<String> = paths.iter().map(|p| self.disk_str(p)).collect();
                a.extend(disk.iter().map(String::as_str));
                self.sudo(&a, &format!("giving {} to {user}", paths.join(" ")))
                    .await
            }
        }
    }
}

fn chown_tree(p: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(p)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    rustix::fs::chown(
        p,
        Some(rustix::fs::Uid::from_raw(uid)),
        Some(rustix::fs::Gid::from_raw(gid)),
    )?;
    if meta.is_dir() {
        for e in std::fs::read_dir(p)? {
            chown_tree(&e?.path(), uid, gid)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_runner::RecordingRunner;

    #[tokio::test]
    async fn direct_mode_writes_atomically_and_skips_identical_content() {
        let dir = tempfile::tempdir().unwrap();
        let fs = NodeFs::new(
            dir.path().into(),
            Privilege::Direct,
            Arc::new(RecordingRunner::new()),
        );
        fs.create_dir_all("/etc/systemd/system").await.unwrap();
        assert!(
            fs.write_atomic("/etc/systemd/system/a.service", "x\n")
                .await
                .unwrap()
        );
        assert!(
            !fs.write_atomic("/etc/systemd/system/a.service", "x\n")
                .await
                .unwrap()
        );
        assert!(
            fs.write_atomic("/etc/systemd/system/a.service", "y\n")
                .await
                .unwrap()
        );
        let unit_dir = dir.path().join("etc/systemd/system");
        let names: Vec<_> = std::fs::read_dir(&unit_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["a.service"], "no temp files left behind");
        assert_eq!(
            std::fs::read_to_string(unit_dir.join("a.service")).unwrap(),
            "y\n"
        );
        assert!(
            fs.remove_file("/etc/systemd/system/a.service")
                .await
                .unwrap()
        );
        assert!(
            !fs.remove_file("/etc/systemd/system/a.service")
                .await
                .unwrap()
        );
        fs.remove_dir_all("/nope").await.unwrap();
    }

    #[tokio::test]
    async fn direct_mode_installs_executables() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src-bin");
        std::fs::write(&src, b"#!/bin/sh\n").unwrap();
        let fs = NodeFs::new(
            dir.path().into(),
            Privilege::Direct,
            Arc::new(RecordingRunner::new()),
        );
        fs.create_dir_all("/n/antnode0001").await.unwrap();
        fs.install_executable(&src, "/n/antnode0001/antnode")
            .await
            .unwrap();
        let m = std::fs::metadata(dir.path().join("n/antnode0001/antnode")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o755);
        let e = fs
            .install_executable(&dir.path().join("missing"), "/n/antnode0001/antnode")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn sudo_mode_runs_commands_and_never_writes_itself() {
        let dir = tempfile::tempdir().unwrap();
        let r = Arc::new(RecordingRunner::new());
        let fs = NodeFs::new(dir.path().into(), Privilege::Sudo, r.clone());
        let root = dir.path().display().to_string();
        fs.create_dir_all("/var/antctl/services/antnode0001")
            .await
            .unwrap();
        fs.install_executable(
            Path::new("/src/antnode"),
            "/var/antctl/services/antnode0001/antnode",
        )
        .await
        .unwrap();
        fs.write_atomic("/etc/systemd/system/antnode0001.service", "[Unit]\n")
            .await
            .unwrap();
        fs.chown_recursive(
            &[
                "/var/antctl/services/antnode0001",
                "/var/log/antnode/antnode0001",
            ],
            "ant",
            None,
        )
        .await
        .unwrap();
        fs.remove_dir_all("/var/antctl/services/antnode0001")
            .await
            .unwrap();
        let lines = r.run_lines();
        assert_eq!(
            lines[0],
            format!("sudo -n mkdir -p {root}/var/antctl/services/antnode0001")
        );
        assert!(lines[1].starts_with(&format!(
            "sudo -n install -m 0755 /src/antnode {root}/var/antctl/services/antnode0001/antnode.wnm-tmp-"
        )), "{}", lines[1]);
        assert!(lines[2].starts_with("sudo -n mv -f "), "{}", lines[2]);
        assert!(
            lines[2].ends_with(&format!("{root}/var/antctl/services/antnode0001/antnode")),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with("sudo -n install -m 0644 "),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].ends_with(&format!("{root}/etc/systemd/system/antnode0001.service")),
            "{}",
            lines[4]
        );
        assert_eq!(
            lines[5],
            format!(
                "sudo -n chown -R ant:ant {root}/var/antctl/services/antnode0001 {root}/var/log/antnode/antnode0001"
            )
        );
        assert_eq!(
            lines[6],
            format!("sudo -n rm -rf {root}/var/antctl/services/antnode0001")
        );
        assert!(
            !dir.path().join("etc").exists(),
            "sudo mode must not write by itself"
        );
    }

    #[tokio::test]
    async fn sudo_failures_are_backend_errors_naming_the_command() {
        let r = Arc::new(RecordingRunner::new());
        r.push_output(wnm_core::CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        });
        let fs = NodeFs::new("/".into(), Privilege::Sudo, r);
        let e = fs
            .create_dir_all("/var/antctl/services/x")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::Backend);
        assert!(e.message().contains("password is required"), "{e}");
        assert!(
            e.message()
                .contains("sudo -n mkdir -p /var/antctl/services/x"),
            "{e}"
        );
    }
}
