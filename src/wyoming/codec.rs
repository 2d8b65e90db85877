//! Wyoming's framing as a `tokio_util` codec: a [`Frame`] is a JSON header line (`type`,
//! optional `data`, `data_length`, `payload_length`, `version`), then `data_length` bytes of
//! JSON merged into `data`, then `payload_length` bytes of payload.
//!
//! Written here rather than taken from a crate: the one Rust crate for it (`wyoming` 0.2) is
//! a sketch without I/O or size limits, and the framing is a few lines; what matters is that
//! every length is bounded before anything is allocated. The events a frame carries are
//! typed in [`super::event`].

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Map, Value};
use tokio_util::codec::{Decoder, Encoder};

/// The protocol version written in every header (that of the `wyoming` package this was
/// written against).
pub const VERSION: &str = "1.10.2";
/// Longest header line accepted.
const MAX_HEADER: usize = 64 * 1024;
/// Most data bytes accepted in one event (a text chunk of 4096 characters fits many times).
const MAX_DATA: usize = 1 << 20;
/// Most payload bytes accepted (clients send none to a TTS server).
const MAX_PAYLOAD: usize = 1 << 20;

/// One event as framed: its type, its data, its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub kind: String,
    pub data: Map<String, Value>,
    pub payload: Option<Bytes>,
}

impl Frame {
    /// A frame of `kind` with `data` (an object; anything else is no data).
    pub fn new(kind: &str, data: Value) -> Self {
        Frame {
            kind: kind.to_owned(),
            data: match data {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            payload: None,
        }
    }

    /// The frame's bytes: the header line, the data (JSON), the payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = BytesMut::new();
        write(self, &mut out);
        out.to_vec()
    }
}

/// What can go wrong reading or writing frames.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The bytes are not a Wyoming frame (the connection cannot go on).
    #[error("{0}")]
    Malformed(String),
}

/// A header read, waiting for its data and payload.
#[derive(Debug)]
struct Header {
    kind: String,
    data: Map<String, Value>,
    data_length: usize,
    payload_length: usize,
}

/// Frames from bytes and back.
#[derive(Debug, Default)]
pub struct FrameCodec {
    header: Option<Header>,
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if self.header.is_none() {
            let Some(end) = buf.iter().position(|&b| b == b'\n') else {
                if buf.len() >= MAX_HEADER {
                    return Err(no_newline());
                }
                return Ok(None);
            };
            if end >= MAX_HEADER {
                return Err(no_newline());
            }
            let line = buf.split_to(end + 1);
            let header = parse_header(&line)?;
            buf.reserve(header.data_length + header.payload_length);
            self.header = Some(header);
        }
        let Some(header) = self.header.as_ref() else {
            return Ok(None);
        };
        if buf.len() < header.data_length + header.payload_length {
            return Ok(None);
        }
        let Some(Header {
            kind,
            mut data,
            data_length,
            payload_length,
        }) = self.header.take()
        else {
            return Ok(None);
        };
        if data_length > 0 {
            let bytes = buf.split_to(data_length);
            let extra: Map<String, Value> = serde_json::from_slice(&bytes)
                .map_err(|e| malformed(format!("data is not a JSON object: {e}")))?;
            data.extend(extra);
        }
        let payload = (payload_length > 0).then(|| buf.split_to(payload_length).freeze());
        Ok(Some(Frame {
            kind,
            data,
            payload,
        }))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        match (&self.header, buf.is_empty()) {
            (None, true) => Ok(None),
            (None, false) => Err(no_newline()),
            (Some(h), _) => Err(malformed(format!(
                "the connection ended inside the {} bytes of an event's data and payload",
                h.data_length + h.payload_length
            ))),
        }
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        write(&frame, dst);
        Ok(())
    }
}

/// Writes a frame's bytes.
fn write(frame: &Frame, dst: &mut BytesMut) {
    let mut header = Map::new();
    header.insert("type".into(), Value::from(frame.kind.as_str()));
    header.insert("version".into(), Value::from(VERSION));
    // A map of JSON values always serializes.
    let data =
        (!frame.data.is_empty()).then(|| serde_json::to_vec(&frame.data).unwrap_or_default());
    if let Some(d) = &data {
        header.insert("data_length".into(), Value::from(d.len()));
    }
    let payload = frame.payload.as_ref().filter(|p| !p.is_empty());
    if let Some(p) = payload {
        header.insert("payload_length".into(), Value::from(p.len()));
    }
    dst.extend_from_slice(&serde_json::to_vec(&header).unwrap_or_default());
    dst.put_u8(b'\n');
    if let Some(d) = data {
        dst.extend_from_slice(&d);
    }
    if let Some(p) = payload {
        dst.extend_from_slice(p);
    }
}

