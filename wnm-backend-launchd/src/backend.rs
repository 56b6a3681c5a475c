//! `LaunchdBackend`: the `wnm_core::Backend` for `launchd+user` and `launchd+sudo`: lays nodes out
//! (dirs, binary copy, plist), drives them with launchctl (`load -w` starts, `unload -w` stops,
//! `kickstart -k` restarts, `list LABEL` tells a node's state), upgrades the binary in place, and
//! finds existing plists (their states from one `list` table). It never touches the firewall: the executor opens and closes node ports.
//!
//! `create` writes the plist without loading it (a loaded job with `RunAtLoad` would start at
//! once); `start` rewrites it from the current settings when the job is not loaded, so a changed
//! `start_args` or `environment` reaches the node at its next start.
use crate::config::LaunchdConfig;
use crate::discover::{DiscoverContext, node_from_plist};
use crate::error::{check, failed};
use crate::fs::{PLIST_MODE, Privilege, PrivilegedFs, install_executable, node_fs};
use crate::parse::{ListAnswer, TableEntry, list_answer, parse_list_table, parse_plist};
use crate::plist::{PlistSpec, label, parse_plist_file_name};
use async_trait::async_trait;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wnm_core::node::NodeDefaults;
use wnm_core::profile::line_by_name;
use wnm_core::{
    Backend, BackendContext, Capabilities, CommandSpec, Error, ErrorKind, IdAllocation,
    LaunchOptions, Machine, ManagerMode, Node, NodeLine, NodeStatus, ProcessManager, ProcessState,
    Result, Runner, Signal, UnixTime, kept_binary_path,
};

/// The launchd backend.
pub struct LaunchdBackend {
    cfg: LaunchdConfig,
    machine: Machine,
    runner: Arc<dyn Runner>,
    line: Arc<dyn NodeLine>,
    fs: PrivilegedFs,
    users_found: Mutex<Vec<String>>,
}

impl std::fmt::Debug for LaunchdBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchdBackend")
            .field("cfg", &self.cfg)
            .finish()
    }
}

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as UnixTime)
        .unwrap_or(0)
}

/// When a node was created, as its root dir tells (creation time, else modification time).
fn dir_age(p: &Path) -> Option<UnixTime> {
    let m = std::fs::metadata(p).ok()?;
    let t = m.created().or_else(|_| m.modified()).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as UnixTime)
}

/// An absolute path without `.`/`..` parts that is not `/`.
fn clean_absolute(p: &str) -> bool {
    let p = Path::new(p);
    p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        && p.components().count() > 1
}

/// A node dir wnm may delete: absolute, no `..`, not `/`, and its last component is the node's
/// service name (as every layout of wnm, the Python wnm, anm and antctl has it).
pub fn safe_to_delete(path: &str, service_name: &str) -> bool {
    clean_absolute(path)
        && Path::new(path)
            .file_name()
            .is_some_and(|f| f == service_name)
}

/// Refuse a node whose name, id or paths could make the backend touch what is not its own.
pub fn validate_node(node: &Node) -> Result<()> {
    match wnm_core::parse_service_name(&node.service_name) {
        Ok(id) if id == node.id && node.service_name.starts_with("antnode") => {}
        _ => {
            return Err(Error::invalid_config(format!(
                "node {} has service name {:?}; the launchd backend manages antnodeNNNN nodes whose number is their id",
                node.id, node.service_name
            )));
        }
    }
    for (what, p) in [
        ("root dir", &node.root_dir),
        ("log dir", &node.log_dir),
        ("binary", &node.binary),
    ] {
        if !clean_absolute(p) {
            return Err(Error::invalid_config(format!(
                "{}: its {what} {p:?} must be an absolute path without `..` and must not be /",
                node.service_name
            )));
        }
    }
    Ok(())
}

impl LaunchdBackend {
    /// A backend for `ctx` (settings resolved by [`LaunchdConfig::from_context`]); refused with
    /// `InvalidConfig` on a host without launchd.
    pub fn new(ctx: &BackendContext) -> Result<Self> {
        Ok(Self::with_config(ctx, LaunchdConfig::from_context(ctx)?))
    }

    /// A backend for `ctx` with explicit settings (tests, or a caller that resolved them).
    pub fn with_config(ctx: &BackendContext, cfg: LaunchdConfig) -> Self {
        LaunchdBackend {
            fs: node_fs(cfg.privilege, ctx.runner.clone()),
            cfg,
            machine: ctx.machine.clone(),
            runner: ctx.runner.clone(),
            line: ctx.line.clone(),
            users_found: Mutex::new(Vec::new()),
        }
    }

