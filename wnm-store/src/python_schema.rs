//! What the Python wnm (0.5.0 and older) left in `colony.db`: its alembic revisions, the
//! tables of its head revision, the columns every revision has, and the columns later
//! revisions added (with the defaults a conversion gives them).
use crate::sql::quote_str;
use wnm_core::Machine;

/// The Python wnm's alembic revisions, oldest first; the last one is the wnm 0.5.0 head.
pub const PYTHON_REVISIONS: [&str; 13] = [
    "eeec2af7114c", // baseline (Nov 6 2025 schema)
    "62bd2784638c", // node.log_dir
    "abc5afa09a61", // machine.no_upnp
    "ade8fcd1fc9a", // node influx metrics (gets .. network_size)
    "7c5a573319da", // machine.rpc_port_start
    "44f23f078686", // machine.antnode_path
    "3249fcc20390", // machine.delay_restart
    "fa0ca0abff5c", // machine.survey_delay
    "00dd80bcd645", // machine.max_concurrent_operations
    "67fe02809d26", // machine.action_delay
    "ba757077b6b0", // machine.antctl_path
    "752bf4495eaa", // machine.antctl_version
    "e2f4a512d24c", // machine.highest_node_id_used (wnm 0.5.0 head)
];

/// The alembic head of wnm 0.5.0.
pub const PYTHON_HEAD: &str = "e2f4a512d24c";

/// The wnm 0.5.0 tables, exactly as its SQLAlchemy models create them.
pub const CREATE_MACHINE: &str = "CREATE TABLE machine (
	id INTEGER NOT NULL,
	cpu_count INTEGER NOT NULL,
	node_cap INTEGER NOT NULL,
	cpu_less_than INTEGER NOT NULL,
	mem_less_than INTEGER NOT NULL,
	hd_less_than INTEGER NOT NULL,
	hdio_read_less_than INTEGER NOT NULL,
	hdio_write_less_than INTEGER NOT NULL,
	netio_read_less_than INTEGER NOT NULL,
	netio_write_less_than INTEGER NOT NULL,
	cpu_remove INTEGER NOT NULL,
	mem_remove INTEGER NOT NULL,
	hd_remove INTEGER NOT NULL,
	hdio_read_remove INTEGER NOT NULL,
	hdio_write_remove INTEGER NOT NULL,
	netio_read_remove INTEGER NOT NULL,
	netio_write_remove INTEGER NOT NULL,
	max_load_average_allowed FLOAT NOT NULL,
	desired_load_average FLOAT NOT NULL,
	delay_start INTEGER NOT NULL,
	delay_restart INTEGER NOT NULL,
	delay_upgrade INTEGER NOT NULL,
	delay_remove INTEGER NOT NULL,
	survey_delay INTEGER NOT NULL,
	action_delay INTEGER NOT NULL,
	node_storage TEXT NOT NULL,
	rewards_address TEXT NOT NULL,
	donate_address TEXT NOT NULL,
	port_start INTEGER NOT NULL,
	metrics_port_start INTEGER NOT NULL,
	rpc_port_start INTEGER NOT NULL,
	highest_node_id_used INTEGER,
	last_stopped_at INTEGER NOT NULL,
	host TEXT NOT NULL,
	crisis_bytes INTEGER NOT NULL,
	environment TEXT,
	start_args TEXT,
	max_concurrent_upgrades INTEGER NOT NULL,
	max_concurrent_starts INTEGER NOT NULL,
	max_concurrent_removals INTEGER NOT NULL,
	max_concurrent_operations INTEGER NOT NULL,
	node_removal_strategy TEXT NOT NULL,
	process_manager TEXT,
	max_node_per_container INTEGER NOT NULL,
	min_container_count INTEGER NOT NULL,
	docker_image TEXT,
	no_upnp INTEGER NOT NULL,
	antnode_path TEXT,
	antctl_path TEXT,
	antctl_debug INTEGER NOT NULL,
	antctl_version TEXT,
	PRIMARY KEY (id)
)";

/// See [`CREATE_MACHINE`].
pub const CREATE_CONTAINER: &str = "CREATE TABLE container (
	id INTEGER NOT NULL,
	machine_id INTEGER NOT NULL,
	container_id VARCHAR(64) NOT NULL,
	name TEXT NOT NULL,
	image TEXT NOT NULL,
	status VARCHAR(32) NOT NULL,
	created_at INTEGER NOT NULL,
	port_range_start INTEGER,
	port_range_end INTEGER,
	metrics_port_range_start INTEGER,
	metrics_port_range_end INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(machine_id) REFERENCES machine (id),
	UNIQUE (container_id)
)";

