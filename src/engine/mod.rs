//! The model seam. An [`Engine`] turns phoneme ids, a voice's data and a speed into mono
//! samples; its [`ModelSpec`] hands the rest of ttsd the model's facts (names, attribution,
//! sample rate, ids per call, the phoneme vocabulary, the languages it speaks) as values,
//! so no other layer hard-codes them. The engine owns its voices too: its [`EngineFactory`]
//! gives a [`VoiceBank`] (what its voice files are, how they are named, their languages and
//! aliases, how two are mixed), and, when its phonemes are not Kokoro's, its own
//! phonemizer.
//!
//! An engine may also make a call in two steps ([`Engine::encode`], then [`Engine::decode`]
//! a [`Window`] of its frames at a time), so that a long chunk's first audio comes after one
//! short window of the model rather than the whole call (`--window`); Kokoro does, from its
//! model cut at its decoder, when `make assets` has made the two files.
//!
//! Engines are built by the factory on each inference worker's own thread (a session is
//! never shared); the spec and the voices are known before any engine exists, so the server
//! can list voices and answer `/health` while the model loads. [`kokoro`] is the real
//! engine; [`tone`] a deterministic one for tests, of another shape (its own voices, 16
//! kHz, a smaller id limit). [`scheduler`] owns the workers; [`cost`] learns what a call
//! costs and [`pacing`] says what that means for chunk sizes and capacity.

pub mod cache;
pub mod cost;
pub mod kokoro;
pub mod pacing;
pub mod piper;
pub mod scheduler;
pub mod tone;

use std::sync::Arc;

pub use kokoro::{Device, KokoroConfig, KokoroFactory};
pub use scheduler::{Inferred, Job, Part, Scheduler};
pub use tone::ToneFactory;

use crate::language::Language;
use crate::text::Vocab;
use crate::text::g2p::{G2pConfig, Phonemize, Phonemizer};
use crate::text::segment::FirstPhrase;
use crate::voice::{EngineVoices, VoiceBank, VoiceData, Voices};
use crate::{Error, Result};

/// What the rest of ttsd may know about a model.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Short name, for logs, listings and `/info` (`kokoro`).
    pub name: &'static str,
    /// The model as people know it, for descriptions (`Kokoro-82M`).
    pub title: &'static str,
    /// Who made it, and where it is described (Wyoming's `attribution`).
    pub attribution: Attribution,
    /// Names a request's `model` may give (its own, and OpenAI's that it serves).
    pub models: &'static [&'static str],
    /// Samples per second of the audio it makes (mono).
    pub sample_rate: u32,
    /// Most phoneme ids in one call.
    pub max_ids: usize,
    /// For a model whose memory grows with the audio a call makes (Kokoro's decoder): the
    /// most ids one call may take at speed 1 for its memory to stay bounded; at speed `s`,
    /// `s` times as many, since slow speech makes more audio per id
    /// ([`crate::text::plan::CallLimit`]). `None`: `max_ids` alone bounds a call.
    pub memory_ids: Option<usize>,
    /// Phoneme symbol → id: what the G2P's output is encoded with.
    pub vocab: Arc<Vocab>,
    /// The languages it speaks, in the language table's order.
    pub languages: Vec<Language>,
    /// Whether its calls report durations ([`Speech::durations`]), so that words get
    /// times: a request for timestamps in a voice of an engine without them is refused.
    pub word_times: bool,
}

/// Who made a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Attribution {
    pub name: &'static str,
    pub url: &'static str,
}

impl ModelSpec {
    /// Seconds of audio in `samples`.
    pub fn seconds(&self, samples: usize) -> f64 {
        samples as f64 / f64::from(self.sample_rate)
    }
}

/// What one call produced.
#[derive(Debug, Clone, Default)]
pub struct Speech {
    pub samples: Vec<f32>,
    /// Samples spent on each input position, when the engine reports them: the leading pad,
    /// each id, the trailing pad (ids + 2 values, adding up to the samples).
    pub durations: Option<Vec<u32>>,
}

