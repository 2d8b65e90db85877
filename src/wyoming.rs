//! The Wyoming protocol (Home Assistant's voice pipelines) over TCP, on `--wyoming-port`.
//!
//! An event is a JSON header line (`type`, optional `data`, `data_length`,
//! `payload_length`, `version`), then `data_length` bytes of JSON merged into `data`, then
//! `payload_length` bytes of payload. `describe` → `info` (one tts program with the voices
//! that speak now); `synthesize` → `audio-start`, an `audio-chunk` (24 kHz, 16-bit, mono)
//! per piece of audio as each sentence is ready, `audio-stop`; and the streaming variant:
//! `synthesize-start`, `synthesize-chunk`s (each complete sentence is spoken as soon as its
//! text has arrived), `synthesize-stop` → the audio, then `synthesize-stopped`.
//!
//! Speech goes through the same [`Synthesizer`] as HTTP (raw PCM), and each utterance takes
//! a permit of the same admission semaphore: none left is an `error` event, at once.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tracing::Instrument;

use crate::audio::Format;
use crate::engine::SAMPLE_RATE;
use crate::synth::Synthesizer;
use crate::text::Language;
use crate::voice::VoiceInfo;
use crate::{Error, Result};

/// The protocol version written in every header (that of the `wyoming` package this was
/// written against).
pub const VERSION: &str = "1.10.2";
/// Longest header line accepted.
const MAX_HEADER: u64 = 64 * 1024;
/// Most data bytes accepted in one event (a text chunk of 4096 characters fits many times).
const MAX_DATA: usize = 1 << 20;
/// Most payload bytes accepted (clients send none to a TTS server; skipped unread otherwise).
const MAX_PAYLOAD: usize = 1 << 20;
/// Samples per `audio-chunk` at most (one second).
const SAMPLES_PER_CHUNK: usize = SAMPLE_RATE as usize;
/// A connection with no event for this long is closed.
const IDLE: Duration = Duration::from_secs(300);
/// The voice used when a request names none.
const DEFAULT_VOICE: &str = "af_heart";

/// One Wyoming event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: String,
    pub data: Map<String, Value>,
    pub payload: Option<Bytes>,
}

impl Event {
    pub fn new(kind: &str, data: Value) -> Self {
        Event {
            kind: kind.to_owned(),
            data: match data {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            payload: None,
        }
    }

    fn error(text: impl Into<String>, code: &str) -> Self {
        Event::new("error", json!({"text": text.into(), "code": code}))
    }

    fn text(&self) -> Option<&str> {
        self.data.get("text").and_then(Value::as_str)
    }
}

/// Reads one event; `None` at a clean end of the stream.
pub async fn read_event<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Option<Event>> {
    let bad = |why: String| Error::invalid("wyoming", why);
    let mut line = Vec::new();
    (&mut *reader)
        .take(MAX_HEADER)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| bad(format!("reading a header: {e}")))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(bad(format!(
            "header line without its newline (at most {MAX_HEADER} bytes)"
        )));
    }
    let header: Map<String, Value> = serde_json::from_slice(&line)
        .map_err(|e| bad(format!("header is not a JSON object: {e}")))?;
    let kind = header
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("header without a \"type\"".into()))?
        .to_owned();
    let length = |key: &str, max: usize| -> Result<usize> {
        match header.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n <= max)
                .ok_or_else(|| bad(format!("{key} must be an integer 0–{max}"))),
        }
    };
    let data_length = length("data_length", MAX_DATA)?;
    let payload_length = length("payload_length", MAX_PAYLOAD)?;
    let mut data = match header.get("data") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    if data_length > 0 {
        let mut bytes = vec![0; data_length];
        reader
            .read_exact(&mut bytes)
            .await
            .map_err(|e| bad(format!("reading {data_length} data bytes: {e}")))?;
        let extra: Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("data is not a JSON object: {e}")))?;
        data.extend(extra);
    }
    let payload = if payload_length > 0 {
        let mut bytes = vec![0; payload_length];
        reader
            .read_exact(&mut bytes)
            .await
            .map_err(|e| bad(format!("reading {payload_length} payload bytes: {e}")))?;
        Some(Bytes::from(bytes))
    } else {
        None
    };
    Ok(Some(Event {
        kind,
        data,
        payload,
    }))
}

