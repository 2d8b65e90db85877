//! The core on the deterministic test engine (16 kHz tones, no model, no assets beyond the
//! code), for in-process tests that run in milliseconds.

use std::sync::Arc;

use ttsd::engine::tone::{Cost, ToneFactory};
use ttsd::engine::{EngineFactory, Scheduler};
use ttsd::metrics::Metrics;
use ttsd::service::Service;
use ttsd::synth::{Settings, Synthesizer};
use ttsd::text::TextFrontend;
use ttsd::voice::Voices;

/// Voices of the test engine: a few of each kind a test needs (an English one, a British
/// one, a Spanish one, an alias target, and a voice of a language without G2P).
pub const VOICES: &[&str] = &["af_heart", "af_alloy", "bf_emma", "ef_dora", "zf_xiaobei"];

/// A synthesizer on the test engine.
pub fn synth(cost: Cost, settings: Settings) -> Arc<Synthesizer> {
    let factory = Arc::new(ToneFactory::new(cost));
    let spec = factory.spec().clone();
    let mut voices = Voices::new(&spec);
    for (i, name) in VOICES.iter().enumerate() {
        voices
            .insert(name, factory.voice(0.3 + 0.1 * i as f32))
            .expect("a voice of the engine's shape");
    }
    let metrics = Arc::new(Metrics::new());
    let scheduler =
        Scheduler::start(factory, 1, 16, 0, Arc::clone(&metrics)).expect("the test engine starts");
    Arc::new(Synthesizer::new(
        spec.clone(),
        TextFrontend::new(Arc::clone(&spec.vocab)),
        voices,
        scheduler,
        settings,
        metrics,
    ))
}

/// A ready service on the test engine that admits `max_streams` utterances at once.
pub fn service(max_streams: usize) -> Arc<Service> {
    service_with(Settings::default(), max_streams)
}

/// [`service`] with these settings.
pub fn service_with(settings: Settings, max_streams: usize) -> Arc<Service> {
    Arc::new(Service::ready(
        synth(Cost::default(), settings),
        max_streams,
    ))
}
