//! The listings: `GET /v1/audio/voices` (Kokoro-FastAPI's shape), `GET /v1/models`, and the
//! ones Open WebUI reads under its own base URL (`/openwebui/v1/audio/{voices,models}`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::openai::ApiQuery;
use crate::voice::VoiceInfo;

/// One voice in a listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoiceEntry {
    /// What `voice` takes.
    pub id: String,
    pub name: String,
    /// The engine that speaks it (`kokoro`, `piper`); `model` may name it.
    pub engine: String,
    /// Its language's letter (`a`, `b`, …), when its language is known.
    pub lang_code: Option<String>,
    /// The language's name ("American English").
    pub language: Option<String>,
    /// BCP-47 tag (`en-US`).
    pub bcp47: Option<String>,
    /// `female`, `male` or `unknown`.
    pub gender: String,
    /// Whether ttsd speaks it (its language has a grapheme-to-phoneme).
    pub speaks: bool,
}

impl From<&VoiceInfo> for VoiceEntry {
    fn from(v: &VoiceInfo) -> Self {
        let row = v.language.map(|l| l.row());
        VoiceEntry {
            id: v.name.clone(),
            name: v.name.clone(),
            engine: v.engine.to_owned(),
            lang_code: row.map(|r| r.code.to_string()),
            language: row.map(|r| r.name.to_owned()),
            bcp47: row.map(|r| r.bcp47.to_owned()),
            gender: v.gender.as_str().to_owned(),
            speaks: v.speaks,
        }
    }
}

/// `{"voices": [...]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoiceList {
    pub voices: Vec<VoiceEntry>,
}

/// The listing's one setting; any other name is refused, never ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VoiceQuery {
    /// `true`: the voices as plain names (Kokoro-FastAPI's `legacy` listing).
    #[serde(default)]
    pub legacy: bool,
}

/// Every voice: `{"voices": [{"id", "name", "engine", "lang_code", "language", "bcp47",
/// "gender", "speaks"}]}` as Kokoro-FastAPI (0.4 and later) and Open WebUI read it; with
/// `?legacy=true`, `{"voices": ["af_heart", …]}`.
#[utoipa::path(
    get,
    path = "/v1/audio/voices",
    params(VoiceQuery),
    responses(
        (status = 200, description = "The voices", body = VoiceList),
        (status = 400, description = "A query parameter of the wrong type, or unknown", body = super::error::ErrorBody),
    ),
    tag = "voices"
)]
pub async fn voices(
    State(state): State<Arc<AppState>>,
    ApiQuery(query): ApiQuery<VoiceQuery>,
) -> Json<Value> {
    let voices = state.service.voices();
    if query.legacy {
        let names: Vec<&str> = voices.iter().map(|v| v.name.as_str()).collect();
        return Json(json!({ "voices": names }));
    }
    let list = VoiceList {
        voices: voices.iter().map(VoiceEntry::from).collect(),
    };
    Json(serde_json::to_value(list).unwrap_or_default())
}

/// One of OpenAI's model objects; every one is the engine's model.
fn model(id: &str) -> Value {
    json!({"id": id, "object": "model", "created": 0, "owned_by": "ttsd"})
}

/// OpenAI's model list: the names `model` takes, every one the engine's model.
#[utoipa::path(
    get,
    path = "/v1/models",
    responses((status = 200, description = "The models", body = Object)),
    tag = "voices"
)]
pub async fn models(State(state): State<Arc<AppState>>) -> Json<Value> {
    let models = state.service.catalogue().models();
    let data: Vec<Value> = models.iter().map(|id| model(id)).collect();
    Json(json!({"object": "list", "data": data}))
}

/// One model, as OpenAI's `GET /v1/models/{model}` returns it; 404 for a name `model` does
/// not take.
#[utoipa::path(
    get,
    path = "/v1/models/{model}",
    params(("model" = String, Path, description = "A model name")),
    responses(
        (status = 200, description = "The model", body = Object),
        (status = 404, description = "No such model", body = super::error::ErrorBody),
    ),
    tag = "voices"
)]
pub async fn retrieve_model(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<Value>, super::ApiError> {
    let models = state.service.catalogue().models();
    if models.contains(&id.as_str()) {
        return Ok(Json(model(&id)));
    }
    Err(super::ApiError::bad_request(
        format!(
            "the model '{}' does not exist; accepted: {}",
            crate::error::clip(&id, crate::error::MAX_QUOTED),
            models.join(", ")
        ),
        Some("model"),
    )
    .with_code("model_not_found")
    .with_status(axum::http::StatusCode::NOT_FOUND))
}

/// Open WebUI's voice listing, `{"voices": [{"id", "name"}]}`: only the voices that speak,
/// named with their language and gender.
#[utoipa::path(
    get,
    path = "/openwebui/v1/audio/voices",
    responses((status = 200, description = "The voices that speak", body = Object)),
    tag = "voices"
)]
pub async fn openwebui_voices(State(state): State<Arc<AppState>>) -> Json<Value> {
    let voices: Vec<Value> = state
        .service
        .voices()
        .iter()
        .filter(|v| v.speaks)
        .map(|v| {
            let language = v.language.map_or("", |l| l.row().name);
            json!({
                "id": v.name,
                "name": format!(
                    "{} ({}, {}; {})",
                    v.name,
                    language,
                    v.gender.as_str(),
                    v.engine
                ),
            })
        })
        .collect();
    Json(json!({ "voices": voices }))
}

