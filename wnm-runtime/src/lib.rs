//! The impure shell: the run lock, the process runner, the cycle (collect, plan, execute, persist) and the executor.
