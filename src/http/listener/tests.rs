//! Real sockets on 127.0.0.1:0 against [`serve`], with limits of a few hundred milliseconds.
//! Each test bounds its waits, so a missing limit fails it instead of hanging it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::http::openai::ApiJson;
use crate::net::tune_socket;

/// Longest any test waits for something that should happen within its short limits.
const BOUND: Duration = Duration::from_secs(5);
const CHUNK: usize = 64 * 1024;

/// What the test routes report.
#[derive(Default)]
struct Probe {
    /// Bytes the endless stream has yielded to hyper.
    streamed: AtomicUsize,
    /// Set when the endless stream's body is dropped.
    dropped: AtomicBool,
}

struct SetOnDrop(Arc<Probe>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

fn app(probe: Arc<Probe>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        // The real JSON extractor: its body error would be a 400; the listener makes it 408.
        .route(
            "/echo",
            post(|ApiJson(v): ApiJson<serde_json::Value>| async move { v.to_string() }),
        )
        // A streamed body's bytes, counted as they come.
        .route(
            "/streamed",
            post(|body: Body| async move {
                let mut frames = body.into_data_stream();
                let mut n = 0;
                while let Some(frame) = futures_util::StreamExt::next(&mut frames).await {
                    match frame {
                        Ok(bytes) => n += bytes.len(),
                        Err(_) => return (axum::http::StatusCode::BAD_REQUEST, n.to_string()),
                    }
                }
                (axum::http::StatusCode::OK, n.to_string())
            }),
        )
        .route(
            "/stream",
            get(move || {
                let guard = SetOnDrop(Arc::clone(&probe));
                let chunk = Bytes::from(vec![b'a'; CHUNK]);
                let stream = futures_util::stream::unfold(guard, move |guard| {
                    let chunk = chunk.clone();
                    async move {
                        guard.0.streamed.fetch_add(chunk.len(), Ordering::SeqCst);
                        Some((Ok::<_, std::io::Error>(chunk), guard))
                    }
                });
                async move { Body::from_stream(stream) }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                let stream = futures_util::stream::unfold(0u32, |i| async move {
                    if i == 5 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(format!("part {i}\n"))),
                        i + 1,
                    ))
                });
                Body::from_stream(stream)
            }),
        )
}

fn limits() -> ConnLimits {
    ConnLimits {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_millis(300),
        max_connections: 64,
        max_header_bytes: 16 * 1024,
        streamed_bodies: vec!["/streamed"],
    }
}

struct Server {
    addr: SocketAddr,
    metrics: Arc<ConnMetrics>,
    probe: Arc<Probe>,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(limits: ConnLimits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let metrics = Arc::new(ConnMetrics::new());
    let probe = Arc::new(Probe::default());
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(serve(
        listener,
        app(Arc::clone(&probe)),
        limits,
        Arc::clone(&metrics),
        shutdown.clone(),
    ));
    Server {
        addr,
        metrics,
        probe,
        shutdown,
        task,
    }
}

/// Reads until the server closes (EOF or reset), within [`BOUND`]; `None` if it never does.
async fn read_to_close(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    tokio::time::timeout(BOUND, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(got)
}

/// Reads one response with a `content-length` (head and body), leaving the connection open.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if got.len() >= end + 4 + length {
                    return;
                }
            }
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(BOUND, read).await;
    String::from_utf8_lossy(&got).into_owned()
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

/// Waits (within [`BOUND`]) until `done` holds.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < BOUND {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_head_timeout() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    let started = Instant::now();
    let got = read_to_close(&mut client).await;
    assert_eq!(got.as_deref(), Some(&b""[..]), "closed without a response");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(server.metrics.closed(CloseReason::HeaderTimeout), 1);
    assert!(eventually(|| server.metrics.open() == 0).await);
}

#[tokio::test]
async fn a_slowloris_head_is_closed_though_bytes_keep_coming() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"GET /health HTTP/1.1\r\n")
        .await
        .expect("write");
    // One header byte every 20 ms: each read makes progress, the head never ends.
    let trickle = async {
        for _ in 0..500 {
            if client.write_all(b"x").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    };
    let cut = tokio::time::timeout(BOUND, trickle).await.unwrap_or(false);
    assert!(cut, "the trickling head was never cut");
    assert_eq!(server.metrics.closed(CloseReason::HeaderTimeout), 1);
}

