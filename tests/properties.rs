//! Property-based tests: arbitrary Unicode through normalization, splitting, G2P and the
//! request parsing never panics, never loses text, and never sends the model more than it
//! takes. `PROPTEST_CASES` raises the count (CI runs the defaults below).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use ttsd::engine::MAX_PHONEME_IDS;
use ttsd::http::SpeechBody;
use ttsd::synth::{Settings, prepare};
use ttsd::text::normalize::{NormalizationOptions, for_speech, normalize};
use ttsd::text::split::{chunk_phonemes, sentences, take_chunk};
use ttsd::text::{Language, TextFrontend};
use ttsd::voice::{Voices, parse_spec};

fn frontend() -> &'static TextFrontend {
    static F: OnceLock<TextFrontend> = OnceLock::new();
    F.get_or_init(|| TextFrontend::load(&common::repo().join("assets/vocab.json")).expect("vocab"))
}

fn voices() -> &'static Voices {
    static V: OnceLock<Voices> = OnceLock::new();
    V.get_or_init(|| Voices::load(&common::repo().join("voices")).expect("voices"))
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Text that looks like what people send: words, punctuation, digits, emoji, RTL, controls.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z ,.;:!?'\"()—…\\-]{0,200}",
        2 => "\\PC{0,120}",
        1 => any::<String>(),
        1 => "[a-z]{0,30}( [a-z]{1,12}){0,40}[.!?]?",
        1 => "(\u{05d0}|\u{0627}|\u{1F600}|\u{200b}|\u{0000}|\u{202e}|\u{feff}|x| |\\.){0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalize_is_total_idempotent_and_clean(text in texty()) {
        let once = normalize(&text);
        prop_assert!(!once.chars().any(|c| c.is_control()));
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
        prop_assert!(!once.contains("  "));
        prop_assert_eq!(normalize(&once), once.clone());
    }

    #[test]
    fn sentences_keep_every_character(text in texty()) {
        let normalized = normalize(&text);
        let joined: String = sentences(&normalized).concat();
        prop_assert_eq!(squash(&joined), squash(&normalized));
    }

    #[test]
    fn chunks_fit_and_lose_nothing(text in "\\PC{0,2000}", max in 1usize..600, first: bool) {
        let chunks = chunk_phonemes(&text, max, first);
        for c in &chunks {
            prop_assert!(!c.is_empty());
            prop_assert!(c.chars().count() <= max, "{} > {}", c.chars().count(), max);
        }
        prop_assert_eq!(squash(&chunks.concat()), squash(&text));
    }

    #[test]
    fn take_chunk_respects_the_cap(text in "[a-z ,;.]{1,1500}", budget in 0usize..700) {
        let (head, tail) = take_chunk(&text, budget, MAX_PHONEME_IDS);
        prop_assert!(head.chars().count() <= MAX_PHONEME_IDS);
        prop_assert!(!head.is_empty() || text.trim().is_empty());
        prop_assert_eq!(squash(&format!("{head}{tail}")), squash(&text));
    }

    #[test]
    fn voice_specs_never_panic(spec in "\\PC{0,40}") {
        let _ = parse_spec(&spec);
        let _ = voices().resolve(&spec);
    }

    #[test]
    fn valid_blends_parse_to_their_parts(
        parts in proptest::collection::vec(("[a-z][a-z0-9_]{0,10}", 1u32..50), 1..5)
    ) {
        let spec = parts.iter().map(|(n, w)| format!("{n}({w})")).collect::<Vec<_>>().join("+");
        let parsed = parse_spec(&spec).expect("valid spec");
        prop_assert_eq!(parsed.len(), parts.len());
        for ((name, weight), (n, w)) in parsed.iter().zip(&parts) {
            prop_assert_eq!(*name, n.as_str());
            prop_assert_eq!(*weight, *w as f32);
        }
    }

    #[test]
    fn request_bodies_never_panic(body in any::<Vec<u8>>(), json in "\\{(\"[a-z_]{1,16}\": ?(\"\\PC{0,20}\"|-?[0-9]{1,4}(\\.[0-9]+)?|true|null|\\[\\]),? ?){0,6}\\}") {
        let _ = serde_json::from_slice::<SpeechBody>(&body);
        let _ = serde_json::from_str::<SpeechBody>(&json);
    }

    #[test]
    fn prepare_accepts_or_refuses_cleanly(text in texty(), voice in "\\PC{0,20}", speed in proptest::num::f32::ANY) {
        let settings = Settings::default();
        match prepare(voices(), settings, &text, &voice, speed, None) {
            Ok(req) => {
                prop_assert!((0.25..=4.0).contains(&req.speed));
                prop_assert!(!text.trim().is_empty());
            }
            Err(e) => prop_assert!(e.is_client_error(), "{e}"),
        }
    }
}

