//! The SSML subset ttsd reads, with quick-xml underneath (well-formedness, entities, end
//! tags are its business; no DTD, so no entity expansion beyond XML's five and character
//! references).
//!
//! | element | becomes |
//! | --- | --- |
//! | `<speak>` | the root; its attributes (`version`, `xml:lang`, namespaces) change nothing |
//! | `<break time="500ms"/>`, `time="1.5s"` | [`Item::Pause`] (0–10 s) |
//! | `<break strength="…"/>` | upstream's lengths: `none`, `x-weak` 0, `weak` 0.25 s, `medium` (the default) 0.5 s, `strong` 1 s, `x-strong` 1.5 s |
//! | `<sub alias="…">written</sub>` | [`Item::Alias`] (`spoken` = the alias) |
//! | `<phoneme ph="…" alphabet="ipa">written</phoneme>` | [`Item::Phonemes`] |
//! | `<say-as interpret-as="…" format="…">` | [`Item::Alias`] with the words ([`super::say_as`]) |
//! | `<prosody rate="…">` | [`Item::Speed`], and the enclosing factor back at its end; `pitch`, `volume`, `range`, `contour`, `duration` are accepted and ignored, as upstream |
//! | `<p>`, `<s>` | a sentence end at each edge (a full stop where there is none); after a paragraph, [`super::PARAGRAPH_PAUSE`] |
//!
//! Rates (upstream's `PROSODY_RATE`, `_prosody_rate`): `x-slow` 0.5, `slow` 0.75, `medium`
//! and `default` 1, `fast` 1.25, `x-fast` 1.5; a number is a factor ("1.2"); "150%" is 1.5;
//! "+20%" / "-20%" are relative changes (1.2, 0.8: SSML 1.0 and Azure; upstream would read
//! "+20%" as 0.2). Out of 0.25–4 is an error (upstream clamps).
//!
//! `xmlns*` and `xml:*` attributes are accepted everywhere; any other attribute or element
//! is an error naming it and saying what is supported. Text outside `<speak>` (other than
//! whitespace) is an error. The text inside is read for inline tags as any input is.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use super::{
    Item, MAX_DEPTH, MarkupOptions, Out, Positions, checked_pause, checked_speed, decimal, fail,
    native, pause_length, phonemes, quote, say_as,
};
use crate::Result;

/// Most attributes on one element (the most any supported element takes is a handful, with
/// namespace declarations).
const MAX_ATTRIBUTES: usize = 8;

/// What this module reads, for messages.
const SUPPORTED: &str = "speak, break, sub, phoneme, say-as, prosody, p, s";

/// Whether `input` is SSML: its first element, after whitespace, a byte-order mark, an XML
/// declaration and comments, is `<speak>` (upstream's `PROLOG` and `<speak[\s/>]` test), or
/// it starts with a `<!DOCTYPE` (refused by the parser).
pub(super) fn is_ssml(input: &str) -> bool {
    let mut rest = input.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
    loop {
        let skipped = if rest.starts_with("<?") {
            rest.find("?>").map(|end| &rest[end + 2..])
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|end| &rest[end + 3..])
        } else {
            None
        };
        match skipped {
            Some(after) => rest = after.trim_start_matches(|c: char| c.is_ascii_whitespace()),
            None => break,
        }
    }
    let after = rest.strip_prefix("<speak");
    after.is_some_and(|a| a.starts_with(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>'))
        || rest
            .get(..9)
            .is_some_and(|head| head.eq_ignore_ascii_case("<!doctype"))
}

/// An open element and what its end needs.
enum Frame {
    Speak,
    Break,
    Sub {
        alias: String,
        written: String,
    },
    Phoneme {
        ph: String,
        written: String,
    },
    SayAs {
        interpret_as: String,
        format: Option<String>,
        written: String,
    },
    Prosody {
        enclosing: f32,
    },
    Block {
        paragraph: bool,
    },
}

impl Frame {
    /// The written text of an element that holds only text.
    fn written(&mut self) -> Option<&mut String> {
        match self {
            Frame::Sub { written, .. }
            | Frame::Phoneme { written, .. }
            | Frame::SayAs { written, .. } => Some(written),
            _ => None,
        }
    }
}

/// The reading state: the open elements (with where each opened) and the text run not yet
/// read for inline tags.
struct Ssml<'a> {
    options: &'a MarkupOptions,
    positions: Positions<'a>,
    /// Open elements: each with the character position of its start tag and its name.
    stack: Vec<(Frame, usize, String)>,
    root_done: bool,
    run: String,
    /// Where each piece of the run (a text or an entity) came from: its byte and character
    /// offsets in the run, and the character position in the input. Entities make the run
    /// shorter than the input it came from, so positions in it are mapped back piece by
    /// piece.
    pieces: Vec<(usize, usize, usize)>,
    run_chars: usize,
}

