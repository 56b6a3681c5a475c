//! The thin layer over bollard: connect (honouring `DOCKER_HOST`, negotiating the API version
//! with older engines), list a colony's pods by label, check the image, create, start, stop and
//! remove pods, and read a pod's processes (`docker top`, host pids and command lines).
use crate::error::{docker_error, image_missing, status_code};
use crate::spec::{LABEL_COLONY, LABEL_POD, PodSpec};
use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, ContainerSummary, ContainerSummaryStateEnum, HostConfig, Mount, MountType,
    RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder, TopOptionsBuilder,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::OnceCell;
use wnm_core::{Error, Result};

/// One pod container of the colony, as docker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// Docker's container id.
    pub id: String,
    /// Container name (without the leading `/`).
    pub name: String,
    /// Pod number (label `wnm.pod`).
    pub number: u32,
    /// Docker's state (`running`, `exited`, `created` ...).
    pub state: String,
    /// Image it runs.
    pub image: String,
    /// Creation time (epoch s).
    pub created: i64,
}

impl Pod {
    /// The container runs (its supervisor can act).
    pub fn running(&self) -> bool {
        self.state == "running"
    }
}

/// One process in a pod, as `docker top` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodProcess {
    /// Host pid.
    pub pid: u32,
    /// Command line, arguments joined by spaces.
    pub args: String,
}

/// How often the engine was asked for a colony's container list and for a pod's processes
/// (the answers the backend caches; benchmarks and tests count them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineCalls {
    /// `docker ps` (container lists).
    pub lists: u64,
    /// `docker top` (process lists).
    pub tops: u64,
}

/// The docker engine, connected on first use. Clones share the connection and the counts
/// (a clone can go into a task of its own).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    client: OnceCell<Docker>,
    lists: AtomicU64,
    tops: AtomicU64,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

