//! `wnm plan --snapshot FILE [--json]`: the what-if command.
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `wnm plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Snapshot file (JSON; schema in docs/snapshot.md).
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run the what-if.
pub fn run(_args: &PlanArgs) -> ExitCode {
    eprintln!("wnm plan: not implemented yet");
    ExitCode::from(1)
}
