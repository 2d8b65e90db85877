//! Criterion benches per stage: split, normalization (linear in its input), G2P, inference
//! (1 and 2 threads), encoding, a 10,000-entry pronunciation lexicon's matching; and the
//! pipeline's overhead over raw inference of the same chunks.
//!
//! `cargo bench --bench pipeline` (or `make bench`). Inference and encoding report their
//! throughput in samples of audio per second; divide 24,000 by it for the real-time factor
//! (the cost per second of audio). Encoding also prints each format's bytes per second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ttsd::audio::Format;
use ttsd::engine::{EngineFactory, Job, KokoroConfig, KokoroFactory, Part};
use ttsd::language::Language;
use ttsd::lexicon::{Lexicon, Lexicons};
use ttsd::metrics::Metrics;
use ttsd::request::{Input, SpeechParams};
use ttsd::synth::{CoreConfig, Synthesizer};
use ttsd::text::plan::all_chunks;
use ttsd::text::{Phonemizer, TextFrontend};

const SHORT: &str = "Sure, I can help with that.";
const MEDIUM: &str = "The old lighthouse keeper climbed the narrow stairs every evening, \
    carrying a lamp and a small notebook in which he wrote down the ships he saw.";
const PARAGRAPH: &str = "Good morning. The train to the city leaves from platform four at \
    half past eight, and it usually arrives on time. Please remember to bring your ticket and \
    a warm coat, because the evening will be cold. If you miss it, the next one leaves an hour \
    later; it stops at every station on the way.";
/// The paragraph's first two sentences (the overhead's smoke test under `cargo test`).
const PARAGRAPH_START: &str = "Good morning. The train to the city leaves from platform four \
    at half past eight, and it usually arrives on time.";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn factory(threads: usize) -> Arc<KokoroFactory> {
    Arc::new(
        KokoroFactory::new(KokoroConfig {
            model: root().join("assets/kokoro-v1.0.int8.onnx"),
            threads,
            spinning: true,
            ..KokoroConfig::under(&root())
        })
        .expect("vocab and voices"),
    )
}

fn split(c: &mut Criterion) {
    let frontend = TextFrontend::new(Arc::clone(&factory(1).spec().vocab));
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(PARAGRAPH.len() as u64));
    g.bench_function("sentences/paragraph", |b| {
        b.iter(|| frontend.sentences(PARAGRAPH, Language::EnUs, &Default::default()))
    });
    g.finish();
}

/// Written forms of every kind the English rules read (dates, money, units, addresses,
/// phones, URLs, serials, symbols), repeated to `len` bytes.
fn written_forms(len: usize) -> String {
    const FORMS: &str = "On Jan. 15 2020 at 4:00 am - 8:12 pm EST, 221B Baker St. paid \
        $1,925.21 (₩460 billion) for 12kg/kg, 2-5lb and 41,459.00 km³; call +1 (123)-123-5678 \
        or a-1.b3@gma4i-l.com, see https://www.nvidia.com/dgx-basepod.sm/3, Chapter IV, \
        Henry VIII, the 1,000th t-0t25d12-f, .1665, 3 5/2, 1960s-80s, 2Q22 & 401(k) #tag $ ";
    let mut text = FORMS.repeat(len / FORMS.len() + 1);
    let cut = (0..=len)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text.truncate(cut);
    text
}

/// Normalization alone, at two lengths: linear in the input when the 4,096-byte time is
/// about four times the 1,024-byte one.
fn normalize(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalize");
    for len in [1024, 4096] {
        let text = written_forms(len);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("written-forms", len), &text, |b, text| {
            b.iter(|| ttsd::text::normalize::for_speech(text, Language::EnUs, &Default::default()))
        });
    }
    g.finish();
}

fn g2p(c: &mut Criterion) {
    let phonemizer = Phonemizer::default();
    let mut g = c.benchmark_group("g2p");
    for (name, text) in [("short", SHORT), ("medium", MEDIUM)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| phonemizer.phonemize(text, Language::EnUs).expect("g2p"))
        });
    }
    g.finish();
}

