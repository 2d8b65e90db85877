//! The OpenAI-compatible HTTP API (axum). The only module that knows HTTP.
//!
//! `serve` binds first and answers `/health` at once; the model loads and warms up in the
//! background, and `/ready` turns 200 when it is done.

mod error;
mod health;
mod metrics;
mod openai;
mod speech;
mod voices;
mod web;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use error::ApiError;
pub use openai::MODELS;

use crate::config::ServeArgs;
use crate::engine::Scheduler;
use crate::synth::{Limits, Synthesizer};
use crate::text::TextFrontend;
use crate::voice::{VoiceInfo, Voices};
use crate::{Error, Result};

/// Shared by all handlers.
pub struct AppState {
    /// Set once the model is loaded and warmed.
    synth: OnceLock<Arc<Synthesizer>>,
    /// The voices, known before the model loads.
    voice_list: Vec<VoiceInfo>,
    /// One permit per speech request in flight; none left means 429.
    admission: Arc<Semaphore>,
}

impl AppState {
    pub fn new(voice_list: Vec<VoiceInfo>, max_concurrent: usize) -> Self {
        AppState {
            synth: OnceLock::new(),
            voice_list,
            admission: Arc::new(Semaphore::new(max_concurrent)),
        }
    }

    /// Marks the server ready with its synthesizer.
    pub fn set_ready(&self, synth: Arc<Synthesizer>) {
        let _ = self.synth.set(synth);
    }

    fn synth(&self) -> Result<&Arc<Synthesizer>, ApiError> {
        self.synth.get().ok_or_else(ApiError::not_ready)
    }
}

/// All routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/app.js", get(web::app_js))
        .route("/style.css", get(web::style_css))
        .route("/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/voices", get(voices::voices))
        .route("/v1/models", get(voices::models))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(metrics::metrics))
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    // Cheap checks first, so a missing asset fails before the port is taken.
    let voices = Voices::load(&args.engine.assets.voices_dir)?;
    let state = Arc::new(AppState::new(voices.info(), args.max_concurrent()));

    let addr = SocketAddr::new(args.host, args.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Asset(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    // Tests and scripts read this line to find the port.
    println!("ttsd listening on http://{local}");
    tracing::info!(%local, "listening");

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
    let server = std::future::IntoFuture::into_future(
        axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()),
    );
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => r.map_err(|e| Error::Internal(format!("server: {e}"))),
        r = loader => match r {
            Ok(Ok(())) => server.await.map_err(|e| Error::Internal(format!("server: {e}"))),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(Error::Internal(format!("model loader: {e}"))),
        },
    }
}

async fn load(args: &ServeArgs, voices: Voices) -> Result<Arc<Synthesizer>> {
    let engine = args.engine.clone();
    let limits = Limits {
        max_input_chars: args.max_input_chars,
    };
    // Each stream has at most one job queued.
    let queue_capacity = args.max_concurrent() * 2;
    tokio::task::spawn_blocking(move || {
        let frontend = TextFrontend::load(&engine.assets.vocab)?;
        let scheduler = Scheduler::start(&engine.scheduler(queue_capacity))?;
        Ok(Arc::new(Synthesizer {
            frontend,
            voices,
            scheduler,
            limits,
        }))
    })
    .await
    .map_err(|e| Error::Internal(format!("model loader: {e}")))?
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
    tracing::info!("shutting down");
}
