//! The web form: `GET /` (the demo page), `/web/*` and `/pkg/*` (static files written by the
//! wasm-forms crate), with content types including `application/wasm`. When the demo page is
//! missing, `/` says how to build it.
//!
//! The service worker (`/web/sw.js`) is sent with `Service-Worker-Allowed: /`, so the demo
//! page at `/` may register it for the whole site and is kept offline where it was opened
//! (without the header a worker under `/web/` may only control `/web/…`).

use std::path::{Path, PathBuf};

use warp::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use warp::path::Tail;
use warp::{Filter, Rejection, Reply};

use super::{with_state, AppState};
use crate::error::ApiError;

/// The file name of the service worker.
pub const SERVICE_WORKER: &str = "sw.js";

/// `Service-Worker-Allowed`: the widest scope the service worker may claim.
pub const SERVICE_WORKER_ALLOWED: &str = "service-worker-allowed";

const PLACEHOLDER: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
<title>abjuan</title><h1>abjuan (AB卷) sync server</h1>\
<p>The web form is not built yet: build <code>wasm-forms</code> (see README) so that \
<code>--web-dir</code> and <code>--pkg-dir</code> exist.</p>\
<p>API: <a href=\"/api\">/api</a> · <a href=\"/openapi.json\">/openapi.json</a> · <a href=\"/healthz\">/healthz</a> · \
<a href=\"/metrics\">/metrics</a> · <a href=\"/v1/dossiers\">/v1/dossiers</a></p></html>";

/// The content type of a file by its extension.
#[must_use]
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `base` joined with a URL tail, refusing anything that could leave `base`.
fn safe_join(base: &Path, tail: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for seg in tail.split('/') {
        if seg.is_empty() {
            continue;
        }
        if seg.starts_with('.') || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

async fn file(base: PathBuf, tail: String) -> Result<warp::reply::Response, Rejection> {
    let mut path =
        safe_join(&base, &tail).ok_or_else(|| warp::reject::custom(ApiError::NotFound))?;
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        path.push("index.html");
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut resp = warp::reply::with_header(
                warp::reply::with_header(bytes, CONTENT_TYPE, content_type(&path)),
                CACHE_CONTROL,
                "no-cache",
            )
            .into_response();
            if path.file_name().is_some_and(|n| n == SERVICE_WORKER) {
                resp.headers_mut().insert(
                    HeaderName::from_static(SERVICE_WORKER_ALLOWED),
                    HeaderValue::from_static("/"),
                );
            }
            Ok(resp)
        }
        Err(_) => Err(warp::reject::custom(ApiError::NotFound)),
    }
}

/// The web routes.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let index = warp::path::end()
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(|s: AppState| async move {
            match file(s.web_dir.clone(), "index.html".into()).await {
                Ok(r) => Ok::<_, Rejection>(r),
                Err(_) => Ok(warp::reply::html(PLACEHOLDER).into_response()),
            }
        });
    let web = warp::path("web")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and(warp::path::tail())
        .and_then(|s: AppState, t: Tail| file(s.web_dir.clone(), t.as_str().to_owned()));
    let pkg = warp::path("pkg")
        .and(warp::get())
        .and(with_state(state))
        .and(warp::path::tail())
        .and_then(|s: AppState, t: Tail| file(s.pkg_dir.clone(), t.as_str().to_owned()));
    index.or(web).unify().or(pkg).unify()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_escape_from_the_base() {
        let base = Path::new("/srv/web");
        assert_eq!(
            safe_join(base, "a/b.js"),
            Some(PathBuf::from("/srv/web/a/b.js"))
        );
        assert_eq!(safe_join(base, "../etc/passwd"), None);
        assert_eq!(safe_join(base, "a/.hidden"), None);
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
    }
}
