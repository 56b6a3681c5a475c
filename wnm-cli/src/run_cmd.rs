//! The main job: one wnm cycle (lock, config, collect, plan, execute, persist, unlock).
use crate::args::RunArgs;
use std::process::ExitCode;

/// Run one cycle.
pub fn run(_args: RunArgs) -> ExitCode {
    eprintln!("wnm: the cycle is not implemented yet");
    ExitCode::from(1)
}
