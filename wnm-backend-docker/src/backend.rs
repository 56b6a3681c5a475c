//! `DockerBackend`: nodes as processes in "pod" containers, up to `max_node_per_container` per
//! pod, each pod's PID 1 a supervisor that follows the desired-state files wnm writes.
use crate::config::DockerConfig;
use crate::control::{
    Desired, FORMAT, NodeRecord, NodeState, RunState, Want, desired_path, next_seq, read_desired,
    read_state, remove_file, services_in, state_path, write_desired,
};
use crate::discover::{node_pid, rebuild_node};
use crate::engine::{Engine, PodProcess};
use crate::fsops::{ensure_dir, install_binary, is_strictly_inside, remove_tree};
use crate::pods::Pods;
use crate::spec::{choose_pod, node_launch, validate_node};
use async_trait::async_trait;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wnm_core::profile::{line_by_name, node_environment};
use wnm_core::{
    Backend, BackendContext, Capabilities, ContainerInfo, Error, ErrorKind, IdAllocation,
    ManagerMode, Node, NodeLine, NodeStatus, ProcessState, Result,
};

/// The docker backend (`docker+user`, `docker+sudo`).
pub struct DockerBackend {
    cfg: DockerConfig,
    pods: Pods,
    line: Arc<dyn NodeLine>,
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn epoch_secs() -> i64 {
    i64::try_from(now_nanos() / 1_000_000_000).unwrap_or(i64::MAX)
}

impl DockerBackend {
    /// A backend from explicit parts (tests tune `cfg`: the supervisor binary, timings).
    pub fn new(cfg: DockerConfig, line: Arc<dyn NodeLine>) -> Self {
        DockerBackend {
            pods: Pods::new(cfg.clone(), Engine::new()),
            cfg,
            line,
        }
    }

    /// The backend the registry builds for `ctx`.
    pub fn from_context(ctx: &BackendContext) -> Result<Self> {
        Ok(DockerBackend::new(
            DockerConfig::from_context(ctx)?,
            ctx.line.clone(),
        ))
    }

    /// The colony's pods.
    pub fn pods(&self) -> &Pods {
        &self.pods
    }

    fn line_of(&self, node: &Node) -> Arc<dyn NodeLine> {
        if node.line.is_empty() || node.line == self.line.name() {
            return self.line.clone();
        }
        line_by_name(&node.line).unwrap_or_else(|| self.line.clone())
    }

    /// The desired-state file `node` gets when it is to be `want`, after `previous`.
    pub fn desired_for(
        &self,
        node: &Node,
        want: Want,
        previous: Option<&Desired>,
    ) -> Result<Desired> {
        let env = node_environment(&self.cfg.environment, node)?;
        let line = self.line_of(node);
        Ok(Desired {
            format: FORMAT,
            seq: next_seq(previous.map_or(0, |d| d.seq), now_nanos()),
            want,
            launch: node_launch(node, line.as_ref(), &self.cfg.launch, env),
            node: NodeRecord::of(node),
        })
    }

    /// Pod `n` running: a pod seen running a moment ago (the cached list) is trusted, since
    /// adds and starts come in batches; otherwise it is made and started.
    async fn pod_up(&self, n: u32) -> Result<()> {
        let up = self
            .pods
            .container(n, false)
            .await?
            .is_some_and(|p| p.running());
        if !up {
            self.pods.ensure_running(n).await?;
        }
        Ok(())
    }

    fn pod_of_required(&self, node: &Node, doing: &str) -> Result<u32> {
        self.pods.pod_of(&node.service_name)?.ok_or_else(|| {
            Error::not_found(format!(
                "cannot {doing} {}: no pod holds it (no {}.json under {}); remove the node and add a new one",
                node.service_name,
                node.service_name,
                self.cfg.control_base.display()
            ))
        })
    }

