//! Reading what a database file holds before anything is written to it: nothing yet, our schema
//! (current, behind, or newer than this binary), or a Python wnm colony (and which revision).
use crate::migration;
use crate::python_schema::{PYTHON_REVISIONS, missing_base_columns};
use crate::sql;
use sea_orm::{ConnectionTrait, DbErr};
use wnm_core::{Error, ErrorKind};

/// What a colony database holds, as found at open (before any change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    /// No tables: a new file.
    Empty,
    /// Our schema with every migration this binary knows applied.
    Current,
    /// Our schema, behind this binary: the migrations still to apply.
    Behind {
        /// Names of the pending migrations, oldest first.
        pending: Vec<String>,
    },
    /// A Python wnm colony not converted yet.
    Python {
        /// Its alembic revision; `None` for a database from before alembic was used.
        revision: Option<String>,
    },
    /// Migrations this binary does not know were applied: written by a newer wnm.
    Newer {
        /// The unknown migration names.
        unknown: Vec<String>,
    },
}

impl SchemaStatus {
    /// True when opening would change the schema (and so first makes a backup).
    pub fn needs_migration(&self) -> bool {
        matches!(
            self,
            SchemaStatus::Empty | SchemaStatus::Behind { .. } | SchemaStatus::Python { .. }
        )
    }
}

/// A raw failure during inspection: a database error, or a refusal with its message.
pub enum InspectError {
    /// SQLite failed (locked, not a database, ...).
    Db(DbErr),
    /// The file is a database but not one wnm may touch.
    Refused(Error),
}

impl From<DbErr> for InspectError {
    fn from(e: DbErr) -> Self {
        InspectError::Db(e)
    }
}

fn refuse(path: &str, why: String) -> InspectError {
    InspectError::Refused(Error::new(
        ErrorKind::Store,
        format!("{path}: {why}; the file was not modified"),
    ))
}

/// Classify the database behind `db` (which must not have been written to by us).
pub async fn inspect<C: ConnectionTrait>(
    db: &C,
    path: &str,
) -> std::result::Result<SchemaStatus, InspectError> {
    let tables = sql::tables(db).await?;
    let has = |t: &str| tables.iter().any(|x| x == t);
    if tables.is_empty() {
        return Ok(SchemaStatus::Empty);
    }
    if has("seaql_migrations") {
        let applied =
            sql::strings(db, "SELECT version FROM seaql_migrations ORDER BY version").await?;
        let known = migration::names();
        let unknown: Vec<String> = applied
            .iter()
            .filter(|a| !known.contains(a))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Ok(SchemaStatus::Newer { unknown });
        }
        let pending: Vec<String> = known.into_iter().filter(|k| !applied.contains(k)).collect();
        return Ok(if pending.is_empty() {
            SchemaStatus::Current
        } else {
            SchemaStatus::Behind { pending }
        });
    }
    if !(has("machine") && has("node")) {
        return Err(refuse(
            path,
            format!(
                "not a wnm colony database (it has the tables {} but no machine and node tables)",
                tables.join(", ")
            ),
        ));
    }
    for table in ["machine", "node"] {
        let missing = missing_base_columns(table, &sql::columns(db, table).await?);
        if !missing.is_empty() {
            return Err(refuse(
                path,
                format!(
                    "not a wnm colony database: table {table} lacks the columns {}",
                    missing.join(", ")
                ),
            ));
        }
    }
    let revision = if has("alembic_version") {
        let revs = sql::strings(db, "SELECT version_num FROM alembic_version").await?;
        match revs.as_slice() {
            [] => None,
            [r] if PYTHON_REVISIONS.contains(&r.as_str()) => Some(r.clone()),
            _ => {
                return Err(refuse(
                    path,
                    format!(
                        "written by a Python wnm at alembic revision {} which this wnm does not know (it knows {} up to {}, wnm 0.5.0); upgrade wnm, or open it with the Python wnm it came from",
                        revs.join(","),
                        PYTHON_REVISIONS[0],
                        PYTHON_REVISIONS[PYTHON_REVISIONS.len() - 1]
                    ),
                ));
            }
        }
    } else {
        None
    };
    Ok(SchemaStatus::Python { revision })
}
