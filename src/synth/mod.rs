//! The pipeline: an utterance's text, in pieces, in; its encoded audio out, chunk by chunk.
//!
//! [`Synthesizer::start`] returns a [`TextInput`] (where the text goes: whole, or as it is
//! written) and an [`AudioStream`] (what comes out): a front end pushes text pieces and
//! reads events, nothing else. Everything between is the utterance's, in one task:
//! - [`intake`]: the text side — cuts (`text::segment`), each segment's markup, the flush
//!   timer, the idle clock, the input limit;
//! - [`marks`]: markup applied to the plan (voices, speed, pauses, given phonemes checked
//!   against the model's symbols);
//! - [`utterance`]: the steps — plan a chunk (`text::plan`), have the scheduler's model
//!   speak it by the utterance's one deadline clock (when its client runs out of audio),
//!   shape it (trim, fade, pause) and encode it;
//! - [`load`]: the utterances running and what streams cost: the capacity admission goes
//!   by (`engine::pacing` holds the arithmetic).
//!
//! A whole text is a stream of one piece: the same path.
//!
//! A server may have several engines (Kokoro and Piper): each is an [`EngineCore`] — its
//! facts, its text front end (its symbols), its own workers and what its calls and streams
//! cost — and an utterance runs on its voice's.

mod intake;
mod load;
mod marks;
mod utterance;
mod windows;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tracing::Instrument;

pub use intake::{TextInput, Utf8Pieces};
pub use marks::check_phonemes;

use crate::captions::WordTime;
use crate::engine::{EngineFactory, ModelSpec, Scheduler};
use crate::language::Language;
use crate::lexicon;
use crate::metrics::{Metrics, Stage};
use crate::request::{Input, Limits, SpeechParams, SpeechRequest};
use crate::text::markup::Item;
use crate::text::segment::FirstPhrase;
use crate::text::{G2pConfig, TextFrontend, Vocab};
use crate::voice::Voices;
use crate::{Error, Result};
use intake::Intake;
use utterance::Utterance;

/// Runs CPU work (G2P, encoding) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("blocking task failed: {e}")))
}

/// Server-wide choices of how text is cut and how long streamed text may wait.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub limits: Limits,
    /// Speak an utterance's first clause alone first, for an early first audio; off, the
    /// first sentence goes whole.
    pub first_clause: bool,
    /// Real-time streams admitted at once, set by the operator; `None`: reckoned from what
    /// calls and streams cost ([`Synthesizer::capacity`]).
    pub capacity: Option<usize>,
    /// Streamed text that has waited this long without a sentence end is spoken anyway, up
    /// to its last whole word.
    pub flush_after: Duration,
    /// A streamed utterance with no real text for this long, and nothing left to say, ends
    /// with a timeout (its slot freed); `None`, never (the command line holds no slot).
    pub stream_idle: Option<Duration>,
    /// The most audio a response sent whole (`stream: false`) may hold: more is refused
    /// ([`collect`]) before it is taken; `None`, any (the command line's file). Streamed
    /// responses hold one chunk at a time and have no such bound.
    pub max_file_audio: Option<Duration>,
    /// How much audio an utterance's first model call makes before any of the rest, when its
    /// engine can decode a window of frames at a time (`--window`): the first chunk is
    /// decoded in windows, this long first and longer after; `None`: whole chunks.
    pub window: Option<Duration>,
}

impl Settings {
    /// The default idle time of a streamed utterance (`--stream-idle-timeout`).
    pub const STREAM_IDLE: Duration = Duration::from_secs(60);
    /// The default most audio of a response sent whole (`--max-file-minutes 20`): 58 MB as
    /// WAV at 24 kHz, 77 MB as the base64 of `/dev/captioned_speech`, on top of the worst a
    /// model call takes (915 MiB in a server that has loaded every language), so the server
    /// stays within 1 GiB (BENCHMARKS.md, peak memory). A text of the input limit's 4,096
    /// characters of prose is about 17 minutes at speed 0.25; only text that expands in
    /// reading goes far past it (a long number read digit by digit at 0.25: 105 minutes).
    pub const MAX_FILE_AUDIO: Duration = Duration::from_secs(20 * 60);
    /// The defaults (`--first-chunk clause`, `--flush-after-ms 1500`,
    /// `--stream-idle-timeout 60`, the input limit's).
    pub const DEFAULT: Settings = Settings {
        limits: Limits::DEFAULT,
        first_clause: true,
        capacity: None,
        flush_after: Duration::from_millis(1500),
        stream_idle: Some(Settings::STREAM_IDLE),
        max_file_audio: Some(Settings::MAX_FILE_AUDIO),
        window: None,
    };
}

