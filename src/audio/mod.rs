//! Audio out: the per-response encoders and the shaping of each chunk's samples.
//!
//! Every encoder is stateful and serves one response: [`Encoder::header`] once,
//! [`Encoder::push`] per chunk (returning the bytes ready to send now), [`Encoder::finish`]
//! at the end. Samples reach encoders as f32; [`to_i16`] is the one conversion to 16-bit.

mod aac;
mod flac;
mod mp3;
mod opus;
mod pcm;
pub mod shape;
mod wav;

use bytes::Bytes;

pub use shape::apply_gain;

use crate::Result;

/// A response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Mp3,
    Opus,
    Aac,
    Flac,
    Wav,
    Pcm,
}

impl Format {
    /// In OpenAI's order.
    pub const ALL: &[Format] = &[
        Format::Mp3,
        Format::Opus,
        Format::Aac,
        Format::Flac,
        Format::Wav,
        Format::Pcm,
    ];

    /// The format of a name (`mp3`, `MP3`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Every format's name.
    pub fn names() -> Vec<&'static str> {
        Format::ALL.iter().map(|f| f.name()).collect()
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Opus => "opus",
            Format::Aac => "aac",
            Format::Flac => "flac",
            Format::Wav => "wav",
            Format::Pcm => "pcm",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Mp3 => "audio/mpeg",
            // OpenAI's type for its Ogg Opus.
            Format::Opus => "audio/opus",
            Format::Aac => "audio/aac",
            Format::Flac => "audio/flac",
            Format::Wav => "audio/wav",
            Format::Pcm => "audio/pcm",
        }
    }

    /// Completes a whole file (not streamed) once all of it is in one buffer: `start` is its
    /// first bytes (at least its header), `len` its length. WAV's header, written first,
    /// gets its sizes; every other format's whole file is complete as its encoder made it.
    pub fn seal(self, start: &mut [u8], len: usize) {
        if self == Format::Wav {
            wav::seal(start, len);
        }
    }

    /// The bytes of a whole file's start that [`Format::seal`] may rewrite.
    pub const SEALED_LEN: usize = wav::HEADER_LEN;

    /// A fresh encoder for one response of mono audio at `rate` samples per second.
    /// `streaming` decides what a header can know.
    pub fn encoder(self, rate: u32, streaming: bool) -> Result<Box<dyn Encoder>> {
        Ok(match self {
            Format::Mp3 => Box::new(mp3::Mp3Encoder::new(rate)?),
            Format::Opus => Box::new(opus::OpusEncoder::new(rate)?),
            Format::Aac => Box::new(aac::AacEncoder::new(rate)?),
            Format::Flac => Box::new(flac::FlacEncoder::new(rate, streaming)?),
            Format::Wav => Box::new(wav::WavEncoder::new(rate)),
            Format::Pcm => Box::new(pcm::PcmEncoder),
        })
    }
}

/// One response's encoder.
pub trait Encoder: Send {
    /// Bytes that start the stream (a wav or flac header, Ogg Opus's header pages), before
    /// any audio.
    fn header(&mut self) -> Bytes {
        Bytes::new()
    }
    /// Encodes one chunk; returns what is ready to send now.
    fn push(&mut self, samples: &[f32]) -> Result<Bytes>;
    /// Ends the stream; returns the last bytes.
    fn finish(&mut self) -> Result<Bytes>;
}

/// The one f32 → i16 conversion: clamp to [-1, 1], scale, round.
pub fn to_i16(sample: f32) -> i16 {
    // NaN clamps to NaN and `as` turns it into 0.
    (sample.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16
}

/// Samples as 16-bit little-endian bytes.
pub fn to_s16le(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|&s| to_i16(s).to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_clamps_and_rounds() {
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(-1.0), -32767);
        assert_eq!(to_i16(3.5), 32767);
        assert_eq!(to_i16(-7.0), -32767);
        assert_eq!(to_i16(0.5), 16384);
        assert_eq!(to_i16(f32::NAN), 0);
        assert_eq!(to_s16le(&[1.0, -1.0]), vec![0xff, 0x7f, 0x01, 0x80]);
    }

    #[test]
    fn formats_are_named() {
        assert_eq!(Format::from_name("MP3"), Some(Format::Mp3));
        for &f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("ogg"), None);
        assert_eq!(Format::names().join(", "), "mp3, opus, aac, flac, wav, pcm");
    }

    #[test]
    fn every_encoder_takes_another_rate() -> Result<()> {
        // 16 kHz (libopus takes it as it is) and Piper's 22,050 Hz (Opus resamples it).
        for rate in [16_000, 22_050] {
            for &f in Format::ALL {
                let mut e = f.encoder(rate, true)?;
                let _ = e.header();
                e.push(&[0.1; 4000])?;
                e.finish()?;
            }
        }
        Ok(())
    }
}
