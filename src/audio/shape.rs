//! The joins between chunks: each chunk's own leading and trailing silence is trimmed (to a
//! small margin), its edges faded over a few milliseconds so no join clicks, and a pause
//! that fits how the chunk ends is appended, so sentences and clauses are spaced the same
//! whether the model saw them together or apart.

use crate::engine::SAMPLE_RATE;
use crate::text::Boundary;

/// Below this amplitude a sample counts as silence when trimming.
const SILENCE: f32 = 0.003;
/// Silence kept before the first and after the last sound of a chunk.
const MARGIN_MS: u32 = 40;
/// Fade length at each edge.
const FADE_MS: u32 = 4;
/// Pause after a sentence.
const SENTENCE_PAUSE_MS: u32 = 300;
/// Pause after a clause (comma, semicolon, colon, dash).
const CLAUSE_PAUSE_MS: u32 = 150;
/// Pause after a cut between words (a clause too long for one model call).
const WORD_PAUSE_MS: u32 = 20;

fn samples(ms: u32) -> usize {
    (SAMPLE_RATE * ms / 1000) as usize
}

/// One chunk's samples, trimmed, faded and followed by its pause (none after the `last`).
pub fn shape_chunk(mut audio: Vec<f32>, boundary: Boundary, last: bool) -> Vec<f32> {
    let margin = samples(MARGIN_MS);
    let first = audio.iter().position(|s| s.abs() > SILENCE);
    let end = audio.iter().rposition(|s| s.abs() > SILENCE);
    match (first, end) {
        (Some(first), Some(end)) => {
            let stop = (end + 1 + margin).min(audio.len());
            audio.truncate(stop);
            audio.drain(..first.saturating_sub(margin));
        }
        // All silence: keep none of it; the pause below still separates its neighbours.
        _ => audio.clear(),
    }
    fade(&mut audio);
    if !last {
        let pause = match boundary {
            Boundary::Sentence => SENTENCE_PAUSE_MS,
            Boundary::Clause => CLAUSE_PAUSE_MS,
            Boundary::Word => WORD_PAUSE_MS,
        };
        audio.resize(audio.len() + samples(pause), 0.0);
    }
    audio
}

/// Largest `volume_multiplier` accepted: beyond it the soft limiter would do most of the work.
pub const MAX_GAIN: f32 = 4.0;
/// Where the soft limiter starts bending: below it a gain is exactly linear.
const KNEE: f32 = 0.9;

/// Multiplies the samples by `gain`, then bends anything above [`KNEE`] smoothly towards
/// full scale instead of letting it hit the hard clamp of the 16-bit conversion (which would
/// square the waveform off into buzz). The curve is continuous, rises monotonically and
/// never exceeds 1.0.
pub fn apply_gain(audio: &mut [f32], gain: f32) {
    if gain == 1.0 {
        return;
    }
    for s in audio.iter_mut() {
        let x = *s * gain;
        let a = x.abs();
        *s = if a <= KNEE {
            x
        } else {
            let room = 1.0 - KNEE;
            (KNEE + room * ((a - KNEE) / room).tanh()).copysign(x)
        };
    }
}

/// Linear fade-in and fade-out over [`FADE_MS`] at the two ends.
fn fade(audio: &mut [f32]) {
    let n = samples(FADE_MS).min(audio.len() / 2);
    let len = audio.len();
    for i in 0..n {
        let gain = i as f32 / n as f32;
        audio[i] *= gain;
        audio[len - 1 - i] *= gain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| 0.5 * (i as f32 * 0.05).sin() + 0.3)
            .collect()
    }

    #[test]
    fn trims_to_the_margin_and_appends_the_pause() {
        let mut audio = vec![0.0; 24_000];
        audio.extend(tone(2400));
        audio.extend(vec![0.0; 24_000]);
        let shaped = shape_chunk(audio, Boundary::Sentence, false);
        let expected = samples(MARGIN_MS) + 2400 + samples(MARGIN_MS) + samples(SENTENCE_PAUSE_MS);
        assert_eq!(shaped.len(), expected);
    }

    #[test]
    fn edges_start_and_end_at_zero() {
        let shaped = shape_chunk(tone(4800), Boundary::Clause, true);
        assert_eq!(shaped.len(), 4800);
        assert_eq!(shaped[0], 0.0);
        assert!(shaped[shaped.len() - 1].abs() < 0.01);
    }

    #[test]
    fn pauses_follow_the_boundary_and_none_after_the_last() {
        let len = |b, last| shape_chunk(tone(2400), b, last).len();
        assert!(len(Boundary::Sentence, false) > len(Boundary::Clause, false));
        assert!(len(Boundary::Clause, false) > len(Boundary::Word, false));
        assert_eq!(len(Boundary::Sentence, true), 2400);
    }

    #[test]
    fn gain_is_linear_below_the_knee_and_never_clips() {
        let mut quiet = vec![0.1, -0.2, 0.4];
        apply_gain(&mut quiet, 2.0);
        assert_eq!(quiet, vec![0.2, -0.4, 0.8]);
        let mut loud: Vec<f32> = (-100..=100).map(|i| i as f32 / 100.0).collect();
        apply_gain(&mut loud, MAX_GAIN);
        assert!(loud.iter().all(|s| s.abs() <= 1.0), "limited to full scale");
        assert!(
            loud.windows(2).all(|w| w[0] <= w[1]),
            "the curve keeps the waveform's order (no fold-over)"
        );
        let mut half = vec![0.5, -0.5];
        apply_gain(&mut half, 0.5);
        assert_eq!(half, vec![0.25, -0.25]);
    }

    #[test]
    fn silence_only_becomes_just_the_pause() {
        assert_eq!(
            shape_chunk(vec![0.0; 1000], Boundary::Word, false).len(),
            samples(WORD_PAUSE_MS)
        );
        assert!(shape_chunk(Vec::new(), Boundary::Sentence, true).is_empty());
    }
}
