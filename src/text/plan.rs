//! The order in which an utterance's text is spoken: its segments' sentences, phonemized one
//! at a time as they are reached, cut into chunks the model takes.
//!
//! Chunks grow: each may be up to [`CHUNK_GROWTH`] times the one before it (at least
//! [`MIN_CHUNK_IDS`]), up to whole sentences of at most the model's id limit; the caller
//! can lower a chunk's budget further (its estimate of what can be synthesized before its
//! client runs out of audio). Chunks hold whole clauses where they can, so sizes grow back
//! to whole sentences while the client always has audio to play.

use std::collections::VecDeque;
use std::time::Duration;

use super::normalize::NormalizationOptions;
use super::segment::Segment;
use super::split;
use super::{Chunk, TextFrontend, align};
use crate::Result;
use crate::language::Language;

/// How much bigger (in ids) a chunk may be than the one before it. Synthesis runs at about
/// a third of real time, so a chunk twice as long as the previous one is ready before the
/// client has played that one out.
pub const CHUNK_GROWTH: usize = 2;
/// The smallest budget growth gives a chunk after the first, in ids (about two seconds of
/// speech).
pub const MIN_CHUNK_IDS: usize = 32;
/// The smallest chunk a cap can ask for, in ids: two or three words. Below it a chunk is
/// too short to be spoken naturally; a cap this low means the stream is about to run dry,
/// and a few words now beat silence.
pub const MIN_CAP_IDS: usize = 12;

/// The part of a cap that whole clauses are planned within: a clause that fits it goes
/// whole; a longer one still goes whole up to the cap itself; only past the cap (the
/// deadline) is a chunk cut between words.
pub const CLAUSE_SHARE: f64 = 0.7;

/// How many ids one model call may take: the model's limit, and for a model whose memory
/// follows the audio a call makes, fewer at slow speeds, where each id makes more audio
/// ([`crate::engine::ModelSpec::memory_ids`]). Applied wherever a chunk is cut, whatever
/// else cuts it (a deadline, punctuation) or not: a run of words with no punctuation is cut
/// between words at this size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallLimit {
    max_ids: usize,
    memory_ids: Option<usize>,
    /// The utterance's speed (a style's factor multiplies it).
    speed: f32,
}

impl CallLimit {
    /// The limit of calls to the model `spec` describes, for an utterance at `speed`.
    pub fn new(spec: &crate::engine::ModelSpec, speed: f32) -> Self {
        CallLimit {
            max_ids: spec.max_ids.max(1),
            memory_ids: spec.memory_ids,
            speed,
        }
    }

    /// The most ids of a chunk spoken at `factor` times the utterance's speed (the speed the
    /// engine is asked for, within the request's range).
    pub fn ids(&self, factor: f32) -> usize {
        let (lo, hi) = crate::request::SPEED_RANGE;
        let speed = f64::from((self.speed * factor).clamp(lo, hi));
        match self.memory_ids {
            Some(n) => ((n as f64 * speed) as usize).clamp(1, self.max_ids),
            None => self.max_ids,
        }
    }
}

impl From<usize> for CallLimit {
    /// A model's id limit alone.
    fn from(max_ids: usize) -> Self {
        CallLimit {
            max_ids: max_ids.max(1),
            memory_ids: None,
            speed: 1.0,
        }
    }
}

/// How a stretch of an utterance is spoken: which of its voices (an index the caller
/// keeps: 0 is the request's voice), at what factor of the request's speed, in which
/// language. Markup (`[voice:…]`, `<prosody rate>`) changes it from a point on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub voice: u32,
    pub speed: f32,
    pub language: Language,
}

/// A piece of a sentence: normalized text (its words' caption indices alongside), or
/// phonemes given in the input (inline IPA, `<phoneme>`) for one caption word.
#[derive(Debug, Clone)]
enum Part {
    Text {
        text: String,
        words: Vec<Option<u32>>,
    },
    Phonemes {
        phonemes: String,
        word: Option<u32>,
    },
}

