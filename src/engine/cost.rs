//! What a model call costs, learnt from the calls the workers make: a fixed time per call
//! plus a time per id (`a + b·n`), and the audio an id makes.
//!
//! A single rate (ids per second) cannot say that a short chunk costs more per id than a
//! long one, and short chunks are exactly what a stream about to run dry needs; the fixed
//! part is what makes "a few words, now" possible to plan. The fit is least squares over
//! the recent calls, each older one weighing [`DECAY`] of the next, so it follows the machine
//! (another process taking a core) within a few dozen calls. Until the calls have sizes far
//! enough apart to tell the two parts apart, the fixed part is taken as a share of the mean.

use std::sync::Mutex;
use std::time::Duration;

/// The weight each older call keeps: about the last 30 calls count.
const DECAY: f64 = 0.97;
/// Until the sizes seen differ enough, this share of a call's time is taken as fixed.
const PRIOR_FIXED_SHARE: f64 = 0.15;

#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    w: f64,
    x: f64,
    y: f64,
    xx: f64,
    xy: f64,
    /// Seconds of audio, and ids, of the same calls (for the audio an id makes).
    audio: f64,
    ids: f64,
}

/// The learnt cost of calls on one kind of engine (shared by its workers).
#[derive(Debug, Default)]
pub struct CostModel {
    sums: Mutex<Sums>,
}

/// A fitted cost: `fixed + per_id · ids` seconds, and the audio one id makes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    pub fixed: f64,
    pub per_id: f64,
    /// Seconds of audio per id.
    pub audio_per_id: f64,
}

impl Cost {
    /// The time a call of `ids` ids takes.
    pub fn of(&self, ids: usize) -> Duration {
        Duration::from_secs_f64((self.fixed + self.per_id * ids as f64).max(0.0))
    }

    /// The most ids a call can have and still take at most `seconds` (0 when not even the
    /// fixed part fits).
    pub fn ids_within(&self, seconds: f64) -> usize {
        if self.per_id <= 0.0 {
            return usize::MAX;
        }
        // The tolerance keeps a budget that fits exactly (0.6 s for 100 ids) from losing an
        // id to rounding.
        ((seconds - self.fixed) / self.per_id + 1e-9).max(0.0) as usize
    }

    /// The fewest ids a chunk must have for one stream with `share` of a worker to make
    /// audio faster than it plays, with compute at most `utilization` of that share: below
    /// it, the fixed cost per call eats the time and smaller chunks fall further behind.
    /// `usize::MAX` when no size keeps up.
    pub fn sustainable_ids(&self, share: f64, utilization: f64) -> usize {
        let gain = utilization * share * self.audio_per_id - self.per_id;
        if gain <= 0.0 {
            return usize::MAX;
        }
        (self.fixed.max(0.0) / gain).ceil() as usize
    }

    /// Compute seconds per second of audio for chunks of `ids` ids: above 1, one worker
    /// cannot keep one stream playing.
    pub fn real_time_factor(&self, ids: usize) -> f64 {
        let audio = self.audio_per_id * ids as f64;
        if audio <= 0.0 {
            return f64::INFINITY;
        }
        (self.fixed + self.per_id * ids as f64) / audio
    }
}

impl CostModel {
    /// Adds one call: `ids` ids took `seconds` and made `audio` seconds of audio.
    pub fn record(&self, ids: usize, seconds: f64, audio: f64) {
        if ids == 0 || !(seconds.is_finite() && seconds > 0.0) {
            return;
        }
        let x = ids as f64;
        let mut s = self.sums.lock().unwrap_or_else(|p| p.into_inner());
        let d = DECAY;
        s.w = s.w * d + 1.0;
        s.x = s.x * d + x;
        s.y = s.y * d + seconds;
        s.xx = s.xx * d + x * x;
        s.xy = s.xy * d + x * seconds;
        if audio.is_finite() && audio > 0.0 {
            s.audio = s.audio * d + audio;
            s.ids = s.ids * d + x;
        }
    }

