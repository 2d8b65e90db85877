//! One accepted connection: hyper's HTTP/1 state machine over [`ConnIo`], driven by a loop
//! that enforces the head and idle deadlines and the graceful shutdown, and a service that
//! bounds each request body's arrival and answers 408 when it runs out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::ConnLimits;
use super::io::ConnIo;
use super::metrics::{CloseReason, OpenGuard, Reporter};
use crate::http::ApiError;
use crate::net::WriteTimeout;

/// Where a connection is between requests, which decides the deadline its reads run against.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// A request head is arriving (or, on a new connection, due): `header_timeout` from
    /// `since`.
    Head { since: Instant },
    /// A request is being served (body, handler, response): no read deadline here; the
    /// body deadline and the write timeout bound it.
    Busy,
    /// The last response has been handed over and nothing new has arrived:
    /// `idle_timeout` from `since`.
    Idle { since: Instant },
}

/// Shared by the socket (bytes arrived), the service (a request began, its response ended)
/// and the driver (which waits on `changed`).
pub(super) struct ConnState {
    phase: Mutex<Phase>,
    changed: Notify,
    write_stalled: AtomicBool,
}

impl ConnState {
    fn new() -> Self {
        ConnState {
            phase: Mutex::new(Phase::Head {
                since: Instant::now(),
            }),
            changed: Notify::new(),
            write_stalled: AtomicBool::new(false),
        }
    }

    fn set(&self, update: impl FnOnce(Phase) -> Option<Phase>) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(next) = update(*phase) {
            *phase = next;
            drop(phase);
            // A stored permit if the driver is not waiting yet: no change is missed.
            self.changed.notify_one();
        }
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The first bytes after an idle spell start the head clock.
    pub(super) fn bytes_read(&self) {
        self.set(|phase| match phase {
            Phase::Idle { .. } => Some(Phase::Head {
                since: Instant::now(),
            }),
            _ => None,
        });
    }

    fn request_started(&self) {
        self.set(|_| Some(Phase::Busy));
    }

    fn response_ended(&self) {
        self.set(|_| {
            Some(Phase::Idle {
                since: Instant::now(),
            })
        });
    }

    pub(super) fn write_stalled(&self) {
        self.write_stalled.store(true, Ordering::Relaxed);
    }

    fn deadline(&self, limits: &ConnLimits) -> Option<(Instant, CloseReason)> {
        match self.phase() {
            Phase::Head { since } => {
                Some((since + limits.header_timeout, CloseReason::HeaderTimeout))
            }
            Phase::Busy => None,
            Phase::Idle { since } => Some((since + limits.idle_timeout, CloseReason::IdleTimeout)),
        }
    }
}

/// What every connection shares.
pub(super) struct Shared {
    pub(super) app: Router,
    pub(super) http: http1::Builder,
    pub(super) limits: ConnLimits,
    pub(super) report: Reporter,
    pub(super) shutdown: CancellationToken,
}

