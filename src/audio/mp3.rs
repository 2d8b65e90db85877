//! MP3 through LAME: CBR, mono, 24 kHz (MPEG-2 Layer III), no Xing/VBR header, so every
//! prefix of the stream is a playable file.
//!
//! After each chunk the bit reservoir is flushed (`lame_encode_flush_nogap`), so the frames
//! for the audio sent so far leave at once and the stream continues without a gap. What
//! LAME still holds (under two frames of its look-ahead) is the start of the chunk's
//! trailing pause, not speech.

use std::num::NonZeroU32;

use bytes::Bytes;
use mp3lame_encoder::{Bitrate, Builder, FlushGap, FlushNoGap, Mode, MonoPcm, Quality, VbrMode};

use super::{Encoder, to_i16};
use crate::{Error, Result};

pub struct Mp3Encoder {
    lame: mp3lame_encoder::Encoder,
    pcm: Vec<i16>,
}

/// What LAME's flush may write at most (lame.h: "mp3buf_size … should be at least 7200
/// bytes" for `lame_encode_flush`).
const LAME_FLUSH_BYTES: usize = 7200;

fn build_error(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("mp3 encoder setup: {e}"))
}

fn encode_error(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("mp3: {e}"))
}

impl Mp3Encoder {
    pub fn new(rate: u32) -> Result<Self> {
        let mut b = Builder::new().ok_or_else(|| build_error("lame_init failed"))?;
        b.set_num_channels(1).map_err(build_error)?;
        b.set_sample_rate(rate).map_err(build_error)?;
        b.set_output_sample_rate(NonZeroU32::new(rate))
            .map_err(build_error)?;
        b.set_mode(Mode::Mono).map_err(build_error)?;
        b.set_vbr_mode(VbrMode::Off).map_err(build_error)?;
        // 64 kbit/s: clear speech at 16–24 kHz mono, 8 kB per second of audio.
        b.set_brate(Bitrate::Kbps64).map_err(build_error)?;
        b.set_quality(Quality::Good).map_err(build_error)?;
        b.set_to_write_vbr_tag(false).map_err(build_error)?;
        Ok(Mp3Encoder {
            lame: b.build().map_err(build_error)?,
            pcm: Vec::new(),
        })
    }
}

impl Encoder for Mp3Encoder {
    fn push(&mut self, samples: &[f32]) -> Result<Bytes> {
        self.pcm.clear();
        self.pcm.extend(samples.iter().map(|&s| to_i16(s)));
        let mut out = Vec::with_capacity(
            mp3lame_encoder::max_required_buffer_size(samples.len()) + LAME_FLUSH_BYTES,
        );
        self.lame
            .encode_to_vec(MonoPcm(&self.pcm), &mut out)
            .map_err(encode_error)?;
        self.lame
            .flush_to_vec::<FlushNoGap>(&mut out)
            .map_err(encode_error)?;
        Ok(Bytes::from(out))
    }

    fn finish(&mut self) -> Result<Bytes> {
        let mut out = Vec::with_capacity(LAME_FLUSH_BYTES);
        self.lame
            .flush_to_vec::<FlushGap>(&mut out)
            .map_err(encode_error)?;
        Ok(Bytes::from(out))
    }
}
