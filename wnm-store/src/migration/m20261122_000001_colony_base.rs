//! Migration 1: the wnm 0.5.0 tables (alembic head `e2f4a512d24c`) as our base schema. A new
//! database gets them created; a Python wnm database at an older revision gets the columns later
//! revisions added (with `Machine::defaults_for(cpu_count)` values), so both end at the head shape.
use crate::python_schema::{
    CREATE_CONTAINER, CREATE_INDEXES, CREATE_MACHINE, CREATE_NODE, added_columns,
    missing_base_columns, null_fills,
};
use crate::sql;
use sea_orm_migration::prelude::*;
use wnm_core::Machine;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let tables = sql::tables(db).await?;
        let has = |t: &str| tables.iter().any(|x| x == t);
        match (has("machine"), has("node")) {
            (false, false) => {
                for ddl in [CREATE_MACHINE, CREATE_CONTAINER, CREATE_NODE] {
                    sql::exec(db, ddl).await?;
                }
            }
            (true, true) => upgrade_python_tables(db, has("container")).await?,
            _ => {
                return Err(DbErr::Migration(
                    "the database has only one of the tables machine and node; it is not a wnm colony database"
                        .into(),
                ));
            }
        }
        for ddl in CREATE_INDEXES {
            sql::exec(db, ddl).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Bring the tables of an older Python revision to the wnm 0.5.0 head shape.
async fn upgrade_python_tables<C: ConnectionTrait>(
    db: &C,
    has_container: bool,
) -> Result<(), DbErr> {
    for table in ["machine", "node"] {
        let missing = missing_base_columns(table, &sql::columns(db, table).await?);
        if !missing.is_empty() {
            return Err(DbErr::Migration(format!(
                "table {table} lacks the columns {} that every wnm release has; not a wnm colony database",
                missing.join(", ")
            )));
        }
    }
    if !has_container {
        sql::exec(db, CREATE_CONTAINER).await?;
    }
    let cpus = sql::int(db, "SELECT cpu_count FROM machine WHERE id = 1")
        .await?
        .and_then(|c| <u32 as TryFrom<i64>>::try_from(c).ok())
        .unwrap_or(1);
    let defaults = Machine::defaults_for(cpus);
    let machine_cols = sql::columns(db, "machine").await?;
    let node_cols = sql::columns(db, "node").await?;
    let mut added_highest = false;
    for col in added_columns(&defaults) {
        let have = if col.table == "machine" {
            &machine_cols
        } else {
            &node_cols
        };
        if have.iter().any(|c| c == col.name) {
            continue;
        }
        sql::exec(
            db,
            &format!(
                "ALTER TABLE {} ADD COLUMN {} {}",
                col.table, col.name, col.definition
            ),
        )
        .await?;
        added_highest |= col.name == "highest_node_id_used";
    }
    if added_highest {
        // As the Python revision that added it did: the highest node id in use.
        sql::exec(
            db,
            "UPDATE machine SET highest_node_id_used = (SELECT MAX(id) FROM node)",
        )
        .await?;
    }
    for (table, column, value) in null_fills(&defaults) {
        sql::exec(
            db,
            &format!("UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"),
        )
        .await?;
    }
    Ok(())
}
