//! Command-line flags (clap, the edge); every one can also be set by an environment
//! variable `TTSD_…`.
//!
//! Parsed, then checked once into plain values the rest of ttsd takes — [`ServeConfig`] for
//! the server, an [`EngineConfig`] (which engine, and its files) and a [`CoreConfig`] (how
//! the core runs: `synth::Synthesizer::build` takes it, for `serve`, `say` and the tests
//! alike): a setting that cannot work stops the server at start with a message, never at
//! the first request. Defaults are the core's own values, shown here, not copies of them.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audio::Format;
use crate::engine::kokoro::{self, Aliases};
use crate::engine::piper::{self, PiperConfig, PiperFactory};
use crate::engine::tone::{SimulatedCost, ToneFactory};
use crate::engine::{Device, EngineFactory, KokoroConfig, KokoroFactory};
use crate::http::listener::{self, ConnLimits};
use crate::request::Limits;
use crate::synth::{CoreConfig, Settings};
use crate::text::G2pConfig;
use crate::{Error, Result};

#[derive(Debug, Parser)]
#[command(
    name = "ttsd",
    version,
    about = "Streaming text-to-speech server (Kokoro-82M)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format.
    #[arg(long, global = true, env = "TTSD_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the OpenAI-compatible speech API over HTTP.
    Serve(ServeArgs),
    /// Speak text into an audio file.
    Say(SayArgs),
    /// List the voices (name, language, gender).
    Voices(VoiceArgs),
}

/// Where the runtime assets are (`make assets` puts them at the defaults).
#[derive(Debug, Clone, Args)]
pub struct AssetArgs {
    /// Kokoro v1.0 ONNX model: by default the int8 export with its predicted durations as a
    /// second output (`make assets` builds it; the same audio, plus word timestamps); the
    /// plain int8, fp16 or fp32 exports work too, without timestamps.
    #[arg(long, env = "TTSD_MODEL", default_value = kokoro::DEFAULT_MODEL)]
    pub model: PathBuf,
    /// ONNX Runtime shared library (1.31.x).
    #[arg(long, env = "TTSD_ORT_LIBRARY", default_value = kokoro::DEFAULT_ORT_LIBRARY)]
    pub ort_library: PathBuf,
    /// Phoneme vocabulary (`{"vocab": {symbol: id}}`).
    #[arg(long, env = "TTSD_VOCAB", default_value = kokoro::DEFAULT_VOCAB)]
    pub vocab: PathBuf,
    /// Directory of voice packs (`NAME.bin`).
    #[arg(long, env = "TTSD_VOICES_DIR", default_value = kokoro::DEFAULT_VOICES)]
    pub voices_dir: PathBuf,
    /// Directory of Piper voices (`NAME.onnx` with its `NAME.onnx.json`), for `--engine
    /// piper`.
    #[arg(long, env = "TTSD_PIPER_VOICES_DIR", default_value = piper::DEFAULT_VOICES)]
    pub piper_voices_dir: PathBuf,
    /// Directory of the Japanese G2P's dictionary and word list (loaded on the first
    /// Japanese request).
    #[arg(long, env = "TTSD_JA_DICT", default_value = "assets/ja")]
    pub ja_dict: PathBuf,
    /// Directory of the Mandarin G2P's phrase readings (loaded on the first Mandarin
    /// request).
    #[arg(long, env = "TTSD_ZH_DICT", default_value = "assets/zh")]
    pub zh_dict: PathBuf,
}

/// Which engine speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// Kokoro-82M through ONNX Runtime.
    Kokoro,
    /// Piper voices (`.onnx` + `.onnx.json` pairs) through ONNX Runtime.
    Piper,
    /// A deterministic tone generator for tests (no model; 16 kHz; its own voices).
    Tone,
}

/// A core type's names as clap's possible values, read back into the type.
macro_rules! names {
    ($ty:ty) => {
        PossibleValuesParser::new(<$ty>::NAMES)
            .map(|name| <$ty>::from_name(&name).unwrap_or_default())
    };
}

