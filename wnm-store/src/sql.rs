//! Small raw-SQL helpers over any sea-orm connection: list tables and columns, run a statement,
//! read one text or integer column. Used by the inspection at open and by the migrations.
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

fn stmt(sql: &str) -> Statement {
    Statement::from_string(DbBackend::Sqlite, sql.to_owned())
}

/// Run one statement (no result rows expected).
pub async fn exec<C: ConnectionTrait>(db: &C, sql: &str) -> Result<(), DbErr> {
    db.execute_raw(stmt(sql)).await.map(|_| ())
}

/// Run one statement with bound values.
pub async fn exec_with<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
    .await
    .map(|_| ())
}

/// The first column of every row, as text (NULL rows are skipped).
pub async fn strings<C: ConnectionTrait>(db: &C, sql: &str) -> Result<Vec<String>, DbErr> {
    let rows = db.query_all_raw(stmt(sql)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(s) = r.try_get_by_index::<Option<String>>(0)? {
            out.push(s);
        }
    }
    Ok(out)
}

/// The first column of the first row as an integer; `None` for no row or NULL.
pub async fn int<C: ConnectionTrait>(db: &C, sql: &str) -> Result<Option<i64>, DbErr> {
    match db.query_one_raw(stmt(sql)).await? {
        Some(r) => r.try_get_by_index::<Option<i64>>(0),
        None => Ok(None),
    }
}

/// Names of the ordinary tables.
pub async fn tables<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    strings(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await
}

/// Names of the columns of `table` (empty when the table does not exist).
pub async fn columns<C: ConnectionTrait>(db: &C, table: &str) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(stmt(&format!("PRAGMA table_info({})", quote_ident(table))))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect()
}

/// `name` as a double-quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `s` as a single-quoted SQL string literal.
pub fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
