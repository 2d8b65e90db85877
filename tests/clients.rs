//! The clients people use, against a real `ttsd serve`: the official `openai` SDK (create,
//! streaming, SSE), a LiteLLM proxy, the requests Open WebUI sends, and the `wyoming`
//! package's client, all installed from PyPI at pinned versions into a private venv
//! (`scripts/clients-venv.sh`) and driven by the scripts in `tests/clients/`. Beside them,
//! Rust clients: SSE parsed by hand, Kokoro-FastAPI's fields, a Wyoming client speaking raw
//! TCP, and every route `GET /openapi.json` lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use common::{SAMPLE_RATE, Server, asr_check, decode, rt, serial, tempdir};

const KEY: &str = "sk-ttsd-clients-test";
/// Short enough to keep these tests quick, long enough for several chunks (the first clause
/// goes alone, then each sentence).
/// (No numbers: the ear writes them as digits in ways that cost words.)
const TEXT: &str = "Good morning, and welcome aboard. Please keep your ticket ready, because \
    the conductor will check it soon.";

/// The clients' venv's python (`scripts/clients-venv.sh`).
fn python() -> PathBuf {
    common::venv_python("clients-venv.sh")
}

/// Runs `tests/clients/SCRIPT` with the clients' venv; returns the JSON it prints last.
fn run_script(script: &str, args: &[&str]) -> Value {
    common::run_client(&python(), script, args)
}

/// Samples and rate of a WAV file, checked to be 24 kHz mono.
fn wav_seconds(path: &Path) -> f64 {
    let (samples, rate) = decode(&std::fs::read(path).expect("read wav"), "wav");
    assert_eq!(rate, SAMPLE_RATE, "{}", path.display());
    samples.len() as f64 / rate as f64
}

/// The Python clients share one server (a model load each would cost more than they do),
/// with an API key (they must send it) and the Wyoming port.
#[test]
fn python_clients() {
    let _guard = serial();
    let server = Server::start(&["--api-key", KEY, "--wyoming-port", "0"]);
    let dir = tempdir();
    // The proxy takes its time to start (Python imports): it does so while the SDK runs.
    let proxy = start_litellm(&server, dir.path());
    let mut heard = openai_sdk_create_stream_and_sse(&server, dir.path());
    heard.push(openai_sdk_migration(&server, dir.path()));
    heard.push(open_webui_requests(&server, dir.path()));
    heard.push(litellm_proxy_round_trip(proxy, dir.path()));
    heard.extend(wyoming_clients(&server, dir.path()));
    heard.push(websocket_client(&server, dir.path()));
    // Every client's audio, intelligible (one run of the ear for all).
    let pairs: Vec<(&str, &Path)> = heard.iter().map(|f| (TEXT, f.as_path())).collect();
    asr_check(&pairs, 0.15);
}

