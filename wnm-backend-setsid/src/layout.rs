//! Where a node's files live (`<node_storage>/antnodeNNNN`, `<log_base>/antnodeNNNN`, its own
//! binary copy in its root) and the path checks every destructive operation relies on.
use std::path::{Component, Path, PathBuf};
use wnm_core::{Error, Machine, Node, NodeId, Result, service_name};

use crate::config::{default_log_base, default_node_storage, expand_home};

/// Paths of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeLayout {
    /// `<node_storage>/antnodeNNNN`.
    pub root_dir: PathBuf,
    /// `<log_base>/antnodeNNNN`.
    pub log_dir: PathBuf,
    /// `<root_dir>/<binary name>`.
    pub binary: PathBuf,
}

/// Lay out node `id` under explicit storage and log bases.
pub fn layout_with(
    node_storage: &Path,
    log_base: &Path,
    binary_name: &str,
    id: NodeId,
) -> NodeLayout {
    let name = service_name(id);
    let root_dir = node_storage.join(&name);
    NodeLayout {
        binary: root_dir.join(binary_name),
        log_dir: log_base.join(&name),
        root_dir,
    }
}

/// The setsid layout of node `id` for an antnode binary (spec §6):
/// user mode `<node_storage or base/node>/antnodeNNNN` and `<base>/logs/antnodeNNNN`
/// (`~/.local/share/autonomi/...`); sudo mode `<node_storage or /var/antctl/services>/antnodeNNNN`
/// and `/var/log/antnode/antnodeNNNN`. The binary is `<root>/antnode`.
pub fn layout(machine: &Machine, base_dir: &Path, id: NodeId) -> NodeLayout {
    let mode = machine.process_manager.mode();
    let storage = if machine.node_storage.trim().is_empty() {
        default_node_storage(mode, base_dir)
    } else {
        expand_home(machine.node_storage.trim())
    };
    let logs = default_log_base(mode, base_dir, Path::new("/"));
    layout_with(&storage, &logs, "antnode", id)
}

/// `antnode` followed by one or more digits (`antnode0001`, antctl's `antnode1`).
pub fn is_node_dir_name(name: &str) -> bool {
    name.strip_prefix("antnode")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// An absolute path without `..` or `.` parts that is not `/`.
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

/// Refuse a node whose name or paths could make the backend touch files that are not its own.
pub fn validate_node(node: &Node) -> Result<()> {
    if !is_node_dir_name(&node.service_name) {
        return Err(Error::invalid_config(format!(
            "node service name {:?} is not antnode followed by digits; the setsid backend only manages antnodeNNNN nodes",
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

/// `path` lies strictly below `base` (lexically; both absolute, `base` not `/`).
pub fn is_strictly_inside(base: &Path, path: &Path) -> bool {
    check_path("base", base).is_ok()
        && check_path("path", path).is_ok()
        && path != base
        && path.starts_with(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::ProcessManager;

    #[test]
    fn layouts_per_mode() {
        let mut m = Machine::defaults_for(2);
        m.process_manager = "setsid+user".parse().unwrap();
        let l = layout(&m, Path::new("/home/ant/.local/share/autonomi"), 1);
        assert_eq!(
            l.root_dir,
            Path::new("/home/ant/.local/share/autonomi/node/antnode0001")
        );
        assert_eq!(
            l.log_dir,
            Path::new("/home/ant/.local/share/autonomi/logs/antnode0001")
        );
        assert_eq!(
            l.binary,
            Path::new("/home/ant/.local/share/autonomi/node/antnode0001/antnode")
        );
        m.process_manager = ProcessManager::new("setsid", wnm_core::ManagerMode::Sudo).unwrap();
        let l = layout(&m, Path::new("/var/antctl"), 12);
        assert_eq!(l.root_dir, Path::new("/var/antctl/services/antnode0012"));
        assert_eq!(l.log_dir, Path::new("/var/log/antnode/antnode0012"));
        m.node_storage = "/data/nodes".into();
        assert_eq!(
            layout(&m, Path::new("/var/antctl"), 3).root_dir,
            Path::new("/data/nodes/antnode0003")
        );
    }

    #[test]
    fn names_and_paths() {
        assert!(is_node_dir_name("antnode0001"));
        assert!(is_node_dir_name("antnode1"));
        for bad in [
            "antnode",
            "antnode-1",
            "antnode1a",
            "node1",
            "antnode1/..",
            "",
        ] {
            assert!(!is_node_dir_name(bad), "{bad}");
        }
        assert!(check_path("x", Path::new("/a/b")).is_ok());
        for bad in ["/", "a/b", "/a/../b", "./a", ""] {
            assert!(check_path("x", Path::new(bad)).is_err(), "{bad}");
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
}
