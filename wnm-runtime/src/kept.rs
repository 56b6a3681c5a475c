//! The old binary an upgrade keeps until the new one is confirmed, handled through the node's
//! backend: its file access is the right one (in sudo mode the node dir belongs to the node user,
//! and wnm, run by another user, may only read it). Backends that do not keep binaries themselves
//! (`Unsupported`, the trait's default) get plain file access from wnm's own user instead.
use std::path::{Path, PathBuf};
use wnm_core::{Backend, Error, ErrorKind, Node, Result, kept_binary_path};

/// The copy an unfinished upgrade kept of `node`'s binary, if there is one: the sign that wnm
/// stopped between keeping it and confirming the new one. Always [`kept_binary_path`]; the
/// backend looks under its own filesystem root.
pub fn found(backend: &dyn Backend, node: &Node) -> Option<PathBuf> {
    backend.kept_binary(node)
}

/// Keep a copy of `node`'s binary at [`kept_binary_path`]; `None` when it has no binary.
pub async fn keep(backend: &dyn Backend, node: &Node) -> Result<Option<PathBuf>> {
    match backend.keep_binary(node).await {
        Err(e) if e.kind() == ErrorKind::Unsupported => keep_plainly(node),
        other => other,
    }
}

fn keep_plainly(node: &Node) -> Result<Option<PathBuf>> {
    if !Path::new(&node.binary).is_file() {
        return Ok(None);
    }
    let kept = kept_binary_path(node);
    std::fs::copy(&node.binary, &kept)
        .map_err(|e| Error::io(format!("keeping the old binary as {}", kept.display()), e))?;
    Ok(Some(kept))
}

/// Put the kept copy back as `node`'s binary (the node is stopped).
pub async fn restore(backend: &dyn Backend, node: &Node, kept: &Path) -> Result<()> {
    backend.restore_binary(node, kept).await
}

/// Delete the kept copy once it is of no further use. A failure only costs disk space (and
/// makes the next run treat the node as mid-upgrade, which a running node settles), so it is
/// logged, not raised.
pub async fn discard(backend: &dyn Backend, node: &Node, kept: &Path) {
    let res = match backend.discard_kept_binary(node, kept).await {
        Err(e) if e.kind() == ErrorKind::Unsupported => match std::fs::remove_file(kept) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io(format!("deleting {}", kept.display()), e))
            }
            _ => Ok(()),
        },
        other => other,
    };
    if let Err(e) = res {
        tracing::warn!(
            "{}: could not delete the kept binary {}: {e}",
            node.service_name,
            kept.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::Mutex;
    use wnm_core::{Capabilities, ManagerMode, ProcessState};

    /// A backend with files but no binary keeping of its own (the trait's defaults), recording
    /// the binaries `upgrade` installs.
    #[derive(Default)]
    struct Plain {
        installed: Mutex<Vec<PathBuf>>,
    }

    #[async_trait]
    impl Backend for Plain {
        fn kind(&self) -> &str {
            "plain"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::basic(vec![ManagerMode::User])
        }
        async fn create(&self, node: &Node, _: &Path) -> Result<Node> {
            Ok(node.clone())
        }
        async fn start(&self, _: &Node) -> Result<()> {
            Ok(())
        }
        async fn stop(&self, _: &Node) -> Result<()> {
            Ok(())
        }
        async fn upgrade(&self, node: &Node, source: &Path) -> Result<()> {
            std::fs::copy(source, &node.binary).map_err(|e| Error::io("install", e))?;
            self.installed.lock().unwrap().push(source.to_path_buf());
            Ok(())
        }
        async fn remove(&self, _: &Node) -> Result<()> {
            Ok(())
        }
        async fn status(&self, _: &Node) -> Result<ProcessState> {
            Ok(ProcessState::Stopped)
        }
    }

    fn node_in(dir: &Path) -> Node {
        Node {
            id: 1,
            service_name: "antnode0001".into(),
            port: 55001,
            metrics_port: 13001,
            rpc_port: 0,
            root_dir: dir.display().to_string(),
            log_dir: String::new(),
            binary: dir.join("antnode").display().to_string(),
            user: String::new(),
            wallet: String::new(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: wnm_core::NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: "setsid+user".parse().expect("manager"),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: Default::default(),
        }
    }

    /// A fresh empty directory, removed on drop.
    struct TempDir(PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn tempdir() -> TempDir {
        let p = std::env::temp_dir().join(format!("wnm-kept-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    #[tokio::test]
    async fn backends_without_their_own_keeping_fall_back_to_plain_files() {
        let d = tempdir();
        let b = Plain::default();
        let n = node_in(&d.0);
        assert_eq!(keep(&b, &n).await.unwrap(), None, "no binary, nothing kept");
        assert_eq!(found(&b, &n), None);
        std::fs::write(&n.binary, b"old").unwrap();
        let kept = keep(&b, &n).await.unwrap().unwrap();
        assert_eq!(kept, kept_binary_path(&n));
        assert_eq!(found(&b, &n), Some(kept.clone()));
        assert_eq!(std::fs::read(&kept).unwrap(), b"old");
        std::fs::write(&n.binary, b"new").unwrap();
        restore(&b, &n, &kept).await.unwrap();
        assert_eq!(std::fs::read(&n.binary).unwrap(), b"old");
        assert_eq!(*b.installed.lock().unwrap(), vec![kept.clone()]);
        discard(&b, &n, &kept).await;
        assert!(!kept.exists());
        assert_eq!(found(&b, &n), None);
        discard(&b, &n, &kept).await; // already gone: fine
    }
}
