//! The emulated metrics server: `/metrics`, `/metrics_extended`, `/metadata` on 127.0.0.1,
//! answering like antnode's, or failing in the way the chosen [`Fault`] says.
use super::cli::Fault;
use super::template::{CONTENT_TYPE, NodeIdentity, Template, Values};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The bodies a server renders (shared by all nodes of a process).
#[derive(Debug)]
pub struct Bodies {
    /// `/metrics`.
    pub metrics: Template,
    /// `/metrics_extended`.
    pub extended: Template,
    /// `/metadata`.
    pub metadata: Template,
}

/// Serve one node's metrics on `listener` until the process ends.
pub async fn serve(
    listener: TcpListener,
    node: Arc<NodeIdentity>,
    bodies: Arc<Bodies>,
    fault: Fault,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (node, bodies) = (node.clone(), bodies.clone());
        tokio::spawn(async move {
            match fault {
                Fault::Hang => hang(stream).await,
                Fault::NotHttp => raw_reply(stream, None).await,
                Fault::Truncate => {
                    let body = bodies.metrics.render(&Values::now(&node));
                    raw_reply(stream, Some(body)).await
                }
                _ => http(stream, node, bodies, fault).await,
            }
        });
    }
}

async fn http(stream: TcpStream, node: Arc<NodeIdentity>, bodies: Arc<Bodies>, fault: Fault) {
    let _ = stream.set_nodelay(true);
    let svc = service_fn(move |req: Request<Incoming>| {
        let (node, bodies) = (node.clone(), bodies.clone());
        async move { Ok::<_, Infallible>(answer(&req, &node, &bodies, fault).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc)
        .await;
}

async fn answer(
    req: &Request<Incoming>,
    node: &NodeIdentity,
    bodies: &Bodies,
    fault: Fault,
) -> Response<Full<Bytes>> {
    if let Fault::Slow(ms) = fault {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let template = match req.uri().path() {
        "/metrics" => &bodies.metrics,
        "/metrics_extended" => &bodies.extended,
        "/metadata" => &bodies.metadata,
        _ => return reply(StatusCode::NOT_FOUND, "text/plain", b"Not Found".to_vec()),
    };
    match fault {
        Fault::Http500 => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            b"internal error (emulated)".to_vec(),
        ),
        Fault::Garbage => reply(StatusCode::OK, CONTENT_TYPE, junk(4096)),
        _ => reply(
            StatusCode::OK,
            CONTENT_TYPE,
            template.render(&Values::now(node)),
        ),
    }
}

fn reply(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    r
}

/// Deterministic binary junk (an xorshift stream).
pub fn junk(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Accept and never answer; return when the client gives up.
async fn hang(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// Read the request head, then write junk (`None`) or a response whose body is cut in half.
async fn raw_reply(mut stream: TcpStream, body: Option<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf).await;
    let out = match body {
        None => junk(512),
        Some(body) => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {CONTENT_TYPE}\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(&body[..body.len() / 2]);
            out
        }
    };
    let _ = stream.write_all(&out).await;
    let _ = stream.shutdown().await;
}
