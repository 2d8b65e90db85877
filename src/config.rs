//! Command-line flags; every one can also be set by an environment variable `TTSD_…`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::audio::Format;
use crate::engine::{Device, EngineConfig, SchedulerConfig};

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
    /// Kokoro v1.0 ONNX model (the int8 file by default; fp16/fp32 exports work too).
    #[arg(
        long,
        env = "TTSD_MODEL",
        default_value = "assets/kokoro-v1.0.int8.onnx"
    )]
    pub model: PathBuf,
    /// ONNX Runtime shared library (1.31.x).
    #[arg(
        long,
        env = "TTSD_ORT_LIBRARY",
        default_value = "assets/libonnxruntime.so.1.31.1"
    )]
    pub ort_library: PathBuf,
    /// Phoneme vocabulary (`{"vocab": {symbol: id}}`).
    #[arg(long, env = "TTSD_VOCAB", default_value = "assets/vocab.json")]
    pub vocab: PathBuf,
    /// Directory of voice packs (`NAME.bin`).
    #[arg(long, env = "TTSD_VOICES_DIR", default_value = "voices")]
    pub voices_dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    #[command(flatten)]
    pub assets: AssetArgs,
    /// ONNX Runtime intra-op threads per worker [default: the machine's cores / workers].
    #[arg(long, env = "TTSD_THREADS")]
    pub threads: Option<usize>,
    /// Inference workers, each with its own model session.
    #[arg(long, env = "TTSD_WORKERS", default_value_t = 1)]
    pub workers: usize,
    /// Where inference runs.
    #[arg(long, env = "TTSD_DEVICE", default_value = "cpu")]
    pub device: Device,
    /// The first chunk of a response: its first clause (early first audio) or its first
    /// whole sentence.
    #[arg(long, env = "TTSD_FIRST_CHUNK", default_value = "clause")]
    pub first_chunk: FirstChunk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FirstChunk {
    Clause,
    Sentence,
}

impl EngineArgs {
    pub fn scheduler(&self, queue_capacity: usize) -> SchedulerConfig {
        let workers = self.workers.max(1);
        let threads = self
            .threads
            .unwrap_or_else(|| (cores() / workers).max(1))
            .max(1);
        SchedulerConfig {
            engine: EngineConfig {
                model: self.assets.model.clone(),
                ort_library: self.assets.ort_library.clone(),
                threads,
                // Spin only when no two threads share a core.
                spinning: workers * threads <= cores(),
                device: self.device,
            },
            workers,
            queue_capacity,
        }
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
    #[arg(long, env = "TTSD_MAX_INPUT_CHARS", default_value_t = 4096)]
    pub max_input_chars: usize,
    /// Speech requests served at once; more get 429 at once [default: 3 × cores].
    #[arg(long, env = "TTSD_MAX_CONCURRENT_REQUESTS")]
    pub max_concurrent_requests: Option<usize>,
    /// Largest request body in bytes; larger gets 413.
    #[arg(long, env = "TTSD_MAX_BODY_BYTES", default_value_t = 1 << 20)]
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
    /// Seconds in-flight responses may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "TTSD_SHUTDOWN_GRACE", default_value_t = 30)]
    pub shutdown_grace: u64,
}

impl ServeArgs {
    /// Every API key, from the flags and the key file.
    pub fn keys(&self) -> std::io::Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .api_keys
            .iter()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect();
        if let Some(path) = &self.api_key_file {
            let text = std::fs::read_to_string(path)?;
            keys.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned),
            );
        }
        Ok(keys)
    }

    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent_requests
            .unwrap_or_else(|| 3 * cores())
            .max(1)
    }
}

#[derive(Debug, Clone, Args)]
pub struct SayArgs {
    /// Text to speak; `-` reads standard input.
    pub text: String,
    /// Voice: a name (`af_heart`), an OpenAI alias (`alloy`) or a blend (`af_bella(2)+af_sky(1)`).
    #[arg(long, default_value = "af_heart")]
    pub voice: String,
    /// Speaking rate, 0.25–4.0.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f32,
    /// Output format [default: from the output file's extension, else wav].
    #[arg(long)]
    pub format: Option<Format>,
    /// Language override: `a` (American English), `b` (British English), `e` (Spanish), `f`
    /// (French), `h` (Hindi), `i` (Italian), `p` (Brazilian Portuguese) [default: the voice's].
    #[arg(long, alias = "lang")]
    pub lang_code: Option<String>,
    /// Read the text as written: no normalization of numbers, URLs, Markdown, …
    #[arg(long)]
    pub no_normalize: bool,
    /// Output file; `-` writes to standard output.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Args)]
pub struct VoiceArgs {
    /// Directory of voice packs (`NAME.bin`).
    #[arg(long, env = "TTSD_VOICES_DIR", default_value = "voices")]
    pub voices_dir: PathBuf,
}
