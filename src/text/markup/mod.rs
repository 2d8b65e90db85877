//! Markup in a request's `input`, read into a stream of [`Item`]s before any normalization:
//! Kokoro-FastAPI v0.8's inline tags and, with `ssml`, a subset of SSML.
//!
//! Inline tags (Kokoro-FastAPI `services/text_processing/text_processor.py`):
//! - `[pause:1.5s]` — silence. Upstream's `PAUSE_TAG_PATTERN` is `\[pause:(\d+(?:\.\d+)?)s\]`
//!   (case-insensitive); ttsd also takes `ms` and spaces around the number. 0–10 s each
//!   (upstream caps at 60 s; here longer is an error), at most [`MAX_TOTAL_PAUSE`] in all.
//! - `[word](/ipa/)` — `word` spoken with the phonemes between the slashes. Upstream's
//!   `CUSTOM_PHONEMES` is `\[[^\[\]]*?\]\(\/[^\/\(\)]*?\/\)`, read the same way here: no
//!   brackets in the word, no `/ ( )` in the phonemes. Markdown links (`[docs](https://…)`,
//!   `[x](/a/b)`) do not have that shape and stay text for the Markdown normalizer.
//! - with `voice_tags` (upstream's `allow_voice_tags`): `[voice:NAME]` switches voice from
//!   there on (a name, alias or blend, as `voice` takes: upstream's `VOICE_TAG_PATTERN`),
//!   `[rate:1.2]` the speed factor (upstream's `CONTROL_TAG_PATTERN`); as upstream, a voice
//!   tag resets the factor to 1.
//!
//! SSML (upstream `services/text_processing/ssml.py`, translated here to the same items):
//! input whose first element (after an XML declaration, comments, whitespace) is `<speak>`.
//! `<break time|strength>`, `<sub alias>`, `<phoneme ph alphabet="ipa">`, `<say-as
//! interpret-as>`, `<prosody rate>`, `<p>`, `<s>`; inline tags in its text are read as above.
//! Where upstream drops other elements and speaks their text, ttsd refuses them: markup the
//! server cannot honour is an error, never silently ignored or read aloud.
//!
//! Markup that is switched off is an error when `tags` is on (`[voice:…]` without
//! `voice_tags`, `<speak>`/`<break>`… without `ssml`), so a forgotten switch is not read
//! aloud; other brackets and angle brackets ("[1]", "a < b", Markdown links) stay text.
//!
//! Everything is linear in the input and bounded: [`MAX_ITEMS`] items, [`MAX_DEPTH`] nested
//! SSML elements. Errors are [`Error::InvalidInput`] on `input`, saying what and where (the
//! character position, counted from 1).

mod native;
pub use native::one_voice_name;
mod say_as;
mod ssml;

pub(crate) use ssml::xml_reference;

use std::time::Duration;

use crate::error::{MAX_QUOTED, clip};
use crate::{Error, Result};

/// One piece of an utterance's input after markup is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text to normalize and phonemize as usual.
    Text(String),
    /// Silence of this length.
    Pause(Duration),
    /// A word whose phonemes are given (inline IPA, `<phoneme ph>`): `written` for captions,
    /// `phonemes` to speak.
    Phonemes { written: String, phonemes: String },
    /// Text said in place of what is written (`<sub alias>`, `<say-as>`): `spoken` is
    /// normalized and phonemized as usual, captions show `written`.
    Alias { written: String, spoken: String },
    /// From here on, this voice (a name, alias or blend, as `voice` takes).
    Voice(String),
    /// From here on, this speed factor, relative to the request's speed (`[rate:x]`,
    /// `<prosody rate>`; the end of a `<prosody>` gives back the enclosing factor).
    Speed(f32),
}

/// Which markup is read. Kokoro-FastAPI always reads pause tags and inline IPA (`tags`);
/// `voice_tags` is its `allow_voice_tags`, `ssml` its `ssml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkupOptions {
    /// `[pause:…]` and `[word](/ipa/)`, and the refusal of markup that is switched off. Off,
    /// the input is plain text apart from what `voice_tags` and `ssml` turn on.
    pub tags: bool,
    /// `[voice:…]` and `[rate:…]`.
    pub voice_tags: bool,
    /// Input with a `<speak>` root is SSML.
    pub ssml: bool,
    /// The input arrives in pieces (WebSocket, chunked POST), where SSML cannot be switched
    /// on: what refuses SSML says it needs a one-shot request, and switches are named as
    /// query parameters.
    pub streamed: bool,
}

impl Default for MarkupOptions {
    /// Kokoro-FastAPI's defaults: inline tags on, voice tags and SSML off.
    fn default() -> Self {
        MarkupOptions {
            tags: true,
            voice_tags: false,
            ssml: false,
            streamed: false,
        }
    }
}