#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    #[command(flatten)]
    pub assets: AssetArgs,
    /// The engine: `kokoro`, `piper` (the voices in --piper-voices-dir), or `tone` (a test
    /// engine that beeps instead of speaking). Repeat it, or comma-separate, to serve
    /// several in one server (`--engine kokoro,piper`): each voice is spoken by its own
    /// engine, and the first engine's default voice is the server's.
    #[arg(
        long,
        env = "TTSD_ENGINE",
        default_value = "kokoro",
        value_delimiter = ','
    )]
    pub engine: Vec<EngineKind>,
    /// ONNX Runtime intra-op threads per worker [default: the machine's cores / workers].
    #[arg(long, env = "TTSD_THREADS")]
    pub threads: Option<usize>,
    /// Inference workers, each with its own model session (each engine has this many).
    #[arg(long, env = "TTSD_WORKERS", default_value_t = CoreConfig::DEFAULT_WORKERS)]
    pub workers: usize,
    /// Where inference runs.
    #[arg(long, env = "TTSD_DEVICE", default_value = "cpu", value_parser = names!(Device))]
    pub device: Device,
    /// The first chunk of a response: its first clause (early first audio) or its first
    /// whole sentence.
    #[arg(long, env = "TTSD_FIRST_CHUNK", default_value = "clause")]
    pub first_chunk: FirstChunk,
    /// How OpenAI's voice names map to Kokoro voices: `ttsd` (each to the voice most like
    /// it: alloy is af_alloy) or `kokoro-fastapi` (Kokoro-FastAPI's table: alloy is am_adam).
    #[arg(long, env = "TTSD_VOICE_ALIASES", default_value = "ttsd", value_parser = names!(Aliases))]
    pub voice_aliases: Aliases,
    /// Megabytes of recently made short chunks kept to be said again at once ("Sure!",
    /// "Let me check."); 0 keeps none.
    #[arg(long, env = "TTSD_CACHE_MB", default_value_t = CoreConfig::DEFAULT_CACHE_MB)]
    pub cache_mb: usize,
    /// Streamed text (WebSocket, a streamed request body, Wyoming, `say -`) that has waited
    /// this many milliseconds without a sentence end is spoken anyway, up to its last whole
    /// word.
    #[arg(
        long,
        env = "TTSD_FLUSH_AFTER_MS",
        default_value_t = Settings::DEFAULT.flush_after.as_millis() as u64
    )]
    pub flush_after_ms: u64,
    /// Milliseconds of audio the first model work of a response makes before the rest: its
    /// first chunk is decoded a window of frames at a time (Kokoro's model cut at its
    /// decoder, which `make assets` makes), the first window this long and the later ones
    /// longer, so the first audio comes after one short window instead of a whole clause.
    /// 0 decodes whole chunks.
    #[arg(long, env = "TTSD_WINDOW", default_value_t = 0)]
    pub window: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FirstChunk {
    Clause,
    Sentence,
}

/// Which engine speaks, and what it is built from: plain values.
#[derive(Debug, Clone)]
pub enum EngineConfig {
    Kokoro(KokoroConfig),
    Piper(PiperConfig),
    /// The test engine, with the compute time it pretends to take.
    Tone(SimulatedCost),
}

impl EngineConfig {
    /// The engine's factory: its spec and voices read (the vocabulary, the voice files);
    /// the model loads in each worker.
    pub fn factory(&self) -> Result<Arc<dyn EngineFactory>> {
        Ok(match self {
            EngineConfig::Kokoro(config) => Arc::new(KokoroFactory::new(config.clone())?),
            EngineConfig::Piper(config) => Arc::new(PiperFactory::new(config.clone())?),
            EngineConfig::Tone(cost) => Arc::new(ToneFactory::new(*cost)),
        })
    }

    /// Each engine's factory, in order (the first's default voice the server's); a voice
    /// name two engines both have is refused, so that every name says one voice.
    pub fn factories(engines: &[EngineConfig]) -> Result<Vec<Arc<dyn EngineFactory>>> {
        let factories = engines
            .iter()
            .map(EngineConfig::factory)
            .collect::<Result<Vec<_>>>()?;
        let mut seen = std::collections::HashMap::new();
        for factory in &factories {
            let engine = factory.spec().name;
            for voice in factory.voices().list() {
                if let Some(other) = seen.insert(voice.name.to_ascii_lowercase(), engine) {
                    return Err(Error::Config(format!(
                        "voice '{}' is both {other}'s and {engine}'s; a name must say one \
                         voice (remove one of the files)",
                        voice.name
                    )));
                }
            }
        }
        Ok(factories)
    }
}

