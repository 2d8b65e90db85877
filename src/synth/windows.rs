//! A chunk decoded a window of frames at a time (`--window`), for a first audio after one
//! short window instead of one whole model call: where the windows are cut ([`Cuts`]) and
//! how their samples are joined into the chunk's audio ([`Stitch`]).
//!
//! A window is decoded with context either side (the decoder's convolutions and
//! normalizations see what is around it) and only its own frames are kept; neighbours
//! overlap by a few milliseconds and are cross-faded, and seams fall in the gaps between
//! words (the durations say where), where a join is least audible. Kokoro's harmonic phase
//! is carried from window to window by the engine. What the windows give is trimmed and
//! faded as a whole chunk is ([`crate::audio::shape::trim_counting`]), without waiting for
//! the whole: silence before the first sound is dropped as it comes, silence after the last
//! sound so far is held until more sound comes or the chunk ends.

use std::time::Duration;

use crate::audio::shape;
use crate::engine::{Encoded, Window};

/// Context decoded before a window's frames.
const BEFORE: Duration = Duration::from_millis(200);
/// Context decoded after a later window's frames: a window of a second or more is most of
/// what the decoder normalizes over, so less is needed than for the first.
const AFTER_LATER: Duration = Duration::from_millis(200);
/// Context decoded after the first window's frames: a short window's end sounds as in the
/// whole only when the decoder sees what follows. Measured on Kokoro (a 5.4 s chunk, a first window of
/// 350 ms and the rest in a second; log-spectral distance to the whole decode over the first
/// half second): 400 ms after gave 0.97, 600 ms 0.49, 800 ms 0.39, 1.2 s 0.27 (two decodes
/// of the whole whose inputs differ by one part in 10⁴ are 0.28 apart: the model's int8
/// activations are quantized by each call's range).
const AFTER_FIRST: Duration = Duration::from_millis(600);
/// The most context after the first window: in a long chunk it has more, up to this, as long
/// as its whole span stays within [`FIRST_SHARE`] of the chunk (its normalizations then see
/// more of what the whole's see: the first half second of a 206-id chunk went from 0.76–1.21
/// to 0.30–0.82 in log-spectral distance with a share of 0.3).
const AFTER_FIRST_MOST: Duration = Duration::from_millis(1200);
/// The share of a chunk's frames the first window's span may take with its longer context:
/// the first audio then costs at most about this share of the whole call.
const FIRST_SHARE: f64 = 0.25;
/// Samples either side of a seam that the two windows are cross-faded over.
const CROSS_FADE: Duration = Duration::from_millis(10);

/// The least a position (a phoneme id) lasts at speed 1: Kokoro's durations average 2.3 to 5
/// frames of 25 ms a position over a chunk, the pads included.
const LEAST_PER_ID: Duration = Duration::from_millis(50);

/// Whether a chunk of `ids` at `speed` is surely too short for windows to pay
/// ([`Cuts::pays`]), told before it is encoded: its audio, at the least a position lasts, is
/// under twice what the first window's call decodes. The encoding of such a chunk would be
/// wasted (a whole call encodes again): 20–35 ms of a short opener's first audio here.
pub(super) fn surely_short(ids: usize, speed: f32, first: Duration) -> bool {
    let least = LEAST_PER_ID.mul_f64(ids as f64 / f64::from(speed.max(f32::EPSILON)));
    least < (first + AFTER_FIRST) * 2
}

/// Where the windows of one encoded chunk are cut, in order.
pub(super) struct Cuts {
    frames: usize,
    /// Frames where a word meets the next (the middle of a space or a mark between them).
    gaps: Vec<usize>,
    /// Where speech starts (the end of the leading pad): the first window's length is
    /// counted from here.
    speech: usize,
    /// The next window's first frame.
    next: usize,
    /// Samples a frame, and a second.
    frame_samples: usize,
    rate: u32,
    before: usize,
    /// After the first window (at least, at most), after the later ones.
    after: (usize, usize, usize),
}

