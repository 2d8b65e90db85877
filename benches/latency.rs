//! Latency bench against a running `ttsd serve` (started here, on 127.0.0.1:0).
//!
//! `cargo bench --bench latency -- [--runs N] [--concurrency 1,2,3,4] [--no-peer]
//! [--server-args "--workers 2 --threads 1"] [--baseline PATH] [--beside] [--stream-in]
//! [--cached]`
//! (`make bench-latency`), or `cargo bench --bench latency -- --memory [--speeds
//! 0.25,0.5,1,2,4] [--cases NAME] [--baseline PATH]`.
//!
//! `--baseline PATH` also runs another `ttsd` binary (an older build), alternating with this
//! one run by run, and prints the single-stream TTFA of both and their ratio. `--beside`
//! measures an HTTP stream of the paragraph beside a second HTTP stream and beside a
//! Wyoming streamed synthesis of the same text: its TTFA and worst stall in each case.
//! `--stream-in` feeds a ~120-word assistant reply over the WebSocket as a simulated LLM
//! writes it (15, 30 and 60 tokens a second), against the client that waits for the whole
//! reply and then POSTs it (what chat UIs do today), in the same run. `--cached` measures an
//! opener assistants repeat ("Sure thing.") with the chunk cache on: its first time, then
//! again before a different sentence each time, so only the opener can come from the cache.
//!
//! `--memory` measures only the server's peak resident memory (the kernel's high-water mark,
//! VmHWM) for the inputs that cost a model call the most memory — a 600-character run of
//! words without punctuation, 4,096 kanji, "a" × 4,096, "á" × 2,048 — at each speed, each in
//! a fresh server with the default settings (`--cases NAME`: only those whose name contains
//! NAME; with `--baseline PATH`, that binary's server right after, for each case); last, the
//! case with the highest peak again, in a server that has first spoken a sentence in every
//! language (every dictionary and lexicon loaded).
//!
//! Reports, over the runs: time to first audio (TTFA) p50/p95, total time, real-time
//! factor, the worst stall a player starting at the first byte would hear, the cold start
//! to ready, and the server's RSS. Then the same texts through the peer, kokoro-onnx 0.6.1
//! (`create_stream`, same model file, voice and ONNX Runtime version; installed into a
//! private venv by `scripts/peer-venv.sh`), measured in the same run, as ratios. Under
//! `cargo test` it makes one quick pass without the peer, so that it keeps working: one
//! stream of the short text only (every row runs the same code; the longer texts would add
//! half a minute of speech to every `make test` and prove nothing more).
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

/// A first clause of sixteen words: what `--window` is for (its first audio after one
/// short window rather than the whole clause).
pub const LONG_CLAUSE: &str = "The quarterly report that the finance team sent round this \
    morning shows steady growth in every region, and the board is pleased with it.";

/// About twenty seconds of speech, for the concurrency rows.
pub const PARAGRAPH: &str = "The museum opens at nine every morning, and the first tour \
    starts half an hour later. Visitors can walk through the ancient history rooms on the \
    ground floor, then climb to the gallery of modern paintings upstairs. There is a small \
    cafe near the exit, where the soup is always warm and the bread is baked fresh each day. \
    Please keep your ticket until you leave the building.";

struct Server {
    child: Child,
    base: String,
    /// The Wyoming address, when started with `--wyoming-port`.
    wyoming: Option<String>,
    cold_start: Duration,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        Self::start_binary(env!("CARGO_BIN_EXE_ttsd"), extra)
    }

    fn start_binary(binary: &str, extra: &[&str]) -> Server {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ttsd");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("listening line");
        let base = line
            .trim()
            .trim_start_matches("ttsd listening on ")
            .to_owned();
        let wyoming = extra.contains(&"--wyoming-port").then(|| {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("wyoming line");
            line.trim()
                .trim_start_matches("ttsd wyoming listening on tcp://")
                .to_owned()
        });
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
            wyoming,
            cold_start: started.elapsed(),
        }
    }

    /// Resident memory of the server process, in MiB.
    fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    /// The most the server process has held resident since it started, in MiB.
    fn peak_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
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
    /// Refused at admission (a 429): `ttfa` is then the time to the refusal.
    refused: bool,
}

