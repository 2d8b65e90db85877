//! Kokoro-FastAPI's development endpoints, so its clients and scripts work unchanged:
//! `POST /dev/phonemize` (text → the phonemes and token ids the model would read),
//! `POST /dev/generate_from_phonemes` (phonemes → speech, spoken exactly as given) and
//! `POST /dev/dialogue` (turns of several voices → one speech).
//!
//! All go through the same front end and pipeline as `/v1/audio/speech`; those that speak
//! take the same admission slot a speech request does.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::openai::ApiJson;
use super::speech::{Delivery, respond};
use crate::Error;
use crate::request::{Input, SpeechParams, VoiceParam};

/// `/dev/phonemize`'s request. A field it does not take is refused, not ignored
/// (`lang_code` for `language` would read in the voice's language in silence).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhonemizeRequest {
    /// The text to read.
    pub text: String,
    /// A language's letter (`a`, `b`, `j`, `z`, …) or a BCP-47 tag. Default: the voice's.
    #[serde(default)]
    pub language: Option<String>,
    /// The voice whose engine reads the text, as `voice` in `/v1/audio/speech` (each engine
    /// has its own phonemes: Kokoro's `af_heart`, a Piper voice's `en_US-joe-medium`).
    /// Default: the `model`'s default voice, else the server's.
    #[serde(default)]
    pub voice: Option<VoiceParam>,
    /// An engine's or OpenAI's model name, as `model` in `/v1/audio/speech`.
    #[serde(default)]
    pub model: Option<String>,
}

/// `/dev/phonemize`'s answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhonemizeResponse {
    /// The text's phonemes, sentence by sentence, as the pipeline reads them (normalized).
    pub phonemes: String,
    /// Their token ids, one per symbol, without the pad ids at either end (Kokoro-FastAPI
    /// always returns an empty list here).
    pub tokens: Vec<i64>,
}

