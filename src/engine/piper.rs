//! Piper voices (VITS models exported to ONNX, as `piper-tts` runs them): the second real
//! engine, of another shape than Kokoro. A voice is a file pair in a directory,
//! `NAME.onnx` and its `NAME.onnx.json` (sample rate, espeak-ng voice, phoneme map,
//! inference scales, speakers); a file with several speakers gives a voice per speaker
//! (`NAME:SPEAKER`). Each file has its own session; its phonemes are espeak-ng's IPA read as
//! `piper-tts` 1.8.0 reads them (`phonemize_espeak.py`, `phoneme_ids.py`, `voice.py`):
//!
//! - per clause, the IPA with espeak's language-switch marks (`(en)`) removed, the clause's
//!   punctuation kept after it, and a space after `,` `:` `;`; decomposed (NFD) into code
//!   points, each one id of the voice's `phoneme_id_map`;
//! - the ids of a call are BOS (`^`), pad (`_`), then each phoneme followed by a pad, then
//!   EOS (`$`);
//! - the inputs are the ids, their count and the scales `[noise_scale, length_scale,
//!   noise_w]` from the file (speed divides `length_scale`), plus the speaker id for a
//!   voice of several speakers;
//! - the audio is scaled to full range per call, as `piper-tts` does per sentence
//!   (`normalize_audio`).
//!
//! Memory: as for Kokoro, memory patterns are off (every call has its own length). The CPU
//! arena is kept after a call of up to [`KEEP_ARENA_IDS`] ids and given back after a longer
//! one: giving it back after every call (Kokoro's rule) makes the next call fault its pages
//! in again, which measured 9-13 % more CPU per call for the first clauses and sentences that
//! decide the time to the first audio (ONNX Runtime 1.31.1, one thread, same ids, in one run:
//! 107 ids 201 vs 219 ms, 221 ids 455 vs 515 ms), while what a call of that size keeps is
//! about 60 MB (the arena grows about 0.45 MB per id).
//!
//! Piper's exported graphs give no durations (only a patched export does), so these voices
//! have no word times.
//!
//! The spec has one sample rate and one phoneme map: those of the first voice file (in name
//! order). A file whose rate or map differ from them is left out, with a warning naming it
//! (Piper's espeak voices share one map; `medium` and `high` voices are 22,050 Hz).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ort::session::{RunOptions, Session};
use ort::value::Tensor;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::kokoro::{ARENA_SHRINKAGE, Terminable, environment};
use super::{Attribution, Engine, EngineFactory, Interrupt, ModelSpec, Speech};
use crate::language::{LANGUAGES, Language};
use crate::text::Vocab;
use crate::text::g2p::espeak;
use crate::text::g2p::{G2pConfig, Phonemize};
use crate::text::segment::FirstPhrase;
use crate::voice::{Gender, Voice, VoiceBank, VoiceData, VoiceInfo};
use crate::{Error, Result};

/// Names `model` takes: the engine's own (OpenAI's names go to Kokoro when it is loaded).
/// The engine's name (listings, `model`, logs).
pub const NAME: &str = "piper";
/// Alone in a server, OpenAI's names are Piper's; beside Kokoro, Kokoro (the first engine)
/// answers them when no voice is named.
const MODELS: &[&str] = &[NAME, "tts-1", "tts-1-hd"];
/// The longest call (in ids, before Piper's pads) after which the CPU arena is kept for
/// the next; a longer call gives back what it grew by (see the module docs).
const KEEP_ARENA_IDS: usize = 128;
/// Most phoneme ids in one call (before Piper's pads: twice as many reach the model).
const MAX_IDS: usize = 510;
/// How a long first clause is cut: after five to eight of its words, when it has ten or
/// more (a first clause of nine words measured under half its sentence's time already).
const FIRST_PHRASE: FirstPhrase = FirstPhrase {
    min_words: 5,
    max_words: 8,
    clause_words: 10,
};
/// Piper's marks: beginning and end of a sentence, and the pad after every phoneme.
const BOS: char = '^';
const EOS: char = '$';
const PAD: char = '_';
/// Clause punctuation `piper-tts` keeps after the clause's phonemes (espeak-ng's clause
/// terminators).
const CLAUSE_ENDS: &[char] = &['.', ',', ':', ';', '!', '?'];
/// The longest run handed to espeak-ng at once; a longer clause goes in pieces, cut between
/// words.
const MAX_ESPEAK_RUN: usize = 600;
/// The voice a request naming none gets, when the directory has it.
pub const DEFAULT_VOICE: &str = "en_US-joe-medium";
/// Where `make assets` puts the Piper voices, relative to the repository.
pub const DEFAULT_VOICES: &str = "voices/piper";

