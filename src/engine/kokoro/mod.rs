//! The Kokoro-82M ONNX session: token ids + style + speed → 24 kHz mono samples; the
//! first [`Engine`]. Its voices (style packs, their names, OpenAI's aliases, blends) are
//! [`voices`].
//!
//! The only module that touches `ort`. ONNX Runtime is loaded at run time from a shared
//! library (`ort`'s `load-dynamic`), once per process.
//!
//! Memory: every chunk has a different length, so ONNX Runtime's memory patterns (plans
//! cached per input shape) are never reused and only pile up, and its CPU arena keeps the
//! peak of every run (measured: 1.2 GB resident after two 510-id chunks). Patterns are off
//! and the arena gives back what a run grew by at its end, which keeps a session near
//! 0.2 GB whatever the input lengths.
//!
//! A call can be stopped from another thread (ONNX Runtime's terminate flag on the run
//! options, checked between graph nodes), so a worker whose client has left is free at once.

pub mod voices;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::{RunOptions, Session};
use ort::value::Tensor;

use super::{Attribution, Encoded, Engine, EngineFactory, Interrupt, ModelSpec, Speech, Window};
use crate::language::Language;
use crate::text::Vocab;
use crate::voice::{VoiceBank, VoiceData};
use crate::{Error, Result};
pub use voices::{Aliases, KokoroVoices, STYLE_DIM, STYLE_ROWS, StylePack};

/// Output sample rate of the model.
const SAMPLE_RATE: u32 = 24_000;
/// The engine's name (listings, `model`, logs).
pub const NAME: &str = "kokoro";
/// Most phoneme ids in one call (the model takes 512 with the two pads).
const MAX_IDS: usize = 510;
/// Names `model` takes: Kokoro's own and OpenAI's speech models (all served by this one).
const MODELS: &[&str] = &[
    "kokoro",
    "tts-1",
    "tts-1-hd",
    "gpt-4o-mini-tts",
    "gpt-4o-mini-tts-2025-12-15",
];
/// The id added at both ends of the phoneme ids.
const PAD_ID: i64 = 0;
const INPUT_TOKENS: &str = "tokens";
const INPUT_STYLE: &str = "style";
const INPUT_SPEED: &str = "speed";
const OUTPUT_AUDIO: &str = "audio";
/// The predicted duration of every input position (pads included), in frames, when the
/// graph has it as an output (the model `make assets` builds: `scripts/durations-model.py`).
const OUTPUT_DURATIONS: &str = "durations";
/// The split model's names (`scripts/split-model.py`): the encoder's outputs, which are the
/// decoder's inputs, and the decoder's harmonic phase in and out.
const OUTPUT_FEATURES: &str = "features";
const OUTPUT_F0: &str = "f0";
const OUTPUT_ENERGY: &str = "energy";
const INPUT_PHASE: &str = "phase";
const OUTPUT_PHASE_STEPS: &str = "phase_steps";
/// Channels of the aligned features a frame.
const FEATURE_DIM: usize = 512;
/// Harmonics of the decoder's sine source.
const HARMONICS: usize = 9;
/// The decoder multiplies the phase by 2π and this (its half-frame, in samples): a phase
/// times this is in cycles.
const PHASE_SCALE: f64 = 300.0;
/// Samples per duration frame at 24 kHz (the decoder's hop), whatever the speed.
const FRAME_SAMPLES: u32 = 600;
/// Frames of the leading pad's predicted duration that are already speech (see `infer`).
const LEAD_FRAMES: u32 = 3;
/// The most audio frames (of [`FRAME_SAMPLES`]) one call is planned to make. The decoder's
/// activations grow with the frames, not the ids: measured on one session (2 threads, the
/// arena shrinking after each run), a call's peak over the loaded session is about 0.5–0.6
/// MB per frame, in steps as the arena grows (500 frames +214 MB, 890 +446 MB, 955 +595
/// MB, 1,271 +736 MB). At 880 a server with every lexicon and dictionary loaded peaked at
/// 1,038 MiB on the costliest input; at this many it stays under 1 GiB (BENCHMARKS.md,
/// Memory).
const MAX_CALL_FRAMES: usize = 700;
/// Frames one id makes at speed 1, for planning: voices speak at their own pace, and the
/// slowest measured over whole chunks of the worst inputs (run-on words, repeated letters,
/// kanji, pinyin; all 54 voices) was af_nicole's 3.31; most voices make 1.8–2.5.
const FRAMES_PER_ID: f64 = 3.4;
/// The most ids one call takes at speed 1 so that it makes at most [`MAX_CALL_FRAMES`]
/// frames: 205 (at speed 0.25, 51).
const MEMORY_IDS: usize = (MAX_CALL_FRAMES as f64 / FRAMES_PER_ID) as usize;

