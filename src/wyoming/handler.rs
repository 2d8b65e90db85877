//! One Wyoming client's events: `describe` → `info`; `synthesize` → one utterance;
//! `synthesize-start`, `synthesize-chunk`s, `synthesize-stop` → one utterance whose text
//! arrives in pieces, spoken as it completes, then `synthesize-stopped`. A second
//! `synthesize-start` abandons the stream before it (as wyoming-piper does: its audio, if
//! begun, ends with `audio-stop` where it was) and starts anew in its admission slot.
//!
//! Each utterance goes through the same pipeline as HTTP (raw PCM at the engine's rate), with
//! one admission permit and one deadline clock for the whole of it; a streamed one ends with
//! a timeout error when it has had no text for `--stream-idle-timeout` (other events do not
//! count).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use super::codec::{FrameCodec, FrameError};
use super::event::{
    AudioChunk, AudioFormat, AudioStart, ClientEvent, Info, ServerEvent, TtsProgram, TtsVoice,
    VoiceChoice,
};
use crate::audio::Format;
use crate::language::Language;
use crate::metrics::{Failure, Metrics, WyomingClose};
use crate::net::is_write_stall;
use crate::request::{Input, SpeechParams, VoiceParam};
use crate::service::Service;
use crate::synth::{AudioStream, Event as Speech, Permit, TextInput};
use crate::{Error, Result};

/// Timeouts of one connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A new connection must send its first event within this time.
    pub first_event: Duration,
    /// A connection with no event but pings for this long (`--keepalive-timeout`), and no
    /// utterance in progress, is closed: pings keep nothing open (a client that only pings would hold one of the
    /// connection slots for ever). A streamed synthesis has the utterance's own idle clock,
    /// `--stream-idle-timeout`, which only text resets.
    pub idle: Duration,
}

