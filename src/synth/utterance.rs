//! One utterance, as a task: text from its [`Intake`] into a [`ChunkPlan`], each chunk
//! through the scheduler and the model, shaped and encoded, out to its [`AudioStream`]
//! (`super::AudioStream`) as it is made.
//!
//! [`Utterance::run`] reads as the steps it takes: wait for text and plan the next chunk
//! ([`Utterance::next_chunk`]), have the model speak it ([`Utterance::infer`]), shape it into
//! the utterance's audio ([`Utterance::shape`]), encode and send it ([`Utterance::send`]),
//! and at the end the trailing pause and the encoder's tail ([`Utterance::finish`]). The
//! state each step needs is a field, named for what it means.
//!
//! The task stops when its receiver is dropped (the client went away); the job it was
//! waiting on is withdrawn from the queue. Nothing here logs a failure: it is reported (and
//! logged) by the front end that tells its client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::intake::{Intake, Text};
use super::load::Running;
use super::marks::Marks;
use super::windows::{self, Cuts, Stitch};
use super::{AudioChunk, EngineCore, Event, Stats, Synthesizer, blocking};
use crate::audio::{Encoder, apply_gain, shape};
use crate::captions::{Placement, Timeline, WordTime};
use crate::engine::{Inferred, Job, Part, pacing};
use crate::request::{SPEED_RANGE, SpeechRequest};
use crate::text::markup::Item;
use crate::text::plan::{CallLimit, ChunkPlan};
use crate::text::segment::Segment;
use crate::text::{Boundary, Chunk};
use crate::{Error, Result};
use unicode_normalization::UnicodeNormalization;

/// Where the utterance's output goes.
type Sender = mpsc::Sender<Result<Event>>;

/// The utterance's task state.
pub(super) struct Utterance {
    synth: Arc<Synthesizer>,
    /// The engine of its voice: its facts, front end and workers.
    engine: Arc<EngineCore>,
    request: SpeechRequest,
    intake: Intake,
    plan: ChunkPlan,
    marks: Marks,
    /// The response's encoder (out while it works off the async threads).
    encoder: Option<Box<dyn Encoder>>,
    /// The encoder's header, sent with the first audio (so the first item is audio or an
    /// error).
    header: Option<Bytes>,
    tx: Sender,
    pace: Pace,
    /// The pause owed after the last chunk, held back while the input is open and nothing
    /// followed yet: it goes before the next chunk, or nowhere if none comes.
    owed_pause: Option<Boundary>,
    /// Word times across the utterance.
    timeline: Timeline,
    /// Words of chunks whose encoder held their bytes back (a whole WAV file is written at
    /// its end): they go out with the next bytes, so none is lost.
    held: Vec<WordTime>,
    /// Samples sent so far: where the next chunk's audio begins.
    sent: usize,
    /// Samples of them the model spoke (without pauses and trimmed silence), as if at the
    /// request's own speed: what its ids make, for [`Utterance::expected`].
    spoken: usize,
    stats: Stats,
    /// Its place in the server's load (the ids it has left).
    running: Running,
}

/// When text came and where playback stands: deadlines, time to first audio, stalls.
#[derive(Default)]
struct Pace {
    /// When the text the plan is working on came (set when text finds the plan empty).
    current: Option<Instant>,
    /// When the utterance's first text came: its start.
    first: Option<Instant>,
    /// Wall time at which the audio sent so far runs out at the client.
    playhead: Option<Instant>,
    /// Whether the last chunk came after the client ran out (its text was here in time).
    late: bool,
}

impl Pace {
    fn arrived(&mut self, at: Instant, plan_empty: bool) {
        if plan_empty {
            self.current = Some(at);
        }
        self.first.get_or_insert(at);
    }
}

/// A chunk the model has spoken.
struct Spoken {
    chunk: Chunk,
    inferred: Inferred,
    /// When its text was ready: its deadline is no earlier.
    ready_at: Instant,
}

