//! The core error type, and what each protocol needs to report it: a stable code, a class
//! (the caller's mistake, busy, not ready, our fault) and a message safe to show.
//!
//! It knows nothing of any protocol: `http::error` maps it to a status and OpenAI's JSON,
//! Wyoming to an `error` event, the WebSocket to an error message. Whoever reports an error
//! to a client logs it, once ([`Error::log`]); nothing below does.

use std::net::SocketAddr;
use std::time::Duration;

/// Everything that can go wrong between text and audio.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller's input is unusable (empty, too long, bad value); the message says why.
    #[error("{message}")]
    InvalidInput {
        message: String,
        /// The request field at fault, when there is one.
        param: Option<&'static str>,
    },
    /// No loaded voice has this name.
    #[error("unknown voice '{0}'; the voice list (or `ttsd voices`) names them")]
    UnknownVoice(String),
    /// The voice or `lang_code` names a language without grapheme-to-phoneme.
    #[error("{language} has no grapheme-to-phoneme in ttsd yet; use a voice of another language")]
    UnsupportedLanguage {
        language: &'static str,
        param: &'static str,
    },
    /// No lexicon of this name is stored.
    #[error("no lexicon is named '{0}' (the lexicon list names them)")]
    UnknownLexicon(String),
    /// The lexicon is in the server's default list (`--lexicons`), so it cannot be deleted.
    #[error(
        "lexicon '{0}' is in the server's default list (--lexicons); restart the server \
         without it first"
    )]
    LexiconInUse(String),
    /// `model` names no model this server serves.
    #[error("unknown model '{model}'; accepted: {accepted}")]
    UnknownModel { model: String, accepted: String },
    /// No capacity for another stream now; `retry_after` is when one is expected to free.
    #[error("the server is at capacity; retry in {}s", retry_after.as_secs().max(1))]
    Overloaded { retry_after: Duration },
    /// The model is still loading.
    #[error("the model is still loading; retry shortly")]
    NotReady,
    /// The server is shutting down and takes no new work.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The client took too long (to send its request, or to read the response).
    #[error("{0}")]
    Timeout(String),
    /// A runtime asset (model, library, vocabulary, voice pack, dictionary) is missing or
    /// malformed.
    #[error("{0}")]
    Asset(String),
    /// A setting is unusable (refused at start).
    #[error("{0}")]
    Config(String),
    /// A listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The inference engine failed while loading or running the model.
    #[error("inference failed: {0}")]
    Inference(String),
    /// An audio encoder failed.
    #[error("audio encoding failed: {0}")]
    Encode(String),
    /// Grapheme-to-phoneme failed.
    #[error("phonemization failed: {0}")]
    Phonemize(String),
    /// A bug or a failure of the process itself (a task that panicked, …).
    #[error("internal error: {0}")]
    Internal(String),
    /// The inference workers have stopped (shutdown or a fatal error).
    #[error("the inference workers are not running")]
    EngineStopped,
}

/// Who an error is for, which decides how a protocol reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The caller can fix it by changing the request.
    Invalid,
    /// No room now; retry later.
    Busy,
    /// Not serving (yet, or any more).
    Unavailable,
    /// The client was too slow.
    Timeout,
    /// Our failure: the client gets a generic message, the log the details.
    Server,
}