/// Where inference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// NVIDIA GPU through the CUDA execution provider (needs the `cuda` cargo feature and
    /// ONNX Runtime's CUDA provider library beside the main one). Never falls back to CPU.
    Cuda,
}

impl Device {
    /// The names `--device` takes, in order.
    pub const NAMES: &[&str] = &["cpu", "cuda"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cpu" => Some(Device::Cpu),
            "cuda" => Some(Device::Cuda),
            _ => None,
        }
    }
}

/// How to build a session.
#[derive(Debug, Clone)]
pub struct KokoroConfig {
    /// The Kokoro v1.0 ONNX file (int8, fp16 or fp32).
    pub model: PathBuf,
    /// The ONNX Runtime shared library.
    pub ort_library: PathBuf,
    /// Intra-op threads per session.
    pub threads: usize,
    /// Whether idle intra-op threads spin waiting for work: faster hand-offs when every
    /// thread has a core of its own, wasted cores when sessions share them.
    pub spinning: bool,
    pub device: Device,
    /// The phoneme vocabulary (`vocab.json`).
    pub vocab: PathBuf,
    /// The directory of voice packs (`NAME.bin`).
    pub voices: PathBuf,
    /// How OpenAI's voice names map to Kokoro's.
    pub aliases: Aliases,
    /// The model cut at its decoder (`make assets`: `scripts/split-model.py`), loaded beside
    /// it so that a call can be decoded a window at a time; `None`: whole calls only.
    pub split: Option<Split>,
}

/// The encoder and decoder files `scripts/split-model.py` makes from the model.
#[derive(Debug, Clone)]
pub struct Split {
    pub encoder: PathBuf,
    pub decoder: PathBuf,
}

impl Split {
    /// The split files beside `model`, as `make assets` names them
    /// (`kokoro-v1.0.int8.durations.onnx` → `kokoro-v1.0.int8.encoder.onnx` and
    /// `….decoder.onnx`), when both are there: a model of the user's own has none, and is
    /// run whole.
    pub fn beside(model: &Path) -> Option<Split> {
        let name = model.file_name()?.to_str()?;
        let stem = name.strip_suffix(".durations.onnx")?;
        let split = Split {
            encoder: model.with_file_name(format!("{stem}.encoder.onnx")),
            decoder: model.with_file_name(format!("{stem}.decoder.onnx")),
        };
        (split.encoder.is_file() && split.decoder.is_file()).then_some(split)
    }
}

/// Where `make assets` puts the model (with its durations output), relative to the
/// repository.
pub const DEFAULT_MODEL: &str = "assets/kokoro-v1.0.int8.durations.onnx";
/// Where `make assets` puts ONNX Runtime.
pub const DEFAULT_ORT_LIBRARY: &str = "assets/libonnxruntime.so.1.31.1";
/// Where `make assets` puts the vocabulary.
pub const DEFAULT_VOCAB: &str = "assets/vocab.json";
/// Where `make assets` puts the voice packs.
pub const DEFAULT_VOICES: &str = "voices";

