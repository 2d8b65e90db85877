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
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::ApiJson;
use crate::audio::Format;
use crate::request::{Input, SpeechParams};
use crate::synth::{AudioStream, Event, Permit, Stats};
use crate::{Error, Result};

/// Speech for a text.
#[utoipa::path(
    post,
    path = "/v1/audio/speech",
    request_body = SpeechParams,
    responses(
        (status = 200, response = inline(super::openapi::AudioOrEvents)),
        (status = 400, description = "Invalid request", body = super::error::ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
        (status = 503, description = "The model is still loading", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn speech(
    State(state): State<Arc<AppState>>,
    ApiJson(params): ApiJson<SpeechParams>,
) -> Result<Response, ApiError> {
    speak(&state, params).await
}

/// A speech request's response (`/v1/audio/speech`, and the routes that build one).
pub(super) async fn speak(state: &AppState, params: SpeechParams) -> Result<Response, ApiError> {
    let synth = state.service.synth()?;
    if params.instructions.is_some() {
        // Accepted for OpenAI compatibility; Kokoro takes no style prompt.
        tracing::debug!("instructions ignored");
    }
    let request = state.service.validate(params, Input::Required)?;
    if request.timestamps() && !request.sse() {
        return Err(ApiError::bad_request(
            "timestamps come as events of stream_format \"sse\"; for a file of audio and \
             words use POST /dev/captioned_speech, for subtitles POST /v1/audio/captions",
            Some("timestamps"),
        )
        .with_code("invalid_value"));
    }
    let timestamps = request.timestamps();
    // Admission last, so a bad request never takes a slot.
    let permit = state.service.admit(request.voice())?;
    tracing::debug!(
        voice = %request.voice().name,
        format = request.format().name(),
        stream = request.stream(),
        sse = request.sse(),
        "speech"
    );
    let delivery = Delivery {
        format: request.format(),
        stream: request.stream(),
        sse: request.sse(),
        timestamps,
        sample_rate: synth.sample_rate(request.voice())?,
        max_file_audio: synth.settings().max_file_audio,
    };
    let audio = synth.speak(request, Some(Arc::clone(&permit)))?;
    respond(audio, permit, delivery).await
}

/// How an utterance's audio goes back.
#[derive(Debug, Clone, Copy)]
pub(super) struct Delivery {
    pub format: Format,
    pub stream: bool,
    pub sse: bool,
    pub timestamps: bool,
    pub sample_rate: u32,
    /// The most audio the response may hold when it is sent whole
    /// ([`crate::synth::Settings::max_file_audio`]).
    pub max_file_audio: Option<std::time::Duration>,
}

/// The response for an utterance's audio: the whole file (collected in one buffer, within
/// `--max-file-minutes`), or a stream of audio bytes or Server-Sent Events. `permit` is held
/// until its last byte.
pub(super) async fn respond(
    mut audio: AudioStream,
    permit: Permit,
    delivery: Delivery,
) -> Result<Response, ApiError> {
    let Delivery {
        format,
        stream,
        sse,
        timestamps,
        sample_rate: rate,
        max_file_audio: limit,
    } = delivery;
    let headers = audio_headers(format, sse);

    if !stream {
        // A refusal frees the slot before it goes out: the client may ask again at once.
        let (file, whole) = crate::synth::collect_file(audio, format, rate, limit)
            .await
            .inspect_err(|_| permit.release())?;
        let timing = [(SERVER_TIMING, server_timing(&whole.stats))];
        // A Vec body is sent with its Content-Length.
        return Ok((headers, timing, file).into_response());
    }

    // The first chunk decides the status: an error here is still a proper JSON error.
    let first = match audio.recv().await {
        Some(first) => first?,
        None => return Err(Error::Internal("the speech pipeline ended at once".into()).into()),
    };
    let events = futures_util::stream::once(async move { Ok(first) })
        .chain(ReceiverStream::new(audio))
        .map(move |item| {
            // The permit lives as long as the body stream, released with its last byte.
            let _held = &permit;
            item
        });
    let body = if sse {
        Body::from_stream(events.filter_map(move |item| async move {
            match item {
                Ok(Event::Audio(chunk)) => {
                    let mut event = if chunk.bytes.is_empty() {
                        Vec::new()
                    } else {
                        delta_event(&chunk.bytes).to_vec()
                    };
                    if timestamps && !chunk.words.is_empty() {
                        event.extend_from_slice(&timestamps_event(&chunk.words));
                    }
                    (!event.is_empty()).then(|| Ok(Bytes::from(event)))
                }
                Ok(Event::Done(stats)) => Some(Ok(done_event(&stats, rate))),
                Err(e) => Some(Err(aborted(e))),
            }
        }))
    } else {
        Body::from_stream(events.filter_map(|item| async move {
            match item {
                Ok(Event::Audio(chunk)) => Some(Ok(chunk.bytes)),
                Ok(Event::Done(_)) => None,
                Err(e) => Some(Err(aborted(e))),
            }
        }))
    };
    Ok((headers, body).into_response())
}

const SERVER_TIMING: header::HeaderName = header::HeaderName::from_static("server-timing");

/// Where a whole response's time went, as a `Server-Timing` header (milliseconds per
/// stage: `text;dur=12.1, queue;dur=0.0, model;dur=830.4, encode;dur=5.2`).
fn server_timing(stats: &Stats) -> HeaderValue {
    let stages: Vec<String> = stats
        .times
        .by_stage()
        .iter()
        .map(|(stage, time)| format!("{};dur={:.1}", stage.name(), time.as_secs_f64() * 1e3))
        .collect();
    HeaderValue::from_str(&stages.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// An error after the headers: logged once, and the body is aborted with it. A timeout
/// (a streamed request body that stalled) is an `ErrorKind::TimedOut`, so the response's
/// watch (`middleware::Observed`) counts it as the client's timeout, not the server's failure.
pub(super) fn aborted(e: Error) -> std::io::Error {
    e.log("stream aborted after the headers were sent");
    let kind = match e.class() {
        crate::error::Class::Timeout => std::io::ErrorKind::TimedOut,
        crate::error::Class::Invalid => std::io::ErrorKind::InvalidData,
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, e.public_message())
}

/// One chunk of audio (in the response format) as OpenAI's `speech.audio.delta` event.
fn delta_event(bytes: &[u8]) -> Bytes {
    // Written by hand to keep OpenAI's key order (`type` first); base64 needs no escaping.
    let audio = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data: {{\"type\":\"speech.audio.delta\",\"audio\":\"{audio}\"}}\n\n").into()
}

/// The words a delta completed: `speech.audio.timestamps`, after that delta.
fn timestamps_event(words: &[crate::captions::WordTime]) -> Bytes {
    let event = json!({"type": "speech.audio.timestamps", "words": words});
    format!("data: {event}\n\n").into()
}

/// Audio tokens per second of speech, as OpenAI counts a speech response's output: its
/// recorded streams report 82–93 tokens for 3.0–3.6 s of audio (25.8–27.3 a second).
const AUDIO_TOKENS_PER_SECOND: f64 = 26.0;
/// Characters of input per text token, OpenAI's rule of thumb for English (its recorded
/// stream reports 10 input tokens for a 39-character sentence).
const CHARS_PER_TOKEN: f64 = 4.0;

/// An utterance's usage on OpenAI's scale, so proxies that meter usage count ttsd's as
/// OpenAI's: input tokens ≈ characters / 4, output tokens = seconds of audio × 26.
pub(super) fn usage(stats: &Stats, sample_rate: u32) -> serde_json::Value {
    let seconds = stats.samples as f64 / f64::from(sample_rate);
    let input = (stats.chars as f64 / CHARS_PER_TOKEN).ceil() as u64;
    let output = (seconds * AUDIO_TOKENS_PER_SECOND).round() as u64;
    json!({
        "input_tokens": input,
        "output_tokens": output,
        "total_tokens": input + output,
    })
}

/// The closing `speech.audio.done` event with the usage, then the `[DONE]` line OpenAI's
/// streams end with.
fn done_event(stats: &Stats, sample_rate: u32) -> Bytes {
    let event = json!({"type": "speech.audio.done", "usage": usage(stats, sample_rate)});
    format!("data: {event}\n\ndata: [DONE]\n\n").into()
}

/// Server-Sent Events' content type: OpenAI's, with its charset.
pub(super) const EVENT_STREAM: &str = "text/event-stream; charset=utf-8";

/// The headers of an audio (or SSE) response: its type, a file name as Kokoro-FastAPI
/// gives it, no caching, no proxy buffering.
pub(super) fn audio_headers(format: Format, sse: bool) -> [(header::HeaderName, HeaderValue); 4] {
    let content_type = if sse {
        HeaderValue::from_static(EVENT_STREAM)
    } else {
        HeaderValue::from_static(format.content_type())
    };
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=speech.{}", format.name()))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        ),
    ]
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
