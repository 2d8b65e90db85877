//! Grapheme-to-phoneme: misaki for English, espeak-ng for the words misaki does not know and
//! for Spanish, French, Italian, Brazilian Portuguese and Hindi.
//!
//! misaki is the G2P Kokoro was trained with; it is POS-aware (heteronyms such as "read"
//! and "record") and keeps punctuation, which Kokoro uses for pauses and intonation.
//! espeak-ng's IPA is mapped onto Kokoro's symbols (diphthongs to single letters, and so on)
//! before it joins misaki's output.
//!
//! Each English lexicon takes about 90 MB once parsed, so the British one loads on the
//! first British request (about 0.15 s, once) instead of at start.

use std::fmt;
use std::sync::OnceLock;

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
    /// Spanish (voices `e*`), through espeak-ng.
    Es,
    /// French (voices `f*`), through espeak-ng.
    Fr,
    /// Italian (voices `i*`), through espeak-ng.
    It,
    /// Brazilian Portuguese (voices `p*`), through espeak-ng.
    PtBr,
    /// Hindi (voices `h*`), through espeak-ng.
    Hi,
}

impl Language {
    /// Every language, in the order Kokoro lists its voices.
    pub const ALL: [Language; 7] = [
        Language::EnUs,
        Language::EnGb,
        Language::Es,
        Language::Fr,
        Language::Hi,
        Language::It,
        Language::PtBr,
    ];

    /// The language of a Kokoro voice, from its first letter.
    pub fn from_voice(name: &str) -> Result<Self> {
        let Some(prefix) = name.chars().next() else {
            return Err(Error::UnknownVoice(name.to_owned()));
        };
        Self::from_prefix(prefix).ok_or_else(|| {
            Error::UnsupportedLanguage(format!(
                "voice '{name}' speaks {}, which has no grapheme-to-phoneme here{}; use a voice \
                 of another language (a, b, e, f, h, i or p)",
                language_name(prefix),
                if matches!(prefix, 'j' | 'z') {
                    " (misaki's Japanese and Chinese G2P need dictionaries that no reachable \
                     package registry carries)"
                } else {
                    ""
                }
            ))
        })
    }

