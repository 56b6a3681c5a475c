//! Which container holds a node (docker pods): the store's `container` rows and
//! `Node::container_id`, kept from what the backend reports (`Backend::container_of`). A row
//! exists while a node points at it.
use std::collections::HashMap;
use wnm_core::{Backend, ContainerInfo, ErrorKind, Node, Result};
use wnm_store::{Container, Store};

/// The stored container rows by engine id: read once, kept current as rows are added.
struct Rows(HashMap<String, Container>);

impl Rows {
    async fn read(store: &Store) -> Result<Rows> {
        Ok(Rows(
            store
                .containers()
                .await?
                .into_iter()
                .map(|r| (r.container_id.clone(), r))
                .collect(),
        ))
    }

    /// The row id of container `c`: its row (status refreshed when it changed) or a new one.
    async fn row_of(&mut self, store: &Store, c: &ContainerInfo) -> Result<i64> {
        if let Some(r) = self.0.get_mut(&c.engine_id) {
            if r.status != c.status {
                store.set_container_status(r.id, &c.status).await?;
                r.status = c.status.clone();
            }
            return Ok(r.id);
        }
        let mut row = Container {
            id: 0,
            container_id: c.engine_id.clone(),
            name: c.name.clone(),
            image: c.image.clone(),
            status: c.status.clone(),
            created_at: c.created_at,
            port_range: None,
            metrics_port_range: None,
        };
        row.id = store.insert_container(&row).await?;
        let id = row.id;
        self.0.insert(c.engine_id.clone(), row);
        Ok(id)
    }
}

/// Point `node.container_id` at the row of the container the backend says holds it (adding
/// or refreshing the row); `None` for backends without containers.
pub async fn attach(store: &Store, backend: &dyn Backend, node: &mut Node) -> Result<()> {
    let Some(c) = backend.container_of(node).await? else {
        return Ok(());
    };
    node.container_id = Some(Rows::read(store).await?.row_of(store, &c).await?);
    Ok(())
}

/// [`attach`], a failure only logged: the node itself is fine without the record.
pub async fn record(store: &Store, backend: &dyn Backend, node: &mut Node) {
    if let Err(e) = attach(store, backend, node).await {
        tracing::warn!("{}: its container is not recorded: {e}", node.service_name);
    }
}

/// [`attach`] for every node, reading the container rows once.
pub async fn attach_all(store: &Store, backend: &dyn Backend, nodes: &mut [Node]) -> Result<()> {
    let mut rows: Option<Rows> = None;
    for n in nodes {
        let Some(c) = backend.container_of(n).await? else {
            continue;
        };
        if rows.is_none() {
            rows = Some(Rows::read(store).await?);
        }
        if let Some(r) = rows.as_mut() {
            n.container_id = Some(r.row_of(store, &c).await?);
        }
    }
    Ok(())
}

/// Delete container row `id` unless a node still points at it: `Ok(true)` when it went,
/// `Ok(false)` when nodes still belong to it or it was already gone; any other store failure is
/// an error.
pub async fn delete_if_unused(store: &Store, id: i64) -> Result<bool> {
    match store.delete_container(id).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        // The store refuses while a node points at the row; only that refusal is expected.
        Err(e) if e.kind() == ErrorKind::Store => {
            let referenced = store
                .nodes()
                .await?
                .iter()
                .any(|n| n.container_id == Some(id));
            if referenced { Ok(false) } else { Err(e) }
        }
        Err(e) => Err(e),
    }
}

