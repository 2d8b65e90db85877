//! `POST /v1/audio/speech`: OpenAI's speech endpoint, streamed chunk by chunk, as audio bytes
//! or (`stream_format: "sse"`) as Server-Sent Events.
//!
//! The response waits for the first chunk's audio, so an error in it (nothing speakable,
//! a failed inference) is still a JSON error with its status. After the 200 has gone out,
//! an error aborts the body: the client sees a broken stream, never a silent gap.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::oneshot;
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::{ApiJson, MODELS, STREAM_FORMATS, SpeechBody};
use crate::audio::{Format, MAX_GAIN};
use crate::synth::StreamStats;

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
    let sse = check_extras(&body)?;
    let mut request = synth
        .prepare(
            &body.input,
            &body.voice,
            body.speed,
            body.lang_code.as_deref(),
        )?
        .with_normalization(body.normalization_options.unwrap_or_default());
    request.gain = body.volume_multiplier.unwrap_or(1.0);
    // Admission last, so a bad request never takes a slot.
    let permit = Arc::clone(&state.admission)
        .try_acquire_owned()
        .map_err(|_| ApiError::overloaded())?;
    tracing::debug!(
        voice = %request.voice.name,
        format = format.name(),
        stream = body.stream,
        sse,
        // Accepted for OpenAI compatibility; Kokoro takes no style prompt.
        instructions_ignored = body.instructions.is_some(),
        "speech"
    );

    let (mut rx, stats) = synth.stream_reporting(request, format, body.stream || sse)?;
    let content_type = if sse {
        "text/event-stream"
    } else {
        format.content_type()
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        ),
    ];

    if !body.stream && !sse {
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
    let audio = futures_util::stream::once(async move { Ok(first) })
        .chain(ReceiverStream::new(rx).map(|item| {
            item.map_err(|e| {
                tracing::error!(error = %e, "stream aborted after the headers were sent");
                std::io::Error::other(e.to_string())
            })
        }))
        .map(move |item| {
            // The permit lives as long as the body stream, released with its last byte.
            let _held = &permit;
            item
        });
    if !sse {
        return Ok((headers, Body::from_stream(audio)).into_response());
    }
    let events = audio
        .map(|item| item.map(|bytes| delta_event(&bytes)))
        .chain(futures_util::stream::once(done_event(stats)));
    Ok((headers, Body::from_stream(events)).into_response())
}

/// Checks `stream_format` and the Kokoro-FastAPI fields; returns whether to answer in SSE.
fn check_extras(body: &SpeechBody) -> Result<bool, ApiError> {
    let sse = match body.stream_format.to_ascii_lowercase().as_str() {
        "audio" => false,
        "sse" => true,
        other => {
            return Err(ApiError::bad_request(
                format!(
                    "unknown stream_format '{other}'; use {}",
                    STREAM_FORMATS.join(" or ")
                ),
                Some("stream_format"),
            )
            .with_code("invalid_value"));
        }
    };
    if sse && !body.stream {
        return Err(ApiError::bad_request(
            "stream_format 'sse' streams; it cannot be combined with stream: false",
            Some("stream"),
        )
        .with_code("invalid_value"));
    }
    if let Some(gain) = body.volume_multiplier
        && !(0.0..=MAX_GAIN).contains(&gain)
    {
        return Err(ApiError::bad_request(
            format!("volume_multiplier {gain} is outside 0–{MAX_GAIN}"),
            Some("volume_multiplier"),
        )
        .with_code("invalid_value"));
    }
    if let Some(name) = &body.download_format {
        Format::parse(name).map_err(|e| {
            ApiError::bad_request(
                e.to_string().replace("response_format", "download_format"),
                Some("download_format"),
            )
            .with_code("invalid_value")
        })?;
    }
    if body.return_download_link {
        return Err(ApiError::bad_request(
            "return_download_link is not supported: ttsd keeps no copies of its audio; \
             save the response itself",
            Some("return_download_link"),
        )
        .with_code("unsupported"));
    }
    if body.return_timestamps {
        return Err(ApiError::bad_request(
            "return_timestamps is not supported: ttsd has no word timestamps",
            Some("return_timestamps"),
        )
        .with_code("unsupported"));
    }
    Ok(sse)
}

/// One chunk of audio (in the response format) as OpenAI's `speech.audio.delta` event.
fn delta_event(bytes: &[u8]) -> Bytes {
    // Written by hand to keep OpenAI's key order (`type` first); base64 needs no escaping.
    let audio = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data: {{\"type\":\"speech.audio.delta\",\"audio\":\"{audio}\"}}\n\n").into()
}

/// The closing `speech.audio.done` event with the usage: phoneme ids read by the model as
/// input tokens, 24 kHz samples produced as output tokens.
async fn done_event(stats: oneshot::Receiver<StreamStats>) -> std::io::Result<Bytes> {
    // The pipeline reports its stats only when it ended well; otherwise the audio stream
    // has already ended with an error and this is never polled.
    let stats = stats
        .await
        .map_err(|_| std::io::Error::other("the speech pipeline ended without its usage"))?;
    let event = json!({
        "type": "speech.audio.done",
        "usage": {
            "input_tokens": stats.ids,
            "output_tokens": stats.samples,
            "total_tokens": stats.ids + stats.samples,
        }
    });
    Ok(format!("data: {event}\n\n").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_events_are_one_json_line_of_base64() {
        let event = delta_event(&[0, 1, 2, 255]);
        let text = std::str::from_utf8(&event).unwrap_or_default();
        assert_eq!(
            text,
            "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAEC/w==\"}\n\n"
        );
    }
}
