//! The colony the cycle phases run against: a real SQLite colony database holding N running
//! nodes whose metrics ports are the `antnode-emu --serve-many` ports, settled as after a day of
//! cycles (versions and peer ids known, uptimes stored), with settings under which an idle
//! cycle plans nothing (node_cap = N, limits that the host cannot reach).
use std::path::{Path, PathBuf};
use wnm_core::{Machine, Node, NodeMetrics, NodeStatus, UnixTime};
use wnm_store::Store;

/// Uptime the emulated colony starts at (`antnode-emu --emu-uptime`) and the uptime stored for
/// every node: a day, so no node looks young or restarted.
pub const COLONY_UPTIME_SECS: u64 = 86_400;
/// The version the emulator reports and the nodes are stored with.
pub const COLONY_VERSION: &str = "0.4.11";
/// The database file inside a colony dir.
pub const DB_FILE: &str = "colony.db";

/// What [`seed`] needs.
#[derive(Debug, Clone)]
pub struct Seed<'a> {
    /// Nodes.
    pub n: u16,
    /// First `--serve-many` port: node i (1-based) answers on `base_port + i - 1`.
    pub base_port: u16,
    /// The machine's `survey_concurrency`.
    pub concurrency: usize,
    /// `antnode_path` (the emulator, which answers `--version` like antnode).
    pub antnode: &'a Path,
}

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as UnixTime)
}

/// Settings under which `wnm` plans nothing for this colony on any host: the cap is reached,
/// the version is current, and no limit can trip (percent limits at 100, IO limits off, load
/// limits far above any host's).
pub fn machine(dir: &Path, s: &Seed<'_>) -> Result<Machine, String> {
    let mut m = Machine::defaults_for(2);
    m.node_cap = u32::from(s.n);
    m.process_manager = "setsid+user".parse().map_err(|e| format!("{e}"))?;
    m.node_storage = dir.join("nodes").display().to_string();
    m.rewards_address = crate::TEST_REWARDS_ADDRESS.to_string();
    m.antnode_path = s.antnode.display().to_string();
    m.survey_concurrency = s.concurrency.max(1) as u32;
    m.highest_node_id_used = Some(u32::from(s.n));
    m.last_stopped_at = now();
    (m.cpu_less_than, m.cpu_remove) = (100, 100);
    (m.mem_less_than, m.mem_remove) = (100, 100);
    (m.hd_less_than, m.hd_remove) = (100, 100);
    (m.hdio_read_less_than, m.hdio_read_remove) = (0, 0);
    (m.hdio_write_less_than, m.hdio_write_remove) = (0, 0);
    (m.netio_read_less_than, m.netio_read_remove) = (0, 0);
    (m.netio_write_less_than, m.netio_write_remove) = (0, 0);
    (m.desired_load_average, m.max_load_average_allowed) = (10_000.0, 10_000.0);
    m.crisis_bytes = 0;
    Ok(m)
}

/// Node `id` of the colony in `dir`, as the store keeps it after a day of cycles.
pub fn node(dir: &Path, id: u32, s: &Seed<'_>, m: &Machine) -> Node {
    let root = dir.join("nodes").join(wnm_core::service_name(id));
    let port = s.base_port + (id - 1) as u16;
    let day_ago = now() - COLONY_UPTIME_SECS as UnixTime;
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: (m.port_start * 1000 + id) as u16,
        metrics_port: port,
        rpc_port: 0,
        root_dir: root.display().to_string(),
        log_dir: dir
            .join("logs")
            .join(wnm_core::service_name(id))
            .display()
            .to_string(),
        binary: root.join("antnode").display().to_string(),
        user: "ant".into(),
        wallet: m.rewards_address.clone(),
        network: "evm-arbitrum-one".into(),
        version: Some(COLONY_VERSION.into()),
        peer_id: Some(crate::emu::peer_id::peer_id_from_secret(
            &u32::from(port).to_le_bytes(),
        )),
        status: NodeStatus::Running,
        status_changed_at: day_ago,
        created_at: day_ago,
        manager: m.process_manager.clone(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: NodeMetrics {
            uptime: COLONY_UPTIME_SECS,
            ..Default::default()
        },
    }
}

/// Create the colony in `dir`: `colony.db` with the settings and N nodes, and every node's
/// root dir (so the disk check stats real dirs).
pub fn seed(dir: &Path, s: &Seed<'_>) -> Result<(), String> {
    let m = machine(dir, s)?;
    let nodes: Vec<Node> = (1..=u32::from(s.n))
        .map(|id| node(dir, id, s, &m))
        .collect();
    for n in &nodes {
        std::fs::create_dir_all(&n.root_dir).map_err(|e| format!("{}: {e}", n.root_dir))?;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    rt.block_on(async {
        let store = Store::open(&dir.join(DB_FILE)).await?;
        store.save_machine(&m).await?;
        store
            .insert_nodes(&nodes, "seeded by wnm-bench", m.last_stopped_at)
            .await?;
        store.close().await
    })
    .map_err(|e| format!("seeding the colony: {e}"))
}

/// A fresh copy of the colony database of `seeded` in a new temporary dir (the node dirs stay
/// shared): each measurement starts from the same state.
pub fn fresh_copy(seeded: &Path) -> Result<(tempfile::TempDir, PathBuf), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let db = dir.path().join(DB_FILE);
    std::fs::copy(seeded.join(DB_FILE), &db).map_err(|e| format!("copying the colony: {e}"))?;
    Ok((dir, db))
}

/// Nodes of the database at `db` and how many are running (checks a cycle stayed idle).
pub fn census(db: &Path) -> Result<(usize, usize), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let nodes = store.nodes().await?;
        store.close().await?;
        Ok::<_, wnm_core::Error>((
            nodes.len(),
            nodes
                .iter()
                .filter(|n| n.status == NodeStatus::Running)
                .count(),
        ))
    })
    .map_err(|e| format!("reading the colony back: {e}"))
}
