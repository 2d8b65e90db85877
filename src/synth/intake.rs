//! An utterance's text side: where its text goes in ([`TextInput`], held by the front end)
//! and what the utterance makes of it ([`Intake`], owned by the utterance's task): the
//! segmenter's cuts, each cut segment's markup read, the flush timer and the idle clock.
//!
//! A front end only pushes pieces (and asks for a flush, or finishes); every rule about
//! what they become lives here, once for every front end (WebSocket, streamed body,
//! Wyoming, `ttsd say -`):
//! - text that has waited [`Settings::flush_after`] without a sentence end is spoken up to
//!   its last whole word (never inside an unclosed `[` tag), and so is text held for
//!   [`MAX_HOLD_FLUSHES`] times that however fast more comes (a writer that never pauses
//!   and never ends a sentence is still heard, at least once per idle time);
//! - a streamed utterance that has had no real text (a word written to its end) for
//!   [`Settings::stream_idle`], while it has nothing left to say, ends with a timeout:
//!   pings, empty pieces and other protocol chatter never reach the utterance, and blanks,
//!   marks, letters that say nothing alone and a word that never ends do not count, so
//!   none of them can keep its admission slot; and text that says nothing (markup alone,
//!   `<b>`, `[pause:0ms]`) holds it at most twice the idle time: from the first word after
//!   the last audio, the utterance must speak within that or it ends as idle;
//! - text held uncut whose markup cannot be read (`<speak>…` on a stream, a `[pause:` never
//!   closed) fails the utterance with the markup's error as soon as nothing can mend it: at
//!   the flush timer for a written element, at the idle clock or the end for an open tag;
//! - over the input limit the utterance fails (nothing is spoken in part as if whole).
//!
//! [`Utf8Pieces`] turns bytes that arrive in pieces into text pieces.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::Settings;
use crate::request::{Limits, check_length};
use crate::text::markup::{self, Item, MarkupOptions};
use crate::text::segment::{FirstPhrase, Segment, Segmenter};
use crate::{Error, Result};

/// How many flush times ([`Settings::flush_after`]) text may wait for its sentence's end
/// while more keeps coming (but never longer than the idle time).
pub(super) const MAX_HOLD_FLUSHES: u32 = 4;

/// What a [`TextInput`] sends its utterance, with when it arrived.
#[derive(Debug)]
pub(super) enum Piece {
    Text(String, Instant),
    /// Speak what has arrived now, even without a sentence end.
    Flush(Instant),
    /// Phonemes to speak as given, after the text before them.
    Phonemes(String, Instant),
    /// The input went over the limit, or broke off: the utterance fails with this.
    Fail(Error),
}

/// Where an utterance's text goes, in pieces of any size. Dropping it without
/// [`TextInput::finish`] also ends the input.
pub struct TextInput {
    pieces: mpsc::UnboundedSender<Piece>,
    received: usize,
    limits: Limits,
    /// The input failed (over the limit): nothing more is taken.
    failed: bool,
    /// The last thing sent was a flush: another adds nothing (and queues nothing).
    flushed: bool,
}

impl TextInput {
    pub(super) fn new(pieces: mpsc::UnboundedSender<Piece>, limits: Limits) -> Self {
        TextInput {
            pieces,
            received: 0,
            limits,
            failed: false,
            flushed: false,
        }
    }

    /// Adds text. Over the input limit, the piece is refused and the utterance fails with
    /// the same error (nothing is spoken in part as if it were whole).
    pub fn push(&mut self, piece: &str) -> Result<()> {
        let chars = self.received + piece.chars().count();
        if let Err(e) = check_length("input", chars, self.limits) {
            if !std::mem::replace(&mut self.failed, true) {
                self.send(Piece::Fail(Error::invalid(
                    "input",
                    format!(
                        "the streamed input went over the limit of {} characters",
                        self.limits.max_input_chars
                    ),
                )));
            }
            return Err(e);
        }
        if piece.is_empty() || self.failed {
            return Ok(());
        }
        self.received = chars;
        self.flushed = false;
        self.send(Piece::Text(piece.to_owned(), Instant::now()));
        Ok(())
    }

    /// Speaks what has arrived now, even without a sentence end.
    pub fn flush(&mut self) {
        if !std::mem::replace(&mut self.flushed, true) {
            self.send(Piece::Flush(Instant::now()));
        }
    }

    /// Adds phonemes to speak as given (every symbol checked against the model's, as
    /// inline phonemes are), after the text before them.
    pub fn push_phonemes(&mut self, phonemes: &str) -> Result<()> {
        let chars = self.received + phonemes.chars().count();
        check_length("input", chars, self.limits)?;
        self.received = chars;
        self.flushed = false;
        self.send(Piece::Phonemes(phonemes.to_owned(), Instant::now()));
        Ok(())
    }

