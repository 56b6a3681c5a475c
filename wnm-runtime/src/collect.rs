//! Collecting: machine metrics over a window that overlaps the node survey, then each node's
//! figures and true status (survey answer, and the process state where the answer is not enough).
use crate::probe::{Probe, Prober};
use crate::reconcile::{Answer, observed_status};
use async_trait::async_trait;
use std::collections::HashMap;
use std::time::Duration;
use wnm_core::profile::line_by_name;
use wnm_core::{Backend, HealthCheck, MachineMetrics, Node, NodeStatus, Result, UnixTime};
use wnm_survey::MachineSampler;
use wnm_survey::{MetadataReading, Outcome, SurveyOptions, SurveyTarget, survey, survey_node};

/// What one collection saw.
#[derive(Debug, Clone)]
pub struct Collected {
    /// Every node, with figures and status brought up to date (DISABLED ones untouched).
    pub nodes: Vec<Node>,
    /// Host figures over the survey window.
    pub metrics: MachineMetrics,
    /// Mean answer time of the nodes that answered, in ms.
    pub latency_ms: Option<f64>,
    /// Nodes surveyed over HTTP.
    pub surveyed: usize,
    /// Nodes whose status changed, as `antnode0001 RUNNING -> STOPPED (not answering, process stopped)`.
    pub changes: Vec<String>,
    /// The history reason of each status change, what was observed, as a sentence.
    pub reasons: HashMap<u32, String>,
}

/// Whether a node is looked at this cycle.
fn watched(n: &Node) -> bool {
    !matches!(
        n.status,
        NodeStatus::Disabled | NodeStatus::Dead | NodeStatus::Removing
    )
}

fn uses_http(n: &Node) -> bool {
    line_by_name(&n.line).is_some_and(|l| matches!(l.health(), HealthCheck::Metrics { .. }))
}

/// A stored uptime below this cannot tell a restart since the last survey (cron runs wnm
/// every minute; a node restarted since may already show more than it), so such nodes get
/// their `/metadata` read.
pub const YOUNG_UPTIME_SECS: u64 = 300;
/// A node created less than this long ago is new.
pub const NEW_NODE_SECS: i64 = 600;

/// Why `/metadata` must be read this cycle whatever `/metrics` says, or `None` when it is read
/// only if the node turns out to have restarted (its uptime went down, see [`target`]).
///
/// `/metadata` (version, peer id) can only change when the process changed: the node is new,
/// was (re)started or upgraded, or was not running or not answering before. A node whose
/// answers broke off keeps its stored uptime; if it restarted meanwhile its uptime is lower,
/// and if it did not, its metadata is what it was.
pub fn wants_metadata(n: &Node, now: UnixTime) -> Option<&'static str> {
    Some(if n.version.is_none() {
        "version unknown"
    } else if n.peer_id.is_none() {
        "peer id unknown"
    } else if n.status == NodeStatus::Restarting {
        "started or restarted"
    } else if n.status == NodeStatus::Upgrading {
        "upgraded"
    } else if n.status != NodeStatus::Running {
        "not running before"
    } else if now.saturating_sub(n.created_at) < NEW_NODE_SECS {
        "new"
    } else if n.metrics.uptime == 0 {
        "no uptime stored"
    } else if n.metrics.uptime < YOUNG_UPTIME_SECS {
        "uptime too young to tell a restart"
    } else {
        return None;
    })
}

/// The survey target of a node: `/metadata` when [`wants_metadata`] says so (the reason goes
/// to the debug log), or when the node reports less uptime than stored (it restarted).
pub fn target(n: &Node, now: UnixTime) -> SurveyTarget {
    let why = wants_metadata(n, now);
    if let Some(why) = why {
        tracing::debug!("{}: reading /metadata ({why})", n.service_name);
    }
    let mut t = SurveyTarget::local(n.id, n.metrics_port, why.is_some());
    t.metadata_if_uptime_below = Some(n.metrics.uptime);
    if let Ok(ip) = n.host.parse::<std::net::IpAddr>() {
        t.addr.set_ip(ip);
    }
    t
}

