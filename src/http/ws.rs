//! `GET /v1/audio/speech/stream`: speech from text that arrives as it is written, over a
//! WebSocket.
//!
//! The first message is a JSON object of settings, the fields of `POST /v1/audio/speech`
//! (`input` optional: text to start with). Then `{"text": "..."}` pieces (any split),
//! `{"flush": true}` (speak what has arrived now) and `{"close": true}` (no more text). The
//! server sends each encoded chunk as a binary message the moment it exists (with
//! `"timestamps": true` in the settings, then `{"type": "audio.timestamps", "words": [...]}`
//! with the words it completed), then `{"type": "audio.done", "usage": {...}}` and a normal
//! close. Errors are `{"type": "error", "error": {...}}` (OpenAI's error object) and a close
//! with a code that fits; each is logged once and counted once in the failures, by the
//! reason its status stands for on HTTP; a client that leaves while its speech is being made
//! is counted cancelled, as on HTTP. The connection holds one admission permit, like an
//! HTTP stream, from its settings to its end. Until its settings arrive it is like an HTTP
//! connection whose head has not: it holds a connection slot, and is closed when they are
//! not there within the head's time limit from the upgrade (pings do not extend it). Once
//! they are in, one that sends no text (pings and `{"text": ""}` are not text) for
//! `--stream-idle-timeout` while nothing is left to say is closed with a timeout error. A
//! client that leaves (a Close frame, or the connection dropped) stops its work at once:
//! nothing more can reach it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::speech::usage;
use crate::Error;
use crate::metrics::Failure;
use crate::request::{Input, SpeechParams};
use crate::synth::{AudioStream, Event, TextInput};

/// Largest message a client may send: text comes in pieces, so a piece of this size is
/// already far more than any utterance takes (the input limit bounds the total).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// A piece of the input, or a command. Unknown fields are refused: a misspelt `"flush"`
/// must not pass unnoticed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    flush: bool,
    #[serde(default)]
    close: bool,
}

/// Opens the WebSocket (the key, when keys are set, was checked by the router: an
/// `Authorization` header or `?api_key=`).
#[utoipa::path(
    get,
    path = "/v1/audio/speech/stream",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "Missing or invalid API key", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn speech_stream(State(state): State<Arc<AppState>>, ws: WebSocketUpgrade) -> Response {
    let limits = state.ws;
    let tracker = state.tracker.clone();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| tracker.track_future(session(socket, state, limits)))
}

/// Timeouts of a WebSocket session (once its settings are in, the utterance's own clocks
/// apply: `--flush-after-ms`, `--stream-idle-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    /// Time for the settings to arrive after the upgrade, as for a request head (the
    /// connection's `header_timeout`); nothing the client sends meanwhile extends it.
    pub head: Duration,
    /// The idle time of a stream (`--stream-idle-timeout`): the settings are due within it
    /// too, when it is the shorter.
    pub idle: Duration,
}

/// Why a session ends, with the close code it gets.
struct Close {
    code: u16,
    error: Option<ApiError>,
}