    /// No more text: the rest is spoken, then the stream ends.
    pub fn finish(self) {}

    /// The text broke off before its end (a request body that stalled or was cut): the
    /// utterance fails with `e` after what it has spoken, so its client can tell the audio
    /// is incomplete; the text not yet cut is not spoken as if it were the end.
    pub fn fail(mut self, e: Error) {
        self.failed = true;
        self.send(Piece::Fail(e));
    }

    /// Pushes each piece as it comes, until the pieces end (then the input is finished) or
    /// the utterance does. A piece that is an error (the text broke off) fails the utterance
    /// with it ([`TextInput::fail`]); the first error of the input itself (its limit) ends it
    /// with the error.
    pub async fn feed<S>(mut self, mut pieces: S) -> Result<()>
    where
        S: futures_util::Stream<Item = Result<String>> + Unpin,
    {
        use futures_util::StreamExt;
        loop {
            let piece = tokio::select! {
                piece = pieces.next() => piece,
                () = self.closed() => return Ok(()),
            };
            match piece {
                Some(Ok(piece)) => self.push(&piece)?,
                Some(Err(e)) => {
                    self.fail(e);
                    return Ok(());
                }
                None => return Ok(()),
            }
        }
    }

    /// Characters received so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Whether the utterance has ended (spoken, failed, or its client left): what is
    /// pushed now goes nowhere.
    pub fn is_closed(&self) -> bool {
        self.pieces.is_closed()
    }

    /// Waits until the utterance has ended (see [`TextInput::is_closed`]), so a reader of
    /// text can stop reading.
    pub async fn closed(&self) {
        self.pieces.closed().await;
    }

    fn send(&self, piece: Piece) {
        // The utterance may have ended: then nothing waits for text.
        let _ = self.pieces.send(piece);
    }
}

/// What the text side hands the utterance.
#[derive(Debug)]
pub(super) enum Text {
    /// A segment (plain text, its markup read), and when it was complete.
    Segment(Segment, Instant),
    /// Markup between segments: a pause, a voice or speed from here on, a word with its
    /// phonemes, text said in place of what is written (never [`Item::Text`]: that comes
    /// as segments).
    Mark(Item, Instant),
    /// The input cannot go on: the utterance fails with this.
    Fail(Error),
}

/// The text side of one utterance, owned by its task.
pub(super) struct Intake {
    /// Pieces still to come; `None` once the input has ended (or failed).
    pieces: Option<mpsc::UnboundedReceiver<Piece>>,
    segmenter: Option<Segmenter>,
    /// How streamed pieces' markup is read: segment by segment, as each is cut. `None`
    /// for a whole input, whose items were read at validation.
    markup: Option<MarkupOptions>,
    /// What is ready for the plan, in order.
    ready: VecDeque<Text>,
    flush_after: Duration,
    idle: Option<Duration>,
    /// The flush timer runs from the last piece (or flush).
    last_piece: Instant,
    /// When the text the segmenter holds began to wait (`None`: it holds none); held
    /// longer than [`Intake::hold`], it is spoken even while more keeps coming.
    held_since: Option<Instant>,
    /// The first real text since the utterance last made audio: text that has not become
    /// speech within twice the idle time ends it.
    unspoken_since: Option<Instant>,
    /// The idle clock runs from the later of the last real text and the moment the
    /// utterance last had work. Real text is a word written to its end ([`Words`]):
    /// blanks, invisible characters, punctuation, letters that say nothing alone and a
    /// word that never ends do not count, so a client sending only those every few
    /// seconds cannot hold its stream and its admission slot open (the work they cause
    /// still counts).
    last_text: Instant,
    last_work: Instant,
    words: Words,
    /// Characters of streamed text given to the segmenter: where its pieces start, so a
    /// markup error gives its position in the whole text.
    pushed: usize,
}

/// Where the words of streamed text end, for the idle clock: a word is real when it has a
/// letter or a digit that can say something and something ends it (a space, a mark, the
/// next ideograph). A letter that only modifies or fills (ʼ ˈ ː ª º, a combining Latin
/// letter, a Hangul filler) makes no word by itself, and a word that never ends (a letter
/// at a time, never a space) is not yet said. Han and kana are written without spaces:
/// each is a word.
#[derive(Default)]
struct Words {
    /// The word being written has a letter or digit that says something.
    open: bool,
}

