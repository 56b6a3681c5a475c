//! Tests of `collect`: when `/metadata` is read, that the machine window spans the survey, which
//! node dirs the sampler is given, and when the backend is asked for a process state. Against
//! small HTTP servers on 127.0.0.1 serving the captured antnode 0.4.11 bodies.
use super::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wnm_core::{Capabilities, ProcessState};
use wnm_survey::FixedSampler;

const METRICS: &str = include_str!("../../wnm-testkit/fixtures/antnode-0.4.11/metrics.txt");
const METADATA: &str = include_str!("../../wnm-testkit/fixtures/antnode-0.4.11/metadata.txt");
const NOW: UnixTime = 1_800_000_000;
const DAY: i64 = 86_400;

fn node(id: u32, metrics_port: u16) -> Node {
    Node {
        id,
        service_name: wnm_core::service_name(id),
        port: 0,
        metrics_port,
        rpc_port: 0,
        root_dir: format!("/var/antctl/services/antnode{id:04}"),
        log_dir: format!("/var/log/antnode/antnode{id:04}"),
        binary: format!("/var/antctl/services/antnode{id:04}/antnode"),
        user: "ant".into(),
        wallet: "0x00455d78f850b0358E8cea5be24d415E01E107CF".into(),
        network: "evm-arbitrum-one".into(),
        version: Some("0.4.11".into()),
        peer_id: Some("12D3KooWP1wRSR7WmExd3c3x6ZMaTMXuuarGvx7aY21FCvCTVn6z".into()),
        status: NodeStatus::Running,
        status_changed_at: NOW - DAY,
        created_at: NOW - DAY,
        manager: "setsid+user".parse().expect("manager"),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: String::new(),
        metrics: wnm_core::NodeMetrics {
            uptime: 5_000,
            ..Default::default()
        },
    }
}

#[test]
fn metadata_is_wanted_only_when_it_can_have_changed() {
    let steady = node(1, 1);
    assert_eq!(wants_metadata(&steady, NOW), None);
    let with = |f: &dyn Fn(&mut Node)| {
        let mut n = steady.clone();
        f(&mut n);
        wants_metadata(&n, NOW)
    };
    assert_eq!(with(&|n| n.version = None), Some("version unknown"));
    assert_eq!(with(&|n| n.peer_id = None), Some("peer id unknown"));
    assert_eq!(
        with(&|n| n.status = NodeStatus::Restarting),
        Some("started or restarted")
    );
    assert_eq!(
        with(&|n| n.status = NodeStatus::Upgrading),
        Some("upgraded")
    );
    assert_eq!(
        with(&|n| n.status = NodeStatus::Stopped),
        Some("not running before")
    );
    assert_eq!(with(&|n| n.created_at = NOW - 60), Some("new"));
    assert_eq!(with(&|n| n.metrics.uptime = 0), Some("no uptime stored"));
    assert_eq!(
        with(&|n| n.metrics.uptime = YOUNG_UPTIME_SECS - 1),
        Some("uptime too young to tell a restart")
    );
    assert_eq!(with(&|n| n.metrics.uptime = YOUNG_UPTIME_SECS), None);
    assert_eq!(with(&|n| n.created_at = NOW - NEW_NODE_SECS), None);
    // Not asked up front, the survey still reads it when the uptime went down.
    let t = target(&steady, NOW);
    assert!(!t.read_metadata);
    assert_eq!(t.metadata_if_uptime_below, Some(5_000));
    assert!(target(&with_status(NodeStatus::Stopped), NOW).read_metadata);
}

fn with_status(s: NodeStatus) -> Node {
    let mut n = node(1, 1);
    n.status = s;
    n
}

/// What a test server saw.
#[derive(Default)]
struct Seen {
    /// (path, when) of every request.
    requests: Vec<(String, Instant)>,
}