#[tokio::test]
async fn a_head_over_the_limit_gets_431_and_a_close() {
    let server = start(limits()).await;
    // Complete, but 20 KiB of headers against a 16 KiB limit.
    let mut client = connect(server.addr).await;
    let big = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "b".repeat(20 * 1024)
    );
    client.write_all(big.as_bytes()).await.expect("write");
    let got = read_to_close(&mut client).await.expect("closed");
    assert!(
        got.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // Unfinished: the buffer stops at the limit instead of growing with the head.
    let mut client = connect(server.addr).await;
    let partial = format!("GET /health HTTP/1.1\r\nx-big: {}", "b".repeat(20 * 1024));
    client.write_all(partial.as_bytes()).await.expect("write");
    let got = read_to_close(&mut client).await.expect("closed");
    assert!(
        got.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(server.metrics.closed(CloseReason::HeaderTooLarge), 2);
    // Within the limit is fine.
    let mut client = connect(server.addr).await;
    let fine = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "b".repeat(8 * 1024)
    );
    client.write_all(fine.as_bytes()).await.expect("write");
    assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_partial_body_gets_408_in_openai_shape_after_the_body_timeout() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"a\":")
        .await
        .expect("write");
    let got = read_to_close(&mut client).await.expect("closed");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.to_lowercase().contains("connection: close"), "{text}");
    let body = &text[text.find("\r\n\r\n").map_or(0, |i| i + 4)..];
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(json["error"]["code"], "body_timeout");
    assert_eq!(json["error"]["type"], "invalid_request_error");
    assert_eq!(server.metrics.closed(CloseReason::BodyTimeout), 1);
}

