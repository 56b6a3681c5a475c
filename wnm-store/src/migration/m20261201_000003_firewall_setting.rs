//! Migration 3: the `firewall` setting (`auto`, `ufw`, `none`) is stored with the others, so a
//! choice made at `--init` holds for every later cron run.
use crate::sql;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        sql::exec(
            manager.get_connection(),
            "ALTER TABLE machine ADD COLUMN firewall TEXT NOT NULL DEFAULT 'auto'",
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
