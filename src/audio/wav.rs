//! WAV (RIFF, 16-bit PCM, mono, at the engine's rate).
//!
//! Streamed, the sizes are not known when the header goes out: both are 0xFFFFFFFF, which
//! players read as "until the end of the stream". Not streamed, the whole file is written
//! at the end by `hound`, with exact sizes.

use std::io::Cursor;

use bytes::Bytes;

use super::{Encoder, to_i16, to_s16le};
use crate::{Error, Result};

const UNKNOWN_SIZE: u32 = u32::MAX;

pub struct WavEncoder {
    rate: u32,
    streaming: bool,
    /// Not streaming: every sample, until `finish`.
    held: Vec<f32>,
}

impl WavEncoder {
    pub fn new(rate: u32, streaming: bool) -> Self {
        WavEncoder {
            rate,
            streaming,
            held: Vec::new(),
        }
    }
}

fn spec(rate: u32) -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// A 44-byte header whose RIFF and data sizes say "unknown".
fn streaming_header(rate: u32) -> Vec<u8> {
    let block_align: u16 = 2;
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&UNKNOWN_SIZE.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&UNKNOWN_SIZE.to_le_bytes());
    h
}

impl Encoder for WavEncoder {
    fn header(&mut self) -> Bytes {
        if self.streaming {
            Bytes::from(streaming_header(self.rate))
        } else {
            Bytes::new()
        }
    }

    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        if self.streaming {
            Ok(Bytes::from(to_s16le(samples)))
        } else {
            self.held.extend_from_slice(samples);
            Ok(Bytes::new())
        }
    }

    fn finish(&mut self) -> Result<Bytes> {
        if self.streaming {
            return Ok(Bytes::new());
        }
        let fail = |e: hound::Error| Error::Encode(format!("wav: {e}"));
        let mut out = Cursor::new(Vec::with_capacity(44 + self.held.len() * 2));
        {
            let mut writer = hound::WavWriter::new(&mut out, spec(self.rate)).map_err(fail)?;
            let mut ints = writer.get_i16_writer(self.held.len() as u32);
            for &s in &self.held {
                ints.write_sample(to_i16(s));
            }
            ints.flush().map_err(fail)?;
            writer.finalize().map_err(fail)?;
        }
        self.held = Vec::new();
        Ok(Bytes::from(out.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_header_is_a_valid_wav_start() {
        let h = streaming_header(24_000);
        assert_eq!(h.len(), 44);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(&h[4..8], &[0xff; 4]);
        assert_eq!(&h[36..40], b"data");
        assert_eq!(u32::from_le_bytes([h[24], h[25], h[26], h[27]]), 24_000);
    }

    #[test]
    fn whole_file_has_exact_sizes() -> Result<()> {
        let mut enc = WavEncoder::new(16_000, false);
        assert!(enc.header().is_empty());
        assert!(enc.push(&[0.5; 100])?.is_empty());
        let file = enc.finish()?;
        assert_eq!(file.len(), 44 + 200);
        let reader = hound::WavReader::new(Cursor::new(file.to_vec()))
            .map_err(|e| Error::Encode(e.to_string()))?;
        assert_eq!(reader.len(), 100);
        assert_eq!(reader.spec().sample_rate, 16_000);
        Ok(())
    }
}
