//! The page (`web/`) is served by the binary itself, with the right content types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, serial};

fn get(server: &Server, path: &str) -> (u16, String, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let resp = reqwest::get(server.url(path)).await.expect("GET");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, content_type, resp.text().await.expect("body"))
    })
}

/// Each of the page's files, with the content type it must be served with.
const FILES: &[(&str, &str, &str)] = &[
    ("/", "text/html", include_str!("../web/index.html")),
    ("/style.css", "text/css", include_str!("../web/style.css")),
    (
        "/js/main.js",
        "text/javascript",
        include_str!("../web/js/main.js"),
    ),
    (
        "/js/api.js",
        "text/javascript",
        include_str!("../web/js/api.js"),
    ),
    (
        "/js/players.js",
        "text/javascript",
        include_str!("../web/js/players.js"),
    ),
    (
        "/js/pcm.js",
        "text/javascript",
        include_str!("../web/js/pcm.js"),
    ),
    (
        "/js/voices.js",
        "text/javascript",
        include_str!("../web/js/voices.js"),
    ),
    (
        "/js/ui.js",
        "text/javascript",
        include_str!("../web/js/ui.js"),
    ),
    (
        "/js/captions.js",
        "text/javascript",
        include_str!("../web/js/captions.js"),
    ),
    (
        "/js/stream.js",
        "text/javascript",
        include_str!("../web/js/stream.js"),
    ),
];

#[test]
fn the_page_and_its_modules_are_served_from_the_binary() {
    let _serial = serial();
    let server = Server::start(&[]);

    for (path, kind, body) in FILES {
        let (status, content_type, served) = get(&server, path);
        assert_eq!(status, 200, "{path}");
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert_eq!(&served, body, "{path}");
    }
    let (_, _, html) = get(&server, "/");
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
    // Every module the page imports is served: each `from './x.js'` names one.
    for (path, _, js) in FILES.iter().filter(|f| f.0.ends_with(".js")) {
        for import in js.split("from './").skip(1) {
            let name = import.split('\'').next().unwrap_or_default();
            assert!(
                FILES.iter().any(|f| f.0 == format!("/js/{name}")),
                "{path} imports {name}, which is not served"
            );
        }
    }

    // Nothing else is served from the page's directory.
    assert_eq!(get(&server, "/index.html").0, 404);
    assert_eq!(get(&server, "/app.js").0, 404);
}
