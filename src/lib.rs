//! ttsd: a streaming text-to-speech server for Kokoro-82M.
//!
//! The modules follow the data, in the order it travels:
//!
//! ```text
//! text ─► normalize ─► split into chunks ─► phonemes ─► token ids ─┐
//!                                                                  ▼
//! HTTP ◄─ encoder (mp3/wav/pcm) ◄─ PCM ◄─ Kokoro (ort) ◄─ scheduler (bounded queue)
//! ```
//!
//! - [`text`]: normalization, sentence and clause splitting, grapheme-to-phoneme, token ids.
//! - [`voice`]: style packs, blends and OpenAI voice aliases.
//! - [`engine`]: the Kokoro ONNX session and the inference scheduler that owns it.
//! - [`audio`]: per-response encoders (mp3, wav, pcm) and the one f32 → i16 conversion.
//! - [`synth`]: one request's pipeline, from text to a stream of encoded audio.
//! - [`metrics`]: counters and histograms, rendered for Prometheus.
//! - [`http`]: the OpenAI-compatible API (the only module that knows axum).
//! - [`wyoming`]: Home Assistant's Wyoming protocol over TCP, on the same synthesizer.
//! - [`config`]: command-line flags and environment variables.

pub mod audio;
pub mod config;
pub mod engine;
pub mod error;
pub mod http;
pub mod metrics;
pub mod synth;
pub mod text;
pub mod voice;
pub mod wyoming;

pub use error::{Error, Result};
