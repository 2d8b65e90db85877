//! The languages ttsd knows, in one table: each row says how a language is named (its
//! letter, BCP-47 tag, the spellings `lang_code` accepts) and how its text is read (the
//! normalizer's rules, the G2P route). Which voices speak it is each engine's business.
//!
//! Everything else asks this table. Adding a language is a row here and, when it needs
//! one, its G2P module in `text::g2p`.

use std::fmt;

use crate::{Error, Result};

/// A language (a row of [`LANGUAGES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    EnUs,
    EnGb,
    Es,
    Fr,
    Hi,
    It,
    Ja,
    PtBr,
    Zh,
}

/// How a language's text becomes phonemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum G2pRoute {
    /// misaki (the G2P Kokoro was trained with), British or American lexicon, with espeak-ng
    /// for words it does not know.
    Misaki { british: bool },
    /// espeak-ng whole, in this espeak-ng voice, its IPA mapped to Kokoro's symbols.
    Espeak { voice: &'static str },
    /// Japanese: a morphological analyser's readings, as misaki's cutlet mode writes them.
    Japanese,
    /// Mandarin: jieba's words, pypinyin's readings, tone sandhi, misaki's v1.0 symbols.
    Mandarin,
}

/// Which letters a language's G2P reads; anything else (another script, emoji) is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    /// Devanagari, and Latin (English words in Hindi text).
    Devanagari,
    /// Kana and kanji, and Latin.
    Japanese,
    /// Han characters, and Latin.
    Han,
}

impl Script {
    /// Whether `c` is a letter (or mark) this script's G2P reads. Every script takes Latin
    /// letters too (English words, brand names), except that Latin is only Latin. Japanese
    /// and Mandarin take CJK radicals and strokes too (their readers map the ones with an
    /// ideograph and report the rest), and Mandarin Greek letters (read by their names).
    pub fn has(self, c: char) -> bool {
        is_latin(c)
            || match self {
                Script::Latin => false,
                Script::Devanagari => is_devanagari(c),
                Script::Japanese => is_kana(c) || is_han(c) || is_cjk_symbol(c),
                Script::Han => is_han(c) || is_cjk_symbol(c) || is_greek(c),
            }
    }

    /// What to write instead of letters this script's G2P cannot read.
    pub fn hint(self) -> &'static str {
        match self {
            Script::Latin => "write them in Latin letters or leave them out",
            Script::Devanagari => "write them in Devanagari or Latin letters or leave them out",
            Script::Japanese => "write them in kana or leave them out",
            Script::Han => "write them as common characters or leave them out",
        }
    }
}

/// A character that must be read to be spoken: a letter of any script, a CJK radical or
/// stroke, a private-use character (only its font knows what it is), an unassigned one. One a language cannot
/// read is reported, never dropped; a symbol, punctuation or an emoji is not one of these
/// (a symbol with no name says nothing). Spacing modifiers, phonetic, letterlike and
/// super- or subscript letters (ʻ ʰ ᵃ ℓ ⁿ Ⅻ) count as symbols: no language's text is
/// written in them. IPA's letters (ə ʃ ŋ) are letters: a word written in them has a sound
/// no G2P here reads from them.
pub fn needs_reading(c: char) -> bool {
    let symbol_letter = matches!(c,
        '\u{2b0}'..='\u{2ff}' | '\u{1d00}'..='\u{1dbf}' | '\u{2070}'..='\u{209f}' | '\u{2100}'..='\u{218f}');
    (c.is_alphabetic() && !symbol_letter)
        || is_devanagari(c)
        || is_cjk_symbol(c)
        || is_private_use(c)
        || is_unassigned(c)
}

/// A code point Unicode has not assigned (as the regex crate's tables know it): nobody knows
/// what it says, so it is reported like a private-use character, never dropped.
fn is_unassigned(c: char) -> bool {
    static UNASSIGNED: crate::text::normalize::rx::Lazy =
        crate::text::normalize::rx::lazy!(r"^\p{Cn}$");
    !c.is_ascii() && UNASSIGNED.is_match(c.encode_utf8(&mut [0; 4]))
}

/// A character a word is written in: a letter, a digit, or a CJK radical (Kangxi's are
/// read as the ideographs they stand for; symbols to Unicode, words to a reader). A word
/// with one has a caption entry, whatever the G2P made of it.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_cjk_symbol(c)
}

/// CJK radicals (the supplement and Kangxi), ideographic description characters, strokes.
pub fn is_cjk_symbol(c: char) -> bool {
    matches!(c, '\u{2e80}'..='\u{2fff}' | '\u{31c0}'..='\u{31ef}')
}

/// A private-use character.
pub fn is_private_use(c: char) -> bool {
    matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{ffffd}' | '\u{100000}'..='\u{10fffd}')
}

