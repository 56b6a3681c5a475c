//! Taking over a Python wnm colony.db: the wnm 0.5.0 fixture converted in place with every
//! machine setting and node row compared field by field; older alembic revisions; a database
//! from before alembic; an unknown revision refused.
mod common;

use common::*;
use wnm_core::{ErrorKind, Machine, Node, NodeMetrics, NodeStatus, ProcessManager};
use wnm_store::{PYTHON_HEAD, SchemaStatus, Store, migrations};

/// The machine row of the fixture, as `sqlite3 colony.db 'select * from machine'` shows it.
fn fixture_machine() -> Machine {
    Machine {
        cpu_count: 8,
        node_cap: 20,
        cpu_less_than: 50,
        cpu_remove: 70,
        mem_less_than: 60,
        mem_remove: 75,
        hd_less_than: 75,
        hd_remove: 90,
        desired_load_average: 4.8,
        max_load_average_allowed: 8.0,
        delay_start: 300,
        delay_restart: 600,
        delay_upgrade: 300,
        delay_remove: 300,
        survey_delay: 0,
        action_delay: 0,
        max_concurrent_upgrades: 1,
        max_concurrent_starts: 1,
        max_concurrent_removals: 1,
        max_concurrent_operations: 1,
        hdio_read_less_than: 0,
        hdio_read_remove: 0,
        hdio_write_less_than: 0,
        hdio_write_remove: 0,
        netio_read_less_than: 0,
        netio_read_remove: 0,
        netio_write_less_than: 0,
        netio_write_remove: 0,
        crisis_bytes: 2_000_000_000,
        node_storage: "/home/ant/.local/share/autonomi/node".into(),
        rewards_address: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1".into(),
        donate_address: "0x00455d78f850b0358E8cea5be24d415E01E107CF".into(),
        port_start: 55,
        metrics_port_start: 13,
        rpc_port_start: 30,
        highest_node_id_used: None,
        last_stopped_at: 1_795_352_877,
        host: "127.0.0.1".into(),
        environment: String::new(),
        start_args: String::new(),
        node_removal_strategy: "youngest".into(),
        process_manager: "systemd+user".parse().unwrap(),
        max_node_per_container: 200,
        min_container_count: 1,
        docker_image: "iweave/antnode:latest".into(),
        no_upnp: false,
        antnode_path: "~/.local/bin/antnode".into(),
        antctl_path: "~/.local/bin/antctl".into(),
        antctl_debug: false,
        antctl_version: None,
        // Not in wnm 0.5.0: our migration's defaults.
        survey_concurrency: 128,
        survey_timeout_ms: 5_000,
        firewall: "auto".into(),
    }
}

