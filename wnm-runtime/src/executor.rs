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
    /// Run every step in order, pausing between them.
    pub async fn execute(&self, plan: &Plan) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(plan.steps.len());
        for (i, step) in plan.steps.iter().enumerate() {
            if i > 0 && !self.pause.is_zero() {
                tokio::time::sleep(self.pause).await;
            }
            out.push(self.execute_step(step).await);
        }
        if let Err(e) = self.backend.flush().await {
            tracing::warn!("backend flush failed: {e}");
        }
        out
    }

    /// Run one step; on failure probe the node and record its true state.
    pub async fn execute_step(&self, step: &Step) -> Outcome {
        let rendered = step.to_string();
        let node = step.action.node_id();
        tracing::info!("{rendered}");
        match self.apply(step, &rendered).await {
            Ok(Done { ok, detail }) => Outcome {
                step: rendered,
                node,
                ok,
                detail,
            },
            Err(e) => {
                tracing::warn!("{rendered}: failed: {e}");
                let recorded = match node {
                    Some(id) => {
                        self.record_truth(id, &format!("{rendered}: failed: {e}"))
                            .await
                    }
                    None => String::new(),
                };
                Outcome {
                    step: rendered,
                    node,
                    ok: false,
                    detail: format!("failed: {e}{recorded}"),
                }
            }
        }
    }

    async fn apply(&self, step: &Step, why: &str) -> Result<Done> {
        if let Action::Upgrade { id } = &step.action {
            return self.upgrade(*id, why).await;
        }
        let detail = match &step.action {
            Action::Add { id, wallet } => self.add(*id, wallet, why).await,
            Action::Start { id, upgrade_first } => self.start(*id, *upgrade_first, why).await,
            Action::Stop { id } => self.stop(*id, why).await,
            Action::Upgrade { .. } => unreachable!("handled above"),
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

    async fn add(&self, id: NodeId, wallet: &WalletTarget, why: &str) -> Result<String> {
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
        let created = self.backend.create(&node, &self.source_binary).await?;
        if created != node {
            node = created;
            self.store.update_node(&node).await?;
        }
        fault_point("add:created").await;
        self.backend.start(&node).await?;
        fault_point("add:started").await;
        self.firewall.open(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Restarting, why, self.clock.now())
            .await?;
        Ok(format!("{} created and started", node.service_name))
    }

    async fn start(&self, id: NodeId, upgrade_first: bool, why: &str) -> Result<String> {
        let mut node = self.node(id).await?;
        if upgrade_first {
            self.backend.upgrade(&node, &self.source_binary).await?;
            node.version = None;
            self.store.update_node(&node).await?;
        }
        self.backend.start(&node).await?;
        self.firewall.open(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Restarting, why, self.clock.now())
            .await?;
        Ok(if upgrade_first {
            "binary replaced, started".into()
        } else {
            "started".into()
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

    async fn remove(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        self.backend.stop(&node).await?;
        fault_point("remove:stopped").await;
        self.firewall.close(node.port, Protocol::Udp).await?;
        self.store
            .set_status(id, NodeStatus::Removing, why, self.clock.now())
            .await?;
        Ok("stopped; files go when delay_remove ends".into())
    }

    async fn delete(&self, id: NodeId, why: &str) -> Result<String> {
        let node = self.node(id).await?;
        self.backend.remove(&node).await?;
        fault_point("delete:removed").await;
        self.firewall.close(node.port, Protocol::Udp).await?;
        self.store.delete_node(id, why, self.clock.now()).await?;
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

    /// Upgrade = stop, keep the old binary, install the new one, start, confirm the new version;
    /// if the node does not come back with it, restore the old binary and start it again.
    async fn upgrade(&self, id: NodeId, why: &str) -> Result<Done> {
        let node = self.node(id).await?;
        let want = self.binary_version.clone().ok_or_else(|| {
            Error::not_found("the binary's version is unknown; cannot confirm an upgrade")
        })?;
        let backup = backup_path(&node.binary);
        let have_backup = Path::new(&node.binary).is_file();
        if have_backup {
            std::fs::copy(&node.binary, &backup).map_err(|e| {
                Error::io(format!("keeping the old binary as {}", backup.display()), e)
            })?;
        }
        self.backend.stop(&node).await?;
        fault_point("upgrade:stopped").await;
        let attempt = async {
            self.backend.upgrade(&node, &self.source_binary).await?;
            fault_point("upgrade:installed").await;
            self.backend.start(&node).await?;
            self.confirm_version(&node, &want).await
        }
        .await;
        match attempt {
            Ok(probe) => {
                let mut n = self.node(id).await?;
                n.version = Some(want.to_string());
                if probe.peer_id.is_some() {
                    n.peer_id = probe.peer_id;
                }
                self.store.update_node(&n).await?;
                self.store
                    .set_status(id, NodeStatus::Upgrading, why, self.clock.now())
                    .await?;
                if have_backup {
                    let _ = std::fs::remove_file(&backup);
                }
                Ok(Done {
                    ok: true,
                    detail: format!("now running {want}"),
                })
            }
            Err(e) if have_backup => {
                tracing::warn!(
                    "{}: upgrade to {want} failed ({e}); rolling back",
                    node.service_name
                );
                let _ = self.backend.stop(&node).await;
                self.backend.upgrade(&node, &backup).await?;
                self.backend.start(&node).await?;
                let _ = std::fs::remove_file(&backup);
                let reason = format!("{why}: failed ({e}); old binary restored and started");
                self.store
                    .set_status(id, NodeStatus::Restarting, &reason, self.clock.now())
                    .await?;
                Ok(Done {
                    ok: false,
                    detail: format!(
                        "upgrade to {want} failed ({e}); old binary restored and restarted"
                    ),
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn confirm_version(&self, node: &Node, want: &Version) -> Result<Probe> {
        let deadline = tokio::time::Instant::now() + self.upgrade_confirm;
        let mut last: String;
        loop {
            let probe = self.prober.probe(node).await;
            match (&probe.answer, probe.version.as_deref()) {
                (Answer::Answering, Some(v)) => match v.parse::<Version>() {
                    Ok(v) if &v == want => return Ok(probe),
                    _ => last = format!("it reports version {v}"),
                },
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
                return Err(Error::new(
                    wnm_core::ErrorKind::Timeout,
                    format!(
                        "{} did not come back as {want} within {:?} ({last})",
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

/// Where the old binary is kept during an upgrade.
pub fn backup_path(binary: &str) -> PathBuf {
    PathBuf::from(format!("{binary}.wnm-previous"))
}
