//! Text in pieces → segments: the places where written text can be cut before anything
//! else reads it, found as the text arrives.
//!
//! A text may come whole (an HTTP request) or a few characters at a time (an LLM's words over
//! a WebSocket, Wyoming's `synthesize-chunk`s, a pipe). Both go through this one cutter, and
//! every cut it makes depends only on the text up to a few characters past the cut, never
//! on how the text was split into pieces. So a text fed at any split gives the same
//! segments as the whole text, and each segment is normalized, phonemized and spoken as
//! soon as it is complete.
//!
//! Cuts, in the raw text:
//! - after a sentence's end (`.`, `!`, `?`, `…`, with closing quotes or brackets) and the
//!   whitespace after it, once the next sentence has begun (its first character decides:
//!   after a full stop, only a capital, a digit, or a quote or bracket starts a sentence;
//!   "Dr." and single initials never end one); right after `。`, `！`, `？`;
//! - at a blank line, or a line break before or after a Markdown block (a header, a list
//!   item, a quote, a table row, a code fence), which the normalizer reads as sentences;
//! - for the first segment of an utterance only, when asked: after its first clause (`,`,
//!   `;`, `:`, `—`) of at least [`MIN_FIRST_CLAUSE_WORDS`] words, so the first audio comes
//!   early; and when the engine asks ([`FirstPhrase`]: a fast engine, whose first call
//!   costs what its words cost), a first clause too long for an early first call is cut
//!   before a phrase word (a preposition, a subordinating conjunction, a relative word) after
//!   its first few words, in plain prose only: never beside a number or a capitalized word (a
//!   name: "Bank of America"), never inside markup, quotes or brackets;
//! - in a run-on text, after [`MAX_SEGMENT_CHARS`] characters: at its last clause break,
//!   else its last space, so no segment (and no G2P call) grows without bound.
//!
//! A flush cuts at the end of what has arrived; the end of the input cuts there too.

use super::split::ends_with_abbreviation;

/// The fewest words a first clause must have before it is cut off on its own.
pub const MIN_FIRST_CLAUSE_WORDS: usize = 2;
/// The fewest words a [`FirstPhrase`] cut leaves in the rest of its clause (the phrase word
/// and two more), so the second chunk is a phrase, not a word.
pub const MIN_PHRASE_TAIL: usize = 3;
/// The longest segment, in characters. About one model call's worth of phonemes, so a long
/// sentence without punctuation is still spoken in pieces of a bounded cost.
pub const MAX_SEGMENT_CHARS: usize = 600;

const SENTENCE_ENDS: &[char] = &['.', '!', '?', '…'];
/// Sentence ends of Chinese and Japanese, which no space follows.
const WIDE_SENTENCE_ENDS: &[char] = &['。', '！', '？'];
const CLAUSE_ENDS: &[char] = &[',', ';', ':', '—'];
/// Markdown's inline marks, which may come before a sentence's first word.
const MARKDOWN_MARKS: &[char] = &['*', '_', '`', '~', '>', '#'];
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»', '」', '』', '）'];
const OPENERS: &[char] = &[
    '"', '\'', '“', '‘', '(', '[', '«', '「', '『', '（', '¿', '¡',
];

/// Words a phrase may begin with, where a long first clause can be cut before them: English
/// prepositions, subordinating conjunctions and relative words that do not also end phrasal
/// verbs ("turn on", "go over", "stand by") or join pairs and numbers ("and", "or", "of").
const PHRASE_WORDS: &[&str] = &[
    "across",
    "after",
    "against",
    "although",
    "among",
    "because",
    "before",
    "behind",
    "between",
    "beyond",
    "but",
    "despite",
    "during",
    "for",
    "from",
    "if",
    "in",
    "into",
    "since",
    "that",
    "though",
    "through",
    "throughout",
    "toward",
    "towards",
    "unless",
    "until",
    "when",
    "whenever",
    "where",
    "whereas",
    "wherever",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "with",
    "within",
    "without",
];