impl Cuts {
    /// The cuts of `encoded`, whose ids are silent (a space, a mark) where `silent` says.
    pub(super) fn new(encoded: &Encoded, silent: impl Fn(usize) -> bool, rate: u32) -> Self {
        // Position p + 1 is id p (position 0 is the leading pad); its frames are
        // ends[p]..ends[p + 1].
        let ends = &encoded.ends;
        let gaps = (0..ends.len().saturating_sub(2))
            .filter(|&p| silent(p))
            .map(|p| (ends[p] + ends[p + 1]) / 2)
            .collect();
        let mut cuts = Cuts {
            frames: encoded.frames,
            gaps,
            speech: ends.first().copied().unwrap_or(0).min(encoded.frames),
            next: 0,
            frame_samples: encoded.frame_samples,
            rate,
            before: 0,
            after: (0, 0, 0),
        };
        cuts.before = cuts.frames_of(BEFORE);
        cuts.after = (
            cuts.frames_of(AFTER_FIRST),
            cuts.frames_of(AFTER_FIRST_MOST),
            cuts.frames_of(AFTER_LATER),
        );
        cuts
    }

    /// Frames of `length` of audio (at least one).
    pub(super) fn frames_of(&self, length: Duration) -> usize {
        // In whole numbers: 250 ms at 24 kHz is 10 frames of 600, not 10.000000000000002.
        let samples = length.as_nanos() * u128::from(self.rate);
        let frame = 1_000_000_000 * self.frame_samples.max(1) as u128;
        usize::try_from(samples.div_ceil(frame))
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// Whether windows bring a first window of `first` frames sooner than one whole call
    /// would: its call (from where speech starts, with the least context after it) decodes
    /// less than half the chunk's frames. A short chunk ("Hello there!") is one short call
    /// either way, and its windows would only add their context and seams.
    pub(super) fn pays(&self, first: usize) -> bool {
        (self.speech + first + self.after.0) * 2 < self.frames
    }

    /// Frames of context decoded with a later window besides its own.
    pub(super) fn context(&self) -> usize {
        self.before + self.after.2
    }

    /// The next window, about `want` frames long (the first counted from where speech
    /// starts), its end moved to the nearest gap between words within a third of its
    /// length; the rest of the chunk when less than half as much again would be left.
    /// `None` once the chunk is all decoded.
    pub(super) fn next(&mut self, want: usize) -> Option<Window> {
        let start = self.next;
        if start >= self.frames {
            return None;
        }
        let want = want.max(1);
        let from = if start == 0 { self.speech } else { start };
        let aim = from + want;
        let reach = (want / 3).max(1);
        let end = self
            .gaps
            .iter()
            .copied()
            .filter(|&g| g > start && g.abs_diff(aim) <= reach)
            .min_by_key(|&g| g.abs_diff(aim))
            .unwrap_or(aim);
        let end = if end + want / 2 >= self.frames {
            self.frames
        } else {
            end
        };
        self.next = end;
        Some(Window {
            start,
            end,
            before: self.before,
            after: if start == 0 {
                let (least, most, _) = self.after;
                let share = (self.frames as f64 * FIRST_SHARE) as usize;
                share.saturating_sub(end).clamp(least, most)
            } else {
                self.after.2
            },
        })
    }
}

/// Joins a chunk's windows into its audio, trimmed and faded as
/// [`shape::trim_counting`] does a whole chunk, giving out what is final as it comes.
pub(super) struct Stitch {
    frame: usize,
    cross_fade: usize,
    /// The last window's samples past its end, to cross-fade with the next one's first.
    overlap: Vec<f32>,
    /// Whether a sound has come (before it, silence is dropped but for the margin).
    started: bool,
    /// Silence before the first sound, at most the margin kept.
    lead: Vec<f32>,
    /// Samples dropped before the first sound's margin (word times shift by as much).
    trimmed: usize,
    /// Silence after the last sound so far: given out when more sound comes, trimmed to the
    /// margin at the end.
    quiet: Vec<f32>,
    /// Samples given out.
    given: usize,
    margin: usize,
    fade: usize,
}

impl Stitch {
    pub(super) fn new(frame_samples: usize, rate: u32) -> Self {
        Stitch {
            frame: frame_samples,
            cross_fade: (CROSS_FADE.as_secs_f64() * f64::from(rate)).round() as usize,
            overlap: Vec::new(),
            started: false,
            lead: Vec::new(),
            trimmed: 0,
            quiet: Vec::new(),
            given: 0,
            margin: shape::samples(shape::MARGIN_MS, rate),
            fade: shape::samples(shape::FADE_MS, rate),
        }
    }