/// Survey every watched node, sample the machine over the same window, and reconcile statuses.
pub async fn collect(
    mut nodes: Vec<Node>,
    backend: &dyn Backend,
    sampler: &mut dyn MachineSampler,
    opts: &SurveyOptions,
    now: UnixTime,
) -> Result<Collected> {
    let targets: Vec<SurveyTarget> = nodes
        .iter()
        .filter(|n| watched(n) && uses_http(n))
        .map(|n| target(n, now))
        .collect();
    sampler.set_node_paths(
        nodes
            .iter()
            .map(|n| std::path::PathBuf::from(&n.root_dir))
            .filter(|p| p.is_absolute())
            .collect(),
    );
    sampler.begin()?;
    let results = survey(&targets, opts).await;
    let metrics = sampler.finish().await?;

    let by_id: HashMap<u32, &wnm_survey::SurveyResult> =
        results.iter().map(|r| (r.id, r)).collect();
    let mut latency = Duration::ZERO;
    let mut answered = 0u32;
    let mut changes = Vec::new();
    let mut reasons = HashMap::new();
    for n in nodes.iter_mut().filter(|n| watched(n)) {
        let answer = match by_id.get(&n.id) {
            None => Answer::NotAsked,
            Some(r) => match &r.outcome {
                Outcome::Answering(reading) => {
                    latency += r.elapsed;
                    answered += 1;
                    n.metrics = reading.metrics.clone();
                    if let MetadataReading::Read(md) = &reading.metadata {
                        if let Some(v) = &md.version {
                            n.version = Some(v.clone());
                        }
                        if let Some(p) = &md.peer_id {
                            n.peer_id = Some(p.clone());
                        }
                    }
                    Answer::Answering
                }
                Outcome::NotAnswering { .. } => Answer::NotAnswering,
                Outcome::BadAnswer { .. } => Answer::BadAnswer,
            },
        };
        // The process state is asked only where the answer does not settle it.
        let process = if answer == Answer::Answering {
            None
        } else {
            match backend.status(n).await {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!("{}: process state unknown: {e}", n.service_name);
                    None
                }
            }
        };
        if let Some(to) = observed_status(n.status, answer, process) {
            changes.push(format!(
                "{} {} -> {to} ({answer:?}, process {process:?})",
                n.service_name, n.status
            ));
            reasons.insert(n.id, survey_reason(n, answer, process));
            n.set_status(to, now)?;
        }
        if answer != Answer::Answering && n.status != NodeStatus::Running {
            n.metrics = Default::default();
        }
    }
    Ok(Collected {
        nodes,
        metrics,
        latency_ms: (answered > 0).then(|| latency.as_secs_f64() * 1000.0 / f64::from(answered)),
        surveyed: targets.len(),
        changes,
        reasons,
    })
}

/// What the survey observed, as the sentence a node's history keeps for the status change
/// (`survey antnode0007: metrics port 127.0.0.1:13007 does not answer and its process is stopped`).
pub fn survey_reason(n: &Node, answer: Answer, process: Option<wnm_core::ProcessState>) -> String {
    use wnm_core::ProcessState;
    let port = format!("metrics port {}:{}", n.host, n.metrics_port);
    let proc_part = match process {
        Some(ProcessState::Running { pid: Some(pid) }) => format!("its process runs (pid {pid})"),
        Some(ProcessState::Running { pid: None }) => "its process runs".to_string(),
        Some(ProcessState::Stopped) => "its process is stopped".to_string(),
        Some(ProcessState::Missing) => "no process, service or directory exists for it".to_string(),
        None => "its process state is unknown".to_string(),
    };
    let who = &n.service_name;
    match answer {
        Answer::Answering => format!("survey {who}: {port} answers"),
        Answer::NotAnswering => format!("survey {who}: {port} does not answer and {proc_part}"),
        Answer::BadAnswer => {
            format!("survey {who}: {port} answers with no valid metrics and {proc_part}")
        }
        Answer::NotAsked => format!("survey {who}: {proc_part}"),
    }
}

/// A [`Prober`] over the survey's single-node read (metadata included).
pub struct SurveyProber {
    /// Timeouts and limits of one read.
    pub opts: SurveyOptions,
}

#[async_trait]
impl Prober for SurveyProber {
    async fn probe(&self, node: &Node) -> Probe {
        if !uses_http(node) {
            return Probe::not_asked();
        }
        let mut t = target(node, 0);
        t.read_metadata = true;
        let r = survey_node(&t, &self.opts).await;
        match r.outcome {
            Outcome::Answering(reading) => {
                let (version, peer_id) = match reading.metadata {
                    MetadataReading::Read(md) => (md.version, md.peer_id),
                    _ => (None, None),
                };
                Probe {
                    answer: Answer::Answering,
                    version,
                    peer_id,
                }
            }
            Outcome::NotAnswering { .. } => Probe {
                answer: Answer::NotAnswering,
                version: None,
                peer_id: None,
            },
            Outcome::BadAnswer { .. } => Probe {
                answer: Answer::BadAnswer,
                version: None,
                peer_id: None,
            },
        }
    }
}

#[cfg(test)]
#[path = "collect_tests.rs"]
mod tests;
