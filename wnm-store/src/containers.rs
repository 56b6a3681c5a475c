//! Container rows (docker backend: many nodes per container): insert, list, update status, delete.
use crate::entity::container;
use crate::errors::{Class, classify};
use crate::map_machine::MACHINE_ROW;
use crate::store::Store;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use wnm_core::{Error, ErrorKind, Result, UnixTime};

/// One docker container that holds nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// Row id (what `Node::container_id` points at); 0 for a container not stored yet.
    pub id: i64,
    /// Docker's container id (unique).
    pub container_id: String,
    /// Container name.
    pub name: String,
    /// Image it runs.
    pub image: String,
    /// Last known docker status (`running`, `exited` ...).
    pub status: String,
    /// When it was created (epoch seconds).
    pub created_at: UnixTime,
    /// Node ports it publishes (first, last).
    pub port_range: Option<(u16, u16)>,
    /// Metrics ports it publishes (first, last).
    pub metrics_port_range: Option<(u16, u16)>,
}

fn range(what: &str, a: Option<i64>, b: Option<i64>) -> Result<Option<(u16, u16)>> {
    match (a, b) {
        (Some(a), Some(b)) => Ok(Some((
            crate::convert::to_u16(what, a)?,
            crate::convert::to_u16(what, b)?,
        ))),
        _ => Ok(None),
    }
}

fn from_model(r: container::Model) -> Result<Container> {
    let what = format!("container {} port range", r.id);
    Ok(Container {
        port_range: range(&what, r.port_range_start, r.port_range_end)?,
        metrics_port_range: range(&what, r.metrics_port_range_start, r.metrics_port_range_end)?,
        id: r.id,
        container_id: r.container_id,
        name: r.name,
        image: r.image,
        status: r.status,
        created_at: r.created_at,
    })
}

impl Store {
    /// Store container `c` (its `id` is ignored) and return its row id.
    pub async fn insert_container(&self, c: &Container) -> Result<i64> {
        let what = format!("adding container {}", c.name);
        let am = container::ActiveModel {
            id: NotSet,
            machine_id: Set(MACHINE_ROW),
            container_id: Set(c.container_id.clone()),
            name: Set(c.name.clone()),
            image: Set(c.image.clone()),
            status: Set(c.status.clone()),
            created_at: Set(c.created_at),
            port_range_start: Set(c.port_range.map(|r| i64::from(r.0))),
            port_range_end: Set(c.port_range.map(|r| i64::from(r.1))),
            metrics_port_range_start: Set(c.metrics_port_range.map(|r| i64::from(r.0))),
            metrics_port_range_end: Set(c.metrics_port_range.map(|r| i64::from(r.1))),
        };
        let res = container::Entity::insert(am)
            .exec(self.db())
            .await
            .map_err(|e| match classify(&e) {
                Class::Constraint => Error::new(
                    ErrorKind::Store,
                    format!(
                        "{what}: docker id {} is already stored, or the machine row is missing ({e})",
                        c.container_id
                    ),
                ),
                _ => self.err(&what, e),
            })?;
        Ok(res.last_insert_id)
    }

    /// Every container, ordered by row id.
    pub async fn containers(&self) -> Result<Vec<Container>> {
        container::Entity::find()
            .order_by_asc(container::Column::Id)
            .all(self.db())
            .await
            .map_err(|e| self.err("reading the containers", e))?
            .into_iter()
            .map(from_model)
            .collect()
    }

    /// Record container `id`'s docker status.
    pub async fn set_container_status(&self, id: i64, status: &str) -> Result<()> {
        let what = format!("updating container {id}");
        let res = container::Entity::update_many()
            .col_expr(container::Column::Status, status.into())
            .filter(container::Column::Id.eq(id))
            .exec(self.db())
            .await
            .map_err(|e| self.err(&what, e))?;
        if res.rows_affected == 0 {
            return Err(Error::not_found(format!("container {id} is not stored")));
        }
        Ok(())
    }

    /// Delete container `id`; refused while nodes still point at it.
    pub async fn delete_container(&self, id: i64) -> Result<()> {
        let what = format!("deleting container {id}");
        let res = container::Entity::delete_by_id(id)
            .exec(self.db())
            .await
            .map_err(|e| match classify(&e) {
                Class::Constraint => Error::new(
                    ErrorKind::Store,
                    format!("{what}: nodes still belong to it; remove or move them first"),
                ),
                _ => self.err(&what, e),
            })?;
        if res.rows_affected == 0 {
            return Err(Error::not_found(format!("container {id} is not stored")));
        }
        Ok(())
    }
}