impl Default for Settings {
    fn default() -> Self {
        Settings::DEFAULT
    }
}

/// How the core runs, in plain values: from flags (`config`), or by hand in tests.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Inference workers, each with its own engine.
    pub workers: usize,
    /// Most model calls waiting for a worker (each utterance has at most one queued).
    pub queue_capacity: usize,
    /// Bytes of recently made short chunks kept to be said again at once.
    pub cache_bytes: usize,
    /// Where the G2P's data files are.
    pub g2p: G2pConfig,
    pub settings: Settings,
}

impl CoreConfig {
    /// The default of `workers` (`--workers`).
    pub const DEFAULT_WORKERS: usize = 1;
    /// The default chunk cache, in MiB (`--cache-mb`).
    pub const DEFAULT_CACHE_MB: usize = 8;
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            workers: Self::DEFAULT_WORKERS,
            queue_capacity: 16,
            cache_bytes: Self::DEFAULT_CACHE_MB << 20,
            g2p: G2pConfig::default(),
            settings: Settings::DEFAULT,
        }
    }
}

/// Everything an utterance needs, shared by all of them: built once by the composition root.
pub struct Synthesizer {
    /// Each engine's part, the first's voice the default.
    engines: Vec<Arc<EngineCore>>,
    /// Every engine's voices.
    voices: Voices,
    settings: Settings,
    metrics: Arc<Metrics>,
}

/// One engine's part of the core: its facts, its text front end (its phonemizer and
/// symbols), its workers (and the cost they learn), and the utterances it runs.
pub struct EngineCore {
    spec: ModelSpec,
    /// How its long first clauses are cut ([`EngineFactory::first_phrase`]).
    first_phrase: Option<FirstPhrase>,
    frontend: TextFrontend,
    scheduler: Scheduler,
    load: load::Load,
    /// Whether its engines decode a call a window at a time ([`EngineFactory::windows`]).
    windows: bool,
}

impl EngineCore {
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }
    pub fn frontend(&self) -> &TextFrontend {
        &self.frontend
    }
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// How many real-time streams this engine's workers can keep playing (see
    /// [`Synthesizer::capacity`]); `None` before any call was measured.
    fn capacity(&self, settings: &Settings) -> Option<usize> {
        match settings.capacity {
            Some(n) => Some(n.max(1)),
            None => Some(
                self.load
                    .capacity(&self.scheduler.cost()?, self.scheduler.workers()),
            ),
        }
    }
}

/// Held while an utterance runs: its admission (released when both the pipeline and the
/// front end's response are done with it).
pub type Permit = Arc<Admission>;

/// An utterance's slots: the server's and its engine's.
#[derive(Debug)]
pub struct Admission {
    engine: &'static str,
    slots: std::sync::Mutex<Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>>,
}

impl Admission {
    pub fn new(
        engine: &'static str,
        server: OwnedSemaphorePermit,
        engine_slot: OwnedSemaphorePermit,
    ) -> Self {
        Admission {
            engine,
            slots: std::sync::Mutex::new(Some((server, engine_slot))),
        }
    }

    /// Gives the slots back now, whoever else holds the admission: a front end that refused
    /// its response (a whole file over `--max-file-minutes`) frees them before the refusal
    /// goes out, not when the pipeline next notices that nobody reads it.
    pub fn release(&self) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.take();
        }
    }

    /// The engine whose slot it holds.
    pub fn engine(&self) -> &'static str {
        self.engine
    }
}