/// Serves one connection until it ends, a deadline passes, or shutdown closes it.
pub(super) async fn drive(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    slot: (OwnedSemaphorePermit, OpenGuard),
) {
    let state = Arc::new(ConnState::new());
    let io = ConnIo::new(
        WriteTimeout::new(stream, shared.limits.write_timeout),
        Arc::clone(&state),
        slot,
    );
    let service = {
        let state = Arc::clone(&state);
        let shared = Arc::clone(&shared);
        hyper::service::service_fn(move |req| {
            serve_request(req, peer, Arc::clone(&state), Arc::clone(&shared))
        })
    };
    let conn = shared
        .http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let deadline = state.deadline(&shared.limits);
        let changed = state.changed.notified();
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    if state.write_stalled.load(Ordering::Relaxed) {
                        shared.report.closed(CloseReason::WriteTimeout, peer);
                    } else if e.is_parse_too_large() {
                        shared.report.closed(CloseReason::HeaderTooLarge, peer);
                    } else {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                return;
            }
            () = shared.shutdown.cancelled(), if !draining => {
                draining = true;
                if !matches!(state.phase(), Phase::Busy) {
                    // Nothing in flight (idle, or a head still arriving): close now.
                    return;
                }
                // The response in flight completes; keep-alive is off, so hyper closes after.
                conn.as_mut().graceful_shutdown();
            }
            () = changed => {}
            () = sleep_until(deadline.map(|(at, _)| at)) => {
                // Still due (the phase may have changed as the timer fired)?
                if let Some((at, reason)) = state.deadline(&shared.limits)
                    && at <= Instant::now()
                {
                    shared.report.closed(reason, peer);
                    return;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One request: the body gets its deadline, the router answers, the response body reports
/// its end (the connection goes idle then).
async fn serve_request(
    req: Request<Incoming>,
    peer: SocketAddr,
    state: Arc<ConnState>,
    shared: Arc<Shared>,
) -> Result<Response<Released>, Infallible> {
    state.request_started();
    let body = Arc::new(BodyState {
        stage: AtomicU8::new(PENDING),
        peer,
        shared: Arc::clone(&shared),
    });
    // A body that is itself a stream (text as it is written) has no deadline here: its
    // handler's utterance owns the idle clock, which does not run while the stream still
    // has text to speak (a slow first call is not the client's stall).
    let streamed = shared.limits.streamed_bodies.contains(&req.uri().path());
    let limit = shared.limits.body_timeout;
    let body_state = body;
    let req = req.map(|body| {
        if streamed || http_body::Body::is_end_stream(&body) {
            Body::new(body)
        } else {
            Body::new(BodyDeadline {
                inner: body,
                sleep: Box::pin(tokio::time::sleep(limit)),
                state: Arc::clone(&body_state),
            })
        }
    });
    let Ok(mut response) = shared.app.clone().oneshot(req).await;
    if body_state
        .stage
        .compare_exchange(PENDING, ANSWERED, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        // The handler saw a body error and answered some 4xx; say what happened instead.
        shared.report.closed(CloseReason::BodyTimeout, peer);
        response = body_timeout_response();
    }
    Ok(response.map(|body| Released { inner: body, state }))
}

/// Where a request stands between its body's deadline and its answer: whichever comes
/// second counts a body timeout, so it is counted (and logged) once, before the response
/// (which then says 408) or after it began (a handler that reads its body after answering).
struct BodyState {
    stage: AtomicU8,
    peer: SocketAddr,
    shared: Arc<Shared>,
}

/// Neither has happened yet.
const PENDING: u8 = 0;
/// The router answered (and the deadline has not passed).
const ANSWERED: u8 = 1;
/// The body's deadline passed.
const EXPIRED: u8 = 2;

impl BodyState {
    /// The body's deadline passed: counted here when the router had answered already;
    /// before that, the answer counts it (and becomes a 408).
    fn expired(&self) {
        if self.stage.swap(EXPIRED, Ordering::AcqRel) == ANSWERED {
            self.shared
                .report
                .closed(CloseReason::BodyTimeout, self.peer);
        }
    }
}

/// 408 in OpenAI's error shape; `Connection: close`, as the rest of the body is unread.
fn body_timeout_response() -> axum::response::Response {
    let mut response = ApiError::bad_request("the request body did not arrive in time", None)
        .with_code("body_timeout")
        .with_status(StatusCode::REQUEST_TIMEOUT)
        .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The error a request body yields when its deadline passes.
#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

/// A request body that fails once `sleep` (the time since the head arrived) runs out,
/// however steadily it trickles: a per-frame timeout would let one byte every few seconds
/// hold the connection for ever.
struct BodyDeadline {
    inner: Incoming,
    sleep: Pin<Box<Sleep>>,
    state: Arc<BodyState>,
}

impl http_body::Body for BodyDeadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.state.stage.load(Ordering::Acquire) == EXPIRED {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.state.expired();
                Poll::Ready(Some(Err(Box::new(BodyTimedOut))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that marks the connection idle when hyper is done with it (sent, or
/// dropped).
pub(super) struct Released {
    inner: Body,
    state: Arc<ConnState>,
}

impl http_body::Body for Released {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        self.state.response_ended();
    }
}