fn state_name(s: Option<ContainerSummaryStateEnum>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

/// The body that creates the container of `spec`.
pub fn create_body(spec: &PodSpec) -> ContainerCreateBody {
    let mounts = spec
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.target.to_string_lossy().into_owned()),
            source: Some(m.source.to_string_lossy().into_owned()),
            typ: Some(MountType::BIND),
            read_only: Some(m.read_only),
            ..Default::default()
        })
        .collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        entrypoint: Some(spec.entrypoint.clone()),
        cmd: Some(Vec::new()),
        user: Some(spec.user.clone()),
        env: Some(spec.env.clone()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        stop_timeout: Some(spec.stop_timeout_secs),
        host_config: Some(HostConfig {
            network_mode: Some("host".to_string()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            mounts: Some(mounts),
            init: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Parse `docker top` output (titles and rows) into processes: the `PID` column and the last
/// column (`COMMAND`/`CMD`).
pub fn parse_top(titles: &[String], rows: &[Vec<String>]) -> Vec<PodProcess> {
    let Some(pid_col) = titles.iter().position(|t| t == "PID") else {
        return Vec::new();
    };
    let cmd_col = titles
        .iter()
        .position(|t| t == "COMMAND" || t == "CMD" || t == "ARGS")
        .unwrap_or(titles.len().saturating_sub(1));
    rows.iter()
        .filter_map(|r| {
            Some(PodProcess {
                pid: r.get(pid_col)?.trim().parse().ok()?,
                args: r.get(cmd_col).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The pod a listed container is, when it carries `colony`'s label. A container with the
/// label but no pod number was not made by wnm (or was changed by hand): an error naming it,
/// since its name may block a pod wnm wants to create.
pub fn pod_of(colony: &str, c: ContainerSummary) -> Option<Result<Pod>> {
    let labels = c.labels.unwrap_or_default();
    if labels.get(LABEL_COLONY).map(String::as_str) != Some(colony) {
        return None;
    }
    let name = c
        .names
        .and_then(|n| n.into_iter().next())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let id = c.id.unwrap_or_default();
    let number = labels
        .get(LABEL_POD)
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n > 0);
    let Some(number) = number else {
        let what = labels.get(LABEL_POD).map_or_else(
            || format!("no {LABEL_POD} label"),
            |v| format!("{LABEL_POD}={v:?}, which is not a pod number"),
        );
        let shown = if name.is_empty() { &id } else { &name };
        return Some(Err(Error::backend(format!(
            "container {shown} carries this colony's label {LABEL_COLONY}={colony} but {what}; wnm did not make it so: remove it (`docker rm -f {shown}`)"
        ))));
    };
    Some(Ok(Pod {
        id,
        name,
        number,
        state: state_name(c.state),
        image: c.image.unwrap_or_default(),
        created: c.created.unwrap_or(0),
    }))
}

impl Engine {
    /// An engine connected on first use.
    pub fn new() -> Self {
        Engine {
            inner: Arc::new(Inner {
                client: OnceCell::new(),
                lists: AtomicU64::new(0),
                tops: AtomicU64::new(0),
            }),
        }
    }

    /// The list and top calls made so far.
    pub fn calls(&self) -> EngineCalls {
        EngineCalls {
            lists: self.inner.lists.load(Ordering::Relaxed),
            tops: self.inner.tops.load(Ordering::Relaxed),
        }
    }

    async fn client(&self) -> Result<&Docker> {
        self.inner
            .client
            .get_or_try_init(|| async {
                let d = Docker::connect_with_defaults()
                    .map_err(|e| docker_error("connecting to the Docker engine", e))?;
                d.negotiate_version()
                    .await
                    .map_err(|e| docker_error("asking the Docker engine for its version", e))
            })
            .await
    }

    /// Every pod of `colony` (running or not), by number.
    pub async fn pods(&self, colony: &str) -> Result<Vec<Pod>> {
        let d = self.client().await?;
        let mut filters = HashMap::new();
        filters.insert("label", vec![format!("{LABEL_COLONY}={colony}")]);
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        self.inner.lists.fetch_add(1, Ordering::Relaxed);
        let list = d
            .list_containers(Some(opts))
            .await
            .map_err(|e| docker_error("listing this colony's containers", e))?;
        let mut pods: Vec<Pod> = list
            .into_iter()
            .filter_map(|c| pod_of(colony, c))
            .collect::<Result<_>>()?;
        pods.sort_by_key(|p| p.number);
        Ok(pods)
    }

    /// Fail with what to do unless `image` is on the host.
    pub async fn require_image(&self, image: &str) -> Result<()> {
        let d = self.client().await?;
        match d.inspect_image(image).await {
            Ok(_) => Ok(()),
            Err(e) if status_code(&e) == Some(404) => Err(image_missing(image)),
            Err(e) => Err(docker_error(&format!("looking for image {image}"), e)),
        }
    }

    /// Create the container of `spec`; returns its id.
    pub async fn create(&self, spec: &PodSpec) -> Result<String> {
        let d = self.client().await?;
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        match d.create_container(Some(opts), create_body(spec)).await {
            Ok(r) => Ok(r.id),
            Err(e) if status_code(&e) == Some(409) => Err(Error::backend(format!(
                "a container named {} exists that is not one of this colony's pods (label {LABEL_COLONY}); wnm will not touch it: remove or rename it ({e})",
                spec.name
            ))),
            Err(e) => Err(docker_error(
                &format!("creating container {}", spec.name),
                e,
            )),
        }
    }

    /// Start a container (already running is fine).
    pub async fn start(&self, name: &str) -> Result<()> {
        let d = self.client().await?;
        match d.start_container(name, None).await {
            Ok(()) => Ok(()),
            Err(e) if status_code(&e) == Some(304) => Ok(()),
            Err(e) => Err(docker_error(&format!("starting container {name}"), e)),
        }
    }

    /// Stop a container, giving it `secs` before docker kills it.
    pub async fn stop(&self, name: &str, secs: i32) -> Result<()> {
        let d = self.client().await?;
        let opts = StopContainerOptionsBuilder::default().t(secs).build();
        match d.stop_container(name, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) if matches!(status_code(&e), Some(304 | 404)) => Ok(()),
            Err(e) => Err(docker_error(&format!("stopping container {name}"), e)),
        }
    }

    /// Remove a container (forced; one already gone is fine).
    pub async fn remove(&self, name: &str) -> Result<()> {
        let d = self.client().await?;
        let opts = RemoveContainerOptionsBuilder::default().force(true).build();
        match d.remove_container(name, Some(opts)).await {
            Ok(()) => Ok(()),
            Err(e) if status_code(&e) == Some(404) => Ok(()),
            Err(e) => Err(docker_error(&format!("removing container {name}"), e)),
        }
    }

    /// The processes of a running container (host pids); none when it does not run.
    pub async fn top(&self, name: &str) -> Result<Vec<PodProcess>> {
        let d = self.client().await?;
        let opts = TopOptionsBuilder::default().ps_args("-eo pid,args").build();
        self.inner.tops.fetch_add(1, Ordering::Relaxed);
        match d.top_processes(name, Some(opts)).await {
            Ok(r) => Ok(parse_top(
                r.titles.as_deref().unwrap_or_default(),
                r.processes.as_deref().unwrap_or_default(),
            )),
            // Not running (409 on newer engines, 500 on older ones) or gone: no processes.
            Err(e) if matches!(status_code(&e), Some(404 | 409)) => Ok(Vec::new()),
            Err(e) if status_code(&e) == Some(500) && e.to_string().contains("is not running") => {
                Ok(Vec::new())
            }
            Err(e) => Err(docker_error(&format!("listing the processes of {name}"), e)),
        }
    }
}

/// An error unless the container spec's paths can be mounted: every mount source must exist.
pub fn check_mount_sources(spec: &PodSpec) -> Result<()> {
    for m in &spec.mounts {
        if !m.source.exists() {
            return Err(Error::not_found(format!(
                "cannot create container {}: {} (to be mounted at {}) does not exist",
                spec.name,
                m.source.display(),
                m.target.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::config;

    #[test]
    fn create_body_is_host_network_unless_stopped_with_bind_mounts() {
        let (_d, cfg) = config();
        let spec = crate::spec::pod_spec(&cfg, 1);
        let b = create_body(&spec);
        let h = b.host_config.as_ref().unwrap();
        assert_eq!(h.network_mode.as_deref(), Some("host"));
        assert_eq!(
            h.restart_policy.as_ref().unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let mounts = h.mounts.as_ref().unwrap();
        assert_eq!(mounts.len(), spec.mounts.len());
        assert!(mounts.iter().all(|m| m.typ == Some(MountType::BIND)));
        assert_eq!(
            mounts.iter().filter(|m| m.read_only == Some(true)).count(),
            1
        );
        assert_eq!(b.entrypoint.as_ref(), Some(&spec.entrypoint));
        assert_eq!(b.cmd.as_deref(), Some(&[][..]));
        assert_eq!(b.user.as_deref(), Some("1000:1000"));
        assert_eq!(b.labels.as_ref().unwrap()[LABEL_COLONY], cfg.colony);
        assert_eq!(b.stop_timeout, Some(spec.stop_timeout_secs));
        // What the engine receives: the JSON names of the Docker API.
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(json["HostConfig"]["NetworkMode"], "host");
        assert_eq!(
            json["HostConfig"]["RestartPolicy"]["Name"],
            "unless-stopped"
        );
        assert_eq!(json["HostConfig"]["Mounts"][0]["Type"], "bind");
        let e = check_mount_sources(&spec).unwrap_err();
        assert!(e.message().contains("does not exist"), "{e}");
    }

    #[test]
    fn listed_containers_become_pods_and_a_colony_container_without_a_number_is_named() {
        let listed = |labels: &[(&str, &str)]| ContainerSummary {
            id: Some("abc123".into()),
            names: Some(vec!["/wnm-pod-c0ffee-2".into()]),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            state: Some(ContainerSummaryStateEnum::RUNNING),
            image: Some("img".into()),
            created: Some(7),
            ..Default::default()
        };
        let p = pod_of(
            "c0ffee",
            listed(&[(LABEL_COLONY, "c0ffee"), (LABEL_POD, "2")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (p.id.as_str(), p.name.as_str(), p.number, p.created),
            ("abc123", "wnm-pod-c0ffee-2", 2, 7)
        );
        assert!(p.running());
        // Another colony's pod, or no label at all: not ours.
        assert!(
            pod_of(
                "c0ffee",
                listed(&[(LABEL_COLONY, "other"), (LABEL_POD, "2")])
            )
            .is_none()
        );
        assert!(pod_of("c0ffee", listed(&[])).is_none());
        // Ours, but no usable pod number: an error that names it and says what to do.
        for bad in [
            &[(LABEL_COLONY, "c0ffee")][..],
            &[(LABEL_COLONY, "c0ffee"), (LABEL_POD, "x")][..],
            &[(LABEL_COLONY, "c0ffee"), (LABEL_POD, "0")][..],
        ] {
            let e = pod_of("c0ffee", listed(bad)).unwrap().unwrap_err();
            assert!(e.message().contains("docker rm -f wnm-pod-c0ffee-2"), "{e}");
            assert!(e.message().contains(LABEL_POD), "{e}");
        }
    }

    #[test]
    fn top_rows_are_read_by_column_name() {
        let titles: Vec<String> = ["PID", "COMMAND"].map(String::from).into();
        let rows = vec![
            vec![
                "4242".to_string(),
                "/usr/local/bin/wnm-pod pod --control /c".to_string(),
            ],
            vec![
                "4250".to_string(),
                "/n/antnode0001/antnode --root-dir /n/antnode0001".to_string(),
            ],
            vec!["x".to_string(), "junk".to_string()],
        ];
        let p = parse_top(&titles, &rows);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].pid, 4250);
        assert!(p[1].args.contains("--root-dir /n/antnode0001"));
        let titles: Vec<String> = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
            .map(String::from)
            .into();
        let rows = vec![
            [
                "root",
                "7",
                "1",
                "0",
                "07:06",
                "?",
                "00:00:00",
                "sleep 1000",
            ]
            .map(String::from)
            .to_vec(),
        ];
        assert_eq!(
            parse_top(&titles, &rows),
            [PodProcess {
                pid: 7,
                args: "sleep 1000".into()
            }]
        );
        assert!(parse_top(&[], &rows).is_empty());
    }
}