/// An event's bytes: the header line, the data (JSON), the payload.
pub fn encode_event(event: &Event) -> Vec<u8> {
    let mut header = Map::new();
    header.insert("type".into(), Value::from(event.kind.as_str()));
    header.insert("version".into(), Value::from(VERSION));
    let data =
        (!event.data.is_empty()).then(|| serde_json::to_vec(&event.data).unwrap_or_default());
    if let Some(d) = &data {
        header.insert("data_length".into(), Value::from(d.len()));
    }
    if let Some(p) = event.payload.as_ref().filter(|p| !p.is_empty()) {
        header.insert("payload_length".into(), Value::from(p.len()));
    }
    let mut out = serde_json::to_vec(&header).unwrap_or_default();
    out.push(b'\n');
    if let Some(d) = data {
        out.extend_from_slice(&d);
    }
    if let Some(p) = &event.payload {
        out.extend_from_slice(p);
    }
    out
}

async fn write_event<W: AsyncWrite + Unpin>(writer: &mut W, event: &Event) -> std::io::Result<()> {
    writer.write_all(&encode_event(event)).await?;
    writer.flush().await
}

/// What the Wyoming server shares with HTTP.
pub struct Shared {
    /// Set once the model is loaded and warm (the same cell HTTP reads).
    pub synth: Arc<OnceLock<Arc<Synthesizer>>>,
    /// The speech admission semaphore, shared with HTTP.
    pub admission: Arc<Semaphore>,
    /// The loaded voices.
    pub voices: Vec<VoiceInfo>,
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
}

/// Accepts connections until the listener fails; one task per connection.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let connections = Arc::new(Semaphore::new(shared.max_connections.max(1)));
    let mut next_id = 1u64;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!(error = %e, "wyoming: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::warn!(%peer, "wyoming: too many connections; closing this one");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let span = tracing::info_span!("wyoming", id = next_id, %peer);
        next_id += 1;
        tokio::spawn(
            async move {
                connection(stream, shared).await;
                drop(slot);
            }
            .instrument(span),
        );
    }
}

/// Text held back at most while waiting for a sentence end; beyond it, the text is cut
/// at its last space.
const MAX_PENDING: usize = 1000;
/// Most text one streamed utterance may carry.
const MAX_STREAM_CHARS: usize = 64 * 1024;

/// A streaming utterance in progress: its sentences go to the task that speaks them.
struct Streaming {
    /// Text received but not yet a complete sentence.
    pending: String,
    /// Characters received so far.
    received: usize,
    sentences: mpsc::UnboundedSender<String>,
    speaker: tokio::task::JoinHandle<()>,
}

/// Serves one connection until the client closes it, sends a malformed event, or idles.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    // Everything written goes through one task, so speech and replies never interleave
    // inside an event.
    let (out, mut outgoing) = mpsc::channel::<Event>(16);
    let writer = tokio::spawn(async move {
        while let Some(event) = outgoing.recv().await {
            if write_event(&mut write, &event).await.is_err() {
                // The client went away: dropping the receiver stops every sender.
                break;
            }
        }
    });
    let mut streaming: Option<Streaming> = None;
    loop {
        let event = match tokio::time::timeout(IDLE, read_event(&mut reader)).await {
            Err(_) => break,
            Ok(Ok(Some(event))) => event,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "wyoming: malformed event; closing");
                let _ = out.send(Event::error(e.to_string(), "bad_event")).await;
                break;
            }
        };
        tracing::debug!(kind = %event.kind, "wyoming: event");
        match event.kind.as_str() {
            "describe" => {
                let _ = out.send(info(&shared)).await;
            }
            "ping" => {
                let _ = out.send(Event::new("pong", json!({}))).await;
            }
            // Inside a stream, `synthesize` is the compatibility copy of the whole text.
            "synthesize" if streaming.is_some() => {}
            "synthesize" => {
                let text = event.text().unwrap_or_default().to_owned();
                let voice = event.data.get("voice").cloned();
                let (tx, rx) = mpsc::unbounded_channel();
                let _ = tx.send(text);
                drop(tx);
                // Spoken before the next event is read: a one-shot client waits for it.
                speak(Arc::clone(&shared), voice, rx, out.clone(), false).await;
            }
            "synthesize-start" => {
                let voice = event.data.get("voice").cloned();
                let (tx, rx) = mpsc::unbounded_channel();
                let speaker = tokio::spawn(
                    speak(Arc::clone(&shared), voice, rx, out.clone(), true).in_current_span(),
                );
                if let Some(previous) = streaming.replace(Streaming {
                    pending: String::new(),
                    received: 0,
                    sentences: tx,
                    speaker,
                }) {
                    previous.speaker.abort();
                }
            }
            "synthesize-chunk" => {
                let Some(s) = streaming.as_mut() else {
                    let _ = out
                        .send(Event::error(
                            "synthesize-chunk outside synthesize-start … synthesize-stop",
                            "bad_event",
                        ))
                        .await;
                    continue;
                };
                let text = event.text().unwrap_or_default();
                s.received += text.chars().count();
                if s.received > MAX_STREAM_CHARS {
                    let _ = out
                        .send(Event::error(
                            format!(
                                "a streamed text may have at most {MAX_STREAM_CHARS} characters"
                            ),
                            "invalid_input",
                        ))
                        .await;
                    break;
                }
                s.pending.push_str(text);
                if let Some(done) = take_complete(&mut s.pending) {
                    let _ = s.sentences.send(done);
                } else if s.pending.chars().count() > MAX_PENDING
                    && let Some(space) = s.pending.rfind(char::is_whitespace)
                {
                    // A run-on text is spoken in pieces rather than held back unbounded.
                    let rest = s.pending.split_off(space);
                    let _ = s.sentences.send(std::mem::replace(&mut s.pending, rest));
                }
            }
            "synthesize-stop" => {
                let Some(s) = streaming.take() else {
                    continue;
                };
                if !s.pending.trim().is_empty() {
                    let _ = s.sentences.send(s.pending);
                }
                drop(s.sentences);
                // The audio (and its audio-stop) first, then the end of the stream.
                let _ = s.speaker.await;
                let _ = out.send(Event::new("synthesize-stopped", json!({}))).await;
            }
            other => tracing::debug!(kind = other, "wyoming: ignored event"),
        }
    }
    if let Some(s) = streaming {
        s.speaker.abort();
    }
    drop(out);
    let _ = writer.await;
}