/// Node `i` (1..=5) of the fixture, as `sqlite3 colony.db 'select * from node'` shows it.
fn fixture_node(i: u32) -> Node {
    let k = (i - 1) as usize;
    let base = "/home/ant/.local/share/autonomi";
    Node {
        id: i,
        service_name: format!("antnode{i:04}"), // stored as antnode000i.service
        port: 55000 + i as u16,
        metrics_port: 13000 + i as u16,
        rpc_port: 30000 + i as u16,
        root_dir: format!("{base}/node/antnode{i:04}"),
        log_dir: format!("{base}/logs/antnode{i:04}"),
        binary: format!("{base}/node/antnode{i:04}/antnode"),
        user: "ant".into(),
        wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
        network: "evm-arbitrum-one".into(),
        version: Some("0.4.7".into()),
        peer_id: Some(format!("12D3KooW{}{}", i + 2, "x".repeat(43))),
        status: [
            NodeStatus::Running,
            NodeStatus::Running,
            NodeStatus::Running,
            NodeStatus::Stopped,
            NodeStatus::Disabled,
        ][k],
        status_changed_at: 1_795_352_886,
        created_at: 1_795_266_477 + i64::from(i),
        manager: "systemd+user".parse::<ProcessManager>().unwrap(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics {
            uptime: 1000 + u64::from(i),
            records: u64::from(i),
            rel_records: 0,
            max_records: 0,
            connected_peers: [5, 6, 7, 0, 9][k],
            open_connections: [5, 6, 7, 8, 9][k],
            total_peers: 362,
            network_size: 2_064_384,
            shunned: 0,
            shunned_close_group: 0,
            shunned_old_close_group: 0,
            bad_peers: 0,
            rewards: "0".into(),
            puts: u64::from(i),
            gets: 0,
            mem_mb: 97.81,     // stored 9781
            cpu_percent: 0.03, // stored 3
            payment_count: 0,
            live_time: 1000 + u64::from(i),
        },
    }
}

#[tokio::test]
async fn wnm_050_fixture_is_converted_in_place_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    let original = std::fs::read(&path).unwrap();
    assert_eq!(
        Store::inspect(&path, &Default::default()).await.unwrap(),
        SchemaStatus::Python {
            revision: Some(PYTHON_HEAD.into())
        }
    );
    assert_eq!(std::fs::read(&path).unwrap(), original, "inspect wrote");

    let store = Store::open(&path).await.unwrap();

    // Backup: beside the file, timestamped, byte-identical to the Python database.
    let backup = store
        .backup_path()
        .expect("a backup before converting")
        .to_path_buf();
    assert_eq!(backup.parent(), path.parent());
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.strip_prefix("colony.db.bak-").expect(&name);
    assert_eq!(stamp.len(), 16, "{stamp}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
        "{stamp}"
    );
    assert_eq!(std::fs::read(&backup).unwrap(), original);
    assert_eq!(
        store.open_report().found,
        SchemaStatus::Python {
            revision: Some(PYTHON_HEAD.into())
        }
    );
    assert_eq!(store.open_report().applied, migrations());

    // Every machine setting.
    let m = store.machine().await.unwrap().expect("machine row");
    assert_eq!(m, fixture_machine());

    // Every node row.
    let nodes = store.nodes().await.unwrap();
    assert_eq!(nodes.len(), 5);
    for (n, i) in nodes.iter().zip(1..) {
        assert_eq!(*n, fixture_node(i), "node {i}");
        assert_eq!(store.node(i).await.unwrap().as_ref(), Some(n));
    }

    // One history row per node recording the takeover.
    let h = store.history(None, 100).await.unwrap();
    assert_eq!(h.len(), 5);
    for e in &h {
        assert_eq!(e.from, None);
        assert_eq!(e.to, Some(fixture_node(e.node_id).status));
        assert!(e.reason.contains(PYTHON_HEAD), "{}", e.reason);
    }
    store.close().await.unwrap();

    // Nothing lost: every Python column still holds its value (read behind the store's back),
    // with `service` as our bare service name.
    let conv = raw(&path).await;
    let old = raw(&backup).await;
    let old_cols = strings(&old, "SELECT name FROM pragma_table_info('node')").await;
    for c in &old_cols {
        let q = format!("SELECT id, quote({c}) FROM node ORDER BY id");
        let a = strings(&old, &format!("SELECT quote({c}) FROM node ORDER BY id")).await;
        let b = strings(&conv, &format!("SELECT quote({c}) FROM node ORDER BY id")).await;
        if c == "service" {
            let stripped: Vec<String> = a.iter().map(|s| s.replace(".service", "")).collect();
            assert_eq!(b, stripped, "{q}");
        } else {
            assert_eq!(a, b, "{q}");
        }
    }
    for c in strings(&old, "SELECT name FROM pragma_table_info('machine')").await {
        let a = strings(&old, &format!("SELECT quote({c}) FROM machine")).await;
        let b = strings(&conv, &format!("SELECT quote({c}) FROM machine")).await;
        assert_eq!(a, b, "machine.{c}");
    }
    assert_eq!(
        strings(&conv, "SELECT version_num FROM alembic_version").await,
        [PYTHON_HEAD]
    );
    assert_eq!(strings(&conv, "PRAGMA journal_mode").await, ["wal"]);
    conv.close().await.unwrap();
    old.close().await.unwrap();

    // Reopening converts nothing more and makes no second backup.
    let again = Store::open(&path).await.unwrap();
    assert_eq!(again.open_report().found, SchemaStatus::Current);
    assert_eq!(again.backup_path(), None);
    assert_eq!(again.nodes().await.unwrap(), nodes);
    assert_eq!(
        files(dir.path())
            .iter()
            .filter(|f| f.contains(".bak-"))
            .count(),
        1
    );
}

