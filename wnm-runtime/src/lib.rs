//! The impure shell: the run lock, the cycle (collect, plan, execute, persist), the executor,
//! forced actions and reports.
pub mod clock;
pub mod collect;
pub mod containers;
pub mod cycle;
pub mod executor;
pub mod forced;
pub mod inject;
pub mod kept;
pub mod layout;
pub mod lock;
pub mod probe;
pub mod reconcile;
pub mod recover;
pub mod reports;
pub mod select;