impl Words {
    /// Reads a piece; whether it ended a real word.
    fn ended(&mut self, text: &str) -> bool {
        use crate::text::normalize::rx::{Lazy, lazy};
        // Letters and digits, less those that only modify, fill or mark an ordinal.
        static SAYS: Lazy = lazy!(r"^[\p{L}\p{N}&&[^\p{Lm}ªº\x{115F}\x{1160}\x{3164}\x{FFA0}]]$");
        static PART: Lazy = lazy!(r"^[\p{M}\p{Lm}\p{L}\p{N}]$");
        static WRITTEN_WHOLE: Lazy = lazy!(r"^[\p{Han}\p{Hiragana}\p{Katakana}]$");
        let mut ended = false;
        let mut buf = [0; 4];
        for c in text.chars() {
            let c: &str = c.encode_utf8(&mut buf);
            if WRITTEN_WHOLE.is_match(c) {
                ended = true;
                self.open = false;
            } else if SAYS.is_match(c) {
                self.open = true;
            } else if !PART.is_match(c) {
                ended |= self.open;
                self.open = false;
            }
        }
        ended
    }
}

impl Intake {
    /// A whole input's items, read at validation: text through the segmenter (so the first
    /// clause still goes first), markup in its place between. Nothing more comes.
    /// `phrase`: how the engine wants a long first clause cut.
    pub(super) fn whole(
        items: Vec<Item>,
        settings: &Settings,
        phrase: Option<FirstPhrase>,
    ) -> Self {
        let mut intake = Intake::new(None, None, settings);
        let mut segmenter = segmenter(settings, phrase);
        let at = Instant::now();
        for item in items {
            match item {
                Item::Text(text) => {
                    let mut cut = segmenter.push(&text);
                    // A space between pieces, so two never run into one word.
                    cut.extend(segmenter.push(" "));
                    intake.segments(cut, at);
                }
                mark => {
                    let cut = segmenter.flush();
                    intake.segments(cut, at);
                    intake.ready.push_back(Text::Mark(mark, at));
                }
            }
        }
        let rest = segmenter.finish();
        intake.segments(rest, at);
        intake
    }

    /// Text that arrives in pieces through a [`TextInput`].
    pub(super) fn streamed(
        pieces: mpsc::UnboundedReceiver<Piece>,
        markup: MarkupOptions,
        settings: &Settings,
        phrase: Option<FirstPhrase>,
    ) -> Self {
        let mut intake = Intake::new(Some(pieces), Some(markup), settings);
        intake.segmenter = Some(segmenter(settings, phrase));
        intake
    }

    fn new(
        pieces: Option<mpsc::UnboundedReceiver<Piece>>,
        markup: Option<MarkupOptions>,
        settings: &Settings,
    ) -> Self {
        let now = Instant::now();
        Intake {
            pieces,
            segmenter: None,
            markup,
            ready: VecDeque::new(),
            flush_after: settings.flush_after,
            idle: settings.stream_idle,
            last_piece: now,
            held_since: None,
            unspoken_since: None,
            last_text: now,
            last_work: now,
            words: Words::default(),
            pushed: 0,
        }
    }

    /// The next thing ready for the plan, after taking what has arrived (and flushing what
    /// has waited too long).
    pub(super) fn next(&mut self) -> Option<Text> {
        self.take_arrived();
        self.ready.pop_front()
    }

    /// Whether more text may come.
    pub(super) fn is_open(&self) -> bool {
        !self.ready.is_empty() || self.pieces.is_some()
    }

    /// The utterance has just made audio: its idle clock starts again.
    pub(super) fn worked(&mut self) {
        self.last_work = Instant::now();
        self.unspoken_since = None;
    }

    /// Waits until something arrives (or the flush timer cuts what waits); an error when
    /// the idle clock runs out first. Call when nothing is ready and the input is open.
    pub(super) async fn wait(&mut self) -> Result<()> {
        let flush_at = self.flush_deadline();
        let idle_at = self.idle.map(|idle| {
            let idle_at = self.last_text.max(self.last_work) + idle;
            self.unspoken_since
                .map_or(idle_at, |since| idle_at.min(since + 2 * idle))
        });
        let Some(pieces) = self.pieces.as_mut() else {
            return Ok(());
        };
        let sleep = |at: Option<Instant>| async move {
            match at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            piece = pieces.recv() => self.take(piece),
            () = sleep(flush_at) => self.flush_words(),
            () = sleep(idle_at) => {
                // Text the flush timer releases now is still to be said (both clocks start
                // with the piece that brought it, and which of two timers due together
                // is seen first is chance): it is spoken, and the clock runs again from
                // its audio.
                let waiting = self.ready.len();
                self.flush_if_due();
                if self.ready.len() > waiting {
                    return Ok(());
                }
                // Text held uncut (an open tag, a last word) cannot complete now: when its
                // markup cannot be read, that is what the client is told, not "no text".
                self.close();
                if matches!(self.ready.back(), Some(Text::Fail(_))) {
                    return Ok(());
                }
                return Err(Error::Timeout(format!(
                    "no text for {:?}: the stream was closed as idle",
                    self.idle.unwrap_or_default()
                )));
            }
        }
        Ok(())
    }

