//! Which container holds a node (docker pods): the store's `container` rows and
//! `Node::container_id`, kept from what the backend reports (`Backend::container_of`). A row
//! exists while a node points at it.
use wnm_core::{Backend, ErrorKind, Node, Result};
use wnm_store::{Container, Store};

/// Point `node.container_id` at the row of the container the backend says holds it (adding
/// or refreshing the row); `None` for backends without containers.
pub async fn attach(store: &Store, backend: &dyn Backend, node: &mut Node) -> Result<()> {
    let Some(c) = backend.container_of(node).await? else {
        return Ok(());
    };
    let rows = store.containers().await?;
    let id = match rows.iter().find(|r| r.container_id == c.engine_id) {
        Some(r) => {
            if r.status != c.status {
                store.set_container_status(r.id, &c.status).await?;
            }
            r.id
        }
        None => {
            store
                .insert_container(&Container {
                    id: 0,
                    container_id: c.engine_id.clone(),
                    name: c.name.clone(),
                    image: c.image.clone(),
                    status: c.status.clone(),
                    created_at: c.created_at,
                    port_range: None,
                    metrics_port_range: None,
                })
                .await?
        }
    };
    node.container_id = Some(id);
    Ok(())
}

/// [`attach`], a failure only logged: the node itself is fine without the record.
pub async fn record(store: &Store, backend: &dyn Backend, node: &mut Node) {
    if let Err(e) = attach(store, backend, node).await {
        tracing::warn!("{}: its container is not recorded: {e}", node.service_name);
    }
}

/// [`attach`] for every node.
pub async fn attach_all(store: &Store, backend: &dyn Backend, nodes: &mut [Node]) -> Result<()> {
    for n in nodes {
        attach(store, backend, n).await?;
    }
    Ok(())
}

/// After a node row went: delete its container's row when no node points at it any more
/// (the store refuses while one does, which is fine).
pub async fn forget_unused(store: &Store, container_id: Option<i64>) {
    if let Some(id) = container_id
        && let Err(e) = store.delete_container(id).await
        && !matches!(e.kind(), ErrorKind::Store | ErrorKind::NotFound)
    {
        tracing::warn!("container row {id}: {e}");
    }
}
