//! FLAC (lossless, 16-bit, mono, at the engine's rate) through `flacenc`, a pure-Rust encoder.
//!
//! The stream is `fLaC`, one STREAMINFO block, then frames of a fixed block size. Each push
//! encodes every block it completes and keeps the remainder (under [`BLOCK_SIZE`] samples,
//! which lies in the chunk's trailing silence) for the next push; `finish` encodes it as the
//! last, shorter frame. Streamed, STREAMINFO's total sample count, frame sizes and MD5 are 0
//! ("unknown"), as a stream's must be; not streamed, the header is written at the end with
//! all of them exact (`flac -t` then checks the MD5).

use bytes::Bytes;
use flacenc::bitsink::MemSink;
use flacenc::component::{BitRepr, Stream};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use super::{Encoder, to_i16};
use crate::{Error, Result};

/// Samples per frame: 48 ms, so at most that much waits for the next chunk.
const BLOCK_SIZE: usize = 1152;
const BITS_PER_SAMPLE: usize = 16;

fn fail(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("flac: {e}"))
}

pub struct FlacEncoder {
    streaming: bool,
    config: Verified<config::Encoder>,
    /// Holds the STREAMINFO; frames are written one by one, never added to it.
    stream: Stream,
    /// Streamed: `fLaC` and STREAMINFO, sent first. Written when the encoder is made, so a
    /// failure there is an error before any response.
    header: Vec<u8>,
    block: FrameBuf,
    /// Samples not yet in a frame (fewer than one block after a push).
    pending: Vec<i32>,
    frames: usize,
    samples: usize,
    /// Not streaming: the encoded frames, until `finish` writes the header before them.
    held: Vec<u8>,
    /// Not streaming: the MD5 of the samples, and the smallest and largest frame.
    md5: Context,
    frame_sizes: Option<(usize, usize)>,
}

impl FlacEncoder {
    pub fn new(rate: u32, streaming: bool) -> Result<Self> {
        let mut config = config::Encoder::default();
        config.block_size = BLOCK_SIZE;
        let config = config.into_verified().map_err(|(_, e)| fail(e))?;
        let mut stream = Stream::new(rate as usize, 1, BITS_PER_SAMPLE).map_err(fail)?;
        stream
            .stream_info_mut()
            .set_block_sizes(BLOCK_SIZE, BLOCK_SIZE)
            .map_err(fail)?;
        stream
            .stream_info_mut()
            .set_frame_sizes(0, 0)
            .map_err(fail)?;
        let header = if streaming {
            stream_header(&stream)?
        } else {
            Vec::new()
        };
        Ok(FlacEncoder {
            streaming,
            config,
            stream,
            header,
            block: FrameBuf::with_size(1, BLOCK_SIZE).map_err(fail)?,
            pending: Vec::with_capacity(BLOCK_SIZE * 2),
            frames: 0,
            samples: 0,
            held: Vec::new(),
            md5: Context::new(BITS_PER_SAMPLE, 1),
            frame_sizes: None,
        })
    }

    /// Encodes `samples` (one block, or the shorter last one) as the next frame into `out`.
    fn encode_frame(&mut self, samples: &[i32], out: &mut Vec<u8>) -> Result<()> {
        self.block.fill_interleaved(samples).map_err(fail)?;
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.block,
            self.frames,
            self.stream.stream_info(),
        )
        .map_err(fail)?;
        let mut sink = MemSink::<u8>::with_capacity(samples.len() * BITS_PER_SAMPLE);
        frame.write(&mut sink).map_err(fail)?;
        out.extend_from_slice(sink.as_slice());
        if !self.streaming {
            self.md5.fill_interleaved(samples).map_err(fail)?;
            let size = sink.as_slice().len();
            self.frame_sizes = Some(match self.frame_sizes {
                Some((lo, hi)) => (lo.min(size), hi.max(size)),
                None => (size, size),
            });
        }
        self.frames += 1;
        self.samples += samples.len();
        Ok(())
    }

    /// Encodes every whole block of `pending`, and with `all` the remainder too.
    fn drain(&mut self, all: bool) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let pending = std::mem::take(&mut self.pending);
        let mut rest: &[i32] = &[];
        for block in pending.chunks(BLOCK_SIZE) {
            if block.len() == BLOCK_SIZE || all {
                self.encode_frame(block, &mut out)?;
            } else {
                rest = block;
            }
        }
        self.pending = rest.to_vec();
        Ok(out)
    }
}