/// A lexicon of 10,000 entries (the most one may hold) as a company's might be: product
/// names, and phrases that begin with everyday words (so that at most word starts of an
/// ordinary text the matcher walks on past the word before it fails), a few of them in the
/// paragraph. Matching it against a request's text (a paragraph, and the 4,096 characters an
/// input may have), beside normalizing and splitting the same text (the cheapest stage it
/// runs beside; G2P costs far more), in one run.
fn lexicon(c: &mut Criterion) {
    let vocab = Arc::clone(&factory(1).spec().vocab);
    let everyday: Vec<&str> = PARAGRAPH
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    let entries: Vec<serde_json::Value> = (0..9_998)
        .map(|i| {
            let grapheme = match i % 4 {
                0 => format!("Zentrix{i}"),
                1 => format!("Q{i}-Pro Max"),
                // "the Zq17", "train Zq21": a walk goes through the word and its space.
                _ => format!("{} Zq{i}", everyday[i % everyday.len()]),
            };
            if i % 2 == 0 {
                serde_json::json!({"grapheme": grapheme, "phoneme": "zˈɛntɹɪks"})
            } else {
                serde_json::json!({"grapheme": grapheme, "alias": "zen tricks"})
            }
        })
        .chain([
            serde_json::json!({"grapheme": "platform four", "alias": "platform number four"}),
            serde_json::json!({"grapheme": "half past eight", "phoneme": "hˈæf pˈæst ˈAt"}),
        ])
        .collect();
    let json = serde_json::to_vec(&entries).expect("json");
    let started = Instant::now();
    let lexicon = Lexicon::from_json(&json, "en-US", &vocab).expect("a lexicon");
    let built = started.elapsed();
    let started = Instant::now();
    let again = Lexicon::from_pls(lexicon.document().to_owned(), &vocab).expect("its PLS");
    let read = started.elapsed();
    eprintln!(
        "lexicon: {} entries; read from JSON {:.1} ms, from its PLS ({} bytes) {:.1} ms; \
         automaton {} KiB",
        again.len(),
        built.as_secs_f64() * 1e3,
        again.document().len(),
        read.as_secs_f64() * 1e3,
        again.automaton_bytes() >> 10
    );
    let lexicons = Lexicons::new(vec![Arc::new(lexicon)]);
    let frontend = TextFrontend::new(Arc::clone(&vocab));
    let long: String = PARAGRAPH.repeat(4096 / PARAGRAPH.len() + 1);
    let long = &long[..4096];
    let mut g = c.benchmark_group("lexicon");
    for (name, text) in [("paragraph", PARAGRAPH), ("4096", long)] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("match", name), text, |b, text| {
            b.iter(|| {
                let mut items = Vec::new();
                lexicons.apply(text, Language::EnUs, &mut items);
                items
            })
        });
        g.bench_with_input(BenchmarkId::new("sentences", name), text, |b, text| {
            b.iter(|| frontend.sentences(text, Language::EnUs, &Default::default()))
        });
    }
    g.finish();
}

fn inference(c: &mut Criterion) {
    let bench = std::env::args().any(|a| a == "--bench");
    let mut g = c.benchmark_group("inference");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for threads in [1, 2] {
        let factory = factory(threads);
        let frontend = TextFrontend::new(Arc::clone(&factory.spec().vocab));
        let voice = factory.catalogue().resolve("af_heart").expect("af_heart");
        let mut model = factory.create().expect("model");
        for (name, text) in [("short", SHORT), ("medium", MEDIUM)] {
            // The whole sentence as one model call (no first-clause cut).
            let phonemes = frontend.phonemes(text, Language::EnUs).expect("g2p");
            let ids = frontend.chunk(&phonemes).ids;
            // The throughput (samples of audio) needs one call first; `cargo test` runs each
            // bench once as a smoke test, where no throughput is reported: not there.
            if bench {
                let samples = model
                    .infer(&ids, &voice.data, 1.0)
                    .expect("infer")
                    .samples
                    .len();
                g.throughput(Throughput::Elements(samples as u64));
            }
            g.bench_function(BenchmarkId::new(format!("{threads}-threads"), name), |b| {
                b.iter(|| model.infer(&ids, &voice.data, 1.0).expect("infer"))
            });
        }
    }
    g.finish();
}

