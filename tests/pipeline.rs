//! The pipeline in process, on the deterministic test engine: text in pieces gives the same
//! audio as the whole text, speech starts before the text has all arrived, and a client that
//! leaves stops the work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::tone;
use ttsd::engine::tone::SimulatedCost as Cost;
use ttsd::request::{Input, SpeechParams};
use ttsd::synth::{AudioStream, Event, Settings, Synthesizer};

const TEXT: &str = "Well then, here is the plan. We leave at 7:15 a.m. on Dr. Day's boat — \
                    it's $23.50 each! Bring a coat; it gets cold.\n\n- one\n- two";

fn request(synth: &Synthesizer, text: Option<&str>, stream: bool) -> ttsd::request::SpeechRequest {
    let params = SpeechParams {
        input: text.map(str::to_owned),
        response_format: Some("pcm".into()),
        stream: Some(stream),
        ..Default::default()
    };
    synth
        .validate(params, Input::Streamed)
        .expect("a valid request")
}

async fn collect(mut audio: AudioStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(event) = audio.recv().await {
        match event.expect("no error") {
            Event::Audio(chunk) => out.extend_from_slice(&chunk.bytes),
            Event::Done(_) => return out,
        }
    }
    panic!("the stream ended without Done");
}

/// `text` spoken whole, as one response (`stream` or not).
async fn speak(synth: &Arc<Synthesizer>, text: &str, stream: bool) -> Vec<u8> {
    collect(
        synth
            .speak(request(synth, Some(text), stream), None)
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_text_split_anywhere_gives_the_same_audio_as_the_whole() {
    let synth = tone::synth(Cost::default(), Settings::default());
    let whole = speak(&synth, TEXT, false).await;
    assert!(whole.len() > 16_000);
    for split in (0..=TEXT.len()).filter(|&i| TEXT.is_char_boundary(i)) {
        let (mut input, audio) = synth.start(request(&synth, None, false), None).unwrap();
        input.push(&TEXT[..split]).unwrap();
        // Let the pipeline see the first piece on its own.
        tokio::task::yield_now().await;
        input.push(&TEXT[split..]).unwrap();
        input.finish();
        assert_eq!(collect(audio).await, whole, "split at byte {split}");
    }
}

#[tokio::test]
async fn one_character_at_a_time_gives_the_same_audio_and_speaks_before_the_end() {
    let synth = tone::synth(Cost::default(), Settings::default());
    let whole = speak(&synth, TEXT, true).await;
    let (mut input, mut audio) = synth.start(request(&synth, None, true), None).unwrap();
    let writer = tokio::spawn(async move {
        for c in TEXT.chars() {
            input.push(&c.to_string()).unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        input.finish();
    });
    let mut got = Vec::new();
    let mut first_before_end = false;
    while let Some(event) = audio.recv().await {
        match event.unwrap() {
            Event::Audio(chunk) => {
                first_before_end |= got.is_empty() && !writer.is_finished();
                got.extend_from_slice(&chunk.bytes);
            }
            Event::Done(_) => break,
        }
    }
    assert!(
        first_before_end,
        "the first clause was spoken while the text was arriving"
    );
    assert_eq!(got, whole);
}

#[tokio::test]
async fn a_sentence_that_never_ends_is_spoken_at_flush() {
    let synth = tone::synth(Cost::default(), Settings::default());
    let (mut input, mut audio) = synth.start(request(&synth, None, true), None).unwrap();
    input.push("no punctuation here at all").unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(200), audio.recv()).await;
    assert!(nothing.is_err(), "nothing is spoken before a sentence ends");
    input.flush();
    let first = tokio::time::timeout(Duration::from_secs(5), audio.recv()).await;
    assert!(matches!(first, Ok(Some(Ok(Event::Audio(_))))), "{first:?}");
    input.finish();
}

#[tokio::test]
async fn a_client_that_leaves_stops_the_work() {
    // A slow engine: 50 ms per call and 5 ms per id.
    let cost = Cost {
        per_call: Duration::from_millis(50),
        per_id: Duration::from_millis(5),
    };
    let synth: Arc<Synthesizer> = tone::synth(cost, Settings::default());
    let text = "This sentence is long enough to take a while on the slow engine. ".repeat(8);
    let mut audio = synth
        .speak(request(&synth, Some(&text), true), None)
        .unwrap();
    assert!(matches!(audio.recv().await, Some(Ok(Event::Audio(_)))));
    drop(audio);
    let started = std::time::Instant::now();
    while synth.metrics().active_streams.get() != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the pipeline stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let completed = synth.scheduler().completed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        synth.scheduler().completed(),
        completed,
        "no more model calls"
    );
    assert!(completed < 6, "{completed} calls for a text of 16");
}

/// Streamed text's markup is read as each segment is cut: a pause tag split across pieces
/// is still a pause (never words), and SSML, which needs the whole document, is refused.
#[tokio::test]
async fn streamed_text_reads_its_markup_as_segments_are_cut() {
    // The flush timer runs out between every two pieces: an idle flush mid-tag must not
    // cut it.
    let settings = Settings {
        flush_after: Duration::from_millis(10),
        ..Settings::default()
    };
    let synth = tone::synth(Cost::default(), settings);
    let (mut input, audio) = synth.start(request(&synth, None, true), None).unwrap();
    for piece in ["One. [pau", "se:1.5", "s] Two", "."] {
        input.push(piece).unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    input.finish();
    let pcm = collect(audio).await;
    let samples: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let loud: Vec<usize> = (0..samples.len())
        .filter(|&i| samples[i].unsigned_abs() > 100)
        .collect();
    let gaps: Vec<f64> = loud
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / 16_000.0)
        .filter(|&g| g >= 0.2)
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!((gaps[0] - 1.5).abs() < 0.002, "{gaps:?}");

    let params = SpeechParams {
        ssml: Some(true),
        ..Default::default()
    };
    let err = synth.validate(params, Input::Streamed).unwrap_err();
    assert!(err.to_string().contains("ssml"), "{err}");
}

/// Capacity is the fewer of what the cost model says at a typical chunk and what streamed
/// utterances have really cost (their first chunks and cut clauses, where a call's fixed
/// part weighs most); the operator's number replaces both.
#[tokio::test]
async fn measured_streams_bound_the_capacity_and_the_operator_can_set_it() {
    // A call's fixed part dominates: small chunks cost far more per second of audio than
    // the model's 120-id reckoning.
    let cost = Cost {
        per_call: Duration::from_millis(150),
        per_id: Duration::from_micros(500),
    };
    let synth = tone::synth(cost, Settings::default());
    let text = "Well, here it is. One, two, three, four. Five, six, seven, eight. Nine, ten, \
                eleven, twelve. Thirteen, fourteen, fifteen, sixteen. Seventeen, eighteen.";
    // A whole file first: the cost model learns, no stream is measured.
    speak(&synth, text, false).await;
    let modelled = synth.capacity().expect("a capacity once calls were made");
    speak(&synth, text, true).await;
    let measured = synth.capacity().expect("a capacity");
    assert!(
        measured < modelled,
        "after a stream: {measured}, by the model alone: {modelled}"
    );

    let fixed = tone::synth(
        cost,
        Settings {
            capacity: Some(7),
            ..Settings::default()
        },
    );
    collect(
        fixed
            .speak(request(&fixed, Some(text), true), None)
            .unwrap(),
    )
    .await;
    assert_eq!(fixed.capacity(), Some(7));
}

/// Given phonemes get one answer whether the text comes whole or in pieces: a symbol the
/// model does not know is refused with the same message (never dropped in silence).
#[tokio::test]
async fn streamed_phonemes_are_checked_as_a_whole_inputs_are() {
    let synth = tone::synth(Cost::default(), Settings::default());
    let text = "Say [this](/ðɪʘ/) now.";
    let params = SpeechParams {
        input: Some(text.into()),
        ..Default::default()
    };
    let whole = synth.validate(params, Input::Required).unwrap_err();
    let (mut input, mut audio) = synth.start(request(&synth, None, true), None).unwrap();
    for piece in ["Say [this](/ð", "ɪʘ/) ", "now."] {
        input.push(piece).unwrap();
    }
    input.finish();
    let streamed = match audio.recv().await {
        Some(Err(e)) => e,
        other => panic!("an error, not {other:?}"),
    };
    assert_eq!(streamed.to_string(), whole.to_string());
    assert_eq!(streamed.code(), "invalid_value");
}

/// A streamed utterance's idle clock: it ends with a timeout once it has had no text for its
/// idle time and has nothing left to say; whitespace is not text; the clock does not run
/// while there is audio to make (a long text on a slow engine outlasts it).
#[tokio::test]
async fn an_idle_stream_times_out_once_it_has_nothing_left_to_say() {
    let cost = Cost {
        per_call: Duration::from_millis(100),
        per_id: Duration::from_millis(2),
    };
    let idle = Duration::from_millis(400);
    let settings = Settings {
        stream_idle: Some(idle),
        ..Settings::default()
    };
    let synth = tone::synth(cost, settings);
    let (mut input, mut audio) = synth.start(request(&synth, None, true), None).unwrap();
    input.push(&"One more sentence to say. ".repeat(6)).unwrap();
    let started = std::time::Instant::now();
    let mut last_audio = started;
    let mut chunks = 0;
    // Pieces with nothing to say: whitespace, invisible characters, a lone combining mark.
    let nothing = [" ", "\u{200b}", "\u{2060}", "\u{feff}", "\u{ad}", "\u{301}"];
    let mut nothing = nothing.iter().cycle();
    let error = loop {
        // None of them counts as text, sent more often than the idle time, while the
        // text is spoken and after.
        input.push(nothing.next().unwrap()).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still open after 10 s: {chunks} chunks"
        );
        match tokio::time::timeout(Duration::from_millis(100), audio.recv()).await {
            Err(_) => {}
            Ok(Some(Ok(Event::Audio(_)))) => {
                chunks += 1;
                last_audio = std::time::Instant::now();
            }
            Ok(Some(Err(e))) => break e,
            other => panic!("audio, then a timeout; got {other:?}"),
        }
    };
    assert!(chunks >= 3, "{chunks} chunks");
    assert!(
        last_audio - started > idle,
        "the text took longer than the idle time to speak, and all of it was spoken"
    );
    let quiet = last_audio.elapsed();
    assert!(quiet >= idle - Duration::from_millis(50), "{quiet:?}");
    assert_eq!(error.code(), "timeout", "{error}");
    assert!(input.is_closed(), "the utterance has ended");
    assert!(
        input.push("Too late.").is_ok(),
        "pushing to an ended utterance is harmless"
    );
}
