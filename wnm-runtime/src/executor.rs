//! The executor: applies a `Plan`'s steps through the node's backend, one at a time, recording
//! every status change with its reason. A failed step is followed by a probe of the node's real
//! state, which is what gets recorded; one failed step does not abort the others.
//!
//! Crash safety (wnm may be SIGKILLed between any two lines): every step writes the row it needs
//! *before* the first process change (a new node's row exists before its files), and leaves the
//! row in a state the next run's survey corrects from the truth (a started node whose row still
//! says STOPPED is found answering and becomes RUNNING; a stopped node whose row says RUNNING is
//! found down and becomes STOPPED; a vanished node becomes DEAD and is cleaned up).
use crate::clock::Clock;
use crate::layout::{node_paths, port};
use crate::probe::{Probe, Prober};
use crate::reconcile::{Answer, settled_status};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wnm_core::{
    Backend, Error, EvmAddress, Firewall, Machine, Node, NodeId, NodeLine, NodeMetrics, NodeStatus,
    Protocol, Result, Version, WalletTarget,
};
use wnm_engine::{Action, Plan, Step};
use wnm_store::Store;

/// Everything the executor acts with.
pub struct Executor {
    /// The backend driving these nodes.
    pub backend: Arc<dyn Backend>,
    /// Opens/closes node ports.
    pub firewall: Arc<dyn Firewall>,
    /// The colony store.
    pub store: Store,
    /// Resolved settings.
    pub machine: Machine,
    /// Node line of new nodes.
    pub line: Arc<dyn NodeLine>,
    /// The binary adds and upgrades install (`antnode_path`, expanded).
    pub source_binary: PathBuf,
    /// Its version.
    pub binary_version: Option<Version>,
    /// Where node logs go (`<base>/logs`, `/var/log/antnode`).
    pub log_base: PathBuf,
    /// Health endpoint prober.
    pub prober: Arc<dyn Prober>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Pause between steps (`action_delay`, or `this_action_delay`/`interval`).
    pub pause: Duration,
    /// How long an upgraded node has to show its new version before it is rolled back.
    pub upgrade_confirm: Duration,
    /// OS user nodes run as.
    pub user: String,
}

/// How one step went.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// The step, rendered (`stop antnode0042: cpu 83% > cpu_remove 70%`).
    pub step: String,
    /// The node acted on.
    pub node: Option<NodeId>,
    /// Done as planned.
    pub ok: bool,
    /// What happened, in a sentence (the error, the rollback, the status recorded).
    pub detail: String,
}

impl Executor {
    /// Run every step in order, pausing between them. Every new node is laid out (row, files,
    /// unit) before the first step runs, so a backend that must reload after writing units
    /// (systemd's `daemon-reload`) does so once, at the first start, not once per added node.
    pub async fn execute(&self, plan: &Plan) -> Vec<Outcome> {
        self.execute_with(plan, &|_, _, _| {}).await
    }

    /// [`Self::execute`], telling `progress` after each step (steps done, steps in all, how it went).
    pub async fn execute_with(
        &self,
        plan: &Plan,
        progress: &(dyn Fn(usize, usize, &Outcome) + Sync),
    ) -> Vec<Outcome> {
        let mut created = self.create_new_nodes(&plan.steps).await;
        let total = plan.steps.len();
        let mut out = Vec::with_capacity(total);
        for (i, step) in plan.steps.iter().enumerate() {
            if i > 0 && !self.pause.is_zero() {
                tokio::time::sleep(self.pause).await;
            }
            let rendered = step.to_string();
            tracing::info!("{rendered}");
            let result = self.apply(step, &rendered, &mut created).await;
            let o = self.outcome(rendered, step.action.node_id(), result).await;
            progress(i + 1, total, &o);
            out.push(o);
        }
        if let Err(e) = self.backend.flush().await {
            tracing::warn!("backend flush failed: {e}");
        }
        out
    }

    /// Lay out the new node of every `Add` in `steps` (row first, then the backend's create),
    /// without starting any: their steps then only start them (see [`Self::add`]).
    async fn create_new_nodes(&self, steps: &[Step]) -> Created {
        let mut made = Created::new();
        for step in steps {
            if let Action::Add { id, wallet } = &step.action {
                let why = step.to_string();
                made.insert(*id, self.create_new(*id, wallet, &why).await);
            }
        }
        made
    }

