//! The Wyoming server in process, on the deterministic test engine, with a raw client: the
//! events, the same audio as HTTP for the same text (one utterance, one pipeline), a
//! streamed synthesis that completes across shutdown, and the connection limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use ttsd::service::Service;
use ttsd::synth::{Event as Speech, Settings};
use ttsd::wyoming::handler::Timeouts;
use ttsd::wyoming::{self, ConnectionLimits as Limits, Frame};

use common::tone;
use common::wyoming::{Client, Heard};

const TEXT: &str = "Good morning. The train leaves at half past eight, and it arrives on time. \
                    Bring a coat. It will be cold.";

struct Running {
    addr: std::net::SocketAddr,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

async fn start(service: Arc<Service>, limits: Limits) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(wyoming::serve(listener, service, limits, shutdown.clone()));
    Running {
        addr,
        shutdown,
        server,
    }
}

/// Says "Hi." one-shot and checks it is spoken.
async fn speaks(client: &mut Client) {
    client.send("synthesize", json!({"text": "Hi."})).await;
    let heard = client.until("audio-stop").await;
    assert_eq!(
        heard.kinds.first().map(String::as_str),
        Some("audio-start"),
        "{:?}",
        heard.kinds
    );
    assert!(!heard.pcm.is_empty());
}

/// The PCM HTTP's path gives for the same text and voice.
async fn pcm_of(service: &Service, text: &str) -> Vec<u8> {
    let synth = service.synth().unwrap();
    let params = ttsd::request::SpeechParams {
        input: Some(text.into()),
        response_format: Some("pcm".into()),
        ..Default::default()
    };
    let request = synth
        .validate(params, ttsd::request::Input::Required)
        .unwrap();
    let mut audio = synth.speak(request, None).unwrap();
    let mut out = Vec::new();
    while let Some(event) = audio.recv().await {
        match event.unwrap() {
            Speech::Audio(chunk) => out.extend_from_slice(&chunk.bytes),
            Speech::Done(_) => break,
        }
    }
    out
}

fn limits() -> Limits {
    Limits::for_streams(4)
}

/// Two connections at most, with these first-event and idle times.
fn two_connections(first_event: Duration, idle: Duration) -> Limits {
    Limits {
        max_connections: 2,
        timeouts: Timeouts { first_event, idle },
        ..limits()
    }
}

#[tokio::test]
async fn describe_lists_the_voices_that_speak_at_the_engines_rate() {
    let service = tone::service(4);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    client.send("describe", json!({})).await;
    let info = client.next().await.unwrap();
    assert_eq!(info.kind, "info");
    let voices = info.data["tts"][0]["voices"].as_array().unwrap();
    let names: Vec<&str> = voices.iter().filter_map(|v| v["name"].as_str()).collect();
    // Every voice speaks (a language without a G2P would be left out).
    let mut expected = tone::voice_names();
    expected.sort_unstable();
    assert_eq!(names, expected);
    client
        .send(
            "synthesize",
            json!({"text": "Hi.", "voice": {"name": "af_heart"}}),
        )
        .await;
    let start = client.next().await.unwrap();
    assert_eq!(start.kind, "audio-start");
    assert_eq!(start.data["rate"], 16_000);
}

