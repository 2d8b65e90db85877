//! The composition root: one configuration in, the core built once (engine, voices, text
//! front end, scheduler, synthesizer, metrics), the front ends (HTTP, Wyoming) started as
//! peers on it with one shutdown signal.
//!
//! The listeners open first, so `/health` answers and a bad port fails at once; the model
//! loads and warms up in the background, and the service turns ready when it is done. On
//! SIGTERM or SIGINT both front ends stop accepting and finish what is in flight (an HTTP
//! stream to its last byte, a Wyoming synthesis to its `synthesize-stopped`) within the
//! grace period; then the process exits.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ServeConfig;
use crate::metrics::Metrics;
use crate::service::Service;
use crate::synth::Synthesizer;
use crate::{Error, Result, http, wyoming};

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(config: ServeConfig) -> Result<()> {
    let started = Instant::now();
    // systemd's soft limit of 1024 files is meant to be raised by servers that need more.
    match crate::net::raise_fd_limit() {
        Ok((soft, hard)) => tracing::debug!(soft, hard, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
    // Cheap checks first (the vocabulary, the voice files), so a missing asset fails before
    // the port is taken.
    let engines = crate::config::EngineConfig::factories(&config.engines)?;
    let specs: Vec<_> = engines.iter().map(|e| e.spec().clone()).collect();
    if config.api_keys.is_empty() {
        tracing::info!("no API keys: the API is open to anyone who can reach it");
    }
    let mut metrics = Metrics::new();
    let conn_metrics = Arc::new(http::listener::ConnMetrics::new());
    conn_metrics.register(metrics.registry_mut());
    let metrics = Arc::new(metrics);
    // Lexicons are written in the first engine's symbols.
    let lexicons = crate::lexicon::Store::open(&config.lexicon_dir, Arc::clone(&specs[0].vocab))?
        .with_defaults(config.default_lexicons.clone())?;
    let service = Arc::new(
        Service::new(
            specs,
            crate::voice::Voices::join(engines.iter().map(|e| e.engine_voices())),
            config.max_concurrent_requests,
            config.core.settings.limits,
            Arc::clone(&metrics),
        )
        .with_lexicons(Arc::new(lexicons)),
    );

    let (http_listener, http_addr) = bind(config.http).await?;
    let wyoming_listener = match config.wyoming {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    // Tests and scripts read these lines to find the ports (errors ignored: nobody may be
    // reading).
    let mut banner = format!("ttsd listening on http://{http_addr}\n");
    if let Some((_, addr)) = &wyoming_listener {
        banner.push_str(&format!("ttsd wyoming listening on tcp://{addr}\n"));
    }
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes());
        let _ = stdout.flush();
    }
    tracing::info!(%http_addr, "listening");

    let shutdown = CancellationToken::new();
    let mut front_ends = tokio::task::JoinSet::new();
    let options = http::HttpOptions {
        max_body_bytes: config.max_body_bytes,
        cors_allow_origin: config.cors_allow_origin.clone(),
        api_keys: config.api_keys.clone(),
        ws: http::WsLimits {
            head: config.conn.header_timeout,
            idle: config
                .core
                .settings
                .stream_idle
                .unwrap_or(crate::synth::Settings::STREAM_IDLE),
        },
        tracker: tokio_util::task::TaskTracker::new(),
    };
    let app = http::router(Arc::clone(&service), &options);
    let limits = http::listener::ConnLimits {
        // From the file limit as raised above, unless given.
        max_connections: config
            .max_connections
            .unwrap_or_else(|| http::listener::default_max_connections(crate::net::fd_limit().0)),
        streamed_bodies: http::STREAMED_BODIES.to_vec(),
        ..config.conn.clone()
    };
    tracing::info!(
        max_connections = limits.max_connections,
        "http connection limits"
    );
    front_ends.spawn(http::serve(
        http_listener,
        app,
        limits,
        conn_metrics,
        options.tracker.clone(),
        shutdown.clone(),
    ));
    if let Some((listener, addr)) = wyoming_listener {
        tracing::info!(%addr, "wyoming listening");
        let limits = config.wyoming_limits();
        let service = Arc::clone(&service);
        let shutdown = shutdown.clone();
        front_ends.spawn(async move {
            wyoming::serve(listener, service, limits, shutdown).await;
            Ok(())
        });
    }

    let loader = {
        let service = Arc::clone(&service);
        let core = config.core.clone();
        tokio::spawn(async move {
            let synth = tokio::task::spawn_blocking(move || {
                Synthesizer::build_all(engines, &core, metrics)
            })
            .await
            .map_err(|e| Error::Internal(format!("model loader: {e}")))??;
            let synth = Arc::new(synth);
            let warm = synth.warm_up().await?;
            service.set_ready(synth);
            tracing::info!(
                warm_up_ms = warm.as_millis() as u64,
                ready_ms = started.elapsed().as_millis() as u64,
                "ready"
            );
            Ok::<_, Error>(())
        })
    };

    tokio::select! {
        () = shutdown_signal() => {}
        loaded = loader => match loaded {
            Ok(Ok(())) => shutdown_signal().await,
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(Error::Internal(format!("model loader: {e}"))),
        },
        Some(ended) = front_ends.join_next() => {
            // A front end stops only on shutdown; ending early is a failure.
            return match ended {
                Ok(Err(e)) => Err(e),
                _ => Err(Error::Internal("a front end stopped".into())),
            };
        }
    }
    tracing::info!("shutting down: no new connections; in-flight work may finish");
    shutdown.cancel();
    let drained = async {
        while let Some(ended) = front_ends.join_next().await {
            if let Ok(Err(e)) = ended {
                tracing::error!(error = %e, "a front end failed while stopping");
            }
        }
    };
    if tokio::time::timeout(config.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            grace_s = config.shutdown_grace.as_secs(),
            "grace period over; closing what is still open"
        );
    }
    Ok(())
}

/// A listener on `addr`, and the address it got (the port, when `addr` asks for port 0).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
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
}