impl Error {
    /// An [`Error::InvalidInput`] about one request field.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            message: message.into(),
            param: Some(param),
        }
    }

    pub fn class(&self) -> Class {
        match self {
            Error::InvalidInput { .. }
            | Error::UnknownVoice(_)
            | Error::UnsupportedLanguage { .. }
            | Error::UnknownLexicon(_)
            | Error::LexiconInUse(_)
            | Error::UnknownModel { .. } => Class::Invalid,
            Error::Overloaded { .. } => Class::Busy,
            Error::NotReady | Error::ShuttingDown => Class::Unavailable,
            Error::Timeout(_) => Class::Timeout,
            Error::Asset(_)
            | Error::Config(_)
            | Error::Bind { .. }
            | Error::Inference(_)
            | Error::Encode(_)
            | Error::Phonemize(_)
            | Error::Internal(_)
            | Error::EngineStopped => Class::Server,
        }
    }

    /// The same error, about a voice named by a `[voice:…]` tag in the input: the input is at
    /// fault, not the `voice` field.
    pub fn in_voice_tag(self) -> Self {
        match self.class() {
            Class::Invalid => Error::InvalidInput {
                message: format!("a voice tag in the input: {self}"),
                param: Some("input"),
            },
            _ => self,
        }
    }

    /// True when the caller can fix it by changing the request.
    pub fn is_client_error(&self) -> bool {
        self.class() == Class::Invalid
    }

    /// A stable, machine-readable code (OpenAI's `code`, Wyoming's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_value",
            Error::UnknownVoice(_) => "unknown_voice",
            Error::UnsupportedLanguage { .. } => "unsupported_language",
            Error::UnknownModel { .. } => "model_not_found",
            Error::UnknownLexicon(_) => "lexicon_not_found",
            Error::LexiconInUse(_) => "lexicon_in_use",
            Error::Overloaded { .. } => "rate_limit_exceeded",
            Error::NotReady => "not_ready",
            Error::ShuttingDown => "shutting_down",
            Error::Timeout(_) => "timeout",
            _ => "internal_error",
        }
    }

    /// The request field at fault, when there is one.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            Error::InvalidInput { param, .. } => *param,
            Error::UnknownVoice(_) => Some("voice"),
            Error::UnsupportedLanguage { param, .. } => Some(param),
            Error::UnknownModel { .. } => Some("model"),
            Error::UnknownLexicon(_) => Some("lexicons"),
            _ => None,
        }
    }

    /// What a client may be told: the message itself, except for our own failures, whose
    /// details stay in the log.
    pub fn public_message(&self) -> String {
        match self.class() {
            Class::Server => "internal server error".to_owned(),
            _ => self.to_string(),
        }
    }

    /// When a client should retry, for errors that pass.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Overloaded { retry_after } => Some(*retry_after),
            Error::NotReady => Some(Duration::from_secs(1)),
            _ => None,
        }
    }

    /// Logs the error once, where it is reported to a client: our failures as errors (with
    /// their details); the rest (the client's business) at info by code and field only, and
    /// their message at debug, since it may quote the client's text (the input around a
    /// markup error, a voice name), which is never logged above debug.
    pub fn log(&self, context: &'static str) {
        match self.class() {
            Class::Server => tracing::error!(error = %self, "{context}"),
            _ => {
                tracing::info!(code = self.code(), param = self.param(), "{context}");
                tracing::debug!(error = %self, code = self.code(), "{context}: the message");
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A parser's message in the words of JSON, not of Rust, for every protocol that reads
/// JSON: serde names the Rust type it wanted ("expected f32", "expected struct
/// SpeechParams with 19 elements", "untagged enum VoiceParam"). A type can say what to
/// send itself (`#[serde(expecting = "…")]`); what is left is rewritten here. A query
/// string's values are parsed by Rust's own parsers ("invalid float literal"): their
/// messages say what to send too.
pub fn in_json_words(message: &str) -> String {
    use crate::text::normalize::rx;
    static ARRAY_FOR_OBJECT: rx::Lazy =
        rx::lazy!(r"invalid (?:length \d+|type: sequence), expected (?:struct|a JSON object)\b.*");
    static STRUCT: rx::Lazy = rx::lazy!(r"\bstruct \w+(?: with \d+ elements?)?");
    static UNTAGGED: rx::Lazy = rx::lazy!(r"data did not match any variant of untagged enum \w+");
    static FLOAT: rx::Lazy = rx::lazy!(r"\bexpected f(?:32|64)\b");
    static INTEGER: rx::Lazy = rx::lazy!(r"\bexpected [iu](?:8|16|32|64|128|size)\b");
    static BOOL: rx::Lazy = rx::lazy!(r"\bexpected bool\b");
    static ENUM: rx::Lazy = rx::lazy!(r"\bexpected enum \w+");
    let t = ARRAY_FOR_OBJECT.replace(message, "expected a JSON object of fields, not an array");
    let t = STRUCT.replace_all(&t, "an object");
    let t = UNTAGGED.replace_all(&t, "a value of another type");
    let t = FLOAT.replace_all(&t, "expected a number");
    let t = INTEGER.replace_all(&t, "expected a whole number");
    let t = BOOL.replace_all(&t, "expected true or false");
    let t = ENUM.replace_all(&t, "expected one of the names it takes");
    t.replace(
        "cannot parse float from empty string",
        "expected a number, got nothing",
    )
    .replace("invalid float literal", "expected a number")
    .replace(
        "cannot parse integer from empty string",
        "expected a whole number, got nothing",
    )
    .replace("invalid digit found in string", "expected a whole number")
    .replace(
        "number too large to fit in target type",
        "expected a smaller number",
    )
    .replace(
        "provided string was not `true` or `false`",
        "expected true or false",
    )
    .replace("invalid type: map", "invalid type: object")
    .replace("invalid type: sequence", "invalid type: array")
    .replace("expected a sequence", "expected an array")
    .replace("expected a map", "expected an object")
}

/// The most characters of a client's value quoted back in an error message.
pub const MAX_QUOTED: usize = 64;

/// `value` cut to `max` characters (with "…" when cut): what a client sent, bounded before
/// it is quoted in a message or written to a log line.
pub fn clip(value: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => value.into(),
        Some((end, _)) => format!("{}…", &value[..end]).into(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn server_failures_never_reach_the_client_in_detail() {
        let e = Error::Inference("onnx said: tensor 7 at /secret/path".into());
        assert_eq!(e.class(), Class::Server);
        assert_eq!(e.public_message(), "internal server error");
        assert_eq!(e.code(), "internal_error");
        let e = Error::invalid("speed", "speed 9 is outside 0.25–4.0");
        assert_eq!(e.public_message(), "speed 9 is outside 0.25–4.0");
        assert_eq!(e.param(), Some("speed"));
    }

    #[test]
    fn quoted_values_are_bounded() {
        assert_eq!(clip("short", MAX_QUOTED), "short");
        assert_eq!(clip(&"é".repeat(1000), 3), "ééé…");
    }

    /// Collects what a subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged_at(level: tracing::Level, error: &Error) -> String {
        logs_of(level, || error.log("request failed"))
    }

    /// What `f` logs at `level` and above (on this thread).
    pub(crate) fn logs_of(level: tracing::Level, f: impl FnOnce()) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = out.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn a_clients_text_is_never_logged_above_debug() {
        let secret = "my secret diary entry";
        let e = Error::invalid("input", format!("markup at character 3: '[{secret}'"));
        let info = logged_at(tracing::Level::INFO, &e);
        assert!(
            info.contains("invalid_value") && info.contains("input"),
            "{info}"
        );
        assert!(!info.contains(secret), "{info}");
        let voice = Error::UnknownVoice(secret.into());
        assert!(!logged_at(tracing::Level::INFO, &voice).contains(secret));
        // At debug the message is there, for whoever debugs.
        assert!(logged_at(tracing::Level::DEBUG, &e).contains(secret));
    }

    #[test]
    fn busy_errors_say_when_to_retry() {
        let e = Error::Overloaded {
            retry_after: Duration::from_millis(2500),
        };
        assert_eq!(e.class(), Class::Busy);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(2500)));
        assert!(e.to_string().contains("retry in 2s"));
    }
}
