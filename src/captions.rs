//! Word times: when each word the user wrote is spoken, from the durations the model
//! predicts for its ids, placed where the audio actually sent has them (after each chunk's
//! trimmed silence, the pauses between chunks, the chunks before), and caption files
//! (WebVTT, SubRip) made of them.
//!
//! Each id of a chunk knows its caption word (`Chunk::words`, from the alignment of the
//! spoken words to the written ones); a word spans its ids' durations. A word that runs on
//! into the next chunk (a chunk cut inside a group such as "$23.50") is kept open and
//! given out once it is complete, so each word comes once, in order. A written word the
//! G2P made no sound of (a word of a script the language cannot read) still comes, in its
//! place, with no length: captions keep one entry per written word whatever G2P made of it.

use serde::Serialize;

/// A word the user wrote, and when it is spoken: seconds from the start of the audio.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WordTime {
    pub word: String,
    pub start: f64,
    pub end: f64,
    /// The caption cue it is in, counted from 0: the words of one cue are one cue of
    /// `/v1/audio/captions` for the same audio, so a client that was sent the words can make
    /// that file without a rule of its own.
    pub cue: u32,
}

/// Where a chunk's model output lands in the utterance's audio.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Samples of the utterance before this chunk's own (pauses before it included).
    pub offset: usize,
    /// Samples the trimming took off the front of the model's output.
    pub trimmed: usize,
    /// Samples of this chunk's own audio after trimming.
    pub len: usize,
    pub sample_rate: u32,
}

/// Turns chunks' durations into word times, across an utterance.
#[derive(Debug, Default)]
pub struct Timeline {
    /// The word still being spoken at the end of the last chunk: its index, start, end.
    open: Option<(u32, f64, f64)>,
    cues: Cues,
    /// The caption word after the last one given out or opened: any word from here to the
    /// next one spoken had no sound, and is given out where it stood.
    next: u32,
    /// Where the last word spoken ends, in seconds.
    last_end: f64,
    /// Whether any chunk came with its durations (an engine without them times no word).
    timed: bool,
}

impl Timeline {
    /// The words a chunk completes. `words` is the chunk's caption word per id,
    /// `durations` the model's samples per position (the leading pad, each id, the trailing
    /// pad), `next` the caption word the following chunk starts with, and `caption` the
    /// text of a caption word.
    pub fn chunk<'a>(
        &mut self,
        words: &[Option<u32>],
        durations: &[u32],
        at: Placement,
        next: Option<u32>,
        caption: impl Fn(u32) -> Option<&'a str>,
    ) -> Vec<WordTime> {
        let mut done = Vec::new();
        if durations.len() != words.len() + 2 {
            return done;
        }
        self.timed = true;
        let rate = f64::from(at.sample_rate);
        let begin = at.offset as f64 / rate;
        let end_of_chunk = (at.offset + at.len) as f64 / rate;
        let place = |sample: u64| {
            let inside = sample as f64 - at.trimmed as f64;
            (begin + inside / rate).clamp(begin, end_of_chunk)
        };
        let mut position = u64::from(durations[0]);
        for (word, &d) in words.iter().zip(&durations[1..]) {
            let (start, end) = (place(position), place(position + u64::from(d)));
            position += u64::from(d);
            let Some(word) = *word else { continue };
            self.last_end = end;
            self.open = match self.open.take() {
                Some((open, s, _)) if open == word => Some((open, s, end)),
                Some(finished) => {
                    done.extend(self.cues.entry(finished, &caption));
                    self.silent_until(word, start, &caption, &mut done);
                    Some((word, start, end))
                }
                None => {
                    self.silent_until(word, start, &caption, &mut done);
                    Some((word, start, end))
                }
            };
        }
        // The last word is complete unless the next chunk goes on with it.
        if let Some(open) = self.open
            && next != Some(open.0)
        {
            done.extend(self.cues.entry(open, &caption));
            self.open = None;
        }
        done
    }

    /// The word still open at the end of the utterance, and the words after the last one
    /// spoken that had no sound.
    pub fn finish<'a>(&mut self, caption: impl Fn(u32) -> Option<&'a str>) -> Vec<WordTime> {
        let mut done = Vec::new();
        if let Some(open) = self.open.take() {
            done.extend(self.cues.entry(open, &caption));
        }
        let end = self.last_end;
        while let Some(word) = caption(self.next).filter(|_| self.timed) {
            if readable(word) {
                done.extend(self.cues.entry((self.next, end, end), &caption));
            }
            self.next += 1;
        }
        done
    }

    /// Gives out the words before `word` that had no sound, each at `at` with no length, and
    /// moves past `word`.
    fn silent_until<'a>(
        &mut self,
        word: u32,
        at: f64,
        caption: &impl Fn(u32) -> Option<&'a str>,
        done: &mut Vec<WordTime>,
    ) {
        for silent in self.next..word {
            if caption(silent).is_some_and(readable) {
                done.extend(self.cues.entry((silent, at, at), caption));
            }
        }
        self.next = self.next.max(word + 1);
    }
}