impl KokoroConfig {
    /// The files where `make assets` puts them under `root`; one thread, CPU, ttsd's
    /// aliases.
    pub fn under(root: &Path) -> Self {
        KokoroConfig {
            model: root.join(DEFAULT_MODEL),
            ort_library: root.join(DEFAULT_ORT_LIBRARY),
            threads: 1,
            spinning: false,
            device: Device::Cpu,
            vocab: root.join(DEFAULT_VOCAB),
            voices: root.join(DEFAULT_VOICES),
            aliases: Aliases::Ttsd,
            split: None,
        }
    }
}

/// Builds Kokoro sessions; its spec and voices are known once the vocabulary and the packs
/// are read.
pub struct KokoroFactory {
    config: KokoroConfig,
    spec: ModelSpec,
    voices: Arc<KokoroVoices>,
}

impl KokoroFactory {
    /// Reads the vocabulary and the voice packs (cheap); the model itself loads in
    /// [`EngineFactory::create`].
    pub fn new(config: KokoroConfig) -> Result<Self> {
        let vocab = Vocab::load(&config.vocab)?;
        let voices = KokoroVoices::load(&config.voices, config.aliases)?;
        Ok(KokoroFactory {
            spec: ModelSpec {
                name: NAME,
                title: "Kokoro-82M",
                attribution: Attribution {
                    name: "hexgrad",
                    url: "https://huggingface.co/hexgrad/Kokoro-82M",
                },
                models: MODELS,
                sample_rate: SAMPLE_RATE,
                max_ids: MAX_IDS,
                memory_ids: Some(MEMORY_IDS),
                vocab: Arc::new(vocab),
                // Kokoro v1.0 has voices in every language of the table.
                languages: Language::ALL.to_vec(),
                // The model `make assets` builds has the durations output; a plain export
                // has none, and its timestamps are empty.
                word_times: true,
            },
            voices: Arc::new(voices),
            config,
        })
    }
}

impl EngineFactory for KokoroFactory {
    fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn voices(&self) -> Arc<dyn VoiceBank> {
        Arc::clone(&self.voices) as Arc<dyn VoiceBank>
    }

    fn create(&self) -> Result<Box<dyn Engine>> {
        Ok(Box::new(Kokoro::load(&self.config)?))
    }

    fn windows(&self) -> bool {
        self.config.split.is_some()
    }
}

/// One loaded model. Not shared: each inference worker owns its own.
pub struct Kokoro {
    /// The whole graph: every whole call, so that a chunk that is not windowed costs and
    /// sounds as without `--window`.
    whole: Session,
    /// Whether the whole graph outputs the durations.
    durations: bool,
    /// The same graph cut at its decoder, for calls decoded a window at a time.
    split: Option<SplitSessions>,
    /// Shrinks the CPU arena after each run (see the module docs); its terminate flag
    /// stops a run from another thread.
    run_options: Arc<Terminable>,
}

/// The graph cut at its decoder, whose convolutions are float (the same weights: a window is
/// then computed as the same frames are in the whole; the chained output is the int8 whole's
/// but for its activations' rounding, `scripts/window-check.py`).
struct SplitSessions {
    encoder: Session,
    decoder: Session,
}

/// The run options, shared with whoever may stop a run (both ONNX engines use it).
pub(crate) struct Terminable(pub(crate) RunOptions);

impl Interrupt for Terminable {
    fn interrupt(&self) {
        if let Err(e) = self.0.terminate() {
            tracing::warn!("cannot stop the model call: {e}");
        }
    }

    fn clear(&self) {
        if let Err(e) = self.0.unterminate() {
            tracing::warn!("cannot clear the model's stop flag: {e}");
        }
    }
}

/// ONNX Runtime's run option that returns the arena's growth after a run, and its value
/// for the CPU allocator.
pub(crate) const ARENA_SHRINKAGE: (&str, &str) = ("memory.enable_memory_arena_shrinkage", "cpu:0");

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