    /// The resolved settings.
    pub fn config(&self) -> &LaunchdConfig {
        &self.cfg
    }

    fn line_for(&self, node: &Node) -> Arc<dyn NodeLine> {
        if node.line.is_empty() || node.line == self.line.name() {
            return self.line.clone();
        }
        line_by_name(&node.line).unwrap_or_else(|| self.line.clone())
    }

    /// `node` with what the backend decides filled in where empty: root dir
    /// (`node_storage/antnodeNNNN`), log dir (`log_base/antnodeNNNN`), binary, user.
    pub fn complete_node(&self, node: &Node) -> Node {
        node.completed(&NodeDefaults {
            node_storage: &self.cfg.node_storage,
            log_base: &self.cfg.log_base,
            binary_name: self.line_for(node).binary_name(),
            user: &self.cfg.node_user,
        })
    }

    /// Where `node`'s plist is.
    pub fn plist_path(&self, node: &Node) -> PathBuf {
        self.cfg.plist_path(node.id)
    }

    /// The plist of `node` as this backend writes it.
    pub fn plist_spec(&self, node: &Node) -> Result<PlistSpec> {
        let line = self.line_for(node);
        let user = self.cfg.sets_user_name().then_some(node.user.as_str());
        PlistSpec::for_node(
            node,
            line.as_ref(),
            &LaunchOptions::from_machine(&self.machine),
            &self.cfg.environment,
            user,
        )
    }

    async fn run_checked(&self, cmd: &CommandSpec, what: &str) -> Result<()> {
        let out = self.runner.run(cmd).await?;
        check(cmd, &out, what)
    }

    /// What `launchctl list` says of node `node`'s job.
    pub async fn list(&self, node: &Node) -> Result<ListAnswer> {
        let cmd = self.cfg.launchctl.list(&label(node.id));
        let out = self.runner.run(&cmd).await?;
        match list_answer(&out) {
            Some(answer) => answer,
            None => Err(failed(
                &cmd,
                &out,
                &format!("asking launchd about {}", node.service_name),
            )),
        }
    }

    /// Every job of the domain, from one `launchctl list`.
    pub async fn list_table(&self) -> Result<Vec<TableEntry>> {
        let cmd = self.cfg.launchctl.list_all();
        let out = self.runner.run(&cmd).await?;
        check(&cmd, &out, "asking launchd for its jobs")?;
        parse_list_table(&out.stdout)
    }

    async fn write_plist(&self, node: &Node) -> Result<()> {
        let text = self.plist_spec(node)?.render();
        self.fs.create_dir_all(&self.cfg.plist_dir).await?;
        self.fs
            .write_atomic(&self.plist_path(node), &text, PLIST_MODE)
            .await?;
        Ok(())
    }

    /// `load -w` the job, then make sure launchd has it: `launchctl load` reports many failures
    /// on stderr with exit code 0, so the answer is `list`, not the exit code.
    async fn load(&self, node: &Node) -> Result<()> {
        let plist = self.plist_path(node).display().to_string();
        let cmd = self.cfg.launchctl.load(&plist);
        let out = self.runner.run(&cmd).await?;
        match self.list(node).await? {
            ListAnswer::Loaded(_) => Ok(()),
            ListAnswer::NotLoaded => Err(Error::backend(format!(
                "starting {}: `{}` (exit {:?}) did not load the job: {}",
                node.service_name,
                cmd.display(),
                out.code,
                crate::error::detail(&out)
            ))),
        }
    }