/// Cuts the complete sentences off the front of `pending`: everything up to the last
/// sentence end (`.`, `!`, `?`, `…`, `;` or a line break) that is followed by whitespace.
/// What follows stays, to be completed by the next chunks.
fn take_complete(pending: &mut String) -> Option<String> {
    let mut cut = None;
    let mut chars = pending.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = matches!(c, '.' | '!' | '?' | '…' | ';' | '\n');
        if ends && chars.peek().is_some_and(|(_, next)| next.is_whitespace()) {
            cut = Some(i + c.len_utf8());
        }
    }
    let cut = cut?;
    let rest = pending.split_off(cut);
    let done = std::mem::replace(pending, rest.trim_start().to_owned());
    (!done.trim().is_empty()).then_some(done)
}

/// Speaks each text from `texts` in order, as one stream of audio: `audio-start` before the
/// first audio, `audio-chunk`s, `audio-stop` at the end. Failures are `error` events.
async fn speak(
    shared: Arc<Shared>,
    voice: Option<Value>,
    mut texts: mpsc::UnboundedReceiver<String>,
    out: mpsc::Sender<Event>,
    streaming: bool,
) {
    let Some(synth) = shared.synth.get().cloned() else {
        let _ = out
            .send(Event::error(
                "the model is still loading; retry shortly",
                "not_ready",
            ))
            .await;
        return;
    };
    let voice = match pick_voice(&shared.voices, voice.as_ref()) {
        Ok(v) => v,
        Err(e) => {
            let _ = out.send(Event::error(e.to_string(), "unknown_voice")).await;
            return;
        }
    };
    // One permit for the whole utterance, like one HTTP request.
    let Ok(_permit) = Arc::clone(&shared.admission).try_acquire_owned() else {
        let _ = out
            .send(Event::error(
                "the server is at capacity; retry shortly",
                "server_busy",
            ))
            .await;
        return;
    };
    let format = json!({"rate": SAMPLE_RATE, "width": 2, "channels": 1});
    let mut started = false;
    let mut samples_sent: u64 = 0;
    let mut spoke = false;
    while let Some(text) = texts.recv().await {
        if text.trim().is_empty() {
            continue;
        }
        let request = match synth.prepare(&text, &voice, 1.0, None) {
            Ok(r) => r,
            Err(e) => {
                let _ = out.send(Event::error(e.to_string(), "invalid_input")).await;
                return;
            }
        };
        let mut rx = match synth.stream(request, Format::Pcm, true) {
            Ok(rx) => rx,
            Err(e) => {
                tracing::error!(error = %e, "wyoming: speech failed");
                let _ = out.send(Event::error("speech failed", "internal")).await;
                return;
            }
        };
        while let Some(item) = rx.recv().await {
            let pcm = match item {
                Ok(pcm) => pcm,
                // A sentence with nothing speakable in a stream is skipped, not fatal.
                Err(e) if streaming && e.is_client_error() => break,
                Err(e) => {
                    if !e.is_client_error() {
                        tracing::error!(error = %e, "wyoming: speech failed");
                    }
                    let message = if e.is_client_error() {
                        e.to_string()
                    } else {
                        "speech failed".to_owned()
                    };
                    let _ = out.send(Event::error(message, "speech_failed")).await;
                    return;
                }
            };
            if !started {
                let mut start = format.clone();
                start["timestamp"] = json!(0);
                if out.send(Event::new("audio-start", start)).await.is_err() {
                    return;
                }
                started = true;
            }
            spoke = true;
            for piece in pcm.chunks(SAMPLES_PER_CHUNK * 2) {
                let mut data = format.clone();
                data["timestamp"] = json!(samples_sent * 1000 / u64::from(SAMPLE_RATE));
                samples_sent += (piece.len() / 2) as u64;
                let mut event = Event::new("audio-chunk", data);
                event.payload = Some(Bytes::copy_from_slice(piece));
                // A closed writer means the client left: dropping `rx` cancels the speech.
                if out.send(event).await.is_err() {
                    return;
                }
            }
        }
    }
    if !spoke {
        let _ = out
            .send(Event::error(
                "the text has nothing to speak (no words after normalization)",
                "invalid_input",
            ))
            .await;
        return;
    }
    let stop = json!({"timestamp": samples_sent * 1000 / u64::from(SAMPLE_RATE)});
    let _ = out.send(Event::new("audio-stop", stop)).await;
}

