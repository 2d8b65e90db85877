//! API errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
//!
//! Core errors map here to a status and OpenAI's `type`; the message is the error's public
//! one (our own failures say only "internal server error"; the log has the details, written
//! once, here).

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Error;
use crate::error::Class;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// OpenAI's `type`.
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
    pub retry_after: Option<Duration>,
}

/// The JSON body, for the OpenAPI document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// OpenAI's error object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub param: Option<String>,
    pub code: Option<String>,
}

impl ApiError {
    /// A 400 about the request (a field, when `param` names one).
    pub fn bad_request(message: impl Into<String>, param: Option<&str>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind: "invalid_request_error",
            param: param.map(str::to_owned),
            code: None,
            retry_after: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn not_found() -> Self {
        ApiError::bad_request("no such endpoint", None)
            .with_code("not_found")
            .with_status(StatusCode::NOT_FOUND)
    }

    pub fn method_not_allowed() -> Self {
        ApiError::bad_request("this endpoint does not take this method", None)
            .with_code("method_not_allowed")
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
    }

    pub fn unauthorized() -> Self {
        ApiError::bad_request(
            "missing or invalid API key; send it as `Authorization: Bearer KEY`",
            None,
        )
        .with_code("invalid_api_key")
        .with_status(StatusCode::UNAUTHORIZED)
    }

    /// The body, as OpenAI shapes it.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                message: self.message.clone(),
                kind: self.kind.to_owned(),
                param: self.param.clone(),
                code: self.code.map(str::to_owned),
            },
        }
    }
}

impl From<Error> for ApiError {
    /// Logs the error (once) and maps it.
    fn from(e: Error) -> Self {
        e.log("request failed");
        let (status, kind) = match e.class() {
            Class::Invalid => (StatusCode::BAD_REQUEST, "invalid_request_error"),
            // OpenAI's type for a limit on requests (its other is "tokens").
            Class::Busy => (StatusCode::TOO_MANY_REQUESTS, "requests"),
            Class::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "server_error"),
            Class::Timeout => (StatusCode::REQUEST_TIMEOUT, "invalid_request_error"),
            Class::Server => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
        ApiError {
            status,
            message: e.public_message(),
            kind,
            param: e.param().map(str::to_owned),
            code: Some(e.code()),
            retry_after: e.retry_after(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(after) = self.retry_after {
            // Whole seconds, rounded up: a client must not come back too early.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Failure;

    /// A failure counts under one reason whichever protocol reports it: HTTP by the status
    /// its class maps to, Wyoming by the class itself.
    #[test]
    fn a_class_and_its_status_are_the_same_failure() {
        let errors = [
            Error::invalid("speed", "too fast"),
            Error::Overloaded {
                retry_after: Duration::from_secs(1),
            },
            Error::NotReady,
            Error::Timeout("late".into()),
            Error::Internal("bug".into()),
        ];
        for e in errors {
            let class = e.class();
            let status = ApiError::from(e).status.as_u16();
            assert_eq!(
                Failure::of_status(status),
                Some(Failure::from(class)),
                "{class:?}"
            );
        }
    }
}
