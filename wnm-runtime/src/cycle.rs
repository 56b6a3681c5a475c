//! One wnm cycle: collect (machine metrics + survey) -> plan -> execute -> persist. The lock and
//! configuration are the caller's (the CLI); this is everything between them.
use crate::clock::Clock;
use crate::collect::{Collected, SurveyProber, collect};
use crate::executor::{Executor, Outcome};
use crate::recover::{Recovery, recover, recoveries};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wnm_core::{
    Backend, CommandSpec, Firewall, Machine, Node, NodeFacts, NodeId, NodeLine, NodeStatus,
    Protocol, Result, Runner, Snapshot, Version,
};
use wnm_engine::{Action, Plan, Policy};
use wnm_store::Store;
use wnm_survey::{MachineSampler, SurveyOptions};

/// Where the node binary stands.
#[derive(Debug, Clone, PartialEq)]
pub enum BinaryInfo {
    /// Found and versioned.
    Version(Version),
    /// Nothing at `antnode_path`.
    Missing(PathBuf),
    /// Found, but `--version` said nothing usable.
    Unreadable {
        /// The binary.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

impl BinaryInfo {
    /// The version, when known.
    pub fn version(&self) -> Option<&Version> {
        match self {
            BinaryInfo::Version(v) => Some(v),
            _ => None,
        }
    }

    /// An operator-facing sentence when the binary is not usable.
    pub fn problem(&self) -> Option<String> {
        match self {
            BinaryInfo::Version(_) => None,
            BinaryInfo::Missing(p) => Some(format!(
                "no node binary at {} (antnode_path): install one with `cargo install --locked ant-node@0.4.11` (then set --antnode_path ~/.cargo/bin/antnode) or your usual installer; no node is added or upgraded until then",
                p.display()
            )),
            BinaryInfo::Unreadable { path, why } => Some(format!(
                "the node binary at {} did not report a version ({why}); no node is added or upgraded until it does",
                path.display()
            )),
        }
    }
}

/// Everything a cycle works with.
pub struct Cycle {
    /// The colony store.
    pub store: Store,
    /// Resolved settings (changes already applied).
    pub machine: Machine,
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// The firewall.
    pub firewall: Arc<dyn Firewall>,
    /// The node line of new nodes.
    pub line: Arc<dyn NodeLine>,
    /// The process runner (for `antnode --version`).
    pub runner: Arc<dyn Runner>,
    /// Host metrics.
    pub sampler: Box<dyn MachineSampler>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// `antnode_path`, expanded.
    pub source_binary: PathBuf,
    /// Where node logs go.
    pub log_base: PathBuf,
    /// OS user nodes run as.
    pub user: String,
}

/// Knobs of one cycle that are not settings.
#[derive(Debug, Clone)]
pub struct CycleOptions {
    /// Print the plan, change nothing.
    pub dry_run: bool,
    /// Pause between steps.
    pub pause: Duration,
    /// Pause between node reads.
    pub survey_delay: Duration,
    /// How long an upgraded node has to show its new version.
    pub upgrade_confirm: Duration,
}

/// What a cycle did.
#[derive(Debug, Clone)]
pub struct CycleReport {
    /// What collection saw.
    pub collected: Collected,
    /// The binary.
    pub binary: BinaryInfo,
    /// The plan.
    pub plan: Plan,
    /// Crash recoveries done (or, on a dry run, that would be done) before the plan.
    pub recovery: Vec<String>,
    /// How each executed step went, recoveries first (empty on a dry run).
    pub outcomes: Vec<Outcome>,
    /// Steps dropped because the binary is missing (on a dry run: still in the plan, but a real run would drop them).
    pub dropped: Vec<String>,
}

impl CycleReport {
    /// True when every executed step went as planned and nothing had to be dropped.
    pub fn all_ok(&self) -> bool {
        self.outcomes.iter().all(|o| o.ok) && self.dropped.is_empty()
    }
}

impl Cycle {
    /// Survey options from the settings (and a one-off delay).
    pub fn survey_options(&self, delay: Duration) -> SurveyOptions {
        let timeout = Duration::from_millis(self.machine.survey_timeout_ms.max(1));
        SurveyOptions {
            concurrency: self.machine.survey_concurrency.max(1) as usize,
            timeout,
            connect_timeout: timeout.min(Duration::from_secs(2)),
            survey_delay: delay,
            ..SurveyOptions::default()
        }
    }

    /// Ask the binary for its version (through the runner, 10 s at most).
    pub async fn binary_info(&self) -> BinaryInfo {
        let path = self.source_binary.clone();
        if !path.is_file() {
            return BinaryInfo::Missing(path);
        }
        let mut cmd = CommandSpec::new(path.to_string_lossy(), ["--version"]);
        cmd.timeout = Some(Duration::from_secs(10));
        match self.runner.run(&cmd).await {
            Ok(out) => match self.line.parse_version_output(&out.stdout) {
                Some(v) => BinaryInfo::Version(v),
                None => BinaryInfo::Unreadable {
                    path,
                    why: format!(
                        "exit {:?}, first line {:?}",
                        out.code,
                        out.stdout.lines().next().unwrap_or("")
                    ),
                },
            },
            Err(e) => BinaryInfo::Unreadable {
                path,
                why: e.to_string(),
            },
        }
    }

    /// The executor for this cycle's settings.
    pub fn executor(&self, opts: &CycleOptions, binary_version: Option<Version>) -> Executor {
        Executor {
            backend: self.backend.clone(),
            firewall: self.firewall.clone(),
            store: self.store.clone(),
            machine: self.machine.clone(),
            line: self.line.clone(),
            source_binary: self.source_binary.clone(),
            binary_version,
            log_base: self.log_base.clone(),
            prober: Arc::new(SurveyProber {
                opts: self.survey_options(Duration::ZERO),
            }),
            clock: self.clock.clone(),
            pause: opts.pause,
            upgrade_confirm: opts.upgrade_confirm,
            user: self.user.clone(),
        }
    }

    /// Collect, and persist what was seen unless this is a dry run.
    pub async fn survey(&mut self, opts: &CycleOptions) -> Result<Collected> {
        Ok(self.survey_from(opts).await?.0)
    }

    /// [`Self::survey`], also returning each node's status before it.
    async fn survey_from(
        &mut self,
        opts: &CycleOptions,
    ) -> Result<(Collected, HashMap<NodeId, NodeStatus>)> {
        let now = self.clock.now();
        let nodes = self.store.nodes().await?;
        let before: HashMap<NodeId, NodeStatus> = nodes.iter().map(|n| (n.id, n.status)).collect();
        let survey_opts = self.survey_options(opts.survey_delay);
        let collected = collect(
            nodes,
            self.backend.as_ref(),
            self.sampler.as_mut(),
            &survey_opts,
            now,
        )
        .await?;
        if !opts.dry_run {
            // Disabled nodes are not watched; copy the rest only when there is one to leave out.
            let disabled = |n: &Node| n.status == NodeStatus::Disabled;
            let watched: std::borrow::Cow<'_, [Node]> = if collected.nodes.iter().any(disabled) {
                collected
                    .nodes
                    .iter()
                    .filter(|n| !disabled(n))
                    .cloned()
                    .collect()
            } else {
                (&collected.nodes[..]).into()
            };
            self.store
                .save_survey_with_reasons(&watched, &collected.reasons)
                .await?;
            self.sync_firewall(&before, &collected.nodes).await;
        }
        Ok((collected, before))
    }

    /// Ports follow what the survey found: a node found running that was not recorded so (a
    /// start a crash cut short, or one started by hand) gets its port opened; one found stopped
    /// that was recorded running gets it closed. Failures are logged; the next start retries.
    async fn sync_firewall(&self, before: &HashMap<NodeId, NodeStatus>, nodes: &[Node]) {
        use NodeStatus::*;
        for n in nodes {
            let Some(was) = before.get(&n.id).copied() else {
                continue;
            };
            let result = match (was, n.status) {
                (Stopped | Dead, Running) => self.firewall.open(n.port, Protocol::Udp).await,
                (Running, Stopped) => self.firewall.close(n.port, Protocol::Udp).await,
                _ => continue,
            };
            if let Err(e) = result {
                tracing::warn!("{}: firewall: {e}", n.service_name);
            }
        }
    }

    /// The planner's input from what was collected.
    pub fn snapshot(&self, collected: &Collected, binary: &BinaryInfo) -> Snapshot {
        Snapshot {
            metrics: collected.metrics.clone(),
            nodes: collected.nodes.iter().map(NodeFacts::of).collect(),
            binary_version: binary.version().cloned(),
            last_stopped_at: self.machine.last_stopped_at,
            highest_node_id_used: self.machine.highest_node_id_used,
            id_allocation: self.backend.capabilities().id_allocation,
            wallet_seed: self.clock.now() as u64,
        }
    }

    /// One full cycle.
    pub async fn run(&mut self, opts: &CycleOptions) -> Result<CycleReport> {
        let (mut collected, before) = self.survey_from(opts).await?;
        let binary = self.binary_info().await;
        let recovery = recoveries(&collected.nodes, &before, |n| {
            crate::kept::found(self.backend.as_ref(), n).is_some()
        });
        let mut recovered = Vec::new();
        if !recovery.is_empty() && !opts.dry_run {
            let executor = self.executor(opts, binary.version().cloned());
            recovered = recover(&executor, &recovery).await;
            // Plan from what recovery left, not from what the survey saw before it: the
            // recovered rows alone are read again.
            let mut fresh = HashMap::with_capacity(recovery.len());
            for r in &recovery {
                if let Some(f) = self.store.node(r.node()).await? {
                    fresh.insert(f.id, f);
                }
            }
            for n in collected.nodes.iter_mut() {
                if let Some(f) = fresh.remove(&n.id) {
                    *n = f;
                }
            }
        }
        let snapshot = self.snapshot(&collected, &binary);
        let policy = Policy::from_machine(&self.machine)?;
        let mut plan = wnm_engine::plan(&snapshot, &policy, self.clock.now());
        let mut dropped = Vec::new();
        if let Some(problem) = binary.problem() {
            plan.steps.retain(|s| {
                let needs_binary = matches!(
                    s.action,
                    Action::Add { .. }
                        | Action::Upgrade { .. }
                        | Action::Start {
                            upgrade_first: true,
                            ..
                        }
                );
                if needs_binary {
                    dropped.push(format!("{s} (not done: {problem})"));
                }
                // A dry run still shows the whole plan; `dropped` says what a real run skips.
                !needs_binary || opts.dry_run
            });
        }
        let recovery: Vec<String> = recovery.iter().map(Recovery::render).collect();
        if opts.dry_run {
            return Ok(CycleReport {
                collected,
                binary,
                plan,
                recovery,
                outcomes: Vec::new(),
                dropped,
            });
        }
        let executor = self.executor(opts, binary.version().cloned());
        let mut outcomes = recovered;
        outcomes.extend(executor.execute(&plan).await);
        self.finish(&plan).await?;
        Ok(CycleReport {
            collected,
            binary,
            plan,
            recovery,
            outcomes,
            dropped,
        })
    }

    /// Record run state: the highest id used and when this run ended (reboot detection).
    pub async fn finish(&mut self, plan: &Plan) -> Result<()> {
        let highest = plan
            .steps
            .iter()
            .filter_map(|s| match s.action {
                Action::Add { id, .. } => Some(id),
                _ => None,
            })
            .max();
        let mut m = self
            .store
            .machine()
            .await?
            .unwrap_or_else(|| self.machine.clone());
        if let Some(h) = highest {
            m.highest_node_id_used = Some(m.highest_node_id_used.unwrap_or(0).max(h));
        }
        m.last_stopped_at = self.clock.now();
        self.machine.highest_node_id_used = m.highest_node_id_used;
        self.machine.last_stopped_at = m.last_stopped_at;
        self.store.save_machine(&m).await
    }
}
