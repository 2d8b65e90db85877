//! Voices as the rest of ttsd sees them, whatever engine speaks: a name a request writes
//! (`af_heart`, an alias such as `alloy`, a blend `af_bella(2)+af_sky(1)`) resolves to a
//! [`Voice`] — its canonical name, its language, and its engine's data, opaque here.
//!
//! Each engine keeps its own voices behind a [`VoiceBank`] (what its voice files are, how
//! they are named, their languages, aliases, how two are mixed); [`Voices`] is what a
//! request may name: the bank's voices and blends of them, the model names and the
//! languages the engine speaks. Names are checked against the voices loaded at start and
//! never used to build a path.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::error::{MAX_QUOTED, clip};
use crate::language::Language;
use crate::{Error, Result};

/// Most voices in one blend.
pub const MAX_BLEND: usize = 8;
/// Largest weight of a voice in a blend: weights are relative, so a bound only keeps
/// them sane (0.001–1000 gives ratios far beyond what can be heard).
pub const MAX_WEIGHT: f32 = 1000.0;
/// The most a blend may take away, as a part of what it adds: subtraction nudges a voice, it
/// cannot make one. A blend is Σ ±w·v / Σ |w|, so past this the style left is too little of
/// any voice for the model to speak with: measured with the ear on one sentence,
/// `af_bella(3)-af_sky(1)` (a third) and lighter ones are heard word for word, in six pairs of
/// voices; `af_bella(2)-af_sky(1)` (a half) loses words; `af_bella(1)-af_sky(1)` and heavier
/// are noise, clipped at full scale.
pub const MAX_SUBTRACTED: f32 = 1.0 / 3.0;

/// A voice ready to speak.
#[derive(Debug, Clone)]
pub struct Voice {
    /// `af_heart`, or a blend normalized to `af_bella(2)+af_sky(1)`: with the ids and the
    /// speed, what decides its audio (the chunk cache's key).
    pub name: Arc<str>,
    pub language: Language,
    /// The engine that speaks it (its spec's `name`: `kokoro`, `piper`).
    pub engine: &'static str,
    /// What its engine speaks it with.
    pub data: VoiceData,
}

/// An engine's data for a voice (a style pack, a speaker of a model file, …): only the
/// engine that made it reads it.
#[derive(Clone)]
pub struct VoiceData(Arc<dyn Any + Send + Sync>);

impl VoiceData {
    pub fn new<T: Any + Send + Sync>(data: T) -> Self {
        VoiceData(Arc::new(data))
    }

    /// The data, when it is a `T` (an engine's own kind).
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for VoiceData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VoiceData(..)")
    }
}

/// Facts about a loaded voice, for listings.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceInfo {
    pub name: String,
    /// The engine that speaks it (its spec's `name`).
    pub engine: &'static str,
    /// Its language, when the engine can tell.
    pub language: Option<Language>,
    pub gender: Gender,
    /// Whether ttsd can speak it (its language is one the engine and the text front end
    /// speak).
    pub speaks: bool,
}

/// A voice's gender, as its engine tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Unknown => "unknown",
        }
    }
}

/// An engine's voices.
pub trait VoiceBank: Send + Sync {
    /// Every voice, in name order.
    fn list(&self) -> Vec<VoiceInfo>;
    /// A voice by name (lower case), the engine's aliases followed; `None` when there is no
    /// such voice, or it has no language to speak in.
    fn voice(&self, name: &str) -> Option<Voice>;
    /// The voice a request that names none gets.
    fn default_voice(&self) -> &str;
    /// The voice a request naming only `language` gets.
    fn default_for(&self, language: Language) -> Option<&str>;
    /// The data of a mix of voices, each with its weight (signed, their magnitudes adding
    /// up to 1). An engine that cannot mix its voices refuses.
    fn blend(&self, parts: &[(&Voice, f32)]) -> Result<VoiceData> {
        let _ = parts;
        Err(Error::invalid(
            "voice",
            "this engine's voices cannot be blended",
        ))
    }
    /// A voice as one of the engine's voice files (`/v1/audio/voices/combine`).
    fn file(&self, voice: &Voice) -> Result<Vec<u8>> {
        let _ = voice;
        Err(Error::invalid(
            "voice",
            "this engine has no voice files to give",
        ))
    }
}

