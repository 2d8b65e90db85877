//! One request's pipeline: text → chunks → inference (through the scheduler) → shaped PCM →
//! the response's encoder → bytes, sent as each chunk is ready.
//!
//! [`Synthesizer::stream`] runs the pipeline as a task that feeds a small channel; when the
//! receiver is dropped (the client went away) the task stops, and the job it was waiting on
//! is withdrawn from the queue.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::audio::{Encoder, Format, apply_gain, shape_chunk};
use crate::engine::{Job, SAMPLE_RATE, Scheduler};
use crate::metrics::Metrics;
use crate::text::{ChunkPlan, Language, NormalizationOptions, TextFrontend};
use crate::voice::{Voice, Voices};
use crate::{Error, Result};

/// Runs CPU work (G2P, encoding) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("blocking task failed: {e}")))?
}

/// Slowest and fastest speech.
pub const SPEED_RANGE: (f32, f32) = (0.25, 4.0);

/// What to say and how, validated.
#[derive(Debug, Clone)]
pub struct SpeechRequest {
    pub text: String,
    pub voice: Voice,
    pub speed: f32,
    pub language: Language,
    /// How the text is read before G2P (Kokoro-FastAPI's `normalization_options`).
    pub normalization: NormalizationOptions,
    /// Multiplies the samples, with a soft limiter (Kokoro-FastAPI's `volume_multiplier`).
    pub gain: f32,
}

impl SpeechRequest {
    /// The request with these normalization switches instead of the defaults.
    pub fn with_normalization(self, normalization: NormalizationOptions) -> Self {
        SpeechRequest {
            normalization,
            ..self
        }
    }
}

/// How requests are checked and chunked.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Most characters of input.
    pub max_input_chars: usize,
    /// Speak a response's first clause alone first, for an early first audio (see
    /// [`ChunkPlan`]); off, the first sentence goes whole.
    pub first_clause: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_input_chars: 4096,
            first_clause: true,
        }
    }
}

/// Checks a request's fields and resolves its voice and language (no model needed).
pub fn prepare(
    voices: &Voices,
    settings: Settings,
    text: &str,
    voice: &str,
    speed: f32,
    lang_code: Option<&str>,
) -> Result<SpeechRequest> {
    if text.trim().is_empty() {
        return Err(Error::invalid("input", "input is empty"));
    }
    let chars = text.chars().count();
    if chars > settings.max_input_chars {
        return Err(Error::invalid(
            "input",
            format!(
                "input is {chars} characters; the limit is {}",
                settings.max_input_chars
            ),
        ));
    }
    let (lo, hi) = SPEED_RANGE;
    if !(lo..=hi).contains(&speed) {
        return Err(Error::invalid(
            "speed",
            format!("speed {speed} is outside {lo:.2}–{hi:.1}"),
        ));
    }
    let voice = voices.resolve(voice)?;
    let language = match lang_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Language::from_code(code)?,
        None => voice.language,
    };
    Ok(SpeechRequest {
        text: text.to_owned(),
        voice,
        speed,
        language,
        normalization: NormalizationOptions::default(),
        gain: 1.0,
    })
}

/// Everything a request needs, shared by all requests.
pub struct Synthesizer {
    pub frontend: TextFrontend,
    pub voices: Voices,
    pub scheduler: Scheduler,
    pub settings: Settings,
    pub metrics: Metrics,
}

/// Timings of one response, for logs and headers.
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamStats {
    pub chunks: usize,
    /// Phoneme ids the model read.
    pub ids: usize,
    /// Samples (24 kHz) produced.
    pub samples: usize,
    pub audio: Duration,
    pub compute: Duration,
}

impl Synthesizer {
    /// Checks a request's fields and resolves its voice and language.
    pub fn prepare(
        &self,
        text: &str,
        voice: &str,
        speed: f32,
        lang_code: Option<&str>,
    ) -> Result<SpeechRequest> {
        prepare(&self.voices, self.settings, text, voice, speed, lang_code)
    }

    /// Starts the pipeline; returns the bytes as they are encoded. An `Err` item ends the
    /// stream (after it nothing else comes). The header bytes come first.
    pub fn stream(
        self: &Arc<Self>,
        request: SpeechRequest,
        format: Format,
        streaming: bool,
    ) -> Result<mpsc::Receiver<Result<Bytes>>> {
        self.stream_reporting(request, format, streaming)
            .map(|(rx, _)| rx)
    }