#[tokio::test]
async fn one_shot_and_streamed_synthesis_give_the_audio_http_gives() {
    let service = tone::service(4);
    let expected = pcm_of(&service, TEXT).await;
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;

    client.send("synthesize", json!({"text": TEXT})).await;
    let Heard { kinds, pcm, .. } = client.until("audio-stop").await;
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("audio-start"),
        "{kinds:?}"
    );
    assert_eq!(pcm, expected, "one-shot");

    client
        .send("synthesize-start", json!({"voice": {"name": "af_heart"}}))
        .await;
    // Any split: mid-word, mid-sentence, a character at a time at the end.
    let (head, tail) = TEXT.split_at(23);
    for piece in [head, &tail[..30]] {
        client
            .send("synthesize-chunk", json!({"text": piece}))
            .await;
    }
    for c in tail[30..].chars() {
        client
            .send("synthesize-chunk", json!({"text": c.to_string()}))
            .await;
    }
    client.send("synthesize", json!({"text": TEXT})).await;
    client.send("synthesize-stop", json!({})).await;
    let Heard { kinds, pcm, .. } = client.until("synthesize-stopped").await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "audio-start").count(),
        1,
        "one utterance: {kinds:?}"
    );
    assert_eq!(kinds[kinds.len() - 2], "audio-stop");
    assert_eq!(pcm, expected, "streamed");
}

