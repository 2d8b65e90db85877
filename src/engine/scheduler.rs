//! The inference queue: dedicated worker threads own the engines (one each) and take jobs
//! from a bounded queue, least slack first.
//!
//! A job's slack is the time left before its stream runs out of audio less what the job is
//! expected to take ([`CostModel`], learnt from the calls made): a long chunk due in two
//! seconds waits behind a short one due in one and a half that needs only a fifth of a
//! second — it still makes its own deadline, and the short one's stream does not run dry. A
//! stream submits one chunk at a time, so concurrent streams interleave instead of queueing
//! behind each other. A job whose requester has gone (its reply receiver dropped) is skipped
//! without running; one whose requester leaves while it runs is interrupted (when the engine
//! can be), so the worker is free for the clients still there instead of finishing audio
//! nobody hears. A panic inside one job fails that job only. Short calls already made
//! with the same voice and speed come from the [`ChunkCache`] without running.

use std::collections::BinaryHeap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::cache::{ChunkCache, Key};
use super::cost::{Cost, CostModel};
use super::{Encoded, Engine, EngineFactory, Interrupt, Speech, Window};
use crate::audio::shape;
use crate::metrics::{Metrics, Outcome, OutcomeLabel};
use crate::voice::Voice;
use crate::{Error, Result};

/// One model call.
pub struct Job {
    pub ids: Vec<i64>,
    /// The voice (its name, or a blend's canonical name, is with the ids and speed what
    /// the cache knows the call by).
    pub voice: Voice,
    pub speed: f32,
    /// When the requester will run out of audio: the job with the least slack (deadline
    /// less expected cost) runs first.
    pub deadline: Instant,
    /// The whole call, or a part of it (an engine that decodes in windows).
    pub part: Part,
}

/// What of a call a job makes.
#[derive(Debug, Clone)]
pub enum Part {
    /// The whole call: its speech and durations ([`Engine::infer`]).
    Whole,
    /// Its encoding, before any audio ([`Engine::encode`]; `Inferred::encoded`).
    Encode,
    /// A window of an encoded call's frames ([`Engine::decode`]; the job's ids are the
    /// call's, for what the window is expected to cost).
    Decode(Arc<Encoded>, Window),
}

impl Job {
    /// The ids whose cost the job is expected to take: a window takes its share of its
    /// call's, an encoding next to nothing (the cost model's fixed part).
    fn cost_ids(&self) -> usize {
        match &self.part {
            Part::Whole => self.ids.len(),
            Part::Encode => 0,
            Part::Decode(encoded, window) => {
                let frames = encoded.frames.max(1);
                (self.ids.len() * window.span(frames).len()).div_ceil(frames)
            }
        }
    }
}

/// What a finished job returns.
#[derive(Debug)]
pub struct Inferred {
    /// The speech (a window's: its samples only); empty for an encoding.
    pub speech: Speech,
    /// An encoding's result ([`Part::Encode`]).
    pub encoded: Option<Arc<Encoded>>,
    /// Time the worker spent in the model.
    pub compute: Duration,
    /// Time the job waited in the queue.
    pub queued: Duration,
}

struct Pending {
    job: Job,
    /// The latest it can start and still make its deadline, by the cost model.
    start_by: Instant,
    seq: u64,
    submitted: Instant,
    reply: oneshot::Sender<Result<Inferred>>,
    cache_key: Option<Key>,
}

impl Pending {
    fn key(&self) -> (Instant, u64) {
        (self.start_by, self.seq)
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    // BinaryHeap pops the greatest: the least slack must compare greatest.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key().cmp(&self.key())
    }
}

struct Queue {
    heap: BinaryHeap<Pending>,
    seq: u64,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    capacity: usize,
    metrics: Arc<Metrics>,
    cost: CostModel,
    cache: ChunkCache,
    /// The engine's samples per second, for the audio a call made.
    sample_rate: u32,
    workers: usize,
    /// What each worker runs now, and how to stop it.
    slots: Vec<Mutex<Slot>>,
}