    async fn apply(&self, step: &Step, why: &str, created: &mut Created) -> Result<Done> {
        let detail = match &step.action {
            Action::Upgrade { id } => return self.upgrade(*id, why).await,
            Action::Start { id, upgrade_first } => {
                return self.start(*id, *upgrade_first, why).await;
            }
            Action::Add { id, wallet } => self.add(*id, wallet, why, created).await,
            Action::Stop { id } => self.stop(*id, why).await,
            Action::Remove { id } => self.remove(*id, why).await,
            Action::Delete { id } => self.delete(*id, why).await,
            Action::Settle { id, .. } => self.settle(*id, why).await,
            Action::Resurvey => self.resurvey(why).await,
        }?;
        Ok(Done { ok: true, detail })
    }

    async fn node(&self, id: NodeId) -> Result<Node> {
        self.store
            .node(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("{} has no row", wnm_core::service_name(id))))
    }

    /// Build the row of a new node: paths, ports, wallet, line, manager.
    pub fn new_node(&self, id: NodeId, wallet: &WalletTarget) -> Result<Node> {
        let m = &self.machine;
        let paths = node_paths(m, &self.log_base, self.line.binary_name(), id)?;
        let donate: EvmAddress = m.donate_address.parse()?;
        let now = self.clock.now();
        Ok(Node {
            id,
            service_name: wnm_core::service_name(id),
            port: port("port", m.node_port(id))?,
            metrics_port: port("metrics port", m.metrics_port(id))?,
            rpc_port: port("rpc port", m.rpc_port(id))?,
            root_dir: paths.root_dir,
            log_dir: paths.log_dir,
            binary: paths.binary,
            user: self.user.clone(),
            wallet: wallet.resolve(&donate).to_string(),
            network: "evm-arbitrum-one".to_string(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: now,
            created_at: now,
            manager: m.process_manager.clone(),
            line: self.line.name().to_string(),
            container_id: None,
            host: m.host.clone(),
            environment: String::new(),
            metrics: NodeMetrics::default(),
        })
    }

    /// Start the new node `create_new_nodes` made (or make it now), open its port, RESTARTING.
    async fn add(
        &self,
        id: NodeId,
        wallet: &WalletTarget,
        why: &str,
        created: &mut Created,
    ) -> Result<String> {
        let node = match created.remove(&id) {
            Some(made) => made?,
            None => self.create_new(id, wallet, why).await?,
        };
        self.backend.start(&node).await?;
        fault_point("add:started").await;
        self.firewall.open(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Restarting, why, self.clock.now())
            .await?;
        Ok(format!("{} created and started", node.service_name))
    }

    /// The first half of an add: the row (before any file), then the backend's layout.
    async fn create_new(&self, id: NodeId, wallet: &WalletTarget, why: &str) -> Result<Node> {
        let mut node = self.new_node(id, wallet)?;
        if self.store.node(id).await?.is_some() {
            return Err(Error::new(
                wnm_core::ErrorKind::Other,
                format!(
                    "{} already has a row; not adding it twice",
                    node.service_name
                ),
            ));
        }
        self.store.insert_node(&node, why, self.clock.now()).await?;
        let mut created = self.backend.create(&node, &self.source_binary).await?;
        crate::containers::record(&self.store, self.backend.as_ref(), &mut created).await;
        if created != node {
            node = created;
            self.store.update_node(&node).await?;
        }
        fault_point("add:created").await;
        Ok(node)
    }

    /// Start a STOPPED node. `upgrade_first` installs the binary and confirms its version like
    /// an upgrade (rolled back when it does not come up). A node a crash left half-made (its dir
    /// there, its binary missing) gets the binary installed again first, by `Backend::upgrade`:
    /// the node exists, and `Backend::create` is for new nodes only (antctl's runs `antctl add`,
    /// a second registry entry). One a crash left in the middle of an upgrade (an old binary
    /// still kept) must answer, or its old binary is put back.
    async fn start(&self, id: NodeId, upgrade_first: bool, why: &str) -> Result<Done> {
        let node = self.node(id).await?;
        if Path::new(&node.root_dir).is_dir() && !Path::new(&node.binary).is_file() {
            tracing::warn!(
                "{}: its binary is missing (an add cut short?); installing it again",
                node.service_name
            );
            self.backend
                .upgrade(&node, &self.source_binary)
                .await
                .map_err(|e| {
                    Error::new(
                        e.kind(),
                        format!(
                            "{}: its binary {} is missing and could not be installed again: {e}",
                            node.service_name, node.binary
                        ),
                    )
                })?;
        }
        if upgrade_first {
            let want = self.wanted_version()?;
            let kept = self.keep_binary(&node).await?;
            return self
                .install_start_confirm(&node, kept, Some(&want), NodeStatus::Restarting, why)
                .await;
        }
        if let Some(kept) = crate::kept::found(self.backend.as_ref(), &node) {
            return self
                .start_confirm(&node, Some(kept), None, NodeStatus::Restarting, why)
                .await;
        }
        self.backend.start(&node).await?;
        self.firewall.open(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Restarting, why, self.clock.now())
            .await?;
        Ok(Done {
            ok: true,
            detail: "started".into(),
        })
    }

    async fn stop(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        self.backend.stop(&node).await?;
        self.firewall.close(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Stopped, why, self.clock.now())
            .await?;
        Ok("stopped".into())
    }

    /// REMOVING is recorded before the node is stopped: a crash in between leaves a row that
    /// says where it is going, and its `delay_remove` timer finishes the job (the delete stops
    /// whatever still runs) whatever the next run's pressure is.
    async fn remove(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        self.store
            .set_status(id, NodeStatus::Removing, why, self.clock.now())
            .await?;
        self.backend.stop(&node).await?;
        fault_point("remove:stopped").await;
        self.firewall.close(node.port, Protocol::Udp).await?;
        Ok("stopped; files go when delay_remove ends".into())
    }

    async fn delete(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        self.backend.remove(&node).await?;
        fault_point("delete:removed").await;
        self.firewall.close(node.port, Protocol::Udp).await?;
        self.store.delete_node(id, why, self.clock.now()).await?;
        crate::containers::forget_unused(&self.store, node.container_id).await;
        Ok("process, service and files removed; row deleted".into())
    }

    async fn settle(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        let probe = self.prober.probe(&node).await;
        let process = self.backend.status(&node).await?;
        let to = settled_status(probe.answer, process);
        self.save_probe(&node, &probe).await?;
        self.store.set_status(id, to, why, self.clock.now()).await?;
        Ok(format!("now {to}"))
    }

    /// After a reboot every node's recorded status is replaced by the truth, so nodes that ran
    /// before and do not now are STOPPED and the normal rules start them again.
    async fn resurvey(&self, why: &str) -> Result<String> {
        let mut changed = 0;
        for node in self.store.nodes().await? {
            if matches!(
                node.status,
                NodeStatus::Disabled | NodeStatus::Removing | NodeStatus::Dead
            ) {
                continue;
            }
            let probe = self.prober.probe(&node).await;
            let process = match self.backend.status(&node).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("{}: status unknown after reboot: {e}", node.service_name);
                    continue;
                }
            };
            let to = settled_status(probe.answer, process);
            self.save_probe(&node, &probe).await?;
            if to != node.status {
                self.store
                    .set_status(node.id, to, why, self.clock.now())
                    .await?;
                changed += 1;
            }
        }
        Ok(format!("{changed} node(s) changed status"))
    }

    async fn save_probe(&self, node: &Node, probe: &Probe) -> Result<()> {
        if probe.version.is_some() || probe.peer_id.is_some() {
            let mut n = self.node(node.id).await?;
            if probe.version.is_some() {
                n.version.clone_from(&probe.version);
            }
            if probe.peer_id.is_some() {
                n.peer_id.clone_from(&probe.peer_id);
            }
            self.store.update_node(&n).await?;
        }
        Ok(())
    }

    /// The binary's version, which an upgrade must see the node report.
    fn wanted_version(&self) -> Result<Version> {
        self.binary_version.clone().ok_or_else(|| {
            Error::not_found("the binary's version is unknown; cannot confirm an upgrade")
        })
    }

    /// Keep the node's current binary beside it until the new one is confirmed. A binary already
    /// kept (an upgrade a crash interrupted) is the last one known to work and stays as it is.
    /// The backend does the copying: in sudo mode the node dir is not wnm's to write.
    async fn keep_binary(&self, node: &Node) -> Result<Option<PathBuf>> {
        if let Some(kept) = crate::kept::found(self.backend.as_ref(), node) {
            return Ok(Some(kept));
        }
        crate::kept::keep(self.backend.as_ref(), node).await
    }

    /// Upgrade = stop, keep the old binary, install the new one, start, confirm the new version;
    /// if the node does not come back with it, restore the old binary and start it again.
    async fn upgrade(&self, id: NodeId, why: &str) -> Result<Done> {
        let node = self.node(id).await?;
        let want = self.wanted_version()?;
        let kept = self.keep_binary(&node).await?;
        self.backend.stop(&node).await?;
        fault_point("upgrade:stopped").await;
        self.install_start_confirm(&node, kept, Some(&want), NodeStatus::Upgrading, why)
            .await
    }

    /// Finish an upgrade a crash interrupted (the node is down, its old binary still kept):
    /// install the binary again, start, confirm; roll back to the kept binary if it does not come
    /// up. Without a usable binary version the kept binary is simply put back and started.
    pub async fn resume_upgrade(&self, id: NodeId, why: &str) -> Outcome {
        let rendered = format!("recover {}: {why}", wnm_core::service_name(id));
        let result = async {
            let node = self.node(id).await?;
            let kept = crate::kept::found(self.backend.as_ref(), &node);
            match (&self.binary_version, kept) {
                (Some(want), kept) => {
                    self.install_start_confirm(
                        &node,
                        kept,
                        Some(want),
                        NodeStatus::Upgrading,
                        &rendered,
                    )
                    .await
                }
                (None, Some(kept)) => {
                    let e = Error::not_found("the binary's version is unknown");
                    self.roll_back(&node, &kept, &e, &rendered).await
                }
                (None, None) => Err(Error::not_found("nothing kept to restore")),
            }
        }
        .await;
        self.outcome(rendered, Some(id), result).await
    }

    /// Drop the binary an interrupted upgrade kept, for a node found running (whatever runs
    /// is what it has now; its version is read again).
    pub async fn forget_kept_binary(&self, id: NodeId, why: &str) -> Outcome {
        let rendered = format!("recover {}: {why}", wnm_core::service_name(id));
        let result = async {
            let mut node = self.node(id).await?;
            let probe = self.prober.probe(&node).await;
            let process = self.backend.status(&node).await?;
            if probe.answer != Answer::Answering
                && !matches!(process, wnm_core::ProcessState::Running { .. })
            {
                return Ok(Done {
                    ok: true,
                    detail: "it is not running after all; the kept binary stays for its next start"
                        .into(),
                });
            }
            if let Some(k) = crate::kept::found(self.backend.as_ref(), &node) {
                crate::kept::discard(self.backend.as_ref(), &node, &k).await;
            }
            if probe.version.is_some() {
                node.version = probe.version;
            }
            if probe.peer_id.is_some() {
                node.peer_id = probe.peer_id;
            }
            self.store.update_node(&node).await?;
            Ok(Done {
                ok: true,
                detail: format!(
                    "it runs {}; the kept binary is dropped",
                    node.version.as_deref().unwrap_or("an unknown version")
                ),
            })
        }
        .await;
        self.outcome(rendered, Some(id), result).await
    }

    async fn outcome(&self, step: String, node: Option<NodeId>, r: Result<Done>) -> Outcome {
        match r {
            Ok(Done { ok, detail }) => Outcome {
                step,
                node,
                ok,
                detail,
            },
            Err(e) => {
                tracing::warn!("{step}: failed: {e}");
                let recorded = match node {
                    Some(id) => self.record_truth(id, &format!("{step}: failed: {e}")).await,
                    None => String::new(),
                };
                Outcome {
                    step,
                    node,
                    ok: false,
                    detail: format!("failed: {e}{recorded}"),
                }
            }
        }
    }

    /// The second half of an upgrade: install the binary, then [`Self::start_confirm`].
    async fn install_start_confirm(
        &self,
        node: &Node,
        kept: Option<PathBuf>,
        want: Option<&Version>,
        done_status: NodeStatus,
        why: &str,
    ) -> Result<Done> {
        if let Err(e) = self.backend.upgrade(node, &self.source_binary).await {
            return match kept {
                Some(k) => self.roll_back(node, &k, &e, why).await,
                None => Err(e),
            };
        }
        fault_point("upgrade:installed").await;
        self.start_confirm(node, kept, want, done_status, why).await
    }

    /// Start the node and wait until it answers (as `want`, when given); record `done_status`
    /// and drop the kept binary. If it does not come up, put the kept binary back and start that.
    async fn start_confirm(
        &self,
        node: &Node,
        kept: Option<PathBuf>,
        want: Option<&Version>,
        done_status: NodeStatus,
        why: &str,
    ) -> Result<Done> {
        let attempt = async {
            self.backend.start(node).await?;
            self.confirm_version(node, want).await
        }
        .await;
        match attempt {
            Ok(probe) => {
                let mut n = self.node(node.id).await?;
                if let Some(v) = want {
                    n.version = Some(v.to_string());
                } else if probe.version.is_some() {
                    n.version = probe.version;
                }
                if probe.peer_id.is_some() {
                    n.peer_id = probe.peer_id;
                }
                self.store.update_node(&n).await?;
                self.firewall.open(node.port, Protocol::Udp).await?;
                self.store
                    .set_status(node.id, done_status, why, self.clock.now())
                    .await?;
                if let Some(k) = kept {
                    crate::kept::discard(self.backend.as_ref(), node, &k).await;
                }
                Ok(Done {
                    ok: true,
                    detail: match (want, n.version.as_deref()) {
                        (Some(v), _) => format!("now running {v}"),
                        (None, Some(v)) => format!("started; it runs {v}"),
                        (None, None) => "started".into(),
                    },
                })
            }
            Err(e) => match kept {
                Some(k) => self.roll_back(node, &k, &e, why).await,
                None => Err(e),
            },
        }
    }

    /// Put the kept binary back, start it, and record RESTARTING with the failure as the reason.
    async fn roll_back(&self, node: &Node, kept: &Path, e: &Error, why: &str) -> Result<Done> {
        let target = self
            .binary_version
            .as_ref()
            .map_or_else(|| "the new binary".to_string(), |v| v.to_string());
        tracing::warn!(
            "{}: {target} did not come up ({e}); rolling back",
            node.service_name
        );
        let _ = self.backend.stop(node).await;
        crate::kept::restore(self.backend.as_ref(), node, kept).await?;
        self.backend.start(node).await?;
        crate::kept::discard(self.backend.as_ref(), node, kept).await;
        self.firewall.open(node.port, Protocol::Udp).await?;
        let reason = format!("{why}: failed ({e}); old binary restored and started");
        self.store
            .set_status(node.id, NodeStatus::Restarting, &reason, self.clock.now())
            .await?;
        Ok(Done {
            ok: false,
            detail: format!("{target} failed ({e}); old binary restored and restarted"),
        })
    }

    /// Wait until the node answers (reporting `want`, when given) or `upgrade_confirm` ends.
    async fn confirm_version(&self, node: &Node, want: Option<&Version>) -> Result<Probe> {
        let deadline = tokio::time::Instant::now() + self.upgrade_confirm;
        let mut last: String;
        loop {
            let probe = self.prober.probe(node).await;
            match (&probe.answer, probe.version.as_deref()) {
                (Answer::Answering, Some(v)) => match (v.parse::<Version>(), want) {
                    (_, None) => return Ok(probe),
                    (Ok(v), Some(w)) if &v == w => return Ok(probe),
                    _ => last = format!("it reports version {v}"),
                },
                (Answer::Answering, None) if want.is_none() => return Ok(probe),
                (Answer::NotAsked, _) => {
                    if matches!(
                        self.backend.status(node).await?,
                        wnm_core::ProcessState::Running { .. }
                    ) {
                        return Ok(probe);
                    }
                    last = "its process is not running".into();
                }
                (a, _) => last = format!("{a:?}"),
            }
            if tokio::time::Instant::now() >= deadline {
                let what = want.map_or_else(|| "up".to_string(), |w| format!("as {w}"));
                return Err(Error::new(
                    wnm_core::ErrorKind::Timeout,
                    format!(
                        "{} did not come back {what} within {:?} ({last})",
                        node.service_name, self.upgrade_confirm
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// After a failure: look at the node and record what is true, with the failure as reason.
    async fn record_truth(&self, id: NodeId, why: &str) -> String {
        let Ok(Some(node)) = self.store.node(id).await else {
            return String::new();
        };
        let probe = self.prober.probe(&node).await;
        let process = match self.backend.status(&node).await {
            Ok(p) => p,
            Err(e) => return format!("; its state is unknown ({e})"),
        };
        let to = settled_status(probe.answer, process);
        if to == node.status || !node.status.can_become(to) {
            return format!("; it is {}", node.status);
        }
        match self.store.set_status(id, to, why, self.clock.now()).await {
            Ok(_) => format!("; recorded {to}"),
            Err(e) => format!("; could not record {to}: {e}"),
        }
    }
}

/// New nodes laid out ahead of their `Add` steps, by id (each taken once).
type Created = HashMap<NodeId, Result<Node>>;

/// How an applied step ended: `ok == false` when it failed but already recorded the truth (a rolled-back upgrade).
struct Done {
    ok: bool,
    detail: String,
}

/// The environment variable naming a fault point (see [`fault_point`]).
pub const FAULT_PAUSE_ENV: &str = "WNM_FAULT_PAUSE";

/// Crash-safety test hook: when `WNM_FAULT_PAUSE` names this point (`add:created`,
/// `add:started`, `upgrade:stopped`, `upgrade:installed`, `remove:stopped`, `delete:removed`),
/// print `fault point <name>` to stderr and sleep for an hour so a test can SIGKILL wnm exactly
/// there. Unset in production; costs one env lookup per step.
async fn fault_point(name: &str) {
    if std::env::var(FAULT_PAUSE_ENV).as_deref() == Ok(name) {
        eprintln!("fault point {name}");
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[cfg(test)]
#[path = "executor_tests.rs"]
mod tests;
