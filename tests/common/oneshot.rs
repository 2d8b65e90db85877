//! The HTTP API in process: one request through `router(service, options).oneshot`, and
//! the whole reply (router.rs, lexicons.rs).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use ttsd::http::{HttpOptions, router};
use ttsd::service::Service;

/// A response, its body read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8")
    }

    /// The error's message, checking OpenAI's shape.
    pub fn error(&self) -> String {
        let body = self.json();
        let error = &body["error"];
        assert!(error["type"].is_string(), "{body}");
        error["message"].as_str().expect("a message").to_owned()
    }
}

/// `request` through a router on `service` with `options`.
pub async fn send(service: &Arc<Service>, options: &HttpOptions, request: Request<Body>) -> Reply {
    let response = router(Arc::clone(service), options)
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("the body")
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}
