//! The impure shell: the run lock, the cycle (collect, plan, execute, persist), the executor,
//! forced actions and reports.
pub mod lock;
pub mod reconcile;
pub mod reports;
