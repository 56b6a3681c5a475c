//! The node history (audit trail): one row per status change with time, from, to and reason;
//! rows outlive their node, so "why did node 42 restart at 3am?" has an answer.
use crate::entity::node_history;
use crate::map_node::parse_status;
use crate::store::Store;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use wnm_core::{NodeId, NodeStatus, Result, UnixTime};

/// One status change of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The node.
    pub node_id: NodeId,
    /// When (epoch seconds).
    pub at: UnixTime,
    /// Status before; `None` when the node was created.
    pub from: Option<NodeStatus>,
    /// Status after; `None` when the node was deleted.
    pub to: Option<NodeStatus>,
    /// Why (the planner's reason, the operator's action, `survey` ...).
    pub reason: String,
}

/// The row for one change.
pub(crate) fn row(
    node_id: NodeId,
    at: UnixTime,
    from: Option<NodeStatus>,
    to: Option<NodeStatus>,
    reason: &str,
) -> node_history::ActiveModel {
    node_history::ActiveModel {
        id: NotSet,
        node_id: Set(i64::from(node_id)),
        at: Set(at),
        from_status: Set(from.map(|s| s.as_str().to_string())),
        to_status: Set(to.map(|s| s.as_str().to_string())),
        reason: Set(reason.to_string()),
    }
}

/// Write history rows (in the caller's transaction).
pub(crate) async fn record<C: ConnectionTrait>(
    db: &C,
    rows: Vec<node_history::ActiveModel>,
) -> std::result::Result<(), DbErr> {
    // SQLite allows at most 32766 bound values per statement; 6 per row.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        node_history::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn entry(r: node_history::Model) -> Result<HistoryEntry> {
    let what = |c: &str| format!("node_history row {} {c}", r.id);
    Ok(HistoryEntry {
        node_id: crate::convert::to_u32(&what("node_id"), r.node_id)?,
        at: r.at,
        from: r
            .from_status
            .as_deref()
            .map(|s| parse_status(&what("from_status"), s))
            .transpose()?,
        to: r
            .to_status
            .as_deref()
            .map(|s| parse_status(&what("to_status"), s))
            .transpose()?,
        reason: r.reason,
    })
}

impl Store {
    /// The newest `limit` status changes, of node `id` or of every node, newest first.
    pub async fn history(&self, id: Option<NodeId>, limit: u64) -> Result<Vec<HistoryEntry>> {
        let mut q = node_history::Entity::find();
        if let Some(id) = id {
            q = q.filter(node_history::Column::NodeId.eq(i64::from(id)));
        }
        let rows = q
            .order_by_desc(node_history::Column::At)
            .order_by_desc(node_history::Column::Id)
            .limit(limit)
            .all(self.db())
            .await
            .map_err(|e| self.err("reading the node history", e))?;
        rows.into_iter().map(entry).collect()
    }
}