    /// The current fit; `None` before the first call.
    pub fn cost(&self) -> Option<Cost> {
        let s = *self.sums.lock().unwrap_or_else(|p| p.into_inner());
        if s.w <= 0.0 || s.x <= 0.0 {
            return None;
        }
        let mean_x = s.x / s.w;
        let mean_y = s.y / s.w;
        let var_x = s.xx / s.w - mean_x * mean_x;
        let cov = s.xy / s.w - mean_x * mean_y;
        // Sizes spread over at least a tenth of their mean tell the two parts apart.
        let fitted = (var_x.sqrt() > 0.1 * mean_x)
            .then(|| {
                let per_id = cov / var_x;
                let fixed = mean_y - per_id * mean_x;
                (per_id > 0.0 && fixed >= 0.0).then_some((fixed, per_id))
            })
            .flatten();
        let (fixed, per_id) = fitted.unwrap_or_else(|| {
            let fixed = PRIOR_FIXED_SHARE * mean_y;
            (fixed, (mean_y - fixed) / mean_x)
        });
        let audio_per_id = if s.ids > 0.0 { s.audio / s.ids } else { 0.0 };
        Some(Cost {
            fixed,
            per_id,
            audio_per_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustainable_chunks_outgrow_the_fixed_cost() {
        let cost = Cost {
            fixed: 0.15,
            per_id: 0.01,
            audio_per_id: 0.04,
        };
        // Alone: 0.04·n ≥ 0.15 + 0.01·n from n = 5; at half a worker 0.02·n from n = 15.
        assert_eq!(cost.sustainable_ids(1.0, 1.0), 5);
        assert_eq!(cost.sustainable_ids(0.5, 1.0), 15);
        assert!(cost.real_time_factor(15) / 0.5 <= 1.0 + 1e-9);
        // A quarter of a worker never keeps up: each id costs as long as it plays.
        assert_eq!(cost.sustainable_ids(0.25, 1.0), usize::MAX);
    }

    #[test]
    fn a_line_is_recovered_from_its_points() {
        let model = CostModel::default();
        for n in [10, 200, 40, 400, 80, 120, 300, 20] {
            model.record(n, 0.1 + 0.005 * n as f64, 0.08 * n as f64);
        }
        let cost = model.cost().unwrap_or_else(|| panic!("a fit"));
        assert!((cost.fixed - 0.1).abs() < 1e-6, "{cost:?}");
        assert!((cost.per_id - 0.005).abs() < 1e-9, "{cost:?}");
        assert!((cost.audio_per_id - 0.08).abs() < 1e-9);
        assert_eq!(cost.ids_within(0.6), 100);
        assert_eq!(cost.ids_within(0.05), 0);
        assert!((cost.real_time_factor(100) - 0.6 / 8.0).abs() < 1e-9);
    }

    #[test]
    fn one_size_only_takes_a_share_as_fixed() {
        let model = CostModel::default();
        assert!(model.cost().is_none());
        for _ in 0..5 {
            model.record(100, 1.0, 5.0);
        }
        let cost = model.cost().unwrap_or_else(|| panic!("a fit"));
        assert!((cost.of(100).as_secs_f64() - 1.0).abs() < 1e-9);
        assert!(cost.fixed > 0.0 && cost.fixed < 0.5);
    }

    #[test]
    fn it_follows_a_machine_that_slows_down() {
        let model = CostModel::default();
        for n in [50, 150, 250].repeat(10) {
            model.record(n, 0.1 + 0.004 * n as f64, 1.0);
        }
        for n in [50, 150, 250].repeat(30) {
            model.record(n, 0.2 + 0.008 * n as f64, 1.0);
        }
        let cost = model.cost().unwrap_or_else(|| panic!("a fit"));
        assert!(cost.per_id > 0.0075, "{cost:?}");
    }
}
