//! `wnm`, the Weave Node Manager command line: parses arguments and dispatches. Thin by design:
//! the work lives in the library crates.
mod anm;
mod args;
mod output;
mod plan_cmd;
mod run_cmd;
mod wire;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Top-level command line: the Python wnm's flat flags for the main job, plus a few subcommands.
#[derive(Debug, Parser)]
#[command(
    name = "wnm",
    version,
    about = "Weave Node Manager: keeps an Autonomi node host full but never overloaded",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: args::RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the plan for a snapshot given as JSON (what-if), without touching the machine.
    Plan(plan_cmd::PlanArgs),
    /// PID 1 of a docker pod: supervise the nodes its control dir asks for (started by the
    /// docker backend, not by hand).
    #[cfg(feature = "docker")]
    #[command(hide = true)]
    Pod(PodArgs),
}

/// Arguments of the hidden `wnm pod`.
#[cfg(feature = "docker")]
#[derive(Debug, clap::Args)]
struct PodArgs {
    /// The pod's control dir (desired-state files in, state files out).
    #[arg(long)]
    control: std::path::PathBuf,
    /// Seconds between SIGTERM and SIGKILL when a node is stopped.
    #[arg(long, default_value_t = wnm_backend_docker::config::DEFAULT_STOP_GRACE.as_secs())]
    grace_secs: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Plan(a)) => plan_cmd::run(&a),
        #[cfg(feature = "docker")]
        Some(Command::Pod(a)) => {
            let mut o = wnm_backend_docker::PodOptions::new(a.control);
            o.grace = std::time::Duration::from_secs(a.grace_secs);
            wnm_backend_docker::run_pod(o)
        }
        None => run_cmd::run(cli.run),
    }
}
