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

/// Whether `pointer` (a JSON Pointer's segments) leads somewhere `schema` declares: through
/// properties, array items (a number segment), a map's values, local `$ref`s and the
/// alternatives of `oneOf`/`anyOf`/`allOf`.
fn declares(doc: &Value, schema: &Value, pointer: &[&str]) -> bool {
    if let Some(r) = schema["$ref"].as_str() {
        return r
            .strip_prefix('#')
            .and_then(|r| doc.pointer(r))
            .is_some_and(|s| declares(doc, s, pointer));
    }
    let Some((segment, rest)) = pointer.split_first() else {
        return true;
    };
    let alternatives = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema[*k].as_array())
        .flatten();
    for alternative in alternatives {
        if declares(doc, alternative, pointer) {
            return true;
        }
    }
    let next = if segment.parse::<usize>().is_ok() && schema.get("items").is_some() {
        &schema["items"]
    } else if let Some(p) = schema["properties"].get(*segment) {
        p
    } else if let Some(a) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        a
    } else {
        return false;
    };
    declares(doc, next, rest)
}

/// The parameters (`in`, `name`) an operation takes, its path item's included.
fn parameters_of(doc: &Value, path: &str, method: &str) -> BTreeSet<(String, String)> {
    let item = &doc["paths"][path];
    item["parameters"]
        .as_array()
        .into_iter()
        .chain(item[method]["parameters"].as_array())
        .flatten()
        .map(|p| {
            (
                p["in"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Every runtime expression in a link's parameters and body.
fn expressions(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.starts_with('$') => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| expressions(x, out)),
        Value::Object(o) => o.values().for_each(|x| expressions(x, out)),
        _ => {}
    }
}

#[test]
fn every_link_leads_to_an_operation_with_what_it_names() {
    let doc = build(false).expect("document");
    let mut targets = BTreeSet::new();
    for op in OPERATIONS {
        let method = op.method.to_ascii_lowercase();
        let source = &doc["paths"][op.path][&method];
        let source_params = parameters_of(&doc, op.path, &method);
        for (status, response) in source["responses"].as_object().expect("responses") {
            let Some(links) = response["links"].as_object() else {
                continue;
            };
            let from = format!("{} {} {status}", op.method, op.path);
            for (name, link) in links {
                let reference = link["operationRef"].as_str().expect("operationRef");
                let segments: Vec<String> = reference
                    .strip_prefix("#/paths/")
                    .expect("a local operationRef")
                    .split('/')
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect();
                let [path, target_method] = segments.as_slice() else {
                    panic!("{from} {name}: {reference}");
                };
                assert!(
                    OPERATIONS
                        .iter()
                        .any(|o| o.path == path && o.method.eq_ignore_ascii_case(target_method)),
                    "{from} {name}: no operation {reference}"
                );
                targets.insert((op.path, name.clone(), path.clone()));
                let target_params = parameters_of(&doc, path, target_method);
                for key in link["parameters"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    let (place, param) = key.split_once('.').expect("parameters name their place");
                    assert!(
                        target_params.contains(&(place.to_owned(), param.to_owned())),
                        "{from} {name}: {path} has no {key}"
                    );
                }
                if link.get("requestBody").is_some() {
                    assert!(
                        doc["paths"][path][target_method]["requestBody"].is_object(),
                        "{from} {name}"
                    );
                }
                let mut exprs = Vec::new();
                expressions(&link["parameters"], &mut exprs);
                expressions(&link["requestBody"], &mut exprs);
                assert!(
                    !exprs.is_empty(),
                    "{from} {name}: takes nothing from the exchange"
                );
                for e in exprs {
                    if let Some(pointer) = e.strip_prefix("$response.body#/") {
                        let segments: Vec<&str> = pointer.split('/').collect();
                        let schema = &response["content"]["application/json"]["schema"];
                        assert!(
                            declares(&doc, schema, &segments),
                            "{from} {name}: the response schema does not declare {e}"
                        );
                    } else if let Some(param) = e.strip_prefix("$request.path.") {
                        assert!(
                            source_params.contains(&("path".into(), param.into())),
                            "{from} {name}: {e}"
                        );
                    } else {
                        panic!("{from} {name}: an expression this test does not know: {e}");
                    }
                }
            }
        }
    }
    // What a stateful run needs: a dossier found by listing or syncing, then read and shared.
    for (source, target) in [
        ("/v1/dossiers", "/v1/dossiers/{id}"),
        ("/v1/dossiers", "/v1/dossiers/{id}/report"),
        ("/v1/dossiers", "/v1/dossiers/{id}/history"),
        ("/v1/dossiers", "/v1/dossiers/{id}/shares"),
        ("/v1/dossiers", "/v1/sync"),
        ("/v1/sync", "/v1/dossiers/{id}"),
        ("/v1/dossiers/{id}/shares", "/v1/dossiers/{id}/shares"),
        ("/v1/admin/people", "/v1/admin/people/{id}/enrolment"),
        ("/v1/admin/people/{id}/enrolment", "/v1/enrol"),
        ("/v1/admin/rules", "/v1/admin/rules/{version}"),
    ] {
        assert!(
            targets.iter().any(|(s, _, t)| *s == source && t == target),
            "no link from {source} to {target}"
        );
    }
}

#[tokio::test]
async fn a_print_refuses_a_month_that_is_not_one_even_beside_ids() {
    let (_dir, state) = state();
    let token = crate::auth::testing::enrol(&state.gate, "wang", 0).token;
    let api = routes(state);
    let id = "0193a1b2-0000-7000-8000-000000000001";
    for (closed, status, expected) in [
        ("x", StatusCode::BAD_REQUEST, "invalid_query"),
        ("", StatusCode::BAD_REQUEST, "invalid_query"),
        ("2025-05", StatusCode::NOT_FOUND, "dossier_not_found"),
    ] {
        let resp = warp::test::request()
            .path(&format!("/v1/print/data?ids={id}&closed={closed}"))
            .header("authorization", format!("Bearer {token}"))
            .reply(&api)
            .await;
        assert_eq!(resp.status(), status, "closed={closed}: {:?}", resp.body());
        assert_eq!(code(resp.body()), expected, "closed={closed}");
    }
}
