//! Text → chunks of Kokoro token ids: normalize, split into sentences, phonemize, cut each
//! sentence's phonemes into chunks of at most [`MAX_PHONEME_IDS`] ids.
//!
//! Sentences are phonemized one at a time, as the response needs them, so the first chunk
//! is ready after one sentence's G2P, not the whole text's.

pub mod espeak;
pub mod g2p;
pub mod normalize;
pub mod split;
pub mod tokens;

use std::path::Path;

pub use g2p::{Language, Phonemizer};
pub use split::Boundary;
pub use tokens::Vocab;

use crate::Result;
use crate::engine::MAX_PHONEME_IDS;

/// One model call's worth of speech.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Phonemes, every symbol in the vocabulary (one symbol = one id).
    pub phonemes: String,
    /// Token ids, at most [`MAX_PHONEME_IDS`], without the pad ids.
    pub ids: Vec<i64>,
    /// How the chunk ends, which decides the pause after it.
    pub boundary: Boundary,
}

/// The text front end: G2P and the vocabulary, shared by every request.
pub struct TextFrontend {
    phonemizer: Phonemizer,
    vocab: Vocab,
}

impl TextFrontend {
    pub fn new(vocab: Vocab) -> Self {
        TextFrontend {
            phonemizer: Phonemizer::new(),
            vocab,
        }
    }

    pub fn load(vocab_path: &Path) -> Result<Self> {
        Ok(Self::new(Vocab::load(vocab_path)?))
    }

    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The sentences of `text`, normalized. Cheap: no G2P yet.
    pub fn sentences(&self, text: &str) -> Vec<String> {
        split::sentences(&normalize::normalize(text))
    }

    /// The chunks of one sentence. `first` asks for the first clause to be its own chunk
    /// (used on a response's first sentence, for an early first audio).
    pub fn chunks(&self, sentence: &str, lang: Language, first: bool) -> Result<Vec<Chunk>> {
        let phonemes = self.phonemizer.phonemize(sentence, lang)?;
        let phonemes = self.vocab.retain_known(&phonemes);
        Ok(split::chunk_phonemes(&phonemes, MAX_PHONEME_IDS, first)
            .into_iter()
            .filter(|p| p.chars().any(|c| c.is_alphabetic()))
            .map(|phonemes| Chunk {
                ids: self.vocab.encode(&phonemes),
                boundary: Boundary::of(&phonemes),
                phonemes,
            })
            .collect())
    }

    /// Every chunk of `text`, in order (the CLI's and benchmarks' path; the server walks
    /// [`Self::sentences`] and [`Self::chunks`] lazily).
    pub fn all_chunks(&self, text: &str, lang: Language) -> Result<Vec<Chunk>> {
        let mut out = Vec::new();
        for (i, sentence) in self.sentences(text).iter().enumerate() {
            out.extend(self.chunks(sentence, lang, i == 0)?);
        }
        Ok(out)
    }
}
