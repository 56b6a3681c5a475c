//! Node file work for a backend that may have to act as root: node dirs, binary copies, service
//! files (units, plists) with their mode, ownership, deleting. Done directly with [`crate::nodefs`]
//! when wnm may (user mode, or running as root), or through `sudo -n install/mv/rm/mkdir/chown`
//! commands (arguments as a list) when wnm is an operator driving a sudo mode. Paths are host
//! paths (as written in units and plists), mapped under a filesystem root (`/`, a temp dir in
//! tests).
use crate::nodefs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wnm_core::error::check_command;
use wnm_core::{CommandSpec, Error, Result, Runner};

/// How files are touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// wnm can write the files itself (user mode, or running as root).
    Direct,
    /// Through `sudo -n` commands (sudo mode while not root).
    Sudo,
}

/// File operations under a filesystem root with a privilege.
#[derive(Clone)]
pub struct PrivilegedFs {
    root: PathBuf,
    privilege: Privilege,
    runner: Arc<dyn Runner>,
    sudo_mode: String,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn text(p: &Path) -> String {
    p.display().to_string()
}

impl PrivilegedFs {
    /// File operations on `root` with `privilege`; sudo commands go through `runner`, and their
    /// failures name `sudo mode` in the passwordless-sudo hint (see [`PrivilegedFs::naming`]).
    pub fn new(root: impl Into<PathBuf>, privilege: Privilege, runner: Arc<dyn Runner>) -> Self {
        PrivilegedFs {
            root: root.into(),
            privilege,
            runner,
            sudo_mode: "sudo mode".to_string(),
        }
    }

    /// The mode a failed sudo command's hint names (`launchd+sudo`).
    pub fn naming(mut self, sudo_mode: impl Into<String>) -> Self {
        self.sudo_mode = sudo_mode.into();
        self
    }

    /// The filesystem root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Direct or through sudo.
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }

    /// Where host path `p` is on disk (under the root).
    pub fn on_disk(&self, p: impl AsRef<Path>) -> PathBuf {
        let p = p.as_ref();
        self.root.join(p.strip_prefix("/").unwrap_or(p))
    }

    /// Does host path `p` exist (as far as wnm can see)?
    pub fn exists(&self, p: impl AsRef<Path>) -> bool {
        self.on_disk(p).exists()
    }

    async fn sudo(&self, args: &[&str], what: &str) -> Result<()> {
        let mut a = vec!["-n"];
        a.extend_from_slice(args);
        let cmd = CommandSpec::new("sudo", a);
        let out = self.runner.run(&cmd).await?;
        check_command(&cmd, &out, what, &self.sudo_mode)
    }

    /// `mkdir -p` of host path `p`.
    pub async fn create_dir_all(&self, p: impl AsRef<Path>) -> Result<()> {
        let disk = self.on_disk(p);
        match self.privilege {
            Privilege::Direct => nodefs::ensure_dir(&disk, None),
            Privilege::Sudo => {
                let what = format!("creating directory {}", disk.display());
                self.sudo(&["mkdir", "-p", &text(&disk)], &what).await
            }
        }
    }

    /// Put `source` (a path on disk) at host path `dest` as an executable (0755), atomically: a
    /// copy beside `dest`, then a rename. Returns false, copying nothing, when `dest` already is
    /// an executable with the same content.
    pub async fn install_executable(&self, source: &Path, dest: impl AsRef<Path>) -> Result<bool> {
        let disk = self.on_disk(dest);
        match self.privilege {
            Privilege::Direct => nodefs::install_binary(source, &disk, None),
            Privilege::Sudo => {
                if nodefs::same_content(source, &disk) && is_executable(&disk) {
                    return Ok(false);
                }
                let what = format!("installing {} as {}", source.display(), disk.display());
                let tmp = format!("{}.wnm-tmp-{}", disk.display(), unique_suffix());
                self.sudo(&["install", "-m", "0755", &text(source), &tmp], &what)
                    .await?;
                self.sudo(&["mv", "-f", &tmp, &text(&disk)], &what).await?;
                Ok(true)
            }
        }
    }

    /// Write `contents` to host path `dest` atomically (a temp file beside it, flushed, then
    /// renamed) with permission bits `mode`. Returns false, writing nothing, when `dest` already
    /// holds exactly `contents`. Through sudo the text is staged in a private temp file and put
    /// in place by `install -m MODE` and `mv -f`.
    pub async fn write_atomic(
        &self,
        dest: impl AsRef<Path>,
        contents: &str,
        mode: u32,
    ) -> Result<bool> {
        let disk = self.on_disk(dest);
        if std::fs::read_to_string(&disk).is_ok_and(|old| old == contents) {
            return Ok(false);
        }
        match self.privilege {
            Privilege::Direct => nodefs::write_atomic_mode(&disk, contents.as_bytes(), mode)?,
            Privilege::Sudo => {
                let what = format!("writing {}", disk.display());
                let staged = Staged::new(contents).map_err(|e| Error::io(&what, e))?;
                let tmp = format!("{}.wnm-tmp-{}", disk.display(), unique_suffix());
                let mode = format!("{mode:04o}");
                self.sudo(&["install", "-m", &mode, &text(&staged.0), &tmp], &what)
                    .await?;
                self.sudo(&["mv", "-f", &tmp, &text(&disk)], &what).await?;
            }
        }
        Ok(true)
    }

