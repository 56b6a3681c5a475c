//! The colony store: sea-orm entities and embedded migrations over SQLite; the only crate that
//! knows sea-orm. Its API takes and returns plain `wnm-core` types and `wnm_core::Error`.
//!
//! Opening a database backs it up before any migration, switches it to WAL, applies the
//! embedded migrations, and converts a Python wnm (0.5.0 or older) `colony.db` in place; a
//! database newer than this binary, an unknown Python revision, a file that is not a database
//! or a damaged one is refused and left untouched.
//!
//! Schema: the wnm 0.5.0 tables are the base (`machine` one row id 1, `node`, `container`; the
//! Python column names and encodings are kept: node `age` = created_at, `timestamp` =
//! status_changed_at, `mem`/`cpu` x100 integers, `node_name` `0001`), plus wnm's columns
//! (`machine.survey_concurrency`, `machine.survey_timeout_ms`, `machine.firewall`, `node.line`,
//! `node.shunned_close_group`, `node.shunned_old_close_group`), the `node_history` audit trail,
//! and sea-orm-migration's `seaql_migrations`. A converted Python database keeps its
//! `alembic_version` row as a record of where it came from.

mod backup;
mod containers;
mod convert;
mod entity;
mod errors;
mod history;
mod inspect;
mod map_machine;
mod map_node;
mod migration;
mod nodes;
mod open;
#[cfg(test)]
mod open_tests;
mod python_schema;
mod sql;
mod store;
mod survey;
mod url;

pub use containers::Container;
pub use history::HistoryEntry;
pub use inspect::SchemaStatus;
pub use open::{SCHEMA_VERSION, migrations};
pub use python_schema::{PYTHON_HEAD, PYTHON_REVISIONS};
pub use store::{OpenOptions, OpenReport, Store};
pub use survey::SURVEY_REASON;
pub use url::path_of as dbpath_to_path;

#[cfg(test)]
mod tests {
    #[test]
    fn schema_version_is_the_last_migration() {
        assert_eq!(
            super::migrations().last().map(String::as_str),
            Some(super::SCHEMA_VERSION)
        );
        assert_eq!(super::migrations().len(), 3);
    }
}

#[cfg(test)]
mod handle_tests {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn store_can_be_shared_across_tasks() {
        send_sync_clone::<super::Store>();
    }
}