/// Reads SSML `input` (for which [`is_ssml`] holds) into `out`.
pub(super) fn parse(input: &str, options: &MarkupOptions, out: &mut Out) -> Result<()> {
    let mut reader = Reader::from_str(input);
    let mut ssml = Ssml {
        options,
        positions: Positions::new(input),
        stack: Vec::new(),
        root_done: false,
        run: String::new(),
        pieces: Vec::new(),
        run_chars: 0,
    };
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let where_ = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                let message = e.to_string();
                return Err(fail(
                    ssml.pos(where_),
                    format!("not well-formed SSML: {}", quote(&message)),
                ));
            }
        };
        match event {
            Event::Text(text) => ssml.characters(&text.xml10_content(), at)?,
            Event::CData(data) => ssml.characters(&data.xml10_content(), at)?,
            Event::GeneralRef(reference) => {
                let c = xml_reference(&reference).map_err(|why| fail(ssml.pos(at), why))?;
                ssml.characters(&c, at)?;
            }
            Event::Start(element) => ssml.open(&element, at, false, out)?,
            Event::Empty(element) => ssml.open(&element, at, true, out)?,
            Event::End(_) => ssml.close(at, out)?,
            Event::DocType(_) => {
                return Err(fail(
                    ssml.pos(at),
                    "a DTD (<!DOCTYPE …>) is not supported in SSML",
                ));
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if let Some((_, opened, name)) = ssml.stack.last() {
        return Err(fail(*opened, format!("<{}> is never closed", quote(name))));
    }
    Ok(())
}

impl Ssml<'_> {
    /// The character position of byte `byte` of the input (asked in increasing order, but
    /// for an error).
    fn pos(&self, byte: usize) -> usize {
        self.positions.at(byte)
    }

    /// Character data at byte `at`: to the open text-only element, or to the run.
    fn characters(&mut self, text: &str, at: usize) -> Result<()> {
        let Some((frame, _, name)) = self.stack.last_mut() else {
            if text.trim().is_empty() {
                return Ok(());
            }
            let which = if self.root_done { "after" } else { "before" };
            return Err(fail(
                self.positions.at(at),
                format!("text {which} the <speak> element"),
            ));
        };
        if let Some(written) = frame.written() {
            written.push_str(text);
            return Ok(());
        }
        if matches!(frame, Frame::Break) && !text.trim().is_empty() {
            return Err(fail(
                self.positions.at(at),
                format!("<{}> holds no text", quote(name)),
            ));
        }
        self.pieces
            .push((self.run.len(), self.run_chars, self.positions.at(at)));
        self.run.push_str(text);
        self.run_chars += text.chars().count();
        Ok(())
    }

    /// Reads the text run for inline tags, into `out`.
    fn flush(&mut self, out: &mut Out) -> Result<()> {
        if self.run.is_empty() {
            return Ok(());
        }
        let run = std::mem::take(&mut self.run);
        let pieces = std::mem::take(&mut self.pieces);
        self.run_chars = 0;
        let within = Positions::new(&run);
        let pos = |b: usize| {
            let piece = pieces.partition_point(|&(byte, _, _)| byte <= b).max(1) - 1;
            let (_, chars, input) = pieces.get(piece).copied().unwrap_or((0, 0, 1));
            // Within an entity's one character this is the entity's start.
            input + (within.at(b) - 1).saturating_sub(chars)
        };
        native::scan(&run, self.options, out, &pos, false)
    }

    fn open(&mut self, element: &BytesStart, at: usize, empty: bool, out: &mut Out) -> Result<()> {
        self.flush(out)?;
        let p = self.pos(at);
        let name = element.name().0.to_owned();
        match self.stack.last() {
            None if self.root_done => {
                return Err(fail(p, format!("<{}> after </speak>", quote(&name))));
            }
            None if name != "speak" => {
                return Err(fail(p, "the root element must be <speak>"));
            }
            Some(_) if name == "speak" => {
                return Err(fail(p, "<speak> inside <speak>"));
            }
            Some((frame, _, parent)) if frame_holds_text(frame) => {
                return Err(fail(
                    p,
                    format!(
                        "<{}> holds only text, not <{}>",
                        quote(parent),
                        quote(&name)
                    ),
                ));
            }
            Some((Frame::Break, _, _)) => {
                return Err(fail(p, "<break> holds nothing"));
            }
            _ => {}
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(fail(
                p,
                format!("SSML nested deeper than {MAX_DEPTH} elements"),
            ));
        }
        let attributes = attributes(element, p)?;
        let get = |key: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let takes = |allowed: &[&str]| -> Result<()> {
            match attributes.iter().find(|(k, _)| {
                !(allowed.contains(&k.as_str())
                    || k == "xmlns"
                    || k.starts_with("xmlns:")
                    || k.starts_with("xml:"))
            }) {
                None => Ok(()),
                Some((k, _)) => Err(fail(
                    p,
                    format!(
                        "<{name}> has no attribute '{}' (it takes: {})",
                        quote(k),
                        if allowed.is_empty() {
                            "none".to_owned()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                )),
            }
        };
        let frame = match name.as_str() {
            "speak" => Frame::Speak,
            "break" => {
                takes(&["time", "strength"])?;
                out.pause(break_length(get("time"), get("strength"), p)?, p)?;
                Frame::Break
            }
            "sub" => {
                takes(&["alias"])?;
                let alias =
                    get("alias").ok_or_else(|| fail(p, "<sub> needs an alias=\"…\" to say"))?;
                Frame::Sub {
                    alias: alias.to_owned(),
                    written: String::new(),
                }
            }
            "phoneme" => {
                takes(&["ph", "alphabet"])?;
                if let Some(alphabet) = get("alphabet")
                    && !alphabet.trim().eq_ignore_ascii_case("ipa")
                {
                    return Err(fail(
                        p,
                        format!(
                            "<phoneme alphabet=\"{}\">: only ipa is supported",
                            quote(alphabet)
                        ),
                    ));
                }
                let ph = get("ph").ok_or_else(|| fail(p, "<phoneme> needs a ph=\"…\""))?;
                Frame::Phoneme {
                    ph: phonemes(ph, p)?,
                    written: String::new(),
                }
            }
            "say-as" => {
                takes(&["interpret-as", "format", "detail"])?;
                let interpret_as = get("interpret-as")
                    .ok_or_else(|| fail(p, "<say-as> needs an interpret-as=\"…\""))?;
                Frame::SayAs {
                    interpret_as: interpret_as.to_owned(),
                    format: get("format").map(str::to_owned),
                    written: String::new(),
                }
            }
            "prosody" => {
                takes(&["rate", "pitch", "volume", "range", "contour", "duration"])?;
                let enclosing = out.speed;
                if let Some(rate) = get("rate") {
                    out.speed(prosody_rate(rate, p)?, p)?;
                }
                Frame::Prosody { enclosing }
            }
            "p" | "s" => {
                takes(&[])?;
                let paragraph = name == "p";
                out.boundary(paragraph);
                Frame::Block { paragraph }
            }
            // XML names are case-sensitive: <Break> is no <break>, but saying so helps more
            // than calling it unsupported.
            _ if SUPPORTED.split(", ").any(|s| s == name.to_lowercase()) => {
                return Err(fail(
                    p,
                    format!(
                        "<{}>: SSML element names are lower case: <{}>",
                        quote(&name),
                        name.to_lowercase()
                    ),
                ));
            }
            _ => {
                return Err(fail(
                    p,
                    format!(
                        "<{}> is not supported (ttsd reads {SUPPORTED})",
                        quote(&name)
                    ),
                ));
            }
        };
        self.stack.push((frame, p, name));
        if empty {
            self.close(at, out)?;
        }
        Ok(())
    }

    /// The end of the innermost element (quick-xml has checked it matches).
    fn close(&mut self, at: usize, out: &mut Out) -> Result<()> {
        self.flush(out)?;
        let end = self.pos(at);
        let Some((frame, p, _)) = self.stack.pop() else {
            return Ok(());
        };
        match frame {
            Frame::Speak => self.root_done = true,
            Frame::Break => {}
            Frame::Sub { alias, written } => {
                let spoken = plain(&alias, self.options, p)?;
                let written = written.trim();
                let written = if written.is_empty() { &spoken } else { written };
                out.speech(
                    Item::Alias {
                        written: written.to_owned(),
                        spoken,
                    },
                    p,
                )?;
            }
            Frame::Phoneme { ph, written } => out.speech(
                Item::Phonemes {
                    written: written.trim().to_owned(),
                    phonemes: ph,
                },
                p,
            )?,
            Frame::SayAs {
                interpret_as,
                format,
                written,
            } => {
                let spoken = say_as::expand(&interpret_as, format.as_deref(), &written)
                    .map_err(|why| fail(p, why))?;
                out.speech(
                    Item::Alias {
                        written: written.trim().to_owned(),
                        spoken,
                    },
                    p,
                )?;
            }
            Frame::Prosody { enclosing } => out.speed(enclosing, end)?,
            Frame::Block { paragraph } => out.boundary(paragraph),
        }
        Ok(())
    }
}

fn frame_holds_text(frame: &Frame) -> bool {
    matches!(
        frame,
        Frame::Sub { .. } | Frame::Phoneme { .. } | Frame::SayAs { .. }
    )
}

/// The text of an entity or character reference in XML content (SSML, PLS): a character
/// reference, or one of XML's five entities (no DTD is read, so nothing declares more); or
/// why not, quoting it.
pub(crate) fn xml_reference(reference: &BytesRef) -> std::result::Result<String, String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Ok(c.to_string()),
        Ok(None) => quick_xml::escape::resolve_predefined_entity(reference)
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "unknown entity '&{};' (no DTD is read: only &amp; &lt; &gt; &quot; &apos; \
                     and &#…;)",
                    quote(reference)
                )
            }),
        Err(_) => Err(format!("'&{};' is not a character", quote(reference))),
    }
}

