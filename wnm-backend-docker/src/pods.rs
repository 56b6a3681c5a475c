//! The colony's pods as the backend keeps them: which pod holds a node (its desired file in the
//! pod's control dir), how full each pod is, bringing a pod up (dirs, image check, container
//! create/start) and removing empty ones. Docker answers (`list`, `top`) are cached for
//! `cache_ttl` (2 s): one call per pod per cycle, not one per node.
use crate::config::DockerConfig;
use crate::control::{desired_path, services_in};
use crate::engine::{Engine, EngineCalls, Pod, PodProcess, check_mount_sources};
use crate::fsops::{ensure_dir, remove_tree};
use crate::spec::{PodLoad, pod_name, pod_spec, pods_to_remove};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wnm_core::{Error, Result};

#[derive(Default)]
struct Cache {
    pods: Option<(Instant, Vec<Pod>)>,
    top: HashMap<String, (Instant, Vec<PodProcess>)>,
}

/// The pods of one colony.
pub struct Pods {
    cfg: DockerConfig,
    engine: Engine,
    cache: Mutex<Cache>,
}

fn fresh<T: Clone>(entry: Option<&(Instant, T)>, ttl: Duration) -> Option<T> {
    entry
        .filter(|(t, _)| t.elapsed() < ttl)
        .map(|(_, v)| v.clone())
}

