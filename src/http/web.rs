//! The page to try voices (`web/`): its files embedded in the binary at compile time, so
//! `ttsd serve` needs nothing beside its assets and works offline.
//!
//! One table, `page_files!`, names each file once: its route, the file under `web/`, its
//! content type and a description. From it come the handlers (each documented for the
//! OpenAPI document, whose `paths(...)` lists them), [`routes`] and `FILES`.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ApiError;

/// Everything the page loads comes from this server (its scripts are ES modules, which
/// `script-src 'self'` covers); the audio plays from `blob:` URLs (MediaSource or a
/// finished file).
const CSP: &str = "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// One of the page's files.
#[derive(Debug)]
struct File {
    /// Its route.
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

fn asset(file: &File) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
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
        file.body,
    )
        .into_response()
}

/// `handler: route => file under web/, content type, description;` for each file. A macro
/// because utoipa documents a path through an attribute on a handler of its own.
macro_rules! page_files {
    ($($handler:ident: $path:tt => $name:tt, $type:ident, $what:tt;)*) => {
        /// Every file of the page.
        const FILES: &[File] = &[$(File {
            path: $path,
            content_type: $type,
            body: include_str!(concat!("../../web/", $name)),
        }),*];

        $(
            #[doc = $what]
            #[utoipa::path(get, path = $path, responses((status = 200, description = $what, content_type = $type)), tag = "web")]
            pub async fn $handler() -> Response {
                serve($path)
            }
        )*

        /// The page's routes.
        pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
            Router::new()$(.route($path, get($handler)))*
        }
    };
}

/// The file of route `path` (always listed: each handler is made with its file).
fn serve(path: &str) -> Response {
    match FILES.iter().find(|f| f.path == path) {
        Some(file) => asset(file),
        None => ApiError::not_found().into_response(),
    }
}

page_files! {
    index: "/" => "index.html", HTML, "The page";
    style_css: "/style.css" => "style.css", CSS, "The page's style sheet";
    main_js: "/js/main.js" => "js/main.js", JS, "The page's controller (an ES module)";
    api_js: "/js/api.js" => "js/api.js", JS, "The page's API calls";
    players_js: "/js/players.js" => "js/players.js", JS, "The page's audio players";
    pcm_js: "/js/pcm.js" => "js/pcm.js", JS, "The page's pcm framing and WAV files";
    voices_js: "/js/voices.js" => "js/voices.js", JS, "The page's voice list and blends";
    ui_js: "/js/ui.js" => "js/ui.js", JS, "The page's rendering";
    captions_js: "/js/captions.js" => "js/captions.js", JS, "The page's word times and WebVTT";
    stream_js: "/js/stream.js" => "js/stream.js", JS, "The page's text streamed in over the WebSocket";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::FILES;
    use crate::http::ROUTES;

    /// Each file is a route, and each file under `web/` is served (a module left out would
    /// only show in a browser).
    #[test]
    fn every_file_under_web_is_served_and_routed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    on_disk.push(path);
                }
            }
        }
        assert_eq!(on_disk.len(), FILES.len(), "{on_disk:?}");
        for path in &on_disk {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            assert!(
                FILES.iter().any(|f| f.body == text),
                "{} is not served",
                path.display()
            );
        }
        let paths: BTreeSet<&str> = FILES.iter().map(|f| f.path).collect();
        assert_eq!(paths.len(), FILES.len(), "two files on one route");
        for path in paths {
            assert!(ROUTES.contains(&("GET", path)), "{path} is not in ROUTES");
        }
    }
}
