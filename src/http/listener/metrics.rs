//! What the connection layer counts (`ttsd_http_connections_*`) and how it logs a limit that
//! triggers: one line per reason at most every few seconds, with a count of those left out.

use crate::net::{LOG_EVERY, LogLimiter};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Why the server closed a connection (or refused it), as counted in
/// `ttsd_http_connections_closed_total{reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// No complete request head within `header_timeout`.
    HeaderTimeout,
    /// The request body did not arrive in full within `body_timeout` (answered 408).
    BodyTimeout,
    /// A kept-alive connection sent no new request within `idle_timeout`.
    IdleTimeout,
    /// The client accepted no byte of the response for `write_timeout`.
    WriteTimeout,
    /// The request head was larger than `max_header_bytes` (answered 431).
    HeaderTooLarge,
    /// `max_connections` were open already (answered 503).
    OverCapacity,
}

impl CloseReason {
    pub const ALL: [CloseReason; 6] = [
        CloseReason::HeaderTimeout,
        CloseReason::BodyTimeout,
        CloseReason::IdleTimeout,
        CloseReason::WriteTimeout,
        CloseReason::HeaderTooLarge,
        CloseReason::OverCapacity,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::HeaderTimeout => "header_timeout",
            CloseReason::BodyTimeout => "body_timeout",
            CloseReason::IdleTimeout => "idle_timeout",
            CloseReason::WriteTimeout => "write_timeout",
            CloseReason::HeaderTooLarge => "header_too_large",
            CloseReason::OverCapacity => "over_capacity",
        }
    }

    /// The log line.
    pub(super) fn message(self) -> &'static str {
        match self {
            CloseReason::HeaderTimeout => "closing a connection: no complete request head in time",
            CloseReason::BodyTimeout => "closing a connection: request body not received in time",
            CloseReason::IdleTimeout => "closing an idle keep-alive connection",
            CloseReason::WriteTimeout => {
                "closing a connection: the client stopped reading the response"
            }
            CloseReason::HeaderTooLarge => "closing a connection: request head over the limit",
            CloseReason::OverCapacity => "refusing a connection: at the connection limit",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl EncodeLabelValue for CloseReason {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Reason {
    reason: CloseReason,
}

/// Connection counts for `/metrics`.
#[derive(Debug, Default)]
pub struct ConnMetrics {
    closed: Family<Reason, Counter>,
    open: Gauge,
}

impl ConnMetrics {
    /// Every reason starts at 0, so a dashboard sees the series before the first event.
    pub fn new() -> Self {
        let metrics = ConnMetrics::default();
        for reason in CloseReason::ALL {
            let _ = metrics.closed.get_or_create(&Reason { reason });
        }
        metrics
    }

    /// Adds `ttsd_http_connections_closed_total{reason}` and `ttsd_http_connections_open` to a
    /// registry without a prefix.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "ttsd_http_connections_closed",
            "HTTP connections closed or refused by the server because a limit triggered",
            self.closed.clone(),
        );
        registry.register(
            "ttsd_http_connections_open",
            "HTTP connections open now",
            self.open.clone(),
        );
    }

    /// How many connections were closed for `reason` so far.
    pub fn closed(&self, reason: CloseReason) -> u64 {
        self.closed.get_or_create(&Reason { reason }).get()
    }

    /// How many connections are open now.
    pub fn open(&self) -> i64 {
        self.open.get()
    }

    pub(super) fn count_close(&self, reason: CloseReason) {
        self.closed.get_or_create(&Reason { reason }).inc();
    }

    /// Counts a connection as open until the guard drops.
    pub(super) fn opened(&self) -> OpenGuard {
        self.open.inc();
        OpenGuard(self.open.clone())
    }
}

/// One open connection in the gauge; dropping it (however the connection's task ends, an
/// abort included) takes it out.
pub(super) struct OpenGuard(Gauge);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts and logs closes: the metrics plus one [`LogLimiter`] per reason.
pub(super) struct Reporter {
    pub(super) metrics: std::sync::Arc<ConnMetrics>,
    logs: [LogLimiter; CloseReason::ALL.len()],
}

impl Reporter {
    pub(super) fn new(metrics: std::sync::Arc<ConnMetrics>) -> Self {
        Reporter {
            metrics,
            logs: std::array::from_fn(|_| LogLimiter::new(LOG_EVERY)),
        }
    }

    pub(super) fn closed(&self, reason: CloseReason, peer: std::net::SocketAddr) {
        self.metrics.count_close(reason);
        let Some(suppressed) = self.logs[reason.index()].check() else {
            return;
        };
        if reason == CloseReason::IdleTimeout {
            // Routine: browsers and proxies keep connections open until told otherwise.
            tracing::debug!(reason = reason.as_str(), %peer, suppressed, "{}", reason.message());
        } else {
            tracing::warn!(reason = reason.as_str(), %peer, suppressed, "{}", reason.message());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_with_the_documented_names() {
        let metrics = ConnMetrics::new();
        metrics.count_close(CloseReason::WriteTimeout);
        let _open = metrics.opened();
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap_or_default();
        assert!(
            text.contains("ttsd_http_connections_closed_total{reason=\"write_timeout\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("ttsd_http_connections_closed_total{reason=\"over_capacity\"} 0"),
            "{text}"
        );
        assert!(text.contains("ttsd_http_connections_open 1"), "{text}");
        drop(_open);
        assert_eq!(metrics.open(), 0);
    }
}
