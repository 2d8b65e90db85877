//! The inference queue: dedicated worker threads own the ONNX sessions and take jobs from a
//! bounded queue, most urgent deadline first.
//!
//! A stream submits one chunk at a time, so concurrent streams interleave instead of
//! queueing behind each other. A job whose requester has gone (its reply receiver dropped)
//! is skipped without running. A panic inside one job fails that job only.

use std::collections::BinaryHeap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::kokoro::{EngineConfig, Kokoro};
use crate::voice::StylePack;
use crate::{Error, Result};

/// One model call.
pub struct Job {
    pub ids: Vec<i64>,
    pub style: Arc<StylePack>,
    pub speed: f32,
    /// When the requester will run out of audio: the earliest deadline runs first.
    pub deadline: Instant,
}

/// What a finished job returns.
#[derive(Debug)]
pub struct Inferred {
    pub samples: Vec<f32>,
    /// Time the worker spent in the model.
    pub compute: Duration,
    /// Time the job waited in the queue.
    pub queued: Duration,
}

struct Pending {
    job: Job,
    seq: u64,
    submitted: Instant,
    reply: oneshot::Sender<Result<Inferred>>,
}

impl Pending {
    fn key(&self) -> (Instant, u64) {
        (self.job.deadline, self.seq)
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
    // BinaryHeap pops the greatest: the earliest deadline must compare greatest.
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
    skipped: AtomicUsize,
    completed: AtomicUsize,
    /// Moving average of phoneme ids synthesized per second of one worker's time (f64
    /// bits; 0 until the first job).
    ids_per_second: AtomicU64,
    workers: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Workers never panic while holding the lock (jobs run outside it).
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sizing of the worker pool.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub engine: EngineConfig,
    /// Worker threads, each with its own session.
    pub workers: usize,
    /// Most jobs waiting at once; beyond it [`Scheduler::infer`] fails with `Overloaded`.
    pub queue_capacity: usize,
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
    /// Loads one session per worker (in the worker's own thread) and starts serving.
    /// Returns once every session is loaded, or the first load error.
    pub fn start(config: &SchedulerConfig) -> Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                heap: BinaryHeap::new(),
                seq: 0,
                closed: false,
            }),
            wake: Condvar::new(),
            capacity: config.queue_capacity.max(1),
            skipped: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            ids_per_second: AtomicU64::new(0),
            workers: config.workers.max(1),
        });
        let mut workers = Workers {
            shared: Arc::clone(&shared),
            handles: Vec::new(),
        };
        let (loaded_tx, loaded_rx) = std::sync::mpsc::channel();
        for n in 0..config.workers.max(1) {
            let engine = config.engine.clone();
            let shared = Arc::clone(&shared);
            let loaded = loaded_tx.clone();
            let handle = std::thread::Builder::new()
                .name(format!("ttsd-infer-{n}"))
                .spawn(move || {
                    let started = Instant::now();
                    match Kokoro::load(&engine) {
                        Ok(model) => {
                            tracing::info!(
                                worker = n,
                                threads = engine.threads,
                                load_ms = started.elapsed().as_millis() as u64,
                                "model loaded"
                            );
                            let _ = loaded.send(Ok(()));
                            work(model, &shared);
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

    /// Queues a job and waits for its audio. Dropping the returned future withdraws the
    /// job: a worker that reaches it skips it.
    pub async fn infer(&self, job: Job) -> Result<Inferred> {
        let rx = self.submit(job)?;
        rx.await.map_err(|_| Error::EngineStopped)?
    }

    /// [`Self::infer`] for callers outside an async runtime.
    pub fn infer_blocking(&self, job: Job) -> Result<Inferred> {
        let rx = self.submit(job)?;
        rx.blocking_recv().map_err(|_| Error::EngineStopped)?
    }

    fn submit(&self, job: Job) -> Result<oneshot::Receiver<Result<Inferred>>> {
        let (reply, rx) = oneshot::channel();
        {
            let mut queue = self.shared.lock();
            if queue.closed {
                return Err(Error::EngineStopped);
            }
            if queue.heap.len() >= self.shared.capacity {
                return Err(Error::Overloaded);
            }
            queue.seq += 1;
            let seq = queue.seq;
            queue.heap.push(Pending {
                job,
                seq,
                submitted: Instant::now(),
                reply,
            });
        }
        self.shared.wake.notify_one();
        Ok(rx)
    }

    /// Jobs waiting now.
    pub fn queue_depth(&self) -> usize {
        self.shared.lock().heap.len()
    }

    /// Jobs skipped because their requester had gone.
    pub fn skipped(&self) -> usize {
        self.shared.skipped.load(Ordering::Relaxed)
    }

    /// Phoneme ids one worker synthesizes per second (a moving average over recent jobs),
    /// or `None` before the first job.
    pub fn ids_per_second(&self) -> Option<f64> {
        let rate = f64::from_bits(self.shared.ids_per_second.load(Ordering::Relaxed));
        (rate > 0.0).then_some(rate)
    }

    /// Worker threads (each runs one job at a time).
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// Jobs run to completion (successfully or not).
    pub fn completed(&self) -> usize {
        self.shared.completed.load(Ordering::Relaxed)
    }
}

fn work(mut model: Kokoro, shared: &Shared) {
    loop {
        let pending = {
            let mut queue = shared.lock();
            loop {
                if let Some(p) = queue.heap.pop() {
                    break p;
                }
                if queue.closed {
                    return;
                }
                queue = shared.wake.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
        };
        if pending.reply.is_closed() {
            shared.skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let queued = pending.submitted.elapsed();
        let started = Instant::now();
        let job = &pending.job;
        let result = catch_unwind(AssertUnwindSafe(|| {
            model.infer(&job.ids, job.style.style(job.ids.len()), job.speed)
        }))
        .unwrap_or_else(|_| Err(Error::Inference("the model call panicked".into())))
        .map(|samples| Inferred {
            samples,
            compute: started.elapsed(),
            queued,
        });
        match &result {
            Ok(done) => record_rate(shared, job.ids.len(), done.compute),
            Err(e) => tracing::error!(error = %e, "inference failed"),
        }
        shared.completed.fetch_add(1, Ordering::Relaxed);
        let _ = pending.reply.send(result);
    }
}

/// Folds one job's speed into the moving average (weight 1/5 for the newest).
fn record_rate(shared: &Shared, ids: usize, compute: Duration) {
    let secs = compute.as_secs_f64();
    if ids == 0 || secs <= 0.0 {
        return;
    }
    let sample = ids as f64 / secs;
    let _ = shared
        .ids_per_second
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            let old = f64::from_bits(bits);
            let new = if old > 0.0 {
                0.8 * old + 0.2 * sample
            } else {
                sample
            };
            Some(new.to_bits())
        });
}
