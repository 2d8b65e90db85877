//! A deterministic engine for tests: no model and no assets, of another shape than Kokoro —
//! another sample rate (16 kHz), a smaller id limit, voices of its own (a loudness each,
//! named and given a language in a table, not by Kokoro's letters) — so tests that run on
//! it show that nothing downstream assumes Kokoro's facts.
//!
//! Each id becomes a short tone (its pitch from the id, its loudness from the voice's),
//! punctuation and spaces become silence, and every call starts and ends with a little
//! silence, as a model's output does. The same input always gives the same samples. An
//! optional cost (a fixed time per call plus a time per id, spent sleeping) stands in for
//! a model's compute in scheduling tests; like the real engine's, it can be interrupted
//! from another thread.
//!
//! It decodes in windows ([`Engine::encode`], [`Engine::decode`]) exactly: a window's samples
//! are the whole call's, so joined windows show any seam, trim or pause out of place.
//!
//! [`ToneFactory::piper_like`] is a second one of Piper's shape, to serve beside the first
//! in one server: 22,050 Hz, voice names with `-`, voices that cannot be blended, no
//! durations (so no word times), whole calls only.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Attribution, Encoded, Engine, EngineFactory, Interrupt, ModelSpec, Speech, Window};
use crate::language::Language;
use crate::text::Vocab;
use crate::voice::{Gender, Voice, VoiceBank, VoiceData, VoiceInfo};
use crate::{Error, Result};

const SAMPLE_RATE: u32 = 16_000;
/// The second test engine's ([`ToneFactory::piper_like`]): Piper's.
const PIPER_LIKE_RATE: u32 = 22_050;
/// Smaller than Kokoro's 510, so chunking is exercised at a limit of its own.
const MAX_IDS: usize = 200;
/// Its voices: name, language, gender, loudness. Named as Kokoro's are, so the same
/// requests run on both; their languages come from this table.
pub const VOICES: &[(&str, Language, Gender, f32)] = &[
    ("af_alloy", Language::EnUs, Gender::Female, 0.4),
    ("af_heart", Language::EnUs, Gender::Female, 0.3),
    ("bf_emma", Language::EnGb, Gender::Female, 0.5),
    ("ef_dora", Language::Es, Gender::Female, 0.6),
    ("zf_xiaobei", Language::Zh, Gender::Female, 0.7),
];
/// The voice a request naming none gets.
const DEFAULT_VOICE: &str = "af_heart";
/// The second test engine's voices, named as Piper's.
pub const PIPER_LIKE_VOICES: &[(&str, Language, Gender, f32)] = &[
    ("en_us-beep-low", Language::EnUs, Gender::Unknown, 0.45),
    ("es_es-beep-low", Language::Es, Gender::Unknown, 0.55),
];
/// Every symbol the G2P front ends emit (Kokoro v1.0's set), numbered in this order.
const SYMBOLS: &str = ";:,.!?—…\"()“” \u{303}ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ";
/// Samples per id at speed 1 (40 ms) at `rate`.
const fn id_samples(rate: u32) -> usize {
    rate as usize / 25
}
/// Silence before and after the speech of a call (60 ms) at `rate`.
const fn edge_samples(rate: u32) -> usize {
    rate as usize * 3 / 50
}

/// Simulated compute time of one call.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulatedCost {
    pub per_call: Duration,
    pub per_id: Duration,
}

/// Makes [`Tone`] engines.
pub struct ToneFactory {
    spec: ModelSpec,
    cost: SimulatedCost,
    /// Whether its engines decode in windows (the first does; the Piper-like one, as Piper,
    /// does not).
    windows: bool,
    voices: Arc<ToneVoices>,
}

impl ToneFactory {
    pub fn new(cost: SimulatedCost) -> Self {
        let vocab = Vocab::from_symbols(SYMBOLS);
        ToneFactory {
            spec: ModelSpec {
                name: "tone",
                title: "a test tone generator",
                attribution: Attribution {
                    name: "ttsd",
                    url: "",
                },
                models: &["tone", "tts-1"],
                sample_rate: SAMPLE_RATE,
                max_ids: MAX_IDS,
                memory_ids: None,
                vocab: Arc::new(vocab),
                languages: Language::ALL.to_vec(),
                word_times: true,
            },
            cost,
            windows: true,
            voices: Arc::new(ToneVoices {
                engine: "tone",
                voices: VOICES,
                default: DEFAULT_VOICE,
                blends: true,
            }),
        }
    }

