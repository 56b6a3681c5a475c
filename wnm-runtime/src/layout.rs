//! Where a new node's files go and which ports it gets (spec §4/§6), decided once for every backend.
use std::path::{Component, Path};
use wnm_core::{Error, Machine, NodeId, Result};

/// Paths of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePaths {
    /// `<node_storage>/antnodeNNNN`.
    pub root_dir: String,
    /// `<log_base>/antnodeNNNN`.
    pub log_dir: String,
    /// `<root_dir>/<binary name>`.
    pub binary: String,
}

/// Lay out node `id`: root under `node_storage`, logs under `log_base`, its own binary copy in its root.
pub fn node_paths(
    machine: &Machine,
    log_base: &Path,
    binary_name: &str,
    id: NodeId,
) -> Result<NodePaths> {
    let name = wnm_core::service_name(id);
    let storage = Path::new(&machine.node_storage);
    check_dir("node_storage", storage)?;
    check_dir("log dir", log_base)?;
    let root = storage.join(&name);
    Ok(NodePaths {
        root_dir: root.to_string_lossy().into_owned(),
        log_dir: log_base.join(&name).to_string_lossy().into_owned(),
        binary: root.join(binary_name).to_string_lossy().into_owned(),
    })
}

fn check_dir(what: &str, p: &Path) -> Result<()> {
    if !p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(Error::invalid_config(format!(
            "{what} {} must be an absolute path without `..`",
            p.display()
        )));
    }
    if p == Path::new("/") {
        return Err(Error::invalid_config(format!("{what} must not be /")));
    }
    Ok(())
}

/// A port computed from a base, checked to fit in 1024–65535.
pub fn port(what: &str, value: u32) -> Result<u16> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p >= 1024)
        .ok_or_else(|| {
            Error::invalid_config(format!(
                "{what} {value} is outside 1024-65535; lower the port base or node_cap"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_checks() {
        let mut m = Machine::defaults_for(2);
        m.node_storage = "/var/antctl/services".into();
        let p = node_paths(&m, Path::new("/var/log/antnode"), "antnode", 7).unwrap();
        assert_eq!(p.root_dir, "/var/antctl/services/antnode0007");
        assert_eq!(p.log_dir, "/var/log/antnode/antnode0007");
        assert_eq!(p.binary, "/var/antctl/services/antnode0007/antnode");
        m.node_storage = "relative/x".into();
        assert!(node_paths(&m, Path::new("/l"), "antnode", 1).is_err());
        m.node_storage = "/a/../b".into();
        assert!(node_paths(&m, Path::new("/l"), "antnode", 1).is_err());
        assert!(port("port", 70000).is_err());
        assert!(port("port", 80).is_err());
        assert_eq!(port("port", 55001).unwrap(), 55001);
    }
}
