//! The HTTP API against a real `ttsd serve` on 127.0.0.1:0 with the real model, read by a
//! real HTTP client and a real decoder; the errors on the test engine (they reach no model).
//! Tests with the same server arguments share one server (`Server::shared`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{
    Server, THREE_SENTENCES, asr_check, asr_wer, decode, metric_value, post, rt, scrape, seconds,
    serial, sse_pcm, tempdir, write_wav,
};
use serde_json::{Value, json};

async fn metric(client: &reqwest::Client, server: &Server, name: &str) -> f64 {
    let text = scrape(client, server).await;
    metric_value(&text, name).unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

#[test]
fn streams_the_first_sentence_long_before_the_last_and_it_is_speech() {
    let _serial = serial();
    let server = Server::shared(&[]);
    let client = reqwest::Client::new();
    let dir = tempdir();
    rt().block_on(async {
        let r = post(
            &client,
            &server,
            json!({"model": "tts-1", "input": THREE_SENTENCES, "voice": "af_heart"}),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "audio/mpeg");
        assert_eq!(r.headers["x-accel-buffering"], "no");
        assert!(r.headers.get("content-length").is_none());
        let first = r.chunks.first().expect("some audio").0;
        let last = r.chunks.last().expect("some audio").0;
        assert!(
            last >= first + Duration::from_secs(1),
            "first bytes at {first:?}, last at {last:?}: not streamed"
        );
        // What arrived first is playable on its own.
        let (head, rate) = decode(&r.chunks[0].1, "mp3");
        assert_eq!(rate, 24_000);
        assert!(
            head.len() > rate as usize / 4,
            "first chunk decodes to audio"
        );

        let path = dir.path().join("streamed.mp3");
        std::fs::write(&path, r.body()).expect("write");
        asr_check(&[(THREE_SENTENCES, &path)], 0.15);
    });
}

/// With `--window`, a streamed response's first clause is decoded a window at a time: it
/// comes in more pieces than the whole decode's, they make audio of the same length, and
/// the ear hears the words asked for as well as in the whole decode.
#[test]
fn windows_stream_the_first_clause_in_pieces_and_it_is_speech() {
    let _serial = serial();
    let text = "The museum opens at nine every morning and the cafe closes early on Sundays.";
    let dir = tempdir();
    let client = reqwest::Client::new();
    let mut heard = Vec::new();
    for args in [&["--window", "250"][..], &[]] {
        let server = Server::shared(args);
        let body = json!({"input": text, "voice": "af_heart", "response_format": "pcm",
            "stream_format": "sse"});
        let r = rt().block_on(post(&client, &server, body));
        assert_eq!(r.status, 200, "{args:?}");
        let deltas = sse_pcm(&r.body());
        let path = dir.path().join(format!("window{}.wav", args.len()));
        write_wav(&path, &deltas.concat(), 24_000);
        heard.push((deltas.len(), deltas.concat().len(), path));
    }
    let (windowed, whole) = (&heard[0], &heard[1]);
    assert_eq!(whole.0, 1, "one clause, one chunk");
    assert!(windowed.0 >= 2, "windowed in {} pieces", windowed.0);
    // Trimmed by the same rule, the two differ only by where quiet samples cross the line.
    assert!(
        windowed.1.abs_diff(whole.1) < 24_000 / 20,
        "{} samples windowed, {} whole",
        windowed.1,
        whole.1
    );
    let wer = asr_wer(&[(text, &windowed.2), (text, &whole.2)]);
    assert!(
        wer[0] <= wer[1] + 0.01,
        "WER windowed {} against whole {}",
        wer[0],
        wer[1]
    );
    assert!(wer[1] <= 0.1, "the whole decode is heard: WER {}", wer[1]);
}

#[test]
fn errors_are_openai_shaped_json_with_the_right_status() {
    let _serial = serial();
    let server = Server::tone(&["--max-input-chars", "200"]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let cases: Vec<(Value, u16, Option<&str>, &str)> = vec![
            (json!({"input": ""}), 400, Some("input"), "empty"),
            (
                json!({"voice": "af_heart"}),
                400,
                Some("input"),
                "missing field",
            ),
            (
                json!({"input": "x".repeat(201)}),
                400,
                Some("input"),
                "limit is 200",
            ),
            (
                json!({"input": "hi", "voice": "zz_nobody"}),
                400,
                Some("voice"),
                "unknown voice",
            ),
            (
                json!({"input": "hi", "voice": "a+"}),
                400,
                Some("voice"),
                "invalid voice",
            ),
            (
                json!({"input": "hi", "speed": 4.5}),
                400,
                Some("speed"),
                "outside",
            ),
            (
                json!({"input": "hi", "speed": "fast"}),
                400,
                Some("speed"),
                "invalid type",
            ),
            (
                json!({"input": "hi", "response_format": "ogg"}),
                400,
                Some("response_format"),
                "unknown response_format 'ogg'; use mp3, opus, aac, flac, wav, pcm",
            ),
            (
                json!({"input": "hi", "model": "whisper-1"}),
                400,
                Some("model"),
                "tts-1",
            ),
            (json!({"input": 42}), 400, Some("input"), "invalid type"),
            (
                json!({"input": "hi", "stream": "yes"}),
                400,
                Some("stream"),
                "invalid type",
            ),
            (
                json!({"input": "hi", "lang_code": "q"}),
                400,
                Some("lang_code"),
                "lang_code",
            ),
            (
                json!({"input": "... !!! ???"}),
                400,
                Some("input"),
                "nothing to speak",
            ),
        ];
        for (body, status, param, message) in cases {
            let r = post(&client, &server, body.clone()).await;
            assert_eq!(r.status, status, "{body}");
            let v = r.json();
            let error = &v["error"];
            assert_eq!(error["param"].as_str(), param, "{body}: {v}");
            assert_eq!(error["type"], "invalid_request_error", "{body}");
            assert!(
                error["message"]
                    .as_str()
                    .expect("message")
                    .contains(message),
                "{body}: {v}"
            );
            assert!(error.get("code").is_some());
        }

        // Malformed JSON.
        let r = client
            .post(server.url("/v1/audio/speech"))
            .header("content-type", "application/json")
            .body("{\"input\": \"hi\"")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["type"], "invalid_request_error");

        // Unknown route.
        let r = client
            .get(server.url("/v1/nothing"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 404);
        let v: Value = r.json().await.expect("json");
        assert!(v["error"]["message"].is_string());

        // Wrong method.
        let r = client
            .get(server.url("/v1/audio/speech"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 405);
    });
}

#[test]
fn beyond_the_concurrency_limit_is_an_immediate_429() {
    let _serial = serial();
    let server = Server::shared(&["--max-concurrent-requests", "1"]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let mut long = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({"input": THREE_SENTENCES, "response_format": "pcm"}))
            .send()
            .await
            .expect("send");
        assert_eq!(long.status(), 200);
        long.chunk().await.expect("first chunk");
        let started = Instant::now();
        let r = post(&client, &server, json!({"input": "Hello."})).await;
        assert_eq!(r.status, 429);
        assert!(started.elapsed() < Duration::from_secs(1), "no waiting");
        // When the running utterance is expected to end, by the cost model: 1 to 60 s.
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "Retry-After {retry}");
        assert_eq!(r.json()["error"]["type"], "requests");
        assert_eq!(r.json()["error"]["code"], "rate_limit_exceeded");
        // The slot comes back with the first response's last byte.
        while long.chunk().await.expect("read").is_some() {}
        drop(long);
        let r = post(&client, &server, json!({"input": "Hello."})).await;
        assert_eq!(r.status, 200);
    });
}

