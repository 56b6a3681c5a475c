//! `SetsidBackend`: nodes as detached processes in their own session, tracked by pid files.
use crate::command::{RunAs, node_command, node_environment};
use crate::config::SetsidConfig;
use crate::discover::{LiveProcess, rebuild_node};
use crate::fsops::{ensure_dir, install_binary, remove_tree};
use crate::layout::{is_node_dir_name, is_strictly_inside, validate_node};
use crate::pidfile::{PID_FILE, pid_belongs, read_pid, remove_pid, write_pid};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wnm_core::profile::line_by_name;
use wnm_core::{
    Backend, BackendContext, Capabilities, CommandSpec, Error, ErrorKind, IdAllocation,
    ManagerMode, Node, NodeLine, ProcessState, Result, Runner, Signal, kept_binary_path,
};

/// How long `stop` waits for a node to vanish after SIGKILL before giving up.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// The setsid backend (`setsid+user`, `setsid+sudo`).
pub struct SetsidBackend {
    cfg: SetsidConfig,
    runner: Arc<dyn Runner>,
    line: Arc<dyn NodeLine>,
}

fn epoch_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl SetsidBackend {
    /// A backend from explicit parts (tests tune `cfg`, e.g. a short `stop_grace`).
    ///
    /// There is no firewall here: the executor opens and closes node ports around
    /// start/stop/remove itself, for every backend.
    pub fn new(cfg: SetsidConfig, runner: Arc<dyn Runner>, line: Arc<dyn NodeLine>) -> Self {
        SetsidBackend { cfg, runner, line }
    }

    /// The backend the registry builds for `ctx`.
    pub fn from_context(ctx: &BackendContext) -> Result<Self> {
        Ok(SetsidBackend::new(
            SetsidConfig::from_context(ctx)?,
            ctx.runner.clone(),
            ctx.line.clone(),
        ))
    }

    /// The resolved settings.
    pub fn config(&self) -> &SetsidConfig {
        &self.cfg
    }

    /// The command `start` would spawn for `node` (for dry runs and tests).
    pub fn launch_command(&self, node: &Node) -> Result<CommandSpec> {
        let line = self.line_of(node);
        let env = node_environment(&self.cfg.environment, node)?;
        Ok(node_command(
            node,
            line.as_ref(),
            &self.cfg.launch,
            &env,
            &self.cfg.run_as,
        ))
    }

    fn line_of(&self, node: &Node) -> Arc<dyn NodeLine> {
        if node.line.is_empty() || node.line == self.line.name() {
            return self.line.clone();
        }
        line_by_name(&node.line).unwrap_or_else(|| self.line.clone())
    }

    fn pid_path(node: &Node) -> PathBuf {
        Path::new(&node.root_dir).join(PID_FILE)
    }

    /// Live pids of the node in `root_dir` running `binary`: from `node.pid`, then the line's own
    /// pid file, each checked to be alive (not a zombie) and to name this node on its command line.
    fn live_pids_at(&self, line: &dyn NodeLine, root_dir: &str, binary: &str) -> Vec<u32> {
        let root = Path::new(root_dir);
        let mut files = vec![root.join(PID_FILE)];
        if let Some(own) = line.pid_file() {
            files.push(root.join(own));
        }
        let mut pids = Vec::new();
        for f in files {
            if let Some(pid) = read_pid(&f)
                && !pids.contains(&pid)
                && self.runner.is_alive(pid)
                && pid_belongs(pid, binary, root_dir)
            {
                pids.push(pid);
            }
        }
        pids
    }

    fn live_pids(&self, node: &Node) -> Vec<u32> {
        self.live_pids_at(self.line_of(node).as_ref(), &node.root_dir, &node.binary)
    }

    async fn send(&self, pid: u32, signal: Signal) -> Result<()> {
        let err = match self.runner.signal(pid, signal) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let RunAs::Sudo { user } = &self.cfg.run_as else {
            return Err(err);
        };
        // Not root: the node belongs to the node user, who may signal it through sudo.
        let sig = match signal {
            Signal::Term => "TERM",
            Signal::Kill => "KILL",
        };
        let spec = CommandSpec::new(
            "sudo",
            [
                "-n",
                "-u",
                user.as_str(),
                "--",
                "kill",
                "-s",
                sig,
                &pid.to_string(),
            ],
        );
        let out = self.runner.run(&spec).await?;
        if out.success() || !self.runner.is_alive(pid) {
            Ok(())
        } else {
            Err(Error::backend(format!(
                "{err}; `{}` failed too: {}",
                spec.display(),
                out.stderr.trim()
            )))
        }
    }

    async fn wait_gone(&self, pids: &[u32], limit: Duration) -> Vec<u32> {
        let start = Instant::now();
        loop {
            let left: Vec<u32> = pids
                .iter()
                .copied()
                .filter(|p| self.runner.is_alive(*p))
                .collect();
            if left.is_empty() || start.elapsed() >= limit {
                return left;
            }
            tokio::time::sleep(self.cfg.poll_interval).await;
        }
    }

    fn check_removable(&self, node: &Node) -> Result<()> {
        let root = Path::new(&node.root_dir);
        if !is_strictly_inside(&self.cfg.node_storage, root) {
            return Err(Error::invalid_config(format!(
                "refusing to delete {}: it is not inside node_storage {}",
                node.root_dir,
                self.cfg.node_storage.display()
            )));
        }
        let logs = Path::new(&node.log_dir);
        if !is_strictly_inside(&self.cfg.log_base, logs)
            && !is_strictly_inside(&self.cfg.node_storage, logs)
        {
            return Err(Error::invalid_config(format!(
                "refusing to delete {}: it is not inside the log base {} nor node_storage",
                node.log_dir,
                self.cfg.log_base.display()
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for SetsidBackend {
    fn kind(&self) -> &str {
        wnm_core::ProcessManager::SETSID
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User, ManagerMode::Sudo])
            .with_id_allocation(IdAllocation::FillHoles)
            .with_upgrade(true)
            .with_discover(true)
    }

    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node> {
        validate_node(node)?;
        ensure_dir(Path::new(&node.root_dir), self.cfg.owner)?;
        ensure_dir(Path::new(&node.log_dir), self.cfg.owner)?;
        install_binary(source_binary, Path::new(&node.binary), self.cfg.owner)?;
        let mut created = node.clone();
        if created.user.is_empty() {
            created.user = self.cfg.node_user.clone();
        }
        Ok(created)
    }

    async fn start(&self, node: &Node) -> Result<()> {
        validate_node(node)?;
        if !self.live_pids(node).is_empty() {
            return Ok(());
        }
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
        ensure_dir(Path::new(&node.log_dir), self.cfg.owner)?;
        let spec = self.launch_command(node)?;
        let pid = self.runner.spawn_detached(&spec).await.map_err(|e| {
            Error::new(
                e.kind(),
                format!("starting {}: {}", node.service_name, e.message()),
            )
            .with_source(e)
        })?;
        write_pid(&Self::pid_path(node), pid)?;
        tracing::info!(node = %node.service_name, pid, "started");
        Ok(())
    }

    async fn stop(&self, node: &Node) -> Result<()> {
        validate_node(node)?;
        let pids = self.live_pids(node);
        for pid in &pids {
            self.send(*pid, Signal::Term).await?;
        }
        let left = self.wait_gone(&pids, self.cfg.stop_grace).await;
        if !left.is_empty() {
            tracing::warn!(node = %node.service_name, ?left, "still running after SIGTERM; sending SIGKILL");
            for pid in &left {
                self.send(*pid, Signal::Kill).await?;
            }
            let stuck = self.wait_gone(&left, KILL_WAIT).await;
            if !stuck.is_empty() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{} (pid {stuck:?}) is still alive after SIGKILL; check the process by hand",
                        node.service_name
                    ),
                ));
            }
        }
        remove_pid(&Self::pid_path(node))
    }

    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        validate_node(node)?;
        if !Path::new(&node.root_dir).is_dir() {
            return Err(Error::not_found(format!(
                "cannot upgrade {}: its root dir {} is gone",
                node.service_name, node.root_dir
            )));
        }
        install_binary(source_binary, Path::new(&node.binary), self.cfg.owner)?;
        Ok(())
    }

    async fn keep_binary(&self, node: &Node) -> Result<Option<PathBuf>> {
        validate_node(node)?;
        let binary = Path::new(&node.binary);
        if !binary.is_file() {
            return Ok(None);
        }
        let kept = kept_binary_path(node);
        install_binary(binary, &kept, self.cfg.owner)?;
        Ok(Some(kept))
    }

    async fn discard_kept_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        validate_node(node)?;
        if kept != kept_binary_path(node) {
            return Err(Error::invalid_config(format!(
                "{}: {} is not the copy wnm keeps of its binary; not deleting it",
                node.service_name,
                kept.display()
            )));
        }
        match std::fs::remove_file(kept) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("deleting {}", kept.display()), e)),
        }
    }

    async fn remove(&self, node: &Node) -> Result<()> {
        validate_node(node)?;
        self.check_removable(node)?;
        self.stop(node).await?;
        remove_tree(Path::new(&node.root_dir))?;
        remove_tree(Path::new(&node.log_dir))
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        validate_node(node)?;
        if !Path::new(&node.root_dir).is_dir() {
            return Ok(ProcessState::Missing);
        }
        Ok(match self.live_pids(node).first() {
            Some(pid) => ProcessState::Running { pid: Some(*pid) },
            None => ProcessState::Stopped,
        })
    }

    async fn discover(&self) -> Result<Vec<Node>> {
        let storage = &self.cfg.node_storage;
        let entries = match std::fs::read_dir(storage) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(Error::io(
                    format!("reading node_storage {}", storage.display()),
                    e,
                ));
            }
        };
        let now = epoch_secs(SystemTime::now());
        let line = self.line.as_ref();
        let mut nodes = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("reading {}", storage.display()), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_node_dir_name(&name) || !entry.path().is_dir() {
                continue;
            }
            let Ok(id) = wnm_core::parse_service_name(&name) else {
                continue;
            };
            let root = entry.path();
            let root_s = root.to_string_lossy().into_owned();
            let binary = root.join(line.binary_name()).to_string_lossy().into_owned();
            let live = self
                .live_pids_at(line, &root_s, &binary)
                .first()
                .map(|pid| LiveProcess {
                    pid: *pid,
                    // Empty without /proc: the layout and port bases fill in.
                    cmdline: wnm_runner::proc::cmdline(*pid).unwrap_or_default(),
                });
            let created_at = entry
                .metadata()
                .ok()
                .and_then(|m| m.created().or_else(|_| m.modified()).ok())
                .map(epoch_secs)
                .unwrap_or(now);
            let mut node =
                rebuild_node(&self.cfg, line, id, &root, live.as_ref(), created_at, now)?;
            // A node dir may hold its own name (antctl's antnode1 rather than antnode0001).
            node.service_name = name;
            nodes.push(node);
        }
        nodes.sort_by_key(|n| n.id);
        Ok(nodes)
    }
}
