//! Wyoming's events, typed: each [`Frame`] a client sends is read once into a
//! [`ClientEvent`] (as mini-redis parses a frame into a command), and what the server sends
//! is a [`ServerEvent`] made into a frame. Serde does the reading, so a field of the wrong
//! type is an error that names it (`synthesize-chunk: text: invalid type: integer`), never
//! a silent default.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::codec::Frame;
use crate::engine::Attribution;
use crate::{Error, Result};

/// The events a TTS server reads. Others (audio, transcripts, …) are not for it.
#[derive(Debug)]
pub enum ClientEvent {
    /// Asks for [`ServerEvent::Info`].
    Describe,
    /// Asks for [`ServerEvent::Pong`].
    Ping(Ping),
    /// A whole text to speak.
    Synthesize(Synthesize),
    /// A text that comes in chunks begins.
    SynthesizeStart(SynthesizeStart),
    /// A piece of the text.
    SynthesizeChunk(SynthesizeChunk),
    /// No more text.
    SynthesizeStop,
}

#[derive(Debug, Deserialize)]
pub struct Ping {
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Synthesize {
    pub text: String,
    #[serde(default)]
    pub voice: Option<VoiceChoice>,
}

#[derive(Debug, Deserialize)]
pub struct SynthesizeStart {
    #[serde(default)]
    pub voice: Option<VoiceChoice>,
}

#[derive(Debug, Deserialize)]
pub struct SynthesizeChunk {
    pub text: String,
}

/// The voice a client asks for: by name, or by language.
#[derive(Debug, Default, Deserialize)]
pub struct VoiceChoice {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub speaker: Option<String>,
}

impl ClientEvent {
    /// A frame as the event it carries: `Ok(None)` for a kind a TTS server does not read,
    /// an error naming the field for data of the wrong shape.
    pub fn from_frame(frame: Frame) -> Result<Option<ClientEvent>> {
        let Frame { kind, data, .. } = frame;
        let event = match kind.as_str() {
            "describe" => ClientEvent::Describe,
            "ping" => ClientEvent::Ping(typed(&kind, data)?),
            "synthesize" => ClientEvent::Synthesize(typed(&kind, data)?),
            "synthesize-start" => ClientEvent::SynthesizeStart(typed(&kind, data)?),
            "synthesize-chunk" => ClientEvent::SynthesizeChunk(typed(&kind, data)?),
            "synthesize-stop" => ClientEvent::SynthesizeStop,
            _ => return Ok(None),
        };
        Ok(Some(event))
    }
}

/// An event's data as its type; an error names the event and the field, in Wyoming's
/// terms (an object, a string), never a Rust type's name.
fn typed<T: DeserializeOwned>(kind: &str, data: Map<String, Value>) -> Result<T> {
    serde_path_to_error::deserialize(Value::Object(data)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let message = match inner.strip_prefix("missing field `") {
            Some(rest) => {
                let field = rest.split('`').next().unwrap_or_default();
                match path.as_str() {
                    "." | "?" => format!("{kind}: {field} is missing"),
                    _ => format!("{kind}: {path}.{field} is missing"),
                }
            }
            None => format!("{kind}: {path}: {}", crate::error::in_json_words(&inner)),
        };
        Error::InvalidInput {
            message,
            param: None,
        }
    })
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "kebab-case")]
pub enum ServerEvent {
    Info(Info),
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    AudioStart(AudioStart),
    AudioChunk(AudioChunk),
    AudioStop {
        timestamp: u64,
    },
    SynthesizeStopped {},
    Error {
        text: String,
        code: String,
    },
}

/// The audio's format, as every audio event gives it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AudioFormat {
    pub rate: u32,
    /// Bytes per sample.
    pub width: u32,
    pub channels: u32,
}

#[derive(Debug, Serialize)]
pub struct AudioStart {
    #[serde(flatten)]
    pub format: AudioFormat,
    pub timestamp: u64,
}

#[derive(Debug, Serialize)]
pub struct AudioChunk {
    #[serde(flatten)]
    pub format: AudioFormat,
    /// Milliseconds of audio before this chunk.
    pub timestamp: u64,
    /// The samples (the frame's payload, not its data).
    #[serde(skip)]
    pub audio: Bytes,
}

