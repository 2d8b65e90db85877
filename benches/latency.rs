//! Latency bench against a running `ttsd serve` (started here, on 127.0.0.1:0).
//!
//! `cargo bench --bench latency -- [--runs N] [--concurrency 1,2,3,4] [--no-peer]
//! [--server-args "--workers 2 --threads 1"]` (`make bench-latency`).
//!
//! Reports, over the runs: time to first audio (TTFA) p50/p95, total time, real-time
//! factor, the worst stall a player starting at the first byte would hear, the cold start
//! to ready, and the server's RSS. Then the same texts through the peer, kokoro-onnx 0.6.1
//! (`create_stream`, same model file, voice and ONNX Runtime version; installed into a
//! private venv by `scripts/peer-venv.sh`), measured in the same run, as ratios. Under
//! `cargo test` it makes one quick pass without the peer, so that it keeps working.
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

/// About twenty seconds of speech, for the concurrency rows.
pub const PARAGRAPH: &str = "The museum opens at nine every morning, and the first tour \
    starts half an hour later. Visitors can walk through the ancient history rooms on the \
    ground floor, then climb to the gallery of modern paintings upstairs. There is a small \
    cafe near the exit, where the soup is always warm and the bread is baked fresh each day. \
    Please keep your ticket until you leave the building.";

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

#[derive(serde::Deserialize)]
struct PeerRun {
    text: String,
    ttfa: f64,
    total: f64,
    audio: f64,
    worst_stall: f64,
}

/// The peer's runs, one process for all of them (its model loads once, like a server).
fn peer(texts: &[(&str, &str)], runs: usize) -> Vec<PeerRun> {
    let root = env!("CARGO_MANIFEST_DIR");
    let venv = Command::new(format!("{root}/scripts/peer-venv.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/peer-venv.sh");
    assert!(venv.status.success(), "peer venv setup failed");
    let python = String::from_utf8_lossy(&venv.stdout).trim().to_owned();
    let mut child = Command::new(python)
        .arg(format!("{root}/benches/peer/kokoro_onnx_stream.py"))
        .arg(format!("{root}/assets/kokoro-v1.0.int8.onnx"))
        .arg(format!("{root}/voices"))
        .arg(runs.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("peer");
    let input: serde_json::Map<String, serde_json::Value> = texts
        .iter()
        .map(|(name, text)| (name.to_string(), json!(text)))
        .collect();
    serde_json::to_writer(child.stdin.take().expect("stdin"), &input).expect("write texts");
    let out = child.wait_with_output().expect("peer output");
    assert!(out.status.success(), "peer failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("peer JSON"))
        .collect()
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
        .unwrap_or(if bench { 5 } else { 1 });
    let levels: Vec<usize> = value("--concurrency")
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1, 2, 3, 4] } else { vec![1] });
    let with_peer = bench && !args.iter().any(|a| a == "--no-peer");
    let server_args = value("--server-args").unwrap_or_default();
    let server_args: Vec<&str> = server_args.split_whitespace().collect();

    let server = Server::start(&server_args);
    let rss_ready = server.rss_mib();
    let rt = runtime();
    let client = reqwest::Client::new();
    let texts = [
        ("short first sentence", SHORT_FIRST),
        ("long first sentence", LONG_FIRST),
        ("20 s paragraph", PARAGRAPH),
    ];

    println!("## ttsd latency ({runs} runs per row; server args: {server_args:?})\n");
    println!(
        "cold start to ready: {:.2} s; RSS when ready: {rss_ready:.0} MiB\n",
        server.cold_start.as_secs_f64()
    );
    println!(
        "| text | streams | TTFA p50 | TTFA p95 | TTFA max | total p50 | audio | RTF p50 | worst stall |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut single = Vec::new();
    for &(name, text) in &texts {
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
                "| {name} | {streams} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {:.1} s | {:.2} | {:.0} ms |",
                percentile(&ttfa, 0.5),
                percentile(&ttfa, 0.95),
                percentile(&ttfa, 1.0),
                percentile(&total, 0.5),
                all[0].audio,
                percentile(&rtf, 0.5),
                stall * 1000.0,
            );
            if streams == 1 {
                single.push((name, percentile(&ttfa, 0.5), percentile(&total, 0.5)));
            }
        }
    }
    println!("\nRSS after the runs: {:.0} MiB", server.rss_mib());
    drop(server);

    if with_peer {
        let peer_runs = peer(&texts, runs);
        println!(
            "\n## the peer, kokoro-onnx 0.6.1 create_stream, same run ({runs} runs per row)\n"
        );
        println!(
            "| text | peer TTFA p50 | ttsd TTFA p50 | TTFA ttsd / peer | peer total p50 | ttsd total p50 | peer worst stall |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        for (name, ours_ttfa, ours_total) in single {
            let mine: Vec<&PeerRun> = peer_runs.iter().filter(|r| r.text == name).collect();
            let ttfa: Vec<f64> = mine.iter().map(|r| r.ttfa).collect();
            let total: Vec<f64> = mine.iter().map(|r| r.total).collect();
            let stall = mine.iter().map(|r| r.worst_stall).fold(0.0, f64::max);
            let audio = mine.first().map_or(f64::NAN, |r| r.audio);
            let peer_ttfa = percentile(&ttfa, 0.5);
            println!(
                "| {name} ({audio:.1} s) | {peer_ttfa:.2} s | {ours_ttfa:.2} s | {:.3} | {:.2} s | {ours_total:.2} s | {:.0} ms |",
                ours_ttfa / peer_ttfa,
                percentile(&total, 0.5),
                stall * 1000.0,
            );
        }
    }
}
