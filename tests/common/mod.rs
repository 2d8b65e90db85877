//! Shared by the integration tests: a real `ttsd serve` on 127.0.0.1:0, a real decoder
//! (symphonia), and the independent ears (`../shared/tools/asr-check`, English;
//! `scripts/multilingual-ear.sh`, the other languages).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

pub mod oneshot;
pub mod tone;
pub mod wyoming;

pub const SAMPLE_RATE: u32 = 24_000;

/// Three sentences, about eleven seconds of speech: long enough to see streaming.
pub const THREE_SENTENCES: &str = "Good morning. The train to the city leaves from platform four \
    at half past eight, and it usually arrives on time. Please remember to bring your ticket \
    and a warm coat, because the evening will be cold.";

/// Tests that measure time or load the CPU run one at a time (the machine has 2 cores).
/// The wait is recorded (`spent`), so that the cost report counts a test's own time only.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let asked = Instant::now();
    let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    record(serde_json::json!({"waited_seconds": asked.elapsed().as_secs_f64()}));
    guard
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ttsd")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The python of a private venv that `scripts/SCRIPT` makes (on first use; idempotent) and
/// prints: `clients-venv.sh` (the clients people use), `piper-peer-venv.sh` (Piper's peers).
pub fn venv_python(script: &str) -> PathBuf {
    static MADE: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, python)) = made.iter().find(|(s, _)| s == script) {
        return python.clone();
    }
    let out = Command::new(repo().join("scripts").join(script))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run scripts/{script}: {e}"));
    assert!(out.status.success(), "scripts/{script} failed");
    let python = PathBuf::from(String::from_utf8(out.stdout).expect("utf-8").trim());
    made.push((script.to_owned(), python.clone()));
    python
}

/// Runs `tests/clients/SCRIPT` with `python`; returns the JSON it prints last.
pub fn run_client(python: &Path, script: &str, args: &[&str]) -> Value {
    let path = repo().join("tests/clients").join(script);
    let out = Command::new(python)
        .arg(&path)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} failed; stdout:\n{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed {last:?}: {e}"))
}

/// Records what the running test spent besides time, for the cost report of `make test`
/// (`scripts/tests.py`): seconds of speech the real model made, and an ear call with the
/// number of files it heard.
pub fn spent(audio_seconds: f64, ear_files: usize) {
    record(serde_json::json!({
        "audio_seconds": audio_seconds,
        "ear_calls": usize::from(ear_files > 0),
        "ear_files": ear_files,
    }));
}

/// Appends `fields` and the running test's name (libtest names each test's thread after it)
/// as a JSON line to the file `TTSD_TEST_LEDGER` names, which `scripts/tests.py` sets;
/// without it, nothing is written.
fn record(mut fields: Value) {
    let Some(path) = std::env::var_os("TTSD_TEST_LEDGER") else {
        return;
    };
    fields["test"] = std::thread::current().name().unwrap_or("?").into();
    // One short write in append mode: lines from threads running at once do not interleave.
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{fields}\n").as_bytes()));
}

/// A `ttsd serve` child process, killed on drop.
pub struct Server {
    child: Child,
    /// The server's process id (`child` is a shell around it when shared).
    pid: u32,
    pub base: String,
    /// `host:port` of the Wyoming server, when started with `--wyoming-port`.
    pub wyoming: Option<String>,
    /// Whether the real model speaks (not `--engine tone`): its audio is counted on drop.
    real: bool,
}

/// Kept alive by its caller's pipe: `sh -c WATCH ttsd serve ...` starts the server, prints its
/// pid, and kills it when its standard input closes, which happens when the test process
/// exits, however it exits (a server kept in a static is never dropped).
const WATCH: &str = r#""$0" "$@" </dev/null &
echo "pid $!"
read -r _ || true
kill "$!" 2>/dev/null
wait"#;

impl Server {
    /// Starts the server on a free port and waits until `/ready` says 200.
    pub fn start(extra: &[&str]) -> Server {
        Server::spawn(extra, false)
    }

    /// A server on the deterministic test engine (no model: ready at once, 16 kHz tones, the
    /// engine's own voices, `ttsd::engine::tone::VOICES`), for tests of protocol, limits and
    /// errors.
    pub fn tone(extra: &[&str]) -> Server {
        let args = [&["--engine", "tone"], extra].concat();
        Server::spawn(&args, false)
    }

