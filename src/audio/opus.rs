//! Ogg Opus (RFC 7845) through libopus: mono, the engine's rate in (8, 12, 16, 24 or
//! 48 kHz, the rates libopus takes), 20 ms frames, 32 kbit/s VBR. An engine at another
//! rate (Piper's 22,050 Hz) is resampled to 24 kHz first (rubato's windowed-sinc resampler,
//! its delay trimmed, so the stream has the input's exact length). Not rubato's FFT resampler:
//! as good here, but its generic FFT planner was a quarter of this crate's LLVM code, compiled
//! again in every build of the crate (the server, the unit tests, the fuzz targets).
//!
//! The first two pages are OpusHead and OpusTags. Every push encodes the whole 20 ms frames
//! it completes, keeps the remainder for the next push, and ends an Ogg page, so a player
//! can start on the first chunk. Granule positions count 48 kHz samples (whatever the input
//! rate) and include the pre-skip (the encoder's look-ahead). `finish` pads the last frame
//! with silence, far enough that the look-ahead is flushed too, and gives the last page
//! (flagged end of stream) the exact end: pre-skip plus the input's length, which trims the
//! padding.

use bytes::Bytes;
use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Async, FixedAsync, Indexing, Resampler, SincInterpolationParameters};

use super::{Encoder, to_i16};
use crate::{Error, Result};

/// Frames per second: 20 ms frames.
const FRAMES_PER_SECOND: usize = 50;
/// Granule positions are always in 48 kHz samples.
const GRANULE_RATE: u32 = 48_000;
const BITRATE: i32 = 32_000;
/// Far above what one 20 ms packet at this bitrate needs (libopus caps packets at 1275).
const MAX_PACKET: usize = 1500;

fn fail(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("opus: {e}"))
}

/// The rates libopus takes.
const OPUS_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];
/// What another rate is resampled to.
const RESAMPLED_RATE: u32 = 24_000;

pub struct OpusEncoder {
    /// For an input rate libopus does not take.
    resampler: Option<Resample>,
    opus: opus::Encoder,
    /// Samples per frame (20 ms at the input rate).
    frame: usize,
    /// 48 kHz granules per input sample.
    granule_per_sample: u64,
    ogg: PacketWriter<'static, Vec<u8>>,
    serial: u32,
    /// Encoder delay in input samples (the pre-skip is this in 48 kHz samples).
    lookahead: usize,
    /// OpusHead and OpusTags pages, sent first.
    header: Vec<u8>,
    /// Samples not yet in a frame (fewer than one frame after a push).
    pending: Vec<i16>,
    /// Input samples pushed so far.
    samples: u64,
    /// Frames encoded so far.
    frames: u64,
    packet: Vec<u8>,
}

/// OpusHead: version 1, mono, pre-skip, the input's rate, no gain, mapping family 0.
fn opus_head(pre_skip: u16, rate: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(19);
    h.extend_from_slice(b"OpusHead");
    h.push(1);
    h.push(1);
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes());
    h.push(0);
    h
}

/// OpusTags: the vendor string and no comments.
fn opus_tags() -> Vec<u8> {
    let vendor = format!("ttsd {} ({})", env!("CARGO_PKG_VERSION"), opus::version());
    let mut t = Vec::with_capacity(16 + vendor.len());
    t.extend_from_slice(b"OpusTags");
    t.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    t.extend_from_slice(vendor.as_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t
}

/// A stream serial number that differs between responses (chained files must not repeat one).
fn serial() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ d.as_secs() as u32)
        .unwrap_or(0x7474_7364)
}

