//! What a client asks for, checked in one place for every front end.
//!
//! [`SpeechParams`] is the request as OpenAI's and Kokoro-FastAPI's clients send it (HTTP's
//! JSON body, the WebSocket's first message); Wyoming and the command line fill in the same
//! fields. [`SpeechParams::validate`] turns it into a [`SpeechRequest`], whose fields can
//! only be read: a request that exists is a valid one.

use serde::Deserialize;

use crate::audio::Format;
use crate::error::{MAX_QUOTED, clip};
use crate::language::Language;
use crate::lexicon::{self, Lexicons};
use crate::text::NormalizationOptions;
use crate::text::markup::{self, Item, MarkupOptions};
use crate::voice::{Voice, Voices};
use crate::{Error, Result};

pub use crate::text::markup::SPEED_RANGE;
/// Values of `stream_format`.
pub const STREAM_FORMATS: &[&str] = &["audio", "sse"];

/// A voice as a request names it: a name, alias or blend, or OpenAI's custom-voice object.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(
    untagged,
    expecting = "expected a voice name or blend (a string such as \"af_bella(2)+af_sky(1)\") or {\"id\": \"af_heart\"}"
)]
pub enum VoiceParam {
    /// `af_heart`, `alloy`, `af_bella(2)+af_sky(1)`.
    Name(String),
    /// `{"id": "af_heart"}`.
    Object { id: String },
}

impl VoiceParam {
    /// The name it gives (a voice, an alias or a blend).
    pub fn name(&self) -> &str {
        match self {
            VoiceParam::Name(name) | VoiceParam::Object { id: name } => name,
        }
    }
}

/// A speech request's parameters, as clients send them; every field may be missing.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SpeechParams {
    /// A name the engine takes (its own, or one of OpenAI's speech models). Optional.
    pub model: Option<String>,
    /// The text to speak.
    pub input: Option<String>,
    /// A voice, OpenAI alias or blend (`af_bella(2)+af_sky(1)`), or `{"id": …}`. Default:
    /// the engine's (`af_heart` for Kokoro).
    pub voice: Option<VoiceParam>,
    /// mp3 (default), opus, aac, flac, wav or pcm.
    pub response_format: Option<String>,
    /// 0.25 to 4.0. Default 1.0.
    pub speed: Option<f32>,
    /// Send audio as it is made (default true), or the whole file with its length.
    pub stream: Option<bool>,
    /// `audio` (default) or `sse` (OpenAI's Server-Sent Events).
    pub stream_format: Option<String>,
    /// OpenAI's style prompt; the engines take none, so it is accepted and ignored.
    pub instructions: Option<String>,
    /// A language instead of the voice's: its letter (`a`, `b`, …) or a BCP-47 tag.
    pub lang_code: Option<String>,
    /// Kokoro-FastAPI's switches for reading numbers, URLs, Markdown, …
    pub normalization_options: Option<NormalizationOptions>,
    /// Kokoro-FastAPI's gain (default 1); loud results are soft-limited, never clipped.
    pub volume_multiplier: Option<f32>,
    /// Kokoro-FastAPI's format for a saved copy: checked, otherwise ignored (none is saved).
    pub download_format: Option<String>,
    /// Kokoro-FastAPI's link to a saved copy: ttsd keeps none, so `true` is refused.
    pub return_download_link: Option<bool>,
    /// With `stream_format: "sse"`: `speech.audio.timestamps` events carry each word's
    /// times (seconds from the start of the audio) after the delta that has it.
    pub timestamps: Option<bool>,
    /// Kokoro-FastAPI's name for `timestamps`.
    pub return_timestamps: Option<bool>,
    /// Kokoro-FastAPI's `allow_voice_tags`: `[voice:bf_emma]` in the input switches voice
    /// from there on, `[rate:1.2]` the speed. Default false.
    pub allow_voice_tags: Option<bool>,
    /// Read an input with a `<speak>` root as SSML (a safe subset: `<break>`, `<sub>`,
    /// `<phoneme>`, `<say-as>`, `<prosody rate>`, `<p>`, `<s>`). Default false. Whole
    /// inputs only.
    pub ssml: Option<bool>,
    /// Kokoro-FastAPI's names for voices in this request: `{"narrator": "af_bella(2)+af_sky"}`
    /// lets `voice` and `[voice:narrator]` say `narrator`. At most [`MAX_VOICE_ALIASES`].
    pub voice_aliases: Option<std::collections::HashMap<String, String>>,
    /// Pronunciation lexicons the server keeps (`PUT /v1/audio/lexicons/{name}`), by name,
    /// in order (the first named wins a tie): the words they list are said as they say. At
    /// most 8. Default: the server's list (`--lexicons`); `[]` for none.
    pub lexicons: Option<Vec<String>>,
    /// Characters of markup the server itself wrote into `input` (a dialogue's voice and
    /// pause tags between its turns): not the client's text, so not counted against the
    /// input limit.
    #[serde(skip)]
    pub server_markup_chars: usize,
}