#[tokio::test]
async fn a_trickled_body_still_ends_at_the_body_timeout() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n")
        .await
        .expect("write");
    let (mut rx, mut tx) = client.into_split();
    // A byte every 20 ms: no single wait comes near the timeout.
    let trickle = tokio::spawn(async move {
        for _ in 0..500 {
            if tx.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut got = Vec::new();
    let _ = tokio::time::timeout(BOUND, rx.read_to_end(&mut got)).await;
    trickle.abort();
    assert!(
        got.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(server.metrics.closed(CloseReason::BodyTimeout), 1);
}

/// A streamed body has no deadline here: its handler's stream idle clock, which knows
/// whether the stream still has text to speak, decides when it has gone quiet too long.
#[tokio::test]
async fn a_streamed_body_may_last_and_go_quiet_past_the_body_timeout() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"POST /streamed HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
        .await
        .expect("write");
    // Twice the body timeout in all, a piece every 100 ms; then quiet for twice it again.
    for _ in 0..6 {
        client.write_all(b"1\r\nx\r\n").await.expect("write");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.write_all(b"0\r\n\r\n").await.expect("write");
    let text = read_response(&mut client).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.ends_with("\r\n\r\n6") || text.contains("\r\n\r\n6"),
        "{text}"
    );
    assert_eq!(server.metrics.closed(CloseReason::BodyTimeout), 0);
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_the_idle_timeout() {
    // A head timeout far longer than the idle one: only the idle clock can close it.
    let server = start(ConnLimits {
        header_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let mut client = connect(server.addr).await;
    for _ in 0..2 {
        client
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .expect("write");
        assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
    }
    let got = read_to_close(&mut client).await;
    assert_eq!(got.as_deref(), Some(&b""[..]));
    assert_eq!(server.metrics.closed(CloseReason::IdleTimeout), 1);
    assert_eq!(server.metrics.closed(CloseReason::HeaderTimeout), 0);
}

#[tokio::test]
async fn the_idle_wait_has_its_own_limit_not_the_heads() {
    // hyper's header_read_timeout would close this idle connection at 300 ms.
    let server = start(ConnLimits {
        idle_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(900)).await;
    client
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
    assert_eq!(server.metrics.closed(CloseReason::HeaderTimeout), 0);
}

#[tokio::test]
async fn the_connection_over_the_cap_gets_503_and_health_answers_once_one_closes() {
    let server = start(ConnLimits {
        max_connections: 2,
        header_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let first = connect(server.addr).await;
    let _second = connect(server.addr).await;
    assert!(eventually(|| server.metrics.open() == 2).await);
    let mut third = connect(server.addr).await;
    let got = read_to_close(&mut third).await.expect("closed");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("too_many_connections"), "{text}");
    assert_eq!(server.metrics.closed(CloseReason::OverCapacity), 1);
    drop(first);
    assert!(eventually(|| server.metrics.open() == 1).await);
    let mut fourth = connect(server.addr).await;
    fourth
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(read_response(&mut fourth).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_client_that_never_reads_has_its_response_dropped_after_the_write_timeout() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    // Never read.
    assert!(
        eventually(|| server.probe.dropped.load(Ordering::SeqCst)).await,
        "the endless body was never dropped"
    );
    let streamed = server.probe.streamed.load(Ordering::SeqCst);
    eprintln!("a client that never reads: {streamed} bytes streamed before the write timeout");
    // What fits in the client's receive buffer plus a little: far from the ~4 MiB a
    // send buffer grown to tcp_wmem's maximum would take.
    assert!(
        streamed < 1 << 20,
        "{streamed} bytes buffered for a non-reader"
    );
    assert_eq!(server.metrics.closed(CloseReason::WriteTimeout), 1);
    assert!(eventually(|| server.metrics.open() == 0).await);
    drop(client);
}

/// What the kernel lets a server write to a client that never reads, before the write would
/// block, with and without `TCP_NOTSENT_LOWAT`.
#[tokio::test]
async fn notsent_lowat_bounds_what_the_kernel_takes_for_a_non_reader() {
    async fn buffered(lowat: bool) -> usize {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let _client = connect(listener.local_addr().expect("address")).await;
        let (server, _) = listener.accept().await.expect("accept");
        if lowat {
            tune_socket(&server);
        }
        let chunk = vec![0u8; CHUNK];
        let mut sent = 0;
        // Until the socket stays unwritable for 200 ms.
        while let Ok(Ok(())) =
            tokio::time::timeout(Duration::from_millis(200), server.writable()).await
        {
            match server.try_write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
            if sent > 64 << 20 {
                break;
            }
        }
        sent
    }
    let without = buffered(false).await;
    let with = buffered(true).await;
    eprintln!(
        "bytes taken for a client that never reads: {without} without TCP_NOTSENT_LOWAT, {with} with"
    );
    assert!(with * 4 < without, "{with} with, {without} without");
}

#[tokio::test]
async fn shutdown_finishes_the_response_in_flight_closes_idle_ones_and_refuses_new() {
    let server = start(ConnLimits {
        idle_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let mut idle = connect(server.addr).await;
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let mut busy = connect(server.addr).await;
    busy.write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 64];
    let n = busy.read(&mut first).await.expect("the response starts");
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));

    let stopped = Instant::now();
    server.shutdown.cancel();
    // The idle one closes now, not after its 30 s.
    assert_eq!(read_to_close(&mut idle).await.as_deref(), Some(&b""[..]));
    assert!(stopped.elapsed() < Duration::from_secs(2));
    // New connections are refused once the listener is gone.
    let refused = eventually(|| {
        std::net::TcpStream::connect_timeout(&server.addr, Duration::from_millis(100)).is_err()
    })
    .await;
    assert!(refused, "still accepting after shutdown");
    // The one in flight ends whole (chunked encoding's last chunk), then the server returns.
    let rest = read_to_close(&mut busy).await.expect("closed");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.contains("part 4"), "{text}");
    assert!(text.ends_with("0\r\n\r\n"), "{text}");
    let served = tokio::time::timeout(BOUND, server.task).await;
    assert!(matches!(served, Ok(Ok(Ok(())))), "{served:?}");
}

#[tokio::test]
async fn dropping_the_serve_future_aborts_every_connection() {
    let server = start(limits()).await;
    let mut client = connect(server.addr).await;
    client
        .write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(eventually(|| server.metrics.open() == 1).await);
    server.task.abort();
    let got = read_to_close(&mut client).await.expect("closed");
    assert!(!String::from_utf8_lossy(&got).contains("0\r\n\r\n"));
    assert!(eventually(|| server.metrics.open() == 0).await);
}

#[test]
fn the_over_capacity_answer_is_well_formed() {
    let text = std::str::from_utf8(OVER_CAPACITY_RESPONSE).expect("ASCII");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.parse().ok())
        .expect("content-length");
    assert_eq!(length, body.len());
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(json["error"]["code"], "too_many_connections");
    assert_eq!(json["error"]["type"], "server_error");
    assert!(json["error"]["param"].is_null());
}

#[test]
fn the_default_cap_stays_below_the_file_limit() {
    assert_eq!(default_max_connections(1024), 768);
    assert_eq!(default_max_connections(256), 128);
    assert_eq!(default_max_connections(524_288), MAX_CONNECTIONS_CEILING);
    assert_eq!(default_max_connections(0), 1);
    for limit in [300, 1024, 4096] {
        assert!((default_max_connections(limit) as u64) < limit);
    }
}