#[tokio::test]
async fn converted_colony_is_fully_usable() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    let store = Store::open(&path).await.unwrap();
    // After the conversion's own history rows, which carry the wall-clock time of the takeover.
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 100;
    let n = store
        .set_status(4, NodeStatus::Running, "started by the planner", later)
        .await
        .unwrap();
    assert_eq!(n.status, NodeStatus::Running);
    let mut six = fixture_node(5);
    six.id = 6;
    six.service_name = "antnode0006".into();
    six.port = 55006;
    six.metrics_port = 13006;
    six.rpc_port = 30006;
    six.status = NodeStatus::Stopped;
    store.insert_node(&six, "added", later + 1).await.unwrap();
    assert_eq!(store.node(6).await.unwrap(), Some(six));
    let mut m = store.machine().await.unwrap().unwrap();
    m.highest_node_id_used = Some(6);
    store.save_machine(&m).await.unwrap();
    assert_eq!(store.machine().await.unwrap(), Some(m));
    let h = store.history(Some(4), 10).await.unwrap();
    assert_eq!(h[0].from, Some(NodeStatus::Stopped));
    assert_eq!(h[0].to, Some(NodeStatus::Running));
    assert_eq!(h[0].reason, "started by the planner");
}

/// Make `path` look like a Python colony at an older revision by dropping what later
/// revisions added (newest first down to `rev`'s successor).
async fn downgrade(path: &std::path::Path, rev: &str, extra: &[&str]) {
    // (revision, statements undoing it)
    let undo: [(&str, &[&str]); 12] = [
        (
            "e2f4a512d24c",
            &["ALTER TABLE machine DROP COLUMN highest_node_id_used"],
        ),
        (
            "752bf4495eaa",
            &["ALTER TABLE machine DROP COLUMN antctl_version"],
        ),
        (
            "ba757077b6b0",
            &["ALTER TABLE machine DROP COLUMN antctl_path"],
        ),
        (
            "67fe02809d26",
            &["ALTER TABLE machine DROP COLUMN action_delay"],
        ),
        (
            "00dd80bcd645",
            &["ALTER TABLE machine DROP COLUMN max_concurrent_operations"],
        ),
        (
            "fa0ca0abff5c",
            &["ALTER TABLE machine DROP COLUMN survey_delay"],
        ),
        (
            "3249fcc20390",
            &["ALTER TABLE machine DROP COLUMN delay_restart"],
        ),
        (
            "44f23f078686",
            &["ALTER TABLE machine DROP COLUMN antnode_path"],
        ),
        (
            "7c5a573319da",
            &["ALTER TABLE machine DROP COLUMN rpc_port_start"],
        ),
        (
            "ade8fcd1fc9a",
            &[
                "ALTER TABLE node DROP COLUMN gets",
                "ALTER TABLE node DROP COLUMN puts",
                "ALTER TABLE node DROP COLUMN mem",
                "ALTER TABLE node DROP COLUMN cpu",
                "ALTER TABLE node DROP COLUMN open_connections",
                "ALTER TABLE node DROP COLUMN total_peers",
                "ALTER TABLE node DROP COLUMN bad_peers",
                "ALTER TABLE node DROP COLUMN rel_records",
                "ALTER TABLE node DROP COLUMN max_records",
                "ALTER TABLE node DROP COLUMN rewards",
                "ALTER TABLE node DROP COLUMN payment_count",
                "ALTER TABLE node DROP COLUMN live_time",
                "ALTER TABLE node DROP COLUMN network_size",
            ],
        ),
        ("abc5afa09a61", &["ALTER TABLE machine DROP COLUMN no_upnp"]),
        ("62bd2784638c", &["ALTER TABLE node DROP COLUMN log_dir"]),
    ];
    let db = raw(path).await;
    for (r, stmts) in undo {
        if r == rev {
            break;
        }
        exec(&db, stmts).await;
    }
    exec(
        &db,
        &[&format!("UPDATE alembic_version SET version_num = '{rev}'")],
    )
    .await;
    exec(&db, extra).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn baseline_revision_converts_with_defaults_for_missing_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    downgrade(
        &path,
        "eeec2af7114c",
        &[
            "DROP TABLE container",
            // Non-default values that must survive.
            "UPDATE machine SET node_cap = 33, cpu_count = 6, desired_load_average = 2.5, delay_start = 120",
            "UPDATE node SET records = 77 WHERE id = 2",
        ],
    )
    .await;
    let db = raw(&path).await;
    let machine_cols = strings(&db, "SELECT name FROM pragma_table_info('machine')").await;
    let node_cols = strings(&db, "SELECT name FROM pragma_table_info('node')").await;
    db.close().await.unwrap();
    assert!(
        !machine_cols
            .iter()
            .any(|c| c == "no_upnp" || c == "rpc_port_start")
    );
    assert!(!node_cols.iter().any(|c| c == "log_dir" || c == "mem"));
    let original = std::fs::read(&path).unwrap();

    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.open_report().found,
        SchemaStatus::Python {
            revision: Some("eeec2af7114c".into())
        }
    );
    assert_eq!(
        std::fs::read(store.backup_path().unwrap()).unwrap(),
        original
    );
    let m = store.machine().await.unwrap().unwrap();
    let d = Machine::defaults_for(6);
    let mut want = fixture_machine();
    want.cpu_count = 6;
    want.node_cap = 33;
    want.desired_load_average = 2.5;
    want.delay_start = 120;
    // Missing settings take the defaults for 6 CPUs ...
    want.no_upnp = d.no_upnp;
    want.rpc_port_start = d.rpc_port_start;
    want.antnode_path = d.antnode_path.clone();
    want.delay_restart = d.delay_restart;
    want.survey_delay = d.survey_delay;
    want.max_concurrent_operations = d.max_concurrent_operations;
    want.action_delay = d.action_delay;
    want.antctl_path = d.antctl_path.clone();
    want.antctl_version = d.antctl_version.clone();
    // ... except the highest id used, which (as the Python revision did) is the highest node id.
    want.highest_node_id_used = Some(5);
    assert_eq!(m, want);

    let nodes = store.nodes().await.unwrap();
    assert_eq!(nodes.len(), 5);
    for (n, i) in nodes.iter().zip(1..) {
        let mut w = fixture_node(i);
        w.log_dir = String::new();
        w.metrics.gets = 0;
        w.metrics.puts = 0;
        w.metrics.mem_mb = 0.0;
        w.metrics.cpu_percent = 0.0;
        w.metrics.open_connections = 0;
        w.metrics.total_peers = 0;
        w.metrics.network_size = 0;
        w.metrics.live_time = 0;
        if i == 2 {
            w.metrics.records = 77;
        }
        assert_eq!(*n, w, "node {i}");
    }
    // The container table the baseline lacked exists now.
    assert!(store.containers().await.unwrap().is_empty());
}