/// Python's `websockets` writes the text word by word (20 words a second, as an LLM does)
/// over the streaming-input WebSocket; the audio starts before the text ends.
fn websocket_client(server: &Server, dir: &Path) -> PathBuf {
    let url = server
        .url("/v1/audio/speech/stream")
        .replacen("http://", "ws://", 1);
    let out = dir.join("websocket.wav");
    let summary = run_script("ws_stream.py", &[&url, KEY, out.to_str().unwrap(), TEXT]);
    eprintln!("websocket: {summary}");
    assert_eq!(summary["close_code"], 1000);
    assert_eq!(summary["audio_before_text_ended"], true);
    assert!(summary["binary"].as_u64().unwrap() >= 2);
    let events = summary["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "audio.done");
    out
}

/// A Python `websockets` session that only pings (the library's own pings) and sends
/// `{"text": ""}` is closed once its idle time has passed with nothing left to say, and its
/// slot is free again: with room for one stream, a speech request gets 429 while the idle
/// session holds it and 200 once the server has closed it. On the test engine: this is
/// about the clock, not the voice.
#[test]
fn a_websocket_that_only_pings_is_closed_and_frees_its_slot() {
    let server = Server::start(&[
        "--engine",
        "tone",
        "--stream-idle-timeout",
        "2",
        "--capacity",
        "1",
    ]);
    let url = server
        .url("/v1/audio/speech/stream")
        .replacen("http://", "ws://", 1);
    let speak = || {
        let body = json!({"input": "Hi.", "response_format": "pcm", "stream": false});
        rt().block_on(async {
            let response = reqwest::Client::new()
                .post(server.url("/v1/audio/speech"))
                .json(&body)
                .send()
                .await
                .expect("a response");
            response.status().as_u16()
        })
    };
    // The clients' environment is made before the clock starts (its first use installs it).
    python();
    let streams = || {
        rt().block_on(async {
            let text = reqwest::get(server.url("/metrics"))
                .await
                .expect("metrics")
                .text()
                .await
                .expect("metrics text");
            common::metric_value(&text, "ttsd_active_streams").unwrap_or_default()
        })
    };
    let session = std::thread::scope(|scope| {
        let session = scope.spawn(|| run_script("ws_idle.py", &[&url, "15"]));
        // Once its settings are in, the session holds the one slot ...
        let started = std::time::Instant::now();
        while streams() < 1.0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the session never began"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // ... and, while its idle clock runs, a request is refused.
        assert_eq!(speak(), 429, "the session holds the slot");
        session.join().expect("the script")
    });
    eprintln!("idle websocket: {session}");
    assert_eq!(session["closed_by_server"], true, "{session}");
    let after = session["closed_after_s"].as_f64().unwrap();
    assert!((2.0..8.0).contains(&after), "closed after {after} s");
    assert_eq!(session["close_code"], 1008, "{session}");
    let events = session["events"].as_array().unwrap();
    assert_eq!(
        events.last().map(|e| &e["error"]["code"]),
        Some(&json!("timeout"))
    );
    assert!(
        session["binary"].as_u64().unwrap() >= 1,
        "it spoke its sentence first"
    );
    assert_eq!(speak(), 200, "the slot is free again");
}

/// The Rust clients share one server, without keys.
#[test]
fn rust_clients() {
    let _guard = serial();
    let server = Server::start(&[]);
    sse_events_carry_the_audio_then_the_usage(&server);
    kokoro_fastapi_fields(&server);
    every_documented_route_is_served(&server);
    let dir = tempdir();
    let mut heard = kokoro_fastapi_readme_examples(&server, dir.path());
    heard.extend(markup_in_real_speech(&server, dir.path()));
    // Each file says its words, and no markup is read aloud (the ear would hear "pause",
    // "voice", "speak", "break": words not in the expected text).
    let pairs: Vec<(&str, &Path)> = heard
        .iter()
        .map(|(t, f)| (t.as_str(), f.as_path()))
        .collect();
    let wers = common::asr_wer(&pairs);
    for ((text, file), wer) in heard.iter().zip(&wers) {
        // The ear hears "It did. Turns switch voices inline." as "Turn switch voices in
        // line" in any voice, with or without markup (measured: WER 0.5 on that sentence
        // alone in af_heart and am_michael).
        let max = if text.contains("inline") { 0.26 } else { 0.15 };
        assert!(*wer <= max, "{}: WER {wer} for {text:?}", file.display());
    }
}

/// Kokoro-FastAPI's README examples, run unchanged (`tests/clients/kokoro_fastapi_readme.py`
/// with `requests`, the `openai` SDK and `curl`); returns the files they wrote, to hear.
fn kokoro_fastapi_readme_examples(server: &Server, dir: &Path) -> Vec<(String, PathBuf)> {
    let out = dir.join("kfa");
    std::fs::create_dir_all(&out).unwrap();
    let summary = run_script(
        "kokoro_fastapi_readme.py",
        &[&server.url(""), out.to_str().unwrap()],
    );
    eprintln!("Kokoro-FastAPI README: {summary}");
    assert_eq!(summary["failed"], json!([]), "{summary}");
    let checks = &summary["checks"];
    assert_eq!(checks["voices"], 54);
    assert_eq!(checks["pcm_status"], 200);
    assert_eq!(checks["combine_status"], 200);
    assert_eq!(checks["combine_bytes"], 510 * 256 * 4);
    assert_eq!(
        checks["tokens"],
        checks["phonemes"].as_str().unwrap().chars().count()
    );
    assert_eq!(checks["captioned_words"], json!(["Hello", "world!"]));
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f[1].as_str().unwrap().to_owned(),
                PathBuf::from(f[0].as_str().unwrap()),
            )
        })
        .collect()
}

