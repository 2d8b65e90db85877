//! `GET /metrics`: Prometheus text. HTTP-level counts live here; the pipeline's own
//! (time to first audio, inference, stalls, audio produced) come from [`crate::metrics`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::AppState;
use crate::metrics::{Counter, DURATION_BUCKETS, Histogram};

/// Why a request failed, as counted in `ttsd_request_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Unauthorized,
    Overloaded,
    Cancelled,
    Internal,
}

impl Failure {
    const ALL: [Failure; 5] = [
        Failure::BadRequest,
        Failure::Unauthorized,
        Failure::Overloaded,
        Failure::Cancelled,
        Failure::Internal,
    ];

    fn label(self) -> &'static str {
        match self {
            Failure::BadRequest => "bad_request",
            Failure::Unauthorized => "unauthorized",
            Failure::Overloaded => "overloaded",
            Failure::Cancelled => "cancelled",
            Failure::Internal => "internal",
        }
    }

    /// The failure an error status stands for.
    pub fn of_status(status: StatusCode) -> Option<Failure> {
        match status.as_u16() {
            401 | 403 => Some(Failure::Unauthorized),
            429 | 503 => Some(Failure::Overloaded),
            400..=499 => Some(Failure::BadRequest),
            500..=599 => Some(Failure::Internal),
            _ => None,
        }
    }
}

/// Counts of the HTTP layer.
#[derive(Debug)]
pub struct HttpMetrics {
    statuses: Mutex<BTreeMap<u16, u64>>,
    failures: [Counter; 5],
    /// From a request's arrival to the last byte of its body.
    pub duration: Histogram,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            statuses: Mutex::new(BTreeMap::new()),
            failures: Default::default(),
            duration: Histogram::new(DURATION_BUCKETS),
        }
    }
}

impl HttpMetrics {
    pub fn count_status(&self, status: StatusCode) {
        let mut map = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(status.as_u16()).or_default() += 1;
    }

    pub fn fail(&self, reason: Failure) {
        if let Some(i) = Failure::ALL.iter().position(|&f| f == reason) {
            self.failures[i].inc();
        }
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP ttsd_requests_total HTTP requests, by status.\n# TYPE ttsd_requests_total counter"
        );
        let statuses = self
            .statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for (status, n) in statuses {
            let _ = writeln!(out, "ttsd_requests_total{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP ttsd_request_failures_total Failed requests, by reason.\n\
             # TYPE ttsd_request_failures_total counter"
        );
        for (reason, n) in Failure::ALL.iter().zip(&self.failures) {
            let _ = writeln!(
                out,
                "ttsd_request_failures_total{{reason=\"{}\"}} {}",
                reason.label(),
                n.get()
            );
        }
        self.duration.render(
            out,
            "ttsd_request_duration_seconds",
            "From a request's arrival to the last byte of its response.",
        );
    }
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let (completed, skipped, depth) = state.synth.get().map_or((0, 0, 0), |s| {
        let q = &s.scheduler;
        (q.completed(), q.skipped(), q.queue_depth())
    });
    let mut out = String::new();
    state.http_metrics.render(&mut out);
    let _ = writeln!(
        out,
        "# HELP ttsd_inference_jobs_total Model calls, by outcome (skipped: the client had gone).\n\
         # TYPE ttsd_inference_jobs_total counter\n\
         ttsd_inference_jobs_total{{outcome=\"completed\"}} {completed}\n\
         ttsd_inference_jobs_total{{outcome=\"skipped\"}} {skipped}\n\
         # HELP ttsd_queue_depth Model calls waiting for a worker.\n\
         # TYPE ttsd_queue_depth gauge\n\
         ttsd_queue_depth {depth}"
    );
    match state.synth.get() {
        Some(synth) => synth.metrics.render(&mut out),
        // Before the model is ready: the same names, empty, so dashboards do not break.
        None => crate::metrics::Metrics::default().render(&mut out),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
