//! AAC-LC in ADTS frames, through libavcodec's native `aac` encoder (FFmpeg, Debian main):
//! mono, at the engine's rate, 64 kbit/s.
//!
//! The encoder takes frames of exactly 1024 samples (its `frame_size`): each push sends
//! every whole frame it completes and keeps the remainder for the next push; `finish` sends
//! the remainder as the last, shorter frame and drains the encoder. libavcodec gives raw AAC
//! packets; each gets its 7-byte ADTS header here, so every prefix of the stream that ends
//! on a frame is playable. The encoder holds two frames (85 ms, its look-ahead), which at the
//! end of a chunk is mostly the chunk's trailing silence and pause; they leave with the next. ADTS cannot say how much priming the
//! decoder should drop, so a decoded file is 1024 samples (43 ms) longer at the start.

use bytes::Bytes;
use ffmpeg::format::Sample;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::{ChannelLayout, codec, encoder, frame};
use ffmpeg_next as ffmpeg;

use super::Encoder;
use crate::{Error, Result};

const BITRATE: usize = 64_000;
/// ADTS: MPEG-4 AAC-LC (object type 2, written as profile 1).
const PROFILE_LC: u8 = 1;
/// ADTS's sampling frequencies; a stream names its rate by its index in this table.
const ADTS_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];
/// ADTS channel configuration: one channel.
const MONO: u8 = 1;
const ADTS_HEADER: usize = 7;
/// The largest frame ADTS can describe (13-bit length, header included).
const ADTS_MAX_FRAME: usize = (1 << 13) - 1;

fn fail(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("aac: {e}"))
}

pub struct AacEncoder {
    encoder: encoder::Audio,
    rate: u32,
    /// The rate's index in [`ADTS_RATES`].
    freq_index: u8,
    frame_size: usize,
    /// Samples not yet sent to the encoder (fewer than one frame after a push).
    pending: Vec<f32>,
    /// Samples sent so far: the next frame's timestamp.
    pts: i64,
    packet: ffmpeg::Packet,
}

impl AacEncoder {
    pub fn new(rate: u32) -> Result<Self> {
        let freq_index = ADTS_RATES
            .iter()
            .position(|&r| r == rate)
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| fail(format!("ADTS has no sampling frequency {rate} Hz")))?;
        // libav* would log encoder statistics to stderr at every close; errors go to ours.
        static QUIET: std::sync::Once = std::sync::Once::new();
        QUIET.call_once(|| ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error));
        // By name: the native encoder, whatever other AAC encoders the library was built with.
        let aac = encoder::find_by_name("aac")
            .ok_or_else(|| fail("libavcodec has no native 'aac' encoder"))?;
        let mut setup = codec::Context::new_with_codec(aac)
            .encoder()
            .audio()
            .map_err(fail)?;
        setup.set_rate(rate as i32);
        setup.set_channel_layout(ChannelLayout::MONO);
        setup.set_channels(1);
        // The native encoder takes planar float only.
        setup.set_format(Sample::F32(SampleType::Planar));
        setup.set_bit_rate(BITRATE);
        setup.set_time_base((1, rate as i32));
        let encoder = setup.open_as(aac).map_err(fail)?;
        let frame_size = encoder.frame_size() as usize;
        if frame_size == 0 {
            return Err(fail("the encoder reports no frame size"));
        }
        Ok(AacEncoder {
            encoder,
            rate,
            freq_index,
            frame_size,
            pending: Vec::with_capacity(frame_size * 2),
            pts: 0,
            packet: ffmpeg::Packet::empty(),
        })
    }

    /// Sends `samples` (one frame, or the shorter last one) to the encoder.
    fn send(&mut self, samples: &[f32]) -> Result<()> {
        let mut frame = frame::Audio::new(
            Sample::F32(SampleType::Planar),
            samples.len(),
            ChannelLayout::MONO,
        );
        frame.set_channels(1);
        frame.set_rate(self.rate);
        frame.set_pts(Some(self.pts));
        if frame.planes() != 1 || frame.samples() != samples.len() {
            return Err(fail("cannot allocate a frame"));
        }
        // The same range every other format gets (`to_i16` clamps to it too).
        for (out, &s) in frame.plane_mut::<f32>(0).iter_mut().zip(samples) {
            *out = s.clamp(-1.0, 1.0);
        }
        self.encoder.send_frame(&frame).map_err(fail)?;
        self.pts += samples.len() as i64;
        Ok(())
    }

    /// Every packet the encoder has ready, each as an ADTS frame, appended to `out`.
    fn receive(&mut self, out: &mut Vec<u8>) -> Result<()> {
        loop {
            match self.encoder.receive_packet(&mut self.packet) {
                Ok(()) => {
                    let data = self.packet.data().unwrap_or_default();
                    adts_frame(data, self.freq_index, out)?;
                }
                Err(ffmpeg::Error::Other {
                    errno: ffmpeg::error::EAGAIN,
                })
                | Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(e) => return Err(fail(e)),
            }
        }
    }
}