/// How an engine wants an utterance's first clause cut when it is long: its first call
/// costs about what its words cost, so a first chunk of a few words comes much earlier than
/// a long clause (`crate::engine::EngineFactory::first_phrase`). Only with the first-clause
/// cut on ([`Segmenter::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstPhrase {
    /// The fewest words before the cut.
    pub min_words: usize,
    /// The most words before the cut.
    pub max_words: usize,
    /// The fewest words the clause must have for it to be cut (at least [`MIN_PHRASE_TAIL`]
    /// of them after the cut).
    pub clause_words: usize,
}

/// How a segment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// At a sentence's end or a block's line break.
    Sentence,
    /// After the utterance's first clause.
    FirstClause,
    /// Before a phrase of the utterance's long first clause ([`FirstPhrase`]).
    FirstPhrase,
    /// In a run-on text, at [`MAX_SEGMENT_CHARS`].
    Long,
    /// Where the client asked to speak what it had sent.
    Flush,
    /// At the end of the input.
    End,
}

/// A piece of raw text that can be read on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub cut: Cut,
}

/// Finds segments in text that arrives in pieces.
#[derive(Debug)]
pub struct Segmenter {
    /// Text received and not yet cut off.
    pending: String,
    /// Whether the next segment may end at its first clause.
    first_clause: bool,
    /// Where a long first clause is cut, when the engine asks.
    phrase: Option<FirstPhrase>,
    /// Chars of `pending` before which no cut can be found any more: each piece is scanned
    /// once, plus the candidates still waiting for the text that decides them.
    settled: usize,
}

/// What the text so far says about a possible cut.
enum Decision {
    Cut(usize),
    No,
    /// The characters that decide it have not arrived.
    Undecided,
}

impl Segmenter {
    /// `first_clause`: the first segment may end at its first clause.
    pub fn new(first_clause: bool) -> Self {
        Segmenter {
            pending: String::new(),
            first_clause,
            phrase: None,
            settled: 0,
        }
    }

    /// Cuts a long first clause before a phrase, as `phrase` says (`None`: never).
    pub fn with_first_phrase(mut self, phrase: Option<FirstPhrase>) -> Self {
        self.phrase = phrase;
        self
    }

    /// Adds a piece of text; returns the segments it completed.
    pub fn push(&mut self, piece: &str) -> Vec<Segment> {
        self.pending.push_str(piece);
        let mut out = Vec::new();
        while let Some((at, cut)) = self.find_cut() {
            out.extend(self.cut(at, cut));
        }
        out
    }

    /// Cuts at the end of what has arrived (an explicit flush, or an idle gap).
    pub fn flush(&mut self) -> Option<Segment> {
        let len = self.pending.len();
        self.cut(len, Cut::Flush)
    }

    /// Cuts after the last whole word that has arrived (an idle gap: the writer paused
    /// mid-sentence; a word it is still writing waits for its end).
    pub fn flush_words(&mut self) -> Option<Segment> {
        let trimmed = self.pending.trim_end();
        let cut = if trimmed.len() < self.pending.len() {
            // It ends with whitespace: every word in it is whole.
            self.pending.len()
        } else {
            trimmed.rfind(char::is_whitespace).map_or(0, |i| {
                i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
            })
        };
        self.cut(cut, Cut::Flush)
    }

    /// The end of the input: whatever is left.
    pub fn finish(mut self) -> Option<Segment> {
        let len = self.pending.len();
        self.cut(len, Cut::End)
    }

    /// Characters waiting for a cut.
    pub fn pending(&self) -> &str {
        &self.pending
    }

    fn cut(&mut self, at: usize, cut: Cut) -> Option<Segment> {
        let rest = self.pending.split_off(at);
        let text = std::mem::replace(&mut self.pending, rest);
        self.settled = 0;
        if text.trim().is_empty() {
            return None;
        }
        self.first_clause = false;
        Some(Segment { text, cut })
    }

