//! The `Store` handle (cheap to clone) and what every operation shares: the connection, the
//! error mapping, write transactions that take the lock at once, and the machine row.
use crate::entity::machine;
use crate::errors::store_error;
use crate::inspect::SchemaStatus;
use crate::map_machine;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    Iterable, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wnm_core::{Error, Machine, Result};

/// How to open a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// How long a statement waits for another process's lock before failing (default 5 s).
    pub busy_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// What opening the store found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The schema as found, before any change.
    pub found: SchemaStatus,
    /// The backup made before migrating, if one was needed.
    pub backup: Option<PathBuf>,
    /// Migrations applied at this open, oldest first.
    pub applied: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) db: DatabaseConnection,
    pub(crate) path: PathBuf,
    pub(crate) busy: Duration,
    pub(crate) report: OpenReport,
}

/// The colony store: one SQLite file, WAL journal, migrated at open. Clone it freely; clones
/// share one connection, so operations run one at a time.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

impl Store {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The backup made at this open, if any.
    pub fn backup_path(&self) -> Option<&Path> {
        self.inner.report.backup.as_deref()
    }

    /// What opening found and did (for `wnm-db-migration` and reports).
    pub fn open_report(&self) -> &OpenReport {
        &self.inner.report
    }

    /// Close the connection (checkpointing the WAL). Other clones fail afterwards.
    pub async fn close(self) -> Result<()> {
        let r = self.inner.db.close_by_ref().await;
        r.map_err(|e| self.err("closing the database", e))
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    pub(crate) fn err(&self, what: &str, e: DbErr) -> Error {
        store_error(what, &self.inner.path, self.inner.busy, e)
    }

    /// A write transaction holding the write lock from its start (no deadlock on upgrade).
    pub(crate) async fn write_txn(&self, what: &str) -> Result<DatabaseTransaction> {
        self.inner
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
            .map_err(|e| self.err(what, e))
    }

    /// The machine settings, if the colony has been initialised.
    pub async fn machine(&self) -> Result<Option<Machine>> {
        let row = machine::Entity::find_by_id(map_machine::MACHINE_ROW)
            .one(self.db())
            .await
            .map_err(|e| self.err("reading the machine settings", e))?;
        row.as_ref().map(map_machine::from_model).transpose()
    }

    /// Write the machine settings (row id 1), creating the row if needed.
    pub async fn save_machine(&self, m: &Machine) -> Result<()> {
        let am = map_machine::to_model(m).into_active_model().reset_all();
        let updates: Vec<machine::Column> = machine::Column::iter()
            .filter(|c| !matches!(c, machine::Column::Id))
            .collect();
        machine::Entity::insert(am)
            .on_conflict(
                OnConflict::column(machine::Column::Id)
                    .update_columns(updates)
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(|e| self.err("saving the machine settings", e))?;
        Ok(())
    }
}
