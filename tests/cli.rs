//! `ttsd say` and `ttsd voices` with the real model, checked by a real decoder and by ear
//! (Whisper through asr-check).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{asr_check, asr_wer, repo, seconds, serial, tempdir};

fn ttsd(args: &[&str]) -> Output {
    Command::new(common::bin())
        .current_dir(repo())
        .args(args)
        .output()
        .expect("run ttsd")
}

fn say(text: &str, out: &Path, extra: &[&str]) -> Output {
    let path = out;
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec!["say", text, "-o", out];
    args.extend_from_slice(extra);
    let output = ttsd(&args);
    count_audio(path);
    output
}

/// Counts what `say` wrote for the cost report (tests/common `spent`).
fn count_audio(path: &Path) {
    let format = path.extension().and_then(|e| e.to_str()).unwrap_or("wav");
    if let Ok(bytes) = std::fs::read(path) {
        common::spent(seconds(&bytes, format), 0);
    }
}

/// `ttsd say -` with `text` on standard input.
fn say_stdin(text: &str, out: &Path, extra: &[&str]) -> Output {
    use std::io::Write;
    let mut child = Command::new(common::bin())
        .current_dir(repo())
        .args(["say", "-", "-o"])
        .arg(out)
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    count_audio(out);
    output
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "ttsd failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn say_writes_every_format_with_plausible_duration() {
    let _serial = serial();
    let dir = tempdir();
    let text = "The weather today is sunny, with a light breeze from the west.";
    let mut durations = Vec::new();
    for format in ["wav", "mp3", "opus", "aac", "flac", "pcm"] {
        let path = dir.path().join(format!("out.{format}"));
        assert_ok(&say(text, &path, &[]));
        let bytes = std::fs::read(&path).expect("output written");
        let secs = seconds(&bytes, format);
        // Eleven words at a natural pace: about 3–6 seconds.
        assert!((2.0..8.0).contains(&secs), "{format}: {secs:.2} s");
        durations.push(secs);
    }
    // Every format carries the same audio (mp3 adds at most a few frames of padding).
    for d in &durations[1..] {
        assert!(
            (d - durations[0]).abs() / durations[0] < 0.05,
            "{durations:?}"
        );
    }
}

#[test]
fn say_is_intelligible_heteronyms_and_unknown_words_included() {
    let _serial = serial();
    let dir = tempdir();
    let sentences = [
        "Please read the report that I read yesterday.",
        "They record a new record every single week.",
        "I listen to podcasts on Spotify while I cook dinner.",
        "The library opens at nine in the morning and closes at six.",
        "Could you remind me to call my sister tomorrow afternoon?",
        "A long, winding road led us through the quiet hills, past old farms and empty barns, \
         until we finally reached the coast.",
    ];
    let files: Vec<_> = sentences
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.path().join(format!("s{i}.wav"));
            assert_ok(&say(text, &path, &[]));
            path
        })
        .collect();
    let pairs: Vec<(&str, &Path)> = sentences
        .iter()
        .copied()
        .zip(files.iter().map(|p| p.as_path()))
        .collect();
    asr_check(&pairs, 0.15);
}

#[test]
fn say_reads_stdin_and_british_voices_and_blends() {
    let _serial = serial();
    let dir = tempdir();
    let path = dir.path().join("gb.mp3");
    let text = "Good evening. The schedule for tomorrow is on the table.";
    let out = say_stdin(text, &path, &["--voice", "bm_george(2)+bf_emma(1)"]);
    assert_ok(&out);
    asr_check(&[(text, &path)], 0.15);
}

#[test]
fn say_rejects_bad_input_with_one_line_and_no_panic() {
    let dir = tempdir();
    let out = dir.path().join("x.wav");
    let out = out.to_str().expect("utf-8");
    let cases: &[(&[&str], &str)] = &[
        (&["say", "", "-o", out], "input is empty"),
        (&["say", "   ", "-o", out], "input is empty"),
        (
            &["say", "hi", "--voice", "zz_nobody", "-o", out],
            "unknown voice",
        ),
        (
            &["say", "hi", "--voice", "af_bella(", "-o", out],
            "invalid voice",
        ),
        (
            &["say", "hi", "--lang-code", "klingon", "-o", out],
            "klingon",
        ),
        (&["say", "hi", "--speed", "9", "-o", out], "speed"),
        (&["say", "hi", "--speed", "0.1", "-o", out], "speed"),
        (&["say", "hi", "-o", "/tmp/x.m4a"], "--format"),
        (
            &["say", "hi", "--model", "/nonexistent/model.onnx", "-o", out],
            "not found",
        ),
        (
            &["say", "hi", "--voices-dir", "/nonexistent", "-o", out],
            "voices directory",
        ),
        (
            &["say", "hi", "--vocab", "/nonexistent.json", "-o", out],
            "vocabulary",
        ),
        (
            &["say", "hi", "-o", "/nonexistent-dir/x.wav"],
            "cannot write",
        ),
        (&["say", "hi", "--device", "cuda", "-o", out], "cuda"),
    ];
    for (args, expected) in cases {
        let output = ttsd(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default().to_lowercase();
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert!(
            last.contains(&expected.to_lowercase()),
            "{args:?}: expected '{expected}' in the last line, got: {stderr}"
        );
    }
}

#[test]
fn voices_lists_all_54_with_language_and_gender() {
    let output = ttsd(&["voices"]);
    assert_ok(&output);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.lines().count(), 55, "{text}");
    assert!(text.contains("af_heart") && text.contains("American English"));
    assert!(text.contains("bm_george") && text.contains("male"));
    assert!(text.contains("zf_xiaobei") && text.contains("Mandarin"));
}

#[test]
fn cutting_the_first_clause_off_does_not_hurt_intelligibility() {
    let _serial = serial();
    let dir = tempdir();
    let texts = [
        "Thanks for the detailed question, and I have looked at it carefully: the short \
         answer is that the library can do what you want, but you will need to enable the \
         streaming option first.",
        "When you reach the station, walk past the ticket machines, turn left at the bakery, \
         and you will see the bus stop right in front of you.",
    ];
    let mut pairs = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        for first in ["clause", "sentence"] {
            let path = dir.path().join(format!("{i}-{first}.wav"));
            assert_ok(&say(text, &path, &["--first-chunk", first]));
            pairs.push((*text, path));
        }
    }
    let pairs: Vec<(&str, &Path)> = pairs.iter().map(|(t, p)| (*t, p.as_path())).collect();
    let wer = asr_wer(&pairs);
    for (i, pair) in wer.chunks(2).enumerate() {
        let (chunked, whole) = (pair[0], pair[1]);
        assert!(chunked <= 0.15, "text {i}: chunked WER {chunked}");
        assert!(
            chunked <= whole + 0.05,
            "text {i}: chunked WER {chunked} vs whole {whole}"
        );
    }
}

/// Phonemes the model does not know are refused whether the text is the argument or comes
/// on standard input (streamed): one line, the same message, no file.
#[test]
fn say_refuses_unknown_phonemes_from_stdin_as_from_the_argument() {
    let dir = tempdir();
    let text = "Say [this](/ðɪʘ/) now.";
    let out = dir.path().join("x.wav");
    let whole = say(text, &out, &[]);
    let streamed = say_stdin(text, &out, &[]);
    for (how, output) in [("argument", whole), ("stdin", streamed)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{how}: should fail");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(last.contains("does not know: ʘ"), "{how}: {stderr}");
    }
    assert!(!out.exists(), "no file is written");
}