#[test]
fn a_client_that_hangs_up_stops_costing_work_and_frees_its_slot() {
    let _serial = serial();
    // One slot: the request after the hang-up gets it only if the hang-up released it.
    let server = Server::shared(&["--max-concurrent-requests", "1"]);
    let client = reqwest::Client::new();
    let sentence = "This sentence is one of many that nobody will stay to hear, because the \
                    client hangs up early.";
    let long_text = format!("Hello. {}", [sentence; 12].join(" "));
    rt().block_on(async {
        let baseline = post(
            &client,
            &server,
            json!({"input": "Hello there, how are you?"}),
        )
        .await
        .chunks[0]
            .0;

        let mut abandoned = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({"input": long_text, "response_format": "pcm"}))
            .send()
            .await
            .expect("send");
        abandoned.chunk().await.expect("first chunk");
        drop(abandoned);
        // The server sees the closed connection at its next write: after the chunk being
        // synthesized, a few seconds at most.
        let mut active = 1.0;
        for _ in 0..200 {
            active = metric(&client, &server, "ttsd_active_streams").await;
            if active == 0.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            active, 0.0,
            "the abandoned stream is still active after 10 s"
        );
        let completed = metric(
            &client,
            &server,
            "ttsd_inference_jobs_total{outcome=\"completed\"}",
        )
        .await;
        // Twelve more sentences were left; a stream still running would finish several
        // in this time.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let later = metric(
            &client,
            &server,
            "ttsd_inference_jobs_total{outcome=\"completed\"}",
        )
        .await;
        assert!(
            later - completed <= 1.0,
            "{} chunks were synthesized after the hang-up",
            later - completed
        );

        let after = post(
            &client,
            &server,
            json!({"input": "Hello there, how are you?"}),
        )
        .await;
        assert_eq!(
            after.status, 200,
            "the hung-up request's slot was not freed"
        );
        let after = after.chunks[0].0;
        assert!(
            after < baseline * 3,
            "time to first audio after a hang-up {after:?} vs {baseline:?} before"
        );
    });
}

