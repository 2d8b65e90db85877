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

#[test]
fn the_page_its_script_and_its_style_are_served_from_the_binary() {
    let _serial = serial();
    let server = Server::start(&[]);

    let (status, content_type, html) = get(&server, "/");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.contains("<script src=\"/app.js\""), "{html}");
    for id in [
        "text", "voice", "speed", "format", "play", "stop", "download", "ttfa", "progress",
    ] {
        assert!(
            html.contains(&format!("data-testid=\"{id}\"")),
            "no data-testid={id}"
        );
    }

    let (status, content_type, js) = get(&server, "/app.js");
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );
    assert!(js.contains("MediaSource.isTypeSupported('audio/mpeg')"));
    assert_eq!(js, include_str!("../web/app.js"));

    let (status, content_type, css) = get(&server, "/style.css");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/css"), "{content_type}");
    assert_eq!(css, include_str!("../web/style.css"));

    // Nothing else is served from the page's directory.
    assert_eq!(get(&server, "/index.html").0, 404);
}
