//! Limits, authentication, CORS, request ids and graceful shutdown against a real server:
//! on the test engine where no model is needed to show them (keys, the body limit, CORS,
//! request ids), with the real model for shutdown in the middle of speech and for hostile
//! text, whose speech is heard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, serial};
use serde_json::{Value, json};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn api_keys_guard_everything_but_health_and_ready() {
    let _serial = serial();
    let dir = common::tempdir();
    let key_file = dir.path().join("keys");
    std::fs::write(&key_file, "# ops key\nfrom-file-key\n\n").expect("write keys");
    let server = Server::tone(&[
        "--api-key",
        "flag-key",
        "--api-key-file",
        key_file.to_str().expect("utf-8"),
    ]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        for path in ["/health", "/ready"] {
            let r = client.get(server.url(path)).send().await.expect("send");
            assert_eq!(r.status(), 200, "{path} stays open");
        }
        for (auth, expected) in [
            (None, 401),
            (Some("Bearer wrong"), 401),
            (Some("Bearer flag-key-and-more"), 401),
            (Some("flag-key"), 401),
            (Some("Bearer flag-key"), 200),
            (Some("Bearer from-file-key"), 200),
        ] {
            for path in ["/v1/models", "/v1/audio/voices", "/metrics"] {
                let mut req = client.get(server.url(path));
                if let Some(a) = auth {
                    req = req.header("authorization", a);
                }
                let r = req.send().await.expect("send");
                assert_eq!(r.status(), expected, "{path} with {auth:?}");
                if expected == 401 {
                    assert_eq!(r.headers()["www-authenticate"], "Bearer");
                    let v: Value = r.json().await.expect("json");
                    assert_eq!(v["error"]["code"], "invalid_api_key");
                }
            }
        }
        let r = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({"input": "Hi."}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 401, "speech needs a key too");
        let r = client
            .post(server.url("/v1/audio/speech"))
            .bearer_auth("from-file-key")
            .json(&json!({"input": "Hi."}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200);
        assert!(!r.bytes().await.expect("body").is_empty());
    });
}

#[test]
fn body_limit_cors_and_request_ids() {
    let _serial = serial();
    let server = Server::tone(&[
        "--max-body-bytes",
        "2000",
        "--cors-allow-origin",
        "https://chat.example",
    ]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let r = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({"input": "a".repeat(3000)}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 413);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["code"], "body_too_large");

        // CORS: the configured origin is allowed, others get no grant.
        let preflight = |origin: &'static str| {
            client
                .request(reqwest::Method::OPTIONS, server.url("/v1/audio/speech"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,authorization",
                )
                .send()
        };
        let r = preflight("https://chat.example").await.expect("send");
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "https://chat.example"
        );
        let r = preflight("https://evil.example").await.expect("send");
        assert!(r.headers().get("access-control-allow-origin").is_none());

        // Every response has a distinct request id.
        let mut ids = Vec::new();
        for path in ["/health", "/v1/models", "/nope"] {
            let r = client.get(server.url(path)).send().await.expect("send");
            ids.push(
                r.headers()["x-request-id"]
                    .to_str()
                    .expect("ascii")
                    .to_owned(),
            );
        }
        ids.dedup();
        assert_eq!(ids.len(), 3, "{ids:?}");
    });
}

#[test]
fn no_cors_grant_by_default() {
    let _serial = serial();
    let server = Server::tone(&[]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let r = client
            .get(server.url("/v1/models"))
            .header("origin", "https://chat.example")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("access-control-allow-origin").is_none());
    });
}

