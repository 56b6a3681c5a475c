//! Unit tests of opening a database our own older binary wrote (only some migrations applied):
//! a byte-identical backup first, then the missing migrations.
use crate::migration::Migrator;
use crate::{OpenOptions, SchemaStatus, Store, migrations};
use sea_orm::{ConnectOptions, Database};
use sea_orm_migration::MigratorTrait;

#[tokio::test]
async fn behind_schema_is_backed_up_then_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    std::fs::write(&path, b"").unwrap();
    let mut opts = ConnectOptions::new(format!("sqlite://{}", path.display()));
    opts.max_connections(1).sqlx_logging(false);
    let db = Database::connect(opts).await.unwrap();
    Migrator::up(&db, Some(1)).await.unwrap();
    crate::sql::exec(
        &db,
        "INSERT INTO machine (id, cpu_count, node_cap, cpu_less_than, mem_less_than, hd_less_than,
         hdio_read_less_than, hdio_write_less_than, netio_read_less_than, netio_write_less_than,
         cpu_remove, mem_remove, hd_remove, hdio_read_remove, hdio_write_remove, netio_read_remove,
         netio_write_remove, max_load_average_allowed, desired_load_average, delay_start,
         delay_restart, delay_upgrade, delay_remove, survey_delay, action_delay, node_storage,
         rewards_address, donate_address, port_start, metrics_port_start, rpc_port_start,
         last_stopped_at, host, crisis_bytes, max_concurrent_upgrades, max_concurrent_starts,
         max_concurrent_removals, max_concurrent_operations, node_removal_strategy,
         max_node_per_container, min_container_count, no_upnp, antctl_debug)
         VALUES (1, 2, 9, 50, 60, 75, 0, 0, 0, 0, 70, 75, 90, 0, 0, 0, 0, 2.0, 1.2, 300, 600, 300,
         300, 0, 0, '/n', 'faucet', 'donate', 55, 13, 30, 0, '127.0.0.1', 2000000000, 1, 1, 1, 1,
         'youngest', 200, 1, 0, 0)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let before = std::fs::read(&path).unwrap();

    let status = Store::inspect(&path, &OpenOptions::default())
        .await
        .unwrap();
    assert_eq!(
        status,
        SchemaStatus::Behind {
            pending: migrations()[1..].to_vec()
        }
    );
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.open_report().found, status);
    assert_eq!(store.open_report().applied, migrations()[1..].to_vec());
    let backup = store.backup_path().expect("backup").to_path_buf();
    assert_eq!(std::fs::read(&backup).unwrap(), before);
    let m = store.machine().await.unwrap().unwrap();
    assert_eq!(m.node_cap, 9);
    assert_eq!(m.survey_concurrency, 128);
}

#[tokio::test]
async fn busy_wal_is_backed_up_with_vacuum_into() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("colony.db");
    std::fs::write(&path, b"").unwrap();
    let mut opts = ConnectOptions::new(format!("sqlite://{}", path.display()));
    opts.max_connections(1).sqlx_logging(false);
    let db = Database::connect(opts).await.unwrap();
    crate::sql::exec(&db, "PRAGMA journal_mode = WAL")
        .await
        .unwrap();
    Migrator::up(&db, Some(1)).await.unwrap();
    crate::sql::exec(
        &db,
        "CREATE TABLE marker (v TEXT); INSERT INTO marker VALUES ('in the wal')",
    )
    .await
    .unwrap();
    // A reader holding a snapshot keeps the WAL from being emptied.
    crate::sql::exec(&db, "BEGIN").await.unwrap();
    assert_eq!(
        crate::sql::strings(&db, "SELECT v FROM marker")
            .await
            .unwrap(),
        ["in the wal"]
    );
    let wal = dir.path().join("colony.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);

    let quick = OpenOptions {
        busy_timeout: std::time::Duration::from_millis(200),
    };
    let store = Store::open_with(&path, &quick).await.unwrap();
    let backup = store.backup_path().expect("backup").to_path_buf();
    crate::sql::exec(&db, "COMMIT").await.unwrap();
    db.close().await.unwrap();
    store.close().await.unwrap();

    // Written by VACUUM INTO (a rollback-journal file, header bytes 18-19 = 1; a byte copy of
    // the WAL database would say 2), complete on its own: it holds the row that was in the WAL.
    let head = std::fs::read(&backup).unwrap();
    assert_eq!(&head[18..20], &[1, 1]);
    assert!(
        !dir.path()
            .join(format!("{}-wal", backup.display()))
            .exists()
    );
    let mut opts = ConnectOptions::new(format!("sqlite://{}", backup.display()));
    opts.max_connections(1).sqlx_logging(false);
    let copy = Database::connect(opts).await.unwrap();
    assert_eq!(
        crate::sql::strings(&copy, "SELECT v FROM marker")
            .await
            .unwrap(),
        ["in the wal"]
    );
    assert_eq!(
        crate::sql::strings(&copy, "SELECT version FROM seaql_migrations")
            .await
            .unwrap(),
        [migrations()[0].clone()]
    );
    copy.close().await.unwrap();
}
