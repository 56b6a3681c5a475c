//! The survey against real emulator processes on 127.0.0.1: every fault switch, the
//! concurrency bound, pacing, and what a node reports across restarts.
use std::time::{Duration, Instant};
use wnm_survey::{MetadataReading, Outcome, SurveyOptions, SurveyResult, SurveyTarget, survey};
use wnm_testkit::{EmuNode, ServeMany, emulator_command, free_port};

/// Room for a loaded 2-core host on top of a computed time bound.
const SLACK: Duration = Duration::from_secs(2);

fn opts(timeout_ms: u64, concurrency: usize) -> SurveyOptions {
    SurveyOptions {
        concurrency,
        timeout: Duration::from_millis(timeout_ms),
        connect_timeout: Duration::from_millis(timeout_ms),
        ..SurveyOptions::default()
    }
}

fn why(r: &SurveyResult) -> &str {
    match &r.outcome {
        Outcome::NotAnswering { why } | Outcome::BadAnswer { why } => why,
        Outcome::Answering(_) => "",
    }
}

fn is_answering(r: &SurveyResult) -> bool {
    matches!(r.outcome, Outcome::Answering(_))
}

fn is_not_answering(r: &SurveyResult) -> bool {
    matches!(r.outcome, Outcome::NotAnswering { .. })
}

fn is_bad_answer(r: &SurveyResult) -> bool {
    matches!(r.outcome, Outcome::BadAnswer { .. })
}

