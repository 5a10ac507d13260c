//! The contract held to the router (every operation routed, undeclared methods answered 405
//! with `Allow`) and to the hand-written document (the same operations, no error response
//! written by hand, every made response well formed). `warp::test`, no socket.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use abjuan_shared::access::Role;
use serde_json::Value;
use warp::http::StatusCode;

use super::{allow_value, build, methods_of, path_matches, Access, BASE, OPERATIONS};
use crate::auth::testing::{self, add_person, add_units};
use crate::error::ApiError;
use crate::http::{routes, AppState};
use crate::store::sqlite::SqliteStore;
use crate::sync::{Engine, Limits};

/// The whole router over fresh stores with one account (so no demo mode), and a file in the
/// web and package directories.
fn state() -> (tempfile::TempDir, AppState) {
    let (dir, g) = testing::gate(false);
    add_units(&g, &[("puzhou", "蒲州")]);
    add_person(&g, "wang", Role::Officer, Some("puzhou"));
    let gate = Arc::new(g);
    let book = testing::book(dir.path());
    let admin = testing::admin(&gate, &book);
    let store: Arc<dyn crate::store::Store> =
        Arc::new(SqliteStore::open(dir.path()).expect("store"));
    let blobs = Arc::new(crate::blobs::Blobs::new(
        Arc::new(crate::blobs::FsBlobStore::open(dir.path()).expect("blobs")),
        store.clone(),
        crate::blobs::Limits {
            max_blob_bytes: 1 << 20,
            per_device_day: 1 << 24,
            grace: Duration::from_secs(3600),
            sweep_every: Duration::from_secs(3600),
            idle: Duration::from_secs(5),
        },
    ));
    let engine = Arc::new(Engine::new(store, 1 << 20, Limits::default()).with_rules(book.clone()));
    for sub in ["web", "pkg"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("dir");
        std::fs::write(dir.path().join(sub).join("x.js"), "1").expect("file");
    }
    let state = AppState {
        engine,
        max_body_bytes: 1 << 20,
        timeout: Duration::from_secs(5),
        web_dir: dir.path().join("web"),
        pkg_dir: dir.path().join("pkg"),
        gate,
        admin,
        rules: book,
        cors: crate::http::cors::AllowedOrigins::default(),
        blobs,
    };
    (dir, state)
}

