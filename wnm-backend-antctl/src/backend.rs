//! `AntctlBackend`: the `wnm_core::Backend` for `antctl+sudo`, `antctl+user` and `antctl+zen`.
//! Every node change is an antctl call ([`crate::command`]); antctl writes the units, copies the
//! binaries and keeps the registry.
//!
//! Numbering: antctl names its next node `antnode<entries + 1>` (removed entries count) and wnm
//! asks for `highest_node_id_used + 1` (`IdAllocation::NeverReuse`), so both must agree. Before
//! an add the backend learns antctl's next number (the registry file, else `status --json`;
//! then tracked through its own adds). When wnm is ahead (an add that failed before antctl saw
//! it still used up wnm's id) antctl's numbers up to wnm's are used up the same way: added
//! with the ports wnm would have given them, and removed again at once. When antctl is ahead
//! the add is refused, naming the numbers.
//!
//! Status: one `antctl status --json` serves every node for [`CACHE_TTL`] (a cycle); any change
//! through antctl drops it. A node antctl lists as Running counts only while its pid lives.
use crate::args::env_options;
use crate::command::{AddSpec, Antctl};
use crate::config::AntctlConfig;
use crate::error::{check, failure, is_no_such_service, spawn_failure};
use crate::import::{ImportContext, node_of};
use crate::parse::{AntctlStatus, StatusReport, parse_added, parse_status};
use crate::registry::entries_in_file;
use crate::systemd::Systemctl;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wnm_core::{
    Backend, BackendContext, Capabilities, CommandOutput, CommandSpec, Error, IdAllocation,
    Machine, ManagerMode, Node, NodeId, ProcessManager, ProcessState, Result, Runner, UnixTime,
    kept_binary_path,
};
use wnm_runner::privileged::{Privilege, PrivilegedFs};

/// How long one `antctl status --json` answers status questions.
pub const CACHE_TTL: Duration = Duration::from_secs(60);
/// Most antctl numbers one add uses up to catch up with wnm's id.
pub const MAX_CATCH_UP: u32 = 32;
/// EVM network subcommands `antctl add` takes without further arguments.
const NETWORKS: &[&str] = &["evm-arbitrum-one", "evm-arbitrum-sepolia-test", "evm-local"];

/// The antctl backend.
pub struct AntctlBackend {
    cfg: AntctlConfig,
    antctl: Antctl,
    systemctl: Systemctl,
    machine: Machine,
    runner: Arc<dyn Runner>,
    line: String,
    cache: Mutex<Option<(Instant, Arc<StatusReport>)>>,
    next_number: Mutex<Option<u32>>,
    fs: PrivilegedFs,
}

impl std::fmt::Debug for AntctlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AntctlBackend")
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

fn parent(p: &str) -> Option<String> {
    if p.is_empty() {
        return None;
    }
    Path::new(p)
        .parent()
        .map(|d| d.to_string_lossy().into_owned())
        .filter(|d| !d.is_empty())
}

fn port(what: &str, value: u32) -> Result<u16> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p >= 1024)
        .ok_or_else(|| {
            Error::invalid_config(format!(
                "{what} {value} is outside 1024-65535; lower the port base"
            ))
        })
}

impl AntctlBackend {
    /// A backend for `ctx` (settings resolved by [`AntctlConfig::from_context`]).
    pub fn new(ctx: &BackendContext) -> Result<Self> {
        Ok(Self::with_config(ctx, AntctlConfig::from_context(ctx)?))
    }

    /// A backend for `ctx` with explicit settings (tests, or a caller that resolved them).
    pub fn with_config(ctx: &BackendContext, cfg: AntctlConfig) -> Self {
        AntctlBackend {
            antctl: Antctl::new(&cfg),
            systemctl: Systemctl::new(&cfg),
            machine: ctx.machine.clone(),
            runner: ctx.runner.clone(),
            line: ctx.line.name().to_string(),
            cache: Mutex::new(None),
            next_number: Mutex::new(None),
            fs: PrivilegedFs::new(
                cfg.root.clone(),
                if cfg.sudo {
                    Privilege::Sudo
                } else {
                    Privilege::Direct
                },
                ctx.runner.clone(),
            )
            .naming("antctl+sudo"),
            cfg,
        }
    }

    /// The resolved settings.
    pub fn config(&self) -> &AntctlConfig {
        &self.cfg
    }

    fn on_disk(&self, host_path: &str) -> PathBuf {
        self.cfg.root.join(host_path.trim_start_matches('/'))
    }

    /// Run `cmd`; a spawn failure of antctl itself says how to get antctl.
    async fn run(&self, cmd: &CommandSpec) -> Result<CommandOutput> {
        let is_antctl = cmd.program == self.cfg.program
            || (cmd.program == "sudo" && cmd.args.get(1) == Some(&self.cfg.program));
        self.runner.run(cmd).await.map_err(|e| {
            if is_antctl {
                spawn_failure(cmd, &self.cfg.program, e)
            } else {
                e
            }
        })
    }

