//! `GET /metrics`: Prometheus text exposition.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::AppState;

pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let (completed, skipped, depth) = state.synth.get().map_or((0, 0, 0), |s| {
        let q = &s.scheduler;
        (q.completed(), q.skipped(), q.queue_depth())
    });
    let mut out = String::new();
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
    if let Some(synth) = state.synth.get() {
        synth.metrics.render(&mut out);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