/// A sentence to be phonemized: its parts, in one style.
#[derive(Debug, Clone)]
struct Sentence {
    parts: Vec<Part>,
    style: Style,
    /// Whether it has not ended yet: text that follows given phonemes mid-sentence goes on
    /// in it, so the model reads the word in its sentence's prosody.
    open: bool,
}

impl Sentence {
    /// Whether what it says so far ends a sentence (so nothing joins it).
    fn ended(&self) -> bool {
        match self.parts.last() {
            Some(Part::Text { text, .. }) => text
                .trim_end()
                .ends_with(['.', '!', '?', '…', '。', '！', '？']),
            _ => false,
        }
    }
}

/// What the plan holds, in order.
#[derive(Debug, Clone)]
enum Step {
    Sentence(Sentence),
    /// Silence asked for in the input.
    Pause(Duration),
}

/// The chunks of one utterance, planned as its text arrives.
#[derive(Debug, Clone)]
pub struct ChunkPlan {
    /// Sentences (normalized, not yet phonemized) and pauses.
    steps: VecDeque<Step>,
    /// Phonemes of the current sentence not yet chunked.
    rest: String,
    /// The caption word of each char of `rest`.
    rest_words: Vec<Option<u32>>,
    /// The style of the sentence `rest` belongs to.
    rest_style: Style,
    /// Silence asked for before the next chunk.
    pause: Duration,
    /// The style of what is added from now on.
    style: Style,
    /// The utterance's words as written, in order: what captions show.
    captions: Vec<String>,
    /// The last caption word was made by markup (an alias, given phonemes): marks written
    /// right after it end it.
    markup_word_last: bool,
    last_ids: Option<usize>,
    normalization: NormalizationOptions,
    limit: CallLimit,
}

impl ChunkPlan {
    /// `limit`: how many ids a call may take (a model's id limit alone converts into one).
    /// Text is spoken in `language` by voice 0 at the request's speed until
    /// [`ChunkPlan::set_style`] says otherwise.
    pub fn new(
        language: Language,
        normalization: NormalizationOptions,
        limit: impl Into<CallLimit>,
    ) -> Self {
        let style = Style {
            voice: 0,
            speed: 1.0,
            language,
        };
        ChunkPlan {
            steps: VecDeque::new(),
            rest: String::new(),
            rest_words: Vec::new(),
            rest_style: style,
            pause: Duration::ZERO,
            style,
            captions: Vec::new(),
            markup_word_last: false,
            last_ids: None,
            normalization,
            limit: limit.into(),
        }
    }

    /// The style of what is added from now on.
    pub fn style(&self) -> Style {
        self.style
    }

    /// Speaks what is added from now on in `style`.
    pub fn set_style(&mut self, style: Style) {
        self.style = style;
    }

    /// Silence of `length` after what has been added.
    pub fn add_pause(&mut self, length: Duration) {
        if length.is_zero() {
            return;
        }
        match self.steps.back_mut() {
            Some(Step::Pause(d)) => *d += length,
            _ => self.steps.push_back(Step::Pause(length)),
        }
    }

    /// The last sentence queued, when what is added now may go on in it (same style, no
    /// pause between, not phonemized yet).
    fn joinable(&mut self, need_open: bool) -> Option<&mut Sentence> {
        let style = self.style;
        match self.steps.back_mut() {
            Some(Step::Sentence(s)) if s.style == style && (s.open || !need_open) && !s.ended() => {
                Some(s)
            }
            _ => None,
        }
    }

