//! `GET /openapi.json`: the HTTP API in OpenAPI 3.1. Its paths come from the router's own
//! list (`http::routes`, through utoipa-axum's router), its operations from the handlers'
//! annotations, its schemas from the request and response types, and the audio and caption
//! responses' content types from the types that set them (`Format`, `CaptionFormat`): nothing
//! here lists a route or a content type again.

use std::sync::LazyLock;

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, Paths};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};
use utoipa_axum::router::UtoipaMethodRouter;

use super::error;
use crate::audio::Format;
use crate::captions::CaptionFormat;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ttsd",
        description = "A streaming text-to-speech server: Kokoro-82M behind OpenAI's speech API.",
        license(name = "Apache-2.0")
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "speech", description = "Text to speech"),
        (name = "voices", description = "Voices and models"),
        (name = "lexicons", description = "Pronunciation lexicons the server keeps (W3C PLS)"),
        (name = "health", description = "Health, readiness, facts and metrics"),
        (name = "web", description = "The page to try voices"),
    )
)]
struct Api;

/// The document's frame (its info, tags and security scheme), for the router to add the
/// paths to.
pub(super) fn frame() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// The name of the API key's security scheme.
const API_KEY: &str = "api_key";

/// The API key, when the server has any: `Authorization: Bearer KEY`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Needed when the server is started with API keys (`--api-key`)",
                    ))
                    .build(),
            ),
        );
    }
}

/// Marks each of `paths`' operations as taking the API key.
pub(super) fn keyed(paths: &mut Paths) {
    for item in paths.paths.values_mut() {
        for operation in operations(item) {
            operation.security = Some(vec![SecurityRequirement::new(
                API_KEY,
                Vec::<String>::new(),
            )]);
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// The same routes served at `path` too (`routes!` gives them at their annotation's path),
/// each operation's id suffixed with the new path's first segment so ids stay unique.
pub(super) fn alias<S>(path: &str, routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    let (schemas, paths, method_router) = routes;
    let suffix = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let mut moved = Paths::new();
    for (_, mut item) in paths.paths {
        for operation in operations(&mut item) {
            if let Some(id) = &mut operation.operation_id {
                id.push('_');
                id.push_str(suffix);
            }
        }
        moved.paths.insert(path.to_owned(), item);
    }
    (schemas, moved, method_router)
}

/// The whole document, built once from the router's list.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(super::document);

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)), tag = "health")]
pub async fn openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}

/// A response whose body may be any of `types`, with no schema (audio, a caption file).
fn response_of<'a>(description: &str, types: impl IntoIterator<Item = &'a str>) -> Response {
    types
        .into_iter()
        .fold(ResponseBuilder::new().description(description), |r, t| {
            r.content(t, ContentBuilder::new().build())
        })
        .build()
}

/// A 200 of encoded audio: one media type per [`Format`].
pub struct Audio;

impl<'r> utoipa::ToResponse<'r> for Audio {
    fn response() -> (&'r str, RefOr<Response>) {
        let types = Format::ALL.iter().map(|f| f.content_type());
        let description = "The audio in `response_format`, sent as it is made";
        ("Audio", response_of(description, types).into())
    }
}

/// A 200 of encoded audio, or of Server-Sent Events with `stream_format: "sse"`.
pub struct AudioOrEvents;

impl<'r> utoipa::ToResponse<'r> for AudioOrEvents {
    fn response() -> (&'r str, RefOr<Response>) {
        let types = Format::ALL
            .iter()
            .map(|f| f.content_type())
            .chain([super::speech::EVENT_STREAM]);
        let description = "The audio in `response_format`, sent as it is made; with \
                           `stream_format: \"sse\"`, Server-Sent Events (`speech.audio.delta`, \
                           with `timestamps: true` `speech.audio.timestamps`, then \
                           `speech.audio.done`)";
        ("AudioOrEvents", response_of(description, types).into())
    }
}

/// A 200 of a caption file: one media type per [`CaptionFormat`].
pub struct CaptionFile;