/// Open WebUI's model listing, `{"models": [{"id", "name"}]}`.
#[utoipa::path(
    get,
    path = "/openwebui/v1/audio/models",
    responses((status = 200, description = "The models", body = Object)),
    tag = "voices"
)]
pub async fn openwebui_models(State(state): State<Arc<AppState>>) -> Json<Value> {
    let service = &state.service;
    let catalogue = service.catalogue();
    let models: Vec<Value> = catalogue
        .models()
        .iter()
        .map(|id| {
            let title = catalogue
                .engine_of_model(id)
                .ok()
                .and_then(|engine| service.spec_of(engine))
                .map_or("", |spec| spec.title);
            json!({"id": id, "name": format!("{id} ({title})")})
        })
        .collect();
    Json(json!({ "models": models }))
}

/// `/v1/audio/voices/combine`'s body, as Kokoro-FastAPI takes it: a blend or a list
/// of voices mixed equally.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(
    untagged,
    expecting = "expected a blend (a string such as \"af_bella(2)+af_sky(1)\") or an array of voice names"
)]
pub enum CombineRequest {
    /// `"af_bella(2)+af_sky(1)"`, `"af_bella-af_sky(0.3)"`.
    Blend(String),
    /// `["af_bella", "af_sky"]`.
    List(Vec<String>),
}

/// The blend of two or more voices, as the engine's voice file: for Kokoro, saved as
/// `voices/NAME.bin` (the name the `Content-Disposition` gives, in the first voice's
/// language), it is a voice like the others after a restart. Kokoro-FastAPI returns a
/// PyTorch `.pt` and only with local saving on (else a 403); ttsd saves nothing and
/// returns its own voice format (for Kokoro, f32 little-endian, 510 × 256).
#[utoipa::path(
    post,
    path = "/v1/audio/voices/combine",
    request_body = CombineRequest,
    responses(
        (status = 200, description = "The blended voice file", content(("application/octet-stream"))),
        (status = 400, description = "Fewer than two voices, an unknown voice or a bad weight", body = super::error::ErrorBody),
    ),
    tag = "voices"
)]
pub async fn combine(
    State(state): State<Arc<AppState>>,
    super::openai::ApiJson(request): super::openai::ApiJson<CombineRequest>,
) -> Result<axum::response::Response, super::ApiError> {
    use axum::response::IntoResponse;
    let synth = state.service.synth()?;
    let blend = match request {
        CombineRequest::Blend(blend) => blend,
        CombineRequest::List(names) => names.join("+"),
    };
    if crate::voice::parse_blend(&blend.to_ascii_lowercase())?.len() < 2 {
        return Err(super::ApiError::bad_request(
            "combine needs at least two voices: \"af_bella+af_sky\", \
             \"af_bella(2)+af_sky(1)\" or [\"af_bella\", \"af_sky\"]",
            Some("voice"),
        )
        .with_code("invalid_value"));
    }
    let voice = synth.voices().resolve(&blend)?;
    let file = synth.voices().file(&voice)?;
    let name = file_name(&voice.name);
    let disposition =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}.bin\""))
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/octet-stream"),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}

/// A blend's name as a voice file's (`[a-z0-9_]`, starting with the first voice's, so its
/// language letter comes first): `af_bella(2)+af_sky(1)` → `af_bella2_plus_af_sky1`.
fn file_name(blend: &str) -> String {
    let mut out = String::with_capacity(blend.len() + 8);
    for c in blend.chars() {
        match c {
            '+' => out.push_str("_plus_"),
            '-' => out.push_str("_minus_"),
            '.' => out.push('p'),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn blend_names_become_voice_file_names() {
        assert_eq!(file_name("af_bella(2)+af_sky(1)"), "af_bella2_plus_af_sky1");
        assert_eq!(
            file_name("af_bella(1)-af_sky(0.5)"),
            "af_bella1_minus_af_sky0p5"
        );
    }
}