    /// Write `node`'s desired-state file in pod `n` asking for `want` (`None`: what the file
    /// asked before, stopped for a new one); returns the request's seq.
    fn request(&self, node: &Node, n: u32, want: Option<Want>) -> Result<u64> {
        let path = desired_path(&self.cfg.control_dir(n), &node.service_name);
        let previous = read_desired(&path).ok().flatten();
        let want = want.unwrap_or_else(|| previous.as_ref().map_or(Want::Stopped, |d| d.want));
        let d = self.desired_for(node, want, previous.as_ref())?;
        write_desired(&path, &d)?;
        Ok(d.seq)
    }

    fn state(&self, node: &Node, n: u32) -> Option<NodeState> {
        read_state(&state_path(&self.cfg.control_dir(n), &node.service_name))
            .ok()
            .flatten()
    }

    /// Wait until pod `n`'s supervisor reports `node` as `done` for request `seq` and docker
    /// sees its process (or not, for a stop) the same way. On success the pod's process list
    /// just read stays cached (it shows the change); after a failure it is dropped. Other pods'
    /// answers and the container list are kept: nothing changed there.
    async fn wait_for(
        &self,
        node: &Node,
        n: u32,
        seq: u64,
        want: Want,
        limit: Duration,
    ) -> Result<()> {
        let r = self.wait_for_state(node, n, seq, want, limit).await;
        if r.is_err() {
            self.pods.forget_processes(n);
        }
        r
    }