/// One emulated node: `/metrics` with `uptime`, `/metadata` with `version`; keep-alive.
async fn server(uptime: u64, version: &'static str) -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let metrics = METRICS.replace(
        "\nant_node_uptime 80\n",
        &format!("\nant_node_uptime {uptime}\n"),
    );
    assert_ne!(metrics, METRICS, "the fixture has its uptime line");
    let metadata = METADATA.replace("\"0.4.11\"", &format!("\"{version}\""));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (seen, metrics, metadata) = (seen2.clone(), metrics.clone(), metadata.clone());
            tokio::spawn(async move {
                let mut pending = Vec::new();
                let mut buf = [0u8; 2048];
                loop {
                    let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => pending.extend_from_slice(&buf[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&pending[..end]).to_string();
                    pending.drain(..end + 4);
                    let path = head.split(' ').nth(1).unwrap_or("").to_string();
                    seen.lock()
                        .expect("lock")
                        .requests
                        .push((path.clone(), Instant::now()));
                    let (status, body) = match path.as_str() {
                        "/metrics" => ("200 OK", metrics.as_str()),
                        "/metadata" => ("200 OK", metadata.as_str()),
                        _ => ("404 Not Found", "no"),
                    };
                    let out = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/openmetrics-text;charset=utf-8;version=1.0.0\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if s.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

fn metadata_reads(seen: &Mutex<Seen>) -> usize {
    let seen = seen.lock().expect("lock");
    seen.requests
        .iter()
        .filter(|(p, _)| p == "/metadata")
        .count()
}

/// A sampler that records when its window opened and closed around a [`FixedSampler`].
struct Recording {
    inner: FixedSampler,
    begun_at: Option<Instant>,
    finished_at: Option<Instant>,
    node_paths: Vec<PathBuf>,
}

#[async_trait]
impl MachineSampler for Recording {
    fn set_node_paths(&mut self, paths: Vec<PathBuf>) {
        self.node_paths = paths;
    }

    fn begin(&mut self) -> Result<()> {
        self.begun_at = Some(Instant::now());
        self.inner.begin()
    }

    async fn finish(&mut self) -> Result<MachineMetrics> {
        self.finished_at = Some(Instant::now());
        self.inner.finish().await
    }
}

/// Reports every node stopped and remembers whom it was asked about.
#[derive(Default)]
struct AskedBackend {
    asked: Mutex<Vec<u32>>,
}

#[async_trait]
impl Backend for AskedBackend {
    fn kind(&self) -> &str {
        "asked"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::basic(vec![wnm_core::ManagerMode::User])
    }

    async fn create(&self, node: &Node, _source: &std::path::Path) -> Result<Node> {
        Ok(node.clone())
    }

    async fn start(&self, _node: &Node) -> Result<()> {
        Ok(())
    }

    async fn stop(&self, _node: &Node) -> Result<()> {
        Ok(())
    }

    async fn remove(&self, _node: &Node) -> Result<()> {
        Ok(())
    }

    async fn status(&self, node: &Node) -> Result<ProcessState> {
        self.asked.lock().expect("lock").push(node.id);
        Ok(ProcessState::Stopped)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_reads_metadata_only_where_it_can_have_changed_inside_the_machine_window() {
    let (p_steady, steady) = server(5_060, "0.4.11").await;
    let (p_restarted, restarted) = server(40, "0.4.12").await;
    let (p_unknown, unknown) = server(9_000, "0.4.11").await;
    let (p_was_stopped, was_stopped) = server(30, "0.4.11").await;
    let (p_upgraded, upgraded) = server(20, "0.4.13").await;
    let gone = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let p_gone = gone.local_addr().expect("addr").port();
    drop(gone);

    let mut nodes = vec![
        node(1, p_steady),
        node(2, p_restarted),
        node(3, p_unknown),
        node(4, p_was_stopped),
        node(5, p_upgraded),
        node(6, p_gone),
        node(7, p_steady),
    ];
    nodes[2].version = None;
    nodes[3].status = NodeStatus::Stopped;
    nodes[3].metrics = Default::default();
    nodes[4].status = NodeStatus::Upgrading;
    nodes[6].status = NodeStatus::Disabled;
    nodes[6].root_dir = "/srv/disk2/antnode0007".into();

    let mut sampler = Recording {
        inner: FixedSampler::new(MachineMetrics {
            cpu_percent: 12.5,
            cpu_count: 2,
            ..Default::default()
        }),
        begun_at: None,
        finished_at: None,
        node_paths: Vec::new(),
    };
    let backend = AskedBackend::default();
    let before = Instant::now();
    let got = collect(
        nodes,
        &backend,
        &mut sampler,
        &SurveyOptions {
            timeout: Duration::from_secs(5),
            ..SurveyOptions::default()
        },
        NOW,
    )
    .await
    .expect("collect");

    assert_eq!(got.metrics.cpu_percent, 12.5, "the sampler's figures");
    assert_eq!(sampler.inner.begun, 1, "one window");
    assert_eq!(got.surveyed, 6, "the disabled node is not surveyed");
    // The cpu window overlaps the survey: opened before the first request, closed after the last.
    let (begun, finished) = (
        sampler.begun_at.expect("begun"),
        sampler.finished_at.expect("finished"),
    );
    let all: Vec<Instant> = [&steady, &restarted, &unknown, &was_stopped, &upgraded]
        .iter()
        .flat_map(|s| {
            s.lock()
                .expect("lock")
                .requests
                .iter()
                .map(|(_, t)| *t)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(all.len() >= 5);
    assert!(before <= begun);
    assert!(
        all.iter().all(|t| begun <= *t && *t <= finished),
        "every request inside the window"
    );
    // Every node's root dir is handed to the sampler (disk % of every filesystem with node data).
    assert_eq!(sampler.node_paths.len(), 7);
    assert!(
        sampler
            .node_paths
            .contains(&PathBuf::from("/srv/disk2/antnode0007"))
    );

    assert_eq!(metadata_reads(&steady), 0, "steady node: /metrics only");
    assert_eq!(metadata_reads(&restarted), 1, "uptime went down: restarted");
    assert_eq!(metadata_reads(&unknown), 1, "version unknown");
    assert_eq!(metadata_reads(&was_stopped), 1, "not running before");
    assert_eq!(metadata_reads(&upgraded), 1, "upgraded");

    let by_id = |id: u32| got.nodes.iter().find(|n| n.id == id).expect("node");
    assert_eq!(by_id(1).metrics.uptime, 5_060);
    assert_eq!(
        by_id(2).version.as_deref(),
        Some("0.4.12"),
        "restart noticed"
    );
    assert_eq!(by_id(3).version.as_deref(), Some("0.4.11"));
    assert_eq!(by_id(4).status, NodeStatus::Running, "answering again");
    assert_eq!(by_id(5).version.as_deref(), Some("0.4.13"));
    assert_eq!(
        by_id(6).status,
        NodeStatus::Stopped,
        "not answering, process stopped"
    );
    assert_eq!(
        *backend.asked.lock().expect("lock"),
        vec![6],
        "only the silent node is probed"
    );
    assert_eq!(got.changes.len(), 2, "{:?}", got.changes);
}

#[test]
fn survey_reasons_say_what_was_observed() {
    let n = node(7, 13007);
    let r = |a, p| survey_reason(&n, a, p);
    assert_eq!(
        r(Answer::NotAnswering, Some(ProcessState::Missing)),
        "survey antnode0007: metrics port 127.0.0.1:13007 does not answer and no process, service or directory exists for it"
    );
    assert_eq!(
        r(Answer::NotAnswering, Some(ProcessState::Stopped)),
        "survey antnode0007: metrics port 127.0.0.1:13007 does not answer and its process is stopped"
    );
    assert_eq!(
        r(
            Answer::BadAnswer,
            Some(ProcessState::Running { pid: Some(42) })
        ),
        "survey antnode0007: metrics port 127.0.0.1:13007 answers with no valid metrics and its process runs (pid 42)"
    );
    assert_eq!(
        r(Answer::Answering, None),
        "survey antnode0007: metrics port 127.0.0.1:13007 answers"
    );
    assert_eq!(
        r(Answer::NotAsked, Some(ProcessState::Running { pid: None })),
        "survey antnode0007: its process runs"
    );
}
