//! `/v1/audio/lexicons`: the pronunciation lexicons the server keeps (PLS 1.0 documents or
//! JSON lists in, PLS out). Behind the API key; the store and its rules are
//! [`crate::lexicon`]'s.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::openai::body_error;
use crate::Error;
use crate::lexicon::{Lexicon, Summary};

/// The largest lexicon upload (this route's own body limit, whatever `--max-body-bytes`).
pub use crate::lexicon::MAX_DOCUMENT_BYTES as MAX_BODY_BYTES;

/// PLS's media type (RFC 4267); `GET` answers with it.
const PLS: &str = "application/pls+xml";

/// The lexicon's name in the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NameParam {
    /// 1 to 64 lower-case letters, digits, `-` and `_`, starting with a letter or digit.
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PutQuery {
    /// The language of a JSON list (BCP 47: `en-US`, `en`, `fr`); default `en`. A PLS
    /// document says its own (`xml:lang`); given with one, it must agree.
    pub language: Option<String>,
}

/// `{"lexicons": [{"name", "language", "entries"}]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LexiconList {
    pub lexicons: Vec<Summary>,
}

/// A deleted lexicon.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub name: String,
    pub deleted: bool,
}

/// A lexicon's name from the path, or the rejection in OpenAI's shape.
fn name(path: Result<Path<NameParam>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p.name)
        .map_err(|e| ApiError::bad_request(format!("the lexicon's name: {e}"), Some("name")))
}

/// A core error as an API error; a lexicon that is not there is a 404, one in the
/// server's default list a 409.
fn api_error(e: Error) -> ApiError {
    let api = ApiError::from(e);
    match api.code {
        Some("lexicon_not_found") => ApiError {
            param: None,
            ..api.with_status(StatusCode::NOT_FOUND)
        },
        Some("lexicon_in_use") => api.with_status(StatusCode::CONFLICT),
        _ => api,
    }
}

/// Stores a lexicon under `name`, in place of any of that name. The document is checked
/// whole before anything changes: a bad one is a 400 naming the line (or entry) and the
/// element, and the old lexicon stays. Written to disk (atomically) before it is used.
#[utoipa::path(
    put,
    path = "/v1/audio/lexicons/{name}",
    params(NameParam, PutQuery),
    request_body(
        description = "A PLS 1.0 document (alphabet=\"ipa\", xml:lang) or a JSON list of entries",
        content(
            (String = "application/pls+xml"),
            (Vec<crate::lexicon::JsonEntry> = "application/json")
        )
    ),
    responses(
        (status = 201, description = "Stored under a new name", body = Summary),
        (status = 200, description = "Stored in place of the lexicon of that name", body = Summary),
        (status = 400, description = "Not a lexicon ttsd can use; nothing changed", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 413, description = "Larger than 4 MiB", body = ErrorBody),
        (status = 415, description = "Neither PLS nor JSON", body = ErrorBody),
    ),
    tag = "lexicons"
)]
pub async fn put(
    State(state): State<Arc<AppState>>,
    path: Result<Path<NameParam>, PathRejection>,
    query: Result<Query<PutQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = name(path)?;
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("the query: {e}"), Some("language")))?;
    let format = Format::of(&headers)?;
    let body = body.map_err(body_error)?;
    let store = Arc::clone(state.service.lexicons());
    let stored = name.clone();
    // Reading 10,000 entries and writing them out are blocking work.
    let (created, summary) = tokio::task::spawn_blocking(move || {
        let lexicon = format.read(&body, query.language.as_deref(), store.vocab())?;
        let summary = Summary {
            name: stored.clone(),
            language: lexicon.language().to_owned(),
            entries: lexicon.len(),
        };
        Ok::<_, Error>((store.put(&stored, lexicon)?, summary))
    })
    .await
    .map_err(|e| ApiError::from(Error::Internal(format!("storing a lexicon: {e}"))))?
    .map_err(api_error)?;
    tracing::info!(
        lexicon = %name,
        language = %summary.language,
        entries = summary.entries,
        created,
        "lexicon stored"
    );
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Json(summary)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/audio/lexicons/{name}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// What an upload is.
#[derive(Debug, Clone, Copy)]
enum Format {
    Pls,
    Json,
}

