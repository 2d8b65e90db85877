//! Any samples (NaN, infinities, out of range, any chunking) through every encoder, streamed
//! and not: no panic, and an encoder error is a clean `Err`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttsd::audio::Format;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let format = Format::ALL[usize::from(control) % Format::ALL.len()];
    let streaming = control & 0x80 != 0;
    let samples: Vec<f32> = rest
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // Kokoro's rate, and the test engine's.
    let rate = if control & 0x40 != 0 { 16_000 } else { 24_000 };
    let Ok(mut encoder) = format.encoder(rate, streaming) else {
        return;
    };
    let _ = encoder.header();
    // Chunk boundaries from the data too: a chunk of 0..=4095 samples at a time.
    let step = 1 + usize::from(control) * 16;
    for chunk in samples.chunks(step) {
        if encoder.push(chunk).is_err() {
            return;
        }
    }
    let _ = encoder.finish();
});