impl Pods {
    /// The pods of `cfg`'s colony, through `engine`.
    pub fn new(cfg: DockerConfig, engine: Engine) -> Self {
        Pods {
            cfg,
            engine,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// How often docker was asked for container and process lists.
    pub fn calls(&self) -> EngineCalls {
        self.engine.calls()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forget every cached answer (after a change, or at the end of a cycle).
    pub fn invalidate(&self) {
        *self.cache() = Cache::default();
    }

    /// Forget pod `n`'s cached processes (after a start or stop there did not go as asked).
    pub fn forget_processes(&self, n: u32) {
        self.cache().top.remove(&pod_name(&self.cfg.colony, n));
    }

    /// The colony's pod containers (cached unless `fresh_only`).
    pub async fn containers(&self, fresh_only: bool) -> Result<Vec<Pod>> {
        if !fresh_only && let Some(p) = fresh(self.cache().pods.as_ref(), self.cfg.cache_ttl) {
            return Ok(p);
        }
        let pods = self.engine.pods(&self.cfg.colony).await?;
        self.cache().pods = Some((Instant::now(), pods.clone()));
        Ok(pods)
    }

    /// The container of pod `n`, if there is one.
    pub async fn container(&self, n: u32, fresh_only: bool) -> Result<Option<Pod>> {
        Ok(self
            .containers(fresh_only)
            .await?
            .into_iter()
            .find(|p| p.number == n))
    }

    /// The processes of pod `n` (cached unless `fresh_only`); none when it does not run.
    pub async fn processes(&self, n: u32, fresh_only: bool) -> Result<Vec<PodProcess>> {
        let name = pod_name(&self.cfg.colony, n);
        if !fresh_only && let Some(p) = fresh(self.cache().top.get(&name), self.cfg.cache_ttl) {
            return Ok(p);
        }
        let procs = self.engine.top(&name).await?;
        self.cache()
            .top
            .insert(name, (Instant::now(), procs.clone()));
        Ok(procs)
    }

    /// Pod numbers that have a control dir on disk.
    pub fn pod_dirs(&self) -> Result<Vec<u32>> {
        let base = &self.cfg.control_base;
        let entries = match std::fs::read_dir(base) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("reading {}", base.display()), e)),
        };
        let mut out: Vec<u32> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let n: u32 = name.strip_prefix("pod-")?.parse().ok()?;
                (n > 0 && e.path().is_dir()).then_some(n)
            })
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// The pod whose control dir holds `service`'s desired-state file.
    pub fn pod_of(&self, service: &str) -> Result<Option<u32>> {
        Ok(self
            .pod_dirs()?
            .into_iter()
            .find(|n| desired_path(&self.cfg.control_dir(*n), service).is_file()))
    }

    /// Every pod (with a container or a control dir) and how many nodes it holds.
    pub async fn loads(&self) -> Result<Vec<PodLoad>> {
        let mut numbers: BTreeSet<u32> = self.pod_dirs()?.into_iter().collect();
        numbers.extend(self.containers(false).await?.iter().map(|p| p.number));
        numbers
            .into_iter()
            .map(|n| {
                let nodes = services_in(&self.cfg.control_dir(n))?.len();
                Ok(PodLoad {
                    number: n,
                    nodes: u32::try_from(nodes).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    fn make_dirs(&self, n: u32) -> Result<PathBuf> {
        let owner = self.cfg.owner;
        for d in [&self.cfg.node_storage, &self.cfg.log_base] {
            ensure_dir(d, None)?;
        }
        ensure_dir(&self.cfg.control_base, None)?;
        let control = self.cfg.control_dir(n);
        ensure_dir(&control, owner)?;
        ensure_dir(&control.join("home"), owner)?;
        Ok(control)
    }

    /// Pod `n` running: its dirs made, its container created (the image must be on the host)
    /// and started. A container that will not start (its wnm binary gone, say) is made anew.
    pub async fn ensure_running(&self, n: u32) -> Result<Pod> {
        self.make_dirs(n)?;
        let spec = pod_spec(&self.cfg, n);
        let existing = self.container(n, true).await?;
        if let Some(p) = &existing {
            if p.running() {
                return Ok(p.clone());
            }
            match self.engine.start(&p.name).await {
                Ok(()) => return self.started(n).await,
                Err(e) => {
                    tracing::warn!("{}: {e}; creating it anew", p.name);
                    self.engine.remove(&p.name).await?;
                }
            }
        }
        self.engine.require_image(&self.cfg.image).await?;
        check_mount_sources(&spec)?;
        self.engine.create(&spec).await?;
        self.engine.start(&spec.name).await?;
        tracing::info!(pod = %spec.name, "pod created and started");
        self.started(n).await
    }

    async fn started(&self, n: u32) -> Result<Pod> {
        self.invalidate();
        self.container(n, true).await?.ok_or_else(|| {
            Error::backend(format!(
                "container {} vanished right after it was started",
                pod_name(&self.cfg.colony, n)
            ))
        })
    }

    /// Remove the pods [`pods_to_remove`] names (their containers, at once, and their control
    /// dirs); returns their numbers.
    pub async fn prune(&self) -> Result<Vec<u32>> {
        let loads = self.loads().await?;
        let gone = pods_to_remove(&loads, self.cfg.min_pods);
        if gone.is_empty() {
            return Ok(gone);
        }
        let doomed: Vec<Pod> = self
            .containers(true)
            .await?
            .into_iter()
            .filter(|p| gone.contains(&p.number))
            .collect();
        self.remove_containers(&doomed).await?;
        for n in &gone {
            remove_tree(&self.cfg.control_dir(*n))?;
        }
        if self.pod_dirs()?.is_empty() {
            // Only when empty: never anything else someone put there.
            let _ = std::fs::remove_dir(&self.cfg.control_base);
        }
        Ok(gone)
    }

    /// Stop and remove these pod containers, all at once (each supervisor stops its nodes
    /// first, within the pod's stop timeout). Every pod is tried; the first failure is returned.
    pub async fn remove_containers(&self, pods: &[Pod]) -> Result<()> {
        let secs = i32::try_from(self.cfg.stop_grace.as_secs() + 20).unwrap_or(i32::MAX);
        let mut stops = tokio::task::JoinSet::new();
        for p in pods {
            let engine = self.engine.clone();
            let name = p.name.clone();
            stops.spawn(async move {
                engine.stop(&name, secs).await?;
                engine.remove(&name).await?;
                tracing::info!(pod = %name, "pod removed");
                Ok::<(), Error>(())
            });
        }
        let mut first: Option<Error> = None;
        while let Some(r) = stops.join_next().await {
            let r = r.unwrap_or_else(|e| Err(Error::backend(format!("removing a pod: {e}"))));
            if let Err(e) = r {
                first.get_or_insert(e);
            }
        }
        self.invalidate();
        first.map_or(Ok(()), Err)
    }
}