/// How to load the Piper voices.
#[derive(Debug, Clone)]
pub struct PiperConfig {
    /// The directory of `NAME.onnx` + `NAME.onnx.json` pairs.
    pub voices: PathBuf,
    /// The ONNX Runtime shared library.
    pub ort_library: PathBuf,
    /// Intra-op threads per session.
    pub threads: usize,
    /// Whether idle intra-op threads spin (see `KokoroConfig::spinning`).
    pub spinning: bool,
}

impl PiperConfig {
    /// The files where `make assets` puts them under `root`; one thread.
    pub fn under(root: &Path) -> Self {
        PiperConfig {
            voices: root.join(DEFAULT_VOICES),
            ort_library: root.join(super::kokoro::DEFAULT_ORT_LIBRARY),
            threads: 1,
            spinning: false,
        }
    }
}

/// The parts of a voice's `.onnx.json` that ttsd reads.
#[derive(Debug, Deserialize)]
struct FileConfig {
    audio: AudioConfig,
    #[serde(default)]
    espeak: Option<EspeakConfig>,
    #[serde(default)]
    phoneme_type: Option<String>,
    #[serde(default)]
    inference: InferenceConfig,
    phoneme_id_map: BTreeMap<String, Vec<i64>>,
    #[serde(default)]
    num_speakers: usize,
    #[serde(default)]
    speaker_id_map: BTreeMap<String, i64>,
    #[serde(default)]
    language: Option<LanguageConfig>,
}

#[derive(Debug, Deserialize)]
struct AudioConfig {
    sample_rate: u32,
}

#[derive(Debug, Deserialize)]
struct EspeakConfig {
    voice: String,
}

#[derive(Debug, Deserialize)]
struct LanguageConfig {
    code: String,
}

/// `piper-tts`'s defaults where a file says nothing.
#[derive(Debug, Clone, Copy, Deserialize)]
struct InferenceConfig {
    #[serde(default = "default_noise_scale")]
    noise_scale: f32,
    #[serde(default = "default_length_scale")]
    length_scale: f32,
    #[serde(default = "default_noise_w")]
    noise_w: f32,
}

fn default_noise_scale() -> f32 {
    0.667
}
fn default_length_scale() -> f32 {
    1.0
}
fn default_noise_w() -> f32 {
    0.8
}

impl Default for InferenceConfig {
    fn default() -> Self {
        InferenceConfig {
            noise_scale: default_noise_scale(),
            length_scale: default_length_scale(),
            noise_w: default_noise_w(),
        }
    }
}

/// One voice file, read.
#[derive(Debug)]
struct VoiceFile {
    /// `en_US-joe-medium`: the file's name without `.onnx`.
    name: String,
    model: PathBuf,
    sample_rate: u32,
    /// The espeak-ng voice its phonemes are made with (`en-us`).
    espeak: String,
    language: Option<Language>,
    scales: InferenceConfig,
    /// Speaker names and ids; empty for a voice of one speaker.
    speakers: Vec<(String, i64)>,
    /// Its phonemes' ids (one code point, one id).
    map: HashMap<char, i64>,
    bos: i64,
    eos: i64,
    pad: i64,
}

/// A Piper voice's data: which file, which speaker.
#[derive(Debug, Clone, Copy)]
struct PiperVoice {
    file: usize,
    speaker: Option<i64>,
}

fn piper_voice(data: &VoiceData) -> Result<PiperVoice> {
    data.get::<PiperVoice>()
        .copied()
        .ok_or_else(|| Error::Internal("a voice of another engine reached the Piper engine".into()))
}

