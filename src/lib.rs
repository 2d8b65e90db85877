//! ttsd: a streaming text-to-speech server for Kokoro-82M.
//!
//! The modules follow the data, in the order it travels:
//!
//! ```text
//! text (whole, or in pieces) ─► segment ─► normalize ─► sentences ─► G2P ─► chunks of ids ─┐
//!                                                                                          ▼
//! HTTP / Wyoming / CLI ◄─ encoder (mp3, opus, aac, flac, wav, pcm) ◄─ shape ◄─ engine ◄─ scheduler
//! ```
//!
//! - [`language`]: the one table of languages (names, tags, G2P route, normalizer rules).
//! - [`text`]: segmenting, normalization, sentence and chunk splitting, grapheme-to-phoneme,
//!   token ids.
//! - [`voice`]: style packs, blends and OpenAI voice aliases.
//! - [`engine`]: the model seam (a trait and its spec), Kokoro, a test engine, and the
//!   inference scheduler that owns the engines.
//! - [`audio`]: per-response encoders and the shaping of each chunk's samples.
//! - [`captions`]: word times from the model's durations, on the words as written.
//! - [`lexicon`]: pronunciation lexicons (W3C PLS) the server keeps, and their matching
//!   into markup items.
//! - [`request`]: a request's parameters, validated once for every front end.
//! - [`synth`]: one utterance's pipeline, from text in pieces to a stream of encoded audio.
//! - [`service`]: what the front ends share (readiness, admission, voices, metrics).
//! - [`metrics`]: counters and histograms, rendered for Prometheus.
//! - [`http`], [`wyoming`]: the network front ends, peers that know nothing of each other;
//!   [`net`]: what they share that is not a protocol.
//! - [`server`]: the composition root; [`config`]: flags and environment variables.

pub mod audio;
pub mod captions;
pub mod config;
pub mod engine;
pub mod error;
pub mod http;
pub mod language;
pub mod lexicon;
pub mod metrics;
pub mod net;
pub mod request;
pub mod server;
pub mod service;
pub mod synth;
pub mod text;
pub mod voice;
pub mod wyoming;

pub use error::{Error, Result};