/// A Greek letter (the basic block).
fn is_greek(c: char) -> bool {
    matches!(c, '\u{370}'..='\u{3ff}')
}

/// A Latin letter, accented ones and full-width forms included.
pub fn is_latin(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '\u{aa}' | '\u{ba}' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}'
        | '\u{f8}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' | '\u{2c60}'..='\u{2c7f}' | '\u{a720}'..='\u{a7ff}'
        | '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}')
}

/// A letter or sign of the Devanagari script (Hindi), its digits and danda excepted.
pub fn is_devanagari(c: char) -> bool {
    matches!(c, '\u{900}'..='\u{963}' | '\u{971}'..='\u{97f}' | '\u{a8e0}'..='\u{a8ff}')
}

/// Hiragana, katakana (full and half width) and the prolonged sound mark.
pub fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309f}' | '\u{30a0}'..='\u{30ff}' | '\u{31f0}'..='\u{31ff}' | '\u{ff66}'..='\u{ff9f}')
}

/// A Han character (kanji, hanzi): the common block, every extension (A to I) and the
/// compatibility forms. The rare ones reach the Japanese and Mandarin readers, which read
/// them or say they cannot; none is dropped as a foreign letter.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3005}' | '\u{3007}'
        | '\u{20000}'..='\u{2fa1f}' | '\u{30000}'..='\u{323af}')
}

/// What the normalizer does before G2P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalizer {
    /// Every rule (numbers, currency, times, dates, units, URLs, …) in English words;
    /// numeric dates read day first when `day_first`.
    English { day_first: bool },
    /// The language-neutral rules (Markdown, emoji, punctuation) and "%", "&", "°", the
    /// common math signs and currencies in the language's words; its G2P reads numbers
    /// itself, and no symbol (another one is reported).
    Neutral {
        percent: &'static str,
        and: &'static str,
        degrees: &'static str,
        /// Its words for math signs and currencies.
        signs: &'static crate::text::normalize::signs::Signs,
    },
    /// Only the language-neutral rules: the language's G2P reads numbers, units and
    /// symbols itself.
    Own {
        /// Its words for a run of math (`signs::math`), said before the G2P's rules read a
        /// hyphen between numbers as a range and before one as a negative number.
        math: Option<&'static crate::text::normalize::signs::Signs>,
    },
}

/// One language's facts.
#[derive(Debug)]
pub struct Row {
    pub language: Language,
    /// Kokoro-FastAPI's `lang_code` letter (also the first letter of Kokoro's voice names
    /// in this language).
    pub code: char,
    /// English name, for listings.
    pub name: &'static str,
    /// BCP-47 tag (Wyoming's `languages`, the page's `lang`).
    pub bcp47: &'static str,
    /// More spellings `lang_code` accepts (lower case; `_` is read as `-`).
    pub aliases: &'static [&'static str],
    pub g2p: G2pRoute,
    pub script: Script,
    pub normalizer: Normalizer,
}

/// Every language, in the order Kokoro lists its voices.
pub static LANGUAGES: &[Row] = &[
    Row {
        language: Language::EnUs,
        code: 'a',
        name: "American English",
        bcp47: "en-US",
        aliases: &["en", "american"],
        g2p: G2pRoute::Misaki { british: false },
        script: Script::Latin,
        normalizer: Normalizer::English { day_first: false },
    },
    Row {
        language: Language::EnGb,
        code: 'b',
        name: "British English",
        bcp47: "en-GB",
        aliases: &["british", "en-uk"],
        g2p: G2pRoute::Misaki { british: true },
        script: Script::Latin,
        normalizer: Normalizer::English { day_first: true },
    },
    Row {
        language: Language::Es,
        code: 'e',
        name: "Spanish",
        bcp47: "es",
        aliases: &["es-es", "es-419", "es-mx", "spanish"],
        g2p: G2pRoute::Espeak { voice: "es" },
        script: Script::Latin,
        normalizer: Normalizer::Neutral {
            percent: "por ciento",
            and: "y",
            degrees: "grados",
            signs: &crate::text::normalize::signs::SPANISH,
        },
    },
    Row {
        language: Language::Fr,
        code: 'f',
        name: "French",
        bcp47: "fr-FR",
        aliases: &["fr", "french"],
        // The voice file's name: "fr-fr" is a tag espeak_SetVoiceByName misses.
        g2p: G2pRoute::Espeak { voice: "fr" },
        script: Script::Latin,
        normalizer: Normalizer::Neutral {
            percent: "pour cent",
            and: "et",
            degrees: "degrés",
            signs: &crate::text::normalize::signs::FRENCH,
        },
    },
    Row {
        language: Language::Hi,
        code: 'h',
        name: "Hindi",
        bcp47: "hi",
        aliases: &["hi-in", "hindi"],
        g2p: G2pRoute::Espeak { voice: "hi" },
        script: Script::Devanagari,
        normalizer: Normalizer::Neutral {
            percent: "प्रतिशत",
            and: "और",
            degrees: "डिग्री",
            signs: &crate::text::normalize::signs::HINDI,
        },
    },
    Row {
        language: Language::It,
        code: 'i',
        name: "Italian",
        bcp47: "it",
        aliases: &["it-it", "italian"],
        g2p: G2pRoute::Espeak { voice: "it" },
        script: Script::Latin,
        normalizer: Normalizer::Neutral {
            percent: "per cento",
            and: "e",
            degrees: "gradi",
            signs: &crate::text::normalize::signs::ITALIAN,
        },
    },
    Row {
        language: Language::Ja,
        code: 'j',
        name: "Japanese",
        bcp47: "ja",
        aliases: &["ja-jp", "japanese"],
        g2p: G2pRoute::Japanese,
        script: Script::Japanese,
        normalizer: Normalizer::Own { math: None },
    },
    Row {
        language: Language::PtBr,
        code: 'p',
        name: "Brazilian Portuguese",
        bcp47: "pt-BR",
        aliases: &["pt", "portuguese"],
        g2p: G2pRoute::Espeak { voice: "pt-br" },
        script: Script::Latin,
        normalizer: Normalizer::Neutral {
            percent: "por cento",
            and: "e",
            degrees: "graus",
            signs: &crate::text::normalize::signs::PORTUGUESE,
        },
    },
    Row {
        language: Language::Zh,
        code: 'z',
        name: "Mandarin Chinese",
        bcp47: "zh-CN",
        aliases: &["zh", "cmn", "zh-hans", "mandarin", "chinese"],
        g2p: G2pRoute::Mandarin,
        script: Script::Han,
        normalizer: Normalizer::Own {
            math: Some(&crate::text::normalize::signs::MANDARIN),
        },
    },
];