    /// A window's samples (its span's, context and all, as the engine decoded them) in; the
    /// audio that is final out.
    pub(super) fn push(&mut self, window: Window, frames: usize, decoded: &[f32]) -> Vec<f32> {
        let span = window.span(frames);
        let last = window.end >= frames;
        let half = self.cross_fade / 2;
        // Its own frames, with half the cross-fade either side where it has a neighbour.
        let from = (window.start - span.start) * self.frame;
        let from = if window.start > 0 {
            from.saturating_sub(half)
        } else {
            from
        };
        let to = (window.end - span.start) * self.frame;
        let to = if last { decoded.len() } else { to + half };
        let mut own = decoded[from.min(decoded.len())..to.min(decoded.len())].to_vec();
        let overlap = std::mem::take(&mut self.overlap);
        let n = overlap.len().min(own.len());
        for (i, (mine, theirs)) in own.iter_mut().zip(&overlap).take(n).enumerate() {
            // Raised cosine: the two gains add up to one.
            let gain = 0.5 - 0.5 * (std::f32::consts::PI * (i as f32 + 0.5) / n as f32).cos();
            *mine = *mine * gain + theirs * (1.0 - gain);
        }
        if !last {
            let keep = own.len().saturating_sub(half * 2);
            self.overlap = own.split_off(keep);
        }
        self.give(own)
    }

    /// The chunk's last audio (the margin after its last sound, faded out).
    pub(super) fn finish(&mut self) -> Vec<f32> {
        let mut tail = std::mem::take(&mut self.overlap);
        if !self.started {
            self.trimmed += self.lead.len() + tail.len();
            self.lead.clear();
            return Vec::new();
        }
        let mut quiet = std::mem::take(&mut self.quiet);
        quiet.append(&mut tail);
        quiet.truncate(self.margin);
        let n = self.fade.min(quiet.len());
        shape::fade_out(&mut quiet, n);
        self.given += quiet.len();
        quiet
    }

    /// Samples dropped before the first sound.
    pub(super) fn trimmed(&self) -> usize {
        self.trimmed
    }

    /// Samples given out: the chunk's own audio so far.
    pub(super) fn given(&self) -> usize {
        self.given
    }

    /// Raw samples of the chunk in order; what is final out.
    fn give(&mut self, raw: Vec<f32>) -> Vec<f32> {
        let mut out = if self.started {
            raw
        } else {
            let Some(first) = raw.iter().position(shape::sounds) else {
                self.lead.extend(raw);
                self.keep_margin();
                return Vec::new();
            };
            self.lead.extend_from_slice(&raw[..first]);
            self.keep_margin();
            self.started = true;
            let mut out = std::mem::take(&mut self.lead);
            out.extend_from_slice(&raw[first..]);
            let n = self.fade.min(out.len() / 2);
            shape::fade_in(&mut out, n);
            out
        };
        let Some(last) = out.iter().rposition(shape::sounds) else {
            self.quiet.append(&mut out);
            return Vec::new();
        };
        let rest = out.split_off(last + 1);
        let mut given = std::mem::replace(&mut self.quiet, rest);
        given.append(&mut out);
        self.given += given.len();
        given
    }

    /// Drops the leading silence but for the margin before the first sound.
    fn keep_margin(&mut self) {
        let extra = self.lead.len().saturating_sub(self.margin);
        self.lead.drain(..extra);
        self.trimmed += extra;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 24_000;
    const FRAME: usize = 600;

    fn encoded(frames: usize, ends: Vec<usize>) -> Encoded {
        Encoded {
            frames,
            frame_samples: FRAME,
            ends,
            durations: None,
            state: Box::new(()),
        }
    }

    /// Silence, a tone, a pause, a tone, silence: a chunk as a model makes it.
    fn chunk() -> Vec<f32> {
        let tone = |n: usize, f: f32| -> Vec<f32> {
            (0..n)
                .map(|i| 0.4 * (std::f32::consts::TAU * f * i as f32 / RATE as f32).sin())
                .collect()
        };
        [
            vec![0.0; 7_000],
            tone(30_000, 220.0),
            vec![0.0; 5_000],
            tone(20_000, 330.0),
            vec![0.0; 10_000],
        ]
        .concat()
    }

    /// Windows of a chunk whose every window is decoded exactly, stitched: the chunk trimmed
    /// and faded as a whole chunk is, to the sample, wherever the seams fall.
    #[test]
    fn stitched_windows_are_the_whole_chunk_trimmed() {
        let mut whole = chunk();
        whole.resize(whole.len().div_ceil(FRAME) * FRAME, 0.0);
        let frames = whole.len() / FRAME;
        let (want, trimmed) = shape::trim_counting(whole.clone(), RATE);
        for first in [1, 5, 12, 40] {
            let mut cuts = Cuts::new(&encoded(frames, vec![10, frames]), |_| false, RATE);
            let mut stitch = Stitch::new(FRAME, RATE);
            let mut got = Vec::new();
            let mut size = cuts.frames_of(Duration::from_millis(first * 25));
            let mut windows = 0;
            while let Some(window) = cuts.next(size) {
                let span = window.span(frames);
                got.extend(stitch.push(
                    window,
                    frames,
                    &whole[span.start * FRAME..span.end * FRAME],
                ));
                if window.end == frames {
                    got.extend(stitch.finish());
                }
                windows += 1;
                size *= 2;
            }
            assert!(windows >= 2, "{windows} windows");
            assert_eq!(got.len(), want.len(), "first window {first}");
            let worst = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-6, "first window {first}: differs by {worst}");
            assert_eq!(stitch.trimmed(), trimmed);
            assert_eq!(stitch.given(), want.len());
        }
    }