pub(crate) fn environment(library: &Path) -> Result<Environment> {
    ENVIRONMENT
        .get_or_init(|| {
            if !library.is_file() {
                return Err(format!(
                    "ONNX Runtime library {} not found (run `make assets`, or pass --ort-library)",
                    library.display()
                ));
            }
            ort::init_from(library)
                .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", library.display()))?
                .with_name("ttsd")
                // ort enables ONNX Runtime's telemetry events by default; off here (the
                // binary also sets ORT_DISABLE_TELEMETRY, see main.rs).
                .with_telemetry(false)
                .build()
                .map_err(|e| format!("cannot create the ONNX Runtime environment: {e}"))
        })
        .clone()
        .map_err(Error::Asset)
}

impl Kokoro {
    pub fn load(config: &KokoroConfig) -> Result<Self> {
        if !config.model.is_file() {
            return Err(Error::Asset(format!(
                "model {} not found (run `make assets`, or pass --model)",
                config.model.display()
            )));
        }
        let env = environment(&config.ort_library)?;
        let fail = |e: ort::Error| Error::Inference(format!("building the session: {e}"));
        let builder = Session::builder(&env)
            .map_err(fail)?
            .with_intra_threads(config.threads.max(1))
            .map_err(|e| fail(e.into()))?
            .with_intra_op_spinning(config.spinning)
            .map_err(|e| fail(e.into()))?
            .with_memory_pattern(false)
            .map_err(|e| fail(e.into()))?;
        let mut builder = register_device(builder, config.device)?;
        let mut load = |path: &Path| {
            builder
                .commit_from_file(path)
                .map_err(|e| Error::Asset(format!("cannot load the model {}: {e}", path.display())))
        };
        let whole = load(&config.model)?;
        check_signature(&whole)?;
        let durations = whole.outputs().iter().any(|o| o.name() == OUTPUT_DURATIONS);
        let split = match &config.split {
            None => None,
            Some(split) => {
                let encoder = load(&split.encoder)?;
                check_signature_split(
                    &encoder,
                    &[INPUT_TOKENS, INPUT_STYLE, INPUT_SPEED],
                    &[OUTPUT_FEATURES, OUTPUT_F0, OUTPUT_ENERGY, OUTPUT_DURATIONS],
                )?;
                let decoder = load(&split.decoder)?;
                check_signature_split(
                    &decoder,
                    &[
                        INPUT_STYLE,
                        OUTPUT_FEATURES,
                        OUTPUT_F0,
                        OUTPUT_ENERGY,
                        INPUT_PHASE,
                    ],
                    &[OUTPUT_AUDIO, OUTPUT_PHASE_STEPS],
                )?;
                Some(SplitSessions { encoder, decoder })
            }
        };
        let mut run_options = RunOptions::new().map_err(fail)?;
        run_options
            .set(ARENA_SHRINKAGE.0, ARENA_SHRINKAGE.1)
            .map_err(fail)?;
        Ok(Kokoro {
            whole,
            durations,
            split,
            run_options: Arc::new(Terminable(run_options)),
        })
    }
}

/// A call's inputs as the graph takes them.
struct Inputs {
    tokens: Vec<i64>,
    style: Vec<f32>,
    speed: f32,
}

