//! Opening colony databases on real SQLite files: fresh init, an empty file, reopening, a
//! database newer than this binary, files that are not databases or are damaged, locks, URLs.
mod common;

use common::*;
use std::time::{Duration, Instant};
use wnm_core::{ErrorKind, NodeStatus};
use wnm_store::{OpenOptions, SCHEMA_VERSION, SchemaStatus, Store, migrations};

fn quick() -> OpenOptions {
    OpenOptions {
        busy_timeout: Duration::from_millis(300),
    }
}

#[tokio::test]
async fn fresh_init_creates_wal_schema_without_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    let store = Store::open(&path).await.unwrap();
    assert!(path.exists());
    assert_eq!(store.backup_path(), None);
    assert_eq!(store.open_report().found, SchemaStatus::Empty);
    assert_eq!(store.open_report().applied, migrations());
    assert_eq!(store.machine().await.unwrap(), None);
    assert!(store.nodes().await.unwrap().is_empty());

    let m = machine();
    store.save_machine(&m).await.unwrap();
    assert_eq!(store.machine().await.unwrap(), Some(m.clone()));
    let mut m2 = m.clone();
    m2.node_cap = 7;
    m2.highest_node_id_used = Some(9);
    m2.antctl_version = Some("0.14.2".into());
    store.save_machine(&m2).await.unwrap();
    assert_eq!(store.machine().await.unwrap(), Some(m2.clone()));
    store.close().await.unwrap();

    let db = raw(&path).await;
    assert_eq!(strings(&db, "PRAGMA journal_mode").await, ["wal"]);
    assert_eq!(
        strings(&db, "SELECT version FROM seaql_migrations ORDER BY version").await,
        migrations()
    );
    let tables = strings(
        &db,
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name",
    )
    .await;
    for t in [
        "container",
        "machine",
        "node",
        "node_history",
        "seaql_migrations",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} in {tables:?}");
    }
    assert_eq!(int(&db, "SELECT COUNT(*) FROM machine").await, 1);
    db.close().await.unwrap();

    let again = Store::open(&path).await.unwrap();
    assert_eq!(again.open_report().found, SchemaStatus::Current);
    assert!(again.open_report().applied.is_empty());
    assert_eq!(again.backup_path(), None);
    assert_eq!(again.machine().await.unwrap(), Some(m2));
    assert_eq!(
        files(dir.path())
            .iter()
            .filter(|f| f.contains(".bak-"))
            .count(),
        0
    );
}

#[tokio::test]
async fn empty_file_is_migrated_without_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.open_report().found, SchemaStatus::Empty);
    assert_eq!(store.open_report().applied.last().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.backup_path(), None);
    store.save_machine(&machine()).await.unwrap();
    store
        .insert_node(&node(1, NodeStatus::Stopped), "added", 10)
        .await
        .unwrap();
    assert_eq!(store.nodes().await.unwrap().len(), 1);
    assert!(!files(dir.path()).iter().any(|f| f.contains(".bak-")));
}

#[tokio::test]
async fn newer_schema_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    let store = Store::open(&path).await.unwrap();
    store.save_machine(&machine()).await.unwrap();
    store.close().await.unwrap();
    let db = raw(&path).await;
    exec(
        &db,
        &["INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_the_future', 0)"],
    )
    .await;
    db.close().await.unwrap();
    let before = std::fs::read(&path).unwrap();
    let listing = files(dir.path());

    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    let msg = e.to_string();
    assert!(msg.contains("newer wnm"), "{msg}");
    assert!(msg.contains("m20991231_000001_from_the_future"), "{msg}");
    assert!(msg.contains("not modified"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "file changed");
    assert_eq!(files(dir.path()), listing, "no backup or other file");
    let status = Store::inspect(&path, &OpenOptions::default())
        .await
        .unwrap();
    assert_eq!(
        status,
        SchemaStatus::Newer {
            unknown: vec!["m20991231_000001_from_the_future".into()]
        }
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test]
async fn not_a_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    let junk: Vec<u8> = b"this is not a sqlite database, it is a text file\n".repeat(200);
    std::fs::write(&path, &junk).unwrap();
    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("not a SQLite database"), "{e}");
    assert!(e.to_string().contains("not modified"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), junk);
    assert_eq!(files(dir.path()), ["colony.db"]);
}

