//! Writing a survey: every surveyed node's metrics, version, peer id and status in ONE
//! transaction (wnm 0.5.0 committed per node: 18 s at 1,000 nodes). Status changes found by the
//! survey go through the transition table and get history rows in the same transaction.
use crate::entity::node;
use crate::history::{record, row};
use crate::map_node;
use crate::store::Store;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use wnm_core::{Error, ErrorKind, Node, NodeId, Result};

/// The history reason of a status change a survey found.
pub const SURVEY_REASON: &str = "survey";

impl Store {
    /// Save what a survey found for `nodes` (status, its time, version, peer id, metrics) in
    /// one transaction. Paths, ports and other identity fields are not touched. A node without
    /// a row, or an illegal status change, fails the whole write and nothing is saved.
    pub async fn save_survey(&self, nodes: &[Node]) -> Result<()> {
        self.save_survey_with_reasons(nodes, &HashMap::new()).await
    }

    /// [`Store::save_survey`], with the history reason of each status change it found (what was
    /// observed: `survey: metrics port not answering and the process is gone`); a node without
    /// one gets [`SURVEY_REASON`].
    pub async fn save_survey_with_reasons(
        &self,
        nodes: &[Node],
        reasons: &HashMap<NodeId, String>,
    ) -> Result<()> {
        if nodes.is_empty() {
            return Ok(());
        }
        let what = format!("saving the survey of {} nodes", nodes.len());
        let txn = self.write_txn(&what).await?;
        let current: HashMap<i64, String> = node::Entity::find()
            .select_only()
            .column(node::Column::Id)
            .column(node::Column::Status)
            .into_tuple::<(i64, String)>()
            .all(&txn)
            .await
            .map_err(|e| self.err(&what, e))?
            .into_iter()
            .collect();
        let mut history = Vec::new();
        for n in nodes {
            let id = i64::from(n.id);
            let stored = current.get(&id).ok_or_else(|| {
                Error::not_found(format!(
                    "{what}: node {} has no row (removed meanwhile?); nothing was saved",
                    n.id
                ))
            })?;
            let from = map_node::parse_status(&format!("node {} status", n.id), stored)?;
            if from != n.status {
                from.transition(n.status).map_err(|e| {
                    Error::new(
                        ErrorKind::IllegalTransition,
                        format!("{what}: node {}: {}; nothing was saved", n.id, e.message()),
                    )
                })?;
                history.push(row(
                    n.id,
                    n.status_changed_at,
                    Some(from),
                    Some(n.status),
                    reasons.get(&n.id).map_or(SURVEY_REASON, String::as_str),
                ));
            }
            node::Entity::update_many()
                .set(map_node::to_survey_update(n))
                .filter(node::Column::Id.eq(id))
                .exec(&txn)
                .await
                .map_err(|e| self.err(&what, e))?;
        }
        record(&txn, history)
            .await
            .map_err(|e| self.err(&what, e))?;
        txn.commit().await.map_err(|e| self.err(&what, e))
    }
}
