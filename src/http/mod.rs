//! The HTTP front end (axum): the OpenAI-compatible API, the listings, health, metrics,
//! the OpenAPI document and the web page. Routes only: speech goes through the shared
//! [`Service`]; nothing here knows the engine or another front end.

mod captioned;
mod dev;
mod error;
mod health;
mod lexicons;
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
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;
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
                head: listener::HEADER_TIMEOUT,
                idle: crate::synth::Settings::STREAM_IDLE,
            },
            tracker: TaskTracker::new(),
        }
    }
}

/// The state every handler shares.
type Shared = Arc<AppState>;

/// Every route, the one list: [`router`] serves these and the OpenAPI document describes
/// them (utoipa-axum's `routes!` takes each path and method from the handler's annotation).
/// A route is one line here; `keyed` ones need the API key when the server has keys.
fn routes() -> (OpenApiRouter<Shared>, OpenApiRouter<Shared>) {
    let open = OpenApiRouter::with_openapi(openapi::frame())
        // The page's files, every file under web/: the page is static, and the API calls it
        // makes carry the key when one is set.
        .merge(web::routes())
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(health::info))
        .routes(routes!(openapi::openapi))
        // Open WebUI fetches these two without its API key; they list public facts only.
        .routes(routes!(voices::openwebui_voices))
        .routes(routes!(voices::openwebui_models));
    let keyed = OpenApiRouter::new()
        .routes(routes!(speech::speech))
        // Open WebUI's base URL (kept for its earlier settings; `/v1` serves it as well).
        .routes(openapi::alias(
            "/openwebui/v1/audio/speech",
            routes!(speech::speech),
        ))
        .routes(routes!(captioned::captions))
        .routes(routes!(captioned::captioned_speech))
        .routes(routes!(dev::phonemize))
        .routes(routes!(dev::generate_from_phonemes))
        .routes(routes!(dev::dialogue))
        .routes(routes!(voices::combine))
        // Text that arrives as it is written: a WebSocket, or a streamed request body.
        .routes(closing_on_refusal(routes!(
            ws::speech_stream,
            upload::speech_upload
        )))
        .routes(routes!(voices::voices))
        .routes(routes!(lexicons::list))
        // Its own body limit: a 10,000-entry PLS document is larger than a speech request.
        .routes(body_limit(
            routes!(lexicons::put, lexicons::get, lexicons::delete),
            lexicons::MAX_BODY_BYTES,
        ))
        .routes(routes!(voices::models))
        .routes(routes!(voices::retrieve_model))
        .routes(routes!(metrics::metrics));
    (open, keyed)
}

/// A route group with its own request body limit instead of the server's.
fn body_limit(
    (schemas, paths, method): utoipa_axum::router::UtoipaMethodRouter<Shared>,
    bytes: usize,
) -> utoipa_axum::router::UtoipaMethodRouter<Shared> {
    (schemas, paths, method.layer(DefaultBodyLimit::max(bytes)))
}

/// A route group whose refusals say `Connection: close`: a streamed request body refused
/// (a bad setting, a full server) is left unread, so its connection cannot carry another
/// request, and a client that pools connections must not send its next one there: it would
/// find the connection closed under it ("IncompleteMessage" in hyper's client).
fn closing_on_refusal(
    (schemas, paths, method): utoipa_axum::router::UtoipaMethodRouter<Shared>,
) -> utoipa_axum::router::UtoipaMethodRouter<Shared> {
    let close = |mut response: axum::response::Response| async move {
        if response.status().is_client_error() || response.status().is_server_error() {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    };
    (
        schemas,
        paths,
        method.layer(axum::middleware::map_response(close)),
    )
}

/// The OpenAPI document of every route [`router`] serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let (open, mut keyed) = routes();
    openapi::keyed(&mut keyed.get_openapi_mut().paths);
    open.merge(keyed).into_openapi()
}

/// All routes and layers (the routes listed in [`routes`]).
pub fn router(service: Arc<Service>, options: &HttpOptions) -> Router {
    let state = Arc::new(AppState {
        service,
        api_keys: options.api_keys.clone(),
        request_ids: Default::default(),
        ws: options.ws,
        tracker: options.tracker.clone(),
    });
    let (open, keyed) = routes();
    let keyed = keyed.route_layer(axum::middleware::from_fn_with_state(
        Arc::clone(&state),
        middleware::require_key,
    ));
    let (app, _) = open.merge(keyed).split_for_parts();
    let mut app = app
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
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
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