#[test]
fn voices_models_health_and_ready() {
    let _serial = serial();
    let server = Server::shared(&[]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let get = |path: &'static str| {
            let url = server.url(path);
            let client = client.clone();
            async move {
                let r = client.get(url).send().await.expect("send");
                (r.status().as_u16(), r.json::<Value>().await.expect("json"))
            }
        };
        let (status, v) = get("/v1/audio/voices").await;
        assert_eq!(status, 200);
        let voices = v["voices"].as_array().expect("voices");
        assert_eq!(voices.len(), 54);
        assert!(voices.contains(&json!({
            "id": "bm_george", "name": "bm_george", "engine": "kokoro", "lang_code": "b",
            "language": "British English", "bcp47": "en-GB", "gender": "male", "speaks": true
        })));
        let xiaobei = voices
            .iter()
            .find(|v| v["id"] == "zf_xiaobei")
            .expect("zf_xiaobei listed");
        assert_eq!(xiaobei["language"], "Mandarin Chinese");
        assert_eq!(xiaobei["speaks"], true);
        let (status, legacy) = get("/v1/audio/voices?legacy=true").await;
        assert_eq!(status, 200);
        assert!(
            legacy["voices"]
                .as_array()
                .expect("names")
                .contains(&json!("af_heart"))
        );

        let (status, v) = get("/v1/models").await;
        assert_eq!(status, 200);
        assert_eq!(v["object"], "list");
        let ids: Vec<&str> = v["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "kokoro",
                "tts-1",
                "tts-1-hd",
                "gpt-4o-mini-tts",
                "gpt-4o-mini-tts-2025-12-15"
            ]
        );

        assert_eq!(get("/health").await, (200, json!({"status": "ok"})));
        assert_eq!(get("/ready").await, (200, json!({"status": "ready"})));

        // Every response so far was timed.
        let text = scrape(&client, &server).await;
        for name in [
            "ttsd_time_to_first_audio_seconds_count",
            "ttsd_stream_stall_seconds_count",
            "ttsd_inference_seconds_count",
            "ttsd_audio_seconds_total",
            "ttsd_active_streams",
            "ttsd_queue_depth",
            "ttsd_queue_wait_seconds_count",
        ] {
            assert!(text.contains(name), "{name} missing:\n{text}");
        }

        // OpenAI voice names and blends speak.
        for voice in ["alloy", "af_bella(2)+af_sky(1)", "bm_fable"] {
            let r = post(
                &client,
                &server,
                json!({"input": "Hi.", "voice": voice, "response_format": "wav", "stream": false}),
            )
            .await;
            assert_eq!(r.status, 200, "{voice}");
            assert!(seconds(&r.body(), "wav") > 0.3);
        }
        let ttfa_count = metric(&client, &server, "ttsd_time_to_first_audio_seconds_count").await;
        assert!(ttfa_count >= 3.0, "{ttfa_count} first audios recorded");
    });
}

#[test]
fn ready_is_503_until_the_model_is_warm() {
    let _serial = serial();
    // Start without waiting: /health answers at once, /ready and speech wait for the model.
    let mut child = std::process::Command::new(common::bin())
        .current_dir(common::repo())
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("read line");
    let base = line
        .trim()
        .trim_start_matches("ttsd listening on ")
        .to_owned();
    let client = reqwest::Client::new();
    rt().block_on(async {
        let health = client
            .get(format!("{base}/health"))
            .send()
            .await
            .expect("health");
        assert_eq!(health.status(), 200);
        let ready = client
            .get(format!("{base}/ready"))
            .send()
            .await
            .expect("ready");
        assert_eq!(ready.status(), 503, "ready before the model loaded");
        let speech = client
            .post(format!("{base}/v1/audio/speech"))
            .json(&json!({"input": "Hi."}))
            .send()
            .await
            .expect("speech");
        assert_eq!(speech.status(), 503);
        assert_eq!(speech.headers()["retry-after"], "1");
        let v: Value = speech.json().await.expect("json");
        assert_eq!(v["error"]["code"], "not_ready");
    });
    let _ = child.kill();
    let _ = child.wait();
}