    /// Adds a segment's sentences (normalized; cheap, no G2P yet), and its words as written
    /// to the captions.
    pub fn add(&mut self, frontend: &TextFrontend, segment: &Segment) {
        let language = self.style.language;
        let spoken = frontend.normalized(&segment.text, language, &self.normalization);
        let (of_spoken, spans) = align::align(&segment.text, &spoken);
        // Marks written right after a word that markup made (`<sub alias="here">h</sub>.`)
        // come as a segment of their own: they end the caption word before them, as they
        // would had it been plain text, rather than make a caption word of their own.
        let text = segment.text.as_str();
        let glue = std::mem::take(&mut self.markup_word_last)
            && spans.first().is_some_and(|s| {
                s.start == 0 && !text[s.clone()].chars().any(crate::language::is_word_char)
            });
        // The caption index of the first span: the word before when it is glued there.
        let base = self.captions.len() - usize::from(glue);
        let mut spans = spans.into_iter();
        if glue && let (Some(span), Some(before)) = (spans.next(), self.captions.last_mut()) {
            before.push_str(&text[span]);
        }
        self.captions.extend(spans.map(|s| text[s].to_owned()));
        let mut words = of_spoken
            .into_iter()
            .map(|c| c.and_then(|c| u32::try_from(base + c).ok()));
        for (i, sentence) in split::sentences(&spoken).into_iter().enumerate() {
            let n = sentence.split_whitespace().count();
            let part = Part::Text {
                words: words.by_ref().take(n).collect(),
                text: sentence,
            };
            // The text after given phonemes goes on in their sentence.
            if i == 0
                && let Some(open) = self.joinable(true)
            {
                open.parts.push(part);
                open.open = false;
                continue;
            }
            self.steps.push_back(Step::Sentence(Sentence {
                parts: vec![part],
                style: self.style,
                open: false,
            }));
        }
    }

    /// Adds a word spoken with the given `phonemes` (only symbols the model knows are kept),
    /// shown as `written` in captions. It goes on in the sentence before it when that one
    /// has not ended.
    pub fn add_phonemes(&mut self, frontend: &TextFrontend, written: &str, phonemes: &str) {
        let word = self.new_caption(written);
        self.add_open(Part::Phonemes {
            phonemes: frontend.vocab().retain_known(phonemes),
            word,
        });
    }

    /// Adds text said in place of what is written (`<sub alias>`, `<say-as>`): `spoken` is
    /// normalized and phonemized as usual, and every word of it belongs to one caption word,
    /// `written`. Like a word with given phonemes, it goes on in the sentence before it when
    /// that one has not ended, and the text after it goes on in its sentence.
    pub fn add_alias(&mut self, frontend: &TextFrontend, written: &str, spoken: &str) {
        let text = frontend.normalized(spoken, self.style.language, &self.normalization);
        let word = self.new_caption(written);
        self.add_open(Part::Text {
            words: vec![word; text.split_whitespace().count()],
            text,
        });
    }

    /// A new caption word shown as `written`: its index.
    fn new_caption(&mut self, written: &str) -> Option<u32> {
        let word = u32::try_from(self.captions.len()).ok();
        self.captions.push(written.to_owned());
        self.markup_word_last = true;
        word
    }

    /// Adds `part` to the sentence before it when that one has not ended, else as a sentence
    /// of its own; either way the sentence stays open for the text after it.
    fn add_open(&mut self, part: Part) {
        if let Some(sentence) = self.joinable(false) {
            sentence.parts.push(part);
            sentence.open = true;
            return;
        }
        self.steps.push_back(Step::Sentence(Sentence {
            parts: vec![part],
            style: self.style,
            open: true,
        }));
    }

    /// The caption word the next chunk starts with, when it is known.
    pub fn next_caption(&self) -> Option<u32> {
        self.rest_words
            .iter()
            .flatten()
            .next()
            .copied()
            .or_else(|| {
                self.steps.iter().find_map(|step| match step {
                    Step::Sentence(s) => s.parts.iter().find_map(|p| match p {
                        Part::Text { words, .. } => words.iter().flatten().next().copied(),
                        Part::Phonemes { word, .. } => *word,
                    }),
                    Step::Pause(_) => None,
                })
            })
    }

    /// A caption word, as written (an index from [`Chunk::words`]).
    pub fn caption(&self, index: u32) -> Option<&str> {
        self.captions.get(index as usize).map(String::as_str)
    }

