//! Helpers shared by the wnm-store integration tests: temp colonies, the wnm 0.5.0 fixture, a
//! plain node, and an independent raw SQLite connection (for locking and reading behind the store).
#![allow(dead_code)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};
use wnm_core::{Machine, Node, NodeMetrics, NodeStatus, ProcessManager};

/// The Python wnm 0.5.0 fixture (read-only; copy it first).
pub const PY_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/wnm-0.5.0/colony.db"
);

/// Copy the wnm 0.5.0 fixture into `dir` as a writable `colony.db`.
pub fn python_colony(dir: &Path) -> PathBuf {
    let p = dir.join("colony.db");
    std::fs::write(&p, std::fs::read(PY_FIXTURE).unwrap()).unwrap();
    p
}

/// Names of the files in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A raw connection behind the store's back (single connection, no journal-mode change).
pub async fn raw(path: &Path) -> DatabaseConnection {
    let url = format!("sqlite://{}", path.display());
    let mut opts = sea_orm::ConnectOptions::new(url);
    opts.max_connections(1).sqlx_logging(false);
    Database::connect(opts).await.unwrap()
}

/// Run statements on `db`.
pub async fn exec(db: &DatabaseConnection, sql: &[&str]) {
    for s in sql {
        db.execute_raw(Statement::from_string(DbBackend::Sqlite, s.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

/// First column of each row as text.
pub async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.to_string()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// First column of the first row as an integer.
pub async fn int(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql.to_string()))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// A machine with a few non-default settings.
pub fn machine() -> Machine {
    let mut m = Machine::defaults_for(4);
    m.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into();
    m.node_storage = "/var/antctl/services".into();
    m.node_cap = 50;
    m
}

/// A plain node `id` in `status`.
pub fn node(id: u32, status: NodeStatus) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 55000 + id as u16,
        metrics_port: 13000 + id as u16,
        rpc_port: 30000 + id as u16,
        root_dir: format!("/var/antctl/services/antnode{id:04}"),
        log_dir: format!("/var/log/antnode/antnode{id:04}"),
        binary: format!("/var/antctl/services/antnode{id:04}/antnode"),
        user: "ant".into(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: Some("0.4.11".into()),
        peer_id: None,
        status,
        status_changed_at: 1_700_000_000,
        created_at: 1_700_000_000 - i64::from(id),
        manager: "systemd+sudo".parse::<ProcessManager>().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics::default(),
    }
}