    async fn wait_gone(&self, pid: u32, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if !self.runner.is_alive(pid) {
                return true;
            }
            if start.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(self.cfg.poll_interval).await;
        }
    }

    async fn kill(&self, pid: u32) -> Result<()> {
        match self.cfg.privilege {
            Privilege::Direct => self.runner.signal(pid, Signal::Kill),
            Privilege::Sudo => {
                let cmd = CommandSpec::new("sudo", ["-n", "kill", "-9", &pid.to_string()]);
                let out = self.runner.run(&cmd).await?;
                if out.success() || !self.runner.is_alive(pid) {
                    Ok(())
                } else {
                    Err(failed(&cmd, &out, &format!("killing pid {pid}")))
                }
            }
        }
    }

    /// Unload the job (by its plist, or by label when the plist is gone) and wait until its
    /// process `pid` has exited; SIGKILL it when launchd has not ended it in time.
    async fn unload(&self, node: &Node, pid: Option<u32>) -> Result<()> {
        let plist = self.plist_path(node);
        let cmd = if plist.is_file() {
            self.cfg.launchctl.unload(&plist.display().to_string())
        } else {
            self.cfg.launchctl.remove(&label(node.id))
        };
        let out = self.runner.run(&cmd).await?;
        if !out.success() && self.list(node).await? != ListAnswer::NotLoaded {
            return Err(failed(
                &cmd,
                &out,
                &format!("stopping {}", node.service_name),
            ));
        }
        let Some(pid) = pid else {
            return Ok(());
        };
        if self.wait_gone(pid, self.cfg.stop_wait).await {
            return Ok(());
        }
        tracing::warn!(node = %node.service_name, pid, "still running {:?} after unload; sending SIGKILL", self.cfg.stop_wait);
        self.kill(pid).await?;
        if self.wait_gone(pid, self.cfg.kill_wait).await {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "{} (pid {pid}) is still alive after SIGKILL; check the process by hand",
                    node.service_name
                ),
            ))
        }
    }

    /// In sudo mode the node user must exist before launchd can run a job as it. Asked once
    /// per user and backend (`id -u USER`): a user found stays found for the run.
    async fn check_user(&self, user: &str) -> Result<()> {
        let known = |u: &str| {
            self.users_found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|k| k == u)
        };
        if known(user) {
            return Ok(());
        }
        let cmd = CommandSpec::new("id", ["-u", user]);
        let out = self.runner.run(&cmd).await?;
        if out.success() {
            if !known(user) {
                self.users_found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(user.to_string());
            }
            return Ok(());
        }
        Err(Error::not_found(format!(
            "user {user}, whom launchd+sudo nodes run as, does not exist; create it first (e.g. `sudo sysadminctl -addUser {user}`)"
        )))
    }

    async fn give_to_node_user(&self, node: &Node, paths: &[&Path]) -> Result<()> {
        if self.cfg.manager.mode() == ManagerMode::Sudo {
            self.fs.chown_recursive(paths, &node.user, None).await?;
        }
        Ok(())
    }

    async fn remove_node_dir(&self, path: &str, node: &Node, what: &str) -> Result<()> {
        if path.is_empty() {
            return Ok(());
        }
        if !safe_to_delete(path, &node.service_name) {
            tracing::warn!(node = %node.service_name, "not deleting {what} {path:?}: it is not a directory of this node");
            return Ok(());
        }
        self.fs.remove_dir_all(path).await
    }

    fn discover_context(&self) -> DiscoverContext {
        DiscoverContext {
            manager: self.cfg.manager.clone(),
            machine: self.machine.clone(),
            default_user: self.cfg.node_user.clone(),
            node_storage: self.cfg.node_storage.clone(),
            log_base: self.cfg.log_base.clone(),
            now: now(),
        }
    }
}