/// The silent gaps of at least 0.25 s between sounds in 24 kHz speech, in seconds.
fn gaps(samples: &[f32]) -> Vec<f64> {
    let loud: Vec<usize> = (0..samples.len())
        .filter(|&i| samples[i].abs() > 0.003)
        .collect();
    loud.windows(2)
        .map(|w| (w[1] - w[0]) as f64 / f64::from(SAMPLE_RATE))
        .filter(|&g| g >= 0.25)
        .collect()
}

/// Pauses and breaks are as long as asked in the model's audio (within 50 ms), and a
/// combined voice saved as a file speaks; returns files to hear.
fn markup_in_real_speech(server: &Server, dir: &Path) -> Vec<(String, PathBuf)> {
    rt().block_on(async {
        let client = reqwest::Client::new();
        let speak = |body: Value| {
            let request = client.post(server.url("/v1/audio/speech")).json(&body);
            async move {
                let resp = request.send().await.unwrap();
                assert_eq!(resp.status(), 200, "{body}");
                resp.bytes().await.unwrap().to_vec()
            }
        };
        let mut heard = Vec::new();
        for (input, ssml, pause, said) in [
            (
                "Hello there. [pause:1.5s] How are you?",
                false,
                1.5,
                "Hello there. How are you?",
            ),
            (
                "<speak>Good <break time=\"750ms\"/> morning, <sub alias=\"doctor\">Dr.</sub> \
                 Smith.</speak>",
                true,
                0.75,
                "Good morning, doctor Smith.",
            ),
        ] {
            let wav = speak(
                json!({"input": input, "ssml": ssml, "response_format": "wav",
                                   "stream": false}),
            )
            .await;
            let (samples, rate) = decode(&wav, "wav");
            assert_eq!(rate, SAMPLE_RATE);
            let gaps = gaps(&samples);
            assert!(
                gaps.iter().any(|g| (g - pause).abs() <= 0.05),
                "{input}: a {pause} s pause, gaps {gaps:?}"
            );
            let path = dir.join(format!("pause-{pause}.wav"));
            std::fs::write(&path, wav).unwrap();
            heard.push((said.to_owned(), path));
        }

        // A combined voice, saved where voices are read, is a voice.
        let blend = client
            .post(server.url("/v1/audio/voices/combine"))
            .json(&json!("af_bella(2)+af_sky(1)"))
            .send()
            .await
            .unwrap();
        assert_eq!(blend.status(), 200);
        let voices = dir.join("voices");
        std::fs::create_dir_all(&voices).unwrap();
        std::fs::write(
            voices.join("af_bella2_plus_af_sky1.bin"),
            blend.bytes().await.unwrap(),
        )
        .unwrap();
        let out = dir.join("combined.wav");
        let said = "A voice from a file.";
        let status = Command::new(common::bin())
            .current_dir(common::repo())
            .args([
                "say",
                said,
                "--voice",
                "af_bella2_plus_af_sky1",
                "--voices-dir",
            ])
            .arg(&voices)
            .arg("-o")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        heard.push((said.to_owned(), out));
        heard
    })
}

