//! Speech with its word times: `POST /dev/captioned_speech` (Kokoro-FastAPI's request and
//! response, so its clients work) and `POST /v1/audio/captions` (a WebVTT or SubRip file of
//! the same request's words, for subtitles).
//!
//! Times are seconds from the start of the audio, on the words the user wrote ("$23.50" is
//! one word), from the model's own durations.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::ApiJson;
use crate::captions::{CaptionFormat, WordTime, caption_file};
use crate::request::{Input, SpeechParams};
use crate::synth::Event;
use crate::{Error, Result};

/// A word as Kokoro-FastAPI's captioned speech gives it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaptionWord {
    pub word: String,
    pub start_time: f64,
    pub end_time: f64,
}

/// Kokoro-FastAPI's captioned speech response (one per chunk when streamed, as a line of
/// JSON; one for all when not).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaptionedChunk {
    /// The chunk's encoded audio, base64.
    pub audio: String,
    /// Its MIME type (`audio/mpeg`, …).
    pub audio_format: String,
    pub timestamps: Vec<CaptionWord>,
}

fn words(words: &[WordTime]) -> Vec<CaptionWord> {
    words
        .iter()
        .map(|w| CaptionWord {
            word: w.word.clone(),
            start_time: w.start,
            end_time: w.end,
        })
        .collect()
}

/// Speech and its word times, as Kokoro-FastAPI's `/dev/captioned_speech`.
#[utoipa::path(
    post,
    path = "/dev/captioned_speech",
    request_body = SpeechParams,
    responses(
        (status = 200, description = "Streamed (the default): a line of JSON per chunk, `{audio, audio_format, timestamps}`; with `stream: false` one such object for all", body = CaptionedChunk, content_type = "application/json"),
        (status = 400, description = "Invalid request", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn captioned_speech(
    State(state): State<Arc<AppState>>,
    ApiJson(mut params): ApiJson<SpeechParams>,
) -> Result<Response, ApiError> {
    let synth = state.service.synth()?;
    // Word times are what this endpoint is for; SSE is the speech endpoint's.
    params.timestamps = Some(true);
    params.return_timestamps = None;
    params.stream_format = None;
    let request = state.service.validate(params, Input::Required)?;
    let permit = state.service.admit(request.voice())?;
    let (format, stream) = (request.format(), request.stream());
    let mut audio = synth.speak(request, Some(Arc::clone(&permit)))?;
    let mime = format.content_type();
    let mut headers = super::speech::audio_headers(format, false);
    headers[0].1 = HeaderValue::from_static("application/json");
    let encode = move |bytes: &[u8], times: &[WordTime]| CaptionedChunk {
        audio: base64::engine::general_purpose::STANDARD.encode(bytes),
        audio_format: mime.to_owned(),
        timestamps: words(times),
    };
    if !stream {
        let (mut bytes, mut times) = (Vec::new(), Vec::new());
        while let Some(event) = audio.recv().await {
            match event? {
                Event::Audio(chunk) => {
                    bytes.extend_from_slice(&chunk.bytes);
                    times.extend(chunk.words);
                }
                Event::Done(_) => break,
            }
        }
        let body = serde_json::to_vec(&encode(&bytes, &times))
            .map_err(|e| Error::Internal(e.to_string()))?;
        return Ok((headers, body).into_response());
    }
    let first = match audio.recv().await {
        Some(first) => first?,
        None => return Err(Error::Internal("the speech pipeline ended at once".into()).into()),
    };
    let lines = futures_util::stream::once(async move { Ok(first) })
        .chain(ReceiverStream::new(audio))
        .filter_map(move |item| {
            let _held = &permit;
            let line = match item {
                // A chunk with no audio (the encoder's last bytes may be none) still carries
                // its words.
                Ok(Event::Audio(chunk)) if chunk.bytes.is_empty() && chunk.words.is_empty() => None,
                Ok(Event::Audio(chunk)) => {
                    let mut line =
                        serde_json::to_vec(&encode(&chunk.bytes, &chunk.words)).unwrap_or_default();
                    line.push(b'\n');
                    Some(Ok(bytes::Bytes::from(line)))
                }
                Ok(Event::Done(_)) => None,
                Err(e) => {
                    e.log("stream aborted after the headers were sent");
                    Some(Err(std::io::Error::other(e.public_message())))
                }
            };
            async move { line }
        });
    Ok((headers, Body::from_stream(lines)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaptionQuery {
    /// `vtt` (WebVTT, the default) or `srt` (SubRip).
    #[serde(default)]
    pub format: Option<String>,
}

/// A caption file (WebVTT or SubRip) of a speech request's words, timed as its audio is:
/// the same request to `POST /v1/audio/speech` gives the audio they match.
#[utoipa::path(
    post,
    path = "/v1/audio/captions",
    params(CaptionQuery),
    request_body = SpeechParams,
    responses(
        (status = 200, response = inline(super::openapi::CaptionFile)),
        (status = 400, description = "Invalid request", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn captions(
    State(state): State<Arc<AppState>>,
    Query(query): Query<CaptionQuery>,
    ApiJson(mut params): ApiJson<SpeechParams>,
) -> Result<Response, ApiError> {
    let name = query.format.as_deref().unwrap_or("vtt");
    let format = CaptionFormat::from_name(name).ok_or_else(|| {
        ApiError::bad_request(
            format!(
                "unknown caption format '{}'; use vtt or srt",
                crate::error::clip(name, crate::error::MAX_QUOTED)
            ),
            Some("format"),
        )
        .with_code("invalid_value")
    })?;
    let synth = state.service.synth()?;
    // The audio's own timing, whatever format it is asked in: encode the cheapest.
    params.response_format = Some("pcm".into());
    params.stream = Some(false);
    params.stream_format = None;
    params.timestamps = Some(true);
    let request = state.service.validate(params, Input::Required)?;
    let permit = state.service.admit(request.voice())?;
    let mut audio = synth.speak(request, Some(permit))?;
    let mut times = Vec::new();
    while let Some(event) = audio.recv().await {
        match event? {
            Event::Audio(chunk) => times.extend(chunk.words),
            Event::Done(_) => break,
        }
    }
    let file = caption_file(&times, format);
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=speech.{}",
        format.extension()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn words_take_kokoro_fastapis_names() {
        let w = words(&[WordTime {
            word: "$23.50".into(),
            start: 0.5,
            end: 1.25,
            cue: 0,
        }]);
        assert_eq!(
            serde_json::to_value(&w).unwrap_or_default(),
            json!([{"word": "$23.50", "start_time": 0.5, "end_time": 1.25}])
        );
    }
}
