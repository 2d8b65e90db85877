//! Every response format, streamed and not, against a real server: each decodes with an
//! independent decoder (symphonia; libopus for Ogg Opus), lasts as long as the wav, is heard
//! right by `asr-check`, and when streamed, its first bytes arrive long before the last and
//! are playable on their own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{
    SAMPLE_RATE, Server, THREE_SENTENCES, asr_check, decode, metric_value, post, rt, scrape,
    serial, tempdir,
};
use serde_json::json;

/// How far a decoded response may be from the audio the server counted for it: the codecs'
/// frames and priming (an MP3 frame is 48 ms at 24 kHz, an AAC one 43 ms).
const CODEC_SLACK: f64 = 0.1;

/// The audio the server has produced so far, in seconds (`ttsd_audio_seconds_total`).
async fn audio_sent(client: &reqwest::Client, server: &Server) -> f64 {
    metric_value(&scrape(client, server).await, "ttsd_audio_seconds_total").unwrap_or(0.0)
}

/// Not streamed, a shorter text keeps the test quick.
const SHORT: &str = "Every format carries the same speech, streamed or not.";

/// Every format with its Content-Type; wav first, the reference duration.
const FORMATS: &[(&str, &str)] = &[
    ("wav", "audio/wav"),
    ("mp3", "audio/mpeg"),
    ("opus", "audio/opus"),
    ("aac", "audio/aac"),
    ("flac", "audio/flac"),
    ("pcm", "audio/pcm"),
];

/// Decoded samples and their rate (raw pcm read as what it is: 24 kHz s16le).
fn decode_any(bytes: &[u8], format: &str) -> (Vec<f32>, u32) {
    if format == "pcm" {
        let samples = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
            .collect();
        return (samples, SAMPLE_RATE);
    }
    decode(bytes, format)
}

#[test]
fn every_format_streams_decodes_to_the_same_duration_and_is_speech() {
    let _serial = serial();
    // No chunk cache: every request here is synthesized, so streaming is what is measured.
    let server = Server::start(&["--cache-mb", "0"]);
    let client = reqwest::Client::new();
    let dir = tempdir();
    let mut files: Vec<(&str, PathBuf)> = Vec::new();
    rt().block_on(async {
        // The wav's duration, not streamed and streamed.
        let mut reference = [None, None];
        for &(format, content_type) in FORMATS {
            for stream in [false, true] {
                let what = format!("{format} stream={stream}");
                let text = if stream { THREE_SENTENCES } else { SHORT };
                let before = audio_sent(&client, &server).await;
                let r = post(
                    &client,
                    &server,
                    json!({"input": text, "response_format": format, "stream": stream}),
                )
                .await;
                assert_eq!(r.status, 200, "{what}");
                assert_eq!(r.headers["content-type"], content_type, "{what}");
                let body = r.body();
                if stream {
                    assert!(r.headers.get("content-length").is_none(), "{what}");
                } else {
                    let length: usize = r.headers["content-length"]
                        .to_str()
                        .expect("ascii")
                        .parse()
                        .expect("a number");
                    assert_eq!(length, body.len(), "{what}: Content-Length");
                }
                if format == "wav" {
                    let size = u32::from_le_bytes([body[40], body[41], body[42], body[43]]);
                    if stream {
                        assert_eq!(size, u32::MAX, "streamed wav: unknown data size");
                    } else {
                        assert_eq!(size as usize, body.len() - 44, "wav: exact data size");
                    }
                }

                let (samples, rate) = decode_any(&body, format);
                let secs = samples.len() as f64 / rate as f64;
                // Exactly the audio the server made for this request...
                let sent = audio_sent(&client, &server).await - before;
                assert!(
                    (secs - sent).abs() < CODEC_SLACK,
                    "{what}: decodes to {secs:.3} s, the server made {sent:.3} s"
                );
                // ...and, in whole sentences, as long as the wav. A stream's chunks follow the
                // machine's speed (cut shorter when a client would run dry), and each cut
                // changes the speech's length a little: streams are compared within 15 %.
                let reference = *reference[stream as usize].get_or_insert(secs);
                let tolerance = if stream { 0.15 * reference } else { CODEC_SLACK };
                assert!(
                    (secs - reference).abs() < tolerance,
                    "{what}: {secs:.3} s vs the wav's {reference:.3} s"
                );

                if stream {
                    let first = r.chunks.first().expect("some audio").0;
                    let last = r.chunks.last().expect("some audio").0;
                    assert!(
                        last >= first + Duration::from_secs(1),
                        "{what}: first bytes at {first:?}, last at {last:?}: not streamed"
                    );
                    // What arrived first is playable on its own.
                    let (head, rate) = decode_any(&r.chunks[0].1, format);
                    eprintln!(
                        "{what}: {secs:.3} s (the server's count {sent:.3} s), {} bytes; first chunk at {first:?} decodes to \
                         {:.2} s, last chunk at {last:?}",
                        body.len(),
                        head.len() as f64 / rate as f64
                    );
                    assert!(
                        head.len() > rate as usize / 4,
                        "{what}: the first chunk decodes to {} samples at {rate} Hz",
                        head.len()
                    );
                }

                let path = if format == "aac" {
                    // asr-check reads no aac: it hears what symphonia decoded.
                    assert_eq!(rate, SAMPLE_RATE);
                    let path = dir.path().join(format!("{}-aac.pcm", stream as u8));
                    std::fs::write(&path, ttsd::audio::to_s16le(&samples)).expect("write");
                    path
                } else {
                    let path = dir
                        .path()
                        .join(format!("{}-{format}.{format}", stream as u8));
                    std::fs::write(&path, &body).expect("write");
                    path
                };
                files.push((text, path));
            }
        }
    });
    let pairs: Vec<_> = files
        .iter()
        .map(|(text, path)| (*text, path.as_path()))
        .collect();
    asr_check(&pairs, 0.15);
}
