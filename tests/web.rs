//! The page (`web/`) is served by the binary itself, with the right content types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{Server, serial};

/// A GET's status, content type, cache header and body.
fn get(server: &Server, path: &str) -> (u16, String, String, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let resp = reqwest::get(server.url(path)).await.expect("GET");
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let cache = header(reqwest::header::CACHE_CONTROL);
        let body = resp.bytes().await.expect("body").to_vec();
        (status, content_type, cache, body)
    })
}

/// Every file under `web/`, as (its path there with `/` separators, its bytes).
fn files_on_disk() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_str().unwrap().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.strip_prefix(&root).unwrap().to_str().unwrap();
                out.push((name.replace('\\', "/"), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The type a browser must be given for a file of the page (a module script needs a
/// JavaScript type, or the browser refuses it).
fn expected_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        _ => panic!("web/{name}: a file of a kind the page has not had before"),
    }
}

#[test]
fn the_page_and_its_modules_are_served_from_the_binary() {
    let _serial = serial();
    let server = Server::start(&[]);

    let files = files_on_disk();
    assert!(files.len() >= 3, "{files:?}");
    for (name, bytes) in &files {
        let path = match name.as_str() {
            "index.html" => "/".to_owned(),
            _ => format!("/{name}"),
        };
        let (status, content_type, cache, served) = get(&server, &path);
        assert_eq!(status, 200, "{path}");
        assert!(
            content_type.starts_with(expected_type(name)),
            "{path}: {content_type}"
        );
        assert_eq!(cache, "no-cache", "{path}");
        assert!(&served == bytes, "{path} is not web/{name}");
    }
    let text = |name: &str| {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8(bytes.clone()).unwrap()
    };
    let html = text("index.html");
    assert!(
        html.contains("<script type=\"module\" src=\"/js/main.js\">"),
        "{html}"
    );
    for id in [
        "text", "voice", "speed", "format", "play", "stop", "download", "ttfa", "progress",
    ] {
        assert!(
            html.contains(&format!("data-testid=\"{id}\"")),
            "no data-testid={id}"
        );
    }
    // Every module the page imports is a file of it: each `from './x.js'` names one.
    for (name, _) in files.iter().filter(|f| f.0.ends_with(".js")) {
        for import in text(name).split("from './").skip(1) {
            let module = import.split('\'').next().unwrap_or_default();
            assert!(
                files.iter().any(|f| f.0 == format!("js/{module}")),
                "web/{name} imports {module}, which is not in web/js/"
            );
        }
    }

    // Nothing else is served from the page's directory.
    assert_eq!(get(&server, "/index.html").0, 404);
    assert_eq!(get(&server, "/app.js").0, 404);
}