/// An element's attributes, values unescaped; duplicates, bad syntax and more than
/// [`MAX_ATTRIBUTES`] are errors.
fn attributes(element: &BytesStart, p: usize) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for attribute in element.attributes() {
        if found.len() == MAX_ATTRIBUTES {
            return Err(fail(
                p,
                format!("more than {MAX_ATTRIBUTES} attributes on one element"),
            ));
        }
        let attribute = attribute.map_err(|e| {
            fail(
                p,
                format!("a malformed attribute: {}", quote(&e.to_string())),
            )
        })?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| fail(p, format!("attribute value: {}", quote(&e.to_string()))))?;
        found.push((attribute.key.0.to_owned(), value.into_owned()));
    }
    Ok(found)
}

/// A `<break>`'s length: `time` when given (it must be valid), else `strength` (default
/// `medium`), as upstream's `_break_seconds` and `BREAK_STRENGTH_S`.
fn break_length(
    time: Option<&str>,
    strength: Option<&str>,
    p: usize,
) -> Result<std::time::Duration> {
    if let Some(time) = time {
        let seconds = pause_length(time).ok_or_else(|| {
            fail(
                p,
                format!(
                    "<break time=\"{}\">: write a length like 500ms or 1.5s",
                    quote(time)
                ),
            )
        })?;
        return checked_pause(seconds, time, p);
    }
    let seconds = match strength.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("none" | "x-weak") => 0.0,
        Some("weak") => 0.25,
        None | Some("medium") => 0.5,
        Some("strong") => 1.0,
        Some("x-strong") => 1.5,
        Some(other) => {
            return Err(fail(
                p,
                format!(
                    "<break strength=\"{}\">: use none, x-weak, weak, medium, strong or x-strong",
                    quote(other)
                ),
            ));
        }
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// A `<prosody rate>` as a speed factor (see the module's table).
fn prosody_rate(rate: &str, p: usize) -> Result<f32> {
    let value = rate.trim().to_ascii_lowercase();
    let factor = match value.as_str() {
        "x-slow" => Some(0.5),
        "slow" => Some(0.75),
        "medium" | "default" => Some(1.0),
        "fast" => Some(1.25),
        "x-fast" => Some(1.5),
        _ => match value.strip_suffix('%') {
            Some(percent) => match percent.trim().split_at_checked(1) {
                Some(("+", change)) => decimal(change).map(|c| 1.0 + c / 100.0),
                Some(("-", change)) => decimal(change).map(|c| 1.0 - c / 100.0),
                _ => decimal(percent.trim()).map(|c| c / 100.0),
            },
            None => decimal(&value),
        },
    };
    let factor = factor.ok_or_else(|| {
        fail(
            p,
            format!(
                "<prosody rate=\"{}\">: use x-slow … x-fast, a factor (1.2) or a percentage (120%, +20%)",
                quote(rate)
            ),
        )
    })?;
    checked_speed(factor, rate, p)
}

/// An alias as plain text: read for inline tags like any text, and refused if it holds any
/// (an alias is said, it does not pause or switch voices).
fn plain(alias: &str, options: &MarkupOptions, p: usize) -> Result<String> {
    let mut scratch = Out::default();
    native::scan(alias, options, &mut scratch, &|_| p, true)?;
    let mut spoken = String::new();
    for item in scratch.items {
        match item {
            Item::Text(text) => spoken.push_str(&text),
            _ => {
                return Err(fail(
                    p,
                    format!(
                        "the alias \"{}\" holds markup; an alias is plain text",
                        quote(alias)
                    ),
                ));
            }
        }
    }
    let spoken = spoken.trim();
    if spoken.is_empty() {
        return Err(fail(p, "<sub> has an empty alias"));
    }
    Ok(spoken.to_owned())
}
