//! Kokoro-FastAPI's inline tags: `[pause:…]`, `[voice:…]`, `[rate:…]`, `[word](/ipa/)`.
//!
//! Written by hand rather than with regular expressions: each `[` is tried once against
//! each tag shape with a bounded look-ahead (a tag's body ends at the first `]` within
//! [`MAX_TAG`] bytes; the inline-IPA shape stops at the first bracket, slash or
//! parenthesis, so the stretches scanned from different `[` do not overlap), which keeps the
//! whole scan linear, and a malformed tag can be reported where it is.

use super::{
    MarkupOptions, Out, checked_pause, checked_speed, decimal, fail, pause_length, phonemes, quote,
};
use crate::Result;

/// The longest bracket tag (`[` to `]`): room for a blend of the most voices with weights.
const MAX_TAG: usize = 256;

/// SSML elements that are never plain prose: met outside SSML they mean a switch is off.
/// (`p`, `s`, `sub`, `audio`, `mark` are HTML too, and stay text.)
const SSML_NAMES: &[&str] = &[
    "speak", "break", "phoneme", "say-as", "prosody", "emphasis", "voice",
];

/// A tag read at a `[`.
enum Tag<'a> {
    Pause(std::time::Duration),
    Voice(&'a str),
    Rate(f32),
    Phonemes { written: &'a str, phonemes: String },
}

/// Reads the tags in `text` into `out`, the text between them as [`super::Item::Text`].
/// `pos` maps a byte of `text` to its character position in the input; `check_ssml` refuses
/// SSML elements met here (not in SSML's own text, where they were escaped on purpose).
pub(super) fn scan(
    text: &str,
    options: &MarkupOptions,
    out: &mut Out,
    pos: &dyn Fn(usize) -> usize,
    check_ssml: bool,
) -> Result<()> {
    if !options.tags && !options.voice_tags {
        return out.text(text, pos(0));
    }
    let bytes = text.as_bytes();
    let (mut run, mut i) = (0, 0);
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'[' || b == b'<') {
        let at = i + offset;
        i = at + 1;
        if bytes[at] == b'<' {
            if check_ssml
                && options.tags
                && let Some((name, written)) = ssml_element(&text[at..])
            {
                // XML names are case-sensitive: <SPEAK> is no <speak>, and saying the input
                // lacks one would mislead.
                if written != name {
                    return Err(fail(
                        pos(at),
                        format!("<{written}>: SSML element names are lower case: <{name}>"),
                    ));
                }
                let how = if options.ssml {
                    "SSML needs the whole input inside <speak>…</speak>"
                } else if options.streamed {
                    "SSML needs a one-shot request (POST /v1/audio/speech with \"ssml\": true \
                     and the input inside <speak>…</speak>): streamed input takes inline tags only"
                } else {
                    "SSML is off; set \"ssml\": true and wrap the input in <speak>…</speak>"
                };
                return Err(fail(pos(at), format!("<{name}>: {how}")));
            }
            continue;
        }
        if let Some((len, tag)) = bracket(&text[at..], options, &|b| pos(at + b))? {
            out.text(&text[run..at], pos(run))?;
            let p = pos(at);
            match tag {
                Tag::Pause(length) => out.pause(length, p)?,
                Tag::Voice(name) => out.voice(name, p)?,
                Tag::Rate(factor) => out.speed(factor, p)?,
                Tag::Phonemes { written, phonemes } => out.speech(
                    super::Item::Phonemes {
                        written: written.to_owned(),
                        phonemes,
                    },
                    p,
                )?,
            }
            i = at + len;
            run = i;
        }
    }
    out.text(&text[run..], pos(run))
}

