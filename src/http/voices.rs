//! `GET /v1/audio/voices` (Kokoro-FastAPI's shape, plus details) and `GET /v1/models`.

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
