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
pub use normalize::NormalizationOptions;
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

    /// The sentences of `text`, normalized for `lang`. Cheap: no G2P yet.
    pub fn sentences(
        &self,
        text: &str,
        lang: Language,
        options: &NormalizationOptions,
    ) -> Vec<String> {
        split::sentences(&normalize::for_speech(text, lang, options))
    }

    /// The phonemes of one sentence, only symbols the model knows.
    pub fn phonemes(&self, sentence: &str, lang: Language) -> Result<String> {
        let phonemes = self
            .phonemizer
            .phonemize(&normalize::speakable(sentence, lang), lang)?;
        Ok(self.vocab.retain_known(&phonemes))
    }

    /// A chunk of phonemes with its ids and boundary.
    pub fn chunk(&self, phonemes: &str) -> Chunk {
        Chunk {
            ids: self.vocab.encode(phonemes),
            boundary: Boundary::of(phonemes),
            phonemes: phonemes.to_owned(),
        }
    }

    /// Every chunk of `text`, in order, as a response would take them (default
    /// normalization).
    pub fn all_chunks(&self, text: &str, lang: Language) -> Result<Vec<Chunk>> {
        let mut plan = ChunkPlan::new(self, text, lang, &NormalizationOptions::default(), true);
        let mut out = Vec::new();
        while let Some(chunk) = plan.next(self, None)? {
            out.push(chunk);
        }
        Ok(out)
    }
}

/// How much bigger (in ids) a chunk may be than the one before it. Synthesis runs at about
/// a third of real time, so a chunk twice as long as the previous one is ready before the
/// client has played that one out: sizes grow back to whole sentences without a stall.
pub const CHUNK_GROWTH: usize = 2;
/// The smallest budget for a chunk after the first, in ids (about two seconds of speech).
pub const MIN_CHUNK_IDS: usize = 32;

/// The order in which a response's text is spoken: the first clause alone, then chunks
/// that grow (by [`CHUNK_GROWTH`]) up to whole sentences of at most [`MAX_PHONEME_IDS`]
/// ids. Sentences are phonemized one at a time, as they are reached.
#[derive(Debug, Clone)]
pub struct ChunkPlan {
    sentences: Vec<String>,
    next_sentence: usize,
    /// Phonemes of the current sentence not yet chunked.
    rest: String,
    last_ids: Option<usize>,
    language: Language,
    first_clause: bool,
}

impl ChunkPlan {
    /// `first_clause`: cut the first sentence's first clause off as the first chunk.
    pub fn new(
        frontend: &TextFrontend,
        text: &str,
        language: Language,
        normalization: &NormalizationOptions,
        first_clause: bool,
    ) -> Self {
        ChunkPlan {
            first_clause,
            sentences: frontend.sentences(text, language, normalization),
            next_sentence: 0,
            rest: String::new(),
            last_ids: None,
            language,
        }
    }

    /// True when every chunk has been taken.
    pub fn is_done(&self) -> bool {
        self.rest.is_empty() && self.next_sentence >= self.sentences.len()
    }

    /// The next chunk, or `None` at the end. Runs G2P when it reaches a new sentence.
    /// `cap` can lower the chunk's budget (never below [`MIN_CHUNK_IDS`]): the caller's
    /// estimate of what can be synthesized before its client runs out of audio.
    pub fn next(&mut self, frontend: &TextFrontend, cap: Option<usize>) -> Result<Option<Chunk>> {
        loop {
            if self.rest.is_empty() {
                let Some(sentence) = self.sentences.get(self.next_sentence) else {
                    return Ok(None);
                };
                self.next_sentence += 1;
                self.rest = frontend.phonemes(sentence, self.language)?;
                if self.first_clause
                    && self.last_ids.is_none()
                    && let Some((head, tail)) = split::take_first_clause(&self.rest)
                    && head.chars().count() <= MAX_PHONEME_IDS
                {
                    let chunk = frontend.chunk(head);
                    self.rest = tail.to_owned();
                    self.last_ids = Some(chunk.ids.len());
                    return Ok(Some(chunk));
                }
            }
            let budget = self
                .last_ids
                .map_or(MAX_PHONEME_IDS, |n| (n * CHUNK_GROWTH).max(MIN_CHUNK_IDS))
                .min(cap.unwrap_or(MAX_PHONEME_IDS).max(MIN_CHUNK_IDS));
            let (head, tail) = split::take_chunk(&self.rest, budget, MAX_PHONEME_IDS);
            let chunk = frontend.chunk(head);
            self.rest = tail.to_owned();
            // Punctuation alone is no speech: its pause is lost, nothing else.
            if chunk.phonemes.chars().any(char::is_alphabetic) {
                self.last_ids = Some(chunk.ids.len());
                return Ok(Some(chunk));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frontend() -> TextFrontend {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/vocab.json");
        TextFrontend::load(&path).unwrap_or_else(|e| panic!("{e} (run `make assets`)"))
    }

    #[test]
    fn chunks_start_with_the_first_clause_and_grow_to_sentences() -> Result<()> {
        let f = frontend();
        let text = "Well then, here is the plan. We leave at dawn, cross the river before \
                    noon, climb the ridge, and camp by the lake; if the weather turns, we wait. \
                    Nobody goes alone. The guides know the way, the maps are ready, and the \
                    food is packed.";
        let chunks = f.all_chunks(text, Language::EnUs)?;
        assert!(
            chunks[0].phonemes.ends_with(','),
            "{:?}",
            chunks[0].phonemes
        );
        assert!(chunks[0].phonemes.split(' ').count() <= 3);
        for pair in chunks.windows(2) {
            let budget = (pair[0].ids.len() * CHUNK_GROWTH).max(MIN_CHUNK_IDS);
            let single_clause =
                !pair[1].phonemes[..pair[1].phonemes.len() - 1].contains([',', ';', ':', '—']);
            assert!(
                pair[1].ids.len() <= budget || single_clause,
                "{} ids after {}",
                pair[1].ids.len(),
                pair[0].ids.len()
            );
        }
        // Nothing lost, nothing added: the chunks are the sentences' phonemes in order.
        let whole: String = f
            .sentences(text, Language::EnUs, &NormalizationOptions::default())
            .iter()
            .map(|s| f.phonemes(s, Language::EnUs))
            .collect::<Result<Vec<_>>>()?
            .concat();
        let spoken: String = chunks.iter().map(|c| c.phonemes.as_str()).collect();
        let strip = |s: &str| s.replace(' ', "");
        assert_eq!(strip(&spoken), strip(&whole));
        Ok(())
    }

    #[test]
    fn long_text_never_exceeds_the_model_limit() -> Result<()> {
        let f = frontend();
        let run_on = "and then the story went on ".repeat(60);
        let word = "supercalifragilistic".repeat(60);
        assert!(f.all_chunks(&run_on, Language::EnUs)?.len() > 1);
        for text in [run_on.as_str(), word.as_str()] {
            let chunks = f.all_chunks(text, Language::EnUs)?;
            assert!(
                chunks
                    .iter()
                    .all(|c| c.ids.len() <= MAX_PHONEME_IDS && !c.ids.is_empty())
            );
        }
        Ok(())
    }

    #[test]
    fn punctuation_only_text_has_no_chunks() -> Result<()> {
        assert!(
            frontend()
                .all_chunks("... !!! ???", Language::EnUs)?
                .is_empty()
        );
        Ok(())
    }
}
