//! Network-side phases: the survey alone, the parser alone, and the naive sequential baseline
//! (one fresh connection per request, as wnm 0.5.0 read its nodes).
use super::{BASELINE_SAMPLE, PhaseArgs, PhaseReport, measure};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;
use wnm_survey::{Outcome, SurveyOptions, parse_metadata, parse_metrics, survey};

/// `wnm_survey::survey` over the `n` emulated nodes, nothing else.
pub fn survey_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let targets = args.targets();
    let opts = SurveyOptions {
        concurrency: args.concurrency,
        ..SurveyOptions::default()
    };
    let (results, figures) = measure(|| runtime.block_on(survey(&targets, &opts)));
    let answering = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Answering(_)))
        .count();
    let first_problem = results
        .iter()
        .find_map(|r| match &r.outcome {
            Outcome::Answering(_) => None,
            Outcome::NotAnswering { why } | Outcome::BadAnswer { why } => Some(why.clone()),
        })
        .map(|w| format!(" (first problem: {w})"))
        .unwrap_or_default();
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!("{answering}/{} answering{first_problem}", results.len()),
    })
}

/// `parse_metrics` of the mainnet body `n` times.
pub fn parse_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let body = crate::emu::template::METRICS_MAINNET.as_bytes();
    let mut ok = 0u32;
    let ((), figures) = measure(|| {
        for _ in 0..args.n {
            if std::hint::black_box(parse_metrics(std::hint::black_box(body))).is_ok() {
                ok += 1;
            }
        }
    });
    let mb = f64::from(args.n) * body.len() as f64 / 1e6;
    Ok(PhaseReport {
        figures,
        covered: args.n,
        note: format!(
            "{ok}/{} parsed, {:.0} MB/s",
            args.n,
            mb / figures.wall.as_secs_f64().max(1e-9)
        ),
    })
}

/// The first [`BASELINE_SAMPLE`] nodes read one by one, `/metadata` and `/metrics` each over a
/// new connection.
pub fn baseline_phase(args: &PhaseArgs) -> Result<PhaseReport, String> {
    let sample = args.n.min(BASELINE_SAMPLE);
    let mut ok = 0u32;
    let ((), figures) = measure(|| {
        for i in 0..sample {
            let port = args.base_port + i;
            let md = naive_get(port, "/metadata").map(|b| parse_metadata(&b).is_ok());
            let m = naive_get(port, "/metrics").map(|b| parse_metrics(&b).is_ok());
            if matches!((md, m), (Some(true), Some(true))) {
                ok += 1;
            }
        }
    });
    Ok(PhaseReport {
        figures,
        covered: sample,
        note: format!("{ok}/{sample} answering"),
    })
}

/// One GET over a fresh connection with `Connection: close`, reading to EOF.
fn naive_get(port: u16, path: &str) -> Option<Vec<u8>> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some(raw.split_off(head_end))
}