/// Whether a caption word is one the G2P could have read (letters, digits, radicals):
/// punctuation standing alone (after a `<sub>`, say) is no word, sound or not.
fn readable(word: &str) -> bool {
    word.chars().any(crate::language::is_word_char)
}

/// The most words in one caption cue, and the longest a cue stays up.
const CUE_WORDS: usize = 7;
const CUE_SECONDS: f64 = 3.5;

/// Words grouped into caption cues as they are complete, in order: a cue ends at a
/// sentence's end (not an abbreviation's period), after [`CUE_WORDS`] words, or once it has
/// been up [`CUE_SECONDS`].
#[derive(Debug, Default)]
struct Cues {
    /// The cue under way.
    index: u32,
    /// Its words so far, and when its first one starts.
    words: usize,
    start: f64,
}

impl Cues {
    /// The caption word `word` spoken from `start` to `end`, in its cue.
    fn entry<'a>(
        &mut self,
        (word, start, end): (u32, f64, f64),
        caption: &impl Fn(u32) -> Option<&'a str>,
    ) -> Option<WordTime> {
        let word = caption(word)?.to_owned();
        let (start, end) = (round_ms(start), round_ms(end));
        if self.words == 0 {
            self.start = start;
        }
        self.words += 1;
        let cue = self.index;
        // An abbreviation's period ("Mr.", "e.g.", an initial) does not end a sentence,
        // as the splitter reads it.
        let ends_sentence = word.ends_with(['.', '!', '?', '。', '！', '？'])
            && !crate::text::split::ends_with_abbreviation(&word);
        if ends_sentence || self.words >= CUE_WORDS || end - self.start >= CUE_SECONDS {
            self.index += 1;
            self.words = 0;
        }
        Some(WordTime {
            word,
            start,
            end,
            cue,
        })
    }
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// A caption file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFormat {
    /// WebVTT (browsers' `<track>`).
    Vtt,
    /// SubRip.
    Srt,
}

impl CaptionFormat {
    pub const ALL: &[CaptionFormat] = &[CaptionFormat::Vtt, CaptionFormat::Srt];

    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "vtt" | "webvtt" => Some(CaptionFormat::Vtt),
            "srt" => Some(CaptionFormat::Srt),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            CaptionFormat::Vtt => "text/vtt; charset=utf-8",
            CaptionFormat::Srt => "application/x-subrip; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            CaptionFormat::Vtt => "vtt",
            CaptionFormat::Srt => "srt",
        }
    }
}

/// A caption file of `words`: a cue for each run of words with the same [`WordTime::cue`].
pub fn caption_file(words: &[WordTime], format: CaptionFormat) -> String {
    let lines = words.chunk_by(|a, b| a.cue == b.cue);
    let mut out = String::new();
    if format == CaptionFormat::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (n, line) in lines.enumerate() {
        let (Some(first), Some(last)) = (line.first(), line.last()) else {
            continue;
        };
        if format == CaptionFormat::Srt {
            out.push_str(&format!("{}\n", n + 1));
        }
        let text: Vec<&str> = line.iter().map(|w| w.word.as_str()).collect();
        let text = cue_text(&text.join(" "), format);
        out.push_str(&format!(
            "{} --> {}\n{}\n\n",
            timestamp(first.start, format),
            timestamp(last.end, format),
            text
        ));
    }
    out
}

