//! Accepts Wyoming connections: one task per client, at most [`ConnectionLimits::max_connections`]
//! at once, each closed if it sends nothing for a while; on shutdown, no new connections,
//! and each open one ends once its utterance in progress has finished.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::handler::{self, Timeouts};
use crate::metrics::{WyomingClose, WyomingCloseLabel};
use crate::net::{LogLimiter, WriteTimeout, tune_socket};
use crate::service::Service;

/// Limits of the Wyoming server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
    pub timeouts: Timeouts,
    /// A client that accepts no byte of its audio for this long is disconnected (its
    /// utterance cancelled, its slot freed), as on HTTP.
    pub write_timeout: Duration,
}

impl ConnectionLimits {
    /// Room for every utterance the server admits to have its connection, and as many
    /// more idle ones — a few sockets that never speak cannot lock the others out, since
    /// they are closed after `first_event`, and one that asked for the voices and fell
    /// silent after `idle`: HTTP's keep-alive time, as Home Assistant connects per request.
    pub fn for_streams(max_streams: usize) -> Self {
        ConnectionLimits {
            max_connections: max_streams.max(1) * 2,
            timeouts: Timeouts {
                first_event: Duration::from_secs(10),
                idle: crate::http::listener::IDLE_TIMEOUT,
            },
            write_timeout: Duration::from_secs(30),
        }
    }

    /// The same limits with the server's keep-alive time (`--keepalive-timeout`) as the
    /// time a connection outside an utterance may stay silent.
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.timeouts.idle = idle;
        self
    }

    /// The same limits with the server's write timeout (`--write-timeout`).
    pub fn with_write_timeout(self, write_timeout: Duration) -> Self {
        ConnectionLimits {
            write_timeout,
            ..self
        }
    }
}

/// Accepts connections until `shutdown`, then waits for the open ones to finish.
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut tasks = JoinSet::new();
    // One log limiter per reason a limit closes a connection.
    let closes: Arc<[LogLimiter; WyomingClose::ALL.len()]> = Arc::new(std::array::from_fn(|_| {
        LogLimiter::new(crate::net::LOG_EVERY)
    }));
    let accept_failed = LogLimiter::new(crate::net::LOG_EVERY);
    let mut next_id = 1u64;
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
            // Reap finished connections as they end.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                if let Some(suppressed) = accept_failed.check() {
                    tracing::warn!(error = %e, suppressed, "wyoming: accept failed");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&connections).try_acquire_owned() else {
            closed(&service, &closes, WyomingClose::over_capacity, peer);
            continue;
        };
        tune_socket(&stream);
        let stream = WriteTimeout::new(stream, limits.write_timeout);
        let service = Arc::clone(&service);
        let shutdown = shutdown.clone();
        let closes = Arc::clone(&closes);
        let span = tracing::info_span!("wyoming", id = next_id, %peer);
        next_id += 1;
        tasks.spawn(
            async move {
                let reason =
                    handler::serve(stream, Arc::clone(&service), limits.timeouts, shutdown).await;
                drop(slot);
                if let Some(reason) = reason {
                    closed(&service, &closes, reason, peer);
                }
            }
            .instrument(span),
        );
    }
    // No new connections; the open ones finish what they are doing.
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

/// Counts a connection a limit closed, and logs it (rate-limited per reason; an idle one,
/// routine for Home Assistant, and a malformed event, which the handler logged with its
/// error, only at debug).
fn closed(
    service: &Service,
    logs: &[LogLimiter; WyomingClose::ALL.len()],
    reason: WyomingClose,
    peer: std::net::SocketAddr,
) {
    service
        .metrics()
        .wyoming_closed
        .get_or_create(&WyomingCloseLabel { reason })
        .inc();
    let Some(suppressed) = logs[reason as usize].check() else {
        return;
    };
    let why = match reason {
        WyomingClose::first_event_timeout => "no first event in time",
        WyomingClose::idle_timeout => "idle",
        WyomingClose::write_timeout => "the client stopped reading its audio",
        WyomingClose::bad_event => "a malformed event",
        WyomingClose::over_capacity => "too many connections",
    };
    if matches!(reason, WyomingClose::idle_timeout | WyomingClose::bad_event) {
        tracing::debug!(%peer, suppressed, "wyoming: closing a connection: {why}");
    } else {
        tracing::warn!(%peer, suppressed, "wyoming: closing a connection: {why}");
    }
}