/// A text's phonemes and token ids, in the symbols of the voice's engine.
#[utoipa::path(
    post,
    path = "/dev/phonemize",
    request_body = PhonemizeRequest,
    responses(
        (status = 200, description = "The phonemes and their token ids", body = PhonemizeResponse),
        (status = 400, description = "Empty text, an unknown voice or model, or a language the voice's engine does not speak", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn phonemize(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<PhonemizeRequest>,
) -> Result<Json<PhonemizeResponse>, ApiError> {
    let synth = Arc::clone(state.service.synth()?);
    let limits = synth.settings().limits;
    crate::request::check_length("text", request.text.chars().count(), limits).map_err(|_| {
        Error::invalid(
            "text",
            format!("text is over {} characters", limits.max_input_chars),
        )
    })?;
    if request.text.trim().is_empty() {
        return Err(Error::invalid("text", "text is empty").into());
    }
    // The voice, model and language, checked as `/v1/audio/speech` checks them; the voice's
    // engine reads the text, in its symbols.
    let params = SpeechParams {
        model: request.model,
        voice: request.voice,
        lang_code: request.language,
        lexicons: Some(Vec::new()),
        ..Default::default()
    };
    let speech = state.service.validate(params, Input::Streamed)?;
    let (engine, language) = (speech.voice().engine, speech.language());
    let text = request.text;
    let (phonemes, tokens) =
        tokio::task::spawn_blocking(move || synth.phonemize(&text, language, engine))
            .await
            .map_err(|e| Error::Internal(format!("phonemize task failed: {e}")))??;
    Ok(Json(PhonemizeResponse { phonemes, tokens }))
}

/// `/dev/generate_from_phonemes`'s request. A field it does not take (`stream`,
/// `lang_code`: phonemes are always streamed and name no language) is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhonemesRequest {
    /// Phonemes in the model's symbols (as `/dev/phonemize` gives them).
    pub phonemes: String,
    /// A voice, alias or blend, as `voice` in `/v1/audio/speech`.
    pub voice: VoiceParam,
    /// 0.25 to 4.0. Default 1.0.
    #[serde(default)]
    pub speed: Option<f32>,
    /// Default `wav`, as Kokoro-FastAPI (which has no other); any of the six formats.
    #[serde(default)]
    pub response_format: Option<String>,
}

/// Speech for phonemes, spoken as given.
#[utoipa::path(
    post,
    path = "/dev/generate_from_phonemes",
    request_body = PhonemesRequest,
    responses(
        (status = 200, response = inline(super::openapi::Audio)),
        (status = 400, description = "Empty phonemes, or symbols the model does not know", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn generate_from_phonemes(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<PhonemesRequest>,
) -> Result<Response, ApiError> {
    let synth = state.service.synth()?;
    if request.phonemes.trim().is_empty() {
        return Err(Error::invalid("phonemes", "phonemes is empty").into());
    }
    // Checked here so that the error names the field sent (the stream's own check says
    // "input").
    crate::request::check_length(
        "phonemes",
        request.phonemes.chars().count(),
        synth.settings().limits,
    )?;
    let phonemes = request.phonemes;
    let params = SpeechParams {
        voice: Some(request.voice),
        speed: request.speed,
        response_format: Some(request.response_format.unwrap_or_else(|| "wav".into())),
        ..Default::default()
    };
    let speech = state.service.validate(params, Input::Streamed)?;
    synth.check_phonemes(speech.voice(), "phonemes", &phonemes)?;
    let permit = state.service.admit(speech.voice())?;
    let delivery = Delivery {
        format: speech.format(),
        stream: true,
        sse: false,
        timestamps: false,
        sample_rate: synth.sample_rate(speech.voice())?,
        max_file_audio: synth.settings().max_file_audio,
    };
    let (mut input, audio) = synth.start(speech, Some(Arc::clone(&permit)))?;
    input.push_phonemes(&phonemes)?;
    input.finish();
    respond(audio, permit, delivery).await
}

/// One turn of a dialogue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// A voice, alias or blend.
    pub voice: String,
    pub text: String,
}

/// `/dev/dialogue`'s request: the turns, and any field of `/v1/audio/speech` but `input`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DialogueRequest {
    pub turns: Vec<Turn>,
    /// Seconds of silence between turns, 0 to 10. Default 0.4.
    #[serde(default)]
    pub pause_between_turns: Option<f64>,
    #[serde(flatten)]
    pub params: SpeechParams,
    /// Fields neither takes (a misspelt `pause_between_turn`): refused, never ignored.
    /// (`deny_unknown_fields` does not work beside `flatten`.)
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

/// The silence between turns when the request names none.
const TURN_PAUSE: f64 = 0.4;

/// Speech of a dialogue: each turn in its voice, a pause between. Read as Kokoro-FastAPI
/// reads it, as one input of voice and pause tags (`[voice:V] text [pause:Ps]`…), with
/// the limits of `/v1/audio/speech`.
#[utoipa::path(
    post,
    path = "/dev/dialogue",
    request_body = DialogueRequest,
    responses(
        (status = 200, response = inline(super::openapi::AudioOrEvents)),
        (status = 400, description = "No turns, an unknown voice, or a bad field", body = super::error::ErrorBody),
        (status = 429, description = "At capacity; see Retry-After", body = super::error::ErrorBody),
    ),
    tag = "speech"
)]
pub async fn dialogue(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<DialogueRequest>,
) -> Result<Response, ApiError> {
    let Some(first) = request.turns.first() else {
        return Err(Error::invalid("turns", "turns is empty: give at least one").into());
    };
    // A turn with no text would be reported as an input with nothing to speak: a field the
    // client never sent.
    if let Some(i) = request.turns.iter().position(|t| t.text.trim().is_empty()) {
        return Err(Error::invalid("turns", format!("turns[{i}] has no text")).into());
    }
    if request.params.input.is_some() {
        return Err(Error::invalid("input", "a dialogue's text is in its turns, not input").into());
    }
    if let Some(name) = request.unknown.keys().next() {
        let name = crate::error::clip(name, crate::error::MAX_QUOTED).into_owned();
        let message = format!(
            "unknown field '{name}': a dialogue takes turns, pause_between_turns and the \
             fields of /v1/audio/speech"
        );
        return Err(ApiError {
            param: Some(name),
            ..ApiError::bad_request(message, None).with_code("invalid_json")
        });
    }
    let pause = request.pause_between_turns.unwrap_or(TURN_PAUSE);
    let most = crate::text::markup::MAX_PAUSE.as_secs_f64();
    if !(0.0..=most).contains(&pause) {
        return Err(Error::invalid(
            "pause_between_turns",
            format!("pause_between_turns {pause} is outside 0–{most} seconds"),
        )
        .into());
    }
    let mut params = request.params;
    params
        .voice
        .get_or_insert_with(|| VoiceParam::Name(first.voice.clone()));
    // The limit is on what the client wrote (the turns' text); the tags between are ours.
    let limits = state.service.synth()?.settings().limits;
    let written: usize = request.turns.iter().map(|t| t.text.chars().count()).sum();
    if written > limits.max_input_chars {
        return Err(Error::invalid(
            "turns",
            format!(
                "the turns' text is {written} characters; the limit is {}",
                limits.max_input_chars
            ),
        )
        .into());
    }
    // Each turn is a voice change and its text, with a pause between: pieces of the input's
    // markup, whose bound would otherwise be reported at an offset the client never sent.
    let per_turn = 2 + usize::from(pause > 0.0);
    let most = (crate::text::markup::MAX_ITEMS + usize::from(pause > 0.0)) / per_turn;
    if request.turns.len() > most {
        return Err(Error::invalid(
            "turns",
            format!(
                "{} turns; a dialogue takes at most {most} (each is a voice change, its text{} \
                 in one input of at most {} pieces)",
                request.turns.len(),
                if pause > 0.0 { " and a pause" } else { "" },
                crate::text::markup::MAX_ITEMS
            ),
        )
        .into());
    }
    let mut input = String::new();
    for (i, turn) in request.turns.iter().enumerate() {
        if i > 0 && pause > 0.0 {
            input.push_str(&format!(" [pause:{pause}s] "));
        }
        input.push_str(&format!("[voice:{}] {}", turn.voice, turn.text));
    }
    params.server_markup_chars = input.chars().count() - written;
    params.input = Some(input);
    params.allow_voice_tags = Some(true);
    super::speech::speak(&state, params).await
}