/// `describe`'s answer: the programs this server offers (one tts program).
#[derive(Debug, Serialize)]
pub struct Info {
    pub asr: Vec<Value>,
    pub tts: Vec<TtsProgram>,
    pub handle: Vec<Value>,
    pub intent: Vec<Value>,
    pub wake: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct TtsProgram {
    pub name: String,
    pub attribution: Attribution,
    pub installed: bool,
    pub description: String,
    pub version: String,
    pub voices: Vec<TtsVoice>,
    pub supports_synthesize_streaming: bool,
}

#[derive(Debug, Serialize)]
pub struct TtsVoice {
    pub name: String,
    pub attribution: Attribution,
    pub installed: bool,
    pub description: String,
    pub version: Option<String>,
    /// BCP-47 tags.
    pub languages: Vec<String>,
    pub speakers: Option<Vec<Value>>,
}

impl ServerEvent {
    /// An `error` event.
    pub fn error(text: impl Into<String>, code: &str) -> Self {
        ServerEvent::Error {
            text: text.into(),
            code: code.to_owned(),
        }
    }

    /// The frame that carries it.
    pub fn into_frame(self) -> Frame {
        let payload = match &self {
            ServerEvent::AudioChunk(chunk) => Some(chunk.audio.clone()),
            _ => None,
        };
        // Plain structs of strings and numbers always serialize.
        let value = serde_json::to_value(&self).unwrap_or_default();
        let kind = value["type"].as_str().unwrap_or_default();
        let mut frame = Frame::new(kind, value["data"].clone());
        frame.payload = payload;
        frame
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(kind: &str, data: Value) -> Result<Option<ClientEvent>> {
        ClientEvent::from_frame(Frame::new(kind, data))
    }

    #[test]
    fn frames_are_read_into_events_once() -> Result<()> {
        let event = read(
            "synthesize",
            json!({"text": "Hi.", "voice": {"name": "af_heart"}, "context": {}}),
        )?;
        let Some(ClientEvent::Synthesize(synthesize)) = event else {
            panic!("a synthesize event: {event:?}");
        };
        assert_eq!(synthesize.text, "Hi.");
        assert_eq!(
            synthesize.voice.and_then(|v| v.name).as_deref(),
            Some("af_heart")
        );
        assert!(matches!(
            read("describe", json!({}))?,
            Some(ClientEvent::Describe)
        ));
        assert!(matches!(
            read("synthesize-stop", Value::Null)?,
            Some(ClientEvent::SynthesizeStop)
        ));
        assert!(
            read("audio-chunk", json!({"rate": 16000}))?.is_none(),
            "not for a TTS server"
        );
        Ok(())
    }

    #[test]
    fn data_of_the_wrong_shape_is_an_error_naming_the_field() {
        let message = |kind: &str, data: Value| {
            read(kind, data)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let wrong = message("synthesize-chunk", json!({"text": 5}));
        assert!(
            wrong.contains("synthesize-chunk: text: invalid type: integer `5`"),
            "{wrong}"
        );
        let missing = message("synthesize", json!({}));
        assert!(missing.contains("synthesize: text is missing"), "{missing}");
        // In Wyoming's terms, never a Rust type's name.
        let voice = message("synthesize", json!({"text": "Hi.", "voice": 5}));
        assert!(
            voice.contains("synthesize: voice: invalid type: integer `5`, expected an object"),
            "{voice}"
        );
        let voice = message("synthesize-start", json!({"voice": {"name": 1}}));
        assert!(voice.contains("voice.name"), "{voice}");
    }

    #[test]
    fn server_events_are_frames_in_wyomings_shape() {
        let format = AudioFormat {
            rate: 16_000,
            width: 2,
            channels: 1,
        };
        let chunk = ServerEvent::AudioChunk(AudioChunk {
            format,
            timestamp: 250,
            audio: Bytes::from_static(&[1, 2]),
        })
        .into_frame();
        assert_eq!(chunk.kind, "audio-chunk");
        assert_eq!(
            Value::Object(chunk.data),
            json!({"rate": 16000, "width": 2, "channels": 1, "timestamp": 250})
        );
        assert_eq!(chunk.payload.as_deref(), Some(&[1u8, 2][..]));
        let stopped = ServerEvent::SynthesizeStopped {}.into_frame();
        assert_eq!(
            (stopped.kind.as_str(), stopped.data.len()),
            ("synthesize-stopped", 0)
        );
        let error = ServerEvent::error("no", "timeout").into_frame();
        assert_eq!(
            Value::Object(error.data),
            json!({"text": "no", "code": "timeout"})
        );
        let pong = ServerEvent::Pong { text: None }.into_frame();
        assert_eq!((pong.kind.as_str(), pong.data.len()), ("pong", 0));
    }
}