/// What assistants write: numbers, currency, times, units, URLs, Markdown, symbols.
fn assistant_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z]{1,10}",
        "[0-9]{1,20}",
        "[0-9]{1,3}(,[0-9]{3}){0,4}(\\.[0-9]{1,3})?",
        "[$€£¥₹#~-]?[0-9]{1,4}(\\.[0-9]{1,2})?[%kKMB]?",
        "[0-9]{1,2}:[0-9]{2} ?([ap]\\.?m\\.?)?",
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}",
        "[0-9]{1,3} ?(°F|°C|km/h|mph|GB|ms|kg|m|g|°)",
        "(https?://)?(www\\.)?[a-z]{1,8}\\.(com|io|org)(/[a-z0-9._-]{0,8}){0,3}",
        "[a-z.]{1,8}@[a-z]{1,8}\\.com",
        "\\(?[0-9]{3}\\)? ?[0-9]{3}-[0-9]{4}",
        "(Dr|Mr|Mrs|St|Mt|e\\.g|i\\.e|etc|vs)\\.",
        "(\\*\\*|__|`|~~|#{1,6} |- |\\[|\\]\\(|\\)|\\|)",
        "[!?.,;:&@+=/*_|^<>{}\\[\\]()\"'…—–-]{1,4}",
        "(\u{1F600}|\u{1F389}|\u{2764}\u{FE0F}|\u{1F44D}\u{1F3FD}|\u{2192})",
        "[0-9](st|nd|rd|th)|v[0-9](\\.[0-9]){1,3}|[a-z]\\(s\\)",
        "\\PC{1,6}",
    ];
    proptest::collection::vec((piece, "[ \n]{0,2}"), 0..40)
        .prop_map(|parts| parts.into_iter().map(|(p, s)| p + &s).collect())
}

fn any_language() -> impl Strategy<Value = Language> {
    proptest::sample::select(Language::ALL.to_vec())
}

fn any_options() -> impl Strategy<Value = NormalizationOptions> {
    proptest::array::uniform7(proptest::bool::weighted(0.8)).prop_map(|b| NormalizationOptions {
        normalize: b[0],
        unit_normalization: b[1],
        url_normalization: b[2],
        email_normalization: b[3],
        optional_pluralization_normalization: b[4],
        phone_normalization: b[5],
        replace_remaining_symbols: b[6],
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Total (no panic), finite (every rule is one linear pass: no input loops it) and clean,
    /// whatever the language and switches.
    #[test]
    fn normalization_for_speech_is_total_and_clean(
        text in prop_oneof![2 => assistant_text(), 1 => texty()],
        lang in any_language(),
        options in any_options(),
    ) {
        let out = for_speech(&text, lang, &options);
        prop_assert!(!out.chars().any(|c| c.is_control()));
        prop_assert!(!out.starts_with(' ') && !out.ends_with(' '));
        prop_assert!(!out.contains("  "));
        // Words for symbols and digits: longer, but within a constant factor.
        prop_assert!(out.len() <= 64 * text.len() + 64, "{} → {}", text.len(), out.len());
        if lang.is_english() && options.normalize {
            prop_assert!(!out.chars().any(|c| c.is_ascii_digit()), "{out:?}");
        }
    }
}

proptest! {
    // G2P takes milliseconds per call: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn g2p_never_panics_and_only_known_symbols_reach_the_model(text in texty(), british: bool) {
        let f = frontend();
        let lang = if british { Language::EnGb } else { Language::EnUs };
        for chunk in f.all_chunks(&text, lang).expect("G2P does not fail on text") {
            prop_assert!(!chunk.ids.is_empty() && chunk.ids.len() <= MAX_PHONEME_IDS);
            prop_assert!(chunk.phonemes.chars().all(|c| f.vocab().contains(c)));
            prop_assert!(!chunk.phonemes.contains('❓'));
        }
    }

    /// Whole sentences reach espeak-ng in the other languages: random text (accents,
    /// Devanagari, digits, symbols, emoji) through that path never crashes the process (an
    /// espeak-ng crash would abort this test binary) and only known symbols come out.
    #[test]
    fn espeak_languages_never_crash_on_any_text(
        text in prop_oneof![
            2 => assistant_text(),
            1 => texty(),
            1 => "[a-zàâçéèêëîïôûùüÿñæœáíóúãõ¿¡' .,;:!?0-9-]{0,200}",
            1 => "[\u{900}-\u{97f}a-z0-9 ।,.?!]{0,120}",
            1 => any::<String>(),
        ],
        lang in proptest::sample::select(vec![Language::Es, Language::Fr, Language::It, Language::PtBr, Language::Hi]),
    ) {
        let f = frontend();
        for chunk in f.all_chunks(&text, lang).expect("G2P does not fail on text") {
            prop_assert!(!chunk.ids.is_empty() && chunk.ids.len() <= MAX_PHONEME_IDS);
            prop_assert!(chunk.phonemes.chars().all(|c| f.vocab().contains(c)));
        }
    }
}