    /// [`Synthesizer::stream`], plus the response's [`StreamStats`] once the pipeline has
    /// ended without an error (on an error the stats sender is dropped).
    pub fn stream_reporting(
        self: &Arc<Self>,
        request: SpeechRequest,
        format: Format,
        streaming: bool,
    ) -> Result<(
        mpsc::Receiver<Result<Bytes>>,
        oneshot::Receiver<StreamStats>,
    )> {
        let encoder = format.encoder(streaming)?;
        let (stats_tx, stats_rx) = oneshot::channel();
        let (tx, rx) = mpsc::channel(4);
        let synth = Arc::clone(self);
        let span = tracing::Span::current();
        tokio::spawn(
            async move {
                let started = Instant::now();
                synth.metrics.active_streams.inc();
                // A panic in one request's pipeline fails that request only, as an error
                // (never as a stream that merely ends early and looks complete).
                let result =
                    AssertUnwindSafe(Arc::clone(&synth).run(request, encoder, streaming, &tx))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            Err(Error::Internal("the speech pipeline panicked".into()))
                        });
                synth.metrics.active_streams.dec();
                match result {
                    Ok(stats) => {
                        tracing::info!(
                            chunks = stats.chunks,
                            audio_s = stats.audio.as_secs_f32(),
                            compute_s = stats.compute.as_secs_f32(),
                            total_s = started.elapsed().as_secs_f32(),
                            "speech done"
                        );
                        let _ = stats_tx.send(stats);
                    }
                    Err(e) => {
                        if e.is_client_error() {
                            tracing::info!(error = %e, "speech refused");
                        } else {
                            tracing::error!(error = %e, "speech failed");
                        }
                        let _ = tx.send(Err(e)).await;
                    }
                }
            }
            // The pipeline's log lines carry the request's id.
            .instrument(span),
        );
        Ok((rx, stats_rx))
    }

    async fn run(
        self: Arc<Self>,
        request: SpeechRequest,
        mut encoder: Box<dyn Encoder>,
        streaming: bool,
        tx: &mpsc::Sender<Result<Bytes>>,
    ) -> Result<StreamStats> {
        let arrived = Instant::now();
        let mut stats = StreamStats::default();
        // The header goes out with the first audio, so the first item is audio or an error.
        let mut header = Some(encoder.header());
        let mut plan = ChunkPlan::new(
            &self.frontend,
            &request.text,
            request.language,
            &request.normalization,
            self.settings.first_clause,
        );
        // Wall time at which the audio sent so far runs out at the client.
        let mut playhead: Option<Instant> = None;
        loop {
            // G2P of a new sentence runs off the async threads.
            let synth = Arc::clone(&self);
            // Only a streamed response plays while it is made; a whole file is fastest
            // in whole sentences.
            let cap = playhead
                .filter(|_| streaming)
                .and_then(|p| self.chunk_cap(p));
            let (back, chunk) = blocking(move || {
                let chunk = plan.next(&synth.frontend, cap);
                Ok((plan, chunk))
            })
            .await?;
            plan = back;
            let Some(chunk) = chunk? else {
                break;
            };
            let last = plan.is_done();
            stats.ids += chunk.ids.len();
            let deadline = playhead.unwrap_or(arrived);
            let job = Job {
                ids: chunk.ids,
                style: Arc::clone(&request.voice.style),
                speed: request.speed,
                deadline,
            };
            let inferred = tokio::select! {
                r = self.scheduler.infer(job) => r?,
                _ = tx.closed() => return Ok(stats),
            };
            stats.compute += inferred.compute;
            self.metrics
                .inference
                .observe(inferred.compute.as_secs_f64());
            let mut pcm = shape_chunk(inferred.samples, chunk.boundary, last);
            apply_gain(&mut pcm, request.gain);
            stats.samples += pcm.len();
            let audio = Duration::from_secs_f64(pcm.len() as f64 / SAMPLE_RATE as f64);
            let (back, bytes) = blocking(move || {
                let bytes = encoder.push(&pcm);
                Ok((encoder, bytes))
            })
            .await?;
            encoder = back;
            let bytes = match header.take() {
                Some(h) if !h.is_empty() => [h, bytes?].concat().into(),
                _ => bytes?,
            };
            stats.chunks += 1;
            stats.audio += audio;
            self.metrics
                .audio_micros
                .add(audio.as_micros().try_into().unwrap_or(u64::MAX));
            let now = Instant::now();
            match playhead {
                None => self
                    .metrics
                    .time_to_first_audio
                    .observe(now.duration_since(arrived).as_secs_f64()),
                Some(p) if streaming && now > p => {
                    self.metrics.stall.observe((now - p).as_secs_f64());
                }
                _ => {}
            }
            playhead = Some(playhead.map_or(now, |p| p.max(now)) + audio);
            if !bytes.is_empty() && tx.send(Ok(bytes)).await.is_err() {
                return Ok(stats);
            }
        }
        if stats.chunks == 0 {
            return Err(Error::invalid(
                "input",
                "input has nothing to speak (no words after normalization)",
            ));
        }
        let mut tail = encoder.finish()?;
        if let Some(h) = header.take().filter(|h| !h.is_empty()) {
            tail = [h, tail].concat().into();
        }
        if !tail.is_empty() {
            let _ = tx.send(Ok(tail)).await;
        }
        Ok(stats)
    }

    /// The most phoneme ids a stream's next chunk should have so that it is synthesized
    /// before the client plays out what it has (until `playhead`), given this stream's
    /// share of the workers. `None` before any speed has been measured.
    fn chunk_cap(&self, playhead: Instant) -> Option<usize> {
        /// Part of the estimate actually planned on: the rest absorbs queueing and noise.
        const SAFETY: f64 = 0.7;
        let rate = self.scheduler.ids_per_second()?;
        let slack = playhead
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let streams = self.metrics.active_streams.get().max(1) as f64;
        let share = (self.scheduler.workers() as f64 / streams).min(1.0);
        Some((slack * rate * share * SAFETY) as usize)
    }

    /// The whole of a request's audio, encoded (the CLI's path, and `stream: false`).
    pub async fn render(
        self: &Arc<Self>,
        request: SpeechRequest,
        format: Format,
    ) -> Result<Vec<u8>> {
        let mut rx = self.stream(request, format, false)?;
        let mut out = Vec::new();
        while let Some(bytes) = rx.recv().await {
            out.extend_from_slice(&bytes?);
        }
        Ok(out)
    }

    /// A few inferences of different lengths, so the first request is not the slow one.
    pub async fn warm_up(self: &Arc<Self>) -> Result<Duration> {
        let started = Instant::now();
        let voice = self
            .voices
            .names()
            .find(|n| n.starts_with('a'))
            .unwrap_or("af_heart")
            .to_owned();
        for text in ["Hi.", "Sure, I can help with that."] {
            let request = self.prepare(text, &voice, 1.0, None)?;
            self.render(request, Format::Pcm).await?;
        }
        Ok(started.elapsed())
    }
}