/// See [`CREATE_MACHINE`].
pub const CREATE_NODE: &str = "CREATE TABLE node (
	id INTEGER NOT NULL,
	machine_id INTEGER NOT NULL,
	container_id INTEGER,
	manager_type TEXT NOT NULL,
	node_name VARCHAR(10) NOT NULL,
	service TEXT NOT NULL,
	user VARCHAR(24) NOT NULL,
	binary TEXT NOT NULL,
	version TEXT,
	root_dir TEXT NOT NULL,
	log_dir TEXT,
	port INTEGER NOT NULL,
	metrics_port INTEGER NOT NULL,
	rpc_port INTEGER NOT NULL,
	network TEXT NOT NULL,
	wallet VARCHAR(42),
	peer_id VARCHAR(52),
	status VARCHAR(32) NOT NULL,
	timestamp INTEGER NOT NULL,
	records INTEGER NOT NULL,
	uptime INTEGER NOT NULL,
	shunned INTEGER NOT NULL,
	connected_peers INTEGER NOT NULL,
	gets INTEGER NOT NULL,
	puts INTEGER NOT NULL,
	mem INTEGER NOT NULL,
	cpu INTEGER NOT NULL,
	open_connections INTEGER NOT NULL,
	total_peers INTEGER NOT NULL,
	bad_peers INTEGER NOT NULL,
	rel_records INTEGER NOT NULL,
	max_records INTEGER NOT NULL,
	rewards TEXT,
	payment_count INTEGER NOT NULL,
	live_time INTEGER NOT NULL,
	network_size INTEGER NOT NULL,
	age INTEGER NOT NULL,
	host TEXT NOT NULL,
	method TEXT NOT NULL,
	layout TEXT NOT NULL,
	environment TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(machine_id) REFERENCES machine (id),
	FOREIGN KEY(container_id) REFERENCES container (id)
)";

/// The wnm 0.5.0 indexes (created only where missing).
pub const CREATE_INDEXES: [&str; 4] = [
    "CREATE INDEX IF NOT EXISTS ix_node_records ON node (records)",
    "CREATE INDEX IF NOT EXISTS ix_node_timestamp ON node (timestamp)",
    "CREATE INDEX IF NOT EXISTS ix_node_status ON node (status)",
    "CREATE INDEX IF NOT EXISTS ix_node_wallet ON node (wallet)",
];

/// Columns of `machine` that every Python revision (from the baseline on) has.
pub const MACHINE_BASE_COLUMNS: [&str; 41] = [
    "id",
    "cpu_count",
    "node_cap",
    "cpu_less_than",
    "mem_less_than",
    "hd_less_than",
    "hdio_read_less_than",
    "hdio_write_less_than",
    "netio_read_less_than",
    "netio_write_less_than",
    "cpu_remove",
    "mem_remove",
    "hd_remove",
    "hdio_read_remove",
    "hdio_write_remove",
    "netio_read_remove",
    "netio_write_remove",
    "max_load_average_allowed",
    "desired_load_average",
    "delay_start",
    "delay_upgrade",
    "delay_remove",
    "node_storage",
    "rewards_address",
    "donate_address",
    "port_start",
    "metrics_port_start",
    "last_stopped_at",
    "host",
    "crisis_bytes",
    "environment",
    "start_args",
    "max_concurrent_upgrades",
    "max_concurrent_starts",
    "max_concurrent_removals",
    "node_removal_strategy",
    "process_manager",
    "max_node_per_container",
    "min_container_count",
    "docker_image",
    "antctl_debug",
];

/// Columns of `node` that every Python revision (from the baseline on) has.
pub const NODE_BASE_COLUMNS: [&str; 27] = [
    "id",
    "machine_id",
    "container_id",
    "manager_type",
    "node_name",
    "service",
    "user",
    "binary",
    "version",
    "root_dir",
    "port",
    "metrics_port",
    "rpc_port",
    "network",
    "wallet",
    "peer_id",
    "status",
    "timestamp",
    "records",
    "uptime",
    "shunned",
    "connected_peers",
    "age",
    "host",
    "method",
    "layout",
    "environment",
];

/// One column a later Python revision added: where, its name, and the `ADD COLUMN` definition.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedColumn {
    /// `machine` or `node`.
    pub table: &'static str,
    /// Column name.
    pub name: &'static str,
    /// Type, nullability and default, for `ALTER TABLE .. ADD COLUMN name <definition>`.
    pub definition: String,
}

fn int_col(table: &'static str, name: &'static str, v: i64) -> AddedColumn {
    AddedColumn {
        table,
        name,
        definition: format!("INTEGER NOT NULL DEFAULT {v}"),
    }
}