/// A chunk encoded for decoding a window at a time ([`Engine::encode`]): how long its audio
/// is, where each input position ends, and the engine's own data the windows are made from.
pub struct Encoded {
    /// Frames of audio it makes, each [`Encoded::frame_samples`] long: windows are cut in
    /// them.
    pub frames: usize,
    pub frame_samples: usize,
    /// The frame at which each input position (the leading pad, each id, the trailing pad)
    /// ends: where words meet, so seams can fall between them.
    pub ends: Vec<usize>,
    /// What [`Speech::durations`] would be for the whole call.
    pub durations: Option<Vec<u32>>,
    /// The engine's own data (for Kokoro: the aligned features, pitch and energy, and each
    /// harmonic's phase as far as it has been decoded); only the engine that made it reads
    /// it.
    pub state: Box<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoded")
            .field("frames", &self.frames)
            .field("frame_samples", &self.frame_samples)
            .finish_non_exhaustive()
    }
}

/// A run of an encoded chunk's frames to decode: `start..end` is the audio wanted, and
/// `before` and `after` frames of context either side (cut to the chunk) are decoded with it
/// so that its edges sound as they do in the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub before: usize,
    pub after: usize,
}

impl Window {
    /// The frames decoded: the window with its context, within `frames`.
    pub fn span(&self, frames: usize) -> std::ops::Range<usize> {
        self.start.saturating_sub(self.before)..(self.end + self.after).min(frames)
    }
}

/// One loaded model, owned by one worker thread.
pub trait Engine: Send {
    /// Speech for `ids` (at most the spec's `max_ids`) in a voice of this engine's
    /// ([`VoiceBank::voice`] made its data) at `speed` (1.0 = normal).
    fn infer(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech>;

    /// The first half of [`Engine::infer`], for an engine that can decode a window of frames
    /// at a time ([`EngineFactory::windows`]): what the audio will be made of, and how long
    /// it is, before any of it is made.
    fn encode(&mut self, _ids: &[i64], _voice: &VoiceData, _speed: f32) -> Result<Encoded> {
        Err(Error::Internal(
            "this engine decodes whole calls only".into(),
        ))
    }

    /// The samples of a window's frames with their context ([`Window::span`]). The windows
    /// of one chunk are decoded in order (each carries on from the last: Kokoro's harmonic
    /// phase), and their samples, joined at the windows' edges, are the whole call's.
    fn decode(&mut self, _encoded: &Encoded, _window: Window) -> Result<Vec<f32>> {
        Err(Error::Internal(
            "this engine decodes whole calls only".into(),
        ))
    }

    /// A handle that stops this engine's call under way from another thread, so a worker
    /// whose client has left is free in milliseconds instead of at the call's end; `None`
    /// when the engine cannot stop part way.
    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        None
    }
}

/// Stops an engine's calls from another thread.
pub trait Interrupt: Send + Sync {
    /// The call under way (if any) ends soon with an error, and so does every call after it
    /// until [`Interrupt::clear`].
    fn interrupt(&self);
    /// Lets calls run again.
    fn clear(&self);
}

/// Builds engines of one kind; shared by the workers.
pub trait EngineFactory: Send + Sync {
    fn spec(&self) -> &ModelSpec;
    /// The engine's voices (loaded with the factory, before any model).
    fn voices(&self) -> Arc<dyn VoiceBank>;
    /// Text → phonemes in the engine's symbols: by default the language table's G2P
    /// routes, which write Kokoro's symbols (misaki's).
    fn phonemizer(&self, g2p: &G2pConfig) -> Arc<dyn Phonemize> {
        Arc::new(Phonemizer::new(g2p.clone()))
    }
    /// A new engine for one worker, built on that worker's thread.
    fn create(&self) -> Result<Box<dyn Engine>>;

    /// Whether its engines can decode a call a window of frames at a time
    /// ([`Engine::encode`], [`Engine::decode`]).
    fn windows(&self) -> bool {
        false
    }

    /// How a long first clause is cut for an early first audio, when the engine's first call
    /// costs about what its words cost (a fast engine: a few words come much sooner than a
    /// clause); `None` (the default): the first clause goes whole.
    fn first_phrase(&self) -> Option<FirstPhrase> {
        None
    }

    /// What a request may name on this engine: its voices and blends of them, its model
    /// names, its languages.
    fn catalogue(&self) -> Voices {
        Voices::new(self.engine_voices())
    }

    /// Its part of a server's voices ([`Voices::join`]).
    fn engine_voices(&self) -> EngineVoices<'_> {
        let spec = self.spec();
        EngineVoices {
            engine: spec.name,
            bank: self.voices(),
            models: spec.models,
            languages: &spec.languages,
            word_times: spec.word_times,
        }
    }
}
