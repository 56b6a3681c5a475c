//! sea-orm entities of the colony tables: `machine`, `node`, `container` (the wnm 0.5.0 tables,
//! with wnm's added columns) and `node_history` (wnm's audit trail). Private to this crate.

pub mod container;
pub mod machine;
pub mod node;
pub mod node_history;