    /// The first cut in `pending` that the text so far decides. Only the first
    /// [`MAX_SEGMENT_CHARS`] + 1 characters are ever looked at, whether more have arrived or
    /// not, so the answer is the same for any split of the text.
    fn find_cut(&mut self) -> Option<(usize, Cut)> {
        let text = self.pending.as_str();
        let chars: Vec<(usize, char)> = text.char_indices().take(MAX_SEGMENT_CHARS + 1).collect();
        let mut words = 0;
        let mut in_word = false;
        // The last clause break and space seen, for a run-on cut.
        let mut last_clause = None;
        let mut last_space = None;
        let mut undecided = None;
        // Whether everything so far is plain prose (words, spaces, commas): the only text a
        // phrase cut may split.
        let mut plain = true;
        for (i, &(at, c)) in chars.iter().enumerate() {
            let alnum = c.is_alphanumeric();
            let word_start = alnum && !in_word;
            if word_start {
                words += 1;
            }
            plain &= alnum || c.is_whitespace() || matches!(c, '\'' | '’' | '-' | ',');
            in_word = alnum || (in_word && matches!(c, '\'' | '’' | '-'));
            if c.is_whitespace() && i > 0 {
                last_space = Some(at);
            }
            if CLAUSE_ENDS.contains(&c) {
                last_clause = Some(at + c.len_utf8());
            }
            if i == MAX_SEGMENT_CHARS {
                let cut = last_clause.or(last_space).unwrap_or(at);
                return Some((cut, Cut::Long));
            }
            if i < self.settled {
                continue;
            }
            let (decision, kind) = if WIDE_SENTENCE_ENDS.contains(&c) {
                (wide_sentence_cut(&chars, i), Cut::Sentence)
            } else if SENTENCE_ENDS.contains(&c) {
                (sentence_cut(text, &chars, i), Cut::Sentence)
            } else if c == '\n' {
                (block_cut(text, &chars, i), Cut::Sentence)
            } else if CLAUSE_ENDS.contains(&c)
                && self.first_clause
                && words >= MIN_FIRST_CLAUSE_WORDS
            {
                (first_clause_cut(&chars, i), Cut::FirstClause)
            } else if let Some(phrase) = self.phrase
                && word_start
                && plain
                && self.first_clause
                && (phrase.min_words..=phrase.max_words).contains(&(words - 1))
            {
                (
                    first_phrase_cut(&chars, i, words - 1, phrase),
                    Cut::FirstPhrase,
                )
            } else {
                (Decision::No, Cut::Sentence)
            };
            match decision {
                Decision::Cut(at) => return Some((at, kind)),
                // Its words run to the end of what has arrived: no later cut can be told
                // before it is.
                Decision::Undecided if kind == Cut::FirstPhrase => {
                    undecided.get_or_insert(i);
                    break;
                }
                Decision::Undecided => {
                    undecided.get_or_insert(i);
                }
                Decision::No => {}
            }
        }
        self.settled = undecided.unwrap_or(chars.len());
        None
    }
}

/// The index of the first char from `from` on that `skip` does not accept.
fn skip(chars: &[(usize, char)], from: usize, skip: impl Fn(char) -> bool) -> usize {
    let mut i = from;
    while chars.get(i).is_some_and(|&(_, c)| skip(c)) {
        i += 1;
    }
    i
}

/// The index of the first char from `from` on past Markdown's marks, HTML's inline tags
/// and the spaces between them: what comes before a sentence's first word and is not it
/// (`**Bold`, `_So_`, `` `code` ``, `> Quote`, `<b> Bold`).
fn skip_marks(chars: &[(usize, char)], from: usize) -> usize {
    let mut i = from;
    loop {
        i = skip(chars, i, |c| {
            MARKDOWN_MARKS.contains(&c) || c.is_whitespace()
        });
        let name_end = skip(chars, i + 1, |c| c.is_ascii_alphabetic() || c == '/');
        let tag = chars.get(i).is_some_and(|&(_, c)| c == '<')
            && name_end > i + 1
            && chars.get(name_end).is_some_and(|&(_, c)| c == '>');
        if !tag {
            return i;
        }
        i = name_end + 1;
    }
}

/// After `。`, `！`, `？` (and closers): the next character starts a sentence.
fn wide_sentence_cut(chars: &[(usize, char)], i: usize) -> Decision {
    let end = skip(chars, i + 1, |c| {
        CLOSERS.contains(&c) || WIDE_SENTENCE_ENDS.contains(&c)
    });
    match chars.get(end) {
        Some(&(at, _)) => Decision::Cut(at),
        None => Decision::Undecided,
    }
}

