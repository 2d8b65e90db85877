//! Any text through the whole front end (normalize, split, G2P with the espeak-ng fallback
//! or espeak-ng itself, chunking), in every language and with any normalization switches:
//! no panic, no crash in espeak-ng, and every chunk within the model's limit and vocabulary.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttsd::engine::{EngineFactory, KokoroConfig, KokoroFactory, ModelSpec};
use ttsd::language::Language;
use ttsd::text::plan::all_chunks;
use ttsd::text::{NormalizationOptions, TextFrontend};

fn frontend() -> &'static (TextFrontend, ModelSpec) {
    static FRONTEND: OnceLock<(TextFrontend, ModelSpec)> = OnceLock::new();
    FRONTEND.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let factory = KokoroFactory::new(KokoroConfig::under(&root))
            .expect("assets/vocab.json and voices/*.bin (run `make assets`)");
        let spec = factory.spec().clone();
        (TextFrontend::new(std::sync::Arc::clone(&spec.vocab)), spec)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let lang = Language::ALL[usize::from(control) % Language::ALL.len()];
    // The switches from the control byte's high bits.
    let options = NormalizationOptions {
        normalize: control & 0x80 == 0,
        url_normalization: control & 0x40 == 0,
        unit_normalization: control & 0x20 == 0,
        ..Default::default()
    };
    let (frontend, spec) = frontend();
    if let Ok(chunks) = all_chunks(
        frontend,
        text,
        lang,
        options,
        control & 0x10 == 0,
        spec.max_ids,
    ) {
        for chunk in chunks {
            assert!(chunk.ids.len() <= spec.max_ids, "{} ids", chunk.ids.len());
            assert_eq!(frontend.vocab().encode(&chunk.phonemes), chunk.ids);
        }
    }
});
