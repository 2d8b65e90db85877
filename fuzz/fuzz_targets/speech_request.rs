//! Any request body: parsed as OpenAI's speech request, then checked and resolved (voice
//! specs and blends, speed, language) against the real voice packs. Either a clean error
//! or a request whose fields are in range. Lexicons: an empty store (a named one is unknown).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttsd::engine::{EngineFactory, KokoroConfig, KokoroFactory};
use ttsd::lexicon::Store;
use ttsd::request::{Input, Limits, SPEED_RANGE, SpeechParams};
use ttsd::voice::Voices;

fn catalogue() -> &'static (Voices, Store) {
    static CATALOGUE: OnceLock<(Voices, Store)> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let factory = KokoroFactory::new(KokoroConfig::under(&root))
            .expect("assets/vocab.json and voices/*.bin (run `make assets`)");
        let store = Store::in_memory(factory.spec().vocab.clone());
        (factory.catalogue(), store)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(params) = serde_json::from_slice::<SpeechParams>(data) else {
        return;
    };
    let limits = Limits::default();
    let (voices, lexicons) = catalogue();
    match params.validate(voices, limits, Input::Required, lexicons) {
        Ok(request) => {
            let text = request.text().unwrap_or_default();
            assert!(!text.trim().is_empty());
            assert!(text.chars().count() <= limits.max_input_chars);
            assert!((SPEED_RANGE.0..=SPEED_RANGE.1).contains(&request.speed()));
        }
        Err(e) => assert!(e.is_client_error(), "{e}"),
    }
});