#[test]
fn the_helper_finds_the_emulator_cargo_built() {
    let found = wnm_testkit::emulator_path().unwrap();
    assert_eq!(
        found.canonicalize().unwrap(),
        std::path::Path::new(env!("CARGO_BIN_EXE_antnode-emu"))
            .canonicalize()
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_recorded_as_what_it_is_within_the_timeout() {
    let healthy = EmuNode::start(&[]).unwrap();
    let upgraded = EmuNode::start(&["--emu-version", "0.4.12", "--body", "mainnet"]).unwrap();
    let slow_ok = EmuNode::start(&["--emu-slow-ms", "200"]).unwrap();
    let slow_late = EmuNode::start(&["--emu-slow-ms", "5000"]).unwrap();
    let hang = EmuNode::start(&["--emu-hang"]).unwrap();
    let garbage = EmuNode::start(&["--emu-garbage"]).unwrap();
    let not_http = EmuNode::start(&["--emu-not-http"]).unwrap();
    let http500 = EmuNode::start(&["--emu-http-500"]).unwrap();
    let truncated = EmuNode::start(&["--emu-truncate"]).unwrap();
    let mut crashed = EmuNode::start(&["--emu-crash-after", "0.3"]).unwrap();
    // refuse-start: the process exits 1 at once and its metrics port never opens.
    let refused_port = free_port().unwrap();
    let refused = emulator_command()
        .unwrap()
        .args([
            "--emu-refuse-start",
            "--rewards-address",
            wnm_testkit::TEST_REWARDS_ADDRESS,
        ])
        .args(["--metrics-server-port", &refused_port.to_string()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let nothing_port = free_port().unwrap();

    let end = Instant::now() + Duration::from_secs(10);
    while crashed.try_exit().is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        crashed.try_exit().and_then(|s| s.code()),
        Some(101),
        "crash-after exits 101"
    );

    let targets = vec![
        healthy.target(1, true),
        upgraded.target(2, true),
        slow_ok.target(3, false),
        slow_late.target(4, false),
        hang.target(5, true),
        garbage.target(6, false),
        not_http.target(7, false),
        http500.target(8, false),
        truncated.target(9, false),
        crashed.target(10, false),
        SurveyTarget::local(11, refused_port, true),
        SurveyTarget::local(12, nothing_port, false),
        healthy.target(13, false),
    ];
    let timeout = Duration::from_millis(1500);
    let concurrency = 4;
    let t0 = Instant::now();
    let results = survey(&targets, &opts(1500, concurrency)).await;
    let took = t0.elapsed();
    // Every node costs at most its timeout and a free task takes the next node, so the survey
    // ends within ceil(n / concurrency) timeouts: 4 x 1.5 s here (+ slack for a loaded host).
    let bound = timeout * targets.len().div_ceil(concurrency) as u32 + SLACK;
    assert!(took <= bound, "survey took {took:?}, bound {bound:?}");
    assert_eq!(results.len(), targets.len());
    for (r, t) in results.iter().zip(&targets) {
        assert_eq!(r.id, t.id, "results come back in target order");
        assert!(
            r.elapsed <= timeout + SLACK,
            "node {} took {:?}",
            r.id,
            r.elapsed
        );
    }
    for r in &results {
        eprintln!(
            "node {:>2} {:>5} ms  {}",
            r.id,
            r.elapsed.as_millis(),
            if why(r).is_empty() {
                "answering"
            } else {
                why(r)
            }
        );
    }
    let by_id = |id: u32| &results[id as usize - 1];

    let healthy_reading = by_id(1).outcome.reading().unwrap();
    let MetadataReading::Read(md) = &healthy_reading.metadata else {
        panic!("metadata: {:?}", healthy_reading.metadata)
    };
    assert_eq!(md.version.as_deref(), Some("0.4.11"));
    assert!(md.peer_id.as_deref().unwrap().starts_with("12D3KooW"));
    assert_eq!(
        healthy_reading.metrics.network_size, 2_000_000,
        "the 0.4.11 body's holes are filled"
    );

    let up = by_id(2).outcome.reading().unwrap();
    assert!(
        matches!(&up.metadata, MetadataReading::Read(m) if m.version.as_deref() == Some("0.4.12"))
    );
    assert!(
        up.metrics.total_peers >= 300,
        "mainnet body: {:?}",
        up.metrics
    );

    assert!(
        is_answering(by_id(3)),
        "slow but in time: {}",
        why(by_id(3))
    );
    assert!(by_id(3).elapsed >= Duration::from_millis(200));
    assert!(
        is_not_answering(by_id(4)),
        "too slow: {:?}",
        by_id(4).outcome
    );
    assert!(why(by_id(4)).contains("no answer"), "{}", why(by_id(4)));
    assert!(is_not_answering(by_id(5)), "hang: {:?}", by_id(5).outcome);
    assert!(by_id(5).elapsed >= timeout, "a hang costs its timeout");
    assert!(is_bad_answer(by_id(6)), "garbage: {:?}", by_id(6).outcome);
    assert!(
        why(by_id(6)).contains("not UTF-8") || why(by_id(6)).contains("metric name"),
        "{}",
        why(by_id(6))
    );
    assert!(is_bad_answer(by_id(7)), "not http: {:?}", by_id(7).outcome);
    assert!(is_bad_answer(by_id(8)), "500: {:?}", by_id(8).outcome);
    assert!(why(by_id(8)).contains("500"), "{}", why(by_id(8)));
    assert!(is_bad_answer(by_id(9)), "truncated: {:?}", by_id(9).outcome);
    assert!(
        is_not_answering(by_id(10)),
        "crashed: {:?}",
        by_id(10).outcome
    );
    assert!(
        is_not_answering(by_id(11)),
        "refused start: {:?}",
        by_id(11).outcome
    );
    assert!(
        is_not_answering(by_id(12)),
        "nothing there: {:?}",
        by_id(12).outcome
    );
    let plain = by_id(13).outcome.reading().unwrap();
    assert_eq!(
        plain.metadata,
        MetadataReading::NotAsked,
        "/metadata only when asked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_nodes_are_read_at_most_concurrency_at_a_time() {
    let many = ServeMany::start(20, "0.4.11", &["--emu-hang"]).unwrap();
    let t0 = Instant::now();
    let results = survey(&many.targets(20, false), &opts(300, 5)).await;
    let took = t0.elapsed();
    assert!(results.iter().all(is_not_answering));
    // 20 hanging nodes, 5 at a time, 300 ms each: exactly four rounds, so at least 1.2 s
    // (more than 5 in flight would be quicker), and at most 4 x 300 ms + slack (a hanging
    // node never holds up more than its own slot). The in-flight count itself is measured at
    // a server in wnm-survey/tests/survey_local.rs.
    assert!(
        took >= Duration::from_millis(1200),
        "{took:?}: more than 5 in flight?"
    );
    let bound = Duration::from_millis(300) * 4 + SLACK;
    assert!(took <= bound, "{took:?}, bound {bound:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_delay_paces_the_starts() {
    let many = ServeMany::start(5, "0.4.11", &[]).unwrap();
    let o = SurveyOptions {
        survey_delay: Duration::from_millis(100),
        ..opts(2000, 8)
    };
    let t0 = Instant::now();
    let results = survey(&many.targets(5, false), &o).await;
    assert!(results.iter().all(is_answering));
    assert!(
        t0.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_many_nodes_all_answer_with_their_own_identity() {
    let many = ServeMany::start(60, "mainnet", &["--emu-version", "0.4.13"]).unwrap();
    let results = survey(&many.targets(60, true), &opts(5000, 16)).await;
    let mut peers = std::collections::HashSet::new();
    for r in &results {
        let reading = r.outcome.reading().unwrap_or_else(|| panic!("{r:?}"));
        let MetadataReading::Read(md) = &reading.metadata else {
            panic!("{r:?}")
        };
        assert_eq!(md.version.as_deref(), Some("0.4.13"));
        peers.insert(md.peer_id.clone().unwrap());
        assert!(
            reading.metrics.puts > 0,
            "mainnet body has puts: {:?}",
            reading.metrics
        );
    }
    assert_eq!(peers.len(), 60, "every emulated node has its own peer id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_id_survives_restart_and_uptime_grows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("antnode0001");
    let read = |node: &EmuNode| {
        let t = node.target(1, true);
        async move { survey(&[t], &opts(3000, 1)).await.remove(0) }
    };
    let mut node = EmuNode::start_in(&root, &[]).unwrap();
    let first = read(&node).await;
    let r1 = first.outcome.reading().unwrap().clone();
    std::thread::sleep(Duration::from_millis(1100));
    let r2 = read(&node).await.outcome.reading().unwrap().clone();
    assert!(
        r2.metrics.uptime > r1.metrics.uptime,
        "{} then {}",
        r1.metrics.uptime,
        r2.metrics.uptime
    );
    let status = node.terminate().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean exit");

    let node = EmuNode::start_in(&root, &[]).unwrap();
    let r3 = read(&node).await.outcome.reading().unwrap().clone();
    let peer = |r: &wnm_survey::Reading| match &r.metadata {
        MetadataReading::Read(m) => m.peer_id.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(peer(&r1), peer(&r3), "same secret-key, same peer id");
    let secret = std::fs::read(root.join("secret-key")).unwrap();
    assert_eq!(
        peer(&r3).unwrap(),
        wnm_testkit::emu::peer_id::peer_id_from_secret(&secret)
    );
    assert!(
        r3.metrics.uptime < r2.metrics.uptime,
        "a restarted node starts its uptime again"
    );
}