    async fn wait_for_state(
        &self,
        node: &Node,
        n: u32,
        seq: u64,
        want: Want,
        limit: Duration,
    ) -> Result<()> {
        let start = Instant::now();
        let mut last: Option<NodeState> = None;
        loop {
            if let Some(s) = self.state(node, n).filter(|s| s.seq >= seq) {
                match (want, s.state) {
                    (Want::Running, RunState::Running) | (Want::Stopped, RunState::Stopped) => {
                        let procs = self.pods.processes(n, true).await?;
                        let seen = node_pid(&procs, &node.root_dir).is_some();
                        if seen == (want == Want::Running) {
                            return Ok(());
                        }
                    }
                    (Want::Running, RunState::Failed | RunState::Backoff) => {
                        return Err(self.start_failed(node, &s));
                    }
                    _ => {}
                }
                last = Some(s);
            }
            if start.elapsed() >= limit {
                let what = match want {
                    Want::Running => "start",
                    Want::Stopped => "stop",
                };
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{} did not {what} within {} s (its pod {} reports {}); see `docker logs {}` and {}",
                        node.service_name,
                        limit.as_secs(),
                        n,
                        last.map_or("nothing".to_string(), |s| format!("{:?}", s.state)
                            .to_lowercase()),
                        crate::spec::pod_name(&self.cfg.colony, n),
                        node.log_dir
                    ),
                ));
            }
            tokio::time::sleep(self.cfg.poll_interval).await;
        }
    }

    fn start_failed(&self, node: &Node, s: &NodeState) -> Error {
        let why = s
            .error
            .clone()
            .or_else(|| {
                s.last_exit
                    .as_ref()
                    .map(|e| format!("it exited at once ({e})"))
            })
            .unwrap_or_else(|| "it exited at once".to_string());
        Error::backend(format!(
            "starting {}: {why}; see {}",
            node.service_name,
            Path::new(&node.log_dir)
                .join(crate::spec::STDERR_FILE)
                .display()
        ))
    }

    fn lay_out(&self, node: &Node, source_binary: &Path) -> Result<()> {
        let owner = self.cfg.owner;
        ensure_dir(Path::new(&node.root_dir), owner)?;
        ensure_dir(Path::new(&node.log_dir), owner)?;
        install_binary(source_binary, Path::new(&node.binary), owner)?;
        Ok(())
    }

    fn delete_files(&self, node: &Node, n: Option<u32>) -> Result<()> {
        if let Some(n) = n {
            let dir = self.cfg.control_dir(n);
            remove_file(&desired_path(&dir, &node.service_name))?;
            remove_file(&state_path(&dir, &node.service_name))?;
        }
        remove_tree(Path::new(&node.root_dir))?;
        remove_tree(Path::new(&node.log_dir))
    }

    /// Every node recorded in the control dirs: (pod, desired file).
    fn recorded(&self) -> Result<Vec<(u32, Desired)>> {
        let mut out = Vec::new();
        for n in self.pods.pod_dirs()? {
            let dir = self.cfg.control_dir(n);
            for s in services_in(&dir)? {
                match read_desired(&desired_path(&dir, &s)) {
                    Ok(Some(d)) => out.push((n, d)),
                    Ok(None) => {}
                    Err(e) => tracing::warn!("{e}; skipped"),
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Backend for DockerBackend {
    fn kind(&self) -> &str {
        wnm_core::ProcessManager::DOCKER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User, ManagerMode::Sudo])
            .with_id_allocation(IdAllocation::FillHoles)
            .with_upgrade(true)
            .with_discover(true)
            .with_survives_reboot(true)
            .with_multi_node_containers(true)
    }

    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node> {
        validate_node(&self.cfg, node)?;
        let n = match self.pods.pod_of(&node.service_name)? {
            Some(n) => n,
            None => {
                let loads = self.pods.loads().await?;
                choose_pod(&loads, self.cfg.max_per_pod, self.cfg.min_pods)
            }
        };
        // The pod first: a missing image or an engine that does not answer changes no file.
        self.pod_up(n).await?;
        self.lay_out(node, source_binary)?;
        let mut created = node.clone();
        if created.user.is_empty() {
            created.user = self.cfg.user.name.clone();
        }
        self.request(&created, n, None)?;
        tracing::info!(node = %node.service_name, pod = n, "created");
        Ok(created)
    }

    async fn start(&self, node: &Node) -> Result<()> {
        validate_node(&self.cfg, node)?;
        let n = self.pod_of_required(node, "start")?;
        if !Path::new(&node.root_dir).is_dir() {
            return Err(Error::not_found(format!(
                "cannot start {}: its root dir {} is gone; remove the node and add a new one",
                node.service_name, node.root_dir
            )));
        }
        if !Path::new(&node.binary).is_file() {
            return Err(Error::not_found(format!(
                "cannot start {}: its binary {} is missing; upgrade the node to put one back",
                node.service_name, node.binary
            )));
        }
        self.pod_up(n).await?;
        let seq = self.request(node, n, Some(Want::Running))?;
        self.wait_for(node, n, seq, Want::Running, self.cfg.start_timeout)
            .await?;
        tracing::info!(node = %node.service_name, pod = n, "started");
        Ok(())
    }

    async fn stop(&self, node: &Node) -> Result<()> {
        validate_node(&self.cfg, node)?;
        let Some(n) = self.pods.pod_of(&node.service_name)? else {
            return Ok(());
        };
        let seq = self.request(node, n, Some(Want::Stopped))?;
        let running = self
            .pods
            .container(n, false)
            .await?
            .is_some_and(|p| p.running());
        if running {
            let limit = self.cfg.stop_grace + Duration::from_secs(15);
            self.wait_for(node, n, seq, Want::Stopped, limit).await?;
        }
        Ok(())
    }

    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        validate_node(&self.cfg, node)?;
        if !Path::new(&node.root_dir).is_dir() {
            return Err(Error::not_found(format!(
                "cannot upgrade {}: its root dir {} is gone",
                node.service_name, node.root_dir
            )));
        }
        install_binary(source_binary, Path::new(&node.binary), self.cfg.owner)?;
        Ok(())
    }

    async fn remove(&self, node: &Node) -> Result<()> {
        validate_node(&self.cfg, node)?;
        self.stop(node).await?;
        let n = self.pods.pod_of(&node.service_name)?;
        self.delete_files(node, n)?;
        // The node is gone; a pod left empty goes when docker answers (next removal or teardown).
        if let Err(e) = self.pods.prune().await {
            tracing::warn!("{}: removed, but empty pods stay: {e}", node.service_name);
        }
        Ok(())
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        validate_node(&self.cfg, node)?;
        let Some(n) = self.pods.pod_of(&node.service_name)? else {
            return Ok(if Path::new(&node.root_dir).is_dir() {
                ProcessState::Stopped
            } else {
                ProcessState::Missing
            });
        };
        let running = self
            .pods
            .container(n, false)
            .await?
            .is_some_and(|p| p.running());
        if !running {
            return Ok(ProcessState::Stopped);
        }
        let procs = self.pods.processes(n, false).await?;
        Ok(match node_pid(&procs, &node.root_dir) {
            Some(pid) => ProcessState::Running { pid: Some(pid) },
            None => ProcessState::Stopped,
        })
    }

    async fn discover(&self) -> Result<Vec<Node>> {
        let now = epoch_secs();
        let containers = self.pods.containers(true).await?;
        // One `docker top` per running pod, however many nodes it holds.
        let mut procs: HashMap<u32, Vec<PodProcess>> = HashMap::new();
        let mut nodes = Vec::new();
        for (n, d) in self.recorded()? {
            let running = containers.iter().any(|p| p.number == n && p.running());
            let seen = match procs.entry(n) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) if running => e.insert(self.pods.processes(n, true).await?),
                Entry::Vacant(e) => e.insert(Vec::new()),
            };
            let status = if node_pid(seen, &d.node.root_dir).is_some() {
                NodeStatus::Running
            } else {
                NodeStatus::Stopped
            };
            let node = match rebuild_node(&self.cfg, &d, status, now) {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!("pod {n}: {e}; skipped");
                    continue;
                }
            };
            if validate_node(&self.cfg, &node).is_ok() {
                nodes.push(node);
            }
        }
        nodes.sort_by_key(|n| n.id);
        Ok(nodes)
    }

    async fn container_of(&self, node: &Node) -> Result<Option<ContainerInfo>> {
        let Some(n) = self.pods.pod_of(&node.service_name)? else {
            return Ok(None);
        };
        Ok(self
            .pods
            .container(n, false)
            .await?
            .map(|p| ContainerInfo::new(p.id, p.name, p.image, p.state, p.created)))
    }

    async fn flush(&self) -> Result<()> {
        self.pods.invalidate();
        Ok(())
    }

    /// Every pod of this colony is stopped (each supervisor stops its nodes; all pods at once,
    /// from one container list) and removed, then the files of the given nodes and of every
    /// node the control dirs name go, then the control dirs. Containers without this colony's
    /// label are never touched.
    async fn teardown(&self, nodes: &[Node]) -> Result<()> {
        for n in nodes {
            validate_node(&self.cfg, n)?;
        }
        let recorded = self.recorded()?;
        let containers = self.pods.containers(true).await?;
        let mut numbers: Vec<u32> = self.pods.pod_dirs()?;
        numbers.extend(containers.iter().map(|p| p.number));
        numbers.sort_unstable();
        numbers.dedup();
        self.pods.remove_containers(&containers).await?;
        let mut roots: Vec<(PathBuf, PathBuf)> = nodes
            .iter()
            .map(|n| (PathBuf::from(&n.root_dir), PathBuf::from(&n.log_dir)))
            .collect();
        for (_, d) in &recorded {
            let root = PathBuf::from(&d.node.root_dir);
            let log = PathBuf::from(&d.node.log_dir);
            // Only paths inside this colony's dirs (the files could have been edited).
            if is_strictly_inside(&self.cfg.node_storage, &root)
                && (is_strictly_inside(&self.cfg.log_base, &log)
                    || is_strictly_inside(&self.cfg.node_storage, &log))
            {
                roots.push((root, log));
            }
        }
        for (root, log) in roots {
            remove_tree(&root)?;
            remove_tree(&log)?;
        }
        for n in &numbers {
            remove_tree(&self.cfg.control_dir(*n))?;
        }
        let _ = std::fs::remove_dir(&self.cfg.control_base);
        self.pods.invalidate();
        Ok(())
    }
}