impl OpusEncoder {
    pub fn new(input_rate: u32) -> Result<Self> {
        let (rate, resampler) = if OPUS_RATES.contains(&input_rate) {
            (input_rate, None)
        } else {
            (
                RESAMPLED_RATE,
                Some(Resample::new(input_rate, RESAMPLED_RATE)?),
            )
        };
        let granule_per_sample = u64::from(GRANULE_RATE / rate);
        let frame = rate as usize / FRAMES_PER_SECOND;
        let mut opus = opus::Encoder::new(rate, opus::Channels::Mono, opus::Application::Audio)
            .map_err(fail)?;
        opus.set_bitrate(opus::Bitrate::Bits(BITRATE))
            .map_err(fail)?;
        let lookahead = usize::try_from(opus.get_lookahead().map_err(fail)?).map_err(fail)?;
        let pre_skip = u16::try_from(lookahead as u64 * granule_per_sample).map_err(fail)?;
        let serial = serial();
        let mut ogg = PacketWriter::new(Vec::new());
        // Each header packet ends its own page, granule position 0.
        ogg.write_packet(
            opus_head(pre_skip, rate),
            serial,
            PacketWriteEndInfo::EndPage,
            0,
        )
        .map_err(fail)?;
        ogg.write_packet(opus_tags(), serial, PacketWriteEndInfo::EndPage, 0)
            .map_err(fail)?;
        let header = std::mem::take(ogg.inner_mut());
        Ok(OpusEncoder {
            resampler,
            opus,
            frame,
            granule_per_sample,
            ogg,
            serial,
            lookahead,
            header,
            pending: Vec::with_capacity(frame * 2),
            samples: 0,
            frames: 0,
            packet: vec![0; MAX_PACKET],
        })
    }

    /// Encodes `pending`'s whole frames, the last one ending a page with `last_info` and
    /// `last_granule` (or, when `None`, the granule position of the frames so far).
    fn encode_frames(
        &mut self,
        last_info: PacketWriteEndInfo,
        last_granule: Option<u64>,
    ) -> Result<Bytes> {
        let whole = self.pending.len() / self.frame;
        for i in 0..whole {
            let frame = &self.pending[i * self.frame..(i + 1) * self.frame];
            let len = self.opus.encode(frame, &mut self.packet).map_err(fail)?;
            self.frames += 1;
            let decoded = self.frames * self.frame as u64 * self.granule_per_sample;
            let (info, granule) = if i + 1 == whole {
                (last_info, last_granule.unwrap_or(decoded))
            } else {
                (PacketWriteEndInfo::NormalPacket, decoded)
            };
            self.ogg
                .write_packet(self.packet[..len].to_vec(), self.serial, info, granule)
                .map_err(fail)?;
        }
        self.pending.drain(..whole * self.frame);
        Ok(Bytes::from(std::mem::take(self.ogg.inner_mut())))
    }
}

impl OpusEncoder {
    fn add(&mut self, samples: &[f32]) {
        self.pending.extend(samples.iter().map(|&s| to_i16(s)));
        self.samples += samples.len() as u64;
    }
}

/// A stream resampled in fixed blocks: the resampler's delay dropped from the start, and
/// its end flushed so the output has the input's duration at the new rate.
struct Resample {
    sinc: Async<f32>,
    from: u32,
    to: u32,
    /// Input not yet in a block.
    pending: Vec<f32>,
    /// Output samples still to drop (the resampler's delay).
    delay: usize,
    /// Input samples pushed, and output samples given.
    taken: u64,
    given: u64,
    block: Vec<f32>,
}

impl Resample {
    fn new(from: u32, to: u32) -> Result<Self> {
        // 20 ms blocks: a push gives out nearly all it took.
        let chunk = from as usize / FRAMES_PER_SECOND;
        // 256 taps, Blackman-Harris window, the cutoff rubato derives from them, cubic
        // interpolation between 128 points per tap: rubato's default, its recommended quality.
        let ratio = f64::from(to) / f64::from(from);
        let sinc = Async::<f32>::new_sinc(
            ratio,
            1.0,
            &SincInterpolationParameters::default(),
            chunk,
            1,
            FixedAsync::Input,
        )
        .map_err(fail)?;
        let delay = sinc.output_delay();
        let block = vec![0.0; sinc.output_frames_max()];
        Ok(Resample {
            sinc,
            from,
            to,
            pending: Vec::new(),
            delay,
            taken: 0,
            given: 0,
            block,
        })
    }