/// The SSML element `text` (starting at `<`) opens or closes, if it is one of
/// [`SSML_NAMES`] followed by what ends a tag's name (a space, `/` or `>`; `<breakfast` and
/// a trailing `<break` are prose), in any case: its name, and the name as written.
fn ssml_element(text: &str) -> Option<(&'static str, &str)> {
    let rest = text.get(1..)?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let bytes = rest.as_bytes();
    let name = SSML_NAMES.iter().copied().find(|name| {
        bytes.len() >= name.len()
            && bytes[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && bytes
                .get(name.len())
                .is_some_and(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>')
    })?;
    // The name matched ASCII letters only, so this is a char boundary.
    Some((name, rest.get(..name.len())?))
}

/// The tag at the start of `text` (which starts with `[`) and its length in bytes; `None`
/// when it is no tag (plain text). `pos` maps a byte of `text` to its character position.
fn bracket<'a>(
    text: &'a str,
    options: &MarkupOptions,
    pos: &dyn Fn(usize) -> usize,
) -> Result<Option<(usize, Tag<'a>)>> {
    let named = |name: &str| {
        text.get(1..1 + name.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(name))
    };
    let keyword = ["pause:", "voice:", "rate:"].into_iter().find(|k| named(k));
    let Some(keyword) = keyword else {
        return Ok(if options.tags {
            inline_ipa(text, pos)?
        } else {
            None
        });
    };
    let on = if keyword == "pause:" {
        options.tags
    } else {
        options.voice_tags
    };
    if !on && !options.tags {
        return Ok(None);
    }
    let Some(close) = text.bytes().take(MAX_TAG).position(|b| b == b']') else {
        return Err(fail(
            pos(0),
            format!(
                "'{}' is not closed by ']' (within {MAX_TAG} bytes)",
                quote(text)
            ),
        ));
    };
    let tag = &text[..=close];
    let body = text[1 + keyword.len()..close].trim();
    if !on {
        return Err(fail(
            pos(0),
            format!(
                "'{}': voice and rate tags are off; set {} to use them",
                quote(tag),
                if options.streamed {
                    // A query parameter (chunked POST) or a settings field (WebSocket).
                    "allow_voice_tags to true"
                } else {
                    "\"allow_voice_tags\": true"
                }
            ),
        ));
    }
    let read = match keyword {
        "pause:" => {
            let Some(seconds) = pause_length(body) else {
                return Err(fail(
                    pos(0),
                    format!(
                        "'{}' is not a pause; write [pause:1.5s] or [pause:500ms]",
                        quote(tag)
                    ),
                ));
            };
            Tag::Pause(checked_pause(seconds, tag, pos(0))?)
        }
        "voice:" => {
            if let Err(e) = crate::voice::parse_blend(&body.to_ascii_lowercase())
                && !one_voice_name(body)
            {
                return Err(fail(pos(0), format!("'{}': {e}", quote(tag))));
            }
            Tag::Voice(body)
        }
        _ => {
            let Some(factor) = decimal(body) else {
                return Err(fail(
                    pos(0),
                    format!("'{}' is not a rate; write [rate:1.2]", quote(tag)),
                ));
            };
            Tag::Rate(checked_speed(factor, tag, pos(0))?)
        }
    };
    Ok(Some((close + 1, read)))
}

/// `[word](/phonemes/)` at the start of `text`, in upstream's shape: no brackets in the word,
/// no slash or parenthesis in the phonemes.
fn inline_ipa<'a>(text: &'a str, pos: &dyn Fn(usize) -> usize) -> Result<Option<(usize, Tag<'a>)>> {
    let b = text.as_bytes();
    let Some(word_end) = b[1..]
        .iter()
        .position(|&c| c == b'[' || c == b']')
        .map(|p| p + 1)
    else {
        return Ok(None);
    };
    if b[word_end] != b']' || !text[word_end + 1..].starts_with("(/") {
        return Ok(None);
    }
    let start = word_end + 3;
    let Some(slash) = b[start..]
        .iter()
        .position(|&c| matches!(c, b'/' | b'(' | b')'))
        .map(|p| p + start)
    else {
        return Ok(None);
    };
    if b[slash] != b'/' || b.get(slash + 1) != Some(&b')') {
        return Ok(None);
    }
    let phonemes = phonemes(&text[start..slash], pos(0))?;
    Ok(Some((
        slash + 2,
        Tag::Phonemes {
            written: text[1..word_end].trim(),
            phonemes,
        },
    )))
}

/// Whether a voice tag's body may be one voice's name though it does not read as a blend:
/// dashes and nothing else of a blend's (Piper's `en_US-joe-medium`). The voice list decides
/// when the request's voices resolve.
pub fn one_voice_name(body: &str) -> bool {
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}
