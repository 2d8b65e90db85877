//! `GET /v1/audio/voices` (Kokoro-FastAPI's shape, plus details), `GET /v1/models`, and the
//! listings Open WebUI reads under its own base URL (`/openwebui/v1/audio/{voices,models}`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;
use super::openai::MODELS;

/// `{"voices": ["af_heart", …], "details": [{"name", "lang_code", "language", "gender"}]}`.
pub async fn voices(State(state): State<Arc<AppState>>) -> Json<Value> {
    let names: Vec<&str> = state.voice_list.iter().map(|v| v.name.as_str()).collect();
    Json(json!({"voices": names, "details": state.voice_list}))
}

/// OpenAI's model list; every entry is Kokoro-82M.
pub async fn models() -> Json<Value> {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "ttsd"}))
        .collect();
    Json(json!({"object": "list", "data": data}))
}

/// Open WebUI's voice listing, `{"voices": [{"id", "name"}]}`: only the voices that speak
/// now (a voice of a language without grapheme-to-phoneme yet would only fail there).
/// Kokoro-FastAPI's clients read plain names from `/v1/audio/voices` instead, so the two
/// shapes live at two paths.
pub async fn openwebui_voices(State(state): State<Arc<AppState>>) -> Json<Value> {
    let voices: Vec<Value> = state
        .voice_list
        .iter()
        .filter(|v| v.supported)
        .map(|v| {
            json!({
                "id": v.name,
                "name": format!("{} ({}, {})", v.name, v.language, v.gender),
            })
        })
        .collect();
    Json(json!({ "voices": voices }))
}

/// Open WebUI's model listing, `{"models": [{"id", "name"}]}`.
pub async fn openwebui_models() -> Json<Value> {
    let models: Vec<Value> = MODELS
        .iter()
        .map(|id| json!({"id": id, "name": format!("{id} (Kokoro-82M)")}))
        .collect();
    Json(json!({ "models": models }))
}
