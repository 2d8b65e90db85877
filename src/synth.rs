//! The pipeline: an utterance's text, in pieces, in; its encoded audio out, chunk by chunk.
//!
//! [`Synthesizer::start`] returns a [`TextInput`] (where the text goes: whole, or as it is
//! written) and an [`AudioStream`] (what comes out). The text is cut into segments as it
//! arrives (`text::segment`), each segment normalized into sentences and phonemized as the
//! plan reaches it (`text::plan`), each chunk queued for the model with the utterance's one
//! deadline clock (the moment its client runs out of audio), shaped (trimmed, faded,
//! paused) and encoded. A whole text is a stream of one piece: the same path.
//!
//! The pipeline runs as a task that feeds a small channel; when the receiver is dropped (the
//! client went away) the task stops, and the job it was waiting on is withdrawn from the
//! queue. Nothing here logs a failure: it is reported (and logged) by the front end that
//! tells its client.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tracing::Instrument;

use crate::audio::{Encoder, apply_gain, shape};
use crate::captions::{Placement, Timeline, WordTime};
use crate::engine::cost::Cost;
use crate::engine::{Job, ModelSpec, Scheduler};
use crate::language::Language;
use crate::metrics::Metrics;
use crate::request::{
    Input, Limits, SPEED_RANGE, SpeechParams, SpeechRequest, VoiceAliases, check_length,
};
use crate::text::markup::{self, Item, MAX_TOTAL_PAUSE, MarkupOptions};
use crate::text::plan::ChunkPlan;
use crate::text::segment::{Segment, Segmenter};
use crate::text::{Boundary, TextFrontend};
use crate::voice::{Voice, Voices};
use crate::{Error, Result};

/// Runs CPU work (G2P, encoding) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("blocking task failed: {e}")))
}

/// Encodes samples off the async threads; the encoder comes back with its bytes.
async fn encode(
    mut encoder: Box<dyn Encoder>,
    pcm: Vec<f32>,
) -> Result<(Box<dyn Encoder>, Result<Bytes>)> {
    blocking(move || {
        let bytes = encoder.push(&pcm);
        (encoder, bytes)
    })
    .await
}

/// Server-wide choices of how text is cut.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub limits: Limits,
    /// Speak an utterance's first clause alone first, for an early first audio; off, the
    /// first sentence goes whole.
    pub first_clause: bool,
    /// Real-time streams admitted at once, set by the operator; `None`: reckoned from what
    /// calls and streams cost ([`Synthesizer::capacity`]).
    pub capacity: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            first_clause: true,
            capacity: None,
        }
    }
}

/// Everything an utterance needs, shared by all of them: built once by the composition root.
pub struct Synthesizer {
    spec: ModelSpec,
    frontend: TextFrontend,
    voices: Voices,
    scheduler: Scheduler,
    settings: Settings,
    metrics: Arc<Metrics>,
    load: Load,
    /// What streamed utterances have cost end to end: compute seconds per second of audio,
    /// the recent ones weighing most (`None` before the first).
    stream_cost: std::sync::Mutex<Option<f64>>,
}

/// The share of the workers' time planned on when counting how many streams fit: the rest
/// absorbs the queueing and the machine's noise.
const TARGET_UTILIZATION: f64 = 0.8;
/// The chunk size capacity is reckoned at, in ids: a mid-sized sentence, between the short
/// first chunks and the longest.
const TYPICAL_CHUNK_IDS: usize = 120;
/// The weight of the newest stream in [`Synthesizer::stream_cost`].
const STREAM_COST_WEIGHT: f64 = 0.3;
/// Streams shorter than this say little about a stream's cost (one or two chunks).
const STREAM_COST_MIN_AUDIO: Duration = Duration::from_secs(3);
/// Bounds of the `Retry-After` a refused request gets.
const RETRY_AFTER: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// The utterances running now, and the ids each has left to speak (when its text is known):
/// the load, and when it will ease.
#[derive(Debug, Default)]
struct Load {
    next: std::sync::atomic::AtomicU64,
    remaining: std::sync::Mutex<std::collections::HashMap<u64, usize>>,
}

/// An utterance's place in the [`Load`], given back when the pipeline ends.
struct Running<'a> {
    load: &'a Load,
    id: u64,
}