#[tokio::test]
async fn damaged_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    // The first 8 KiB of the 52 KiB fixture: a valid header and schema page, the rest gone.
    let whole = std::fs::read(PY_FIXTURE).unwrap();
    let cut = whole[..8192].to_vec();
    std::fs::write(&path, &cut).unwrap();
    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store, "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("damaged") || msg.contains("malformed"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), cut, "file changed");
    assert!(!files(dir.path()).iter().any(|f| f.contains(".bak-")));
}

#[tokio::test]
async fn foreign_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let store = Store::open(&dir.path().join("scratch.db")).await.unwrap();
    drop(store);
    std::fs::write(&path, b"").unwrap();
    let db = raw(&path).await;
    exec(
        &db,
        &["CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"],
    )
    .await;
    db.close().await.unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("not a wnm colony database"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test]
async fn locked_python_database_gives_clear_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    let before = std::fs::read(&path).unwrap();
    // The Python wnm uses the rollback journal: an exclusive lock keeps even readers out.
    let locker = raw(&path).await;
    exec(&locker, &["BEGIN EXCLUSIVE"]).await;
    let t = Instant::now();
    let e = Store::open_with(&path, &quick()).await.unwrap_err();
    let waited = t.elapsed();
    assert_eq!(e.kind(), ErrorKind::Store);
    let msg = e.to_string();
    assert!(msg.contains("locked by another process"), "{msg}");
    assert!(msg.contains("retry"), "{msg}");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(20), "{waited:?}");
    exec(&locker, &["ROLLBACK"]).await;
    locker.close().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!files(dir.path()).iter().any(|f| f.contains(".bak-")));
    // Once the lock is gone the same file opens and converts.
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.nodes().await.unwrap().len(), 5);
}

#[tokio::test]
async fn writer_lock_fails_writes_clearly_but_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    let store = Store::open_with(&path, &quick()).await.unwrap();
    store.save_machine(&machine()).await.unwrap();
    store
        .insert_node(&node(1, NodeStatus::Stopped), "added", 1)
        .await
        .unwrap();
    let locker = raw(&path).await;
    exec(&locker, &["BEGIN IMMEDIATE"]).await;
    let e = store
        .set_status(1, NodeStatus::Running, "started", 2)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("locked by another process"), "{e}");
    let mut m = machine();
    m.node_cap = 3;
    assert_eq!(
        store.save_machine(&m).await.unwrap_err().kind(),
        ErrorKind::Store
    );
    // WAL: readers are not blocked by a writer.
    assert_eq!(
        store.node(1).await.unwrap().unwrap().status,
        NodeStatus::Stopped
    );
    exec(&locker, &["ROLLBACK"]).await;
    locker.close().await.unwrap();
    store
        .set_status(1, NodeStatus::Running, "started", 2)
        .await
        .unwrap();
}

#[tokio::test]
async fn url_forms_open_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    let store = Store::open_url(&format!("sqlite:///{}", path.display()))
        .await
        .unwrap();
    store.save_machine(&machine()).await.unwrap();
    store.close().await.unwrap();
    let four = format!("sqlite:///{}", path.display()).replacen("sqlite:///", "sqlite:////", 1);
    let again = Store::open_url(&four).await.unwrap();
    assert_eq!(again.machine().await.unwrap(), Some(machine()));
    assert!(Store::open_url("sqlite::memory:").await.is_err());
}

#[tokio::test]
async fn missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope").join("colony.db");
    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert!(!dir.path().join("nope").exists());
}
