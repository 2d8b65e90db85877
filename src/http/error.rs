//! API errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::Error;

/// An error response. Server-side failures carry a generic message; the details go to the
/// log only.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>, param: Option<&str>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            param: param.map(str::to_owned),
            code: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn overloaded() -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: "the server is at capacity; retry shortly".into(),
            kind: "rate_limit_error",
            param: None,
            code: Some("server_busy"),
        }
    }

    pub fn not_ready() -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the model is still loading; retry shortly (GET /ready tells when)".into(),
            kind: "server_error",
            param: None,
            code: Some("not_ready"),
        }
    }

    pub fn not_found() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: "no such endpoint".into(),
            kind: "invalid_request_error",
            param: None,
            code: Some("not_found"),
        }
    }

    pub fn internal() -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal server error".into(),
            kind: "server_error",
            param: None,
            code: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match &e {
            Error::InvalidInput { param, .. } => {
                ApiError::bad_request(e.to_string(), *param).with_code("invalid_value")
            }
            Error::UnknownVoice(_) => {
                ApiError::bad_request(e.to_string(), Some("voice")).with_code("unknown_voice")
            }
            Error::UnsupportedLanguage(_) => ApiError::bad_request(e.to_string(), Some("voice"))
                .with_code("unsupported_language"),
            Error::Overloaded => ApiError::overloaded(),
            _ => {
                tracing::error!(error = %e, "request failed");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::SERVICE_UNAVAILABLE
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
