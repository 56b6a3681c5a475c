//! The main job: lock -> resolve config -> collect -> plan -> execute -> persist -> unlock, or
//! `--init`, a `--report`, or a `--force_action` in place of the planned cycle.
//! Exit codes: 0 done, 1 runtime failure, 2 bad usage or configuration.
use crate::args::RunArgs;
use crate::output::{
    Progress, Verbosity, print_outcomes, print_plan, render_inputs, render_metrics,
};
use crate::wire::{no_home, node_user, sampler, wire};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use wnm_config::{ForceAction, Layers, Mode, Paths, ReportKind, RunOptions, process_env};
use wnm_core::{Error, ErrorKind, Machine, NodeStatus, Result};
use wnm_runtime::clock::{Clock, SystemClock};
use wnm_runtime::cycle::{Cycle, CycleOptions};
use wnm_runtime::forced::{Forced, Selection, run_forced};
use wnm_runtime::lock::{RunLock, remove_legacy_lockfile};
use wnm_runtime::reports;
use wnm_store::{SchemaStatus, Store};

/// Run the main job; errors are printed and mapped to exit codes.
pub fn run(args: RunArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wnm: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut opened = None;
    let result = rt.block_on(main_job(args, &mut opened));
    // Close the database on every path (a refused setting included): the WAL is checkpointed
    // and its side files removed, so a run that changed nothing leaves the files as it found them.
    if let Some(o) = opened {
        let path = o.store.path().to_path_buf();
        if let Err(e) = rt.block_on(o.store.close()) {
            eprintln!("wnm: {e}");
        }
        // An `--init` that failed after creating the database (a backend this host cannot run,
        // a takeover that was refused) leaves none behind: the next run is not half-initialised.
        // `created` is only ever set for an `--init` (see `Opened`).
        if o.created && result.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wnm: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn exit_code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::InvalidConfig => 2,
        _ => 1,
    }
}

