//! The `Backend` trait every process manager implements (systemd, setsid, launchd, antctl, docker,
//! or a third party's), what a backend can do as data (`Capabilities`), and the `Registry` the CLI fills.
use crate::error::{Error, Result};
use crate::firewall::Firewall;
use crate::machine::Machine;
use crate::manager::ProcessManager;
use crate::node::{Node, UnixTime};
use crate::profile::NodeLine;
use crate::runner::Runner;
use crate::snapshot::IdAllocation;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a backend can do, as data; the executor and reports consult it instead of meeting surprise errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Modes it supports (`user`, `sudo`, `zen`).
    pub modes: Vec<crate::manager::ManagerMode>,
    /// How new node ids are chosen.
    pub id_allocation: IdAllocation,
    /// It can replace a node's binary in place.
    pub upgrade: bool,
    /// It can find nodes it did not create in this database (import).
    pub discover: bool,
    /// The backend decides node paths itself (antctl+zen) and reports them after `create`.
    pub chooses_own_paths: bool,
    /// Nodes survive a reboot by themselves (systemd, launchd, docker restart policy).
    pub survives_reboot: bool,
    /// Several nodes share one container.
    pub multi_node_containers: bool,
}

impl Capabilities {
    /// A backend that does create/start/stop/remove/status and nothing more.
    pub fn basic(modes: Vec<crate::manager::ManagerMode>) -> Self {
        Capabilities {
            modes,
            id_allocation: IdAllocation::FillHoles,
            upgrade: false,
            discover: false,
            chooses_own_paths: false,
            survives_reboot: false,
            multi_node_containers: false,
        }
    }

    /// Builder-style setters keep the struct non-exhaustive for outside crates.
    pub fn with_upgrade(mut self, v: bool) -> Self {
        self.upgrade = v;
        self
    }
    /// See [`Capabilities::discover`].
    pub fn with_discover(mut self, v: bool) -> Self {
        self.discover = v;
        self
    }
    /// See [`Capabilities::id_allocation`].
    pub fn with_id_allocation(mut self, v: IdAllocation) -> Self {
        self.id_allocation = v;
        self
    }
    /// See [`Capabilities::chooses_own_paths`].
    pub fn with_chooses_own_paths(mut self, v: bool) -> Self {
        self.chooses_own_paths = v;
        self
    }
    /// See [`Capabilities::survives_reboot`].
    pub fn with_survives_reboot(mut self, v: bool) -> Self {
        self.survives_reboot = v;
        self
    }
    /// See [`Capabilities::multi_node_containers`].
    pub fn with_multi_node_containers(mut self, v: bool) -> Self {
        self.multi_node_containers = v;
        self
    }
}

/// What the process manager says about a node's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessState {
    /// The process runs (pid when known).
    Running {
        /// Its pid, when the backend knows it.
        pid: Option<u32>,
    },
    /// Installed but not running.
    Stopped,
    /// No service, unit, container or directory for it.
    Missing,
}

/// A container that holds nodes (backends with `multi_node_containers`), as the store's
/// `container` table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContainerInfo {
    /// The engine's container id (unique).
    pub engine_id: String,
    /// Container name.
    pub name: String,
    /// Image it runs.
    pub image: String,
    /// The engine's state (`running`, `exited` ...).
    pub status: String,
    /// When it was created (epoch s).
    pub created_at: UnixTime,
}

impl ContainerInfo {
    /// A container record.
    pub fn new(
        engine_id: impl Into<String>,
        name: impl Into<String>,
        image: impl Into<String>,
        status: impl Into<String>,
        created_at: UnixTime,
    ) -> Self {
        ContainerInfo {
            engine_id: engine_id.into(),
            name: name.into(),
            image: image.into(),
            status: status.into(),
            created_at,
        }
    }
}

/// A node process manager. Object safe; methods added later get default bodies.
#[async_trait]
pub trait Backend: Send + Sync {
    /// `systemd`, `setsid`, ...
    fn kind(&self) -> &str;

    /// What it can do.
    fn capabilities(&self) -> Capabilities;

    /// Lay a new node out (dirs, binary copy from `source_binary`, unit/plist/container) without starting it.
    /// Returns the node as created (paths may be filled in by backends that choose their own).
    /// Called once per node, for new nodes only: a node whose dir exists but whose binary is
    /// missing (an add cut short) gets it back through [`Backend::upgrade`], so `create` need
    /// not be idempotent (antctl's registers a new node).
    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node>;

    /// Start a created node.
    async fn start(&self, node: &Node) -> Result<()>;

    /// Stop a node; returns once it is down (SIGTERM, wait, SIGKILL or the manager's equivalent).
    async fn stop(&self, node: &Node) -> Result<()>;

    /// Stop then start.
    async fn restart(&self, node: &Node) -> Result<()> {
        self.stop(node).await?;
        self.start(node).await
    }

