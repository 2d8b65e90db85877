//! `POST /v1/audio/speech`: OpenAI's speech endpoint, streamed chunk by chunk.
//!
//! The response waits for the first chunk's audio, so an error in it (nothing speakable,
//! a failed inference) is still a JSON error with its status. After the 200 has gone out,
//! an error aborts the body: the client sees a broken stream, never a silent gap.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::{ApiJson, MODELS, SpeechBody};
use crate::audio::Format;

pub async fn speech(
    State(state): State<Arc<AppState>>,
    ApiJson(body): ApiJson<SpeechBody>,
) -> Result<Response, ApiError> {
    let synth = state.synth()?;
    if !MODELS.contains(&body.model.as_str()) {
        return Err(ApiError::bad_request(
            format!(
                "unknown model '{}'; accepted: {}",
                body.model,
                MODELS.join(", ")
            ),
            Some("model"),
        )
        .with_code("unknown_model"));
    }
    let format = Format::parse(&body.response_format)?;
    let request = synth
        .prepare(
            &body.input,
            &body.voice,
            body.speed,
            body.lang_code.as_deref(),
        )?
        .with_normalization(body.normalization_options.unwrap_or_default());
    // Admission last, so a bad request never takes a slot.
    let permit = Arc::clone(&state.admission)
        .try_acquire_owned()
        .map_err(|_| ApiError::overloaded())?;
    tracing::debug!(
        voice = %request.voice.name,
        format = format.name(),
        stream = body.stream,
        // Accepted for OpenAI compatibility; Kokoro takes no style prompt.
        instructions_ignored = body.instructions.is_some(),
        "speech"
    );

    let mut rx = synth.stream(request, format, body.stream)?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        ),
    ];

    if !body.stream {
        let mut file = Vec::new();
        while let Some(bytes) = rx.recv().await {
            file.extend_from_slice(&bytes?);
        }
        drop(permit);
        // A Vec body is sent with its Content-Length.
        return Ok((headers, file).into_response());
    }

    // The first chunk decides the status: an error here is still a proper JSON error.
    let first = match rx.recv().await {
        Some(first) => first?,
        None => return Err(ApiError::internal()),
    };
    let rest = ReceiverStream::new(rx).map(move |item| {
        // The permit lives as long as the body stream, released with its last byte.
        let _held = &permit;
        item.map_err(|e| {
            tracing::error!(error = %e, "stream aborted after the headers were sent");
            std::io::Error::other(e.to_string())
        })
    });
    let stream = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    Ok((headers, Body::from_stream(stream)).into_response())
}