/// A cut after the sentence end at `chars[i]`: the punctuation run and its closers,
/// whitespace, then the start of a sentence.
fn sentence_cut(text: &str, chars: &[(usize, char)], i: usize) -> Decision {
    let after_marks = skip(chars, i, |c| SENTENCE_ENDS.contains(&c));
    let after_closers = skip(chars, after_marks, |c| CLOSERS.contains(&c));
    let next = skip(chars, after_closers, char::is_whitespace);
    let Some(&(start, _)) = chars.get(next) else {
        return Decision::Undecided;
    };
    if next == after_closers {
        // No whitespace after it: "3.5", "e.g.x".
        return Decision::No;
    }
    let full_stop_only = chars[i..after_marks].iter().all(|&(_, c)| c == '.');
    if full_stop_only {
        // A code fence (```) begins a block whatever follows; otherwise the first letter
        // past Markdown's marks and HTML's inline tags tells.
        let fence = skip(chars, next, |c| c == '`') - next >= 3;
        let begins = fence
            || match chars.get(skip_marks(chars, next)) {
                Some(&(_, first)) => {
                    first.is_uppercase()
                        || first.is_ascii_digit()
                        || OPENERS.contains(&first)
                        || (first.is_alphabetic() && !first.is_lowercase())
                }
                None => return Decision::Undecided,
            };
        if !begins || ends_with_abbreviation(&text[..chars[after_marks - 1].0 + 1]) {
            return Decision::No;
        }
    }
    Decision::Cut(start)
}

/// After the utterance's first clause: whitespace, then a word.
fn first_clause_cut(chars: &[(usize, char)], i: usize) -> Decision {
    let next = skip(chars, i + 1, char::is_whitespace);
    match chars.get(next) {
        None => Decision::Undecided,
        Some(&(at, c)) if next > i + 1 && c.is_alphanumeric() => Decision::Cut(at),
        Some(_) => Decision::No,
    }
}

/// A cut before the word at `chars[i]`, which has `before` words before it in a first clause
/// of plain prose: when it is a phrase word (in lower case) right after a word that is
/// neither capitalized (a name, unless it begins the text) nor holds a digit, and the clause
/// goes on for enough words (no clause or sentence end before them).
fn first_phrase_cut(
    chars: &[(usize, char)],
    i: usize,
    before: usize,
    phrase: FirstPhrase,
) -> Decision {
    // What has arrived past the first segment's longest is never looked at: a phrase not
    // told within it is no cut (the run-on cut comes first).
    let undecided = || {
        if chars.len() > MAX_SEGMENT_CHARS {
            Decision::No
        } else {
            Decision::Undecided
        }
    };
    let end = skip(chars, i, |c| c.is_alphanumeric() || matches!(c, '\'' | '’'));
    if end == chars.len() {
        return undecided();
    }
    let word: String = chars[i..end].iter().map(|&(_, c)| c).collect();
    if !PHRASE_WORDS.contains(&word.as_str()) {
        return Decision::No;
    }
    // The word before: directly before the space (no comma between), plain, not a name.
    let mut start = i;
    while start > 0 && chars[start - 1].1.is_whitespace() {
        start -= 1;
    }
    if start == i || start == 0 || !chars[start - 1].1.is_alphanumeric() {
        return Decision::No;
    }
    let prev_end = start;
    while start > 0 && !chars[start - 1].1.is_whitespace() {
        start -= 1;
    }
    let prev = &chars[start..prev_end];
    if prev.iter().any(|&(_, c)| c.is_numeric())
        || (before > 1 && prev.first().is_some_and(|&(_, c)| c.is_uppercase()))
    {
        return Decision::No;
    }
    // The clause after it: enough words before any break.
    let need = MIN_PHRASE_TAIL.max(phrase.clause_words.saturating_sub(before));
    let mut tail = 1;
    let mut in_word = true;
    for &(_, c) in &chars[end..] {
        if CLAUSE_ENDS.contains(&c)
            || SENTENCE_ENDS.contains(&c)
            || WIDE_SENTENCE_ENDS.contains(&c)
            || c == '\n'
        {
            return Decision::No;
        }
        let alnum = c.is_alphanumeric();
        if alnum && !in_word {
            tail += 1;
            if tail >= need {
                return Decision::Cut(chars[i].0);
            }
        }
        in_word = alnum || (in_word && matches!(c, '\'' | '’' | '-'));
    }
    undecided()
}

