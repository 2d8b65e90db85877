//! What the learnt cost of a call ([`Cost`]) says about pacing and capacity: how big a
//! stream's next chunk may be so that it is ready before its client runs out of audio
//! ([`chunk_cap`]), and how many real-time streams the workers keep playing
//! ([`capacity`]). Plain arithmetic over the fit, so the steady-state simulation
//! (`tests/steady.rs`) runs the same rules as the pipeline.

use std::time::Duration;

use super::cost::Cost;

/// The share of the workers' time planned on when counting how many streams fit: the rest
/// absorbs the queueing and the machine's noise.
const TARGET_UTILIZATION: f64 = 0.8;
/// The chunk size capacity is reckoned at, in ids: a mid-sized sentence, between the short
/// first chunks and the longest.
const TYPICAL_CHUNK_IDS: usize = 120;

/// Part of the time left that a chunk's cap is planned on: the rest absorbs queueing and
/// noise. The plan prefers whole clauses within a smaller part (`plan::CLAUSE_SHARE`) and
/// cuts between words only past this one.
const SAFETY: f64 = 0.8;
/// The floor under a chunk cap: chunks at least as big as make speech 1/0.95 times as fast
/// as it plays at the stream's share (speech as trimmed: the pauses between chunks are on
/// top). In the steady simulation (tests/steady.rs) two streams of a short opener ran dry
/// for 89 ms with 0.85, 20 ms with 0.9, not at all with 0.95 or 1.0 (cuts between words
/// land a word under the floor).
const SUSTAIN: f64 = 0.95;

/// After a chunk came too late (the client ran dry while its text was here), chunks are no
/// smaller than what makes audio twice as fast as it plays at the stream's share, until one
/// is in time again: at the floor the buffer would barely grow. Measured on a loaded CPU (a
/// call's fixed part 1.4 s): without this a stream stayed in chunks of 5–30 ids to its end,
/// its audio 7–37 % longer than in whole sentences.
const RECOVER: f64 = 0.5;

/// The most ids a chunk can have and still be synthesized within `slack` (the time before
/// its client runs out of audio) at `share` of a worker's time, by `cost`; but never fewer
/// than keep the stream ahead of playback at that share (smaller chunks would cost more in
/// fixed overhead than they save, and the stream would fall further behind each time), nor,
/// when the last chunk was `late`, than catch up ([`RECOVER`]).
pub fn chunk_cap(cost: &Cost, slack: Duration, share: f64, late: bool) -> usize {
    let utilization = if late { RECOVER } else { SUSTAIN };
    cost.ids_within(slack.as_secs_f64() * share * SAFETY)
        .max(cost.sustainable_ids(share, utilization))
}

/// A stream's share of the workers when `streams` share them.
pub fn share(workers: usize, streams: usize) -> f64 {
    (workers as f64 / streams.max(1) as f64).min(1.0)
}

/// How many real-time streams `workers` can keep playing: their time (less a margin) over
/// what one stream needs at a typical chunk size, by `cost`. At least one, so a slow machine
/// still serves one at a time.
pub fn capacity(cost: &Cost, workers: usize) -> usize {
    streams_at(cost.real_time_factor(TYPICAL_CHUNK_IDS), workers)
}

/// How many streams that each cost `rtf` seconds of a worker per second of audio `workers`
/// keep playing (less a margin); at least one.
pub fn streams_at(rtf: f64, workers: usize) -> usize {
    let streams = workers as f64 * TARGET_UTILIZATION / rtf;
    if streams.is_finite() {
        (streams.floor() as usize).max(1)
    } else {
        usize::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call of 0.15 s plus 10 ms an id, each id 40 ms of audio (a real-time factor of
    /// 0.281 at 120 ids).
    const COST: Cost = Cost {
        fixed: 0.15,
        per_id: 0.01,
        audio_per_id: 0.04,
    };

    #[test]
    fn a_cap_fits_the_slack_but_never_falls_below_what_keeps_up() {
        // 2 s of slack alone: 0.8 × 2 = 1.6 s, (1.6 − 0.15) / 0.01 = 145 ids.
        assert_eq!(chunk_cap(&COST, Duration::from_secs(2), 1.0, false), 145);
        // Half a worker: 0.8 s of it, 65 ids.
        assert_eq!(chunk_cap(&COST, Duration::from_secs(2), 0.5, false), 65);
        // No slack left: the floor that still keeps ahead of playback (0.95 · 0.04 · n ≥
        // 0.15 + 0.01 · n from n = 6), and after a late chunk the one that catches up
        // (0.5 · 0.04 · n ≥ 0.15 + 0.01 · n from n = 15).
        assert_eq!(chunk_cap(&COST, Duration::ZERO, 1.0, false), 6);
        assert_eq!(chunk_cap(&COST, Duration::ZERO, 1.0, true), 15);
    }

    #[test]
    fn shares_and_capacity() {
        assert_eq!(share(2, 1), 1.0, "a stream never has more than a worker");
        assert_eq!(share(2, 4), 0.5);
        assert_eq!(share(1, 0), 1.0);
        // 0.8 of two workers over an RTF of 0.281: five streams.
        assert_eq!(capacity(&COST, 2), 5);
        // A machine slower than real time still serves one.
        assert_eq!(streams_at(3.0, 1), 1);
        assert_eq!(streams_at(0.0, 1), usize::MAX);
    }
}
