//! The `node_history` table: every status change of every node (the audit trail); rows outlive
//! their node.
use sea_orm::entity::prelude::*;

/// One status change; `from_status` is NULL for a creation, `to_status` NULL for a deletion.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "node_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub node_id: i64,
    pub at: i64,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
