//! The station's read API: list and filter, one dossier (now or as of earlier heads), its
//! report, conflicts and history, the warning feed, and statistics.

use std::collections::HashMap;
use std::str::FromStr;

use abjuan_shared::doc::{assess, history, DossierDocs};
use abjuan_shared::{Locale, ValidateOptions};
use automerge::{ChangeHash, ReadDoc};
use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection};

use super::{json, with_state, AppState};
use crate::error::{ApiError, DocFailure};
use crate::store::{ListFilter, StatsFilter};

/// Query of the single-dossier routes.
#[derive(Debug, Default, Deserialize)]
pub struct DossierQuery {
    /// Comma-separated change hashes: show the dossier as it was then.
    pub heads: Option<String>,
    /// `zh` (default) or `en` messages.
    pub lang: Option<String>,
    /// History: also list the fields each change touched.
    #[serde(default)]
    pub paths: bool,
}

/// The read routes.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let list = warp::path!("v1" / "dossiers")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and(warp::query::<ListFilter>())
        .and_then(|s: AppState, f: ListFilter| async move { list_rows(s, f).await });
    let warnings = warp::path!("v1" / "warnings")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and(warp::query::<ListFilter>())
        .and_then(|s: AppState, mut f: ListFilter| async move {
            f.warnings_only = true;
            list_rows(s, f).await
        });
    let stats = warp::path!("v1" / "stats")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and(warp::query::<StatsFilter>())
        .and_then(|s: AppState, f: StatsFilter| async move { stats(s, f).await });
    let one = warp::path!("v1" / "dossiers" / String)
        .map(|id| (id, String::new()))
        .untuple_one()
        .or(warp::path!("v1" / "dossiers" / String / String))
        .unify()
        .and(warp::get())
        .and(with_state(state))
        .and(warp::query::<DossierQuery>())
        .and_then(
            |id: String, part: String, s: AppState, q: DossierQuery| async move {
                let timeout = s.timeout;
                match tokio::time::timeout(timeout, dossier(s, id, part, q)).await {
                    Ok(r) => r.map_err(warp::reject::custom),
                    Err(_) => Err(warp::reject::custom(ApiError::Timeout)),
                }
            },
        );
    list.or(warnings).unify().or(stats).unify().or(one).unify()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, Rejection> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "store read failed");
            Err(warp::reject::custom(ApiError::Storage))
        }
        Err(_) => Err(warp::reject::custom(ApiError::Internal)),
    }
}

async fn list_rows(s: AppState, f: ListFilter) -> Result<warp::reply::Response, Rejection> {
    let store = s.engine.store.clone();
    let rows = blocking(move || store.list(&f)).await?;
    Ok(json(&json!({ "dossiers": rows })))
}

async fn stats(s: AppState, mut f: StatsFilter) -> Result<warp::reply::Response, Rejection> {
    let china =
        chrono::FixedOffset::east_opt(8 * 3600).ok_or(warp::reject::custom(ApiError::Internal))?;
    f.today = chrono::Utc::now()
        .with_timezone(&china)
        .format("%Y-%m-%d")
        .to_string();
    let store = s.engine.store.clone();
    let rows = blocking(move || store.stats(&f)).await?;
    Ok(json(&json!({ "rows": rows })))
}

fn split_heads(docs: &DossierDocs, heads: &str) -> Result<DossierDocs, ApiError> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for h in heads.split(',').filter(|h| !h.is_empty()) {
        let hash = ChangeHash::from_str(h.trim()).map_err(|_| ApiError::InvalidHeads)?;
        if docs.a.get_change_by_hash(&hash).is_some() {
            a.push(hash);
        } else if docs.b.get_change_by_hash(&hash).is_some() {
            b.push(hash);
        } else {
            return Err(ApiError::InvalidHeads);
        }
    }
    if a.is_empty() {
        a = docs.a.get_heads();
    }
    if b.is_empty() {
        b = docs.b.get_heads();
    }
    docs.at(&a, &b).map_err(|_| ApiError::InvalidHeads)
}

async fn dossier(
    s: AppState,
    id: String,
    part: String,
    q: DossierQuery,
) -> Result<warp::reply::Response, ApiError> {
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::InvalidDossierId);
    }
    let shared = s.engine.entry(&id).await.map_err(|e| match e {
        DocFailure::DocStorage => ApiError::Storage,
        _ => ApiError::Internal,
    })?;
    let entry = shared.lock().await;
    let Some(current) = entry.docs.as_ref() else {
        return Err(ApiError::DossierNotFound);
    };
    if current.a.get_heads().is_empty() && current.b.get_heads().is_empty() {
        return Err(ApiError::DossierNotFound);
    }
    let at;
    let docs = match q.heads.as_deref() {
        Some(h) if !h.is_empty() => {
            at = split_heads(current, h)?;
            &at
        }
        _ => current,
    };
    let locale = if q.lang.as_deref() == Some("en") {
        Locale::En
    } else {
        Locale::Zh
    };
    let opts = ValidateOptions::new(chrono::Utc::now().fixed_offset()).locale(locale);
    let heads = json!({
        "a": docs.a.get_heads().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "b": docs.b.get_heads().iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    match part.as_str() {
        "" => {
            let dossier = docs.to_json().map_err(|_| ApiError::Internal)?;
            Ok(json(&json!({ "dossier": dossier, "heads": heads })))
        }
        "report" | "conflicts" => {
            let a = assess(docs, &opts).map_err(|_| ApiError::Internal)?;
            if part == "report" {
                Ok(json(
                    &json!({ "report": a.report, "grade": a.grade, "heads": heads }),
                ))
            } else {
                Ok(json(&json!({ "conflicts": a.conflicts, "heads": heads })))
            }
        }
        "history" => {
            let (ha, hb) = (history(&docs.a, q.paths), history(&docs.b, q.paths));
            drop(entry);
            let store = s.engine.store.clone();
            let id2 = id.clone();
            let uploads = match tokio::task::spawn_blocking(move || store.uploads(&id2)).await {
                Ok(Ok(u)) => u,
                _ => return Err(ApiError::Storage),
            };
            let by_hash: HashMap<&str, (&str, i64)> = uploads
                .iter()
                .map(|u| (u.hash.as_str(), (u.device.as_str(), u.received_at)))
                .collect();
            let annotate = |entries: Vec<abjuan_shared::doc::HistoryEntry>| {
                entries
                    .into_iter()
                    .map(|e| {
                        let up = by_hash.get(e.hash.as_str()).copied();
                        let mut v = serde_json::to_value(&e).unwrap_or_default();
                        if let (Some(obj), Some((device, at))) = (v.as_object_mut(), up) {
                            obj.insert("uploadedBy".into(), json!(device));
                            obj.insert("receivedAt".into(), json!(at));
                        }
                        v
                    })
                    .collect::<Vec<_>>()
            };
            Ok(json(&json!({ "a": annotate(ha), "b": annotate(hb) })))
        }
        _ => Err(ApiError::NotFound),
    }
}
