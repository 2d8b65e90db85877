//! The core on the deterministic test engine (16 kHz tones, its own voices, no model and no
//! assets beyond the code), built the one way the server builds it, for in-process tests
//! that run in milliseconds.

use std::sync::Arc;

use ttsd::engine::tone::{SimulatedCost, ToneFactory};
use ttsd::metrics::Metrics;
use ttsd::service::Service;
use ttsd::synth::{CoreConfig, Settings, Synthesizer};

/// The test engine's voices, by name.
pub fn voice_names() -> Vec<&'static str> {
    ttsd::engine::tone::VOICES.iter().map(|v| v.0).collect()
}

/// A synthesizer on the test engine: one worker, no chunk cache.
pub fn synth(cost: SimulatedCost, settings: Settings) -> Arc<Synthesizer> {
    let config = CoreConfig {
        cache_bytes: 0,
        settings,
        ..CoreConfig::default()
    };
    let engine = Arc::new(ToneFactory::new(cost));
    Arc::new(
        Synthesizer::build(engine, &config, Arc::new(Metrics::new()))
            .expect("the test engine starts"),
    )
}

/// A ready service on the test engine that admits `max_concurrent` utterances at once.
pub fn service(max_concurrent: usize) -> Arc<Service> {
    service_with(Settings::default(), max_concurrent)
}

/// [`service`] with these settings.
pub fn service_with(settings: Settings, max_concurrent: usize) -> Arc<Service> {
    Arc::new(Service::ready(
        synth(SimulatedCost::default(), settings),
        max_concurrent,
    ))
}

/// A ready service on two test engines in one server: the tone engine (16 kHz, word times;
/// its voices first, its default the server's) and one of Piper's shape beside it (`beep`:
/// 22,050 Hz, voices named with `-`, no blends, no word times).
pub fn pair_service(settings: Settings, max_concurrent: usize) -> Arc<Service> {
    let config = CoreConfig {
        cache_bytes: 0,
        settings,
        ..CoreConfig::default()
    };
    let cost = SimulatedCost::default();
    let engines: Vec<Arc<dyn ttsd::engine::EngineFactory>> = vec![
        Arc::new(ToneFactory::new(cost)),
        Arc::new(ToneFactory::piper_like(cost)),
    ];
    let synth = Synthesizer::build_all(engines, &config, Arc::new(Metrics::new()))
        .expect("the test engines start");
    Arc::new(Service::ready(Arc::new(synth), max_concurrent))
}
