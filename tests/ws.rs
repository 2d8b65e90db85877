//! Speech from text that arrives as it is written: the WebSocket (`GET
//! /v1/audio/speech/stream`) and the streamed request body (`POST` on the same path), in
//! process on the deterministic test engine, over real sockets, with a real WebSocket
//! client (tokio-tungstenite). The real model and Python's `websockets` are in clients.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;
use ttsd::http::{HttpOptions, WsLimits, listener, router};
use ttsd::service::Service;
use ttsd::synth::Settings;

use common::tone;

const TEXT: &str = "Well then, here is the plan. We leave at dawn, and we walk. Bring a coat!";

struct Running {
    addr: std::net::SocketAddr,
    service: Arc<Service>,
    connections: Arc<listener::ConnMetrics>,
}

async fn start(keys: &[&str], flush_after: Duration) -> Running {
    let settings = Settings {
        flush_after,
        stream_idle: Some(Duration::from_secs(5)),
        ..Settings::default()
    };
    let limits = listener::ConnLimits::default();
    start_with(tone::service_with(settings, 4), keys, limits).await
}

/// A server whose streams go idle after `idle` without text.
async fn start_idle(idle: Duration) -> Running {
    let settings = Settings {
        stream_idle: Some(idle),
        ..Settings::default()
    };
    let limits = listener::ConnLimits::default();
    start_with(tone::service_with(settings, 4), &[], limits).await
}

/// A server on `service`, with `conn`'s connection limits (its header timeout is also the
/// time a WebSocket has for its settings).
async fn start_with(service: Arc<Service>, keys: &[&str], conn: listener::ConnLimits) -> Running {
    let options = HttpOptions {
        api_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        ws: WsLimits {
            head: conn.header_timeout,
            idle: Duration::from_secs(5),
        },
        ..Default::default()
    };
    let app = router(Arc::clone(&service), &options);
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let limits = listener::ConnLimits {
        streamed_bodies: ttsd::http::STREAMED_BODIES.to_vec(),
        ..conn
    };
    let connections = Arc::new(listener::ConnMetrics::new());
    tokio::spawn(listener::serve(
        socket,
        app,
        limits,
        Arc::clone(&connections),
        CancellationToken::new(),
    ));
    Running {
        addr,
        service,
        connections,
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: std::net::SocketAddr, query: &str) -> Ws {
    let url = format!("ws://{addr}/v1/audio/speech/stream{query}");
    tokio_tungstenite::connect_async(url)
        .await
        .expect("the upgrade")
        .0
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::Text(value.to_string().into()))
        .await
        .expect("send");
}

