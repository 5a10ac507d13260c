//! The web form is served: `/` (the demo page, or a placeholder when it is not built),
//! `/web/*` and `/pkg/*` with the right content types, `.wasm` as `application/wasm`; nothing
//! outside those directories.

use abjuan_e2e::Server;

/// A raw GET: status, the headers as one lower-cased text, and the body.
fn get(url: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = abjuan_e2e::raw::request(url, "GET", path, &[], b"");
    let head = r
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}\r\n", v.to_lowercase()))
        .collect();
    (r.status, head, r.body)
}

#[test]
fn serves_the_form_files_with_their_content_types() {
    let data = tempfile::tempdir().expect("tempdir");
    let web = tempfile::tempdir().expect("web");
    let pkg = tempfile::tempdir().expect("pkg");
    std::fs::write(web.path().join("index.html"), "<h1>表单</h1>").expect("write");
    std::fs::write(web.path().join("form.js"), "export {}").expect("write");
    std::fs::write(pkg.path().join("abjuan_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    let web_dir = web.path().to_str().expect("utf8");
    let pkg_dir = pkg.path().to_str().expect("utf8");
    let server = Server::start(data.path(), &["--web-dir", web_dir, "--pkg-dir", pkg_dir]);

    let (status, head, body) = get(&server.url, "/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert_eq!(body, "<h1>表单</h1>".as_bytes());
    let (status, head, _) = get(&server.url, "/web/form.js");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    let (status, head, body) = get(&server.url, "/pkg/abjuan_bg.wasm");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(&body[..4], b"\0asm");
    for path in [
        "/web/../../etc/passwd",
        "/web/%2e%2e/secret",
        "/pkg/missing.wasm",
    ] {
        let (status, _, body) = get(&server.url, path);
        assert_eq!(status, 404, "{path}");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json error");
        assert_eq!(v["code"], "not_found");
    }

    // Without the form built, `/` still answers with a placeholder page.
    let data2 = tempfile::tempdir().expect("tempdir");
    let bare = Server::start(
        data2.path(),
        &["--web-dir", "/nonexistent", "--pkg-dir", "/nonexistent"],
    );
    let (status, head, body) = get(&bare.url, "/");
    assert_eq!(status, 200);
    assert!(head.contains("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("abjuan"));
}