    /// The real-model server this test binary shares between its tests that ask for one with
    /// the same arguments: started by the first, alive until the test process exits (a model
    /// load each would cost more than many tests do). Tests that share one take turns through
    /// [`serial`]; what each made is counted for it when its handle drops.
    pub fn shared(extra: &[&str]) -> Shared {
        static SERVERS: Mutex<Vec<(Vec<String>, &'static Server)>> = Mutex::new(Vec::new());
        let key: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
        let mut servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
        let server = match servers.iter().find(|(k, _)| *k == key) {
            Some((_, server)) => *server,
            None => {
                let server: &'static Server = Box::leak(Box::new(Server::spawn(extra, true)));
                servers.push((key, server));
                server
            }
        };
        Shared {
            server,
            audio_before: server.audio_seconds(),
        }
    }

    fn spawn(extra: &[&str], watched: bool) -> Server {
        let mut command = if watched {
            let mut c = Command::new("sh");
            c.arg("-c").arg(WATCH).arg(bin());
            c
        } else {
            Command::new(bin())
        };
        let mut child = command
            .current_dir(repo())
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdin(if watched {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ttsd serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut stdout = BufReader::new(stdout);
        let mut pid = (!watched).then(|| child.id());
        let mut base = None;
        // The Wyoming address is the line after the HTTP one, printed with it.
        let mut wyoming = None;
        let wants_wyoming = extra.contains(&"--wyoming-port");
        while pid.is_none() || base.is_none() || (wants_wyoming && wyoming.is_none()) {
            let mut line = String::new();
            stdout
                .read_line(&mut line)
                .expect("read the server's lines");
            let line = line.trim();
            if let Some(p) = line.strip_prefix("pid ") {
                pid = Some(p.parse().expect("a pid"));
            } else if let Some(b) = line.strip_prefix("ttsd listening on ") {
                base = Some(b.to_owned());
            } else if let Some(w) = line.strip_prefix("ttsd wyoming listening on tcp://") {
                wyoming = Some(w.to_owned());
            } else {
                panic!("unexpected line from ttsd serve: {line:?}");
            }
        }
        let server = Server {
            child,
            pid: pid.expect("a pid"),
            base: base.expect("an address"),
            wyoming,
            real: !extra.windows(2).any(|w| w == ["--engine", "tone"]),
        };
        server.wait_ready(Duration::from_secs(180));
        server
    }

    fn wait_ready(&self, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.get_status("/ready") == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("server not ready after {limit:?}");
    }

    /// The status of a GET, over a plain std socket (no runtime needed).
    pub fn get_status(&self, path: &str) -> Option<u16> {
        self.get(path)?.split_whitespace().nth(1)?.parse().ok()
    }

    /// The whole response to a GET (status line, headers, body), over a plain std socket.
    fn get(&self, path: &str) -> Option<String> {
        let addr = self.base.strip_prefix("http://")?;
        let mut stream = TcpStream::connect(addr).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        Some(response)
    }

    /// Seconds of audio the server has made since it started (`ttsd_audio_seconds_total`).
    pub fn audio_seconds(&self) -> f64 {
        self.get("/metrics")
            .and_then(|m| metric_value(&m, "ttsd_audio_seconds_total"))
            .unwrap_or(0.0)
    }

    /// Resident memory of the server process in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The most memory the server has held at once since it started (the kernel's
    /// high-water mark): unlike a sample of RSS, it does not depend on when it is read.
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// The server's process id (to signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.real {
            spent(self.audio_seconds(), 0);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A handle on a server shared by a binary's tests ([`Server::shared`]).
pub struct Shared {
    server: &'static Server,
    audio_before: f64,
}

impl std::ops::Deref for Shared {
    type Target = Server;
    fn deref(&self) -> &Server {
        self.server
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        spent(self.server.audio_seconds() - self.audio_before, 0);
    }
}

/// The server's `/metrics` text.
pub async fn scrape(client: &::reqwest::Client, server: &Server) -> String {
    client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text")
}

/// The value of the series whose line starts with `name` (labels included).
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
}

/// Decoded mono samples and the sample rate: Ogg Opus by libopus (symphonia has no Opus
/// decoder), everything else by symphonia.
pub fn decode(bytes: &[u8], extension: &str) -> (Vec<f32>, u32) {
    if extension == "opus" {
        return decode_ogg_opus(bytes);
    }
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .expect("symphonia recognizes the stream");
    let mut format = probed.format;
    let track = format.default_track().expect("a track").clone();
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .expect("a decoder");
    let rate = track.codec_params.sample_rate.expect("a sample rate");
    let mut samples = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(symphonia::core::errors::Error::IoError(e))
                if e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break;
            }
            Err(e) => panic!("reading packets: {e}"),
        };
        let decoded = decoder.decode(&packet).expect("decode a packet");
        let mut buf = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buf.copy_interleaved_ref(decoded);
        samples.extend_from_slice(buf.samples());
    }
    (samples, rate)
}

