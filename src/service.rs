//! The speech service every front end shares: the synthesizer once it is ready, the voices
//! (listed before it is), the pronunciation lexicons, the admission of utterances, and the
//! metrics.
//!
//! HTTP, Wyoming, the WebSocket and the command line all speak through one [`Service`]; none
//! of them knows another. The composition root (`server`) builds it once.

use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

use crate::engine::ModelSpec;
use crate::lexicon;
use crate::metrics::Metrics;
use crate::request::{Input, Limits, SpeechParams, SpeechRequest};
use crate::synth::{Admission, Permit, Synthesizer};
use crate::voice::{Voice, VoiceInfo, Voices};
use crate::{Error, Result};

/// Shared by every front end.
pub struct Service {
    synth: OnceLock<Arc<Synthesizer>>,
    /// Each engine's facts, the first's the default voice's.
    specs: Vec<ModelSpec>,
    voices: Voices,
    /// The voices' listing facts, read once.
    voice_info: Vec<VoiceInfo>,
    lexicons: Arc<lexicon::Store>,
    admission: Arc<Semaphore>,
    /// Each engine's utterances (as many slots as the server's each): what its capacity is
    /// compared with.
    engine_slots: Vec<(&'static str, Arc<Semaphore>)>,
    max_concurrent: usize,
    limits: Limits,
    metrics: Arc<Metrics>,
}

impl Service {
    /// A service whose synthesizer is still loading: it can list voices and refuse speech.
    /// At most `max_concurrent` utterances run at once (`--max-concurrent-requests`).
    /// `specs` are the engines' (at least one), the first's the default voice's.
    pub fn new(
        specs: Vec<ModelSpec>,
        voices: Voices,
        max_concurrent: usize,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> Self {
        let vocab = specs.first().map_or_else(
            || Arc::new(crate::text::Vocab::from_symbols("")),
            |s| Arc::clone(&s.vocab),
        );
        Service {
            synth: OnceLock::new(),
            lexicons: Arc::new(lexicon::Store::in_memory(vocab)),
            engine_slots: specs
                .iter()
                .map(|s| (s.name, Arc::new(Semaphore::new(max_concurrent.max(1)))))
                .collect(),
            specs,
            voice_info: voices.info(),
            voices,
            admission: Arc::new(Semaphore::new(max_concurrent.max(1))),
            max_concurrent: max_concurrent.max(1),
            limits,
            metrics,
        }
    }

    /// A service that is ready at once (the command line, in-process tests).
    pub fn ready(synth: Arc<Synthesizer>, max_concurrent: usize) -> Self {
        let service = Service::new(
            synth.specs(),
            synth.voices().clone(),
            max_concurrent,
            synth.settings().limits,
            Arc::clone(synth.metrics()),
        );
        service.set_ready(synth);
        service
    }

    /// With these lexicons (a store on disk; by default they are kept in memory only).
    pub fn with_lexicons(mut self, lexicons: Arc<lexicon::Store>) -> Self {
        self.lexicons = lexicons;
        self
    }

    /// The synthesizer is loaded and warm.
    pub fn set_ready(&self, synth: Arc<Synthesizer>) {
        let _ = self.synth.set(synth);
    }

    /// The synthesizer, or [`Error::NotReady`] while it loads.
    pub fn synth(&self) -> Result<&Arc<Synthesizer>> {
        self.synth.get().ok_or(Error::NotReady)
    }

    pub fn is_ready(&self) -> bool {
        self.synth.get().is_some()
    }

    /// The first engine's facts (the default voice's; known before it loads).
    pub fn spec(&self) -> &ModelSpec {
        &self.specs[0]
    }

    /// Every engine's facts, the first's the default voice's.
    pub fn specs(&self) -> &[ModelSpec] {
        &self.specs
    }

    /// The facts of the engine named `name` (a voice's `engine`).
    pub fn spec_of(&self, name: &str) -> Option<&ModelSpec> {
        self.specs.iter().find(|s| s.name == name)
    }

    /// Every voice, with whether it speaks.
    pub fn voices(&self) -> &[VoiceInfo] {
        &self.voice_info
    }

    /// What a request may name: voices, models, languages (known before the model loads).
    pub fn catalogue(&self) -> &Voices {
        &self.voices
    }

    /// The pronunciation lexicons the server keeps (usable before the model is ready).
    pub fn lexicons(&self) -> &Arc<lexicon::Store> {
        &self.lexicons
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Checks a request against the voices, the limits, the model's symbols and the
    /// lexicons kept ([`crate::synth::validate`]): every front end's one check.
    pub fn validate(&self, params: SpeechParams, input: Input) -> Result<SpeechRequest> {
        crate::synth::validate(
            params,
            input,
            &self.voices,
            &self.specs,
            self.limits,
            &self.lexicons,
        )
    }

    /// The limits every request is checked against.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Most utterances at once.
    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// A slot for one utterance in `voice`, or [`Error::Overloaded`] at once: when the
    /// streams its engine runs already fill what its workers can keep playing in real time
    /// (its capacity, from the learnt cost of its calls), or the hard cap (`max_concurrent`,
    /// for all engines together) is reached. Every utterance counts as one stream: an HTTP
    /// request (streamed or not), a WebSocket session, a Wyoming synthesis. `Retry-After`
    /// says when one of that engine's is expected to end.
    pub fn admit(&self, voice: &Voice) -> Result<Permit> {
        let synth = self.synth()?;
        let engine = voice.engine;
        let busy = || Error::Overloaded {
            retry_after: synth.retry_after(engine),
        };
        let slots = self
            .engine_slots
            .iter()
            .find(|(name, _)| *name == engine)
            .map(|(_, slots)| slots)
            .ok_or_else(|| Error::Internal(format!("no engine '{engine}' in this server")))?;
        let server = Arc::clone(&self.admission)
            .try_acquire_owned()
            .map_err(|_| busy())?;
        let own = Arc::clone(slots).try_acquire_owned().map_err(|_| busy())?;
        let running = self.max_concurrent - slots.available_permits() - 1;
        if let Some(capacity) = synth.capacity_of(engine)
            && running >= capacity
        {
            return Err(busy());
        }
        Ok(Arc::new(Admission::new(engine, server, own)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tone::SimulatedCost;
    use crate::synth::Settings;

    #[test]
    fn admission_stops_at_the_hard_cap_and_at_the_capacity() -> Result<()> {
        let loading = {
            let synth = crate::synth::tone(SimulatedCost::default(), Settings::DEFAULT);
            Service::new(
                synth.specs(),
                synth.voices().clone(),
                2,
                synth.settings().limits,
                Arc::clone(synth.metrics()),
            )
        };
        let heart = loading.catalogue().resolve("af_heart")?;
        assert!(matches!(loading.admit(&heart), Err(Error::NotReady)));
        // Two at once; a third is refused at once with when to come back; one ending frees
        // its slot.
        let service = Service::ready(
            crate::synth::tone(SimulatedCost::default(), Settings::DEFAULT),
            2,
        );
        let first = service.admit(&heart)?;
        let second = service.admit(&heart)?;
        assert!(
            matches!(service.admit(&heart), Err(Error::Overloaded { retry_after }) if retry_after.as_secs() >= 1)
        );
        drop(first);
        let third = service.admit(&heart)?;
        drop((second, third));
        // The operator's capacity is below the cap: it decides.
        let settings = Settings {
            capacity: Some(1),
            ..Settings::DEFAULT
        };
        let service = Service::ready(crate::synth::tone(SimulatedCost::default(), settings), 4);
        let only = service.admit(&heart)?;
        assert!(matches!(
            service.admit(&heart),
            Err(Error::Overloaded { .. })
        ));
        drop(only);
        assert!(service.admit(&heart).is_ok());
        Ok(())
    }

    /// A client that asks again as soon as its audio has ended finds the slot free: the
    /// utterance gives its permit back before its last event, not some time after it (a
    /// race that refused back-to-back requests with 429 at a capacity of one).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slot_is_free_once_the_audio_has_ended() -> Result<()> {
        let settings = Settings {
            capacity: Some(1),
            ..Settings::DEFAULT
        };
        let synth = crate::synth::tone(SimulatedCost::default(), settings);
        let service = Service::ready(Arc::clone(&synth), 4);
        let heart = service.catalogue().resolve("af_heart")?;
        for _ in 0..300 {
            let permit = service.admit(&heart)?;
            let mut params = crate::request::SpeechParams::new("Hi.", "af_heart");
            params.response_format = Some("pcm".into());
            let request = service.validate(params, crate::request::Input::Required)?;
            let mut audio = synth.speak(request, Some(permit))?;
            while let Some(event) = audio.recv().await {
                if matches!(event?, crate::synth::Event::Done(_)) {
                    break;
                }
            }
        }
        Ok(())
    }

    #[test]
    fn each_engine_is_admitted_by_its_own_capacity_under_one_cap() -> Result<()> {
        // A capacity of one stream each: one on each engine at once, not two on one.
        let settings = Settings {
            capacity: Some(1),
            ..Settings::DEFAULT
        };
        let service = Service::ready(
            crate::synth::tone_pair(SimulatedCost::default(), settings),
            3,
        );
        let heart = service.catalogue().resolve("af_heart")?;
        let beep = service.catalogue().resolve("en_us-beep-low")?;
        assert_eq!((heart.engine, beep.engine), ("tone", "beep"));
        let tone = service.admit(&heart)?;
        assert!(matches!(
            service.admit(&heart),
            Err(Error::Overloaded { .. })
        ));
        let other = service.admit(&beep)?;
        assert_eq!((tone.engine(), other.engine()), ("tone", "beep"));
        assert!(matches!(
            service.admit(&beep),
            Err(Error::Overloaded { .. })
        ));
        drop(tone);
        // The hard cap counts both engines' utterances.
        let settings = Settings {
            capacity: Some(5),
            ..Settings::DEFAULT
        };
        let service = Service::ready(
            crate::synth::tone_pair(SimulatedCost::default(), settings),
            2,
        );
        let a = service.admit(&heart)?;
        let b = service.admit(&beep)?;
        assert!(matches!(
            service.admit(&beep),
            Err(Error::Overloaded { .. })
        ));
        assert!(matches!(
            service.admit(&heart),
            Err(Error::Overloaded { .. })
        ));
        drop((a, b));
        Ok(())
    }
}
