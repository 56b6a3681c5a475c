//! Node file work the backends share: where node files go by default (`~/` expanded, node
//! storage and log base per mode), the name and path checks every destructive operation relies
//! on, node dirs (with owner), atomic binary install, atomic small files, and deleting a node's
//! dirs. Plain std file calls, done as the user wnm runs as (a backend that must act for another
//! user goes through its own privileged layer instead).
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use wnm_core::{Error, ManagerMode, Node, Result};

/// Expand a leading `~/` (or a lone `~`) with `$HOME`; other paths are returned as they are.
pub fn expand_home(p: &str) -> PathBuf {
    match std::env::var_os("HOME") {
        Some(h) => expand_home_in(p, Path::new(&h)),
        None => PathBuf::from(p),
    }
}

/// Expand a leading `~/` (or a lone `~`) with `home`; other paths are returned as they are.
pub fn expand_home_in(p: &str, home: &Path) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if p == "~" => home.to_path_buf(),
        None => PathBuf::from(p),
    }
}

/// `node_storage` when the machine row has none: `<base>/node` (user, as antctl and the Python
/// wnm: `~/.local/share/autonomi/node`) or `<base>/services` (sudo: `/var/antctl/services`).
pub fn default_node_storage(mode: ManagerMode, base_dir: &Path) -> PathBuf {
    match mode {
        ManagerMode::Sudo => base_dir.join("services"),
        _ => base_dir.join("node"),
    }
}

/// Where node log dirs go: `<base>/logs` (user: `~/.local/share/autonomi/logs`) or
/// `<root>/var/log/antnode` (sudo, as anm and antctl), as the executor lays them out.
pub fn default_log_base(mode: ManagerMode, base_dir: &Path, root: &Path) -> PathBuf {
    match mode {
        ManagerMode::Sudo => root.join("var/log/antnode"),
        _ => base_dir.join("logs"),
    }
}

/// `antnode` followed by one or more digits (`antnode0001`, antctl's `antnode1`).
pub fn is_node_name(name: &str) -> bool {
    name.strip_prefix("antnode")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// An absolute path without `..` or `.` parts that is not `/`; `what` names it in the error.
pub fn check_path(what: &str, p: &Path) -> Result<()> {
    let clean = p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        && p.components().count() > 1;
    if clean {
        Ok(())
    } else {
        Err(Error::invalid_config(format!(
            "{what} {:?} must be an absolute path without `..` and must not be /",
            p.display().to_string()
        )))
    }
}

/// `path` lies strictly below `base` (lexically; both clean absolute paths, `base` not `/`).
pub fn is_strictly_inside(base: &Path, path: &Path) -> bool {
    check_path("base", base).is_ok()
        && check_path("path", path).is_ok()
        && path != base
        && path.starts_with(base)
}

/// Refuse a node whose name or paths could make `backend` (named in the message: `setsid`,
/// `docker`) touch files that are not its own: a name that is not `antnodeNNNN`, a root dir,
/// log dir or binary that is not a clean absolute path, a binary not directly in its root dir.
pub fn validate_node_paths(backend: &str, node: &Node) -> Result<()> {
    if !is_node_name(&node.service_name) {
        return Err(Error::invalid_config(format!(
            "node service name {:?} is not antnode followed by digits; the {backend} backend only manages antnodeNNNN nodes",
            node.service_name
        )));
    }
    let root = Path::new(&node.root_dir);
    check_path("node root dir", root)?;
    check_path("node log dir", Path::new(&node.log_dir))?;
    let bin = Path::new(&node.binary);
    check_path("node binary", bin)?;
    if bin.parent() != Some(root) {
        return Err(Error::invalid_config(format!(
            "node binary {} must be directly inside the node's root dir {}",
            node.binary, node.root_dir
        )));
    }
    Ok(())
}

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
    write_through_temp(path, bytes, None)
}

/// [`write_atomic`] with the file's permission bits set to `mode` before it is renamed into
/// place, so no reader ever sees it with other bits (launchd refuses a plist others may write).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    write_through_temp(path, bytes, Some(mode))
}

