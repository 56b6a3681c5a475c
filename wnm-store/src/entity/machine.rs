//! The `machine` table: one row (id 1) of colony settings; the wnm 0.5.0 columns plus
//! `survey_concurrency` and `survey_timeout_ms`.
use sea_orm::entity::prelude::*;

/// One row of `machine`. Integers are SQLite INTEGER (i64), floats REAL.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "machine")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub cpu_count: i64,
    pub node_cap: i64,
    pub cpu_less_than: i64,
    pub mem_less_than: i64,
    pub hd_less_than: i64,
    pub hdio_read_less_than: i64,
    pub hdio_write_less_than: i64,
    pub netio_read_less_than: i64,
    pub netio_write_less_than: i64,
    pub cpu_remove: i64,
    pub mem_remove: i64,
    pub hd_remove: i64,
    pub hdio_read_remove: i64,
    pub hdio_write_remove: i64,
    pub netio_read_remove: i64,
    pub netio_write_remove: i64,
    pub max_load_average_allowed: f64,
    pub desired_load_average: f64,
    pub delay_start: i64,
    pub delay_restart: i64,
    pub delay_upgrade: i64,
    pub delay_remove: i64,
    pub survey_delay: i64,
    pub action_delay: i64,
    pub node_storage: String,
    pub rewards_address: String,
    pub donate_address: String,
    pub port_start: i64,
    pub metrics_port_start: i64,
    pub rpc_port_start: i64,
    pub highest_node_id_used: Option<i64>,
    pub last_stopped_at: i64,
    pub host: String,
    pub crisis_bytes: i64,
    pub environment: Option<String>,
    pub start_args: Option<String>,
    pub max_concurrent_upgrades: i64,
    pub max_concurrent_starts: i64,
    pub max_concurrent_removals: i64,
    pub max_concurrent_operations: i64,
    pub node_removal_strategy: String,
    pub process_manager: Option<String>,
    pub max_node_per_container: i64,
    pub min_container_count: i64,
    pub docker_image: Option<String>,
    pub no_upnp: i64,
    pub antnode_path: Option<String>,
    pub antctl_path: Option<String>,
    pub antctl_debug: i64,
    pub antctl_version: Option<String>,
    pub survey_concurrency: i64,
    pub survey_timeout_ms: i64,
    pub firewall: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
