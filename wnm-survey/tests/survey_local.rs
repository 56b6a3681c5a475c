//! The survey against small in-process HTTP servers and sockets on 127.0.0.1 for the cases the
//! emulator does not produce: a server that closes after each answer, `/metadata` failing alone,
//! requests in flight counted at the server, and a connection the kernel never completes.
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use wnm_survey::{MetadataReading, Outcome, SurveyOptions, SurveyTarget, survey};

const METRICS: &str = include_str!("../../wnm-testkit/fixtures/antnode-0.4.7-mainnet/metrics.txt");
const METADATA: &str =
    include_str!("../../wnm-testkit/fixtures/antnode-0.4.7-mainnet/metadata.txt");

/// Answers one request per connection (`Connection: close`), chunked; `/metadata` gets
/// `metadata_status`.
async fn one_shot_server(metadata_status: u16) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let (status, body) = if head.starts_with("GET /metrics ") {
                    (200, METRICS)
                } else if head.starts_with("GET /metadata ") {
                    (
                        metadata_status,
                        if metadata_status == 200 {
                            METADATA
                        } else {
                            "nope"
                        },
                    )
                } else {
                    (404, "nope")
                };
                let mut out = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/openmetrics-text;charset=utf-8;version=1.0.0\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                )
                .into_bytes();
                for chunk in body.as_bytes().chunks(1000) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                let _ = s.write_all(&out).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

fn target(id: u32, addr: SocketAddr) -> SurveyTarget {
    SurveyTarget {
        id,
        addr,
        read_metadata: true,
        metadata_if_uptime_below: None,
    }
}

#[tokio::test]
async fn a_server_that_closes_after_each_answer_gets_a_second_connection_for_metadata() {
    let addr = one_shot_server(200).await;
    let opts = SurveyOptions {
        timeout: Duration::from_secs(5),
        ..SurveyOptions::default()
    };
    let r = survey(&[target(1, addr)], &opts).await.remove(0);
    let reading = r.outcome.reading().unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(reading.metrics.total_peers, 362, "chunked body read whole");
    let MetadataReading::Read(md) = &reading.metadata else {
        panic!("{:?}", reading.metadata)
    };
    assert_eq!(md.version.as_deref(), Some("0.4.7"));
}

#[tokio::test]
async fn metadata_failing_alone_keeps_the_metrics() {
    let addr = one_shot_server(404).await;
    let r = survey(&[target(7, addr)], &SurveyOptions::default())
        .await
        .remove(0);
    let Outcome::Answering(reading) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(reading.metrics.uptime, 1260);
    assert!(
        matches!(&reading.metadata, MetadataReading::Failed { why } if why.contains("404")),
        "{:?}",
        reading.metadata
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_bad_answer() {
    let addr = one_shot_server(200).await;
    let opts = SurveyOptions {
        max_body_bytes: 10_000,
        ..SurveyOptions::default()
    };
    let r = survey(&[target(1, addr)], &opts).await.remove(0);
    assert!(
        matches!(&r.outcome, Outcome::BadAnswer { why } if why.contains("larger than 10000")),
        "{r:?}"
    );
}

#[tokio::test]
async fn an_empty_survey_is_empty() {
    assert!(survey(&[], &SurveyOptions::default()).await.is_empty());
}

/// Answers `/metrics` after holding each request `hold`, counting requests in flight (from the
/// request head read to the answer written) and remembering the most at once.
async fn counting_server(hold: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let most2 = most.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (in_flight, most) = (in_flight.clone(), most2.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let out = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/openmetrics-text;charset=utf-8;version=1.0.0\r\ncontent-length: {}\r\n\r\n{METRICS}",
                    METRICS.len()
                );
                let _ = s.write_all(out.as_bytes()).await;
                // Keep the connection until the client closes it.
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    (addr, most)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_than_concurrency_requests_are_in_flight() {
    let (addr, most) = counting_server(Duration::from_millis(300)).await;
    let targets: Vec<SurveyTarget> = (1..=20)
        .map(|id| SurveyTarget {
            read_metadata: false,
            ..target(id, addr)
        })
        .collect();
    let opts = SurveyOptions {
        concurrency: 5,
        timeout: Duration::from_secs(5),
        ..SurveyOptions::default()
    };
    let results = survey(&targets, &opts).await;
    assert!(
        results.iter().all(|r| r.outcome.reading().is_some()),
        "{results:?}"
    );
    // Requests are held 300 ms, so the five tasks overlap: exactly five at once, never six.
    assert_eq!(
        most.load(Ordering::SeqCst),
        5,
        "most requests in flight at once"
    );
}

/// A listener that never accepts, its accept queue filled: the kernel drops further SYNs, so a
/// new connection neither completes nor is refused (the connect deadline is what ends it).
async fn full_backlog() -> (SocketAddr, tokio::net::TcpListener, Vec<TcpStream>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..64 {
        match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            Ok(Err(e)) => panic!("filling the backlog: {e}"),
            Err(_) => return (addr, listener, fillers),
        }
    }
    panic!("the accept queue of a backlog-1 listener took 64 connections");
}

#[tokio::test]
async fn a_connection_that_never_completes_costs_the_connect_timeout_not_the_whole_timeout() {
    let (addr, _listener, fillers) = full_backlog().await;
    assert!(!fillers.is_empty());
    let opts = SurveyOptions {
        timeout: Duration::from_secs(4),
        connect_timeout: Duration::from_millis(400),
        ..SurveyOptions::default()
    };
    let r = survey(&[target(1, addr)], &opts).await.remove(0);
    assert!(
        matches!(&r.outcome, Outcome::NotAnswering { why } if why.contains("no connection")),
        "{r:?}"
    );
    assert!(r.elapsed >= Duration::from_millis(400), "{:?}", r.elapsed);
    assert!(
        r.elapsed < Duration::from_secs(2),
        "ended by the connect deadline (400 ms), not the 4 s timeout: {:?}",
        r.elapsed
    );
}