fn write_through_temp(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let tmp = temp_beside(path);
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if let Some(m) = mode {
            f.set_permissions(std::fs::Permissions::from_mode(m))?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

/// `a` and `b` are both readable files with the same bytes.
pub fn same_content(a: &Path, b: &Path) -> bool {
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
    use wnm_core::{ErrorKind, NodeStatus};

    fn node() -> Node {
        Node {
            id: 1,
            service_name: "antnode0001".into(),
            port: 55001,
            metrics_port: 13001,
            rpc_port: 0,
            root_dir: "/var/antctl/services/antnode0001".into(),
            log_dir: "/var/log/antnode/antnode0001".into(),
            binary: "/var/antctl/services/antnode0001/antnode".into(),
            user: "ant".into(),
            wallet: String::new(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: "setsid+sudo".parse().unwrap(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: Default::default(),
        }
    }

    #[test]
    fn names_and_paths() {
        assert!(is_node_name("antnode0001"));
        assert!(is_node_name("antnode1"));
        for bad in [
            "antnode",
            "antnode-1",
            "antnode1a",
            "node1",
            "antnode1/..",
            "",
        ] {
            assert!(!is_node_name(bad), "{bad}");
        }
        assert!(check_path("x", Path::new("/a/b")).is_ok());
        for bad in ["/", "a/b", "/a/../b", "./a", ""] {
            let e = check_path("node root dir", Path::new(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(e.message().starts_with("node root dir"), "{e}");
        }
        let base = Path::new("/var/antctl/services");
        assert!(is_strictly_inside(
            base,
            Path::new("/var/antctl/services/antnode0001")
        ));
        assert!(!is_strictly_inside(base, base));
        assert!(!is_strictly_inside(
            base,
            Path::new("/var/antctl/servicesX/a")
        ));
        assert!(!is_strictly_inside(
            base,
            Path::new("/var/antctl/services/../x")
        ));
        assert!(!is_strictly_inside(Path::new("/"), Path::new("/etc")));
    }

    #[test]
    fn nodes_with_unsafe_names_or_paths_are_refused_naming_the_backend() {
        validate_node_paths("setsid", &node()).unwrap();
        let mut n = node();
        n.service_name = "antnode1/..".into();
        let e = validate_node_paths("docker", &n).unwrap_err();
        assert!(
            e.message().contains("the docker backend only manages"),
            "{e}"
        );
        let mut n = node();
        n.binary = "/bin/sh".into();
        let e = validate_node_paths("setsid", &n).unwrap_err();
        assert!(e.message().contains("directly inside"), "{e}");
        let mut n = node();
        n.root_dir = "/var/antctl/services/../antnode0001".into();
        assert!(validate_node_paths("setsid", &n).is_err());
        let mut n = node();
        n.log_dir = "logs".into();
        let e = validate_node_paths("setsid", &n).unwrap_err();
        assert!(e.message().starts_with("node log dir"), "{e}");
    }

    #[test]
    fn default_places() {
        let base = Path::new("/home/u/.local/share/autonomi");
        assert_eq!(
            default_node_storage(ManagerMode::User, base),
            base.join("node")
        );
        assert_eq!(
            default_log_base(ManagerMode::User, base, Path::new("/")),
            base.join("logs")
        );
        let base = Path::new("/var/antctl");
        assert_eq!(
            default_node_storage(ManagerMode::Sudo, base),
            Path::new("/var/antctl/services")
        );
        assert_eq!(
            default_log_base(ManagerMode::Sudo, base, Path::new("/r")),
            Path::new("/r/var/log/antnode")
        );
        let h = Path::new("/Users/ant/");
        assert_eq!(expand_home_in("~/nodes", h), Path::new("/Users/ant/nodes"));
        assert_eq!(expand_home_in("~", h), h);
        assert_eq!(expand_home_in("/abs", h), Path::new("/abs"));
        assert_eq!(expand_home_in("~x/y", h), Path::new("~x/y"));
        assert_eq!(expand_home_in("", h), Path::new(""));
        assert_eq!(expand_home("/abs"), Path::new("/abs"));
        assert_eq!(expand_home("a/~/b"), Path::new("a/~/b"));
        if let Some(h) = std::env::var_os("HOME") {
            assert_eq!(expand_home("~/x"), Path::new(&h).join("x"));
            assert_eq!(expand_home("~"), Path::new(&h));
        }
    }

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
    fn writes_with_a_mode_replace_whole_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("job.plist");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        write_atomic_mode(&p, b"new", 0o644).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(same_content(&p, &p));
        assert!(!same_content(&p, &d.path().join("missing")));
        let e = write_atomic_mode(&d.path().join("no/such/dir/f"), b"x", 0o600).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp left"
        );
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
