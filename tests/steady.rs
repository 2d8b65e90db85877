//! Chunk sizing and scheduling with a simulated clock: streams of real text (the real text
//! front end, the test engine's audio for each chunk, the real trimming and pauses), one
//! worker whose calls take a fixed time plus a time per id, the pipeline's own rules for
//! chunk caps (`engine::pacing::chunk_cap`), the queue's order (`scheduler::start_by`, least slack
//! first), the cost model learning from the calls, and capacity (`engine::pacing::capacity`).
//! Deterministic: the clock is a number; no thread sleeps.
//!
//! While the load fits the capacity, no stream runs dry after its first audio; without the
//! caps, a short opener is followed by a gap (the test shows the rule is what prevents it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ttsd::audio::shape;
use ttsd::engine::EngineFactory;
use ttsd::engine::cost::CostModel;
use ttsd::engine::pacing::{capacity, chunk_cap, share};
use ttsd::engine::scheduler::start_by;
use ttsd::engine::tone::{SimulatedCost as Cost, ToneFactory};
use ttsd::language::Language;
use ttsd::text::plan::ChunkPlan;
use ttsd::text::segment::Segmenter;
use ttsd::text::{NormalizationOptions, TextFrontend};

const SHORT_FIRST: &str = "Sure thing. The train to the city leaves from platform four at \
    half past eight, and it usually arrives on time. Please remember to bring your ticket and \
    a warm coat, because the evening will be cold.";
const LONG_FIRST: &str = "Thanks for the detailed question, and I have looked at it \
    carefully: the short answer is that the library can do what you want, but you will need to \
    enable the streaming option, set a larger buffer, and restart the service before the change \
    takes effect. After that, everything should work.";
const PARAGRAPH: &str = "The museum opens at nine every morning, and the first tour \
    starts half an hour later. Visitors can walk through the ancient history rooms on the \
    ground floor, then climb to the gallery of modern paintings upstairs. There is a small \
    cafe near the exit, where the soup is always warm and the bread is baked fresh each day. \
    Please keep your ticket until you leave the building.";

/// The simulated machine: a call of n ids takes `fixed + per_id·n` seconds.
#[derive(Clone, Copy)]
struct Machine {
    fixed: f64,
    per_id: f64,
}

/// With the test engine's 40 ms of audio per id a real-time factor of about 0.3 at 120 ids,
/// as Kokoro's on two cores.
const QUIET: Machine = Machine {
    fixed: 0.15,
    per_id: 0.0115,
};
/// Another process on both cores, as measured with Kokoro (`yes` × 2 beside the server): a
/// call's fixed part grows tenfold, so a few words cost more than they play, while whole
/// sentences still come at a real-time factor of 0.5.
const LOADED: Machine = Machine {
    fixed: 1.4,
    per_id: 0.004,
};

struct Stream {
    plan: ChunkPlan,
    /// Seconds of audio played out by then (None before the first audio).
    playhead: Option<f64>,
    first_audio: Option<f64>,
    worst_stall: f64,
    /// Whether the last chunk came after the client ran out.
    late: bool,
    chunks: usize,
    /// Seconds of audio sent.
    audio: f64,
    /// The chunk waiting for the worker: its ids, when it is due, its place in the queue.
    job: Option<(Vec<i64>, ttsd::text::Boundary, Instant, u64)>,
    done: bool,
}

struct Outcome {
    ttfa: Vec<f64>,
    worst_stall: f64,
    /// Chunks and seconds of audio of each stream.
    chunks: Vec<usize>,
    audio: Vec<f64>,
}

