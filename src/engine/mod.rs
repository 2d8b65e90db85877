//! The model seam. An [`Engine`] turns phoneme ids, a voice's style data and a speed into
//! mono samples; its [`ModelSpec`] hands the rest of ttsd the model's facts (sample rate,
//! ids per call, the shape of a voice's style data, the phoneme vocabulary, the languages it
//! was trained on) as values, so no other layer hard-codes them.
//!
//! Engines are built by an [`EngineFactory`] on each inference worker's own thread (a session
//! is never shared); the spec is known before any engine exists, so the server can list
//! voices and answer `/health` while the model loads. [`kokoro`] is the real engine; [`tone`]
//! a deterministic one for tests, at another sample rate. [`scheduler`] owns the workers.

pub mod cache;
pub mod cost;
pub mod kokoro;
pub mod pacing;
pub mod scheduler;
pub mod tone;

use std::sync::Arc;

pub use kokoro::{Device, KokoroConfig, KokoroFactory};
pub use scheduler::{Inferred, Job, Scheduler};
pub use tone::ToneFactory;

use crate::Result;
use crate::language::Language;
use crate::text::Vocab;
use crate::voice::StylePack;

/// What the rest of ttsd may know about a model.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Short name, for logs and listings.
    pub name: &'static str,
    /// Samples per second of the audio it makes (mono).
    pub sample_rate: u32,
    /// Most phoneme ids in one call.
    pub max_ids: usize,
    /// A voice's style data is `style_rows` × `style_dim` f32 values.
    pub style_rows: usize,
    pub style_dim: usize,
    /// Phoneme symbol → id: what the G2P's output is encoded with.
    pub vocab: Arc<Vocab>,
    /// The languages its voices were trained on.
    pub languages: &'static [Language],
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

/// One loaded model, owned by one worker thread.
pub trait Engine: Send {
    /// Speech for `ids` (at most the spec's `max_ids`) in `voice` at `speed` (1.0 = normal).
    fn infer(&mut self, ids: &[i64], voice: &StylePack, speed: f32) -> Result<Speech>;

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
    /// A new engine for one worker, built on that worker's thread.
    fn create(&self) -> Result<Box<dyn Engine>>;
}
