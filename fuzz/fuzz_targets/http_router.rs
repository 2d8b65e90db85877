//! Any method, path, headers and body through the router (before the model is loaded):
//! every response is a status with a well-formed body, errors in OpenAI's JSON shape.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use ttsd::engine::EngineFactory;
use ttsd::engine::tone::{SimulatedCost, ToneFactory};
use ttsd::http::{HttpOptions, router};
use ttsd::metrics::Metrics;
use ttsd::request::Limits;
use ttsd::service::Service;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

const METHODS: [Method; 4] = [Method::GET, Method::POST, Method::OPTIONS, Method::PUT];
const PATHS: [&str; 8] = [
    "/v1/audio/speech",
    "/v1/audio/voices",
    "/v1/models",
    "/metrics",
    "/health",
    "/ready",
    "/",
    "/nope",
];

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let method = METHODS[usize::from(control & 3)].clone();
    let path = PATHS[usize::from(control >> 2) % PATHS.len()];
    let with_key = control & 0x40 != 0;
    let keys = vec!["secret".to_owned()];
    let engine = ToneFactory::new(SimulatedCost::default());
    let service = Arc::new(Service::new(
        vec![engine.spec().clone()],
        engine.catalogue(),
        2,
        Limits::default(),
        Arc::new(Metrics::new()),
    ));
    let options = HttpOptions {
        max_body_bytes: 4096,
        cors_allow_origin: vec!["https://example.com".into()],
        api_keys: if with_key { keys } else { Vec::new() },
        ..Default::default()
    };
    let app = router(service, &options);
    let is_preflight = method == Method::OPTIONS;
    let is_get = method == Method::GET;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("origin", "https://example.com")
        .header("authorization", "Bearer secret")
        .body(Body::from(body.to_vec()))
        .expect("a request");
    runtime().block_on(async move {
        let response = app
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body under 1 MiB");
        // CORS preflights have no body to check.
        if is_preflight {
            return;
        }
        if path == "/metrics" && status.is_success() {
            assert!(std::str::from_utf8(&bytes).is_ok_and(|t| t.ends_with("# EOF\n")));
        } else if path == "/ready" && is_get {
            // A probe, not an API call: `{"status": ...}` either way (another method is a
            // 405 in OpenAI's shape, checked below).
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            assert!(json["status"].is_string(), "{json}");
        } else if status.is_client_error() || status.is_server_error() {
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("errors are JSON");
            assert!(json["error"]["message"].is_string(), "{json}");
        }
    });
});