/// The most names one request's `voice_aliases` may give.
pub const MAX_VOICE_ALIASES: usize = 32;

/// A request's own voice names (`voice_aliases`), lower-cased.
#[derive(Debug, Clone, Default)]
pub struct VoiceAliases(std::sync::Arc<std::collections::HashMap<String, String>>);

impl VoiceAliases {
    /// The voice `name` names: through the request's aliases, then the server's voices.
    pub fn resolve(&self, voices: &Voices, name: &str) -> Result<Voice> {
        let key = name.trim().to_ascii_lowercase();
        voices.resolve(self.0.get(&key).map_or(name, String::as_str))
    }
}

/// Whether the text comes with the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `input` is required and must have something to say (HTTP, one-shot Wyoming, CLI).
    Required,
    /// The text follows in pieces; `input`, if any, is its start (WebSocket, streams).
    Streamed,
}

/// Limits a server applies to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most characters of input (in total, for streamed input).
    pub max_input_chars: usize,
}

impl Limits {
    /// The default: 4096 characters (`--max-input-chars`).
    pub const DEFAULT: Limits = Limits {
        max_input_chars: 4096,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A checked request: what to say (when it came whole), with which voice, how.
#[derive(Debug, Clone)]
pub struct SpeechRequest {
    text: Option<String>,
    /// The whole input's markup read (a whole input is read once, at validation).
    items: Option<Vec<Item>>,
    markup: MarkupOptions,
    voice: Voice,
    voice_aliases: VoiceAliases,
    language: Language,
    /// Whether `lang_code` chose the language (then a voice tag does not change it).
    explicit_language: bool,
    speed: f32,
    format: Format,
    normalization: NormalizationOptions,
    gain: f32,
    stream: bool,
    sse: bool,
    timestamps: bool,
    /// The lexicons it uses, as they were when it was checked (a lexicon replaced while it
    /// is spoken does not change it).
    lexicons: Lexicons,
}

impl SpeechParams {
    /// The names of the fields, as clients send them (from the OpenAPI schema the type
    /// derives, so the list cannot drift).
    pub fn field_names() -> Vec<String> {
        use utoipa::PartialSchema;
        match <SpeechParams as PartialSchema>::schema() {
            utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(object)) => {
                object.properties.keys().cloned().collect()
            }
            _ => Vec::new(),
        }
    }

    /// Params for a text in a voice, the rest default (the CLI's and Wyoming's requests).
    pub fn new(text: impl Into<String>, voice: impl Into<String>) -> Self {
        SpeechParams {
            input: Some(text.into()),
            voice: Some(VoiceParam::Name(voice.into())),
            ..Default::default()
        }
    }

    /// Checks every field and resolves the voice, the language and the lexicons (named, or
    /// `lexicons`' default list).
    pub fn validate(
        self,
        voices: &Voices,
        limits: Limits,
        input: Input,
        lexicons: &lexicon::Store,
    ) -> Result<SpeechRequest> {
        // The engine `model` names (OpenAI's names are the first engine's that takes them).
        let model_engine = match self.model.as_deref() {
            Some(model) => Some(voices.engine_of_model(model)?),
            None => None,
        };
        let text = match (self.input, input) {
            (None, Input::Required) => {
                return Err(Error::invalid(
                    "input",
                    "missing field `input`: the text to speak is required",
                ));
            }
            (Some(t), Input::Required) if t.trim().is_empty() => {
                return Err(Error::invalid("input", "input is empty"));
            }
            (text, _) => text,
        };
        if let Some(text) = &text {
            check_length(
                "input",
                text.chars()
                    .count()
                    .saturating_sub(self.server_markup_chars),
                limits,
            )?;
        }
        let format_name = self.response_format.as_deref().unwrap_or("mp3");
        let format = Format::from_name(format_name).ok_or_else(|| {
            Error::invalid(
                "response_format",
                format!(
                    "unknown response_format '{}'; use {}",
                    clip(format_name, MAX_QUOTED),
                    Format::names().join(", ")
                ),
            )
        })?;
        let speed = self.speed.unwrap_or(1.0);
        let (lo, hi) = SPEED_RANGE;
        if !(lo..=hi).contains(&speed) {
            return Err(Error::invalid(
                "speed",
                format!("speed {speed} is outside {lo}–{hi}"),
            ));
        }
        let stream = self.stream.unwrap_or(true);
        let sse = match self
            .stream_format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("audio") => false,
            Some("sse") => true,
            Some(other) => {
                return Err(Error::invalid(
                    "stream_format",
                    format!(
                        "unknown stream_format '{}'; use {}",
                        clip(other, MAX_QUOTED),
                        STREAM_FORMATS.join(" or ")
                    ),
                ));
            }
        };
        if sse && !stream {
            return Err(Error::invalid(
                "stream",
                "stream_format 'sse' streams; it cannot be combined with stream: false",
            ));
        }
        // Any number, as Kokoro-FastAPI takes it: the soft limiter keeps a loud one from
        // clipping.
        let gain = self.volume_multiplier.unwrap_or(1.0);
        if gain.is_infinite() {
            // A JSON number past f32's range (1e308) arrives as infinity: say what was wrong
            // with what was sent, not "inf".
            return Err(Error::invalid(
                "volume_multiplier",
                format!(
                    "volume_multiplier is too large: at most {:e} either way",
                    f32::MAX
                ),
            ));
        }
        if gain.is_nan() {
            return Err(Error::invalid(
                "volume_multiplier",
                "volume_multiplier is not a number",
            ));
        }
        if let Some(name) = &self.download_format
            && Format::from_name(name).is_none()
        {
            return Err(Error::invalid(
                "download_format",
                format!(
                    "unknown download_format '{}'; use {}",
                    clip(name, MAX_QUOTED),
                    Format::names().join(", ")
                ),
            ));
        }
        if self.return_download_link == Some(true) {
            return Err(Error::invalid(
                "return_download_link",
                "return_download_link is not supported: ttsd keeps no copies of its audio; \
                 save the response itself",
            ));
        }
        let timestamps = self.timestamps.or(self.return_timestamps) == Some(true);
        let aliases = self.voice_aliases.unwrap_or_default();
        if aliases.len() > MAX_VOICE_ALIASES {
            return Err(Error::invalid(
                "voice_aliases",
                format!(
                    "voice_aliases has {} names; the limit is {MAX_VOICE_ALIASES}",
                    aliases.len()
                ),
            ));
        }
        let voice_aliases = VoiceAliases(std::sync::Arc::new(
            aliases
                .into_iter()
                .map(|(alias, voice)| (alias.trim().to_ascii_lowercase(), voice))
                .collect(),
        ));
        let default = model_engine
            .and_then(|engine| voices.default_of(engine))
            .unwrap_or(voices.default_voice());
        let voice = voice_aliases.resolve(
            voices,
            self.voice.as_ref().map_or(default, VoiceParam::name),
        )?;
        if let Some(model) = self.model.as_deref() {
            check_model(voices, model, &voice)?;
        }
        if timestamps && !voices.word_times(voice.engine) {
            return Err(Error::invalid(
                "timestamps",
                format!(
                    "voice '{}' has no word timestamps: its engine ({}) does not report how \
                     long each sound lasts; ask without timestamps, or use a voice of an \
                     engine that has them",
                    voice.name, voice.engine
                ),
            ));
        }
        let (language, explicit_language) = match self.lang_code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => (
                voices.spoken_by(&voice, Language::from_code(code)?, "lang_code")?,
                true,
            ),
            _ => (voice.language, false),
        };
        // Lexicons are written in the first engine's symbols: another engine's voice takes
        // none (one named for it is refused; the server's defaults are not its).
        let lexicons = if voices.engines().next() == Some(voice.engine) {
            lexicons.for_request(self.lexicons.as_deref())?
        } else if self.lexicons.as_ref().is_some_and(|l| !l.is_empty()) {
            return Err(Error::invalid(
                "lexicons",
                format!(
                    "lexicons are written in {}'s phonemes, and voice '{}' is {}'s",
                    voices.engines().next().unwrap_or_default(),
                    voice.name,
                    voice.engine
                ),
            ));
        } else {
            Lexicons::default()
        };
        let markup = MarkupOptions {
            tags: true,
            voice_tags: self.allow_voice_tags == Some(true),
            ssml: self.ssml == Some(true),
            streamed: matches!(input, Input::Streamed),
        };
        let items = match (&text, input) {
            (Some(text), Input::Required) => {
                let items = markup::parse(text, markup)?;
                for item in &items {
                    if let Item::Voice(name) = item {
                        voice_aliases
                            .resolve(voices, name)
                            .and_then(|v| crate::voice::one_engine(&voice, v))
                            .map_err(Error::in_voice_tag)?;
                    }
                }
                Some(items)
            }
            (_, Input::Streamed) if markup.ssml => {
                return Err(Error::invalid(
                    "ssml",
                    "ssml needs the whole input in one request; streamed input takes inline \
                     tags only",
                ));
            }
            _ => None,
        };
        Ok(SpeechRequest {
            text,
            items,
            markup,
            voice,
            voice_aliases,
            language,
            explicit_language,
            speed,
            format,
            normalization: self.normalization_options.unwrap_or_default(),
            gain,
            stream,
            sse,
            timestamps,
            lexicons,
        })
    }
}