impl<'r> utoipa::ToResponse<'r> for CaptionFile {
    fn response() -> (&'r str, RefOr<Response>) {
        let types = CaptionFormat::ALL.iter().map(|f| f.content_type());
        ("CaptionFile", response_of("The caption file", types).into())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use crate::audio::Format;
    use crate::captions::CaptionFormat;
    use crate::http::document;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap_or_default()
    }

    /// Each operation as ("METHOD path", the operation).
    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                out.push((format!("{} {path}", method.to_ascii_uppercase()), op));
            }
        }
        out
    }

    fn media_types(response: &Value) -> BTreeSet<String> {
        response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect()
    }

    #[test]
    fn the_document_is_openapi_3_and_each_operation_is_whole_and_named_once() {
        let doc = doc();
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3."), "openapi {version:?}");
        assert!(doc["info"]["title"].is_string());
        let operations = operations(&doc);
        assert!(operations.len() >= 20, "{}", operations.len());
        let mut ids = BTreeSet::new();
        for (name, op) in &operations {
            assert!(
                op["responses"]["200"].is_object() || op["responses"]["101"].is_object(),
                "{name}"
            );
            assert!(op["tags"][0].is_string(), "{name} has a tag");
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_owned()),
                "{name}: operationId {id:?} twice"
            );
            // A path parameter is a `{…}` of its path; the rest are in the query.
            for param in op["parameters"].as_array().into_iter().flatten() {
                let (at, field) = (&param["in"], param["name"].as_str().unwrap_or_default());
                let templated = name.contains(&format!("{{{field}}}"));
                assert_eq!(at == "path", templated, "{name}: {field} in {at}");
            }
        }
        // Open WebUI's speech is the same operation as OpenAI's.
        let mut openwebui = doc["paths"]["/openwebui/v1/audio/speech"]["post"].clone();
        let mut openai = doc["paths"]["/v1/audio/speech"]["post"].clone();
        assert_eq!(openwebui["operationId"], "speech_openwebui");
        openwebui["operationId"] = Value::Null;
        openai["operationId"] = Value::Null;
        assert_eq!(openwebui, openai);
    }

    /// The router's list decides which routes take the key; the document says so.
    #[test]
    fn the_routes_behind_the_key_say_so() {
        let doc = doc();
        let keyed = |name: &str| {
            let (_, op) = operations(&doc)
                .into_iter()
                .find(|(n, _)| n == name)
                .unwrap_or_default();
            op["security"][0]["api_key"].is_array()
        };
        for open in [
            "GET /",
            "GET /js/main.js",
            "GET /health",
            "GET /ready",
            "GET /info",
            "GET /openapi.json",
            "GET /openwebui/v1/audio/voices",
        ] {
            assert!(!keyed(open), "{open}");
        }
        for needs in [
            "POST /v1/audio/speech",
            "POST /openwebui/v1/audio/speech",
            "GET /v1/audio/speech/stream",
            "GET /v1/audio/voices",
            "GET /metrics",
        ] {
            assert!(keyed(needs), "{needs}");
        }
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    }

    /// Audio and caption responses list the types the responses are sent with.
    #[test]
    fn response_types_come_from_the_formats() {
        let doc = doc();
        let audio: BTreeSet<String> = Format::ALL
            .iter()
            .map(|f| f.content_type().to_owned())
            .collect();
        let mut events = audio.clone();
        events.insert(crate::http::speech::EVENT_STREAM.to_owned());
        let ok =
            |path: &str, method: &str| media_types(&doc["paths"][path][method]["responses"]["200"]);
        assert_eq!(ok("/v1/audio/speech", "post"), events);
        assert_eq!(ok("/dev/dialogue", "post"), events);
        assert_eq!(ok("/dev/generate_from_phonemes", "post"), audio);
        assert_eq!(ok("/v1/audio/speech/stream", "post"), audio);
        let captions: BTreeSet<String> = CaptionFormat::ALL
            .iter()
            .map(|f| f.content_type().to_owned())
            .collect();
        assert_eq!(ok("/v1/audio/captions", "post"), captions);
        assert!(ok("/", "get").contains("text/html; charset=utf-8"));
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
