//! The Wyoming protocol (Home Assistant's voice pipelines) over TCP, on `--wyoming-port`.
//!
//! Shaped like mini-redis: [`codec`] is the framing (a `tokio_util` codec: bytes ↔
//! [`Frame`]), [`event`] reads each frame once into a typed [`ClientEvent`] and makes each
//! [`ServerEvent`] a frame, [`server`] accepts connections (limits, timeouts, shutdown),
//! [`handler`] serves one client's events. Speech goes through the shared
//! [`crate::service::Service`], as HTTP's does; this module knows nothing of HTTP.
//!
//! `describe` → `info` (one tts program with the voices that speak); `synthesize` →
//! `audio-start`, `audio-chunk`s (16-bit mono PCM at the engine's rate, at most a second
//! each) as each chunk is ready, `audio-stop`; and the streaming variant:
//! `synthesize-start`, `synthesize-chunk`s (spoken as each sentence completes),
//! `synthesize-stop` → the rest of the audio, then `synthesize-stopped`.

pub mod codec;
pub mod event;
pub mod handler;
pub mod server;

pub use codec::{Frame, FrameCodec, FrameError, VERSION};
pub use event::{ClientEvent, ServerEvent};
pub use server::{ConnectionLimits, serve};
