//! Pronunciation lexicons: how a word, name or phrase is said, written once and kept by the
//! server for every request that names the lexicon (W3C's Pronunciation Lexicon
//! Specification, PLS 1.0, as Azure, Polly and ElevenLabs take it).
//!
//! ```text
//! PLS document or JSON list ─► Lexicon (checked whole) ─► Store (a file each, swapped whole)
//!                                                           │ a request names some, in order
//! text ─► Lexicons::apply ─► markup Items (Text, Alias, Phonemes) ─► the pipeline as markup
//! ```
//!
//! A lexicon is checked whole when it arrives ([`Lexicon::from_pls`], [`Lexicon::from_json`]):
//! every phoneme is mapped to the model's symbols as inline phonemes are
//! ([`crate::text::markup::ipa`]) and each symbol must be one the model knows, so nothing is
//! dropped later; a document that fails any check changes nothing. Matching
//! ([`Lexicons::apply`]) finds whole words and phrases as written, longest first, and turns
//! them into the markup items the pipeline already reads: `<alias>` into
//! [`Item::Alias`] (normalized and phonemized as usual), `<phoneme>` into [`Item::Phonemes`]
//! (spoken as given), both with the written words for captions.
//!
//! The rules, as PLS leaves them to the processor:
//! - Graphemes match case-sensitively, as written (PLS defines no case folding; ElevenLabs
//!   documents the same): list "Acme" and "ACME" as two `<grapheme>`s of one `<lexeme>`.
//!   Whitespace inside a grapheme matches any run of whitespace, and ’ matches '.
//! - A match is a whole word or phrase: not inside a longer word ("Acme" is not matched in
//!   "Acmes", "Acme's" or "Acme-branded"; it is in "Acme," and "(Acme)"). In Han and kana
//!   text, written without spaces, a grapheme matches wherever it occurs.
//! - Longest first: at each word, the longest grapheme of all the request's lexicons wins;
//!   of equally long ones, the lexicon named first. A lexicon applies to text in its
//!   language ([`Lexicon::applies_to`]).
//! - A `<lexeme>`'s pronunciation is its first `<phoneme>` or `<alias>` with
//!   `prefer="true"`, else its first (PLS 4.6); the others are checked and kept in the
//!   document. The same grapheme in two lexemes: the first lexeme's.
//! - An alias is not looked up again in the lexicons; it is read as any text is.

mod matcher;
mod pls;
mod store;

use std::fmt;

use aho_corasick::MatchKind;
use aho_corasick::nfa::contiguous::NFA;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

pub use matcher::Lexicons;
pub use store::{Store, Summary, check_name};

use crate::error::{MAX_QUOTED, clip};
use crate::language::Language;
use crate::text::Vocab;
use crate::{Error, Result};

/// The most entries (graphemes: each written form of a lexeme counts) in one lexicon.
pub const MAX_ENTRIES: usize = 10_000;
/// The longest grapheme, in characters.
pub const MAX_GRAPHEME_CHARS: usize = 100;
/// The longest alias, in characters.
pub const MAX_ALIAS_CHARS: usize = 256;
/// The longest phonemes, in symbols (as inline phonemes).
pub use crate::text::markup::MAX_PHONEMES;
/// The most lexicons one request may name.
pub const MAX_PER_REQUEST: usize = 8;
/// The most lexicons a server keeps.
pub const MAX_LEXICONS: usize = 100;
/// The largest lexicon document, in bytes (a 10,000-entry PLS file is about 1 MB).
pub const MAX_DOCUMENT_BYTES: usize = 4 << 20;

/// How an entry is said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pronunciation {
    /// Phonemes in the model's symbols, spoken as given.
    Phonemes(String),
    /// Other words, read in their place (normalized and phonemized as any text).
    Alias(String),
}

