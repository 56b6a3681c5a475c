//! `SystemdBackend`: the `wnm_core::Backend` for `systemd+user` and `systemd+sudo`: lays nodes out
//! (dirs, binary copy, unit), drives them with systemctl, keeps and restores a node's binary
//! around an upgrade (through sudo when the node dir is `ant`'s), and finds existing units. It never touches the firewall: the executor opens and
//! closes node ports, for every backend alike.
//!
//! `daemon-reload` runs once per batch: writing or deleting a unit only marks the backend dirty;
//! a start or restart reloads first if dirty (so a freshly written unit is never started from
//! systemd's stale copy), and [`Backend::flush`] reloads if still dirty at the end. The executor
//! lays out every new node of a cycle before it starts any, so k adds cost one reload, not k
//! (`tests/reload_batch.rs` counts them).
use crate::config::SystemdConfig;
use crate::error::check;
use crate::fs::{NodeFs, Privilege, UNIT_MODE};
use crate::parse::{ParseContext, UnitLocation, is_node_unit_name, parse_node_unit};
use crate::systemctl::{Systemctl, UnitState, parse_show};
use crate::unit::UnitSpec;
use crate::users::{lookup_user, useradd_command};
use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wnm_core::node::NodeDefaults;
use wnm_core::profile::line_by_name;
use wnm_core::{
    Backend, BackendContext, Capabilities, Error, IdAllocation, LaunchOptions, Machine,
    ManagerMode, Node, NodeLine, NodeStatus, ProcessManager, ProcessState, Result, Runner,
    UnixTime, kept_binary_path,
};

/// The systemd backend.
pub struct SystemdBackend {
    cfg: SystemdConfig,
    machine: Machine,
    runner: Arc<dyn Runner>,
    line: Arc<dyn NodeLine>,
    systemctl: Systemctl,
    fs: NodeFs,
    dirty: AtomicBool,
}

impl std::fmt::Debug for SystemdBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemdBackend")
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

impl SystemdBackend {
    /// A backend for `ctx` (settings resolved by [`SystemdConfig::from_context`]).
    pub fn new(ctx: &BackendContext) -> Result<Self> {
        Ok(Self::with_config(ctx, SystemdConfig::from_context(ctx)?))
    }

    /// A backend for `ctx` with explicit settings (tests, or a caller that resolved them).
    pub fn with_config(ctx: &BackendContext, cfg: SystemdConfig) -> Self {
        SystemdBackend {
            systemctl: cfg.systemctl(),
            fs: NodeFs::new(cfg.root.clone(), cfg.privilege, ctx.runner.clone()),
            cfg,
            machine: ctx.machine.clone(),
            runner: ctx.runner.clone(),
            line: ctx.line.clone(),
            dirty: AtomicBool::new(false),
        }
    }

    /// `kept` as a host path when it is the copy wnm keeps of `node`'s binary
    /// ([`kept_binary_path`]); anything else is refused, naming `doing`.
    fn own_copy(&self, node: &Node, kept: &Path, doing: &str) -> Result<String> {
        let node = &self.complete_node(node);
        let mine = kept_binary_path(node);
        if kept != mine {
            return Err(Error::invalid_config(format!(
                "{}: {} is not the copy wnm keeps of its binary ({}); not {doing}",
                node.service_name,
                kept.display(),
                mine.display()
            )));
        }
        Ok(mine.display().to_string())
    }

    /// The resolved settings.
    pub fn config(&self) -> &SystemdConfig {
        &self.cfg
    }

    /// True when units changed since the last `daemon-reload`.
    pub fn needs_reload(&self) -> bool {
        self.dirty.load(Ordering::SeqCst)
    }

    fn line_for(&self, node: &Node) -> Arc<dyn NodeLine> {
        line_by_name(&node.line).unwrap_or_else(|| self.line.clone())
    }

    fn unit_name(node: &Node) -> String {
        format!("{}.service", node.service_name)
    }