/// Appends one raw AAC packet with its ADTS header (no CRC).
fn adts_frame(packet: &[u8], freq_index: u8, out: &mut Vec<u8>) -> Result<()> {
    let len = packet.len() + ADTS_HEADER;
    if len > ADTS_MAX_FRAME {
        return Err(fail(format!("a {len}-byte frame does not fit ADTS")));
    }
    out.extend_from_slice(&[
        0xff,
        0xf1, // sync, MPEG-4, layer 0, no CRC
        (PROFILE_LC << 6) | (freq_index << 2) | (MONO >> 2),
        ((MONO & 3) << 6) | (len >> 11) as u8,
        (len >> 3) as u8,
        ((len & 7) as u8) << 5 | 0x1f, // buffer fullness 0x7FF: variable bit rate
        0xfc,
    ]);
    out.extend_from_slice(packet);
    Ok(())
}

impl Encoder for AacEncoder {
    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        self.pending.extend_from_slice(samples);
        let mut out = Vec::new();
        let whole = self.pending.len() / self.frame_size * self.frame_size;
        let pending = std::mem::take(&mut self.pending);
        for frame in pending[..whole].chunks(self.frame_size) {
            self.send(frame)?;
            self.receive(&mut out)?;
        }
        self.pending = pending[whole..].to_vec();
        Ok(Bytes::from(out))
    }

    fn finish(&mut self) -> Result<Bytes> {
        let mut out = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.send(&rest)?;
            self.receive(&mut out)?;
        }
        self.encoder.send_eof().map_err(fail)?;
        self.receive(&mut out)?;
        Ok(Bytes::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ADTS frames in `bytes`: (frame length, header fields right).
    fn frames(bytes: &[u8]) -> Vec<usize> {
        let mut lens = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let h = &bytes[at..];
            assert_eq!(h[0], 0xff);
            assert_eq!(h[1], 0xf1);
            assert_eq!(h[2] >> 6, PROFILE_LC);
            assert_eq!(ADTS_RATES[usize::from((h[2] >> 2) & 0xf)], 24_000);
            let len = ((h[3] as usize & 3) << 11) | ((h[4] as usize) << 3) | (h[5] as usize >> 5);
            lens.push(len);
            at += len;
        }
        assert_eq!(at, bytes.len(), "frames end where the bytes end");
        lens
    }

    #[test]
    fn pushes_give_adts_frames_and_finish_drains_the_rest() -> Result<()> {
        let mut enc = AacEncoder::new(24_000)?;
        assert_eq!(enc.frame_size, 1024);
        let tone: Vec<f32> = (0..24_000).map(|i| 0.3 * (i as f32 * 0.06).sin()).collect();
        let first = enc.push(&tone)?;
        // 23 whole frames went in; the encoder keeps a little look-ahead.
        let n = frames(&first).len();
        assert!((18..=23).contains(&n), "{n} frames after the first push");
        assert_eq!(enc.pending.len(), 24_000 - 23 * 1024);
        let tail = enc.finish()?;
        let total = n + frames(&tail).len();
        // 24 frames of input (the last one short), plus the priming frame.
        assert!((24..=26).contains(&total), "{total} frames in all");
        Ok(())
    }
}