impl Inputs {
    /// The ids between the pads; the style vector is the pack's row for the number of ids
    /// (the last row for more).
    fn new(ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Self> {
        let voice = voices::pack_of(voice)?;
        if ids.len() > MAX_IDS {
            return Err(Error::Internal(format!(
                "{} phoneme ids exceed the model's limit of {MAX_IDS}",
                ids.len()
            )));
        }
        let style = voice.row(ids.len()).ok_or_else(|| {
            Error::Inference(format!(
                "the voice's style data is not {STYLE_ROWS} × {STYLE_DIM} values"
            ))
        })?;
        if style.len() != STYLE_DIM {
            return Err(Error::Inference(format!(
                "style vector has {} values, expected {STYLE_DIM}",
                style.len()
            )));
        }
        let mut tokens = Vec::with_capacity(ids.len() + 2);
        tokens.push(PAD_ID);
        tokens.extend_from_slice(ids);
        tokens.push(PAD_ID);
        Ok(Inputs {
            tokens,
            style: style.to_vec(),
            speed,
        })
    }
}

impl Inputs {
    /// The graph (the whole, or the encoder: both take these) run on them.
    fn run<'r>(
        self,
        session: &'r mut Session,
        options: &'r RunOptions,
    ) -> Result<ort::session::SessionOutputs<'r>> {
        session
            .run_with_options(
                ort::inputs![
                    INPUT_TOKENS => tensor(&[1, self.tokens.len()], self.tokens)?,
                    INPUT_STYLE => tensor(&[1, STYLE_DIM], self.style)?,
                    INPUT_SPEED => tensor(&[1], vec![self.speed])?,
                ],
                options,
            )
            .map_err(failed)
    }
}

fn failed(e: ort::Error) -> Error {
    Error::Inference(e.to_string())
}

/// A vector as a tensor of `shape`.
fn tensor<T: ort::value::PrimitiveTensorElementType + std::fmt::Debug + Clone + 'static>(
    shape: &[usize],
    data: Vec<T>,
) -> Result<Tensor<T>> {
    Tensor::from_array((shape.to_vec(), data)).map_err(failed)
}

/// The durations output (frames per input position) as samples, as [`Speech::durations`]
/// gives them.
fn durations_of(frames: &[i64]) -> Vec<u32> {
    let mut samples: Vec<u32> = frames
        .iter()
        .map(|&f| {
            u32::try_from(f.max(0))
                .unwrap_or(u32::MAX)
                .saturating_mul(FRAME_SAMPLES)
        })
        .collect();
    // Speech starts a few frames before the leading pad's predicted end: hexgrad's
    // `KPipeline.join_timestamps` starts the first token at `pred_dur[0] - 3` frames. The
    // pad gives those frames up (the total is the trailing pad's business), so every word
    // is placed where it is heard.
    if let Some(pad) = samples.first_mut() {
        *pad = pad.saturating_sub(LEAD_FRAMES * FRAME_SAMPLES);
    }
    samples
}

/// What the encoder made of a call, for its decoder ([`Encoded::state`]).
struct Frames {
    style: Vec<f32>,
    /// `[FEATURE_DIM, frames]`, row-major.
    features: Vec<f32>,
    /// Two values a frame each.
    f0: Vec<f32>,
    energy: Vec<f32>,
    /// Each harmonic's phase (in the graph's unit: cycles / 300) at the end of every
    /// half-frame decoded so far, so the next window starts where the last left off.
    phase: Mutex<Vec<Option<[f64; HARMONICS]>>>,
}

impl Kokoro {
    /// The whole graph's call.
    fn run_whole(
        session: &mut Session,
        inputs: Inputs,
        options: &RunOptions,
        durations: bool,
    ) -> Result<Speech> {
        let outputs = inputs.run(session, options)?;
        let (_, audio) = outputs[OUTPUT_AUDIO]
            .try_extract_tensor::<f32>()
            .map_err(failed)?;
        let durations = if durations {
            let (_, frames) = outputs[OUTPUT_DURATIONS]
                .try_extract_tensor::<i64>()
                .map_err(failed)?;
            Some(durations_of(frames))
        } else {
            None
        };
        Ok(Speech {
            samples: audio.to_vec(),
            durations,
        })
    }