/// Everything the server sends until it closes: the audio bytes, the JSON events, the
/// close code.
async fn drain(ws: &mut Ws) -> (Vec<u8>, Vec<Value>, Option<CloseCode>) {
    let mut audio = Vec::new();
    let mut events = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message in time");
        match message {
            Some(Ok(Message::Binary(bytes))) => audio.extend_from_slice(&bytes),
            Some(Ok(Message::Text(text))) => {
                events.push(serde_json::from_str(&text).expect("JSON"))
            }
            Some(Ok(Message::Close(frame))) => return (audio, events, frame.map(|f| f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (audio, events, None),
        }
    }
}

/// The PCM the whole text gives over `POST /v1/audio/speech`.
async fn whole_pcm(service: &Service, text: &str) -> Vec<u8> {
    let synth = service.synth().unwrap();
    let params = ttsd::request::SpeechParams {
        input: Some(text.into()),
        response_format: Some("pcm".into()),
        ..Default::default()
    };
    let request = synth
        .validate(params, ttsd::request::Input::Required)
        .unwrap();
    let (bytes, _) = synth.render(request).await.unwrap();
    bytes
}

#[tokio::test]
async fn pieces_in_any_split_give_the_audio_of_the_whole_text() {
    let server = start(&[], Duration::from_secs(30)).await;
    let expected = whole_pcm(&server.service, TEXT).await;
    let mut ws = connect(server.addr, "").await;
    send(
        &mut ws,
        json!({"voice": "af_heart", "response_format": "pcm"}),
    )
    .await;
    // Mid-word pieces, then one character at a time.
    let (a, rest) = TEXT.split_at(7);
    let (b, rest) = rest.split_at(20);
    send(&mut ws, json!({"text": a})).await;
    send(&mut ws, json!({"text": b})).await;
    for c in rest.chars() {
        send(&mut ws, json!({"text": c.to_string()})).await;
    }
    send(&mut ws, json!({"close": true})).await;
    let (audio, events, code) = drain(&mut ws).await;
    assert_eq!(audio, expected);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "audio.done");
    assert!(
        events[0]["usage"]["output_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(code, Some(CloseCode::Normal));
    assert_eq!(server.service.metrics().active_streams.get(), 0);
}

#[tokio::test]
async fn the_first_clause_is_spoken_before_the_rest_arrives_and_flush_speaks_the_rest() {
    let server = start(&[], Duration::from_secs(30)).await;
    let mut ws = connect(server.addr, "").await;
    send(
        &mut ws,
        json!({"response_format": "pcm", "input": "Well then, here"}),
    )
    .await;
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("audio in time");
    assert!(matches!(first, Some(Ok(Message::Binary(_)))), "{first:?}");
    // No sentence end yet: nothing more until a flush.
    send(&mut ws, json!({"text": " is the plan with no end"})).await;
    let nothing = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(nothing.is_err(), "{nothing:?}");
    send(&mut ws, json!({"flush": true})).await;
    let flushed = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("audio in time");
    assert!(
        matches!(flushed, Some(Ok(Message::Binary(_)))),
        "{flushed:?}"
    );
    send(&mut ws, json!({"close": true})).await;
    let (_, events, code) = drain(&mut ws).await;
    assert_eq!(
        events.last().map(|e| e["type"].clone()),
        Some(json!("audio.done"))
    );
    assert_eq!(code, Some(CloseCode::Normal));
}

#[tokio::test]
async fn text_that_waits_without_a_sentence_end_is_spoken_after_the_idle_gap() {
    let server = start(&[], Duration::from_millis(300)).await;
    let mut ws = connect(server.addr, "").await;
    send(&mut ws, json!({"response_format": "pcm"})).await;
    send(
        &mut ws,
        json!({"text": "a sentence that the writer leaves hang"}),
    )
    .await;
    let spoken = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("audio in time");
    assert!(matches!(spoken, Some(Ok(Message::Binary(_)))), "{spoken:?}");
}

#[tokio::test]
async fn bad_messages_get_an_error_event_and_a_fitting_close() {
    let server = start(&[], Duration::from_secs(30)).await;
    let settings = json!({"response_format": "pcm"});
    let big = "x".repeat(ttsd::http::MAX_MESSAGE_BYTES + 1);
    let cases: Vec<(&str, Vec<Message>, CloseCode, &str)> = vec![
        (
            "binary",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Binary(vec![1, 2].into()),
            ],
            CloseCode::Unsupported,
            "binary",
        ),
        (
            "invalid JSON",
            vec![Message::Text("{not json".into())],
            CloseCode::Policy,
            "settings",
        ),
        (
            "text before settings",
            vec![Message::Text(json!({"text": "hi"}).to_string().into())],
            CloseCode::Policy,
            "the first message is the settings alone",
        ),
        (
            "text with the settings",
            vec![Message::Text(
                json!({"voice": "af_heart", "text": "hi"})
                    .to_string()
                    .into(),
            )],
            CloseCode::Policy,
            "text, flush and close come in the messages after it",
        ),
        (
            "settings twice",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Text(settings.to_string().into()),
            ],
            CloseCode::Policy,
            "already given",
        ),
        (
            "unknown field",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Text(json!({"text": "hi", "flsh": true}).to_string().into()),
            ],
            CloseCode::Policy,
            "flsh",
        ),
        (
            "bad settings",
            vec![Message::Text(json!({"voice": "nobody"}).to_string().into())],
            CloseCode::Policy,
            "unknown voice",
        ),
        (
            // A whole file would be held to its end, unbounded: the socket only streams.
            "a whole file",
            vec![Message::Text(
                json!({"response_format": "flac", "stream": false})
                    .to_string()
                    .into(),
            )],
            CloseCode::Policy,
            "stream: false",
        ),
        (
            "a huge message",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Text(json!({"text": big}).to_string().into()),
            ],
            CloseCode::Size,
            "larger than",
        ),
        (
            "text after close",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Text(
                    json!({"text": "Hi there.", "close": true})
                        .to_string()
                        .into(),
                ),
                Message::Text(json!({"text": "more"}).to_string().into()),
            ],
            CloseCode::Policy,
            "after close",
        ),
        (
            "over the input limit",
            vec![
                Message::Text(settings.to_string().into()),
                Message::Text(json!({"text": "a ".repeat(2100)}).to_string().into()),
                Message::Text(json!({"text": "a ".repeat(2100)}).to_string().into()),
            ],
            CloseCode::Policy,
            "limit",
        ),
    ];
    let sessions = cases.len() as u64;
    for (name, messages, code, message) in cases {
        let mut ws = connect(server.addr, "").await;
        for m in messages {
            // The server may close before the last message goes out.
            let _ = ws.send(m).await;
        }
        let (_, events, got) = drain(&mut ws).await;
        let error = events
            .iter()
            .find(|e| e["type"] == "error")
            .unwrap_or_else(|| panic!("{name}: an error event in {events:?}"));
        let text = error["error"]["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{name}: {error}");
        assert!(
            error["error"]["type"].is_string() && error["error"]["code"].is_string(),
            "{name}: {error}"
        );
        assert_eq!(got, Some(code), "{name}: {events:?}");
    }
    // Each is counted once, as the client's bad request (before its error event was sent).
    assert_eq!(
        failures(&server, ttsd::metrics::Failure::bad_request),
        sessions
    );
    assert_eq!(failures(&server, ttsd::metrics::Failure::internal), 0);
    // Every session ended freed its slot.
    let started = std::time::Instant::now();
    while server.service.metrics().active_streams.get() != 0 {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_client_that_disconnects_frees_its_slot() {
    let server = start(&[], Duration::from_secs(30)).await;
    let mut ws = connect(server.addr, "").await;
    send(
        &mut ws,
        json!({"response_format": "pcm", "input": TEXT.repeat(5)}),
    )
    .await;
    assert!(matches!(ws.next().await, Some(Ok(Message::Binary(_)))));
    drop(ws);
    let started = std::time::Instant::now();
    while server.service.metrics().active_streams.get() != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the pipeline stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // And the slot is free again.
    let voice = server.service.catalogue().resolve("af_heart");
    assert!(server.service.admit(&voice.unwrap()).is_ok());
}

/// Model calls that ran to their end.
fn completed_jobs(service: &Service) -> u64 {
    use ttsd::metrics::{Outcome, OutcomeLabel};
    service
        .metrics()
        .jobs
        .get_or_create(&OutcomeLabel {
            outcome: Outcome::completed,
        })
        .get()
}

#[tokio::test]
async fn a_client_that_drops_the_connection_stops_its_work_at_once() {
    // Each model call takes a second: a call made after the client left would show.
    let cost = ttsd::engine::tone::SimulatedCost {
        per_call: Duration::from_secs(1),
        per_id: Duration::ZERO,
    };
    let service = Arc::new(Service::ready(
        tone::synth(cost, ttsd::synth::Settings::default()),
        4,
    ));
    let server = start_with(service, &[], listener::ConnLimits::default()).await;
    let mut ws = connect(server.addr, "").await;
    send(
        &mut ws,
        json!({"response_format": "pcm", "input": TEXT.repeat(3)}),
    )
    .await;
    send(&mut ws, json!({"close": true})).await;
    assert!(matches!(ws.next().await, Some(Ok(Message::Binary(_)))));
    let before = completed_jobs(&server.service);
    // Gone without a Close frame: the socket is simply dropped.
    drop(ws);
    let started = std::time::Instant::now();
    while server.service.metrics().active_streams.get() != 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "still working");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The call under way when it left was stopped, not finished, and none followed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(completed_jobs(&server.service), before);
    // Counted as an HTTP client's leaving is: cancelled.
    let cancelled = server
        .service
        .metrics()
        .failures
        .get_or_create(&ttsd::metrics::ReasonLabel {
            reason: ttsd::metrics::Failure::cancelled,
        })
        .get();
    assert_eq!(cancelled, 1);
}