/// Serves one connection until the client closes it, sends a malformed frame, idles, stops
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
    let (read, write) = tokio::io::split(stream);
    // Frames are read in a task of their own: a read cut off half-way (by a timer below)
    // would lose the bytes it had taken from the stream; a channel's receive loses nothing.
    let (frames_tx, mut frames) = mpsc::channel(4);
    let reader = tokio::spawn(async move {
        let mut read = FramedRead::new(read, FrameCodec::default());
        while let Some(frame) = read.next().await {
            let end = frame.is_err();
            if frames_tx.send(frame).await.is_err() || end {
                break;
            }
        }
    });
    // Everything written goes through one task, so speech and replies never interleave
    // inside an event.
    let (out, mut outgoing) = mpsc::channel::<ServerEvent>(16);
    // It ends when the client stops taking bytes (gone, or not reading: a write stall) and
    // says which; dropping the receiver then stops every sender, the speech included.
    let writer = tokio::spawn(async move {
        let mut write = FramedWrite::new(write, FrameCodec::default());
        while let Some(event) = outgoing.recv().await {
            if let Err(e) = write.send(event.into_frame()).await {
                return matches!(e, FrameError::Io(e) if is_write_stall(&e));
            }
        }
        false
    });
    let metrics: &Metrics = service.metrics();
    let mut closed_for = None;
    let mut streaming: Option<Streaming> = None;
    // Moved on by every event but a ping (or one ignored or malformed), and by the end of an
    // utterance; not due while one is in progress.
    let mut deadline = tokio::time::Instant::now() + timeouts.first_event;
    let mut worked = false;
    loop {
        let frame = tokio::select! {
            // A streamed utterance in progress is finished first (its client sends the stop).
            _ = shutdown.cancelled(), if streaming.is_none() => break,
            // Nothing more can reach the client.
            _ = out.closed() => break,
            // A stream whose speech ended before its stop (it failed: no text for its idle
            // time, too much text) is over: its slot is free, and later events are read as
            // outside a stream.
            _ = async {
                match streaming.as_mut() {
                    Some(s) => {
                        let _ = (&mut s.speaker).await;
                    }
                    None => std::future::pending().await,
                }
            }, if streaming.is_some() => {
                streaming = None;
                deadline = tokio::time::Instant::now() + timeouts.idle;
                continue;
            }
            read = frames.recv() => Ok(read),
            _ = tokio::time::sleep_until(deadline), if streaming.is_none() => Err(()),
        };
        let frame = match frame {
            Err(()) => {
                closed_for = Some(if !worked {
                    WyomingClose::first_event_timeout
                } else {
                    WyomingClose::idle_timeout
                });
                break;
            }
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break,
            Ok(Some(Err(FrameError::Io(_)))) => break,
            Ok(Some(Err(e @ FrameError::Malformed(_)))) => {
                let e = Error::InvalidInput {
                    message: e.to_string(),
                    param: None,
                };
                report_as(
                    &out,
                    metrics,
                    &e,
                    "bad_event",
                    "wyoming: malformed event; closing",
                )
                .await;
                closed_for = Some(WyomingClose::bad_event);
                break;
            }
        };
        let kind = crate::error::clip(&frame.kind, 64).into_owned();
        tracing::debug!(%kind, "wyoming: event");
        let event = match ClientEvent::from_frame(frame) {
            Ok(Some(event)) => event,
            Ok(None) => {
                tracing::debug!(%kind, "wyoming: ignored event");
                continue;
            }
            // A well-framed event with data of the wrong shape: the connection goes on.
            Err(e) => {
                report(&out, metrics, &e).await;
                continue;
            }
        };
        let work = !matches!(event, ClientEvent::Ping(_));
        worked |= work;
        match event {
            ClientEvent::Describe => {
                let _ = out.send(ServerEvent::Info(info(&service))).await;
            }
            ClientEvent::Ping(ping) => {
                let _ = out.send(ServerEvent::Pong { text: ping.text }).await;
            }
            // Inside a stream, `synthesize` is the compatibility copy of the whole text.
            ClientEvent::Synthesize(_) if streaming.is_some() => {}
            ClientEvent::Synthesize(synthesize) => {
                match start(
                    &service,
                    synthesize.voice,
                    Some(synthesize.text),
                    &out,
                    None,
                ) {
                    // Spoken before the next event is read: a one-shot client waits for it.
                    Ok(stream) => stream.finish().await,
                    Err(e) => report(&out, metrics, &e).await,
                }
            }
            ClientEvent::SynthesizeStart(start_event) => {
                // A new stream replaces one left open: its speech stops, and the new one
                // takes its slot.
                let slot = match streaming.take() {
                    Some(previous) => Some(previous.abandon().await),
                    None => None,
                };
                match start(&service, start_event.voice, None, &out, slot) {
                    Ok(stream) => streaming = Some(stream),
                    Err(e) => report(&out, metrics, &e).await,
                }
            }
            ClientEvent::SynthesizeChunk(chunk) => {
                let Some(s) = streaming.as_mut() else {
                    let e = Error::InvalidInput {
                        message: "synthesize-chunk outside synthesize-start … synthesize-stop"
                            .into(),
                        param: None,
                    };
                    report(&out, metrics, &e).await;
                    continue;
                };
                if let Err(e) = s.input.push(&chunk.text) {
                    report(&out, metrics, &e).await;
                    break;
                }
            }
            ClientEvent::SynthesizeStop => {
                // The audio (and its audio-stop) first, then the end of the stream. A stream
                // that already ended (its error was sent) is stopped at once: the client
                // waits for this answer either way.
                if let Some(s) = streaming.take() {
                    s.finish().await;
                }
                let _ = out.send(ServerEvent::SynthesizeStopped {}).await;
            }
        }
        // From the end of what it asked for (a one-shot utterance is spoken above).
        if work {
            deadline = tokio::time::Instant::now() + timeouts.idle;
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

/// An utterance in progress: where its text goes, and the task sending its audio.
struct Streaming {
    input: TextInput,
    speaker: JoinHandle<()>,
    /// Stops the speaker: the utterance is abandoned.
    stop: CancellationToken,
    /// Its admission slot.
    permit: Permit,
}

impl Streaming {
    /// Ends the text and waits until its audio and `audio-stop` are sent. The slot is the
    /// pipeline's alone from here, and the pipeline gives it back before its end reaches
    /// the speaker, so a client that asks again on `audio-stop` finds it free.
    async fn finish(self) {
        drop(self.permit);
        self.input.finish();
        let _ = self.speaker.await;
    }

    /// Stops the utterance (its audio, then its pipeline at its next step); its slot, for
    /// the utterance that replaces it.
    async fn abandon(self) -> Permit {
        self.stop.cancel();
        drop(self.input);
        let _ = self.speaker.await;
        self.permit
    }
}

/// Logs an error once, counts it once in the failures by its class, and tells the client.
async fn report(out: &mpsc::Sender<ServerEvent>, metrics: &Metrics, e: &Error) {
    report_as(out, metrics, e, e.code(), "wyoming: request failed").await;
}

/// [`report`], with the protocol's own `code` and log `context`. Counted before it is sent,
/// so a client that reads it finds it counted.
async fn report_as(
    out: &mpsc::Sender<ServerEvent>,
    metrics: &Metrics,
    e: &Error,
    code: &str,
    context: &'static str,
) {
    e.log(context);
    metrics.fail(Failure::from(e.class()));
    let _ = out.send(ServerEvent::error(e.public_message(), code)).await;
}

/// Starts an utterance: validates the voice, takes a permit (or the slot of the utterance it
/// replaces), and spawns the task that sends its audio as Wyoming events.
fn start(
    service: &Arc<Service>,
    voice: Option<VoiceChoice>,
    text: Option<String>,
    out: &mpsc::Sender<ServerEvent>,
    slot: Option<Permit>,
) -> Result<Streaming> {
    let synth = service.synth()?;
    let params = SpeechParams {
        input: text,
        voice: Some(VoiceParam::Name(pick_voice(service, voice)?)),
        response_format: Some(Format::Pcm.name().into()),
        ..Default::default()
    };
    let request = service.validate(params, Input::Streamed)?;
    // One permit for the whole utterance, like one HTTP request.
    // (The slot of an utterance of another engine is given back for one of this one's.)
    let permit = match slot {
        Some(permit) if permit.engine() == request.voice().engine => permit,
        other => {
            drop(other);
            service.admit(request.voice())?
        }
    };
    let rate = synth.sample_rate(request.voice())?;
    let (input, audio) = synth.start(request, Some(Arc::clone(&permit)))?;
    let format = AudioFormat {
        rate,
        width: 2,
        channels: 1,
    };
    let stop = CancellationToken::new();
    let speaker = tokio::spawn(speak(
        audio,
        format,
        out.clone(),
        Arc::clone(service.metrics()),
        stop.clone(),
    ));
    Ok(Streaming {
        input,
        speaker,
        stop,
        permit,
    })
}

/// Sends an utterance's audio: `audio-start` before the first, `audio-chunk`s of at most a
/// second, `audio-stop` at the end. A failure is an `error` event instead of the rest.
/// Stopped, it ends audio it began with `audio-stop` (every `audio-start` has one), closes
/// the stream (the pipeline sees it and ends) and returns.
async fn speak(
    mut audio: AudioStream,
    format: AudioFormat,
    out: mpsc::Sender<ServerEvent>,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) {
    let rate = u64::from(format.rate);
    let max_bytes = format.rate as usize * 2;
    let mut started = false;
    let mut samples_sent: u64 = 0;
    let millis = |samples: u64| samples * 1000 / rate;
    loop {
        let item = tokio::select! {
            item = audio.recv() => item,
            () = stop.cancelled() => {
                if started {
                    let stop = ServerEvent::AudioStop {
                        timestamp: millis(samples_sent),
                    };
                    let _ = out.send(stop).await;
                }
                return;
            }
        };
        let Some(item) = item else { return };
        match item {
            Ok(Speech::Audio(chunk)) => {
                if !started {
                    let start = AudioStart {
                        format,
                        timestamp: 0,
                    };
                    if out.send(ServerEvent::AudioStart(start)).await.is_err() {
                        return;
                    }
                    started = true;
                }
                for piece in chunk.bytes.chunks(max_bytes) {
                    let event = ServerEvent::AudioChunk(AudioChunk {
                        format,
                        timestamp: millis(samples_sent),
                        audio: chunk.bytes.slice_ref(piece),
                    });
                    samples_sent += (piece.len() / 2) as u64;
                    // A closed writer means the client left: dropping `audio` cancels the speech.
                    if out.send(event).await.is_err() {
                        return;
                    }
                }
            }
            Ok(Speech::Done(_)) => {
                let stop = ServerEvent::AudioStop {
                    timestamp: millis(samples_sent),
                };
                let _ = out.send(stop).await;
                return;
            }
            Err(e) => {
                report(&out, &metrics, &e).await;
                return;
            }
        }
    }
}

/// The voice a request asks for: `voice.name` (a voice, alias or blend, or a language
/// code), else `voice.language`, else the default voice.
fn pick_voice(service: &Service, voice: Option<VoiceChoice>) -> Result<String> {
    let voice = voice.unwrap_or_default();
    let field = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
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
    if let Some(name) = field(&voice.name) {
        // A voice, an alias or a blend, as HTTP's `voice` takes it; else a language code.
        // Refused, it is refused for HTTP's reason (a blend whose weights cancel is no
        // unknown voice).
        let refused = match voices.resolve(&name) {
            Ok(_) => return Ok(name),
            Err(e) => e,
        };
        if let Ok(language) = Language::from_code(&name) {
            return for_language(language);
        }
        return Err(refused);
    }
    if let Some(code) = field(&voice.language) {
        return for_language(Language::from_code(&code)?);
    }
    Ok(voices.default_voice().to_owned())
}

/// The `info` event: one tts program whose voices are those that speak.
fn info(service: &Service) -> Info {
    let spec = service.spec();
    let voices = service
        .voices()
        .iter()
        .filter(|v| v.speaks)
        .filter_map(|v| {
            let language = v.language?.row();
            let engine = service.spec_of(v.engine)?;
            Some(TtsVoice {
                name: v.name.clone(),
                attribution: engine.attribution,
                installed: true,
                description: format!(
                    "{} ({}, {}; {})",
                    v.name,
                    language.name,
                    v.gender.as_str(),
                    engine.title
                ),
                version: None,
                languages: vec![language.bcp47.to_owned()],
                speakers: None,
            })
        })
        .collect();
    Info {
        asr: Vec::new(),
        tts: vec![TtsProgram {
            name: "ttsd".into(),
            attribution: spec.attribution,
            installed: true,
            description: format!(
                "ttsd: {}, streaming",
                service
                    .specs()
                    .iter()
                    .map(|s| s.title)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            version: env!("CARGO_PKG_VERSION").into(),
            voices,
            supports_synthesize_streaming: true,
        }],
        handle: Vec::new(),
        intent: Vec::new(),
        wake: Vec::new(),
    }
}
