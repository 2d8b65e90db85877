//! Text → chunks of token ids, in the order the data travels: [`segment`] cuts text that
//! arrives in pieces where it can be read on its own, [`normalize`] rewrites each segment
//! into what a person would say, [`split`] finds its sentences (and, in phoneme space, the
//! clause and word breaks a chunk can end on), [`g2p`] phonemizes one sentence at a time as
//! [`plan`] reaches it, and [`tokens`] maps phonemes to the model's ids.
//!
//! Sentences are phonemized one at a time, as the utterance needs them, so the first chunk
//! is ready after one sentence's G2P, not the whole text's.

pub mod align;
pub mod g2p;
pub mod markup;
pub mod normalize;
pub mod plan;
pub mod segment;
pub mod split;
pub mod tokens;

use std::sync::Arc;

pub use g2p::{G2pConfig, Phonemize, Phonemizer};
pub use normalize::NormalizationOptions;
pub use split::Boundary;
pub use tokens::Vocab;

use crate::Result;
use crate::language::Language;

/// One model call's worth of speech.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Phonemes, every symbol in the vocabulary (one symbol = one id).
    pub phonemes: String,
    /// Token ids, at most the model's limit, without the pad ids.
    pub ids: Vec<i64>,
    /// How the chunk ends, which decides the pause after it.
    pub boundary: Boundary,
    /// For each id, the caption word (of the utterance's, [`plan::ChunkPlan::caption`]) it
    /// speaks; `None` for spaces and punctuation.
    pub words: Vec<Option<u32>>,
    /// Which of the utterance's voices speaks it (0: the request's; see [`plan::Style`]).
    pub voice: u32,
    /// Its factor of the request's speed.
    pub speed: f32,
    /// Silence the input asked for before it (a pause tag, an SSML `<break>`).
    pub pause_before: Option<std::time::Duration>,
}

/// The text front end: the engine's G2P and vocabulary, shared by every request.
pub struct TextFrontend {
    phonemizer: Arc<dyn Phonemize>,
    vocab: Arc<Vocab>,
}

impl TextFrontend {
    /// The language table's G2P (the American English lexicon now, the others on first
    /// use), its data files where `make assets` puts them.
    pub fn new(vocab: Arc<Vocab>) -> Self {
        Self::with_phonemizer(vocab, Arc::new(Phonemizer::new(G2pConfig::default())))
    }

    /// With an engine's phonemizer.
    pub fn with_phonemizer(vocab: Arc<Vocab>, phonemizer: Arc<dyn Phonemize>) -> Self {
        TextFrontend { phonemizer, vocab }
    }

    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The sentences of a segment of `text`, normalized for `lang`. Cheap: no G2P yet.
    pub fn sentences(
        &self,
        text: &str,
        lang: Language,
        options: &NormalizationOptions,
    ) -> Vec<String> {
        split::sentences(&self.normalized(text, lang, options))
    }

    /// A segment of `text` as it will be said in `lang`.
    pub fn normalized(&self, text: &str, lang: Language, options: &NormalizationOptions) -> String {
        normalize::for_speech(text, lang, options)
    }

    /// The phonemes of one sentence, only symbols the model knows.
    pub fn phonemes(&self, sentence: &str, lang: Language) -> Result<String> {
        let phonemes = self
            .phonemizer
            .phonemize(&normalize::speakable(sentence, lang)?, lang)?;
        Ok(self.vocab.retain_known(&phonemes))
    }