/// `model` (a name some engine takes) takes `voice`: the voice's engine answers to it (its
/// own name, or one of OpenAI's it takes); else a 400 naming both engines.
fn check_model(voices: &Voices, model: &str, voice: &Voice) -> Result<()> {
    let model = model.trim().to_ascii_lowercase();
    if voices.takes_model(voice.engine, &model) {
        return Ok(());
    }
    let named = voices.engine_of_model(&model)?;
    Err(Error::invalid(
        "model",
        format!(
            "model '{}' is {named}'s, and voice '{}' is {}'s: name model '{}' (or none) for \
             this voice",
            clip(&model, MAX_QUOTED),
            voice.name,
            voice.engine,
            voice.engine
        ),
    ))
}

/// A text of `chars` characters sent in `field` is within the input limit, or the error,
/// on that field, says by how much not.
pub fn check_length(field: &'static str, chars: usize, limits: Limits) -> Result<()> {
    if chars > limits.max_input_chars {
        return Err(Error::invalid(
            field,
            format!(
                "{field} is {chars} characters; the limit is {}",
                limits.max_input_chars
            ),
        ));
    }
    Ok(())
}

impl SpeechRequest {
    /// The text, when it came with the request.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
    pub fn voice(&self) -> &Voice {
        &self.voice
    }
    pub fn language(&self) -> Language {
        self.language
    }
    pub fn speed(&self) -> f32 {
        self.speed
    }
    pub fn format(&self) -> Format {
        self.format
    }
    pub fn normalization(&self) -> NormalizationOptions {
        self.normalization
    }
    pub fn gain(&self) -> f32 {
        self.gain
    }
    /// Whether the client plays the audio as it arrives (chunk sizes then follow its
    /// playback), or takes the whole file.
    pub fn stream(&self) -> bool {
        self.stream
    }
    /// Whether the audio goes out as OpenAI's Server-Sent Events.
    pub fn sse(&self) -> bool {
        self.sse
    }

