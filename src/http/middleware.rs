//! What every request goes through: a request id (response header and log span), counting
//! by status and failure reason, timing to the last byte of the body, and API keys.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tracing::Instrument;

use super::AppState;
use super::error::ApiError;
use crate::metrics::{Failure, Metrics};

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
    // The method and path are the client's: bounded before they reach a log line.
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %clip(req.method().as_str()),
        path = %clip(req.uri().path())
    );
    let started = Instant::now();
    // A probe's 503 ("loading", "at the connection cap") is its answer, not a failed request.
    let probe = matches!(req.uri().path(), "/health" | "/ready");
    let metrics = state.service.metrics();
    // Counted as cancelled if the client leaves before the response is ready.
    let mut early = HangUp {
        metrics: Some(Arc::clone(metrics)),
        span: span.clone(),
    };
    let response = next.run(req).instrument(span.clone()).await;
    early.metrics = None;
    let status = response.status();
    if probe {
        metrics.count_request(status.as_u16());
    } else {
        metrics.count_status(status.as_u16());
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
            metrics: Arc::clone(metrics),
            started,
            span,
            ok: status.is_success(),
        }),
    });
    Response::from_parts(parts, body)
}

/// The most characters of a client's value (method, path) written to a log line.
const MAX_LOGGED: usize = 200;

fn clip(value: &str) -> std::borrow::Cow<'_, str> {
    crate::error::clip(value, MAX_LOGGED)
}

/// Counts a request whose client left before its response existed (its handler's future
/// was dropped): `ttsd_requests_total{status="499"}` (nginx's "client closed request") and a
/// cancelled failure.
struct HangUp {
    metrics: Option<Arc<Metrics>>,
    span: tracing::Span,
}

/// The status counted for a request abandoned before its response.
const CLIENT_CLOSED: u16 = 499;

impl Drop for HangUp {
    fn drop(&mut self) {
        if let Some(metrics) = self.metrics.take() {
            metrics
                .requests
                .get_or_create(&crate::metrics::StatusLabel {
                    status: CLIENT_CLOSED,
                })
                .inc();
            metrics.fail(Failure::cancelled);
            self.span
                .in_scope(|| tracing::info!("client left before the response"));
        }
    }
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
        .and_then(bearer)
        .map(str::to_owned)
        .or_else(|| websocket_key(&req));
    if presented.is_some_and(|key| state.accepts(&key)) {
        return next.run(req).await;
    }
    let mut response = ApiError::unauthorized().into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// A WebSocket's key from `?api_key=`: browsers cannot set headers on a WebSocket. Only
/// for WebSocket upgrades, where nothing else can carry it (a key in a URL can end up in
/// proxies' logs; ttsd logs no query strings).
fn websocket_key(req: &Request) -> Option<String> {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Key {
        api_key: Option<String>,
    }
    let axum::extract::Query(key) = axum::extract::Query::<Key>::try_from_uri(req.uri()).ok()?;
    key.api_key.filter(|k| !k.is_empty())
}

/// The credentials of an `Authorization: Bearer …` value; the scheme's case does not
/// matter (RFC 7235).
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

/// Whether `key` is one of `keys`. Every key is compared in full, so timing tells nothing
/// about which or how much matched.
pub fn key_matches(keys: &[String], key: &str) -> bool {
    keys.iter().fold(false, |found, k| {
        found | constant_time_eq(k.as_bytes(), key.as_bytes())
    })
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
    metrics: Arc<Metrics>,
    started: Instant,
    span: tracing::Span,
    ok: bool,
}

/// A response body that reports how it ended: sent to the last byte (its duration is
/// recorded), aborted by an error after the headers (internal, or a timeout when the
/// stream says so: [`failure_of`]), or dropped early because the client went away
/// (cancelled).
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
                    w.metrics.request_duration.observe(secs);
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

/// What a response body that ended with `e` failed of, from the `io::ErrorKind` among its
/// sources (`speech::aborted` makes one from the error that ended the stream): a timeout
/// (a streamed text that went idle), the client's bad input (a streamed request body that
/// broke off), else the server's own failure.
fn failure_of(e: &axum::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(error) = source {
        match error
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
        {
            Some(std::io::ErrorKind::TimedOut) => return Failure::timeout,
            Some(std::io::ErrorKind::InvalidData) => return Failure::bad_request,
            _ => {}
        }
        source = error.source();
    }
    Failure::internal
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
            Poll::Ready(Some(Err(e))) => {
                let reason = failure_of(e);
                self.end(Some(reason))
            }
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
            self.end(Some(Failure::cancelled));
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
    fn bearer_scheme_in_any_case() {
        assert_eq!(bearer("Bearer k1"), Some("k1"));
        assert_eq!(bearer("BEARER k1"), Some("k1"));
        assert_eq!(bearer("bearer   k1 "), Some("k1"));
        assert_eq!(bearer("Basic k1"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearerk1"), None);
        assert!(key_matches(&["a".into(), "k1".into()], "k1"));
        assert!(!key_matches(&["a".into()], "k1"));
    }

    #[test]
    fn client_values_are_clipped_for_the_log() {
        assert_eq!(clip("GET"), "GET");
        let long = "x".repeat(300_000);
        assert_eq!(clip(&long).chars().count(), MAX_LOGGED + 1);
    }

    #[test]
    fn request_ids_are_unique() {
        let ids = RequestIds::default();
        assert_ne!(ids.next(), ids.next());
    }
}