    /// A chunk of phonemes with its ids and boundary, and no caption words.
    pub fn chunk(&self, phonemes: &str) -> Chunk {
        let ids = self.vocab.encode(phonemes);
        Chunk {
            words: vec![None; ids.len()],
            ids,
            boundary: Boundary::of(phonemes),
            phonemes: phonemes.to_owned(),
            voice: 0,
            speed: 1.0,
            pause_before: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineFactory;
    use crate::engine::tone::{SimulatedCost, ToneFactory};
    use plan::{CHUNK_GROWTH, MIN_CHUNK_IDS};
    use segment::Segmenter;

    /// The test engine's vocabulary and id limit (smaller than Kokoro's).
    fn frontend() -> (TextFrontend, usize) {
        let factory = ToneFactory::new(SimulatedCost::default());
        let spec = factory.spec();
        (TextFrontend::new(Arc::clone(&spec.vocab)), spec.max_ids)
    }

    fn all_chunks(f: &(TextFrontend, usize), text: &str) -> Result<Vec<Chunk>> {
        plan::all_chunks(
            &f.0,
            text,
            Language::EnUs,
            NormalizationOptions::default(),
            true,
            f.1,
        )
    }

    #[test]
    fn what_a_language_cannot_read_is_named_never_dropped() -> Result<()> {
        let (f, _) = frontend();
        // Other scripts, radicals with no ideograph, private use: every language, one rule.
        for (lang, text) in [
            (Language::Ja, "⺀⺁ 日本"),
            (Language::Zh, "⺀⺁ 中国"),
            (Language::Ja, "\u{e000} 日本"),
            (Language::Zh, "\u{e000} 中国"),
            (Language::Ja, "Русский 日本"),
            (Language::Zh, "한국어 中国"),
            (Language::Zh, "ㄅㄆㄇ 中国"),
            (Language::EnUs, "The Русский cat."),
            (Language::Es, "日本 gato."),
            // Signs a reader has no word for: math, currency, marks that mean something.
            (Language::Ja, "猫≤犬"),
            (Language::Ja, "猫§犬"),
            (Language::Zh, "猫∑犬"),
            (Language::Zh, "猫※犬"),
            (Language::Es, "El ∑ gato."),
            // ASCII's signs where they mean something and the reader has no word.
            (Language::Ja, "1/x"),
            (Language::Ja, "猫#1"),
            (Language::Ja, "x^2"),
            (Language::Zh, "猫/犬"),
            (Language::Zh, "猫@犬"),
            (Language::Zh, "x^2"),
            (Language::Ja, "猫_犬"),
        ] {
            let Err(e) = f.phonemes(text, lang) else {
                panic!("{text:?} was read");
            };
            assert!(
                e.is_client_error() && e.to_string().contains("(U+"),
                "{text}: {e}"
            );
            // Named as written (the Japanese reader sees ASCII in full width).
            assert!(!e.to_string().contains("(U+FF"), "{text}: {e}");
        }
        // What they read is read: a Kangxi radical as its ideograph, Greek in Mandarin by name.
        assert_eq!(
            f.phonemes("⼀⼆", Language::Zh)?,
            f.phonemes("一二", Language::Zh)?
        );
        // Mandarin says the math signs.
        assert_eq!(
            f.phonemes("2+3=5", Language::Zh)?,
            f.phonemes("二加三等于五", Language::Zh)?
        );
        let greek = f.phonemes("α 中国", Language::Zh)?;
        assert!(
            greek.len() > f.phonemes("中国", Language::Zh)?.len(),
            "{greek}"
        );
        Ok(())
    }

    /// A word of letters the G2P gives no sound for, alone ("Ø", "ŋ"), is reported: never
    /// spoken as nothing with a caption of no length. Inside a word, the letters are read.
    #[test]
    fn a_word_the_reader_gives_no_sound_is_named() -> Result<()> {
        let f = frontend();
        for (text, named) in [
            ("Press Ø to reset.", "'Ø' (U+00D8)"),
            ("The ŋ cat sat.", "'ŋ' (U+014B)"),
            ("The cat ð sat.", "'ð' (U+00F0)"),
            ("Press Ø for the PhD menu.", "'Ø' (U+00D8)"),
            ("The ℵ cat sat.", "'ℵ' (U+2135)"),
        ] {
            let Err(e) = all_chunks(&f, text) else {
                panic!("{text:?} was read");
            };
            assert!(
                e.is_client_error() && e.to_string().contains(named),
                "{text}: {e}"
            );
        }
        for text in ["Søren met Þór in Straße.", "Il a fait œuvre."] {
            all_chunks(&f, text)?;
        }
        Ok(())
    }

    #[test]
    fn chunks_start_with_the_first_clause_and_grow_to_sentences() -> Result<()> {
        let f = frontend();
        let text = "Well then, here is the plan. We leave at dawn, cross the river before \
                    noon, climb the ridge, and camp by the lake; if the weather turns, we wait. \
                    Nobody goes alone. The guides know the way, the maps are ready, and the \
                    food is packed.";
        let chunks = all_chunks(&f, text)?;
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
        // Nothing lost, nothing added: the chunks are the segments' sentences' phonemes in
        // order.
        let mut segmenter = Segmenter::new(true);
        let mut segments = segmenter.push(text);
        segments.extend(segmenter.finish());
        let mut whole = String::new();
        for segment in &segments {
            for sentence in
                f.0.sentences(&segment.text, Language::EnUs, &Default::default())
            {
                whole.push_str(&f.0.phonemes(&sentence, Language::EnUs)?);
            }
        }
        let spoken: String = chunks.iter().map(|c| c.phonemes.as_str()).collect();
        let strip = |s: &str| s.replace(' ', "");
        assert_eq!(strip(&spoken), strip(&whole));
        Ok(())
    }

    /// Markup's pieces in the plan: given phonemes go on in their sentence (one chunk, the
    /// written word captioned), a pause goes before the next chunk (or stays after the last),
    /// a style holds from where it was set.
    #[test]
    fn phonemes_pauses_and_styles_in_the_plan() -> Result<()> {
        let f = frontend();
        let segment = |text: &str| segment::Segment {
            text: text.into(),
            cut: segment::Cut::Flush,
        };
        let mut plan = plan::ChunkPlan::new(Language::EnUs, Default::default(), f.1);
        plan.add(&f.0, &segment("Say "));
        plan.add_phonemes(&f.0, "Kokoro", "kˈOkəɹO");
        plan.add(&f.0, &segment(" now. Then more."));
        plan.add_pause(std::time::Duration::from_millis(700));
        let style = plan::Style {
            voice: 1,
            speed: 1.5,
            language: Language::EnGb,
        };
        plan.set_style(style);
        plan.add(&f.0, &segment("Bye."));
        plan.add_pause(std::time::Duration::from_secs(1));

        let first = plan
            .next(&f.0, None)?
            .ok_or(crate::Error::Internal("no chunk".into()))?;
        assert!(first.phonemes.contains("kˈOkəɹO"), "{}", first.phonemes);
        assert!(first.phonemes.ends_with('.') && !first.phonemes.contains("ðˈɛn"));
        let kokoro: Vec<_> = first.words.iter().flatten().copied().collect();
        assert!(kokoro.iter().any(|&w| plan.caption(w) == Some("Kokoro")));
        assert_eq!(
            (first.voice, first.speed, first.pause_before),
            (0, 1.0, None)
        );
        let second = plan
            .next(&f.0, None)?
            .ok_or(crate::Error::Internal("no chunk".into()))?;
        assert_eq!(second.pause_before, None);
        assert_eq!(
            plan.pause_next(),
            Some(std::time::Duration::from_millis(700))
        );
        let third = plan
            .next(&f.0, None)?
            .ok_or(crate::Error::Internal("no chunk".into()))?;
        assert_eq!(
            (third.voice, third.speed, third.pause_before),
            (1, 1.5, Some(std::time::Duration::from_millis(700)))
        );
        assert!(plan.next(&f.0, None)?.is_none());
        assert_eq!(
            plan.take_trailing_pause(),
            Some(std::time::Duration::from_secs(1))
        );
        assert!(plan.is_empty());
        Ok(())
    }

    #[test]
    fn long_text_never_exceeds_the_model_limit() -> Result<()> {
        let f = frontend();
        let run_on = "and then the story went on ".repeat(60);
        let word = "supercalifragilistic".repeat(60);
        assert!(all_chunks(&f, &run_on)?.len() > 1);
        for text in [run_on.as_str(), word.as_str()] {
            let chunks = all_chunks(&f, text)?;
            assert!(
                chunks
                    .iter()
                    .all(|c| c.ids.len() <= f.1 && !c.ids.is_empty())
            );
        }
        Ok(())
    }

    #[test]
    fn a_calls_memory_bound_cuts_slow_speech_into_smaller_chunks() -> Result<()> {
        // A model whose calls may take 100 ids at speed 1 for their memory (the test
        // engine's own limit is 200): at 0.25 a call takes 25, at 4 the id limit rules.
        let factory = ToneFactory::new(SimulatedCost::default());
        let mut spec = factory.spec().clone();
        spec.memory_ids = Some(100);
        let frontend = TextFrontend::new(Arc::clone(&spec.vocab));
        // No punctuation: nothing but the bound cuts it.
        let run_on = "and then the story went on ".repeat(60);
        for (speed, most) in [(0.25, 25), (1.0, 100), (4.0, 200)] {
            let chunks = plan::all_chunks(
                &frontend,
                &run_on,
                Language::EnUs,
                NormalizationOptions::default(),
                true,
                plan::CallLimit::new(&spec, speed),
            )?;
            let longest = chunks.iter().map(|c| c.ids.len()).max().unwrap_or(0);
            assert!(longest <= most, "speed {speed}: a chunk of {longest} ids");
            assert!(
                longest * 10 >= most * 8,
                "speed {speed}: cut far below ({longest})"
            );
            // Nothing is lost: the same words, in smaller pieces.
            let words: usize = chunks.iter().map(|c| c.phonemes.split(' ').count()).sum();
            assert_eq!(words, run_on.split_whitespace().count(), "speed {speed}");
        }
        Ok(())
    }

    #[test]
    fn punctuation_only_text_has_no_chunks() -> Result<()> {
        assert!(all_chunks(&frontend(), "... !!! ???")?.is_empty());
        Ok(())
    }
}
