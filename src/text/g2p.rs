//! Grapheme-to-phoneme: misaki for English, espeak-ng for the words misaki does not know.
//!
//! misaki is the G2P Kokoro was trained with; it is POS-aware (heteronyms such as "read"
//! and "record") and keeps punctuation, which Kokoro uses for pauses and intonation.
//! espeak-ng's IPA is mapped onto Kokoro's symbols (diphthongs to single letters, and so on)
//! before it joins misaki's output.

use std::fmt;

use misaki_rs::fallback::FallbackError;
use misaki_rs::{Fallback, G2P};

use super::espeak;
use crate::{Error, Result};

/// A language ttsd can phonemize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// American English (voices `a*`).
    EnUs,
    /// British English (voices `b*`).
    EnGb,
}

impl Language {
    /// The language of a Kokoro voice, from its first letter.
    pub fn from_voice(name: &str) -> Result<Self> {
        match name.chars().next() {
            Some('a') => Ok(Language::EnUs),
            Some('b') => Ok(Language::EnGb),
            Some(c) => Err(Error::UnsupportedLanguage(format!(
                "voice '{name}' speaks {}, which has no grapheme-to-phoneme support yet; \
                 use an English voice (a* or b*)",
                language_name(c)
            ))),
            None => Err(Error::UnknownVoice(name.to_owned())),
        }
    }

    /// A Kokoro-FastAPI style `lang_code` (`a`, `b`) or a BCP-47 tag (`en-us`, `en-gb`).
    pub fn from_code(code: &str) -> Result<Self> {
        match code.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "a" | "en-us" | "en" | "american" => Ok(Language::EnUs),
            "b" | "en-gb" | "british" => Ok(Language::EnGb),
            other => Err(Error::invalid(
                "lang_code",
                format!(
                    "lang_code '{other}' is not supported; use 'a' (American English) or \
                     'b' (British English)"
                ),
            )),
        }
    }

    /// The espeak-ng voice used for out-of-vocabulary words.
    fn espeak_voice(self) -> &'static str {
        match self {
            Language::EnUs => "en-us",
            Language::EnGb => "en",
        }
    }

    /// The short code used in listings (`a`, `b`), as Kokoro names its voices.
    pub fn code(self) -> &'static str {
        match self {
            Language::EnUs => "a",
            Language::EnGb => "b",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::EnUs => "en-us",
            Language::EnGb => "en-gb",
        })
    }
}

/// The human name of a Kokoro voice-prefix letter.
pub fn language_name(prefix: char) -> &'static str {
    match prefix {
        'a' => "American English",
        'b' => "British English",
        'e' => "Spanish",
        'f' => "French",
        'h' => "Hindi",
        'i' => "Italian",
        'j' => "Japanese",
        'p' => "Brazilian Portuguese",
        'z' => "Mandarin Chinese",
        _ => "an unknown language",
    }
}

/// English G2P for both dialects, built once and shared (it is `Sync`).
pub struct Phonemizer {
    us: G2P,
    gb: G2P,
}

impl Phonemizer {
    pub fn new() -> Self {
        let make = |lang: Language| {
            let misaki_lang = match lang {
                Language::EnUs => misaki_rs::Language::EnglishUS,
                Language::EnGb => misaki_rs::Language::EnglishGB,
            };
            G2P::with_fallback(misaki_lang, Some(Box::new(EspeakFallback(lang))))
        };
        Phonemizer {
            us: make(Language::EnUs),
            gb: make(Language::EnGb),
        }
    }

    /// Phonemes for one sentence or clause, punctuation kept. May contain symbols outside
    /// Kokoro's vocabulary (`❓` for a word nothing could read): [`super::tokens::Vocab`]
    /// drops them.
    pub fn phonemize(&self, text: &str, lang: Language) -> Result<String> {
        let g2p = match lang {
            Language::EnUs => &self.us,
            Language::EnGb => &self.gb,
        };
        let (phonemes, _) = g2p.g2p(text).map_err(|e| Error::Phonemize(e.to_string()))?;
        Ok(phonemes)
    }
}

impl Default for Phonemizer {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest word handed to espeak-ng (longer ones are cut: no real word is that long).
const MAX_FALLBACK_WORD: usize = 64;

/// misaki's out-of-vocabulary hook, answered by espeak-ng.
struct EspeakFallback(Language);

impl Fallback for EspeakFallback {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        tracing::debug!(word, "not in misaki's lexicon: asking espeak-ng");
        // Only plain letters reach espeak-ng: fed arbitrary symbols, libespeak-ng 1.51 has
        // crashed the process (found by the property tests), and an English word needs
        // nothing else.
        let word: String = word
            .chars()
            .filter(|c| c.is_ascii_alphabetic() || matches!(c, '\'' | '-'))
            .take(MAX_FALLBACK_WORD)
            .collect();
        if !word.chars().any(|c| c.is_ascii_alphabetic()) {
            return Ok(String::new());
        }
        let word = word.as_str();
        let ipa = espeak::text_to_ipa(word, self.0.espeak_voice()).map_err(|e| {
            FallbackError::Espeak {
                word: word.to_owned(),
                error: e.to_string(),
            }
        })?;
        // Nothing to say (punctuation, symbols espeak does not read): silence, not an error.
        Ok(espeak_to_kokoro(&ipa, self.0))
    }
}

