//! WAV (RIFF, 16-bit PCM, mono, at the engine's rate).
//!
//! The header goes first and each chunk's samples after it, as they are made, whether the
//! response is streamed or not: nothing is held. Streamed, the sizes are not known when the
//! header goes out: both are 0xFFFFFFFF, which players read as "until the end of the
//! stream". A whole file gets its exact sizes from whoever holds it once it is complete
//! ([`seal`]): the one buffer a response is collected in, never a second copy.

use bytes::Bytes;

use super::{Encoder, to_s16le};
use crate::Result;

const UNKNOWN_SIZE: u32 = u32::MAX;
/// The header's length: RIFF, a 16-byte `fmt ` chunk (16-bit PCM), the `data` chunk's head.
pub const HEADER_LEN: usize = 44;

pub struct WavEncoder {
    rate: u32,
}

impl WavEncoder {
    pub fn new(rate: u32) -> Self {
        WavEncoder { rate }
    }
}

/// A 44-byte header whose RIFF and data sizes say "unknown".
fn streaming_header(rate: u32) -> Vec<u8> {
    let block_align: u16 = 2;
    let mut h = Vec::with_capacity(HEADER_LEN);
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

/// Writes a whole file's sizes into its header (`start`, the file's first bytes), now that
/// its length `len` is known. A file too long for RIFF's 32-bit sizes keeps "unknown".
pub fn seal(start: &mut [u8], len: usize) {
    let Some(header) = start.get_mut(..HEADER_LEN) else {
        return;
    };
    let size = |n: usize| u32::try_from(n).unwrap_or(UNKNOWN_SIZE).to_le_bytes();
    header[4..8].copy_from_slice(&size(len.saturating_sub(8)));
    header[40..44].copy_from_slice(&size(len.saturating_sub(HEADER_LEN)));
}

impl Encoder for WavEncoder {
    fn header(&mut self) -> Bytes {
        Bytes::from(streaming_header(self.rate))
    }

    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        Ok(Bytes::from(to_s16le(samples)))
    }

    fn finish(&mut self) -> Result<Bytes> {
        Ok(Bytes::new())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::Error;
    use crate::audio::to_i16;

    #[test]
    fn streaming_header_is_a_valid_wav_start() {
        let h = streaming_header(24_000);
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(&h[4..8], &[0xff; 4]);
        assert_eq!(&h[36..40], b"data");
        assert_eq!(u32::from_le_bytes([h[24], h[25], h[26], h[27]]), 24_000);
    }

    /// A whole file, sealed, is byte for byte what `hound` writes for the same samples (what
    /// a whole WAV response was before it was written as it is made).
    #[test]
    fn a_sealed_file_is_hounds_file() -> Result<()> {
        let samples: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin() * 0.7).collect();
        let mut enc = WavEncoder::new(16_000);
        let mut file = enc.header().to_vec();
        for chunk in samples.chunks(333) {
            file.extend_from_slice(&enc.push(chunk)?);
        }
        file.extend_from_slice(&enc.finish()?);
        let len = file.len();
        seal(&mut file, len);

        let fail = |e: hound::Error| Error::Encode(e.to_string());
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut reference = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut reference, spec).map_err(fail)?;
        for &s in &samples {
            writer.write_sample(to_i16(s)).map_err(fail)?;
        }
        writer.finalize().map_err(fail)?;
        assert_eq!(file, reference.into_inner());
        assert_eq!(len, HEADER_LEN + 2000);
        Ok(())
    }

    #[test]
    fn a_file_too_short_or_too_long_keeps_unknown_sizes() {
        let mut short = vec![0u8; 10];
        seal(&mut short, 10);
        assert_eq!(short, vec![0u8; 10]);
        let mut h = streaming_header(24_000);
        seal(&mut h, 5 << 30);
        assert_eq!(h, streaming_header(24_000));
    }
}