    /// Windows pay only where the first window's call decodes less than half the chunk:
    /// told exactly from the frames once encoded, and before that from the ids, where a chunk
    /// is surely too short.
    #[test]
    fn windows_only_where_the_first_calls_less_than_half_the_chunk() {
        let first = Duration::from_millis(250);
        // Speech from frame 8; the first window 10 frames and at least 24 after it.
        let pays = |frames| {
            let cuts = Cuts::new(&encoded(frames, vec![8, frames]), |_| false, RATE);
            cuts.pays(cuts.frames_of(first))
        };
        assert!(!pays(60), "a 1.5 s chunk");
        assert!(!pays(84));
        assert!(pays(85));
        assert!(pays(484), "a 12 s chunk");
        // 50 ms a position at the least: under 1.7 s (twice 250 + 600 ms) is surely short.
        assert!(surely_short(12, 1.0, first), "Hello there!");
        assert!(surely_short(33, 1.0, first));
        assert!(!surely_short(34, 1.0, first));
        assert!(!surely_short(20, 0.5, first), "slower speech lasts longer");
        assert!(surely_short(60, 2.0, first), "faster shorter");
    }

    /// A chunk all silence gives nothing, and all of it counts as trimmed.
    #[test]
    fn a_silent_chunk_gives_nothing() {
        let frames = 20;
        let mut cuts = Cuts::new(&encoded(frames, vec![2, frames]), |_| false, RATE);
        let mut stitch = Stitch::new(FRAME, RATE);
        let mut got = Vec::new();
        while let Some(window) = cuts.next(4) {
            let span = window.span(frames);
            got.extend(stitch.push(window, frames, &vec![0.0; span.len() * FRAME]));
        }
        got.extend(stitch.finish());
        assert!(got.is_empty());
        assert_eq!(stitch.trimmed(), frames * FRAME);
    }

    /// Seams move to the gap between words nearest where they were aimed (within a third
    /// of the window), the first window counts from where speech starts, and the last takes
    /// the rest rather than leave a sliver.
    #[test]
    fn seams_fall_between_words() {
        // Positions: the pad (to frame 6), then ids ending at 10, 14 (a space: 14..18),
        // 18, 30, 34 (a space: 34..38), 38, 60, then the trailing pad to 64.
        let ends = vec![6, 10, 14, 18, 30, 34, 38, 60, 64];
        let silent = |p: usize| p == 2 || p == 5;
        let mut cuts = Cuts::new(&encoded(64, ends), silent, RATE);
        // Aimed at 6 + 10 = 16; the gap in the space 14..18 is at 16.
        let first = cuts.next(10).map(|w| (w.start, w.end));
        assert_eq!(first, Some((0, 16)));
        // Aimed at 16 + 18 = 34; the gap 34..38 is at 36, within 6.
        let second = cuts.next(18).map(|w| (w.start, w.end));
        assert_eq!(second, Some((16, 36)));
        // 36 + 20 = 56 would leave 8 frames, less than half of 20: the rest.
        let third = cuts.next(20).map(|w| (w.start, w.end));
        assert_eq!(third, Some((36, 64)));
        assert_eq!(cuts.next(20), None);
    }
}
