//! The idle cycle in-process, as `wnm` runs it between its start and its exit: open the store,
//! then the real `wnm_runtime::cycle::Cycle::run` (read the nodes, the sysinfo machine window
//! around the survey with `/metadata` only where it can have changed, the survey saved with its
//! reasons in one transaction, the firewall synced, `antnode --version`, crash recoveries looked
//! for, the plan, its execution, the run state saved) with a backend for a colony where every
//! node answers and the null firewall. Not included (the `wnm` phase has them): process start,
//! configuration layers and the run lock.
use super::colony::{COLONY_UPTIME_SECS, fresh_copy};
use super::{PhaseArgs, PhaseReport, measure};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wnm_core::{
    Antnode04, Backend, Capabilities, Error, ManagerMode, Node, NullFirewall, ProcessState, Result,
};
use wnm_runtime::clock::{Clock, SystemClock};
use wnm_runtime::collect::wants_metadata;
use wnm_runtime::cycle::{Cycle, CycleOptions};
use wnm_store::Store;
use wnm_survey::SysinfoSampler;

/// A backend for a colony where every node answers: the cycle asks it nothing.
struct AnsweringColony;

#[async_trait]
impl Backend for AnsweringColony {
    fn kind(&self) -> &str {
        "bench"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User])
    }

    async fn create(&self, _node: &Node, _source: &Path) -> Result<Node> {
        Err(Error::unsupported("an idle cycle creates nothing"))
    }

    async fn start(&self, _node: &Node) -> Result<()> {
        Err(Error::unsupported("an idle cycle starts nothing"))
    }

    async fn stop(&self, _node: &Node) -> Result<()> {
        Err(Error::unsupported("an idle cycle stops nothing"))
    }

    async fn remove(&self, _node: &Node) -> Result<()> {
        Err(Error::unsupported("an idle cycle removes nothing"))
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        Err(Error::unsupported(format!(
            "{} did not answer: not an idle colony",
            node.service_name
        )))
    }
}

/// What one in-process idle cycle saw.
struct Seen {
    answering: usize,
    steps: usize,
    done: usize,
    disks: usize,
}

/// How many nodes of the colony get `/metadata` read up front (read before the measurement).
async fn metadata_wanted(db: &Path) -> Result<usize> {
    let store = Store::open(db).await?;
    let now = SystemClock.now();
    let n = store
        .nodes()
        .await?
        .iter()
        .filter(|n| wants_metadata(n, now).is_some())
        .count();
    store.close().await?;
    Ok(n)
}

async fn idle_cycle(db: &Path) -> Result<Seen> {
    let store = Store::open(db).await?;
    let machine = store
        .machine()
        .await?
        .ok_or_else(|| Error::not_found("no machine row in the colony"))?;
    let sampler = SysinfoSampler::new(vec![PathBuf::from(&machine.node_storage)])?;
    let log_base = db.with_file_name("logs");
    let mut cycle = Cycle {
        store: store.clone(),
        source_binary: PathBuf::from(&machine.antnode_path),
        machine,
        backend: Arc::new(AnsweringColony),
        firewall: Arc::new(NullFirewall),
        line: Arc::new(Antnode04),
        runner: Arc::new(wnm_runner::SystemRunner::new()),
        sampler: Box::new(sampler),
        clock: Arc::new(SystemClock),
        log_base,
        user: String::new(),
    };
    let opts = CycleOptions {
        dry_run: false,
        pause: Duration::ZERO,
        survey_delay: Duration::ZERO,
        upgrade_confirm: Duration::from_secs(60),
    };
    let report = cycle.run(&opts).await?;
    store.close().await?;
    if let Some(p) = report.binary.problem() {
        return Err(Error::not_found(p));
    }
    Ok(Seen {
        answering: report
            .collected
            .nodes
            .iter()
            .filter(|n| n.metrics.uptime > COLONY_UPTIME_SECS)
            .count(),
        steps: report.plan.steps.len() + report.recovery.len(),
        done: report.outcomes.len(),
        disks: report.collected.metrics.disks.len(),
    })
}

/// One idle cycle in this process over a fresh copy of the seeded colony.
pub fn cycle_phase(args: &PhaseArgs) -> std::result::Result<PhaseReport, String> {
    let (_dir, db) = fresh_copy(args.colony()?)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let wanted = runtime
        .block_on(metadata_wanted(&db))
        .map_err(|e| format!("reading the colony: {e}"))?;
    let (seen, figures) = measure(|| runtime.block_on(idle_cycle(&db)));
    let seen = seen.map_err(|e| format!("idle cycle: {e}"))?;
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "{}/{} answering, /metadata asked up front for {wanted}, {} plan steps ({} done), {} filesystem(s)",
            seen.answering, args.n, seen.steps, seen.done, seen.disks
        ),
    })
}