    /// True when everything added has been taken (a pause not yet taken included).
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty() && self.steps.is_empty()
    }

    /// True when no speech is left to take (pauses may be).
    pub fn is_silent(&self) -> bool {
        self.rest.is_empty() && !self.steps.iter().any(|s| matches!(s, Step::Sentence(_)))
    }

    /// The silence asked for between the last chunk taken and the next: it replaces the
    /// pause the last chunk's ending would get.
    pub fn pause_next(&self) -> Option<Duration> {
        if !self.rest.is_empty() {
            return None;
        }
        let ahead: Duration = self
            .steps
            .iter()
            .map_while(|s| match s {
                Step::Pause(d) => Some(*d),
                Step::Sentence(_) => None,
            })
            .sum();
        Some(self.pause + ahead).filter(|d| !d.is_zero())
    }

    /// Takes the silence asked for after everything said: what is left when no speech is.
    pub fn take_trailing_pause(&mut self) -> Option<Duration> {
        if !self.is_silent() {
            return None;
        }
        let pause = self.pause_next();
        self.pause = Duration::ZERO;
        self.steps.clear();
        pause
    }

    /// About how many ids are left to speak: the phonemes in hand, and a character per id
    /// for sentences not phonemized yet (close for the languages misaki and espeak-ng read).
    pub fn remaining_ids(&self) -> usize {
        let parts = self.steps.iter().flat_map(|s| match s {
            Step::Sentence(s) => s.parts.as_slice(),
            Step::Pause(_) => &[],
        });
        self.rest.chars().count()
            + parts
                .map(|p| match p {
                    Part::Text { text, .. } => text.chars().count(),
                    Part::Phonemes { phonemes, .. } => phonemes.chars().count(),
                })
                .sum::<usize>()
    }

    /// The next chunk, or `None` when everything added so far has been taken. Runs G2P when
    /// it reaches a new sentence. `cap` can lower the chunk's budget (never below
    /// [`MIN_CAP_IDS`]): a chunk then ends at the last clause that fits, or between words.
    /// A chunk carries its style and the silence asked for before it.
    pub fn next(&mut self, frontend: &TextFrontend, cap: Option<usize>) -> Result<Option<Chunk>> {
        loop {
            if self.rest.is_empty() {
                match self.steps.pop_front() {
                    None => return Ok(None),
                    Some(Step::Pause(d)) => {
                        self.pause += d;
                        continue;
                    }
                    Some(Step::Sentence(sentence)) => {
                        let (phonemes, words) = phonemize(frontend, &sentence)?;
                        self.rest = phonemes;
                        self.rest_words = words;
                        self.rest_style = sentence.style;
                    }
                }
            }
            // Growth is a preference (a longer first clause still goes whole, for its
            // prosody); the cap is a deadline (past it the chunk ends between words); the
            // call's limit bounds both.
            let max_ids = self.limit.ids(self.rest_style.speed);
            let hard = cap.map_or(max_ids, |c| c.max(MIN_CAP_IDS).min(max_ids));
            let preferred = cap.map_or(max_ids, |_| {
                ((hard as f64 * CLAUSE_SHARE) as usize).max(MIN_CAP_IDS)
            });
            let budget = self
                .last_ids
                .map_or(max_ids, |n| (n * CHUNK_GROWTH).max(MIN_CHUNK_IDS))
                .min(preferred);
            let (head, tail) = split::take_chunk(&self.rest, budget, hard);
            // Where head and tail start in `rest`, in chars: their words come along.
            let chars_before = |part: &str| {
                let at = part.as_ptr() as usize - self.rest.as_ptr() as usize;
                self.rest[..at].chars().count()
            };
            let (h, t) = (chars_before(head), chars_before(tail));
            let mut chunk = frontend.chunk(head);
            let words = &self.rest_words;
            chunk.words = (h..h + chunk.ids.len())
                .map(|i| words.get(i).copied().flatten())
                .collect();
            self.rest_words = words.get(t..).map(<[_]>::to_vec).unwrap_or_default();
            self.rest = tail.to_owned();
            // Punctuation alone is no speech: its pause is lost, nothing else.
            if chunk.phonemes.chars().any(char::is_alphabetic) {
                self.last_ids = Some(chunk.ids.len());
                chunk.voice = self.rest_style.voice;
                chunk.speed = self.rest_style.speed;
                chunk.pause_before = Some(std::mem::take(&mut self.pause)).filter(|d| !d.is_zero());
                return Ok(Some(chunk));
            }
        }
    }
}