impl Format {
    /// From `Content-Type`: PLS (`application/pls+xml`, `application/xml`, `text/xml`) or
    /// JSON; anything else is a 415 saying what to send.
    fn of(headers: &HeaderMap) -> Result<Format, ApiError> {
        let given = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = given
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            PLS | "application/xml" | "text/xml" => Ok(Format::Pls),
            "application/json" => Ok(Format::Json),
            _ => Err(ApiError::bad_request(
                format!(
                    "send a lexicon as {PLS} (a PLS 1.0 document) or application/json (a \
                     list of {{\"grapheme\", \"phoneme\" or \"alias\"}}); the Content-Type was \
                     '{}'",
                    crate::error::clip(given, crate::error::MAX_QUOTED)
                ),
                None,
            )
            .with_code("unsupported_media_type")
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)),
        }
    }

    /// The lexicon in `body`.
    fn read(
        self,
        body: &[u8],
        language: Option<&str>,
        vocab: &crate::text::Vocab,
    ) -> crate::Result<Lexicon> {
        match self {
            Format::Json => Lexicon::from_json(body, language.unwrap_or("en"), vocab),
            Format::Pls => {
                let document = String::from_utf8(body.to_vec())
                    .map_err(|_| Error::invalid("lexicon", "the document is not UTF-8"))?;
                let lexicon = Lexicon::from_pls(document, vocab)?;
                match language {
                    Some(l) if !l.trim().eq_ignore_ascii_case(lexicon.language()) => {
                        Err(Error::invalid(
                            "language",
                            format!(
                                "language '{}' is not the document's xml:lang '{}' (a PLS \
                                 document says its language itself)",
                                crate::error::clip(l, crate::error::MAX_QUOTED),
                                lexicon.language()
                            ),
                        ))
                    }
                    _ => Ok(lexicon),
                }
            }
        }
    }
}

/// A lexicon, as the PLS document it is kept as (a JSON upload's equivalent PLS).
#[utoipa::path(
    get,
    path = "/v1/audio/lexicons/{name}",
    params(NameParam),
    responses(
        (status = 200, description = "The PLS document", content_type = "application/pls+xml", body = String),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No lexicon of this name", body = ErrorBody),
    ),
    tag = "lexicons"
)]
pub async fn get(
    State(state): State<Arc<AppState>>,
    path: Result<Path<NameParam>, PathRejection>,
) -> Result<Response, ApiError> {
    let lexicon = state
        .service
        .lexicons()
        .get(&name(path)?)
        .map_err(api_error)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pls+xml; charset=utf-8"),
        )],
        lexicon.document().to_owned(),
    )
        .into_response())
}

/// Every lexicon: name, language and entry count.
#[utoipa::path(
    get,
    path = "/v1/audio/lexicons",
    responses(
        (status = 200, description = "The lexicons, by name", body = LexiconList),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
    ),
    tag = "lexicons"
)]
pub async fn list(State(state): State<Arc<AppState>>) -> Json<LexiconList> {
    Json(LexiconList {
        lexicons: state.service.lexicons().list(),
    })
}

/// Removes a lexicon (its file, then from use). One in the server's default list
/// (`--lexicons`) stays: a 409.
#[utoipa::path(
    delete,
    path = "/v1/audio/lexicons/{name}",
    params(NameParam),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No lexicon of this name", body = ErrorBody),
        (status = 409, description = "In the server's default list (--lexicons)", body = ErrorBody),
    ),
    tag = "lexicons"
)]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    path: Result<Path<NameParam>, PathRejection>,
) -> Result<Json<Deleted>, ApiError> {
    let name = name(path)?;
    let store = Arc::clone(state.service.lexicons());
    let removed = name.clone();
    tokio::task::spawn_blocking(move || store.delete(&removed))
        .await
        .map_err(|e| ApiError::from(Error::Internal(format!("deleting a lexicon: {e}"))))?
        .map_err(api_error)?;
    tracing::info!(lexicon = %name, "lexicon deleted");
    Ok(Json(Deleted {
        name,
        deleted: true,
    }))
}