impl Load {
    fn start(&self) -> Running<'_> {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().insert(id, 0);
        Running { load: self, id }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<u64, usize>> {
        self.remaining.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Running<'_> {
    fn left(&self, ids: usize) {
        self.load.lock().insert(self.id, ids);
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.load.lock().remove(&self.id);
    }
}

/// Held while an utterance runs: its admission permit (released when both the pipeline and
/// the front end's response are done with it).
pub type Permit = Arc<OwnedSemaphorePermit>;

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
}

/// An utterance's output: `Ok(Event::Audio)`s, then `Ok(Event::Done)` or one `Err`.
pub type AudioStream = mpsc::Receiver<Result<Event>>;

/// What the text side sends the pipeline.
enum Text {
    /// A segment (plain text, its markup read), and when it was complete.
    Segment(Segment, Instant),
    /// Markup between segments: a pause, a voice or speed from here on, a word with its
    /// phonemes (never [`Item::Text`] or [`Item::Alias`]: those come as segments).
    Mark(Item, Instant),
    /// The input cannot go on (it went over the limit): the utterance fails with this.
    Fail(Error),
}

/// Where an utterance's text goes, in pieces of any size. Dropping it without
/// [`TextInput::finish`] also ends the input.
pub struct TextInput {
    segmenter: Option<Segmenter>,
    segments: mpsc::UnboundedSender<Text>,
    received: usize,
    limits: Limits,
    /// How streamed pieces' markup is read: segment by segment, as each is cut. `None`
    /// once a whole input's items (read already) went in.
    markup: Option<MarkupOptions>,
}

impl TextInput {
    /// Adds text. Over the input limit, the piece is refused and the utterance fails with
    /// the same error (nothing is spoken in part as if it were whole).
    pub fn push(&mut self, piece: &str) -> Result<()> {
        let chars = self.received + piece.chars().count();
        if let Err(e) = check_length(chars, self.limits) {
            if self.segmenter.take().is_some() {
                let _ = self.segments.send(Text::Fail(Error::invalid(
                    "input",
                    format!(
                        "the streamed input went over the limit of {} characters",
                        self.limits.max_input_chars
                    ),
                )));
            }
            return Err(e);
        }
        self.received = chars;
        let segments = match &mut self.segmenter {
            Some(segmenter) => segmenter.push(piece),
            None => Vec::new(),
        };
        for segment in segments {
            self.emit(segment);
        }
        Ok(())
    }

    /// Speaks what has arrived now, even without a sentence end.
    pub fn flush(&mut self) {
        if let Some(segment) = self.segmenter.as_mut().and_then(Segmenter::flush) {
            self.emit(segment);
        }
    }

    /// Speaks what has arrived up to its last whole word (the writer paused mid-sentence).
    /// Not while a `[` tag is unclosed: half a tag would be read as words.
    pub fn flush_words(&mut self) {
        let pending = self.pending();
        if self.markup.is_some_and(|m| m.tags) && pending.rfind('[') > pending.rfind(']') {
            return;
        }
        if let Some(segment) = self.segmenter.as_mut().and_then(Segmenter::flush_words) {
            self.emit(segment);
        }
    }

    /// Sends a cut segment of streamed text, its markup read: its text as segments, its
    /// markup as marks. Markup that cannot be read ends the utterance with the error.
    fn emit(&mut self, segment: Segment) {
        let at = Instant::now();
        let Some(options) = self.markup else {
            let _ = self.segments.send(Text::Segment(segment, at));
            return;
        };
        let items = match markup::parse(&segment.text, options) {
            Ok(items) => items,
            Err(e) => {
                self.segmenter = None;
                let _ = self.segments.send(Text::Fail(e));
                return;
            }
        };
        for item in items {
            let text = match item {
                Item::Text(text) | Item::Alias { spoken: text, .. } => Text::Segment(
                    Segment {
                        text,
                        cut: segment.cut,
                    },
                    at,
                ),
                mark => Text::Mark(mark, at),
            };
            let _ = self.segments.send(text);
        }
    }

    /// Sends a whole input's items, read at validation: text through the segmenter (so the
    /// first clause still goes first), markup in its place between.
    fn push_items(&mut self, items: Vec<Item>) {
        self.markup = None;
        let Some(segmenter) = self.segmenter.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        for item in items {
            match item {
                Item::Text(text) | Item::Alias { spoken: text, .. } => {
                    self.received += text.chars().count();
                    out.extend(segmenter.push(&text));
                    // A space between pieces, so two never run into one word.
                    out.extend(segmenter.push(" "));
                }
                mark => {
                    out.extend(segmenter.flush());
                    let at = Instant::now();
                    let send = |t| {
                        let _ = self.segments.send(t);
                    };
                    for segment in out.drain(..) {
                        send(Text::Segment(segment, at));
                    }
                    send(Text::Mark(mark, at));
                }
            }
        }
        let at = Instant::now();
        for segment in out {
            let _ = self.segments.send(Text::Segment(segment, at));
        }
    }