#[tokio::test]
async fn a_websocket_without_settings_is_a_connection_without_a_head() {
    // Two connections at most; a head (and a WebSocket's settings) within a second.
    let conn = listener::ConnLimits {
        header_timeout: Duration::from_secs(1),
        max_connections: 2,
        ..Default::default()
    };
    let server = start_with(tone::service(4), &[], conn).await;
    let mut sockets = vec![
        connect(server.addr, "").await,
        connect(server.addr, "").await,
    ];
    // While they are open they hold the connection slots: a third connection is refused.
    let health = |addr| async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply).await;
        reply
    };
    assert!(health(server.addr).await.starts_with("HTTP/1.1 503"));
    // Pings every 100 ms do not stand in for the settings: both are closed at the deadline
    // (the idle limit, 5 s, is not what closes them).
    for ws in &mut sockets {
        let mut ping = tokio::time::interval(Duration::from_millis(100));
        let closing = async {
            loop {
                tokio::select! {
                    message = ws.next() => match message {
                        Some(Ok(Message::Text(text))) => {
                            break serde_json::from_str::<Value>(&text).unwrap();
                        }
                        Some(Ok(_)) => {}
                        other => panic!("closed without an error event: {other:?}"),
                    },
                    _ = ping.tick() => {
                        let _ = ws.send(Message::Ping(Vec::new().into())).await;
                    }
                }
            }
        };
        let event = tokio::time::timeout(Duration::from_secs(4), closing)
            .await
            .expect("closed at the settings' deadline, pings or not");
        assert_eq!(event["error"]["code"], "timeout", "{event}");
    }
    drop(sockets);
    let freed = std::time::Instant::now();
    while !health(server.addr).await.starts_with("HTTP/1.1 200") {
        assert!(
            freed.elapsed() < Duration::from_secs(5),
            "the slots were not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_key_is_taken_from_the_header_or_the_query() {
    let server = start(&["k1"], Duration::from_secs(30)).await;
    let url = format!("ws://{}/v1/audio/speech/stream", server.addr);
    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    assert!(refused.is_err(), "no key, no upgrade");
    let mut ws = connect(server.addr, "?api_key=k1").await;
    send(&mut ws, json!({"response_format": "pcm", "input": "Hi."})).await;
    send(&mut ws, json!({"close": true})).await;
    let (audio, _, code) = drain(&mut ws).await;
    assert!(!audio.is_empty());
    assert_eq!(code, Some(CloseCode::Normal));
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", "Bearer k1".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());
}

/// Writes a chunked POST to the streamed-body route with `text` as its first piece, then
/// nothing more (the socket stays open); what the server sends until it closes, and when.
async fn stalled_body(server: &Running, text: &str) -> (Vec<u8>, Duration) {
    use tokio::io::AsyncReadExt;
    let mut stream = open_body(server, text).await;
    let started = std::time::Instant::now();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut reply))
        .await
        .expect("the server ends the response")
        .ok();
    (reply, started.elapsed())
}

