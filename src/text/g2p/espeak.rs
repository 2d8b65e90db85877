//! espeak-ng as a G2P: whole sentences in the languages misaki does not speak, and single
//! words misaki does not know. Its IPA is mapped onto Kokoro's symbols as misaki maps it
//! (its `espeak.py`): multi-letter sounds to single letters, language-switch marks removed,
//! English dialect rules on top.
//!
//! Only the language's letters, digits and apostrophes ever reach espeak-ng ([`reads`]): fed
//! arbitrary symbols, libespeak-ng 1.51 has crashed the process (found by the property
//! tests).

use super::espeak_ffi::{self, TIE};
use crate::Result;
use crate::language::Script;

/// Which of misaki's mappings applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// American English (misaki's fallback rules, length marks dropped, flaps).
    EnUs,
    /// British English (misaki's fallback rules, length marks kept).
    EnGb,
    /// Any other language: only the tied letters.
    Other,
}

impl Dialect {
    pub fn english(british: bool) -> Self {
        if british {
            Dialect::EnGb
        } else {
            Dialect::EnUs
        }
    }
}

/// IPA for `text` in the espeak-ng voice `voice`, the letters of one phoneme tied by [`TIE`].
pub fn ipa(text: &str, voice: &str) -> Result<String> {
    espeak_ffi::text_to_ipa(text, voice)
}

/// Whether `c` may reach espeak-ng for a language written in `script`: its letters, digits,
/// apostrophes and spaces, nothing else.
pub fn reads(c: char, script: Script) -> bool {
    c == ' ' || c == '\'' || c.is_ascii_digit() || (c.is_alphabetic() && script.has(c))
}

/// Clause punctuation kept between espeak-ng calls: Kokoro uses it for pauses and
/// intonation, and espeak drops it.
const KEPT_PUNCTUATION: &[char] = &['.', ',', ';', ':', '!', '?', '…', '—'];

/// The longest run handed to espeak-ng at once; a longer clause goes in pieces, cut
/// between words.
const MAX_ESPEAK_RUN: usize = 600;

/// A sentence in a language espeak-ng reads (voice `voice`, letters of `script`): cut at
/// clause punctuation, each clause's letters and digits phonemized, the punctuation put back
/// between them.
pub fn sentence(text: &str, voice: &str, script: Script) -> Result<String> {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| -> Result<()> {
        let words = run.split_whitespace().collect::<Vec<_>>().join(" ");
        run.clear();
        if !words.chars().any(char::is_alphanumeric) {
            return Ok(());
        }
        let mut piece = String::new();
        for word in words.split(' ') {
            if piece.len() + word.len() > MAX_ESPEAK_RUN && !piece.is_empty() {
                push_phonemes(out, &ipa(&piece, voice)?);
                piece.clear();
            }
            if !piece.is_empty() {
                piece.push(' ');
            }
            piece.push_str(word);
        }
        push_phonemes(out, &ipa(&piece, voice)?);
        Ok(())
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if between_digits && matches!(c, '.' | ',' | ':') {
            // "3,5", "1.000", "18:30": part of the number, which espeak reads.
            run.push(c);
        } else if KEPT_PUNCTUATION.contains(&c) {
            flush(&mut run, &mut out)?;
            out.push(c);
        } else if reads(c, script) {
            run.push(c);
        } else {
            run.push(' ');
        }
    }
    flush(&mut run, &mut out)?;
    Ok(out.trim().to_owned())
}

fn push_phonemes(out: &mut String, ipa: &str) {
    let phonemes = to_kokoro(ipa, Dialect::Other);
    if phonemes.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(&phonemes);
}