    /// Delete host path `p`; a missing file is fine. Returns whether something was deleted.
    pub async fn remove_file(&self, p: impl AsRef<Path>) -> Result<bool> {
        let disk = self.on_disk(p);
        if !disk.exists() {
            return Ok(false);
        }
        let what = format!("deleting {}", disk.display());
        match self.privilege {
            Privilege::Direct => match std::fs::remove_file(&disk) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io(what, e)),
            },
            Privilege::Sudo => self
                .sudo(&["rm", "-f", &text(&disk)], &what)
                .await
                .map(|()| true),
        }
    }

    /// Delete the tree at host path `p` (the caller has checked it is a node's own); a missing
    /// one is fine. Through sudo `rm -rf` runs even when wnm cannot see the dir (it may sit in a
    /// dir only the node user can list).
    pub async fn remove_dir_all(&self, p: impl AsRef<Path>) -> Result<()> {
        let disk = self.on_disk(p);
        match self.privilege {
            Privilege::Direct => nodefs::remove_tree(&disk),
            Privilege::Sudo => {
                let what = format!("deleting {}", disk.display());
                self.sudo(&["rm", "-rf", &text(&disk)], &what).await
            }
        }
    }

    /// Give the trees at host paths `paths` to `owner` (`ant`, `ant:ant`). Directly with known
    /// `ids` (uid, gid) the files are changed in-process (symlinks are not followed); without ids,
    /// or through sudo, `chown -R OWNER PATHS...` runs (the system resolves the name: macOS keeps
    /// its users in Directory Services, not in `/etc/passwd`).
    pub async fn chown_recursive<P: AsRef<Path>>(
        &self,
        paths: &[P],
        owner: &str,
        ids: Option<(u32, u32)>,
    ) -> Result<()> {
        let disk: Vec<PathBuf> = paths.iter().map(|p| self.on_disk(p)).collect();
        let what = format!(
            "giving {} to {owner}",
            disk.iter().map(|p| text(p)).collect::<Vec<_>>().join(" ")
        );
        if let (Privilege::Direct, Some((uid, gid))) = (self.privilege, ids) {
            for p in &disk {
                chown_tree(p, uid, gid).map_err(|e| Error::io(&what, e))?;
            }
            return Ok(());
        }
        let mut args: Vec<String> = vec!["chown".into(), "-R".into(), owner.into()];
        args.extend(disk.iter().map(|p| text(p)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.privilege {
            Privilege::Sudo => self.sudo(&refs, &what).await,
            Privilege::Direct => {
                let cmd = CommandSpec::new(refs[0], refs[1..].iter().copied());
                let out = self.runner.run(&cmd).await?;
                check_command(&cmd, &out, &what, &self.sudo_mode)
            }
        }
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 == 0o111)
}

fn chown_tree(p: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(p)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    std::os::unix::fs::chown(p, Some(uid), Some(gid))?;
    if meta.is_dir() {
        for e in std::fs::read_dir(p)? {
            chown_tree(&e?.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// A private (0600) temp file holding text for a sudo `install`; deleted when dropped.
struct Staged(PathBuf);

impl Staged {
    fn new(contents: &str) -> std::io::Result<Staged> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = std::env::temp_dir().join(format!("wnm-staged-{}", unique_suffix()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let staged = Staged(path);
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        Ok(staged)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordingRunner;
    use std::os::unix::fs::PermissionsExt;
    use wnm_core::{CommandOutput, ErrorKind};

    fn direct(root: &Path) -> (PrivilegedFs, Arc<RecordingRunner>) {
        let r = Arc::new(RecordingRunner::new());
        (PrivilegedFs::new(root, Privilege::Direct, r.clone()), r)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn direct_mode_writes_atomically_with_the_mode_and_skips_identical_content() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, r) = direct(dir.path());
        fs.create_dir_all("/etc/systemd/system").await.unwrap();
        let unit = "/etc/systemd/system/a.service";
        assert!(fs.write_atomic(unit, "x\n", 0o644).await.unwrap());
        assert!(!fs.write_atomic(unit, "x\n", 0o644).await.unwrap());
        assert!(fs.write_atomic(unit, "y\n", 0o600).await.unwrap());
        let unit_dir = dir.path().join("etc/systemd/system");
        assert_eq!(names(&unit_dir), ["a.service"], "no temp files left behind");
        let on_disk = unit_dir.join("a.service");
        assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), "y\n");
        assert_eq!(
            std::fs::metadata(&on_disk).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs.on_disk(unit), on_disk);
        assert!(fs.exists(unit));
        assert!(fs.remove_file(unit).await.unwrap());
        assert!(!fs.remove_file(unit).await.unwrap());
        fs.remove_dir_all("/nope").await.unwrap();
        assert!(r.calls().is_empty(), "direct mode runs nothing");
    }

    #[tokio::test]
    async fn direct_mode_installs_executables_once() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src-bin");
        std::fs::write(&src, b"#!/bin/sh\n").unwrap();
        let (fs, _) = direct(dir.path());
        fs.create_dir_all("/n/antnode0001").await.unwrap();
        let dest = "/n/antnode0001/antnode";
        assert!(fs.install_executable(&src, dest).await.unwrap());
        let m = std::fs::metadata(dir.path().join("n/antnode0001/antnode")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o755);
        assert!(
            !fs.install_executable(&src, dest).await.unwrap(),
            "the same binary is not copied again"
        );
        let e = fs
            .install_executable(&dir.path().join("missing"), dest)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        fs.remove_dir_all("/n/antnode0001").await.unwrap();
        assert!(!dir.path().join("n/antnode0001").exists());
    }

    #[tokio::test]
    async fn direct_mode_chowns_in_process_with_ids_and_by_name_without() {
        let dir = tempfile::tempdir().unwrap();
        let (fs, r) = direct(dir.path());
        fs.create_dir_all("/n/a/b").await.unwrap();
        std::fs::write(dir.path().join("n/a/b/f"), "x").unwrap();
        let me = (
            rustix::process::geteuid().as_raw(),
            rustix::process::getegid().as_raw(),
        );
        fs.chown_recursive(&["/n/a"], "me", Some(me)).await.unwrap();
        assert!(r.calls().is_empty());
        r.push_output(CommandOutput {
            code: Some(0),
            ..Default::default()
        });
        fs.chown_recursive(&["/n/a", "/n/x"], "ant", None)
            .await
            .unwrap();
        let root = dir.path().display();
        assert_eq!(
            r.run_lines(),
            [format!("chown -R ant {root}/n/a {root}/n/x")]
        );
    }

    #[tokio::test]
    async fn sudo_mode_runs_commands_and_never_writes_itself() {
        let dir = tempfile::tempdir().unwrap();
        let r = Arc::new(RecordingRunner::new());
        let fs = PrivilegedFs::new(dir.path(), Privilege::Sudo, r.clone());
        let root = dir.path().display().to_string();
        fs.create_dir_all("/var/antctl/services/antnode0001")
            .await
            .unwrap();
        assert!(
            fs.install_executable(
                Path::new("/src/antnode"),
                "/var/antctl/services/antnode0001/antnode",
            )
            .await
            .unwrap()
        );
        fs.write_atomic("/etc/systemd/system/antnode0001.service", "[Unit]\n", 0o644)
            .await
            .unwrap();
        fs.chown_recursive(
            &[
                "/var/antctl/services/antnode0001",
                "/var/log/antnode/antnode0001",
            ],
            "ant:ant",
            Some((1, 1)),
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
        let staged = r.runs()[3].args[4].clone();
        assert!(
            lines[3].starts_with("sudo -n install -m 0644 "),
            "{}",
            lines[3]
        );
        assert!(
            !Path::new(&staged).exists(),
            "the staged copy is gone: {staged}"
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
        assert_eq!(lines.len(), 7);
        assert!(
            !dir.path().join("etc").exists() && !dir.path().join("var").exists(),
            "sudo mode must not write by itself"
        );
    }

    #[tokio::test]
    async fn sudo_mode_skips_what_is_already_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let r = Arc::new(RecordingRunner::new());
        let fs = PrivilegedFs::new(dir.path(), Privilege::Sudo, r.clone());
        let src = dir.path().join("src");
        std::fs::write(&src, "bin").unwrap();
        std::fs::create_dir_all(dir.path().join("n")).unwrap();
        let dest = dir.path().join("n/antnode");
        std::fs::copy(&src, &dest).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("n/unit"), "same").unwrap();
        assert!(!fs.install_executable(&src, "/n/antnode").await.unwrap());
        assert!(!fs.write_atomic("/n/unit", "same", 0o644).await.unwrap());
        assert!(!fs.remove_file("/n/missing").await.unwrap());
        assert!(r.calls().is_empty(), "{:?}", r.run_lines());
        assert!(fs.remove_file("/n/unit").await.unwrap());
        assert_eq!(
            r.run_lines(),
            [format!("sudo -n rm -f {}/n/unit", dir.path().display())]
        );
    }

    #[tokio::test]
    async fn sudo_failures_are_backend_errors_naming_the_command_and_the_mode() {
        let r = Arc::new(RecordingRunner::new());
        r.push_output(CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        });
        let fs = PrivilegedFs::new("/", Privilege::Sudo, r).naming("launchd+sudo");
        let e = fs
            .create_dir_all("/var/antctl/services/x")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend);
        assert!(e.message().contains("password is required"), "{e}");
        assert!(
            e.message()
                .contains("`sudo -n mkdir -p /var/antctl/services/x`"),
            "{e}"
        );
        assert!(
            e.message().contains("launchd+sudo needs passwordless sudo"),
            "{e}"
        );
    }
}