    /// One block of input (`partial` of it real, the rest silence) through the resampler,
    /// its output appended to `out` less what is left of the delay.
    fn block(&mut self, input: &[f32], partial: Option<usize>, out: &mut Vec<f32>) -> Result<()> {
        let frames = self.sinc.input_frames_next();
        let input_buf = InterleavedSlice::new(input, 1, frames).map_err(fail)?;
        let out_frames = self.block.len();
        let mut output_buf =
            InterleavedSlice::new_mut(&mut self.block, 1, out_frames).map_err(fail)?;
        let indexing = Indexing {
            partial_len: partial,
            ..Indexing::default()
        };
        let (_, written) = self
            .sinc
            .process_into_buffer(&input_buf, &mut output_buf, Some(&indexing))
            .map_err(fail)?;
        let skip = self.delay.min(written);
        self.delay -= skip;
        out.extend_from_slice(&self.block[skip..written]);
        Ok(())
    }

    fn push(&mut self, samples: &[f32]) -> Result<Vec<f32>> {
        self.pending.extend_from_slice(samples);
        self.taken += samples.len() as u64;
        let mut out = Vec::new();
        let frames = self.sinc.input_frames_next();
        let whole = self.pending.len() / frames;
        let pending = std::mem::take(&mut self.pending);
        for i in 0..whole {
            self.block(&pending[i * frames..(i + 1) * frames], None, &mut out)?;
        }
        self.pending = pending[whole * frames..].to_vec();
        self.given += out.len() as u64;
        Ok(out)
    }

    /// The rest: the last partial block and silence through, cut at the input's duration.
    fn finish(&mut self) -> Result<Vec<f32>> {
        let want = (self.taken * u64::from(self.to)).div_ceil(u64::from(self.from));
        let frames = self.sinc.input_frames_next();
        let mut out = Vec::new();
        let mut input = std::mem::take(&mut self.pending);
        let mut real = input.len();
        input.resize(frames, 0.0);
        while self.given + (out.len() as u64) < want {
            self.block(&input, Some(real), &mut out)?;
            input.iter_mut().for_each(|s| *s = 0.0);
            real = 0;
        }
        out.truncate(usize::try_from(want - self.given).unwrap_or(out.len()));
        self.given += out.len() as u64;
        Ok(out)
    }
}

