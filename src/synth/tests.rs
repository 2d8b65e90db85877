//! The utterance on the test engine: its text side's clocks and limits, and what it counts.

use std::time::Duration;

use super::*;
use crate::engine::tone::SimulatedCost;

fn streamed(synth: &Synthesizer) -> SpeechRequest {
    let params = SpeechParams {
        response_format: Some("pcm".into()),
        ..Default::default()
    };
    synth
        .validate(params, Input::Streamed)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The next event within `within`: `None` when none came.
async fn next(audio: &mut AudioStream, within: Duration) -> Option<Result<Event>> {
    tokio::time::timeout(within, audio.recv())
        .await
        .ok()
        .flatten()
}

/// Text that waits without a sentence end is spoken after the flush time up to its last
/// whole word; the word still being written waits for its end.
#[tokio::test]
async fn the_flush_timer_speaks_whole_words_only() {
    let settings = Settings {
        flush_after: Duration::from_millis(100),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input
        .push("two whole words and a ha")
        .unwrap_or_else(|e| panic!("{e}"));
    let first = next(&mut audio, Duration::from_secs(5)).await;
    let Some(Ok(Event::Audio(chunk))) = first else {
        panic!("audio after the flush time: {first:?}");
    };
    let spoken: Vec<&str> = chunk.words.iter().map(|w| w.word.as_str()).collect();
    assert_eq!(spoken, ["two", "whole", "words", "and", "a"]);
    input.push("lf. Done.").unwrap_or_else(|e| panic!("{e}"));
    input.finish();
    let mut rest = Vec::new();
    while let Some(event) = next(&mut audio, Duration::from_secs(5)).await {
        match event {
            Ok(Event::Audio(chunk)) => rest.extend(chunk.words.into_iter().map(|w| w.word)),
            Ok(Event::Done(_)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(rest, ["half.", "Done."]);
}

/// Over the input limit the push is refused and the utterance fails with the limit's error:
/// nothing is spoken in part as if it were whole.
#[tokio::test]
async fn over_the_limit_the_utterance_fails() {
    let settings = Settings {
        limits: Limits {
            max_input_chars: 20,
        },
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input.push("Twelve chars").unwrap_or_else(|e| panic!("{e}"));
    assert!(input.push(" and twelve more").is_err());
    input.finish();
    loop {
        match next(&mut audio, Duration::from_secs(5)).await {
            Some(Ok(Event::Audio(_))) => {}
            Some(Err(e)) => {
                assert!(e.to_string().contains("over the limit of 20"), "{e}");
                break;
            }
            other => panic!("the limit's error, not {other:?}"),
        }
    }
}

/// A streamed utterance that never gets text ends with a timeout after its idle time.
#[tokio::test]
async fn a_stream_that_never_gets_text_times_out() {
    let settings = Settings {
        stream_idle: Some(Duration::from_millis(200)),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let event = next(&mut audio, Duration::from_secs(5)).await;
    assert!(matches!(&event, Some(Err(Error::Timeout(_)))), "{event:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(input.is_closed());
    assert_eq!(synth.metrics().active_streams.get(), 0);
}

/// Pieces that never make a word said — a letter at a time of a word that never ends,
/// letters that only modify or fill (ʼ ˈ ː ª, a combining Latin letter, a Hangul filler),
/// blanks — sent faster than the flush timer do not hold the stream: it ends at its idle
/// time as if nothing came. A word written to its end does hold it.
#[tokio::test]
async fn text_that_never_becomes_speech_does_not_hold_a_stream() {
    let settings = Settings {
        stream_idle: Some(Duration::from_millis(300)),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let cases: [&[&str]; 5] = [
        &["a"],
        &["ʼ ", "ˈː ", "ª "],
        &["\u{363} ", "\u{3164} ", "\u{FFA0} "],
        &[" ", "\u{200B}", "... "],
        &["Hello"],
    ];
    for pieces in cases {
        let (mut input, mut audio) = synth
            .start(streamed(&synth), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let mut ended = None;
        for piece in pieces.iter().cycle().take(40) {
            if input.push(piece).is_err() {
                break;
            }
            if let Some(event) = next(&mut audio, Duration::from_millis(50)).await {
                ended = Some(event);
                break;
            }
        }
        let event = match ended {
            Some(event) => Some(event),
            None => next(&mut audio, Duration::from_secs(5)).await,
        };
        // It ended (as idle, or refused once the held text was read), within twice its
        // idle time, while the pieces still came (40 of them take 2 s).
        assert!(matches!(&event, Some(Err(_))), "{pieces:?}: {event:?}");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{pieces:?}"
        );
    }
    // Markup that says nothing ends it too, at the latest twice the idle time after it began.
    for piece in ["<b> ", "[pause:0ms] ", "[](a) "] {
        let (mut input, mut audio) = synth
            .start(streamed(&synth), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let mut event = None;
        for _ in 0..40 {
            if input.push(piece).is_err() {
                break;
            }
            event = failure(&mut audio, Duration::from_millis(50)).await;
            if event.is_some() {
                break;
            }
        }
        assert!(matches!(&event, Some(Err(_))), "{piece:?}: {event:?}");
        assert!(started.elapsed() < Duration::from_millis(1500), "{piece:?}");
    }
    // Words written to their end are text: the stream outlives its idle time (speaking them
    // as they wait).
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..12 {
        input.push("word ").unwrap_or_else(|e| panic!("{e}"));
        if let Some(Err(e)) = next(&mut audio, Duration::from_millis(50)).await {
            panic!("{e}");
        }
    }
    input.finish();
    assert!(matches!(
        failure(&mut audio, Duration::from_secs(5)).await,
        Some(Ok(Event::Done(_)))
    ));
}

/// Writes "word " `times` times, one every 50 ms, as a writer that never pauses: the words
/// heard meanwhile.
async fn write_words(input: &mut TextInput, audio: &mut AudioStream, times: usize) -> Vec<String> {
    let mut heard = Vec::new();
    for _ in 0..times {
        input.push("word ").unwrap_or_else(|e| panic!("{e}"));
        match next(audio, Duration::from_millis(50)).await {
            Some(Ok(Event::Audio(chunk))) => heard.extend(chunk.words.into_iter().map(|w| w.word)),
            None => {}
            Some(Ok(Event::Done(_))) => panic!("done before the end"),
            Some(Err(e)) => panic!("{e}"),
        }
    }
    heard
}

/// A writer that never pauses and never ends a sentence is still heard: what it holds is
/// spoken after a few flush times (at most the idle time), so its stream lives on.
#[tokio::test]
async fn a_writer_that_never_pauses_is_heard_within_the_idle_time() {
    let settings = Settings {
        stream_idle: Some(Duration::from_millis(600)),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    // 3 s of words: the flush time (1.5 s of quiet) never comes.
    let heard = write_words(&mut input, &mut audio, 60).await;
    assert!(!heard.is_empty(), "nothing was spoken while the words came");
    input.finish();
    assert!(matches!(
        failure(&mut audio, Duration::from_secs(5)).await,
        Some(Ok(Event::Done(_)))
    ));
}

/// Text held for the flush timer is still to be said when the idle clock runs out at the
/// same moment (both start with the piece that brought it: here the flush timer is the idle
/// time): it is spoken, and only then may the stream time out. Twenty streams, since which
/// of two timers due together is seen first is a coin toss.
#[tokio::test]
async fn text_held_for_the_flush_timer_is_spoken_before_the_idle_clock_ends_the_stream() {
    let idle = Duration::from_millis(300);
    let settings = Settings {
        flush_after: idle,
        stream_idle: Some(idle),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let mut streams = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let synth = Arc::clone(&synth);
        streams.spawn(async move {
            let (mut input, mut audio) = synth
                .start(streamed(&synth), None)
                .unwrap_or_else(|e| panic!("{e}"));
            // A sentence the segmenter holds (what follows its end is not known yet).
            input.push("Hello there.").unwrap_or_else(|e| panic!("{e}"));
            let first = next(&mut audio, Duration::from_secs(5)).await;
            assert!(
                matches!(first, Some(Ok(Event::Audio(_)))),
                "its audio first, not {first:?}"
            );
            // Then nothing more comes: the stall is a timeout.
            let end = failure(&mut audio, Duration::from_secs(5)).await;
            assert!(matches!(end, Some(Err(Error::Timeout(_)))), "{end:?}");
            drop(input);
        });
    }
    while let Some(done) = streams.join_next().await {
        done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    }
}

/// A `[` that no `]` closes holds the text from it only for the hold time (a tag being
/// written is finished within it): a writer that goes on is heard, not held until the idle
/// clock ends its stream.
#[tokio::test]
async fn a_bracket_never_closed_does_not_hold_the_text_after_it() {
    let settings = Settings {
        flush_after: Duration::from_millis(100),
        stream_idle: Some(Duration::from_secs(2)),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input
        .push("Hello there. The list [ ")
        .unwrap_or_else(|e| panic!("{e}"));
    // 1.5 s of words: the flush time never comes, the hold (400 ms) does.
    let heard = write_words(&mut input, &mut audio, 30).await;
    assert!(
        heard.iter().any(|w| w == "word"),
        "nothing after the bracket while the words came: {heard:?}"
    );
    input.finish();
    assert!(matches!(
        failure(&mut audio, Duration::from_secs(5)).await,
        Some(Ok(Event::Done(_)))
    ));
}

/// A markup error in streamed text gives its position in the whole text, whatever piece
/// (clause, sentence, flushed words) it was read in.
#[tokio::test]
async fn a_streamed_markup_error_gives_its_place_in_the_whole_text() {
    let synth = tone(SimulatedCost::default(), Settings::DEFAULT);
    for (pieces, at) in [
        (&["Hello. [voice:af_sky] Hi there."][..], 8),
        (
            &["Hello there my friend, how are [voice:af_sky] you."][..],
            32,
        ),
        (
            &["Hello there my ", "friend, how are [voi", "ce:af_sky] you."][..],
            32,
        ),
    ] {
        let (mut input, mut audio) = synth
            .start(streamed(&synth), None)
            .unwrap_or_else(|e| panic!("{e}"));
        for piece in pieces {
            input.push(piece).unwrap_or_else(|e| panic!("{e}"));
        }
        input.finish();
        let Some(Err(e)) = failure(&mut audio, Duration::from_secs(5)).await else {
            panic!("{pieces:?}: no error");
        };
        let message = e.to_string();
        assert!(
            message.contains(&format!("markup at character {at}: ")),
            "{pieces:?}: {message}"
        );
    }
}

/// The first event that is not audio within `within`.
async fn failure(audio: &mut AudioStream, within: Duration) -> Option<Result<Event>> {
    loop {
        match next(audio, within).await {
            Some(Ok(Event::Audio(_))) => {}
            other => return other,
        }
    }
}

/// Streams `text` (nothing after it) with a 100 ms flush timer and an idle clock of
/// `idle`, and gives the markup error that ends the stream, with the synth and the input.
async fn held_markup_error(text: &str, idle: Duration) -> (Arc<Synthesizer>, TextInput, String) {
    let settings = Settings {
        flush_after: Duration::from_millis(100),
        stream_idle: Some(idle),
        ..Settings::DEFAULT
    };
    let synth = tone(SimulatedCost::default(), settings);
    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input.push(text).unwrap_or_else(|e| panic!("{e}"));
    let event = failure(&mut audio, Duration::from_secs(5)).await;
    let Some(Err(Error::InvalidInput { message, .. })) = event else {
        panic!("the markup's error for {text:?}, not {event:?}");
    };
    (synth, input, message)
}

/// Markup held uncut (one word, no sentence end) that can never be read is reported at the
/// flush timer, in the markup's own terms, not left to end as an idle "no text" timeout.
#[tokio::test]
async fn held_markup_that_cannot_be_read_fails_at_the_flush_timer() {
    let (_synth, input, message) =
        held_markup_error("<speak>Hi</speak>", Duration::from_secs(30)).await;
    assert!(
        message.contains("SSML needs a one-shot request"),
        "{message}"
    );
    assert!(input.is_closed());
}

/// A tag still open when the idle clock runs out cannot complete: the stream ends with the
/// tag's error (it is not closed), not with "no text" after text was sent.
#[tokio::test]
async fn an_open_tag_at_idle_fails_with_its_own_error() {
    let (synth, _input, message) =
        held_markup_error("Say this [pause:1", Duration::from_millis(300)).await;
    assert!(
        message.contains("'[pause:1' is not closed by ']'"),
        "{message}"
    );
    assert_eq!(synth.metrics().active_streams.get(), 0);
}

/// An utterance's totals: what it read and made, and where its time went.
#[tokio::test]
async fn an_utterance_counts_its_stages() {
    let cost = SimulatedCost {
        per_call: Duration::from_millis(20),
        per_id: Duration::ZERO,
    };
    let synth = tone(cost, Settings::DEFAULT);
    let params = SpeechParams::new("One sentence. And another one.", "af_heart");
    let request = synth
        .validate(params, Input::Required)
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, stats) = synth
        .render(request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The characters read (a whole input's items are joined by a space).
    assert!(
        stats.chars >= "One sentence. And another one.".len(),
        "{stats:?}"
    );
    assert!(stats.ids > 0);
    assert_eq!(stats.chunks, 2, "{stats:?}");
    assert!(stats.times.model >= Duration::from_millis(40), "{stats:?}");
    assert_eq!(stats.times.model, stats.compute);
    assert!(stats.times.text > Duration::ZERO && stats.times.encode > Duration::ZERO);
    assert_eq!(stats.audio.as_secs_f64(), stats.samples as f64 / 16_000.0);
}

/// A service on the test engine keeping one English lexicon: a name's phonemes and an
/// acronym's alias.
fn with_lexicon() -> crate::service::Service {
    let synth = tone(SimulatedCost::default(), Settings::DEFAULT);
    let vocab = Arc::clone(&synth.spec().vocab);
    let store = crate::lexicon::Store::in_memory(Arc::clone(&vocab));
    let json = r#"[{"grapheme": "Nguyen", "phoneme": "wˈɪn"},
                   {"grapheme": "W3C", "alias": "World Wide Web Consortium"}]"#;
    let lexicon = crate::lexicon::Lexicon::from_json(json.as_bytes(), "en-US", &vocab)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .put("names", lexicon)
        .unwrap_or_else(|e| panic!("{e}"));
    crate::service::Service::ready(synth, 4).with_lexicons(Arc::new(store))
}

/// Every caption word of an utterance and its phoneme ids.
async fn words_and_ids(mut audio: AudioStream) -> (Vec<String>, usize) {
    let mut words = Vec::new();
    while let Some(event) = next(&mut audio, Duration::from_secs(10)).await {
        match event.unwrap_or_else(|e| panic!("{e}")) {
            Event::Audio(chunk) => words.extend(chunk.words.into_iter().map(|w| w.word)),
            Event::Done(stats) => return (words, stats.ids),
        }
    }
    panic!("the utterance did not end");
}

/// A request's lexicons change what is said, not what captions show (the words as written);
/// the same text in pieces is matched as the whole text is, and `[]` names none.
#[tokio::test]
async fn lexicons_change_what_is_said_alike_whole_and_in_pieces() {
    let service = with_lexicon();
    let Ok(synth) = service.synth().cloned() else {
        panic!("ready")
    };
    const TEXT: &str = "Ask the W3C about it. Then call Nguyen, today.";
    let params = |lexicons: Option<Vec<String>>, input: Option<&str>| SpeechParams {
        input: input.map(str::to_owned),
        response_format: Some("pcm".into()),
        timestamps: Some(true),
        lexicons,
        ..Default::default()
    };
    let named = || Some(vec!["names".to_owned()]);
    let whole = service
        .validate(params(named(), Some(TEXT)), Input::Required)
        .unwrap_or_else(|e| panic!("{e}"));
    let (words, ids) =
        words_and_ids(synth.speak(whole, None).unwrap_or_else(|e| panic!("{e}"))).await;
    // The words as written, marks and all ("Nguyen," is an alias followed by a comma).
    let written: Vec<&str> = TEXT.split_whitespace().collect();
    assert_eq!(words, written);

    let streamed = service
        .validate(params(named(), None), Input::Streamed)
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut input, audio) = synth
        .start(streamed, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let chars: Vec<char> = TEXT.chars().collect();
    for piece in chars.chunks(3) {
        input
            .push(&piece.iter().collect::<String>())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    input.finish();
    let in_pieces = words_and_ids(audio).await;
    assert_eq!(in_pieces, (words.clone(), ids), "in pieces as whole");

    // Without the lexicon the words are the same, what is said is not.
    let none = service
        .validate(params(Some(Vec::new()), Some(TEXT)), Input::Required)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(none.lexicons().is_empty());
    let (plain_words, plain_ids) =
        words_and_ids(synth.speak(none, None).unwrap_or_else(|e| panic!("{e}"))).await;
    assert_ne!(plain_ids, ids, "the lexicon changes the phonemes");
    assert_eq!(plain_words, words);

    // An unknown name is the request's error, naming the field.
    let unknown = service.validate(
        params(Some(vec!["nobody".into()]), Some(TEXT)),
        Input::Required,
    );
    assert!(
        matches!(&unknown, Err(e) if e.code() == "lexicon_not_found" && e.param() == Some("lexicons")),
        "{unknown:?}"
    );
}

/// A whole text's audio chunks: each one's guess of the whole audio, and the audio's
/// seconds in the end.
async fn guesses(synth: &Arc<Synthesizer>, params: SpeechParams) -> (Vec<Option<Duration>>, f64) {
    let request = synth
        .validate(params, Input::Required)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut audio = synth.speak(request, None).unwrap_or_else(|e| panic!("{e}"));
    let mut expected = Vec::new();
    loop {
        match next(&mut audio, Duration::from_secs(10)).await {
            Some(Ok(Event::Audio(chunk))) => expected.push(chunk.expected),
            Some(Ok(Event::Done(stats))) => return (expected, stats.audio.as_secs_f64()),
            other => panic!("{other:?}"),
        }
    }
}

/// A slow first clause says nothing of the rest's pace: the guess reckons the text left at
/// the request's own speed, so `[rate:0.25] Oh.` before plain text does not make every id
/// of it look four times as long (a short text was refused as over --max-file-minutes).
#[tokio::test]
async fn a_slow_first_clause_does_not_make_the_rest_look_long() {
    let synth = tone(SimulatedCost::default(), Settings::DEFAULT);
    let text = format!(
        "[rate:0.25] Oh. [rate:1] {}",
        "The quick brown fox jumps over the lazy dog, and then it sleeps. ".repeat(8)
    );
    let mut params = SpeechParams::new(text, "af_heart");
    params.response_format = Some("pcm".into());
    params.stream = Some(false);
    params.allow_voice_tags = Some(true);
    let (expected, total) = guesses(&synth, params).await;
    assert!(expected.len() > 2, "{expected:?}");
    for guess in &expected {
        let guess = guess.unwrap_or_else(|| panic!("a whole text's guess: {expected:?}"));
        let ratio = guess.as_secs_f64() / total;
        assert!(
            ratio < EXPECTED_MARGIN,
            "{guess:?} for {total} s: {expected:?}"
        );
    }
}

/// A whole text's chunks say how long its audio will be, from the first one on, close
/// enough (within the refusal's margin) to refuse a file that could not be held before it
/// is made; streamed text, which may go on, says nothing.
#[tokio::test]
async fn a_whole_texts_chunks_expect_its_length() {
    let synth = tone(SimulatedCost::default(), Settings::DEFAULT);
    let text = "One two three. Four five six seven eight nine ten eleven twelve. ".repeat(6)
        + "The quick brown fox jumps over the lazy dog, and then it sleeps.";
    let mut params = SpeechParams::new(text, "af_heart");
    params.response_format = Some("pcm".into());
    params.stream = Some(false);
    let (expected, total) = guesses(&synth, params).await;
    assert!(expected.len() > 2, "{expected:?}");
    for guess in &expected {
        let guess = guess.unwrap_or_else(|| panic!("a whole text's guess: {expected:?}"));
        let ratio = guess.as_secs_f64() / total;
        assert!(
            ratio > 1.0 / EXPECTED_MARGIN && ratio < EXPECTED_MARGIN,
            "{guess:?} for {total} s"
        );
    }

    let (mut input, mut audio) = synth
        .start(streamed(&synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input.push("A sentence. ").unwrap_or_else(|e| panic!("{e}"));
    let first = next(&mut audio, Duration::from_secs(5)).await;
    let Some(Ok(Event::Audio(chunk))) = first else {
        panic!("audio: {first:?}");
    };
    assert_eq!(chunk.expected, None, "more text may come");
}

/// What a streamed utterance sent: its audio events, their PCM, its words.
struct Heard {
    events: usize,
    pcm: Vec<u8>,
    words: Vec<(String, f64, f64)>,
}

async fn hear(synth: &Arc<Synthesizer>, text: &str) -> Heard {
    let (mut input, mut audio) = synth
        .start(streamed(synth), None)
        .unwrap_or_else(|e| panic!("{e}"));
    input.push(text).unwrap_or_else(|e| panic!("{e}"));
    input.finish();
    let mut heard = Heard {
        events: 0,
        pcm: Vec::new(),
        words: Vec::new(),
    };
    loop {
        match next(&mut audio, Duration::from_secs(10)).await {
            Some(Ok(Event::Audio(chunk))) => {
                heard.events += 1;
                heard.pcm.extend_from_slice(&chunk.bytes);
                let words = chunk.words.into_iter().map(|w| (w.word, w.start, w.end));
                heard.words.extend(words);
            }
            Some(Ok(Event::Done(_))) => return heard,
            other => panic!("{other:?}"),
        }
    }
}

/// `text` streamed from the test engine without windows, then with 100 ms first windows.
async fn whole_and_windowed(text: &str) -> (Heard, Heard) {
    let whole = hear(&tone(SimulatedCost::default(), Settings::DEFAULT), text).await;
    let settings = Settings {
        window: Some(Duration::from_millis(100)),
        ..Settings::DEFAULT
    };
    let windowed = hear(&tone(SimulatedCost::default(), settings), text).await;
    (whole, windowed)
}

/// Decoded in windows, a streamed chunk goes out in pieces, and what they make is the whole
/// decode's audio and word times: the test engine's windows are exact, so any seam, trim,
/// fade or pause out of place shows here as a sample that differs.
#[tokio::test]
async fn windows_give_the_whole_decodes_audio_and_words_in_pieces() {
    let (whole, windowed) = whole_and_windowed(
        "Seven words make the first clause here, then four more. And a last sentence.",
    )
    .await;
    assert!(
        windowed.events > whole.events,
        "the first chunk came in pieces: {} events, whole {}",
        windowed.events,
        whole.events
    );
    assert_eq!(windowed.pcm.len(), whole.pcm.len());
    let samples = |b: &[u8]| -> Vec<i16> {
        b.chunks_exact(2)
            .map(|s| i16::from_le_bytes([s[0], s[1]]))
            .collect()
    };
    let (a, b) = (samples(&windowed.pcm), samples(&whole.pcm));
    // The cross-fades' gains add up to one: equal samples stay equal but for rounding.
    let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).max();
    assert!(worst <= Some(1), "samples differ by up to {worst:?}");
    assert_eq!(windowed.words, whole.words);
    assert!(whole.words.len() >= 14, "{:?}", whole.words);
}

/// A chunk too short for windows to bring its audio sooner (its first window's call would
/// decode half its frames or more) is spoken in one whole call, as without windows: the
/// same pieces and the same samples.
#[tokio::test]
async fn a_chunk_too_short_for_windows_is_spoken_whole() {
    let (whole, windowed) = whole_and_windowed("Hi there.").await;
    assert_eq!(windowed.events, whole.events);
    assert!(windowed.pcm == whole.pcm, "the samples differ");
    assert_eq!(windowed.words, whole.words);
}