/// The voice a request asks for: `voice.name` (a ttsd voice, alias or blend, or a language
/// code), else `voice.language`, else the default voice.
fn pick_voice(voices: &[VoiceInfo], voice: Option<&Value>) -> Result<String> {
    let field = |key: &str| {
        voice
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(name) = field("name") {
        let is_voice = name
            .split('+')
            .filter_map(|part| part.split('(').next())
            .all(|n| {
                crate::voice::alias(n).is_some()
                    || voices.iter().any(|v| v.name == n.to_ascii_lowercase())
            });
        if is_voice {
            return Ok(name.to_owned());
        }
        if let Ok(language) = Language::from_code(name) {
            return Ok(default_voice(voices, language));
        }
        return Err(Error::UnknownVoice(name.to_owned()));
    }
    if let Some(code) = field("language") {
        return Ok(default_voice(voices, Language::from_code(code)?));
    }
    Ok(DEFAULT_VOICE.to_owned())
}

/// The voice used for a language: the default voice if it speaks it, else the first.
fn default_voice(voices: &[VoiceInfo], language: Language) -> String {
    let speaks = |v: &&VoiceInfo| Language::from_voice(&v.name).ok() == Some(language);
    voices
        .iter()
        .filter(speaks)
        .find(|v| v.name == DEFAULT_VOICE)
        .or_else(|| voices.iter().find(speaks))
        .map_or_else(|| DEFAULT_VOICE.to_owned(), |v| v.name.clone())
}

/// BCP 47 tag of a Kokoro language letter.
fn language_tag(lang_code: &str) -> &'static str {
    match lang_code {
        "a" => "en-US",
        "b" => "en-GB",
        "e" => "es",
        "f" => "fr-FR",
        "h" => "hi",
        "i" => "it",
        "j" => "ja",
        "p" => "pt-BR",
        "z" => "zh-CN",
        _ => "und",
    }
}

