//! The impure shell: the run lock, the cycle (collect, plan, execute, persist) and the executor.
pub mod lock;