/// What the pipeline sends.
#[derive(Debug)]
pub enum Event {
    /// Encoded audio (the stream's header comes with the first), and the samples it holds.
    Audio(AudioChunk),
    /// The end of the utterance, with its totals. Nothing follows.
    Done(Stats),
}

/// One chunk's encoded bytes.
#[derive(Debug, Clone)]
pub struct AudioChunk {
    pub bytes: Bytes,
    /// Samples of audio pushed to the encoder for this chunk (some encoders hold a few back
    /// until the next).
    pub samples: usize,
    /// The words this chunk completes, as the user wrote them, with their times (when the
    /// engine reports durations).
    pub words: Vec<WordTime>,
    /// The utterance's whole audio as it looks now, once all its text is in (`None` while
    /// more may come): the audio so far, and what the text left would make at the rate
    /// its ids so far made speech (text not phonemized yet counted a character an id, its
    /// pauses not counted). A guess, good to a factor of about 1.5: what [`collect`]
    /// refuses early by.
    pub expected: Option<Duration>,
}

/// Totals of one utterance, for logs, headers and usage.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Characters of input.
    pub chars: usize,
    pub chunks: usize,
    /// Phoneme ids the model read.
    pub ids: usize,
    /// Samples produced (at the engine's rate).
    pub samples: usize,
    pub audio: Duration,
    pub compute: Duration,
    /// Where the time went, stage by stage.
    pub times: StageTimes,
}

/// An utterance's time in each stage (summed over its chunks).
#[derive(Debug, Default, Clone, Copy)]
pub struct StageTimes {
    /// The text front end: normalization, sentence splitting, G2P, chunking.
    pub text: Duration,
    /// Waiting in the inference queue.
    pub queue: Duration,
    /// In the model.
    pub model: Duration,
    /// Encoding the audio.
    pub encode: Duration,
}

impl StageTimes {
    /// Each stage's time, by its name.
    pub fn by_stage(&self) -> [(Stage, Duration); 4] {
        [
            (Stage::text, self.text),
            (Stage::queue, self.queue),
            (Stage::model, self.model),
            (Stage::encode, self.encode),
        ]
    }
}

/// Checks a request's parameters against what the engine can name (`voices`), its phoneme
/// vocabulary, the input limit and the lexicons kept: every field, and the phonemes a whole
/// input gives (streamed input's are checked as they are read, with the same rule and
/// message: [`check_phonemes`]). Needs no model, so a front end can check before one loads.
pub fn validate(
    params: SpeechParams,
    input: Input,
    voices: &Voices,
    specs: &[ModelSpec],
    limits: Limits,
    lexicons: &lexicon::Store,
) -> Result<SpeechRequest> {
    let request = params.validate(voices, limits, input, lexicons)?;
    let engine = request.voice().engine;
    let vocab: &Vocab = specs
        .iter()
        .find(|s| s.name == engine)
        .map(|s| &*s.vocab)
        .ok_or_else(|| Error::Internal(format!("no engine '{engine}' in this server")))?;
    for item in request.items().unwrap_or_default() {
        if let Item::Phonemes { phonemes, .. } = item {
            check_phonemes(vocab, "input", phonemes)?;
        }
    }
    Ok(request)
}

/// An utterance's output: `Ok(Event::Audio)`s, then `Ok(Event::Done)` or one `Err`.
pub type AudioStream = mpsc::Receiver<Result<Event>>;

impl Synthesizer {
    /// The core on `engine`, as `config` says: the engine's workers load the model while
    /// the text front end builds its lexicon, on threads of their own. Blocking; seconds.
    /// The one way the core is built (`serve`, `say`, the tests, the benches).
    pub fn build(
        engine: Arc<dyn EngineFactory>,
        config: &CoreConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        Synthesizer::build_all(vec![engine], config, metrics)
    }