/// The language of a Piper language code (`en_US`, `es_ES`, `pt_BR`), when ttsd's text
/// front end speaks it. Piper's codes are a language and a region; a language ttsd has one
/// row for (`es`, `fr`, `hi`, `it`) takes any region.
fn language_of(code: &str) -> Option<Language> {
    let tag = code.replace('_', "-").to_ascii_lowercase();
    if let Some(row) = LANGUAGES
        .iter()
        .find(|r| r.bcp47.eq_ignore_ascii_case(&tag))
    {
        return Some(row.language);
    }
    let family = tag.split('-').next()?;
    let rows: Vec<&_> = LANGUAGES
        .iter()
        .filter(|r| r.bcp47.split('-').next() == Some(family))
        .collect();
    match rows.as_slice() {
        [row] if !row.bcp47.contains('-') => Some(row.language),
        _ => None,
    }
}

impl VoiceFile {
    fn read(model: &Path) -> std::result::Result<Self, String> {
        let name = model
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("the file name is not UTF-8")?
            .to_owned();
        let mut json = model.as_os_str().to_owned();
        json.push(".json");
        let json = PathBuf::from(json);
        let text = std::fs::read_to_string(&json)
            .map_err(|e| format!("cannot read its config {}: {e}", json.display()))?;
        let config: FileConfig = serde_json::from_str(&text)
            .map_err(|e| format!("its config {} is not Piper's: {e}", json.display()))?;
        if let Some(kind) = config.phoneme_type.as_deref().filter(|&k| k != "espeak") {
            return Err(format!(
                "its phonemes are '{kind}'; ttsd speaks Piper voices with espeak phonemes"
            ));
        }
        let espeak = config
            .espeak
            .map(|e| e.voice)
            .ok_or("its config names no espeak voice")?;
        let mut map = HashMap::new();
        for (symbol, ids) in &config.phoneme_id_map {
            let mut chars = symbol.chars();
            match (chars.next(), chars.next(), ids.as_slice()) {
                (Some(c), None, [id]) => {
                    map.insert(c, *id);
                }
                // Symbols of several code points (vowel clusters of other phonemizers) and
                // several ids are not made by espeak's phonemes as Piper reads them.
                _ => tracing::debug!("{name}: phoneme map entry {symbol:?} is not one symbol"),
            }
        }
        let mark = |c: char| {
            map.get(&c)
                .copied()
                .ok_or_else(|| format!("its phoneme map has no '{c}'"))
        };
        let (bos, eos, pad) = (mark(BOS)?, mark(EOS)?, mark(PAD)?);
        let mut speakers: Vec<(String, i64)> = config.speaker_id_map.into_iter().collect();
        speakers.sort_by_key(|(_, id)| *id);
        if config.num_speakers > 1 && speakers.is_empty() {
            speakers = (0..config.num_speakers as i64)
                .map(|id| (id.to_string(), id))
                .collect();
        }
        if config.num_speakers <= 1 {
            speakers.clear();
        }
        Ok(VoiceFile {
            name,
            model: model.to_owned(),
            sample_rate: config.audio.sample_rate,
            espeak,
            language: config.language.and_then(|l| language_of(&l.code)),
            scales: config.inference,
            speakers,
            map,
            bos,
            eos,
            pad,
        })
    }

    /// The names of its voices, with their speaker ids.
    fn voices(&self) -> Vec<(String, Option<i64>)> {
        if self.speakers.is_empty() {
            vec![(self.name.clone(), None)]
        } else {
            self.speakers
                .iter()
                .map(|(speaker, id)| (format!("{}:{speaker}", self.name), Some(*id)))
                .collect()
        }
    }
}