    /// Adds phonemes to speak as given (every symbol checked with
    /// [`Synthesizer::check_phonemes`]), after the text before them.
    pub fn push_phonemes(&mut self, phonemes: &str) -> Result<()> {
        let chars = self.received + phonemes.chars().count();
        check_length(chars, self.limits)?;
        self.received = chars;
        self.flush();
        let _ = self.segments.send(Text::Mark(
            Item::Phonemes {
                written: String::new(),
                phonemes: phonemes.to_owned(),
            },
            Instant::now(),
        ));
        Ok(())
    }

    /// No more text: the rest is spoken, then the stream ends.
    pub fn finish(mut self) {
        self.close();
    }

    /// Characters received so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Text received that no cut has completed yet.
    pub fn pending(&self) -> &str {
        self.segmenter.as_ref().map_or("", Segmenter::pending)
    }

    fn close(&mut self) {
        if let Some(segment) = self.segmenter.take().and_then(Segmenter::finish) {
            self.emit(segment);
        }
    }
}

/// Feeds text as it arrives into `input`: each piece pushed, what has waited
/// `flush_after` without a sentence end spoken up to its last whole word, the rest spoken
/// when the pieces end. Returns the first error (the input limit); the input is finished
/// either way.
pub async fn feed<S>(mut input: TextInput, mut pieces: S, flush_after: Duration) -> Result<()>
where
    S: futures_util::Stream<Item = String> + Unpin,
{
    use futures_util::StreamExt;
    let mut last = tokio::time::Instant::now();
    loop {
        let pending = !input.pending().trim().is_empty();
        tokio::select! {
            piece = pieces.next() => match piece {
                Some(piece) => {
                    input.push(&piece)?;
                    last = tokio::time::Instant::now();
                }
                None => break,
            },
            _ = tokio::time::sleep_until(last + flush_after), if pending => {
                input.flush_words();
                last = tokio::time::Instant::now();
            }
        }
    }
    input.finish();
    Ok(())
}

/// Bytes that arrive in pieces, as text: a character split between two pieces waits for
/// its rest; bytes that are not UTF-8 become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    carry: Vec<u8>,
}

impl Utf8Pieces {
    /// The text completed by `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.carry.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.carry) {
            Ok(s) => s.len(),
            // An incomplete character at the end waits.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                let text = String::from_utf8_lossy(&self.carry).into_owned();
                self.carry.clear();
                return text;
            }
        };
        let rest = self.carry.split_off(valid);
        let text = std::mem::replace(&mut self.carry, rest);
        String::from_utf8(text).unwrap_or_default()
    }

    /// What is left at the end (an incomplete character becomes U+FFFD).
    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.carry).into_owned()
    }
}

impl Drop for TextInput {
    fn drop(&mut self) {
        self.close();
    }
}

impl Synthesizer {
    pub fn new(
        spec: ModelSpec,
        frontend: TextFrontend,
        voices: Voices,
        scheduler: Scheduler,
        settings: Settings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Synthesizer {
            spec,
            frontend,
            voices,
            scheduler,
            settings,
            metrics,
            load: Load::default(),
            stream_cost: std::sync::Mutex::new(None),
        }
    }

    /// How many real-time streams the workers can keep playing: their time (less a margin)
    /// over what one stream needs, by the cost model at a typical chunk size, and by what
    /// streamed utterances have really cost (first chunks, cut clauses and all), whichever
    /// is fewer; or the operator's number (`--capacity`). At least one, so a slow machine
    /// still serves one at a time; `None` before any call was measured.
    pub fn capacity(&self) -> Option<usize> {
        let capacity = match self.settings.capacity {
            Some(n) => n.max(1),
            None => {
                let workers = self.scheduler.workers();
                let modelled = capacity(&self.scheduler.cost()?, workers);
                let measured = *self.stream_cost.lock().unwrap_or_else(|p| p.into_inner());
                measured.map_or(modelled, |rtf| modelled.min(streams_at(rtf, workers)))
            }
        };
        self.metrics
            .capacity_streams
            .set(i64::try_from(capacity).unwrap_or(i64::MAX));
        Some(capacity)
    }