impl EngineArgs {
    /// The engines, as plain values, in the order given; one named twice is refused.
    pub fn engines(&self) -> Result<Vec<EngineConfig>> {
        let mut kinds: Vec<EngineKind> = Vec::new();
        for &kind in &self.engine {
            if kinds.contains(&kind) {
                return Err(Error::Config(format!(
                    "--engine {} is given twice",
                    kind.to_possible_value()
                        .map_or_else(String::new, |v| v.get_name().to_owned())
                )));
            }
            kinds.push(kind);
        }
        if kinds.is_empty() {
            kinds.push(EngineKind::Kokoro);
        }
        Ok(kinds.into_iter().map(|kind| self.engine(kind)).collect())
    }

    /// One engine, as plain values.
    fn engine(&self, kind: EngineKind) -> EngineConfig {
        match kind {
            EngineKind::Kokoro => EngineConfig::Kokoro(KokoroConfig {
                model: self.assets.model.clone(),
                ort_library: self.assets.ort_library.clone(),
                vocab: self.assets.vocab.clone(),
                voices: self.assets.voices_dir.clone(),
                aliases: self.voice_aliases,
                threads: self.threads(),
                // Spin only when no two threads share a core.
                spinning: self.spinning(),
                device: self.device,
                split: self.split(),
            }),
            EngineKind::Piper => EngineConfig::Piper(PiperConfig {
                voices: self.assets.piper_voices_dir.clone(),
                ort_library: self.assets.ort_library.clone(),
                threads: self.threads(),
                spinning: self.spinning(),
            }),
            EngineKind::Tone => EngineConfig::Tone(SimulatedCost::default()),
        }
    }

    /// Kokoro's model cut at its decoder, for `--window`: beside the model, as `make assets`
    /// makes it. Without the files (a model of the user's own) chunks are decoded whole.
    fn split(&self) -> Option<kokoro::Split> {
        if self.window == 0 {
            return None;
        }
        let split = kokoro::Split::beside(&self.assets.model);
        if split.is_none() {
            tracing::warn!(
                model = %self.assets.model.display(),
                "--window needs the model cut at its decoder beside it (`make assets` makes \
                 *.encoder.onnx and *.decoder.onnx from *.durations.onnx); whole chunks"
            );
        }
        split
    }

    /// The core's configuration: these flags, with this input limit, at most
    /// `queue_capacity` model calls waiting.
    pub fn core(&self, max_input_chars: usize, queue_capacity: usize) -> CoreConfig {
        CoreConfig {
            workers: self.workers(),
            queue_capacity,
            cache_bytes: self.cache_mb.saturating_mul(1 << 20),
            g2p: G2pConfig {
                japanese: self.assets.ja_dict.clone(),
                mandarin: self.assets.zh_dict.clone(),
            },
            settings: Settings {
                limits: Limits { max_input_chars },
                first_clause: self.first_chunk == FirstChunk::Clause,
                flush_after: Duration::from_millis(self.flush_after_ms.max(1)),
                window: (self.window > 0).then(|| Duration::from_millis(self.window)),
                ..Settings::DEFAULT
            },
        }
    }

    /// Whether ONNX Runtime's threads may spin: only when no two threads of all the
    /// engines' workers share a core.
    fn spinning(&self) -> bool {
        self.engine.len().max(1) * self.workers() * self.threads() <= cores()
    }

    /// Inference workers (each engine's).
    fn workers(&self) -> usize {
        self.workers.max(1)
    }

    /// Intra-op threads per worker.
    fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| (cores() / self.workers()).max(1))
            .max(1)
    }
}

