//! Finding a request's lexicon entries in its text: whole words and phrases as written,
//! longest first, in one pass.
//!
//! At each place a word can start, each lexicon's automaton (Aho-Corasick, anchored there)
//! is walked byte by byte until it can match nothing longer; of the entries it passes that
//! end a word, the longest is kept, and the search goes on after it. A walk stops at the
//! first byte no entry goes on with (in ordinary text, the first or second), and never
//! goes further than the longest entry ([`super::MAX_GRAPHEME_CHARS`]), so the cost is
//! linear in the text, times the lexicons (at most [`super::MAX_PER_REQUEST`]), and is the
//! same whatever the lexicons' sizes.

use std::sync::Arc;

use aho_corasick::Anchored;
use aho_corasick::automaton::Automaton;
use unicode_normalization::char::is_combining_mark;

use super::{Lexicon, Pronunciation, fold};
use crate::language::{Language, is_han, is_kana};
use crate::text::markup::Item;

/// The lexicons a request names, in its order.
#[derive(Debug, Clone, Default)]
pub struct Lexicons(Vec<Arc<Lexicon>>);

impl Lexicons {
    pub fn new(lexicons: Vec<Arc<Lexicon>>) -> Self {
        Lexicons(lexicons)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `text` (in `language`) as markup items, appended to `out`: the words the lexicons
    /// have as [`Item::Phonemes`] or [`Item::Alias`] (with the words as written in the text),
    /// the rest as [`Item::Text`] (whitespace-only pieces left out, as markup leaves them).
    /// Without a match, `text` is one [`Item::Text`].
    pub fn apply(&self, text: &str, language: Language, out: &mut Vec<Item>) {
        let lexicons: Vec<&Lexicon> = self
            .0
            .iter()
            .map(Arc::as_ref)
            .filter(|l| l.applies_to(language))
            .collect();
        let mut pos = 0;
        let mut done = 0;
        while let Some(c) = text[pos..].chars().next() {
            if !c.is_whitespace() && starts_word(text, pos) {
                let mut best: Option<(usize, &Pronunciation)> = None;
                for lexicon in &lexicons {
                    if let Some((end, said)) = longest_at(lexicon, text, pos)
                        && best.is_none_or(|(e, _)| end > e)
                    {
                        best = Some((end, said));
                    }
                }
                if let Some((end, said)) = best {
                    push_text(&text[done..pos], out);
                    let written = text[pos..end].to_owned();
                    out.push(match said {
                        Pronunciation::Phonemes(phonemes) => Item::Phonemes {
                            written,
                            phonemes: phonemes.clone(),
                        },
                        Pronunciation::Alias(spoken) => Item::Alias {
                            written,
                            spoken: spoken.clone(),
                        },
                    });
                    pos = end;
                    done = end;
                    continue;
                }
            }
            pos += c.len_utf8();
        }
        push_text(&text[done..], out);
    }
}

fn push_text(text: &str, out: &mut Vec<Item>) {
    if !text.trim().is_empty() {
        out.push(Item::Text(text.to_owned()));
    }
}

/// The longest entry of `lexicon` written at byte `start` of `text` that ends a word: the
/// byte after it, and how it is said.
pub(super) fn longest_at<'a>(
    lexicon: &'a Lexicon,
    text: &str,
    start: usize,
) -> Option<(usize, &'a Pronunciation)> {
    let automaton = &lexicon.automaton;
    let mut state = automaton.start_state(Anchored::Yes).ok()?;
    // Bytes fed: entries are matched on the text as folded (a run of whitespace as one
    // space, ’ as '), so this is an entry's length, not the text's.
    let mut fed = 0;
    let mut in_space = false;
    let mut best = None;
    for (offset, c) in text[start..].char_indices() {
        if c.is_whitespace() {
            if in_space {
                continue;
            }
            in_space = true;
            state = automaton.next_state(Anchored::Yes, state, b' ');
            fed += 1;
        } else {
            in_space = false;
            let mut buf = [0; 4];
            for &byte in fold(c).encode_utf8(&mut buf).as_bytes() {
                state = automaton.next_state(Anchored::Yes, state, byte);
            }
            fed += fold(c).len_utf8();
        }
        if automaton.is_dead(state) {
            break;
        }
        if in_space || !automaton.is_match(state) {
            continue;
        }
        let end = start + offset + c.len_utf8();
        // A state's matches include entries that are suffixes of the path (entered by
        // failure links when the automaton was built); only those as long as what was fed
        // start at `start`.
        let whole = (0..automaton.match_len(state))
            .map(|i| automaton.match_pattern(state, i))
            .find(|&p| automaton.pattern_len(p) == fed);
        if let Some(pattern) = whole
            && ends_word(text, end)
        {
            best = Some((end, &lexicon.entries[pattern.as_usize()].1));
        }
    }
    best
}

/// A letter, digit or mark: what words are made of.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// A script written without spaces between words (Han, kana): each of its characters may
/// start or end a match.
fn unspaced(c: char) -> bool {
    is_han(c) || is_kana(c)
}

/// Whether two neighbouring characters are of one word.
fn joined(a: char, b: char) -> bool {
    is_word(a) && is_word(b) && !unspaced(a) && !unspaced(b)
}

/// Whether a match may start at byte `at`: not inside a word, nor after a hyphen inside one
/// ("pre-Acme"). An apostrophe before is a boundary, for elisions ("l'Acme").
fn starts_word(text: &str, at: usize) -> bool {
    let Some(first) = text[at..].chars().next() else {
        return false;
    };
    let mut before = text[..at].chars().rev();
    match before.next() {
        None => true,
        Some(c) if joined(c, first) => false,
        Some('-' | '‐') => !before.next().is_some_and(|c| joined(c, first)),
        Some(_) => true,
    }
}

/// Whether a match may end at byte `at`: not inside a word, nor before an apostrophe or
/// hyphen that goes on with it ("Acme's", "Acme-branded").
fn ends_word(text: &str, at: usize) -> bool {
    let Some(last) = text[..at].chars().next_back() else {
        return false;
    };
    let mut after = text[at..].chars();
    match after.next() {
        None => true,
        Some(c) if joined(last, c) => false,
        Some('\'' | '’' | '-' | '‐') => !after.next().is_some_and(|c| joined(last, c)),
        Some(_) => true,
    }
}
