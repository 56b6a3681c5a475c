//! The survey of many nodes: bounded requests in flight, a deadline per node, optional pacing.
//!
//! A fixed pool of `concurrency` tasks pulls targets off a shared counter, so at most that
//! many connections are open at once and no per-target task is spawned. Each task keeps one
//! reusable body buffer and keeps only the extracted figures of a node, so memory stays near
//! `concurrency x body size` whatever the number of nodes. A node that hangs, answers
//! slowly or answers garbage costs its task at most `timeout` and is recorded as such.
use crate::extract::Metadata;
use crate::http::{Failed, Failure, NodeConnection, read_metadata, read_metrics};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use wnm_core::{NodeId, NodeMetrics};

/// One node to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyTarget {
    /// The caller's key for this node (the node id).
    pub id: NodeId,
    /// Where its metrics server listens (antnode binds 127.0.0.1).
    pub addr: SocketAddr,
    /// Also read `/metadata` (version, peer id): set when the node is new, was restarted or
    /// upgraded, or its version is unknown. Otherwise only `/metrics` is read.
    pub read_metadata: bool,
    /// Also read `/metadata` when `/metrics` reports an uptime below this (the node restarted
    /// since the uptime stored for it): decided on the same connection, after `/metrics`.
    pub metadata_if_uptime_below: Option<u64>,
}

impl SurveyTarget {
    /// A node whose metrics server is `127.0.0.1:metrics_port`.
    pub fn local(id: NodeId, metrics_port: u16, read_metadata: bool) -> Self {
        SurveyTarget {
            id,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, metrics_port)),
            read_metadata,
            metadata_if_uptime_below: None,
        }
    }
}

/// How to survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyOptions {
    /// Nodes read at the same time (connections open at once). At least 1.
    pub concurrency: usize,
    /// Upper bound on the time one node may take: connect, requests and bodies together.
    pub timeout: Duration,
    /// Upper bound on connecting (also capped by `timeout`).
    pub connect_timeout: Duration,
    /// Pause between the starts of two node reads (the machine's `survey_delay`); zero = none.
    pub survey_delay: Duration,
    /// A body larger than this is a bad answer.
    pub max_body_bytes: usize,
}

impl Default for SurveyOptions {
    /// 64 in flight, 5 s per node (as wnm 0.5.0), 2 s to connect, no delay, 4 MiB bodies.
    fn default() -> Self {
        SurveyOptions {
            concurrency: 64,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            survey_delay: Duration::ZERO,
            max_body_bytes: 4 << 20,
        }
    }
}

/// What `/metadata` gave, if it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MetadataReading {
    /// The caller did not ask (`read_metadata` was false).
    #[default]
    NotAsked,
    /// Version and peer id as the node reports them.
    Read(Metadata),
    /// `/metrics` answered but `/metadata` did not, or not usably.
    Failed {
        /// What went wrong.
        why: String,
    },
}

/// The figures of a node that answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// Everything wnm reads from `/metrics`.
    pub metrics: NodeMetrics,
    /// What `/metadata` said.
    pub metadata: MetadataReading,
}

/// What surveying one node found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `/metrics` answered with OpenMetrics text.
    Answering(Box<Reading>),
    /// Nothing HTTP came back in time: refused, reset, closed, or silent until the timeout.
    NotAnswering {
        /// What happened.
        why: String,
    },
    /// Something answered, but not usably: an HTTP error status, a body that is not
    /// OpenMetrics, a body cut short or too large, or not HTTP at all.
    BadAnswer {
        /// What was wrong.
        why: String,
    },
}

impl Outcome {
    /// The reading, if the node answered.
    pub fn reading(&self) -> Option<&Reading> {
        match self {
            Outcome::Answering(r) => Some(r),
            _ => None,
        }
    }
}

/// One node's result: plain data for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResult {
    /// The target's id.
    pub id: NodeId,
    /// Where it was read.
    pub addr: SocketAddr,
    /// What was found.
    pub outcome: Outcome,
    /// How long this node took (latency of its answer, or time until it failed).
    pub elapsed: Duration,
}