impl Language {
    /// Every language, in the table's order.
    pub const ALL: [Language; 9] = [
        Language::EnUs,
        Language::EnGb,
        Language::Es,
        Language::Fr,
        Language::Hi,
        Language::It,
        Language::Ja,
        Language::PtBr,
        Language::Zh,
    ];

    /// This language's row.
    pub fn row(self) -> &'static Row {
        // The table has one row per variant (a unit test checks), so the search succeeds.
        LANGUAGES
            .iter()
            .find(|r| r.language == self)
            .unwrap_or(&LANGUAGES[0])
    }

    /// A `lang_code`: its letter (`a`), a BCP-47 tag (`en-GB`, `pt-br`) or an alias
    /// (`british`). Case and `_`/`-` do not matter. (Whether the engine speaks it is the
    /// engine's to say: `voice::Voices::spoken`.)
    pub fn from_code(code: &str) -> Result<Language> {
        let wanted = code.trim().to_ascii_lowercase().replace('_', "-");
        let row = LANGUAGES.iter().find(|r| {
            wanted.chars().eq(std::iter::once(r.code))
                || wanted == r.bcp47.to_ascii_lowercase()
                || r.aliases.contains(&wanted.as_str())
        });
        match row {
            Some(r) => Ok(r.language),
            None => Err(Error::invalid(
                "lang_code",
                format!(
                    "lang_code '{}' is not a language ttsd speaks; use one of: {}",
                    crate::error::clip(code.trim(), crate::error::MAX_QUOTED),
                    LANGUAGES
                        .iter()
                        .map(|r| format!("{} ({})", r.code, r.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

impl fmt::Display for Language {
    /// The BCP-47 tag.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.row().bcp47)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_language_and_codes_are_unique() {
        assert_eq!(LANGUAGES.len(), Language::ALL.len());
        for l in Language::ALL {
            assert_eq!(LANGUAGES.iter().filter(|r| r.language == l).count(), 1);
            assert_eq!(l.row().language, l);
        }
        let mut codes: Vec<char> = LANGUAGES.iter().map(|r| r.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len());
    }

    #[test]
    fn codes_tags_and_aliases_name_languages() {
        assert_eq!(Language::from_code("en-GB").ok(), Some(Language::EnGb));
        assert_eq!(Language::from_code("a").ok(), Some(Language::EnUs));
        assert_eq!(Language::from_code("pt_BR").ok(), Some(Language::PtBr));
        assert_eq!(Language::from_code(" F ").ok(), Some(Language::Fr));
        assert!(Language::from_code("xx").is_err());
        for l in Language::ALL {
            let row = l.row();
            assert_eq!(Language::from_code(&row.code.to_string()).ok(), Some(l));
            assert_eq!(Language::from_code(row.bcp47).ok(), Some(l));
            for alias in row.aliases {
                assert_eq!(Language::from_code(alias).ok(), Some(l), "{alias}");
            }
        }
    }
}