#[tokio::test]
async fn a_streamed_synthesis_in_flight_completes_across_shutdown() {
    let service = tone::service(4);
    let server = start(Arc::clone(&service), limits()).await;
    let mut idle = Client::connect(server.addr).await;
    idle.send("describe", json!({})).await;
    assert_eq!(idle.next().await.unwrap().kind, "info");
    let mut client = Client::connect(server.addr).await;
    client.send("synthesize-start", json!({})).await;
    client
        .send(
            "synthesize-chunk",
            json!({"text": "Good morning. The train"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown.cancel();
    // The idle connection is closed; new ones are refused.
    assert!(idle.next().await.is_none(), "the idle client is let go");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no new connections"
    );
    // The utterance in flight finishes.
    client
        .send("synthesize-chunk", json!({"text": " leaves at eight."}))
        .await;
    client.send("synthesize-stop", json!({})).await;
    let Heard { kinds, pcm, .. } = client.until("synthesize-stopped").await;
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("synthesize-stopped"),
        "{kinds:?}"
    );
    assert_eq!(
        pcm,
        pcm_of(&service, "Good morning. The train leaves at eight.").await
    );
    assert!(client.next().await.is_none(), "then the connection closes");
    tokio::time::timeout(Duration::from_secs(5), server.server)
        .await
        .expect("the server returns once its connections are done")
        .unwrap();
}

#[tokio::test]
async fn silent_connections_are_closed_and_cannot_lock_others_out() {
    let service = tone::service(1);
    let limits = two_connections(Duration::from_millis(300), Duration::from_secs(60));
    let server = start(service, limits).await;
    // Two sockets that never send a byte fill the connections...
    let silent: Vec<TcpStream> = vec![
        TcpStream::connect(server.addr).await.unwrap(),
        TcpStream::connect(server.addr).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut refused = Client::connect(server.addr).await;
    assert!(refused.next().await.is_none(), "a third is closed at once");
    // ...until they are closed for sending nothing.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut client = Client::connect(server.addr).await;
    client.send("describe", json!({})).await;
    assert_eq!(client.next().await.unwrap().kind, "info");
    drop(silent);
}

/// Pings are answered but keep nothing open: connections that only ping (from the start, or
/// after asking for the voices) are closed at their idle time, and a new client is served.
#[tokio::test]
async fn pinging_connections_are_closed_and_cannot_lock_others_out() {
    let service = tone::service(1);
    let limits = two_connections(Duration::from_millis(500), Duration::from_secs(1));
    let server = start(service, limits).await;
    let mut pingers = [
        Client::connect(server.addr).await,
        Client::connect(server.addr).await,
    ];
    pingers[1].send("describe", json!({})).await;
    assert_eq!(pingers[1].next().await.unwrap().kind, "info");
    let mut refused = Client::connect(server.addr).await;
    assert!(refused.next().await.is_none(), "a third is closed at once");
    let started = std::time::Instant::now();
    let mut closed = [None, None];
    while closed.iter().any(Option::is_none) {
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(5), "pings held {closed:?}");
        for (pinger, closed) in pingers.iter_mut().zip(&mut closed) {
            if closed.is_none() {
                pinger.send("ping", json!({ "text": "still here" })).await;
                match pinger.next().await {
                    Some(pong) => assert_eq!(pong.kind, "pong"),
                    None => *closed = Some(waited),
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // Both were closed (at their first-event and idle times) while pinging every 150 ms:
    // were pings counted, they would be open at 5 s.
    let mut client = Client::connect(server.addr).await;
    client.send("describe", json!({})).await;
    assert_eq!(client.next().await.unwrap().kind, "info");
}

/// The server's own limits, from its arguments: a connection outside an utterance is
/// closed after `--keepalive-timeout` (Home Assistant connects per request), so two that
/// ask for the voices and then say nothing lock the others out no longer than that.
#[tokio::test]
async fn idle_connections_are_closed_after_the_keepalive_timeout() {
    use clap::Parser;
    let args = ["ttsd", "serve", "--keepalive-timeout", "1"];
    let cli = ttsd::config::Cli::try_parse_from(args).unwrap();
    let ttsd::config::Command::Serve(serve) = cli.command else {
        panic!("parsed as serve")
    };
    let limits = Limits {
        max_connections: 2,
        ..serve.config().unwrap().wyoming_limits()
    };
    let server = start(tone::service(1), limits).await;
    let mut idle = [
        Client::connect(server.addr).await,
        Client::connect(server.addr).await,
    ];
    for client in &mut idle {
        client.send("describe", json!({})).await;
        assert_eq!(client.next().await.unwrap().kind, "info");
    }
    let started = std::time::Instant::now();
    let mut refused = Client::connect(server.addr).await;
    assert!(refused.next().await.is_none(), "a third is closed at once");
    for client in &mut idle {
        let closed = tokio::time::timeout(Duration::from_secs(5), client.reader.next()).await;
        assert!(matches!(closed, Ok(None)), "open after 5 s: {closed:?}");
    }
    assert!(started.elapsed() >= Duration::from_millis(900));
    let mut client = Client::connect(server.addr).await;
    client.send("describe", json!({})).await;
    assert_eq!(client.next().await.unwrap().kind, "info");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_and_frees_its_slot() {
    use ttsd::metrics::{WyomingClose, WyomingCloseLabel};
    // One permit: while the stalled synthesis holds it, nobody else is served.
    let service = tone::service(1);
    let limits = Limits {
        write_timeout: Duration::from_millis(300),
        ..limits()
    };
    let server = start(Arc::clone(&service), limits).await;
    // A small receive buffer, so the server's writes block soon after the client stops reading.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stalled = socket.connect(server.addr).await.unwrap();
    let (_read, mut write) = stalled.into_split();
    let long = [TEXT; 30].join(" ");
    write
        .write_all(&Frame::new("synthesize", json!({ "text": long })).to_bytes())
        .await
        .unwrap();
    // Never read.
    let closed = || {
        service
            .metrics()
            .wyoming_closed
            .get_or_create(&WyomingCloseLabel {
                reason: WyomingClose::write_timeout,
            })
            .get()
    };
    let waited = std::time::Instant::now();
    while closed() == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the stalled client was never closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "a Wyoming client that stopped reading was closed after {:?}",
        waited.elapsed()
    );
    // Its permit is free again: another client is served.
    let mut client = Client::connect(server.addr).await;
    speaks(&mut client).await;
    assert!(
        service
            .metrics()
            .render()
            .contains("ttsd_wyoming_connections_closed_total{reason=\"write_timeout\"} 1"),
        "counted in /metrics"
    );
}

/// An utterance's slot is free by the time its `audio-stop` arrives, one-shot or streamed:
/// a client that asks HTTP for the next one at once is not refused (a 429 in the lexicons
/// test, under load, with a capacity of one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_is_free_when_audio_stop_arrives() {
    let service = tone::service(1);
    let server = start(Arc::clone(&service), limits()).await;
    let voice = service
        .catalogue()
        .resolve(ttsd::engine::tone::VOICES[0].0)
        .unwrap();
    let mut client = Client::connect(server.addr).await;
    for round in 0..200 {
        if round % 2 == 0 {
            speaks(&mut client).await;
        } else {
            client.send("synthesize-start", json!({})).await;
            client
                .send("synthesize-chunk", json!({"text": "Hi."}))
                .await;
            client.send("synthesize-stop", json!({})).await;
            client.until("audio-stop").await;
        }
        let admitted = service.admit(&voice);
        assert!(admitted.is_ok(), "round {round}: {:?}", admitted.err());
        drop(admitted);
        if round % 2 == 1 {
            client.until("synthesize-stopped").await;
        }
    }
}

/// Phonemes the model does not know are refused, one-shot or streamed, as HTTP refuses
/// them: an error event with the same code and message, no audio.
#[tokio::test]
async fn unknown_phonemes_are_refused_one_shot_and_streamed() {
    let service = tone::service(4);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    let text = "Say [this](/ðɪʘ/) now.";
    client.send("synthesize", json!({ "text": text })).await;
    let error = client.next().await.unwrap();
    assert_eq!(error.kind, "error", "{error:?}");
    assert_eq!(error.data["code"], "invalid_value");
    let message = error.data["text"].as_str().unwrap_or_default();
    assert!(message.contains("does not know: ʘ"), "{message}");

    client.send("synthesize-start", json!({})).await;
    client
        .send("synthesize-chunk", json!({ "text": text }))
        .await;
    client.send("synthesize-stop", json!({})).await;
    let Heard { kinds, pcm, .. } = client.until("synthesize-stopped").await;
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("error"),
        "{kinds:?}"
    );
    assert!(pcm.is_empty());
}

/// A streamed synthesis holds a slot; only text keeps it. Pings, `describe`, empty and blank
/// chunks and events not for a TTS server do not: once it has had no text for its idle time
/// and has nothing left to say, it ends with a timeout error and its slot is free, while
/// the connection stays open.
#[tokio::test]
async fn a_stream_without_text_times_out_whatever_else_comes() {
    let settings = Settings {
        stream_idle: Some(Duration::from_secs(1)),
        ..Settings::default()
    };
    let service = tone::service_with(settings, 1);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    client.send("synthesize-start", json!({})).await;
    client
        .send("synthesize-chunk", json!({"text": "Hello there."}))
        .await;
    let started = std::time::Instant::now();
    let chatter = [
        ("ping", json!({})),
        ("describe", json!({})),
        ("synthesize-chunk", json!({"text": ""})),
        ("synthesize-chunk", json!({"text": "  "})),
        ("transcript", json!({"text": "not for a TTS server"})),
    ];
    let mut error = None;
    'chatting: for (kind, data) in chatter.iter().cycle() {
        client.send(kind, data.clone()).await;
        let until = tokio::time::Instant::now() + Duration::from_millis(250);
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(until, client.reader.next()).await {
            if frame.kind == "error" {
                error = Some(frame);
                break 'chatting;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still open after 10 s"
        );
    }
    let error = error.unwrap();
    assert_eq!(error.data["code"], "timeout", "{error:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    // The stream is over and its slot free (the service admits one): a one-shot synthesis
    // on the same connection is spoken, before any stop, however the client keeps pinging.
    // (A blank chunk the client sent before it read the timeout arrives after the stream
    // ended, and is answered as outside a stream.)
    client.send("ping", json!({})).await;
    loop {
        let frame = client.next().await.unwrap();
        if frame.kind == "pong" {
            break;
        }
        let text = frame.data["text"].as_str().unwrap_or_default();
        assert!(
            frame.kind == "error" && text.contains("outside synthesize-start"),
            "{frame:?}"
        );
    }
    speaks(&mut client).await;
    // Its stop is still answered.
    client.send("synthesize-stop", json!({})).await;
    assert_eq!(
        client
            .until("synthesize-stopped")
            .await
            .kinds
            .last()
            .map(String::as_str),
        Some("synthesize-stopped")
    );
    speaks(&mut client).await;
}

/// A blend whose weights cancel is refused for HTTP's reason, not as an unknown voice; a
/// voice of the wrong type is named in Wyoming's terms, not a Rust type's.
#[tokio::test]
async fn a_refused_voice_says_why() {
    let service = tone::service(1);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    let blend = "af_heart(1)-af_heart(1)";
    client
        .send(
            "synthesize",
            json!({"text": "Hi.", "voice": {"name": blend}}),
        )
        .await;
    let error = client.next().await.unwrap();
    assert_eq!(error.kind, "error");
    let message = error.data["text"].as_str().unwrap_or_default();
    assert!(
        message.contains("subtracted") && !message.contains("unknown voice"),
        "{message}"
    );
    client
        .send("synthesize", json!({"text": "Hi.", "voice": 5}))
        .await;
    let error = client.next().await.unwrap();
    let message = error.data["text"].as_str().unwrap_or_default();
    assert!(
        message.contains("voice: invalid type: integer `5`, expected an object"),
        "{message}"
    );
    speaks(&mut client).await;
}

/// A one-shot `synthesize` whose text is a number is an error naming the field (not
/// "nothing to speak", no audio, no hang); the connection goes on and speaks.
#[tokio::test]
async fn a_synthesize_whose_text_is_a_number_is_an_error_naming_it() {
    let service = tone::service(1);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    client.send("synthesize", json!({"text": 5})).await;
    let error = client.next().await.unwrap();
    assert_eq!(error.kind, "error");
    let message = error.data["text"].as_str().unwrap_or_default();
    assert!(
        message.contains("synthesize: text: invalid type: integer `5`, expected a string"),
        "{message}"
    );
    assert_eq!(error.data["code"], "invalid_value");
    // Inside a streamed synthesis too, and the stream goes on.
    client.send("synthesize-start", json!({})).await;
    client.send("synthesize", json!({"text": 5})).await;
    let error = client.next().await.unwrap();
    assert_eq!(error.kind, "error");
    client
        .send("synthesize-chunk", json!({"text": "Hello."}))
        .await;
    client.send("synthesize-stop", json!({})).await;
    let Heard { kinds, pcm, .. } = client.until("synthesize-stopped").await;
    assert_eq!(kinds.last().map(String::as_str), Some("synthesize-stopped"));
    assert_eq!(pcm, pcm_of(&service, "Hello.").await);
    speaks(&mut client).await;
}

/// Data of the wrong type is an error that says so (the connection goes on); a second
/// `synthesize-start` replaces the stream before it, whose slot it gets, as wyoming-piper
/// starts anew: no error, the first one's audio (if begun) ended with its `audio-stop`,
/// the second one's whole.
#[tokio::test]
async fn wrong_data_is_named_and_a_second_start_replaces_the_first() {
    let service = tone::service(1);
    let server = start(Arc::clone(&service), limits()).await;
    let mut client = Client::connect(server.addr).await;
    client.send("synthesize-start", json!({})).await;
    client.send("synthesize-chunk", json!({"text": 5})).await;
    let error = client.next().await.unwrap();
    assert_eq!(error.kind, "error");
    let message = error.data["text"].as_str().unwrap_or_default();
    assert!(
        message.contains("synthesize-chunk: text: invalid type: integer"),
        "{message}"
    );
    assert_eq!(error.data["code"], "invalid_value");

    client
        .send(
            "synthesize-chunk",
            json!({"text": "One, two, three, four. Five"}),
        )
        .await;
    // The first sentence's audio has begun (the stream is open: "Five" waits for more).
    let first = client.next().await.unwrap();
    assert_eq!(first.kind, "audio-start");
    client.send("synthesize-start", json!({})).await;
    client
        .send("synthesize-chunk", json!({"text": "Hello."}))
        .await;
    client.send("synthesize-stop", json!({})).await;
    // Events to the end, with each utterance's audio apart.
    let mut kinds = vec![first.kind];
    let mut utterances: Vec<Vec<u8>> = vec![Vec::new()];
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), client.reader.next()).await;
        let Ok(Some(Ok(frame))) = next else {
            panic!("events so far: {kinds:?}");
        };
        match frame.kind.as_str() {
            "audio-start" => utterances.push(Vec::new()),
            "audio-chunk" => utterances
                .last_mut()
                .unwrap()
                .extend_from_slice(frame.payload.as_deref().unwrap_or_default()),
            _ => {}
        }
        let done = frame.kind == "synthesize-stopped";
        kinds.push(frame.kind);
        if done {
            break;
        }
    }
    assert!(!kinds.iter().any(|k| k == "error"), "{kinds:?}");
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("audio-start"), count("audio-stop"), "{kinds:?}");
    assert_eq!(utterances.last(), Some(&pcm_of(&service, "Hello.").await));
}

