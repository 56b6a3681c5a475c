//! The `node` table: one row per node; the wnm 0.5.0 columns plus `line`,
//! `shunned_close_group` and `shunned_old_close_group`.
use sea_orm::entity::prelude::*;

/// One row of `node`. `mem` and `cpu` are stored x100 as integers (as wnm 0.5.0 did);
/// `timestamp` is the last status change and `age` the creation time (epoch seconds).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "node")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub machine_id: i64,
    pub container_id: Option<i64>,
    pub manager_type: String,
    pub node_name: String,
    pub service: String,
    pub user: String,
    pub binary: String,
    pub version: Option<String>,
    pub root_dir: String,
    pub log_dir: Option<String>,
    pub port: i64,
    pub metrics_port: i64,
    pub rpc_port: i64,
    pub network: String,
    pub wallet: Option<String>,
    pub peer_id: Option<String>,
    pub status: String,
    pub timestamp: i64,
    pub records: i64,
    pub uptime: i64,
    pub shunned: i64,
    pub connected_peers: i64,
    pub gets: i64,
    pub puts: i64,
    pub mem: i64,
    pub cpu: i64,
    pub open_connections: i64,
    pub total_peers: i64,
    pub bad_peers: i64,
    pub rel_records: i64,
    pub max_records: i64,
    pub rewards: Option<String>,
    pub payment_count: i64,
    pub live_time: i64,
    pub network_size: i64,
    pub age: i64,
    pub host: String,
    pub method: String,
    pub layout: String,
    pub environment: Option<String>,
    pub line: String,
    pub shunned_close_group: i64,
    pub shunned_old_close_group: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
