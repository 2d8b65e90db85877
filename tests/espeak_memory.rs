//! libespeak-ng's memory when a server alternates languages: every voice change
//! (`DoVoiceChange`) used to keep about 1.3 KB, so a server phonemizing en, fr and es in
//! turn grew without bound. Resident memory is measured around thousands of alternating
//! calls through the real FFI, in a process of its own (one test, so nothing else
//! allocates meanwhile). A memory bound, not a timing one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ttsd::text::g2p::espeak::ipa;

/// Resident memory of this process, in KiB (`VmRSS`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

const LANGUAGES: [(&str, &str); 3] = [
    ("en-us", "hello world"),
    ("fr", "bonjour le monde"),
    ("es", "hola mundo"),
];

/// `switches` calls, each in the next language (so each one changes voice).
fn alternate(switches: usize) {
    for i in 0..switches {
        let (voice, text) = LANGUAGES[i % LANGUAGES.len()];
        let phonemes = ipa(text, voice).expect("espeak-ng phonemizes");
        assert!(!phonemes.is_empty(), "{voice}: {text}");
    }
}

/// Growth over 5,000 voice switches stays under 1 MiB (the leak made about 6.5 MB), and
/// what each thousand costs is printed (1k, 5k, 20k; `--nocapture`).
#[test]
fn alternating_languages_does_not_grow_memory() {
    // Warm up: the three voices' data, the allocator's first arenas.
    alternate(300);
    let start = rss_kib();
    let began = std::time::Instant::now();
    let mut done = 0;
    let mut at_5k = 0;
    for checkpoint in [1_000, 5_000, 20_000] {
        alternate(checkpoint - done);
        done = checkpoint;
        let grown = rss_kib().saturating_sub(start);
        if checkpoint == 5_000 {
            at_5k = grown;
        }
        println!(
            "after {checkpoint} switches: +{grown} KiB ({:.1} KiB per 1k), {:.0} µs per call",
            grown as f64 * 1000.0 / checkpoint as f64,
            began.elapsed().as_secs_f64() * 1e6 / checkpoint as f64
        );
    }
    assert!(
        at_5k < 1024,
        "resident memory grew {at_5k} KiB over 5,000 voice switches (bound 1 MiB)"
    );
}
