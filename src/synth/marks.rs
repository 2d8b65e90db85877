//! Markup applied to an utterance's plan: pauses (bounded in total), voice and speed from
//! a point on, words with given phonemes (each symbol checked against the model's: the
//! same check for a whole input at validation and for streamed text here, so the same
//! input gets the same answer on every front end).

use std::time::Duration;

use crate::request::VoiceAliases;
use crate::text::markup::{Item, MAX_TOTAL_PAUSE};
use crate::text::plan::ChunkPlan;
use crate::text::{TextFrontend, Vocab};
use crate::voice::{Voice, Voices, one_engine};
use crate::{Error, Result};

/// An utterance's state that markup changes: the voices its text has switched to (0 is the
/// request's), and the silence it has asked for.
pub(super) struct Marks {
    voices: Vec<Voice>,
    /// Whether `lang_code` set the language (then a voice switch keeps it).
    explicit_language: bool,
    /// The request's own voice names.
    aliases: VoiceAliases,
    paused: Duration,
}

impl Marks {
    pub(super) fn new(voice: Voice, explicit_language: bool, aliases: VoiceAliases) -> Self {
        Marks {
            voices: vec![voice],
            explicit_language,
            aliases,
            paused: Duration::ZERO,
        }
    }

    /// The voice a chunk's style names.
    pub(super) fn voice(&self, index: u32) -> &Voice {
        self.voices.get(index as usize).unwrap_or(&self.voices[0])
    }

    /// Applies a mark to the plan; returns the characters it stands for (a given word's).
    pub(super) fn apply(
        &mut self,
        item: Item,
        plan: &mut ChunkPlan,
        frontend: &TextFrontend,
        voices: &Voices,
    ) -> Result<usize> {
        let mut style = plan.style();
        match item {
            Item::Pause(length) => {
                // Streamed input is read a segment at a time: its total is bounded here.
                self.paused += length;
                if self.paused > MAX_TOTAL_PAUSE {
                    return Err(Error::invalid(
                        "input",
                        format!(
                            "the input asks for more than {} s of pauses in all",
                            MAX_TOTAL_PAUSE.as_secs()
                        ),
                    ));
                }
                plan.add_pause(length);
            }
            Item::Voice(name) => {
                let voice = self
                    .aliases
                    .resolve(voices, &name)
                    .and_then(|v| one_engine(&self.voices[0], v))
                    .map_err(Error::in_voice_tag)?;
                let index = match self.voices.iter().position(|v| v.name == voice.name) {
                    Some(i) => i,
                    None => {
                        self.voices.push(voice);
                        self.voices.len() - 1
                    }
                };
                style.voice = u32::try_from(index).unwrap_or(0);
                if !self.explicit_language {
                    style.language = self.voices[index].language;
                }
                plan.set_style(style);
            }
            Item::Speed(factor) => {
                style.speed = factor;
                plan.set_style(style);
            }
            Item::Phonemes { written, phonemes } => {
                check_phonemes(frontend.vocab(), "input", &phonemes)?;
                plan.add_phonemes(frontend, &written, &phonemes);
                return Ok(written.chars().count());
            }
            // Captions show what is written; the alias is said.
            Item::Alias { written, spoken } => {
                plan.add_alias(frontend, &written, &spoken);
                return Ok(spoken.chars().count());
            }
            // Text comes as segments; nothing else is a mark.
            Item::Text(_) => {}
        }
        Ok(0)
    }
}

/// Phonemes a client gives are spoken as given, so each symbol must be the model's: an
/// unknown one is an error naming it, never dropped in silence.
pub fn check_phonemes(vocab: &Vocab, param: &'static str, phonemes: &str) -> Result<()> {
    let mut unknown: Vec<char> = phonemes.chars().filter(|&c| !vocab.contains(c)).collect();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    let listed: String = unknown.iter().take(8).flat_map(|c| [*c, ' ']).collect();
    Err(Error::invalid(
        param,
        format!(
            "phonemes '{}' has symbols the model does not know: {}(POST /dev/phonemize shows \
             the model's)",
            crate::error::clip(phonemes, crate::error::MAX_QUOTED),
            listed
        ),
    ))
}
