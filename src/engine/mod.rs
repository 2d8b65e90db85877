//! Inference: the Kokoro session ([`kokoro`]) and the queue of workers that own the
//! sessions ([`scheduler`]). Nothing outside this module sees an `ort` type.

pub mod kokoro;
pub mod scheduler;

pub use kokoro::{Device, EngineConfig, Kokoro, MAX_PHONEME_IDS, SAMPLE_RATE};
pub use scheduler::{Inferred, Job, Scheduler, SchedulerConfig};