impl Close {
    /// A failure found here, not by the core (an [`Error`] is logged where it becomes an
    /// [`ApiError`]): logged once, as [`Error::log`] logs the client's mistakes (its message,
    /// which may quote the client, only at debug).
    fn error(code: u16, error: ApiError) -> Self {
        tracing::info!(
            code = error.code,
            param = error.param.as_deref(),
            "websocket: session failed"
        );
        tracing::debug!(error = %error.message, "websocket: session failed: the message");
        Close {
            code,
            error: Some(error),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Close::error(
            close_code::POLICY,
            ApiError::bad_request(message, None).with_code("invalid_message"),
        )
    }
}

impl From<Error> for Close {
    fn from(e: Error) -> Self {
        let code = match e.class() {
            crate::error::Class::Invalid => close_code::POLICY,
            crate::error::Class::Busy | crate::error::Class::Unavailable => close_code::AGAIN,
            crate::error::Class::Timeout => close_code::POLICY,
            crate::error::Class::Server => close_code::ERROR,
        };
        // The conversion logs it.
        Close {
            code,
            error: Some(e.into()),
        }
    }
}

type Sender = futures_util::stream::SplitSink<WebSocket, Message>;
type Receiver = futures_util::stream::SplitStream<WebSocket>;

async fn session(socket: WebSocket, state: Arc<AppState>, limits: WsLimits) {
    let (mut tx, mut rx) = socket.split();
    let end = match run(&mut tx, &mut rx, &state, limits).await {
        Ok(ended) => {
            if ended == Ended::Left {
                // As an HTTP client that leaves before its response's end (the middleware).
                state.service.metrics().fail(Failure::cancelled);
            }
            Close {
                code: close_code::NORMAL,
                error: None,
            }
        }
        Err(close) => close,
    };
    if let Some(error) = &end.error {
        // Counted once, here, by what its status stands for (the upgrade's 101 counted no
        // failure); before it is sent, so a client that reads it finds it counted.
        if let Some(reason) = Failure::of_status(error.status.as_u16()) {
            state.service.metrics().fail(reason);
        }
        let body = serde_json::to_value(error.body()).unwrap_or_default();
        let event = json!({"type": "error", "error": body["error"]});
        let _ = tx.send(Message::Text(event.to_string().into())).await;
    }
    let _ = tx
        .send(Message::Close(Some(CloseFrame {
            code: end.code,
            reason: Utf8Bytes::from_static(""),
        })))
        .await;
}

/// How a session's output is written.
#[derive(Debug, Clone, Copy)]
struct Output {
    sample_rate: u32,
    /// Send each chunk's word times as an `audio.timestamps` message after its audio.
    timestamps: bool,
}

/// How a session ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// Its speech was all sent, or it left before asking for any.
    Done,
    /// The client left while its speech was being made: the work stopped (cancelled).
    Left,
}

/// What a client sent.
enum Incoming {
    Text(String),
    /// It left: a Close frame, or the connection dropped. Nothing sent now can reach it.
    Gone,
    /// A ping or pong: nothing to do.
    Nothing,
}

/// The session: settings, then text in and audio out until both are done.
async fn run(
    tx: &mut Sender,
    rx: &mut Receiver,
    state: &AppState,
    limits: WsLimits,
) -> Result<Ended, Close> {
    // One deadline for the settings, like a request head's: pings do not move it.
    let within = limits.head.min(limits.idle);
    let due = tokio::time::Instant::now() + within;
    let first = loop {
        let message = tokio::time::timeout_at(due, rx.next()).await.map_err(|_| {
            Close::from(Error::Timeout(format!(
                "no settings within {} s of the upgrade",
                within.as_secs_f32()
            )))
        })?;
        match read(message)? {
            Incoming::Text(text) => break text,
            Incoming::Gone => return Ok(Ended::Done),
            Incoming::Nothing => {}
        }
    };
    let settings: Value = serde_json::from_str(&first).map_err(|e| {
        Close::bad(format!(
            "the first message must be the settings, a JSON object: {}",
            crate::error::clip(&e.to_string(), 200)
        ))
    })?;
    let Some(fields) = settings.as_object() else {
        return Err(Close::bad(
            "the first message must be the settings, a JSON object",
        ));
    };
    if ["text", "flush", "close"]
        .iter()
        .any(|k| fields.contains_key(*k))
    {
        return Err(Close::bad(
            "the first message is the settings alone (voice, response_format, …, or {} for \
             the defaults); text, flush and close come in the messages after it",
        ));
    }
    let params: SpeechParams =
        super::openai::parse(first.as_bytes()).map_err(|e| Close::error(close_code::POLICY, e))?;
    let synth = state.service.synth()?;
    let request = state.service.validate(params, Input::Streamed)?;
    // A whole file would be held here to its end with no bound: the socket only streams.
    if !request.stream() {
        return Err(Error::invalid(
            "stream",
            "the WebSocket sends each chunk's audio as it is made; stream: false (a whole \
             file) is for POST /v1/audio/speech",
        )
        .into());
    }
    let timestamps = request.timestamps();
    let permit = state.service.admit(request.voice())?;
    let sample_rate = synth.sample_rate(request.voice())?;
    let (input, audio) = synth.start(request, Some(permit))?;
    let out = Output {
        sample_rate,
        timestamps,
    };
    pump(tx, rx, input, audio, out).await
}