#[async_trait]
impl Backend for LaunchdBackend {
    fn kind(&self) -> &str {
        ProcessManager::LAUNCHD
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User, ManagerMode::Sudo])
            .with_id_allocation(IdAllocation::FillHoles)
            .with_upgrade(true)
            .with_discover(true)
            .with_survives_reboot(true)
    }

    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node> {
        let node = self.complete_node(node);
        validate_node(&node)?;
        if self.cfg.manager.mode() == ManagerMode::Sudo {
            self.check_user(&node.user).await?;
        }
        let (root, logs, binary) = (
            Path::new(&node.root_dir),
            Path::new(&node.log_dir),
            Path::new(&node.binary),
        );
        self.fs.create_dir_all(root).await?;
        self.fs.create_dir_all(logs).await?;
        install_executable(&self.fs, source_binary, binary).await?;
        self.give_to_node_user(&node, &[root, logs]).await?;
        self.write_plist(&node).await?;
        Ok(node)
    }

    async fn start(&self, node: &Node) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
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
        match self.list(node).await? {
            ListAnswer::Loaded(e) if e.running() => Ok(()),
            // Loaded without a process (exited, KeepAlive throttled): start it now.
            ListAnswer::Loaded(_) => {
                self.run_checked(
                    &self.cfg.launchctl.kickstart(&label(node.id)),
                    &format!("starting {}", node.service_name),
                )
                .await
            }
            ListAnswer::NotLoaded => {
                // launchd opens StandardOutPath itself but creates no directory for it.
                self.fs.create_dir_all(Path::new(&node.log_dir)).await?;
                self.write_plist(node).await?;
                self.load(node).await?;
                tracing::info!(node = %node.service_name, "loaded");
                Ok(())
            }
        }
    }

    async fn stop(&self, node: &Node) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        match self.list(node).await? {
            ListAnswer::NotLoaded => Ok(()),
            ListAnswer::Loaded(e) => self.unload(node, e.pid).await,
        }
    }

    async fn restart(&self, node: &Node) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        match self.list(node).await? {
            ListAnswer::Loaded(_) => {
                self.run_checked(
                    &self.cfg.launchctl.kickstart(&label(node.id)),
                    &format!("restarting {}", node.service_name),
                )
                .await
            }
            ListAnswer::NotLoaded => self.start(node).await,
        }
    }

    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        if !Path::new(&node.root_dir).is_dir() {
            return Err(Error::not_found(format!(
                "cannot upgrade {}: its root dir {} is gone",
                node.service_name, node.root_dir
            )));
        }
        let binary = Path::new(&node.binary);
        install_executable(&self.fs, source_binary, binary).await?;
        self.give_to_node_user(node, &[binary]).await
    }

    async fn keep_binary(&self, node: &Node) -> Result<Option<PathBuf>> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        let binary = Path::new(&node.binary);
        if !binary.is_file() {
            return Ok(None);
        }
        let kept = kept_binary_path(node);
        install_executable(&self.fs, binary, &kept).await?;
        self.give_to_node_user(node, &[&kept]).await?;
        Ok(Some(kept))
    }

    async fn discard_kept_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        if kept != kept_binary_path(node) {
            return Err(Error::invalid_config(format!(
                "{}: {} is not the copy wnm keeps of its binary; not deleting it",
                node.service_name,
                kept.display()
            )));
        }
        self.fs.remove_file(kept).await.map(|_| ())
    }

    async fn remove(&self, node: &Node) -> Result<()> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        self.stop(node).await?;
        self.fs.remove_file(&self.plist_path(node)).await?;
        self.remove_node_dir(&node.root_dir, node, "root dir")
            .await?;
        self.remove_node_dir(&node.log_dir, node, "log dir").await
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        let node = &self.complete_node(node);
        validate_node(node)?;
        let state = match self.list(node).await? {
            ListAnswer::Loaded(e) => match e.pid {
                Some(pid) => return Ok(ProcessState::Running { pid: Some(pid) }),
                None => ProcessState::Stopped,
            },
            ListAnswer::NotLoaded if !self.plist_path(node).is_file() => ProcessState::Missing,
            ListAnswer::NotLoaded => ProcessState::Stopped,
        };
        if !Path::new(&node.root_dir).is_dir() {
            return Ok(ProcessState::Missing);
        }
        Ok(state)
    }

    async fn discover(&self) -> Result<Vec<Node>> {
        let dir = &self.cfg.plist_dir;
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
        };
        let ctx = self.discover_context();
        let mut nodes = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(id) = parse_plist_file_name(&name) else {
                continue;
            };
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| Error::io(format!("reading {}", entry.path().display()), e))?;
            let node = parse_plist(&text).and_then(|spec| {
                if spec.label != label(id) {
                    return Err(Error::invalid_config(format!(
                        "its Label {:?} does not match the file name",
                        spec.label
                    )));
                }
                node_from_plist(&spec, &ctx)
            });
            match node {
                Ok(n) => nodes.push(n),
                Err(e) => tracing::warn!("skipping {}: {e}", entry.path().display()),
            }
        }
        nodes.sort_by_key(|n| n.id);
        // One `launchctl list` table for every job, not one `list LABEL` per plist.
        let table = if nodes.is_empty() {
            Vec::new()
        } else {
            self.list_table().await?
        };
        for n in &mut nodes {
            let root = PathBuf::from(&n.root_dir);
            let running = table
                .iter()
                .any(|e| e.label == label(n.id) && e.pid.is_some());
            n.status = if !root.is_dir() {
                NodeStatus::Dead
            } else if running {
                NodeStatus::Running
            } else {
                NodeStatus::Stopped
            };
            if let Some(t) = dir_age(&root) {
                n.created_at = t;
            }
        }
        Ok(nodes)
    }
}
