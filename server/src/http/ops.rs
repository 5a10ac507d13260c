//! Operations: `/healthz`, Prometheus `/metrics`, the OpenAPI document at `/openapi.json`
//! (made by [`super::contract`]; the credential optional while open demo mode is in force).

use warp::http::header::CONTENT_TYPE;
use warp::{Filter, Rejection, Reply};

use super::{with_state, AppState};

/// Resident memory of this process in bytes (Linux), if known.
#[must_use]
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The operations routes.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let health = warp::path!("healthz")
        .and(warp::get())
        .map(|| super::json(&serde_json::json!({ "status": "ok" })));
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(with_state(state.clone()))
        .map(|s: AppState| {
            let (cached, bytes) = s.engine.cache.usage();
            #[allow(clippy::cast_precision_loss)]
            let gauges = [
                (
                    "abjuan_doc_cache_dossiers",
                    "Dossiers in the document cache.",
                    cached as f64,
                ),
                (
                    "abjuan_doc_cache_bytes",
                    "Estimated bytes of the document cache.",
                    bytes as f64,
                ),
                (
                    "abjuan_process_resident_memory_bytes",
                    "Resident memory of the server.",
                    rss_bytes().unwrap_or(0) as f64,
                ),
            ];
            warp::reply::with_header(
                s.engine.metrics.render(&gauges),
                CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )
            .into_response()
        });
    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .and(with_state(state))
        .and_then(|s: AppState| async move {
            let gate = s.gate.clone();
            let demo = tokio::task::spawn_blocking(move || gate.demo_mode())
                .await
                .unwrap_or(false);
            Ok::<_, Rejection>(
                warp::reply::with_header(
                    super::contract::document(demo),
                    CONTENT_TYPE,
                    "application/json",
                )
                .into_response(),
            )
        });
    health.or(metrics).unify().or(openapi).unify()
}

#[cfg(test)]
mod tests {
    use crate::error::{ApiError, DocFailure};
    use crate::http::contract::BASE as OPENAPI;

    #[test]
    fn openapi_lists_every_error_code() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
        let codes = |schema: &str| -> Vec<String> {
            doc["components"]["schemas"][schema]["properties"]["code"]["enum"]
                .as_array()
                .expect("enum")
                .iter()
                .map(|c| c.as_str().expect("code").to_owned())
                .collect()
        };
        let api: Vec<String> = ApiError::ALL.iter().map(|e| e.code().to_owned()).collect();
        let docs: Vec<String> = DocFailure::ALL
            .iter()
            .map(|e| e.code().to_owned())
            .collect();
        assert_eq!(codes("Error"), api);
        assert_eq!(codes("DocError"), docs);
    }
}