/// A chunked POST to the streamed-body route (PCM) with `text` as its first piece, the body
/// left open.
async fn open_body(server: &Running, text: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/audio/speech/stream?response_format=pcm HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    stream
        .write_all(format!("{:x}\r\n{text}\r\n", text.len()).as_bytes())
        .await
        .unwrap();
    stream
}

/// How many utterances failed for `reason`.
fn failures(server: &Running, reason: ttsd::metrics::Failure) -> u64 {
    use ttsd::metrics::ReasonLabel;
    server
        .service
        .metrics()
        .failures
        .get_or_create(&ReasonLabel { reason })
        .get()
}

/// A failure a session reports is counted once, under its reason, as HTTP's are (the
/// upgrade's 101 counts none): a refused voice and a message that is not JSON are the
/// client's bad requests, a session with nothing more to say a timeout.
#[tokio::test]
async fn every_failure_a_session_reports_is_counted_once_by_its_reason() {
    use ttsd::metrics::Failure;
    let server = start_idle(Duration::from_secs(1)).await;
    let all = || Failure::ALL.map(|reason| failures(&server, reason));
    let text = |value: Value| Message::Text(value.to_string().into());
    let cases = [
        (
            text(json!({"voice": "zz_nobody"})),
            "unknown_voice",
            Failure::bad_request,
        ),
        (
            Message::Text("notjson".into()),
            "invalid_message",
            Failure::bad_request,
        ),
        (
            text(json!({"response_format": "pcm", "input": "Hi."})),
            "timeout",
            Failure::timeout,
        ),
    ];
    for (message, code, reason) in cases {
        let mut expected = all();
        for (count, r) in expected.iter_mut().zip(Failure::ALL) {
            *count += u64::from(r == reason);
        }
        let mut ws = connect(server.addr, "").await;
        ws.send(message).await.expect("send");
        let (_, events, _) = drain(&mut ws).await;
        let error = events.iter().find(|e| e["type"] == "error");
        assert_eq!(
            error.map(|e| e["error"]["code"].clone()),
            Some(json!(code)),
            "{events:?}"
        );
        assert_eq!(all(), expected, "{code}");
    }
}