/// What a request may name: every engine's voices and blends of them, their model names,
/// their languages. Cheap to clone.
///
/// A server may have several engines (Kokoro and Piper): a voice names its engine, and so
/// may `model`; the first engine's default voice is the server's.
#[derive(Clone)]
pub struct Voices {
    engines: Arc<[Catalogue]>,
}

/// One engine's part of [`Voices`].
#[derive(Clone)]
struct Catalogue {
    /// The engine's name (its spec's).
    engine: &'static str,
    bank: Arc<dyn VoiceBank>,
    /// Names `model` accepts for it.
    models: &'static [&'static str],
    /// The languages it speaks.
    languages: Arc<[Language]>,
    /// Whether it reports how long each phoneme lasts (so words get times).
    word_times: bool,
}

impl fmt::Debug for Voices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for c in self.engines.iter() {
            list.entry(&(c.engine, c.bank.list().len(), c.models, &c.languages));
        }
        list.finish()
    }
}

/// One engine's voices and names, for [`Voices::new`].
pub struct EngineVoices<'a> {
    /// The engine's name (its spec's).
    pub engine: &'static str,
    pub bank: Arc<dyn VoiceBank>,
    pub models: &'static [&'static str],
    pub languages: &'a [Language],
    /// Whether the engine reports durations (word times).
    pub word_times: bool,
}

impl Voices {
    /// One engine's voices.
    pub fn new(engine: EngineVoices<'_>) -> Self {
        Voices::join([engine])
    }

