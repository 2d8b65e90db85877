//! One Wyoming client's events: `describe` → `info`; `synthesize` → one utterance;
//! `synthesize-start`, `synthesize-chunk`s, `synthesize-stop` → one utterance whose text
//! arrives in pieces, spoken as it completes, then `synthesize-stopped`.
//!
//! Each utterance goes through the same pipeline as HTTP (raw PCM at the engine's rate), with
//! one admission permit and one deadline clock for the whole of it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::event::{Event, read_event, write_event};
use crate::audio::Format;
use crate::language::Language;
use crate::metrics::WyomingClose;
use crate::net::is_write_stall;
use crate::request::{Input, SpeechParams, VoiceParam};
use crate::service::Service;
use crate::synth::{Event as Speech, TextInput};
use crate::{Error, Result};

/// The protocol version written in every header (that of the `wyoming` package this was
/// written against).
pub use super::event::VERSION;

/// Timeouts of one connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A new connection must send its first event within this time.
    pub first_event: Duration,
    /// A connection with no event for this long is closed. (A streamed synthesis has the
    /// utterance's own idle clock, `--stream-idle-timeout`, which only text resets.)
    pub idle: Duration,
}

/// Serves one connection until the client closes it, sends a malformed event, idles, stops
/// reading, or the server shuts down (after any utterance in progress has finished). Returns
/// why the server closed it, if a limit did.
pub async fn serve<S>(
    stream: S,
    service: Arc<Service>,
    timeouts: Timeouts,
    shutdown: CancellationToken,
) -> Option<WyomingClose>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (read, mut write) = tokio::io::split(stream);
    // Events are read in a task of their own: a read cut off half-way (by a timer below)
    // would lose the bytes it had taken from the stream; a channel's receive loses nothing.
    let (events_tx, mut events) = mpsc::channel::<Result<Event>>(4);
    let reader = tokio::spawn(async move {
        let mut reader = BufReader::new(read);
        loop {
            let event = read_event(&mut reader).await.transpose();
            let end = !matches!(event, Some(Ok(_)));
            let Some(event) = event else { break };
            if events_tx.send(event).await.is_err() || end {
                break;
            }
        }
    });
    // Everything written goes through one task, so speech and replies never interleave
    // inside an event.
    let (out, mut outgoing) = mpsc::channel::<Event>(16);
    // It ends when the client stops taking bytes (gone, or not reading: a write stall) and
    // says which; dropping the receiver then stops every sender, the speech included.
    let writer = tokio::spawn(async move {
        while let Some(event) = outgoing.recv().await {
            if let Err(e) = write_event(&mut write, &event).await {
                return is_write_stall(&e);
            }
        }
        false
    });
    let mut closed_for = None;
    let mut streaming: Option<Streaming> = None;
    let mut first = true;
    loop {
        let wait = if first {
            timeouts.first_event
        } else {
            timeouts.idle
        };
        let event = tokio::select! {
            // A streamed utterance in progress is finished first (its client sends the stop).
            _ = shutdown.cancelled(), if streaming.is_none() => break,
            // Nothing more can reach the client.
            _ = out.closed() => break,
            read = tokio::time::timeout(wait, events.recv()) => read,
        };
        let was_first = std::mem::replace(&mut first, false);
        let event = match event {
            Err(_) => {
                closed_for = Some(if was_first {
                    WyomingClose::first_event_timeout
                } else {
                    WyomingClose::idle_timeout
                });
                break;
            }
            Ok(Some(Ok(event))) => event,
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                e.log("wyoming: malformed event; closing");
                let _ = out
                    .send(Event::error(e.public_message(), "bad_event"))
                    .await;
                closed_for = Some(WyomingClose::bad_event);
                break;
            }
        };
        tracing::debug!(kind = %crate::error::clip(&event.kind, 64), "wyoming: event");
        match event.kind.as_str() {
            "describe" => {
                let _ = out.send(info(&service)).await;
            }
            "ping" => {
                let _ = out.send(Event::new("pong", json!({}))).await;
            }
            // Inside a stream, `synthesize` is the compatibility copy of the whole text.
            "synthesize" if streaming.is_some() => {}
            "synthesize" => {
                let text = event.text().unwrap_or_default().to_owned();
                match start(&service, event.data.get("voice"), Some(text), &out) {
                    // Spoken before the next event is read: a one-shot client waits for it.
                    Ok((input, speaker)) => {
                        input.finish();
                        let _ = speaker.await;
                    }
                    Err(e) => report(&out, &e).await,
                }
            }
            "synthesize-start" => {
                if let Some(previous) = streaming.take() {
                    previous.speaker.abort();
                }
                match start(&service, event.data.get("voice"), None, &out) {
                    Ok((input, speaker)) => streaming = Some(Streaming { input, speaker }),
                    Err(e) => report(&out, &e).await,
                }
            }
            "synthesize-chunk" => {
                let Some(s) = streaming.as_mut() else {
                    let e = Error::InvalidInput {
                        message: "synthesize-chunk outside synthesize-start … synthesize-stop"
                            .into(),
                        param: None,
                    };
                    report(&out, &e).await;
                    continue;
                };
                if let Err(e) = s.input.push(event.text().unwrap_or_default()) {
                    report(&out, &e).await;
                    break;
                }
            }
            "synthesize-stop" => {
                let Some(s) = streaming.take() else {
                    continue;
                };
                s.input.finish();
                // The audio (and its audio-stop) first, then the end of the stream.
                let _ = s.speaker.await;
                let _ = out.send(Event::new("synthesize-stopped", json!({}))).await;
            }
            other => {
                tracing::debug!(kind = %crate::error::clip(other, 64), "wyoming: ignored event")
            }
        }
    }
    if let Some(s) = streaming {
        s.speaker.abort();
    }
    reader.abort();
    drop(out);
    match writer.await {
        Ok(true) => Some(WyomingClose::write_timeout),
        _ => closed_for,
    }
}