/// A chunk's audio as the utterance sends it.
struct Shaped {
    pcm: Vec<f32>,
    /// Samples of it the model spoke (the rest is pauses).
    spoken: usize,
    /// The words it completes, with their times.
    words: Vec<WordTime>,
    /// When its text was ready.
    ready_at: Instant,
}

/// What became of a chunk offered to the windows.
enum Windowed {
    /// Its audio and words are sent.
    Sent,
    /// The client left.
    Left,
    /// Nothing was sent: it is to be spoken in one whole call.
    Whole,
}

/// What the utterance does next.
enum Next {
    Chunk(Chunk, Instant),
    /// The text has ended and all of it is spoken.
    End,
    /// The client has gone.
    Left,
}

impl Utterance {
    pub(super) fn new(
        synth: Arc<Synthesizer>,
        engine: Arc<EngineCore>,
        request: SpeechRequest,
        intake: Intake,
        mut encoder: Box<dyn Encoder>,
        tx: Sender,
    ) -> Self {
        let header = Some(encoder.header());
        let plan = ChunkPlan::new(
            request.language(),
            request.normalization(),
            CallLimit::new(engine.spec(), request.speed()),
        );
        let marks = Marks::new(
            request.voice().clone(),
            request.explicit_language(),
            request.voice_aliases().clone(),
        );
        let running = engine.load.start();
        Utterance {
            synth,
            engine,
            request,
            intake,
            plan,
            marks,
            encoder: Some(encoder),
            header,
            tx,
            pace: Pace::default(),
            owed_pause: None,
            timeline: Timeline::default(),
            held: Vec::new(),
            sent: 0,
            spoken: 0,
            stats: Stats::default(),
            running,
        }
    }

    /// The whole utterance; `Ok(None)` when the client left before the end.
    pub(super) async fn run(mut self) -> Result<Option<Stats>> {
        loop {
            let (chunk, ready_at) = match self.next_chunk().await? {
                Next::Chunk(chunk, ready_at) => (chunk, ready_at),
                Next::End => break,
                Next::Left => return Ok(None),
            };
            if let Some(first) = self.windowed(&chunk) {
                match self.speak_in_windows(&chunk, ready_at, first).await? {
                    Windowed::Sent => continue,
                    Windowed::Left => return Ok(None),
                    // Too short for windows to bring its audio sooner: one whole call.
                    Windowed::Whole => {}
                }
            }
            let Some(spoken) = self.infer(chunk, ready_at).await? else {
                return Ok(None);
            };
            let shaped = self.shape(spoken)?;
            if !self.send(shaped).await? {
                return Ok(None);
            }
        }
        if !self.finish().await? {
            return Ok(None);
        }
        Ok(Some(self.stats))
    }

    /// Waits for text until the plan has a chunk, and makes it (G2P of a new sentence runs
    /// off the async threads).
    async fn next_chunk(&mut self) -> Result<Next> {
        loop {
            self.take_text()?;
            if self.plan.is_empty() {
                if !self.intake.is_open() {
                    return Ok(Next::End);
                }
                tokio::select! {
                    waited = self.intake.wait() => waited?,
                    _ = self.tx.closed() => return Ok(Next::Left),
                }
                continue;
            }
            // Only a streamed response plays while it is made; a whole file is fastest in
            // whole sentences.
            let cap = self
                .pace
                .playhead
                .filter(|_| self.request.stream())
                .and_then(|p| self.chunk_cap(p));
            let started = Instant::now();
            let engine = Arc::clone(&self.engine);
            let mut plan = self.take_plan();
            let (plan, chunk) = blocking(move || {
                let chunk = plan.next(engine.frontend(), cap);
                (plan, chunk)
            })
            .await?;
            self.plan = plan;
            self.stats.times.text += started.elapsed();
            if let Some(chunk) = chunk? {
                let ready_at = self.pace.current.unwrap_or_else(Instant::now);
                return Ok(Next::Chunk(chunk, ready_at));
            }
        }
    }