    /// A second test engine, of Piper's shape ([`PIPER_LIKE_VOICES`]): `beep` (its model
    /// name too), 22,050 Hz, American English and Spanish, voices that cannot be blended,
    /// no durations.
    pub fn piper_like(cost: SimulatedCost) -> Self {
        let mut factory = ToneFactory::new(cost);
        let spec = &mut factory.spec;
        spec.name = "beep";
        spec.title = "a second test tone generator";
        spec.models = &["beep", "tts-1"];
        spec.sample_rate = PIPER_LIKE_RATE;
        spec.languages = vec![Language::EnUs, Language::Es];
        spec.word_times = false;
        factory.windows = false;
        factory.voices = Arc::new(ToneVoices {
            engine: "beep",
            voices: PIPER_LIKE_VOICES,
            default: PIPER_LIKE_VOICES[0].0,
            blends: false,
        });
        factory
    }
}

impl EngineFactory for ToneFactory {
    fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn voices(&self) -> Arc<dyn VoiceBank> {
        Arc::clone(&self.voices) as Arc<dyn VoiceBank>
    }

    fn windows(&self) -> bool {
        self.windows
    }

    fn create(&self) -> Result<Box<dyn Engine>> {
        Ok(Box::new(Tone {
            vocab: Arc::clone(&self.spec.vocab),
            cost: self.cost,
            sample_rate: self.spec.sample_rate,
            durations: self.spec.word_times,
            windows: self.windows,
            stop: Arc::default(),
        }))
    }
}

/// A test engine's voices ([`VOICES`], [`PIPER_LIKE_VOICES`]); a blend mixes their
/// loudness.
pub struct ToneVoices {
    engine: &'static str,
    voices: &'static [(&'static str, Language, Gender, f32)],
    default: &'static str,
    /// Whether its voices can be blended.
    blends: bool,
}

/// A test voice's data: its loudness.
#[derive(Debug, Clone, Copy)]
struct Level(f32);

/// A test voice's loudness.
fn level(data: &VoiceData) -> Result<f32> {
    data.get::<Level>()
        .map(|l| l.0)
        .ok_or_else(|| Error::Internal("a voice of another engine reached the tone engine".into()))
}

impl VoiceBank for ToneVoices {
    fn list(&self) -> Vec<VoiceInfo> {
        self.voices
            .iter()
            .map(|&(name, language, gender, _)| VoiceInfo {
                name: name.into(),
                engine: self.engine,
                language: Some(language),
                gender,
                speaks: true,
            })
            .collect()
    }

    fn voice(&self, name: &str) -> Option<Voice> {
        let name = if name == "alloy" { "af_alloy" } else { name };
        let &(name, language, _, level) = self.voices.iter().find(|v| v.0 == name)?;
        Some(Voice {
            name: name.into(),
            language,
            engine: self.engine,
            data: VoiceData::new(Level(level)),
        })
    }

    fn default_voice(&self) -> &str {
        self.default
    }

    fn default_for(&self, language: Language) -> Option<&str> {
        self.voices.iter().find(|v| v.1 == language).map(|v| v.0)
    }

    fn blend(&self, parts: &[(&Voice, f32)]) -> Result<VoiceData> {
        if !self.blends {
            return Err(Error::invalid(
                "voice",
                "this engine's voices cannot be blended",
            ));
        }
        let mut level = 0.0;
        for (voice, weight) in parts {
            level += self::level(&voice.data)? * weight;
        }
        Ok(VoiceData::new(Level(level)))
    }

    /// Its loudness, as four little-endian bytes.
    fn file(&self, voice: &Voice) -> Result<Vec<u8>> {
        Ok(level(&voice.data)?.to_le_bytes().to_vec())
    }
}

/// The engine itself.
pub struct Tone {
    vocab: Arc<Vocab>,
    cost: SimulatedCost,
    sample_rate: u32,
    /// Whether it reports durations.
    durations: bool,
    /// Whether it decodes in windows.
    windows: bool,
    stop: Arc<Stop>,
}

/// A windowed call's samples ([`Encoded::state`]), and how many ids made them.
struct Sampled {
    samples: Vec<f32>,
    ids: usize,
}

/// The stop flag its simulated compute waits on.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    /// Waits `time`, or less if stopped; whether it was stopped.
    fn wait(&self, time: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, time, |stopped| !*stopped)
            .unwrap_or_else(|p| p.into_inner());
        *stopped
    }

    fn set(&self, value: bool) {
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = value;
        self.wake.notify_all();
    }
}

impl Interrupt for Stop {
    fn interrupt(&self) {
        self.set(true);
    }

    fn clear(&self) {
        self.set(false);
    }
}

