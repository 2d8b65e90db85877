//! The JSON and query-string extractors of the API, whose rejections are [`ApiError`]s in
//! OpenAI's shape (never axum's plain-text errors).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The most characters of a parser's message returned to the client (its quoted values
/// already cut: [`shorten`]).
const MAX_MESSAGE: usize = 480;

/// A JSON body: exactly one JSON value (whitespace around it aside). Malformed JSON, wrong
/// types and trailing data are 400s in OpenAI's shape, naming the field. The content type is
/// not checked: `curl -d` without `-H` works too.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse(&bytes).map(ApiJson)
    }
}

/// A body that could not be read, in OpenAI's shape: 413 over the limit.
pub fn body_error(e: BytesRejection) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::bad_request("the request body is larger than the limit", None)
            .with_code("body_too_large")
            .with_status(status)
    } else {
        ApiError::bad_request(format!("cannot read the body: {e}"), None).with_status(status)
    }
}

/// Parses one JSON value of type `T` from `bytes`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde names a missing field only in its message.
        let missing = inner
            .to_string()
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next().map(str::to_owned));
        let param = missing.or((path != "." && path != "?").then_some(path));
        let detail = shorten(&crate::error::in_json_words(&inner.to_string()));
        let message = match &param {
            Some(p) => format!("invalid request body at '{p}': {detail}"),
            None => format!("invalid request body: {detail}"),
        };
        ApiError {
            param,
            ..ApiError::bad_request(message, None).with_code("invalid_json")
        }
    })?;
    // Anything but whitespace after the value is not one JSON body.
    de.end().map_err(|e| {
        ApiError::bad_request(
            format!(
                "invalid request body: data after the JSON value ({})",
                shorten(&e.to_string())
            ),
            None,
        )
        .with_code("invalid_json")
    })?;
    Ok(value)
}

/// Settings as query parameters (`?voice=af_heart&speed=1.2`): a value of the wrong type or
/// a name the type does not take is a 400 in OpenAI's shape naming the parameter, never
/// axum's plain-text rejection or a setting silently ignored (give the type
/// `deny_unknown_fields`).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let detail = shorten(&crate::error::in_json_words(&e.into_inner().to_string()));
            let param = (path != "." && path != "?").then_some(path);
            let message = match &param {
                Some(p) => format!("invalid query parameter '{p}': {detail}"),
                None => format!("invalid query: {detail}"),
            };
            ApiError {
                param,
                ..ApiError::bad_request(message, None).with_code("invalid_query")
            }
        })?;
        Ok(ApiQuery(value))
    }
}

/// A message with each value it quotes cut to [`crate::error::MAX_QUOTED`] characters (serde
/// quotes what the client sent, which may be the whole of a large body), then to
/// [`MAX_MESSAGE`]: the names it lists (the fields a type takes) stay whole.
fn shorten(message: &str) -> String {
    use crate::text::normalize::rx;
    static QUOTED: rx::Lazy = rx::lazy!(r#""[^"]{65,}"|`[^`]{65,}`"#);
    let message = QUOTED.replace_all(message, |c: &regex::Captures| {
        let quoted = &c[0];
        let mark = &quoted[..1];
        let inner = &quoted[1..quoted.len() - 1];
        format!(
            "{mark}{}{mark}",
            crate::error::clip(inner, crate::error::MAX_QUOTED)
        )
    });
    if message.chars().count() <= MAX_MESSAGE {
        return message.into_owned();
    }
    let cut: String = message.chars().take(MAX_MESSAGE).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::SpeechParams;

    #[test]
    fn one_json_value_and_nothing_after_it() {
        assert!(parse::<SpeechParams>(br#"{"input":"hi"}"#).is_ok());
        assert!(parse::<SpeechParams>(b" {\"input\":\"hi\"} \n").is_ok());
        for bad in [
            &br#"{"input":"hi"} xyz"#[..],
            br#"{"input":"hi"}{"input":"again"}"#,
            b"{\"input\":\"hi\"}\xff",
            b"",
            br#"{"input": 5}"#,
        ] {
            assert!(
                parse::<SpeechParams>(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// The message says what to send in JSON's words, never a Rust type's name.
    #[test]
    fn type_errors_name_what_to_send() {
        let message = |body: &str| {
            parse::<SpeechParams>(body.as_bytes())
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        for (body, says) in [
            (r#"{"input":"hi","voice":5}"#, "a voice name or blend"),
            (r#"{"input":"hi","voice":[]}"#, "a voice name or blend"),
            (r#"["hi"]"#, "a JSON object of fields, not an array"),
            (r#"{"input":"hi","speed":"fast"}"#, "expected a number"),
            (r#"{"input":{"a":1}}"#, "invalid type: object"),
            (r#"{"input":"hi","lexicons":"x"}"#, "expected an array"),
        ] {
            let m = message(body);
            assert!(m.contains(says), "{body}: {m}");
            for rust in [
                "f32",
                "struct",
                "enum",
                "VoiceParam",
                "SpeechParams",
                "sequence",
                "map",
            ] {
                assert!(!m.contains(rust), "{body}: {m}");
            }
        }
    }

    #[test]
    fn errors_do_not_echo_the_body() {
        let long = format!("{{\"speed\": \"{}\"}}", "x".repeat(100_000));
        let e = parse::<SpeechParams>(long.as_bytes())
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(e.len() < 400, "{} bytes", e.len());
        assert!(e.contains("speed"), "{e}");
    }
}
