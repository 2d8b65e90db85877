//! The OpenAI-compatible HTTP API (axum). The only module that knows HTTP.
//!
//! `serve` binds first and answers `/health` at once; the model loads and warms up in the
//! background, and `/ready` turns 200 when it is done.

mod error;
mod health;
mod metrics;
mod middleware;
mod openai;
mod openapi;
mod speech;
mod voices;
mod web;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use error::ApiError;
pub use openai::{MODELS, SpeechBody};

use crate::config::FirstChunk;
use crate::config::ServeArgs;
use crate::engine::Scheduler;
use crate::synth::{Settings, Synthesizer};
use crate::text::TextFrontend;
use crate::voice::{VoiceInfo, Voices};
use crate::{Error, Result};

/// Shared by all handlers.
pub struct AppState {
    /// Set once the model is loaded and warmed (shared with the Wyoming server).
    synth: Arc<OnceLock<Arc<Synthesizer>>>,
    /// The voices, known before the model loads.
    voice_list: Vec<VoiceInfo>,
    /// One permit per speech request in flight; none left means 429.
    admission: Arc<Semaphore>,
    /// Accepted API keys; empty means no authentication.
    api_keys: Vec<String>,
    request_ids: middleware::RequestIds,
    http_metrics: Arc<metrics::HttpMetrics>,
}

impl AppState {
    pub fn new(voice_list: Vec<VoiceInfo>, max_concurrent: usize, api_keys: Vec<String>) -> Self {
        AppState {
            synth: Arc::new(OnceLock::new()),
            voice_list,
            admission: Arc::new(Semaphore::new(max_concurrent)),
            api_keys,
            request_ids: Default::default(),
            http_metrics: Default::default(),
        }
    }

    /// Marks the server ready with its synthesizer.
    pub fn set_ready(&self, synth: Arc<Synthesizer>) {
        let _ = self.synth.set(synth);
    }

    /// What a Wyoming server needs to share this state's model and admission limit.
    pub fn wyoming(&self, max_connections: usize) -> crate::wyoming::Shared {
        crate::wyoming::Shared {
            synth: Arc::clone(&self.synth),
            admission: Arc::clone(&self.admission),
            voices: self.voice_list.clone(),
            max_connections,
        }
    }

    fn synth(&self) -> Result<&Arc<Synthesizer>, ApiError> {
        self.synth.get().ok_or_else(ApiError::not_ready)
    }
}

/// HTTP settings beyond the routes.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS (`*` for any); empty: same origin only.
    pub cors_allow_origin: Vec<String>,
}

/// Every route [`router`] serves, as (method, path): `openapi.json` must describe exactly
/// these (a unit test checks), and the client tests request each one.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/app.js"),
    ("GET", "/style.css"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/openapi.json"),
    ("GET", "/metrics"),
    ("POST", "/v1/audio/speech"),
    ("GET", "/v1/audio/voices"),
    ("GET", "/v1/models"),
    ("POST", "/openwebui/v1/audio/speech"),
    ("GET", "/openwebui/v1/audio/voices"),
    ("GET", "/openwebui/v1/audio/models"),
];