/// Runs `streams` streams of `text` arriving together, with or without the chunk caps.
fn simulate(text: &str, streams: usize, caps: bool, machine: Machine) -> Outcome {
    let Machine { fixed, per_id } = machine;
    let factory = ToneFactory::new(Cost::default());
    let spec = factory.spec().clone();
    let frontend = TextFrontend::new(Arc::clone(&spec.vocab));
    let voice = factory.voices().voice("af_heart").unwrap().data;
    let mut engine = factory.create().unwrap();
    let model = CostModel::default();
    // Calibrated as the server is at start (its warm-up): a few calls of different sizes.
    for n in [4, 26, 60] {
        model.record(n, fixed + per_id * n as f64, n as f64 * 0.04);
    }
    let base = Instant::now();
    let at = |t: f64| base + Duration::from_secs_f64(t);
    let mut state: Vec<Stream> = (0..streams)
        .map(|_| {
            let mut segmenter = Segmenter::new(true);
            let mut segments = segmenter.push(text);
            segments.extend(segmenter.finish());
            let mut plan = ChunkPlan::new(
                Language::EnUs,
                NormalizationOptions::default(),
                spec.max_ids,
            );
            for segment in &segments {
                plan.add(&frontend, segment);
            }
            Stream {
                plan,
                playhead: None,
                first_audio: None,
                worst_stall: 0.0,
                late: false,
                chunks: 0,
                audio: 0.0,
                job: None,
                done: false,
            }
        })
        .collect();
    let mut seq = 0u64;
    let mut now = 0.0f64;
    // Each stream's first chunk, due at once.
    for s in &mut state {
        let chunk = s.plan.next(&frontend, None).unwrap().expect("a chunk");
        seq += 1;
        s.job = Some((
            chunk.ids.clone(),
            chunk.boundary,
            start_by(at(0.0), model.cost(), chunk.ids.len()),
            seq,
        ));
    }
    // The worker takes the job with the least slack (then the oldest).
    while let Some(next) = state
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.job.as_ref().map(|j| (j.2, j.3, i)))
        .min()
        .map(|(_, _, i)| i)
    {
        let (ids, boundary, _, _) = state[next].job.take().unwrap();
        let compute = fixed + per_id * ids.len() as f64;
        now += compute;
        let speech = engine.infer(&ids, &voice, 1.0).unwrap();
        // What the scheduler records: the audio trimming keeps.
        let kept = shape::kept(&speech.samples, spec.sample_rate).len();
        model.record(
            ids.len(),
            compute,
            kept as f64 / f64::from(spec.sample_rate),
        );
        let active = state.iter().filter(|s| !s.done).count();
        let s = &mut state[next];
        let mut pcm = shape::trim(speech.samples, spec.sample_rate);
        if !s.plan.is_empty() {
            pcm.extend(shape::pause(boundary, spec.sample_rate));
        }
        let audio = pcm.len() as f64 / f64::from(spec.sample_rate);
        s.chunks += 1;
        s.audio += audio;
        match s.playhead {
            None => {
                s.first_audio = Some(now);
                s.playhead = Some(now + audio);
            }
            Some(p) => {
                s.worst_stall = s.worst_stall.max(now - p);
                s.late = now > p;
                s.playhead = Some(p.max(now) + audio);
            }
        }
        let playhead = s.playhead.unwrap_or(now);
        let cap = caps.then(|| {
            let cost = model.cost().unwrap();
            chunk_cap(
                &cost,
                Duration::from_secs_f64((playhead - now).max(0.0)),
                share(1, active),
                s.late,
            )
        });
        match s.plan.next(&frontend, cap).unwrap() {
            Some(chunk) => {
                seq += 1;
                let due = start_by(at(playhead), model.cost(), chunk.ids.len());
                s.job = Some((chunk.ids.clone(), chunk.boundary, due, seq));
            }
            None => s.done = true,
        }
    }
    Outcome {
        ttfa: state.iter().filter_map(|s| s.first_audio).collect(),
        worst_stall: state.iter().map(|s| s.worst_stall).fold(0.0, f64::max),
        chunks: state.iter().map(|s| s.chunks).collect(),
        audio: state.iter().map(|s| s.audio).collect(),
    }
}

#[test]
fn no_stream_runs_dry_while_the_load_fits() {
    let model = CostModel::default();
    for n in [4, 26, 60] {
        model.record(n, QUIET.fixed + QUIET.per_id * n as f64, n as f64 * 0.04);
    }
    let fits = capacity(&model.cost().unwrap(), 1);
    assert!(fits >= 2, "the simulated machine holds {fits} streams");
    let mut failures = Vec::new();
    for (name, text) in [
        ("short opener", SHORT_FIRST),
        ("long first sentence", LONG_FIRST),
        ("paragraph", PARAGRAPH),
    ] {
        let mut single = None;
        for streams in 1..=fits {
            let out = simulate(text, streams, true, QUIET);
            let ttfa = out.ttfa.iter().copied().fold(0.0, f64::max);
            eprintln!(
                "{name}, {streams} streams: TTFA max {ttfa:.2} s, worst stall {:.0} ms",
                out.worst_stall * 1000.0
            );
            if out.worst_stall > 0.0 {
                failures.push(format!(
                    "{name} × {streams}: a stream ran dry for {:.0} ms",
                    out.worst_stall * 1000.0
                ));
            }
            // Streams that arrive at the same instant wait for the first chunks ahead of
            // them, and for nothing else.
            let alone = *single.get_or_insert(ttfa);
            if ttfa > streams as f64 * alone + 1e-3 {
                failures.push(format!(
                    "{name} × {streams}: TTFA {ttfa:.2} s, {alone:.2} s alone"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_the_caps_a_short_opener_is_followed_by_a_gap() {
    let out = simulate(SHORT_FIRST, 2, false, QUIET);
    assert!(
        out.worst_stall > 0.1,
        "worst stall {:.0} ms",
        out.worst_stall * 1000.0
    );
}

/// On a machine too loaded to keep even one stream ahead, a stream that has run dry is not
/// cut into a few words per call to its end (each costs more than it plays, and the joins
/// make the speech longer): it gets chunks that catch up, and its audio lasts as long as
/// the same text in whole sentences.
#[test]
fn a_stream_that_ran_dry_catches_up_in_bigger_chunks() {
    for (name, text) in [("short opener", SHORT_FIRST), ("paragraph", PARAGRAPH)] {
        let capped = simulate(text, 1, true, LOADED);
        let whole = simulate(text, 1, false, LOADED);
        eprintln!(
            "{name}, loaded: {} chunks, {:.2} s of audio; {} chunks, {:.2} s uncapped",
            capped.chunks[0], capped.audio[0], whole.chunks[0], whole.audio[0]
        );
        assert!(
            capped.chunks[0] <= whole.chunks[0] + 3,
            "{name}: {} chunks where whole sentences take {}",
            capped.chunks[0],
            whole.chunks[0]
        );
        assert!(
            (capped.audio[0] - whole.audio[0]).abs() / whole.audio[0] < 0.05,
            "{name}: {:.2} s of audio, {:.2} s in whole sentences",
            capped.audio[0],
            whole.audio[0]
        );
    }
}