/// After a node row went: delete its container's row when no node points at it any more
/// ([`delete_if_unused`]); a failure is logged, the node is gone either way.
pub async fn forget_unused(store: &Store, container_id: Option<i64>) {
    if let Some(id) = container_id
        && let Err(e) = delete_if_unused(store, id).await
    {
        tracing::warn!("container row {id} stays: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::path::Path;
    use wnm_core::{Capabilities, Machine, ManagerMode, NodeStatus, ProcessState};

    /// A backend that only knows which container holds which node.
    struct Held(HashMap<String, ContainerInfo>);

    #[async_trait]
    impl Backend for Held {
        fn kind(&self) -> &str {
            "held"
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
        async fn remove(&self, _: &Node) -> Result<()> {
            Ok(())
        }
        async fn status(&self, _: &Node) -> Result<ProcessState> {
            Ok(ProcessState::Stopped)
        }
        async fn container_of(&self, node: &Node) -> Result<Option<ContainerInfo>> {
            Ok(self.0.get(&node.service_name).cloned())
        }
    }

    fn node(id: u32) -> Node {
        let name = wnm_core::service_name(id);
        Node {
            id,
            service_name: name.clone(),
            port: 55_000 + id as u16,
            metrics_port: 13_000 + id as u16,
            rpc_port: 0,
            root_dir: format!("/n/{name}"),
            log_dir: format!("/l/{name}"),
            binary: format!("/n/{name}/antnode"),
            user: "op".into(),
            wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Running,
            status_changed_at: 0,
            created_at: 0,
            manager: "docker+user".parse().unwrap(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: String::new(),
            metrics: Default::default(),
        }
    }

    fn pod(engine_id: &str, status: &str) -> ContainerInfo {
        ContainerInfo::new(engine_id, format!("pod-{engine_id}"), "img", status, 1)
    }

    async fn store(dir: &Path) -> Store {
        let s = Store::open(&dir.join("colony.db")).await.unwrap();
        s.save_machine(&Machine::defaults_for(2)).await.unwrap();
        s
    }

    #[tokio::test]
    async fn one_row_per_container_every_node_pointing_at_its_own() {
        let d = tempfile::tempdir().unwrap();
        let s = store(d.path()).await;
        let mut held = HashMap::new();
        for (id, engine) in [(1, "e1"), (2, "e1"), (3, "e2")] {
            held.insert(wnm_core::service_name(id), pod(engine, "running"));
        }
        let mut b = Held(held);
        let mut nodes: Vec<Node> = (1..=4).map(node).collect();
        // Two nodes of one new container: the second reuses the row the first added.
        attach_all(&s, &b, &mut nodes).await.unwrap();
        let rows = s.containers().await.unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        let row = |engine: &str| rows.iter().find(|r| r.container_id == engine).unwrap().id;
        let of: Vec<Option<i64>> = nodes.iter().map(|n| n.container_id).collect();
        assert_eq!(
            of,
            [Some(row("e1")), Some(row("e1")), Some(row("e2")), None]
        );
        // A status change is written once to the one row.
        for c in b.0.values_mut().filter(|c| c.engine_id == "e1") {
            c.status = "exited".into();
        }
        attach_all(&s, &b, &mut nodes).await.unwrap();
        let again = s.containers().await.unwrap();
        assert_eq!(again.len(), 2);
        let e1 = again.iter().find(|r| r.container_id == "e1").unwrap();
        assert_eq!((e1.id, e1.status.as_str()), (row("e1"), "exited"));
        // One node on its own finds the same row.
        let mut third = node(3);
        attach(&s, &b, &mut third).await.unwrap();
        assert_eq!(third.container_id, Some(row("e2")));
        let mut none = node(4);
        attach(&s, &b, &mut none).await.unwrap();
        assert_eq!(none.container_id, None);
    }

    #[tokio::test]
    async fn a_row_goes_only_when_no_node_points_at_it() {
        let d = tempfile::tempdir().unwrap();
        let s = store(d.path()).await;
        let b = Held([(wnm_core::service_name(1), pod("e1", "running"))].into());
        let mut n = node(1);
        attach(&s, &b, &mut n).await.unwrap();
        let id = n.container_id.unwrap();
        s.insert_node(&n, "test", 1).await.unwrap();
        // Still referenced: kept, and that is no error.
        assert!(!delete_if_unused(&s, id).await.unwrap());
        forget_unused(&s, Some(id)).await;
        assert_eq!(s.containers().await.unwrap().len(), 1);
        s.delete_node(n.id, "test", 2).await.unwrap();
        assert!(delete_if_unused(&s, id).await.unwrap());
        assert!(s.containers().await.unwrap().is_empty());
        // Already gone: nothing to do.
        assert!(!delete_if_unused(&s, id).await.unwrap());
    }
}