    /// Several engines' voices, the first's default voice the server's. A voice name two
    /// engines share is the first's.
    pub fn join<'a>(engines: impl IntoIterator<Item = EngineVoices<'a>>) -> Self {
        Voices {
            engines: engines
                .into_iter()
                .map(|e| Catalogue {
                    engine: e.engine,
                    bank: e.bank,
                    models: e.models,
                    languages: e.languages.into(),
                    word_times: e.word_times,
                })
                .collect(),
        }
    }

    /// Every voice, with whether it speaks, engine by engine.
    pub fn info(&self) -> Vec<VoiceInfo> {
        self.engines
            .iter()
            .flat_map(|c| {
                c.bank.list().into_iter().map(|info| VoiceInfo {
                    speaks: info.speaks && info.language.is_some_and(|l| c.languages.contains(&l)),
                    ..info
                })
            })
            .collect()
    }

    /// The engines' names, the first's the default.
    pub fn engines(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.engines.iter().map(|c| c.engine)
    }

    fn catalogue(&self, engine: &str) -> Result<&Catalogue> {
        self.engines
            .iter()
            .find(|c| c.engine == engine)
            .ok_or_else(|| Error::Internal(format!("no engine '{engine}' in this server")))
    }

    /// The voice a request that names none gets (the first engine's).
    pub fn default_voice(&self) -> &str {
        self.engines.first().map_or("", |c| c.bank.default_voice())
    }

    /// The voice a request that names only a model (`engine`'s) gets.
    pub fn default_of(&self, engine: &str) -> Option<&str> {
        Some(self.catalogue(engine).ok()?.bank.default_voice())
    }

    /// The voice a request naming only `language` gets: the first engine's that has one.
    pub fn default_for(&self, language: Language) -> Option<&str> {
        self.engines
            .iter()
            .filter(|c| c.languages.contains(&language))
            .find_map(|c| c.bank.default_for(language))
    }

    /// The names `model` accepts, engine by engine (a name two engines take is the
    /// first's).
    pub fn models(&self) -> Vec<&'static str> {
        let mut models: Vec<&'static str> = Vec::new();
        for name in self.engines.iter().flat_map(|c| c.models.iter()) {
            if !models.contains(name) {
                models.push(name);
            }
        }
        models
    }

    /// The engine a `model` name selects, or why there is none.
    pub fn engine_of_model(&self, model: &str) -> Result<&'static str> {
        let model = model.trim().to_ascii_lowercase();
        self.engines
            .iter()
            .find(|c| c.models.contains(&model.as_str()))
            .map(|c| c.engine)
            .ok_or_else(|| Error::UnknownModel {
                model: clip(&model, MAX_QUOTED).into_owned(),
                accepted: self.models().join(", "),
            })
    }

    /// Whether `engine` answers to `model` (lower case).
    pub fn takes_model(&self, engine: &str, model: &str) -> bool {
        self.catalogue(engine)
            .is_ok_and(|c| c.models.contains(&model))
    }

    /// The languages some engine speaks, in the table's order.
    pub fn languages(&self) -> Vec<Language> {
        Language::ALL
            .iter()
            .copied()
            .filter(|&l| self.speaks(l))
            .collect()
    }

    /// Whether some engine speaks `language`.
    pub fn speaks(&self, language: Language) -> bool {
        self.engines.iter().any(|c| c.languages.contains(&language))
    }

    /// Whether `engine` reports durations, so that words get times.
    pub fn word_times(&self, engine: &str) -> bool {
        self.catalogue(engine).is_ok_and(|c| c.word_times)
    }

    /// `language`, when `voice`'s engine speaks it; else why not.
    pub fn spoken_by(
        &self,
        voice: &Voice,
        language: Language,
        param: &'static str,
    ) -> Result<Language> {
        if self.catalogue(voice.engine)?.languages.contains(&language) {
            Ok(language)
        } else if self.speaks(language) {
            // Another engine's voices speak it: say so, not that no G2P exists.
            Err(Error::invalid(
                param,
                format!(
                    "voice '{}' ({}) does not speak {}; a voice of an engine that does \
                     (the voice list names each voice's language) can",
                    voice.name,
                    voice.engine,
                    language.row().name
                ),
            ))
        } else {
            Err(unsupported(language, param))
        }
    }

    /// A voice's file, as its engine writes voices.
    pub fn file(&self, voice: &Voice) -> Result<Vec<u8>> {
        self.catalogue(voice.engine)?.bank.file(voice)
    }

    /// A voice by its whole name, in the first engine that has it.
    fn voice(&self, name: &str) -> Option<(&Catalogue, Voice)> {
        self.engines
            .iter()
            .find_map(|c| Some((c, c.bank.voice(name)?)))
    }

    /// A voice from a request: a name (`af_heart`), an alias (`alloy`), or a blend
    /// (`af_bella+af_sky`, `af_bella(2)+af_sky(1)`, `af_bella(3)-af_sky(1)`; see
    /// [`parse_blend`]) mixed as Kokoro-FastAPI mixes them (`_get_voices_path` in
    /// `services/tts_service.py`, with its default `voice_weight_normalization`): each
    /// weight divided by the sum of the weights' magnitudes, subtracted ones included, then
    /// added or subtracted by its sign. `a(2)-b(1)` is `2/3·a − 1/3·b`; with only positive
    /// weights this is the weighted average. The language is the first voice's. Names are
    /// case-insensitive. A blend's voices are one engine's: a blend across engines is
    /// refused, naming both.
    pub fn resolve(&self, name: &str) -> Result<Voice> {
        let name = name.to_ascii_lowercase();
        // A voice whose name has a blend's operators (Piper's `en_US-joe-medium`) is itself.
        if let Some((catalogue, voice)) = self.voice(&name) {
            self.spoken_by(&voice, voice.language, "voice")?;
            debug_assert_eq!(catalogue.engine, voice.engine);
            return Ok(voice);
        }
        if let Some(refused) = self.dashed_in_blend(&name) {
            return Err(refused);
        }
        let parts = parse_blend(&name)?;
        let mut voices = Vec::with_capacity(parts.len());
        for (part, weight) in &parts {
            let found = self
                .voice(part)
                .ok_or_else(|| Error::UnknownVoice(clip(part, MAX_QUOTED).into_owned()))?;
            voices.push((found, *weight));
        }
        let ((catalogue, first), _) = &voices[0];
        let (catalogue, first) = (*catalogue, first.clone());
        if let Some(((_, other), _)) = voices.iter().find(|((_, v), _)| v.engine != first.engine) {
            return Err(across_engines(&first, other));
        }
        self.spoken_by(&first, first.language, "voice")?;
        if voices.len() == 1 {
            return Ok(first);
        }
        let mut canonical = String::new();
        for (i, ((_, voice), weight)) in voices.iter().enumerate() {
            if i > 0 {
                canonical.push(if *weight < 0.0 { '-' } else { '+' });
            }
            canonical.push_str(&format!("{}({})", voice.name, fmt_weight(weight.abs())));
        }
        let total: f32 = voices.iter().map(|(_, w)| w.abs()).sum();
        let weighted: Vec<(&Voice, f32)> =
            voices.iter().map(|((_, v), w)| (v, w / total)).collect();
        Ok(Voice {
            name: canonical.into(),
            language: first.language,
            engine: first.engine,
            data: catalogue.bank.blend(&weighted)?,
        })
    }
}

