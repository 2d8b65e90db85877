//! Any request body: parsed as OpenAI's speech request, then checked and resolved (voice
//! specs and blends, speed, language) against the real voice packs. Either a clean error
//! or a request whose fields are in range.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttsd::http::SpeechBody;
use ttsd::synth::{SPEED_RANGE, Settings, prepare};
use ttsd::voice::Voices;

fn voices() -> &'static Voices {
    static VOICES: OnceLock<Voices> = OnceLock::new();
    VOICES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../voices");
        Voices::load(&dir).expect("voices/*.bin (run `make assets`)")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<SpeechBody>(data) else {
        return;
    };
    let settings = Settings::default();
    let lang = body.lang_code.as_deref();
    if let Ok(request) = prepare(
        voices(),
        settings,
        &body.input,
        &body.voice,
        body.speed,
        lang,
    ) {
        assert!(!request.text.trim().is_empty());
        assert!(request.text.chars().count() <= settings.max_input_chars);
        assert!((SPEED_RANGE.0..=SPEED_RANGE.1).contains(&request.speed));
    }
});
