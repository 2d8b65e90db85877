//! The joins between chunks: each chunk's own leading and trailing silence is trimmed (to a
//! small margin) and its edges faded over a few milliseconds so no join clicks ([`trim`]),
//! and a pause that fits how the chunk ends goes between it and the next ([`pause`]), so
//! sentences and clauses are spaced the same whether the model saw them together or apart.

use crate::text::Boundary;

/// Silence that, with the margins kept at `edges` chunk edges around it (0, 1 or 2), makes
/// a gap of `length`: what a pause the input asks for becomes.
pub fn silence(length: std::time::Duration, edges: usize, rate: u32) -> Vec<f32> {
    let total = (length.as_secs_f64() * f64::from(rate)).round() as usize;
    vec![0.0; total.saturating_sub(edges * samples(MARGIN_MS, rate))]
}

/// Below this amplitude a sample counts as silence when trimming.
const SILENCE: f32 = 0.003;
/// Silence kept before the first and after the last sound of a chunk.
pub(crate) const MARGIN_MS: u32 = 40;
/// Fade length at each edge.
pub(crate) const FADE_MS: u32 = 4;
/// Pause after a sentence.
const SENTENCE_PAUSE_MS: u32 = 300;
/// Pause after a clause (comma, semicolon, colon, dash).
const CLAUSE_PAUSE_MS: u32 = 150;
/// Pause after a cut between words (a clause too long for one model call).
const WORD_PAUSE_MS: u32 = 20;

pub(crate) fn samples(ms: u32, rate: u32) -> usize {
    (u64::from(rate) * u64::from(ms) / 1000) as usize
}

/// One chunk's samples (at `rate`), trimmed and faded.
pub fn trim(audio: Vec<f32>, rate: u32) -> Vec<f32> {
    trim_counting(audio, rate).0
}

/// [`trim`], and how many samples it took off the front (word times shift by as much).
pub fn trim_counting(mut audio: Vec<f32>, rate: u32) -> (Vec<f32>, usize) {
    let kept = kept(&audio, rate);
    audio.truncate(kept.end);
    audio.drain(..kept.start);
    fade(&mut audio, samples(FADE_MS, rate));
    (audio, kept.start)
}

/// The samples of a chunk that [`trim`] keeps: from a margin before its first sound to a
/// margin after its last; an empty range at the end when it is all silence (the pause
/// after it still separates its neighbours). The model pads a short input with much more
/// silence than a long one, so this, not the raw length, is the audio a call made.
pub fn kept(audio: &[f32], rate: u32) -> std::ops::Range<usize> {
    let margin = samples(MARGIN_MS, rate);
    let first = audio.iter().position(sounds);
    let last = audio.iter().rposition(sounds);
    match (first, last) {
        (Some(first), Some(last)) => {
            first.saturating_sub(margin)..(last + 1 + margin).min(audio.len())
        }
        _ => audio.len()..audio.len(),
    }
}

/// The silence between a chunk that ends on `boundary` and the next.
pub fn pause(boundary: Boundary, rate: u32) -> Vec<f32> {
    let ms = match boundary {
        Boundary::Sentence => SENTENCE_PAUSE_MS,
        Boundary::Clause => CLAUSE_PAUSE_MS,
        Boundary::Word => WORD_PAUSE_MS,
    };
    vec![0.0; samples(ms, rate)]
}

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

/// Whether a sample is sound rather than silence, for trimming.
pub(crate) fn sounds(sample: &f32) -> bool {
    sample.abs() > SILENCE
}

/// Linear fade-in and fade-out over `n` samples at the two ends.
fn fade(audio: &mut [f32], n: usize) {
    let n = n.min(audio.len() / 2);
    fade_in(audio, n);
    fade_out(audio, n);
}

/// A linear fade-in over the first `n` samples.
pub(crate) fn fade_in(audio: &mut [f32], n: usize) {
    for (i, s) in audio.iter_mut().take(n).enumerate() {
        *s *= i as f32 / n as f32;
    }
}

/// A linear fade-out over the last `n` samples.
pub(crate) fn fade_out(audio: &mut [f32], n: usize) {
    for (i, s) in audio.iter_mut().rev().take(n).enumerate() {
        *s *= i as f32 / n as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 24_000;

    fn tone(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| 0.5 * (i as f32 * 0.05).sin() + 0.3)
            .collect()
    }

    #[test]
    fn trims_to_the_margin() {
        let mut audio = vec![0.0; 24_000];
        audio.extend(tone(2400));
        audio.extend(vec![0.0; 24_000]);
        let trimmed = trim(audio, RATE);
        assert_eq!(trimmed.len(), samples(MARGIN_MS, RATE) * 2 + 2400);
        // The margin follows the rate.
        let mut audio = vec![0.0; 16_000];
        audio.extend(tone(1600));
        assert_eq!(trim(audio, 16_000).len(), samples(MARGIN_MS, 16_000) + 1600);
    }

    #[test]
    fn edges_start_and_end_at_zero() {
        let shaped = trim(tone(4800), RATE);
        assert_eq!(shaped.len(), 4800);
        assert_eq!(shaped[0], 0.0);
        assert!(shaped[shaped.len() - 1].abs() < 0.01);
    }

    #[test]
    fn pauses_follow_the_boundary() {
        let len = |b| pause(b, RATE).len();
        assert_eq!(len(Boundary::Sentence), 7200);
        assert!(len(Boundary::Sentence) > len(Boundary::Clause));
        assert!(len(Boundary::Clause) > len(Boundary::Word));
        assert_eq!(pause(Boundary::Sentence, 16_000).len(), 4800);
    }

    #[test]
    fn gain_is_linear_below_the_knee_and_never_clips() {
        let mut quiet = vec![0.1, -0.2, 0.4];
        apply_gain(&mut quiet, 2.0);
        assert_eq!(quiet, vec![0.2, -0.4, 0.8]);
        let mut loud: Vec<f32> = (-100..=100).map(|i| i as f32 / 100.0).collect();
        apply_gain(&mut loud, 4.0);
        assert!(loud.iter().all(|s| s.abs() <= 1.0), "limited to full scale");
        let mut huge = vec![0.5, -0.9];
        apply_gain(&mut huge, 1000.0);
        assert!(huge.iter().all(|s| s.abs() <= 1.0));
        assert!(
            loud.windows(2).all(|w| w[0] <= w[1]),
            "the curve keeps the waveform's order (no fold-over)"
        );
        let mut half = vec![0.5, -0.5];
        apply_gain(&mut half, 0.5);
        assert_eq!(half, vec![0.25, -0.25]);
    }

    #[test]
    fn silence_only_becomes_nothing() {
        assert!(trim(vec![0.0; 1000], RATE).is_empty());
        assert!(trim(Vec::new(), RATE).is_empty());
    }
}