impl Encoder for OpusEncoder {
    fn header(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.header))
    }

    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        let resampled;
        let samples = match &mut self.resampler {
            Some(r) => {
                resampled = r.push(samples)?;
                &resampled[..]
            }
            None => samples,
        };
        self.add(samples);
        self.encode_frames(PacketWriteEndInfo::EndPage, None)
    }

    fn finish(&mut self) -> Result<Bytes> {
        if let Some(r) = &mut self.resampler {
            let tail = r.finish()?;
            self.add(&tail);
        }
        // Silence up to a frame boundary past the input plus the look-ahead, so every input
        // sample comes out of the decoder; at least one frame, to carry the end of stream.
        let encoded = self.frames * self.frame as u64;
        let needed = (self.samples + self.lookahead as u64).saturating_sub(encoded);
        let frames = needed.div_ceil(self.frame as u64).max(1);
        self.pending.resize(frames as usize * self.frame, 0);
        let end = (self.lookahead as u64 + self.samples) * self.granule_per_sample;
        self.encode_frames(PacketWriteEndInfo::EndStream, Some(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_rate_is_resampled_to_its_length_at_24_khz() -> Result<()> {
        let mut r = Resample::new(22_050, 24_000)?;
        // A 1 kHz tone in uneven pushes.
        let tone: Vec<f32> = (0..22_050)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 22_050.0).sin() * 0.5)
            .collect();
        let mut out = Vec::new();
        for piece in tone.chunks(3001) {
            out.extend(r.push(piece)?);
        }
        out.extend(r.finish()?);
        assert_eq!(out.len(), 24_000);
        // The tone is there, at its pitch: 1000 cycles in the second, so 2000 zero
        // crossings (give or take the edges), and its loudness kept.
        let middle = &out[2400..21_600];
        let crossings = middle
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((1590..=1610).contains(&crossings), "{crossings}");
        let peak = middle.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((0.45..0.55).contains(&peak), "{peak}");
        // No delay left at the start: the tone starts at once.
        assert!(out[20..40].iter().any(|s| s.abs() > 0.1));
        // And it is that tone alone, at most a sample late: fitted with a sine and a cosine
        // at 1 kHz, what is left (aliases, ripple, noise) is far below it.
        let w = std::f64::consts::TAU * 1000.0 / 24_000.0;
        let (mut ss, mut sc, mut cc, mut ys, mut yc) = (0f64, 0f64, 0f64, 0f64, 0f64);
        for (i, &y) in out.iter().enumerate().take(21_600).skip(2400) {
            let (s, c) = (w * i as f64).sin_cos();
            (ss, sc, cc) = (ss + s * s, sc + s * c, cc + c * c);
            (ys, yc) = (ys + f64::from(y) * s, yc + f64::from(y) * c);
        }
        let det = ss * cc - sc * sc;
        let (a, b) = ((ys * cc - yc * sc) / det, (yc * ss - ys * sc) / det);
        let (mut left, mut power) = (0f64, 0f64);
        for (i, &y) in out.iter().enumerate().take(21_600).skip(2400) {
            let (s, c) = (w * i as f64).sin_cos();
            let fit = a * s + b * c;
            left += (f64::from(y) - fit).powi(2);
            power += fit.powi(2);
        }
        let db = 10.0 * (left / power).log10();
        let late = -b.atan2(a) / w;
        eprintln!("resampled tone: the rest {db:.1} dB below it, {late:.2} samples late");
        assert!(db < -60.0, "{db:.1} dB");
        assert!(late.abs() <= 1.0, "{late:.2} samples late");
        Ok(())
    }

    #[test]
    fn a_22050_hz_stream_encodes_with_its_exact_length() -> Result<()> {
        let mut enc = OpusEncoder::new(22_050)?;
        let header = enc.header();
        let head = pages(&header);
        let rate = u32::from_le_bytes(head[0].2[0][12..16].try_into().map_err(fail)?);
        assert_eq!(rate, 24_000);
        let pre_skip = u64::from(u16::from_le_bytes([head[0].2[0][10], head[0].2[0][11]]));
        let tone: Vec<f32> = (0..11_025).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let first = enc.push(&tone)?;
        let tail = enc.finish()?;
        let p = pages(&[header.to_vec(), first.to_vec(), tail.to_vec()].concat());
        // Half a second: 24,000 granules at 48 kHz after the pre-skip.
        assert_eq!(p[p.len() - 1].1, pre_skip + 24_000);
        Ok(())
    }

    fn pages(bytes: &[u8]) -> Vec<(u8, u64, Vec<Vec<u8>>)> {
        let mut reader = ogg::PacketReader::new(std::io::Cursor::new(bytes.to_vec()));
        let mut out: Vec<(u8, u64, Vec<Vec<u8>>)> = Vec::new();
        while let Ok(Some(p)) = reader.read_packet() {
            out.push((u8::from(p.last_in_stream()), p.absgp_page(), vec![p.data]));
        }
        out
    }

    #[test]
    fn header_pages_then_a_page_per_push_then_the_trimmed_end() -> Result<()> {
        let mut enc = OpusEncoder::new(24_000)?;
        let header = enc.header();
        assert_eq!(&header[..4], b"OggS");
        let head = pages(&header);
        assert_eq!(head.len(), 2);
        assert_eq!(&head[0].2[0][..8], b"OpusHead");
        let pre_skip = u16::from_le_bytes([head[0].2[0][10], head[0].2[0][11]]) as u64;
        assert_eq!(pre_skip, enc.lookahead as u64 * 2);
        assert_eq!(&head[1].2[0][..8], b"OpusTags");

        let tone: Vec<f32> = (0..480 * 3 + 100)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect();
        let first = enc.push(&tone)?;
        // Three whole frames, ending a page whose granule counts 48 kHz samples.
        let p = pages(&[header.to_vec(), first.to_vec()].concat());
        assert_eq!(p.len(), 5);
        assert_eq!(p[4].1, 3 * 960);
        assert_eq!(enc.pending.len(), 100);

        let tail = enc.finish()?;
        let p = pages(&[header.to_vec(), first.to_vec(), tail.to_vec()].concat());
        let (eos, granule, _) = &p[p.len() - 1];
        assert_eq!(*eos, 1, "end of stream");
        assert_eq!(*granule, pre_skip + 2 * tone.len() as u64);
        // Enough frames that the granule end lies within the encoded audio.
        assert!(enc.frames * 960 >= *granule);
        Ok(())
    }
}
