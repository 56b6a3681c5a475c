//! The file work of the backend (node dirs, binary copies, plists, ownership), done directly when
//! wnm may (user mode, or root) or through `sudo -n` commands otherwise (launchd+sudo run by an
//! operator: `/Library/LaunchDaemons` and `ant`'s dirs belong to root and `ant`).
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

/// File operations with a privilege.
#[derive(Clone)]
pub struct NodeFs {
    privilege: Privilege,
    runner: Arc<dyn Runner>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn tmp_beside(p: &Path) -> PathBuf {
    PathBuf::from(format!(
        "{}.wnm-tmp-{}-{}",
        p.display(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

impl NodeFs {
    /// File operations with `privilege`; sudo commands go through `runner`.
    pub fn new(privilege: Privilege, runner: Arc<dyn Runner>) -> Self {
        NodeFs { privilege, runner }
    }

    async fn run(&self, program: &str, args: &[&str], what: &str) -> Result<()> {
        let cmd = match self.privilege {
            Privilege::Sudo => {
                let mut a = vec!["-n", program];
                a.extend_from_slice(args);
                CommandSpec::new("sudo", a)
            }
            Privilege::Direct => CommandSpec::new(program, args.iter().copied()),
        };
        let out = self.runner.run(&cmd).await?;
        check(&cmd, &out, what)
    }

    /// `mkdir -p`.
    pub async fn create_dir_all(&self, p: &Path) -> Result<()> {
        let what = format!("creating directory {}", p.display());
        match self.privilege {
            Privilege::Direct => std::fs::create_dir_all(p).map_err(|e| Error::io(what, e)),
            Privilege::Sudo => self.run("mkdir", &["-p", &s(p)], &what).await,
        }
    }

    /// Put `source` at `dest` as an executable, atomically: copy beside, then rename.
    pub async fn install_executable(&self, source: &Path, dest: &Path) -> Result<()> {
        if !source.is_file() {
            return Err(Error::not_found(format!(
                "node binary {} is missing or not a file; set antnode_path to an antnode binary",
                source.display()
            )));
        }
        let what = format!("installing {} as {}", source.display(), dest.display());
        let tmp = tmp_beside(dest);
        match self.privilege {
            Privilege::Direct => {
                use std::os::unix::fs::PermissionsExt;
                let res = (|| {
                    std::fs::copy(source, &tmp)?;
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
                    std::fs::rename(&tmp, dest)
                })();
                if res.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                res.map_err(|e| Error::io(what, e))
            }
            Privilege::Sudo => {
                self.run("install", &["-m", "0755", &s(source), &s(&tmp)], &what)
                    .await?;
                self.run("mv", &["-f", &s(&tmp), &s(dest)], &what).await
            }
        }
    }

    /// Write `contents` to `dest` atomically (temp file beside it, then rename), mode 0644 (launchd
    /// refuses plists others can write). Returns false, writing nothing, when `dest` already holds
    /// exactly `contents`.
    pub async fn write_atomic(&self, dest: &Path, contents: &str) -> Result<bool> {
        if std::fs::read_to_string(dest).is_ok_and(|old| old == contents) {
            return Ok(false);
        }
        let what = format!("writing {}", dest.display());
        match self.privilege {
            Privilege::Direct => {
                use std::io::Write;
                use std::os::unix::fs::PermissionsExt;
                let tmp = tmp_beside(dest);
                let res = (|| {
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(contents.as_bytes())?;
                    f.sync_all()?;
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))?;
                    std::fs::rename(&tmp, dest)
                })();
                if res.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                res.map_err(|e| Error::io(what, e))?;
            }
            Privilege::Sudo => {
                // Written where wnm may write, then installed by root in one step.
                let staging = tempfile_in_tmp(contents).map_err(|e| Error::io(&what, e))?;
                let tmp = tmp_beside(dest);
                let res = async {
                    self.run(
                        "install",
                        &["-m", "0644", &s(staging.path()), &s(&tmp)],
                        &what,
                    )
                    .await?;
                    self.run("mv", &["-f", &s(&tmp), &s(dest)], &what).await
                }
                .await;
                drop(staging);
                res?;
            }
        }
        Ok(true)
    }

    /// Delete a file; returns false when it was not there.
    pub async fn remove_file(&self, p: &Path) -> Result<bool> {
        if !p.exists() {
            return Ok(false);
        }
        let what = format!("deleting {}", p.display());
        match self.privilege {
            Privilege::Direct => match std::fs::remove_file(p) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io(what, e)),
            },
            Privilege::Sudo => self.run("rm", &["-f", &s(p)], &what).await.map(|()| true),
        }
    }

    /// `rm -rf` of a directory (the caller has checked it is the node's own).
    pub async fn remove_dir_all(&self, p: &Path) -> Result<()> {
        if !p.exists() {
            return Ok(());
        }
        let what = format!("deleting {}", p.display());
        match self.privilege {
            Privilege::Direct => match std::fs::remove_dir_all(p) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::io(what, e)),
            },
            Privilege::Sudo => self.run("rm", &["-rf", &s(p)], &what).await,
        }
    }

    /// `chown -R user PATHS...` (by name: macOS keeps its users in Directory Services, not in
    /// `/etc/passwd`). Run as root or through sudo.
    pub async fn chown_recursive(&self, paths: &[&Path], user: &str) -> Result<()> {
        let mut args: Vec<String> = vec!["-R".into(), user.into()];
        args.extend(paths.iter().map(|p| s(p)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run("chown", &refs, &format!("giving node files to {user}"))
            .await
    }
}

/// A private temp file holding `contents` (deleted when dropped).
fn tempfile_in_tmp(contents: &str) -> std::io::Result<TempFile> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::env::temp_dir().join(format!(
        "wnm-plist-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(contents.as_bytes())?;
    Ok(TempFile(path))
}

struct TempFile(PathBuf);

impl TempFile {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
