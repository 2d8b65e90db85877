//! Pronunciation lexicons over HTTP: the routes in process (`router(service).oneshot`, a
//! store in a temporary directory), and a real `ttsd serve` killed (SIGKILL, SIGTERM, and
//! SIGKILL in the middle of writing an upload) and started again on the same data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use ttsd::engine::tone::SimulatedCost;
use ttsd::http::HttpOptions;
use ttsd::lexicon::Store;
use ttsd::service::Service;
use ttsd::synth::Settings;

use common::oneshot::{self, Reply};
use common::{Server, rt, tempdir, tone};

const KEY: &str = "sk-lexicons";

/// A PLS document in `lang` holding these lexemes.
fn pls(lang: &str, lexemes: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\"\n    \
         alphabet=\"ipa\" xml:lang=\"{lang}\">\n{lexemes}\n</lexicon>\n"
    )
}

/// The issue's lexicon: a name, an acronym's alias, an IPA phoneme.
fn acme() -> String {
    pls(
        "en-US",
        "  <lexeme>\n    <grapheme>Acme</grapheme>\n    <phoneme>ˈækmi</phoneme>\n  </lexeme>\n  \
         <lexeme>\n    <grapheme>W3C</grapheme>\n    <alias>World Wide Web Consortium</alias>\n  \
         </lexeme>\n  <lexeme>\n    <grapheme>Kokoro</grapheme>\n    \
         <phoneme>kˈOkəɹO</phoneme>\n  </lexeme>",
    )
}

/// A service on the test engine whose lexicons are kept in `dir`.
fn keeping(dir: &Path) -> Arc<Service> {
    let synth = tone::synth(SimulatedCost::default(), Settings::default());
    let store = Store::open(dir, Arc::clone(&synth.spec().vocab)).expect("the store opens");
    Arc::new(Service::ready(synth, 4).with_lexicons(Arc::new(store)))
}

async fn send(service: &Arc<Service>, keys: &[&str], request: Request<Body>) -> Reply {
    let options = HttpOptions {
        // Smaller than a big lexicon: the lexicon route has its own limit.
        max_body_bytes: 64 * 1024,
        api_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        ..Default::default()
    };
    oneshot::send(service, &options, request).await
}

fn put(name: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::put(format!("/v1/audio/lexicons/{name}"));
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(body.into()).expect("a request")
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("a request")
}

fn delete(path: &str) -> Request<Body> {
    Request::delete(path)
        .body(Body::empty())
        .expect("a request")
}

