//! The colony store: sea-orm entities and embedded migrations over SQLite; the only crate that knows sea-orm.