    /// A streamed utterance's end-to-end cost, into [`Synthesizer::stream_cost`].
    fn learn_stream_cost(&self, stats: &Stats) {
        if stats.audio < STREAM_COST_MIN_AUDIO {
            return;
        }
        let rtf = stats.compute.as_secs_f64() / stats.audio.as_secs_f64();
        let mut cost = self.stream_cost.lock().unwrap_or_else(|p| p.into_inner());
        *cost = Some(cost.map_or(rtf, |old| old + STREAM_COST_WEIGHT * (rtf - old)));
    }

    /// Utterances running now.
    pub fn load(&self) -> usize {
        self.load.lock().len()
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

    /// When a refused client should come back: when the utterance with the least left is
    /// expected to be done, at its share of the workers, by the cost model (a streamed text
    /// whose end is unknown counts what it has).
    pub fn retry_after(&self) -> Duration {
        let Some(cost) = self.scheduler.cost() else {
            return RETRY_AFTER.0;
        };
        let remaining = self.load.lock();
        let share = (self.scheduler.workers() as f64 / remaining.len().max(1) as f64).min(1.0);
        let soonest = remaining
            .values()
            .map(|&ids| cost.of(ids).as_secs_f64() / share)
            .fold(f64::INFINITY, f64::min);
        if soonest.is_finite() {
            Duration::from_secs_f64(soonest).clamp(RETRY_AFTER.0, RETRY_AFTER.1)
        } else {
            RETRY_AFTER.0
        }
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }
    pub fn voices(&self) -> &Voices {
        &self.voices
    }
    pub fn frontend(&self) -> &TextFrontend {
        &self.frontend
    }
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }
    pub fn settings(&self) -> Settings {
        self.settings
    }
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Checks a request's parameters against this server's voices, limits and vocabulary
    /// (phonemes given in the input).
    pub fn validate(&self, params: SpeechParams, input: Input) -> Result<SpeechRequest> {
        let request = params.validate(&self.voices, self.settings.limits, input)?;
        for item in request.items().unwrap_or_default() {
            if let Item::Phonemes { phonemes, .. } = item {
                self.check_phonemes("input", phonemes)?;
            }
        }
        Ok(request)
    }

    /// Phonemes a client gives are spoken as given, so each symbol must be the model's: an
    /// unknown one is an error, never dropped in silence.
    pub fn check_phonemes(&self, param: &'static str, phonemes: &str) -> Result<()> {
        let vocab = self.frontend.vocab();
        let mut unknown: Vec<char> = phonemes.chars().filter(|&c| !vocab.contains(c)).collect();
        unknown.dedup();
        if unknown.is_empty() {
            return Ok(());
        }
        let listed: String = unknown.iter().take(8).flat_map(|c| [*c, ' ']).collect();
        Err(Error::invalid(
            param,
            format!(
                "phonemes '{}' has symbols the model does not know: {}(the model's are \
                 listed in Kokoro's vocab.json)",
                crate::error::clip(phonemes, crate::error::MAX_QUOTED),
                listed
            ),
        ))
    }

