//! The `container` table (docker backend): one row per container that holds nodes.
use sea_orm::entity::prelude::*;

/// One row of `container`; `container_id` is docker's id, `id` our row number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "container")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub machine_id: i64,
    pub container_id: String,
    pub name: String,
    pub image: String,
    pub status: String,
    pub created_at: i64,
    pub port_range_start: Option<i64>,
    pub port_range_end: Option<i64>,
    pub metrics_port_range_start: Option<i64>,
    pub metrics_port_range_end: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