/// Slowest and fastest speech, as a request's `speed` and as a factor markup sets.
pub const SPEED_RANGE: (f32, f32) = (0.25, 4.0);
/// The longest pause one tag or `<break>` may ask for.
pub const MAX_PAUSE: Duration = Duration::from_secs(10);
/// The most silence markup may add to one input, so a few kilobytes of tags cannot ask for
/// an hour of audio.
pub const MAX_TOTAL_PAUSE: Duration = Duration::from_secs(120);
/// The most items one input may become.
pub const MAX_ITEMS: usize = 512;
/// The deepest SSML nesting, `<speak>` included (upstream: 10 below the root; real
/// documents use 2 to 5).
pub const MAX_DEPTH: usize = 10;
/// The most phoneme symbols in one inline word or `<phoneme>`: one word, well within one
/// model call.
pub const MAX_PHONEMES: usize = 256;
/// The silence at an SSML paragraph's edge (`<p>`, `</p>`) between two things said, unless
/// a `<break>` is written there. Like every pause markup asks for, it replaces the pause the
/// pipeline makes after a sentence (300 ms).
pub const PARAGRAPH_PAUSE: Duration = Duration::from_millis(700);

/// Reads `input`'s markup into items; plain text is one [`Item::Text`].
pub fn parse(input: &str, options: MarkupOptions) -> Result<Vec<Item>> {
    parse_from(input, options, 0)
}

/// [`parse`] for a piece of a longer text that starts after `before` characters of it (a
/// streamed text is read piece by piece as it is cut): errors give positions in the whole.
pub fn parse_from(input: &str, options: MarkupOptions, before: usize) -> Result<Vec<Item>> {
    let mut out = Out::default();
    if ssml::is_ssml(input) {
        if options.ssml {
            ssml::parse(input, &options, &mut out)?;
            return Ok(out.items);
        }
        if options.tags {
            let how = if options.streamed {
                "the input is SSML (a <speak> root); SSML needs a one-shot request \
                 (POST /v1/audio/speech with \"ssml\": true): streamed input takes inline tags only"
            } else {
                "the input is SSML (a <speak> root); set \"ssml\": true to read it"
            };
            return Err(fail(before + 1, how));
        }
    }
    let positions = Positions::new(input);
    native::scan(
        input,
        &options,
        &mut out,
        &|byte| before + positions.at(byte),
        true,
    )?;
    Ok(out.items)
}

/// An error about the input at a character position (from 1).
fn fail(at: usize, what: impl std::fmt::Display) -> Error {
    Error::invalid("input", format!("markup at character {at}: {what}"))
}

/// `text` clipped for quoting in a message.
fn quote(text: &str) -> std::borrow::Cow<'_, str> {
    clip(text, MAX_QUOTED)
}

/// Character positions (from 1) of bytes of a text, counted on from the last one asked for:
/// a scan asks in increasing order, so all its positions together cost one pass.
struct Positions<'a> {
    text: &'a str,
    last: std::cell::Cell<(usize, usize)>,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text,
            last: std::cell::Cell::new((0, 0)),
        }
    }

    /// The position of the character byte `byte` falls in (the end, past the last).
    fn at(&self, byte: usize) -> usize {
        let mut end = byte.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let (from, mut chars) = self.last.get();
        let from = if end >= from {
            from
        } else {
            chars = 0;
            0
        };
        chars += self.text[from..end].chars().count();
        self.last.set((end, chars));
        chars + 1
    }
}

/// The items as they are built, with the running totals the bounds need.
#[derive(Debug)]
struct Out {
    items: Vec<Item>,
    paused: Duration,
    /// The speed factor in force, so a voice tag can reset it and a `</prosody>` restore it.
    speed: f32,
    /// A paragraph ended: its pause goes before the next thing said, if anything is.
    paragraph: bool,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            items: Vec::new(),
            paused: Duration::ZERO,
            speed: 1.0,
            paragraph: false,
        }
    }
}

impl Out {
    fn push(&mut self, item: Item, at: usize) -> Result<()> {
        if self.items.len() >= MAX_ITEMS {
            return Err(fail(
                at,
                format!("more than {MAX_ITEMS} pieces of text and markup in one input"),
            ));
        }
        self.items.push(item);
        Ok(())
    }

    /// Something said: after the pause a paragraph end owes.
    fn speech(&mut self, item: Item, at: usize) -> Result<()> {
        if std::mem::take(&mut self.paragraph) {
            self.silence(PARAGRAPH_PAUSE, at)?;
        }
        self.push(item, at)
    }

    /// Text as written, unless it is only whitespace.
    fn text(&mut self, text: &str, at: usize) -> Result<()> {
        if text.trim().is_empty() {
            return Ok(());
        }
        self.speech(Item::Text(text.to_owned()), at)
    }

    /// An explicit pause, which replaces a paragraph's (SSML: a `<break>` is the break
    /// there). A zero pause adds nothing.
    fn pause(&mut self, length: Duration, at: usize) -> Result<()> {
        self.paragraph = false;
        self.silence(length, at)
    }