/// A request path for a template.
fn concrete(template: &str) -> String {
    template
        .replace("{id}", "0193a1b2-0000-7000-8000-000000000001")
        .replace("{version}", "1")
        .replace("{path}", "x.js")
        .replace(
            "{sha256}",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
async fn every_operation_is_routed() {
    let (_dir, state) = state();
    let api = routes(state);
    for op in OPERATIONS {
        let path = concrete(op.path);
        let mut req = warp::test::request().method(op.method).path(&path);
        if op.method == "POST" {
            req = req.header("content-type", "application/json").body("{}");
        }
        let resp = req.reply(&api).await;
        let status = resp.status();
        match op.access {
            // Behind the gate: no credential is 401, so the route exists.
            Access::Device => assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{} {path}: {:?}",
                op.method,
                resp.body()
            ),
            Access::Public => assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{} {path}: {status}",
                op.method
            ),
        }
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(
                resp.headers()["www-authenticate"],
                super::WWW_AUTHENTICATE,
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn undeclared_methods_get_405_with_allow() {
    let (_dir, state) = state();
    let api = routes(state);
    let paths: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.path).collect();
    for template in paths {
        let path = concrete(template);
        let declared = methods_of(&path);
        assert!(!declared.is_empty(), "{path}");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "HEAD"] {
            if declared.contains(&method) {
                continue;
            }
            let resp = warp::test::request()
                .method(method)
                .path(&path)
                .reply(&api)
                .await;
            assert_eq!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(resp.headers()["allow"], allow_value(&declared).as_str());
            assert_eq!(code(resp.body()), "method_not_allowed");
        }
        let options = warp::test::request()
            .method("OPTIONS")
            .path(&path)
            .reply(&api)
            .await;
        assert_eq!(options.status(), StatusCode::NO_CONTENT, "OPTIONS {path}");
        assert_eq!(options.headers()["allow"], allow_value(&declared).as_str());
    }
}

#[tokio::test]
async fn unknown_paths_are_not_found_whatever_the_method() {
    let (_dir, state) = state();
    let api = routes(state);
    for (method, path) in [
        ("GET", "/v1/nothing"),
        ("DELETE", "/v1/nothing"),
        (
            "POST",
            "/v1/dossiers/0193a1b2-0000-7000-8000-000000000001/unknown",
        ),
        ("TRACE", "/v1/sync/more"),
    ] {
        let resp = warp::test::request()
            .method(method)
            .path(path)
            .reply(&api)
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(code(resp.body()), "not_found");
    }
}

#[test]
fn templates_match_whole_segments() {
    assert!(path_matches("/v1/dossiers/{id}", "/v1/dossiers/abc"));
    assert!(!path_matches("/v1/dossiers/{id}", "/v1/dossiers/"));
    assert!(!path_matches("/v1/dossiers/{id}", "/v1/dossiers/a/b"));
    assert!(path_matches("/web/{path}", "/web/a/b.js"));
    assert!(!path_matches("/web/{path}", "/web/"));
    assert!(path_matches("/", "/"));
    assert!(!path_matches("/", "/x"));
    assert_eq!(methods_of("/v1/dossiers/x/shares"), ["GET", "POST"]);
}

fn operations_of(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if method != "parameters" {
                out.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_file_has_exactly_the_operations_and_no_error_response() {
    let base: Value = serde_json::from_str(BASE).expect("openapi.json is JSON");
    let listed: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.method.to_owned(), o.path.to_owned()))
        .collect();
    assert_eq!(operations_of(&base), listed);
    for (method, path) in &listed {
        let op = &base["paths"][path][method.to_ascii_lowercase()];
        for status in op["responses"].as_object().expect("responses").keys() {
            assert!(
                status.starts_with('2') || status.starts_with('3'),
                "{method} {path}: error response {status} is written by hand; list its codes \
                 in contract/operations.rs instead"
            );
        }
        assert!(op.get("security").is_none(), "{method} {path}: security");
    }
}

#[test]
fn the_document_names_each_error_with_its_headers() {
    for demo in [false, true] {
        let doc = build(demo).expect("document");
        for op in OPERATIONS {
            let o = &doc["paths"][op.path][op.method.to_ascii_lowercase()];
            for e in op.errors() {
                let r = &o["responses"][e.status().as_str()];
                let codes = &r["content"]["application/json"]["schema"]["allOf"][1]["properties"]
                    ["code"]["enum"];
                assert!(
                    codes
                        .as_array()
                        .expect("codes")
                        .contains(&Value::from(e.code())),
                    "{} {}: {}",
                    op.method,
                    op.path,
                    e.code()
                );
            }
            let responses = o["responses"].as_object().expect("responses");
            if let Some(r) = responses.get("401") {
                assert_eq!(r["headers"]["WWW-Authenticate"]["required"], true);
            }
            if let Some(r) = responses.get("429") {
                assert_eq!(r["headers"]["Retry-After"]["required"], true);
            }
            let security = o["security"].as_array().expect("security");
            match op.access {
                Access::Public => assert!(security.is_empty()),
                Access::Device => {
                    assert!(responses.contains_key("401") && responses.contains_key("429"));
                    assert_eq!(security.len(), if demo { 2 } else { 1 });
                }
            }
        }
    }
}

#[test]
fn a_rate_limit_says_when_to_retry() {
    let resp =
        crate::error::reply_deny(crate::auth::Deny::RateLimited(Duration::from_millis(2500)));
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "3");
    let resp = crate::error::reply(ApiError::Unauthorized);
    assert_eq!(resp.headers()["www-authenticate"], super::WWW_AUTHENTICATE);
}
