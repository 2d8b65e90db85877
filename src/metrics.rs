//! What ttsd counts, in one registry, rendered for Prometheus by `prometheus-client`
//! (OpenMetrics text).
//!
//! The pipeline, the scheduler and the front ends record into one shared [`Metrics`];
//! `GET /metrics` renders it. Other parts with counters of their own (the HTTP listener)
//! register them here before the server starts.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Bounds for latencies (seconds).
const LATENCY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
];
/// Bounds for whole requests (seconds).
const DURATION_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];
/// Bounds for waits in the inference queue (seconds): mostly short.
const QUEUE_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0];
/// Bounds for an utterance's time in one stage (seconds): milliseconds of text and
/// encoding to minutes of model time.
const STAGE_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Why a request failed, as counted in `ttsd_request_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Failure {
    bad_request,
    unauthorized,
    overloaded,
    cancelled,
    timeout,
    internal,
}

impl Failure {
    pub const ALL: [Failure; 6] = [
        Failure::bad_request,
        Failure::unauthorized,
        Failure::overloaded,
        Failure::cancelled,
        Failure::timeout,
        Failure::internal,
    ];

    /// The failure an HTTP status stands for.
    pub fn of_status(status: u16) -> Option<Failure> {
        match status {
            401 | 403 => Some(Failure::unauthorized),
            408 => Some(Failure::timeout),
            429 | 503 => Some(Failure::overloaded),
            400..=499 => Some(Failure::bad_request),
            500..=599 => Some(Failure::internal),
            _ => None,
        }
    }
}

impl From<crate::error::Class> for Failure {
    /// The failure an error of this class is, for a protocol without HTTP's statuses
    /// (Wyoming). HTTP's status for the class stands for the same one (a test in
    /// `http::error` holds them together).
    fn from(class: crate::error::Class) -> Self {
        use crate::error::Class;
        match class {
            Class::Invalid => Failure::bad_request,
            Class::Busy | Class::Unavailable => Failure::overloaded,
            Class::Timeout => Failure::timeout,
            Class::Server => Failure::internal,
        }
    }
}

/// What happened to a model call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Outcome {
    /// Ran (successfully or not).
    completed,
    /// Not run: its requester had gone.
    skipped,
    /// Stopped part way: its requester left while it ran.
    interrupted,
}

/// Why the Wyoming server closed (or refused) a connection, as counted in
/// `ttsd_wyoming_connections_closed_total{reason}`: the limits of its README table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum WyomingClose {
    /// No first event within the first-event timeout.
    first_event_timeout,
    /// No event for the idle timeout, with no speech in progress.
    idle_timeout,
    /// The client accepted no byte of its audio for `--write-timeout`.
    write_timeout,
    /// A malformed event.
    bad_event,
    /// The connection limit was reached: closed at once.
    over_capacity,
}

impl WyomingClose {
    pub const ALL: [WyomingClose; 5] = [
        WyomingClose::first_event_timeout,
        WyomingClose::idle_timeout,
        WyomingClose::write_timeout,
        WyomingClose::bad_event,
        WyomingClose::over_capacity,
    ];
}

/// A stage of an utterance, as `ttsd_utterance_stage_seconds{stage}` and the
/// `Server-Timing` header name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum Stage {
    /// Normalization, sentence splitting, G2P and chunking.
    text,
    /// Waiting for an inference worker.
    queue,
    /// In the model.
    model,
    /// Encoding the audio.
    encode,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::text, Stage::queue, Stage::model, Stage::encode];

    pub fn name(self) -> &'static str {
        match self {
            Stage::text => "text",
            Stage::queue => "queue",
            Stage::model => "model",
            Stage::encode => "encode",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StageLabel {
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct WyomingCloseLabel {
    pub reason: WyomingClose,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: Failure,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: Outcome,
}

/// Everything ttsd counts. Cheap to share: every metric is a handle onto atomics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// HTTP responses by status.
    pub requests: Family<StatusLabel, Counter>,
    /// Failed requests by reason.
    pub failures: Family<ReasonLabel, Counter>,
    /// From a request's arrival to the last byte of its response.
    pub request_duration: Histogram,
    /// From an utterance's first text to its first audio.
    pub time_to_first_audio: Histogram,
    /// Mid-stream gaps a client playing from the first byte would hear (while its text was
    /// already there).
    pub stall: Histogram,
    /// Time in the model per chunk.
    pub inference: Histogram,
    /// Time a chunk waited in the inference queue.
    pub queue_wait: Histogram,
    /// An utterance's time in each stage (text front end, queue, model, encode).
    pub stages: Family<StageLabel, Histogram>,
    /// Model calls by outcome.
    pub jobs: Family<OutcomeLabel, Counter>,
    /// Model calls waiting for a worker.
    pub queue_depth: Gauge,
    /// Utterances being synthesized now.
    pub active_streams: Gauge,
    /// Real-time streams the workers can keep playing, by the cost model.
    pub capacity_streams: Gauge,
    /// Utterances running over capacity (0 to 1): what an autoscaler should watch.
    pub load_ratio: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// Seconds of audio produced.
    pub audio_seconds: Counter<f64, AtomicU64>,
    /// Model calls answered from the chunk cache, and looked up there in vain.
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    /// Bytes the chunk cache holds.
    pub cache_bytes: Gauge,
    /// Wyoming connections closed by the server, by reason.
    pub wyoming_closed: Family<WyomingCloseLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let m = Metrics {
            requests: Family::default(),
            failures: Family::default(),
            request_duration: Histogram::new(DURATION_BUCKETS.iter().copied()),
            time_to_first_audio: Histogram::new(LATENCY_BUCKETS.iter().copied()),
            stall: Histogram::new(LATENCY_BUCKETS.iter().copied()),
            inference: Histogram::new(LATENCY_BUCKETS.iter().copied()),
            queue_wait: Histogram::new(QUEUE_BUCKETS.iter().copied()),
            stages: Family::new_with_constructor(|| Histogram::new(STAGE_BUCKETS.iter().copied())),
            jobs: Family::default(),
            queue_depth: Gauge::default(),
            active_streams: Gauge::default(),
            capacity_streams: Gauge::default(),
            load_ratio: Gauge::default(),
            audio_seconds: Counter::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            cache_bytes: Gauge::default(),
            wyoming_closed: Family::default(),
            registry: Registry::default(),
        };
        // Every reason and outcome is exported from the start, at 0.
        for reason in Failure::ALL {
            let _ = m.failures.get_or_create(&ReasonLabel { reason });
        }
        for reason in WyomingClose::ALL {
            let _ = m
                .wyoming_closed
                .get_or_create(&WyomingCloseLabel { reason });
        }
        for stage in Stage::ALL {
            let _ = m.stages.get_or_create(&StageLabel { stage });
        }
        for outcome in [Outcome::completed, Outcome::skipped, Outcome::interrupted] {
            let _ = m.jobs.get_or_create(&OutcomeLabel { outcome });
        }
        registry.register(
            "ttsd_requests",
            "HTTP requests, by status",
            m.requests.clone(),
        );
        registry.register(
            "ttsd_request_failures",
            "Failed requests, by reason",
            m.failures.clone(),
        );
        registry.register_with_unit(
            "ttsd_request_duration",
            "From a request's arrival to the last byte of its response",
            Unit::Seconds,
            m.request_duration.clone(),
        );
        registry.register_with_unit(
            "ttsd_time_to_first_audio",
            "From an utterance's first text to its first audio bytes",
            Unit::Seconds,
            m.time_to_first_audio.clone(),
        );
        registry.register_with_unit(
            "ttsd_stream_stall",
            "Mid-stream stalls a client playing from the first byte would hear",
            Unit::Seconds,
            m.stall.clone(),
        );
        registry.register_with_unit(
            "ttsd_inference",
            "Time in the model per chunk",
            Unit::Seconds,
            m.inference.clone(),
        );
        registry.register_with_unit(
            "ttsd_queue_wait",
            "Time a chunk waited for an inference worker",
            Unit::Seconds,
            m.queue_wait.clone(),
        );
        registry.register_with_unit(
            "ttsd_utterance_stage",
            "An utterance's time in each stage: text (normalization, G2P, chunking), queue, model, encode",
            Unit::Seconds,
            m.stages.clone(),
        );
        registry.register(
            "ttsd_inference_jobs",
            "Model calls, by outcome (skipped: the client had gone before it ran; interrupted: it left while it ran)",
            m.jobs.clone(),
        );
        registry.register(
            "ttsd_queue_depth",
            "Model calls waiting for a worker",
            m.queue_depth.clone(),
        );
        registry.register(
            "ttsd_active_streams",
            "Utterances being synthesized now",
            m.active_streams.clone(),
        );
        registry.register_with_unit(
            "ttsd_audio",
            "Seconds of audio produced",
            Unit::Seconds,
            m.audio_seconds.clone(),
        );
        registry.register(
            "ttsd_capacity_streams",
            "Real-time streams the workers can keep playing, by the learnt cost of a model call",
            m.capacity_streams.clone(),
        );
        registry.register(
            "ttsd_load_ratio",
            "Utterances running over capacity: above 1 new ones are refused with 429",
            m.load_ratio.clone(),
        );
        registry.register(
            "ttsd_chunk_cache_hits",
            "Model calls answered from the chunk cache",
            m.cache_hits.clone(),
        );
        registry.register(
            "ttsd_chunk_cache_misses",
            "Short model calls not in the chunk cache (made, then kept)",
            m.cache_misses.clone(),
        );
        registry.register_with_unit(
            "ttsd_chunk_cache",
            "Bytes the chunk cache holds",
            Unit::Bytes,
            m.cache_bytes.clone(),
        );
        registry.register(
            "ttsd_wyoming_connections_closed",
            "Wyoming connections closed or refused by the server because a limit triggered",
            m.wyoming_closed.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Adds metrics kept elsewhere (before the registry is shared).
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Every metric, in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Counts an HTTP response's status, and its failure reason if it is one.
    pub fn count_status(&self, status: u16) {
        self.count_request(status);
        if let Some(reason) = Failure::of_status(status) {
            self.fail(reason);
        }
    }

    /// Counts an HTTP response's status only (a probe's answer is no failure).
    pub fn count_request(&self, status: u16) {
        self.requests.get_or_create(&StatusLabel { status }).inc();
    }

    pub fn fail(&self, reason: Failure) {
        self.failures.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// An utterance's time in each stage.
    pub fn observe_stages(&self, times: [(Stage, Duration); 4]) {
        for (stage, time) in times {
            self.stages
                .get_or_create(&StageLabel { stage })
                .observe(time.as_secs_f64());
        }
    }

    /// One model call's time in the model and in the queue.
    pub fn observe_inference(&self, compute: Duration, queued: Duration) {
        self.inference.observe(compute.as_secs_f64());
        self.queue_wait.observe(queued.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_exported() {
        let m = Metrics::new();
        m.count_status(200);
        m.count_status(429);
        m.time_to_first_audio.observe(0.3);
        m.audio_seconds.inc_by(1.5);
        m.active_streams.inc();
        let text = m.render();
        for line in [
            "ttsd_requests_total{status=\"200\"} 1",
            "ttsd_requests_total{status=\"429\"} 1",
            "ttsd_request_failures_total{reason=\"overloaded\"} 1",
            "ttsd_request_failures_total{reason=\"internal\"} 0",
            "ttsd_time_to_first_audio_seconds_bucket{le=\"0.4\"} 1",
            "ttsd_time_to_first_audio_seconds_count 1",
            "ttsd_audio_seconds_total 1.5",
            "ttsd_active_streams 1",
            "ttsd_inference_jobs_total{outcome=\"skipped\"} 0",
            "ttsd_inference_jobs_total{outcome=\"interrupted\"} 0",
            "ttsd_utterance_stage_seconds_count{stage=\"encode\"} 0",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