#[tokio::test]
async fn a_streamed_body_that_stalls_after_its_audio_began_aborts_the_response() {
    let server = start_idle(Duration::from_secs(1)).await;
    // The writer stalled mid-sentence, its socket still open.
    let (reply, _) = stalled_body(
        &server,
        "Well then, here is the plan. We leave at dawn, and",
    )
    .await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    // Audio came, but the chunked body has no last chunk: the client can tell it is cut.
    assert!(reply.len() > 1000, "{} bytes", reply.len());
    assert!(!reply.ends_with(b"0\r\n\r\n"), "a clean end after a stall");
    // The stream's idle time ended it, not the connection's body deadline.
    assert_eq!(
        server
            .connections
            .closed(listener::CloseReason::BodyTimeout),
        0
    );
    // The client's stall is counted as a timeout, not as the server's failure.
    assert_eq!(failures(&server, ttsd::metrics::Failure::timeout), 1);
    assert_eq!(failures(&server, ttsd::metrics::Failure::internal), 0);
}

/// A streamed body with nothing to say is answered by its stream's idle time (a 408 that
/// says so, not the connection's body timeout), and its connection closes: the body's
/// reader stops with the utterance, whatever the client still holds open.
#[tokio::test]
async fn a_streamed_body_without_text_gets_the_stream_timeout_and_is_closed() {
    let server = start_idle(Duration::from_secs(1)).await;
    let (reply, took) = stalled_body(&server, " ").await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"timeout\""), "{text}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(
        server
            .connections
            .closed(listener::CloseReason::BodyTimeout),
        0
    );
}

/// The idle clock does not run while the stream still has text to speak: a first model
/// call longer than the idle time delivers its audio, and only then may the stream go
/// idle (as on the WebSocket), however long the call.
#[tokio::test]
async fn a_model_call_longer_than_the_idle_time_still_delivers_a_streamed_bodys_audio() {
    let idle = Duration::from_secs(1);
    let cost = ttsd::engine::tone::SimulatedCost {
        per_call: 3 * idle,
        per_id: Duration::ZERO,
    };
    let settings = Settings {
        stream_idle: Some(idle),
        ..Settings::default()
    };
    let service = Arc::new(Service::ready(tone::synth(cost, settings), 4));
    let server = start_with(service, &[], listener::ConnLimits::default()).await;
    let (reply, took) = stalled_body(&server, "Hello there. ").await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(reply.len() > 1000, "{} bytes", reply.len());
    // Then the stall after the audio: aborted, and after the call and the idle time.
    assert!(!reply.ends_with(b"0\r\n\r\n"), "a clean end after a stall");
    assert!(took >= 4 * idle, "{took:?}");
    assert_eq!(
        server
            .connections
            .closed(listener::CloseReason::BodyTimeout),
        0
    );
    assert_eq!(failures(&server, ttsd::metrics::Failure::timeout), 1);
}

/// A streamed body that cannot be read on (a chunk whose size is not a number) after its
/// audio began aborts the response as a stall does, and is counted as the client's bad
/// request, not as a timeout nor as the server's failure.
#[tokio::test]
async fn a_streamed_body_that_breaks_after_its_audio_began_is_a_bad_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start_idle(Duration::from_secs(30)).await;
    let mut stream = open_body(&server, "Well then, here is the plan. We leave at dawn. ").await;
    let mut first = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut first))
        .await
        .expect("audio before the body ended")
        .unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    stream.write_all(b"zz\r\nbroken\r\n").await.unwrap();
    let mut reply = first[..n].to_vec();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut reply))
        .await
        .expect("the server ends the response")
        .ok();
    assert!(
        !reply.ends_with(b"0\r\n\r\n"),
        "a clean end after a broken body"
    );
    // The middleware counts the failure when the aborted body ends: wait for it.
    let counted = async {
        while failures(&server, ttsd::metrics::Failure::bad_request) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), counted)
        .await
        .expect("counted as a bad request");
    assert_eq!(failures(&server, ttsd::metrics::Failure::timeout), 0);
    assert_eq!(failures(&server, ttsd::metrics::Failure::internal), 0);
}