    /// Takes everything the text side has ready into the plan.
    fn take_text(&mut self) -> Result<()> {
        while let Some(text) = self.intake.next() {
            self.absorb(text)?;
        }
        Ok(())
    }

    /// One thing the text side had ready, into the plan: a segment's sentences or a mark
    /// (remembering when it came, for deadlines and the time to first audio), or the
    /// failure that ends the utterance.
    fn absorb(&mut self, text: Text) -> Result<()> {
        let started = Instant::now();
        let plan_empty = self.plan.is_empty();
        let chars = match text {
            Text::Mark(item, at) => {
                self.pace.arrived(at, plan_empty);
                let (frontend, voices) = (self.engine.frontend(), self.synth.voices());
                self.marks.apply(item, &mut self.plan, frontend, voices)?
            }
            Text::Segment(segment, at) => {
                self.pace.arrived(at, plan_empty);
                let chars = segment.text.chars().count();
                self.add_segment(segment)?;
                chars
            }
            Text::Fail(e) => return Err(e),
        };
        self.stats.chars += chars;
        self.stats.times.text += started.elapsed();
        Ok(())
    }

    /// A segment into the plan, the words the request's lexicons list as the markup they
    /// make (an alias, given phonemes), matched in the language in force where it is. Each
    /// segment is matched alone: a whole text and the same text in pieces are cut into the
    /// same segments, so they are matched alike.
    fn add_segment(&mut self, segment: Segment) -> Result<()> {
        let frontend = self.engine.frontend();
        let lexicons = self.request.lexicons();
        if lexicons.is_empty() {
            self.plan.add(frontend, &segment);
            return Ok(());
        }
        // Graphemes are kept in NFC; so is the text matched against them.
        let text = if unicode_normalization::is_nfc(&segment.text) {
            segment.text
        } else {
            segment.text.nfc().collect()
        };
        let mut items = Vec::new();
        lexicons.apply(&text, self.plan.style().language, &mut items);
        for item in items {
            match item {
                Item::Text(text) => {
                    let piece = Segment {
                        text,
                        cut: segment.cut,
                    };
                    self.plan.add(frontend, &piece);
                }
                mark => {
                    self.marks
                        .apply(mark, &mut self.plan, frontend, self.synth.voices())?;
                }
            }
        }
        Ok(())
    }

    /// The plan, taken out to run off the async threads (an empty one in its place).
    fn take_plan(&mut self) -> ChunkPlan {
        let empty = ChunkPlan::new(
            self.request.language(),
            self.request.normalization(),
            CallLimit::new(self.engine.spec(), self.request.speed()),
        );
        std::mem::replace(&mut self.plan, empty)
    }