/// Returns the files to hear.
fn openai_sdk_create_stream_and_sse(server: &Server, dir: &Path) -> Vec<PathBuf> {
    let out = dir.to_str().unwrap();
    let summary = run_script("openai_sdk.py", &[&server.url("/v1"), KEY, out, TEXT]);
    eprintln!("openai SDK: {summary}");
    assert!(summary["create_bytes"].as_u64().unwrap() > 44);
    assert_eq!(summary["stream_content_type"], "audio/pcm");
    assert!(
        summary["stream_chunks"].as_u64().unwrap() >= 2,
        "iter_bytes() yields several chunks, not one: {summary}"
    );
    assert_eq!(
        summary["sse_content_type"],
        "text/event-stream; charset=utf-8"
    );
    assert!(summary["sse_deltas"].as_u64().unwrap() >= 2, "{summary}");
    assert_eq!(
        summary["sse_done_marker"], true,
        "data: [DONE] ends the stream"
    );
    let usage = &summary["sse_done"]["usage"];
    let (input, output) = (
        usage["input_tokens"].as_u64().unwrap(),
        usage["output_tokens"].as_u64().unwrap(),
    );
    assert!(input > 0);
    assert_eq!(usage["total_tokens"].as_u64().unwrap(), input + output);
    let sse = dir.join("sse.wav");
    let seconds = wav_seconds(&sse);
    // OpenAI's scale: about 26 audio tokens a second, and a text token per 4 characters.
    assert_eq!(
        (seconds * 26.0).round() as u64,
        output,
        "output_tokens counts the seconds the deltas carried"
    );
    assert_eq!(input, (TEXT.chars().count() as f64 / 4.0).ceil() as u64);
    let files = ["create.wav", "streamed.wav", "sse.wav"].map(|f| dir.join(f));
    for f in &files {
        assert!(wav_seconds(f) > 4.0, "{} is the whole text", f.display());
    }
    files.into()
}

/// What the README's "Moving from OpenAI's speech API" promises, through the SDK: every
/// OpenAI voice and model name speaks; `instructions` is accepted (the file is heard with the
/// others); each response format decodes, as the content type says; `speed` is applied; a
/// bad voice is the SDK's `BadRequestError` with ttsd's code, a wrong key its
/// `AuthenticationError`. Returns the file with instructions, to hear.
fn openai_sdk_migration(server: &Server, dir: &Path) -> PathBuf {
    let out = dir.join("migration");
    std::fs::create_dir_all(&out).unwrap();
    let summary = run_script(
        "openai_migration.py",
        &[&server.url("/v1"), KEY, out.to_str().unwrap(), TEXT],
    );
    eprintln!("openai SDK, migration: {summary}");
    assert!(summary["instructions_bytes"].as_u64().unwrap() > 1000);
    for group in ["voices", "models"] {
        let sizes = summary[group].as_object().unwrap();
        assert_eq!(sizes.len(), if group == "voices" { 13 } else { 4 });
        for (name, bytes) in sizes {
            assert!(bytes.as_u64().unwrap() > 10_000, "{group} {name}: {bytes}");
        }
    }
    let types = &summary["formats"];
    for (format, content_type) in [
        ("mp3", "audio/mpeg"),
        ("opus", "audio/opus"),
        ("aac", "audio/aac"),
        ("flac", "audio/flac"),
        ("wav", "audio/wav"),
        ("pcm", "audio/pcm"),
    ] {
        assert_eq!(types[format], content_type, "{format}");
        let bytes = std::fs::read(out.join(format!("format.{format}"))).unwrap();
        let seconds = common::seconds(&bytes, format);
        assert!((1.0..4.0).contains(&seconds), "{format}: {seconds} s");
    }
    let (normal, fast) = (
        wav_seconds(&out.join("speed-1.wav")),
        wav_seconds(&out.join("speed-2.wav")),
    );
    assert!(
        fast < normal * 0.65,
        "speed 2 is faster: {fast:.2} s against {normal:.2} s"
    );
    let bad = &summary["bad_request"];
    assert_eq!(bad["status"], 400, "{summary}");
    assert_eq!(bad["code"], "unknown_voice");
    assert!(bad["message"].as_str().unwrap().contains("nosuchvoice"));
    assert_eq!(summary["unauthorized"]["status"], 401, "{summary}");
    assert_eq!(summary["unauthorized"]["code"], "invalid_api_key");
    out.join("instructions.mp3")
}