#[tokio::test]
async fn a_lexicon_is_put_read_listed_replaced_and_deleted() {
    let dir = tempdir();
    let service = keeping(dir.path());
    let put_acme = || put("acme", Some("application/pls+xml"), acme());
    let reply = send(&service, &[], put_acme()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({"name": "acme", "language": "en-US", "entries": 3})
    );
    assert_eq!(reply.headers[header::LOCATION], "/v1/audio/lexicons/acme");
    assert_eq!(send(&service, &[], put_acme()).await.status, StatusCode::OK);

    let reply = send(&service, &[], get("/v1/audio/lexicons/acme")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/pls+xml; charset=utf-8"
    );
    assert_eq!(reply.text(), acme(), "kept as it was sent");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("acme.pls")).unwrap(),
        acme()
    );

    // The JSON form, in British English, comes back as PLS.
    let json = json!([{"grapheme": "tomato", "phoneme": "təmˈɑːtəʊ"},
                      {"grapheme": "NHS", "alias": "N H S"}]);
    let reply = send(
        &service,
        &[],
        put("british", Some("application/json"), json.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["language"], "en");
    let reply = send(
        &service,
        &[],
        Request::put("/v1/audio/lexicons/british?language=en-GB")
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Body::from(json.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let document = send(&service, &[], get("/v1/audio/lexicons/british"))
        .await
        .text();
    assert!(document.contains("xml:lang=\"en-GB\""), "{document}");
    assert!(
        document.contains("<grapheme>NHS</grapheme>\n    <alias>N H S</alias>"),
        "{document}"
    );

    let reply = send(&service, &[], get("/v1/audio/lexicons")).await;
    assert_eq!(
        reply.json(),
        json!({"lexicons": [
            {"name": "acme", "language": "en-US", "entries": 3},
            {"name": "british", "language": "en-GB", "entries": 2},
        ]})
    );

    let reply = send(&service, &[], delete("/v1/audio/lexicons/british")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"name": "british", "deleted": true}));
    for request in [
        get("/v1/audio/lexicons/british"),
        delete("/v1/audio/lexicons/british"),
    ] {
        let reply = send(&service, &[], request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.json()["error"]["code"], "lexicon_not_found");
        assert!(reply.error().contains("'british'"));
    }
    assert!(!dir.path().join("british.pls").exists());
    // What is on disk is what a restarted server has.
    let again = keeping(dir.path());
    let reply = send(&again, &[], get("/v1/audio/lexicons")).await;
    assert_eq!(reply.json()["lexicons"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_lexicon_is_a_400_naming_where_and_the_old_one_stays() {
    let dir = tempdir();
    let service = keeping(dir.path());
    let reply = send(&service, &[], put("acme", Some("application/xml"), acme())).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let bad: &[(&str, String, &str)] = &[
        (
            "malformed XML",
            acme().replace("</lexeme>", "</lexem>"),
            "line 7: not well-formed XML",
        ),
        (
            "an unknown alphabet",
            acme().replace("alphabet=\"ipa\"", "alphabet=\"x-sampa\""),
            "line 2, <lexicon>: alphabet \"x-sampa\" is not one ttsd reads",
        ),
        (
            "a symbol the model does not know",
            acme().replace("ˈækmi", "ˈæɫmi"),
            "line 6, <phoneme>: phonemes 'ˈæɫmi' hold symbols the model does not know",
        ),
        (
            "entity expansion",
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE lexicon [\n <!ENTITY lol \"lol\">\n \
                 <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n{}",
                acme()
                    .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "")
                    .replace("World Wide Web Consortium", "&lol2;")
            ),
            "line 2, <!DOCTYPE>: a DTD is not accepted",
        ),
        (
            "an undeclared entity",
            acme().replace("World Wide Web Consortium", "&lol2;"),
            "line 10, <alias>: unknown entity '&lol2;'",
        ),
    ];
    for (what, document, expected) in bad {
        let reply = send(
            &service,
            &[],
            put("acme", Some("application/pls+xml"), document.clone()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}");
        let body = reply.json();
        assert_eq!(body["error"]["code"], "invalid_value", "{what}: {body}");
        assert_eq!(body["error"]["param"], "lexicon", "{what}: {body}");
        let message = reply.error();
        assert!(message.contains(expected), "{what}: {message:?}");
        // Nothing changed, in use or on disk.
        let kept = send(&service, &[], get("/v1/audio/lexicons/acme")).await;
        assert_eq!(kept.text(), acme(), "{what}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("acme.pls")).unwrap(),
            acme()
        );
    }
    // Bad JSON entries name the entry.
    let reply = send(
        &service,
        &[],
        put(
            "acme",
            Some("application/json"),
            r#"[{"grapheme": "a", "alias": "b"}, {"grapheme": "c"}]"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.error().contains("entry 2"), "{}", reply.error());
    // A PLS document names its own language.
    let reply = send(
        &service,
        &[],
        Request::put("/v1/audio/lexicons/acme?language=fr")
            .header(header::CONTENT_TYPE, "application/pls+xml")
            .body(Body::from(acme()))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.error().contains("xml:lang 'en-US'"),
        "{}",
        reply.error()
    );
    let kept = send(&service, &[], get("/v1/audio/lexicons")).await;
    assert_eq!(kept.json()["lexicons"][0]["entries"], 3);
    // Only lexicon files in the directory: a refused upload wrote nothing.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[tokio::test]
async fn names_media_types_and_sizes_are_checked() {
    let dir = tempdir();
    let service = keeping(dir.path());
    for bad in ["Acme", "-acme", "a.b", "%2E%2E"] {
        let reply = send(&service, &[], put(bad, Some("application/pls+xml"), acme())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.json()["error"]["param"], "name", "{bad}");
        let reply = send(&service, &[], get(&format!("/v1/audio/lexicons/{bad}"))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let reply = send(&service, &[], put("acme", content_type, acme())).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(reply.json()["error"]["code"], "unsupported_media_type");
        assert!(reply.error().contains("application/pls+xml"));
    }
    // 10,000 entries (about 0.8 MB, over the server's 64 KiB body limit here) are taken;
    // more than 4 MiB is a 413.
    let lexemes: String = (0..10_000)
        .map(|i| {
            format!(
                "  <lexeme>\n    <grapheme>Word{i}</grapheme>\n    <phoneme>wˈɜɹd</phoneme>\n  \
                 </lexeme>\n"
            )
        })
        .collect();
    let big = pls("en", &lexemes);
    assert!(big.len() > 700_000);
    let reply = send(&service, &[], put("big", Some("application/pls+xml"), big)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["entries"], 10_000);
    let huge = pls("en", &format!("<!--{}-->", "x".repeat(4 << 20)));
    let reply = send(
        &service,
        &[],
        put("huge", Some("application/pls+xml"), huge),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"]["code"], "body_too_large");
}

#[tokio::test]
async fn lexicons_are_behind_the_api_key() {
    let dir = tempdir();
    let service = keeping(dir.path());
    let requests = || {
        [
            put("acme", Some("application/pls+xml"), acme()),
            get("/v1/audio/lexicons/acme"),
            get("/v1/audio/lexicons"),
            delete("/v1/audio/lexicons/acme"),
        ]
    };
    for request in requests() {
        let reply = send(&service, &[KEY], request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json()["error"]["code"], "invalid_api_key");
    }
    assert!(
        send(&service, &[], get("/v1/audio/lexicons")).await.json()["lexicons"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for (request, status) in requests().into_iter().zip([201, 200, 200, 200]) {
        let (mut parts, body) = request.into_parts();
        parts.headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {KEY}").parse().unwrap(),
        );
        let reply = send(&service, &[KEY], Request::from_parts(parts, body)).await;
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    }
}

/// PUT `document` as lexicon `name` on a real server; the status.
async fn put_real(client: &reqwest::Client, server: &Server, name: &str, document: String) -> u16 {
    client
        .put(server.url(&format!("/v1/audio/lexicons/{name}")))
        .header("Content-Type", "application/pls+xml")
        .body(document)
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

/// The lexicon `name` of a real server, as its document (`None`: a 404).
async fn get_real(client: &reqwest::Client, server: &Server, name: &str) -> Option<String> {
    let resp = client
        .get(server.url(&format!("/v1/audio/lexicons/{name}")))
        .send()
        .await
        .expect("send");
    match resp.status().as_u16() {
        200 => Some(resp.text().await.expect("the body")),
        404 => None,
        other => panic!("GET {name}: {other}"),
    }
}

fn signal(server: &Server, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(server.pid() as i32).expect("a pid");
    rustix::process::kill_process(pid, signal).expect("signal the server");
}

/// Waits (at most 5 s) until every thread of the server is stopped (state `T` or `t` in
/// `/proc/PID/task/*/stat`).
fn stopped(server: &Server) {
    let tasks = format!("/proc/{}/task", server.pid());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let all = std::fs::read_dir(&tasks)
            .expect("the server's threads")
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("stat")).ok())
            .all(|stat| {
                // The state follows the command name's closing parenthesis.
                stat.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with(['T', 't']))
            });
        if all {
            return;
        }
        std::thread::yield_now();
    }
    panic!("the server did not stop");
}

/// `ttsd serve` on the test engine, its lexicons in `data`: these tests are about the
/// store, and each start of the model would cost seconds.
fn start(data: &Path) -> Server {
    Server::tone(&["--data-dir", data.to_str().expect("a UTF-8 path")])
}

#[test]
fn lexicons_survive_sigkill_and_sigterm() {
    let data = tempdir();
    let client = reqwest::Client::new();
    let server = start(data.path());
    rt().block_on(async {
        assert_eq!(put_real(&client, &server, "acme", acme()).await, 201);
    });
    // SIGKILL: no chance to flush anything; the upload was on disk when it was answered.
    drop(server);
    let server = start(data.path());
    rt().block_on(async {
        assert_eq!(get_real(&client, &server, "acme").await, Some(acme()));
        let json = json!([{"grapheme": "Zed", "alias": "zee"}]).to_string();
        let resp = client
            .put(server.url("/v1/audio/lexicons/zed"))
            .header("Content-Type", "application/json")
            .body(json)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    });
    signal(&server, rustix::process::Signal::TERM);
    drop(server);
    let server = start(data.path());
    rt().block_on(async {
        assert_eq!(get_real(&client, &server, "acme").await, Some(acme()));
        assert!(
            get_real(&client, &server, "zed")
                .await
                .unwrap()
                .contains("zee")
        );
    });
}

#[test]
fn a_kill_in_the_middle_of_writing_an_upload_leaves_the_old_lexicon() {
    let data = tempdir();
    let lexicons = data.path().join("lexicons");
    let client = reqwest::Client::new();
    let old = acme();
    // The new version: as large as an upload may be, so writing it takes a while.
    let padding = "x".repeat((4 << 20) - 4096);
    let new = pls(
        "en-US",
        &format!(
            "<!-- {padding} -->\n<lexeme><grapheme>Acme</grapheme><alias>new</alias></lexeme>"
        ),
    );
    assert!(new.len() <= 4 << 20);
    let mut caught = 0;
    for attempt in 0..10 {
        let server = start(data.path());
        rt().block_on(async {
            let expected = if attempt == 0 { 201 } else { 200 };
            assert_eq!(
                put_real(&client, &server, "acme", old.clone()).await,
                expected
            );
        });
        // The upload goes on another thread; this one watches the directory for the
        // temporary file and stops the server the moment it sees one.
        let url = server.url("/v1/audio/lexicons/acme");
        let body = new.clone();
        let uploader = std::thread::spawn(move || {
            rt().block_on(async move {
                let _ = reqwest::Client::new()
                    .put(url)
                    .header("Content-Type", "application/pls+xml")
                    .body(body)
                    .send()
                    .await;
            });
        });
        let started = Instant::now();
        let mut mid_write = false;
        while started.elapsed() < Duration::from_secs(20) {
            if temporary_files(&lexicons) > 0 {
                // Frozen where it is, then killed: what is on disk now is what a crash
                // at this point leaves.
                signal(&server, rustix::process::Signal::STOP);
                // SIGSTOP is delivered asynchronously: a thread on the other core may still
                // rename the file before it stops, so the files are counted once it has.
                stopped(&server);
                mid_write = temporary_files(&lexicons) > 0;
                break;
            }
            if uploader.is_finished() {
                break;
            }
            std::hint::spin_loop();
        }
        signal(&server, rustix::process::Signal::KILL);
        drop(server);
        uploader.join().expect("the uploader");
        let server = start(data.path());
        let kept = rt().block_on(get_real(&client, &server, "acme"));
        assert_eq!(
            temporary_files(&lexicons),
            0,
            "the unfinished write is removed"
        );
        eprintln!("attempt {attempt}: killed mid-write: {mid_write}");
        if mid_write {
            // Killed before the rename: the old lexicon, whole.
            assert_eq!(kept.as_deref(), Some(old.as_str()), "attempt {attempt}");
            caught += 1;
            if caught == 3 {
                return;
            }
        } else {
            // The write had finished: the new lexicon, whole, never a mix.
            assert!(
                kept.as_deref() == Some(new.as_str()) || kept.as_deref() == Some(old.as_str()),
                "attempt {attempt}: neither version"
            );
        }
    }
    panic!("the kill landed in the middle of a write only {caught} times in 10 attempts");
}

/// Temporary files (unfinished writes) in the lexicon directory.
fn temporary_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count()
        })
        .unwrap_or(0)
}

// Requests that use lexicons, on every front end.

/// The speech of `text` over `POST /v1/audio/speech` as raw PCM, with `lexicons` as the
/// field (absent: the server's default list).
async fn http_pcm(
    client: &reqwest::Client,
    server: &Server,
    text: &str,
    lexicons: Option<Value>,
) -> Vec<u8> {
    let mut body = json!({"input": text, "response_format": "pcm"});
    if let Some(lexicons) = lexicons {
        body["lexicons"] = lexicons;
    }
    let resp = speech_ok(client, server, &body).await;
    resp.bytes().await.expect("the audio").to_vec()
}

/// `body` through `POST /v1/audio/speech`, which must answer 200.
async fn speech_ok(client: &reqwest::Client, server: &Server, body: &Value) -> reqwest::Response {
    let resp = client
        .post(server.url("/v1/audio/speech"))
        .json(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200, "{body}");
    resp
}

/// The words an SSE response's `speech.audio.timestamps` events show.
async fn sse_words(
    client: &reqwest::Client,
    server: &Server,
    text: &str,
    lexicons: Value,
) -> Vec<String> {
    let body =
        json!({"input": text, "stream_format": "sse", "timestamps": true, "lexicons": lexicons});
    let resp = speech_ok(client, server, &body).await;
    let events = resp.text().await.expect("the events");
    events
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter(|e| e["type"] == "speech.audio.timestamps")
        .flat_map(|e| e["words"].as_array().cloned().unwrap_or_default())
        .map(|w| w["word"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The audio of `text` over the WebSocket with these settings (text sent in pieces), and
/// its JSON messages.
async fn ws_audio(server: &Server, settings: Value, text: &str) -> (Vec<u8>, Vec<Value>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let url = server
        .url("/v1/audio/speech/stream")
        .replacen("http", "ws", 1);
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the upgrade");
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Text(settings.to_string().into()))
        .await
        .expect("send");
    // The text goes while the replies are read: a session the server refuses at its
    // settings is closed at once, so the text after them may meet a closed socket (a
    // broken pipe), which is no failure here; what the server said is read all the same.
    let send = async move {
        let chars: Vec<char> = text.chars().collect();
        let pieces = chars
            .chunks(5)
            .map(|p| json!({"text": p.iter().collect::<String>()}));
        for message in pieces.chain([json!({"close": true})]) {
            if tx
                .send(Message::Text(message.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
        }
        tx
    };
    let read = async {
        let (mut audio, mut events) = (Vec::new(), Vec::new());
        while let Some(Ok(message)) = tokio::time::timeout(Duration::from_secs(60), rx.next())
            .await
            .expect("a message in time")
        {
            match message {
                Message::Binary(bytes) => audio.extend_from_slice(&bytes),
                Message::Text(text) => events.push(serde_json::from_str(&text).expect("JSON")),
                Message::Close(_) => break,
                _ => {}
            }
        }
        (audio, events)
    };
    let (_tx, replies) = tokio::join!(send, read);
    replies
}

/// The audio of `text` over the streamed request body with this query.
async fn upload_pcm(
    client: &reqwest::Client,
    server: &Server,
    text: &str,
    query: &str,
) -> (u16, Vec<u8>) {
    let url = server.url(&format!(
        "/v1/audio/speech/stream?response_format=pcm&{query}"
    ));
    let pieces: Vec<Result<String, std::io::Error>> = text
        .split_inclusive(' ')
        .map(|p| Ok(p.to_owned()))
        .collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let resp = client
        .post(url)
        .header("Content-Type", "text/plain")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.expect("the body").to_vec())
}

/// The PCM of a one-shot Wyoming `synthesize` of `text` (Wyoming names no lexicons: the
/// server's default list applies).
async fn wyoming_pcm(addr: &str, text: &str) -> Vec<u8> {
    use futures_util::{SinkExt, StreamExt};
    use ttsd::wyoming::{Frame, FrameCodec};
    let (read, write) = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect")
        .into_split();
    let mut reader = tokio_util::codec::FramedRead::new(read, FrameCodec::default());
    let mut writer = tokio_util::codec::FramedWrite::new(write, FrameCodec::default());
    writer
        .send(Frame::new("synthesize", json!({"text": text})))
        .await
        .expect("send");
    let mut pcm = Vec::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(60), reader.next())
            .await
            .expect("an event in time")
            .expect("an event")
            .expect("a well-formed event");
        match frame.kind.as_str() {
            "audio-chunk" => pcm.extend_from_slice(frame.payload.as_deref().unwrap_or_default()),
            "audio-stop" => return pcm,
            "error" => panic!("wyoming: {:?}", frame.data),
            _ => {}
        }
    }
}

/// Lexicon `name` written into a data directory, as a server keeps it.
fn keep(data: &Path, name: &str, document: &str) {
    let dir = data.join("lexicons");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.pls")), document).unwrap();
}

const ACME_TEXT: &str = "Ask the W3C about Acme today.";

/// On the test engine, every front end: a named lexicon changes what is said (the audio of
/// the same text differs from `[]`'s) and the same text in pieces is said alike; the
/// default list applies where none is named (Wyoming always); captions keep the written
/// words; an unknown name is a 400 naming `lexicons`; a default cannot be deleted.
#[test]
fn every_front_end_reads_with_the_lexicons_named_else_the_default_list() {
    let data = tempdir();
    keep(data.path(), "acme", &acme());
    let dir = data.path().to_str().unwrap();
    let server = Server::tone(&[
        "--data-dir",
        dir,
        "--lexicons",
        "acme",
        "--wyoming-port",
        "0",
    ]);
    let client = reqwest::Client::new();
    rt().block_on(async {
        let named = http_pcm(&client, &server, ACME_TEXT, Some(json!(["acme"]))).await;
        let default = http_pcm(&client, &server, ACME_TEXT, None).await;
        let none = http_pcm(&client, &server, ACME_TEXT, Some(json!([]))).await;
        assert_eq!(named, default, "the default list");
        assert_ne!(named, none, "the lexicon changes what is said");

        let words = sse_words(&client, &server, ACME_TEXT, json!(["acme"])).await;
        for written in ["W3C", "Acme"] {
            assert!(words.iter().any(|w| w == written), "{written} in {words:?}");
        }
        assert!(!words.iter().any(|w| w.contains("World")), "{words:?}");
        let captions = client
            .post(server.url("/v1/audio/captions"))
            .json(&json!({"input": ACME_TEXT, "lexicons": ["acme"]}))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            captions.contains("W3C") && !captions.contains("World"),
            "{captions}"
        );

        let settings = json!({"response_format": "pcm", "lexicons": ["acme"], "timestamps": true});
        let (ws, events) = ws_audio(&server, settings, ACME_TEXT).await;
        assert_eq!(ws, named, "WebSocket, text in pieces");
        let ws_words: Vec<&str> = events
            .iter()
            .filter(|e| e["type"] == "audio.timestamps")
            .flat_map(|e| e["words"].as_array().into_iter().flatten())
            .filter_map(|w| w["word"].as_str())
            .collect();
        assert!(ws_words.contains(&"W3C"), "{ws_words:?}");
        let (ws_none, _) = ws_audio(
            &server,
            json!({"response_format": "pcm", "lexicons": []}),
            ACME_TEXT,
        )
        .await;
        assert_eq!(ws_none, none);

        assert_eq!(
            upload_pcm(&client, &server, ACME_TEXT, "lexicons=acme").await,
            (200, named.clone())
        );
        assert_eq!(
            upload_pcm(&client, &server, ACME_TEXT, "lexicons=").await,
            (200, none.clone())
        );

        let wyoming = server.wyoming.clone().expect("a Wyoming address");
        assert_eq!(
            wyoming_pcm(&wyoming, ACME_TEXT).await,
            named,
            "Wyoming: the default list"
        );

        // An unknown name, on each front end that names lexicons.
        let refused = client
            .post(server.url("/v1/audio/speech"))
            .json(&json!({"input": ACME_TEXT, "lexicons": ["acme", "nobody"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["code"], "lexicon_not_found");
        assert_eq!(error["error"]["param"], "lexicons");
        let (status, body) = upload_pcm(&client, &server, ACME_TEXT, "lexicons=nobody").await;
        let error: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, &error["error"]["code"]),
            (400, &json!("lexicon_not_found"))
        );
        let (audio, events) = ws_audio(&server, json!({"lexicons": ["nobody"]}), ACME_TEXT).await;
        assert!(audio.is_empty());
        assert_eq!(
            events[0]["error"]["code"], "lexicon_not_found",
            "{events:?}"
        );
        assert_eq!(events[0]["error"]["param"], "lexicons", "{events:?}");

        // The default list is the server's promise: its lexicons stay (replacing one is fine).
        let info: Value = client
            .get(server.url("/info"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["default_lexicons"], json!(["acme"]));
        assert_eq!(info["max_lexicons_per_request"], 8);
        let delete = client
            .delete(server.url("/v1/audio/lexicons/acme"))
            .send()
            .await
            .unwrap();
        assert_eq!(delete.status(), 409);
        assert_eq!(put_real(&client, &server, "acme", acme()).await, 200);
    });
}

/// A default list naming a lexicon the server does not keep stops it at start.
#[test]
fn a_default_lexicon_that_is_not_kept_stops_the_start() {
    let data = tempdir();
    let out = std::process::Command::new(common::bin())
        .current_dir(common::repo())
        .args([
            "serve",
            "--engine",
            "tone",
            "--port",
            "0",
            "--lexicons",
            "acme",
        ])
        .args(["--data-dir", data.path().to_str().unwrap()])
        .output()
        .expect("run ttsd serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--lexicons") && stderr.contains("acme"),
        "{stderr}"
    );
}

/// `ttsd say --lexicon FILE`: PLS or JSON, in order; a bad file is refused naming it.
#[test]
fn say_reads_its_text_with_the_lexicon_files() {
    let dir = tempdir();
    let pls_file = dir.path().join("acme.pls");
    std::fs::write(&pls_file, acme()).unwrap();
    let json_file = dir.path().join("more.json");
    std::fs::write(
        &json_file,
        json!([{"grapheme": "today", "alias": "tomorrow"}]).to_string(),
    )
    .unwrap();
    let say = |lexicons: &[&Path], out: &str| {
        let mut command = std::process::Command::new(common::bin());
        command
            .current_dir(common::repo())
            .args(["say", "--engine", "tone", ACME_TEXT, "-o"])
            .arg(dir.path().join(out));
        for file in lexicons {
            command.arg("--lexicon").arg(file);
        }
        let output = command.output().expect("run ttsd say");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let read = |out: &str| std::fs::read(dir.path().join(out)).unwrap();
    assert!(say(&[], "plain.wav").0);
    assert!(say(&[&pls_file], "acme.wav").0);
    assert!(say(&[&pls_file, &json_file], "both.wav").0);
    assert_ne!(read("plain.wav"), read("acme.wav"));
    assert_ne!(read("acme.wav"), read("both.wav"));
    let bad = dir.path().join("bad.pls");
    std::fs::write(
        &bad,
        pls(
            "en-US",
            "<lexeme><grapheme>x</grapheme><phoneme>§</phoneme></lexeme>",
        ),
    )
    .unwrap();
    let (ok, stderr) = say(&[&bad], "bad.wav");
    assert!(
        !ok && stderr.contains("bad.pls") && stderr.contains("line"),
        "{stderr}"
    );
}

/// The issue's done-when, by ear: a lexicon uploaded (and kept across a SIGKILL) changes
/// what the real model says for its words on HTTP, the WebSocket and Wyoming (the server's
/// default list), while the rest of the sentence is heard as without it.
#[test]
fn the_ear_hears_the_lexicons_words_on_every_front_end() {
    const TEXT: &str = "Ask the W3C about it, then call Nguyen today.";
    const HEARD: &str = "Ask the World Wide Web Consortium about it, then call win today.";
    let names = pls(
        "en-US",
        "<lexeme><grapheme>Nguyen</grapheme><phoneme>wˈɪn</phoneme></lexeme>\
         <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>",
    );
    let data = tempdir();
    let client = reqwest::Client::new();
    let uploader = start(data.path());
    rt().block_on(async {
        assert_eq!(put_real(&client, &uploader, "names", names).await, 201);
    });
    drop(uploader);
    let dir = data.path().to_str().unwrap();
    let server = Server::start(&[
        "--data-dir",
        dir,
        "--lexicons",
        "names",
        "--wyoming-port",
        "0",
    ]);
    let out = tempdir();
    let files: Vec<(&str, std::path::PathBuf)> = rt().block_on(async {
        let wyoming = server.wyoming.clone().expect("a Wyoming address");
        let settings = json!({"response_format": "pcm", "lexicons": ["names"]});
        let takes = [
            (
                "http",
                http_pcm(&client, &server, TEXT, Some(json!(["names"]))).await,
            ),
            ("ws", ws_audio(&server, settings, TEXT).await.0),
            ("wyoming", wyoming_pcm(&wyoming, TEXT).await),
            (
                "none",
                http_pcm(&client, &server, TEXT, Some(json!([]))).await,
            ),
        ];
        takes
            .into_iter()
            .map(|(name, pcm)| {
                let path = out.path().join(format!("{name}.pcm"));
                std::fs::write(&path, pcm).unwrap();
                (name, path)
            })
            .collect()
    });
    let pairs: Vec<(&str, &Path)> = files.iter().map(|(_, p)| (HEARD, p.as_path())).collect();
    let wers = common::asr_wer(&pairs);
    for ((name, _), wer) in files.iter().zip(&wers).take(3) {
        assert!(
            *wer <= 0.1,
            "{name}: the lexicon's words were not heard (WER {wer})"
        );
    }
    // The lexicon's words are what differ: without it the same text is heard otherwise
    // (and the rest of it, at most one word off with it, as the ear hears it anyway).
    assert!(wers[3] >= wers[0] + 0.2, "without the lexicon: {wers:?}");
}