/// Every `*.onnx` with its `.onnx.json` in `dir`, read, in name order; files that cannot be
/// voices of this spec are left out with a warning.
fn voice_files(dir: &Path) -> Result<Vec<VoiceFile>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::Asset(format!(
            "cannot read the Piper voices directory {}: {e} (run `make assets`, or pass \
             --piper-voices-dir)",
            dir.display()
        ))
    })?;
    let mut models: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx") && p.is_file())
        .collect();
    models.sort();
    let mut files: Vec<VoiceFile> = Vec::new();
    for model in models {
        match VoiceFile::read(&model) {
            Ok(file) => {
                if let Some(first) = files.first() {
                    let why = if file.sample_rate != first.sample_rate {
                        Some(format!(
                            "its {} Hz differ from {}'s {} Hz",
                            file.sample_rate, first.name, first.sample_rate
                        ))
                    } else if file.map != first.map {
                        Some(format!("its phoneme map differs from {}'s", first.name))
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        tracing::warn!("Piper voice {} left out: {why}", model.display());
                        continue;
                    }
                }
                files.push(file);
            }
            Err(why) => tracing::warn!("Piper voice {} left out: {why}", model.display()),
        }
    }
    if files.is_empty() {
        return Err(Error::Asset(format!(
            "no Piper voices (NAME.onnx with NAME.onnx.json) in {} (run `make assets`)",
            dir.display()
        )));
    }
    Ok(files)
}

/// Builds Piper sessions; the spec and the voices are known once the voice files' configs
/// are read.
pub struct PiperFactory {
    config: PiperConfig,
    spec: ModelSpec,
    files: Arc<[VoiceFile]>,
    voices: Arc<PiperVoices>,
}

impl PiperFactory {
    /// Reads the voices' configs (cheap); the models load in [`EngineFactory::create`].
    pub fn new(config: PiperConfig) -> Result<Self> {
        let files: Arc<[VoiceFile]> = voice_files(&config.voices)?.into();
        let first = &files[0];
        let mut languages: Vec<Language> = Language::ALL
            .into_iter()
            .filter(|l| files.iter().any(|f| f.language == Some(*l)))
            .collect();
        languages.dedup();
        let vocab = Vocab::from_pairs(
            first
                .map
                .iter()
                .filter(|(c, _)| ![BOS, EOS, PAD].contains(c))
                .map(|(&c, &id)| (c, id)),
        );
        let spec = ModelSpec {
            name: NAME,
            title: "Piper",
            attribution: Attribution {
                name: "rhasspy",
                url: "https://github.com/OHF-Voice/piper1-gpl",
            },
            models: MODELS,
            sample_rate: first.sample_rate,
            max_ids: MAX_IDS,
            // Not measured for Piper's graph yet: its id limit alone bounds a call.
            memory_ids: None,
            vocab: Arc::new(vocab),
            languages,
            // Piper's exports have no durations output.
            word_times: false,
        };
        let voices = Arc::new(PiperVoices::new(&files));
        Ok(PiperFactory {
            config,
            spec,
            files,
            voices,
        })
    }
}

impl EngineFactory for PiperFactory {
    fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn voices(&self) -> Arc<dyn VoiceBank> {
        Arc::clone(&self.voices) as Arc<dyn VoiceBank>
    }

    fn phonemizer(&self, _: &G2pConfig) -> Arc<dyn Phonemize> {
        let mut voices: HashMap<Language, String> = HashMap::new();
        for file in self.files.iter() {
            if let Some(language) = file.language {
                voices
                    .entry(language)
                    .or_insert_with(|| file.espeak.clone());
            }
        }
        Arc::new(PiperPhonemizer { voices })
    }

    /// Piper's call costs about what its ids cost, and a first clause of ten words takes
    /// about as long as the rest of a long first sentence: its first five to eight words
    /// come first (BENCHMARKS.md, Piper).
    fn first_phrase(&self) -> Option<FirstPhrase> {
        Some(FIRST_PHRASE)
    }

    fn create(&self) -> Result<Box<dyn Engine>> {
        Ok(Box::new(Piper::load(
            &self.config,
            Arc::clone(&self.files),
        )?))
    }
}

/// The voices of every file: one per speaker.
pub struct PiperVoices {
    /// Lower-case name → the name as written, its language, its data.
    voices: BTreeMap<String, (String, Option<Language>, PiperVoice)>,
    default: String,
    defaults: Vec<(Language, String)>,
}