fn parse_header(line: &[u8]) -> Result<Header, FrameError> {
    let header: Map<String, Value> = serde_json::from_slice(line)
        .map_err(|e| malformed(format!("header is not a JSON object: {e}")))?;
    let kind = header
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("header without a \"type\"".into()))?
        .to_owned();
    let length = |key: &str, max: usize| -> Result<usize, FrameError> {
        match header.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n <= max)
                .ok_or_else(|| malformed(format!("{key} must be an integer 0–{max}"))),
        }
    };
    let data_length = length("data_length", MAX_DATA)?;
    let payload_length = length("payload_length", MAX_PAYLOAD)?;
    let data = match header.get("data") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    Ok(Header {
        kind,
        data,
        data_length,
        payload_length,
    })
}

fn malformed(why: String) -> FrameError {
    FrameError::Malformed(why)
}

fn no_newline() -> FrameError {
    malformed(format!(
        "header line without its newline (at most {MAX_HEADER} bytes)"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn decode(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        let mut buf = BytesMut::from(bytes);
        FrameCodec::default().decode_eof(&mut buf)
    }

    #[test]
    fn frames_round_trip_with_data_and_payload() -> Result<(), FrameError> {
        let mut frame = Frame::new(
            "audio-chunk",
            json!({"rate": 24000, "width": 2, "channels": 1}),
        );
        frame.payload = Some(Bytes::from_static(&[1, 2, 3, 4]));
        let bytes = frame.to_bytes();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap_or(0);
        let header: Value = serde_json::from_slice(&bytes[..header_end]).unwrap_or_default();
        assert_eq!(header["type"], "audio-chunk");
        assert_eq!(header["payload_length"], 4);
        assert_eq!(header["version"], VERSION);
        assert_eq!(decode(&bytes)?, Some(frame));
        Ok(())
    }

    #[test]
    fn a_frame_split_anywhere_decodes_once_whole() -> Result<(), FrameError> {
        let mut frame = Frame::new("synthesize", json!({"text": "Hello."}));
        frame.payload = Some(Bytes::from_static(b"xyz"));
        let bytes = [frame.to_bytes(), frame.to_bytes()].concat();
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for byte in bytes {
            buf.put_u8(byte);
            if let Some(f) = codec.decode(&mut buf)? {
                frames.push(f);
            }
        }
        assert_eq!(frames, vec![frame.clone(), frame]);
        assert!(buf.is_empty());
        Ok(())
    }

    #[test]
    fn header_data_merges_with_data_bytes() -> Result<(), FrameError> {
        let data = br#"{"text":"Hello."}"#;
        let mut bytes = format!(
            "{{\"type\":\"synthesize\",\"data\":{{\"voice\":{{\"name\":\"af_heart\"}}}},\"data_length\":{}}}\n",
            data.len()
        )
        .into_bytes();
        bytes.extend_from_slice(data);
        let frame = decode(&bytes)?.ok_or_else(|| malformed("none".into()))?;
        assert_eq!(frame.data["text"], "Hello.");
        assert_eq!(frame.data["voice"]["name"], "af_heart");
        assert_eq!(frame.payload, None);
        Ok(())
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert!(decode(b"").is_ok_and(|f| f.is_none()));
        assert!(decode(b"not json\n").is_err());
        assert!(decode(b"{\"data\":{}}\n").is_err(), "no type");
        assert!(
            decode(b"{\"type\":\"x\",\"data_length\":5}\n{}").is_err(),
            "short data"
        );
        assert!(decode(b"{\"type\":\"x\",\"data_length\":-1}\n").is_err());
        assert!(decode(b"{\"type\":\"x\",\"payload_length\":99999999}\n").is_err());
        assert!(decode(b"{\"type\":\"x\"}").is_err(), "no newline");
        // A header that never ends is refused once it is over the limit, not buffered.
        let mut buf = BytesMut::from(vec![b' '; MAX_HEADER].as_slice());
        assert!(FrameCodec::default().decode(&mut buf).is_err());
    }
}
