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
use std::sync::{Arc, OnceLock};

use ort::environment::Environment;
use ort::session::{RunOptions, Session};
use ort::value::Tensor;

use super::{Attribution, Engine, EngineFactory, Interrupt, ModelSpec, Speech};
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
}

/// One loaded session. Not shared: each inference worker owns its own.
pub struct Kokoro {
    session: Session,
    /// Whether the graph outputs the durations.
    durations: bool,
    /// Shrinks the CPU arena after each run (see the module docs); its terminate flag
    /// stops a run from another thread.
    run_options: Arc<Terminable>,
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
        let session = builder.commit_from_file(&config.model).map_err(|e| {
            Error::Asset(format!(
                "cannot load the model {}: {e}",
                config.model.display()
            ))
        })?;
        check_signature(&session)?;
        let durations = session
            .outputs()
            .iter()
            .any(|o| o.name() == OUTPUT_DURATIONS);
        let mut run_options = RunOptions::new().map_err(fail)?;
        run_options
            .set(ARENA_SHRINKAGE.0, ARENA_SHRINKAGE.1)
            .map_err(fail)?;
        Ok(Kokoro {
            session,
            durations,
            run_options: Arc::new(Terminable(run_options)),
        })
    }
}

impl Engine for Kokoro {
    /// The style vector is the pack's row for the number of ids (the last row for more).
    fn infer(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech> {
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
        let fail = |e: ort::Error| Error::Inference(e.to_string());
        let tokens = Tensor::from_array(([1usize, tokens.len()], tokens)).map_err(fail)?;
        let style = Tensor::from_array(([1usize, STYLE_DIM], style.to_vec())).map_err(fail)?;
        let speed = Tensor::from_array(([1usize], vec![speed])).map_err(fail)?;
        let outputs = self
            .session
            .run_with_options(
                ort::inputs![
                    INPUT_TOKENS => tokens,
                    INPUT_STYLE => style,
                    INPUT_SPEED => speed,
                ],
                &self.run_options.0,
            )
            .map_err(fail)?;
        let (_, audio) = outputs[OUTPUT_AUDIO]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let durations = if self.durations {
            let (_, frames) = outputs[OUTPUT_DURATIONS]
                .try_extract_tensor::<i64>()
                .map_err(fail)?;
            let mut samples: Vec<u32> = frames
                .iter()
                .map(|&f| {
                    u32::try_from(f.max(0))
                        .unwrap_or(u32::MAX)
                        .saturating_mul(FRAME_SAMPLES)
                })
                .collect();
            // Speech starts a few frames before the leading pad's predicted end: hexgrad's
            // `KPipeline.join_timestamps` starts the first token at `pred_dur[0] - 3`
            // frames. The pad gives those frames up (the total is the trailing pad's
            // business), so every word is placed where it is heard.
            if let Some(pad) = samples.first_mut() {
                *pad = pad.saturating_sub(LEAD_FRAMES * FRAME_SAMPLES);
            }
            Some(samples)
        } else {
            None
        };
        Ok(Speech {
            samples: audio.to_vec(),
            durations,
        })
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