fn encode(c: &mut Criterion) {
    // Real speech (the medium sentence, about 8 s), so variable-rate codecs (opus, flac) show
    // the sizes and costs they have on what ttsd sends.
    let factory = factory(2);
    let spec = factory.spec().clone();
    let frontend = TextFrontend::new(Arc::clone(&spec.vocab));
    let voice = factory.catalogue().resolve("af_heart").expect("af_heart");
    let mut model = factory.create().expect("model");
    let phonemes = frontend.phonemes(MEDIUM, Language::EnUs).expect("g2p");
    let ids = frontend.chunk(&phonemes).ids;
    let audio = Arc::new(model.infer(&ids, &voice.data, 1.0).expect("infer").samples);
    let seconds = spec.seconds(audio.len());

    let encode_all = |format: Format, audio: &[f32]| {
        let mut enc = format.encoder(spec.sample_rate, true).expect("encoder");
        let mut n = enc.header().len();
        n += enc.push(audio).expect("push").len();
        n += enc.finish().expect("finish").len();
        n
    };
    for &format in Format::ALL {
        let bytes = encode_all(format, &audio);
        eprintln!(
            "encode/{}: {bytes} bytes for {seconds:.2} s of speech = {:.0} bytes per second",
            format.name(),
            bytes as f64 / seconds
        );
    }
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(audio.len() as u64));
    for &format in Format::ALL {
        g.bench_function(format.name(), |b| b.iter(|| encode_all(format, &audio)));
    }
    g.finish();
}

/// What the pipeline costs beyond inference: a whole paragraph through
/// [`Synthesizer::render`] (normalize, split, G2P, the scheduler, inference, shaping, mp3),
/// against the same chunks' model calls alone, on the same session (handed to its worker
/// directly), alternately, so both see the same machine. Prints the medians and their ratio.
fn overhead(_c: &mut Criterion) {
    // `cargo test --all-targets` runs benches without `--bench`: one pair as a smoke test, on
    // the paragraph's first two sentences (several chunks still, a third of the speech: the
    // smoke test checks that both paths run, not what they cost).
    let bench = std::env::args().any(|a| a == "--bench");
    let pairs = if bench { 5 } else { 1 };
    let text = if bench { PARAGRAPH } else { PARAGRAPH_START };
    // Honour a criterion name filter (`cargo bench --bench pipeline -- encode`).
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !"overhead/paragraph".contains(&f)) {
        return;
    }
    let factory = factory(2);
    let spec = factory.spec().clone();
    let voice = factory.catalogue().resolve("af_heart").expect("af_heart");
    let config = CoreConfig {
        workers: 1,
        queue_capacity: 4,
        cache_bytes: 0,
        ..CoreConfig::default()
    };
    let settings = config.settings;
    let synth = Arc::new(
        Synthesizer::build(factory, &config, Arc::new(Metrics::new())).expect("synthesizer"),
    );
    let scheduler = synth.scheduler().clone();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut params = SpeechParams::new(text, "af_heart");
    params.stream = Some(false);
    let request = synth.validate(params, Input::Required).expect("request");
    // A whole file (not streamed) is cut exactly as `all_chunks` cuts it.
    let chunks = all_chunks(
        synth.frontend(),
        text,
        Language::EnUs,
        Default::default(),
        settings.first_clause,
        ttsd::text::plan::CallLimit::new(&spec, 1.0),
    )
    .expect("chunks");
    let raw = || {
        let started = Instant::now();
        for chunk in &chunks {
            let job = Job {
                ids: chunk.ids.clone(),
                voice: voice.clone(),
                speed: 1.0,
                deadline: Instant::now(),
                part: Part::Whole,
            };
            scheduler.infer_blocking(job).expect("infer");
        }
        started.elapsed()
    };
    let pipeline = || {
        let started = Instant::now();
        rt.block_on(synth.render(request.clone())).expect("render");
        started.elapsed()
    };
    if pairs > 1 {
        // One of each first, untimed.
        raw();
        pipeline();
    }
    let (mut raws, mut pipes) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        raws.push(raw().as_secs_f64());
        pipes.push(pipeline().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (r, p) = (median(&mut raws), median(&mut pipes));
    eprintln!(
        "overhead/paragraph: {} chunks; raw inference {r:.3} s, pipeline (text to mp3) {p:.3} s \
         (medians of {pairs}); pipeline / raw = {:.4} ({:+.2}%)",
        chunks.len(),
        p / r,
        (p / r - 1.0) * 100.0
    );
}

criterion_group!(
    benches, split, normalize, g2p, lexicon, inference, encode, overhead
);
criterion_main!(benches);
