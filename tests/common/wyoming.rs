//! A raw Wyoming client on the server's own framing ([`ttsd::wyoming::FrameCodec`]), for the
//! tests that drive a Wyoming server event by event (in process on the tone engine, or a real
//! `ttsd serve`). The `wyoming` package's own client is driven from Python
//! (`tests/clients/`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_util::codec::{FramedRead, FramedWrite};
use ttsd::wyoming::{Frame, FrameCodec};

/// How long a test waits for one event before it fails (the real model's first chunk on a
/// loaded machine takes seconds; none takes this long).
const EVENT_WAIT: Duration = Duration::from_secs(60);

pub struct Client {
    pub reader: FramedRead<OwnedReadHalf, FrameCodec>,
    pub writer: FramedWrite<OwnedWriteHalf, FrameCodec>,
}

/// What a client heard up to an event: the events' kinds in order, the `audio-start`'s data
/// (null if none came) and the audio chunks' PCM.
pub struct Heard {
    pub kinds: Vec<String>,
    pub start: Value,
    pub pcm: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: impl ToSocketAddrs) -> Client {
        let (read, write) = TcpStream::connect(addr).await.unwrap().into_split();
        Client {
            reader: FramedRead::new(read, FrameCodec::default()),
            writer: FramedWrite::new(write, FrameCodec::default()),
        }
    }

    pub async fn send(&mut self, kind: &str, data: Value) {
        self.writer.send(Frame::new(kind, data)).await.unwrap();
    }

    /// The next event, or `None` when the server closed the connection.
    pub async fn next(&mut self) -> Option<Frame> {
        let next = tokio::time::timeout(EVENT_WAIT, self.reader.next())
            .await
            .expect("an event in time");
        next.map(|frame| frame.expect("a well-formed event"))
    }

    /// Events up to and including `last` (or an `error`, or the connection's end).
    pub async fn until(&mut self, last: &str) -> Heard {
        let mut heard = Heard {
            kinds: Vec::new(),
            start: Value::Null,
            pcm: Vec::new(),
        };
        while let Some(event) = self.next().await {
            match event.kind.as_str() {
                "audio-chunk" => heard
                    .pcm
                    .extend_from_slice(event.payload.as_deref().unwrap_or_default()),
                "audio-start" => heard.start = Value::Object(event.data.clone()),
                _ => {}
            }
            let done = event.kind == last || event.kind == "error";
            heard.kinds.push(event.kind);
            if done {
                break;
            }
        }
        heard
    }
}