    /// Takes every piece that has arrived, and flushes text that has waited too long.
    fn take_arrived(&mut self) {
        while let Some(pieces) = self.pieces.as_mut() {
            match pieces.try_recv() {
                Ok(piece) => self.take(Some(piece)),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.take(None),
            }
        }
        self.flush_if_due();
    }

    /// Speaks what has waited without a sentence end for its flush time.
    fn flush_if_due(&mut self) {
        if self.flush_deadline().is_some_and(|at| at <= Instant::now()) {
            self.flush_words();
        }
    }

    /// When the text waiting without a sentence end is to be spoken anyway (`None`: none
    /// waits).
    fn flush_deadline(&self) -> Option<Instant> {
        let segmenter = self.segmenter.as_ref()?;
        if segmenter.pending().trim().is_empty() {
            return None;
        }
        let paused = self.last_piece + self.flush_after;
        Some(match self.held_since {
            Some(since) => paused.min(since + self.hold()),
            None => paused,
        })
    }

    /// The longest text waits for its sentence's end while more keeps coming: a few flush
    /// times, and never longer than the idle time (within which text must become speech).
    fn hold(&self) -> Duration {
        let hold = self.flush_after * MAX_HOLD_FLUSHES;
        self.idle.map_or(hold, |idle| hold.min(idle))
    }

    fn take(&mut self, piece: Option<Piece>) {
        let Some(piece) = piece else {
            // The input has ended: the rest is spoken.
            self.close();
            return;
        };
        match piece {
            Piece::Text(text, at) => {
                self.last_piece = at;
                self.held_since.get_or_insert(at);
                if self.words.ended(&text) {
                    self.last_text = at;
                    self.unspoken_since.get_or_insert(at);
                }
                if let Some(segmenter) = self.segmenter.as_mut() {
                    self.pushed += text.chars().count();
                    let cut = segmenter.push(&text);
                    self.segments(cut, at);
                }
            }
            Piece::Flush(at) => {
                self.last_piece = at;
                let cut = self.segmenter.as_mut().and_then(Segmenter::flush);
                self.segments(cut, at);
            }
            Piece::Phonemes(phonemes, at) => {
                self.last_piece = at;
                self.last_text = at;
                let cut = self.segmenter.as_mut().and_then(Segmenter::flush);
                self.segments(cut, at);
                self.ready.push_back(Text::Mark(
                    Item::Phonemes {
                        written: String::new(),
                        phonemes,
                    },
                    at,
                ));
            }
            Piece::Fail(e) => self.fail(e),
        }
    }

    /// Speaks what has arrived up to its last whole word (the writer paused mid-sentence).
    /// Not while a `[` tag is unclosed: half a tag would be read as words. The word still
    /// being written waits, unless its markup already cannot be read (`<speak>Hi</speak>`
    /// on a stream): more text cannot mend an element already written, so the error is
    /// reported now rather than after the idle clock.
    fn flush_words(&mut self) {
        let now = Instant::now();
        let at = self.flush_deadline().map_or(now, |at| at.min(now));
        // Held past the hold time while more kept coming: spoken whatever it holds.
        let overdue = self
            .held_since
            .is_some_and(|since| since + self.hold() <= now);
        self.last_piece = now;
        let tags = self.markup.is_some_and(|m| m.tags);
        let Some(segmenter) = self.segmenter.as_mut() else {
            return;
        };
        let pending = segmenter.pending();
        // A `[` not closed yet may be a tag being written: the text from it waits for the
        // `]`, until it is overdue; then it is text like any other ("the list [ a, b" is
        // read on, not held until the idle clock), or, if it was a tag, the tag's error.
        if tags && !overdue && open_bracket(pending) {
            return;
        }
        let cut = segmenter.flush_words();
        // What stays held is tried again a flush time from now, not at once: the word still
        // being written is released by nothing until more comes.
        if cut.is_none() {
            self.held_since = None;
        }
        self.segments(cut, at);
        // The held word starts the next segment, so its error is the one that segment
        // would give; a `[` open in it may still become a tag.
        let held = match (&self.segmenter, self.markup) {
            (Some(segmenter), Some(options))
                if !(segmenter.pending().trim().is_empty()
                    || tags && open_bracket(segmenter.pending())) =>
            {
                markup::parse_from(segmenter.pending(), options, self.before_pending()).err()
            }
            _ => None,
        };
        if let Some(e) = held {
            self.fail(e);
        }
    }