/// The machine's cores.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Address to listen on.
    #[arg(long, env = "TTSD_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one; the address is printed at start).
    #[arg(long, env = "TTSD_PORT", default_value_t = 8880)]
    pub port: u16,
    /// Longest input accepted, in characters.
    #[arg(long, env = "TTSD_MAX_INPUT_CHARS", default_value_t = Limits::DEFAULT.max_input_chars)]
    pub max_input_chars: usize,
    /// Longest audio, in minutes, of a response sent whole (`stream: false` on
    /// `/v1/audio/speech`, `/dev/captioned_speech`, `/dev/dialogue`), which the server holds
    /// until it is complete; longer is refused with a 400 on `stream` before more is made.
    /// Streamed responses hold a chunk at a time and have no such limit.
    #[arg(long, env = "TTSD_MAX_FILE_MINUTES", default_value_t = Settings::MAX_FILE_AUDIO.as_secs() / 60)]
    pub max_file_minutes: u64,
    /// Speech requests (utterances: HTTP, WebSocket, Wyoming) served at once; more get 429
    /// at once [default: 3 × cores].
    #[arg(long, env = "TTSD_MAX_CONCURRENT_REQUESTS")]
    pub max_concurrent_requests: Option<usize>,
    /// Real-time streams admitted at once (more get 429 at once) [default: reckoned from
    /// what model calls and streams cost on this machine].
    #[arg(long, env = "TTSD_CAPACITY")]
    pub capacity: Option<usize>,
    /// Largest request body in bytes; larger gets 413.
    #[arg(long, env = "TTSD_MAX_BODY_BYTES", default_value_t = crate::http::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// An API key clients must send as `Authorization: Bearer KEY` (repeat the flag, or
    /// comma-separate in the variable). `/health` and `/ready` stay open. Default: no keys,
    /// no authentication.
    #[arg(
        long = "api-key",
        env = "TTSD_API_KEY",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub api_keys: Vec<String>,
    /// A file of API keys, one per line (blank lines and `#` comments ignored).
    #[arg(long, env = "TTSD_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Origins whose pages may call the API (repeat or comma-separate; `*` for any).
    /// Default: none, same origin only.
    #[arg(long, env = "TTSD_CORS_ALLOW_ORIGIN", value_delimiter = ',')]
    pub cors_allow_origin: Vec<String>,
    /// Also serve the Wyoming protocol (Home Assistant) on this TCP port, on the same host
    /// (0 picks a free one; the address is printed). Default: off.
    #[arg(long, env = "TTSD_WYOMING_PORT")]
    pub wyoming_port: Option<u16>,
    /// Serve Wyoming on a non-loopback address although API keys are set: Wyoming has no
    /// authentication of its own, so anyone who can reach the port can speak without a key.
    #[arg(long, env = "TTSD_WYOMING_ALLOW_UNAUTHENTICATED")]
    pub wyoming_allow_unauthenticated: bool,
    /// Seconds in-flight responses may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "TTSD_SHUTDOWN_GRACE", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Seconds a streamed utterance (a WebSocket, a streamed request body, a Wyoming
    /// `synthesize-start`) may go without text while it has nothing left to say; then it ends
    /// with a timeout error and its slot is free. Only text counts: not pings, empty or blank
    /// pieces, or other events.
    #[arg(long, env = "TTSD_STREAM_IDLE_TIMEOUT", default_value_t = Settings::STREAM_IDLE.as_secs())]
    pub stream_idle_timeout: u64,
    /// Seconds for a request head to arrive in full (a WebSocket's settings, after the
    /// upgrade); then the connection is closed.
    #[arg(long, env = "TTSD_HEADER_TIMEOUT", default_value_t = listener::HEADER_TIMEOUT.as_secs())]
    pub header_timeout: u64,
    /// Seconds for a request body to arrive in full; then 408.
    #[arg(long, env = "TTSD_BODY_TIMEOUT", default_value_t = listener::BODY_TIMEOUT.as_secs())]
    pub body_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request; also a Wyoming
    /// connection outside an utterance (its client connects per request).
    #[arg(long, env = "TTSD_KEEPALIVE_TIMEOUT", default_value_t = listener::IDLE_TIMEOUT.as_secs())]
    pub keepalive_timeout: u64,
    /// Seconds a client may accept no byte of a response (HTTP or Wyoming) before its
    /// connection is dropped and its synthesis cancelled.
    #[arg(long, env = "TTSD_WRITE_TIMEOUT", default_value_t = listener::WRITE_TIMEOUT.as_secs())]
    pub write_timeout: u64,
    /// Most open HTTP connections; more get 503 [default: the open-file limit less 256,
    /// at most 2048].
    #[arg(long, env = "TTSD_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Where the server keeps what clients store: pronunciation lexicons in `lexicons/`
    /// (made at the first upload).
    #[arg(long, env = "TTSD_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Lexicons (kept in the data directory) that a request naming none uses, in order
    /// (repeat or comma-separate; at most 8); Wyoming, which names none, always uses them.
    /// Each must be there at start, and cannot be deleted while listed. Default: none.
    #[arg(long = "lexicons", env = "TTSD_LEXICONS", value_delimiter = ',')]
    pub lexicons: Vec<String>,
}