    /// The encoder's call: the frames the decoder makes audio of.
    fn run_encoder(encoder: &mut Session, inputs: Inputs, options: &RunOptions) -> Result<Encoded> {
        let style = inputs.style.clone();
        let outputs = inputs.run(encoder, options)?;
        let (shape, features) = outputs[OUTPUT_FEATURES]
            .try_extract_tensor::<f32>()
            .map_err(failed)?;
        let frames = match **shape {
            [1, dim, frames] if dim as usize == FEATURE_DIM => frames as usize,
            _ => {
                return Err(Error::Inference(format!(
                    "the encoder's features are {shape:?}, expected [1, {FEATURE_DIM}, frames]"
                )));
            }
        };
        let curve = |name: &str| -> Result<Vec<f32>> {
            let (_, values) = outputs[name].try_extract_tensor::<f32>().map_err(failed)?;
            if values.len() != 2 * frames {
                return Err(Error::Inference(format!(
                    "the encoder's {name} has {} values for {frames} frames",
                    values.len()
                )));
            }
            Ok(values.to_vec())
        };
        let (f0, energy) = (curve(OUTPUT_F0)?, curve(OUTPUT_ENERGY)?);
        let (_, positions) = outputs[OUTPUT_DURATIONS]
            .try_extract_tensor::<i64>()
            .map_err(failed)?;
        let ends = positions
            .iter()
            .scan(0usize, |end, &f| {
                *end += usize::try_from(f.max(0)).unwrap_or(0);
                Some(*end)
            })
            .collect();
        Ok(Encoded {
            frames,
            frame_samples: FRAME_SAMPLES as usize,
            ends,
            durations: Some(durations_of(positions)),
            state: Box::new(Frames {
                style,
                features: features.to_vec(),
                f0,
                energy,
                phase: Mutex::new(vec![None; 2 * frames]),
            }),
        })
    }

    /// The decoder's call on a window's frames, its harmonics' phase carried on from the
    /// window before.
    fn run_decoder(
        decoder: &mut Session,
        encoded: &Encoded,
        window: Window,
        options: &RunOptions,
    ) -> Result<Vec<f32>> {
        let state = encoded
            .state
            .downcast_ref::<Frames>()
            .ok_or_else(|| Error::Internal("a window of another engine's call".into()))?;
        let all = encoded.frames;
        let span = window.span(all);
        if span.is_empty() {
            return Err(Error::Internal(format!(
                "an empty window {window:?} of {all} frames"
            )));
        }
        let n = span.len();
        let mut features = Vec::with_capacity(FEATURE_DIM * n);
        for row in state.features.chunks_exact(all) {
            features.extend_from_slice(&row[span.clone()]);
        }
        let halves = 2 * span.start..2 * span.end;
        // The phase at the end of the half-frame before the window: 0 at the chunk's start.
        let start = if span.start == 0 {
            [0.0; HARMONICS]
        } else {
            let track = state.phase.lock().unwrap_or_else(|p| p.into_inner());
            track[halves.start - 1].ok_or_else(|| {
                Error::Internal(format!(
                    "window {window:?} decoded before the one before it"
                ))
            })?
        };
        // Only the phase modulo a cycle matters; kept small, so float32 loses nothing.
        let phase: Vec<f32> = start
            .iter()
            .map(|p| ((p * PHASE_SCALE).rem_euclid(1.0) / PHASE_SCALE) as f32)
            .collect();
        let outputs = decoder
            .run_with_options(
                ort::inputs![
                    INPUT_STYLE => tensor(&[1, STYLE_DIM], state.style.clone())?,
                    OUTPUT_FEATURES => tensor(&[1, FEATURE_DIM, n], features)?,
                    OUTPUT_F0 => tensor(&[1, 2 * n], state.f0[halves.clone()].to_vec())?,
                    OUTPUT_ENERGY => tensor(&[1, 2 * n], state.energy[halves.clone()].to_vec())?,
                    INPUT_PHASE => tensor(&[1, 1, HARMONICS], phase.clone())?,
                ],
                options,
            )
            .map_err(failed)?;
        let (_, audio) = outputs[OUTPUT_AUDIO]
            .try_extract_tensor::<f32>()
            .map_err(failed)?;
        let (_, steps) = outputs[OUTPUT_PHASE_STEPS]
            .try_extract_tensor::<f32>()
            .map_err(failed)?;
        if steps.len() != 2 * n * HARMONICS {
            return Err(Error::Inference(format!(
                "the decoder's phase steps are {} values for {n} frames",
                steps.len()
            )));
        }
        let mut track = state.phase.lock().unwrap_or_else(|p| p.into_inner());
        for (slot, step) in track[halves].iter_mut().zip(steps.chunks_exact(HARMONICS)) {
            let mut at = [0.0; HARMONICS];
            for ((at, p), s) in at.iter_mut().zip(&phase).zip(step) {
                *at = f64::from(*p) + f64::from(*s);
            }
            *slot = Some(at);
        }
        Ok(audio.to_vec())
    }
}