    /// Characters of the streamed text before what the segmenter holds.
    fn before_pending(&self) -> usize {
        let held = self
            .segmenter
            .as_ref()
            .map_or(0, |s| s.pending().chars().count());
        self.pushed.saturating_sub(held)
    }

    /// The input has ended: what the segmenter holds is the last segment.
    fn close(&mut self) {
        self.pieces = None;
        let rest = self.segmenter.take().and_then(Segmenter::finish);
        self.segments(rest, Instant::now());
    }

    /// The input cannot go on: nothing more is read, and the utterance fails.
    fn fail(&mut self, e: Error) {
        self.pieces = None;
        self.segmenter = None;
        self.ready.push_back(Text::Fail(e));
    }

    /// Cut segments, their markup read (streamed text) into segments and marks. Markup
    /// that cannot be read ends the utterance with the error.
    fn segments(&mut self, cut: impl IntoIterator<Item = Segment>, at: Instant) {
        let cut: Vec<Segment> = cut.into_iter().collect();
        // Where each starts in the whole text: the segments end where what is held begins
        // (a cut of only whitespace, never returned, can only come before them).
        let mut starts = Vec::with_capacity(cut.len());
        let mut end = self.before_pending();
        for segment in cut.iter().rev() {
            end -= segment.text.chars().count().min(end);
            starts.push(end);
        }
        starts.reverse();
        let mut cut = cut.into_iter().zip(starts).peekable();
        // What is still held began to wait no earlier than this cut.
        if cut.peek().is_some() {
            self.held_since = Some(at);
        }
        if self
            .segmenter
            .as_ref()
            .is_none_or(|s| s.pending().trim().is_empty())
        {
            self.held_since = None;
        }
        for (segment, start) in cut {
            let Some(options) = self.markup else {
                self.ready.push_back(Text::Segment(segment, at));
                continue;
            };
            let items = match markup::parse_from(&segment.text, options, start) {
                Ok(items) => items,
                Err(e) => return self.fail(e),
            };
            for item in items {
                self.ready.push_back(match item {
                    Item::Text(text) => Text::Segment(
                        Segment {
                            text,
                            cut: segment.cut,
                        },
                        at,
                    ),
                    mark => Text::Mark(mark, at),
                });
            }
        }
    }
}

/// Whether `text` has a `[` that no `]` after it closes.
fn open_bracket(text: &str) -> bool {
    text.rfind('[') > text.rfind(']')
}

/// The cutter of an utterance's text: its first clause first when the settings say so, and
/// then a long one cut at a phrase when its engine asks.
fn segmenter(settings: &Settings, phrase: Option<FirstPhrase>) -> Segmenter {
    Segmenter::new(settings.first_clause).with_first_phrase(phrase)
}

/// Bytes that arrive in pieces, as text: a character split between two pieces waits for
/// its rest. Bytes that are not UTF-8 are an error, never read as U+FFFD ("replacement
/// character" is no word the writer wrote; a Latin-1 or UTF-16 text would be read as noise).
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    carry: Vec<u8>,
    /// Bytes taken before `carry`: where a bad byte is, for the error.
    taken: usize,
}

impl Utf8Pieces {
    /// The text completed by `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> Result<String> {
        self.carry.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.carry) {
            Ok(s) => s.len(),
            // An incomplete character at the end waits.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(self.not_utf8(e.valid_up_to())),
        };
        let rest = self.carry.split_off(valid);
        let text = std::mem::replace(&mut self.carry, rest);
        self.taken += text.len();
        String::from_utf8(text).map_err(|e| self.not_utf8(e.utf8_error().valid_up_to()))
    }

    /// The end of the text: an error when it ends inside a character.
    pub fn finish(self) -> Result<()> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(self.not_utf8(0))
        }
    }

    /// The error for the byte at `at` of what is carried.
    fn not_utf8(&self, at: usize) -> Error {
        let byte = self.carry.get(at).copied().unwrap_or_default();
        Error::InvalidInput {
            message: format!(
                "the text is not UTF-8 (byte 0x{byte:02X} at byte {} of it); send UTF-8",
                self.taken + at
            ),
            param: None,
        }
    }
}
