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
use crate::synth::{Permit, Synthesizer};
use crate::voice::{VoiceInfo, Voices};
use crate::{Error, Result};

/// Shared by every front end.
pub struct Service {
    synth: OnceLock<Arc<Synthesizer>>,
    spec: ModelSpec,
    voices: Voices,
    /// The voices' listing facts, read once.
    voice_info: Vec<VoiceInfo>,
    lexicons: Arc<lexicon::Store>,
    admission: Arc<Semaphore>,
    max_concurrent: usize,
    limits: Limits,
    metrics: Arc<Metrics>,
}

impl Service {
    /// A service whose synthesizer is still loading: it can list voices and refuse speech.
    /// At most `max_concurrent` utterances run at once (`--max-concurrent-requests`).
    pub fn new(
        spec: ModelSpec,
        voices: Voices,
        max_concurrent: usize,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> Self {
        Service {
            synth: OnceLock::new(),
            lexicons: Arc::new(lexicon::Store::in_memory(Arc::clone(&spec.vocab))),
            spec,
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
            synth.spec().clone(),
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

    /// The model's facts (known before it loads).
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
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
            &self.spec.vocab,
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

    /// A slot for one utterance, or [`Error::Overloaded`] at once: when the streams running
    /// already fill what the workers can keep playing in real time (the synthesizer's
    /// capacity, from the learnt cost of a call), or the hard cap (`max_concurrent`) is
    /// reached. Every utterance counts as one stream: an HTTP request (streamed or not), a
    /// WebSocket session, a Wyoming synthesis. `Retry-After` says when one is expected to
    /// end.
    pub fn admit(&self) -> Result<Permit> {
        let synth = self.synth()?;
        let busy = || Error::Overloaded {
            retry_after: synth.retry_after(),
        };
        let permit = Arc::clone(&self.admission)
            .try_acquire_owned()
            .map_err(|_| busy())?;
        let running = self.max_concurrent - self.admission.available_permits() - 1;
        if let Some(capacity) = synth.capacity()
            && running >= capacity
        {
            return Err(busy());
        }
        Ok(Arc::new(permit))
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
                synth.spec().clone(),
                synth.voices().clone(),
                2,
                synth.settings().limits,
                Arc::clone(synth.metrics()),
            )
        };
        assert!(matches!(loading.admit(), Err(Error::NotReady)));
        // Two at once; a third is refused at once with when to come back; one ending frees
        // its slot.
        let service = Service::ready(
            crate::synth::tone(SimulatedCost::default(), Settings::DEFAULT),
            2,
        );
        let first = service.admit()?;
        let second = service.admit()?;
        assert!(
            matches!(service.admit(), Err(Error::Overloaded { retry_after }) if retry_after.as_secs() >= 1)
        );
        drop(first);
        let third = service.admit()?;
        drop((second, third));
        // The operator's capacity is below the cap: it decides.
        let settings = Settings {
            capacity: Some(1),
            ..Settings::DEFAULT
        };
        let service = Service::ready(crate::synth::tone(SimulatedCost::default(), settings), 4);
        let only = service.admit()?;
        assert!(matches!(service.admit(), Err(Error::Overloaded { .. })));
        drop(only);
        assert!(service.admit().is_ok());
        Ok(())
    }
}