#[tokio::test]
async fn middle_revision_converts() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    downgrade(&path, "3249fcc20390", &[]).await;
    let store = Store::open(&path).await.unwrap();
    let m = store.machine().await.unwrap().unwrap();
    let mut want = fixture_machine();
    want.highest_node_id_used = Some(5);
    assert_eq!(m, want);
    for (n, i) in store.nodes().await.unwrap().iter().zip(1..) {
        assert_eq!(*n, fixture_node(i));
    }
}

#[tokio::test]
async fn database_from_before_alembic_converts() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    downgrade(&path, "eeec2af7114c", &["DROP TABLE alembic_version"]).await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.open_report().found,
        SchemaStatus::Python { revision: None }
    );
    assert!(store.backup_path().is_some());
    assert_eq!(store.nodes().await.unwrap().len(), 5);
    let h = store.history(Some(5), 10).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].to, Some(NodeStatus::Disabled));
}

#[tokio::test]
async fn unknown_alembic_revision_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    let db = raw(&path).await;
    exec(
        &db,
        &["UPDATE alembic_version SET version_num = 'f00dfacecafe'"],
    )
    .await;
    db.close().await.unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    let msg = e.to_string();
    assert!(msg.contains("f00dfacecafe"), "{msg}");
    assert!(msg.contains("does not know"), "{msg}");
    assert!(msg.contains("not modified"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(files(dir.path()), ["colony.db"]);
}

#[tokio::test]
async fn migrate_only_reports_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = python_colony(dir.path());
    let r = Store::migrate_only(&path).await.unwrap();
    assert!(r.backup.is_some());
    assert_eq!(r.applied, migrations());
    let r2 = Store::migrate_only(&path).await.unwrap();
    assert_eq!(r2.found, SchemaStatus::Current);
    assert!(r2.applied.is_empty() && r2.backup.is_none());
}