/// A sentence's phonemes (its parts', joined by spaces) and the caption word of each char.
fn phonemize(frontend: &TextFrontend, sentence: &Sentence) -> Result<(String, Vec<Option<u32>>)> {
    let mut phonemes = String::new();
    let mut words = Vec::new();
    for part in &sentence.parts {
        let (said, of_chars) = match part {
            Part::Text { text, words } => {
                let language = sentence.style.language;
                let said = frontend.phonemes(text, language)?;
                let of_chars = phoneme_words(&said, text, words, language, |w| {
                    frontend.phonemes(w, language)
                })?;
                (said, of_chars)
            }
            Part::Phonemes { phonemes, word } => {
                let of_chars = phonemes
                    .chars()
                    .map(|c| if silent(c) { None } else { *word })
                    .collect();
                (phonemes.clone(), of_chars)
            }
        };
        if said.trim().is_empty() {
            continue;
        }
        if !phonemes.is_empty() {
            phonemes.push(' ');
            words.push(None);
        }
        phonemes.push_str(&said);
        words.extend(of_chars);
    }
    Ok((phonemes, words))
}

/// Whether a phoneme word has a sound (not only pauses).
fn sounds(group: &str) -> bool {
    group.chars().any(|c| !silent(c))
}

/// How many phoneme words of `phonemes` have a sound.
fn sounding(phonemes: &str) -> usize {
    phonemes.split(' ').filter(|g| sounds(g)).count()
}

/// Symbols of a phoneme string that are pauses, not sounds of a word.
fn silent(c: char) -> bool {
    c == ' ' || c.is_ascii_punctuation() || matches!(c, '—' | '…' | '“' | '”')
}

/// The caption word of each char of a sentence's phonemes: its phoneme words (those with a
/// sound) go to its written words with something to say, in order. One to one when they are
/// as many; otherwise the G2P split, joined or dropped some (a word it cannot read gives
/// nothing), so each word is read alone (`phonemes_of`) to learn how many phoneme words it
/// gives, and they are handed out by those counts; only when the words read alone do not add
/// up to the sentence (context joined them) are the phoneme words spread evenly. Spaces and
/// punctuation go to none. A word of letters that gives no sound alone ("ø", "ŋ" by
/// themselves) is one the language's G2P cannot read: reported, naming its letters, never
/// spoken as nothing with a caption of no length.
fn phoneme_words(
    phonemes: &str,
    text: &str,
    text_words: &[Option<u32>],
    language: Language,
    phonemes_of: impl Fn(&str) -> Result<String>,
) -> Result<Vec<Option<u32>>> {
    let said: Vec<(&str, Option<u32>)> = text
        .split_whitespace()
        .zip(text_words)
        .filter(|(w, _)| w.chars().any(crate::language::is_word_char))
        .map(|(w, c)| (w, *c))
        .collect();
    let groups: Vec<&str> = phonemes.split(' ').collect();
    let sounding = sounding(phonemes);
    // The caption of each sounding phoneme word, in order.
    let captions: Vec<Option<u32>> = if sounding == said.len() {
        check_doubtful(said.iter().map(|(w, _)| *w), language, &phonemes_of)?;
        said.iter().map(|(_, c)| *c).collect()
    } else {
        let words: Vec<&str> = said.iter().map(|(w, _)| *w).collect();
        let counts = sounds_alone(&words, language, &phonemes_of)?;
        let mut by_count = Vec::with_capacity(sounding);
        for ((_, caption), n) in said.iter().zip(counts) {
            by_count.extend(std::iter::repeat_n(*caption, n));
        }
        if by_count.len() == sounding {
            by_count
        } else {
            (0..sounding)
                .map(|k| said.get(k * said.len() / sounding).and_then(|(_, c)| *c))
                .collect()
        }
    };
    let mut out = Vec::with_capacity(phonemes.len());
    let mut k = 0;
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(None);
        }
        let caption = if sounds(group) {
            k += 1;
            captions.get(k - 1).copied().flatten()
        } else {
            None
        };
        out.extend(
            group
                .chars()
                .map(|c| if silent(c) { None } else { caption }),
        );
    }
    Ok(out)
}