/// The smallest body limit that still takes a short speech request.
const MIN_BODY_BYTES: usize = 1024;

/// A checked server configuration: plain values.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The engines, the first's default voice the server's.
    pub engines: Vec<EngineConfig>,
    pub core: CoreConfig,
    pub http: SocketAddr,
    pub wyoming: Option<SocketAddr>,
    /// Accepted API keys; empty means no authentication.
    pub api_keys: Vec<String>,
    pub cors_allow_origin: Vec<String>,
    pub max_body_bytes: usize,
    /// Utterances at once (HTTP, Wyoming and WebSocket together): `--max-concurrent-requests`.
    pub max_concurrent_requests: usize,
    pub shutdown_grace: Duration,
    /// The HTTP connection layer's timeouts.
    pub conn: ConnLimits,
    /// Most open HTTP connections (`None`: from the open-file limit, once it has been
    /// raised at start).
    pub max_connections: Option<usize>,
    /// Where lexicons are kept (`DATA_DIR/lexicons`).
    pub lexicon_dir: PathBuf,
    /// The lexicons of a request that names none (`--lexicons`), in order.
    pub default_lexicons: Vec<String>,
}

impl ServeConfig {
    /// The Wyoming server's limits: a connection for each utterance admitted and as many
    /// idle ones, HTTP's keep-alive and write timeouts.
    pub fn wyoming_limits(&self) -> crate::wyoming::ConnectionLimits {
        crate::wyoming::ConnectionLimits::for_streams(self.max_concurrent_requests)
            .with_idle_timeout(self.conn.idle_timeout)
            .with_write_timeout(self.conn.write_timeout)
    }
}

impl ServeArgs {
    /// Every setting checked: keys read (and an empty one refused), Wyoming's exposure
    /// checked against them.
    pub fn config(&self) -> Result<ServeConfig> {
        let api_keys = self.keys()?;
        let wyoming = self
            .wyoming_port
            .map(|port| SocketAddr::new(self.host, port));
        if let Some(addr) = wyoming
            && !api_keys.is_empty()
            && !addr.ip().is_loopback()
            && !self.wyoming_allow_unauthenticated
        {
            return Err(Error::Config(format!(
                "Wyoming has no authentication, so on {addr} anyone who can reach it could \
                 speak without an API key; serve it on 127.0.0.1 (--host) behind a tunnel, \
                 or pass --wyoming-allow-unauthenticated to accept that"
            )));
        }
        if self.max_input_chars == 0 {
            return Err(Error::Config("--max-input-chars must be at least 1".into()));
        }
        if self.max_file_minutes == 0 {
            return Err(Error::Config(
                "--max-file-minutes 0 would refuse every response sent whole; it must be at \
                 least 1"
                    .into(),
            ));
        }
        for (flag, secs) in [
            ("--header-timeout", self.header_timeout),
            ("--body-timeout", self.body_timeout),
            ("--keepalive-timeout", self.keepalive_timeout),
            ("--write-timeout", self.write_timeout),
            ("--stream-idle-timeout", self.stream_idle_timeout),
        ] {
            if secs == 0 {
                return Err(Error::Config(format!(
                    "{flag} 0 would close every connection at once; it must be at least 1 s"
                )));
            }
        }
        if self.max_connections == Some(0) {
            return Err(Error::Config(
                "--max-connections 0 would refuse every connection; it must be at least 1".into(),
            ));
        }
        if self.max_body_bytes < MIN_BODY_BYTES {
            return Err(Error::Config(format!(
                "--max-body-bytes {} would refuse every request; it must be at least \
                 {MIN_BODY_BYTES}",
                self.max_body_bytes
            )));
        }
        let max_concurrent_requests = self
            .max_concurrent_requests
            .unwrap_or_else(|| 3 * cores())
            .max(1);
        let stream_idle = Duration::from_secs(self.stream_idle_timeout);
        // Each utterance has at most one chunk queued at a time.
        let mut core = self
            .engine
            .core(self.max_input_chars, max_concurrent_requests * 2);
        core.settings.capacity = self.capacity;
        core.settings.stream_idle = Some(stream_idle);
        core.settings.max_file_audio = Some(Duration::from_secs(
            self.max_file_minutes.saturating_mul(60),
        ));
        Ok(ServeConfig {
            engines: self.engine.engines()?,
            core,
            http: SocketAddr::new(self.host, self.port),
            wyoming,
            api_keys,
            cors_allow_origin: self.cors_allow_origin.clone(),
            max_body_bytes: self.max_body_bytes,
            max_concurrent_requests,
            shutdown_grace: Duration::from_secs(self.shutdown_grace),
            conn: ConnLimits {
                header_timeout: Duration::from_secs(self.header_timeout),
                body_timeout: Duration::from_secs(self.body_timeout),
                idle_timeout: Duration::from_secs(self.keepalive_timeout),
                write_timeout: Duration::from_secs(self.write_timeout),
                // The cap is set at start, from the file limit once raised, unless given.
                ..ConnLimits::default()
            },
            max_connections: self.max_connections,
            lexicon_dir: self.data_dir.join("lexicons"),
            default_lexicons: self
                .lexicons
                .iter()
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect(),
        })
    }