/// All routes and layers (listed in [`ROUTES`]).
pub fn router(state: Arc<AppState>, options: &HttpOptions) -> Router {
    let protected = Router::new()
        .route("/v1/audio/speech", post(speech::speech))
        // Open WebUI's base URL: its listings want another shape than Kokoro-FastAPI's
        // (see `voices::openwebui_voices`); speech is the same endpoint.
        .route("/openwebui/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/voices", get(voices::voices))
        .route("/v1/models", get(voices::models))
        .route("/metrics", get(metrics::metrics))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            middleware::require_key,
        ));
    let mut app = Router::new()
        // The page is static; the API calls it makes carry the key when one is set.
        .route("/", get(web::index))
        .route("/app.js", get(web::app_js))
        .route("/style.css", get(web::style_css))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/openapi.json", get(openapi::openapi))
        // Open WebUI fetches these two without its API key; they list public facts only.
        .route("/openwebui/v1/audio/voices", get(voices::openwebui_voices))
        .route("/openwebui/v1/audio/models", get(voices::openwebui_models))
        .merge(protected)
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(options.max_body_bytes));
    if let Some(cors) = cors(&options.cors_allow_origin) {
        app = app.layer(cors);
    }
    app.layer(axum::middleware::from_fn_with_state(
        Arc::clone(&state),
        middleware::observe,
    ))
    .with_state(state)
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .expose_headers([header::HeaderName::from_static("x-request-id")]),
    )
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    // Cheap checks first, so a missing asset fails before the port is taken.
    let voices = Voices::load(&args.engine.assets.voices_dir)?;
    let keys = args
        .keys()
        .map_err(|e| Error::Asset(format!("cannot read the API key file: {e}")))?;
    if keys.is_empty() {
        tracing::info!("no API keys: the API is open to anyone who can reach it");
    }
    let state = Arc::new(AppState::new(voices.info(), args.max_concurrent(), keys));
    let options = HttpOptions {
        max_body_bytes: args.max_body_bytes,
        cors_allow_origin: args.cors_allow_origin.clone(),
    };

    let (listener, local) = bind(SocketAddr::new(args.host, args.port)).await?;
    let wyoming = match args.wyoming_port {
        Some(port) => Some(bind(SocketAddr::new(args.host, port)).await?),
        None => None,
    };
    // Tests and scripts read these lines to find the ports (errors ignored: nobody may be
    // reading).
    let mut banner = format!("ttsd listening on http://{local}\n");
    if let Some((_, addr)) = &wyoming {
        banner.push_str(&format!("ttsd wyoming listening on tcp://{addr}\n"));
    }
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes());
        let _ = stdout.flush();
    }
    tracing::info!(%local, "listening");
    if let Some((listener, addr)) = wyoming {
        tracing::info!(%addr, "wyoming listening");
        // Each connection may hold one utterance; a few more than the speech limit may wait
        // idle (Home Assistant connects per request).
        let shared = Arc::new(state.wyoming(args.max_concurrent() * 2 + 4));
        tokio::spawn(crate::wyoming::serve(listener, shared));
    }

    let loader = {
        let state = Arc::clone(&state);
        let args = args.clone();
        tokio::spawn(async move {
            let synth = load(&args, voices).await?;
            let warm = synth.warm_up().await?;
            state.set_ready(synth);
            tracing::info!(
                warm_up_ms = warm.as_millis() as u64,
                ready_ms = started.elapsed().as_millis() as u64,
                "ready"
            );
            Ok::<_, Error>(())
        })
    };

    let listener = listener.tap_io(|tcp| {
        // Each chunk leaves at once instead of waiting to fill a segment.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let mut stopping = stop_rx.clone();
    let server = std::future::IntoFuture::into_future(
        axum::serve(listener, router(state, &options)).with_graceful_shutdown(async move {
            let _ = stopping.wait_for(|s| *s).await;
        }),
    );
    // After the signal, in-flight responses get the grace period to finish.
    let grace = Duration::from_secs(args.shutdown_grace);
    let mut stopped = stop_rx;
    let deadline = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
        tracing::warn!(
            grace_s = grace.as_secs(),
            "grace period over; closing open streams"
        );
    };
    let server = async move {
        tokio::select! {
            r = server => r.map_err(|e| Error::Internal(format!("server: {e}"))),
            _ = deadline => Ok(()),
        }
    };
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r,
        r = loader => match r {
            Ok(Ok(())) => server.await,
            Ok(Err(e)) => Err(e),
            Err(e) => Err(Error::Internal(format!("model loader: {e}"))),
        },
    }
}

async fn load(args: &ServeArgs, voices: Voices) -> Result<Arc<Synthesizer>> {
    let engine = args.engine.clone();
    let settings = Settings {
        max_input_chars: args.max_input_chars,
        first_clause: args.engine.first_chunk == FirstChunk::Clause,
    };
    // Each stream has at most one job queued.
    let queue_capacity = args.max_concurrent() * 2;
    tokio::task::spawn_blocking(move || {
        // The American English lexicon loads on this thread while the workers load the model.
        let scheduler = std::thread::scope(|scope| {
            let workers = scope.spawn(|| Scheduler::start(&engine.scheduler(queue_capacity)));
            let frontend = TextFrontend::load(&engine.assets.vocab);
            let scheduler = workers
                .join()
                .map_err(|_| Error::Internal("the model loader panicked".into()))?;
            Ok::<_, Error>((frontend?, scheduler?))
        });
        let (frontend, scheduler) = scheduler?;
        Ok(Arc::new(Synthesizer {
            frontend,
            voices,
            scheduler,
            settings,
            metrics: Default::default(),
        }))
    })
    .await
    .map_err(|e| Error::Internal(format!("model loader: {e}")))?
}

/// A listener on `addr`, and the address it got (the port, when `addr` asks for port 0).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Asset(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((listener, local))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; in-flight responses may finish");
}
