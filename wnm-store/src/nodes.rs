//! Node rows: read, insert, update, change status (through the transition table, with a
//! history row in the same transaction) and delete (the history stays).
use crate::entity::node;
use crate::errors::{Class, classify};
use crate::history::{record, row};
use crate::map_node;
use crate::store::Store;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use wnm_core::{Error, ErrorKind, Node, NodeId, NodeStatus, Result, UnixTime};

/// Rows per page when reading every node.
pub const NODE_PAGE: u64 = 250;

fn missing(id: NodeId) -> Error {
    Error::not_found(format!("node {id} is not in the colony database"))
}

impl Store {
    /// Every node, ordered by id. Read in pages of [`NODE_PAGE`] rows inside one read
    /// transaction: the raw rows of thousands of nodes at once cost ~8 KB per node of peak
    /// memory (41 MB at 5,000), a page at a time ~0.4 MB.
    pub async fn nodes(&self) -> Result<Vec<Node>> {
        let what = "reading the nodes";
        let txn = self.db().begin().await.map_err(|e| self.err(what, e))?;
        let mut pages = node::Entity::find()
            .order_by_asc(node::Column::Id)
            .paginate(&txn, NODE_PAGE);
        let mut nodes = Vec::new();
        while let Some(rows) = pages
            .fetch_and_next()
            .await
            .map_err(|e| self.err(what, e))?
        {
            nodes.reserve(rows.len());
            for r in &rows {
                nodes.push(map_node::from_model(r)?);
            }
        }
        drop(pages);
        txn.commit().await.map_err(|e| self.err(what, e))?;
        Ok(nodes)
    }

    /// Node `id`, if it has a row.
    pub async fn node(&self, id: NodeId) -> Result<Option<Node>> {
        let row = node::Entity::find_by_id(i64::from(id))
            .one(self.db())
            .await
            .map_err(|e| self.err(&format!("reading node {id}"), e))?;
        row.as_ref().map(map_node::from_model).transpose()
    }

    /// Add node `n` and a history row (none -> its status) at `at`.
    pub async fn insert_node(&self, n: &Node, reason: &str, at: UnixTime) -> Result<()> {
        self.insert_nodes(std::slice::from_ref(n), reason, at).await
    }

    /// Add many nodes in one transaction (imports, takeovers), each with a history row.
    pub async fn insert_nodes(&self, nodes: &[Node], reason: &str, at: UnixTime) -> Result<()> {
        if nodes.is_empty() {
            return Ok(());
        }
        let what = if nodes.len() == 1 {
            format!("adding node {}", nodes[0].id)
        } else {
            format!("adding {} nodes", nodes.len())
        };
        let txn = self.write_txn(&what).await?;
        let mut chunks = nodes.chunks(500);
        for chunk in chunks.by_ref() {
            let rows = chunk
                .iter()
                .map(|n| map_node::to_model(n).into_active_model().reset_all());
            node::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(|e| self.insert_error(&what, nodes, e))?;
        }
        let history = nodes
            .iter()
            .map(|n| row(n.id, at, None, Some(n.status), reason))
            .collect();
        record(&txn, history)
            .await
            .map_err(|e| self.err(&what, e))?;
        txn.commit().await.map_err(|e| self.err(&what, e))
    }

    fn insert_error(&self, what: &str, nodes: &[Node], e: sea_orm::DbErr) -> Error {
        if classify(&e) == Class::Constraint {
            let text = e.to_string();
            let hint = if text.contains("UNIQUE") || text.contains("PRIMARY") {
                "a node with that id already exists".to_string()
            } else if text.contains("FOREIGN KEY") {
                format!(
                    "the machine row (save the machine settings first, as --init does) or container {:?} does not exist",
                    nodes.iter().find_map(|n| n.container_id)
                )
            } else {
                text.clone()
            };
            return Error::new(ErrorKind::Store, format!("{what}: {hint}")).with_source(e);
        }
        self.err(what, e)
    }

    /// Write every field of `n` over its row. A status different from the stored one goes
    /// through the transition table and gets a history row (reason `updated`).
    pub async fn update_node(&self, n: &Node) -> Result<()> {
        let what = format!("updating node {}", n.id);
        let txn = self.write_txn(&what).await?;
        let current = node::Entity::find_by_id(i64::from(n.id))
            .one(&txn)
            .await
            .map_err(|e| self.err(&what, e))?
            .ok_or_else(|| missing(n.id))?;
        let from = map_node::parse_status(&format!("node {} status", n.id), &current.status)?;
        from.transition(n.status)?;
        node::Entity::update_many()
            .set(map_node::to_update(n))
            .filter(node::Column::Id.eq(i64::from(n.id)))
            .exec(&txn)
            .await
            .map_err(|e| self.insert_error(&what, std::slice::from_ref(n), e))?;
        if from != n.status {
            record(
                &txn,
                vec![row(
                    n.id,
                    n.status_changed_at,
                    Some(from),
                    Some(n.status),
                    "updated",
                )],
            )
            .await
            .map_err(|e| self.err(&what, e))?;
        }
        txn.commit().await.map_err(|e| self.err(&what, e))
    }

    /// Change node `id` to `to` if the transition table allows it, recording `reason` at `at`;
    /// returns the node as stored. An illegal change is an `IllegalTransition` error and writes
    /// nothing; a same-status change writes nothing.
    pub async fn set_status(
        &self,
        id: NodeId,
        to: NodeStatus,
        reason: &str,
        at: UnixTime,
    ) -> Result<Node> {
        let what = format!("setting node {id} to {to}");
        let txn = self.write_txn(&what).await?;
        let current = node::Entity::find_by_id(i64::from(id))
            .one(&txn)
            .await
            .map_err(|e| self.err(&what, e))?
            .ok_or_else(|| missing(id))?;
        let mut n = map_node::from_model(&current)?;
        let from = n.status;
        n.set_status(to, at).map_err(|e| {
            Error::new(
                ErrorKind::IllegalTransition,
                format!(
                    "node {id}: {} (reason given: {reason}); nothing was written",
                    e.message()
                ),
            )
        })?;
        if from == to {
            return Ok(n);
        }
        let mut am = current.into_active_model();
        am.set(node::Column::Status, to.as_str().into());
        am.set(node::Column::Timestamp, at.into());
        am.update(&txn).await.map_err(|e| self.err(&what, e))?;
        record(&txn, vec![row(id, at, Some(from), Some(to), reason)])
            .await
            .map_err(|e| self.err(&what, e))?;
        txn.commit().await.map_err(|e| self.err(&what, e))?;
        Ok(n)
    }

    /// Delete node `id`'s row, recording its end (status -> none) at `at`; history is kept.
    pub async fn delete_node(&self, id: NodeId, reason: &str, at: UnixTime) -> Result<()> {
        let what = format!("deleting node {id}");
        let txn = self.write_txn(&what).await?;
        let current = node::Entity::find_by_id(i64::from(id))
            .one(&txn)
            .await
            .map_err(|e| self.err(&what, e))?
            .ok_or_else(|| missing(id))?;
        let from = map_node::parse_status(&format!("node {id} status"), &current.status)?;
        node::Entity::delete_by_id(i64::from(id))
            .exec(&txn)
            .await
            .map_err(|e| self.err(&what, e))?;
        record(&txn, vec![row(id, at, Some(from), None, reason)])
            .await
            .map_err(|e| self.err(&what, e))?;
        txn.commit().await.map_err(|e| self.err(&what, e))
    }
}