/// `fLaC` and STREAMINFO (the stream holds no frames).
fn stream_header(stream: &Stream) -> Result<Vec<u8>> {
    let mut sink = MemSink::<u8>::new();
    stream.write(&mut sink).map_err(fail)?;
    Ok(sink.into_inner())
}

impl Encoder for FlacEncoder {
    fn header(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.header))
    }

    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        self.pending
            .extend(samples.iter().map(|&s| i32::from(to_i16(s))));
        let frames = self.drain(false)?;
        if self.streaming {
            Ok(Bytes::from(frames))
        } else {
            self.held.extend_from_slice(&frames);
            Ok(Bytes::new())
        }
    }

    fn finish(&mut self) -> Result<Bytes> {
        let frames = self.drain(true)?;
        if self.streaming {
            return Ok(Bytes::from(frames));
        }
        let info = self.stream.stream_info_mut();
        info.set_total_samples(self.samples);
        info.set_md5_digest(&self.md5.md5_digest());
        if let Some((lo, hi)) = self.frame_sizes {
            info.set_frame_sizes(lo, hi).map_err(fail)?;
        }
        let mut file = stream_header(&self.stream)?;
        file.append(&mut self.held);
        file.extend_from_slice(&frames);
        Ok(Bytes::from(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(len: usize) -> Vec<f32> {
        (0..len).map(|i| 0.4 * (i as f32 * 0.07).sin()).collect()
    }

    #[test]
    fn streamed_frames_follow_the_header_and_keep_only_a_partial_block() -> Result<()> {
        let mut enc = FlacEncoder::new(24_000, true)?;
        let header = enc.header();
        assert_eq!(&header[..4], b"fLaC");
        // STREAMINFO: last-block flag and type 0, length 34.
        assert_eq!(&header[4..8], &[0x80, 0, 0, 34]);
        // Streamed, frame sizes, total samples and MD5 are 0: unknown.
        assert_eq!(&header[12..18], &[0; 6]);
        assert!(header[22..42].iter().all(|&b| b == 0) && header[21] & 0x0f == 0);
        let first = enc.push(&tone(BLOCK_SIZE * 2 + 100))?;
        // A frame starts with the sync code 0xFFF8 (fixed block size).
        assert_eq!(&first[..2], &[0xff, 0xf8]);
        assert_eq!(enc.frames, 2);
        assert_eq!(enc.pending.len(), 100);
        let tail = enc.finish()?;
        assert_eq!(&tail[..2], &[0xff, 0xf8]);
        assert_eq!(enc.samples, BLOCK_SIZE * 2 + 100);
        Ok(())
    }

    #[test]
    fn whole_file_knows_its_length() -> Result<()> {
        let mut enc = FlacEncoder::new(24_000, false)?;
        assert!(enc.header().is_empty());
        assert!(enc.push(&tone(5000))?.is_empty());
        let file = enc.finish()?;
        assert_eq!(&file[..4], b"fLaC");
        // Total samples: the low 36 bits of bytes 18..26 of the file.
        let bits = u64::from_be_bytes([
            file[18], file[19], file[20], file[21], file[22], file[23], file[24], file[25],
        ]);
        assert_eq!(bits & 0xf_ffff_ffff, 5000);
        // The MD5 of the samples follows, then the frames.
        assert!(file[26..42].iter().any(|&b| b != 0), "MD5 is set");
        assert_eq!(&file[42..44], &[0xff, 0xf8]);
        Ok(())
    }
}