/// espeak-ng IPA → the symbols Kokoro was trained on (misaki's conventions).
///
/// Multi-letter sounds become misaki's single letters (aɪ → I, eɪ → A, oʊ → O, …), the
/// syllabic mark becomes ᵊ, length marks go in American English, and symbols espeak uses
/// that Kokoro never saw are replaced by their nearest neighbour.
pub fn espeak_to_kokoro(ipa: &str, lang: Language) -> String {
    // Longest patterns first: each replacement must not see a half-converted string.
    const COMMON: &[(&str, &str)] = &[
        ("ʔˌn\u{329}", "tᵊn"),
        ("ʔn\u{329}", "tᵊn"),
        ("ə\u{303}", "ə"),
        ("aɪ", "I"),
        ("aʊ", "W"),
        ("eɪ", "A"),
        ("ɔɪ", "Y"),
        ("dʒ", "ʤ"),
        ("tʃ", "ʧ"),
        ("n\u{329}", "ᵊn"),
        ("l\u{329}", "ᵊl"),
        ("m\u{329}", "ᵊm"),
        ("ɚ", "əɹ"),
        ("ɝ", "ɜɹ"),
        ("ʲ", ""),
        ("r", "ɹ"),
        ("x", "k"),
        ("ç", "k"),
        ("ɐ", "ə"),
        ("ɬ", "l"),
        ("ʔ", "t"),
        ("ɫ", "l"),
        ("g", "ɡ"),
    ];
    const US: &[(&str, &str)] = &[
        ("oʊ", "O"),
        ("əʊ", "O"),
        ("ɜː", "ɜɹ"),
        ("ɪə", "iə"),
        ("ɾ", "T"),
        ("ː", ""),
        ("e", "A"),
        ("o", "O"),
    ];
    const GB: &[(&str, &str)] = &[
        ("əʊ", "Q"),
        ("oʊ", "Q"),
        ("eə", "ɛː"),
        ("e", "ɛ"),
        ("o", "ɔ"),
    ];

    let mut s = ipa.replace(['\u{361}', '^', '_', '\u{200d}'], "");
    for (from, to) in COMMON {
        s = s.replace(from, to);
    }
    let dialect = match lang {
        Language::EnUs => US,
        Language::EnGb => GB,
    };
    for (from, to) in dialect {
        s = s.replace(from, to);
    }
    s.replace('\u{329}', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diphthongs_map_to_kokoro_letters() {
        assert_eq!(espeak_to_kokoro("tʃˈaɪld", Language::EnUs), "ʧˈIld");
        assert_eq!(espeak_to_kokoro("ɡˈoʊ", Language::EnUs), "ɡˈO");
        assert_eq!(espeak_to_kokoro("ɡˈəʊ", Language::EnGb), "ɡˈQ");
        assert_eq!(espeak_to_kokoro("bˈʌɾɚ", Language::EnUs), "bˈʌTəɹ");
        assert_eq!(espeak_to_kokoro("sˈiː", Language::EnUs), "sˈi");
        assert_eq!(espeak_to_kokoro("sˈiː", Language::EnGb), "sˈiː");
    }

    #[test]
    fn language_from_voice_and_code() {
        assert_eq!(Language::from_voice("af_heart").ok(), Some(Language::EnUs));
        assert_eq!(Language::from_voice("bm_george").ok(), Some(Language::EnGb));
        assert!(matches!(
            Language::from_voice("jf_alpha"),
            Err(Error::UnsupportedLanguage(_))
        ));
        assert_eq!(Language::from_code("en-GB").ok(), Some(Language::EnGb));
        assert_eq!(Language::from_code("a").ok(), Some(Language::EnUs));
        assert!(Language::from_code("z").is_err());
    }

    #[test]
    fn heteronyms_follow_context() -> Result<()> {
        let p = Phonemizer::new();
        let ph = p.phonemize("They record a record.", Language::EnUs)?;
        assert!(ph.contains("ɹəkˈɔɹd") && ph.contains("ɹˈɛkəɹd"), "{ph}");
        Ok(())
    }

    #[test]
    fn unknown_words_go_through_espeak() -> Result<()> {
        let p = Phonemizer::new();
        let ph = p.phonemize("The zorblaxian fleet.", Language::EnUs)?;
        assert!(!ph.contains('❓'), "{ph}");
        assert!(ph.contains('z'), "{ph}");
        Ok(())
    }

    #[test]
    fn punctuation_is_kept() -> Result<()> {
        let p = Phonemizer::new();
        let ph = p.phonemize("Well, yes; no!", Language::EnUs)?;
        assert!(
            ph.contains(',') && ph.contains(';') && ph.contains('!'),
            "{ph}"
        );
        Ok(())
    }
}
