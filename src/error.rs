//! The core error type. It knows nothing of HTTP: `http::error` maps it to status codes.

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
    #[error("unknown voice '{0}'; GET /v1/audio/voices lists the voices (or run `ttsd voices`)")]
    UnknownVoice(String),
    /// The voice (or `lang_code`) names a language that has no grapheme-to-phoneme yet.
    #[error("{0}")]
    UnsupportedLanguage(String),
    /// More phoneme ids than the model takes in one call. Callers split text so that this
    /// never happens; seeing it means a bug in the splitter, not bad input.
    #[error("{0} phoneme ids exceed the model's limit of {max}", max = crate::engine::MAX_PHONEME_IDS)]
    TooManyPhonemes(usize),
    /// A runtime asset (model, library, vocabulary, voice pack) is missing or malformed.
    #[error("{0}")]
    Asset(String),
    /// ONNX Runtime failed while loading or running the model.
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
    /// The inference queue is full.
    #[error("the server is at capacity; retry shortly")]
    Overloaded,
    /// The inference workers have stopped (shutdown or a fatal error).
    #[error("the inference workers are not running")]
    EngineStopped,
}

impl Error {
    /// An [`Error::InvalidInput`] about one request field.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            message: message.into(),
            param: Some(param),
        }
    }

    /// True when the caller can fix it by changing the request.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidInput { .. } | Error::UnknownVoice(_) | Error::UnsupportedLanguage(_)
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