/// One worker's call under way.
#[derive(Default)]
struct Slot {
    /// The job running (its sequence number).
    running: Option<u64>,
    /// Set once that job's requester left and the call was told to stop.
    interrupted: bool,
    /// Stops the worker's engine part way (from [`Engine::interrupter`]).
    interrupt: Option<Arc<dyn Interrupt>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Workers never panic while holding the lock (jobs run outside it).
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot(&self, worker: usize) -> MutexGuard<'_, Slot> {
        self.slots[worker].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The requester of job `seq` has gone: a worker running it stops part way.
    fn withdraw(&self, seq: u64) {
        for n in 0..self.slots.len() {
            let mut slot = self.slot(n);
            if slot.running == Some(seq) && !slot.interrupted {
                if let Some(interrupt) = &slot.interrupt {
                    interrupt.interrupt();
                    slot.interrupted = true;
                }
                return;
            }
        }
    }

    fn count(&self, outcome: Outcome) -> u64 {
        self.metrics
            .jobs
            .get_or_create(&OutcomeLabel { outcome })
            .get()
    }

    fn counted(&self, outcome: Outcome) {
        self.metrics
            .jobs
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }
}

/// Handle to the worker pool; cheap to clone. Workers stop when the last handle drops.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
    _workers: Arc<Workers>,
}

struct Workers {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

impl Scheduler {
    /// Builds one engine per worker (on the worker's own thread) and starts serving.
    /// Returns once every engine is loaded, or the first load error. `queue_capacity` is the
    /// most jobs waiting at once; beyond it [`Scheduler::infer`] fails with `Overloaded`.
    pub fn start(
        factory: Arc<dyn EngineFactory>,
        workers: usize,
        queue_capacity: usize,
        cache_bytes: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        let count = workers.max(1);
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                heap: BinaryHeap::new(),
                seq: 0,
                closed: false,
            }),
            wake: Condvar::new(),
            capacity: queue_capacity.max(1),
            metrics,
            cost: CostModel::default(),
            cache: ChunkCache::new(cache_bytes),
            sample_rate: factory.spec().sample_rate,
            workers: count,
            slots: (0..count).map(|_| Mutex::default()).collect(),
        });
        let mut workers = Workers {
            shared: Arc::clone(&shared),
            handles: Vec::new(),
        };
        let (loaded_tx, loaded_rx) = std::sync::mpsc::channel();
        for n in 0..count {
            let factory = Arc::clone(&factory);
            let shared = Arc::clone(&shared);
            let loaded = loaded_tx.clone();
            let handle = std::thread::Builder::new()
                .name(format!("ttsd-infer-{n}"))
                .spawn(move || {
                    let started = Instant::now();
                    match factory.create() {
                        Ok(engine) => {
                            tracing::info!(
                                worker = n,
                                engine = factory.spec().name,
                                load_ms = started.elapsed().as_millis() as u64,
                                "model loaded"
                            );
                            shared.slot(n).interrupt = engine.interrupter();
                            let _ = loaded.send(Ok(()));
                            work(engine, &shared, n);
                        }
                        Err(e) => {
                            let _ = loaded.send(Err(e));
                        }
                    }
                })
                .map_err(|e| Error::Inference(format!("cannot start a worker thread: {e}")))?;
            workers.handles.push(handle);
        }
        drop(loaded_tx);
        for _ in 0..workers.handles.len() {
            loaded_rx.recv().map_err(|_| Error::EngineStopped)??;
        }
        Ok(Scheduler {
            shared,
            _workers: Arc::new(workers),
        })
    }

    /// Queues a job and waits for its audio (at once, from the cache, when the same call
    /// was made lately). Dropping the returned future withdraws the job: a worker that
    /// reaches it skips it, and one running it stops part way.
    pub async fn infer(&self, job: Job) -> Result<Inferred> {
        let (rx, seq) = match self.submit(job)? {
            Submitted::Cached(done) => return Ok(done),
            Submitted::Queued(rx, seq) => (rx, seq),
        };
        let mut waiting = Waiting {
            rx,
            seq,
            shared: Arc::clone(&self.shared),
        };
        (&mut waiting.rx).await.map_err(|_| Error::EngineStopped)?
    }

    /// [`Self::infer`] for callers outside an async runtime (which cannot leave while
    /// they wait, so nothing needs withdrawing).
    pub fn infer_blocking(&self, job: Job) -> Result<Inferred> {
        match self.submit(job)? {
            Submitted::Cached(done) => Ok(done),
            Submitted::Queued(rx, _) => rx.blocking_recv().map_err(|_| Error::EngineStopped)?,
        }
    }

    fn submit(&self, job: Job) -> Result<Submitted> {
        let cache_key = match job.part {
            Part::Whole => Key::new(&job.ids, &job.voice.name, job.speed),
            Part::Encode | Part::Decode(..) => None,
        };
        if let Some(key) = &cache_key {
            if let Some(speech) = self.shared.cache.get(key) {
                self.shared.metrics.cache_hits.inc();
                return Ok(Submitted::Cached(Inferred {
                    speech: Speech::clone(&speech),
                    encoded: None,
                    compute: Duration::ZERO,
                    queued: Duration::ZERO,
                }));
            }
            self.shared.metrics.cache_misses.inc();
        }
        let start_by = start_by(job.deadline, self.shared.cost.cost(), job.cost_ids());
        let (reply, rx) = oneshot::channel();
        let seq = {
            let mut queue = self.shared.lock();
            if queue.closed {
                return Err(Error::EngineStopped);
            }
            if queue.heap.len() >= self.shared.capacity {
                return Err(Error::Overloaded {
                    retry_after: Duration::from_secs(1),
                });
            }
            queue.seq += 1;
            let seq = queue.seq;
            queue.heap.push(Pending {
                job,
                start_by,
                seq,
                submitted: Instant::now(),
                reply,
                cache_key,
            });
            self.shared.metrics.queue_depth.set(queue.heap.len() as i64);
            seq
        };
        self.shared.wake.notify_one();
        Ok(Submitted::Queued(rx, seq))
    }

    /// Jobs waiting now.
    pub fn queue_depth(&self) -> usize {
        self.shared.lock().heap.len()
    }

    /// Jobs skipped because their requester had gone.
    pub fn skipped(&self) -> u64 {
        self.shared.count(Outcome::skipped)
    }

    /// What a call costs on this machine now (learnt from the calls made), or `None`
    /// before the first.
    pub fn cost(&self) -> Option<Cost> {
        self.shared.cost.cost()
    }

    /// Worker threads (each runs one job at a time).
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// Jobs run to completion (successfully or not).
    pub fn completed(&self) -> u64 {
        self.shared.count(Outcome::completed)
    }

    /// Jobs stopped part way because their requester left.
    pub fn interrupted(&self) -> u64 {
        self.shared.count(Outcome::interrupted)
    }
}