impl PiperVoices {
    fn new(files: &[VoiceFile]) -> Self {
        let mut voices = BTreeMap::new();
        let mut defaults: Vec<(Language, String)> = Vec::new();
        for (i, file) in files.iter().enumerate() {
            for (name, speaker) in file.voices() {
                if let Some(language) = file.language
                    && !defaults.iter().any(|(l, _)| *l == language)
                {
                    defaults.push((language, name.clone()));
                }
                voices.insert(
                    name.to_ascii_lowercase(),
                    (name, file.language, PiperVoice { file: i, speaker }),
                );
            }
        }
        let default = voices
            .get(&DEFAULT_VOICE.to_ascii_lowercase())
            .or_else(|| voices.values().find(|v| v.1 == Some(Language::EnUs)))
            .or_else(|| voices.values().next())
            .map(|v| v.0.clone())
            .unwrap_or_default();
        PiperVoices {
            voices,
            default,
            defaults,
        }
    }
}

impl VoiceBank for PiperVoices {
    fn list(&self) -> Vec<VoiceInfo> {
        self.voices
            .values()
            .map(|(name, language, _)| VoiceInfo {
                name: name.clone(),
                engine: NAME,
                language: *language,
                gender: Gender::Unknown,
                speaks: language.is_some(),
            })
            .collect()
    }

    fn voice(&self, name: &str) -> Option<Voice> {
        let (name, language, data) = self.voices.get(&name.to_ascii_lowercase())?;
        Some(Voice {
            name: name.as_str().into(),
            language: (*language)?,
            engine: NAME,
            data: VoiceData::new(*data),
        })
    }

    fn default_voice(&self) -> &str {
        &self.default
    }

    fn default_for(&self, language: Language) -> Option<&str> {
        self.defaults
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, name)| name.as_str())
    }
}

/// Text → Piper's phonemes: espeak-ng's IPA in the espeak voice of the language's first
/// voice file.
struct PiperPhonemizer {
    voices: HashMap<Language, String>,
}

impl Phonemize for PiperPhonemizer {
    fn phonemize(&self, text: &str, lang: Language) -> Result<String> {
        let voice = self.voices.get(&lang).ok_or_else(|| {
            Error::Phonemize(format!("no Piper voice speaks {}", lang.row().name))
        })?;
        phonemes(text, voice)
    }
}

/// Piper's phonemes for `text` (see the module docs): clause by clause, each clause's
/// terminator kept after its phonemes.
fn phonemes(text: &str, voice: &str) -> Result<String> {
    let mut out = String::new();
    let mut run = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if CLAUSE_ENDS.contains(&c) && !between_digits {
            clause(&run, voice, &mut out)?;
            run.clear();
            // Punctuation alone (no clause before it) says nothing.
            if !out.is_empty() {
                out.truncate(out.trim_end().len());
                out.push(c);
                // piper-tts adds a space only after `,` `:` `;` (its sentences are separate
                // calls); sentences in one call are parted by a space too.
                out.push(' ');
            }
        } else {
            run.push(c);
        }
    }
    clause(&run, voice, &mut out)?;
    Ok(out.trim_end().nfd().collect())
}

/// One clause's IPA appended to `out`: espeak's ties and language-switch marks removed.
fn clause(text: &str, voice: &str, out: &mut String) -> Result<()> {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !words.chars().any(char::is_alphanumeric) {
        return Ok(());
    }
    let mut piece = String::new();
    let mut pieces = Vec::new();
    for word in words.split(' ') {
        if piece.len() + word.len() > MAX_ESPEAK_RUN && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
        }
        if !piece.is_empty() {
            piece.push(' ');
        }
        piece.push_str(word);
    }
    pieces.push(piece);
    for piece in pieces {
        let ipa = espeak::ipa(&piece, voice)?;
        let ipa = strip_switches(&ipa.replace(BOS, ""));
        let ipa = ipa.trim();
        if ipa.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(ipa);
    }
    Ok(())
}

