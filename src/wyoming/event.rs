//! Wyoming's framing: an event is a JSON header line (`type`, optional `data`, `data_length`,
//! `payload_length`, `version`), then `data_length` bytes of JSON merged into `data`, then
//! `payload_length` bytes of payload.
//!
//! Written here rather than taken from a crate: the one Rust crate for it (`wyoming` 0.2) is a
//! sketch without I/O or size limits, and the framing is a few lines; what matters is that
//! every length is bounded before anything is allocated.

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::{Error, Result};

/// The protocol version written in every header (that of the `wyoming` package this was
/// written against).
pub const VERSION: &str = "1.10.2";
/// Longest header line accepted.
const MAX_HEADER: u64 = 64 * 1024;
/// Most data bytes accepted in one event (a text chunk of 4096 characters fits many times).
const MAX_DATA: usize = 1 << 20;
/// Most payload bytes accepted (clients send none to a TTS server; skipped unread otherwise).
const MAX_PAYLOAD: usize = 1 << 20;

/// One Wyoming event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: String,
    pub data: Map<String, Value>,
    pub payload: Option<Bytes>,
}

impl Event {
    pub fn new(kind: &str, data: Value) -> Self {
        Event {
            kind: kind.to_owned(),
            data: match data {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            payload: None,
        }
    }

    /// An `error` event.
    pub fn error(text: impl Into<String>, code: &str) -> Self {
        Event::new("error", json!({"text": text.into(), "code": code}))
    }

    /// The `text` field of its data.
    pub fn text(&self) -> Option<&str> {
        self.data.get("text").and_then(Value::as_str)
    }
}

/// Reads one event; `None` at a clean end of the stream.
pub async fn read_event<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Option<Event>> {
    let bad = |why: String| Error::InvalidInput {
        message: why,
        param: None,
    };
    let mut line = Vec::new();
    (&mut *reader)
        .take(MAX_HEADER)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| bad(format!("reading a header: {e}")))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(bad(format!(
            "header line without its newline (at most {MAX_HEADER} bytes)"
        )));
    }
    let header: Map<String, Value> = serde_json::from_slice(&line)
        .map_err(|e| bad(format!("header is not a JSON object: {e}")))?;
    let kind = header
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("header without a \"type\"".into()))?
        .to_owned();
    let length = |key: &str, max: usize| -> Result<usize> {
        match header.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| n <= max)
                .ok_or_else(|| bad(format!("{key} must be an integer 0–{max}"))),
        }
    };
    let data_length = length("data_length", MAX_DATA)?;
    let payload_length = length("payload_length", MAX_PAYLOAD)?;
    let mut data = match header.get("data") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    if data_length > 0 {
        let mut bytes = vec![0; data_length];
        reader
            .read_exact(&mut bytes)
            .await
            .map_err(|e| bad(format!("reading {data_length} data bytes: {e}")))?;
        let extra: Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("data is not a JSON object: {e}")))?;
        data.extend(extra);
    }
    let payload = if payload_length > 0 {
        let mut bytes = vec![0; payload_length];
        reader
            .read_exact(&mut bytes)
            .await
            .map_err(|e| bad(format!("reading {payload_length} payload bytes: {e}")))?;
        Some(Bytes::from(bytes))
    } else {
        None
    };
    Ok(Some(Event {
        kind,
        data,
        payload,
    }))
}

/// An event's bytes: the header line, the data (JSON), the payload.
pub fn encode_event(event: &Event) -> Vec<u8> {
    let mut header = Map::new();
    header.insert("type".into(), Value::from(event.kind.as_str()));
    header.insert("version".into(), Value::from(VERSION));
    let data =
        (!event.data.is_empty()).then(|| serde_json::to_vec(&event.data).unwrap_or_default());
    if let Some(d) = &data {
        header.insert("data_length".into(), Value::from(d.len()));
    }
    if let Some(p) = event.payload.as_ref().filter(|p| !p.is_empty()) {
        header.insert("payload_length".into(), Value::from(p.len()));
    }
    let mut out = serde_json::to_vec(&header).unwrap_or_default();
    out.push(b'\n');
    if let Some(d) = data {
        out.extend_from_slice(&d);
    }
    if let Some(p) = &event.payload {
        out.extend_from_slice(p);
    }
    out
}

pub async fn write_event<W: AsyncWrite + Unpin>(
    writer: &mut W,
    event: &Event,
) -> std::io::Result<()> {
    writer.write_all(&encode_event(event)).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use tokio::io::BufReader;

    use super::*;

    async fn roundtrip(bytes: &[u8]) -> Result<Option<Event>> {
        let mut reader = BufReader::new(bytes);
        read_event(&mut reader).await
    }

    #[tokio::test]
    async fn events_round_trip_with_data_and_payload() -> Result<()> {
        let mut event = Event::new(
            "audio-chunk",
            json!({"rate": 24000, "width": 2, "channels": 1}),
        );
        event.payload = Some(Bytes::from_static(&[1, 2, 3, 4]));
        let bytes = encode_event(&event);
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap_or(0);
        let header: Value = serde_json::from_slice(&bytes[..header_end]).unwrap_or_default();
        assert_eq!(header["type"], "audio-chunk");
        assert_eq!(header["payload_length"], 4);
        assert_eq!(header["version"], VERSION);
        assert_eq!(roundtrip(&bytes).await?, Some(event));
        Ok(())
    }

    #[tokio::test]
    async fn header_data_merges_with_data_bytes() -> Result<()> {
        let data = br#"{"text":"Hello."}"#;
        let mut bytes = format!(
            "{{\"type\":\"synthesize\",\"data\":{{\"voice\":{{\"name\":\"af_heart\"}}}},\"data_length\":{}}}\n",
            data.len()
        )
        .into_bytes();
        bytes.extend_from_slice(data);
        let event = roundtrip(&bytes)
            .await?
            .ok_or_else(|| Error::Internal("none".into()))?;
        assert_eq!(event.text(), Some("Hello."));
        assert_eq!(event.data["voice"]["name"], "af_heart");
        assert_eq!(event.payload, None);
        Ok(())
    }

    #[tokio::test]
    async fn malformed_events_are_errors_not_panics() {
        assert!(roundtrip(b"").await.is_ok_and(|e| e.is_none()));
        assert!(roundtrip(b"not json\n").await.is_err());
        assert!(roundtrip(b"{\"data\":{}}\n").await.is_err(), "no type");
        assert!(
            roundtrip(b"{\"type\":\"x\",\"data_length\":5}\n{}")
                .await
                .is_err(),
            "short data"
        );
        assert!(
            roundtrip(b"{\"type\":\"x\",\"data_length\":-1}\n")
                .await
                .is_err()
        );
        assert!(
            roundtrip(b"{\"type\":\"x\",\"payload_length\":99999999}\n")
                .await
                .is_err()
        );
        assert!(roundtrip(b"{\"type\":\"x\"}").await.is_err(), "no newline");
    }
}
