//! What every request goes through: a request id (response header and log span), counting
//! by status and failure reason, timing to the last byte of the body, and API keys.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tracing::Instrument;

use super::AppState;
use super::error::ApiError;
use super::metrics::{Failure, HttpMetrics};

/// Process-unique request ids: a random-ish prefix per process and a counter.
pub struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        RequestIds {
            prefix: nanos ^ std::process::id().rotate_left(16),
            next: AtomicU64::new(1),
        }
    }
}

impl RequestIds {
    fn next(&self) -> String {
        format!(
            "{:08x}-{:06}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}

/// Gives the request an id (header `X-Request-Id`, and a span every log line of it carries),
/// and counts its status, failure reason and duration when its body has been sent.
pub async fn observe(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let id = state.request_ids.next();
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status();
    state.http_metrics.count_status(status);
    if let Some(reason) = Failure::of_status(status) {
        state.http_metrics.fail(reason);
    }
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            headers_ms = started.elapsed().as_millis() as u64,
            "response"
        )
    });
    let (mut parts, body) = response.into_parts();
    if let Ok(value) = HeaderValue::from_str(&id) {
        parts.headers.insert("x-request-id", value);
    }
    let body = Body::new(Observed {
        inner: body,
        watch: Some(Watch {
            metrics: Arc::clone(&state.http_metrics),
            started,
            span,
            ok: status.is_success(),
        }),
    });
    Response::from_parts(parts, body)
}

/// Rejects requests without a valid `Authorization: Bearer KEY` when keys are configured.
pub async fn require_key(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if state.api_keys.is_empty() {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let valid = presented.is_some_and(|key| {
        // Every key is compared in full, so timing tells nothing about which or how much matched.
        state.api_keys.iter().fold(false, |found, k| {
            found | constant_time_eq(k.as_bytes(), key.as_bytes())
        })
    });
    if valid {
        return next.run(req).await;
    }
    let mut response = ApiError {
        status: StatusCode::UNAUTHORIZED,
        message: "missing or invalid API key; send it as `Authorization: Bearer KEY`".into(),
        kind: "invalid_request_error",
        param: None,
        code: Some("invalid_api_key"),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Equality in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// What to record when a response body ends.
struct Watch {
    metrics: Arc<HttpMetrics>,
    started: Instant,
    span: tracing::Span,
    ok: bool,
}

/// A response body that reports how it ended: sent to the last byte (its duration is
/// recorded), aborted by an error after the headers (internal), or dropped early because
/// the client went away (cancelled).
struct Observed {
    inner: Body,
    watch: Option<Watch>,
}

impl Observed {
    fn end(&mut self, outcome: Option<Failure>) {
        if let Some(w) = self.watch.take() {
            let secs = w.started.elapsed().as_secs_f64();
            match outcome {
                None => {
                    w.metrics.duration.observe(secs);
                    w.span.in_scope(|| {
                        tracing::debug!(total_ms = (secs * 1000.0) as u64, "body sent")
                    });
                }
                Some(reason) => {
                    // Failures of a response that started well are counted here; an error
                    // status was counted when the headers went out.
                    if w.ok {
                        w.metrics.fail(reason);
                    }
                    w.span.in_scope(|| {
                        tracing::info!(
                            ?reason,
                            after_ms = (secs * 1000.0) as u64,
                            "body ended early"
                        )
                    });
                }
            }
        }
    }
}

impl http_body::Body for Observed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.end(None),
            Poll::Ready(Some(Err(_))) => self.end(Some(Failure::Internal)),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Observed {
    fn drop(&mut self) {
        if http_body::Body::is_end_stream(&self.inner) {
            self.end(None);
        } else {
            self.end(Some(Failure::Cancelled));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn request_ids_are_unique() {
        let ids = RequestIds::default();
        assert_ne!(ids.next(), ids.next());
    }
}