    /// `node` with what the backend decides filled in where empty: root dir
    /// (`node_storage/antnodeNNNN`), log dir (`log_base/antnodeNNNN`), binary (`root_dir/antnode`), user.
    pub fn complete_node(&self, node: &Node) -> Node {
        node.completed(&NodeDefaults {
            node_storage: &self.cfg.node_storage,
            log_base: &self.cfg.log_base,
            binary_name: self.line_for(node).binary_name(),
            user: &self.cfg.node_user,
        })
    }

    /// The unit text for `node` as this backend writes it.
    pub fn unit_text(&self, node: &Node) -> Result<String> {
        let line = self.line_for(node);
        let run_as = self.cfg.unit_user().map(|_| node.user.as_str());
        Ok(UnitSpec::for_node(
            node,
            line.as_ref(),
            &LaunchOptions::from_machine(&self.machine),
            &self.cfg.environment,
            run_as,
        )?
        .render())
    }

    async fn run_checked(&self, cmd: &wnm_core::CommandSpec, what: &str) -> Result<()> {
        let out = self.runner.run(cmd).await?;
        check(cmd, &out, what)
    }

    async fn reload_if_dirty(&self) -> Result<()> {
        if self.dirty.swap(false, Ordering::SeqCst) {
            let res = self
                .run_checked(&self.systemctl.daemon_reload(), "reloading systemd units")
                .await;
            if res.is_err() {
                self.dirty.store(true, Ordering::SeqCst);
            }
            res?;
        }
        Ok(())
    }

    async fn ensure_user(&self, user: &str) -> Result<Option<(u32, u32)>> {
        if let Some(ids) = lookup_user(&self.cfg.root, user) {
            return Ok(Some(ids));
        }
        let cmd = useradd_command(user, &self.cfg.root, self.cfg.privilege == Privilege::Sudo);
        self.run_checked(&cmd, &format!("creating the {user} user the nodes run as"))
            .await?;
        let ids = lookup_user(&self.cfg.root, user);
        if ids.is_none() && self.cfg.privilege == Privilege::Direct {
            return Err(Error::not_found(format!(
                "user {user} is still missing from {}/etc/passwd after useradd",
                self.cfg.root.display()
            )));
        }
        Ok(ids)
    }

    /// `systemctl show` for `units`, one state per unit in order.
    pub async fn unit_states(&self, units: &[String]) -> Result<Vec<UnitState>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let cmd = self.systemctl.show(units);
        let out = self.runner.run(&cmd).await?;
        check(&cmd, &out, "asking systemd for unit states")?;
        Ok(parse_show(&out.stdout))
    }

    async fn stop_unit(&self, node: &Node) -> Result<()> {
        let cmd = self.systemctl.stop(&Self::unit_name(node));
        let out = self.runner.run(&cmd).await?;
        // exit 5: the unit is not loaded (already gone), which is stopped enough
        if out.code == Some(5) {
            return Ok(());
        }
        check(&cmd, &out, &format!("stopping {}", node.service_name))
    }

    fn require_unit(&self, node: &Node) -> Result<()> {
        if self.fs.exists(self.cfg.unit_path(&node.service_name)) {
            Ok(())
        } else {
            Err(Error::not_found(format!(
                "{}: unit {} does not exist; create the node first",
                node.service_name,
                self.cfg.unit_path(&node.service_name)
            )))
        }
    }

    /// Give `paths` (host paths) to the node user `user` (`user:user`): by the uid and gid
    /// `ids` of the root's passwd, which direct mode needs, else through `sudo -n chown`.
    async fn give(&self, paths: &[&str], user: &str, ids: Option<(u32, u32)>) -> Result<()> {
        if ids.is_none() && self.cfg.privilege == Privilege::Direct {
            return Err(Error::not_found(format!(
                "user {user} is not in {}/etc/passwd",
                self.cfg.root.display()
            )));
        }
        self.fs
            .chown_recursive(paths, &format!("{user}:{user}"), ids)
            .await
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

    fn parse_context(&self) -> ParseContext {
        ParseContext {
            location: match self.cfg.mode {
                ManagerMode::User => UnitLocation::User,
                _ => UnitLocation::System,
            },
            default_user: self.cfg.node_user.clone(),
            host: self.machine.host.clone(),
            now: now(),
        }
    }
}

