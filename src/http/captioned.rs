//! Speech with its word times: `POST /dev/captioned_speech` (Kokoro-FastAPI's request and
//! response, so its clients work) and `POST /v1/audio/captions` (a WebVTT or SubRip file of
//! the same request's words, for subtitles).
//!
//! Times are seconds from the start of the audio, on the words the user wrote ("$23.50" is
//! one word), from the model's own durations.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::{ApiJson, ApiQuery};
use crate::audio::Format;
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

/// A [`CaptionedChunk`]'s JSON, written as its audio comes: `{"audio":"`, the base64 of
/// each piece of audio as it is given (so a whole response's audio is never held raw beside
/// its base64, nor its base64 beside the JSON), then the format and the words, in the
/// order and form `serde_json` gives the struct.
struct CaptionedJson {
    out: String,
    /// The audio's first bytes, kept raw to the end: a whole file's header may get its
    /// sizes then ([`Format::seal`]); their base64 goes in its place, `head_at`.
    head: Vec<u8>,
    head_at: usize,
    /// Bytes after the head not encoded yet (base64 takes them three at a time).
    pending: Vec<u8>,
    /// Bytes of audio given.
    len: usize,
}

impl CaptionedJson {
    /// The head: a multiple of 3 bytes (so its base64 has a fixed length and the rest's
    /// groups start after it) at least as long as the part [`Format::seal`] rewrites.
    const HEAD: usize = Format::SEALED_LEN.div_ceil(3) * 3;
    const OPEN: &'static str = "{\"audio\":\"";

    fn new() -> Self {
        let mut out = String::from(Self::OPEN);
        let head_at = out.len();
        // The head's base64, written at the end.
        out.extend(std::iter::repeat_n('A', Self::HEAD / 3 * 4));
        CaptionedJson {
            out,
            head: Vec::with_capacity(Self::HEAD),
            head_at,
            pending: Vec::with_capacity(3),
            len: 0,
        }
    }

    fn audio(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len();
        let to_head = (Self::HEAD - self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        bytes = &bytes[to_head..];
        if !self.pending.is_empty() {
            let take = (3 - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() == 3 {
                STANDARD.encode_string(&self.pending, &mut self.out);
                self.pending.clear();
            }
        }
        let whole = bytes.len() / 3 * 3;
        STANDARD.encode_string(&bytes[..whole], &mut self.out);
        self.pending.extend_from_slice(&bytes[whole..]);
    }

    /// The object's JSON, its audio a whole file of `format` when `seal` ([`Format::seal`]).
    fn finish(mut self, mime: &str, times: &[WordTime], seal: Option<Format>) -> Result<String> {
        if let Some(format) = seal {
            format.seal(&mut self.head, self.len);
        }
        let head = STANDARD.encode(&self.head);
        if self.head.len() == Self::HEAD {
            self.out
                .replace_range(self.head_at..self.head_at + head.len(), &head);
        } else {
            // All the audio is in the head (no bytes after it were encoded).
            self.out.truncate(self.head_at);
            self.out.push_str(&head);
        }
        STANDARD.encode_string(&self.pending, &mut self.out);
        let json = |e: serde_json::Error| Error::Internal(e.to_string());
        self.out.push_str("\",\"audio_format\":");
        self.out
            .push_str(&serde_json::to_string(mime).map_err(json)?);
        self.out.push_str(",\"timestamps\":");
        self.out
            .push_str(&serde_json::to_string(&words(times)).map_err(json)?);
        self.out.push('}');
        Ok(self.out)
    }
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
    if params
        .stream_format
        .as_deref()
        .is_some_and(|f| f != "audio")
    {
        return Err(Error::invalid(
            "stream_format",
            "/dev/captioned_speech streams lines of JSON, each with its words; for events \
             use POST /v1/audio/speech with stream_format sse",
        )
        .into());
    }
    params.timestamps = Some(true);
    params.return_timestamps = None;
    params.stream_format = None;
    let request = state.service.validate(params, Input::Required)?;
    let permit = state.service.admit(request.voice())?;
    let (format, stream) = (request.format(), request.stream());
    let rate = synth.sample_rate(request.voice())?;
    let mut audio = synth.speak(request, Some(Arc::clone(&permit)))?;
    let mime = format.content_type();
    let mut headers = super::speech::audio_headers(format, false);
    headers[0].1 = HeaderValue::from_static("application/json");
    if !stream {
        let mut json = CaptionedJson::new();
        let limit = synth.settings().max_file_audio;
        let whole = crate::synth::collect(audio, rate, limit, |bytes| json.audio(bytes))
            .await
            .inspect_err(|_| permit.release())?;
        let body = json.finish(mime, &whole.words, Some(format))?;
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
                    let mut json = CaptionedJson::new();
                    json.audio(&chunk.bytes);
                    match json.finish(mime, &chunk.words, None) {
                        Ok(mut line) => {
                            line.push('\n');
                            Some(Ok(bytes::Bytes::from(line)))
                        }
                        Err(e) => Some(Err(super::speech::aborted(e))),
                    }
                }
                Ok(Event::Done(_)) => None,
                Err(e) => Some(Err(super::speech::aborted(e))),
            };
            async move { line }
        });
    Ok((headers, Body::from_stream(lines)).into_response())
}

/// The caption file's own settings; the speech's are the JSON body's. Any other name is
/// refused (a misspelt `?fmt=srt` must not give WebVTT in silence).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
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
    ApiQuery(query): ApiQuery<CaptionQuery>,
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
    let rate = synth.sample_rate(request.voice())?;
    let audio = synth.speak(request, Some(permit))?;
    // Only the words are kept (the audio is dropped as it comes): no bound on its length.
    let whole = crate::synth::collect(audio, rate, None, |_| {}).await?;
    let file = caption_file(&whole.words, format);
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

    /// The JSON written as the audio comes is byte for byte `serde_json`'s of the struct
    /// made from the whole audio, however the audio is cut, short or long, a whole WAV
    /// sealed in it as in a file.
    #[test]
    fn captioned_json_is_serdes_of_the_whole() -> Result<()> {
        let times = [WordTime {
            word: "Hi \"there\"".into(),
            start: 0.25,
            end: 0.5,
            cue: 0,
        }];
        let audio: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for len in [0, 1, 2, 3, 44, 45, 46, 47, 48, 100, 200] {
            for cut in [1, 2, 3, 4, 7, 45, 64, 200] {
                for seal in [None, Some(Format::Wav), Some(Format::Pcm)] {
                    let mut json = CaptionedJson::new();
                    for piece in audio[..len].chunks(cut) {
                        json.audio(piece);
                    }
                    let got = json.finish("audio/wav", &times, seal)?;
                    let mut whole = audio[..len].to_vec();
                    if let Some(format) = seal {
                        format.seal(&mut whole, len);
                    }
                    let want = CaptionedChunk {
                        audio: STANDARD.encode(&whole),
                        audio_format: "audio/wav".into(),
                        timestamps: words(&times),
                    };
                    let want = serde_json::to_string(&want).unwrap_or_default();
                    assert_eq!(got, want, "{len} bytes in pieces of {cut}, {seal:?}");
                }
            }
        }
        Ok(())
    }

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