/// A streamed body is UTF-8 text: bytes that are not UTF-8 are refused (not read as
/// "replacement character"), and so are a JSON body and another charset, with 415.
#[tokio::test]
async fn a_streamed_body_must_be_utf8_text() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start_idle(Duration::from_secs(30)).await;
    let cases: [(&str, &[u8], &str, &str); 7] = [
        (
            "multipart/form-data; boundary=x",
            b"--x\r\n\r\nHi.\r\n--x--",
            "415",
            "the text itself, plain",
        ),
        ("text/html", b"<p>Hi.</p>", "415", "the text itself, plain"),
        (
            "application/x-www-form-urlencoded",
            b"Hello there.",
            "200",
            "",
        ),
        (
            "text/plain",
            b"Hello \xff\xfe you.",
            "400",
            "not UTF-8 (byte 0xFF at byte 6",
        ),
        (
            "text/plain; charset=iso-8859-1",
            b"Caf\xe9 ol\xe9.",
            "415",
            "charset iso-8859-1",
        ),
        (
            "application/json",
            b"{\"input\": \"Hi.\"}",
            "415",
            "POST /v1/audio/speech",
        ),
        // A character split between two chunks is whole once its rest comes.
        (
            "text/plain; charset=UTF-8",
            "Caf\u{e9} ol\u{e9}.".as_bytes(),
            "200",
            "",
        ),
    ];
    for (content_type, text, status, says) in cases {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let (a, b) = text.split_at(4);
        let head = format!(
            "POST /v1/audio/speech/stream?response_format=pcm HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        let mut request = head.into_bytes();
        for piece in [a, b] {
            request.extend(format!("{:x}\r\n", piece.len()).as_bytes());
            request.extend(piece);
            request.extend(b"\r\n");
        }
        request.extend(b"0\r\n\r\n");
        stream.write_all(&request).await.unwrap();
        let mut reply = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut reply))
            .await
            .expect("an answer")
            .ok();
        let reply = String::from_utf8_lossy(&reply);
        assert!(
            reply.starts_with(&format!("HTTP/1.1 {status}")),
            "{content_type}: {reply}"
        );
        assert!(reply.contains(says), "{content_type}: {reply}");
    }
}

#[tokio::test]
async fn a_streamed_request_body_is_spoken_while_it_arrives() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start(&[], Duration::from_secs(30)).await;
    let expected = whole_pcm(&server.service, TEXT).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/audio/speech/stream?voice=af_heart&response_format=pcm HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let (head, tail) = TEXT.split_at(30);
    stream
        .write_all(format!("{:x}\r\n{head}\r\n", head.len()).as_bytes())
        .await
        .unwrap();
    // The first clause is spoken while the body is still open.
    let mut first = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut first))
        .await
        .expect("a response before the body ended")
        .unwrap();
    let text = String::from_utf8_lossy(&first[..n]).to_string();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    stream
        .write_all(format!("{:x}\r\n{tail}\r\n0\r\n\r\n", tail.len()).as_bytes())
        .await
        .unwrap();
    // The connection closes after the response (`connection: close`): read to its end.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest))
        .await
        .expect("the response ends and the connection closes")
        .unwrap();
    let mut all = first[..n].to_vec();
    all.extend(rest);
    // De-chunk the response body.
    let body_start = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut body = &all[body_start..];
    let mut pcm = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        pcm.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 4 + size..];
    }
    assert_eq!(pcm, expected);
}

/// Phonemes a client gives are checked against the model's symbols whichever way its text
/// comes: over the WebSocket and in a streamed body, as `POST /v1/audio/speech` checks a
/// whole input (an unknown symbol is refused, never dropped in silence).
#[tokio::test]
async fn phonemes_the_model_does_not_know_are_refused_on_every_streamed_path() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start(&[], Duration::from_secs(30)).await;
    let text = "Say [this](/ðɪʘ/) now. And more.";
    let mut ws = connect(server.addr, "").await;
    send(&mut ws, json!({"response_format": "pcm"})).await;
    send(&mut ws, json!({"text": text})).await;
    send(&mut ws, json!({"close": true})).await;
    let (_, events, code) = drain(&mut ws).await;
    let error = events
        .iter()
        .find(|e| e["type"] == "error")
        .unwrap_or_else(|| panic!("an error event in {events:?}"));
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("does not know: ʘ"), "{error}");
    assert_eq!(error["error"]["code"], "invalid_value", "{error}");
    assert!(
        events.iter().all(|e| e["type"] != "audio.done"),
        "{events:?}"
    );
    assert_eq!(code, Some(CloseCode::Policy));

    // The streamed body: the error comes before any audio, so it is a 400 in OpenAI's shape.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(format!(
            "POST /v1/audio/speech/stream?response_format=pcm HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{text}\r\n0\r\n\r\n",
            text.len()
        ).as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("a response in time")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("does not know: ʘ"), "{response}");
}

