//! PLS 1.0 documents, read and written (quick-xml underneath: well-formedness and end tags
//! are its business). No DTD is read and no entity expanded beyond XML's five and character
//! references: a `<!DOCTYPE` is refused outright, so an entity bomb or an external entity
//! never gets a chance.
//!
//! | element | read as |
//! | --- | --- |
//! | `<lexicon version="1.0" alphabet="ipa" xml:lang="en-US">` | the root; `alphabet` and `xml:lang` required, `version` and `xmlns` checked when given |
//! | `<meta>`, `<metadata>` | skipped |
//! | `<lexeme>` | one entry per `<grapheme>`, said by its pronunciation; `role` is refused (ttsd cannot tell a word's part of speech) |
//! | `<grapheme>` | a written form (before the pronunciations, as PLS orders them) |
//! | `<phoneme alphabet prefer>` | IPA, mapped and checked as inline phonemes |
//! | `<alias prefer>` | other words to read |
//! | `<example>` | skipped |
//!
//! Attributes with a namespace prefix (`xsi:schemaLocation`, `xml:id`) are accepted
//! anywhere; anything else not listed is an error naming it, with its line.

use quick_xml::XmlVersion;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{
    Builder, Lexicon, MAX_DOCUMENT_BYTES, Pronunciation, checked_alias, checked_grapheme,
    checked_language, checked_phonemes, invalid,
};
use crate::Result;
use crate::error::{MAX_QUOTED, clip};
use crate::text::Vocab;
use crate::text::markup::xml_reference;

/// PLS's namespace.
pub const NAMESPACE: &str = "http://www.w3.org/2005/01/pronunciation-lexicon";

/// Most attributes on one element.
const MAX_ATTRIBUTES: usize = 16;

/// A field being read: its element, where it opened, its text so far.
struct Field {
    kind: Kind,
    at: usize,
    text: String,
    prefer: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Grapheme,
    Phoneme,
    Alias,
}

impl Kind {
    fn element(self) -> &'static str {
        match self {
            Kind::Grapheme => "grapheme",
            Kind::Phoneme => "phoneme",
            Kind::Alias => "alias",
        }
    }
}

/// A `<lexeme>` being read.
struct Lexeme {
    at: usize,
    graphemes: Vec<String>,
    /// Each pronunciation with its `prefer`.
    said: Vec<(Pronunciation, bool)>,
}

/// The reading state.
struct Reading<'a> {
    document: &'a str,
    vocab: &'a Vocab,
    /// `xml:lang` and whether the root's alphabet is IPA, once `<lexicon>` has opened.
    root: Option<(String, bool)>,
    /// `</lexicon>` has been read.
    closed: bool,
    lexeme: Option<Lexeme>,
    field: Option<Field>,
    /// Depth inside an element whose content is not read (`<metadata>`, `<meta>`,
    /// `<example>`).
    skipping: usize,
    builder: Builder,
}

/// Reads a PLS document (see the module's table).
pub(super) fn read(document: String, vocab: &Vocab) -> Result<Lexicon> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid(format!(
            "the document is larger than {} MiB",
            MAX_DOCUMENT_BYTES >> 20
        )));
    }
    let body = document.strip_prefix('\u{feff}').unwrap_or(&document);
    let mut reading = Reading {
        document: body,
        vocab,
        root: None,
        closed: false,
        lexeme: None,
        field: None,
        skipping: 0,
        builder: Builder::default(),
    };
    let mut reader = Reader::from_str(body);
    loop {
        let at = position(reader.buffer_position());
        let event = reader.read_event().map_err(|e| {
            let line = line(body, position(reader.error_position()));
            invalid(format!(
                "line {line}: not well-formed XML: {}",
                clip(&e.to_string(), 200)
            ))
        })?;
        match event {
            Event::Decl(decl) => reading.declaration(&decl, at)?,
            Event::DocType(_) => {
                return Err(reading.fail(
                    at,
                    "!DOCTYPE",
                    "a DTD is not accepted: PLS needs none, and ttsd expands no entities",
                ));
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(text) => reading.characters(&text.xml10_content(), at)?,
            Event::CData(data) => reading.characters(&data.xml10_content(), at)?,
            Event::GeneralRef(reference) => {
                let c = xml_reference(&reference)
                    .map_err(|why| reading.fail(at, reading.open_element(), why))?;
                reading.characters(&c, at)?;
            }
            Event::Start(element) => reading.open(&element, at, false)?,
            Event::Empty(element) => reading.open(&element, at, true)?,
            Event::End(_) => reading.close()?,
            Event::Eof => break,
        }
    }
    let Some((language, _)) = reading.root else {
        return Err(invalid("the document has no <lexicon> element"));
    };
    if !reading.closed {
        return Err(invalid("the document ends before </lexicon>"));
    }
    reading.builder.finish(language, document)
}

