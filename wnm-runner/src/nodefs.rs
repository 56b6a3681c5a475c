//! Node file work the backends share: node dirs (with owner), atomic binary install, atomic small
//! files, and deleting a node's dirs. Plain std file calls, done as the user wnm runs as (a backend
//! that must act for another user goes through its own privileged layer instead).
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use wnm_core::{Error, Result};

fn chown(path: &Path, owner: Option<(u32, u32)>) -> Result<()> {
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(|e| {
            Error::io(
                format!("giving {} to uid {uid} gid {gid}", path.display()),
                e,
            )
        })?;
    }
    Ok(())
}

/// Create `dir` and its parents; give `dir` itself to `owner` when set.
pub fn ensure_dir(dir: &Path, owner: Option<(u32, u32)>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
            " (sudo mode needs wnm to run as root)"
        } else {
            ""
        };
        Error::io(format!("creating directory {}{hint}", dir.display()), e)
    })?;
    chown(dir, owner)
}

fn temp_beside(dest: &Path) -> std::path::PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.wnm-{}.tmp", std::process::id()))
}

/// Write `bytes` to `path` through a temp file in the same dir and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_beside(path);
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

fn same_content(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) if ma.len() == mb.len() => {
            matches!((std::fs::read(a), std::fs::read(b)), (Ok(x), Ok(y)) if x == y)
        }
        _ => false,
    }
}

/// Put a copy of `source` at `dest` (mode 0755, owner when set): copied to a temp file beside
/// `dest`, flushed, then renamed over it, so a reader sees the old or the new binary, never half.
/// Returns false when `dest` already had the same content (nothing copied).
pub fn install_binary(source: &Path, dest: &Path, owner: Option<(u32, u32)>) -> Result<bool> {
    let meta = std::fs::metadata(source).map_err(|e| {
        Error::io(
            format!(
                "node binary {} cannot be read; set antnode_path to an existing antnode binary",
                source.display()
            ),
            e,
        )
    })?;
    if !meta.is_file() {
        return Err(Error::invalid_config(format!(
            "node binary {} is not a file; set antnode_path to an antnode binary",
            source.display()
        )));
    }
    if same_content(source, dest) {
        let mode = std::fs::metadata(dest)
            .map(|m| m.permissions().mode())
            .unwrap_or(0);
        if mode & 0o111 == 0o111 {
            return Ok(false);
        }
    }
    let tmp = temp_beside(dest);
    let res = (|| {
        std::fs::copy(source, &tmp)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
        std::fs::File::open(&tmp)?.sync_all()?;
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(
            format!("copying {} to {}", source.display(), tmp.display()),
            e,
        ));
    }
    if let Err(e) = chown(&tmp, owner) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("putting the new binary at {}", dest.display()), e)
    })?;
    Ok(true)
}

/// Delete `dir` and everything in it; a dir already gone is fine.
pub fn remove_tree(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("deleting {}", dir.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::ErrorKind;

    #[test]
    fn install_is_atomic_idempotent_and_executable() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src-bin");
        std::fs::write(&src, b"v1").unwrap();
        std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o600)).unwrap();
        let dest = d.path().join("antnode");
        assert!(install_binary(&src, &dest, None).unwrap());
        assert_eq!(std::fs::read(&dest).unwrap(), b"v1");
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o755
        );
        assert!(!install_binary(&src, &dest, None).unwrap());
        std::fs::write(&src, b"v2-longer").unwrap();
        assert!(install_binary(&src, &dest, None).unwrap());
        assert_eq!(std::fs::read(&dest).unwrap(), b"v2-longer");
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let e = install_binary(&d.path().join("missing"), &dest, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().contains("antnode_path"));
        let e = install_binary(d.path(), &dest, None).unwrap_err();
        assert!(e.message().contains("not a file"));
    }

    #[test]
    fn dirs_and_trees() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b/c");
        ensure_dir(&deep, None).unwrap();
        ensure_dir(&deep, None).unwrap();
        write_atomic(&deep.join("f"), b"x").unwrap();
        remove_tree(&d.path().join("a")).unwrap();
        assert!(!deep.exists());
        remove_tree(&d.path().join("a")).unwrap();
    }
}