/// Server-Sent Events read by hand: every event a `data:` line of JSON, deltas then one
/// `done`, and the deltas' audio is the response format's stream.
fn sse_events_carry_the_audio_then_the_usage(server: &Server) {
    rt().block_on(async {
        let client = reqwest::Client::new();
        let resp = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({
                "input": TEXT,
                "response_format": "mp3",
                "stream_format": "sse",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        let text = resp.text().await.unwrap();
        // OpenAI's streams end with a [DONE] line after the last event.
        let text = text
            .strip_suffix("data: [DONE]\n\n")
            .expect("the [DONE] line ends the stream");
        assert!(text.ends_with("\n\n"));
        let events: Vec<Value> = text
            .split_terminator("\n\n")
            .map(|block| {
                let data = block.strip_prefix("data: ").expect("a data line");
                assert!(!data.contains('\n'), "one line per event");
                serde_json::from_str(data).expect("JSON")
            })
            .collect();
        let (done, deltas) = events.split_last().unwrap();
        assert_eq!(done["type"], "speech.audio.done");
        assert!(deltas.len() >= 2, "one delta per chunk");
        let mut mp3 = Vec::new();
        for delta in deltas {
            assert_eq!(delta["type"], "speech.audio.delta");
            let audio = base64::engine::general_purpose::STANDARD
                .decode(delta["audio"].as_str().unwrap())
                .unwrap();
            mp3.extend_from_slice(&audio);
        }
        let (samples, rate) = decode(&mp3, "mp3");
        assert_eq!(rate, SAMPLE_RATE);
        let usage = &done["usage"];
        let output = usage["output_tokens"].as_u64().unwrap() as f64;
        // 26 audio tokens a second; mp3 adds its encoder delay and frame padding, a few
        // frames at most.
        let seconds = samples.len() as f64 / SAMPLE_RATE as f64;
        assert!(
            (seconds * 26.0 - output).abs() < 0.1 * 26.0,
            "{seconds:.2} s decoded, {output} tokens counted"
        );
        // Intelligibility of SSE audio is the openai SDK test's; here, the framing.

        for (body, param) in [
            (
                json!({"input": "Hi.", "stream_format": "sse", "stream": false}),
                "stream",
            ),
            (
                json!({"input": "Hi.", "stream_format": "ws"}),
                "stream_format",
            ),
        ] {
            let resp = client
                .post(server.url("/v1/audio/speech"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400, "{body}");
            let err: Value = resp.json().await.unwrap();
            assert_eq!(err["error"]["param"], param);
        }
    });
}

/// A child process killed on drop (the LiteLLM proxy), its log, address and master key.
struct Proxy {
    child: Child,
    log: PathBuf,
    base: String,
    master: &'static str,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A LiteLLM proxy in front of `server` (`examples/litellm.yaml`), started, not yet ready.
fn start_litellm(server: &Server, dir: &Path) -> Proxy {
    let port = free_port();
    let master = "sk-litellm-master-0123456789abcdef";
    let log = dir.join("litellm.log");
    let litellm = python().with_file_name("litellm");
    let child = Command::new(&litellm)
        .args(["--config", "examples/litellm.yaml", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string()])
        .current_dir(common::repo())
        .env("TTSD_BASE_URL", server.url("/v1"))
        .env("TTSD_API_KEY", KEY)
        .env("LITELLM_MASTER_KEY", master)
        // No download of the model price list at start (CI reaches only package registries).
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("LITELLM_TELEMETRY", "False")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start litellm");
    Proxy {
        child,
        log,
        base: format!("http://127.0.0.1:{port}"),
        master,
    }
}

/// Speech through the proxy, once it is ready. Returns the file to hear.
fn litellm_proxy_round_trip(mut proxy: Proxy, dir: &Path) -> PathBuf {
    let (base, master) = (proxy.base.clone(), proxy.master);
    let started = Instant::now();
    loop {
        if let Some(status) = proxy.child.try_wait().unwrap() {
            let log = std::fs::read_to_string(&proxy.log).unwrap_or_default();
            panic!("litellm exited ({status}):\n{log}");
        }
        if http_status(&base, "/health/liveliness") == Some(200) {
            break;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let log = std::fs::read_to_string(&proxy.log).unwrap_or_default();
            panic!("litellm not ready after 180 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let mp3 = dir.join("litellm.mp3");
    let summary = run_script(
        "litellm_speech.py",
        &[
            &format!("{base}/v1"),
            master,
            "kokoro-tts",
            mp3.to_str().unwrap(),
            TEXT,
        ],
    );
    eprintln!("litellm: {summary}");
    let (samples, rate) = decode(&std::fs::read(&mp3).unwrap(), "mp3");
    assert_eq!(rate, SAMPLE_RATE, "ttsd's mp3, passed through");
    assert!(samples.len() > 4 * SAMPLE_RATE as usize);
    mp3
}

/// The status of a GET over a plain socket.
fn http_status(base: &str, path: &str) -> Option<u16> {
    let addr = base.strip_prefix("http://")?;
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// With a key on the server: Open WebUI sends it with speech, not with its listings.
/// Returns the file to hear.
fn open_webui_requests(server: &Server, dir: &Path) -> PathBuf {
    let mp3 = dir.join("openwebui.mp3");
    let summary = run_script(
        "openwebui.py",
        &[
            &server.url("/openwebui/v1"),
            KEY,
            "kokoro",
            "af_bella",
            mp3.to_str().unwrap(),
            TEXT,
        ],
    );
    let models = summary["models"].as_array().unwrap();
    assert!(models.contains(&json!("kokoro")) && models.contains(&json!("tts-1")));
    let voices = summary["voices"].as_object().unwrap();
    assert!(
        voices["af_heart"]
            .as_str()
            .unwrap()
            .contains("American English")
    );
    assert!(voices.contains_key("bm_george") && voices.contains_key("ef_dora"));
    // Every voice speaks now, Japanese and Mandarin included: all 54 are offered.
    assert_eq!(voices.len(), 54, "{voices:?}");
    assert!(voices["jf_alpha"].as_str().unwrap().contains("Japanese"));
    assert!(voices["zf_xiaoxiao"].as_str().unwrap().contains("Mandarin"));
    assert_eq!(summary["content_type"], "audio/mpeg");
    // The listings are open; speech stays behind the key.
    assert_eq!(
        http_status(&server.base, "/openwebui/v1/audio/voices"),
        Some(200)
    );
    assert_eq!(
        http_status(&server.base, "/openwebui/v1/audio/models"),
        Some(200)
    );
    let status = rt().block_on(async {
        reqwest::Client::new()
            .post(server.url("/openwebui/v1/audio/speech"))
            .json(&json!({"input": "Hi."}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 401);
    mp3
}

fn kokoro_fastapi_fields(server: &Server) {
    rt().block_on(async {
        let client = reqwest::Client::new();
        let speak = |extra: Value| {
            let mut body = json!({"input": "A quiet sentence, then a loud one.", "response_format": "pcm", "stream": false});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let request = client.post(server.url("/v1/audio/speech")).json(&body);
            async move {
                let resp = request.send().await.unwrap();
                let status = resp.status().as_u16();
                (status, resp.bytes().await.unwrap())
            }
        };
        // Everything Kokoro-FastAPI's clients send, and a field nobody knows.
        let (status, full) = speak(json!({
            "model": "kokoro",
            "voice": "af_heart",
            "lang_code": "a",
            "volume_multiplier": 1.0,
            "normalization_options": {"normalize": true},
            "download_format": "wav",
            "return_download_link": false,
            "return_timestamps": false,
            "some_future_field": [1, 2],
        }))
        .await;
        assert_eq!(status, 200);
        let (status, half) = speak(json!({"volume_multiplier": 0.5})).await;
        assert_eq!(status, 200);
        let rms = |pcm: &[u8]| {
            let n = pcm.len() / 2;
            let sum: f64 = pcm
                .chunks_exact(2)
                .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])).powi(2))
                .sum();
            (sum / n as f64).sqrt()
        };
        let ratio = rms(&half) / rms(&full);
        assert!((0.4..0.6).contains(&ratio), "half the gain: RMS ratio {ratio}");
        let (status, _) = speak(json!({"volume_multiplier": null})).await;
        assert_eq!(status, 200, "null means 1");

        for (extra, param) in [
            (json!({"return_download_link": true}), "return_download_link"),
            // Word times come as SSE events (or from /dev/captioned_speech).
            (json!({"return_timestamps": true}), "timestamps"),
            (json!({"volume_multiplier": "loud"}), "volume_multiplier"),
            (json!({"download_format": "ogg"}), "download_format"),
        ] {
            let (status, body) = speak(extra.clone()).await;
            assert_eq!(status, 400, "{extra}");
            let err: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(err["error"]["param"], param, "{err}");
        }
    });
}

fn every_documented_route_is_served(server: &Server) {
    rt().block_on(async {
        let client = reqwest::Client::new();
        let doc: Value = client
            .get(server.url("/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 10);
        for (path, item) in paths {
            // A path parameter filled in with a value it takes (a lexicon that is not
            // there: its 404 is the lexicon's, not the router's).
            let path = &path
                .replace("{model}", "kokoro")
                .replace("{name}", "absent");
            for method in item.as_object().unwrap().keys() {
                let request = match method.as_str() {
                    "get" => client.get(server.url(path)),
                    // A body that is invalid: the route answers 400, not 404/405.
                    "post" => client.post(server.url(path)).json(&json!({})),
                    "put" => client.put(server.url(path)).json(&json!({})),
                    "delete" => client.delete(server.url(path)),
                    other => panic!("unexpected method {other} for {path}"),
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or_default();
                assert!(
                    status != 405 && body["error"]["code"] != "not_found",
                    "{method} {path} answered {status}: {body}"
                );
            }
        }
    });
}

/// One Wyoming event read from a raw socket: header line, data bytes, payload bytes.
fn read_event(reader: &mut impl BufRead) -> (Value, Vec<u8>) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.ends_with('\n'), "a header line: {line:?}");
    let mut header: Value = serde_json::from_str(&line).unwrap();
    assert!(header["version"].is_string());
    if let Some(n) = header["data_length"].as_u64() {
        let mut data = vec![0; n as usize];
        reader.read_exact(&mut data).unwrap();
        let data: Value = serde_json::from_slice(&data).unwrap();
        header["data"] = data;
    }
    let mut payload = Vec::new();
    if let Some(n) = header["payload_length"].as_u64() {
        payload = vec![0; n as usize];
        reader.read_exact(&mut payload).unwrap();
    }
    (header, payload)
}

fn write_event(stream: &mut TcpStream, kind: &str, data: Value) {
    let data = serde_json::to_vec(&data).unwrap();
    let header = json!({"type": kind, "data_length": data.len(), "version": "1.10.2"});
    stream
        .write_all(format!("{header}\n").as_bytes())
        .and_then(|()| stream.write_all(&data))
        .unwrap();
}

/// Returns the files to hear.
fn wyoming_clients(server: &Server, dir: &Path) -> Vec<PathBuf> {
    let addr = server.wyoming.clone().expect("the wyoming address");
    let (host, port) = addr.rsplit_once(':').unwrap();

    // The wyoming package's own client: describe, synthesize, and the streaming variant.
    let out = dir.join("wyoming");
    std::fs::create_dir_all(&out).unwrap();
    let summary = run_script("wyoming_tts.py", &[host, port, out.to_str().unwrap(), TEXT]);
    eprintln!("wyoming: {summary}");
    assert_eq!(summary["streaming"], true);
    let voices = summary["voices"].as_array().unwrap();
    assert!(voices.contains(&json!("af_heart")) && voices.contains(&json!("bf_emma")));
    // Every language Kokoro speaks (all the table's), as the table tags it.
    let mut tags: Vec<&str> = ttsd::language::Language::ALL
        .iter()
        .map(|l| l.row().bcp47)
        .collect();
    tags.sort_unstable();
    assert_eq!(summary["languages"], json!(tags));
    for mode in ["oneshot", "streamed"] {
        assert_eq!(summary[mode]["format"], json!([24000, 2, 1]), "{mode}");
        assert!(summary[mode]["chunks"].as_u64().unwrap() >= 2, "{mode}");
    }
    assert_eq!(summary["oneshot"]["events"], "audio-start");
    assert_eq!(summary["streamed"]["starts"], 1);
    assert_eq!(summary["streamed"]["stops"], 1);
    assert_eq!(summary["streamed"]["last"], "synthesize-stopped");
    let files = ["oneshot.wav", "streamed.wav"].map(|f| out.join(f));

    // A streamed synthesis is one utterance through the same pipeline as HTTP: its audio
    // is as long as HTTP's whole file for the same text and voice (sentence pauses
    // included: when Wyoming ran the pipeline per sentence it lost them, 0.91 of HTTP's).
    // A stream may be cut finer when the machine is slow (each cut lengthens the speech a
    // little, up to 0.3 s), so it may be longer, never shorter.
    let http_pcm = rt().block_on(async {
        reqwest::Client::new()
            .post(server.url("/v1/audio/speech"))
            .bearer_auth(KEY)
            .json(
                &json!({"input": TEXT, "voice": "bf_emma", "response_format": "pcm",
                          "stream": false}),
            )
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let http_seconds = http_pcm.len() as f64 / 2.0 / f64::from(SAMPLE_RATE);
    let streamed_seconds = wav_seconds(&files[1]);
    eprintln!("wyoming streamed {streamed_seconds:.3} s, HTTP {http_seconds:.3} s");
    let ratio = streamed_seconds / http_seconds;
    assert!(
        (0.97..=1.15).contains(&ratio),
        "streamed {streamed_seconds:.3} s against HTTP's {http_seconds:.3} s"
    );

    // A Rust client on the raw protocol: framing, timestamps, errors as events.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    write_event(&mut stream, "describe", json!({}));
    let (info, _) = read_event(&mut reader);
    assert_eq!(info["type"], "info");
    assert_eq!(
        info["data"]["tts"][0]["supports_synthesize_streaming"],
        true
    );
    write_event(
        &mut stream,
        "synthesize",
        json!({"text": "Hello there. How are you today?", "voice": {"language": "en-GB"}}),
    );
    let (start, _) = read_event(&mut reader);
    assert_eq!(start["type"], "audio-start");
    assert_eq!(start["data"]["rate"], 24000);
    let mut samples = 0;
    let mut last_timestamp = -1;
    loop {
        let (event, payload) = read_event(&mut reader);
        match event["type"].as_str().unwrap() {
            "audio-chunk" => {
                assert_eq!(payload.len() % 2, 0, "whole 16-bit samples");
                assert!(!payload.is_empty());
                let ts = event["data"]["timestamp"].as_i64().unwrap();
                assert_eq!(
                    ts,
                    samples as i64 * 1000 / 24000,
                    "timestamps follow the audio"
                );
                assert!(ts > last_timestamp);
                last_timestamp = ts;
                samples += payload.len() / 2;
            }
            "audio-stop" => break,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(samples > SAMPLE_RATE as usize, "{samples} samples");
    write_event(
        &mut stream,
        "synthesize",
        json!({"text": "Hi.", "voice": {"name": "zz_nobody"}}),
    );
    let (error, _) = read_event(&mut reader);
    assert_eq!(error["type"], "error");
    assert!(
        error["data"]["text"]
            .as_str()
            .unwrap()
            .contains("zz_nobody")
    );
    stream.write_all(b"this is not an event\n").unwrap();
    let (error, _) = read_event(&mut reader);
    assert_eq!(error["type"], "error");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "the connection is closed after a malformed event"
    );
    files.into()
}
