//! The API contract: the operation list ([`operations`]), the OpenAPI document served at
//! `/openapi.json` made from it and the hand-written parts in `server/openapi.json`
//! ([`document`]), and the `405 Method Not Allowed` answer with `Allow` for a known path and
//! a method the document does not declare ([`method_guard`]).
//!
//! What the hand-written file holds: summaries, parameters with their bounds, request bodies,
//! success responses and the schemas. What is made here, so that it cannot drift from the
//! code: each operation's error responses (status, the codes of the error table it answers
//! with, `WWW-Authenticate` on 401, `Retry-After` on 429) and its security requirement (a
//! device credential, optional while the server is in open demo mode). The sync bodies'
//! schemas in the file are generated from the Rust types and held to them by a test
//! (`bodies.rs`, test only).

#[cfg(test)]
pub mod bodies;
pub mod operations;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use serde_json::{json, Map, Value};
use warp::http::header::{HeaderValue, ALLOW};
use warp::http::Method;
use warp::path::FullPath;
use warp::{Filter, Rejection};

pub use operations::{methods_of, path_matches, Access, Operation, OPERATIONS};

use crate::error::ApiError;

/// The hand-written parts of the document.
pub const BASE: &str = include_str!("../../../openapi.json");

/// `WWW-Authenticate` of every 401.
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"abjuan\"";

/// The `Allow` value for a path declaring `methods`: them and `OPTIONS` (answered on every
/// path, see [`super::cors::preflight`]).
#[must_use]
pub fn allow_value(methods: &[&str]) -> String {
    let mut all: Vec<&str> = methods.to_vec();
    all.push("OPTIONS");
    all.join(", ")
}

/// A known path asked with a method it does not declare: `405` with `Allow`. Everything else
/// (an unknown path, a declared method, `OPTIONS`) passes on as "not found", the weakest
/// rejection, so the routes behind decide.
pub fn method_guard() -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone
{
    warp::method()
        .and(warp::path::full())
        .and_then(|method: Method, path: FullPath| async move {
            let methods = methods_of(path.as_str());
            if methods.is_empty() || method == Method::OPTIONS || methods.contains(&method.as_str())
            {
                return Err(warp::reject::not_found());
            }
            let mut resp = crate::error::reply(ApiError::MethodNotAllowed);
            if let Ok(v) = HeaderValue::from_str(&allow_value(&methods)) {
                resp.headers_mut().insert(ALLOW, v);
            }
            Ok(resp)
        })
}

/// The served document: open demo mode (`demo`) makes the credential optional.
#[must_use]
pub fn document(demo: bool) -> &'static str {
    static ACCOUNTS: OnceLock<String> = OnceLock::new();
    static DEMO: OnceLock<String> = OnceLock::new();
    let cell = if demo { &DEMO } else { &ACCOUNTS };
    cell.get_or_init(|| match build(demo) {
        Ok(doc) => doc.to_string(),
        Err(e) => {
            // Tests build both variants; a broken file never ships. Serve the file as written.
            tracing::error!(error = %e, "openapi.json could not be completed");
            BASE.to_owned()
        }
    })
}

/// The document: `BASE` with each operation's security and error responses.
///
/// # Errors
/// When `BASE` is not JSON or lacks an operation of [`OPERATIONS`].
pub fn build(demo: bool) -> Result<Value, String> {
    let mut doc: Value = serde_json::from_str(BASE).map_err(|e| format!("not JSON: {e}"))?;
    for op in OPERATIONS {
        let target = doc
            .pointer_mut(&format!(
                "/paths/{}/{}",
                op.path.replace('~', "~0").replace('/', "~1"),
                op.method.to_ascii_lowercase()
            ))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{} {} is not in openapi.json", op.method, op.path))?;
        target.insert("security".into(), security(op.access, demo));
        let responses = target
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| format!("{} {}: responses is not an object", op.method, op.path))?;
        for (status, response) in error_responses(&op.errors()) {
            responses.insert(status, response);
        }
    }
    fill_enums(&mut doc)?;
    Ok(doc)
}

/// The code's lists where the document names one: the figures a list can be asked for, the
/// roles a person can have.
fn fill_enums(doc: &mut Value) -> Result<(), String> {
    let figures: Vec<&str> = crate::report::figures::Figure::ALL
        .iter()
        .map(|f| f.code())
        .collect();
    let figure = doc
        .pointer_mut("/paths/~1v1~1figures~1dossiers/get/parameters")
        .and_then(Value::as_array_mut)
        .and_then(|ps| ps.iter_mut().find(|p| p["name"] == "figure"))
        .ok_or("GET /v1/figures/dossiers has no figure parameter")?;
    figure["schema"] = json!({ "type": "string", "enum": figures });
    let roles: Vec<&str> = abjuan_shared::access::Role::ALL
        .iter()
        .map(|r| r.code())
        .collect();
    for path in ["~1v1~1admin~1people", "~1v1~1admin~1people~1{id}~1role"] {
        let role = doc
            .pointer_mut(&format!(
                "/paths/{path}/post/requestBody/content/application~1json/schema/properties/role"
            ))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{path}: no role in the body"))?;
        role.insert("enum".into(), json!(roles));
    }
    Ok(())
}

fn security(access: Access, demo: bool) -> Value {
    match (access, demo) {
        (Access::Public, _) => json!([]),
        (Access::Device, false) => json!([{ "deviceCredential": [] }]),
        (Access::Device, true) => json!([{ "deviceCredential": [] }, {}]),
    }
}

/// The responses for `errors`, one per status, each naming its codes.
fn error_responses(errors: &[ApiError]) -> Vec<(String, Value)> {
    let mut statuses: Vec<u16> = errors.iter().map(|e| e.status().as_u16()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
        .into_iter()
        .map(|status| {
            let of: Vec<ApiError> = errors
                .iter()
                .copied()
                .filter(|e| e.status().as_u16() == status)
                .collect();
            let codes: Vec<&str> = of.iter().map(|e| e.code()).collect();
            let description = of
                .iter()
                .map(|e| format!("`{}`: {}", e.code(), e.message()))
                .collect::<Vec<_>>()
                .join(" ");
            let mut response = Map::new();
            response.insert("description".into(), Value::String(description));
            let headers = headers_of(status);
            if !headers.is_empty() {
                response.insert("headers".into(), Value::Object(headers));
            }
            response.insert(
                "content".into(),
                json!({ "application/json": { "schema": { "allOf": [
                    { "$ref": "#/components/schemas/Error" },
                    { "type": "object", "properties": { "code": { "enum": codes } } },
                ] } } }),
            );
            (status.to_string(), Value::Object(response))
        })
        .collect()
}

fn headers_of(status: u16) -> Map<String, Value> {
    let mut h = Map::new();
    match status {
        401 => {
            h.insert(
                "WWW-Authenticate".into(),
                json!({ "required": true, "description": "The scheme to use: a device credential.",
                        "schema": { "type": "string", "const": WWW_AUTHENTICATE } }),
            );
        }
        429 => {
            h.insert(
                "Retry-After".into(),
                json!({ "required": true, "description": "Seconds to wait before trying again.",
                        "schema": { "type": "string", "pattern": "^[0-9]+$" } }),
            );
        }
        _ => {}
    }
    h
}