    /// Put `source_binary` in place as the node's binary (the node is stopped by the caller).
    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        let _ = (node, source_binary);
        Err(Error::unsupported(format!(
            "the {} backend cannot upgrade nodes in place",
            self.kind()
        )))
    }

    /// Before an upgrade replaces the node's binary (the node is stopped by the caller): keep a
    /// copy of it at [`kept_binary_path`] with the backend's own file access (in sudo mode the
    /// node dir belongs to the node user, not to wnm's), so a failed upgrade can be rolled back.
    /// Returns the copy as [`kept_binary_path`] names it (a backend under a filesystem root maps
    /// it itself), or `None` when the node has no binary to keep. The default is
    /// `Unsupported`, and the caller then keeps the copy itself with plain file access.
    async fn keep_binary(&self, node: &Node) -> Result<Option<PathBuf>> {
        let _ = node;
        Err(Error::unsupported(format!(
            "the {} backend does not keep binaries itself",
            self.kind()
        )))
    }

    /// The copy [`Backend::keep_binary`] made of `node`'s binary, when one is there (the sign of
    /// an upgrade cut short). It is always [`kept_binary_path`], the path as the node sees it,
    /// which [`Backend::restore_binary`] and [`Backend::discard_kept_binary`] accept; a backend
    /// working under a filesystem root looks for it there. Default: that path, if it is a file.
    fn kept_binary(&self, node: &Node) -> Option<PathBuf> {
        let p = kept_binary_path(node);
        p.is_file().then_some(p)
    }

    /// Put a binary [`Backend::keep_binary`] kept back in place as the node's binary (the node
    /// is stopped by the caller). The copy stays until [`Backend::discard_kept_binary`].
    /// Default: [`Backend::upgrade`] from the copy.
    async fn restore_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        self.upgrade(node, kept).await
    }

    /// Delete a copy [`Backend::keep_binary`] made, once it is no longer needed. The default is
    /// `Unsupported`, and the caller then deletes it itself with plain file access.
    async fn discard_kept_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        let _ = (node, kept);
        Err(Error::unsupported(format!(
            "the {} backend does not keep binaries itself",
            self.kind()
        )))
    }

    /// Stop the node and delete its service, files and logs.
    async fn remove(&self, node: &Node) -> Result<()>;

    /// The process state right now.
    async fn status(&self, node: &Node) -> Result<ProcessState>;

    /// Nodes this backend finds on the host (units, plists, pid files, containers, registry).
    async fn discover(&self) -> Result<Vec<Node>> {
        Err(Error::unsupported(format!(
            "the {} backend cannot discover existing nodes",
            self.kind()
        )))
    }

    /// The container `node` runs in, for backends with `multi_node_containers` (wnm records it
    /// in the `container` table and `Node::container_id`). Default: none.
    async fn container_of(&self, node: &Node) -> Result<Option<ContainerInfo>> {
        let _ = node;
        Ok(None)
    }

    /// Called once after a batch of changes (e.g. one `systemctl daemon-reload` per cycle).
    async fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// Remove every node given and whatever shared state the backend created.
    async fn teardown(&self, nodes: &[Node]) -> Result<()> {
        for n in nodes {
            self.remove(n).await?;
        }
        Ok(())
    }
}

/// Where a node's binary is kept while an upgrade replaces it: `<binary>.wnm-previous`, beside it
/// (a copy found there on a later run is the sign of an upgrade cut short).
pub fn kept_binary_path(node: &Node) -> PathBuf {
    PathBuf::from(format!("{}.wnm-previous", node.binary))
}

/// What a backend factory is given.
#[derive(Clone)]
pub struct BackendContext {
    /// The manager (kind and mode) asked for.
    pub manager: ProcessManager,
    /// The resolved settings.
    pub machine: Machine,
    /// The one process runner.
    pub runner: Arc<dyn Runner>,
    /// The node line new nodes use.
    pub line: Arc<dyn NodeLine>,
    /// The firewall to open/close node ports with.
    pub firewall: Arc<dyn Firewall>,
    /// wnm's base dir (`~/.local/share/autonomi`, `/var/antctl`).
    pub base_dir: PathBuf,
    /// Filesystem root (`/` in production; a temp dir in tests).
    pub root: PathBuf,
}

/// Builds a backend from a context.
pub type BackendFactory = fn(&BackendContext) -> Result<Arc<dyn Backend>>;

/// Backends known to this binary, by kind. Filled by each backend crate's `register`.
#[derive(Default, Clone)]
pub struct Registry {
    factories: BTreeMap<String, BackendFactory>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Make `kind` available.
    pub fn register(&mut self, kind: &str, factory: BackendFactory) {
        self.factories.insert(kind.to_string(), factory);
    }

    /// Kinds available, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        self.factories.keys().map(String::as_str).collect()
    }

    /// Build the backend for `ctx.manager`.
    pub fn build(&self, ctx: &BackendContext) -> Result<Arc<dyn Backend>> {
        let kind = ctx.manager.kind();
        let f = self.factories.get(kind).ok_or_else(|| {
            Error::unsupported(format!(
                "process manager {} is not built into this wnm (available: {}); rebuild with the matching cargo feature",
                ctx.manager,
                self.kinds().join(", ")
            ))
        })?;
        f(ctx)
    }
}