    /// The core on several engines (the first's default voice the server's), each with
    /// `config.workers` workers of its own; their voices' names must not collide.
    pub fn build_all(
        engines: Vec<Arc<dyn EngineFactory>>,
        config: &CoreConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        if engines.is_empty() {
            return Err(Error::Config("no engine to speak with".into()));
        }
        let voices = Voices::join(engines.iter().map(|e| e.engine_voices()));
        let cores = std::thread::scope(|scope| {
            // Every front end (a lexicon each) builds while the workers load their models.
            let frontends: Vec<_> = engines
                .iter()
                .map(|engine| {
                    let vocab = Arc::clone(&engine.spec().vocab);
                    let phonemizer = engine.phonemizer(&config.g2p);
                    scope.spawn(move || TextFrontend::with_phonemizer(vocab, phonemizer))
                })
                .collect();
            let schedulers: Vec<_> = engines
                .iter()
                .map(|engine| {
                    Scheduler::start(
                        Arc::clone(engine),
                        config.workers,
                        config.queue_capacity,
                        config.cache_bytes,
                        Arc::clone(&metrics),
                    )
                })
                .collect();
            let mut cores = Vec::with_capacity(engines.len());
            for ((engine, frontend), scheduler) in engines.iter().zip(frontends).zip(schedulers) {
                let frontend = frontend
                    .join()
                    .map_err(|_| Error::Internal("building the text front end panicked".into()))?;
                cores.push(Arc::new(EngineCore {
                    spec: engine.spec().clone(),
                    first_phrase: engine.first_phrase(),
                    windows: engine.windows(),
                    frontend,
                    scheduler: scheduler?,
                    load: load::Load::default(),
                }));
            }
            Ok::<_, Error>(cores)
        })?;
        Ok(Synthesizer {
            engines: cores,
            voices,
            settings: config.settings,
            metrics,
        })
    }

    /// The sample rate of `voice`'s audio (its engine's).
    pub fn sample_rate(&self, voice: &crate::voice::Voice) -> Result<u32> {
        Ok(self.engine(voice.engine)?.spec.sample_rate)
    }

    /// Each engine's part, the first's the default voice's.
    pub fn engines(&self) -> &[Arc<EngineCore>] {
        &self.engines
    }

    /// The engine named `name` (a voice's `engine`).
    pub fn engine(&self, name: &str) -> Result<&Arc<EngineCore>> {
        self.engines
            .iter()
            .find(|e| e.spec.name == name)
            .ok_or_else(|| Error::Internal(format!("no engine '{name}' in this server")))
    }

    /// How many real-time streams `engine`'s workers can keep playing: their time (less a
    /// margin) over what one stream needs, by the cost model at a typical chunk size, and
    /// by what streamed utterances have really cost, whichever is fewer; or the operator's
    /// number (`--capacity`, for each engine). At least one, so a slow machine still serves
    /// one at a time; `None` before any of its calls was measured.
    pub fn capacity_of(&self, engine: &str) -> Option<usize> {
        let capacity = self.engine(engine).ok()?.capacity(&self.settings);
        self.capacity();
        capacity
    }

    /// The streams every engine can keep playing, added up (`ttsd_capacity_streams`): an
    /// engine not yet measured adds none; `None` when none is. Engines share the machine's
    /// cores, so with all of them busy at once each gets less than it measured alone.
    pub fn capacity(&self) -> Option<usize> {
        let capacity = self
            .engines
            .iter()
            .filter_map(|e| e.capacity(&self.settings))
            .reduce(|a, b| a + b)?;
        self.metrics
            .capacity_streams
            .set(i64::try_from(capacity).unwrap_or(i64::MAX));
        Some(capacity)
    }

    /// `ttsd_load_ratio`: the utterances running over capacity.
    fn update_load_ratio(&self) {
        if let Some(capacity) = self.capacity() {
            let running = self.metrics.active_streams.get().max(0) as f64;
            self.metrics
                .load_ratio
                .set(running / capacity.max(1) as f64);
        }
    }

    /// When a client `engine` refused should come back: when its utterance with the least
    /// left is expected to be done, by its cost model.
    pub fn retry_after(&self, engine: &str) -> Duration {
        let first = &self.engines[0];
        let core = self.engine(engine).unwrap_or(first);
        core.load
            .retry_after(core.scheduler.cost(), core.scheduler.workers())
    }

