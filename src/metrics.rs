//! Counters and histograms for the Prometheus text format, lock-free (atomics only).
//!
//! The pipeline records into one [`Metrics`]; `GET /metrics` renders it.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A histogram of seconds with fixed bucket bounds.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One count per bound (not cumulative), then the overflow.
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
}

/// Bounds for latencies (seconds).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
];
/// Bounds for long durations (seconds).
pub const DURATION_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0];

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, seconds: f64) {
        let seconds = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        let slot = self
            .bounds
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(self.bounds.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let total = self.count();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {total}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {total}");
    }
}

/// Everything ttsd counts.
#[derive(Debug)]
pub struct Metrics {
    /// From a request's arrival to its first audio bytes leaving.
    pub time_to_first_audio: Histogram,
    /// Mid-stream stalls: how long a client playing from the first byte would have waited.
    pub stall: Histogram,
    /// Time inside the model per chunk.
    pub inference: Histogram,
    /// Seconds of audio produced, in microseconds.
    pub audio_micros: Counter,
    /// Speech streams running now.
    pub active_streams: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            time_to_first_audio: Histogram::new(LATENCY_BUCKETS),
            stall: Histogram::new(LATENCY_BUCKETS),
            inference: Histogram::new(LATENCY_BUCKETS),
            audio_micros: Counter::default(),
            active_streams: Gauge::default(),
        }
    }
}

impl Metrics {
    /// The pipeline's metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        self.time_to_first_audio.render(
            out,
            "ttsd_time_to_first_audio_seconds",
            "From a speech request's arrival to its first audio bytes.",
        );
        self.stall.render(
            out,
            "ttsd_stream_stall_seconds",
            "Mid-stream stalls a client playing from the first byte would hear.",
        );
        self.inference.render(
            out,
            "ttsd_inference_seconds",
            "Time in the model per chunk.",
        );
        let audio = self.audio_micros.get() as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP ttsd_audio_seconds_total Seconds of audio produced.\n\
             # TYPE ttsd_audio_seconds_total counter\n\
             ttsd_audio_seconds_total {audio}\n\
             # HELP ttsd_active_streams Speech streams running now.\n\
             # TYPE ttsd_active_streams gauge\n\
             ttsd_active_streams {}",
            self.active_streams.get()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::new(&[0.1, 1.0]);
        for v in [0.05, 0.5, 0.7, 3.0, f64::NAN] {
            h.observe(v);
        }
        let mut out = String::new();
        h.render(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.1\"} 2"), "{out}");
        assert!(out.contains("x_bucket{le=\"1\"} 4"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 5"), "{out}");
        assert!(out.contains("x_count 5"), "{out}");
        assert!(out.contains("x_sum 4.25"), "{out}");
    }
}
