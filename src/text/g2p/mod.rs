//! Grapheme-to-phoneme: each language's route comes from the language table — misaki for
//! English ([`misaki`], espeak-ng for the words it does not know), espeak-ng for Spanish,
//! French, Italian, Brazilian Portuguese and Hindi ([`espeak`]), a morphological analyser
//! for Japanese ([`ja`]), a word segmenter and pinyin readings for Mandarin ([`zh`]).
//! Latin-script words inside Japanese and Mandarin text are read by the English G2P.
//!
//! misaki is the G2P Kokoro was trained with; it is POS-aware (heteronyms such as "read" and
//! "record") and keeps punctuation, which Kokoro uses for pauses and intonation. espeak-ng's
//! IPA is mapped onto Kokoro's symbols before it joins misaki's output or is used alone.

pub mod espeak;
mod espeak_ffi;
pub mod ja;
pub mod misaki;
pub mod zh;

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::language::{G2pRoute, Language};
use crate::{Error, Result};

/// Where the G2P's data files are (`make assets` puts them at the defaults).
#[derive(Debug, Clone)]
pub struct G2pConfig {
    /// The Japanese dictionary and word list.
    pub japanese: PathBuf,
    /// Mandarin's phrase readings.
    pub mandarin: PathBuf,
}

impl Default for G2pConfig {
    fn default() -> Self {
        G2pConfig {
            japanese: PathBuf::from("assets/ja"),
            mandarin: PathBuf::from("assets/zh"),
        }
    }
}

/// Text → phonemes for one sentence or clause in a language, punctuation kept: what an
/// engine reads. [`Phonemizer`] (the language table's routes, Kokoro's symbols) is the
/// default; an engine with other symbols brings its own (`EngineFactory::phonemizer`).
pub trait Phonemize: Send + Sync {
    /// The phonemes; symbols outside the model's vocabulary are dropped after (by the
    /// text front end).
    fn phonemize(&self, text: &str, lang: Language) -> Result<String>;
}

/// Every G2P, shared by all requests (it is `Sync`); each loads what it needs on first use.
pub struct Phonemizer {
    english: misaki::English,
    config: G2pConfig,
    /// Loaded on the first Japanese request (about 0.5 s and 80 MB); a failure is kept and
    /// reported to every Japanese request.
    japanese: OnceLock<std::result::Result<ja::Japanese, String>>,
    /// Loaded on the first Mandarin request (about 0.3 s and 43 MB), likewise.
    mandarin: OnceLock<std::result::Result<zh::Mandarin, String>>,
}

impl Phonemizer {
    /// Builds the American English lexicon now (the others load on first use).
    pub fn new(config: G2pConfig) -> Self {
        Phonemizer {
            english: misaki::English::new(),
            config,
            japanese: OnceLock::new(),
            mandarin: OnceLock::new(),
        }
    }

    /// Phonemes for one sentence or clause, punctuation kept. May contain symbols outside
    /// the model's vocabulary (`❓` for a word nothing could read): the vocabulary drops
    /// them.
    pub fn phonemize(&self, text: &str, lang: Language) -> Result<String> {
        match lang.row().g2p {
            G2pRoute::Misaki { british } => self.english.phonemize(text, british),
            G2pRoute::Espeak { voice } => espeak::sentence(text, voice, lang.row().script),
            G2pRoute::Japanese => {
                let japanese = self
                    .japanese
                    .get_or_init(|| {
                        tracing::info!("loading the Japanese dictionary (first Japanese request)");
                        ja::Japanese::load(&self.config.japanese).map_err(|e| e.to_string())
                    })
                    .as_ref()
                    .map_err(|e| Error::Asset(e.clone()))?;
                japanese.phonemize(text, &|latin| self.english.phonemize(latin, false))
            }
            G2pRoute::Mandarin => {
                let mandarin = self
                    .mandarin
                    .get_or_init(|| {
                        tracing::info!("loading the Mandarin tables (first Mandarin request)");
                        zh::Mandarin::load(&self.config.mandarin).map_err(|e| e.to_string())
                    })
                    .as_ref()
                    .map_err(|e| Error::Asset(e.clone()))?;
                mandarin.phonemize(text, &|latin| self.english.phonemize(latin, false))
            }
        }
    }
}

impl Phonemize for Phonemizer {
    fn phonemize(&self, text: &str, lang: Language) -> Result<String> {
        Phonemizer::phonemize(self, text, lang)
    }
}

/// A symbol that stands for words (Unicode's "other symbol" and the numbers that are not
/// digits: "〄", "©", "♻", "⠓", "½", "²", "Ⅻ"; a math sign or a currency: "≤", "∑", "₩";
/// a punctuation mark that means something: "§", "†", "‰", "※"), not a mark that is a
/// pause or a quote: a reader that has no reading for one reports it as it does a letter
/// (English says them by name; a reader without names must not drop them in silence).
/// Emoji are not among them: the normalizer drops those that decorate and reports the rest.
pub(crate) fn is_word_symbol(c: char) -> bool {
    static OTHER_SYMBOL: crate::text::normalize::rx::Lazy =
        crate::text::normalize::rx::lazy!(r"^[\p{So}\p{No}\p{Nl}\p{Sm}\p{Sc}]$");
    static MARK: crate::text::normalize::rx::Lazy = crate::text::normalize::rx::lazy!(r"^\p{Po}$");
    let mut buf = [0; 4];
    let s: &str = c.encode_utf8(&mut buf);
    // Emoji are the normalizer's: dropped as decoration, said, or reported before a reader.
    !c.is_ascii()
        && !crate::text::normalize::is_emoji(c)
        && (OTHER_SYMBOL.is_match(s) || (MARK.is_match(s) && !is_pause_mark(c)))
}