    fn silence(&mut self, length: Duration, at: usize) -> Result<()> {
        if length.is_zero() {
            return Ok(());
        }
        self.paused += length;
        if self.paused > MAX_TOTAL_PAUSE {
            return Err(fail(
                at,
                format!(
                    "the pauses add up to more than {} s",
                    MAX_TOTAL_PAUSE.as_secs()
                ),
            ));
        }
        self.push(Item::Pause(length), at)
    }

    /// A voice from here on; as upstream's `split_by_voice`, it resets the speed factor.
    fn voice(&mut self, name: &str, at: usize) -> Result<()> {
        self.push(Item::Voice(name.to_owned()), at)?;
        self.speed(1.0, at)
    }

    fn speed(&mut self, factor: f32, at: usize) -> Result<()> {
        if factor == self.speed {
            return Ok(());
        }
        self.speed = factor;
        self.push(Item::Speed(factor), at)
    }

    /// An SSML sentence or paragraph boundary (either edge of `<s>` or `<p>`): the last thing
    /// said ends with a full stop (added where it has none), and at a paragraph's edge a
    /// pause is owed before the next thing said.
    fn boundary(&mut self, paragraph: bool) {
        let last = self.items.iter_mut().rev().find(|i| {
            matches!(
                i,
                Item::Text(_) | Item::Alias { .. } | Item::Phonemes { .. }
            )
        });
        let spoke = last.is_some();
        match last {
            Some(Item::Text(text)) | Some(Item::Alias { spoken: text, .. }) => full_stop(text),
            Some(Item::Phonemes { phonemes, .. }) if !phonemes.ends_with(['.', '!', '?']) => {
                phonemes.push('.');
            }
            _ => {}
        }
        // A pause written right there (a <break> between paragraphs) is the paragraph's.
        if paragraph && spoke && !matches!(self.items.last(), Some(Item::Pause(_))) {
            self.paragraph = true;
        }
    }
}

/// Ends `text` with a sentence end: kept if it has one (before closing quotes or brackets),
/// else a trailing comma, colon or semicolon becomes a full stop, else one is added.
fn full_stop(text: &mut String) {
    let body = text.trim_end();
    let last = body
        .chars()
        .rev()
        .find(|c| !matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»'));
    if matches!(
        last,
        None | Some('.' | '!' | '?' | '…' | '。' | '！' | '？')
    ) {
        return;
    }
    let keep = body.trim_end_matches([',', ';', ':', '—']).trim_end().len();
    text.truncate(keep);
    text.push('.');
}

/// Phonemes as written in a tag or `ph`, with where they were for an error.
fn phonemes(written: &str, at: usize) -> Result<String> {
    ipa(written).map_err(|why| fail(at, why))
}

/// Phonemes as a client writes them (inline IPA, `<phoneme ph>`, a lexicon's `<phoneme>`):
/// trimmed, ASCII `g` as IPA's `ɡ` (the same letter in IPA; Kokoro's vocabulary has only the
/// latter); or why they cannot be spoken. Other symbols are the caller's to check against
/// the model's vocabulary.
pub fn ipa(written: &str) -> std::result::Result<String, String> {
    let ipa: String = written
        .trim()
        .chars()
        .map(|c| if c == 'g' { 'ɡ' } else { c })
        .collect();
    if ipa.is_empty() {
        return Err("the phonemes are empty".into());
    }
    if ipa.chars().count() > MAX_PHONEMES {
        return Err(format!(
            "phonemes '{}' are longer than {MAX_PHONEMES} symbols",
            quote(&ipa)
        ));
    }
    if let Some(c) = ipa.chars().find(|c| c.is_control()) {
        return Err(format!(
            "phonemes hold a control character (U+{:04X})",
            u32::from(c)
        ));
    }
    Ok(ipa)
}

/// A pause length as written: `1.5s`, `500ms` (digits, an optional fraction, the unit;
/// spaces allowed around). `None` when it is not one.
fn pause_length(text: &str) -> Option<f64> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, scale) = match lower.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (lower.strip_suffix('s')?, 1.0),
    };
    decimal(number.trim()).map(|n| n * scale)
}

/// `\d+(\.\d+)?` as a number (upstream's number syntax in every tag).
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    text.parse().ok()
}

/// A pause within bounds, or why not.
fn checked_pause(seconds: f64, written: &str, at: usize) -> Result<Duration> {
    if seconds > MAX_PAUSE.as_secs_f64() {
        return Err(fail(
            at,
            format!(
                "pause '{}' is longer than {} s (pauses are 0 to {} s)",
                quote(written),
                MAX_PAUSE.as_secs(),
                MAX_PAUSE.as_secs()
            ),
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A speed factor within the request's speed range, or why not.
fn checked_speed(factor: f64, written: &str, at: usize) -> Result<f32> {
    let (min, max) = SPEED_RANGE;
    if !(f64::from(min)..=f64::from(max)).contains(&factor) {
        return Err(fail(
            at,
            format!("rate '{}' is outside {min}–{max}", quote(written)),
        ));
    }
    Ok(factor as f32)
}

#[cfg(test)]
mod tests;