/// A reader's byte position as an index.
fn position(at: u64) -> usize {
    usize::try_from(at).unwrap_or(usize::MAX)
}

/// The line (from 1) of byte `at` of `document`.
fn line(document: &str, at: usize) -> usize {
    let end = at.min(document.len());
    document.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Reading<'_> {
    /// An error at byte `at`, about `element`.
    fn fail(&self, at: usize, element: &str, why: impl std::fmt::Display) -> crate::Error {
        invalid(format!(
            "line {}, <{element}>: {why}",
            line(self.document, at)
        ))
    }

    /// The innermost element open, for messages.
    fn open_element(&self) -> &'static str {
        match (&self.field, &self.lexeme, &self.root) {
            (Some(field), _, _) => field.kind.element(),
            (None, Some(_), _) => "lexeme",
            (None, None, Some(_)) => "lexicon",
            _ => "?xml",
        }
    }

    /// `<?xml … encoding="…"?>`: only UTF-8 is read.
    fn declaration(&self, decl: &quick_xml::events::BytesDecl, at: usize) -> Result<()> {
        if let Some(encoding) = decl.encoding() {
            let encoding = encoding.map_err(|e| self.fail(at, "?xml", e))?;
            if !encoding.eq_ignore_ascii_case("utf-8") && !encoding.eq_ignore_ascii_case("utf8") {
                return Err(self.fail(
                    at,
                    "?xml",
                    format!(
                        "encoding '{}': ttsd reads PLS documents in UTF-8",
                        clip(&encoding, MAX_QUOTED)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Character data: a field's text; elsewhere only whitespace.
    fn characters(&mut self, text: &str, at: usize) -> Result<()> {
        if self.skipping > 0 {
            return Ok(());
        }
        if let Some(field) = &mut self.field {
            field.text.push_str(text);
            return Ok(());
        }
        if text.trim().is_empty() {
            return Ok(());
        }
        Err(self.fail(
            at,
            self.open_element(),
            format!(
                "text '{}' outside a <grapheme>, <phoneme> or <alias>",
                clip(text.trim(), MAX_QUOTED)
            ),
        ))
    }

    fn open(&mut self, element: &BytesStart, at: usize, empty: bool) -> Result<()> {
        if self.skipping > 0 {
            self.skipping += usize::from(!empty);
            return Ok(());
        }
        let name = element.local_name().as_ref().to_owned();
        if self.closed {
            return Err(self.fail(at, &name, "an element after </lexicon>"));
        }
        let attributes = self.attributes(element, &name, at)?;
        if let Some(field) = &self.field {
            return Err(self.fail(
                at,
                field.kind.element(),
                format!("<{name}> inside it: PLS puts only text there"),
            ));
        }
        if self.root.is_none() {
            return self.open_root(&name, &attributes, at, empty);
        }
        if self.lexeme.is_none() {
            return match name.as_str() {
                "meta" | "metadata" => {
                    self.skipping = usize::from(!empty);
                    Ok(())
                }
                "lexeme" => {
                    self.open_lexeme(&attributes, at)?;
                    if empty {
                        return Err(self.fail(at, "lexeme", "an empty <lexeme>"));
                    }
                    Ok(())
                }
                _ => Err(self.fail(
                    at,
                    &name,
                    "not a PLS element here (a <lexicon> holds <meta>, <metadata> and \
                     <lexeme>)",
                )),
            };
        }
        let kind = match name.as_str() {
            "grapheme" => Kind::Grapheme,
            "phoneme" => Kind::Phoneme,
            "alias" => Kind::Alias,
            "example" => {
                self.skipping = usize::from(!empty);
                return Ok(());
            }
            _ => {
                return Err(self.fail(
                    at,
                    &name,
                    "not a PLS element here (a <lexeme> holds <grapheme>, <phoneme>, <alias> \
                     and <example>)",
                ));
            }
        };
        if empty {
            return Err(self.fail(at, &name, "it is empty"));
        }
        let mut prefer = false;
        for (key, value) in &attributes {
            match (kind, key.as_str()) {
                (Kind::Phoneme, "alphabet") => self.check_alphabet(value, &name, at)?,
                (Kind::Phoneme | Kind::Alias, "prefer") => {
                    prefer = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(self.fail(
                                at,
                                &name,
                                format!(
                                    "prefer=\"{}\": write true or false",
                                    clip(other, MAX_QUOTED)
                                ),
                            ));
                        }
                    }
                }
                (_, key) if key.contains(':') => {}
                (_, key) => return Err(self.unknown_attribute(key, &name, at)),
            }
        }
        let root_ipa = self.root.as_ref().is_some_and(|(_, ipa)| *ipa);
        if kind == Kind::Phoneme && !root_ipa && !attributes.iter().any(|(k, _)| k == "alphabet") {
            return Err(self.fail(
                at,
                &name,
                "no alphabet: give alphabet=\"ipa\" on <lexicon> or on the <phoneme>",
            ));
        }
        let lexeme = self.lexeme.as_ref();
        if kind == Kind::Grapheme && lexeme.is_some_and(|l| !l.said.is_empty()) {
            return Err(self.fail(
                at,
                &name,
                "a <grapheme> after the pronunciations: PLS puts a lexeme's graphemes first",
            ));
        }
        self.field = Some(Field {
            kind,
            at,
            text: String::new(),
            prefer,
        });
        Ok(())
    }

    /// `<lexicon>`: its language and alphabet.
    fn open_root(
        &mut self,
        name: &str,
        attributes: &[(String, String)],
        at: usize,
        empty: bool,
    ) -> Result<()> {
        if name != "lexicon" {
            return Err(self.fail(
                at,
                name,
                "not a PLS document: its root element must be <lexicon>",
            ));
        }
        let (mut language, mut alphabet) = (None, None);
        for (key, value) in attributes {
            match key.as_str() {
                "version" if value.trim() != "1.0" => {
                    return Err(self.fail(
                        at,
                        name,
                        format!(
                            "version=\"{}\": ttsd reads PLS 1.0",
                            clip(value, MAX_QUOTED)
                        ),
                    ));
                }
                "xmlns" if value.trim() != NAMESPACE => {
                    return Err(self.fail(
                        at,
                        name,
                        format!(
                            "xmlns=\"{}\" is not PLS's namespace ({NAMESPACE})",
                            clip(value, MAX_QUOTED)
                        ),
                    ));
                }
                "version" | "xmlns" | "xml:base" => {}
                "xml:lang" => language = Some(value.as_str()),
                "alphabet" => alphabet = Some(value.as_str()),
                key if key.contains(':') => {}
                key => return Err(self.unknown_attribute(key, name, at)),
            }
        }
        let language = language.ok_or_else(|| {
            self.fail(
                at,
                name,
                "no xml:lang: say which language the lexicon is for (xml:lang=\"en-US\")",
            )
        })?;
        let language = checked_language(language).map_err(|why| self.fail(at, name, why))?;
        let ipa = match alphabet {
            Some(alphabet) => {
                self.check_alphabet(alphabet, name, at)?;
                true
            }
            None => false,
        };
        self.root = Some((language, ipa));
        self.closed = empty;
        Ok(())
    }

    fn open_lexeme(&mut self, attributes: &[(String, String)], at: usize) -> Result<()> {
        for (key, _) in attributes {
            match key.as_str() {
                "role" => {
                    return Err(self.fail(
                        at,
                        "lexeme",
                        "role is not supported: ttsd cannot tell a word's role, so the entry \
                         would apply to every use of the word",
                    ));
                }
                key if key.contains(':') => {}
                key => return Err(self.unknown_attribute(key, "lexeme", at)),
            }
        }
        self.lexeme = Some(Lexeme {
            at,
            graphemes: Vec::new(),
            said: Vec::new(),
        });
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if self.skipping > 0 {
            self.skipping -= 1;
            return Ok(());
        }
        if let Some(field) = self.field.take() {
            let fail = |why| self.fail(field.at, field.kind.element(), why);
            let (grapheme, said) = match field.kind {
                Kind::Grapheme => (Some(checked_grapheme(&field.text).map_err(fail)?), None),
                Kind::Phoneme => (
                    None,
                    Some(Pronunciation::Phonemes(
                        checked_phonemes(&field.text, self.vocab).map_err(fail)?,
                    )),
                ),
                Kind::Alias => (
                    None,
                    Some(Pronunciation::Alias(
                        checked_alias(&field.text).map_err(fail)?,
                    )),
                ),
            };
            // A field is only ever open inside a lexeme.
            if let Some(lexeme) = self.lexeme.as_mut() {
                lexeme.graphemes.extend(grapheme);
                lexeme.said.extend(said.map(|s| (s, field.prefer)));
            }
            return Ok(());
        }
        if let Some(lexeme) = self.lexeme.take() {
            if lexeme.graphemes.is_empty() {
                return Err(self.fail(lexeme.at, "lexeme", "it has no <grapheme>"));
            }
            // PLS 4.6: the first preferred pronunciation, else the first.
            let said = lexeme
                .said
                .iter()
                .find(|(_, prefer)| *prefer)
                .or(lexeme.said.first())
                .map(|(said, _)| said.clone())
                .ok_or_else(|| {
                    self.fail(lexeme.at, "lexeme", "it has no <phoneme> and no <alias>")
                })?;
            let document = self.document;
            for grapheme in lexeme.graphemes {
                self.builder.add(grapheme, said.clone(), || {
                    format!("line {}, <lexeme>", line(document, lexeme.at))
                })?;
            }
            return Ok(());
        }
        self.closed = true;
        Ok(())
    }

    /// An alphabet ttsd reads: IPA.
    fn check_alphabet(&self, alphabet: &str, element: &str, at: usize) -> Result<()> {
        if alphabet.trim().eq_ignore_ascii_case("ipa") {
            return Ok(());
        }
        Err(self.fail(
            at,
            element,
            format!(
                "alphabet \"{}\" is not one ttsd reads: write the phonemes in IPA \
                 (alphabet=\"ipa\")",
                clip(alphabet, MAX_QUOTED)
            ),
        ))
    }

    fn unknown_attribute(&self, key: &str, element: &str, at: usize) -> crate::Error {
        self.fail(
            at,
            element,
            format!(
                "unknown attribute '{}' (see PLS 1.0)",
                clip(key, MAX_QUOTED)
            ),
        )
    }

    /// An element's attributes (full names, values unescaped); duplicates, bad syntax and
    /// more than [`MAX_ATTRIBUTES`] are errors.
    fn attributes(
        &self,
        element: &BytesStart,
        name: &str,
        at: usize,
    ) -> Result<Vec<(String, String)>> {
        let mut found = Vec::new();
        for attribute in element.attributes() {
            if found.len() == MAX_ATTRIBUTES {
                return Err(self.fail(at, name, format!("more than {MAX_ATTRIBUTES} attributes")));
            }
            let attribute = attribute
                .map_err(|e| self.fail(at, name, format!("a malformed attribute: {e}")))?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| self.fail(at, name, format!("an attribute's value: {e}")))?;
            let key = attribute.key.0.to_owned();
            found.push((key, value.into_owned()));
        }
        Ok(found)
    }
}

/// The PLS document of `entries` in `language` (IPA), one lexeme each.
pub(super) fn write(language: &str, entries: &[(String, Pronunciation)]) -> String {
    let mut out = String::with_capacity(200 + entries.len() * 96);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<lexicon version=\"1.0\" xmlns=\"{NAMESPACE}\" alphabet=\"ipa\" xml:lang=\"{}\">\n",
        escape(language)
    ));
    for (grapheme, said) in entries {
        out.push_str("  <lexeme>\n    <grapheme>");
        out.push_str(&escape(grapheme.as_str()));
        out.push_str("</grapheme>\n");
        let (element, text) = match said {
            Pronunciation::Phonemes(p) => ("phoneme", p),
            Pronunciation::Alias(a) => ("alias", a),
        };
        out.push_str(&format!(
            "    <{element}>{}</{element}>\n  </lexeme>\n",
            escape(text.as_str())
        ));
    }
    out.push_str("</lexicon>\n");
    out
}
