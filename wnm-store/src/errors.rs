//! Turning sea-orm/SQLite failures into `wnm_core::Error` with messages an operator can act on:
//! a locked database, a file that is not a database or is damaged, a broken constraint.
use sea_orm::{DbErr, RuntimeErr, sqlx};
use std::path::Path;
use std::time::Duration;
use wnm_core::{Error, ErrorKind};

/// What kind of SQLite failure a `DbErr` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock past the busy timeout.
    Locked,
    /// SQLITE_NOTADB: the file is not a SQLite database.
    NotADatabase,
    /// SQLITE_CORRUPT: the database file is damaged.
    Corrupt,
    /// SQLITE_CONSTRAINT: a unique or foreign-key rule was broken.
    Constraint,
    /// SQLITE_CANTOPEN / SQLITE_PERM / SQLITE_READONLY: the file cannot be opened or written.
    Access,
    /// Anything else.
    Other,
}

fn sqlx_of(e: &DbErr) -> Option<&sqlx::Error> {
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => Some(s.as_ref()),
        _ => None,
    }
}

/// Classify a database error by its SQLite result code.
pub fn classify(e: &DbErr) -> Class {
    if matches!(e, DbErr::ConnectionAcquire(_)) {
        return Class::Locked;
    }
    let code = sqlx_of(e).and_then(|s| match s {
        sqlx::Error::Database(d) => d.code().and_then(|c| c.parse::<i64>().ok()),
        _ => None,
    });
    match code.map(|c| c & 0xff) {
        Some(5 | 6) => Class::Locked,
        Some(26) => Class::NotADatabase,
        Some(11) => Class::Corrupt,
        Some(19) => Class::Constraint,
        Some(3 | 8 | 14) => Class::Access,
        _ => {
            let text = e.to_string();
            if text.contains("database is locked") {
                Class::Locked
            } else if text.contains("file is not a database") {
                Class::NotADatabase
            } else if text.contains("malformed") {
                Class::Corrupt
            } else {
                Class::Other
            }
        }
    }
}

/// A `Store` error for failure `e` while doing `what` on the database at `path`.
pub fn store_error(what: &str, path: &Path, busy: Duration, e: DbErr) -> Error {
    let p = path.display();
    let message = match classify(&e) {
        Class::Locked => format!(
            "{what}: the colony database {p} is locked by another process (waited {} ms); another wnm run or a sqlite3 shell may hold it — retry when it is done",
            busy.as_millis()
        ),
        Class::NotADatabase => format!(
            "{what}: {p} is not a SQLite database (file is not a database); it was not modified — check --dbpath or restore a backup"
        ),
        Class::Corrupt => format!(
            "{what}: the colony database {p} is damaged ({e}); it was not modified — restore a backup (colony.db.bak-*) or recover it with `sqlite3 {p} .recover`"
        ),
        Class::Access => format!(
            "{what}: cannot open or write the colony database {p} ({e}); check that its directory exists and the permissions"
        ),
        Class::Constraint | Class::Other => format!("{what}: database {p}: {e}"),
    };
    Error::new(ErrorKind::Store, message).with_source(e)
}
