//! The HTTP connection layer: accepts TCP connections and serves an axum [`Router`] over
//! hyper's HTTP/1.1, within limits that keep idle, slow and non-reading clients from holding
//! sockets, memory or speech slots.
//!
//! | limit (`ConnLimits`) | default | what a client sees when it triggers |
//! |---|---|---|
//! | `header_timeout` | 20 s | a new connection, or a request head once its first byte has arrived, not complete in time: the connection is closed, no response |
//! | `body_timeout` | 30 s | the request body not complete 30 s after its head: `408` (OpenAI error JSON, `code: body_timeout`) and the connection closes; a response already started is left to its handler, and counted all the same. Not for `streamed_bodies` (text as it is written): their handler's stream idle clock ends them |
//! | `idle_timeout` | 75 s | a kept-alive connection with no new request: closed (as any HTTP/1.1 server may) |
//! | `write_timeout` | 30 s | the client accepted no byte of the response for 30 s: the connection is reset, the response (and its synthesis) is cancelled, its slot freed |
//! | `max_header_bytes` | 32 KiB | request line and headers larger: `431` and the connection closes (hyper's answer; a client still sending may see a reset instead) |
//! | `max_connections` | the file limit less 256, at most 2048 | a connection over it: `503` (OpenAI error JSON, `Retry-After: 1`) and closed at once |
//!
//! Each one that triggers counts in `ttsd_http_connections_closed_total{reason}` and logs a
//! line (`warn`; `debug` for `idle_timeout`, which is routine), at most one per reason every
//! [`crate::net::LOG_EVERY`], saying how many were left out. Accepted sockets get `TCP_NODELAY` (each
//! audio chunk leaves at once) and `TCP_NOTSENT_LOWAT` = [`crate::net::NOTSENT_LOWAT`] (the kernel holds
//! little unsent audio for a client that does not read; see [`crate::net::tune_socket`]).
//!
//! What hyper does and what is done here: hyper parses and enforces `max_header_bytes`
//! (`max_header_size`, which also bounds a head still arriving, and `max_buf_size`, so the
//! read buffer cannot grow past it), answering 431 itself. Its own `header_read_timeout` is
//! off: in hyper 1.12 it also runs while a kept-alive connection waits for its next request,
//! so the idle wait could not have a longer limit than the head; the driver in `conn.rs` runs
//! both clocks instead (and counts them). hyper has no body or write timeout and no
//! connection cap: they are here. Measured with 400 connections each sending an unfinished
//! 380 KiB head: RSS 158 MiB under `axum::serve`, 3 MiB here (each gets 431 at 32 KiB).

mod conn;
mod io;
mod metrics;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use metrics::{CloseReason, ConnMetrics};

use crate::net::{LOG_EVERY, LogLimiter, fd_limit, tune_socket};

use conn::Shared;
use metrics::Reporter;

/// The limits of [`serve`]; see the module's table for what a client sees.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Time for a request head to arrive in full: from accept on a new connection, from its
    /// first byte on a kept-alive one. 20 s, as Apache's `mod_reqtimeout` (`header=20`):
    /// a real client sends its head in one go; nginx's 60 s is generous to slowloris.
    pub header_timeout: Duration,
    /// Time for a request body to arrive in full, from the end of its head (not per read: a
    /// body trickled a byte at a time must still end). 30 s: a speech request is a few KiB of
    /// JSON; even the 1 MiB body limit needs only 35 KiB/s.
    pub body_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request. 75 s, as nginx's
    /// `keepalive_timeout`: longer than the 60 s idle timeout of the proxies that pool
    /// connections to us (nginx upstream keepalive, AWS ALB), so they close first and never
    /// send on a connection we are closing.
    pub idle_timeout: Duration,
    /// Time the client may accept no byte of a response we are sending before the
    /// connection is dropped. 30 s: a player reads as it plays; one paused for longer holds
    /// a speech slot for nothing (it reconnects, as browsers do for media).
    pub write_timeout: Duration,
    /// Most open connections; over it, a new one gets 503 and is closed. Below the file
    /// limit, so `/health`, the model's files and Wyoming still get descriptors.
    pub max_connections: usize,
    /// Largest request head (request line and headers). 32 KiB, as nginx's effective limit
    /// (`large_client_header_buffers 4 8k`); browsers cap cookies well below it. hyper needs
    /// at least 8 KiB of buffer, so its read buffer is never made smaller than that.
    pub max_header_bytes: usize,
    /// Paths whose request bodies are streams (text sent as it is written): no
    /// `body_timeout`; their handler ends a stream that goes idle (`--stream-idle-timeout`,
    /// which only runs while the stream has nothing left to say: this layer cannot know).
    pub streamed_bodies: Vec<&'static str>,
}