/// The `info` event: one tts program whose voices are those that speak now.
fn info(shared: &Shared) -> Event {
    let attribution =
        json!({"name": "hexgrad", "url": "https://huggingface.co/hexgrad/Kokoro-82M"});
    let voices: Vec<Value> = shared
        .voices
        .iter()
        .filter(|v| v.supported)
        .map(|v| {
            json!({
                "name": v.name,
                "attribution": attribution,
                "installed": true,
                "description": format!("{} ({}, {})", v.name, v.language, v.gender),
                "version": null,
                "languages": [language_tag(&v.lang_code)],
                "speakers": null,
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn roundtrip(bytes: &[u8]) -> Result<Option<Event>> {
        let mut reader = BufReader::new(bytes);
        read_event(&mut reader).await
    }

    #[tokio::test]
    async fn events_round_trip_with_data_and_payload() -> Result<()> {
        let mut event = Event::new(
            "audio-chunk",
            json!({"rate": 24000, "width": 2, "channels": 1}),
        );
        event.payload = Some(Bytes::from_static(&[1, 2, 3, 4]));
        let bytes = encode_event(&event);
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap_or(0);
        let header: Value = serde_json::from_slice(&bytes[..header_end]).unwrap_or_default();
        assert_eq!(header["type"], "audio-chunk");
        assert_eq!(header["payload_length"], 4);
        assert_eq!(header["version"], VERSION);
        assert_eq!(roundtrip(&bytes).await?, Some(event));
        Ok(())
    }

    #[tokio::test]
    async fn header_data_merges_with_data_bytes() -> Result<()> {
        let data = br#"{"text":"Hello."}"#;
        let mut bytes = format!(
            "{{\"type\":\"synthesize\",\"data\":{{\"voice\":{{\"name\":\"af_heart\"}}}},\"data_length\":{}}}\n",
            data.len()
        )
        .into_bytes();
        bytes.extend_from_slice(data);
        let event = roundtrip(&bytes)
            .await?
            .ok_or_else(|| Error::Internal("none".into()))?;
        assert_eq!(event.text(), Some("Hello."));
        assert_eq!(event.data["voice"]["name"], "af_heart");
        assert_eq!(event.payload, None);
        Ok(())
    }

    #[tokio::test]
    async fn malformed_events_are_errors_not_panics() {
        assert!(roundtrip(b"").await.is_ok_and(|e| e.is_none()));
        assert!(roundtrip(b"not json\n").await.is_err());
        assert!(roundtrip(b"{\"data\":{}}\n").await.is_err(), "no type");
        assert!(
            roundtrip(b"{\"type\":\"x\",\"data_length\":5}\n{}")
                .await
                .is_err(),
            "short data"
        );
        assert!(
            roundtrip(b"{\"type\":\"x\",\"data_length\":-1}\n")
                .await
                .is_err()
        );
        assert!(
            roundtrip(b"{\"type\":\"x\",\"payload_length\":99999999}\n")
                .await
                .is_err()
        );
        assert!(roundtrip(b"{\"type\":\"x\"}").await.is_err(), "no newline");
    }

    #[test]
    fn complete_sentences_are_cut_off_the_front() {
        let mut pending = "Hello there. How are".to_owned();
        assert_eq!(take_complete(&mut pending).as_deref(), Some("Hello there."));
        assert_eq!(pending, "How are");
        assert_eq!(take_complete(&mut pending), None);
        pending.push_str(" you? Fine! And");
        assert_eq!(
            take_complete(&mut pending).as_deref(),
            Some("How are you? Fine!")
        );
        assert_eq!(pending, "And");
        let mut no_space_yet = "It costs 3.5".to_owned();
        assert_eq!(
            take_complete(&mut no_space_yet),
            None,
            "a decimal point is no end"
        );
    }

    #[test]
    fn voices_by_name_alias_language_or_default() -> Result<()> {
        let voices: Vec<VoiceInfo> = ["af_heart", "af_sky", "bf_emma", "ef_dora"]
            .iter()
            .map(|n| VoiceInfo {
                name: (*n).to_owned(),
                lang_code: n[..1].to_owned(),
                language: "",
                gender: "female",
                supported: true,
            })
            .collect();
        let pick = |v: Value| pick_voice(&voices, Some(&v));
        assert_eq!(pick(json!({"name": "af_sky"}))?, "af_sky");
        assert_eq!(pick(json!({"name": "alloy"}))?, "alloy");
        assert_eq!(
            pick(json!({"name": "af_sky(2)+bf_emma(1)"}))?,
            "af_sky(2)+bf_emma(1)"
        );
        assert_eq!(pick(json!({"language": "en-GB"}))?, "bf_emma");
        assert_eq!(pick(json!({"name": "en_GB"}))?, "bf_emma");
        assert_eq!(pick(json!({"language": "es"}))?, "ef_dora");
        assert_eq!(pick(json!({}))?, DEFAULT_VOICE);
        assert_eq!(pick_voice(&voices, None)?, DEFAULT_VOICE);
        assert!(pick(json!({"name": "nobody"})).is_err());
        Ok(())
    }
}