    /// Whether word times were asked for.
    pub fn timestamps(&self) -> bool {
        self.timestamps
    }

    /// The same request without its text (it has been handed to the pipeline).
    pub fn take_text(&mut self) -> Option<String> {
        self.text.take()
    }

    /// The whole input's text and markup, read (`None` for streamed input).
    pub fn items(&self) -> Option<&[Item]> {
        self.items.as_deref()
    }

    /// The whole input's items, taken (they have been handed to the pipeline).
    pub fn take_items(&mut self) -> Option<Vec<Item>> {
        self.items.take()
    }

    /// The request's own voice names.
    pub fn voice_aliases(&self) -> &VoiceAliases {
        &self.voice_aliases
    }

    /// Which markup the input's text is read with.
    pub fn markup(&self) -> MarkupOptions {
        self.markup
    }

    /// Whether `lang_code` set the language, over the voice's.
    pub fn explicit_language(&self) -> bool {
        self.explicit_language
    }

    /// The lexicons its text is read with, in order.
    pub fn lexicons(&self) -> &Lexicons {
        &self.lexicons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineFactory;
    use crate::engine::tone::{SimulatedCost, ToneFactory};

    fn voices() -> Voices {
        ToneFactory::new(SimulatedCost::default()).catalogue()
    }

    /// The test engine's lexicons: `acme` (English) and `noms` (French), and `acme` the
    /// default.
    fn store() -> lexicon::Store {
        let vocab = std::sync::Arc::clone(&ToneFactory::new(SimulatedCost::default()).spec().vocab);
        let store = lexicon::Store::in_memory(std::sync::Arc::clone(&vocab));
        for (name, language) in [("acme", "en"), ("noms", "fr")] {
            let json = br#"[{"grapheme": "Acme", "alias": "Ack me"}]"#;
            let read = lexicon::Lexicon::from_json(json, language, &vocab);
            store
                .put(name, read.unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        store
            .with_defaults(vec!["acme".into()])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn check(params: SpeechParams) -> Result<SpeechRequest> {
        params.validate(&voices(), Limits::DEFAULT, Input::Required, &store())
    }

    fn with(fields: serde_json::Value) -> SpeechParams {
        let mut value = serde_json::json!({"input": "Hello."});
        if let (Some(base), Some(more)) = (value.as_object_mut(), fields.as_object()) {
            base.extend(more.clone());
        }
        serde_json::from_value(value).unwrap_or_default()
    }

    /// The field a refusal names.
    fn refused(fields: serde_json::Value) -> Option<&'static str> {
        match check(with(fields)) {
            Err(Error::InvalidInput { param, .. }) => param,
            Err(Error::UnknownVoice(_)) => Some("voice"),
            Err(Error::UnknownModel { .. }) => Some("model"),
            Err(Error::UnsupportedLanguage { param, .. }) => Some(param),
            Err(Error::UnknownLexicon(_)) => Some("lexicons"),
            Err(other) => panic!("{other}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn defaults_are_openais() -> Result<()> {
        let request = check(with(serde_json::json!({})))?;
        assert_eq!(
            &*request.voice().name,
            "af_heart",
            "the engine's default voice"
        );
        assert_eq!(request.language(), crate::language::Language::EnUs);
        assert_eq!(request.format(), Format::Mp3);
        assert_eq!(request.speed(), 1.0);
        assert!(request.stream() && !request.sse() && !request.timestamps());
        assert_eq!(request.gain(), 1.0);
        assert_eq!(request.items().map(<[Item]>::len), Some(1));
        Ok(())
    }

    #[test]
    fn every_field_is_checked_and_a_refusal_names_it() {
        use serde_json::json;
        for (fields, param) in [
            (json!({"model": "tts-1"}), None),
            (json!({"model": "whisper-1"}), Some("model")),
            (json!({"input": "  "}), Some("input")),
            (json!({"input": "a".repeat(4097)}), Some("input")),
            (json!({"response_format": "ogg"}), Some("response_format")),
            (json!({"speed": 0.25}), None),
            (json!({"speed": 4.0}), None),
            (json!({"speed": 0.2}), Some("speed")),
            (json!({"speed": 4.01}), Some("speed")),
            (json!({"stream_format": "SSE"}), None),
            (
                json!({"stream_format": "sse", "stream": false}),
                Some("stream"),
            ),
            (json!({"stream_format": "ws"}), Some("stream_format")),
            (json!({"download_format": "mkv"}), Some("download_format")),
            (
                json!({"return_download_link": true}),
                Some("return_download_link"),
            ),
            (json!({"voice": "nobody"}), Some("voice")),
            (json!({"voice": "af_heart(2)+bf_emma"}), None),
            (json!({"voice": "af_heart(-1)"}), Some("voice")),
            (json!({"lang_code": "b"}), None),
            (json!({"lang_code": "klingon"}), Some("lang_code")),
            // Weights that cancel make no voice.
            (json!({"voice": "af_heart(1)-bf_emma(1)"}), Some("voice")),
            // A voice named in the input is the input's fault, not the voice field's.
            (
                json!({"input": "a [voice:nobody] b", "allow_voice_tags": true}),
                Some("input"),
            ),
            (json!({"input": "a [voice:bf_emma] b"}), Some("input")),
            (json!({"lexicons": ["noms", "acme"]}), None),
            (json!({"lexicons": ["nobody"]}), Some("lexicons")),
            (json!({"lexicons": ["Acme"]}), Some("lexicons")),
            (json!({"lexicons": ["acme", "acme"]}), Some("lexicons")),
            (json!({"lexicons": vec!["acme"; 9]}), Some("lexicons")),
        ] {
            assert_eq!(refused(fields.clone()), param, "{fields}");
        }
        let many: std::collections::HashMap<String, String> = (0..=MAX_VOICE_ALIASES)
            .map(|i| (format!("n{i}"), "af_heart".to_owned()))
            .collect();
        let mut params = with(json!({}));
        params.voice_aliases = Some(many);
        assert!(matches!(
            check(params),
            Err(Error::InvalidInput {
                param: Some("voice_aliases"),
                ..
            })
        ));
        let mut params = with(json!({}));
        params.volume_multiplier = Some(f32::NAN);
        assert!(check(params).is_err());
        // 1e308 is a JSON number f32 cannot hold: it is refused as too large, not as "inf".
        let Err(Error::InvalidInput { param, message }) =
            check(with(json!({"volume_multiplier": 1e308})))
        else {
            panic!("1e308 was not refused as invalid input")
        };
        assert_eq!(param, Some("volume_multiplier"));
        assert!(
            message.contains("too large") && !message.contains("inf"),
            "{message}"
        );
        assert!(check(with(json!({"volume_multiplier": 1e30}))).is_ok());
    }

    #[test]
    fn languages_voices_and_aliases_resolve_once() -> Result<()> {
        use serde_json::json;
        let british = check(with(json!({"voice": "bf_emma"})))?;
        assert_eq!(british.language(), crate::language::Language::EnGb);
        assert!(!british.explicit_language());
        let spanish = check(with(json!({"voice": "af_heart", "lang_code": "es"})))?;
        assert_eq!(spanish.language(), crate::language::Language::Es);
        assert!(spanish.explicit_language());
        let aliased = check(with(json!({
            "voice": "Narrator",
            "voice_aliases": {"narrator": "af_heart(1)+bf_emma(1)"}
        })))?;
        assert_eq!(&*aliased.voice().name, "af_heart(1)+bf_emma(1)");
        Ok(())
    }

    #[test]
    fn lexicons_are_the_named_ones_else_the_default_list() -> Result<()> {
        use serde_json::json;
        assert_eq!(check(with(json!({})))?.lexicons().len(), 1, "the default");
        assert!(check(with(json!({"lexicons": []})))?.lexicons().is_empty());
        assert_eq!(
            check(with(json!({"lexicons": ["noms", "acme"]})))?
                .lexicons()
                .len(),
            2
        );
        Ok(())
    }

    #[test]
    fn streamed_input_may_start_empty_and_takes_no_ssml() -> Result<()> {
        let voices = voices();
        let store = store();
        let empty =
            SpeechParams::default().validate(&voices, Limits::DEFAULT, Input::Streamed, &store)?;
        assert!(empty.text().is_none() && empty.items().is_none());
        let ssml = SpeechParams {
            ssml: Some(true),
            ..Default::default()
        };
        assert!(
            ssml.validate(&voices, Limits::DEFAULT, Input::Streamed, &store)
                .is_err()
        );
        let missing =
            SpeechParams::default().validate(&voices, Limits::DEFAULT, Input::Required, &store);
        assert!(missing.is_err());
        Ok(())
    }
}
