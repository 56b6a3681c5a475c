//! Opening a colony database: inspect it without writing, refuse what wnm must not touch (newer
//! schema, unknown Python revision, not a database, damaged), back it up beside itself, switch
//! it to WAL, apply the embedded migrations (converting a Python wnm colony in place).
use crate::backup::{BackupError, backup_path, make_backup};
use crate::errors::store_error;
use crate::inspect::{InspectError, SchemaStatus, inspect};
use crate::migration::{self, Migrator};
use crate::sql;
use crate::store::{Inner, OpenOptions, OpenReport, Store};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sea_orm::{DatabaseConnection, SqlxSqliteConnector};
use sea_orm_migration::MigratorTrait;
use std::path::Path;
use std::sync::Arc;
use wnm_core::{Error, ErrorKind, Result};

/// The newest migration this binary knows (the schema version it writes).
pub const SCHEMA_VERSION: &str = "m20261201_000003_firewall_setting";

/// Names of every migration this binary knows, oldest first.
pub fn migrations() -> Vec<String> {
    migration::names()
}

impl Store {
    /// Open (creating if missing) the colony database at `path` with default options.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, &OpenOptions::default()).await
    }

    /// Open the database a `--dbpath` value names: a path or a `sqlite:` URL.
    pub async fn open_url(url: &str) -> Result<Store> {
        Store::open_with(&crate::url::path_of(url)?, &OpenOptions::default()).await
    }

    /// The `wnm-db-migration` action: open (which migrates, after a backup) and report what
    /// was found and done.
    pub async fn migrate_only(path: &Path) -> Result<OpenReport> {
        let store = Store::open(path).await?;
        let report = store.open_report().clone();
        store.close().await?;
        Ok(report)
    }

    /// What the database at `path` holds, read without changing it (`Empty` when it does not exist).
    pub async fn inspect(path: &Path, opts: &OpenOptions) -> Result<SchemaStatus> {
        if !path.exists() {
            return Ok(SchemaStatus::Empty);
        }
        let db = connect(path, opts, false).await?;
        let found = inspect(&db, &path.display().to_string()).await;
        let _ = db.close_by_ref().await;
        found.map_err(|e| inspect_error(path, opts, e))
    }

    /// Open with explicit options; see [`Store::open`].
    pub async fn open_with(path: &Path, opts: &OpenOptions) -> Result<Store> {
        check_location(path)?;
        let existed = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        let db = connect(path, opts, true).await?;
        match prepare(&db, path, opts, existed).await {
            Ok(report) => Ok(Store {
                inner: Arc::new(Inner {
                    db,
                    path: path.to_path_buf(),
                    busy: opts.busy_timeout,
                    report,
                }),
            }),
            Err(e) => {
                let _ = db.close_by_ref().await;
                Err(e)
            }
        }
    }
}

fn check_location(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::invalid_config(format!(
            "{} is a directory; the database path must name a file such as colony.db",
            path.display()
        )));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(Error::not_found(format!(
            "the directory {} for the colony database does not exist; create it (wnm --init does) or fix --dbpath",
            parent.display()
        )));
    }
    Ok(())
}

/// One connection (so the inspection, backup and migration see the same session), no journal
/// mode change (that waits until after the backup), busy timeout, foreign keys on.
async fn connect(path: &Path, opts: &OpenOptions, create: bool) -> Result<DatabaseConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .busy_timeout(opts.busy_timeout)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| {
            store_error(
                "opening the database",
                path,
                opts.busy_timeout,
                sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(e))),
            )
        })?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

fn inspect_error(path: &Path, opts: &OpenOptions, e: InspectError) -> Error {
    match e {
        InspectError::Db(e) => store_error("reading the database", path, opts.busy_timeout, e),
        InspectError::Refused(e) => e,
    }
}

/// Inspect, refuse, back up, switch to WAL and migrate; returns what was done.
async fn prepare(
    db: &DatabaseConnection,
    path: &Path,
    opts: &OpenOptions,
    existed: bool,
) -> Result<OpenReport> {
    let busy = opts.busy_timeout;
    let found = inspect(db, &path.display().to_string())
        .await
        .map_err(|e| inspect_error(path, opts, e))?;
    if let SchemaStatus::Newer { unknown } = &found {
        return Err(Error::new(
            ErrorKind::Store,
            format!(
                "{} was written by a newer wnm: it has the migrations {} that this wnm (schema {SCHEMA_VERSION}) does not know; the file was not modified — upgrade wnm",
                path.display(),
                unknown.join(", ")
            ),
        ));
    }
    let mut backup = None;
    if existed && found != SchemaStatus::Empty && found.needs_migration() {
        let check = sql::strings(db, "PRAGMA quick_check")
            .await
            .map_err(|e| store_error("checking the database", path, busy, e))?;
        if check.first().map(String::as_str) != Some("ok") {
            return Err(Error::new(
                ErrorKind::Store,
                format!(
                    "{} is damaged ({}); it was not modified nor migrated — restore a backup or recover it with `sqlite3 {} .recover`",
                    path.display(),
                    check.join("; "),
                    path.display()
                ),
            ));
        }
        let target = backup_path(path, chrono::Utc::now());
        make_backup(db, path, &target)
            .await
            .map_err(|e| backup_error(path, &target, busy, e))?;
        tracing::info!(
            "backed up {} to {} before migrating",
            path.display(),
            target.display()
        );
        backup = Some(target);
    }
    let mode = sql::strings(db, "PRAGMA journal_mode = WAL")
        .await
        .map_err(|e| store_error("switching the database to WAL", path, busy, e))?;
    if mode.first().map(|m| m.eq_ignore_ascii_case("wal")) != Some(true) {
        tracing::warn!(
            "{}: journal mode is {:?}, not WAL (another process may hold it open)",
            path.display(),
            mode
        );
    }
    let mut applied = Vec::new();
    if found.needs_migration() {
        let pending: Vec<String> = Migrator::get_pending_migrations(db)
            .await
            .map_err(|e| store_error("reading the migration state", path, busy, e))?
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        Migrator::up(db, None).await.map_err(|e| {
            let mut err = store_error("migrating the database", path, busy, e);
            if let Some(b) = &backup {
                err = Error::new(
                    ErrorKind::Store,
                    format!(
                        "{}; the database as it was before is in {}",
                        err.message(),
                        b.display()
                    ),
                );
            }
            err
        })?;
        tracing::info!(
            "{}: applied migrations {}",
            path.display(),
            pending.join(", ")
        );
        applied = pending;
    }
    Ok(OpenReport {
        found,
        backup,
        applied,
    })
}

fn backup_error(path: &Path, target: &Path, busy: std::time::Duration, e: BackupError) -> Error {
    match e {
        BackupError::Db(e) => store_error(
            &format!("backing up to {} before migrating", target.display()),
            path,
            busy,
            e,
        ),
        BackupError::Io(e) => Error::new(
            ErrorKind::Io,
            format!(
                "backing up {} to {} before migrating: {e}; nothing was migrated",
                path.display(),
                target.display()
            ),
        )
        .with_source(e),
    }
}