impl Engine for Kokoro {
    fn infer(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech> {
        let inputs = Inputs::new(ids, voice, speed)?;
        Self::run_whole(&mut self.whole, inputs, &self.run_options.0, self.durations)
    }

    fn encode(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Encoded> {
        let inputs = Inputs::new(ids, voice, speed)?;
        let split = self.split.as_mut().ok_or_else(not_split)?;
        Self::run_encoder(&mut split.encoder, inputs, &self.run_options.0)
    }

    fn decode(&mut self, encoded: &Encoded, window: Window) -> Result<Vec<f32>> {
        let split = self.split.as_mut().ok_or_else(not_split)?;
        Self::run_decoder(&mut split.decoder, encoded, window, &self.run_options.0)
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::clone(&self.run_options) as Arc<dyn Interrupt>)
    }
}

#[cfg(feature = "cuda")]
fn register_device(
    builder: ort::session::builder::SessionBuilder,
    device: Device,
) -> Result<ort::session::builder::SessionBuilder> {
    match device {
        Device::Cpu => Ok(builder),
        Device::Cuda => builder
            .with_execution_providers([ort::ep::CUDA::default().build().error_on_failure()])
            .map_err(|e| {
                Error::Inference(format!(
                    "the CUDA execution provider cannot be used: {e} (needs \
                     libonnxruntime_providers_cuda.so from onnxruntime-gpu beside the ONNX \
                     Runtime library, and the CUDA 13 and cuDNN 9 libraries)"
                ))
            }),
    }
}

#[cfg(not(feature = "cuda"))]
fn register_device(
    builder: ort::session::builder::SessionBuilder,
    device: Device,
) -> Result<ort::session::builder::SessionBuilder> {
    match device {
        Device::Cpu => Ok(builder),
        Device::Cuda => Err(Error::Inference(
            "this ttsd was built without CUDA support; rebuild with `cargo build --release \
             --features cuda`"
                .into(),
        )),
    }
}

/// A window asked of a model loaded without its split (the scheduler asks only engines whose
/// factory says they decode windows).
fn not_split() -> Error {
    Error::Internal("the whole model cannot be decoded in windows".into())
}

/// Fails early, with names, when a split file is not what `scripts/split-model.py` makes.
fn check_signature_split(session: &Session, inputs: &[&str], outputs: &[&str]) -> Result<()> {
    let has: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    let made: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
    if inputs.iter().all(|i| has.contains(i)) && outputs.iter().all(|o| made.contains(o)) {
        return Ok(());
    }
    Err(Error::Asset(format!(
        "a split model file has inputs {has:?} and outputs {made:?}, expected {inputs:?} and \
         {outputs:?} (run `make assets`)"
    )))
}

/// Fails early, with names, when the file is not a Kokoro v1.0 graph.
fn check_signature(session: &Session) -> Result<()> {
    let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
    for want in [INPUT_TOKENS, INPUT_STYLE, INPUT_SPEED] {
        if !inputs.contains(&want) {
            return Err(Error::Asset(format!(
                "the model has no input '{want}' (inputs: {inputs:?}); is it Kokoro v1.0?"
            )));
        }
    }
    if !outputs.contains(&OUTPUT_AUDIO) {
        return Err(Error::Asset(format!(
            "the model has no output '{OUTPUT_AUDIO}' (outputs: {outputs:?}); is it Kokoro v1.0?"
        )));
    }
    Ok(())
}
