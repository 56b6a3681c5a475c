//! The idle cycle in-process, as `wnm` runs it between its start and its exit: open the store
//! and read the nodes, the real sysinfo machine window around `wnm_runtime::collect::collect`
//! (the survey, `/metadata` only where it can have changed), `wnm_engine::plan`, and the
//! store's `save_survey` in one transaction. Not included (the `wnm` phase has them): process
//! start, configuration layers, the run lock and `antnode --version`.
use super::colony::{COLONY_VERSION, fresh_copy};
use super::{PhaseArgs, PhaseReport, measure};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wnm_core::{
    Backend, Capabilities, Error, IdAllocation, ManagerMode, Node, NodeFacts, ProcessState, Result,
    Snapshot, UnixTime,
};
use wnm_runtime::collect::{collect, wants_metadata};
use wnm_store::Store;
use wnm_survey::{SurveyOptions, SysinfoSampler};

/// A backend for a colony where every node answers: collect asks it nothing.
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
    metadata_wanted: usize,
    steps: usize,
    disks: usize,
}

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as UnixTime)
}

async fn idle_cycle(db: &Path) -> Result<Seen> {
    let store = Store::open(db).await?;
    let machine = store
        .machine()
        .await?
        .ok_or_else(|| Error::not_found("no machine row in the colony"))?;
    let nodes = store.nodes().await?;
    let now = now();
    let metadata_wanted = nodes
        .iter()
        .filter(|n| wants_metadata(n, now).is_some())
        .count();
    let mut sampler = SysinfoSampler::new(vec![PathBuf::from(&machine.node_storage)])?;
    let timeout = Duration::from_millis(machine.survey_timeout_ms.max(1));
    let opts = SurveyOptions {
        concurrency: machine.survey_concurrency.max(1) as usize,
        timeout,
        connect_timeout: timeout.min(Duration::from_secs(2)),
        ..SurveyOptions::default()
    };
    let collected = collect(nodes, &AnsweringColony, &mut sampler, &opts, now).await?;
    let snapshot = Snapshot {
        metrics: collected.metrics.clone(),
        nodes: collected.nodes.iter().map(NodeFacts::of).collect(),
        binary_version: COLONY_VERSION.parse().ok(),
        last_stopped_at: machine.last_stopped_at,
        highest_node_id_used: machine.highest_node_id_used,
        id_allocation: IdAllocation::FillHoles,
        wallet_seed: now as u64,
    };
    let policy = wnm_engine::Policy::from_machine(&machine)?;
    let plan = wnm_engine::plan(&snapshot, &policy, now);
    store.save_survey(&collected.nodes).await?;
    store.close().await?;
    Ok(Seen {
        answering: collected
            .nodes
            .iter()
            .filter(|n| n.metrics.uptime > super::colony::COLONY_UPTIME_SECS)
            .count(),
        metadata_wanted,
        steps: plan.steps.len(),
        disks: collected.metrics.disks.len(),
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
    let (seen, figures) = measure(|| runtime.block_on(idle_cycle(&db)));
    let seen = seen.map_err(|e| format!("idle cycle: {e}"))?;
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "{}/{} answering, /metadata asked up front for {}, {} plan steps, {} filesystem(s)",
            seen.answering, args.n, seen.metadata_wanted, seen.steps, seen.disks
        ),
    })
}
