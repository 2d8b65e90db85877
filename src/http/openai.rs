//! Request and response bodies of the OpenAI-compatible API, and the JSON extractor whose
//! rejections are [`ApiError`]s (never axum's plain-text errors).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::text::NormalizationOptions;

/// Model names accepted in `model`: all are Kokoro-82M.
pub const MODELS: &[&str] = &["kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

/// `POST /v1/audio/speech`.
#[derive(Debug, Deserialize)]
pub struct SpeechBody {
    #[serde(default = "default_model")]
    pub model: String,
    pub input: String,
    #[serde(default = "default_voice")]
    pub voice: String,
    #[serde(default = "default_format")]
    pub response_format: String,
    #[serde(default = "default_speed")]
    pub speed: f32,
    #[serde(default = "default_stream")]
    pub stream: bool,
    /// OpenAI's style prompt for gpt-4o-mini-tts. Accepted and ignored: Kokoro takes no
    /// instructions.
    #[serde(default)]
    pub instructions: Option<String>,
    /// Language override (`a`, `b`, `e`, `f`, `h`, `i`, `p` or a tag such as `pt-br`), as
    /// Kokoro-FastAPI takes it.
    #[serde(default)]
    pub lang_code: Option<String>,
    /// Kokoro-FastAPI's text normalization switches; missing or null means the defaults.
    #[serde(default)]
    pub normalization_options: Option<NormalizationOptions>,
    /// `audio` (the audio bytes, chunked) or `sse` (Server-Sent Events carrying base64
    /// chunks, then usage), as OpenAI takes it.
    #[serde(default = "default_stream_format")]
    pub stream_format: String,
    /// Kokoro-FastAPI's gain on the samples, 0 to [`crate::audio::MAX_GAIN`]; loud results
    /// are soft-limited, never hard-clipped. `null` means 1.
    #[serde(default)]
    pub volume_multiplier: Option<f32>,
    /// Kokoro-FastAPI's format for a saved download file. ttsd saves none: the value is
    /// checked (a format name) and otherwise ignored.
    #[serde(default)]
    pub download_format: Option<String>,
    /// Kokoro-FastAPI's link to a saved copy (`X-Download-Path`). ttsd keeps no files, so
    /// `true` is refused.
    #[serde(default)]
    pub return_download_link: bool,
    /// Kokoro-FastAPI's word timestamps (its captioned-speech endpoint). ttsd has none, so
    /// `true` is refused.
    #[serde(default)]
    pub return_timestamps: bool,
}

/// Values of `stream_format`.
pub const STREAM_FORMATS: &[&str] = &["audio", "sse"];

fn default_model() -> String {
    "kokoro".into()
}
fn default_voice() -> String {
    "af_heart".into()
}
fn default_format() -> String {
    "mp3".into()
}
fn default_speed() -> f32 {
    1.0
}
fn default_stream() -> bool {
    true
}
fn default_stream_format() -> String {
    "audio".into()
}

/// A JSON body. Malformed JSON and wrong types are 400s in OpenAI's shape, naming the field.
/// The content type is not checked: `curl -d` without `-H` works too.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            let mut err = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::bad_request("the request body is larger than the limit", None)
                    .with_code("body_too_large")
            } else {
                ApiError::bad_request(format!("cannot read the body: {e}"), None)
            };
            err.status = status;
            err
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => Ok(ApiJson(value)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                // serde names a missing field only in its message.
                let missing = inner
                    .to_string()
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next().map(str::to_owned));
                let param = missing.or((path != "." && path != "?").then_some(path));
                let message = match &param {
                    Some(p) => format!("invalid request body at '{p}': {inner}"),
                    None => format!("invalid request body: {inner}"),
                };
                Err(ApiError {
                    param,
                    ..ApiError::bad_request(message, None).with_code("invalid_json")
                })
            }
        }
    }
}