async fn speak(client: &reqwest::Client, base: &str, text: &str) -> Run {
    let started = Instant::now();
    let mut resp = client
        .post(format!("{base}/v1/audio/speech"))
        .json(&json!({"input": text, "voice": "af_heart", "response_format": "pcm"}))
        .send()
        .await
        .expect("send");
    if resp.status() == 429 {
        let t = started.elapsed().as_secs_f64();
        return Run {
            ttfa: t,
            total: t,
            audio: 0.0,
            worst_stall: 0.0,
            refused: true,
        };
    }
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
        refused: false,
    }
}

/// A Wyoming streamed synthesis of `text`, its text sent three words at a time; returns when
/// `synthesize-stopped` arrives.
async fn wyoming_streamed(addr: &str, text: &str) {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    use ttsd::wyoming::{Frame, FrameCodec};
    let (read, mut write) = tokio::net::TcpStream::connect(addr)
        .await
        .expect("wyoming")
        .into_split();
    let mut read = tokio_util::codec::FramedRead::new(read, FrameCodec::default());
    let mut send = Frame::new("synthesize-start", json!({})).to_bytes();
    let words: Vec<&str> = text.split(' ').collect();
    for piece in words.chunks(3) {
        let text = format!("{} ", piece.join(" "));
        send.extend(Frame::new("synthesize-chunk", json!({"text": text})).to_bytes());
    }
    send.extend(Frame::new("synthesize-stop", json!({})).to_bytes());
    write.write_all(&send).await.expect("write");
    while let Some(event) = read.next().await {
        let event = event.expect("an event");
        if event.kind == "synthesize-stopped" || event.kind == "error" {
            assert_eq!(event.kind, "synthesize-stopped");
            return;
        }
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
    if args.iter().any(|a| a == "--memory") {
        let speeds: Vec<f32> = value("--speeds")
            .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![0.25, 0.5, 1.0, 2.0, 4.0]);
        let only = value("--cases").unwrap_or_default();
        memory(&server_args, value("--baseline").as_deref(), &speeds, &only);
        return;
    }

    // The chunk cache off: repeated runs of one text would otherwise be served from it.
    let uncached = [server_args.as_slice(), &["--cache-mb", "0"]].concat();
    let server = Server::start(&uncached);
    let rss_ready = server.rss_mib();
    let rt = runtime();
    let client = reqwest::Client::new();
    let texts = [
        ("short first sentence", SHORT_FIRST),
        ("long first sentence", LONG_FIRST),
        ("16-word first clause", LONG_CLAUSE),
        ("20 s paragraph", PARAGRAPH),
    ];
    let texts = if bench { &texts[..] } else { &texts[..1] };

    println!("## ttsd latency ({runs} runs per row; server args: {server_args:?})\n");
    println!(
        "cold start to ready: {:.2} s; RSS when ready: {rss_ready:.0} MiB\n",
        server.cold_start.as_secs_f64()
    );
    println!(
        "| text | streams | admitted | 429 within | TTFA p50 | TTFA p95 | TTFA max | total p50 | audio | RTF p50 | worst stall |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut single = Vec::new();
    for &(name, text) in texts {
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
            let refusals: Vec<f64> = all.iter().filter(|r| r.refused).map(|r| r.ttfa).collect();
            let asked = all.len();
            all.retain(|r| !r.refused);
            let admitted = format!("{}/{asked}", all.len());
            let refused_within = if refusals.is_empty() {
                "–".to_owned()
            } else {
                format!("{:.0} ms", percentile(&refusals, 1.0) * 1000.0)
            };
            if all.is_empty() {
                println!("| {name} | {streams} | {admitted} | {refused_within} | | | | | | | |");
                continue;
            }
            let ttfa: Vec<f64> = all.iter().map(|r| r.ttfa).collect();
            let total: Vec<f64> = all.iter().map(|r| r.total).collect();
            let rtf: Vec<f64> = all.iter().map(|r| r.total / r.audio).collect();
            let stall = all.iter().map(|r| r.worst_stall).fold(0.0, f64::max);
            println!(
                "| {name} | {streams} | {admitted} | {refused_within} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {:.1} s | {:.2} | {:.0} ms |",
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

    if let Some(baseline) = value("--baseline") {
        compare_with(&baseline, &server_args, texts, runs);
    }
    if args.iter().any(|a| a == "--beside") {
        beside(&server_args, runs);
    }
    if args.iter().any(|a| a == "--stream-in") {
        stream_in(&server_args, runs);
    }
    if args.iter().any(|a| a == "--cached") {
        cached_opener(&server_args, runs);
    }

    if with_peer {
        let peer_runs = peer(texts, runs);
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

/// Single-stream TTFA of this build and of `baseline`, alternating run by run.
fn compare_with(baseline: &str, server_args: &[&str], texts: &[(&str, &str)], runs: usize) {
    let new = Server::start(&[server_args, &["--cache-mb", "0"]].concat());
    let old = Server::start_binary(baseline, server_args);
    let rt = runtime();
    let client = reqwest::Client::new();
    println!("\n## this build against {baseline}, alternating ({runs} runs per row)\n");
    println!(
        "| text | TTFA p50 new | TTFA p50 baseline | new / baseline | total p50 new | total p50 baseline |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for &(name, text) in texts {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            ours.push(rt.block_on(speak(&client, &new.base, text)));
            theirs.push(rt.block_on(speak(&client, &old.base, text)));
        }
        let p50 =
            |v: &[Run], f: fn(&Run) -> f64| percentile(&v.iter().map(f).collect::<Vec<_>>(), 0.5);
        let (a, b) = (p50(&ours, |r| r.ttfa), p50(&theirs, |r| r.ttfa));
        println!(
            "| {name} | {a:.3} s | {b:.3} s | {:.3} | {:.2} s | {:.2} s |",
            a / b,
            p50(&ours, |r| r.total),
            p50(&theirs, |r| r.total)
        );
    }
}

/// An HTTP stream of the paragraph beside another HTTP stream, and beside a Wyoming streamed
/// synthesis of the same text: the measured stream's TTFA and worst stall.
fn beside(server_args: &[&str], runs: usize) {
    let mut args = server_args.to_vec();
    args.extend(["--wyoming-port", "0", "--cache-mb", "0"]);
    let server = Server::start(&args);
    let wyoming = server.wyoming.clone().expect("wyoming address");
    let rt = runtime();
    let client = reqwest::Client::new();
    println!("\n## an HTTP stream of the paragraph beside another utterance ({runs} runs)\n");
    println!("| beside | TTFA p50 | TTFA max | worst stall |");
    println!("| --- | --- | --- | --- |");
    for other in ["HTTP stream", "Wyoming streamed synthesis"] {
        let mut measured = Vec::new();
        for _ in 0..runs {
            let run = rt.block_on(async {
                let second = {
                    let client = client.clone();
                    let base = server.base.clone();
                    let wyoming = wyoming.clone();
                    tokio::spawn(async move {
                        if other == "HTTP stream" {
                            speak(&client, &base, PARAGRAPH).await;
                        } else {
                            wyoming_streamed(&wyoming, PARAGRAPH).await;
                        }
                    })
                };
                // The second one starts first, by a hair, as a client already speaking.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let run = speak(&client, &server.base, PARAGRAPH).await;
                second.await.expect("task");
                run
            });
            measured.push(run);
        }
        let ttfa: Vec<f64> = measured.iter().map(|r| r.ttfa).collect();
        let stall = measured.iter().map(|r| r.worst_stall).fold(0.0, f64::max);
        println!(
            "| {other} | {:.2} s | {:.2} s | {:.0} ms |",
            percentile(&ttfa, 0.5),
            percentile(&ttfa, 1.0),
            stall * 1000.0
        );
    }
}

/// About 120 words of assistant reply, opening with a short clause.
pub const REPLY: &str = "Sure, here is how to set it up. First, open the settings page and choose \
    the audio tab, where you will find the list of voices. Pick the one you like, then press \
    save; the change takes effect at once, so there is no need to restart anything. If you \
    want the assistant to speak faster, move the speed slider a little to the right, but not \
    too far, because very fast speech is harder to follow. Finally, try a short test sentence \
    to hear the result. If something sounds wrong, check that the language matches the voice, \
    since an English voice reading French text will sound strange. That is all there is to \
    it, and you can change these settings again whenever you like.";

/// The reply as an LLM writes it: tokens of about four characters (OpenAI's rule of thumb).
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        let word = if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        };
        let chars: Vec<char> = word.chars().collect();
        for piece in chars.chunks(4) {
            out.push(piece.iter().collect());
        }
    }
    out
}

/// The first clause the server speaks alone: its segmenter's first segment, without the
/// space after it.
fn first_clause(text: &str) -> &str {
    let segments = ttsd::text::segment::Segmenter::new(true).push(text);
    let len = segments
        .first()
        .map_or(text.len(), |s| s.text.trim_end().len());
    &text[..len]
}

/// One reply written at `rate` tokens a second over the WebSocket.
struct StreamIn {
    /// From the first token that ends with punctuation to the first audio.
    after_punctuation: f64,
    /// From the token that ends the first clause the chunk rules speak alone (the server's
    /// segmenter's first segment) to the first audio.
    after_clause: f64,
    /// From the first token to the first audio.
    after_first_token: f64,
    /// The worst gap a player starting at the first audio hears after the text is complete.
    stall_after_text: f64,
    /// The worst gap at all (a slow writer's gaps are its own).
    stall: f64,
    /// From the first token to the last audio.
    total: f64,
}

async fn write_over_websocket(base: &str, rate: f64) -> StreamIn {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let url = format!(
        "{}/v1/audio/speech/stream",
        base.replacen("http://", "ws://", 1)
    );
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Text(
        json!({"voice": "af_heart", "response_format": "pcm"})
            .to_string()
            .into(),
    ))
    .await
    .expect("settings");
    let started = Instant::now();
    let pieces = tokens(REPLY);
    let clause_ends = first_clause(REPLY).len();
    let writer = tokio::spawn(async move {
        let (mut punctuation_at, mut clause_at) = (None, None);
        let mut written = 0;
        for (i, piece) in pieces.iter().enumerate() {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
            tx.send(Message::Text(json!({"text": piece}).to_string().into()))
                .await
                .expect("text");
            written += piece.len();
            let now = Some(started.elapsed().as_secs_f64());
            if piece.ends_with([',', '.', ';', ':', '!', '?']) {
                punctuation_at = punctuation_at.or(now);
            }
            if written >= clause_ends {
                clause_at = clause_at.or(now);
            }
        }
        let done_at = started.elapsed().as_secs_f64();
        tx.send(Message::Text(json!({"close": true}).to_string().into()))
            .await
            .expect("close");
        (
            punctuation_at.unwrap_or(0.0),
            clause_at.unwrap_or(0.0),
            done_at,
            tx,
        )
    });
    let mut first = None;
    let mut play_end = 0.0f64;
    let mut gaps: Vec<(f64, f64)> = Vec::new();
    while let Some(Ok(message)) = rx.next().await {
        match message {
            Message::Binary(bytes) => {
                let t = started.elapsed().as_secs_f64();
                if first.is_none() {
                    first = Some(t);
                    play_end = t;
                } else if t > play_end {
                    gaps.push((play_end, t - play_end));
                }
                play_end = play_end.max(t) + bytes.len() as f64 / BYTES_PER_SECOND;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    let total = started.elapsed().as_secs_f64();
    let (punctuation_at, clause_at, text_done, _tx) = writer.await.expect("writer");
    let first = first.unwrap_or(f64::NAN);
    StreamIn {
        after_punctuation: first - punctuation_at,
        after_clause: first - clause_at,
        after_first_token: first,
        stall_after_text: gaps
            .iter()
            .filter(|(at, _)| *at >= text_done)
            .map(|(_, g)| *g)
            .fold(0.0, f64::max),
        stall: gaps.iter().map(|(_, g)| *g).fold(0.0, f64::max),
        total,
    }
}

/// Speech for an LLM's reply as it is written (WebSocket), against waiting for the whole
/// reply and POSTing it.
fn stream_in(server_args: &[&str], runs: usize) {
    let server = Server::start(&[server_args, &["--cache-mb", "0"]].concat());
    let rt = runtime();
    let client = reqwest::Client::new();
    let words = REPLY.split(' ').count();
    let count = tokens(REPLY).len();
    println!(
        "\n## speech from an LLM's reply as it is written ({words} words, {count} tokens; {runs} runs per row)\n"
    );
    // The floor: the first clause the chunk rules speak, POSTed alone (one model call).
    let opener = first_clause(REPLY);
    let alone: Vec<f64> = (0..runs.max(3))
        .map(|_| rt.block_on(speak(&client, &server.base, opener)).ttfa)
        .collect();
    println!(
        "its first clause, \"{opener}\", POSTed alone: TTFA p50 {:.2} s (min {:.2} s)\n",
        percentile(&alone, 0.5),
        percentile(&alone, 0.0)
    );
    println!(
        "| tokens/s | writing takes | WebSocket: first audio after the first punctuation | after the first clause spoken alone | after the first token | worst stall once the text is complete | worst stall | total | wait, then POST: first audio after the first token | total |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for rate in [15.0, 30.0, 60.0] {
        let writing = count as f64 / rate;
        let mut ws_runs = Vec::new();
        let mut post_runs = Vec::new();
        for _ in 0..runs {
            ws_runs.push(rt.block_on(write_over_websocket(&server.base, rate)));
            // The waiting client: the whole reply, then one POST.
            let run = rt.block_on(speak(&client, &server.base, REPLY));
            post_runs.push((writing + run.ttfa, writing + run.total));
        }
        let p50 = |v: Vec<f64>| percentile(&v, 0.5);
        println!(
            "| {rate:.0} | {writing:.1} s | {:.2} s | {:.2} s | {:.2} s | {:.0} ms | {:.0} ms | {:.1} s | {:.2} s | {:.1} s |",
            p50(ws_runs.iter().map(|r| r.after_punctuation).collect()),
            p50(ws_runs.iter().map(|r| r.after_clause).collect()),
            p50(ws_runs.iter().map(|r| r.after_first_token).collect()),
            ws_runs
                .iter()
                .map(|r| r.stall_after_text)
                .fold(0.0, f64::max)
                * 1000.0,
            ws_runs.iter().map(|r| r.stall).fold(0.0, f64::max) * 1000.0,
            p50(ws_runs.iter().map(|r| r.total).collect()),
            p50(post_runs.iter().map(|r| r.0).collect()),
            p50(post_runs.iter().map(|r| r.1).collect()),
        );
    }
}

/// An opener assistants repeat, with the chunk cache on (the server's default size): TTFA the
/// first time (synthesized) and then before a different second sentence each time, so that
/// only the opener can be a hit.
fn cached_opener(server_args: &[&str], runs: usize) {
    const OPENER: &str = "Sure thing.";
    const NEXT: [&str; 5] = [
        "The train to the city leaves from platform four at half past eight.",
        "Your meeting with the design team starts in twenty minutes.",
        "I have added milk, eggs and bread to your shopping list.",
        "The weather tomorrow will be sunny, with a light breeze from the west.",
        "Your package was delivered to the front door an hour ago.",
    ];
    let server = Server::start(server_args);
    let rt = runtime();
    let client = reqwest::Client::new();
    let first = rt.block_on(speak(
        &client,
        &server.base,
        &format!("{OPENER} {}", NEXT[0]),
    ));
    let repeated: Vec<Run> = (0..runs.max(3))
        .map(|i| {
            let text = format!("{OPENER} {}", NEXT[1 + i % (NEXT.len() - 1)]);
            rt.block_on(speak(&client, &server.base, &text))
        })
        .collect();
    let ttfa: Vec<f64> = repeated.iter().map(|r| r.ttfa).collect();
    println!(
        "\n## a repeated opener from the chunk cache (\"{OPENER}\" then a different sentence; {} runs)\n",
        repeated.len()
    );
    println!("| first time: TTFA | repeated: TTFA p50 | TTFA max | worst stall |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| {:.2} s | {:.1} ms | {:.1} ms | {:.0} ms |",
        first.ttfa,
        percentile(&ttfa, 0.5) * 1000.0,
        percentile(&ttfa, 1.0) * 1000.0,
        repeated.iter().map(|r| r.worst_stall).fold(0.0, f64::max) * 1000.0,
    );
}

/// Audio read of each response in `--memory` before it is dropped: every call after the
/// first is no longer than the ones before (the plan only grows to its limit), so a
/// minute of audio holds several calls of the largest size the input makes.
const MEMORY_AUDIO_SECONDS: f64 = 60.0;

/// One `--memory` case: a fresh server of `binary`, a sentence in each of `first` (what
/// it loads for a language stays loaded), then one streamed request, its high-water mark.
/// Returns (VmHWM at ready, VmHWM after, TTFA, audio read).
fn peak_of(
    binary: &str,
    server_args: &[&str],
    first: &[(&str, &str)],
    (text, voice, speed): (&str, &str, f32),
) -> [f64; 4] {
    let server = Server::start_binary(binary, server_args);
    let ready = server.peak_mib();
    let rt = runtime();
    let (ttfa, audio) = rt.block_on(async {
        let client = reqwest::Client::new();
        for (text, voice) in first {
            let resp = client
                .post(format!("{}/v1/audio/speech", server.base))
                .json(&json!({"input": text, "voice": voice, "response_format": "pcm"}))
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), 200, "{voice}");
            resp.bytes().await.expect("body");
        }
        let started = Instant::now();
        let mut resp = client
            .post(format!("{}/v1/audio/speech", server.base))
            .json(&json!({"input": text, "voice": voice, "speed": speed, "response_format": "pcm"}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
        let mut ttfa = f64::NAN;
        let mut bytes = 0usize;
        while let Some(chunk) = resp.chunk().await.expect("body") {
            if bytes == 0 {
                ttfa = started.elapsed().as_secs_f64();
            }
            bytes += chunk.len();
            if bytes as f64 / BYTES_PER_SECOND >= MEMORY_AUDIO_SECONDS {
                break;
            }
        }
        (ttfa, bytes as f64 / BYTES_PER_SECOND)
    });
    [ready, server.peak_mib(), ttfa, audio]
}

/// `--memory`: peak resident memory for the inputs that cost a call the most, at each speed.
/// `only`: the cases whose name contains it (all when empty).
fn memory(server_args: &[&str], baseline: Option<&str>, speeds: &[f32], only: &str) {
    let words = "the quick brown fox jumps over the lazy dog while a small bird sings in the \
                 old tree near the river bank and ";
    let run_on: String = words.repeat(8).chars().take(600).collect();
    let run_on = run_on[..run_on.rfind(' ').unwrap_or(run_on.len())].to_owned();
    let cases = [
        (
            "600 characters of words, no punctuation",
            run_on,
            "af_heart",
        ),
        (
            "4,096 kanji (日本語 × 1,365)",
            "日本語".repeat(1365) + "日",
            "jf_alpha",
        ),
        ("\"a\" × 4,096", "a".repeat(4096), "af_heart"),
        ("\"á\" × 2,048", "á".repeat(2048), "af_heart"),
    ];
    let ours = env!("CARGO_BIN_EXE_ttsd");
    println!(
        "## peak memory (VmHWM) of a fresh server, default settings{}, one streamed request \
         read for {MEMORY_AUDIO_SECONDS:.0} s of audio\n",
        if server_args.is_empty() {
            String::new()
        } else {
            format!(" and {server_args:?}")
        }
    );
    let with_baseline = if baseline.is_some() {
        " baseline peak | baseline TTFA |"
    } else {
        ""
    };
    println!("| input | speed | peak at ready | peak | TTFA | audio read |{with_baseline}");
    println!(
        "| --- | --- | --- | --- | --- | --- |{}",
        if baseline.is_some() {
            " --- | --- |"
        } else {
            ""
        }
    );
    // The case with the highest peak, for the last run.
    let mut worst = (0.0, 0, 1.0);
    let chosen = cases.iter().enumerate().filter(|(_, c)| c.0.contains(only));
    for (i, (name, text, voice)) in chosen {
        for &speed in speeds {
            let case = (text.as_str(), *voice, speed);
            let [ready, peak, ttfa, audio] = peak_of(ours, server_args, &[], case);
            if peak > worst.0 {
                worst = (peak, i, speed);
            }
            let old = baseline.map(|b| peak_of(b, server_args, &[], case));
            let old = old.map_or(String::new(), |[_, peak, ttfa, _]| {
                format!(" {peak:.0} MiB | {ttfa:.2} s |")
            });
            println!(
                "| {name} | {speed} | {ready:.0} MiB | {peak:.0} MiB | {ttfa:.2} s | {audio:.0} s |{old}"
            );
        }
    }
    // The worst a server meets: every language's dictionaries and lexicons loaded (one
    // sentence in each), then the case with the highest peak.
    let (_, i, speed) = worst;
    let (name, text, voice) = &cases[i];
    let [_, peak, _, _] = peak_of(ours, server_args, EVERY_LANGUAGE, (text, voice, speed));
    println!(
        "\nworst peak: {:.0} MiB ({name} at {speed}); after a sentence in each language first: \
         {peak:.0} MiB",
        worst.0
    );
}

/// A sentence for each language a voice speaks, with a voice that speaks it.
const EVERY_LANGUAGE: &[(&str, &str)] = &[
    ("The museum opens at nine.", "af_heart"),
    ("The museum opens at nine.", "bf_emma"),
    ("El museo abre a las nueve.", "ef_dora"),
    ("Le musée ouvre à neuf heures.", "ff_siwis"),
    ("संग्रहालय नौ बजे खुलता है।", "hf_alpha"),
    ("Il museo apre alle nove.", "if_sara"),
    ("博物館は九時に開きます。", "jf_alpha"),
    ("O museu abre às nove.", "pf_dora"),
    ("博物馆九点开门。", "zf_xiaobei"),
];