/// A streamed utterance in progress.
struct Streaming {
    input: TextInput,
    speaker: JoinHandle<()>,
}

/// Logs an error once and tells the client.
async fn report(out: &mpsc::Sender<Event>, e: &Error) {
    e.log("wyoming: request failed");
    let _ = out.send(Event::error(e.public_message(), e.code())).await;
}

/// Starts an utterance: validates the voice, takes a permit, and spawns the task that sends
/// its audio as Wyoming events.
fn start(
    service: &Arc<Service>,
    voice: Option<&Value>,
    text: Option<String>,
    out: &mpsc::Sender<Event>,
) -> Result<(TextInput, JoinHandle<()>)> {
    let synth = service.synth()?;
    let params = SpeechParams {
        input: text,
        voice: Some(VoiceParam::Name(pick_voice(service, voice)?)),
        response_format: Some(Format::Pcm.name().into()),
        ..Default::default()
    };
    let request = synth.validate(params, Input::Streamed)?;
    // One permit for the whole utterance, like one HTTP request.
    let permit = service.admit()?;
    let (input, audio) = synth.start(request, Some(permit))?;
    let rate = synth.spec().sample_rate;
    let speaker = tokio::spawn(speak(audio, rate, out.clone()));
    Ok((input, speaker))
}

/// Sends an utterance's audio: `audio-start` before the first, `audio-chunk`s of at most a
/// second, `audio-stop` at the end. A failure is an `error` event instead of the rest.
async fn speak(mut audio: crate::synth::AudioStream, rate: u32, out: mpsc::Sender<Event>) {
    let format = json!({"rate": rate, "width": 2, "channels": 1});
    let max_bytes = rate as usize * 2;
    let mut started = false;
    let mut samples_sent: u64 = 0;
    let millis = |samples: u64| samples * 1000 / u64::from(rate);
    while let Some(item) = audio.recv().await {
        match item {
            Ok(Speech::Audio(chunk)) => {
                if !started {
                    let mut start = format.clone();
                    start["timestamp"] = json!(0);
                    if out.send(Event::new("audio-start", start)).await.is_err() {
                        return;
                    }
                    started = true;
                }
                for piece in chunk.bytes.chunks(max_bytes) {
                    let mut data = format.clone();
                    data["timestamp"] = json!(millis(samples_sent));
                    samples_sent += (piece.len() / 2) as u64;
                    let mut event = Event::new("audio-chunk", data);
                    event.payload = Some(Bytes::copy_from_slice(piece));
                    // A closed writer means the client left: dropping `audio` cancels the speech.
                    if out.send(event).await.is_err() {
                        return;
                    }
                }
            }
            Ok(Speech::Done(_)) => {
                let stop = json!({"timestamp": millis(samples_sent)});
                let _ = out.send(Event::new("audio-stop", stop)).await;
                return;
            }
            Err(e) => {
                report(&out, &e).await;
                return;
            }
        }
    }
}

/// The voice a request asks for: `voice.name` (a voice, alias or blend, or a language
/// code), else `voice.language`, else the default voice.
fn pick_voice(service: &Service, voice: Option<&Value>) -> Result<String> {
    let field = |key: &str| {
        voice
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let voices = service.synth()?.voices();
    let for_language = |language: Language| {
        voices
            .default_for(language)
            .map(str::to_owned)
            .ok_or(Error::UnsupportedLanguage {
                language: language.row().name,
                param: "voice",
            })
    };
    if let Some(name) = field("name") {
        // A voice, an alias or a blend, as HTTP's `voice` takes it.
        if voices.resolve(name).is_ok() {
            return Ok(name.to_owned());
        }
        if let Ok(language) = Language::from_code(name) {
            return for_language(language);
        }
        return Err(Error::UnknownVoice(
            crate::error::clip(name, crate::error::MAX_QUOTED).into_owned(),
        ));
    }
    if let Some(code) = field("language") {
        return for_language(Language::from_code(code)?);
    }
    Ok(crate::request::DEFAULT_VOICE.to_owned())
}

/// The `info` event: one tts program whose voices are those that speak.
fn info(service: &Service) -> Event {
    let attribution =
        json!({"name": "hexgrad", "url": "https://huggingface.co/hexgrad/Kokoro-82M"});
    let voices: Vec<Value> = service
        .voices()
        .iter()
        .filter(|v| v.speaks)
        .filter_map(|v| {
            let language = v.language?.row();
            Some(json!({
                "name": v.name,
                "attribution": attribution,
                "installed": true,
                "description": format!("{} ({}, {})", v.name, language.name, v.gender.as_str()),
                "version": null,
                "languages": [language.bcp47],
                "speakers": null,
            }))
        })
        .collect();
    Event::new(
        "info",
        json!({
            "asr": [],
            "tts": [{
                "name": "ttsd",
                "attribution": attribution,
                "installed": true,
                "description": "ttsd: Kokoro-82M, streaming",
                "version": env!("CARGO_PKG_VERSION"),
                "voices": voices,
                "supports_synthesize_streaming": true,
            }],
            "handle": [],
            "intent": [],
            "wake": [],
        }),
    )
}