/// ASCII's signs that mean something where they stand alone (`5*3`, `1/x`, `x^2`, `#1`,
/// `a@b`, `a|b`, `a_b`), in their ASCII or full-width form: a reader that neither reads nor names one
/// reports it, never drops it. (The Japanese dictionary reads `+` and `@`; Mandarin says
/// `+ = < > *` in words; ASCII's other signs are pauses, quotes or brackets.)
pub(crate) fn is_ascii_sign(c: char) -> bool {
    let c = crate::text::normalize::compat::half_width(c);
    matches!(c, '*' | '/' | '^' | '#' | '@' | '|' | '\\' | '_')
}

/// Punctuation (Po) that is a pause, a bullet or a sentence's opening, not a word: the
/// ellipsis, Spanish's inverted marks, the middle dot and bullet, the doubled marks, the
/// danda, the Japanese middle dot, and the CJK and full-width forms of pauses.
fn is_pause_mark(c: char) -> bool {
    matches!(c, '…' | '¡' | '¿' | '·' | '•' | '‧' | '‣' | '‼' | '⁇' | '⁈' | '⁉' | '।' | '॥' | '・' | '･'
        | '\u{3000}'..='\u{303f}' | '\u{fe10}'..='\u{fe19}' | '\u{fe30}'..='\u{fe6f}' | '\u{ff01}'..='\u{ff0f}'
        | '\u{ff1a}'..='\u{ff20}' | '\u{ff3b}'..='\u{ff40}' | '\u{ff5b}'..='\u{ff65}')
}

/// The error for characters a language's reader has no reading for: they are named (the
/// first few, with their code points), never skipped in silence. `hint` says what to write
/// instead.
pub(crate) fn unreadable(language: &str, chars: &[char], hint: &str) -> Error {
    /// The most characters named in the message.
    const NAMED: usize = 8;
    let mut seen: Vec<char> = Vec::new();
    for &c in chars {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let named: Vec<String> = seen
        .iter()
        .take(NAMED)
        .map(|c| format!("'{c}' (U+{:04X})", u32::from(*c)))
        .collect();
    let more = if seen.len() > NAMED { ", …" } else { "" };
    Error::invalid(
        "input",
        format!(
            "{language} has no reading for {}{more}; {hint}",
            named.join(", ")
        ),
    )
}

impl Default for Phonemizer {
    fn default() -> Self {
        Self::new(G2pConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heteronyms_follow_context() -> Result<()> {
        let p = Phonemizer::default();
        let ph = p.phonemize("They record a record.", Language::EnUs)?;
        assert!(ph.contains("ɹəkˈɔɹd") && ph.contains("ɹˈɛkəɹd"), "{ph}");
        Ok(())
    }

    #[test]
    fn unknown_words_go_through_espeak() -> Result<()> {
        let p = Phonemizer::default();
        let ph = p.phonemize("The zorblaxian fleet.", Language::EnUs)?;
        assert!(!ph.contains('❓'), "{ph}");
        assert!(ph.contains('z'), "{ph}");
        Ok(())
    }

    #[test]
    fn other_languages_go_through_espeak_with_punctuation() -> Result<()> {
        let p = Phonemizer::default();
        let es = p.phonemize("Hola, ¿cómo estás? Tengo 23 años.", Language::Es)?;
        assert!(
            es.starts_with("ˈola,") && es.contains('?') && es.ends_with('.'),
            "{es}"
        );
        assert!(es.contains("βˌAntitɾˈes"), "{es}");
        let fr = p.phonemize("Un bon vin blanc.", Language::Fr)?;
        assert!(fr.contains('\u{303}'), "{fr}");
        let hi = p.phonemize("नमस्ते, आप कैसे हैं?", Language::Hi)?;
        assert!(hi.contains(',') && hi.ends_with('?'), "{hi}");
        // Symbols never reach espeak-ng; nothing speakable is no phonemes.
        assert_eq!(p.phonemize("§ ¤ ™ ∑", Language::It)?, "");
        Ok(())
    }

    #[test]
    fn punctuation_is_kept() -> Result<()> {
        let p = Phonemizer::default();
        let ph = p.phonemize("Well, yes; no!", Language::EnUs)?;
        assert!(
            ph.contains(',') && ph.contains(';') && ph.contains('!'),
            "{ph}"
        );
        Ok(())
    }

    #[test]
    fn every_route_of_the_table_answers() {
        let p = Phonemizer::default();
        for lang in Language::ALL {
            let result = p.phonemize("a", lang);
            assert!(result.is_ok(), "{lang}: {result:?}");
        }
    }
}