    /// The first engine's facts (the default voice's; [`Synthesizer::engine`] has each).
    pub fn spec(&self) -> &ModelSpec {
        &self.engines[0].spec
    }
    /// Every engine's facts.
    pub fn specs(&self) -> Vec<ModelSpec> {
        self.engines.iter().map(|e| e.spec.clone()).collect()
    }
    pub fn voices(&self) -> &Voices {
        &self.voices
    }
    /// The first engine's text front end.
    pub fn frontend(&self) -> &TextFrontend {
        &self.engines[0].frontend
    }
    /// The first engine's workers.
    pub fn scheduler(&self) -> &Scheduler {
        &self.engines[0].scheduler
    }
    pub fn settings(&self) -> Settings {
        self.settings
    }
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Checks a request's parameters against this core's voices, limits and vocabulary
    /// ([`validate`]), without lexicons: the server's are its service's
    /// (`service::Service::validate`).
    pub fn validate(&self, params: SpeechParams, input: Input) -> Result<SpeechRequest> {
        let none = lexicon::Store::in_memory(Arc::clone(&self.spec().vocab));
        validate(
            params,
            input,
            &self.voices,
            &self.specs(),
            self.settings.limits,
            &none,
        )
    }

    /// Phonemes a client gives (as `param`) for `voice`, checked against its model's
    /// symbols.
    pub fn check_phonemes(
        &self,
        voice: &crate::voice::Voice,
        param: &'static str,
        phonemes: &str,
    ) -> Result<()> {
        check_phonemes(self.engine(voice.engine)?.frontend.vocab(), param, phonemes)
    }

    /// A text's phonemes as `engine`'s pipeline reads them (normalized, sentence by
    /// sentence, joined by spaces) and their token ids: Kokoro-FastAPI's `/dev/phonemize`.
    /// `language` is one `engine` speaks (the request's validation checked it).
    pub fn phonemize(
        &self,
        text: &str,
        language: Language,
        engine: &str,
    ) -> Result<(String, Vec<i64>)> {
        let options = crate::text::NormalizationOptions::default();
        let frontend = &self.engine(engine)?.frontend;
        let mut phonemes = String::new();
        for sentence in frontend.sentences(text, language, &options) {
            let said = frontend.phonemes(&sentence, language)?;
            crate::text::plan::check_sounds(frontend, &said, &sentence, language)?;
            if said.trim().is_empty() {
                continue;
            }
            if !phonemes.is_empty() {
                phonemes.push(' ');
            }
            phonemes.push_str(&said);
        }
        if phonemes.is_empty() {
            return Err(Error::invalid(
                "text",
                "text has nothing to speak (no words after normalization)",
            ));
        }
        let ids = frontend.vocab().encode(&phonemes);
        Ok((phonemes, ids))
    }