/// Written words made safe as a cue's text, so that nothing the user wrote is read as the
/// file's own syntax. WebVTT's cue text is markup: `&`, `<` and `>` become entities (which
/// also keeps `-->`, a timing line's arrow, out of it, as the format requires). SubRip has no
/// escapes, and players read `<b>`, `<i>`, `<font>` in it as formatting and a line holding
/// `-->` as a timing line: angle brackets become the single guillemets that look like them,
/// and curly brackets the full-width ones (ffmpeg, libass and VLC read ASS override tags,
/// `{\an8}` to move a cue, `{\b1}` for bold, in SubRip too).
/// Either way a cue's text is one line (words hold no line breaks, and other control
/// characters become spaces), so no blank line can end a cue early.
fn cue_text(text: &str, format: CaptionFormat) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match (format, c) {
            (_, c) if c.is_control() => out.push(' '),
            (CaptionFormat::Vtt, '&') => out.push_str("&amp;"),
            (CaptionFormat::Vtt, '<') => out.push_str("&lt;"),
            (CaptionFormat::Vtt, '>') => out.push_str("&gt;"),
            (CaptionFormat::Srt, '<') => out.push('‹'),
            (CaptionFormat::Srt, '>') => out.push('›'),
            (CaptionFormat::Srt, '{') => out.push('｛'),
            (CaptionFormat::Srt, '}') => out.push('｝'),
            (_, c) => out.push(c),
        }
    }
    out
}