/// espeak-ng IPA (with `^` tying the letters of one phoneme) → the symbols Kokoro was
/// trained on, as misaki converts them (its `espeak.py`: `EspeakFallback` for English,
/// `EspeakG2P` for the other languages).
///
/// Multi-letter sounds become misaki's single letters (a^ɪ → I, e^ɪ → A, t^s → ʦ, …);
/// espeak's language-switch marks ("(en)") go. English also gets misaki's dialect rules:
/// syllabic consonants as ᵊ, length marks dropped in American English, symbols Kokoro's
/// English never saw replaced by their nearest neighbour.
pub fn to_kokoro(ipa: &str, dialect: Dialect) -> String {
    // The tables write the tie as '^', the character espeak is asked to tie with.
    const _: () = assert!(TIE == '^');
    /// misaki's `EspeakG2P.E2M`, shared by every language.
    const TIED: &[(&str, &str)] = &[
        ("a^ɪ", "I"),
        ("a^ʊ", "W"),
        ("d^z", "ʣ"),
        ("d^ʒ", "ʤ"),
        ("e^ɪ", "A"),
        ("o^ʊ", "O"),
        ("ə^ʊ", "Q"),
        ("s^s", "S"),
        ("t^s", "ʦ"),
        ("t^ʃ", "ʧ"),
        ("ɔ^ɪ", "Y"),
    ];
    /// misaki's `EspeakFallback.E2M` beyond the tied letters (longest first).
    const ENGLISH: &[(&str, &str)] = &[
        ("ʔˌn\u{329}", "tᵊn"),
        ("ʔn\u{329}", "tᵊn"),
        ("ʔn", "tᵊn"),
        ("ə^l", "ᵊl"),
        ("ʲO", "jO"),
        ("ʲQ", "jQ"),
        ("\u{303}", ""),
        ("e", "A"),
        ("r", "ɹ"),
        ("x", "k"),
        ("ç", "k"),
        ("ɐ", "ə"),
        ("ɚ", "əɹ"),
        ("ɬ", "l"),
        ("ɫ", "l"),
        ("ʔ", "t"),
        ("ʲ", ""),
        ("g", "ɡ"),
    ];
    let mut s = strip_language_switches(ipa).replace(['\u{361}', '_', '\u{200d}'], "");
    if dialect == Dialect::EnGb {
        // Before "e" becomes "A": the square vowel.
        s = s.replace("e^ə", "ɛː");
    }
    for (from, to) in TIED {
        s = s.replace(from, to);
    }
    if dialect == Dialect::Other {
        return s.replace([TIE, '-'], "");
    }
    for (from, to) in ENGLISH {
        s = s.replace(from, to);
    }
    let s = syllabic(&s);
    let mut s = match dialect {
        Dialect::EnGb => s.replace("iə", "ɪə"),
        _ => s
            .replace("ɜːɹ", "ɜɹ")
            .replace("ɜː", "ɜɹ")
            .replace("ɪə", "iə")
            .replace('ɾ', "T")
            .replace('ː', ""),
    };
    // espeak-ng before 1.52 writes "o" where misaki expects "ɔ" (misaki does the same).
    s = s.replace('o', "ɔ");
    s.replace(TIE, "")
}

/// "n̩" → "ᵊn": misaki writes a syllabic consonant as a small schwa before it.
fn syllabic(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{329}') {
            chars.next();
            out.push('ᵊ');
        }
        if c != '\u{329}' {
            out.push(c);
        }
    }
    out
}

/// espeak-ng marks a word it reads with another language's rules as "(en)…(hi)": the
/// marks go, the phonemes stay.
fn strip_language_switches(ipa: &str) -> String {
    let mut out = String::with_capacity(ipa.len());
    let mut depth = 0usize;
    for c in ipa.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diphthongs_map_to_kokoro_letters() {
        assert_eq!(to_kokoro("t^ʃˈa^ɪld", Dialect::EnUs), "ʧˈIld");
        assert_eq!(to_kokoro("ɡˌo^ʊ", Dialect::EnUs), "ɡˌO");
        assert_eq!(to_kokoro("ɡˌə^ʊ", Dialect::EnGb), "ɡˌQ");
        assert_eq!(to_kokoro("bˈʌɾɚ", Dialect::EnUs), "bˈʌTəɹ");
        assert_eq!(to_kokoro("bˈʌʔn̩", Dialect::EnUs), "bˈʌtᵊn");
        assert_eq!(to_kokoro("kˈɑː^ɹ", Dialect::EnUs), "kˈɑɹ");
        assert_eq!(to_kokoro("ˈe^ə", Dialect::EnGb), "ˈɛː");
        assert_eq!(to_kokoro("sˈiː", Dialect::EnUs), "sˈi");
        assert_eq!(to_kokoro("sˈiː", Dialect::EnGb), "sˈiː");
    }

    #[test]
    fn other_languages_keep_their_symbols() {
        // Spanish: ties to single letters, nothing English about it.
        assert_eq!(
            to_kokoro("βˌe^ɪntitɾˈes t^ʃoɾˈiθo", Dialect::Other),
            "βˌAntitɾˈes ʧoɾˈiθo"
        );
        // French nasal vowels keep their tilde (in Kokoro's vocabulary).
        assert_eq!(to_kokoro("bɔ̃ʒˈuʁ", Dialect::Other), "bɔ̃ʒˈuʁ");
        assert_eq!(to_kokoro("ɡrˈat^sje", Dialect::Other), "ɡrˈaʦje");
        // Hindi, with an English word and espeak's language-switch marks.
        assert_eq!(
            to_kokoro("mɛ̃ (^e^n)ɡˈuːɡə^l(^h^i) hũ", Dialect::Other),
            "mɛ̃ ɡˈuːɡəl hũ"
        );
    }
}