/// `voice`, when `first`'s engine speaks it: an utterance is one engine's (one sample rate,
/// one set of symbols), so a voice tag may not switch to another's.
pub fn one_engine(first: &Voice, voice: Voice) -> Result<Voice> {
    if voice.engine == first.engine {
        return Ok(voice);
    }
    Err(Error::invalid(
        "voice",
        format!(
            "voice '{}' is {}'s, and this speech is in {}'s voice '{}': one speech is one \
             engine's",
            voice.name, voice.engine, first.engine, first.name
        ),
    ))
}

impl Voices {
    /// A blend that names a voice whose own name has a blend's operator (Piper's
    /// `en_us-joe-medium`): it cannot be read as a blend's part, so the refusal says what it
    /// is — a blend across engines (naming both), or a voice that cannot be blended.
    fn dashed_in_blend(&self, name: &str) -> Option<Error> {
        let (_, dashed) = self.engines.iter().find_map(|c| {
            c.bank.list().into_iter().find_map(|info| {
                let listed = info.name.to_ascii_lowercase();
                (listed.contains('-') && name.contains(&listed))
                    .then(|| c.bank.voice(&listed).map(|v| (listed, v)))
                    .flatten()
            })
        })?;
        let rest = name.replace(&*dashed.name.to_ascii_lowercase(), " ");
        let other = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter_map(|part| Some(self.voice(part)?.1))
            .find(|v| v.engine != dashed.engine);
        Some(match other {
            Some(other) => across_engines(&other, &dashed),
            None => Error::invalid(
                "voice",
                format!(
                    "invalid voice '{}': '{}' is {}'s, and its voices cannot be blended",
                    clip(name, MAX_QUOTED),
                    dashed.name,
                    dashed.engine
                ),
            ),
        })
    }
}

/// A blend of `first` and `other`, which are two engines' voices: refused, naming both.
fn across_engines(first: &Voice, other: &Voice) -> Error {
    Error::invalid(
        "voice",
        format!(
            "a blend mixes one engine's voices: '{}' is {}'s and '{}' is {}'s",
            first.name, first.engine, other.name, other.engine
        ),
    )
}

/// Why `language` cannot be spoken (`param` named it).
fn unsupported(language: Language, param: &'static str) -> Error {
    Error::UnsupportedLanguage {
        language: language.row().name,
        param,
    }
}

fn fmt_weight(w: f32) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

/// `a(2)+b-c(0.5)` → `[("a", 2.0), ("b", 1.0), ("c", -0.5)]`: Kokoro-FastAPI's mix syntax
/// (`process_and_validate_voices` in `routers/openai_compatible.py`). Voices are joined by
/// `+` (add) or `-` (subtract); a weight in parentheses is positive and finite (the sign
/// comes from the operator, never the number); the first voice is always added. Names are
/// `[a-z0-9_]`. What is subtracted weighs at most [`MAX_SUBTRACTED`] of what is added. The
/// weights are returned signed; [`Voices::resolve`] mixes them.
pub fn parse_blend(name: &str) -> Result<Vec<(&str, f32)>> {
    let bad = |why: String| {
        Error::invalid(
            "voice",
            format!(
                "invalid voice '{}': {}",
                clip(name, MAX_QUOTED),
                clip(&why, MAX_QUOTED * 2)
            ),
        )
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(bad("empty".into()));
    }
    let mut parts = Vec::new();
    for (sign, part) in signed_parts(name) {
        let part = part.trim();
        if part.is_empty() {
            return Err(bad(
                "an empty item: '+' and '-' go between voice names".into()
            ));
        }
        let (voice, weight) = match part.split_once('(') {
            Some((voice, rest)) => {
                let w = rest
                    .strip_suffix(')')
                    .ok_or_else(|| bad(format!("'{part}' lacks its closing ')'")))?;
                let w = w.trim();
                let weight: f32 = w
                    .parse()
                    .map_err(|_| bad(format!("'{w}' is not a number")))?;
                (voice.trim(), (w, weight))
            }
            None => (part, ("1", 1.0)),
        };
        // As written: a weight too large for a float (1e308) is not "inf" to its writer.
        let (written, weight) = weight;
        if voice.is_empty()
            || !voice
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad(format!(
                "'{voice}' is not a voice name (lowercase letters, digits, '_')"
            )));
        }
        if !(weight.is_finite() && weight > 0.0 && weight <= MAX_WEIGHT) {
            return Err(bad(format!(
                "weight {written} must be a positive number up to {MAX_WEIGHT}"
            )));
        }
        parts.push((voice, sign * weight));
        if parts.len() > MAX_BLEND {
            return Err(bad(format!("at most {MAX_BLEND} voices in a blend")));
        }
    }
    check_subtraction(&parts).map_err(bad)?;
    Ok(parts)
}