    /// Every API key, from the flags and the key file. A key that is empty (or a key file
    /// with none) is refused: it would start the server with no authentication.
    fn keys(&self) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        for key in &self.api_keys {
            let key = key.trim();
            if key.is_empty() {
                return Err(Error::Config(
                    "an empty API key (--api-key or TTSD_API_KEY) would leave the API open; \
                     give a key, or none at all for an open server"
                        .into(),
                ));
            }
            keys.push(key.to_owned());
        }
        if let Some(path) = &self.api_key_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Config(format!(
                    "cannot read the API key file {}: {e}",
                    path.display()
                ))
            })?;
            let before = keys.len();
            keys.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned),
            );
            if keys.len() == before {
                return Err(Error::Config(format!(
                    "the API key file {} has no keys; the API would be open",
                    path.display()
                )));
            }
        }
        Ok(keys)
    }
}

#[derive(Debug, Clone, Args)]
pub struct SayArgs {
    /// Text to speak; `-` reads standard input.
    pub text: String,
    /// Voice: a name (`af_heart`), an OpenAI alias (`alloy`) or a blend (`af_bella(2)+af_sky(1)`)
    /// [default: the engine's, `af_heart` for Kokoro].
    #[arg(long)]
    pub voice: Option<String>,
    /// Speaking rate, 0.25–4.0.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f32,
    /// Output format [default: from the output file's extension, else wav].
    #[arg(long, value_parser = PossibleValuesParser::new(Format::names()).map(|name| Format::from_name(&name).unwrap_or(Format::Wav)))]
    pub format: Option<Format>,
    /// Language override: `a` (American English), `b` (British English), `e` (Spanish), `f`
    /// (French), `h` (Hindi), `i` (Italian), `j` (Japanese), `p` (Brazilian Portuguese), `z`
    /// (Mandarin) [default: the voice's].
    #[arg(long, alias = "lang")]
    pub lang_code: Option<String>,
    /// Read the text as written: no normalization of numbers, URLs, Markdown, …
    #[arg(long)]
    pub no_normalize: bool,
    /// Output file; `-` writes to standard output.
    #[arg(short, long)]
    pub output: PathBuf,
    /// A pronunciation lexicon to read the text with: a PLS document, or a JSON list of
    /// `{"grapheme", "phoneme" | "alias"}` (a `.json` file, in the language of --lang-code,
    /// else English). Repeat for more (at most 8), in order: the first named wins a tie.
    #[arg(long = "lexicon")]
    pub lexicons: Vec<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Args)]