/// Ogg Opus decoded by libopus at 48 kHz: pages read by the `ogg` crate, the pre-skip from
/// OpusHead dropped, and the end trimmed to the last page's granule position (when the
/// stream has its end; a prefix of a stream decodes to what it holds).
pub fn decode_ogg_opus(bytes: &[u8]) -> (Vec<f32>, u32) {
    const RATE: u32 = 48_000;
    let mut reader = ogg::PacketReader::new(Cursor::new(bytes.to_vec()));
    let head = reader.read_packet_expected().expect("an OpusHead packet");
    assert!(
        head.data.starts_with(b"OpusHead"),
        "first packet is OpusHead"
    );
    assert_eq!(head.data[9], 1, "mono");
    assert_eq!(head.absgp_page(), 0);
    let pre_skip = u16::from_le_bytes([head.data[10], head.data[11]]) as usize;
    let tags = reader.read_packet_expected().expect("an OpusTags packet");
    assert!(
        tags.data.starts_with(b"OpusTags"),
        "second packet is OpusTags"
    );
    let mut decoder = opus::Decoder::new(RATE, opus::Channels::Mono).expect("libopus decoder");
    let mut samples = Vec::new();
    let mut buf = vec![0f32; 5760];
    let mut granule = 0;
    while let Some(packet) = reader.read_packet().expect("a valid Ogg page") {
        let n = decoder
            .decode_float(&packet.data, &mut buf, false)
            .expect("an Opus packet");
        samples.extend_from_slice(&buf[..n]);
        if packet.last_in_page() {
            let page = packet.absgp_page();
            assert!(page >= granule, "granule positions never go back");
            granule = page;
        }
        if packet.last_in_stream() {
            assert!(
                granule as usize <= samples.len(),
                "end trimming within the audio"
            );
            samples.truncate(granule as usize);
            break;
        }
    }
    samples.drain(..pre_skip.min(samples.len()));
    (samples, RATE)
}

/// Seconds of audio in raw 24 kHz s16le mono.
pub fn pcm_seconds(bytes: &[u8]) -> f64 {
    bytes.len() as f64 / 2.0 / SAMPLE_RATE as f64
}

/// Seconds of audio in a file of the given format, decoded.
pub fn seconds(bytes: &[u8], format: &str) -> f64 {
    if format == "pcm" {
        return pcm_seconds(bytes);
    }
    let (samples, rate) = decode(bytes, format);
    samples.len() as f64 / rate as f64
}

/// Runs an ear (`../shared/tools/asr-check`, or `scripts/multilingual-ear.sh`: the same
/// interface) on (expected text, file) pairs with `--max-wer` and `--lang`; returns whether
/// it passed and its report.
fn run_ear(
    tool: &Path,
    pairs: &[(&str, &Path)],
    max_wer: f64,
    lang: &str,
    extra: &[&std::ffi::OsStr],
) -> (bool, String) {
    let mut cmd = Command::new(tool);
    cmd.args(extra);
    cmd.arg("--max-wer").arg(max_wer.to_string());
    cmd.arg("--lang").arg(lang);
    for (text, file) in pairs {
        cmd.arg(text).arg(file);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    spent(0.0, pairs.len());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{report}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.success(), report)
}

fn asr_check_tool() -> PathBuf {
    repo().join("../shared/tools/asr-check")
}

/// asr-check on (expected text, file) pairs; panics with its report when any file's word
/// error rate is above `max_wer`.
pub fn asr_check(pairs: &[(&str, &Path)], max_wer: f64) {
    let (passed, report) = run_ear(&asr_check_tool(), pairs, max_wer, "en", &[]);
    assert!(passed, "asr-check failed:\n{report}");
}

/// Word error rates of (expected text, file) pairs, as asr-check scores them.
pub fn asr_wer(pairs: &[(&str, &Path)]) -> Vec<f64> {
    asr_wer_in("en", pairs)
}

