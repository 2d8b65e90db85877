//! `GET /health` (the process is up), `GET /ready` (the model is loaded and warm) and
//! `GET /info` (what the server is: the facts a client such as the web page needs).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use super::AppState;
use crate::audio::Format;
use crate::language::LANGUAGES;
use crate::request::SPEED_RANGE;
use crate::voice::{MAX_BLEND, MAX_WEIGHT};

/// Always 200 while the process runs.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "Up", body = Object)), tag = "health")]
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 once the model is loaded and warm, 503 before.
#[utoipa::path(
    get,
    path = "/ready",
    responses(
        (status = 200, description = "Ready", body = Object),
        (status = 503, description = "Loading", body = Object)
    ),
    tag = "health"
)]
pub async fn ready(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    if state.service.is_ready() {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "loading"})),
        )
    }
}

/// A language, as `/info` lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LanguageInfo {
    /// Its letter, also a `lang_code`.
    pub code: String,
    pub name: String,
    pub bcp47: String,
    /// Whether the engine speaks it.
    pub speaks: bool,
    /// Its default voice (empty when the engine has none in it).
    pub default_voice: String,
}

/// One of the server's engines, as `/info` lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EngineInfo {
    /// Its name (`kokoro`, `piper`): each voice's `engine` in the listings.
    pub name: String,
    /// The model as people know it (`Kokoro-82M`).
    pub title: String,
    /// Samples per second of its voices' audio.
    pub sample_rate: u32,
    /// Names `model` takes for it (a name two engines take is the first's when no voice
    /// is named).
    pub models: Vec<String>,
    /// Its default voice (a request naming only its `model` gets it).
    pub default_voice: String,
    /// Whether its voices give word timestamps (`timestamps: true` is refused for the
    /// others).
    pub timestamps: bool,
    /// The letters of the languages it speaks.
    pub languages: Vec<String>,
}

/// The server's facts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Info {
    pub name: String,
    pub version: String,
    /// The first engine (`kokoro`): the default voice's.
    pub engine: String,
    /// Samples per second of the default voice's audio (`pcm` and `wav` carry it as is;
    /// each engine's is in `engines`).
    pub sample_rate: u32,
    /// Every engine: a voice is spoken by its own (the listings say whose).
    pub engines: Vec<EngineInfo>,
    pub ready: bool,
    /// Whether the API wants an API key.
    pub auth: bool,
    pub default_voice: String,
    pub formats: Vec<String>,
    pub speed_range: [f32; 2],
    pub max_input_chars: usize,
    /// Most voices in a blend, and the largest weight of one.
    pub max_blend: usize,
    pub max_weight: f32,
    pub languages: Vec<LanguageInfo>,
    /// Most lexicons one request may name.
    pub max_lexicons_per_request: usize,
    /// The lexicons a request that names none uses (`--lexicons`), in order.
    pub default_lexicons: Vec<String>,
}

/// The server's facts: engine, sample rate, limits, languages, whether a key is needed.
#[utoipa::path(get, path = "/info", responses((status = 200, description = "The server's facts", body = Info)), tag = "health")]
pub async fn info(State(state): State<Arc<AppState>>) -> Json<Info> {
    let spec = state.service.spec();
    let voices = state.service.catalogue();
    Json(Info {
        name: "ttsd".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        engine: spec.name.into(),
        sample_rate: spec.sample_rate,
        engines: state
            .service
            .specs()
            .iter()
            .map(|s| EngineInfo {
                name: s.name.into(),
                title: s.title.into(),
                sample_rate: s.sample_rate,
                models: s.models.iter().map(|m| (*m).to_owned()).collect(),
                default_voice: voices.default_of(s.name).unwrap_or_default().into(),
                timestamps: s.word_times,
                languages: s
                    .languages
                    .iter()
                    .map(|l| l.row().code.to_string())
                    .collect(),
            })
            .collect(),
        ready: state.service.is_ready(),
        auth: !state.api_keys.is_empty(),
        default_voice: voices.default_voice().into(),
        formats: Format::names().into_iter().map(str::to_owned).collect(),
        speed_range: [SPEED_RANGE.0, SPEED_RANGE.1],
        max_input_chars: state.service.limits().max_input_chars,
        max_blend: MAX_BLEND,
        max_weight: MAX_WEIGHT,
        languages: LANGUAGES
            .iter()
            .map(|r| LanguageInfo {
                code: r.code.to_string(),
                name: r.name.into(),
                bcp47: r.bcp47.into(),
                speaks: voices.speaks(r.language),
                default_voice: voices.default_for(r.language).unwrap_or_default().into(),
            })
            .collect(),
        max_lexicons_per_request: crate::lexicon::MAX_PER_REQUEST,
        default_lexicons: state.service.lexicons().defaults().to_vec(),
    })
}