fn work(mut engine: Box<dyn Engine>, shared: &Shared, worker: usize) {
    loop {
        let pending = {
            let mut queue = shared.lock();
            loop {
                if let Some(p) = queue.heap.pop() {
                    shared.metrics.queue_depth.set(queue.heap.len() as i64);
                    break p;
                }
                if queue.closed {
                    return;
                }
                queue = shared.wake.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
        };
        // Running before the last look at the requester: one that leaves after it is seen
        // here (see `Waiting`'s drop), so the call is stopped either way.
        shared.slot(worker).running = Some(pending.seq);
        if pending.reply.is_closed() {
            finish(shared, worker);
            shared.counted(Outcome::skipped);
            continue;
        }
        let queued = pending.submitted.elapsed();
        let started = Instant::now();
        let job = &pending.job;
        let result = catch_unwind(AssertUnwindSafe(|| run(engine.as_mut(), job)))
            .unwrap_or_else(|_| Err(Error::Inference("the model call panicked".into())))
            .map(|(speech, encoded)| Inferred {
                speech,
                encoded,
                compute: started.elapsed(),
                queued,
            });
        if finish(shared, worker) {
            // Nobody waits for it, and a call cut short says nothing of what calls cost.
            tracing::debug!(
                ids = job.ids.len(),
                after_s = started.elapsed().as_secs_f64(),
                "model call interrupted: its client left"
            );
            shared.counted(Outcome::interrupted);
            continue;
        }
        // A failure is reported (and logged) by whoever receives it. What a call costs is
        // learnt from whole calls (a window's cost is its share of one).
        if let (Ok(done), Part::Whole) = (&result, &job.part) {
            // The audio the call made is what trimming keeps of it (a short input comes
            // back padded with a second of silence).
            let kept = shape::kept(&done.speech.samples, shared.sample_rate).len();
            let audio = kept as f64 / f64::from(shared.sample_rate);
            tracing::debug!(
                ids = job.ids.len(),
                compute_s = done.compute.as_secs_f64(),
                audio_s = audio,
                "model call"
            );
            shared
                .cost
                .record(job.ids.len(), done.compute.as_secs_f64(), audio);
            if let Some(key) = pending.cache_key {
                shared.cache.insert(key, done.speech.clone());
                shared.metrics.cache_bytes.set(shared.cache.bytes() as i64);
            }
        }
        shared.counted(Outcome::completed);
        let _ = pending.reply.send(result);
    }
}

/// Has the engine make what the job asks for.
fn run(engine: &mut dyn Engine, job: &Job) -> Result<(Speech, Option<Arc<Encoded>>)> {
    let voice = &job.voice.data;
    match &job.part {
        Part::Whole => Ok((engine.infer(&job.ids, voice, job.speed)?, None)),
        Part::Encode => {
            let encoded = engine.encode(&job.ids, voice, job.speed)?;
            Ok((Speech::default(), Some(Arc::new(encoded))))
        }
        Part::Decode(encoded, window) => {
            let samples = engine.decode(encoded, *window)?;
            let speech = Speech {
                samples,
                durations: None,
            };
            Ok((speech, None))
        }
    }
}

/// The worker's call has ended: clears its slot (and the engine's stop flag, if it was
/// set); whether the call was interrupted.
fn finish(shared: &Shared, worker: usize) -> bool {
    let mut slot = shared.slot(worker);
    slot.running = None;
    let interrupted = std::mem::take(&mut slot.interrupted);
    if let (true, Some(interrupt)) = (interrupted, &slot.interrupt) {
        interrupt.clear();
    }
    interrupted
}

/// The latest a call of `ids` ids can start and still be done by `deadline`, by `cost`:
/// the queue's order (least slack first).
pub fn start_by(deadline: Instant, cost: Option<Cost>, ids: usize) -> Instant {
    let expected = cost.map_or(Duration::ZERO, |c| c.of(ids));
    deadline.checked_sub(expected).unwrap_or(deadline)
}

/// A job taken: its answer already (from the cache), or the receiver of its answer and its
/// sequence number.
enum Submitted {
    Cached(Inferred),
    Queued(oneshot::Receiver<Result<Inferred>>, u64),
}

/// An async caller waiting for a queued job's answer. Dropped, it withdraws the job: the
/// receiver is closed first (so a worker that has not started it sees it gone), then a worker
/// running it is told to stop. Once the answer has come no worker runs it any more, and
/// withdrawing finds nothing.
struct Waiting {
    rx: oneshot::Receiver<Result<Inferred>>,
    seq: u64,
    shared: Arc<Shared>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.rx.close();
        self.shared.withdraw(self.seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tone::{SimulatedCost, ToneFactory};

    fn tone_job(factory: &ToneFactory, ids: usize) -> Job {
        let voice = factory.voices().voice("af_heart");
        Job {
            ids: vec![40; ids],
            voice: voice.unwrap_or_else(|| panic!("a test voice")),
            speed: 1.0,
            deadline: Instant::now(),
            part: Part::Whole,
        }
    }

    #[test]
    fn a_call_whose_client_leaves_is_stopped_and_the_worker_serves_the_next() -> Result<()> {
        // 300 ms an id: the long job would hold the worker for a minute.
        let factory = Arc::new(ToneFactory::new(SimulatedCost {
            per_call: Duration::ZERO,
            per_id: Duration::from_millis(300),
        }));
        let scheduler = Scheduler::start(
            Arc::clone(&factory) as Arc<dyn EngineFactory>,
            1,
            4,
            0,
            Arc::new(Metrics::new()),
        )?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        rt.block_on(async {
            let long = {
                let s = scheduler.clone();
                let job = tone_job(&factory, 200);
                tokio::spawn(async move { s.infer(job).await })
            };
            // Until the worker has it.
            while scheduler.shared.slot(0).running.is_none() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            long.abort();
            let next = tokio::time::timeout(
                Duration::from_secs(30),
                scheduler.infer(tone_job(&factory, 1)),
            )
            .await;
            let next = next.map_err(|_| Error::Internal("the worker was not freed".into()))??;
            assert!(!next.speech.samples.is_empty(), "the next call made audio");
            Ok::<_, Error>(())
        })?;
        assert_eq!(scheduler.interrupted(), 1);
        assert_eq!(scheduler.completed(), 1, "only the next call completed");
        assert_eq!(scheduler.skipped(), 0);
        // Learnt from the 1-id call alone (it slept 300 ms); the cut call, 200 ids in a few
        // milliseconds, would have taught that calls are nearly free.
        let one_id = scheduler.cost().map(|c| c.of(1));
        assert!(
            one_id >= Some(Duration::from_millis(300)),
            "the cut call taught the cost model nothing: {one_id:?}"
        );
        Ok(())
    }
}
