//! Raw PCM: signed 16-bit little-endian, mono, at the engine's rate, no header.

use bytes::Bytes;

use super::{Encoder, to_s16le};
use crate::Result;

pub struct PcmEncoder;

impl Encoder for PcmEncoder {
    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        Ok(Bytes::from(to_s16le(samples)))
    }

    fn finish(&mut self) -> Result<Bytes> {
        Ok(Bytes::new())
    }
}
