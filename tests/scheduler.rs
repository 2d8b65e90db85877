//! The inference queue: earliest deadline first, withdrawn jobs skipped, a full queue refused
//! at once (on the test engine, whose calls take a set time: the order is what is checked),
//! and a call whose client leaves stopped part way (with the real model: ONNX Runtime's own
//! stop).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{repo, serial};
use ttsd::engine::tone::{SimulatedCost, ToneFactory};
use ttsd::engine::{EngineFactory, Job, KokoroConfig, KokoroFactory, Part, Scheduler};
use ttsd::language::Language;
use ttsd::metrics::Metrics;
use ttsd::text::TextFrontend;
use ttsd::voice::Voices;

fn factory() -> Arc<KokoroFactory> {
    Arc::new(
        KokoroFactory::new(KokoroConfig {
            model: repo().join("assets/kokoro-v1.0.int8.onnx"),
            threads: 2,
            spinning: true,
            ..KokoroConfig::under(&repo())
        })
        .expect("vocab and voices"),
    )
}

fn scheduler(queue_capacity: usize) -> Scheduler {
    Scheduler::start(factory(), 1, queue_capacity, 0, Arc::new(Metrics::new())).expect("scheduler")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The text front end, the voices and a runtime for the async calls.
fn fixture() -> (TextFrontend, Voices, tokio::runtime::Runtime) {
    let factory = factory();
    let frontend = TextFrontend::new(Arc::clone(&factory.spec().vocab));
    let voices = factory.catalogue();
    (frontend, voices, runtime())
}

/// The same on the test engine, whose calls take 200 ms plus 10 ms per id (a short sentence
/// about half a second, as the model's take on a slow machine), and its scheduler.
fn tone_fixture(
    queue_capacity: usize,
) -> (TextFrontend, Voices, tokio::runtime::Runtime, Scheduler) {
    let factory = Arc::new(ToneFactory::new(SimulatedCost {
        per_call: Duration::from_millis(200),
        per_id: Duration::from_millis(10),
    }));
    let frontend = TextFrontend::new(Arc::clone(&factory.spec().vocab));
    let voices = factory.catalogue();
    let scheduler = Scheduler::start(factory, 1, queue_capacity, 0, Arc::new(Metrics::new()))
        .expect("scheduler");
    (frontend, voices, runtime(), scheduler)
}

fn job(frontend: &TextFrontend, voices: &Voices, text: &str, deadline: Instant) -> Job {
    let phonemes = frontend.phonemes(text, Language::EnUs).expect("g2p");
    Job {
        ids: frontend.chunk(&phonemes).ids,
        voice: voices.resolve("af_heart").expect("voice"),
        speed: 1.0,
        deadline,
        part: Part::Whole,
    }
}

#[test]
fn earliest_deadline_runs_first_and_withdrawn_jobs_are_skipped() {
    let _serial = serial();
    let (frontend, voices, rt, scheduler) = tone_fixture(16);
    rt.block_on(async {
        let now = Instant::now();
        // Keep the worker busy while the others queue up.
        let busy = {
            let s = scheduler.clone();
            let j = job(
                &frontend,
                &voices,
                "This first job keeps the worker busy for a while, so that the others wait.",
                now,
            );
            tokio::spawn(async move { s.infer(j).await.map(|_| Instant::now()) })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut handles = Vec::new();
        // Submitted latest-deadline first; must finish earliest-deadline first.
        for (label, offset) in [("late", 30), ("middle", 20), ("early", 10)] {
            let s = scheduler.clone();
            let j = job(
                &frontend,
                &voices,
                "A short one.",
                now + Duration::from_secs(offset),
            );
            handles.push((
                label,
                tokio::spawn(async move { s.infer(j).await.map(|_| Instant::now()) }),
            ));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // A withdrawn job: submitted, then its future dropped before a worker reaches it.
        let withdrawn = {
            let s = scheduler.clone();
            let j = job(&frontend, &voices, "Nobody waits for this.", now);
            tokio::spawn(async move { s.infer(j).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        withdrawn.abort();

        busy.await.expect("task").expect("busy job");
        let mut finished = Vec::new();
        for (label, h) in handles {
            finished.push((h.await.expect("task").expect("job"), label));
        }
        finished.sort();
        let order: Vec<&str> = finished.iter().map(|(_, l)| *l).collect();
        assert_eq!(order, ["early", "middle", "late"]);
        assert_eq!(scheduler.skipped(), 1, "the withdrawn job was skipped");
        assert_eq!(scheduler.completed(), 4);
        assert_eq!(scheduler.queue_depth(), 0);
    });
}

#[test]
fn a_full_queue_refuses_at_once() {
    let _serial = serial();
    let (frontend, voices, rt, scheduler) = tone_fixture(1);
    rt.block_on(async {
        let now = Instant::now();
        let s = scheduler.clone();
        let j = job(
            &frontend,
            &voices,
            "One that runs for a little while, long enough.",
            now,
        );
        let running = tokio::spawn(async move { s.infer(j).await });
        // Let the worker take it: the queue is empty again.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = scheduler.clone();
        let j = job(&frontend, &voices, "One that waits.", now);
        let queued = tokio::spawn(async move { s.infer(j).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(scheduler.queue_depth(), 1);
        let started = Instant::now();
        let refused = scheduler
            .infer(job(&frontend, &voices, "One too many.", now))
            .await;
        assert!(
            matches!(refused, Err(ttsd::Error::Overloaded { .. })),
            "{refused:?}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "refused at once"
        );
        assert!(running.await.expect("task").is_ok());
        assert!(queued.await.expect("task").is_ok());
    });
}

#[test]
fn a_call_whose_client_leaves_is_stopped_part_way() {
    let _serial = serial();
    let (frontend, voices, rt) = fixture();
    let scheduler = scheduler(4);
    let long = "Thanks for the detailed question, and I have looked at it carefully: the \
        setting you want is under the advanced tab, next to the network options, and once \
        you enable it and restart the service the change takes effect for every device on \
        your account, including the ones you add later.";
    rt.block_on(async {
        // What the long call costs when it runs to its end.
        let whole = scheduler
            .infer(job(&frontend, &voices, long, Instant::now()))
            .await
            .expect("the long call");
        let made = whole.speech.samples.len();
        let whole = whole.compute;
        let s = scheduler.clone();
        let j = job(&frontend, &voices, long, Instant::now());
        let cut = tokio::spawn(async move { s.infer(j).await });
        // Well inside the call (a tenth of it; the queue is empty, so it starts at once).
        tokio::time::sleep(whole / 10).await;
        cut.abort();
        let left = Instant::now();
        let next = scheduler
            .infer(job(&frontend, &voices, "Still here.", Instant::now()))
            .await
            .expect("the next call runs: the stop flag was cleared");
        eprintln!(
            "a {whole:.2?} call stopped a tenth in; the next one queued {:.2?} after its \
             client left and was done {:.2?} after",
            next.queued,
            left.elapsed()
        );
        assert!(!next.speech.samples.is_empty());
        let made = made + next.speech.samples.len();
        common::spent(made as f64 / f64::from(common::SAMPLE_RATE), 0);
    });
    assert_eq!(scheduler.interrupted(), 1, "the cut call was stopped");
    assert_eq!(scheduler.completed(), 2, "the whole call and the next one");
}