/// Reads text into `input` and writes `audio` out, at the same time, until the audio ends.
async fn pump(
    tx: &mut Sender,
    rx: &mut Receiver,
    input: TextInput,
    mut audio: AudioStream,
    out: Output,
) -> Result<Ended, Close> {
    let mut input = Some(input);
    loop {
        tokio::select! {
            event = audio.recv() => match event {
                Some(Ok(Event::Audio(chunk))) => {
                    if !chunk.bytes.is_empty()
                        && tx.send(Message::Binary(chunk.bytes)).await.is_err()
                    {
                        // The client left: dropping `audio` stops the work.
                        return Ok(Ended::Left);
                    }
                    if out.timestamps && !chunk.words.is_empty() {
                        let words = json!({"type": "audio.timestamps", "words": chunk.words});
                        let _ = tx.send(Message::Text(words.to_string().into())).await;
                    }
                }
                Some(Ok(Event::Done(stats))) => {
                    let done = json!({"type": "audio.done", "usage": usage(&stats, out.sample_rate)});
                    let _ = tx.send(Message::Text(done.to_string().into())).await;
                    return Ok(Ended::Done);
                }
                Some(Err(e)) => return Err(e.into()),
                None => {
                    return Err(Error::Internal("the speech pipeline ended early".into()).into())
                }
            },
            message = rx.next() => {
                let text = match read(message)? {
                    Incoming::Text(text) => text,
                    Incoming::Nothing => continue,
                    // The client left: dropping `audio` stops the work now, as on HTTP and
                    // Wyoming (no audio sent now could reach it).
                    Incoming::Gone => return Ok(Ended::Left),
                };
                let Some(sink) = input.as_mut() else {
                    return Err(Close::bad("text after close"));
                };
                let control: Control = super::openai::parse(text.as_bytes()).map_err(|e| {
                    // A second settings object names a settings field; a misspelt command
                    // ("flsh") gets serde's message, which names it.
                    let fields = crate::request::SpeechParams::field_names();
                    let settings_again = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| {
                            v.as_object()
                                .map(|o| o.keys().any(|k| fields.iter().any(|f| f == k)))
                        })
                        .unwrap_or(false);
                    if settings_again {
                        Close::bad(
                            "settings were already given; send {\"text\": …}, \
                             {\"flush\": true} or {\"close\": true}",
                        )
                    } else {
                        Close::error(close_code::POLICY, e)
                    }
                })?;
                if let Some(piece) = &control.text {
                    sink.push(piece)?;
                }
                if control.flush {
                    sink.flush();
                }
                if control.close
                    && let Some(sink) = input.take()
                {
                    sink.finish();
                }
            },
        }
    }
}

/// What a received message is; errors for what is not allowed.
fn read(message: Option<Result<Message, axum::Error>>) -> Result<Incoming, Close> {
    match message {
        None | Some(Ok(Message::Close(_))) => Ok(Incoming::Gone),
        Some(Ok(Message::Text(text))) => Ok(Incoming::Text(text.as_str().to_owned())),
        Some(Ok(Message::Binary(_))) => Err(Close::error(
            close_code::UNSUPPORTED,
            ApiError::bad_request(
                "binary messages are not accepted: send text as JSON text messages",
                None,
            )
            .with_code("invalid_message"),
        )),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(Incoming::Nothing),
        Some(Err(e)) => {
            // tungstenite refuses an oversized message with a capacity error.
            let text = e.to_string();
            if text.contains("Space limit exceeded") || text.contains("Message too long") {
                Err(Close::error(
                    close_code::SIZE,
                    ApiError::bad_request(
                        format!(
                            "a message is larger than {MAX_MESSAGE_BYTES} bytes; send the text \
                             in smaller pieces"
                        ),
                        None,
                    )
                    .with_code("message_too_large"),
                ))
            } else {
                Ok(Incoming::Gone)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure the session finds itself (no [`Error`], which logs itself) is logged once,
    /// by its code; its message, which may quote the client, only at debug.
    #[test]
    fn a_failure_found_here_is_logged() {
        let log = crate::error::tests::logs_of(tracing::Level::INFO, || {
            let _ = Close::bad("text after close");
        });
        assert!(log.contains("invalid_message"), "{log}");
        assert!(!log.contains("text after close"), "{log}");
    }
}