/// `00:01:02.345` (WebVTT) or `00:01:02,345` (SubRip).
fn timestamp(seconds: f64, format: CaptionFormat) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let sep = if format == CaptionFormat::Vtt {
        '.'
    } else {
        ','
    };
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 1000;

    fn caption(i: u32) -> Option<&'static str> {
        ["Hello,", "$23.50", "friend."].get(i as usize).copied()
    }

    #[test]
    fn words_span_their_ids_and_land_where_the_audio_is() {
        let mut t = Timeline::default();
        // pad 100, "hello" ids 50+50, space 10, "$23.50" 200, pad 40; 60 trimmed off the
        // front, the chunk placed after 1000 samples of earlier audio.
        let words = [Some(0), Some(0), None, Some(1)];
        let durations = [100, 50, 50, 10, 200, 40];
        let at = Placement {
            offset: 1000,
            trimmed: 60,
            len: 390,
            sample_rate: RATE,
        };
        let got = t.chunk(&words, &durations, at, Some(1), caption);
        // "$23.50" goes on in the next chunk: only "Hello," is complete.
        assert_eq!(
            got,
            vec![WordTime {
                word: "Hello,".into(),
                start: 1.04,
                end: 1.14,
                cue: 0,
            }]
        );
        let next = Placement {
            offset: 1390,
            trimmed: 0,
            len: 300,
            sample_rate: RATE,
        };
        let got = t.chunk(&[Some(1), Some(2)], &[0, 100, 100, 0], next, None, caption);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].word, "$23.50");
        assert_eq!((got[0].start, got[0].end), (1.15, 1.49));
        assert_eq!(got[1].word, "friend.");
        assert!(t.finish(caption).is_empty());
        assert_eq!([got[0].cue, got[1].cue], [0, 0], "one sentence, one cue");
    }

    /// Words through a timeline, one chunk each: `(text, start, end)`.
    fn timed(words: &[(&'static str, f64, f64)]) -> Vec<WordTime> {
        let mut t = Timeline::default();
        let text = |i: u32| words.get(i as usize).map(|w| w.0);
        let mut out = Vec::new();
        for (i, &(_, start, end)) in words.iter().enumerate() {
            let at = Placement {
                offset: (start * f64::from(RATE)) as usize,
                trimmed: 0,
                len: ((end - start) * f64::from(RATE)) as usize,
                sample_rate: RATE,
            };
            let len = at.len as u32;
            out.extend(t.chunk(&[Some(i as u32)], &[0, len, 0], at, None, text));
        }
        out
    }

    #[test]
    fn a_cue_ends_at_a_sentence_after_seven_words_or_after_three_and_a_half_seconds() {
        let cues = |words: &[(&'static str, f64, f64)]| -> Vec<u32> {
            timed(words).iter().map(|w| w.cue).collect()
        };
        // A sentence's end (Chinese and Japanese ones too).
        let said = [("One", 0.0, 0.5), ("two.", 0.5, 1.0), ("Three", 1.0, 1.5)];
        assert_eq!(cues(&said), [0, 0, 1]);
        let said = [("一。", 0.0, 0.5), ("二", 0.5, 1.0)];
        assert_eq!(cues(&said), [0, 1]);
        // Not at an abbreviation's period or an initial.
        let said = [
            ("Mr.", 0.0, 0.3),
            ("J.", 0.3, 0.6),
            ("Smith", 0.6, 1.0),
            ("left,", 1.0, 1.4),
            ("e.g.", 1.4, 1.8),
            ("early.", 1.8, 2.2),
            ("Then", 2.2, 2.5),
        ];
        assert_eq!(cues(&said), [0, 0, 0, 0, 0, 0, 1]);
        // Seven words.
        let words: Vec<_> = (0..9)
            .map(|i| ("w", f64::from(i) * 0.1, f64::from(i) * 0.1 + 0.1))
            .collect();
        assert_eq!(cues(&words), [0, 0, 0, 0, 0, 0, 0, 1, 1]);
        // Up 3.5 s: the word that reaches it is the cue's last.
        let slow = [
            ("a", 0.0, 1.0),
            ("b", 1.0, 2.4),
            ("c", 2.4, 3.5),
            ("d", 3.5, 4.0),
        ];
        assert_eq!(cues(&slow), [0, 0, 0, 1]);
    }

    #[test]
    fn caption_files_have_a_cue_per_cue_index() {
        let words: Vec<WordTime> = [("One", 0), ("two.", 0), ("Three", 1)]
            .iter()
            .enumerate()
            .map(|(i, &(w, cue))| WordTime {
                word: w.into(),
                start: i as f64,
                end: i as f64 + 0.5,
                cue,
            })
            .collect();
        let vtt = caption_file(&words, CaptionFormat::Vtt);
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nOne two.\n\n00:00:02.000 --> 00:00:02.500\nThree\n\n"
        );
        let srt = caption_file(&words, CaptionFormat::Srt);
        assert!(srt.starts_with("1\n00:00:00,000 --> 00:00:01,500\nOne two.\n\n2\n"));
    }

    #[test]
    fn webvtt_cue_text_is_escaped() {
        let words = vec![WordTime {
            word: "R&D<3>".into(),
            start: 0.0,
            end: 0.5,
            cue: 0,
        }];
        assert!(caption_file(&words, CaptionFormat::Vtt).contains("\nR&amp;D&lt;3&gt;\n"));
        assert!(caption_file(&words, CaptionFormat::Srt).contains("\nR&D‹3›\n"));
    }

    #[test]
    fn written_text_never_becomes_the_files_syntax() {
        // What a user might write to forge a cue: a timing line and a tag.
        let words: Vec<WordTime> = [
            "Hi",
            "00:00:05,000",
            "-->",
            "00:00:09,000",
            "<b>evil</b>",
            "{\\an8}{\\b1}top{\\b0}",
        ]
        .iter()
        .enumerate()
        .map(|(i, w)| WordTime {
            word: (*w).into(),
            start: i as f64 * 0.2,
            end: i as f64 * 0.2 + 0.1,
            cue: 0,
        })
        .collect();
        for format in [CaptionFormat::Srt, CaptionFormat::Vtt] {
            let file = caption_file(&words, format);
            // One cue: its number (SubRip), one timing line, one line of text.
            let timing: Vec<&str> = file.lines().filter(|l| l.contains("-->")).collect();
            assert_eq!(timing.len(), 1, "{format:?}: {file}");
            assert!(!file.contains("<b>"), "{format:?}: {file}");
            if format == CaptionFormat::Srt {
                assert!(!file.contains('{') && !file.contains('}'), "{file}");
                assert!(file.contains("｛\\an8｝｛\\b1｝top｛\\b0｝"), "{file}");
            }
            let cues: Vec<&str> = file.trim_end().split("\n\n").collect();
            let last = cues.last().copied().unwrap_or_default();
            assert_eq!(
                last.lines().count(),
                2 + usize::from(format == CaptionFormat::Srt)
            );
        }
    }

    #[test]
    fn a_word_with_no_sound_keeps_its_place() {
        // "The Русский cat": the G2P gave nothing for word 1, so no id belongs to it.
        let captions = ["The", "Русский", "cat", "mat."];
        let caption = |i: u32| captions.get(i as usize).copied();
        let mut t = Timeline::default();
        let at = Placement {
            offset: 0,
            trimmed: 0,
            len: 400,
            sample_rate: RATE,
        };
        let got = t.chunk(
            &[Some(0), None, Some(2)],
            &[0, 100, 10, 100, 0],
            at,
            None,
            caption,
        );
        let words: Vec<&str> = got.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words, ["The", "Русский", "cat"]);
        assert_eq!((got[1].start, got[1].end), (0.11, 0.11));
        // A silent last word still comes, at the end.
        let rest = t.finish(caption);
        assert_eq!(rest.len(), 1);
        assert_eq!((rest[0].word.as_str(), rest[0].start), ("mat.", 0.21));
    }
}
