//! The HTTP API in process, on the deterministic test engine (16 kHz, no model):
//! `router(service).oneshot(request)`, in milliseconds. The real-model tests (server.rs,
//! clients.rs, …) check the same API end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use ttsd::http::HttpOptions;
use ttsd::service::Service;

use common::oneshot::{self, Reply};
use common::tone;

fn options(keys: &[&str]) -> HttpOptions {
    HttpOptions {
        max_body_bytes: 64 * 1024,
        cors_allow_origin: Vec::new(),
        api_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        ..Default::default()
    }
}

async fn send(service: &Arc<Service>, keys: &[&str], request: Request<Body>) -> Reply {
    oneshot::send(service, &options(keys), request).await
}

fn speech(body: Value) -> Request<Body> {
    Request::post("/v1/audio/speech")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request")
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("a request")
}

/// The samples and rate of a WAV file.
fn wav(bytes: &[u8]) -> (Vec<i16>, u32) {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).expect("a WAV");
    let rate = reader.spec().sample_rate;
    let samples = reader
        .into_samples::<i16>()
        .map(|s| s.expect("a sample"))
        .collect();
    (samples, rate)
}

#[tokio::test]
async fn speech_is_audio_at_the_engines_rate_in_every_format() {
    let service = tone::service(4);
    let r = send(
        &service,
        &[],
        speech(json!({"input": "Hello there. How are you?", "response_format": "wav", "stream": false})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers[header::CONTENT_TYPE], "audio/wav");
    let (samples, rate) = wav(&r.body);
    assert_eq!(rate, 16_000, "the test engine's rate reaches the encoder");
    assert!(samples.len() > 16_000 / 2, "{} samples", samples.len());
    assert!(
        samples.iter().any(|&s| s.abs() > 1000),
        "tones, not silence"
    );
    for format in ["mp3", "opus", "aac", "flac", "wav", "pcm"] {
        let r = send(
            &service,
            &[],
            speech(json!({"input": "Streamed.", "response_format": format})),
        )
        .await;
        assert_eq!(r.status, 200, "{format}");
        assert!(!r.body.is_empty(), "{format}");
    }
}

#[tokio::test]
async fn the_same_request_gives_the_same_audio() {
    let service = tone::service(4);
    let body = json!({"input": "Well then, here is the plan. We go at dawn.", "response_format": "pcm", "stream": false});
    let a = send(&service, &[], speech(body.clone())).await;
    let b = send(&service, &[], speech(body)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, b.body);
}

#[tokio::test]
async fn a_voice_given_as_an_object_is_the_voice_it_names() {
    // OpenAI's newer spec lets `voice` be `{"id": ...}`.
    let service = tone::service(4);
    let text = "Here is the plan.";
    let named =
        json!({"input": text, "voice": "af_alloy", "response_format": "wav", "stream": false});
    let object = json!({"input": text, "voice": {"id": "af_alloy"}, "response_format": "wav", "stream": false});
    let other =
        json!({"input": text, "voice": "af_heart", "response_format": "wav", "stream": false});
    let named = send(&service, &[], speech(named)).await;
    let object = send(&service, &[], speech(object)).await;
    let other = send(&service, &[], speech(other)).await;
    assert_eq!(object.status, 200);
    assert_eq!(object.body, named.body);
    assert_ne!(
        object.body, other.body,
        "the test engine tells voices apart"
    );
    // A file name, as Kokoro-FastAPI gives it.
    assert_eq!(
        object.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=speech.wav"
    );
    let unknown = json!({"input": text, "voice": {"id": "nobody"}});
    assert_eq!(send(&service, &[], speech(unknown)).await.status, 400);
}

#[tokio::test]
async fn errors_are_openai_shaped() {
    let service = tone::service(4);
    let cases = [
        (json!({"input": ""}), "input", "invalid_value"),
        (json!({"voice": "af_heart"}), "input", "invalid_value"),
        (
            json!({"input": "hi", "voice": "nobody"}),
            "voice",
            "unknown_voice",
        ),
        (json!({"input": "hi", "speed": 9}), "speed", "invalid_value"),
        (
            json!({"input": "hi", "response_format": "ogg"}),
            "response_format",
            "invalid_value",
        ),
        (
            json!({"input": "hi", "model": "whisper-1"}),
            "model",
            "model_not_found",
        ),
        (
            json!({"input": "hi", "lang_code": "xx"}),
            "lang_code",
            "invalid_value",
        ),
        (
            json!({"input": "hi", "stream": false, "stream_format": "sse"}),
            "stream",
            "invalid_value",
        ),
        (json!({"input": "... !!!"}), "input", "invalid_value"),
    ];
    for (body, param, code) in cases {
        let r = send(&service, &[], speech(body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        let e = &r.json()["error"];
        assert_eq!(e["type"], "invalid_request_error", "{body}");
        assert_eq!(e["param"], param, "{body}: {e}");
        assert_eq!(e["code"], code, "{body}: {e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Not one JSON value: 400 too.
    let trailing = Request::post("/v1/audio/speech")
        .body(Body::from(r#"{"input":"hi"} xyz"#))
        .expect("a request");
    assert_eq!(send(&service, &[], trailing).await.status, 400);
    let r = send(&service, &[], get("/v1/nothing")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    let r = send(&service, &[], get("/v1/audio/speech")).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");
}

/// The words of a WebVTT file's cues, in order.
fn vtt_words(file: &str) -> Vec<String> {
    file.split("\n\n")
        .skip(1)
        .filter_map(|cue| cue.lines().nth(1))
        .flat_map(|line| line.split(' ').map(str::to_owned))
        .collect()
}

/// A captions request for `body`, as `format`.
fn captions(body: Value, format: &str) -> Request<Body> {
    Request::post(format!("/v1/audio/captions?format={format}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request")
}

/// Kangxi radicals are read as the ideographs they stand for, and shown as written: a
/// caption entry each, like any word (they are symbols to Unicode, not letters).
#[tokio::test]
async fn radicals_read_as_ideographs_keep_their_captions() {
    let service = tone::service(4);
    for (text, lang) in [("⼀⼆ 中国。", "z"), ("⼀⼆ 日本。", "j")] {
        let r = send(
            &service,
            &[],
            captions(json!({"input": text, "lang_code": lang}), "vtt"),
        )
        .await;
        assert_eq!(r.status, 200, "{text}");
        let file = String::from_utf8(r.body).unwrap();
        assert_eq!(
            vtt_words(&file),
            text.split(' ').collect::<Vec<_>>(),
            "{file}"
        );
    }
}

#[tokio::test]
async fn captions_keep_every_written_word_in_its_place() {
    let service = tone::service(4);
    // An emoji whose name ends in the word after it ("cat face", then "cat") keeps its place:
    // the words after it keep theirs, the last one included. So does a number or
    // abbreviation whose reading ends in the next written word ("2" said "two", then "two"),
    // and letters in compatibility forms (read as letters, shown as written). (A word that
    // gives no sound at all, "ʻ" alone, is refused by name: see
    // `letters_a_language_cannot_read_are_refused_by_name`.)
    for text in [
        "The 🐱 cat sat on the mat.",
        "I have 2 two cats.",
        "Room 101 one oh one.",
        "Dr. Doctor Who is here.",
        "It costs $5 five dollars.",
        "Apollo 11 eleven went up.",
        "Read Catch-22 twenty-two times.",
        "Ⓗⓔⓛⓛⓞ, the ｃａｔ is ꜱᴍᴀʟʟ.",
    ] {
        let r = send(&service, &[], captions(json!({"input": text}), "vtt")).await;
        assert_eq!(r.status, 200);
        let file = String::from_utf8(r.body).unwrap();
        assert_eq!(
            vtt_words(&file),
            text.split(' ').collect::<Vec<_>>(),
            "{file}"
        );
        let r = send(&service, &[], captions(json!({"input": text}), "srt")).await;
        assert_eq!(r.status, 200);
        let file = String::from_utf8(r.body).unwrap();
        let words: Vec<String> = file
            .split("\n\n")
            .filter_map(|cue| cue.lines().nth(2))
            .flat_map(|line| line.split(' ').map(str::to_owned))
            .collect();
        assert_eq!(words, text.split(' ').collect::<Vec<_>>(), "{file}");
    }
}

#[tokio::test]
async fn letters_a_language_cannot_read_are_refused_by_name() {
    let service = tone::service(4);
    // One rule for every language: a letter its reader cannot read is named, never dropped.
    for (text, lang, named) in [
        ("The Русский cat sat on the mat.", "a", "'Р' (U+0420)"),
        ("ㄅㄆㄇ 中国", "z", "'ㄅ' (U+3105)"),
        ("\u{2e80} 日本", "j", "(U+2E80)"),
        // Symbols a reader has no name for, in a sentence (decorations are left out).
        ("猫 🐱 が好き。", "j", "'🐱' (U+1F431)"),
        ("〄 日本", "j", "'〄' (U+3004)"),
        ("我的 🐱 很好。", "z", "'🐱' (U+1F431)"),
        // A symbol that is not an emoji, where the language has no name for it.
        ("El ⠓⠑ gato se sentó.", "e", "'⠓' (U+2813)"),
        ("El ½ gato.", "e", "'½' (U+00BD)"),
        ("El gato ∑ perro.", "e", "'∑' (U+2211)"),
        // IPA's letters, and a word of letters the reader gives no sound (never a caption
        // of no length for a word not spoken).
        ("The ə cat sat on the mat.", "a", "'ə' (U+0259)"),
        ("The ŋ cat sat on the mat, then Ø.", "a", "'ŋ' (U+014B)"),
        // Beside a word read as two, the counts agree by chance: still named.
        ("Press Ø for the PhD menu.", "a", "'Ø' (U+00D8)"),
        // Letters counted as symbols elsewhere, alone.
        ("The ᴥ cat sat.", "a", "'ᴥ' (U+1D25)"),
        ("The ʻ cat sat.", "a", "'ʻ' (U+02BB)"),
    ] {
        let r = send(
            &service,
            &[],
            speech(json!({"input": text, "lang_code": lang})),
        )
        .await;
        assert_eq!(r.status, 400, "{text}");
        let message = r.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(message.contains(named), "{text}: {message}");
    }
}

#[tokio::test]
async fn captions_show_what_is_written_where_an_alias_is_said() {
    let service = tone::service(4);
    let cases: [(&str, &[&str]); 2] = [
        // An alias is said; what is written is shown.
        (
            "<speak>The <sub alias=\"World Wide Web Consortium\">W3C</sub> met.</speak>",
            &["The", "W3C", "met."],
        ),
        // A mark written right after an element ends the caption word the element made.
        (
            "<speak><s>It is <sub alias=\"here\">h</sub>.</s> <phoneme ph=\"təmˈɑːtoʊ\">tomato</phoneme>, <say-as interpret-as=\"characters\">ttsd</say-as>!</speak>",
            &["It", "is", "h.", "tomato,", "ttsd!"],
        ),
    ];
    for (ssml, words) in cases {
        let r = send(
            &service,
            &[],
            captions(json!({"input": ssml, "ssml": true}), "vtt"),
        )
        .await;
        let file = String::from_utf8(r.body).unwrap();
        assert_eq!(vtt_words(&file), words, "{file}");
    }
}

#[tokio::test]
async fn caption_text_cannot_forge_subrip_cues() {
    let service = tone::service(4);
    // Written text cannot forge a SubRip cue: every cue is a number, a timing line, a line.
    let forged = "Hi.\n\n2\n00:00:01,000 --> 00:00:02,000\n<b>bold</b> {\\an8}{\\b1}top words.";
    let r = send(&service, &[], captions(json!({"input": forged}), "srt")).await;
    let file = String::from_utf8(r.body).unwrap();
    for cue in file.trim_end().split("\n\n") {
        let lines: Vec<&str> = cue.lines().collect();
        assert_eq!(lines.len(), 3, "{file}");
        assert!(
            lines[1].contains(" --> ") && !lines[2].contains("-->"),
            "{file}"
        );
    }
    assert!(!file.contains("<b>") && !file.contains("{\\an8}"), "{file}");
}

#[tokio::test]
async fn a_whole_wav_file_brings_every_words_time() {
    let service = tone::service(4);
    // A whole WAV file (its bytes held back to its end) still brings every word's time.
    let r = send(
        &service,
        &[],
        post_json(
            "/dev/captioned_speech",
            json!({"input": "One two. Three four.", "stream": false, "response_format": "wav"}),
        ),
    )
    .await;
    let words: Vec<String> = r.json()["timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["word"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(words, ["One", "two.", "Three", "four."]);
}

/// A response sent whole holds at most `max_file_audio` of audio: past it, a 400 on
/// `stream` that says to ask for a stream, on every endpoint that answers whole, in every
/// format; streamed responses, and caption files (which keep no audio), are not bound.
#[tokio::test]
async fn a_response_sent_whole_is_bounded_and_the_error_says_to_stream() {
    let settings = ttsd::synth::Settings {
        max_file_audio: Some(std::time::Duration::from_secs(2)),
        ..ttsd::synth::Settings::default()
    };
    let service = tone::service_with(settings, 4);
    // About 20 s of the test engine's audio; "Hi." is under half a second.
    let long = "One two three four five six seven eight nine ten. ".repeat(4);
    let whole = |format: &str| json!({"input": long, "response_format": format, "stream": false});
    let mut refused = vec![
        ("/dev/captioned_speech", whole("wav")),
        ("/dev/captioned_speech", whole("pcm")),
        (
            "/dev/dialogue",
            json!({"turns": [{"voice": "af_heart", "text": long}, {"voice": "af_alloy", "text": long}],
                   "response_format": "pcm", "stream": false}),
        ),
    ];
    for format in ["mp3", "opus", "aac", "flac", "wav", "pcm"] {
        refused.push(("/v1/audio/speech", whole(format)));
    }
    for (path, body) in refused {
        let r = send(&service, &[], post_json(path, body.clone())).await;
        assert_eq!(r.status, 400, "{path} {body}: {}", r.text());
        let message = r.error();
        assert_eq!(r.json()["error"]["param"], "stream", "{path}");
        assert!(
            message.contains("2 seconds") && message.contains("\"stream\": true"),
            "{path}: {message}"
        );
    }
    let fine = [
        (
            "/v1/audio/speech",
            json!({"input": long, "response_format": "wav"}),
        ),
        (
            "/dev/captioned_speech",
            json!({"input": long, "response_format": "pcm"}),
        ),
        ("/v1/audio/captions", json!({"input": long})),
        (
            "/v1/audio/speech",
            json!({"input": "Hi.", "response_format": "wav", "stream": false}),
        ),
    ];
    for (path, body) in fine {
        let r = send(&service, &[], post_json(path, body.clone())).await;
        assert_eq!(r.status, 200, "{path} {body}: {}", r.text());
    }
}

/// A whole file under the bound is what it always was: a WAV written as it is made, its
/// header's sizes set at the end, is byte for byte `hound`'s file of the same samples (the
/// writer it came from before), and `/dev/captioned_speech` carries that same file.
#[tokio::test]
async fn a_whole_file_is_the_same_file_written_as_it_is_made() {
    use base64::Engine as _;
    let service = tone::service(4);
    let text = "Hello there. How are you today? Fine, thanks.";
    let ask = |format: &str| json!({"input": text, "response_format": format, "stream": false});
    let pcm = send(&service, &[], speech(ask("pcm"))).await;
    let wav = send(&service, &[], speech(ask("wav"))).await;
    assert_eq!((pcm.status.as_u16(), wav.status.as_u16()), (200, 200));
    assert_eq!(
        wav.headers[header::CONTENT_LENGTH].to_str().unwrap(),
        wav.body.len().to_string().as_str()
    );
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut reference = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut reference, spec).unwrap();
    for pair in pcm.body.chunks_exact(2) {
        writer
            .write_sample(i16::from_le_bytes([pair[0], pair[1]]))
            .unwrap();
    }
    writer.finalize().unwrap();
    assert!(pcm.body.len() > 16_000, "{} bytes", pcm.body.len());
    assert!(
        wav.body == reference.into_inner(),
        "the WAV file differs from hound's"
    );

    let captioned = send(
        &service,
        &[],
        post_json("/dev/captioned_speech", ask("wav")),
    )
    .await;
    let v = captioned.json();
    let audio = base64::engine::general_purpose::STANDARD
        .decode(v["audio"].as_str().unwrap())
        .unwrap();
    assert!(
        audio == wav.body,
        "captioned audio differs from the WAV response"
    );
    assert_eq!(v["audio_format"], "audio/wav");
    assert_eq!(v["timestamps"].as_array().unwrap().len(), 8);
}

fn upload(query: &str, text: &str) -> Request<Body> {
    Request::post(format!("/v1/audio/speech/stream{query}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(text.to_owned()))
        .expect("a request")
}

#[tokio::test]
async fn errors_name_what_the_client_wrote_and_settings_are_never_ignored() {
    let service = tone::service(4);
    // The streamed body's settings: a bad value or an unknown name is a JSON 400 naming it.
    for (query, param) in [
        ("?speed=abc", "speed"),
        ("?speed=", "speed"),
        ("?allow_voice_tags=maybe", "allow_voice_tags"),
        ("?ssml=true", "ssml"),
        ("?speeed=1.2", ""),
    ] {
        let r = send(&service, &[], upload(query, "Hello there.")).await;
        assert_eq!(r.status, 400, "{query}");
        // Its body unread, the connection is not reused: a pooled client is told so.
        assert_eq!(r.headers["connection"], "close", "{query}");
        let e = &r.json()["error"];
        assert_eq!(e["type"], "invalid_request_error", "{query}: {e}");
        // What to send, in words, not a parser's ("invalid float literal").
        let message = e["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("literal") && !message.contains("parse"),
            "{message}"
        );
        if param.is_empty() {
            assert!(e["message"].as_str().unwrap().contains("speeed"), "{e}");
        } else {
            assert_eq!(e["param"], param, "{query}: {e}");
        }
    }
    // The caption file's and the voice list's query parameters likewise: a misspelt name is
    // refused (not WebVTT or the full listing in silence), a duplicate or a bad value is a
    // JSON 400 naming it, never axum's plain-text rejection.
    for (path, name, is_param) in [
        ("/v1/audio/captions?fmt=srt", "fmt", false),
        ("/v1/audio/captions?format=srt&format=vtt", "format", false),
        ("/v1/audio/voices?legacy=yes", "legacy", true),
        ("/v1/audio/voices?legasy=true", "legasy", false),
    ] {
        let request = if path.starts_with("/v1/audio/captions") {
            post_json(path, json!({"input": "Hello there."}))
        } else {
            get(path)
        };
        let r = send(&service, &[], request).await;
        assert_eq!(
            r.status,
            400,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let e = &r.json()["error"];
        assert_eq!(e["type"], "invalid_request_error", "{path}: {e}");
        assert!(e["message"].as_str().unwrap().contains(name), "{path}: {e}");
        if is_param {
            assert_eq!(e["param"], name, "{path}: {e}");
        }
    }
    let r = send(
        &service,
        &[],
        post_json(
            "/v1/audio/captions?format=srt",
            json!({"input": "Hello there."}),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains(" --> "));

    // allow_voice_tags is honoured there, as the error for a voice tag says to set it.
    let tagged = "Hello [voice:af_alloy] there.";
    let r = send(&service, &[], upload("?response_format=pcm", tagged)).await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allow_voice_tags")
    );
    let r = send(
        &service,
        &[],
        upload("?response_format=pcm&allow_voice_tags=true", tagged),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());

    // A voice named by a tag in the input is the input's fault, not the voice field's.
    let r = send(
        &service,
        &[],
        speech(json!({"input": "Hi [voice:zz] there", "allow_voice_tags": true})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "input", "{}", r.json());

    // A dialogue's limit is on its turns' text, not on the tags the server writes between.
    let limit = ttsd::request::Limits::default().max_input_chars;
    let turn = |voice: &str, n: usize| json!({"voice": voice, "text": "ab ".repeat(n / 3)});
    let half = limit / 2;
    let r = send(
        &service,
        &[],
        post_json(
            "/dev/dialogue",
            json!({"turns": [turn("af_heart", half), turn("af_alloy", half)], "response_format": "pcm"}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = send(
        &service,
        &[],
        post_json(
            "/dev/dialogue",
            json!({"turns": [turn("af_heart", limit), turn("af_alloy", 30)]}),
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "turns");
    // Too many turns: an error about the turns the client sent, not about markup at a
    // character of an input it never wrote.
    let many: Vec<Value> = (0..172)
        .map(|i| {
            let voice = if i % 2 == 0 { "af_heart" } else { "af_alloy" };
            json!({"voice": voice, "text": "Hi."})
        })
        .collect();
    let r = send(
        &service,
        &[],
        post_json("/dev/dialogue", json!({"turns": many})),
    )
    .await;
    assert_eq!(r.status, 400);
    let error = &r.json()["error"];
    assert_eq!(error["param"], "turns", "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("172 turns") && !message.contains("character"),
        "{message}"
    );
    // A turn with no text, and phonemes over the limit: errors on the fields sent, not on
    // an `input` the client never wrote.
    let turns = json!({"turns": [{"voice": "af_heart", "text": "Hi."}, {"voice": "af_alloy", "text": " "}]});
    let r = send(&service, &[], post_json("/dev/dialogue", turns)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "turns", "{}", r.json());
    let phonemes = json!({"phonemes": "a".repeat(limit + 1), "voice": "af_heart"});
    let r = send(
        &service,
        &[],
        post_json("/dev/generate_from_phonemes", phonemes),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "phonemes", "{}", r.json());
}

#[tokio::test]
async fn keys_are_checked_in_any_case_of_the_scheme() {
    let service = tone::service(4);
    let r = send(&service, &["k1"], get("/v1/audio/voices")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
    for value in ["Bearer k1", "BEARER k1", "bearer k1"] {
        let request = Request::get("/v1/audio/voices")
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .expect("a request");
        assert_eq!(
            send(&service, &["k1"], request).await.status,
            200,
            "{value}"
        );
    }
    // Open with a key: health, readiness, the facts, the document and the page.
    for path in ["/health", "/ready", "/info", "/openapi.json", "/"] {
        assert_eq!(
            send(&service, &["k1"], get(path)).await.status,
            200,
            "{path}"
        );
    }
}

/// The router and its document are one list: each documented operation is served (its
/// method answers, any other is a 405 in OpenAI's shape), and it needs the key exactly when
/// the document says so.
#[tokio::test]
async fn every_documented_route_is_served_and_keyed_as_documented() {
    let service = tone::service(4);
    let doc = send(&service, &[], get("/openapi.json")).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "{}", paths.len());
    let request = |method: &str, path: &str| {
        let builder = Request::builder().method(method).uri(path);
        match method {
            // An invalid body: a route answers 400, never 404 or 405.
            "POST" => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}")),
            _ => builder.body(Body::empty()),
        }
        .expect("a request")
    };
    for (path, item) in paths {
        let path = &path.replace("{model}", "tts-1");
        let methods: Vec<String> = item
            .as_object()
            .expect("a path item")
            .keys()
            .map(|m| m.to_ascii_uppercase())
            .collect();
        for method in &methods {
            let status = send(&service, &[], request(method, path)).await.status;
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} answered {status}"
            );
            let keyed = item[method.to_ascii_lowercase()]["security"][0]["api_key"].is_array();
            let status = send(&service, &["k1"], request(method, path)).await.status;
            assert_eq!(
                status == StatusCode::UNAUTHORIZED,
                keyed,
                "{method} {path} without the key answered {status}"
            );
        }
        for other in ["GET", "POST", "DELETE"] {
            if methods.iter().any(|m| m == other) {
                continue;
            }
            let r = send(&service, &[], request(other, path)).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{other} {path}");
            assert_eq!(r.json()["error"]["code"], "method_not_allowed");
        }
    }
}

#[tokio::test]
async fn beyond_capacity_is_an_immediate_429_with_retry_after() {
    let service = tone::service(1);
    let heart = service.catalogue().resolve("af_heart").expect("a voice");
    let held = service.admit(&heart).expect("the one slot");
    let r = send(&service, &[], speech(json!({"input": "hi"}))).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "rate_limit_exceeded");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    drop(held);
    assert_eq!(
        send(&service, &[], speech(json!({"input": "hi"})))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn before_the_model_is_ready_speech_is_503_and_listings_work() {
    let ready = tone::service(1);
    let loading = Arc::new(Service::new(
        ready.specs().to_vec(),
        ready.catalogue().clone(),
        1,
        ready.limits(),
        Arc::clone(ready.metrics()),
    ));
    let r = send(&loading, &[], speech(json!({"input": "hi"}))).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["code"], "not_ready");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(send(&loading, &[], get("/ready")).await.status, 503);
    assert_eq!(
        send(&loading, &[], get("/v1/audio/voices")).await.status,
        200
    );
    // The probe's 503 is its answer, counted as a status but not as a failed request; the
    // speech request's is one.
    let metrics = loading.metrics().render();
    let value = |name| common::metric_value(&metrics, name).unwrap_or(0.0);
    assert_eq!(
        value("ttsd_request_failures_total{reason=\"overloaded\"}"),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        value("ttsd_requests_total{status=\"503\"}"),
        2.0,
        "{metrics}"
    );
}

#[tokio::test]
async fn listings_and_facts_come_from_the_core() {
    let service = tone::service(2);
    let v = send(&service, &[], get("/v1/audio/voices")).await.json();
    let voices = v["voices"].as_array().expect("voices");
    assert_eq!(voices.len(), tone::voice_names().len());
    let heart = voices
        .iter()
        .find(|v| v["id"] == "af_heart")
        .expect("af_heart");
    assert_eq!(heart["language"], "American English");
    assert_eq!(heart["bcp47"], "en-US");
    assert_eq!(heart["gender"], "female");
    assert_eq!(heart["speaks"], true);
    let legacy = send(&service, &[], get("/v1/audio/voices?legacy=true"))
        .await
        .json();
    assert!(
        legacy["voices"]
            .as_array()
            .expect("names")
            .iter()
            .all(Value::is_string)
    );

    let info = send(&service, &[], get("/info")).await.json();
    assert_eq!(info["sample_rate"], 16_000);
    assert_eq!(info["engine"], "tone");
    assert_eq!(info["auth"], false);
    assert_eq!(info["max_blend"], ttsd::voice::MAX_BLEND);
    let languages = info["languages"].as_array().expect("languages");
    assert_eq!(languages.len(), ttsd::language::LANGUAGES.len());

    let doc = send(&service, &[], get("/openapi.json")).await.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
}

#[tokio::test]
async fn sse_sends_deltas_then_usage() {
    let service = tone::service(2);
    let r = send(
        &service,
        &[],
        speech(json!({"input": "One. Two.", "stream_format": "sse", "response_format": "pcm"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "text/event-stream; charset=utf-8"
    );
    let text = String::from_utf8(r.body).expect("text");
    let text = text.strip_suffix("data: [DONE]\n\n").expect("[DONE] last");
    let events: Vec<Value> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|e| serde_json::from_str(e).expect("JSON"))
        .collect();
    assert!(events.len() >= 2);
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| e["type"] == "speech.audio.delta")
    );
    let done = events.last().expect("done");
    assert_eq!(done["type"], "speech.audio.done");
    assert!(
        done["usage"]["output_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
}

#[tokio::test]
async fn metrics_count_requests_and_audio() {
    let service = tone::service(2);
    send(&service, &[], speech(json!({"input": "Count me."}))).await;
    send(&service, &[], speech(json!({"input": ""}))).await;
    let text = String::from_utf8(send(&service, &[], get("/metrics")).await.body).expect("text");
    for line in [
        "ttsd_requests_total{status=\"200\"}",
        "ttsd_requests_total{status=\"400\"}",
        "ttsd_request_failures_total{reason=\"bad_request\"} 1",
        "ttsd_queue_wait_seconds_count",
        "ttsd_time_to_first_audio_seconds_count 1",
        "ttsd_inference_jobs_total{outcome=\"completed\"}",
        "# EOF",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(common::metric_value(&text, "ttsd_audio_seconds_total").is_some_and(|s| s > 0.0));
}

/// The silent gaps (at least 0.2 s) between sounds of 16-bit audio, and the silence before
/// the first sound and after the last, in seconds.
fn gaps(samples: &[i16], rate: u32) -> (f64, Vec<f64>, f64) {
    let loud: Vec<usize> = (0..samples.len())
        .filter(|&i| samples[i].unsigned_abs() > 100)
        .collect();
    let s = |n: usize| n as f64 / f64::from(rate);
    let (Some(&first), Some(&last)) = (loud.first(), loud.last()) else {
        return (s(samples.len()), Vec::new(), 0.0);
    };
    let between = loud
        .windows(2)
        .map(|w| s(w[1] - w[0]))
        .filter(|&g| g >= 0.2)
        .collect();
    (s(first), between, s(samples.len() - 1 - last))
}

/// The samples of a streamed WAV (its sizes unknown when its header went out).
fn streamed_wav(bytes: &[u8]) -> Vec<i16> {
    let at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk");
    bytes[at + 8..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn post_json(path: &str, body: Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request")
}

/// Kokoro-FastAPI's markup: pauses are as long as asked (the test engine's edges are
/// silent, so a gap is exactly the pause), voice and rate tags change the voice and speed
/// from there on, given phonemes are spoken, and markup that is off or unknown is a 400.
#[tokio::test]
async fn markup_pauses_switches_and_refusals() {
    let service = tone::service(4);
    let wav_of = |body: Value| {
        let service = Arc::clone(&service);
        async move {
            let mut body = body;
            body["response_format"] = json!("wav");
            body["stream"] = json!(false);
            let r = send(&service, &[], speech(body.clone())).await;
            assert_eq!(
                r.status,
                200,
                "{body}: {}",
                String::from_utf8_lossy(&r.body)
            );
            wav(&r.body)
        }
    };
    let (samples, rate) = wav_of(json!({"input": "One. [pause:1.5s] Two."})).await;
    let (_, between, _) = gaps(&samples, rate);
    assert_eq!(between.len(), 1, "{between:?}");
    assert!((between[0] - 1.5).abs() < 0.002, "{between:?}");
    let (samples, rate) = wav_of(json!({"input": "[pause:1s]One.[pause:500ms]"})).await;
    let (lead, _, trail) = gaps(&samples, rate);
    assert!(
        (lead - 1.0).abs() < 0.002 && (trail - 0.5).abs() < 0.002,
        "{lead} {trail}"
    );
    // Only a pause: silence, not an error.
    let (samples, rate) = wav_of(json!({"input": "[pause:2s]"})).await;
    assert_eq!(samples.len(), 2 * rate as usize);
    assert!(samples.iter().all(|&s| s == 0));
    // SSML: a break of its length, a paragraph's pause.
    let (samples, rate) = wav_of(json!({
        "input": "<speak>One <break time=\"800ms\"/> two.</speak>", "ssml": true
    }))
    .await;
    let (_, between, _) = gaps(&samples, rate);
    assert!(
        between.iter().any(|g| (g - 0.8).abs() < 0.002),
        "{between:?}"
    );

    // A voice tag: the test engine's voices differ in loudness; a rate tag in length.
    let peak = |s: &[i16]| s.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
    let (plain, _) = wav_of(json!({"input": "Hello there. [pause:1s] Hello there."})).await;
    let (switched, _) = wav_of(json!({
        "input": "Hello there. [pause:1s] [voice:zf_xiaobei] Hello there.",
        "allow_voice_tags": true, "lang_code": "a"
    }))
    .await;
    let half = plain.len() / 2;
    assert_eq!(plain.len(), switched.len());
    assert_eq!(peak(&plain[..half]), peak(&switched[..half]));
    assert!(peak(&switched[half..]) > peak(&plain[half..]));
    let (fast, rate) = wav_of(json!({
        "input": "Hello there. [pause:1s] [rate:2] Hello there.", "allow_voice_tags": true
    }))
    .await;
    let seconds = |n: usize| n as f64 / f64::from(rate);
    assert!(
        (0.15..0.25).contains(&seconds(plain.len().saturating_sub(fast.len()))),
        "the second sentence at twice the speed: {} s, then {} s",
        seconds(plain.len()),
        seconds(fast.len())
    );
    // The request's own names for voices, in `voice` and in tags.
    let (aliased, _) = wav_of(json!({
        "input": "Hello there. [pause:1s] [voice:villain] Hello there.",
        "allow_voice_tags": true, "lang_code": "a",
        "voice": "narrator",
        "voice_aliases": {"narrator": "af_heart", "villain": "zf_xiaobei"}
    }))
    .await;
    assert_eq!(aliased, switched);
    // Given phonemes are spoken as given: the same audio as the text they spell.
    let (given, _) = wav_of(json!({"input": "[Kokoro](/kˈOkəɹO/)"})).await;
    let r = send(
        &service,
        &[],
        post_json(
            "/dev/generate_from_phonemes",
            json!({"phonemes": "kˈOkəɹO", "voice": "af_heart"}),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(streamed_wav(&r.body), given);

    for (body, param) in [
        (json!({"input": "<speak>x</speak>"}), "input"),
        (
            json!({"input": "<speak><audio src=\"x\"/>x</speak>", "ssml": true}),
            "input",
        ),
        (json!({"input": "a [voice:bf_emma] b"}), "input"),
        // The input names the voice, so the input is at fault.
        (
            json!({"input": "a [voice:nobody] b", "allow_voice_tags": true}),
            "input",
        ),
        (json!({"input": "[x](/k€/)"}), "input"),
        (json!({"input": "a [pause:11s] b"}), "input"),
        (
            json!({"input": "a", "voice": "x", "voice_aliases": {"x": "nobody"}}),
            "voice",
        ),
    ] {
        let r = send(&service, &[], speech(body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"]["param"], param, "{body}: {}", r.json());
    }
}

/// `/v1/audio/voices/combine`, `/dev/phonemize`, `/dev/generate_from_phonemes` and
/// `/dev/dialogue` as Kokoro-FastAPI's clients call them.
#[tokio::test]
async fn kokoro_fastapi_dev_routes() {
    let service = tone::service(4);
    let r = send(
        &service,
        &[],
        post_json("/v1/audio/voices/combine", json!(["af_heart", "bf_emma"])),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"af_heart1_plus_bf_emma1.bin\""
    );
    // The test engine's voice file: its loudness, one f32 (the mix of 0.3 and 0.5).
    assert_eq!(r.body.len(), 4);
    let level = f32::from_le_bytes([r.body[0], r.body[1], r.body[2], r.body[3]]);
    assert!((level - 0.4).abs() < 1e-6, "{level}");
    let r = send(
        &service,
        &[],
        post_json("/v1/audio/voices/combine", json!("af_heart(3)-bf_emma(1)")),
    )
    .await;
    assert_eq!(r.status, 200);
    for body in [
        json!("af_heart"),
        json!(["af_heart"]),
        json!("af_heart+nobody"),
        // Weights that cancel make no voice: refused, not an all-zero pack.
        json!("af_heart(1)-af_heart(1)"),
        json!("af_heart(1)-bf_emma(2)"),
    ] {
        let r = send(
            &service,
            &[],
            post_json("/v1/audio/voices/combine", body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
    }

    let r = send(
        &service,
        &[],
        post_json(
            "/dev/phonemize",
            json!({"text": "Hello world!", "language": "a"}),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let phonemes = v["phonemes"].as_str().unwrap();
    assert!(phonemes.contains("wˈɜɹld"), "{v}");
    assert_eq!(
        v["tokens"].as_array().unwrap().len(),
        phonemes.chars().count()
    );
    for (body, param) in [
        (json!({"text": " "}), "text"),
        (json!({"text": "hi", "language": "xx"}), "lang_code"),
        // A word the reader gives no sound, as speech refuses it.
        (json!({"text": "Press Ø to reset."}), "input"),
    ] {
        let r = send(&service, &[], post_json("/dev/phonemize", body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(
            r.json()["error"]["param"].is_string(),
            "{param}: {}",
            r.json()
        );
    }
    for body in [
        json!({"phonemes": "", "voice": "af_heart"}),
        json!({"phonemes": "kʘ", "voice": "af_heart"}),
        json!({"phonemes": "ka", "voice": "nobody"}),
    ] {
        let r = send(
            &service,
            &[],
            post_json("/dev/generate_from_phonemes", body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
    }

    let r = send(
        &service,
        &[],
        post_json(
            "/dev/dialogue",
            json!({
                "turns": [
                    {"voice": "af_heart", "text": "Did it land?"},
                    {"voice": "bf_emma", "text": "It did."}
                ],
                "pause_between_turns": 0.7,
                "response_format": "wav"
            }),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    let samples = streamed_wav(&r.body);
    let (_, between, _) = gaps(&samples, 16_000);
    assert!(
        between.iter().any(|g| (g - 0.7).abs() < 0.002),
        "{between:?}"
    );
    for body in [
        json!({"turns": []}),
        json!({"turns": [{"voice": "af_heart", "text": "x"}], "pause_between_turns": 11}),
        json!({"turns": [{"voice": "nobody", "text": "x"}]}),
    ] {
        let r = send(&service, &[], post_json("/dev/dialogue", body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
    }
    // A misspelt field, at the top or in the switches, is refused by name, never ignored.
    let turns = json!([{"voice": "af_heart", "text": "Did it land?"}]);
    for (body, param) in [
        (
            json!({"turns": turns, "pause_between_turn": 5}),
            "pause_between_turn",
        ),
        (
            json!({"turns": turns, "normalization_options": {"normalise": false}}),
            "normalise",
        ),
    ] {
        let r = send(&service, &[], post_json("/dev/dialogue", body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        let e = &r.json()["error"];
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(param), "{e}");
        // The fields it takes are named whole.
        assert!(!message.ends_with('…'), "{e}");
    }
    let r = send(
        &service,
        &[],
        speech(json!({"input": "Hi.", "normalization_options": {"normalise": false}})),
    )
    .await;
    assert_eq!(r.status, 400);
}

/// A whole file says where its time went, stage by stage, in `Server-Timing` (a streamed
/// response's headers go out before the time is spent, so it has none); every utterance's
/// stages are also histograms in `/metrics`.
#[tokio::test]
async fn a_whole_file_says_where_its_time_went() {
    let service = tone::service(2);
    let body = json!({"input": "Here is the plan.", "response_format": "wav", "stream": false});
    let r = send(&service, &[], speech(body)).await;
    assert_eq!(r.status, 200);
    let timing = r.headers["server-timing"].to_str().unwrap().to_owned();
    let stages: Vec<&str> = timing
        .split(", ")
        .map(|s| s.split(";dur=").next().unwrap())
        .collect();
    assert_eq!(stages, ["text", "queue", "model", "encode"], "{timing}");
    for part in timing.split(", ") {
        let ms: f64 = part.split(";dur=").nth(1).unwrap().parse().unwrap();
        assert!(ms >= 0.0, "{timing}");
    }
    let streamed = json!({"input": "Here is the plan.", "response_format": "wav"});
    let r = send(&service, &[], speech(streamed)).await;
    assert!(!r.headers.contains_key("server-timing"));
    let metrics = service.metrics().render();
    assert!(
        metrics.contains("ttsd_utterance_stage_seconds_count{stage=\"model\"} 2"),
        "{metrics}"
    );
}

/// Two engines in one server (the tone engine, 16 kHz with word times; `beep`, of Piper's
/// shape: 22,050 Hz, names with `-`, no word times): the voice picks the engine and its
/// rate, `model` may name the engine, and what cannot be one engine's is a clear 400.
#[tokio::test]
async fn two_engines_each_voice_speaks_with_its_own() {
    let service = tone::pair_service(ttsd::synth::Settings::default(), 4);
    let say = |extra: Value| {
        let mut body =
            json!({"input": "Hello there, world.", "response_format": "wav", "stream": false});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        speech(body)
    };
    // The voice picks the engine, and the audio comes at that engine's rate.
    for (voice, rate) in [("af_heart", 16_000), ("en_US-beep-low", 22_050)] {
        let reply = send(&service, &[], say(json!({"voice": voice}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{voice}");
        let (samples, got) = wav(&reply.body);
        assert_eq!(got, rate, "{voice}");
        assert!(samples.iter().any(|&s| s != 0), "{voice} is silent");
    }
    // `model` names the engine; alone, it picks that engine's default voice.
    for (model, rate) in [("beep", 22_050), ("tone", 16_000), ("tts-1", 16_000)] {
        let reply = send(&service, &[], say(json!({"model": model}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{model}");
        assert_eq!(wav(&reply.body).1, rate, "{model}");
    }
    // OpenAI's name is taken by both: the voice decides.
    let reply = send(
        &service,
        &[],
        say(json!({"model": "tts-1", "voice": "en_us-beep-low"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(wav(&reply.body).1, 22_050);
    // What one engine cannot do is a 400 that says why, naming both engines.
    for (extra, param, words) in [
        (
            json!({"model": "tone", "voice": "en_us-beep-low"}),
            "model",
            &["beep", "tone"][..],
        ),
        (
            json!({"voice": "af_heart+en_us-beep-low"}),
            "voice",
            &["beep", "tone"][..],
        ),
        (
            json!({"voice": "en_us-beep-low", "stream": true, "stream_format": "sse", "timestamps": true}),
            "timestamps",
            &["beep", "no word timestamps"][..],
        ),
        (
            json!({"voice": "en_us-beep-low", "lexicons": ["names"]}),
            "lexicons",
            &["beep", "tone"][..],
        ),
        (
            json!({"voice": "en_us-beep-low", "lang_code": "b"}),
            "lang_code",
            &["British English"][..],
        ),
        (
            json!({"voice": "en_us-beep-low", "input": "Hi. [voice:af_heart] There.", "allow_voice_tags": true}),
            "input",
            &["beep", "tone"][..],
        ),
        // A tag naming a voice with dashes is that voice, not a blend to subtract.
        (
            json!({"voice": "af_heart", "input": "Hi. [voice:en_US-beep-low] There.", "allow_voice_tags": true}),
            "input",
            &["beep", "tone"][..],
        ),
    ] {
        let reply = send(&service, &[], say(extra.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{extra}");
        let error = &reply.json()["error"];
        assert_eq!(error["param"], param, "{extra}: {error}");
        let message = error["message"].as_str().unwrap_or_default();
        for word in words {
            assert!(message.contains(word), "{extra}: {message}");
        }
    }
    // A tag naming the request's own dashed voice speaks.
    let tagged = json!({"voice": "en_us-beep-low", "input": "Hi. [voice:en_US-beep-low] There.", "allow_voice_tags": true});
    let reply = send(&service, &[], say(tagged)).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Timestamps on the engine that has them still come.
    let reply = send(
        &service,
        &[],
        say(json!({"voice": "af_heart", "stream": true, "stream_format": "sse", "timestamps": true})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&reply.body).contains("speech.audio.timestamps"));
    // The captions route asks for timestamps: refused for a voice without them.
    let request = captions(
        json!({"input": "Hi there.", "voice": "en_us-beep-low"}),
        "vtt",
    );
    let reply = send(&service, &[], request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["param"], "timestamps");
}

#[tokio::test]
async fn two_engines_are_listed_with_each_voices_engine_and_language() {
    let service = tone::pair_service(ttsd::synth::Settings::default(), 4);
    let voices = send(&service, &[], get("/v1/audio/voices")).await.json();
    let voices = voices["voices"].as_array().unwrap();
    let find = |id: &str| voices.iter().find(|v| v["id"] == id).cloned().unwrap();
    let beep = find("es_es-beep-low");
    assert_eq!(
        (&beep["engine"], &beep["language"], &beep["lang_code"]),
        (&json!("beep"), &json!("Spanish"), &json!("e"))
    );
    assert_eq!(find("af_heart")["engine"], "tone");
    let info = send(&service, &[], get("/info")).await.json();
    assert_eq!(info["engine"], "tone");
    assert_eq!(info["default_voice"], "af_heart");
    let engines = info["engines"].as_array().unwrap();
    let names: Vec<&str> = engines
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tone", "beep"]);
    assert_eq!(engines[1]["sample_rate"], 22_050);
    assert_eq!(engines[1]["timestamps"], false);
    assert_eq!(engines[1]["default_voice"], "en_us-beep-low");
    assert_eq!(engines[1]["languages"], json!(["a", "e"]));
    assert_eq!(engines[0]["timestamps"], true);
    let models = send(&service, &[], get("/v1/models")).await.json();
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tone", "tts-1", "beep"]);
    // The OpenAPI document describes the voices' engine and /info's engines.
    let doc = send(&service, &[], get("/openapi.json")).await.json();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["VoiceEntry"]["properties"]["engine"].is_object());
    assert!(schemas["EngineInfo"]["properties"]["timestamps"].is_object());
}

/// `/dev/phonemize` reads with the engine of the voice (or `model`) it names, in a language
/// that engine speaks, checked as `/v1/audio/speech` checks them.
#[tokio::test]
async fn dev_phonemize_reads_with_the_named_voices_engine() {
    let service = tone::pair_service(ttsd::synth::Settings::default(), 4);
    for (body, status, param) in [
        (json!({"text": "你好", "language": "zh"}), 200, None),
        (
            json!({"text": "Hola.", "voice": "es_es-beep-low"}),
            200,
            None,
        ),
        (json!({"text": "Hello.", "model": "beep"}), 200, None),
        // The second engine speaks no Chinese, though the first does.
        (
            json!({"text": "你好", "voice": "en_us-beep-low", "language": "zh"}),
            400,
            Some("lang_code"),
        ),
        (
            json!({"text": "你好", "model": "beep", "language": "zh"}),
            400,
            Some("lang_code"),
        ),
        (
            json!({"text": "Hi.", "voice": "af_heart", "model": "beep"}),
            400,
            Some("model"),
        ),
        (
            json!({"text": "Hi.", "voice": "nobody"}),
            400,
            Some("voice"),
        ),
    ] {
        let r = send(&service, &[], post_json("/dev/phonemize", body.clone())).await;
        assert_eq!(r.status, status, "{body}: {}", r.json());
        if let Some(param) = param {
            assert_eq!(r.json()["error"]["param"], param, "{body}: {}", r.json());
            if param == "lang_code" {
                let message = r.json()["error"]["message"].to_string();
                assert!(
                    message.contains("(beep) does not speak Mandarin Chinese"),
                    "{message}"
                );
            }
        } else {
            assert!(!r.json()["tokens"].as_array().unwrap().is_empty(), "{body}");
        }
    }
}

/// A circled number (①, ⑳, ❶) is read as its number in every language, as ㉑ was: it was
/// an emoji, refused in Mandarin and Japanese and dropped in silence at a line's start.
#[tokio::test]
async fn enclosed_numbers_are_read_as_numbers_in_every_language() {
    let service = tone::service(4);
    for (language, circled, digits) in [
        ("z", "步骤①完成。", "步骤1完成。"),
        ("j", "手順①を見る。", "手順1を見る。"),
        ("j", "① 日本。", "1 日本。"),
        ("a", "⑳ is my number.", "20 is my number."),
        ("a", "② ⑩ ⑳ ㉑ ㊿ ❶", "2 10 20 21 50 1"),
        ("e", "① paso.", "1 paso."),
    ] {
        let mut read = Vec::new();
        for text in [circled, digits] {
            let body = json!({"text": text, "language": language});
            let r = send(&service, &[], post_json("/dev/phonemize", body.clone())).await;
            assert_eq!(r.status, 200, "{body}: {}", r.json());
            read.push(r.json()["phonemes"].clone());
        }
        assert_eq!(read[0], read[1], "{language}: {circled}");
    }
}

/// The `/dev` bodies are ttsd's own: a field one does not take is refused by name, never
/// ignored (`lang_code` for `language` read English in silence); and a type error says what
/// to send in JSON's words, never a Rust type's name.
#[tokio::test]
async fn dev_bodies_refuse_what_they_do_not_take_and_errors_name_no_rust_type() {
    let service = tone::service(4);
    let phonemes = |extra: Value| {
        let mut body = json!({"phonemes": "hˈI", "voice": "af_heart"});
        body.as_object_mut()
            .expect("an object")
            .extend(extra.as_object().expect("an object").clone());
        body
    };
    for (path, body, named) in [
        (
            "/dev/phonemize",
            json!({"text": "hi", "lang_code": "j"}),
            "lang_code",
        ),
        (
            "/dev/generate_from_phonemes",
            phonemes(json!({"stream": false})),
            "stream",
        ),
        (
            "/dev/generate_from_phonemes",
            phonemes(json!({"lang_code": "a"})),
            "lang_code",
        ),
        (
            "/dev/captioned_speech",
            json!({"input": "hi", "stream_format": "sse"}),
            "stream_format",
        ),
        (
            "/dev/dialogue",
            json!({"turns": [{"voice": "af_heart", "text": "hi", "speed": 2}]}),
            "speed",
        ),
        (
            "/v1/audio/speech",
            json!({"input": "hi", "voice": 5}),
            "a voice name or blend",
        ),
        ("/v1/audio/speech", json!(["hi"]), "a JSON object"),
        (
            "/v1/audio/speech",
            json!({"input": "hi", "speed": "fast"}),
            "expected a number",
        ),
    ] {
        let r = send(&service, &[], post_json(path, body.clone())).await;
        assert_eq!(r.status, 400, "{path} {body}: {}", r.text());
        let message = r.error();
        assert!(message.contains(named), "{path} {body}: {message}");
        for rust in ["VoiceParam", "SpeechParams", "untagged", "f32", "struct"] {
            assert!(!message.contains(rust), "{path} {body}: {message}");
        }
    }
    // What they take still works.
    let r = send(
        &service,
        &[],
        post_json("/dev/phonemize", json!({"text": "hi", "language": "a"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Words written in compatibility forms side by side (`ﬁne Ⓗⓔⓛⓛⓞ`) are a caption entry
/// each, as every written word is.
#[tokio::test]
async fn folded_words_side_by_side_are_an_entry_each() {
    let service = tone::service(4);
    let text = "The ｃａｔ and ﬁne Ⓗⓔⓛⓛⓞ cat.";
    let r = send(
        &service,
        &[],
        post_json(
            "/dev/captioned_speech",
            json!({"input": text, "stream": false, "response_format": "pcm"}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let words: Vec<String> = r.json()["timestamps"]
        .as_array()
        .expect("timestamps")
        .iter()
        .map(|w| w["word"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
}

/// A whole response refused for its length frees its admission slot before the refusal
/// goes out: the client that asks again at once (as the error says, with a stream or a
/// shorter text) is admitted, not told the server is at capacity for a minute.
#[tokio::test]
async fn a_refused_whole_response_frees_its_slot_at_once() {
    let settings = ttsd::synth::Settings {
        max_file_audio: Some(std::time::Duration::from_secs(2)),
        ..ttsd::synth::Settings::default()
    };
    // One request at a time.
    let service = tone::service_with(settings, 1);
    let long = "One two three four five six seven eight nine ten. ".repeat(4);
    for path in ["/v1/audio/speech", "/dev/captioned_speech"] {
        for _ in 0..3 {
            let whole = json!({"input": long, "response_format": "pcm", "stream": false});
            let r = send(&service, &[], post_json(path, whole)).await;
            assert_eq!(r.status, 400, "{path}: {}", r.text());
            let again = json!({"input": "Hi.", "response_format": "pcm", "stream": false});
            let r = send(&service, &[], post_json(path, again)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
        }
    }
}
