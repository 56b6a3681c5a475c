//! The copy made beside the database before any migration: `colony.db.bak-20261122T150102Z`.
//! WAL-safe: the WAL is checkpointed and the write lock held while the file is copied, so the
//! copy is byte-identical to the database; if the WAL cannot be emptied, `VACUUM INTO` writes a
//! consistent copy instead.
use crate::sql;
use sea_orm::{
    ConnectionTrait, DbErr, SqliteTransactionMode, TransactionOptions, TransactionSession,
    TransactionTrait,
};
use std::path::{Path, PathBuf};

/// `<path>.bak-<UTC timestamp>`, with `-2`, `-3` ... appended if that name is taken.
pub fn backup_path(path: &Path, now: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let base = format!("{}.bak-{stamp}", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}

/// Why a backup failed.
pub enum BackupError {
    /// SQLite failed (locked ...).
    Db(DbErr),
    /// Copying the file failed.
    Io(std::io::Error),
}

impl From<DbErr> for BackupError {
    fn from(e: DbErr) -> Self {
        BackupError::Db(e)
    }
}

fn wal_is_empty(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal))
        .map(|m| m.len() == 0)
        .unwrap_or(true)
}

/// Back up the database at `path` (open on `db`, which has written nothing) to `target`.
pub async fn make_backup<C>(db: &C, path: &Path, target: &Path) -> Result<(), BackupError>
where
    C: ConnectionTrait + TransactionTrait,
{
    // Move WAL content (if any) into the main file; returns (busy, wal pages, checkpointed).
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(TRUNCATE)".to_owned(),
        ))
        .await?;
    let busy = match row {
        Some(r) => r.try_get_by_index::<i64>(0)? != 0,
        None => false,
    };
    // Hold the write lock so no writer changes the file while it is copied.
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    if !busy && wal_is_empty(path) {
        let copied = std::fs::copy(path, target)
            .and_then(|_| std::fs::File::open(target))
            .and_then(|f| f.sync_all());
        txn.rollback().await?;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(target);
            return Err(BackupError::Io(e));
        }
        return Ok(());
    }
    txn.rollback().await?;
    let into = sql::quote_str(&target.to_string_lossy());
    sql::exec(db, &format!("VACUUM INTO {into}")).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn name_is_timestamped_and_unique() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("colony.db");
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 15, 1, 2)
            .unwrap();
        let a = backup_path(&db, t);
        assert_eq!(
            a.file_name().unwrap().to_str().unwrap(),
            "colony.db.bak-20261122T150102Z"
        );
        std::fs::write(&a, b"x").unwrap();
        let b = backup_path(&db, t);
        assert_eq!(
            b.file_name().unwrap().to_str().unwrap(),
            "colony.db.bak-20261122T150102Z-2"
        );
    }
}
