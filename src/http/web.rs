//! The page to try voices (`web/`): its files embedded in the binary at compile time, so
//! `ttsd serve` needs nothing beside its assets and works offline.
//!
//! The directory is the list: `build.rs` embeds every file under `web/`, and [`routes`]
//! serves each at its path (`index.html` at `/`) with the content type of its extension, and
//! describes each in the OpenAPI document. A new file needs nothing but itself.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Paths};
use utoipa::openapi::{ContentBuilder, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

/// Every file under `web/` as (its path there, its bytes), in path order.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Everything the page loads comes from this server (its scripts are ES modules, which
/// `script-src 'self'` covers); the audio plays from `blob:` URLs (MediaSource or a
/// finished file).
const CSP: &str = "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The content type of a file of the page, by its extension; `None` for a kind the page
/// does not use (a unit test keeps every file under `web/` one it knows).
fn content_type(name: &str) -> Option<&'static str> {
    let extension = name.rsplit_once('.').map(|(_, e)| e)?;
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        _ => return None,
    })
}

/// The route of a file under `web/`: `index.html` is the page itself, at `/`.
fn route(name: &str) -> String {
    match name {
        "index.html" => "/".to_owned(),
        _ => format!("/{name}"),
    }
}

/// Every file of the page as a `GET` route, each described in the OpenAPI document.
pub fn routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    FILES
        .iter()
        .fold(OpenApiRouter::new(), |router, &(name, body)| {
            let path = route(name);
            let content_type = content_type(name).unwrap_or("application/octet-stream");
            let operation = OperationBuilder::new()
                .summary(Some(format!("The page's file `web/{name}`")))
                .operation_id(Some(format!("web_{}", name.replace(['/', '.', '-'], "_"))))
                .tag("web")
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description(format!("`web/{name}`"))
                        .content(content_type, ContentBuilder::new().build()),
                );
            let paths = Paths::builder()
                .path(
                    path.clone(),
                    utoipa::openapi::PathItem::new(HttpMethod::Get, operation),
                )
                .build();
            router.routes((
                Vec::new(),
                paths,
                get(move || async move { asset(content_type, body) }),
            ))
        })
}

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Small files; revalidating keeps the page in step with the binary.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::{FILES, content_type, route};

    fn on_disk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                on_disk(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// What is embedded is exactly what is under `web/` now, hidden files aside (a build that
    /// missed a new or changed file would show here, not only in a browser), each of a known
    /// type.
    #[test]
    fn the_embedded_files_are_those_under_web() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut files = Vec::new();
        on_disk(&root, &mut files);
        let disk: BTreeMap<String, Vec<u8>> = files
            .iter()
            .filter_map(|p| {
                let name = p.strip_prefix(&root).ok()?.to_str()?.replace('\\', "/");
                Some((name, std::fs::read(p).ok()?))
            })
            .collect();
        let embedded: BTreeMap<String, Vec<u8>> = FILES
            .iter()
            .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
            .collect();
        assert_eq!(
            disk.keys().collect::<Vec<_>>(),
            embedded.keys().collect::<Vec<_>>()
        );
        assert_eq!(disk, embedded);
        for name in disk.keys() {
            assert!(content_type(name).is_some(), "web/{name}: no content type");
        }
        assert!(embedded.contains_key("index.html"));
    }

    #[test]
    fn the_page_is_at_the_root_and_each_file_at_its_path() {
        assert_eq!(route("index.html"), "/");
        assert_eq!(route("js/main.js"), "/js/main.js");
        assert_eq!(
            content_type("js/main.js"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(content_type("style.css"), Some("text/css; charset=utf-8"));
        assert_eq!(content_type("README"), None);
    }
}
