//! `GET /openapi.json`: the HTTP API in OpenAPI 3.1, derived by `utoipa` from the handlers'
//! annotations and the request and response types, so it cannot drift from them.

use axum::Json;
use utoipa::OpenApi;

use super::{captioned, dev, error, health, metrics, speech, upload, voices, web, ws};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ttsd",
        description = "A streaming text-to-speech server: Kokoro-82M behind OpenAI's speech API.",
        license(name = "Apache-2.0")
    ),
    paths(
        speech::speech,
        captioned::captioned_speech,
        captioned::captions,
        dev::phonemize,
        dev::generate_from_phonemes,
        dev::dialogue,
        voices::combine,
        ws::speech_stream,
        upload::speech_upload,
        voices::voices,
        voices::models,
        voices::retrieve_model,
        voices::openwebui_voices,
        voices::openwebui_models,
        health::health,
        health::ready,
        health::info,
        metrics::metrics,
        web::index,
        web::style_css,
        web::main_js,
        web::api_js,
        web::players_js,
        web::pcm_js,
        web::voices_js,
        web::ui_js,
        web::captions_js,
        web::stream_js,
        openapi,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&OpenWebUiSpeech, &BearerAuth),
    tags(
        (name = "speech", description = "Text to speech"),
        (name = "voices", description = "Voices and models"),
        (name = "health", description = "Health, readiness, facts and metrics"),
        (name = "web", description = "The page to try voices"),
    )
)]
struct Api;

/// `/openwebui/v1/audio/speech` is the same operation as `/v1/audio/speech`.
struct OpenWebUiSpeech;

impl utoipa::Modify for OpenWebUiSpeech {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(item) = doc.paths.paths.get("/v1/audio/speech").cloned() {
            doc.paths
                .paths
                .insert("/openwebui/v1/audio/speech".into(), item);
        }
    }
}

/// The API key, when the server has any: `Authorization: Bearer KEY`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)), tag = "health")]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::document;
    use crate::http::ROUTES;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap_or_default()
    }

    #[test]
    fn the_document_is_openapi_3_and_lists_exactly_the_routes() {
        let doc = doc();
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3."), "openapi {version:?}");
        assert!(doc["info"]["title"].is_string());
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                assert!(op["responses"].is_object(), "{method} {path} has responses");
                documented.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
        let served: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn every_reference_resolves_and_the_request_fields_are_there() {
        let doc = doc();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let pointer = r.strip_prefix('#').unwrap_or(&r);
            assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
        }
        let params = &doc["components"]["schemas"]["SpeechParams"]["properties"];
        for field in [
            "model",
            "input",
            "voice",
            "response_format",
            "speed",
            "stream",
            "stream_format",
            "lang_code",
            "normalization_options",
            "volume_multiplier",
        ] {
            assert!(
                params[field].is_object(),
                "SpeechParams.{field} in {params}"
            );
        }
        let entry = &doc["components"]["schemas"]["VoiceEntry"]["properties"];
        assert!(entry["speaks"].is_object(), "{entry}");
    }

    fn collect_refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => collect_refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