    /// Starts an utterance. Its text (the request's `input` first, if any) goes into the
    /// returned [`TextInput`]; its audio comes out of the [`AudioStream`]. `permit` is held
    /// until the pipeline ends, and given back before its last event.
    pub fn start(
        self: &Arc<Self>,
        mut request: SpeechRequest,
        permit: Option<Permit>,
    ) -> Result<(TextInput, AudioStream)> {
        let engine = Arc::clone(self.engine(request.voice().engine)?);
        let encoder = request
            .format()
            .encoder(engine.spec.sample_rate, request.stream())?;
        let (pieces_tx, pieces_rx) = mpsc::unbounded_channel();
        let mut input = TextInput::new(pieces_tx, self.settings.limits);
        let intake = match request.take_items() {
            Some(items) => Intake::whole(items, &self.settings, engine.first_phrase),
            None => {
                if let Some(text) = request.take_text() {
                    input.push(&text)?;
                }
                Intake::streamed(
                    pieces_rx,
                    request.markup(),
                    &self.settings,
                    engine.first_phrase,
                )
            }
        };
        // A few chunks of slack: the encoder's output waits here while the client reads.
        let (tx, rx) = mpsc::channel(4);
        let streaming = request.stream();
        let utterance = Utterance::new(
            Arc::clone(self),
            Arc::clone(&engine),
            request,
            intake,
            encoder,
            tx.clone(),
        );
        let synth = Arc::clone(self);
        tokio::spawn(
            async move {
                synth.metrics.active_streams.inc();
                synth.update_load_ratio();
                // A panic in one utterance's pipeline fails that utterance only, as an error
                // (never as a stream that merely ends early and looks complete).
                let result = AssertUnwindSafe(utterance.run())
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Internal("the speech pipeline panicked".into()))
                    });
                synth.metrics.active_streams.dec();
                synth.update_load_ratio();
                // The slot is given back before the last event: a client that asks again as
                // soon as its audio ends must find it free.
                drop(permit);
                match result {
                    Ok(Some(stats)) => {
                        if streaming {
                            engine.load.learn_stream(stats.compute, stats.audio);
                        }
                        synth.metrics.observe_stages(stats.times.by_stage());
                        tracing::info!(
                            chunks = stats.chunks,
                            audio_s = stats.audio.as_secs_f32(),
                            compute_s = stats.compute.as_secs_f32(),
                            text_ms = stats.times.text.as_millis() as u64,
                            queue_ms = stats.times.queue.as_millis() as u64,
                            encode_ms = stats.times.encode.as_millis() as u64,
                            "speech done"
                        );
                        let _ = tx.send(Ok(Event::Done(stats))).await;
                    }
                    // The client left: nobody to tell.
                    Ok(None) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                    }
                }
            }
            // The pipeline's log lines carry the request's id.
            .instrument(tracing::Span::current()),
        );
        Ok((input, rx))
    }

    /// Starts an utterance of a whole text (the request's `input`).
    pub fn speak(
        self: &Arc<Self>,
        request: SpeechRequest,
        permit: Option<Permit>,
    ) -> Result<AudioStream> {
        let (input, audio) = self.start(request, permit)?;
        input.finish();
        Ok(audio)
    }

    /// The whole of a request's audio, encoded, as one file (within
    /// [`Settings::max_file_audio`]).
    pub async fn render(self: &Arc<Self>, request: SpeechRequest) -> Result<(Vec<u8>, Stats)> {
        let (format, rate) = (request.format(), self.sample_rate(request.voice())?);
        let audio = self.speak(request, None)?;
        let (file, whole) = collect_file(audio, format, rate, self.settings.max_file_audio).await?;
        Ok((file, whole.stats))
    }

    /// A few inferences of different lengths on each engine (in its default voice), so the
    /// first request is not the slow one.
    pub async fn warm_up(self: &Arc<Self>) -> Result<Duration> {
        let started = Instant::now();
        let voices: Vec<String> = self
            .voices
            .engines()
            .filter_map(|engine| self.voices.default_of(engine))
            .map(str::to_owned)
            .collect();
        for voice in voices {
            if self.voices.resolve(&voice).is_err() {
                continue;
            }
            for text in ["Hi.", "Sure, I can help with that."] {
                let mut params = SpeechParams::new(text, voice.clone());
                params.response_format = Some("pcm".into());
                params.stream = Some(false);
                let request = self.validate(params, Input::Required)?;
                self.render(request).await?;
            }
        }
        Ok(started.elapsed())
    }
}

/// What an utterance collected whole ([`collect`]) said besides its audio.
#[derive(Debug)]
pub struct Whole {
    /// Its words, with their times.
    pub words: Vec<WordTime>,
    pub stats: Stats,
}