    /// The language of a voice-prefix letter, when ttsd speaks it.
    pub fn from_prefix(prefix: char) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code().starts_with(prefix))
    }

    /// A Kokoro-FastAPI style `lang_code` (`a`, `b`, `e`, `f`, `h`, `i`, `p`) or a BCP-47
    /// tag (`en-us`, `en-gb`, `es`, `fr`, `hi`, `it`, `pt-br`).
    pub fn from_code(code: &str) -> Result<Self> {
        let code = code.trim().to_ascii_lowercase().replace('_', "-");
        match code.as_str() {
            "a" | "en-us" | "en" | "american" => Ok(Language::EnUs),
            "b" | "en-gb" | "british" => Ok(Language::EnGb),
            "e" | "es" | "es-es" | "es-419" | "es-mx" | "spanish" => Ok(Language::Es),
            "f" | "fr" | "fr-fr" | "french" => Ok(Language::Fr),
            "i" | "it" | "it-it" | "italian" => Ok(Language::It),
            "p" | "pt" | "pt-br" | "portuguese" => Ok(Language::PtBr),
            "h" | "hi" | "hi-in" | "hindi" => Ok(Language::Hi),
            other => Err(Error::invalid(
                "lang_code",
                format!(
                    "lang_code '{other}' is not supported; use a (American English), \
                     b (British English), e (Spanish), f (French), h (Hindi), i (Italian) or \
                     p (Brazilian Portuguese){}",
                    if matches!(other, "j" | "ja" | "z" | "zh" | "cmn") {
                        "; Japanese and Mandarin have no grapheme-to-phoneme here"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }

    /// American or British English (misaki); the others go through espeak-ng.
    pub fn is_english(self) -> bool {
        matches!(self, Language::EnUs | Language::EnGb)
    }

    /// The espeak-ng voice: out-of-vocabulary words in English, everything otherwise.
    fn espeak_voice(self) -> &'static str {
        match self {
            Language::EnUs => "en-us",
            Language::EnGb => "en",
            Language::Es => "es",
            // The voice file's name: "fr-fr" is a language tag espeak_SetVoiceByName misses.
            Language::Fr => "fr",
            Language::It => "it",
            Language::PtBr => "pt-br",
            Language::Hi => "hi",
        }
    }

    /// The short code used in listings (`a`, `b`, `e`, …), as Kokoro names its voices.
    pub fn code(self) -> &'static str {
        match self {
            Language::EnUs => "a",
            Language::EnGb => "b",
            Language::Es => "e",
            Language::Fr => "f",
            Language::It => "i",
            Language::PtBr => "p",
            Language::Hi => "h",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::EnUs => "en-us",
            Language::EnGb => "en-gb",
            Language::Es => "es",
            Language::Fr => "fr-fr",
            Language::It => "it",
            Language::PtBr => "pt-br",
            Language::Hi => "hi",
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

/// English G2P for both dialects, shared (it is `Sync`): American built at start, British
/// on first use.
pub struct Phonemizer {
    us: G2P,
    gb: OnceLock<G2P>,
}

fn english(lang: Language) -> G2P {
    let misaki_lang = match lang {
        Language::EnGb => misaki_rs::Language::EnglishGB,
        _ => misaki_rs::Language::EnglishUS,
    };
    G2P::with_fallback(misaki_lang, Some(Box::new(EspeakFallback(lang))))
}

impl Phonemizer {
    pub fn new() -> Self {
        Phonemizer {
            us: english(Language::EnUs),
            gb: OnceLock::new(),
        }
    }

    /// Phonemes for one sentence or clause, punctuation kept. May contain symbols outside
    /// Kokoro's vocabulary (`❓` for a word nothing could read): [`super::tokens::Vocab`]
    /// drops them.
    pub fn phonemize(&self, text: &str, lang: Language) -> Result<String> {
        let g2p = match lang {
            Language::EnUs => &self.us,
            Language::EnGb => self.gb.get_or_init(|| {
                tracing::info!("loading the British English lexicon (first British request)");
                english(Language::EnGb)
            }),
            _ => return espeak_sentence(text, lang),
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

/// Clause punctuation kept between espeak-ng calls: Kokoro uses it for pauses and
/// intonation, and espeak drops it.
const KEPT_PUNCTUATION: &[char] = &['.', ',', ';', ':', '!', '?', '…', '—'];

/// Whether `c` may reach espeak-ng for `lang`: the language's letters, digits, apostrophes
/// and spaces. Fed arbitrary symbols, libespeak-ng 1.51 has crashed the process (found by
/// the property tests), so nothing else is passed.
fn espeak_safe(c: char, lang: Language) -> bool {
    c == ' '
        || c == '\''
        || c.is_ascii_digit()
        || (c.is_alphabetic() && super::normalize::is_latin(c))
        || (lang == Language::Hi && super::normalize::is_devanagari(c))
}

/// The longest run handed to espeak-ng at once; a longer clause goes in pieces, cut
/// between words.
const MAX_ESPEAK_RUN: usize = 600;

/// A sentence in a language espeak-ng reads: cut at clause punctuation, each clause's
/// letters and digits phonemized, the punctuation put back between them.
fn espeak_sentence(text: &str, lang: Language) -> Result<String> {
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
                push_phonemes(
                    out,
                    &espeak::text_to_ipa(&piece, lang.espeak_voice())?,
                    lang,
                );
                piece.clear();
            }
            if !piece.is_empty() {
                piece.push(' ');
            }
            piece.extend(word.chars().take(MAX_ESPEAK_RUN));
        }
        push_phonemes(
            out,
            &espeak::text_to_ipa(&piece, lang.espeak_voice())?,
            lang,
        );
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
        } else if espeak_safe(c, lang) {
            run.push(c);
        } else {
            run.push(' ');
        }
    }
    flush(&mut run, &mut out)?;
    Ok(out.trim().to_owned())
}

fn push_phonemes(out: &mut String, ipa: &str, lang: Language) {
    let phonemes = espeak_to_kokoro(ipa, lang);
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
pub fn espeak_to_kokoro(ipa: &str, lang: Language) -> String {
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
    if lang == Language::EnGb {
        // Before "e" becomes "A": the square vowel.
        s = s.replace("e^ə", "ɛː");
    }
    for (from, to) in TIED {
        s = s.replace(from, to);
    }
    if !lang.is_english() {
        return s.replace(['^', '-'], "");
    }
    for (from, to) in ENGLISH {
        s = s.replace(from, to);
    }
    let s = syllabic(&s);
    let mut s = match lang {
        Language::EnGb => s.replace("iə", "ɪə"),
        _ => s
            .replace("ɜːɹ", "ɜɹ")
            .replace("ɜː", "ɜɹ")
            .replace("ɪə", "iə")
            .replace('ɾ', "T")
            .replace('ː', ""),
    };
    // espeak-ng before 1.52 writes "o" where misaki expects "ɔ" (misaki does the same).
    s = s.replace('o', "ɔ");
    s.replace('^', "")
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
        assert_eq!(espeak_to_kokoro("t^ʃˈa^ɪld", Language::EnUs), "ʧˈIld");
        assert_eq!(espeak_to_kokoro("ɡˌo^ʊ", Language::EnUs), "ɡˌO");
        assert_eq!(espeak_to_kokoro("ɡˌə^ʊ", Language::EnGb), "ɡˌQ");
        assert_eq!(espeak_to_kokoro("bˈʌɾɚ", Language::EnUs), "bˈʌTəɹ");
        assert_eq!(espeak_to_kokoro("bˈʌʔn̩", Language::EnUs), "bˈʌtᵊn");
        assert_eq!(espeak_to_kokoro("kˈɑː^ɹ", Language::EnUs), "kˈɑɹ");
        assert_eq!(espeak_to_kokoro("ˈe^ə", Language::EnGb), "ˈɛː");
        assert_eq!(espeak_to_kokoro("sˈiː", Language::EnUs), "sˈi");
        assert_eq!(espeak_to_kokoro("sˈiː", Language::EnGb), "sˈiː");
    }

    #[test]
    fn other_languages_keep_their_symbols() {
        // Spanish: ties to single letters, nothing English about it.
        assert_eq!(
            espeak_to_kokoro("βˌe^ɪntitɾˈes t^ʃoɾˈiθo", Language::Es),
            "βˌAntitɾˈes ʧoɾˈiθo"
        );
        // French nasal vowels keep their tilde (in Kokoro's vocabulary).
        assert_eq!(espeak_to_kokoro("bɔ̃ʒˈuʁ", Language::Fr), "bɔ̃ʒˈuʁ");
        assert_eq!(espeak_to_kokoro("ɡrˈat^sje", Language::It), "ɡrˈaʦje");
        // Hindi, with an English word and espeak's language-switch marks.
        assert_eq!(
            espeak_to_kokoro("mɛ̃ (^e^n)ɡˈuːɡə^l(^h^i) hũ", Language::Hi),
            "mɛ̃ ɡˈuːɡəl hũ"
        );
    }

    #[test]
    fn language_from_voice_and_code() {
        assert_eq!(Language::from_voice("af_heart").ok(), Some(Language::EnUs));
        assert_eq!(Language::from_voice("bm_george").ok(), Some(Language::EnGb));
        assert_eq!(Language::from_voice("ef_dora").ok(), Some(Language::Es));
        assert_eq!(Language::from_voice("ff_siwis").ok(), Some(Language::Fr));
        assert_eq!(Language::from_voice("hm_omega").ok(), Some(Language::Hi));
        assert_eq!(Language::from_voice("im_nicola").ok(), Some(Language::It));
        assert_eq!(Language::from_voice("pm_alex").ok(), Some(Language::PtBr));
        for voice in ["jf_alpha", "zm_yunxi"] {
            assert!(matches!(
                Language::from_voice(voice),
                Err(Error::UnsupportedLanguage(_))
            ));
        }
        assert_eq!(Language::from_code("en-GB").ok(), Some(Language::EnGb));
        assert_eq!(Language::from_code("a").ok(), Some(Language::EnUs));
        assert_eq!(Language::from_code("pt-BR").ok(), Some(Language::PtBr));
        assert_eq!(Language::from_code("f").ok(), Some(Language::Fr));
        assert!(Language::from_code("z").is_err());
        assert!(Language::from_code("ja").is_err());
        for lang in Language::ALL {
            assert_eq!(Language::from_code(lang.code()).ok(), Some(lang));
            assert_eq!(Language::from_code(&lang.to_string()).ok(), Some(lang));
        }
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
    fn other_languages_go_through_espeak_with_punctuation() -> Result<()> {
        let p = Phonemizer::new();
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
        let p = Phonemizer::new();
        let ph = p.phonemize("Well, yes; no!", Language::EnUs)?;
        assert!(
            ph.contains(',') && ph.contains(';') && ph.contains('!'),
            "{ph}"
        );
        Ok(())
    }
}