/// Word error rates of (expected text, file) pairs of speech in `lang` (Whisper's code).
pub fn asr_wer_in(lang: &str, pairs: &[(&str, &Path)]) -> Vec<f64> {
    ear_wers(&asr_check_tool(), lang, pairs, &[])
}

/// The same from the multilingual ear (`scripts/multilingual-ear.sh`: Whisper base,
/// multilingual, installed under target/ on first use), which scores Hindi by a character
/// error rate instead (`tests/asr/multilingual.py` says why).
pub fn multilingual_wer_in(lang: &str, pairs: &[(&str, &Path)]) -> Vec<f64> {
    ear_wers(
        &repo().join("scripts/multilingual-ear.sh"),
        lang,
        pairs,
        &[],
    )
}

/// The multilingual ear on (language, expected text, file) triples, every language in one
/// run (one model load): each score, in order; and each file's word times from the same
/// transcription, written to `words_to` (JSON lines, as `tests/asr/word_times.py` prints
/// them, each naming its file). The triples go in a manifest beside `words_to`.
pub fn multilingual_wers_and_words(items: &[(&str, &str, &Path)], words_to: &Path) -> Vec<f64> {
    let manifest = words_to.with_extension("tsv");
    let lines: String = items
        .iter()
        .map(|(lang, text, file)| format!("{}\t{text}\t{lang}\n", file.display()))
        .collect();
    std::fs::write(&manifest, lines).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let tool = repo().join("scripts/multilingual-ear.sh");
    let extra = [
        std::ffi::OsStr::new("--manifest"),
        manifest.as_os_str(),
        std::ffi::OsStr::new("--words-to"),
        words_to.as_os_str(),
    ];
    // No pairs as arguments (`run_ear` counts none): the manifest holds them.
    let (_, report) = run_ear(&tool, &[], 1000.0, "en", &extra);
    spent(0.0, items.len());
    report_wers(&tool, &report, items.len())
}

fn ear_wers(
    tool: &Path,
    lang: &str,
    pairs: &[(&str, &Path)],
    extra: &[&std::ffi::OsStr],
) -> Vec<f64> {
    let (_, report) = run_ear(tool, pairs, 1000.0, lang, extra);
    report_wers(tool, &report, pairs.len())
}

/// The scores in an ear's report ("wer=", or "cer=" where it scores characters), `n` of them.
fn report_wers(tool: &Path, report: &str, n: usize) -> Vec<f64> {
    let wers: Vec<f64> = report
        .lines()
        .filter_map(|l| {
            // "wer=", or "cer=" where the ear scores characters (Hindi: multilingual.py).
            l.strip_prefix("wer=")
                .or_else(|| l.strip_prefix("cer="))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(wers.len(), n, "{} report:\n{report}", tool.display());
    wers
}

/// The PCM (16-bit samples) of each `speech.audio.delta` event of an SSE body, in order.
pub fn sse_pcm(body: &[u8]) -> Vec<Vec<i16>> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(body);
    text.split_terminator("\n\n")
        .filter_map(|block| block.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
        .filter(|event| event["type"] == "speech.audio.delta")
        .map(|event| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(event["audio"].as_str().expect("audio"))
                .expect("base64");
            bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect()
        })
        .collect()
}

/// 16-bit mono samples as a WAV file at `rate`.
pub fn write_wav(path: &Path, samples: &[i16], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for &s in samples {
        w.write_sample(s).expect("wav sample");
    }
    w.finalize().expect("wav");
}

/// A temporary directory for audio files.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Bytes of a response, each chunk with the time it arrived (from the request's start).
pub struct Timed {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub chunks: Vec<(Duration, bytes::Bytes)>,
}

impl Timed {
    pub fn body(&self) -> Vec<u8> {
        self.chunks.iter().flat_map(|(_, b)| b.to_vec()).collect()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body()).expect("a JSON body")
    }
}

pub async fn post(client: &reqwest::Client, server: &Server, body: Value) -> Timed {
    let started = Instant::now();
    let mut resp = client
        .post(server.url("/v1/audio/speech"))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut chunks = Vec::new();
    while let Some(chunk) = resp.chunk().await.expect("read body") {
        chunks.push((started.elapsed(), chunk));
    }
    Timed {
        status,
        headers,
        chunks,
    }
}
