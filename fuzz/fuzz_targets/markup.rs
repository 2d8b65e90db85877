//! Any input through the markup reader, with any switches: no panic, a clean answer (items
//! or an error), the bounds kept, and no markup left in the text it hands on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttsd::request::SPEED_RANGE;
use ttsd::text::markup::{
    Item, MAX_ITEMS, MAX_PAUSE, MAX_PHONEMES, MAX_TOTAL_PAUSE, MarkupOptions, parse,
};

/// SSML elements that must never reach the text (unless the input escaped them).
const ELEMENTS: &[&str] = &[
    "<speak",
    "<break",
    "<phoneme",
    "<say-as",
    "<prosody",
    "<emphasis",
    "<voice",
];

/// Whether `element` (`<name`) opens or closes a tag in `text`: the name followed by a
/// space, `/` or `>` (`<breakfast` is prose).
fn has_element(text: &str, element: &str) -> bool {
    let name = &element[1..];
    text.match_indices(name).any(|(at, _)| {
        let before = &text[..at];
        (before.ends_with('<') || before.ends_with("</"))
            && text[at + name.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_whitespace() || c == '/' || c == '>')
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let options = MarkupOptions {
        tags: control & 1 == 0,
        voice_tags: control & 2 != 0,
        ssml: control & 4 != 0,
        streamed: control & 8 != 0,
    };
    let Ok(items) = parse(input, options) else {
        return;
    };
    assert!(items.len() <= MAX_ITEMS, "{} items", items.len());
    // Escapes are how SSML writes "<break" as text on purpose.
    let escaped = input.contains('&') || input.contains("CDATA");
    let mut paused = std::time::Duration::ZERO;
    for item in &items {
        match item {
            Item::Text(text) => {
                assert!(!text.trim().is_empty(), "an empty text item");
                let lower = text.to_ascii_lowercase();
                if options.tags {
                    assert!(!lower.contains("[pause:"), "a pause tag in {text:?}");
                    if !escaped {
                        for element in ELEMENTS {
                            assert!(!has_element(&lower, element), "{element} in {text:?}");
                        }
                    }
                }
                if options.voice_tags {
                    assert!(
                        !lower.contains("[voice:") && !lower.contains("[rate:"),
                        "a voice or rate tag in {text:?}"
                    );
                }
                // Read again, a text item is just itself: nothing in it is a tag.
                if !escaped {
                    let again = parse(
                        text,
                        MarkupOptions {
                            ssml: false,
                            ..options
                        },
                    );
                    assert!(
                        matches!(again.as_deref(), Ok([Item::Text(t)]) if t == text),
                        "{text:?} reads again as {again:?}"
                    );
                }
            }
            Item::Pause(length) => {
                assert!(!length.is_zero() && *length <= MAX_PAUSE, "{length:?}");
                paused += *length;
            }
            Item::Phonemes { phonemes, .. } => {
                assert!(!phonemes.is_empty() && phonemes.chars().count() <= MAX_PHONEMES + 1);
            }
            Item::Alias { spoken, .. } => assert!(!spoken.trim().is_empty()),
            Item::Voice(spec) => {
                assert!(
                    ttsd::voice::parse_blend(&spec.to_ascii_lowercase()).is_ok()
                        || ttsd::text::markup::one_voice_name(spec),
                    "{spec}"
                )
            }
            Item::Speed(factor) => {
                assert!((SPEED_RANGE.0..=SPEED_RANGE.1).contains(factor), "{factor}")
            }
        }
    }
    assert!(paused <= MAX_TOTAL_PAUSE, "{paused:?} of pauses");
});
