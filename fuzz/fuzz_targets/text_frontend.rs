//! Any text through the whole front end (normalize, split, G2P with the espeak-ng fallback
//! or espeak-ng itself, chunking), in every language and with any normalization switches:
//! no panic, no crash in espeak-ng, and every chunk within the model's limit and vocabulary.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttsd::engine::MAX_PHONEME_IDS;
use ttsd::text::{ChunkPlan, Language, NormalizationOptions, TextFrontend};

fn frontend() -> &'static TextFrontend {
    static FRONTEND: OnceLock<TextFrontend> = OnceLock::new();
    FRONTEND.get_or_init(|| {
        let vocab = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/vocab.json");
        TextFrontend::load(&vocab).expect("assets/vocab.json (run `make assets`)")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lang = if data.len() % 2 == 0 {
        Language::EnUs
    } else {
        Language::EnGb
    };
    let frontend = frontend();
    if let Ok(chunks) = frontend.all_chunks(text, lang) {
        for chunk in chunks {
            assert!(
                chunk.ids.len() <= MAX_PHONEME_IDS,
                "{} ids",
                chunk.ids.len()
            );
            assert_eq!(frontend.vocab().encode(&chunk.phonemes), chunk.ids);
        }
    }
});
