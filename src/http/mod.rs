//! The HTTP front end (axum): the OpenAI-compatible API, the listings, health, metrics,
//! the OpenAPI document and the web page. Routes only: speech goes through the shared
//! [`Service`]; nothing here knows the engine or another front end.

mod captioned;
mod dev;
mod error;
mod health;
pub mod listener;
mod metrics;
mod middleware;
mod openai;
mod openapi;
mod speech;
mod upload;
mod voices;
mod web;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use error::ApiError;
pub use openapi::document as openapi_document;
pub use ws::{MAX_MESSAGE_BYTES, WsLimits};

use crate::service::Service;
use crate::{Error, Result};

/// Shared by all handlers.
pub struct AppState {
    service: Arc<Service>,
    /// Accepted API keys; empty means no authentication.
    api_keys: Vec<String>,
    request_ids: middleware::RequestIds,
    ws: WsLimits,
    /// WebSocket sessions, which outlive their HTTP request: shutdown waits for them.
    tracker: TaskTracker,
}

impl AppState {
    /// Whether `key` is an accepted API key.
    fn accepts(&self, key: &str) -> bool {
        middleware::key_matches(&self.api_keys, key)
    }
}

/// HTTP settings beyond the routes.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS (`*` for any); empty: same origin only.
    pub cors_allow_origin: Vec<String>,
    /// Accepted API keys; empty means no authentication.
    pub api_keys: Vec<String>,
    /// WebSocket timeouts.
    pub ws: WsLimits,
    /// Where WebSocket sessions are tracked (the server waits for them at shutdown).
    pub tracker: TaskTracker,
}

/// The default of [`HttpOptions::max_body_bytes`] (`--max-body-bytes`): 1 MiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            max_body_bytes: MAX_BODY_BYTES,
            cors_allow_origin: Vec::new(),
            api_keys: Vec::new(),
            ws: WsLimits {
                idle: crate::synth::Settings::STREAM_IDLE,
            },
            tracker: TaskTracker::new(),
        }
    }
}

/// Every route [`router`] serves, as (method, path): the OpenAPI document must describe
/// exactly these (a unit test checks), and the client tests request each one.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/style.css"),
    ("GET", "/js/main.js"),
    ("GET", "/js/api.js"),
    ("GET", "/js/players.js"),
    ("GET", "/js/pcm.js"),
    ("GET", "/js/voices.js"),
    ("GET", "/js/ui.js"),
    ("GET", "/js/captions.js"),
    ("GET", "/js/stream.js"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/info"),
    ("GET", "/openapi.json"),
    ("GET", "/metrics"),
    ("POST", "/v1/audio/speech"),
    ("POST", "/v1/audio/captions"),
    ("POST", "/dev/captioned_speech"),
    ("POST", "/dev/phonemize"),
    ("POST", "/dev/generate_from_phonemes"),
    ("POST", "/dev/dialogue"),
    ("POST", "/v1/audio/voices/combine"),
    ("GET", "/v1/audio/speech/stream"),
    ("POST", "/v1/audio/speech/stream"),
    ("GET", "/v1/audio/voices"),
    ("GET", "/v1/models"),
    ("GET", "/v1/models/{model}"),
    ("POST", "/openwebui/v1/audio/speech"),
    ("GET", "/openwebui/v1/audio/voices"),
    ("GET", "/openwebui/v1/audio/models"),
];

/// All routes and layers (listed in [`ROUTES`]).
pub fn router(service: Arc<Service>, options: &HttpOptions) -> Router {
    let state = Arc::new(AppState {
        service,
        api_keys: options.api_keys.clone(),
        request_ids: Default::default(),
        ws: options.ws,
        tracker: options.tracker.clone(),
    });
    let protected = Router::new()
        .route("/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/captions", post(captioned::captions))
        .route("/dev/captioned_speech", post(captioned::captioned_speech))
        .route("/dev/phonemize", post(dev::phonemize))
        .route(
            "/dev/generate_from_phonemes",
            post(dev::generate_from_phonemes),
        )
        .route("/dev/dialogue", post(dev::dialogue))
        .route("/v1/audio/voices/combine", post(voices::combine))
        // Text that arrives as it is written: a WebSocket, or a streamed request body.
        .route(
            "/v1/audio/speech/stream",
            get(ws::speech_stream).post(upload::speech_upload),
        )
        // Open WebUI's base URL (kept for its earlier settings; `/v1` serves it as well).
        .route("/openwebui/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/voices", get(voices::voices))
        .route("/v1/models", get(voices::models))
        .route("/v1/models/{model}", get(voices::retrieve_model))
        .route("/metrics", get(metrics::metrics))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            middleware::require_key,
        ));
    let mut app = Router::new()
        // The page is static; the API calls it makes carry the key when one is set.
        .merge(web::routes())
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/info", get(health::info))
        .route("/openapi.json", get(openapi::openapi))
        // Open WebUI fetches these two without its API key; they list public facts only.
        .route("/openwebui/v1/audio/voices", get(voices::openwebui_voices))
        .route("/openwebui/v1/audio/models", get(voices::openwebui_models))
        .merge(protected)
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
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

/// The paths whose request bodies are streams (see [`listener::ConnLimits`]).
pub const STREAMED_BODIES: &[&str] = &["/v1/audio/speech/stream"];

/// Serves `app` on `listener` (within `limits`) until `shutdown`; then stops accepting and
/// lets the responses in flight and the WebSocket sessions in `tracker` finish (the caller
/// bounds how long).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: listener::ConnLimits,
    metrics: Arc<listener::ConnMetrics>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
) -> Result<()> {
    listener::serve(listener, app, limits, metrics, shutdown)
        .await
        .map_err(|e| Error::Internal(format!("http server: {e}")))?;
    tracker.close();
    tracker.wait().await;
    Ok(())
}
