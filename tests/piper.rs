//! The Piper engine with its real voice (`en_US-joe-medium`, from `make assets`), over real
//! HTTP and Wyoming: every format at the voice's 22,050 Hz (Opus resampled to 24 kHz), the
//! listings, and speech the English ear hears as the words asked for, one-shot and streamed
//! in the way Home Assistant streams (`synthesize-start`/`-chunk`/`-stop`). One shared
//! server, one ear call per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_util::codec::{FramedRead, FramedWrite};
use ttsd::wyoming::{Frame, FrameCodec};

use common::{Server, Shared};

const VOICE: &str = "en_US-joe-medium";
const RATE: u32 = 22_050;
/// The largest word error rate the ear may hear in the joe voice. Measured: 0.000 on all
/// seven files of these tests, in two runs; 0.15 (asr-check's default) is one word in
/// seven, and fails speech that is not the words.
const MAX_WER: f64 = 0.15;

const TEXTS: &[&str] = &[
    "The quick brown fox jumps over the lazy dog.",
    "Good morning. The train to the city leaves from platform four, and it usually arrives \
     on time.",
    "Please remember to bring a warm coat, because the evening will be cold.",
];

fn server() -> Shared {
    Server::shared(&["--engine", "piper", "--wyoming-port", "0"])
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_joe_voice_is_listed_and_heard_in_every_format() {
    let _turn = common::serial();
    let server = server();
    let rt = common::rt();
    let client = reqwest::Client::new();
    let dir = common::tempdir();

    let voices: Value = rt.block_on(async {
        client
            .get(server.url("/v1/audio/voices"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let joe = voices["voices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == VOICE)
        .unwrap_or_else(|| panic!("{VOICE} listed: {voices}"));
    assert_eq!(joe["bcp47"], "en-US", "{joe}");
    assert_eq!(joe["speaks"], true, "{joe}");

    let mut pairs: Vec<(&str, PathBuf)> = Vec::new();
    let formats = ["wav", "mp3", "opus", "flac", "aac", "pcm"];
    for (i, format) in formats.iter().enumerate() {
        let text = TEXTS[i % TEXTS.len()];
        // The voice named as written, and in lower case, with and without the engine's
        // model name.
        let voice = if i % 2 == 0 {
            VOICE.to_owned()
        } else {
            VOICE.to_ascii_lowercase()
        };
        let mut body = json!({"voice": voice, "input": text, "response_format": format});
        if i % 3 == 0 {
            body["model"] = json!("piper");
        }
        let resp = rt.block_on(common::post(&client, &server, body));
        assert_eq!(resp.status, 200, "{format}: {:?}", resp.json());
        let bytes = resp.body();
        let seconds = common::seconds(&bytes, format);
        let words = text.split_whitespace().count() as f64;
        // About 2.5 words a second: speech, not silence or a runaway.
        assert!(
            seconds > words / 6.0 && seconds < words,
            "{format}: {seconds} s for {words} words"
        );
        match *format {
            "wav" => {
                let (_, rate) = common::decode(&bytes, "wav");
                assert_eq!(rate, RATE);
                pairs.push((text, write(dir.path(), "joe.wav", &bytes)));
            }
            "pcm" => {
                // Raw PCM is at the engine's rate: the ear takes a WAV of it.
                let samples: Vec<i16> = bytes
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                let path = dir.path().join("joe-pcm.wav");
                let spec = hound::WavSpec {
                    channels: 1,
                    sample_rate: RATE,
                    bits_per_sample: 16,
                    sample_format: hound::SampleFormat::Int,
                };
                let mut w = hound::WavWriter::create(&path, spec).unwrap();
                samples.iter().for_each(|&s| w.write_sample(s).unwrap());
                w.finalize().unwrap();
                pairs.push((text, path));
            }
            "opus" => {
                let (_, rate) = common::decode_ogg_opus(&bytes);
                assert_eq!(rate, 48_000, "Opus decodes at 48 kHz");
                pairs.push((text, write(dir.path(), "joe.opus", &bytes)));
            }
            other => {
                let (_, rate) = common::decode(&bytes, other);
                assert_eq!(rate, RATE, "{other}");
                if other != "aac" {
                    pairs.push((text, write(dir.path(), &format!("joe.{other}"), &bytes)));
                }
            }
        }
    }
    let pairs: Vec<(&str, &std::path::Path)> =
        pairs.iter().map(|(t, p)| (*t, p.as_path())).collect();
    common::asr_check(&pairs, MAX_WER);
}

/// A raw Wyoming client on the server's own framing.
struct Client {
    reader: FramedRead<tokio::net::tcp::OwnedReadHalf, FrameCodec>,
    writer: FramedWrite<tokio::net::tcp::OwnedWriteHalf, FrameCodec>,
}

impl Client {
    async fn connect(addr: &str) -> Client {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        Client {
            reader: FramedRead::new(read, FrameCodec::default()),
            writer: FramedWrite::new(write, FrameCodec::default()),
        }
    }

    async fn send(&mut self, kind: &str, data: Value) {
        self.writer.send(Frame::new(kind, data)).await.unwrap();
    }

    /// Events up to and including `last`: their kinds, the audio-start's data, the PCM.
    async fn until(&mut self, last: &str) -> (Vec<String>, Value, Vec<u8>) {
        let mut kinds = Vec::new();
        let mut start = Value::Null;
        let mut pcm = Vec::new();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(60), self.reader.next())
                .await
                .expect("an event in time")
                .expect("an event")
                .expect("a well-formed event");
            match event.kind.as_str() {
                "audio-chunk" => {
                    pcm.extend_from_slice(event.payload.as_deref().unwrap_or_default())
                }
                "audio-start" => start = Value::Object(event.data.clone()),
                _ => {}
            }
            let done = event.kind == last || event.kind == "error";
            kinds.push(event.kind);
            if done {
                return (kinds, start, pcm);
            }
        }
    }
}

fn wav_of(path: &std::path::Path, pcm: &[u8]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for b in pcm.chunks_exact(2) {
        w.write_sample(i16::from_le_bytes([b[0], b[1]])).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn wyoming_describes_and_speaks_the_joe_voice_one_shot_and_streamed() {
    let _turn = common::serial();
    let server = server();
    let addr = server.wyoming.clone().expect("a Wyoming address");
    let dir = common::tempdir();
    let rt = common::rt();
    let (one_shot, streamed) = rt.block_on(async {
        let mut client = Client::connect(&addr).await;
        client.send("describe", json!({})).await;
        let info = tokio::time::timeout(Duration::from_secs(10), client.reader.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(info.kind, "info");
        let voices = info.data["tts"][0]["voices"].as_array().unwrap().clone();
        let joe = voices
            .iter()
            .find(|v| v["name"] == VOICE)
            .unwrap_or_else(|| panic!("{VOICE} described: {voices:?}"));
        assert!(
            joe["languages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "en-US"),
            "{joe}"
        );

        client
            .send(
                "synthesize",
                json!({"text": TEXTS[1], "voice": {"name": VOICE}}),
            )
            .await;
        let (kinds, start, one_shot) = client.until("audio-stop").await;
        assert_eq!(kinds.first().map(String::as_str), Some("audio-start"));
        assert_eq!(start["rate"], RATE);
        assert_eq!(start["width"], 2);
        assert_eq!(start["channels"], 1);

        // Home Assistant's streaming: start, the text in pieces (mid-word too), stop.
        client
            .send("synthesize-start", json!({"voice": {"name": VOICE}}))
            .await;
        let text = TEXTS[2];
        for piece in [&text[..13], &text[13..40], &text[40..]] {
            client
                .send("synthesize-chunk", json!({"text": piece}))
                .await;
        }
        client
            .send(
                "synthesize",
                json!({"text": text, "voice": {"name": VOICE}}),
            )
            .await;
        client.send("synthesize-stop", json!({})).await;
        let (kinds, start, streamed) = client.until("synthesize-stopped").await;
        assert_eq!(kinds.first().map(String::as_str), Some("audio-start"));
        assert_eq!(
            kinds.iter().filter(|k| *k == "audio-start").count(),
            1,
            "{kinds:?}"
        );
        assert_eq!(kinds[kinds.len() - 2], "audio-stop", "{kinds:?}");
        assert_eq!(start["rate"], RATE);
        (one_shot, streamed)
    });
    let a = dir.path().join("one-shot.wav");
    let b = dir.path().join("streamed.wav");
    wav_of(&a, &one_shot);
    wav_of(&b, &streamed);
    common::asr_check(&[(TEXTS[1], &a), (TEXTS[2], &b)], MAX_WER);
}

/// Kokoro and Piper in one server (`--engine kokoro,piper`): each voice is spoken by its own
/// engine at its own rate, both heard by the ear; what cannot be one engine's is a 400.
#[test]
fn kokoro_and_piper_speak_in_one_server() {
    let _turn = common::serial();
    let server = Server::start(&["--engine", "kokoro,piper"]);
    let rt = common::rt();
    let client = reqwest::Client::new();
    let dir = common::tempdir();
    let post = |body: Value| {
        rt.block_on(async {
            let response = client
                .post(server.url("/v1/audio/speech"))
                .json(&body)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.bytes().await.unwrap())
        })
    };
    let info: Value = rt.block_on(async {
        let r = client.get(server.url("/info")).send().await.unwrap();
        r.json().await.unwrap()
    });
    assert_eq!(info["default_voice"], "af_heart", "{info}");
    let engines: Vec<&str> = info["engines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(engines, ["kokoro", "piper"]);
    let mut pairs = Vec::new();
    for (i, (model, voice, rate)) in [
        ("tts-1", "af_heart", 24_000),
        ("tts-1", VOICE, RATE),
        ("piper", "", RATE),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = json!({"model": model, "input": TEXTS[i], "response_format": "wav",
            "stream": false});
        if !voice.is_empty() {
            body["voice"] = json!(voice);
        }
        let (status, bytes) = post(body);
        assert_eq!(
            status,
            200,
            "{model} {voice}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let spec = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec()))
            .unwrap()
            .spec();
        assert_eq!(spec.sample_rate, rate, "{model} {voice}");
        pairs.push((TEXTS[i], write(dir.path(), &format!("{i}.wav"), &bytes)));
    }
    for (body, param) in [
        (
            json!({"model": "kokoro", "voice": VOICE, "input": "Hi."}),
            "model",
        ),
        (
            json!({"voice": format!("af_heart+{VOICE}"), "input": "Hi."}),
            "voice",
        ),
        (
            json!({"voice": VOICE, "input": "Hi.", "stream_format": "sse", "timestamps": true}),
            "timestamps",
        ),
    ] {
        let (status, bytes) = post(body.clone());
        assert_eq!(status, 400, "{body}");
        let error: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error["error"]["param"], param, "{error}");
    }
    let pairs: Vec<(&str, &std::path::Path)> =
        pairs.iter().map(|(t, p)| (*t, p.as_path())).collect();
    common::asr_check(&pairs, MAX_WER);
}