fn init_logging(opts: &RunOptions) {
    let level = match (&opts.loglevel, opts.quiet, opts.verbose) {
        (Some(l), _, _) => match l.as_str() {
            "CRITICAL" | "ERROR" => "error",
            "WARNING" | "WARN" => "warn",
            "INFO" => "info",
            "DEBUG" => "debug",
            _ => "trace",
        },
        (None, true, _) => "error",
        (None, false, 0) => "warn",
        (None, false, 1) => "info",
        (None, false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("WNM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// A scratch copy of the database in a temporary directory, removed on drop. A dry run works on
/// one so nothing real changes (not even a migration); a run that must migrate first validates
/// its configuration against one, so a bad setting leaves the real file untouched.
struct ScratchDb {
    // Removed on drop. A fresh private directory (mode 0700, unpredictable name): a dry run as
    // root must not copy the colony into a path another user could have prepared.
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl ScratchDb {
    fn of(db: &Path, why: &str) -> Result<ScratchDb> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("wnm-{why}-"))
            .tempdir()
            .map_err(|e| Error::io(format!("creating a scratch directory ({why})"), e))?;
        for suffix in ["", "-wal", "-shm"] {
            let dst = dir.path().join(format!("colony.db{suffix}"));
            let src = PathBuf::from(format!("{}{suffix}", db.display()));
            if src.is_file() {
                std::fs::copy(&src, &dst)
                    .map_err(|e| Error::io(format!("copying {} ({why})", src.display()), e))?;
            }
        }
        Ok(ScratchDb {
            db: dir.path().join("colony.db"),
            _dir: dir,
        })
    }
}

/// The stored machine row as it will read after migrating, without touching the real file.
async fn stored_machine_preview(db: &Path) -> Result<Option<Machine>> {
    let scratch = ScratchDb::of(db, "config-check")?;
    let store = Store::open(&scratch.db).await?;
    let m = store.machine().await?;
    store.close().await?;
    Ok(m)
}

/// The database a run opened, and whether this run's `--init` created it.
struct Opened {
    store: Store,
    /// True only for an `--init` that found no database file: its failure removes the file
    /// again. Only an `--init` is meant to create one, and a removal may never reach a database
    /// another run made (a run without `--init` that found no file is refused earlier, but the
    /// removal does not rely on that).
    created: bool,
}

/// The settings of this run: the layers resolved over the stored row (`None` before `--init`).
struct Settled {
    resolved: wnm_config::Resolved,
    machine: Machine,
}

fn settle(
    layers: &Layers,
    stored: Option<&Machine>,
    defaults: &Machine,
    opts: &RunOptions,
    clock: &dyn Clock,
) -> Result<Settled> {
    let mode = if opts.init || stored.is_none() {
        Mode::Init
    } else {
        Mode::Run
    };
    let resolved = layers.resolve(stored, defaults, mode)?;
    let mut machine = resolved.machine.clone();
    if opts.force_action == Some(ForceAction::DisableConfig) {
        machine.no_upnp = false;
        machine.antctl_debug = false;
    }
    if stored.is_none() {
        machine.last_stopped_at = clock.now();
    }
    Ok(Settled { resolved, machine })
}

async fn main_job(args: RunArgs, opened: &mut Option<Opened>) -> Result<ExitCode> {
    let home = std::env::home_dir().ok_or_else(no_home)?;
    let sources = args.sources(process_env(), &home)?;
    let layers = Layers::collect(&sources)?;
    let opts = layers.options()?;
    init_logging(&opts);
    let say = Verbosity {
        quiet: opts.quiet,
        verbose: opts.verbose,
    };
    let is_root = rustix::process::geteuid().is_root();
    let hint = layers.process_manager_hint()?;
    let mut paths = Paths::resolve(&home, is_root, hint.as_ref(), opts.dbpath.as_deref())?;
    if hint.is_none() && opts.dbpath.is_none() && !opts.init && !paths.db_path.exists() {
        // root running a user-mode colony (or the reverse): use the colony that exists.
        let other = Paths::resolve(&home, !is_root, None, None)?;
        if other.db_path.exists() {
            paths = other;
        }
    }
    if opts.remove_lockfile {
        let removed = remove_legacy_lockfile(&paths.legacy_lock_file)?;
        if say.normal() {
            println!(
                "{}",
                if removed {
                    format!("removed {}", paths.legacy_lock_file.display())
                } else {
                    "no stale lock file (wnm uses an OS lock that a killed run releases)"
                        .to_string()
                }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(fa) = opts.force_action
        && fa.needs_confirm()
        && !opts.confirm
    {
        return Err(Error::invalid_config(format!(
            "--force_action {} destroys data: add --confirm to go ahead",
            fa.as_str()
        )));
    }
    // One run at a time per colony: with --dbpath the lock sits beside that database.
    let lock_file = match (&opts.dbpath, paths.db_path.parent()) {
        (Some(_), Some(dir)) if !dir.as_os_str().is_empty() => dir.join("wnm_active.lock"),
        _ => paths.lock_file.clone(),
    };
    // A report that changes nothing reads beside a running cycle (SQLite WAL readers never block
    // the writer): NTracking's influx cron line must not fail every time it meets wnm's own cron
    // run. It takes the lock only when it has something to write (a migration, a changed setting).
    let read_only_report = opts.report.is_some() && opts.force_action.is_none() && !opts.init;
    let mut lock = if opts.dry_run || read_only_report {
        None
    } else {
        Some(RunLock::acquire(&lock_file)?)
    };

    if opts.force_action == Some(ForceAction::WnmDbMigration) {
        let report = Store::migrate_only(&paths.db_path).await?;
        println!("{} migrated: {report:?}", paths.db_path.display());
        return Ok(ExitCode::SUCCESS);
    }

    let scratch = if opts.dry_run {
        Some(ScratchDb::of(&paths.db_path, "dry-run")?)
    } else {
        None
    };
    let db_path = if let Some(s) = &scratch {
        s.db.clone()
    } else {
        if !opts.init && !paths.db_path.exists() {
            return Err(Error::invalid_config(format!(
                "no colony database at {}: run `wnm --init --rewards_address 0x...` first (or give --dbpath)",
                paths.db_path.display()
            )));
        }
        paths.db_path.clone()
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let root = crate::wire::fs_root();
    let mut defaults = paths.machine_defaults(cpus);
    if opts.init && opts.migrate_anm {
        crate::anm::read_settings(&root, &mut defaults)?;
    }
    // Settings are validated before the real file is created or migrated: a bad one changes
    // nothing (a refused `--init` leaves no database behind). A database written by a newer wnm
    // goes straight to `Store::open`, which refuses it naming the real file.
    let schema = Store::inspect(&db_path, &Default::default()).await?;
    match &schema {
        SchemaStatus::Current | SchemaStatus::Newer { .. } => {}
        SchemaStatus::Empty => {
            layers.resolve(None, &defaults, Mode::Init)?;
        }
        SchemaStatus::Behind { .. } | SchemaStatus::Python { .. } => {
            let preview = stored_machine_preview(&db_path).await?;
            let mode = if opts.init || preview.is_none() {
                Mode::Init
            } else {
                Mode::Run
            };
            layers.resolve(preview.as_ref(), &defaults, mode)?;
        }
    }
    if scratch.is_none()
        && let Some(dir) = paths.db_path.parent()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    if lock.is_none() && !opts.dry_run && schema.needs_migration() {
        lock = Some(RunLock::acquire(&lock_file)?);
    }
    let created = !db_path.exists();
    let store = Store::open(&db_path).await?;
    *opened = Some(Opened {
        store: store.clone(),
        created: created && scratch.is_none() && opts.init,
    });
    if let Some(b) = store.backup_path()
        && say.normal()
    {
        println!("database backed up to {} before migrating", b.display());
    }
    let mut stored = store.machine().await?;
    if opts.init && stored.is_some() && !opts.import && !opts.migrate_anm {
        return Err(Error::invalid_config(format!(
            "{} is already initialised; run without --init (settings given now are applied as changes)",
            paths.db_path.display()
        )));
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut settled = settle(&layers, stored.as_ref(), &defaults, &opts, clock.as_ref())?;
    if stored.as_ref() != Some(&settled.machine) && lock.is_none() && !opts.dry_run {
        // A report read the row without the lock; writing needs it, and a cycle may have
        // finished in between (its last_stopped_at, highest_node_id_used): resolve again
        // against the row as it is now, so the save does not put back what was read before.
        lock = Some(RunLock::acquire(&lock_file)?);
        stored = store.machine().await?;
        settled = settle(&layers, stored.as_ref(), &defaults, &opts, clock.as_ref())?;
    }
    let Settled { resolved, machine } = settled;
    for w in &resolved.warnings {
        eprintln!("wnm: warning: {w}");
    }
    if say.normal() && stored.is_some() {
        // Beside a report the change lines go to stderr: stdout stays the report alone.
        let beside_report =
            opts.report.is_some() || opts.report_format == wnm_config::ReportFormat::Json;
        for c in &resolved.changes {
            if beside_report {
                eprintln!("{c}");
            } else {
                println!("{c}");
            }
        }
    }
    if stored.as_ref() != Some(&machine) {
        store.save_machine(&machine).await?;
    }
    let _lock = lock;
    if opts.show_machine_config {
        print!(
            "{}",
            wnm_config::render_machine_config(&machine, opts.dbpath.as_deref(), opts.report_format)
        );
    }

    // The stored process manager decides the layout (user or system dirs), whoever runs wnm.
    let layout = Paths::resolve(
        &home,
        is_root,
        Some(&machine.process_manager),
        opts.dbpath.as_deref(),
    )?;
    let wired = wire(&machine, &layout.base_dir)?;
    let mut cycle = Cycle {
        store: store.clone(),
        machine: machine.clone(),
        backend: wired.backend.clone(),
        firewall: wired.firewall.clone(),
        line: wired.line.clone(),
        runner: wired.runner.clone(),
        sampler: sampler(&machine)?,
        clock: clock.clone(),
        source_binary: wnm_runner::nodefs::expand_home_in(&machine.antnode_path, &home),
        log_base: layout.log_dir.clone(),
        user: node_user(&machine),
    };
    let copts = CycleOptions {
        dry_run: opts.dry_run,
        pause: Duration::from_millis(opts.this_action_delay.unwrap_or(machine.action_delay)),
        survey_delay: Duration::from_millis(opts.this_survey_delay.unwrap_or(machine.survey_delay)),
        upgrade_confirm: Duration::from_secs(
            std::env::var("WNM_UPGRADE_CONFIRM_SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(60),
        ),
    };

    if opts.init {
        return init(&mut cycle, &opts, say, &machine).await;
    }
    if let Some(fa) = opts.force_action {
        return force(&mut cycle, fa, &opts, &copts, say).await;
    }
    if let Some(r) = opts.report {
        return report(&mut cycle, r, &opts, &machine).await;
    }

    let inputs_machine = cycle.machine.clone();
    let report = cycle.run(&copts).await?;
    if opts.show_machine_metrics {
        print!(
            "{}",
            render_metrics(&report.collected.metrics, opts.report_format)
        );
    }
    if say.normal() {
        for c in &report.collected.changes {
            println!("survey: {c}");
        }
    }
    if let Some(p) = report.binary.problem() {
        eprintln!("wnm: {p}");
    }
    if opts.show_decisions {
        print!(
            "{}",
            render_inputs(
                &report.collected.metrics,
                &report.collected.nodes,
                report.binary.version(),
                &inputs_machine,
            )
        );
    }
    if opts.dry_run || opts.show_decisions || say.verbose > 0 {
        for r in &report.recovery {
            println!("{}{r}", if opts.dry_run { "would " } else { "" });
        }
        print_plan(
            &report.plan,
            if opts.dry_run {
                "plan (dry run, nothing changed):"
            } else {
                "plan:"
            },
        );
    }
    for d in &report.dropped {
        if opts.dry_run {
            eprintln!("wnm: a real run would skip {d}");
        } else {
            eprintln!("wnm: skipped {d}");
        }
    }
    if say.normal() {
        print_outcomes(&report.outcomes);
    }
    Ok(if report.all_ok() || opts.dry_run {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(crate) async fn init(
    cycle: &mut Cycle,
    opts: &RunOptions,
    say: Verbosity,
    machine: &Machine,
) -> Result<ExitCode> {
    if opts.migrate_anm {
        return crate::anm::take_over(cycle, opts, machine).await;
    }
    if opts.import {
        let found = cycle.backend.discover().await?;
        let known: Vec<u32> = cycle.store.nodes().await?.iter().map(|n| n.id).collect();
        let mut new: Vec<_> = found
            .into_iter()
            .filter(|n| !known.contains(&n.id))
            .collect();
        if !opts.dry_run {
            wnm_runtime::containers::attach_all(&cycle.store, cycle.backend.as_ref(), &mut new)
                .await?;
        }
        // In about twenty transactions, so the bar moves; a run killed midway imports the
        // rest when run again (known nodes are skipped).
        let bar = Progress::new(new.len(), "importing", opts.quiet);
        for chunk in new.chunks(new.len().div_ceil(20).max(1)) {
            if !opts.dry_run {
                cycle
                    .store
                    .insert_nodes(
                        chunk,
                        "imported: found by wnm --init --import (its node dir, process or unit)",
                        cycle.clock.now(),
                    )
                    .await?;
            }
            bar.advance(chunk.len());
        }
        bar.finish();
        let highest = new.iter().map(|n| n.id).max();
        if let Some(h) = highest
            && !opts.dry_run
        {
            let mut m = machine.clone();
            m.highest_node_id_used = Some(m.highest_node_id_used.unwrap_or(0).max(h));
            cycle.store.save_machine(&m).await?;
        }
        if say.normal() {
            let running = new
                .iter()
                .filter(|n| n.status == NodeStatus::Running)
                .count();
            println!(
                "imported {} node(s) ({running} running) with the {} backend",
                new.len(),
                machine.process_manager
            );
        }
    } else if say.normal() {
        println!(
            "initialised {} ({}, node_cap {}, nodes in {})",
            cycle.store.path().display(),
            machine.process_manager,
            machine.node_cap,
            machine.node_storage
        );
    }
    if let Some(p) = cycle.binary_info().await.problem() {
        eprintln!("wnm: {p}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn force(
    cycle: &mut Cycle,
    fa: ForceAction,
    opts: &RunOptions,
    copts: &CycleOptions,
    say: Verbosity,
) -> Result<ExitCode> {
    let what = match fa {
        ForceAction::Add => Forced::Add,
        ForceAction::Remove => Forced::Remove,
        ForceAction::Upgrade => Forced::Upgrade,
        ForceAction::Start => Forced::Start,
        ForceAction::Stop => Forced::Stop,
        ForceAction::Disable => Forced::Disable,
        ForceAction::Teardown => Forced::Teardown,
        ForceAction::Survey => {
            let collected = cycle.survey(copts).await?;
            if let Some(r) = opts.report {
                return print_report(
                    cycle,
                    r,
                    opts,
                    &collected.nodes,
                    &collected.metrics,
                    collected.latency_ms,
                );
            }
            if say.normal() {
                println!(
                    "surveyed {} node(s); {} status change(s)",
                    collected.surveyed,
                    collected.changes.len()
                );
                for c in &collected.changes {
                    println!("survey: {c}");
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        ForceAction::WnmDbMigration
        | ForceAction::Nullop
        | ForceAction::UpdateConfig
        | ForceAction::DisableConfig => {
            if say.normal() {
                println!("settings applied; nothing else to do");
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let sel = Selection {
        names: opts.service_names.clone(),
        count: opts.count,
    };
    let bar = std::sync::Mutex::new(None::<Progress>);
    let quiet = opts.quiet;
    let progress = |done: usize, total: usize, _o: &wnm_runtime::executor::Outcome| {
        if let Ok(mut b) = bar.lock() {
            let p = b.get_or_insert_with(|| Progress::new(total, fa.as_str(), quiet));
            p.tick();
            if done == total {
                p.finish();
            }
        }
    };
    let (plan, outcomes) = run_forced(cycle, what, &sel, copts, &progress).await?;
    if opts.report_format == wnm_config::ReportFormat::Json {
        let v = serde_json::json!({
            "action": fa.as_str(),
            "dry_run": opts.dry_run,
            "plan": plan,
            "outcomes": outcomes,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else if opts.dry_run {
        print_plan(&plan, "forced plan (dry run, nothing changed):");
    } else if say.normal() {
        if let Some(r) = &plan.idle {
            println!("{r}");
        }
        print_outcomes(&outcomes);
    }
    Ok(if outcomes.iter().all(|o| o.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn report(
    cycle: &mut Cycle,
    r: ReportKind,
    opts: &RunOptions,
    machine: &Machine,
) -> Result<ExitCode> {
    match r {
        ReportKind::MachineConfig => {
            print!(
                "{}",
                wnm_config::render_machine_config(
                    machine,
                    opts.dbpath.as_deref(),
                    opts.report_format
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        ReportKind::MachineMetrics => {
            let dirs = cycle.store.nodes().await?.into_iter();
            cycle
                .sampler
                .set_node_paths(dirs.map(|n| PathBuf::from(n.root_dir)).collect());
            cycle.sampler.begin()?;
            let m = cycle.sampler.finish().await?;
            print!("{}", render_metrics(&m, opts.report_format));
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            let nodes = cycle.store.nodes().await?;
            print_report(cycle, r, opts, &nodes, &Default::default(), None)
        }
    }
}

fn print_report(
    cycle: &Cycle,
    r: ReportKind,
    opts: &RunOptions,
    nodes: &[wnm_core::Node],
    metrics: &wnm_core::MachineMetrics,
    latency_ms: Option<f64>,
) -> Result<ExitCode> {
    use wnm_config::ReportFormat::*;
    let json = opts.report_format == Json;
    let now_ns = i128::from(cycle.clock.now()) * 1_000_000_000;
    let text = match r {
        ReportKind::NodeStatus if json => pretty(&reports::node_status_json(nodes)),
        ReportKind::NodeStatus => reports::node_status_text(nodes),
        ReportKind::NodeStatusDetails if json => pretty(&reports::node_status_details_json(nodes)),
        ReportKind::NodeStatusDetails => reports::node_status_details_text(nodes),
        ReportKind::InfluxResources
            if std::env::var("WNM_INFLUX_FLAVOUR").as_deref() == Ok("ntracking") =>
        {
            reports::influx_resources_ntracking(nodes, metrics, latency_ms, now_ns)
        }
        ReportKind::InfluxResources => reports::influx_resources(nodes, now_ns),
        ReportKind::MachineConfig => wnm_config::render_machine_config(
            &cycle.machine,
            opts.dbpath.as_deref(),
            opts.report_format,
        ),
        ReportKind::MachineMetrics => render_metrics(metrics, opts.report_format),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn pretty(v: &serde_json::Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}