/// One entry of a lexicon's JSON form: a grapheme and exactly one of `phoneme` and `alias`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonEntry {
    /// A word or phrase as written (`Acme`, `New York`); matched case-sensitively.
    pub grapheme: String,
    /// Its phonemes, in IPA (`ˈækmi`).
    pub phoneme: Option<String>,
    /// Other words to read in its place (`World Wide Web Consortium`).
    pub alias: Option<String>,
}

/// A checked lexicon: its language, its entries, the automaton that finds them, and the
/// document it was read from (what `GET` returns and the store keeps).
pub struct Lexicon {
    /// `xml:lang` as written (`en-US`).
    language: String,
    /// Each grapheme (as matched: whitespace folded) with its pronunciation; the automaton's
    /// pattern `i` is entry `i`.
    entries: Vec<(String, Pronunciation)>,
    automaton: NFA,
    document: String,
}

impl fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lexicon")
            .field("language", &self.language)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Lexicon {
    /// A PLS 1.0 document, checked whole: well-formed XML without a DTD, the PLS elements
    /// in their places, an `ipa` alphabet, every phoneme symbol one `vocab` has, within the
    /// limits. Errors name the line and the element.
    pub fn from_pls(document: String, vocab: &Vocab) -> Result<Lexicon> {
        pls::read(document, vocab)
    }

    /// A JSON list, `[{"grapheme": "Acme", "phoneme": "ˈækmi"}, {"grapheme": "W3C",
    /// "alias": "World Wide Web Consortium"}]`, in `language` (a BCP-47 tag), checked as a
    /// PLS document is; its document is the PLS equivalent. Errors name the entry.
    pub fn from_json(json: &[u8], language: &str, vocab: &Vocab) -> Result<Lexicon> {
        let list: Vec<JsonEntry> = serde_json::from_slice(json).map_err(|e| {
            invalid(format!(
                "the JSON is not a list of {{\"grapheme\", \"phoneme\" or \"alias\"}}: {}",
                clip(&e.to_string(), 200)
            ))
        })?;
        let language = checked_language(language).map_err(invalid)?;
        let mut builder = Builder::default();
        for (i, entry) in list.into_iter().enumerate() {
            let at = format!("entry {}", i + 1);
            let pronunciation = match (entry.phoneme, entry.alias) {
                (Some(p), None) => Pronunciation::Phonemes(
                    checked_phonemes(&p, vocab).map_err(|e| at_error(&at, "phoneme", e))?,
                ),
                (None, Some(a)) => {
                    Pronunciation::Alias(checked_alias(&a).map_err(|e| at_error(&at, "alias", e))?)
                }
                _ => {
                    return Err(invalid(format!(
                        "{at}: give exactly one of \"phoneme\" and \"alias\""
                    )));
                }
            };
            let grapheme =
                checked_grapheme(&entry.grapheme).map_err(|e| at_error(&at, "grapheme", e))?;
            builder.add(grapheme, pronunciation, || at)?;
        }
        let document = pls::write(&language, &builder.entries);
        builder.finish(language, document)
    }

    /// `xml:lang`, as written.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// How many entries (distinct graphemes) it has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The document it was read from (PLS).
    pub fn document(&self) -> &str {
        &self.document
    }

    /// The pronunciation of a grapheme, as written in the lexicon (whitespace and ’ as
    /// matching reads them).
    pub fn get(&self, grapheme: &str) -> Option<&Pronunciation> {
        let key = checked_grapheme(grapheme).ok()?;
        matcher::longest_at(self, &key, 0)
            .filter(|(end, _)| *end == key.len())
            .map(|(_, said)| said)
    }

    /// Whether it applies to text in `language`: the same primary language, and when the
    /// lexicon names a region that picks one of ttsd's languages, that one (`en` and `en-AU`
    /// apply to American and British English, `en-GB` only to British; `es-MX` and `fr-CA`
    /// to Spanish and French, ttsd's only ones).
    pub fn applies_to(&self, language: Language) -> bool {
        tag_applies(&self.language, language)
    }

    /// Heap bytes of its automaton (the benchmark reports it).
    pub fn automaton_bytes(&self) -> usize {
        use aho_corasick::automaton::Automaton;
        self.automaton.memory_usage()
    }
}

