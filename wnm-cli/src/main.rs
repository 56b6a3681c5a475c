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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Plan(a)) => plan_cmd::run(&a),
        None => run_cmd::run(cli.run),
    }
}