impl Tone {
    /// The samples and durations of a call (no cost spent).
    fn speak(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech> {
        if ids.len() > MAX_IDS {
            return Err(Error::Internal(format!(
                "{} ids exceed the test engine's limit of {MAX_IDS}",
                ids.len()
            )));
        }
        if !(speed.is_finite() && speed > 0.0) {
            return Err(Error::Inference(format!("speed {speed} is not positive")));
        }
        let level = level(voice)?.abs().clamp(0.1, 1.0);
        let rate = self.sample_rate;
        let (id_samples, edge) = (id_samples(rate), edge_samples(rate));
        let per_id = ((id_samples as f32 / speed).round() as usize).max(1);
        let mut samples = vec![0.0; edge];
        // The edges' silence stands for the model's pads.
        let mut durations = Vec::with_capacity(ids.len() + 2);
        durations.push(edge as u32);
        for &id in ids {
            let sounding = self.vocab.symbol(id).is_some_and(char::is_alphabetic);
            let start = samples.len();
            if sounding {
                let pitch = 200.0 + 15.0 * (id % 40) as f32;
                samples.extend((0..per_id).map(|i| {
                    let t = i as f32 / rate as f32;
                    level * 0.5 * (std::f32::consts::TAU * pitch * t).sin()
                }));
            } else {
                samples.resize(start + per_id, 0.0);
            }
            durations.push(per_id as u32);
        }
        samples.resize(samples.len() + edge, 0.0);
        durations.push(edge as u32);
        Ok(Speech {
            samples,
            durations: self.durations.then_some(durations),
        })
    }

    /// Spends `time` as a model would, unless stopped.
    fn spend(&self, time: Duration) -> Result<()> {
        if self.stop.wait(time) {
            return Err(Error::Inference("the call was interrupted".into()));
        }
        Ok(())
    }
}

/// Samples per frame of a windowed call: 25 ms, as Kokoro's.
const fn frame_samples(rate: u32) -> usize {
    rate as usize / 40
}

impl Engine for Tone {
    fn infer(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Speech> {
        let speech = self.speak(ids, voice, speed)?;
        self.spend(self.cost.per_call + self.cost.per_id * ids.len() as u32)?;
        Ok(speech)
    }

    /// The call's samples, made now (they are cheap); the windows give them out.
    fn encode(&mut self, ids: &[i64], voice: &VoiceData, speed: f32) -> Result<Encoded> {
        if !self.windows {
            return Err(Error::Internal(
                "this test engine decodes whole calls only".into(),
            ));
        }
        let speech = self.speak(ids, voice, speed)?;
        self.spend(self.cost.per_call)?;
        let frame = frame_samples(self.sample_rate);
        let ends = speech.durations.as_ref().map_or_else(Vec::new, |d| {
            d.iter()
                .scan(0, |end, &n| {
                    *end += n as usize;
                    Some(end.div_ceil(frame))
                })
                .collect()
        });
        Ok(Encoded {
            frames: speech.samples.len().div_ceil(frame),
            frame_samples: frame,
            ends,
            durations: speech.durations,
            state: Box::new(Sampled {
                samples: speech.samples,
                ids: ids.len(),
            }),
        })
    }

    /// A window's samples, context and all (the last window's end where the call's audio
    /// ends), with its share of the call's simulated cost.
    fn decode(&mut self, encoded: &Encoded, window: Window) -> Result<Vec<f32>> {
        let Sampled { samples, ids } = encoded
            .state
            .downcast_ref::<Sampled>()
            .ok_or_else(|| Error::Internal("a window of another engine's call".into()))?;
        let span = window.span(encoded.frames);
        let frame = encoded.frame_samples;
        let range = (span.start * frame).min(samples.len())..(span.end * frame).min(samples.len());
        let share = (ids * span.len()).div_ceil(encoded.frames.max(1));
        self.spend(self.cost.per_id * share as u32)?;
        Ok(samples[range].to_vec())
    }

    fn interrupter(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::clone(&self.stop) as Arc<dyn Interrupt>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_input_gives_the_same_samples_and_durations_add_up() -> Result<()> {
        let factory = ToneFactory::new(SimulatedCost::default());
        let voice = factory.voices().voice("af_heart").map(|v| v.data);
        let voice = voice.ok_or_else(|| Error::Internal("a test voice".into()))?;
        let ids = factory.spec().vocab.encode("həlˈO, wˈɜɹld.");
        let mut a = factory.create()?;
        let mut b = factory.create()?;
        let one = a.infer(&ids, &voice, 1.0)?;
        let two = b.infer(&ids, &voice, 1.0)?;
        assert_eq!(one.samples, two.samples);
        let durations = one.durations.unwrap_or_default();
        assert_eq!(durations.len(), ids.len() + 2);
        assert_eq!(
            durations.iter().map(|&d| d as usize).sum::<usize>(),
            one.samples.len()
        );
        let faster = a.infer(&ids, &voice, 2.0)?;
        assert!(faster.samples.len() < one.samples.len());
        assert!(a.infer(&vec![20; MAX_IDS + 1], &voice, 1.0).is_err());
        Ok(())
    }
}
