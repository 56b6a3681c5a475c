//! One node's HTTP exchange: connect, `GET /metrics` (and `/metadata` when asked) over one
//! HTTP/1.1 connection, each answer parsed as soon as its body is in, all within a deadline.
//!
//! Why hyper's connection-level client (`hyper::client::conn::http1`) and not a pooled
//! client: every node is a different port, so a pool can only help the second request to
//! the same node, which we get anyway by sending both requests on the one connection; a
//! pool keyed by thousands of ports is what made ureq quadratic (see crates.md). hyper
//! still gives us a correct HTTP/1.1 reader (content-length, chunked, early close), which a
//! hand-written GET would have to re-implement. The connection future is driven inside the
//! caller's task (no spawn), so when the deadline passes everything, socket included, is
//! dropped at once: a hanging node leaves nothing behind.
use crate::extract::{Metadata, parse_metadata, parse_metrics};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use wnm_core::NodeMetrics;

/// How far one exchange got; decides between "not answering" and "bad answer".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Nothing HTTP came back (refused, reset, closed, or silent until the deadline).
    NotAnswering,
    /// Something came back but it is not a usable answer.
    BadAnswer,
}

/// A failed exchange: which kind and a sentence saying what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failed {
    pub kind: Failure,
    pub why: String,
}

fn not_answering(why: impl Into<String>) -> Failed {
    Failed {
        kind: Failure::NotAnswering,
        why: why.into(),
    }
}

fn bad_answer(why: impl Into<String>) -> Failed {
    Failed {
        kind: Failure::BadAnswer,
        why: why.into(),
    }
}

/// One connection to one node's metrics server.
pub(crate) struct NodeConnection {
    sender: http1::SendRequest<Empty<Bytes>>,
    conn: Conn,
    conn_done: bool,
    host: String,
    deadline: Instant,
    timeout: Duration,
}

impl NodeConnection {
    /// Connect to `addr`, giving up at `connect_deadline` (and never after `deadline`).
    pub async fn open(
        addr: SocketAddr,
        connect_deadline: Instant,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Self, Failed> {
        let stream =
            match timeout_at(connect_deadline.min(deadline), TcpStream::connect(addr)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(not_answering(format!("cannot connect to {addr}: {e}"))),
                Err(_) => return Err(not_answering(format!("no connection to {addr} in time"))),
            };
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::Builder::new()
            .max_buf_size(64 * 1024)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| not_answering(format!("cannot start HTTP on {addr}: {e}")))?;
        Ok(NodeConnection {
            sender,
            conn: Box::pin(conn),
            conn_done: false,
            host: addr.to_string(),
            deadline,
            timeout,
        })
    }

    /// The server closed this connection (a further request needs a new one).
    pub fn is_closed(&self) -> bool {
        self.conn_done || self.sender.is_closed()
    }

    /// `GET path`, the whole body into `buf` (cleared first, at most `max_body` bytes).
    pub async fn get(
        &mut self,
        path: &str,
        buf: &mut Vec<u8>,
        max_body: usize,
    ) -> Result<(), Failed> {
        buf.clear();
        let req = hyper::Request::get(path)
            .header(hyper::header::HOST, self.host.as_str())
            .header(hyper::header::USER_AGENT, "wnm-survey")
            .body(Empty::<Bytes>::new())
            .map_err(|e| bad_answer(format!("cannot build the request for {path}: {e}")))?;
        let timeout = self.timeout;
        let sender = &mut self.sender;
        let send = async {
            sender.ready().await?;
            sender.send_request(req).await
        };
        let resp = match drive(&mut self.conn, &mut self.conn_done, self.deadline, send).await {
            None => {
                return Err(not_answering(format!(
                    "no answer to GET {path} within {} ms",
                    timeout.as_millis()
                )));
            }
            Some(Err(e)) if e.is_parse() || e.is_parse_status() || e.is_parse_too_large() => {
                return Err(bad_answer(format!("GET {path}: not an HTTP answer: {e}")));
            }
            Some(Err(e)) => return Err(not_answering(format!("GET {path}: {e}"))),
            Some(Ok(r)) => r,
        };
        let status = resp.status();
        let mut body = resp.into_body();
        let read_body = async {
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| format!("answer to GET {path} cut short: {e}"))?;
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > max_body {
                        return Err(format!(
                            "answer to GET {path} is larger than {max_body} bytes"
                        ));
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(())
        };
        match drive(
            &mut self.conn,
            &mut self.conn_done,
            self.deadline,
            read_body,
        )
        .await
        {
            None => {
                return Err(bad_answer(format!(
                    "answer to GET {path} not complete within {} ms",
                    timeout.as_millis()
                )));
            }
            Some(Err(why)) => return Err(bad_answer(why)),
            Some(Ok(())) => {}
        }
        if !status.is_success() {
            return Err(bad_answer(format!("GET {path} answered HTTP {status}")));
        }
        Ok(())
    }
}

type Conn = Pin<Box<http1::Connection<TokioIo<TcpStream>, Empty<Bytes>>>>;

/// Run `fut` while driving the connection, until `fut` ends or `deadline` passes (`None`).
async fn drive<T>(
    conn: &mut Conn,
    conn_done: &mut bool,
    deadline: Instant,
    fut: impl Future<Output = T>,
) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let work = async {
        loop {
            tokio::select! {
                out = &mut fut => return out,
                // An error here also fails the pending request, which reports it.
                _ = conn.as_mut(), if !*conn_done => *conn_done = true,
            }
        }
    };
    timeout_at(deadline, work).await.ok()
}

/// `GET /metrics` on an open connection and parse it.
pub(crate) async fn read_metrics(
    conn: &mut NodeConnection,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<NodeMetrics, Failed> {
    conn.get("/metrics", buf, max_body).await?;
    parse_metrics(buf).map_err(|e| bad_answer(format!("GET /metrics: {e}")))
}

/// `GET /metadata` on an open connection and parse it.
pub(crate) async fn read_metadata(
    conn: &mut NodeConnection,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<Metadata, Failed> {
    conn.get("/metadata", buf, max_body).await?;
    parse_metadata(buf).map_err(|e| bad_answer(format!("GET /metadata: {e}")))
}