/// A node dir wnm may delete: absolute, no `..`, not `/`, and its last component is the node's
/// service name (as every layout of anm, antctl and wnm has it).
pub fn safe_to_delete(path: &str, service_name: &str) -> bool {
    let p = Path::new(path);
    p.is_absolute()
        && !p
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        && p.file_name().is_some_and(|f| f == service_name)
}

/// When a node was created, as its root dir tells (creation time, else modification time).
fn dir_age(p: &Path) -> Option<UnixTime> {
    let m = std::fs::metadata(p).ok()?;
    let t = m.created().or_else(|_| m.modified()).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as UnixTime)
}

#[async_trait]
impl Backend for SystemdBackend {
    fn kind(&self) -> &str {
        ProcessManager::SYSTEMD
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User, ManagerMode::Sudo])
            .with_id_allocation(IdAllocation::FillHoles)
            .with_upgrade(true)
            .with_discover(true)
            // Units have no [Install] (as anm and the Python wnm): wnm's next cycle starts them.
            .with_survives_reboot(false)
    }

    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node> {
        let n = self.complete_node(node);
        let unit = self.unit_text(&n)?;
        let ids = if self.cfg.mode == ManagerMode::Sudo {
            self.ensure_user(&n.user).await?
        } else {
            None
        };
        self.fs.create_dir_all(&n.root_dir).await?;
        self.fs.create_dir_all(&n.log_dir).await?;
        if self.fs.on_disk(&n.binary) != source_binary {
            self.fs.install_executable(source_binary, &n.binary).await?;
        }
        if self.cfg.mode == ManagerMode::Sudo {
            self.give(&[&n.root_dir, &n.log_dir], &n.user, ids).await?;
        }
        if !self.fs.exists(&self.cfg.unit_dir) {
            self.fs.create_dir_all(&self.cfg.unit_dir).await?;
        }
        if self
            .fs
            .write_atomic(&self.cfg.unit_path(&n.service_name), &unit, UNIT_MODE)
            .await?
        {
            self.dirty.store(true, Ordering::SeqCst);
        }
        Ok(n)
    }

    async fn start(&self, node: &Node) -> Result<()> {
        self.require_unit(node)?;
        self.reload_if_dirty().await?;
        self.run_checked(
            &self.systemctl.start(&Self::unit_name(node)),
            &format!("starting {}", node.service_name),
        )
        .await
    }

    /// Stop, then `reset-failed`: a node that crash-looped (a bad upgrade under `Restart=always`)
    /// has hit systemd's start rate limit, and without the reset the next start (the rollback's)
    /// is refused with "start request repeated too quickly".
    async fn stop(&self, node: &Node) -> Result<()> {
        self.stop_unit(node).await?;
        let _ = self
            .runner
            .run(&self.systemctl.reset_failed(&Self::unit_name(node)))
            .await;
        Ok(())
    }

    async fn restart(&self, node: &Node) -> Result<()> {
        self.require_unit(node)?;
        self.reload_if_dirty().await?;
        self.run_checked(
            &self.systemctl.restart(&Self::unit_name(node)),
            &format!("restarting {}", node.service_name),
        )
        .await
    }

    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        let node = &self.complete_node(node);
        self.fs
            .install_executable(source_binary, &node.binary)
            .await?;
        if self.cfg.mode == ManagerMode::Sudo {
            let ids = lookup_user(&self.cfg.root, &node.user);
            self.give(&[&node.binary], &node.user, ids).await?;
        }
        Ok(())
    }

    /// The copy is named by [`kept_binary_path`] as the node sees it (what the runtime finds
    /// with [`Backend::kept_binary`]); it is on disk under the filesystem root.
    async fn keep_binary(&self, node: &Node) -> Result<Option<std::path::PathBuf>> {
        let node = &self.complete_node(node);
        if !self.fs.on_disk(&node.binary).is_file() {
            return Ok(None);
        }
        let kept = kept_binary_path(node);
        let kept_str = kept.display().to_string();
        self.fs
            .install_executable(&self.fs.on_disk(&node.binary), &kept_str)
            .await?;
        if self.cfg.mode == ManagerMode::Sudo {
            let ids = lookup_user(&self.cfg.root, &node.user);
            self.give(&[&kept_str], &node.user, ids).await?;
        }
        Ok(Some(kept))
    }

    fn kept_binary(&self, node: &Node) -> Option<std::path::PathBuf> {
        let kept = kept_binary_path(&self.complete_node(node));
        self.fs.on_disk(&kept).is_file().then_some(kept)
    }

    async fn restore_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        let mine = self.own_copy(node, kept, "restoring it")?;
        self.upgrade(node, &self.fs.on_disk(&mine)).await
    }

    async fn discard_kept_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        let mine = self.own_copy(node, kept, "deleting it")?;
        self.fs.remove_file(&mine).await?;
        Ok(())
    }

    async fn remove(&self, node: &Node) -> Result<()> {
        // A row without paths still names this backend's default layout.
        let node = &self.complete_node(node);
        let unit_path = self.cfg.unit_path(&node.service_name);
        if self.fs.exists(&unit_path) {
            self.stop_unit(node).await?;
        }
        if self.fs.remove_file(&unit_path).await? {
            self.dirty.store(true, Ordering::SeqCst);
        }
        self.remove_node_dir(&node.root_dir, node, "root dir")
            .await?;
        self.remove_node_dir(&node.log_dir, node, "log dir").await?;
        // Forget a failed state so the name is clean for a later node with the same id.
        let _ = self
            .runner
            .run(&self.systemctl.reset_failed(&Self::unit_name(node)))
            .await;
        Ok(())
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        let node = &self.complete_node(node);
        if !self.fs.exists(self.cfg.unit_path(&node.service_name)) {
            return Ok(ProcessState::Missing);
        }
        let states = self.unit_states(&[Self::unit_name(node)]).await?;
        let state = states
            .first()
            .map(UnitState::process_state)
            .unwrap_or(ProcessState::Missing);
        if state == ProcessState::Stopped
            && !node.root_dir.is_empty()
            && !self.fs.exists(&node.root_dir)
        {
            return Ok(ProcessState::Missing);
        }
        Ok(state)
    }

    async fn discover(&self) -> Result<Vec<Node>> {
        let dir = self.fs.on_disk(&self.cfg.unit_dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
        };
        let ctx = self.parse_context();
        let mut nodes = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if !is_node_unit_name(&name) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| Error::io(format!("reading {}", entry.path().display()), e))?;
            match parse_node_unit(&name, &text, &ctx) {
                Ok(p) => nodes.push(p.node),
                Err(e) => tracing::warn!("skipping {name}: {e}"),
            }
        }
        nodes.sort_by_key(|n| n.id);
        let units: Vec<String> = nodes.iter().map(Self::unit_name).collect();
        let states = self.unit_states(&units).await?;
        for n in &mut nodes {
            let unit = Self::unit_name(n);
            let state = states
                .iter()
                .find(|s| s.id == unit)
                .map(UnitState::process_state)
                .unwrap_or(ProcessState::Missing);
            let root = self.fs.on_disk(&n.root_dir);
            n.status = if !root.is_dir() {
                NodeStatus::Dead
            } else if matches!(state, ProcessState::Running { .. }) {
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

    async fn flush(&self) -> Result<()> {
        self.reload_if_dirty().await
    }

    async fn teardown(&self, nodes: &[Node]) -> Result<()> {
        for n in nodes {
            self.remove(n).await?;
        }
        self.flush().await
    }
}