    async fn run_checked(&self, cmd: &CommandSpec, what: &str) -> Result<CommandOutput> {
        let out = self.run(cmd).await?;
        check(cmd, &out, what)?;
        Ok(out)
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn set_next(&self, n: Option<u32>) {
        *self.next_number.lock().unwrap_or_else(|p| p.into_inner()) = n;
    }

    /// antctl's registry as `status --json` reports it, at most [`CACHE_TTL`] old.
    pub async fn registry(&self) -> Result<Arc<StatusReport>> {
        if let Some((at, r)) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && at.elapsed() < CACHE_TTL
        {
            return Ok(r.clone());
        }
        let cmd = self.antctl.status_json();
        let out = self
            .run_checked(&cmd, "asking antctl for its nodes")
            .await?;
        let report = Arc::new(parse_status(&out.stdout)?);
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), report.clone()));
        Ok(report)
    }

    /// The number antctl gives its next node.
    pub async fn next_number(&self) -> Result<u32> {
        if let Some(n) = *self.next_number.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(n);
        }
        let n = match entries_in_file(&self.cfg.registry_on_disk()) {
            Some(entries) => entries + 1,
            None => self.registry().await?.next_number(),
        };
        self.set_next(Some(n));
        Ok(n)
    }

    /// Reload systemd when the unit antctl just wrote is not the one systemd has loaded. Where
    /// there is no systemctl (antctl drives launchd on macOS) there is nothing to reload.
    async fn reload_if_stale(&self, service_name: &str) -> Result<()> {
        let q = self.systemctl.need_reload(service_name);
        let out = match self.run(&q).await {
            Ok(o) => o,
            Err(e) => {
                tracing::debug!("not checking {service_name}'s unit: {e}");
                return Ok(());
            }
        };
        if out.success() && out.stdout.trim() == "yes" {
            let r = self.systemctl.daemon_reload();
            self.run_checked(&r, "reloading systemd after antctl rewrote a unit")
                .await?;
        }
        Ok(())
    }

    /// One `antctl add`; the service it reports must be `antnode<expect>`.
    async fn add_one(&self, spec: &AddSpec, expect: NodeId) -> Result<crate::parse::AddedService> {
        let cmd = self.antctl.add(spec);
        let out = self.run(&cmd).await;
        self.invalidate();
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                self.set_next(None);
                return Err(e);
            }
        };
        if !out.success() {
            self.set_next(None);
            return Err(failure(&cmd, &out, &format!("adding antnode{expect}")));
        }
        let added = match parse_added(&out.stdout) {
            Ok(a) => a,
            Err(e) => {
                self.set_next(None);
                return Err(e);
            }
        };
        let want = format!("antnode{expect}");
        match added.as_slice() {
            [a] if a.service_name == want => {
                self.set_next(Some(expect + 1));
                Ok(a.clone())
            }
            other => {
                self.set_next(None);
                let names: Vec<&str> = other.iter().map(|a| a.service_name.as_str()).collect();
                Err(Error::backend(format!(
                    "antctl add was to make {want} but reported {names:?}; wnm and antctl disagree on node numbers (see `antctl status`)"
                )))
            }
        }
    }

    /// Use up antctl's number `n` as wnm used up its id `n`: add a node with the ports wnm gives
    /// id `n`, and remove it again.
    async fn use_up(&self, n: NodeId, base: &AddSpec) -> Result<()> {
        let m = &self.machine;
        let spec = AddSpec {
            node_port: port("port", m.node_port(n))?,
            metrics_port: port("metrics port", m.metrics_port(n))?,
            rpc_port: port("rpc port", m.rpc_port(n))?,
            options: Vec::new(),
            env: Vec::new(),
            ..base.clone()
        };
        tracing::warn!(
            "antctl's next number is {n}, below wnm's; using antnode{n} up (added and removed at once) so the numbers agree again"
        );
        let added = self.add_one(&spec, n).await?;
        let cmd = self.antctl.remove(&added.service_name);
        let out = self.run(&cmd).await;
        self.invalidate();
        check(
            &cmd,
            &out?,
            &format!("removing the stand-in {}", added.service_name),
        )
    }

    fn add_spec(&self, node: &Node, source_binary: &Path) -> Result<AddSpec> {
        if !(node.line.is_empty() || node.line == "antnode-0.4") {
            return Err(Error::unsupported(format!(
                "{}: antctl 0.14 runs antnode 0.4.x nodes only, not the {} line",
                node.service_name, node.line
            )));
        }
        let network = if node.network.is_empty() {
            "evm-arbitrum-one".to_string()
        } else {
            node.network.clone()
        };
        if !NETWORKS.contains(&network.as_str()) {
            return Err(Error::invalid_config(format!(
                "{}: antctl add takes the network {} only with arguments wnm does not have; use one of {}",
                node.service_name,
                network,
                NETWORKS.join(", ")
            )));
        }
        if node.wallet.is_empty() {
            return Err(Error::invalid_config(format!(
                "{}: no rewards address; set --rewards_address",
                node.service_name
            )));
        }
        let (data_dir, log_dir) = if self.cfg.antctl_chooses_paths() {
            (None, None)
        } else {
            (parent(&node.root_dir), parent(&node.log_dir))
        };
        Ok(AddSpec {
            data_dir,
            log_dir,
            node_port: node.port,
            metrics_port: node.metrics_port,
            rpc_port: node.rpc_port,
            rewards_address: node.wallet.clone(),
            options: self.cfg.add_options.clone(),
            env: env_options(&self.cfg.environment, node)?,
            binary: source_binary.to_string_lossy().into_owned(),
            network,
        })
    }
}

