//! English through misaki (`misaki-rs`, the G2P Kokoro was trained with), American or
//! British lexicon, with espeak-ng for the words misaki does not know.
//!
//! Each English lexicon takes about 90 MB once parsed, so the British one loads on the
//! first British request (about 0.15 s, once) instead of at start.

use std::sync::OnceLock;

use misaki_rs::fallback::FallbackError;
use misaki_rs::{Fallback, G2P};

use super::espeak;
use crate::language::Script;
use crate::{Error, Result};

/// The espeak-ng voices for words misaki does not know.
const ESPEAK_US: &str = "en-us";
const ESPEAK_GB: &str = "en";

/// Both dialects: American built at start, British on first use.
pub struct English {
    us: G2P,
    gb: OnceLock<G2P>,
}

fn g2p(british: bool) -> G2P {
    let (lang, espeak_voice) = if british {
        (misaki_rs::Language::EnglishGB, ESPEAK_GB)
    } else {
        (misaki_rs::Language::EnglishUS, ESPEAK_US)
    };
    G2P::with_fallback(
        lang,
        Some(Box::new(EspeakFallback {
            voice: espeak_voice,
            british,
        })),
    )
}

impl English {
    pub fn new() -> Self {
        English {
            us: g2p(false),
            gb: OnceLock::new(),
        }
    }

    pub fn phonemize(&self, text: &str, british: bool) -> Result<String> {
        let g2p = if british {
            self.gb.get_or_init(|| {
                tracing::info!("loading the British English lexicon (first British request)");
                g2p(true)
            })
        } else {
            &self.us
        };
        let (phonemes, _) = g2p.g2p(text).map_err(|e| Error::Phonemize(e.to_string()))?;
        Ok(phonemes)
    }
}

impl Default for English {
    fn default() -> Self {
        Self::new()
    }
}

/// misaki's out-of-vocabulary hook, answered by espeak-ng.
struct EspeakFallback {
    voice: &'static str,
    british: bool,
}

impl Fallback for EspeakFallback {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        tracing::debug!(word, "not in misaki's lexicon: asking espeak-ng");
        // Only what espeak-ng may read reaches it (see `espeak::reads`). Words are short by
        // now: the normalizer splits any longer than it allows.
        let word: String = word
            .chars()
            .filter(|&c| espeak::reads(c, Script::Latin))
            .collect();
        if !word.chars().any(char::is_alphabetic) {
            return Ok(String::new());
        }
        let ipa = espeak::ipa(&word, self.voice).map_err(|e| FallbackError::Espeak {
            word: word.clone(),
            error: e.to_string(),
        })?;
        // Nothing to say (symbols espeak does not read): silence, not an error.
        Ok(espeak::to_kokoro(
            &ipa,
            espeak::Dialect::english(self.british),
        ))
    }
}