/// The default of [`ConnLimits::header_timeout`] (`--header-timeout`).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(20);
/// The default of [`ConnLimits::body_timeout`] (`--body-timeout`).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`ConnLimits::idle_timeout`] (`--keepalive-timeout`).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(75);
/// The default of [`ConnLimits::write_timeout`] (`--write-timeout`).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ConnLimits {
    /// The documented defaults; `max_connections` from the current soft file limit (call
    /// [`crate::net::raise_fd_limit`] first).
    fn default() -> Self {
        ConnLimits {
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            write_timeout: WRITE_TIMEOUT,
            max_connections: default_max_connections(fd_limit().0),
            max_header_bytes: 32 * 1024,
            streamed_bodies: Vec::new(),
        }
    }
}

/// Descriptors kept for everything but HTTP connections: stdio, the model and its runtime,
/// the voices, the listeners, Wyoming's connections (capped apart), logs.
pub const FD_RESERVE: u64 = 256;
/// The default connection cap at most: ttsd synthesizes a few requests at a time, so more
/// connections are idle keep-alives or abuse; 2048 bounds what they can pin (each up to
/// `max_header_bytes` of buffer plus hyper's and the kernel's) to about 100 MiB.
pub const MAX_CONNECTIONS_CEILING: usize = 2048;
/// The default connection cap for a soft file limit: the limit less [`FD_RESERVE`] (half
/// of it when it is small), at most [`MAX_CONNECTIONS_CEILING`], at least 1.
pub fn default_max_connections(fd_soft_limit: u64) -> usize {
    let spare = fd_soft_limit
        .saturating_sub(FD_RESERVE)
        .max(fd_soft_limit / 2);
    usize::try_from(spare)
        .unwrap_or(usize::MAX)
        .clamp(1, MAX_CONNECTIONS_CEILING)
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then stops accepting (the
/// listener is dropped, so new connections are refused), lets each request in flight finish
/// (keep-alive off), closes idle connections at once, and returns when every connection has
/// ended. Dropping the future instead aborts every connection at once (the caller's end of
/// a grace period).
///
/// Accept errors are logged and retried after a pause (a full file table empties as
/// connections close); only a listener that is not listening is an error.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    metrics: Arc<ConnMetrics>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.header_read_timeout(None)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(MIN_BUF_SIZE));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let shared = Arc::new(Shared {
        app,
        http,
        limits,
        report: Reporter::new(metrics),
        shutdown: shutdown.clone(),
    });
    let accept_errors = LogLimiter::new(LOG_EVERY);
    // Owns every connection task: dropping it (with this future) aborts them.
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            Some(ended) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = ended
                    && e.is_panic()
                {
                    tracing::error!(error = %e, "a connection task panicked");
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                        refuse(&stream);
                        shared.report.closed(CloseReason::OverCapacity, peer);
                        continue;
                    };
                    tune_socket(&stream);
                    let slot = (permit, shared.report.metrics.opened());
                    tasks.spawn(conn::drive(stream, peer, Arc::clone(&shared), slot));
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return Err(e),
                Err(e) => {
                    if let Some(suppressed) = accept_errors.check() {
                        tracing::warn!(error = %e, suppressed, "cannot accept connections; retrying");
                    }
                    // EMFILE and kin: sockets close as connections end; do not spin meanwhile.
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// hyper's smallest read buffer (`max_buf_size` panics below it).
const MIN_BUF_SIZE: usize = 8192;
/// Pause after an accept error that is not about one connection.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// An accept error about the one connection being accepted (gone before we took it).
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

/// What a connection over the cap gets: 503 in OpenAI's error shape, then closed.
pub(crate) const OVER_CAPACITY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 144\r\n\
\r\n\
{\"error\":{\"message\":\"the server has too many open connections; retry shortly\",\"type\":\"server_error\",\"param\":null,\"code\":\"too_many_connections\"}}";

/// Answers a connection over the cap and closes it, without a task or a wait: the socket is
/// fresh, so its send buffer takes the few bytes at once. A 503 tells a client (and a proxy)
/// why, where a bare close looks like a crash. What the request sent already is read first,
/// so that closing sends FIN rather than RST, which could discard the answer unread.
fn refuse(stream: &TcpStream) {
    let mut scratch = [0u8; 4096];
    for _ in 0..16 {
        match stream.try_read(&mut scratch) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    let _ = stream.try_write(OVER_CAPACITY_RESPONSE);
}