/// Every `error` event is counted once in the failures, under its class's reason, as HTTP
/// counts its failures: a busy server is overloaded, a stream with nothing more to say a
/// timeout, a refused voice, an event out of place and a malformed one the client's bad
/// requests.
#[tokio::test]
async fn every_error_event_is_counted_once_by_its_reason() {
    use ttsd::metrics::{Failure, ReasonLabel};
    let settings = Settings {
        stream_idle: Some(Duration::from_secs(1)),
        ..Settings::default()
    };
    let service = tone::service_with(settings, 1);
    let server = start(Arc::clone(&service), limits()).await;
    let all = || {
        Failure::ALL.map(|reason| {
            service
                .metrics()
                .failures
                .get_or_create(&ReasonLabel { reason })
                .get()
        })
    };
    // Every reason's count, one more under `reason` each time.
    let mut expected = all();
    let mut one_more = |reason: Failure| {
        for (count, r) in expected.iter_mut().zip(Failure::ALL) {
            *count += u64::from(r == reason);
        }
        expected
    };
    let code = |frame: Option<ttsd::wyoming::Frame>| {
        let frame = frame.expect("an error event");
        assert_eq!(frame.kind, "error", "{frame:?}");
        frame.data["code"].clone()
    };
    // The one slot is taken once the stream's audio has begun.
    let mut streaming = Client::connect(server.addr).await;
    streaming.send("synthesize-start", json!({})).await;
    streaming
        .send("synthesize-chunk", json!({"text": "Hello there."}))
        .await;
    assert_eq!(streaming.next().await.unwrap().kind, "audio-start");
    let mut client = Client::connect(server.addr).await;
    client.send("synthesize", json!({"text": "Hi."})).await;
    assert_eq!(code(client.next().await), "rate_limit_exceeded");
    assert_eq!(all(), one_more(Failure::overloaded));
    let heard = streaming.until("error").await;
    assert_eq!(heard.kinds.last().map(String::as_str), Some("error"));
    assert_eq!(all(), one_more(Failure::timeout));
    client
        .send(
            "synthesize",
            json!({"text": "Hi.", "voice": {"name": "zz_nobody"}}),
        )
        .await;
    assert_eq!(code(client.next().await), "unknown_voice");
    assert_eq!(all(), one_more(Failure::bad_request));
    client
        .send("synthesize-chunk", json!({"text": "Hi."}))
        .await;
    assert_eq!(code(client.next().await), "invalid_value");
    assert_eq!(all(), one_more(Failure::bad_request));
    client
        .writer
        .get_mut()
        .write_all(b"notjson\n")
        .await
        .unwrap();
    assert_eq!(code(client.next().await), "bad_event");
    assert_eq!(all(), one_more(Failure::bad_request));
    assert!(
        client.next().await.is_none(),
        "closed after a malformed event"
    );
}