/// Whether a blend's subtracted weights stay within [`MAX_SUBTRACTED`] of its added ones;
/// why not, when they do not.
fn check_subtraction(parts: &[(&str, f32)]) -> std::result::Result<(), String> {
    let added: f32 = parts.iter().map(|(_, w)| w.max(0.0)).sum();
    let taken: f32 = parts.iter().map(|(_, w)| (-w).max(0.0)).sum();
    // A little tolerance, so that exactly a third (3 and 1) passes in f32.
    if taken <= added * MAX_SUBTRACTED * (1.0 + 1e-4) {
        return Ok(());
    }
    Err(format!(
        "the voices subtracted weigh {}, more than a third of those added ({}): what is left \
         is not a voice (e.g. af_bella(3)-af_sky(1) is the most af_sky a blend can take away)",
        fmt_weight(taken),
        fmt_weight(added)
    ))
}

/// The items of a blend with the sign of the operator before each (`+1.0` for the first):
/// split at `+` and `-` outside parentheses, so `a(-1)` stays one item (and is refused for
/// its weight, not for an empty name).
fn signed_parts(name: &str) -> impl Iterator<Item = (f32, &str)> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut sign = 1.0;
    let mut cuts = Vec::new();
    for (i, c) in name.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '+' | '-' if depth == 0 => {
                cuts.push((sign, &name[start..i]));
                sign = if c == '+' { 1.0 } else { -1.0 };
                start = i + 1;
            }
            _ => {}
        }
    }
    cuts.push((sign, &name[start..]));
    cuts.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bank whose voices are numbers, mixed as numbers: its engine's name, its voices.
    struct Numbers(&'static str, &'static [(&'static str, f32, Language)]);

    const NUMBERS: &[(&str, f32, Language)] = &[
        ("af_bella", 1.0, Language::EnUs),
        ("af_sky", 4.0, Language::EnUs),
        ("af_alloy", 2.0, Language::EnUs),
        ("bm_george", 0.0, Language::EnGb),
        ("jf_alpha", 0.0, Language::Ja),
    ];

    /// Another engine's: a name with a blend's operator, a name the first engine has too.
    const OTHERS: &[(&str, f32, Language)] = &[
        ("en_us-joe-medium", 9.0, Language::EnUs),
        ("af_sky", 7.0, Language::EnUs),
        ("ef_dora", 8.0, Language::Es),
    ];

    impl VoiceBank for Numbers {
        fn list(&self) -> Vec<VoiceInfo> {
            self.1
                .iter()
                .map(|(name, _, language)| VoiceInfo {
                    name: (*name).into(),
                    engine: self.0,
                    language: Some(*language),
                    gender: Gender::Unknown,
                    speaks: true,
                })
                .collect()
        }
        fn voice(&self, name: &str) -> Option<Voice> {
            let name = if name == "alloy" { "af_alloy" } else { name };
            let (name, value, language) = self.1.iter().find(|(n, ..)| *n == name)?;
            Some(Voice {
                name: (*name).into(),
                language: *language,
                engine: self.0,
                data: VoiceData::new(*value),
            })
        }
        fn default_voice(&self) -> &str {
            self.1[0].0
        }
        fn default_for(&self, language: Language) -> Option<&str> {
            self.1.iter().find(|v| v.2 == language).map(|v| v.0)
        }
        fn blend(&self, parts: &[(&Voice, f32)]) -> Result<VoiceData> {
            let value = parts
                .iter()
                .map(|(v, w)| v.data.get::<f32>().copied().unwrap_or(f32::NAN) * w)
                .sum::<f32>();
            Ok(VoiceData::new(value))
        }
    }

    fn voices() -> Voices {
        let spoken = [Language::EnUs, Language::EnGb];
        Voices::new(EngineVoices {
            engine: "numbers",
            bank: Arc::new(Numbers("numbers", NUMBERS)),
            models: &["m"],
            languages: &spoken,
            word_times: true,
        })
    }

    /// Two engines: `numbers` first, then `others` (which alone speaks Spanish, and has no
    /// word times).
    fn two_engines() -> Voices {
        Voices::join([
            EngineVoices {
                engine: "numbers",
                bank: Arc::new(Numbers("numbers", NUMBERS)),
                models: &["m", "tts-1"],
                languages: &[Language::EnUs, Language::EnGb],
                word_times: true,
            },
            EngineVoices {
                engine: "others",
                bank: Arc::new(Numbers("others", OTHERS)),
                models: &["o", "tts-1"],
                languages: &[Language::EnUs, Language::Es],
                word_times: false,
            },
        ])
    }

    #[test]
    fn each_voice_is_its_engines_and_a_blend_stays_in_one() -> Result<()> {
        let v = two_engines();
        assert_eq!(v.resolve("en_US-joe-medium")?.engine, "others");
        assert_eq!(v.resolve("af_bella")?.engine, "numbers");
        // A name both have is the first engine's.
        assert_eq!(v.resolve("af_sky")?.engine, "numbers");
        assert_eq!(v.resolve("ef_dora")?.language, Language::Es);
        let refused = |name: &str| {
            v.resolve(name)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        // Across engines, however the blend is written: a refusal naming both.
        for across in [
            "af_bella+en_us-joe-medium",
            "en_US-joe-medium(2)+af_bella",
            "af_alloy-en_us-joe-medium(0.1)",
            "ef_dora+af_bella",
            "af_bella+ef_dora",
        ] {
            let message = refused(across);
            assert!(
                message.contains("numbers") && message.contains("others"),
                "{across}: {message}"
            );
        }
        let message = refused("en_us-joe-medium+en_us-joe-medium");
        assert!(message.contains("cannot be blended"), "{message}");
        assert_eq!(v.default_voice(), "af_bella");
        assert_eq!(v.default_of("others"), Some("en_us-joe-medium"));
        assert_eq!(v.engine_of_model("O")?, "others");
        assert_eq!(v.engine_of_model("tts-1")?, "numbers");
        assert!(matches!(
            v.engine_of_model("whisper-1"),
            Err(Error::UnknownModel { .. })
        ));
        assert_eq!(v.models(), ["m", "tts-1", "o"]);
        assert_eq!(
            v.languages(),
            [Language::EnUs, Language::EnGb, Language::Es]
        );
        assert_eq!(v.default_for(Language::Es), Some("ef_dora"));
        let dora = v.resolve("ef_dora")?;
        assert!(v.spoken_by(&dora, Language::Es, "lang_code").is_ok());
        assert!(v.spoken_by(&dora, Language::EnGb, "lang_code").is_err());
        assert!(v.word_times("numbers") && !v.word_times("others"));
        let listed = v.info();
        assert_eq!(listed.len(), NUMBERS.len() + OTHERS.len());
        assert!(
            listed
                .iter()
                .any(|i| i.name == "ef_dora" && i.engine == "others" && i.speaks)
        );
        Ok(())
    }

    fn value(name: &str) -> Result<f32> {
        Ok(voices()
            .resolve(name)?
            .data
            .get::<f32>()
            .copied()
            .unwrap_or(f32::NAN))
    }

    #[test]
    fn parses_names_blends_and_weights() -> Result<()> {
        assert_eq!(parse_blend("af_bella")?, vec![("af_bella", 1.0)]);
        assert_eq!(
            parse_blend("af_bella(2) + af_sky(0.5)")?,
            vec![("af_bella", 2.0), ("af_sky", 0.5)]
        );
        assert_eq!(
            parse_blend("af_bella+af_sky-af_nicole(0.5)")?,
            vec![("af_bella", 1.0), ("af_sky", 1.0), ("af_nicole", -0.5)]
        );
        for bad in [
            "",
            "+",
            "af_bella(",
            "af_bella(x)",
            "af_bella(-1)",
            "af_bella(0)",
            "af_bella(1001)",
            "../etc/passwd",
            "a b",
            "AF_BELLA",
            "af_bella(inf)",
            "-af_bella",
            "+af_bella",
            "af_bella-",
            "af_bella+-af_sky",
            "af_bella--af_sky",
            "af_bella-af_sky(-1)",
            "af_bella)-af_sky",
        ] {
            assert!(parse_blend(bad).is_err(), "{bad:?} should be rejected");
        }
        // A weight is named as written, not as the float it overflowed to.
        let message = parse_blend("af_bella(1e308)")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("weight 1e308 must be"), "{message}");
        let nine = ["af_bella"; MAX_BLEND + 1].join("+");
        assert!(parse_blend(&nine).is_err());
        // Taking away more than a third of what is added leaves no voice.
        for cancels in [
            "af_bella-af_bella",
            "af_bella(1)-af_sky(2)",
            "af_bella(2)-af_sky(1)",
            "af_bella+af_sky-af_alloy(0.4)-af_nicole(0.3)",
        ] {
            let message = parse_blend(cancels)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains("not a voice"), "{cancels}: {message}");
        }
        assert!(parse_blend("af_bella(3)-af_sky(1)").is_ok());
        assert!(parse_blend("af_bella+af_sky-af_alloy(0.3)-af_nicole(0.3)").is_ok());
        let message = parse_blend("af_bella(-1)")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("weight -1"), "{message}");
        Ok(())
    }

    #[test]
    fn blends_weigh_by_the_sum_of_magnitudes_then_sign() -> Result<()> {
        // bella = 1, sky = 4, alloy = 2.
        for (name, expected) in [
            ("af_bella+af_sky", 2.5),
            ("af_bella(3)+af_sky(1)", 1.75),
            ("af_bella(3)-af_sky(1)", 3.0 / 4.0 - 4.0 / 4.0),
            ("af_bella(6)-af_sky(2)", 3.0 / 4.0 - 4.0 / 4.0),
            ("af_bella+af_sky-af_alloy(0.5)", (1.0 + 4.0 - 1.0) / 2.5),
            ("af_sky(3)+af_bella-af_bella", 3.0 * 4.0 / 5.0),
            // A lone weighted voice is the voice itself, as upstream with normalization on.
            ("af_sky(3)", 4.0),
        ] {
            let got = value(name)?;
            assert!((got - expected).abs() < 1e-6, "{name}: {got} ≠ {expected}");
        }
        let v = voices();
        assert_eq!(
            &*v.resolve("af_bella(3)+af_sky(1)")?.name,
            "af_bella(3)+af_sky(1)"
        );
        assert_eq!(
            &*v.resolve("af_bella(3)-af_sky")?.name,
            "af_bella(3)-af_sky(1)"
        );
        assert_eq!(
            &*v.resolve("AF_BELLA+alloy-af_sky(0.5)")?.name,
            "af_bella(1)+af_alloy(1)-af_sky(0.5)"
        );
        Ok(())
    }

    #[test]
    fn unknown_voices_and_unspoken_languages_are_refused() -> Result<()> {
        let v = voices();
        assert_eq!(&*v.resolve("ALLOY")?.name, "af_alloy");
        assert_eq!(v.resolve("bm_george")?.language, Language::EnGb);
        assert!(matches!(
            v.resolve("af_nobody"),
            Err(Error::UnknownVoice(_))
        ));
        assert!(matches!(
            v.resolve("af_bella+af_nobody"),
            Err(Error::UnknownVoice(_))
        ));
        // Japanese is not among the languages this engine speaks.
        assert!(matches!(
            v.resolve("jf_alpha"),
            Err(Error::UnsupportedLanguage { .. })
        ));
        let listed = v.info();
        let speaks = |name: &str| listed.iter().find(|i| i.name == name).map(|i| i.speaks);
        assert_eq!(speaks("bm_george"), Some(true));
        assert_eq!(speaks("jf_alpha"), Some(false));
        Ok(())
    }
}