/// A session holds an admission slot; only text keeps it. One that sends its settings and
/// then only pings, empty texts and whitespace is closed with a timeout once its idle time
/// has passed with nothing left to say, and its slot is free again.
#[tokio::test]
async fn pings_and_empty_text_do_not_keep_a_session_open() {
    let server = start_idle(Duration::from_secs(1)).await;
    let mut ws = connect(server.addr, "").await;
    send(
        &mut ws,
        json!({"response_format": "pcm", "input": "Hello there."}),
    )
    .await;
    let started = std::time::Instant::now();
    // Text with nothing to say (invisible characters) every other message, more often
    // than the idle time.
    let nothing = Message::Text(json!({"text": "\u{200b}\u{feff}"}).to_string().into());
    let chatter = [
        Message::Ping(vec![1].into()),
        nothing.clone(),
        Message::Text(json!({"text": ""}).to_string().into()),
        nothing.clone(),
        Message::Text(json!({"text": "  "}).to_string().into()),
        nothing.clone(),
        Message::Text(json!({"flush": true}).to_string().into()),
        nothing,
    ];
    let mut events = Vec::new();
    let mut code = None;
    'session: for message in chatter.iter().cycle() {
        // The server may already have closed.
        let _ = ws.send(message.clone()).await;
        let until = tokio::time::Instant::now() + Duration::from_millis(250);
        while let Ok(next) = tokio::time::timeout_at(until, ws.next()).await {
            match next {
                Some(Ok(Message::Text(text))) => {
                    events.push(serde_json::from_str::<Value>(&text).unwrap())
                }
                Some(Ok(Message::Close(frame))) => {
                    code = frame.map(|f| f.code);
                    break 'session;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break 'session,
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still open after 10 s: {events:?}"
        );
    }
    let closed_after = started.elapsed();
    assert!(closed_after >= Duration::from_secs(1), "{closed_after:?}");
    let error = events.iter().find(|e| e["type"] == "error");
    assert_eq!(
        error.map(|e| e["error"]["code"].clone()),
        Some(json!("timeout")),
        "{events:?}"
    );
    assert_eq!(code, Some(CloseCode::Policy));
    let freed = std::time::Instant::now();
    while server.service.metrics().active_streams.get() != 0 {
        assert!(
            freed.elapsed() < Duration::from_secs(5),
            "the slot was freed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Text keeps a session open however long it lasts: each piece starts the idle clock again,
/// and the clock does not run while there is audio left to make.
#[tokio::test]
async fn text_keeps_a_session_open_past_its_idle_time() {
    let server = start_idle(Duration::from_millis(600)).await;
    let mut ws = connect(server.addr, "").await;
    send(&mut ws, json!({"response_format": "pcm"})).await;
    for word in "one two three four five six".split(' ') {
        send(&mut ws, json!({"text": format!("{word}, ")})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    send(&mut ws, json!({"text": "the end.", "close": true})).await;
    let (audio, events, code) = drain(&mut ws).await;
    assert!(!audio.is_empty());
    assert_eq!(
        events.last().map(|e| e["type"].clone()),
        Some(json!("audio.done")),
        "{events:?}"
    );
    assert_eq!(code, Some(CloseCode::Normal));
}

/// A streamed body that trickles only whitespace is not text either: its utterance times
/// out (before any audio, a 408 in OpenAI's shape).
#[tokio::test]
async fn a_streamed_body_of_whitespace_times_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start_idle(Duration::from_secs(1)).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/audio/speech/stream?response_format=pcm HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut response = vec![0u8; 4096];
    let n = loop {
        // A space every 200 ms (the connection's own per-piece deadline is a minute).
        let _ = stream.write_all(b"1\r\n \r\n").await;
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut response)).await {
            Ok(read) => break read.unwrap(),
            Err(_) => assert!(
                started.elapsed() < Duration::from_secs(10),
                "no answer in 10 s"
            ),
        }
    };
    let response = String::from_utf8_lossy(&response[..n]);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("\"timeout\""), "{response}");
    assert!(started.elapsed() >= Duration::from_secs(1));
}