/// When a sentence's phoneme words are as many as its words, they agree by count, which a
/// silent word beside one read as two can fake ("Press Ø for the PhD menu."): the words
/// that may be silent are read alone too, and one that gives no sound is an error
/// ([`sounds_alone`]). Those are the words with no ASCII letter outside the scripts whose
/// every letter is read (Devanagari, kana, Han): "Ø", "ŋ", "ª", but also "à" or "él", read
/// alone at the cost of one more G2P call each.
fn check_doubtful<'a>(
    words: impl Iterator<Item = &'a str>,
    language: Language,
    phonemes_of: impl Fn(&str) -> Result<String>,
) -> Result<()> {
    use crate::language::{is_devanagari, is_han, is_kana};
    let doubtful: Vec<&str> = words
        .filter(|w| {
            let mut letters = w.chars().filter(|c| c.is_alphabetic()).peekable();
            letters.peek().is_some()
                && letters.all(|c| !c.is_ascii() && !is_devanagari(c) && !is_kana(c) && !is_han(c))
        })
        .collect();
    if !doubtful.is_empty() {
        sounds_alone(&doubtful, language, phonemes_of)?;
    }
    Ok(())
}

/// How many phoneme words with a sound each word gives read alone (`phonemes_of`); an error
/// naming the letters of a word that gives none ("ø", "ŋ", "ᴥ" by themselves): the
/// language's G2P cannot read it.
fn sounds_alone(
    words: &[&str],
    language: Language,
    phonemes_of: impl Fn(&str) -> Result<String>,
) -> Result<Vec<usize>> {
    let mut counts = Vec::with_capacity(words.len());
    let mut unread = Vec::new();
    for word in words {
        let n = sounding(&phonemes_of(word)?);
        if n == 0 {
            // Its letters, of every kind: those counted as symbols elsewhere (ᴥ ℵ ʻ) too.
            unread.extend(
                word.chars()
                    .filter(|&c| c.is_alphabetic() || crate::language::needs_reading(c)),
            );
        }
        counts.push(n);
    }
    if !unread.is_empty() {
        return Err(crate::text::g2p::unreadable(
            language.row().name,
            &unread,
            "write it in words or leave it out",
        ));
    }
    Ok(counts)
}

/// A sentence's phonemes (`said`) checked for words of `sentence` the G2P gave no sound: as
/// speech is ([`phoneme_words`]), for what reads a text without speaking it
/// (`/dev/phonemize`).
pub fn check_sounds(
    frontend: &TextFrontend,
    said: &str,
    sentence: &str,
    language: Language,
) -> Result<()> {
    let words: Vec<&str> = sentence
        .split_whitespace()
        .filter(|w| w.chars().any(crate::language::is_word_char))
        .collect();
    let phonemes_of = |w: &str| frontend.phonemes(w, language);
    if sounding(said) != words.len() {
        sounds_alone(&words, language, phonemes_of)?;
    } else {
        check_doubtful(words.into_iter(), language, phonemes_of)?;
    }
    Ok(())
}

/// Every chunk of a whole text, in order, without a cap: what a response would take.
pub fn all_chunks(
    frontend: &TextFrontend,
    text: &str,
    language: Language,
    normalization: NormalizationOptions,
    first_clause: bool,
    limit: impl Into<CallLimit>,
) -> Result<Vec<Chunk>> {
    let mut segmenter = super::segment::Segmenter::new(first_clause);
    let mut segments = segmenter.push(text);
    segments.extend(segmenter.finish());
    let mut plan = ChunkPlan::new(language, normalization, limit);
    let mut out = Vec::new();
    for segment in &segments {
        plan.add(frontend, segment);
        while let Some(chunk) = plan.next(frontend, None)? {
            out.push(chunk);
        }
    }
    Ok(out)
}
