//! Where a node's files live (`<node_storage>/antnodeNNNN`, `<log_base>/antnodeNNNN`, its own
//! binary copy in its root) and the path checks every destructive operation relies on (shared
//! with the docker backend in `wnm_runner::nodefs`).
use std::path::{Path, PathBuf};
use wnm_core::{Machine, Node, NodeId, Result, service_name};

pub use crate::fsops::{check_path, is_node_name as is_node_dir_name, is_strictly_inside};
use crate::fsops::{default_log_base, default_node_storage, expand_home, validate_node_paths};

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

/// Refuse a node whose name or paths could make the backend touch files that are not its own.
pub fn validate_node(node: &Node) -> Result<()> {
    validate_node_paths("setsid", node)
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
    fn unsafe_nodes_are_refused_by_the_setsid_backend() {
        let mut m = Machine::defaults_for(2);
        m.process_manager = "setsid+user".parse().unwrap();
        let l = layout(&m, Path::new("/home/ant/.local/share/autonomi"), 1);
        let mut n = crate::testutil::node(
            1,
            "/home/ant/.local/share/autonomi/node",
            "/home/ant/.local/share/autonomi/logs",
        );
        assert_eq!(Path::new(&n.binary), l.binary);
        validate_node(&n).unwrap();
        n.service_name = "antnode1/..".into();
        let e = validate_node(&n).unwrap_err();
        assert!(e.message().contains("the setsid backend"), "{e}");
        assert!(is_node_dir_name("antnode1"));
        assert!(!is_node_dir_name("antnode1/.."));
        assert!(!is_strictly_inside(Path::new("/"), Path::new("/etc")));
    }
}
