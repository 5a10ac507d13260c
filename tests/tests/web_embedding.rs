//! The demo page and embedding the form in another origin's page, over the real server:
//! `/` serves the form itself, the service worker may control the whole site
//! (`Service-Worker-Allowed: /`), and only the origins given with `--allow-origin` get CORS
//! headers: a preflight and a real `POST /v1/sync` from a listed origin carry them, an unlisted
//! origin gets none (so the browser keeps the response from its page).

use std::path::PathBuf;

use abjuan_e2e::raw::{request, RawResponse};
use abjuan_e2e::{new_id, Server};

const ALLOWED: &str = "http://platform.example:8443";
const ALSO: &str = "https://gov.example";
const UNLISTED: &str = "https://evil.example";

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasm-forms/web")
}

fn start(dir: &std::path::Path, extra: &[&str]) -> Server {
    let web = web_dir();
    let mut args = vec!["--web-dir", web.to_str().expect("utf8")];
    args.extend_from_slice(extra);
    Server::start(dir, &args)
}

fn preflight(server: &Server, origin: &str, path: &str) -> RawResponse {
    request(
        &server.url,
        "OPTIONS",
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, content-encoding",
            ),
        ],
        b"",
    )
}

fn sync_from(server: &Server, origin: &str) -> RawResponse {
    let body = format!(
        r#"{{"docs":[{{"dossier":"{}","volume":"a","heads":[],"changes":[]}}]}}"#,
        new_id()
    );
    request(
        &server.url,
        "POST",
        "/v1/sync",
        &[("Origin", origin), ("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn the_demo_page_is_at_the_root_and_its_service_worker_may_control_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), &[]);

    let root = request(&server.url, "GET", "/", &[], b"");
    assert_eq!(root.status, 200, "the form itself, no redirect");
    assert!(root.header("location").is_none());
    assert!(
        root.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        root.headers
    );
    let page = String::from_utf8_lossy(&root.body);
    assert!(page.contains("<abjuan-dossier-form"), "{page}");
    // The page registers /web/sw.js for scope "/": the header below is what allows it.
    assert!(page.contains("/web/sw.js"), "{page}");

    let sw = request(&server.url, "GET", "/web/sw.js", &[], b"");
    assert_eq!(sw.status, 200);
    assert_eq!(sw.header("service-worker-allowed"), Some("/"));
    assert_eq!(sw.header("cache-control"), Some("no-cache"));
    assert!(
        sw.header("content-type")
            .is_some_and(|t| t.starts_with("text/javascript")),
        "{:?}",
        sw.headers
    );
    assert!(String::from_utf8_lossy(&sw.body).contains("addEventListener('fetch'"));

    // Only the service worker widens its scope.
    let element = request(&server.url, "GET", "/web/abjuan-dossier-form.js", &[], b"");
    assert_eq!(element.status, 200);
    assert!(element.header("service-worker-allowed").is_none());
}

#[test]
fn only_listed_origins_get_cors_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(
        dir.path(),
        &["--allow-origin", ALLOWED, "--allow-origin", ALSO],
    );

    for (origin, path) in [
        (ALLOWED, "/v1/sync"),
        (ALSO, "/v1/dossiers"),
        (ALLOWED, "/web/abjuan-dossier-form.js"),
    ] {
        let pre = preflight(&server, origin, path);
        assert_eq!(pre.status, 204, "{path}: {:?}", pre.headers);
        assert_eq!(pre.header("access-control-allow-origin"), Some(origin));
        assert!(pre.header("vary").is_some_and(|v| v.contains("Origin")));
        let methods = pre.header("access-control-allow-methods").unwrap_or("");
        for m in ["GET", "POST"] {
            assert!(methods.contains(m), "{methods}");
        }
        let allowed = pre
            .header("access-control-allow-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        for h in ["authorization", "content-type", "content-encoding"] {
            assert!(allowed.contains(h), "{allowed}");
        }
        assert!(pre.header("access-control-max-age").is_some());
        // Credentials are a header, never cookies: no wildcard, no Allow-Credentials.
        assert!(pre.header("access-control-allow-credentials").is_none());
    }

    // An unlisted origin (or one that only looks alike) gets no CORS header at all.
    for origin in [
        UNLISTED,
        "http://platform.example:8444",
        "http://platform.example:8443.evil.example",
        "null",
    ] {
        let pre = preflight(&server, origin, "/v1/sync");
        assert!(pre.cors_headers().is_empty(), "{origin}: {:?}", pre.headers);
        let post = sync_from(&server, origin);
        assert_eq!(post.status, 200, "same answer, only the browser blocks it");
        assert!(
            post.cors_headers().is_empty(),
            "{origin}: {:?}",
            post.headers
        );
    }

    // A real sync from the listed origin carries the header (and its reply is the usual one).
    let post = sync_from(&server, ALLOWED);
    assert_eq!(post.status, 200, "{}", String::from_utf8_lossy(&post.body));
    assert_eq!(post.header("access-control-allow-origin"), Some(ALLOWED));
    assert!(post.header("vary").is_some_and(|v| v.contains("Origin")));
    assert!(post
        .header("access-control-expose-headers")
        .is_some_and(|h| h.contains("Retry-After")));
    let reply: serde_json::Value = serde_json::from_slice(&post.body).expect("json");
    assert_eq!(reply["docs"][0]["ok"], true, "{reply}");

    // Errors from a listed origin carry it too, so the page can read the code.
    let bad = request(
        &server.url,
        "POST",
        "/v1/sync",
        &[("Origin", ALLOWED), ("Content-Type", "text/plain")],
        b"x",
    );
    assert_eq!(bad.status, 415);
    assert_eq!(bad.header("access-control-allow-origin"), Some(ALLOWED));
    let err: serde_json::Value = serde_json::from_slice(&bad.body).expect("json");
    assert_eq!(err["code"], "unsupported_media_type");

    // The form's files too: a module script from another origin is a CORS fetch.
    let js = request(
        &server.url,
        "GET",
        "/web/abjuan-dossier-form.js",
        &[("Origin", ALLOWED)],
        b"",
    );
    assert_eq!(js.status, 200);
    assert_eq!(js.header("access-control-allow-origin"), Some(ALLOWED));
}

#[test]
fn no_origin_is_allowed_by_default_and_wildcards_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path(), &[]);
    let pre = preflight(&server, ALLOWED, "/v1/sync");
    assert_eq!(pre.status, 204);
    assert!(pre.cors_headers().is_empty(), "{:?}", pre.headers);
    let post = sync_from(&server, ALLOWED);
    assert_eq!(post.status, 200);
    assert!(post.cors_headers().is_empty(), "{:?}", post.headers);
    drop(server);

    // `*` (or anything that is not an origin) is refused at start.
    for bad in ["*", "https://x.example/path"] {
        let out = std::process::Command::new(abjuan_e2e::binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(["--allow-origin", bad])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not an origin"), "{err}");
    }

    // The environment variable takes a comma-separated list.
    let server = Server::start_with_env(
        dir.path(),
        &[],
        &[("ABJUAN_ALLOW_ORIGIN", &format!("{UNLISTED}, {ALLOWED}"))],
    );
    let pre = preflight(&server, ALLOWED, "/v1/sync");
    assert_eq!(pre.header("access-control-allow-origin"), Some(ALLOWED));
    let pre = preflight(&server, UNLISTED, "/v1/sync");
    assert_eq!(pre.header("access-control-allow-origin"), Some(UNLISTED));
}