    /// A text's phonemes as the pipeline reads them (normalized, sentence by sentence,
    /// joined by spaces) and their token ids: Kokoro-FastAPI's `/dev/phonemize`.
    pub fn phonemize(&self, text: &str, language: Language) -> Result<(String, Vec<i64>)> {
        if !language.speaks() {
            return Err(Error::UnsupportedLanguage {
                language: language.row().name,
                param: "language",
            });
        }
        let options = crate::text::NormalizationOptions::default();
        let mut phonemes = String::new();
        for sentence in self.frontend.sentences(text, language, &options) {
            let said = self.frontend.phonemes(&sentence, language)?;
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
        let ids = self.frontend.vocab().encode(&phonemes);
        Ok((phonemes, ids))
    }

    /// Starts an utterance. Its text (the request's `input` first, if any) goes into the
    /// returned [`TextInput`]; its audio comes out of the [`AudioStream`]. `permit` is held
    /// until the pipeline ends.
    pub fn start(
        self: &Arc<Self>,
        mut request: SpeechRequest,
        permit: Option<Permit>,
    ) -> Result<(TextInput, AudioStream)> {
        let encoder = request
            .format()
            .encoder(self.spec.sample_rate, request.stream())?;
        let (segments_tx, segments_rx) = mpsc::unbounded_channel();
        let mut input = TextInput {
            segmenter: Some(Segmenter::new(self.settings.first_clause)),
            segments: segments_tx,
            received: 0,
            limits: self.settings.limits,
            markup: Some(request.markup()),
        };
        match request.take_items() {
            Some(items) => input.push_items(items),
            None => {
                if let Some(text) = request.take_text() {
                    input.push(&text)?;
                }
            }
        }
        // A few chunks of slack: the encoder's output waits here while the client reads.
        let (tx, rx) = mpsc::channel(4);
        let synth = Arc::clone(self);
        let streaming = request.stream();
        tokio::spawn(
            async move {
                let _permit = permit;
                synth.metrics.active_streams.inc();
                synth.update_load_ratio();
                // A panic in one utterance's pipeline fails that utterance only, as an error
                // (never as a stream that merely ends early and looks complete).
                let result =
                    AssertUnwindSafe(Arc::clone(&synth).run(request, encoder, segments_rx, &tx))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            Err(Error::Internal("the speech pipeline panicked".into()))
                        });
                synth.metrics.active_streams.dec();
                synth.update_load_ratio();
                match result {
                    Ok(Some(stats)) => {
                        if streaming {
                            synth.learn_stream_cost(&stats);
                        }
                        tracing::info!(
                            chunks = stats.chunks,
                            audio_s = stats.audio.as_secs_f32(),
                            compute_s = stats.compute.as_secs_f32(),
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

    /// The whole of a request's audio, encoded (the CLI's path, and `stream: false`).
    pub async fn render(self: &Arc<Self>, request: SpeechRequest) -> Result<(Vec<u8>, Stats)> {
        let mut audio = self.speak(request, None)?;
        let mut out = Vec::new();
        while let Some(event) = audio.recv().await {
            match event? {
                Event::Audio(chunk) => out.extend_from_slice(&chunk.bytes),
                Event::Done(stats) => return Ok((out, stats)),
            }
        }
        Err(Error::Internal(
            "the speech pipeline ended without finishing".into(),
        ))
    }

    /// A few inferences of different lengths, so the first request is not the slow one.
    pub async fn warm_up(self: &Arc<Self>) -> Result<Duration> {
        let started = Instant::now();
        let Some(language) = crate::language::Language::spoken().next() else {
            return Ok(Duration::ZERO);
        };
        let Some(voice) = self.voices.default_for(language).map(str::to_owned) else {
            return Ok(Duration::ZERO);
        };
        for text in ["Hi.", "Sure, I can help with that."] {
            let mut params = SpeechParams::new(text, voice.clone());
            params.response_format = Some("pcm".into());
            params.stream = Some(false);
            let request = self.validate(params, Input::Required)?;
            self.render(request).await?;
        }
        Ok(started.elapsed())
    }

    /// The pipeline of one utterance; `Ok(None)` when the client left before the end.
    async fn run(
        self: Arc<Self>,
        request: SpeechRequest,
        mut encoder: Box<dyn Encoder>,
        mut segments: mpsc::UnboundedReceiver<Text>,
        tx: &mpsc::Sender<Result<Event>>,
    ) -> Result<Option<Stats>> {
        let rate = self.spec.sample_rate;
        let streaming = request.stream();
        let mut stats = Stats::default();
        let mut marks = Marks {
            voices: vec![request.voice().clone()],
            names: vec![Arc::from(request.voice().name.as_str())],
            explicit_language: request.explicit_language(),
            aliases: request.voice_aliases().clone(),
            paused: Duration::ZERO,
        };
        // The header goes out with the first audio, so the first item is audio or an error.
        let mut header = Some(encoder.header());
        let mut plan = ChunkPlan::new(
            request.language(),
            request.normalization(),
            self.spec.max_ids,
        );
        let mut input_open = true;
        let running = self.load.start();
        let mut arrival = Arrival::default();
        // Wall time at which the audio sent so far runs out at the client.
        let mut playhead: Option<Instant> = None;
        // Whether the last chunk came after the client ran out (its text was here in time).
        let mut late = false;
        // The pause owed after the last chunk, held back while the input is open and nothing
        // followed yet: it goes before the next chunk, or nowhere if none comes.
        let mut owed_pause: Option<Boundary> = None;
        // Word times, and the samples sent so far (where the next chunk's audio begins).
        let mut timeline = Timeline::default();
        let mut sent: usize = 0;
        loop {
            // Take what has arrived, so the plan knows whether more follows its next chunk.
            loop {
                match segments.try_recv() {
                    Ok(text) => {
                        stats.chars += self.absorb(text, &mut plan, &mut marks, &mut arrival)?;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        input_open = false;
                        break;
                    }
                }
            }
            if plan.is_empty() {
                if !input_open {
                    break;
                }
                tokio::select! {
                    text = segments.recv() => match text {
                        Some(text) => {
                            stats.chars += self.absorb(text, &mut plan, &mut marks, &mut arrival)?;
                        }
                        None => input_open = false,
                    },
                    _ = tx.closed() => return Ok(None),
                }
                continue;
            }
            // Only a streamed response plays while it is made; a whole file is fastest in
            // whole sentences.
            let cap = playhead
                .filter(|_| streaming)
                .and_then(|p| self.chunk_cap(p, late));
            // G2P of a new sentence runs off the async threads.
            let synth = Arc::clone(&self);
            let (back, chunk) = blocking(move || {
                let chunk = plan.next(&synth.frontend, cap);
                (plan, chunk)
            })
            .await?;
            plan = back;
            let Some(mut chunk) = chunk? else {
                continue;
            };
            let chunk_words = std::mem::take(&mut chunk.words);
            stats.ids += chunk.ids.len();
            let ready_at = arrival.current.unwrap_or_else(Instant::now);
            let deadline = playhead.map_or(ready_at, |p| p.max(ready_at));
            let v = chunk.voice as usize;
            let (lo, hi) = SPEED_RANGE;
            let job = Job {
                ids: chunk.ids,
                voice: Arc::clone(&marks.voices[v].style),
                voice_name: Arc::clone(&marks.names[v]),
                speed: (request.speed() * chunk.speed).clamp(lo, hi),
                deadline,
            };
            let inferred = tokio::select! {
                r = self.scheduler.infer(job) => r?,
                _ = tx.closed() => return Ok(None),
            };
            stats.compute += inferred.compute;
            self.metrics
                .observe_inference(inferred.compute, inferred.queued);
            // A model that returns no sound, or not-numbers, has failed: never an empty 200.
            let durations = inferred.speech.durations;
            let speech = inferred.speech.samples;
            if speech.is_empty() || speech.iter().any(|s| !s.is_finite()) {
                return Err(Error::Inference(format!(
                    "the model returned no valid audio for {} ids",
                    stats.ids
                )));
            }
            // What follows this chunk: more planned text, text still to come, or nothing.
            match segments.try_recv() {
                Ok(text) => {
                    stats.chars += self.absorb(text, &mut plan, &mut marks, &mut arrival)?
                }
                Err(TryRecvError::Disconnected) => input_open = false,
                Err(TryRecvError::Empty) => {}
            }
            let more_planned = !plan.is_empty();
            running.left(plan.remaining_ids());
            let (mut pcm, trimmed) = shape::trim_counting(speech, rate);
            let own = pcm.len();
            let mut before = 0;
            // A pause the input asked for replaces the one the last chunk's ending owes.
            let owed = match (chunk.pause_before, owed_pause.take()) {
                (Some(length), _) => Some(shape::silence(length, 1 + usize::from(sent > 0), rate)),
                (None, Some(boundary)) => Some(shape::pause(boundary, rate)),
                (None, None) => None,
            };
            if let Some(mut paused) = owed {
                before = paused.len();
                paused.append(&mut pcm);
                pcm = paused;
            }
            let words = durations.map_or_else(Vec::new, |durations| {
                let at = Placement {
                    offset: sent + before,
                    trimmed,
                    len: own,
                    sample_rate: rate,
                };
                timeline.chunk(&chunk_words, &durations, at, plan.next_caption(), |i| {
                    plan.caption(i)
                })
            });
            if more_planned {
                // Unless the input asked for its own pause here: the next chunk brings it.
                if plan.pause_next().is_none() {
                    pcm.extend(shape::pause(chunk.boundary, rate));
                }
            } else if input_open {
                owed_pause = Some(chunk.boundary);
            }
            apply_gain(&mut pcm, request.gain());
            let samples = pcm.len();
            sent += samples;
            stats.samples += samples;
            let audio = Duration::from_secs_f64(self.spec.seconds(samples));
            let (back, bytes) = encode(encoder, pcm).await?;
            encoder = back;
            let bytes = match header.take() {
                Some(h) if !h.is_empty() => [h, bytes?].concat().into(),
                _ => bytes?,
            };
            stats.chunks += 1;
            stats.audio += audio;
            self.metrics.audio_seconds.inc_by(audio.as_secs_f64());
            let now = Instant::now();
            match playhead {
                None => {
                    let start = arrival.first.unwrap_or(now);
                    self.metrics
                        .time_to_first_audio
                        .observe(now.duration_since(start).as_secs_f64());
                }
                // A gap the client hears, when the text was here before it ran out.
                Some(p) if streaming && now > p && ready_at <= p => {
                    self.metrics.stall.observe((now - p).as_secs_f64());
                    late = true;
                }
                _ => late = false,
            }
            playhead = Some(playhead.map_or(now, |p| p.max(now)) + audio);
            if !bytes.is_empty()
                && tx
                    .send(Ok(Event::Audio(AudioChunk {
                        bytes,
                        samples,
                        words,
                    })))
                    .await
                    .is_err()
            {
                return Ok(None);
            }
        }
        // Silence asked for after everything said (or an input that is only a pause).
        let trailing = plan.take_trailing_pause();
        if stats.chunks == 0 && trailing.is_none() {
            return Err(Error::invalid(
                "input",
                "input has nothing to speak (no words after normalization)",
            ));
        }
        let mut tail = Bytes::new();
        if let Some(length) = trailing {
            let pcm = shape::silence(length, usize::from(sent > 0), rate);
            let audio = Duration::from_secs_f64(self.spec.seconds(pcm.len()));
            stats.samples += pcm.len();
            stats.audio += audio;
            let (back, bytes) = encode(encoder, pcm).await?;
            encoder = back;
            tail = bytes?;
        }
        let finished = encoder.finish()?;
        if !finished.is_empty() {
            tail = [tail, finished].concat().into();
        }
        if let Some(h) = header.take().filter(|h| !h.is_empty()) {
            tail = [h, tail].concat().into();
        }
        let words: Vec<WordTime> = timeline.finish(|i| plan.caption(i)).into_iter().collect();
        if (!tail.is_empty() || !words.is_empty())
            && tx
                .send(Ok(Event::Audio(AudioChunk {
                    bytes: tail,
                    samples: 0,
                    words,
                })))
                .await
                .is_err()
        {
            return Ok(None);
        }
        Ok(Some(stats))
    }

    /// Takes what the text side sent into the plan: a segment's sentences (remembering when
    /// text arrived, for deadlines and time to first audio), or the failure that ends the
    /// utterance. Returns the segment's characters.
    fn absorb(
        &self,
        text: Text,
        plan: &mut ChunkPlan,
        marks: &mut Marks,
        arrival: &mut Arrival,
    ) -> Result<usize> {
        match text {
            Text::Mark(item, at) => {
                arrival.note(at, plan.is_empty());
                marks.apply(item, plan, &self.frontend, &self.voices)
            }
            Text::Segment(segment, at) => {
                arrival.note(at, plan.is_empty());
                plan.add(&self.frontend, &segment);
                Ok(segment.text.chars().count())
            }
            Text::Fail(e) => Err(e),
        }
    }

    /// The most phoneme ids a stream's next chunk should have so that it is synthesized
    /// before the client plays out what it has (until `playhead`), given this stream's
    /// share of the workers and what a call costs (a fixed part and a part per id), and
    /// whether the last chunk came too late. `None` before any call has been measured.
    fn chunk_cap(&self, playhead: Instant, late: bool) -> Option<usize> {
        let cost = self.scheduler.cost()?;
        let slack = playhead.saturating_duration_since(Instant::now());
        let streams = self.metrics.active_streams.get().max(1) as usize;
        let share = share(self.scheduler.workers(), streams);
        let cap = chunk_cap(&cost, slack, share, late);
        tracing::debug!(
            slack_ms = slack.as_millis() as u64,
            share,
            late,
            fixed = cost.fixed,
            per_id = cost.per_id,
            audio_per_id = cost.audio_per_id,
            cap,
            "chunk cap"
        );
        Some(cap)
    }
}

/// When an utterance's text came: deadlines and time to first audio start there.
#[derive(Default)]
struct Arrival {
    /// The text the plan is working on (set when text finds the plan empty).
    current: Option<Instant>,
    /// The utterance's first text: its start.
    first: Option<Instant>,
}

impl Arrival {
    fn note(&mut self, at: Instant, plan_empty: bool) {
        if plan_empty {
            self.current = Some(at);
        }
        self.first.get_or_insert(at);
    }
}

/// An utterance's state that markup changes: the voices its text has switched to (0 is the
/// request's), and the silence it has asked for.
struct Marks {
    voices: Vec<Voice>,
    /// Each voice's name, for the scheduler's batching and logs.
    names: Vec<Arc<str>>,
    /// Whether `lang_code` set the language (then a voice switch keeps it).
    explicit_language: bool,
    /// The request's own voice names.
    aliases: VoiceAliases,
    paused: Duration,
}

impl Marks {
    /// Applies a mark to the plan; returns the characters it stands for (a given word's).
    fn apply(
        &mut self,
        item: Item,
        plan: &mut ChunkPlan,
        frontend: &TextFrontend,
        voices: &Voices,
    ) -> Result<usize> {
        let mut style = plan.style();
        match item {
            Item::Pause(length) => {
                // Streamed input is read a segment at a time: its total is bounded here.
                self.paused += length;
                if self.paused > MAX_TOTAL_PAUSE {
                    return Err(Error::invalid(
                        "input",
                        format!(
                            "the input asks for more than {} s of pauses in all",
                            MAX_TOTAL_PAUSE.as_secs()
                        ),
                    ));
                }
                plan.add_pause(length);
            }
            Item::Voice(spec) => {
                let voice = self.aliases.resolve(voices, &spec)?;
                let index = match self.voices.iter().position(|v| v.name == voice.name) {
                    Some(i) => i,
                    None => {
                        self.names.push(Arc::from(voice.name.as_str()));
                        self.voices.push(voice);
                        self.voices.len() - 1
                    }
                };
                style.voice = u32::try_from(index).unwrap_or(0);
                if !self.explicit_language {
                    style.language = self.voices[index].language;
                }
                plan.set_style(style);
            }
            Item::Speed(factor) => {
                style.speed = factor;
                plan.set_style(style);
            }
            Item::Phonemes { written, phonemes } => {
                plan.add_phonemes(frontend, &written, &phonemes);
                return Ok(written.chars().count());
            }
            // Text comes as segments; nothing else is a mark.
            Item::Text(_) | Item::Alias { .. } => {}
        }
        Ok(0)
    }
}

/// Part of the time left that a chunk's cap is planned on: the rest absorbs queueing and
/// noise. The plan prefers whole clauses within a smaller part (`plan::CLAUSE_SHARE`) and
/// cuts between words only past this one.
const SAFETY: f64 = 0.8;
/// The floor under a chunk cap: chunks at least as big as make speech 1/0.95 times as fast
/// as it plays at the stream's share (speech as trimmed: the pauses between chunks are on
/// top). In the steady simulation (tests/steady.rs) two streams of a short opener ran dry
/// for 89 ms with 0.85, 20 ms with 0.9, not at all with 0.95 or 1.0 (cuts between words
/// land a word under the floor).
const SUSTAIN: f64 = 0.95;

/// After a chunk came too late (the client ran dry while its text was here), chunks are no
/// smaller than what makes audio twice as fast as it plays at the stream's share, until one
/// is in time again: at the floor the buffer would barely grow. Measured on a loaded CPU (a
/// call's fixed part 1.4 s): without this a stream stayed in chunks of 5–30 ids to its end,
/// its audio 7–37 % longer than in whole sentences.
const RECOVER: f64 = 0.5;

/// The most ids a chunk can have and still be synthesized within `slack` (the time before
/// its client runs out of audio) at `share` of a worker's time, by `cost`; but never fewer
/// than keep the stream ahead of playback at that share (smaller chunks would cost more in
/// fixed overhead than they save, and the stream would fall further behind each time), nor,
/// when the last chunk was `late`, than catch up ([`RECOVER`]).
pub fn chunk_cap(cost: &Cost, slack: Duration, share: f64, late: bool) -> usize {
    let utilization = if late { RECOVER } else { SUSTAIN };
    cost.ids_within(slack.as_secs_f64() * share * SAFETY)
        .max(cost.sustainable_ids(share, utilization))
}

/// A stream's share of the workers when `streams` share them.
pub fn share(workers: usize, streams: usize) -> f64 {
    (workers as f64 / streams.max(1) as f64).min(1.0)
}

/// How many real-time streams `workers` can keep playing: their time (less a margin) over
/// what one stream needs at a typical chunk size, by `cost`. At least one, so a slow machine
/// still serves one at a time.
pub fn capacity(cost: &Cost, workers: usize) -> usize {
    streams_at(cost.real_time_factor(TYPICAL_CHUNK_IDS), workers)
}

/// How many streams that each cost `rtf` seconds of a worker per second of audio `workers`
/// keep playing (less a margin); at least one.
fn streams_at(rtf: f64, workers: usize) -> usize {
    let streams = workers as f64 * TARGET_UTILIZATION / rtf;
    if streams.is_finite() {
        (streams.floor() as usize).max(1)
    } else {
        usize::MAX
    }
}