pub struct VoiceArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<ServeConfig> {
        let cli = Cli::try_parse_from(["ttsd", "serve"].iter().chain(args))
            .map_err(|e| Error::Config(e.to_string()))?;
        match cli.command {
            Command::Serve(serve) => serve.config(),
            _ => unreachable!("parsed as serve"),
        }
    }

    fn refused(args: &[&str]) -> String {
        match config(args) {
            Err(Error::Config(message)) => message,
            other => panic!("{args:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.conn.header_timeout, Duration::from_secs(20));
        assert_eq!(c.conn.body_timeout, Duration::from_secs(30));
        assert_eq!(c.conn.idle_timeout, Duration::from_secs(75));
        assert_eq!(c.conn.write_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections, None);
        assert_eq!(c.core.settings.stream_idle, Some(Duration::from_secs(60)));
        assert_eq!(c.core.settings.flush_after, Duration::from_millis(1500));
        assert_eq!(c.core.settings.limits.max_input_chars, 4096);
        assert_eq!(
            c.core.settings.max_file_audio,
            Some(Duration::from_secs(20 * 60))
        );
        assert!(c.core.settings.first_clause);
        assert_eq!(c.core.workers, 1);
        assert_eq!(c.core.cache_bytes, 8 << 20);
        assert_eq!(c.max_body_bytes, 1 << 20);
        assert_eq!(c.shutdown_grace, Duration::from_secs(30));
        let [EngineConfig::Kokoro(kokoro)] = c.engines.as_slice() else {
            panic!("Kokoro by default")
        };
        assert_eq!(
            (kokoro.device, kokoro.aliases),
            (Device::Cpu, Aliases::Ttsd)
        );
        assert!(c.api_keys.is_empty());
        assert_eq!(c.lexicon_dir, PathBuf::from("data/lexicons"));
        assert!(c.default_lexicons.is_empty());
        let listed = config(&["--lexicons", "acme, names", "--lexicons", "more"]).unwrap();
        assert_eq!(listed.default_lexicons, ["acme", "names", "more"]);
    }

    #[test]
    fn core_values_are_read_from_their_names() {
        let c = config(&["--device", "cuda", "--voice-aliases", "kokoro-fastapi"]).unwrap();
        let [EngineConfig::Kokoro(kokoro)] = c.engines.as_slice() else {
            panic!("Kokoro by default")
        };
        assert_eq!(
            (kokoro.device, kokoro.aliases),
            (Device::Cuda, Aliases::KokoroFastapi)
        );
        let refused = Cli::try_parse_from(["ttsd", "serve", "--device", "tpu"]);
        assert!(refused.is_err());
    }

    #[test]
    fn an_empty_key_or_a_key_file_without_keys_is_refused() {
        assert!(refused(&["--api-key", ""]).contains("empty API key"));
        assert!(refused(&["--api-key", "  "]).contains("empty API key"));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "# only a comment\n\n").unwrap();
        let path = file.path().to_str().unwrap();
        assert!(refused(&["--api-key-file", path]).contains("has no keys"));
        std::fs::write(file.path(), "# a key\n  k1  \n").unwrap();
        assert_eq!(config(&["--api-key-file", path]).unwrap().api_keys, ["k1"]);
    }

    #[test]
    fn settings_that_cannot_work_are_refused_before_binding() {
        assert!(refused(&["--max-input-chars", "0"]).contains("--max-input-chars"));
        assert!(refused(&["--max-file-minutes", "0"]).contains("--max-file-minutes"));
        assert!(refused(&["--max-body-bytes", "0"]).contains("--max-body-bytes"));
        for flag in [
            "--header-timeout",
            "--body-timeout",
            "--keepalive-timeout",
            "--write-timeout",
            "--stream-idle-timeout",
        ] {
            assert!(refused(&[flag, "0"]).contains(flag));
        }
        assert!(refused(&["--max-connections", "0"]).contains("--max-connections"));
    }

    #[test]
    fn wyoming_beyond_loopback_with_keys_needs_the_opt_in() {
        let open = ["--host", "0.0.0.0", "--wyoming-port", "10200"];
        assert!(config(&open).is_ok(), "no keys: nothing to bypass");
        let keyed = [&open[..], &["--api-key", "k"]].concat();
        assert!(refused(&keyed).contains("--wyoming-allow-unauthenticated"));
        let allowed = [&keyed[..], &["--wyoming-allow-unauthenticated"]].concat();
        assert!(config(&allowed).is_ok());
        let local = ["--wyoming-port", "10200", "--api-key", "k"];
        assert!(config(&local).is_ok(), "loopback is the safe default");
    }
}
