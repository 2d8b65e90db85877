//! Latency bench against a running `ttsd serve` (started here, on 127.0.0.1:0).
//!
//! `cargo bench --bench latency -- [--runs N] [--concurrency 1,2,3,4]`
//! (`make bench-latency`). Reports, as medians over the runs: time to first audio (TTFA),
//! total time, real-time factor, the worst stall a player starting at the first byte would
//! hear, the cold start to ready, and the server's RSS. Under `cargo test` it makes one
//! quick pass so that it keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

/// Bytes per second of 24 kHz s16le mono.
const BYTES_PER_SECOND: f64 = 48_000.0;

pub const SHORT_FIRST: &str = "Sure thing. The train to the city leaves from platform four at \
    half past eight, and it usually arrives on time. Please remember to bring your ticket and \
    a warm coat, because the evening will be cold.";
pub const LONG_FIRST: &str = "Thanks for the detailed question, and I have looked at it \
    carefully: the short answer is that the library can do what you want, but you will need to \
    enable the streaming option, set a larger buffer, and restart the service before the change \
    takes effect. After that, everything should work.";

struct Server {
    child: Child,
    base: String,
    cold_start: Duration,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ttsd"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ttsd");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let base = line
            .trim()
            .trim_start_matches("ttsd listening on ")
            .to_owned();
        let rt = runtime();
        let client = reqwest::Client::new();
        rt.block_on(async {
            loop {
                if let Ok(r) = client.get(format!("{base}/ready")).send().await
                    && r.status() == 200
                {
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(300), "never ready");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        Server {
            child,
            base,
            cold_start: started.elapsed(),
        }
    }

    /// Resident memory of the server process, in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// One streamed response, as a player would live it.
#[derive(Debug, Clone, Copy)]
struct Run {
    ttfa: f64,
    total: f64,
    audio: f64,
    /// Longest silence a player starting at the first byte would hear mid-stream.
    worst_stall: f64,
}

async fn speak(client: &reqwest::Client, base: &str, text: &str) -> Run {
    let started = Instant::now();
    let mut resp = client
        .post(format!("{base}/v1/audio/speech"))
        .json(&json!({"input": text, "voice": "af_heart", "response_format": "pcm"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let mut ttfa = None;
    let mut bytes = 0usize;
    let mut play_end = 0.0f64;
    let mut worst_stall = 0.0f64;
    while let Some(chunk) = resp.chunk().await.expect("body") {
        let t = started.elapsed().as_secs_f64();
        if ttfa.is_none() {
            ttfa = Some(t);
            play_end = t;
        } else if t > play_end {
            worst_stall = worst_stall.max(t - play_end);
        }
        play_end = play_end.max(t) + chunk.len() as f64 / BYTES_PER_SECOND;
        bytes += chunk.len();
    }
    Run {
        ttfa: ttfa.unwrap_or(f64::NAN),
        total: started.elapsed().as_secs_f64(),
        audio: bytes as f64 / BYTES_PER_SECOND,
        worst_stall,
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = (p * (v.len() - 1) as f64).round() as usize;
    v[rank]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = value("--runs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 7 } else { 1 });
    let levels: Vec<usize> = value("--concurrency")
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1, 2, 3, 4] } else { vec![1] });

    let server = Server::start(&[]);
    let rss_ready = server.rss_mib();
    let rt = runtime();
    let client = reqwest::Client::new();

    println!("## ttsd latency ({runs} runs each, medians unless noted)\n");
    println!(
        "cold start to ready: {:.2} s; RSS when ready: {rss_ready:.0} MiB\n",
        server.cold_start.as_secs_f64()
    );
    println!(
        "| text | streams | TTFA p50 | TTFA p95 | total p50 | audio | RTF p50 | worst stall |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, text) in [
        ("short first sentence", SHORT_FIRST),
        ("long first sentence", LONG_FIRST),
    ] {
        for &streams in &levels {
            let mut all: Vec<Run> = Vec::new();
            for _ in 0..runs {
                let batch = rt.block_on(async {
                    let tasks: Vec<_> = (0..streams)
                        .map(|_| {
                            let client = client.clone();
                            let base = server.base.clone();
                            tokio::spawn(async move { speak(&client, &base, text).await })
                        })
                        .collect();
                    let mut out = Vec::new();
                    for t in tasks {
                        out.push(t.await.expect("task"));
                    }
                    out
                });
                all.extend(batch);
            }
            let ttfa: Vec<f64> = all.iter().map(|r| r.ttfa).collect();
            let total: Vec<f64> = all.iter().map(|r| r.total).collect();
            let rtf: Vec<f64> = all.iter().map(|r| r.total / r.audio).collect();
            let stall = all.iter().map(|r| r.worst_stall).fold(0.0, f64::max);
            println!(
                "| {name} | {streams} | {:.2} s | {:.2} s | {:.2} s | {:.1} s | {:.2} | {:.0} ms |",
                percentile(&ttfa, 0.5),
                percentile(&ttfa, 0.95),
                percentile(&total, 0.5),
                all[0].audio,
                percentile(&rtf, 0.5),
                stall * 1000.0,
            );
        }
    }
    println!("\nRSS after the runs: {:.0} MiB", server.rss_mib());
}