/// A cut at the line break at `chars[i]` when it ends a paragraph or a Markdown block.
fn block_cut(text: &str, chars: &[(usize, char)], i: usize) -> Decision {
    let next = skip(chars, i + 1, |c| c.is_whitespace() && c != '\n');
    let Some(&(start, first)) = chars.get(next) else {
        return Decision::Undecided;
    };
    if first == '\n' {
        // A blank line: the paragraph ends; cut where the next one starts.
        let after = skip(chars, next, char::is_whitespace);
        return match chars.get(after) {
            Some(&(at, _)) => Decision::Cut(at),
            None => Decision::Undecided,
        };
    }
    let line_start = text[..chars[i].0].rfind('\n').map_or(0, |n| n + 1);
    let this_line = &text[line_start..chars[i].0];
    // The next line must be long enough to tell what it is ("- " or "12. ").
    let next_line: String = chars[next..].iter().take(5).map(|&(_, c)| c).collect();
    if next_line.chars().count() < 5 && !next_line.contains('\n') {
        return Decision::Undecided;
    }
    if is_block(this_line) || is_block(&next_line) {
        Decision::Cut(start)
    } else {
        Decision::No
    }
}

/// Whether a line is a Markdown block the normalizer reads as a sentence of its own.
fn is_block(line: &str) -> bool {
    let t = line.trim_start();
    let numbered = {
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        digits > 0
            && digits <= 3
            && t[digits..].starts_with(['.', ')'])
            && t[digits + 1..].starts_with(' ')
    };
    t.starts_with("# ")
        || t.starts_with("##")
        || t.starts_with("- ")
        || t.starts_with("* ")
        || t.starts_with("+ ")
        || t.starts_with("• ")
        || t.starts_with('>')
        || t.starts_with('|')
        || t.starts_with("```")
        || t.starts_with("~~~")
        || numbered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str, first_clause: bool) -> Vec<Segment> {
        let mut s = Segmenter::new(first_clause);
        let mut out = s.push(text);
        out.extend(s.finish());
        out
    }

    /// Piper's rule (`engine::piper`), here as plain numbers.
    const PHRASE: FirstPhrase = FirstPhrase {
        min_words: 5,
        max_words: 8,
        clause_words: 10,
    };

    fn phrased(text: &str) -> Vec<Segment> {
        let mut s = Segmenter::new(true).with_first_phrase(Some(PHRASE));
        let mut out = s.push(text);
        out.extend(s.finish());
        out
    }

    fn texts(segments: &[Segment]) -> Vec<&str> {
        segments.iter().map(|s| s.text.trim()).collect()
    }

    /// A sentence whose first word has Markdown's marks before it still begins one: the
    /// sentence before is cut as soon as the word is seen, not held for the flush timer.
    #[test]
    fn markdown_marks_before_a_sentence_do_not_hide_its_start() {
        for (text, first) in [
            ("Hello there. **Bold", "Hello there."),
            ("Hello there. _So_ it", "Hello there."),
            ("Hello there. `Code` it", "Hello there."),
            ("Hello there. ```", "Hello there."),
            ("Hello there. > Quote", "Hello there."),
            ("Hello there. <b> Bold", "Hello there."),
            ("Hello there. </i><b>Bold", "Hello there."),
        ] {
            let mut s = Segmenter::new(false);
            let cut = s.push(text);
            assert_eq!(texts(&cut), [first], "{text}");
        }
        // A lower-case word after the marks is no sentence start, as without them.
        let mut s = Segmenter::new(false);
        assert!(s.push("e.g. **bold** words").is_empty());
        let mut s = Segmenter::new(false);
        assert!(s.push("e.g. <b>bold</b> words").is_empty());
    }

    #[test]
    fn sentences_are_cut_once_the_next_begins() {
        // After "!", "?" and "…" a sentence always ends (as in Unicode's sentence rules);
        // after a full stop only before what starts one.
        let segments = whole(
            "Hello there. Dr. Smith is in! is he? Yes… e.g. this. it is 3.5 now. The end",
            false,
        );
        assert_eq!(
            texts(&segments),
            vec![
                "Hello there.",
                "Dr. Smith is in!",
                "is he?",
                "Yes…",
                "e.g. this. it is 3.5 now.",
                "The end"
            ]
        );
        assert_eq!(segments[0].cut, Cut::Sentence);
        assert_eq!(segments[5].cut, Cut::End);
    }

    #[test]
    fn the_first_clause_goes_alone_when_asked() {
        let s = whole("Well then, here is the plan. We go, now.", true);
        assert_eq!(
            texts(&s),
            vec!["Well then,", "here is the plan.", "We go, now."]
        );
        assert_eq!(s[0].cut, Cut::FirstClause);
        // One word is too short to stand alone: the next break is used.
        let s = whole("Yes, I can, go.", true);
        assert_eq!(texts(&s), vec!["Yes, I can,", "go."]);
        // Nothing after it: no cut.
        assert_eq!(texts(&whole("Well then,", true)), vec!["Well then,"]);
        // "1,000" is a number, not a clause.
        assert_eq!(
            texts(&whole("It costs 1,000 dollars.", true)),
            vec!["It costs 1,000 dollars."]
        );
    }

    #[test]
    fn a_long_first_clause_is_cut_before_a_phrase_when_the_engine_asks() {
        let text = "Our quarterly report shows that sales in the northern region, which had been \
                    flat for years, grew faster than expected. Costs fell too.";
        let s = phrased(text);
        assert_eq!(
            texts(&s),
            vec![
                "Our quarterly report shows that sales",
                "in the northern region, which had been flat for years, grew faster than expected.",
                "Costs fell too."
            ]
        );
        assert_eq!(s[0].cut, Cut::FirstPhrase);
        // Not asked: the first clause goes whole.
        assert_eq!(
            texts(&whole(text, true))[0],
            "Our quarterly report shows that sales in the northern region,"
        );
        // Nor without the first-clause cut.
        let mut off = Segmenter::new(false).with_first_phrase(Some(PHRASE));
        assert_eq!(off.push(text).len(), 1);
        // Only the first clause: the sentences after it go whole.
        let s = phrased("Yes. Our quarterly report shows that sales in the northern region grew.");
        assert_eq!(
            texts(&s),
            vec![
                "Yes.",
                "Our quarterly report shows that sales in the northern region grew."
            ]
        );
    }

    #[test]
    fn a_phrase_cut_needs_a_long_clause_and_plain_words_around_it() {
        let uncut = |text: &str| assert_eq!(phrased(text), whole(text, true), "{text}");
        // Nine words: short enough to go whole; a phrase word after eight words: too late.
        uncut("The train to the city leaves from platform four.");
        uncut("The train to the city leaves every day at eight from here in May.");
        // The word before it a name ("Bank of Scotland"), or a number.
        uncut("The annual report of Smith for the whole northern region grew fast.");
        uncut("The old train number 12 from the city leaves later than usual today.");
        // The phrase word capitalized (a title), or the clause ends too soon after it.
        uncut("The film we all saw was Gone With the Wind again last night.");
        uncut("The annual report of sales for the north, and then the south, grew fast.");
        // Markup, quotes or brackets before it: never split.
        uncut("[Kokoro](/kˈOkəɹO/) reads the whole text in one long breath without a pause.");
        uncut("He said \"the whole report\" from the north grew faster than ever this year.");
        uncut("The <emphasis>whole</emphasis> report from the north grew faster than before.");
        // A run-on word after the phrase word: still cut within the longest segment.
        let run_on = format!(
            "Our quarterly report shows that sales in {}",
            "x".repeat(700)
        );
        let mut s = Segmenter::new(true).with_first_phrase(Some(PHRASE));
        let pieces = s.push(&run_on);
        assert!(!pieces.is_empty());
        assert!(
            pieces
                .iter()
                .all(|p| p.text.chars().count() <= MAX_SEGMENT_CHARS)
        );
        // The same sentence in plain words is cut.
        assert_eq!(
            texts(&phrased(
                "The annual report of sales for the whole northern region grew fast."
            ))[0],
            "The annual report of sales"
        );
    }

    #[test]
    fn blocks_and_paragraphs_are_cut() {
        let s = whole(
            "Here is a list:\n- one\n- two\n\nAnd a paragraph\nthat wraps.",
            false,
        );
        assert_eq!(
            texts(&s),
            vec![
                "Here is a list:",
                "- one",
                "- two",
                "And a paragraph\nthat wraps."
            ]
        );
    }

    #[test]
    fn chinese_and_japanese_sentence_ends_cut_without_spaces() {
        assert_eq!(
            texts(&whole("你好。今天天气很好！是吗？", false)),
            vec!["你好。", "今天天气很好！", "是吗？"]
        );
    }

    #[test]
    fn run_on_text_is_cut_at_its_last_clause_within_the_limit() {
        let text = "and then it went on, ".repeat(60);
        let s = whole(&text, false);
        assert!(s.len() > 1);
        assert!(
            s.iter()
                .all(|s| s.text.chars().count() <= MAX_SEGMENT_CHARS)
        );
        assert!(
            s[..s.len() - 1]
                .iter()
                .all(|s| s.text.trim_end().ends_with(','))
        );
        let word = "x".repeat(2 * MAX_SEGMENT_CHARS + 1);
        let pieces = whole(&word, false);
        assert_eq!(pieces.len(), 3);
        assert!(
            pieces
                .iter()
                .all(|s| s.text.chars().count() <= MAX_SEGMENT_CHARS)
        );
    }

    #[test]
    fn any_split_gives_the_same_segments() {
        let text = "Well then, here is the plan. We leave at 7:15 a.m. Mr. Day says \"go!\" And we go.\n\
                    - first item\n- second item\n\nDone… really? Yes. 你好。世界";
        for first_clause in [false, true] {
            let expected = whole(text, first_clause);
            for split in 0..=text.len() {
                if !text.is_char_boundary(split) {
                    continue;
                }
                let mut s = Segmenter::new(first_clause);
                let mut got = s.push(&text[..split]);
                got.extend(s.push(&text[split..]));
                got.extend(s.finish());
                assert_eq!(got, expected, "split at {split}");
            }
            // One character at a time.
            let mut s = Segmenter::new(first_clause);
            let mut got = Vec::new();
            for c in text.chars() {
                got.extend(s.push(&c.to_string()));
            }
            got.extend(s.finish());
            assert_eq!(got, expected);
        }
        // A phrase cut is decided by the words after it, whenever they arrive.
        let text = "Our quarterly report shows that sales in the northern region grew. Then more";
        let expected = phrased(text);
        assert_eq!(expected[0].cut, Cut::FirstPhrase);
        for split in 0..=text.len() {
            let mut s = Segmenter::new(true).with_first_phrase(Some(PHRASE));
            let mut got = s.push(&text[..split]);
            got.extend(s.push(&text[split..]));
            got.extend(s.finish());
            assert_eq!(got, expected, "split at {split}");
        }
    }

    #[test]
    fn an_idle_flush_keeps_the_word_being_written() {
        let mut s = Segmenter::new(false);
        assert!(s.push("and then the trai").is_empty());
        assert_eq!(
            s.flush_words().map(|s| s.text),
            Some("and then the ".into())
        );
        assert_eq!(s.pending(), "trai");
        s.push("n ");
        assert_eq!(s.flush_words().map(|s| s.text), Some("train ".into()));
        assert!(s.flush_words().is_none());
    }

    #[test]
    fn nothing_is_lost_or_added() {
        let text = "One. Two, three; four!  Five?\n\n- six\n";
        let joined: String = whole(text, true).into_iter().map(|s| s.text).collect();
        assert_eq!(joined.trim_end(), text.trim_end());
    }
}