    /// The most ids the next chunk should have so that it is synthesized before the client
    /// plays out what it has (until `playhead`), given this stream's share of the workers
    /// and what a call costs; `None` before any call has been measured.
    fn chunk_cap(&self, playhead: Instant) -> Option<usize> {
        let scheduler = self.engine.scheduler();
        let cost = scheduler.cost()?;
        let slack = playhead.saturating_duration_since(Instant::now());
        // The streams sharing this engine's workers.
        let streams = self.engine.load.running().max(1);
        let share = pacing::share(scheduler.workers(), streams);
        let late = self.pace.late;
        let cap = pacing::chunk_cap(&cost, slack, share, late);
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

    /// Has the model speak a chunk, by the utterance's deadline (when its client runs out
    /// of audio); `None` when the client left meanwhile.
    async fn infer(&mut self, chunk: Chunk, ready_at: Instant) -> Result<Option<Spoken>> {
        self.stats.ids += chunk.ids.len();
        let Some(inferred) = self.call(&chunk, ready_at, Part::Whole).await? else {
            return Ok(None);
        };
        check_audio(&inferred.speech.samples, self.stats.ids)?;
        Ok(Some(Spoken {
            chunk,
            inferred,
            ready_at,
        }))
    }

    /// A spoken chunk as the utterance's audio: trimmed, with the pause owed before it (or
    /// the one the input asked for), the pause after it when more is planned, the gain; and
    /// the words it completes, placed where they are heard.
    fn shape(&mut self, spoken: Spoken) -> Result<Shaped> {
        let Spoken {
            mut chunk,
            inferred,
            ready_at,
        } = spoken;
        let rate = self.engine.spec().sample_rate;
        let more_planned = self.what_follows()?;
        let speech = inferred.speech;
        let (mut pcm, trimmed) = shape::trim_counting(speech.samples, rate);
        let own = pcm.len();
        let mut paused = self.pause_before(&chunk);
        let before = paused.len();
        paused.append(&mut pcm);
        let mut pcm = paused;
        let chunk_words = std::mem::take(&mut chunk.words);
        let words = speech.durations.map_or_else(Vec::new, |durations| {
            let at = Placement {
                offset: self.sent + before,
                trimmed,
                len: own,
                sample_rate: rate,
            };
            let plan = &self.plan;
            self.timeline
                .chunk(&chunk_words, &durations, at, plan.next_caption(), |i| {
                    plan.caption(i)
                })
        });
        self.pause_after(&chunk, more_planned, &mut pcm);
        apply_gain(&mut pcm, self.request.gain());
        Ok(Shaped {
            pcm,
            spoken: self.spoken_of(&chunk, own),
            words,
            ready_at,
        })
    }

    /// What follows the chunk being shaped: whether more text is planned (text that has
    /// come meanwhile is taken in first); the load learns what is left.
    fn what_follows(&mut self) -> Result<bool> {
        if let Some(text) = self.intake.next() {
            self.absorb(text)?;
        }
        self.running.left(self.plan.remaining_ids());
        Ok(!self.plan.is_empty())
    }

    /// The silence before a chunk: a pause the input asked for, which replaces the one the
    /// last chunk's ending owes.
    fn pause_before(&mut self, chunk: &Chunk) -> Vec<f32> {
        let rate = self.engine.spec().sample_rate;
        match (chunk.pause_before, self.owed_pause.take()) {
            (Some(length), _) => shape::silence(length, 1 + usize::from(self.sent > 0), rate),
            (None, Some(boundary)) => shape::pause(boundary, rate),
            (None, None) => Vec::new(),
        }
    }

    /// The pause after a chunk when more is planned (unless the input asked for its own
    /// there: the next chunk brings it), or owed to what may still come.
    fn pause_after(&mut self, chunk: &Chunk, more_planned: bool, pcm: &mut Vec<f32>) {
        if more_planned {
            if self.plan.pause_next().is_none() {
                pcm.extend(shape::pause(chunk.boundary, self.engine.spec().sample_rate));
            }
        } else if self.intake.is_open() {
            self.owed_pause = Some(chunk.boundary);
        }
    }

    /// The speed a chunk is spoken at: the request's, times its tags', within the model's range.
    fn speed_of(&self, chunk: &Chunk) -> f32 {
        let (lo, hi) = SPEED_RANGE;
        (self.request.speed() * chunk.speed).clamp(lo, hi)
    }

    /// The speech `own` samples of a chunk would be at the request's own speed: a part a
    /// tag made slower or faster says nothing of the rest's pace.
    fn spoken_of(&self, chunk: &Chunk, own: usize) -> usize {
        let factor = self.speed_of(chunk) / self.request.speed();
        (own as f64 * f64::from(factor)) as usize
    }

    /// The first window's length when this chunk is decoded in windows: a streamed
    /// response's first chunk, or a later one its client would otherwise wait for (less
    /// time left before it runs out than the chunk's call takes), on an engine that can.
    fn windowed(&self, chunk: &Chunk) -> Option<Duration> {
        let first = self.synth.settings().window?;
        if !self.engine.windows || !self.request.stream() {
            return None;
        }
        if windows::surely_short(chunk.ids.len(), self.speed_of(chunk), first) {
            return None;
        }
        let Some(playhead) = self.pace.playhead else {
            return Some(first);
        };
        let call = self.engine.scheduler().cost()?.of(chunk.ids.len());
        (playhead.saturating_duration_since(Instant::now()) < call).then_some(first)
    }

    /// Speaks a chunk a window at a time: the encoding, then windows, each sent as soon as
    /// it is made, the first `first` long and each later one as long as can be made before
    /// the client runs out (at least twice the one before). A chunk whose first window would
    /// decode half its frames or more is left to one whole call (`Windowed::Whole`): the
    /// encoding is then all it cost (1–2 % of a call).
    async fn speak_in_windows(
        &mut self,
        chunk: &Chunk,
        ready_at: Instant,
        first: Duration,
    ) -> Result<Windowed> {
        let rate = self.engine.spec().sample_rate;
        let Some(encoded) = self.call(chunk, ready_at, Part::Encode).await? else {
            return Ok(Windowed::Left);
        };
        let encoded = encoded
            .encoded
            .ok_or_else(|| Error::Internal("an encoding job made no encoding".into()))?;
        let words = &chunk.words;
        let mut cuts = Cuts::new(
            &encoded,
            |p| words.get(p).is_some_and(Option::is_none),
            rate,
        );
        let mut stitch = Stitch::new(encoded.frame_samples, rate);
        let mut before = self.pause_before(chunk);
        let offset = self.sent + before.len();
        let mut want = cuts.frames_of(first);
        if !cuts.pays(want) {
            return Ok(Windowed::Whole);
        }
        self.stats.ids += chunk.ids.len();
        while let Some(window) = cuts.next(want) {
            let part = Part::Decode(Arc::clone(&encoded), window);
            let Some(decoded) = self.call(chunk, ready_at, part).await? else {
                return Ok(Windowed::Left);
            };
            check_audio(&decoded.speech.samples, chunk.ids.len())?;
            let last = window.end >= encoded.frames;
            let mut pcm = stitch.push(window, encoded.frames, &decoded.speech.samples);
            if last {
                pcm.extend(stitch.finish());
            }
            if pcm.is_empty() && !last {
                continue;
            }
            let own = pcm.len();
            if !before.is_empty() {
                before.append(&mut pcm);
                pcm = std::mem::take(&mut before);
            }
            let mut words = Vec::new();
            if last {
                let more_planned = self.what_follows()?;
                if let Some(durations) = &encoded.durations {
                    let at = Placement {
                        offset,
                        trimmed: stitch.trimmed(),
                        len: stitch.given(),
                        sample_rate: rate,
                    };
                    let plan = &self.plan;
                    words = self.timeline.chunk(
                        &chunk.words,
                        durations,
                        at,
                        plan.next_caption(),
                        |i| plan.caption(i),
                    );
                }
                self.pause_after(chunk, more_planned, &mut pcm);
            }
            apply_gain(&mut pcm, self.request.gain());
            let shaped = Shaped {
                pcm,
                spoken: self.spoken_of(chunk, own),
                words,
                ready_at,
            };
            if !self.send(shaped).await? {
                return Ok(Windowed::Left);
            }
            let decoded_frames = window.span(encoded.frames).len();
            let core = window.end - window.start;
            want = self.next_window(
                core.max(want),
                decoded.compute,
                decoded_frames,
                cuts.context(),
            );
            tracing::debug!(
                start = window.start,
                end = window.end,
                frames = encoded.frames,
                decoded = decoded_frames,
                compute_ms = decoded.compute.as_millis() as u64,
                next = want,
                "window"
            );
        }
        Ok(Windowed::Sent)
    }

    /// The next window's length in frames: what this stream's share of the workers can
    /// decode (context and all, at what the last window cost a frame) before its client
    /// runs out of audio, less a margin; at least twice `last`. Fewer, longer windows sound
    /// more as the whole does (each window's normalizations see only its own frames:
    /// BENCHMARKS.md, windows), so they grow even where the slack would allow short ones.
    fn next_window(&self, last: usize, compute: Duration, decoded: usize, context: usize) -> usize {
        let per_frame = compute.as_secs_f64() / decoded.max(1) as f64;
        let slack = self.pace.playhead.map_or(Duration::ZERO, |p| {
            p.saturating_duration_since(Instant::now())
        });
        let share = pacing::share(
            self.engine.scheduler().workers(),
            self.engine.load.running(),
        );
        let frames = slack.as_secs_f64() * share * WINDOW_MARGIN / per_frame.max(1e-6);
        (frames as usize).saturating_sub(context).max(last * 2)
    }

    /// Has the scheduler make a part of a chunk's call by the utterance's deadline; `None`
    /// when the client left meanwhile.
    async fn call(
        &mut self,
        chunk: &Chunk,
        ready_at: Instant,
        part: Part,
    ) -> Result<Option<Inferred>> {
        let deadline = self.pace.playhead.map_or(ready_at, |p| p.max(ready_at));
        let job = Job {
            ids: chunk.ids.clone(),
            voice: self.marks.voice(chunk.voice).clone(),
            speed: self.speed_of(chunk),
            deadline,
            part,
        };
        let inferred = tokio::select! {
            r = self.engine.scheduler().infer(job) => r?,
            _ = self.tx.closed() => return Ok(None),
        };
        self.stats.compute += inferred.compute;
        self.stats.times.model += inferred.compute;
        self.stats.times.queue += inferred.queued;
        self.synth
            .metrics()
            .observe_inference(inferred.compute, inferred.queued);
        Ok(Some(inferred))
    }

    /// Encodes a chunk's audio and sends it with its words; false when the client left.
    async fn send(&mut self, shaped: Shaped) -> Result<bool> {
        let Shaped {
            pcm,
            spoken,
            words,
            ready_at,
        } = shaped;
        let samples = pcm.len();
        self.sent += samples;
        self.spoken += spoken;
        self.stats.samples += samples;
        let audio = Duration::from_secs_f64(self.engine.spec().seconds(samples));
        let bytes = self.encode(pcm).await?;
        let bytes = match self.header.take() {
            Some(h) if !h.is_empty() => [h, bytes].concat().into(),
            _ => bytes,
        };
        self.stats.chunks += 1;
        self.stats.audio += audio;
        self.played(audio, ready_at);
        // Only audio is work for the idle clock: markup that made none (`[pause:0ms]`) is not.
        if samples > 0 {
            self.intake.worked();
        }
        // Streamed, a chunk the encoder made no bytes of yet holds its words for the next.
        // A whole file's collector gets it anyway, its words in order: it counts the audio
        // its encoder holds (FLAC's whole file is written at its end), which its bound must
        // see.
        if bytes.is_empty() && self.request.stream() {
            self.held.extend(words);
            return Ok(true);
        }
        let words = [std::mem::take(&mut self.held), words].concat();
        let chunk = AudioChunk {
            bytes,
            samples,
            words,
            expected: self.expected(),
        };
        Ok(self.tx.send(Ok(Event::Audio(chunk))).await.is_ok())
    }

    /// The utterance's whole audio as it looks now ([`AudioChunk::expected`]); `None` while
    /// text may still come or before any id was spoken. The text left is reckoned at the
    /// speech its ids have made so far, without pauses (a short first clause and its pause
    /// would make every id look longer) and at the request's own speed (a slow first clause,
    /// `[rate:0.25] Oh.`, would make every id of a fast rest look long): a guess that errs
    /// short.
    fn expected(&self) -> Option<Duration> {
        if self.intake.is_open() || self.stats.ids == 0 {
            return None;
        }
        let per_id = self.spoken as f64 / self.stats.ids as f64;
        let left = self.plan.remaining_ids() as f64 * per_id;
        let samples = self.sent.saturating_add(left as usize);
        Some(Duration::from_secs_f64(self.engine.spec().seconds(samples)))
    }

    /// Moves the playhead on by a chunk of `audio` sent now, and counts what a listener
    /// would hear: the time to the first audio, or a stall.
    fn played(&mut self, audio: Duration, ready_at: Instant) {
        let metrics = self.synth.metrics();
        metrics.audio_seconds.inc_by(audio.as_secs_f64());
        let now = Instant::now();
        match self.pace.playhead {
            None => {
                let start = self.pace.first.unwrap_or(now);
                metrics
                    .time_to_first_audio
                    .observe(now.duration_since(start).as_secs_f64());
            }
            // A gap the client hears, when the text was here before it ran out.
            Some(p) if self.request.stream() && now > p && ready_at <= p => {
                metrics.stall.observe((now - p).as_secs_f64());
                self.pace.late = true;
            }
            _ => self.pace.late = false,
        }
        self.pace.playhead = Some(self.pace.playhead.map_or(now, |p| p.max(now)) + audio);
    }

    /// Encodes samples off the async threads.
    async fn encode(&mut self, pcm: Vec<f32>) -> Result<Bytes> {
        let started = Instant::now();
        let mut encoder = self.encoder.take().ok_or_else(in_use)?;
        let (encoder, bytes) = blocking(move || {
            let bytes = encoder.push(&pcm);
            (encoder, bytes)
        })
        .await?;
        self.encoder = Some(encoder);
        self.stats.times.encode += started.elapsed();
        bytes
    }

    /// The end: silence asked for after everything said, the encoder's tail, the last
    /// words; false when the client left. An input with nothing to speak is an error.
    async fn finish(&mut self) -> Result<bool> {
        let rate = self.engine.spec().sample_rate;
        let trailing = self.plan.take_trailing_pause();
        if self.stats.chunks == 0 && trailing.is_none() {
            return Err(Error::invalid(
                "input",
                "input has nothing to speak (no words after normalization)",
            ));
        }
        let mut tail = Bytes::new();
        if let Some(length) = trailing {
            let pcm = shape::silence(length, usize::from(self.sent > 0), rate);
            let audio = Duration::from_secs_f64(self.engine.spec().seconds(pcm.len()));
            self.stats.samples += pcm.len();
            self.stats.audio += audio;
            tail = self.encode(pcm).await?;
        }
        let started = Instant::now();
        let finished = self.encoder.as_mut().ok_or_else(in_use)?.finish()?;
        self.stats.times.encode += started.elapsed();
        // A whole file an encoder held to its end (FLAC's) is not copied again.
        tail = match (tail.is_empty(), finished.is_empty()) {
            (_, true) => tail,
            (true, false) => finished,
            (false, false) => [tail, finished].concat().into(),
        };
        if let Some(h) = self.header.take().filter(|h| !h.is_empty()) {
            tail = [h, tail].concat().into();
        }
        let plan = &self.plan;
        let mut words = std::mem::take(&mut self.held);
        words.extend(self.timeline.finish(|i| plan.caption(i)));
        if tail.is_empty() && words.is_empty() {
            return Ok(true);
        }
        let chunk = AudioChunk {
            bytes: tail,
            samples: 0,
            words,
            expected: Some(self.stats.audio),
        };
        Ok(self.tx.send(Ok(Event::Audio(chunk))).await.is_ok())
    }
}

/// A model that returns no sound, or not-numbers, has failed: never an empty 200.
fn check_audio(samples: &[f32], ids: usize) -> Result<()> {
    if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
        return Err(Error::Inference(format!(
            "the model returned no valid audio for {ids} ids"
        )));
    }
    Ok(())
}

/// The share of a window's slack its decoding is planned to fill: the rest is margin for a
/// window that costs more a frame than the last.
const WINDOW_MARGIN: f64 = 0.8;

/// The encoder is out: a step ran while another had it (a bug).
fn in_use() -> Error {
    Error::Internal("the encoder is in use".into())
}