#[test]
fn sigterm_lets_an_http_stream_and_a_wyoming_synthesis_finish_and_exits_zero() {
    use futures_util::StreamExt;
    use ttsd::wyoming::{Frame, FrameCodec};
    let _serial = serial();
    let mut child = Command::new(common::bin())
        .current_dir(common::repo())
        // Two utterances at once whatever this machine's real-time capacity: the test is
        // about shutdown, not admission.
        .args([
            "serve",
            "--port",
            "0",
            "--wyoming-port",
            "0",
            "--capacity",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("line");
    let base = line
        .trim()
        .trim_start_matches("ttsd listening on ")
        .to_owned();
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the wyoming line");
    let wyoming = line
        .trim()
        .trim_start_matches("ttsd wyoming listening on tcp://")
        .to_owned();
    let client = reqwest::Client::new();
    let pid = child.id().to_string();
    rt().block_on(async {
        use tokio::io::AsyncWriteExt;
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{base}/ready")).send().await
                && r.status() == 200
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "never ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A Wyoming synthesis in progress: started, its text partly sent.
        let (read, mut write) = tokio::net::TcpStream::connect(&wyoming)
            .await
            .expect("wyoming")
            .into_split();
        let mut read = tokio_util::codec::FramedRead::new(read, FrameCodec::default());
        let send = |kind: &str, data: serde_json::Value| Frame::new(kind, data).to_bytes();
        write
            .write_all(&send("synthesize-start", json!({})))
            .await
            .expect("write");
        write
            .write_all(&send(
                "synthesize-chunk",
                json!({"text": "Good morning. The bus"}),
            ))
            .await
            .expect("write");
        let text = "The first sentence is short. The second one takes a little longer to say, \
                    because it goes on. And the third closes the stream.";
        let mut resp = client
            .post(format!("{base}/v1/audio/speech"))
            .json(&json!({"input": text, "response_format": "pcm"}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200);
        let mut bytes = resp
            .chunk()
            .await
            .expect("chunk")
            .expect("first chunk")
            .len();
        let kill = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(kill.success());
        // The Wyoming client finishes its text after the signal.
        write
            .write_all(&send(
                "synthesize-chunk",
                json!({"text": " leaves at nine."}),
            ))
            .await
            .expect("write");
        write
            .write_all(&send("synthesize-stop", json!({})))
            .await
            .expect("write");
        while let Some(chunk) = resp.chunk().await.expect("the stream completes") {
            bytes += chunk.len();
        }
        // All three sentences arrived: several seconds of audio.
        assert!(bytes > 48_000 * 5, "only {bytes} bytes after SIGTERM");
        let mut kinds = Vec::new();
        let mut pcm = 0;
        while let Some(event) = read.next().await {
            let event = event.expect("an event");
            pcm += event.payload.as_ref().map_or(0, |p| p.len());
            kinds.push(event.kind);
        }
        assert_eq!(
            kinds.last().map(String::as_str),
            Some("synthesize-stopped"),
            "{kinds:?}"
        );
        assert!(kinds.contains(&"audio-stop".to_owned()));
        // "Good morning. The bus leaves at nine.": a couple of seconds.
        assert!(pcm > 48_000 * 2, "only {pcm} bytes of Wyoming audio");
        // New connections are refused once shutting down.
        assert!(client.get(format!("{base}/health")).send().await.is_err());
    });
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
}

#[test]
fn hostile_unicode_is_speech_or_a_4xx_never_a_crash() {
    let _serial = serial();
    let server = Server::start(&[]);
    let client = reqwest::Client::new();
    let dir = common::tempdir();
    rt().block_on(async {
        let send = |body: String| {
            client
                .post(server.url("/v1/audio/speech"))
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        // Emoji alone are read by their names (text/normalize/symbols.rs).
        let r = send(json!({"input": "😀🎉👍"}).to_string())
            .await
            .expect("send");
        assert_eq!(r.status(), 200);
        assert!(!r.bytes().await.expect("body").is_empty());
        // Nothing an English voice can read: a clear 400.
        for input in [
            "שלום עולם",
            "مرحبا بالعالم",
            "\u{202e}\u{200b}\u{feff}",
            "\u{0}\u{1}\u{7}",
        ] {
            let r = send(json!({"input": input}).to_string())
                .await
                .expect("send");
            assert_eq!(r.status(), 400, "{input:?}");
            let v: Value = r.json().await.expect("json");
            assert!(v["error"]["message"].as_str().is_some());
        }
        // A lone surrogate is not valid JSON text.
        let r = send(r#"{"input": "a \ud800 b"}"#.to_owned())
            .await
            .expect("send");
        assert_eq!(r.status(), 400);
        // A very long word is either spoken or refused, never a 5xx. Spoken, its first audio
        // comes; the rest (minutes of speech, letter by letter) shows nothing more, so the
        // client leaves, and the server lets the stream go.
        let mut r = send(json!({"input": "z".repeat(4000)}).to_string())
            .await
            .expect("send");
        assert!(
            r.status().is_success() || r.status().is_client_error(),
            "{}",
            r.status()
        );
        if r.status().is_success() {
            assert!(r.chunk().await.expect("the first audio").is_some());
        }
        drop(r);
        let mut active = None;
        for _ in 0..400 {
            active = common::metric_value(
                &common::scrape(&client, &server).await,
                "ttsd_active_streams",
            );
            if active == Some(0.0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            active,
            Some(0.0),
            "the run-on word's stream still active after 20 s"
        );
        // A word of a script English cannot read is named, never dropped in silence.
        let r = send(json!({"input": "Hello שלום world."}).to_string())
            .await
            .expect("send");
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.expect("json");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains("'ש' (U+05E9)"), "{message}");
        // Heard by the ear, both files in one call: mixed text, whose readable part is
        // spoken (the emoji by its name) and whose invisible and control characters are
        // left out; and letters in compatibility forms (circled, full-width, small
        // capitals), heard as the letters they are (before, the circled and small-capital
        // words vanished and the full-width one was read "letter F F forty-three …").
        let mut heard = Vec::new();
        for (input, name) in [
            ("Hello 😀 world, \u{200b}this is\u{7} fine.", "mixed.wav"),
            ("Ⓗⓔⓛⓛⓞ, the ｃａｔ is ꜱᴍᴀʟʟ.", "compatibility.wav"),
        ] {
            let body = json!({"input": input, "response_format": "wav", "stream": false});
            let r = send(body.to_string()).await.expect("send");
            assert_eq!(r.status(), 200, "{input:?}");
            let path = dir.path().join(name);
            std::fs::write(&path, r.bytes().await.expect("body")).expect("write");
            heard.push(path);
        }
        common::asr_check(
            &[
                ("Hello grinning face world, this is fine.", &heard[0]),
                ("Hello, the cat is small.", &heard[1]),
            ],
            0.2,
        );
    });
}
