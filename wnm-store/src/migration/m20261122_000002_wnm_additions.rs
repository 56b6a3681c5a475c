//! Migration 2: what wnm adds to the wnm 0.5.0 schema: the survey settings on `machine`, the node
//! line and close-group shun counts on `node`, bare service names (`antnode0001`, no `.service`),
//! and the `node_history` audit trail (seeded with one row per existing node).
use crate::sql;
use sea_orm_migration::prelude::*;
use wnm_core::Machine;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let d = Machine::defaults_for(1);
        let statements = [
            format!(
                "ALTER TABLE machine ADD COLUMN survey_concurrency INTEGER NOT NULL DEFAULT {}",
                d.survey_concurrency
            ),
            format!(
                "ALTER TABLE machine ADD COLUMN survey_timeout_ms INTEGER NOT NULL DEFAULT {}",
                d.survey_timeout_ms
            ),
            "ALTER TABLE node ADD COLUMN line TEXT NOT NULL DEFAULT 'antnode-0.4'".to_string(),
            "ALTER TABLE node ADD COLUMN shunned_close_group INTEGER NOT NULL DEFAULT 0".to_string(),
            "ALTER TABLE node ADD COLUMN shunned_old_close_group INTEGER NOT NULL DEFAULT 0"
                .to_string(),
            "UPDATE node SET service = substr(service, 1, length(service) - 8) WHERE service LIKE '%.service'"
                .to_string(),
            "CREATE TABLE node_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                node_id INTEGER NOT NULL,
                at INTEGER NOT NULL,
                from_status TEXT,
                to_status TEXT,
                reason TEXT NOT NULL
            )"
            .to_string(),
            "CREATE INDEX ix_node_history_node ON node_history (node_id, at)".to_string(),
            "CREATE INDEX ix_node_history_at ON node_history (at)".to_string(),
        ];
        for s in &statements {
            sql::exec(db, s).await?;
        }
        let tables = sql::tables(db).await?;
        let reason = match tables.iter().any(|t| t == "alembic_version") {
            true => {
                let rev = sql::strings(db, "SELECT version_num FROM alembic_version")
                    .await?
                    .join(",");
                format!("taken over from the Python wnm database (alembic revision {rev})")
            }
            false => "present when the node history began".to_string(),
        };
        let now = chrono::Utc::now().timestamp();
        sql::exec_with(
            db,
            "INSERT INTO node_history (node_id, at, from_status, to_status, reason)
             SELECT id, ?, NULL, status, ? FROM node ORDER BY id",
            vec![now.into(), reason.into()],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