/// Read every target; one result per target, in the targets' order.
///
/// Runs `opts.concurrency` tasks on the current tokio runtime (a multi-thread runtime
/// spreads parsing over its workers). The whole survey takes about
/// `targets / concurrency x per-node time`, and never more than
/// `ceil(targets / concurrency) x (timeout + survey_delay x concurrency)`.
pub async fn survey(targets: &[SurveyTarget], opts: &SurveyOptions) -> Vec<SurveyResult> {
    if targets.is_empty() {
        return Vec::new();
    }
    let targets: Arc<[SurveyTarget]> = targets.into();
    let next = Arc::new(AtomicUsize::new(0));
    let pacer = Arc::new(Pacer::new(opts.survey_delay));
    let workers = opts.concurrency.clamp(1, targets.len());
    let mut set = JoinSet::new();
    for _ in 0..workers {
        let (targets, next, pacer, opts) =
            (targets.clone(), next.clone(), pacer.clone(), opts.clone());
        set.spawn(async move {
            let mut buf = Vec::with_capacity(64 * 1024);
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                pacer.wait().await;
                done.push((i, read_node(target, &opts, &mut buf).await));
                if buf.capacity() > 1 << 20 {
                    buf = Vec::with_capacity(64 * 1024);
                }
            }
            done
        });
    }
    let mut results: Vec<Option<SurveyResult>> = vec![None; targets.len()];
    let mut failures = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(done) => {
                for (i, r) in done {
                    results[i] = Some(r);
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    results
        .into_iter()
        .zip(targets.iter())
        .map(|(r, t)| {
            r.unwrap_or_else(|| SurveyResult {
                id: t.id,
                addr: t.addr,
                outcome: Outcome::BadAnswer {
                    why: format!("survey task failed: {}", failures.join("; ")),
                },
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

/// Read one node (no pacing): what [`survey`] does per target.
pub async fn survey_node(target: &SurveyTarget, opts: &SurveyOptions) -> SurveyResult {
    let mut buf = Vec::new();
    read_node(target, opts, &mut buf).await
}

async fn read_node(target: &SurveyTarget, opts: &SurveyOptions, buf: &mut Vec<u8>) -> SurveyResult {
    let start = Instant::now();
    let outcome = read_outcome(target, opts, buf, start).await;
    SurveyResult {
        id: target.id,
        addr: target.addr,
        outcome,
        elapsed: start.elapsed(),
    }
}

async fn read_outcome(
    target: &SurveyTarget,
    opts: &SurveyOptions,
    buf: &mut Vec<u8>,
    start: Instant,
) -> Outcome {
    let deadline = start + opts.timeout;
    let connect_deadline = start + opts.connect_timeout;
    let open = || NodeConnection::open(target.addr, connect_deadline, deadline, opts.timeout);
    let mut conn = match open().await {
        Ok(c) => c,
        Err(f) => return failed(f.kind, f.why),
    };
    let metrics = match read_metrics(&mut conn, buf, opts.max_body_bytes).await {
        Ok(m) => m,
        Err(f) => return failed(f.kind, f.why),
    };
    let restarted = target
        .metadata_if_uptime_below
        .is_some_and(|stored| metrics.uptime < stored);
    let metadata = if target.read_metadata || restarted {
        let mut md = Err(None);
        if !conn.is_closed() {
            md = read_metadata(&mut conn, buf, opts.max_body_bytes)
                .await
                .map_err(Some);
        }
        // The server closed after /metrics (or while we reused the connection): one fresh
        // connection for /metadata, within the same deadline.
        if let Err(
            None
            | Some(Failed {
                kind: Failure::NotAnswering,
                ..
            }),
        ) = &md
        {
            md = match open().await {
                Ok(mut c) => read_metadata(&mut c, buf, opts.max_body_bytes)
                    .await
                    .map_err(Some),
                Err(f) => Err(Some(f)),
            };
        }
        match md {
            Ok(md) => MetadataReading::Read(md),
            Err(f) => MetadataReading::Failed {
                why: f.map_or_else(|| "connection closed".to_string(), |f| f.why),
            },
        }
    } else {
        MetadataReading::NotAsked
    };
    answering(metrics, metadata)
}

fn answering(metrics: NodeMetrics, metadata: MetadataReading) -> Outcome {
    Outcome::Answering(Box::new(Reading { metrics, metadata }))
}

fn failed(kind: Failure, why: String) -> Outcome {
    match kind {
        Failure::NotAnswering => Outcome::NotAnswering { why },
        Failure::BadAnswer => Outcome::BadAnswer { why },
    }
}

/// Spaces the starts of node reads `delay` apart across all tasks.
struct Pacer {
    delay: Duration,
    next: std::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    fn new(delay: Duration) -> Self {
        Pacer {
            delay,
            next: std::sync::Mutex::new(None),
        }
    }

    async fn wait(&self) {
        if self.delay.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.delay);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
