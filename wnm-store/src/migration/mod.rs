//! The embedded migrations (one file per migration; `DeriveMigrationName` names each after its
//! file stem) and the `Migrator` that lists them in order.
use sea_orm_migration::prelude::*;

mod m20261122_000001_colony_base;
mod m20261122_000002_wnm_additions;
mod m20261201_000003_firewall_setting;

/// Every migration this binary knows, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_colony_base::Migration),
            Box::new(m20261122_000002_wnm_additions::Migration),
            Box::new(m20261201_000003_firewall_setting::Migration),
        ]
    }
}

/// Names of the migrations this binary knows, oldest first.
pub fn names() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect()
}
