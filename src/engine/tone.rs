//! A deterministic engine for tests: no model and no assets, at another sample rate
//! (16 kHz) and with a smaller id limit than Kokoro, so tests that run on it show that
//! nothing downstream assumes Kokoro's facts.
//!
//! Each id becomes a short tone (its pitch from the id, its loudness from the voice's first
//! style value), punctuation and spaces become silence, and every call starts and ends
//! with a little silence, as a model's output does. The same input always gives the same
//! samples. An optional cost (a fixed time per call plus a time per id, spent sleeping)
//! stands in for a model's compute in scheduling tests; like the real engine's, it can be
//! interrupted from another thread.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Engine, EngineFactory, Interrupt, ModelSpec, Speech};
use crate::language::Language;
use crate::text::Vocab;
use crate::voice::StylePack;
use crate::{Error, Result};

const SAMPLE_RATE: u32 = 16_000;
/// Smaller than Kokoro's 510, so chunking is exercised at a limit of its own.
const MAX_IDS: usize = 200;
const STYLE_ROWS: usize = MAX_IDS;
const STYLE_DIM: usize = 4;
/// Every symbol the G2P front ends emit (Kokoro v1.0's set), numbered in this order.
const SYMBOLS: &str = ";:,.!?—…\"()“” \u{303}ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ";
/// Samples per id at speed 1 (40 ms).
const ID_SAMPLES: usize = SAMPLE_RATE as usize / 25;
/// Silence before and after the speech of a call (60 ms).
const EDGE_SAMPLES: usize = SAMPLE_RATE as usize * 3 / 50;

/// Simulated compute time of one call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    pub per_call: Duration,
    pub per_id: Duration,
}

/// Makes [`Tone`] engines.
pub struct ToneFactory {
    spec: ModelSpec,
    cost: Cost,
}

impl ToneFactory {
    pub fn new(cost: Cost) -> Self {
        let vocab = Vocab::from_symbols(SYMBOLS);
        ToneFactory {
            spec: ModelSpec {
                name: "tone",
                sample_rate: SAMPLE_RATE,
                max_ids: MAX_IDS,
                style_rows: STYLE_ROWS,
                style_dim: STYLE_DIM,
                vocab: Arc::new(vocab),
                languages: &Language::ALL,
            },
            cost,
        }
    }

    /// Style data for a test voice: `level` sets its loudness (0.1–1.0).
    pub fn voice(&self, level: f32) -> StylePack {
        StylePack::new(vec![level; STYLE_ROWS * STYLE_DIM], STYLE_ROWS, STYLE_DIM)
            .unwrap_or_else(|_| StylePack::silent(STYLE_ROWS, STYLE_DIM))
    }
}

impl EngineFactory for ToneFactory {
    fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    fn create(&self) -> Result<Box<dyn Engine>> {
        Ok(Box::new(Tone {
            vocab: Arc::clone(&self.spec.vocab),
            cost: self.cost,
            stop: Arc::default(),
        }))
    }
}

/// The engine itself.
pub struct Tone {
    vocab: Arc<Vocab>,
    cost: Cost,
    stop: Arc<Stop>,
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

impl Engine for Tone {
    fn infer(&mut self, ids: &[i64], voice: &StylePack, speed: f32) -> Result<Speech> {
        if ids.len() > MAX_IDS {
            return Err(Error::Internal(format!(
                "{} ids exceed the test engine's limit of {MAX_IDS}",
                ids.len()
            )));
        }
        if !(speed.is_finite() && speed > 0.0) {
            return Err(Error::Inference(format!("speed {speed} is not positive")));
        }
        let level = voice
            .row(ids.len())
            .and_then(|row| row.first())
            .map_or(0.5, |v| v.abs().clamp(0.1, 1.0));
        if self
            .stop
            .wait(self.cost.per_call + self.cost.per_id * ids.len() as u32)
        {
            return Err(Error::Inference("the call was interrupted".into()));
        }
        let per_id = ((ID_SAMPLES as f32 / speed).round() as usize).max(1);
        let mut samples = vec![0.0; EDGE_SAMPLES];
        // The edges' silence stands for the model's pads.
        let mut durations = Vec::with_capacity(ids.len() + 2);
        durations.push(EDGE_SAMPLES as u32);
        for &id in ids {
            let sounding = self.vocab.symbol(id).is_some_and(char::is_alphabetic);
            let start = samples.len();
            if sounding {
                let pitch = 200.0 + 15.0 * (id % 40) as f32;
                samples.extend((0..per_id).map(|i| {
                    let t = i as f32 / SAMPLE_RATE as f32;
                    level * 0.5 * (std::f32::consts::TAU * pitch * t).sin()
                }));
            } else {
                samples.resize(start + per_id, 0.0);
            }
            durations.push(per_id as u32);
        }
        samples.resize(samples.len() + EDGE_SAMPLES, 0.0);
        durations.push(EDGE_SAMPLES as u32);
        Ok(Speech {
            samples,
            durations: Some(durations),
        })
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
        let factory = ToneFactory::new(Cost::default());
        let voice = factory.voice(0.8);
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