/// `ðɪs (fr)bõʒuʁ(en) ɪz` → `ðɪs bõʒuʁ ɪz`: espeak-ng's marks around words of another
/// language.
fn strip_switches(ipa: &str) -> String {
    let mut out = String::with_capacity(ipa.len());
    let mut rest = ipa;
    while let Some(open) = rest.find('(') {
        match rest[open..].find(')') {
            Some(close) => {
                out.push_str(&rest[..open]);
                rest = &rest[open + close + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// The loaded sessions, one per voice file; owned by one worker.
pub struct Piper {
    files: Arc<[VoiceFile]>,
    sessions: Vec<Session>,
    run_options: Arc<RunChoices>,
}

/// The run options of a call, by its length: a short call keeps the arena, a long one gives
/// back what it grew by. Both carry the terminate flag, so whichever runs can be stopped
/// from another thread.
struct RunChoices {
    keep: Terminable,
    shrink: Terminable,
}

impl RunChoices {
    fn new() -> std::result::Result<Self, ort::Error> {
        let mut shrink = RunOptions::new()?;
        shrink.set(ARENA_SHRINKAGE.0, ARENA_SHRINKAGE.1)?;
        Ok(RunChoices {
            keep: Terminable(RunOptions::new()?),
            shrink: Terminable(shrink),
        })
    }

    /// The options of a call of `ids` phoneme ids (before Piper's pads).
    fn for_call(&self, ids: usize) -> &RunOptions {
        if keeps_arena(ids) {
            &self.keep.0
        } else {
            &self.shrink.0
        }
    }
}

impl Interrupt for RunChoices {
    fn interrupt(&self) {
        self.keep.interrupt();
        self.shrink.interrupt();
    }

    fn clear(&self) {
        self.keep.clear();
        self.shrink.clear();
    }
}

/// Whether a call of `ids` phoneme ids keeps the arena it grew for the next call.
fn keeps_arena(ids: usize) -> bool {
    ids <= KEEP_ARENA_IDS
}

const INPUT_IDS: &str = "input";
const INPUT_LENGTHS: &str = "input_lengths";
const INPUT_SCALES: &str = "scales";
const INPUT_SPEAKER: &str = "sid";

impl Piper {
    fn load(config: &PiperConfig, files: Arc<[VoiceFile]>) -> Result<Self> {
        let env = environment(&config.ort_library)?;
        let fail = |e: ort::Error| Error::Inference(format!("building the session: {e}"));
        let mut sessions = Vec::with_capacity(files.len());
        for file in files.iter() {
            let mut builder = Session::builder(&env)
                .map_err(fail)?
                .with_intra_threads(config.threads.max(1))
                .map_err(|e| fail(e.into()))?
                .with_intra_op_spinning(config.spinning)
                .map_err(|e| fail(e.into()))?
                .with_memory_pattern(false)
                .map_err(|e| fail(e.into()))?;
            let session = builder.commit_from_file(&file.model).map_err(|e| {
                Error::Asset(format!(
                    "cannot load the Piper voice {}: {e}",
                    file.model.display()
                ))
            })?;
            let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
            for want in [INPUT_IDS, INPUT_LENGTHS, INPUT_SCALES] {
                if !inputs.contains(&want) {
                    return Err(Error::Asset(format!(
                        "{} has no input '{want}' (inputs: {inputs:?}); is it a Piper voice?",
                        file.model.display()
                    )));
                }
            }
            sessions.push(session);
        }
        Ok(Piper {
            files,
            sessions,
            run_options: Arc::new(RunChoices::new().map_err(fail)?),
        })
    }
}

/// Piper's ids for a call: BOS, pad, each id followed by a pad, EOS.
fn with_marks(ids: &[i64], bos: i64, pad: i64, eos: i64) -> Vec<i64> {
    let mut out = Vec::with_capacity(ids.len() * 2 + 3);
    out.extend([bos, pad]);
    for &id in ids {
        out.extend([id, pad]);
    }
    out.push(eos);
    out
}

impl Engine for Piper {
    fn infer(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech> {
        let voice = piper_voice(voice)?;
        let (Some(file), Some(session)) = (
            self.files.get(voice.file),
            self.sessions.get_mut(voice.file),
        ) else {
            return Err(Error::Internal("a Piper voice of no loaded file".into()));
        };
        if ids.len() > MAX_IDS {
            return Err(Error::Internal(format!(
                "{} phoneme ids exceed the engine's limit of {MAX_IDS}",
                ids.len()
            )));
        }
        if !(speed.is_finite() && speed > 0.0) {
            return Err(Error::Inference(format!("speed {speed} is not positive")));
        }
        let run_options = self.run_options.for_call(ids.len());
        let input = with_marks(ids, file.bos, file.pad, file.eos);
        let n = input.len();
        let fail = |e: ort::Error| Error::Inference(e.to_string());
        let scales = vec![
            file.scales.noise_scale,
            file.scales.length_scale / speed,
            file.scales.noise_w,
        ];
        let input = Tensor::from_array(([1usize, n], input)).map_err(fail)?;
        let lengths = Tensor::from_array(([1usize], vec![n as i64])).map_err(fail)?;
        let scales = Tensor::from_array(([3usize], scales)).map_err(fail)?;
        let outputs = match voice.speaker {
            Some(sid) => {
                let sid = Tensor::from_array(([1usize], vec![sid])).map_err(fail)?;
                session.run_with_options(
                    ort::inputs![
                        INPUT_IDS => input,
                        INPUT_LENGTHS => lengths,
                        INPUT_SCALES => scales,
                        INPUT_SPEAKER => sid,
                    ],
                    run_options,
                )
            }
            None => session.run_with_options(
                ort::inputs![
                    INPUT_IDS => input,
                    INPUT_LENGTHS => lengths,
                    INPUT_SCALES => scales,
                ],
                run_options,
            ),
        }
        .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let mut samples = audio.to_vec();
        normalize(&mut samples);
        Ok(Speech {
            samples,
            durations: None,
        })
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::clone(&self.run_options) as Arc<dyn Interrupt>)
    }
}

/// Scales the samples so the loudest is at full range (`piper-tts`'s `normalize_audio`);
/// silence stays silence.
fn normalize(samples: &mut [f32]) {
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak < 1e-8 {
        samples.iter_mut().for_each(|s| *s = 0.0);
        return;
    }
    for s in samples.iter_mut() {
        *s = (*s / peak).clamp(-1.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_go_around_and_between_the_ids() {
        assert_eq!(with_marks(&[20, 21], 1, 0, 2), vec![1, 0, 20, 0, 21, 0, 2]);
        assert_eq!(with_marks(&[], 1, 0, 2), vec![1, 0, 2]);
    }

    #[test]
    fn short_calls_keep_the_arena_and_long_ones_give_it_back() {
        // The first clause and the first sentences (the calls the first audio waits on)
        // keep it; a call of the model's limit does not hold its peak afterwards.
        assert!(keeps_arena(51));
        assert!(keeps_arena(KEEP_ARENA_IDS));
        assert!(!keeps_arena(KEEP_ARENA_IDS + 1));
        assert!(!keeps_arena(MAX_IDS));
    }

    #[test]
    fn languages_from_piper_codes() {
        assert_eq!(language_of("en_US"), Some(Language::EnUs));
        assert_eq!(language_of("en_GB"), Some(Language::EnGb));
        assert_eq!(language_of("es_MX"), Some(Language::Es));
        assert_eq!(language_of("pt_BR"), Some(Language::PtBr));
        assert_eq!(language_of("fr_FR"), Some(Language::Fr));
        // Portuguese of Portugal is not the table's Brazilian Portuguese.
        assert_eq!(language_of("pt_PT"), None);
        assert_eq!(language_of("de_DE"), None);
    }

    #[test]
    fn language_switches_are_removed() {
        assert_eq!(strip_switches("ðɪs (fr)bõʒuʁ(en) ɪz"), "ðɪs bõʒuʁ ɪz");
        assert_eq!(strip_switches("no marks"), "no marks");
    }

    #[test]
    fn clause_punctuation_is_kept_as_piper_keeps_it() -> Result<()> {
        let p = phonemes("Hello, world. Bye!", "en-us")?;
        // "həlˈoʊ, wˈɜːld. bˈaɪ!": the comma and the stops after their clauses.
        let commas: Vec<&str> = p.split(", ").collect();
        assert_eq!(commas.len(), 2, "{p}");
        assert!(p.contains(". "), "{p}");
        assert!(p.ends_with('!'), "{p}");
        assert!(!p.contains('^'), "espeak's ties are not Piper's: {p}");
        Ok(())
    }
}