#[async_trait]
impl Backend for AntctlBackend {
    fn kind(&self) -> &str {
        ProcessManager::ANTCTL
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![ManagerMode::User, ManagerMode::Sudo, ManagerMode::Zen])
            .with_id_allocation(IdAllocation::NeverReuse)
            .with_upgrade(true)
            .with_discover(true)
            .with_chooses_own_paths(self.cfg.antctl_chooses_paths())
            // antctl add without --auto-restart writes no [Install]: wnm's next cycle starts them.
            .with_survives_reboot(false)
    }

    async fn create(&self, node: &Node, source_binary: &Path) -> Result<Node> {
        let spec = self.add_spec(node, source_binary)?;
        let next = self.next_number().await?;
        if next > node.id {
            return Err(Error::backend(format!(
                "antctl would name this node antnode{next} (its registry holds {} entries, removed ones included) but wnm chose id {}; wnm moves its ids up past failed adds, or set --highest_node_id_used {}",
                next - 1,
                node.id,
                next - 1
            )));
        }
        if node.id - next > MAX_CATCH_UP {
            return Err(Error::backend(format!(
                "antctl would name this node antnode{next} but wnm chose id {}: more than {MAX_CATCH_UP} numbers apart (adds that kept failing, or antctl reset behind wnm's back); set --highest_node_id_used {} so wnm's next id is antctl's",
                node.id,
                next - 1
            )));
        }
        for n in next..node.id {
            self.use_up(n, &spec).await?;
        }
        let added = self.add_one(&spec, node.id).await?;
        self.reload_if_stale(&added.service_name).await?;
        Ok(Node {
            service_name: added.service_name,
            root_dir: added.data_path,
            log_dir: added.log_path,
            binary: added.antnode_path,
            rpc_port: added.rpc_port,
            user: self.cfg.node_user.clone(),
            ..node.clone()
        })
    }

    async fn start(&self, node: &Node) -> Result<()> {
        let cmd = self.antctl.start(&node.service_name);
        let out = self.run(&cmd).await;
        self.invalidate();
        let out = out?;
        if is_no_such_service(&out) {
            return Err(Error::not_found(format!(
                "{}: antctl has no such node (or it was removed); `antctl status` lists its nodes",
                node.service_name
            )));
        }
        check(&cmd, &out, &format!("starting {}", node.service_name))
    }

    async fn stop(&self, node: &Node) -> Result<()> {
        let cmd = self.antctl.stop(&node.service_name);
        let out = self.run(&cmd).await;
        self.invalidate();
        let out = out?;
        // Not in the registry (or removed): nothing runs under that name.
        if is_no_such_service(&out) {
            return Ok(());
        }
        check(&cmd, &out, &format!("stopping {}", node.service_name))
    }

    async fn upgrade(&self, node: &Node, source_binary: &Path) -> Result<()> {
        let env = env_options(&self.cfg.environment, node)?;
        let cmd = self
            .antctl
            .upgrade(&node.service_name, &source_binary.to_string_lossy(), &env);
        let out = self.run(&cmd).await;
        self.invalidate();
        check(&cmd, &out?, &format!("upgrading {}", node.service_name))?;
        self.reload_if_stale(&node.service_name).await
    }

    /// In sudo mode without root the node dir is not wnm's to write: the copy is made through
    /// `sudo -n install`/`mv` (`wnm_runner::privileged`). It is [`kept_binary_path`], the path
    /// as the node sees it, on disk under the filesystem root.
    async fn keep_binary(&self, node: &Node) -> Result<Option<PathBuf>> {
        if !self.cfg.sudo {
            return Err(Error::unsupported("plain file access keeps the binary"));
        }
        let binary = self.fs.on_disk(&node.binary);
        if !binary.is_file() {
            return Ok(None);
        }
        let kept = kept_binary_path(node);
        self.fs.install_executable(&binary, &kept).await?;
        Ok(Some(kept))
    }

    fn kept_binary(&self, node: &Node) -> Option<PathBuf> {
        let kept = kept_binary_path(node);
        self.fs.exists(&kept).then_some(kept)
    }

    async fn discard_kept_binary(&self, node: &Node, kept: &Path) -> Result<()> {
        if !self.cfg.sudo {
            return Err(Error::unsupported("plain file access deletes the copy"));
        }
        let mine = kept_binary_path(node);
        if kept != mine {
            return Err(Error::invalid_config(format!(
                "{}: {} is not the copy wnm keeps of its binary ({}); not deleting it",
                node.service_name,
                kept.display(),
                mine.display()
            )));
        }
        self.fs.remove_file(&mine).await?;
        Ok(())
    }

    /// Stop (antctl refuses to remove a running node), then `antctl remove`, which deletes the
    /// node's dirs and keeps the entry as Removed. A name antctl does not know is gone already.
    async fn remove(&self, node: &Node) -> Result<()> {
        let stop = self.antctl.stop(&node.service_name);
        let out = self.run(&stop).await;
        self.invalidate();
        let out = out?;
        if is_no_such_service(&out) {
            return Ok(());
        }
        check(
            &stop,
            &out,
            &format!("stopping {} to remove it", node.service_name),
        )?;
        let rm = self.antctl.remove(&node.service_name);
        let out = self.run(&rm).await;
        self.invalidate();
        let out = out?;
        if is_no_such_service(&out) {
            return Ok(());
        }
        check(&rm, &out, &format!("removing {}", node.service_name))
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        let reg = self.registry().await?;
        let Some(e) = reg.find(&node.service_name) else {
            return Ok(ProcessState::Missing);
        };
        Ok(match e.status {
            AntctlStatus::Removed => ProcessState::Missing,
            AntctlStatus::Running => match e.pid {
                Some(pid) if self.runner.is_alive(pid) => ProcessState::Running { pid: Some(pid) },
                Some(_) => ProcessState::Stopped,
                None => ProcessState::Running { pid: None },
            },
            AntctlStatus::Stopped | AntctlStatus::Added => {
                if !e.data_dir_path.is_empty() && !self.on_disk(&e.data_dir_path).is_dir() {
                    ProcessState::Missing
                } else {
                    ProcessState::Stopped
                }
            }
        })
    }

    async fn discover(&self) -> Result<Vec<Node>> {
        self.invalidate();
        let reg = self.registry().await?;
        let cx = ImportContext {
            manager: self.cfg.manager.clone(),
            user: self.cfg.node_user.clone(),
            host: self.machine.host.clone(),
            line: self.line.clone(),
            now: now(),
        };
        Ok(reg
            .nodes
            .iter()
            .map(|e| {
                let mut n = node_of(e, &cx);
                if let Some(t) = dir_age(&self.on_disk(&n.root_dir)) {
                    n.created_at = t;
                }
                n
            })
            .collect())
    }

    /// `antctl reset --force`: every node stopped and removed, the registry deleted (antctl
    /// numbers from 1 again). The reset takes every node antctl has, so the registry is read
    /// first and the teardown refused, changing nothing, while it holds an entry that is not
    /// Removed and not one of `nodes` (wnm's): a node someone else made with antctl. `nodes` are
    /// removed before the reset (the runtime passes none: it has removed them already).
    async fn teardown(&self, nodes: &[Node]) -> Result<()> {
        self.invalidate();
        let reg = self.registry().await?;
        let foreign: Vec<&str> = reg
            .nodes
            .iter()
            .filter(|e| e.status != AntctlStatus::Removed)
            .filter(|e| !nodes.iter().any(|n| n.service_name == e.service_name))
            .map(|e| e.service_name.as_str())
            .collect();
        if !foreign.is_empty() {
            return Err(Error::backend(format!(
                "not resetting antctl: its registry holds {} that wnm does not manage, and `antctl reset --force` would remove {} too; remove {} with antctl, or take {} over with `wnm --init --import`, then tear down again",
                foreign.join(", "),
                if foreign.len() == 1 { "it" } else { "them" },
                if foreign.len() == 1 { "it" } else { "them" },
                if foreign.len() == 1 { "it" } else { "them" },
            )));
        }
        for n in nodes {
            self.remove(n).await?;
        }
        let cmd = self.antctl.reset();
        let out = self.run(&cmd).await;
        self.invalidate();
        self.set_next(None);
        check(&cmd, &out?, "resetting antctl (antctl reset --force)")
    }
}

/// When a node was created, as its data dir tells (creation time, else modification time).
fn dir_age(p: &Path) -> Option<UnixTime> {
    let m = std::fs::metadata(p).ok()?;
    let t = m.created().or_else(|_| m.modified()).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as UnixTime)
}
