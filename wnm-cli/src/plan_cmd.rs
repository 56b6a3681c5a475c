//! `wnm plan --snapshot FILE [--json]`: the what-if command. Reads a snapshot file (format in
//! docs/snapshot.md), prints the plan the engine makes of it; touches nothing.
use std::io::Write;
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

/// Run the what-if: exit 0 with the plan, 2 when the file cannot be read or parsed.
pub fn run(args: &PlanArgs) -> ExitCode {
    let file = args.snapshot.display();
    let text = match std::fs::read_to_string(&args.snapshot) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("wnm plan: cannot read snapshot file {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let whatif = match wnm_engine::parse_whatif(&text) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("wnm plan: {file}: {e} (the format is described in docs/snapshot.md)");
            return ExitCode::from(2);
        }
    };
    let plan = whatif.plan();
    let out = if args.json {
        match serde_json::to_string_pretty(&plan) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("wnm plan: cannot render the plan as JSON: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        plan.to_string()
    };
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wnm plan: cannot write the plan: {e}");
            ExitCode::from(1)
        }
    }
}