/// Entries as they are read, then the automaton over them.
#[derive(Default)]
struct Builder {
    entries: Vec<(String, Pronunciation)>,
    seen: std::collections::HashSet<String>,
    /// Graphemes read, duplicates included (the limit counts what was written).
    read: usize,
}

impl Builder {
    /// Adds an entry; a grapheme already there keeps its first pronunciation.
    /// `at` says where, for the error (worked out only then).
    fn add(
        &mut self,
        grapheme: String,
        pronunciation: Pronunciation,
        at: impl FnOnce() -> String,
    ) -> Result<()> {
        self.read += 1;
        if self.read > MAX_ENTRIES {
            return Err(invalid(format!(
                "{}: more than {MAX_ENTRIES} entries in one lexicon",
                at()
            )));
        }
        if self.seen.insert(grapheme.clone()) {
            self.entries.push((grapheme, pronunciation));
        }
        Ok(())
    }

    fn finish(self, language: String, document: String) -> Result<Lexicon> {
        // Standard semantics and anchored starts: the matcher walks the automaton itself
        // from each word start and takes the longest entry that ends a word.
        let automaton = NFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(self.entries.iter().map(|(g, _)| g))
            .map_err(|e| Error::Internal(format!("building a lexicon's automaton: {e}")))?;
        Ok(Lexicon {
            language,
            entries: self.entries,
            automaton,
            document,
        })
    }
}

/// A 400 about a lexicon.
fn invalid(message: impl Into<String>) -> Error {
    Error::invalid("lexicon", message)
}

/// A 400 about one part of a lexicon: "line 4, <phoneme>: …", "entry 2, alias: …".
fn at_error(at: &str, element: &str, why: String) -> Error {
    invalid(format!("{at}, {element}: {why}"))
}

/// A character as matching reads it: ’ as '.
fn fold(c: char) -> char {
    if c == '’' { '\'' } else { c }
}

