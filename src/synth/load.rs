//! The load: the utterances running now and the ids each has left to speak, what streamed
//! utterances have really cost, and from these the capacity admission goes by and the
//! `Retry-After` a refused client gets. The arithmetic is `engine::pacing`'s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::cost::Cost;
use crate::engine::pacing;

/// The weight of the newest stream in [`Load::stream_cost`].
const STREAM_COST_WEIGHT: f64 = 0.3;
/// Streams shorter than this say little about a stream's cost (one or two chunks).
const STREAM_COST_MIN_AUDIO: Duration = Duration::from_secs(3);
/// Bounds of the `Retry-After` a refused request gets.
const RETRY_AFTER: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// Utterance id → the ids it has left (0 while its text is unknown).
type Remaining = Arc<Mutex<HashMap<u64, usize>>>;

/// The utterances running, and what streams have cost.
#[derive(Debug, Default)]
pub(super) struct Load {
    next: AtomicU64,
    remaining: Remaining,
    /// What streamed utterances have cost end to end: compute seconds per second of audio,
    /// the recent ones weighing most (`None` before the first).
    stream_cost: Mutex<Option<f64>>,
}

/// An utterance's place in the [`Load`], given back when it is dropped.
pub(super) struct Running {
    remaining: Remaining,
    id: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Load {
    pub(super) fn start(&self) -> Running {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.remaining).insert(id, 0);
        Running {
            remaining: Arc::clone(&self.remaining),
            id,
        }
    }

    /// The utterances running.
    pub(super) fn running(&self) -> usize {
        lock(&self.remaining).len()
    }

    /// A streamed utterance's end-to-end cost (`compute` for `audio`), learnt.
    pub(super) fn learn_stream(&self, compute: Duration, audio: Duration) {
        if audio < STREAM_COST_MIN_AUDIO {
            return;
        }
        let rtf = compute.as_secs_f64() / audio.as_secs_f64();
        let mut cost = lock(&self.stream_cost);
        *cost = Some(cost.map_or(rtf, |old| old + STREAM_COST_WEIGHT * (rtf - old)));
    }

    /// How many real-time streams `workers` keep playing: by the cost model at a typical
    /// chunk size, and by what streamed utterances have really cost (first chunks, cut
    /// clauses and all), whichever is fewer.
    pub(super) fn capacity(&self, cost: &Cost, workers: usize) -> usize {
        let modelled = pacing::capacity(cost, workers);
        let measured = *lock(&self.stream_cost);
        measured.map_or(modelled, |rtf| {
            modelled.min(pacing::streams_at(rtf, workers))
        })
    }

    /// When a refused client should come back: when the utterance with the least left is
    /// expected to be done, at its share of the workers, by `cost` (a streamed text whose
    /// end is unknown counts what it has).
    pub(super) fn retry_after(&self, cost: Option<Cost>, workers: usize) -> Duration {
        let Some(cost) = cost else {
            return RETRY_AFTER.0;
        };
        let remaining = lock(&self.remaining);
        let share = pacing::share(workers, remaining.len());
        let soonest = remaining
            .values()
            .map(|&ids| cost.of(ids).as_secs_f64() / share)
            .fold(f64::INFINITY, f64::min);
        if soonest.is_finite() {
            Duration::from_secs_f64(soonest).clamp(RETRY_AFTER.0, RETRY_AFTER.1)
        } else {
            RETRY_AFTER.0
        }
    }
}

impl Running {
    /// The utterance has `ids` left to speak.
    pub(super) fn left(&self, ids: usize) {
        lock(&self.remaining).insert(self.id, ids);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        lock(&self.remaining).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COST: Cost = Cost {
        fixed: 0.2,
        per_id: 0.01,
        audio_per_id: 0.04,
    };

    #[test]
    fn retry_after_is_when_the_utterance_with_least_left_ends() {
        let load = Load::default();
        assert_eq!(
            load.retry_after(None, 1),
            Duration::from_secs(1),
            "no fit yet"
        );
        let long = load.start();
        long.left(1000);
        let short = load.start();
        short.left(280);
        // Two streams on one worker: the short one's 0.2 + 2.8 s at half a worker.
        assert_eq!(load.retry_after(Some(COST), 1), Duration::from_secs(6));
        drop(short);
        // Alone, the long one: 10.2 s at a whole worker.
        let alone = load.retry_after(Some(COST), 1).as_secs_f64();
        assert!((alone - 10.2).abs() < 1e-9, "{alone}");
        // Never past a minute, never under a second.
        long.left(100_000);
        assert_eq!(load.retry_after(Some(COST), 1), Duration::from_secs(60));
        long.left(0);
        assert_eq!(load.retry_after(Some(COST), 8), Duration::from_secs(1));
        drop(long);
        assert!(
            lock(&load.remaining).is_empty(),
            "a dropped place is given back"
        );
    }

    #[test]
    fn measured_streams_can_only_lower_the_modelled_capacity() {
        let load = Load::default();
        // RTF at 120 ids: 1.4 / 4.8 = 0.29: two workers keep five streams.
        assert_eq!(load.capacity(&COST, 2), 5);
        load.learn_stream(Duration::from_secs(3), Duration::from_secs(4));
        assert_eq!(load.capacity(&COST, 2), 2, "streams cost 0.75 s a second");
        // Streams cheaper than the model say nothing above it.
        let cheap = Load::default();
        cheap.learn_stream(Duration::from_millis(100), Duration::from_secs(10));
        assert_eq!(cheap.capacity(&COST, 2), 5);
        // A stream too short to tell is not learnt from.
        let short = Load::default();
        short.learn_stream(Duration::from_secs(2), Duration::from_secs(2));
        assert_eq!(short.capacity(&COST, 2), 5);
    }
}