/// Reads an utterance's events to the end, for a response sent whole: each chunk's encoded
/// bytes go to `sink` as they come (into the response's one buffer: nothing else keeps
/// them), its words are kept. Audio past `limit` (at `rate` samples a second) is refused
/// before its bytes are taken: an error on `stream`, and the utterance stops (its stream is
/// dropped with it).
pub async fn collect(
    mut audio: AudioStream,
    rate: u32,
    limit: Option<Duration>,
    mut sink: impl FnMut(&[u8]),
) -> Result<Whole> {
    let most = limit.map(|l| l.as_secs_f64() * f64::from(rate));
    let (mut samples, mut words) = (0usize, Vec::new());
    while let Some(event) = audio.recv().await {
        match event? {
            Event::Audio(chunk) => {
                samples += chunk.samples;
                let over = most.is_some_and(|m| samples as f64 > m);
                let surely_over = match (limit, chunk.expected) {
                    (Some(limit), Some(expected)) => {
                        expected.as_secs_f64() > limit.as_secs_f64() * EXPECTED_MARGIN
                    }
                    _ => false,
                };
                if let Some(limit) = limit.filter(|_| over || surely_over) {
                    return Err(file_too_long(limit));
                }
                sink(&chunk.bytes);
                words.extend(chunk.words);
            }
            Event::Done(stats) => return Ok(Whole { words, stats }),
        }
    }
    Err(Error::Internal(
        "the speech pipeline ended without finishing".into(),
    ))
}

/// How far over the limit an utterance's expected audio ([`AudioChunk::expected`]) must be
/// for [`collect`] to refuse it at once, before the audio is made: the guess counts a
/// character an id for text not phonemized yet (English has about 1.3 characters an id),
/// so a text near the limit is refused by its audio, never by the guess.
const EXPECTED_MARGIN: f64 = 2.0;

/// [`collect`] into one buffer, the file completed ([`crate::audio::Format::seal`]: a WAV
/// header's sizes).
pub async fn collect_file(
    audio: AudioStream,
    format: crate::audio::Format,
    rate: u32,
    limit: Option<Duration>,
) -> Result<(Vec<u8>, Whole)> {
    let mut file = Vec::new();
    let whole = collect(audio, rate, limit, |bytes| file.extend_from_slice(bytes)).await?;
    let len = file.len();
    format.seal(&mut file, len);
    Ok((file, whole))
}

/// The refusal of a response sent whole whose audio passes `limit`.
fn file_too_long(limit: Duration) -> Error {
    let (amount, unit) = match limit.as_secs() {
        s if s > 0 && s % 60 == 0 && limit.subsec_nanos() == 0 => ((s / 60).to_string(), "minute"),
        _ => {
            let seconds = format!("{:.3}", limit.as_secs_f64());
            (
                seconds
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned(),
                "second",
            )
        }
    };
    let plural = if amount == "1" { "" } else { "s" };
    let limit = format!("{amount} {unit}{plural}");
    Error::invalid(
        "stream",
        format!(
            "the audio is longer than the {limit} a response with stream: false may hold \
             (the server's --max-file-minutes); ask with \"stream\": true to have it as it is \
             made, or send the text in parts"
        ),
    )
}

/// The core on the test engine, for the library's own tests.
#[cfg(test)]
pub(crate) fn tone(
    cost: crate::engine::tone::SimulatedCost,
    settings: Settings,
) -> Arc<Synthesizer> {
    let engine = Arc::new(crate::engine::tone::ToneFactory::new(cost));
    test_core(vec![engine], settings)
}

/// The core on two test engines: the tone engine (16 kHz, word times) first, and one of
/// Piper's shape beside it (`beep`: 22,050 Hz, no word times).
#[cfg(test)]
pub(crate) fn tone_pair(
    cost: crate::engine::tone::SimulatedCost,
    settings: Settings,
) -> Arc<Synthesizer> {
    use crate::engine::tone::ToneFactory;
    test_core(
        vec![
            Arc::new(ToneFactory::new(cost)),
            Arc::new(ToneFactory::piper_like(cost)),
        ],
        settings,
    )
}

/// The core on test engines, without a cache.
#[cfg(test)]
fn test_core(engines: Vec<Arc<dyn EngineFactory>>, settings: Settings) -> Arc<Synthesizer> {
    let config = CoreConfig {
        cache_bytes: 0,
        settings,
        ..CoreConfig::default()
    };
    match Synthesizer::build_all(engines, &config, Arc::new(Metrics::new())) {
        Ok(synth) => Arc::new(synth),
        Err(e) => panic!("the test engines start: {e}"),
    }
}

#[cfg(test)]
mod tests;