/// A grapheme as it is matched: NFC, ’ as ', runs of whitespace as one space, trimmed; or
/// why it cannot be one.
fn checked_grapheme(written: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(written.len());
    for c in written.nfc().map(fold) {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if c.is_control() {
            return Err(format!(
                "a control character (U+{:04X}) in a grapheme",
                u32::from(c)
            ));
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if out.is_empty() {
        return Err("the grapheme is empty".into());
    }
    if out.chars().count() > MAX_GRAPHEME_CHARS {
        return Err(format!(
            "grapheme '{}' is longer than {MAX_GRAPHEME_CHARS} characters",
            clip(&out, MAX_QUOTED)
        ));
    }
    Ok(out)
}

/// An alias: trimmed, runs of whitespace as one space; or why it cannot be one.
fn checked_alias(written: &str) -> std::result::Result<String, String> {
    if let Some(c) = written
        .chars()
        .find(|c| c.is_control() && !c.is_whitespace())
    {
        return Err(format!(
            "a control character (U+{:04X}) in an alias",
            u32::from(c)
        ));
    }
    let alias = written.split_whitespace().collect::<Vec<_>>().join(" ");
    if alias.is_empty() {
        return Err("the alias is empty".into());
    }
    if alias.chars().count() > MAX_ALIAS_CHARS {
        return Err(format!(
            "alias '{}' is longer than {MAX_ALIAS_CHARS} characters",
            clip(&alias, MAX_QUOTED)
        ));
    }
    Ok(alias)
}

/// Symbols written in IPA transcriptions that the model reads as something else, with what
/// to write instead.
const MISREAD: &[(char, &str)] = &[
    (
        '.',
        "'.' marks a syllable break in IPA but is a full stop to the model; leave it out",
    ),
    (
        ':',
        "':' is a colon to the model; write the length mark ː (U+02D0)",
    ),
];

/// Symbols the model lacks that IPA transcriptions often hold, with what to write instead.
const HINTS: &[(char, &str)] = &[
    ('\u{361}', "leave the tie bar out (t͡ʃ as tʃ, or ʧ)"),
    ('ɝ', "write ɜɹ"),
    ('ɫ', "write l"),
    ('ɘ', "write ə"),
    ('ɵ', "write ə or o"),
    ('ʍ', "write w"),
];

/// Phonemes as inline phonemes are mapped ([`crate::text::markup::ipa`]), every symbol one
/// the model knows; or why not.
fn checked_phonemes(written: &str, vocab: &Vocab) -> std::result::Result<String, String> {
    let ipa = crate::text::markup::ipa(written)?;
    if let Some((_, why)) = MISREAD.iter().find(|(c, _)| ipa.contains(*c)) {
        return Err(format!("phonemes '{}': {why}", clip(&ipa, MAX_QUOTED)));
    }
    let unknown = vocab.unknown(&ipa);
    if unknown.is_empty() {
        return Ok(ipa);
    }
    let listed: Vec<String> = unknown
        .iter()
        .take(8)
        .map(|&c| {
            let hint = HINTS
                .iter()
                .find(|(h, _)| *h == c)
                .map_or(String::new(), |(_, h)| format!(": {h}"));
            format!("'{c}' (U+{:04X}{hint})", u32::from(c))
        })
        .collect();
    Err(format!(
        "phonemes '{}' hold symbols the model does not know: {} (the model's symbols are \
         listed in Kokoro's vocab.json; /dev/phonemize shows a word's)",
        clip(&ipa, MAX_QUOTED),
        listed.join(", ")
    ))
}

/// A language tag (`en-US`): well formed, and naming a language ttsd speaks.
fn checked_language(tag: &str) -> std::result::Result<String, String> {
    let tag = tag.trim();
    let well_formed = !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').enumerate().all(|(i, part)| {
            let len_ok = if i == 0 {
                (2..=3).contains(&part.len())
            } else {
                (1..=8).contains(&part.len())
            };
            len_ok
                && part.bytes().all(|b| {
                    if i == 0 {
                        b.is_ascii_alphabetic()
                    } else {
                        b.is_ascii_alphanumeric()
                    }
                })
        });
    if !well_formed {
        return Err(format!(
            "'{}' is not a language tag (BCP 47, like en-US)",
            clip(tag, MAX_QUOTED)
        ));
    }
    if !Language::ALL.into_iter().any(|l| tag_applies(tag, l)) {
        let spoken: Vec<&str> = Language::ALL.into_iter().map(|l| l.row().bcp47).collect();
        return Err(format!(
            "language '{tag}' is not one ttsd speaks; a lexicon is for one of: {}",
            spoken.join(", ")
        ));
    }
    Ok(tag.to_owned())
}

/// Whether a lexicon tagged `tag` applies to `language` (see [`Lexicon::applies_to`]).
fn tag_applies(tag: &str, language: Language) -> bool {
    let (primary, region) = primary_and_region(tag);
    let same = |l: Language| {
        let (p, r) = primary_and_region(l.row().bcp47);
        (p.eq_ignore_ascii_case(primary), r)
    };
    let (same_language, its_region) = same(language);
    let Some(region) = region else {
        return same_language;
    };
    let picks = |r: Option<&str>| r.is_some_and(|r| r.eq_ignore_ascii_case(region));
    same_language
        && (picks(its_region)
            || !Language::ALL.into_iter().any(|l| {
                let (p, r) = same(l);
                p && picks(r)
            }))
}

/// A tag's primary language and its region (two letters or three digits), if it has one.
fn primary_and_region(tag: &str) -> (&str, Option<&str>) {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    // Only before an extension or private use (a one-letter subtag and what follows it).
    let region = parts.take_while(|p| p.len() > 1).find(|p| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
            || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
    });
    (primary, region)
}

#[cfg(test)]
mod tests;