fn text_col(table: &'static str, name: &'static str, v: Option<&str>) -> AddedColumn {
    let definition = match v {
        Some(v) => format!("TEXT DEFAULT {}", quote_str(v)),
        None => "TEXT".to_string(),
    };
    AddedColumn {
        table,
        name,
        definition,
    }
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The columns later Python revisions added, with the defaults of `d` (the settings a
/// conversion gives a colony whose revision predates them).
pub fn added_columns(d: &Machine) -> Vec<AddedColumn> {
    vec![
        text_col("node", "log_dir", None),
        int_col("machine", "no_upnp", i64::from(d.no_upnp)),
        int_col("node", "gets", 0),
        int_col("node", "puts", 0),
        int_col("node", "mem", 0),
        int_col("node", "cpu", 0),
        int_col("node", "open_connections", 0),
        int_col("node", "total_peers", 0),
        int_col("node", "bad_peers", 0),
        int_col("node", "rel_records", 0),
        int_col("node", "max_records", 0),
        text_col("node", "rewards", Some("0")),
        int_col("node", "payment_count", 0),
        int_col("node", "live_time", 0),
        int_col("node", "network_size", 0),
        int_col("machine", "rpc_port_start", i64::from(d.rpc_port_start)),
        text_col("machine", "antnode_path", Some(&d.antnode_path)),
        int_col("machine", "delay_restart", i(d.delay_restart)),
        int_col("machine", "survey_delay", i(d.survey_delay)),
        int_col(
            "machine",
            "max_concurrent_operations",
            i64::from(d.max_concurrent_operations),
        ),
        int_col("machine", "action_delay", i(d.action_delay)),
        text_col("machine", "antctl_path", Some(&d.antctl_path)),
        text_col("machine", "antctl_version", d.antctl_version.as_deref()),
        AddedColumn {
            table: "machine",
            name: "highest_node_id_used",
            definition: "INTEGER".to_string(),
        },
    ]
}

/// Values that replace a NULL in a column the Python revisions created nullable but wnm reads
/// as required (alembic added several with `nullable=True`).
pub fn null_fills(d: &Machine) -> Vec<(&'static str, &'static str, String)> {
    let n = |v: i64| v.to_string();
    vec![
        ("machine", "survey_delay", n(i(d.survey_delay))),
        ("machine", "action_delay", n(i(d.action_delay))),
        (
            "machine",
            "max_concurrent_operations",
            n(i64::from(d.max_concurrent_operations)),
        ),
        ("machine", "delay_restart", n(i(d.delay_restart))),
        ("machine", "rpc_port_start", n(i64::from(d.rpc_port_start))),
        ("machine", "no_upnp", n(i64::from(d.no_upnp))),
        ("machine", "antctl_debug", n(i64::from(d.antctl_debug))),
        (
            "machine",
            "node_removal_strategy",
            quote_str(&d.node_removal_strategy),
        ),
        ("node", "gets", n(0)),
        ("node", "puts", n(0)),
        ("node", "mem", n(0)),
        ("node", "cpu", n(0)),
        ("node", "open_connections", n(0)),
        ("node", "total_peers", n(0)),
        ("node", "bad_peers", n(0)),
        ("node", "rel_records", n(0)),
        ("node", "max_records", n(0)),
        ("node", "payment_count", n(0)),
        ("node", "live_time", n(0)),
        ("node", "network_size", n(0)),
        ("node", "records", n(0)),
        ("node", "uptime", n(0)),
        ("node", "shunned", n(0)),
        ("node", "connected_peers", n(0)),
    ]
}

/// The base columns `table` lacks (empty when it has them all).
pub fn missing_base_columns(table: &str, have: &[String]) -> Vec<&'static str> {
    let want: &[&'static str] = match table {
        "machine" => &MACHINE_BASE_COLUMNS,
        "node" => &NODE_BASE_COLUMNS,
        _ => &[],
    };
    want.iter()
        .copied()
        .filter(|c| !have.iter().any(|h| h == c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_plus_added_is_the_head_schema() {
        let d = Machine::defaults_for(4);
        for (table, ddl, base) in [
            ("machine", CREATE_MACHINE, &MACHINE_BASE_COLUMNS[..]),
            ("node", CREATE_NODE, &NODE_BASE_COLUMNS[..]),
        ] {
            let mut cols: Vec<&str> = base.to_vec();
            cols.extend(
                added_columns(&d)
                    .iter()
                    .filter(|c| c.table == table)
                    .map(|c| c.name),
            );
            let head: Vec<&str> = ddl
                .lines()
                .skip(1)
                .map(str::trim)
                .filter(|l| {
                    !l.starts_with("PRIMARY")
                        && !l.starts_with("FOREIGN")
                        && !l.starts_with(')')
                        && !l.starts_with("UNIQUE")
                })
                .map(|l| l.split_whitespace().next().unwrap())
                .collect();
            let mut a = cols.clone();
            a.sort_unstable();
            let mut b = head.clone();
            b.sort_unstable();
            assert_eq!(a, b, "{table}");
        }
        assert_eq!(PYTHON_REVISIONS.last(), Some(&PYTHON_HEAD));
    }
}
