//! `POST /v1/audio/speech/stream`: the text as a streamed request body (`text/plain`,
//! chunked), the settings as query parameters, and the audio streamed back while the body
//! is still arriving — so `llm | curl -sN -X POST -T - 'http://…/v1/audio/speech/stream?…'`
//! talks as the LLM types (`-T` alone would PUT).
//!
//! HTTP/1.1 lets a response go out before its request body has ended; hyper reads the body
//! and writes the response at the same time. The status waits for the first audio, as on
//! `POST /v1/audio/speech`, so a bad setting or an unspeakable start is still a JSON error.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::openai::ApiQuery;
use crate::request::{Input, SpeechParams};
use crate::synth::{Event, Utf8Pieces};
use crate::{Error, Result};

/// The settings, as query parameters: `POST /v1/audio/speech`'s fields that are plain
/// values (`normalization_options` needs the JSON body or the WebSocket). Any other name is
/// refused, so a misspelt or unsupported setting is never ignored in silence.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    pub model: Option<String>,
    pub voice: Option<String>,
    pub response_format: Option<String>,
    pub speed: Option<f32>,
    pub lang_code: Option<String>,
    pub volume_multiplier: Option<f32>,
    /// Lexicons by name, comma-separated, in order (`acme,names`); empty for none. Default:
    /// the server's list.
    pub lexicons: Option<String>,
    /// `[voice:…]` and `[rate:…]` tags in the text.
    pub allow_voice_tags: Option<bool>,
    /// Refused when true: SSML needs the whole input in one request.
    pub ssml: Option<bool>,
}

/// Speech for text that arrives as the request body streams in.
#[utoipa::path(
    post,
    path = "/v1/audio/speech/stream",
    params(StreamQuery),
    request_body(content = String, content_type = "text/plain", description = "The text, streamed (chunked transfer encoding), in any pieces"),
    responses(
        (status = 200, response = inline(super::openapi::Audio)),
        (status = 400, description = "Invalid settings or input", body = super::error::ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = super::error::ErrorBody),
        (status = 415, description = "A body that is not plain text (JSON, a form, HTML), or a charset other than UTF-8", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn speech_upload(
    State(state): State<Arc<AppState>>,
    ApiQuery(query): ApiQuery<StreamQuery>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_content_type(&headers)?;
    let synth = state.service.synth()?;
    let params = SpeechParams {
        model: query.model,
        voice: query.voice.map(crate::request::VoiceParam::Name),
        response_format: query.response_format,
        speed: query.speed,
        lang_code: query.lang_code,
        volume_multiplier: query.volume_multiplier,
        lexicons: query.lexicons.map(|names| {
            names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        allow_voice_tags: query.allow_voice_tags,
        ssml: query.ssml,
        ..Default::default()
    };
    let request = state.service.validate(params, Input::Streamed)?;
    let permit = state.service.admit(request.voice())?;
    let format = request.format();
    let (input, mut audio) = synth.start(request, Some(Arc::clone(&permit)))?;

    // The body's bytes, as text pieces, into the utterance (in a task of its own: the
    // response goes out while the body still arrives). The connection layer gives this body
    // no deadline: the utterance's idle clock (as a WebSocket's) ends a stream that goes
    // quiet with nothing left to say, and the reading stops when the utterance ends.
    let (pieces_tx, pieces_rx) = tokio::sync::mpsc::channel::<Result<String>>(16);
    tokio::spawn(async move {
        let mut text = Utf8Pieces::default();
        let mut frames = body.into_data_stream();
        loop {
            let frame = tokio::select! {
                frame = frames.next() => frame,
                () = pieces_tx.closed() => return,
            };
            let Some(frame) = frame else { break };
            let bytes = match frame {
                Ok(bytes) => bytes,
                // A body that breaks off fails the utterance: before the first audio an
                // error, after it an aborted response, so the client can tell the rest of
                // its text was never spoken.
                Err(e) => {
                    let _ = pieces_tx.send(Err(body_broke(&e))).await;
                    return;
                }
            };
            let piece = text.push(&bytes);
            let failed = piece.is_err();
            if piece.as_ref().is_ok_and(String::is_empty) {
                continue;
            }
            if pieces_tx.send(piece).await.is_err() || failed {
                return;
            }
        }
        if let Err(e) = text.finish() {
            let _ = pieces_tx.send(Err(e)).await;
        }
    });
    let feeder = tokio::spawn(input.feed(ReceiverStream::new(pieces_rx)));

    // The first chunk decides the status.
    let first = match audio.recv().await {
        Some(first) => first?,
        None => return Err(Error::Internal("the speech pipeline ended at once".into()).into()),
    };
    let headers = super::speech::audio_headers(format, false);
    let events = futures_util::stream::once(async move { Ok(first) })
        .chain(ReceiverStream::new(audio))
        .map(move |item| {
            // The permit and the text's feeder live as long as the body stream.
            let _held = (&permit, &feeder);
            item
        });
    let body = Body::from_stream(events.filter_map(|item| async move {
        match item {
            Ok(Event::Audio(chunk)) => Some(Ok(chunk.bytes)),
            Ok(Event::Done(_)) => None,
            Err(e) => Some(Err(super::speech::aborted(e))),
        }
    }));
    Ok((headers, body).into_response())
}

/// The body is the text itself, in UTF-8: plain text (`text/plain`, or no type; curl's
/// `-T` sends none, `--data-binary` its form type, `application/octet-stream` is bytes as
/// they are). Any other type is an envelope or markup (JSON, a multipart form, HTML, XML)
/// that would be read aloud, and another charset would be read as noise: both are a 415.
/// (Two checks on one header: a media-type parser crate would not say more.)
fn check_content_type(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    const PLAIN: [&str; 3] = [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
    ];
    let Some(value) = headers.get(axum::http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let value = String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim() == "charset")
        .map(|(_, v)| v.trim().trim_matches('"'));
    let refused = if !PLAIN.contains(&essence) {
        let json = essence.ends_with("json");
        format!(
            "Content-Type {essence}: this endpoint's body is the text itself, plain \
             (text/plain){}",
            if json {
                "; a JSON request goes to POST /v1/audio/speech"
            } else {
                ""
            }
        )
    } else if let Some(charset) = charset.filter(|c| !matches!(*c, "utf-8" | "utf8" | "us-ascii")) {
        format!("charset {charset}: the text must be UTF-8 (text/plain; charset=utf-8)")
    } else {
        return Ok(());
    };
    Err(ApiError::bad_request(refused, Some("content-type"))
        .with_code("unsupported_media_type")
        .with_status(axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE))
}

/// What the utterance fails with when its request body breaks off before its end.
fn body_broke(e: &axum::Error) -> Error {
    // The client's own fault (a chunk that cannot be read, a body cut off before its last
    // chunk), not a slow client's: a 400 before the audio, and counted as a bad request.
    Error::InvalidInput {
        message: format!(
            "the text stopped before its end ({e}); what had not been spoken when it stopped \
             was not"
        ),
        param: None,
    }
}
