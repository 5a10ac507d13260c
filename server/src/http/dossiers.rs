//! The station's read API: list and filter, one dossier (now or as of earlier heads), its
//! report, conflicts and history, the warning feed, statistics, and a dossier's shares. Every
//! route is authenticated; lists and statistics are limited to what the caller may read, and
//! every view of a dossier is redacted for callers who may not see volume B, with people named
//! in place of actor ids. A dossier the caller may not see is answered exactly as one that
//! does not exist (404 `dossier_not_found`, the denial recorded in the audit log); 403 is
//! kept for what a caller who sees the dossier may not do (sharing it, for one).

use std::collections::HashMap;
use std::str::FromStr;

use abjuan_shared::access::{allowed, redact_dossier_json, Action};
use abjuan_shared::doc::{assess, history, DossierDocs, Volume};
use abjuan_shared::{Locale, ValidateOptions};
use automerge::{ChangeHash, ReadDoc};
use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection};

use super::{json, params, with_state, AppState};
use crate::admin::{AdminError, Operator};
use crate::auth::routes::authenticated;
use crate::auth::{views, Caller, Scope};
use crate::cache::SharedEntry;
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
    let auth = authenticated(state.gate.clone());
    let list = warp::path!("v1" / "dossiers")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<ListFilter>())
        .and_then(|c: Caller, s: AppState, f: ListFilter| async move { list_rows(s, c, f).await });
    let warnings = warp::path!("v1" / "warnings")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<ListFilter>())
        .and_then(|c: Caller, s: AppState, mut f: ListFilter| async move {
            f.warnings_only = true;
            list_rows(s, c, f).await
        });
    let stats = warp::path!("v1" / "stats")
        .and(warp::get())
        .and(auth.clone())
        .and(with_state(state.clone()))
        .and(warp::query::<StatsFilter>())
        .and_then(|c: Caller, s: AppState, f: StatsFilter| async move { stats(s, c, f).await });
    // The caller is known before a body is read.
    let shares = warp::path!("v1" / "dossiers" / String / "shares")
        .and(warp::get().or(warp::post()).unify())
        .and(auth.clone())
        .and(
            warp::get()
                .map(|| None)
                .or(warp::post()
                    .and(warp::body::content_length_limit(64 * 1024))
                    .and(warp::body::json::<ShareRequest>())
                    .map(Some))
                .unify(),
        )
        .and(with_state(state.clone()))
        .and_then(
            |id: String, c: Caller, req: Option<ShareRequest>, s: AppState| async move {
                shares(s, c, id, req).await.map_err(warp::reject::custom)
            },
        );
    let one = warp::path!("v1" / "dossiers" / String)
        .map(|id| (id, String::new()))
        .untuple_one()
        .or(warp::path!("v1" / "dossiers" / String / String))
        .unify()
        .and(warp::get())
        .and(auth)
        .and(with_state(state))
        .and(warp::query::<DossierQuery>())
        .and_then(
            |id: String, part: String, c: Caller, s: AppState, q: DossierQuery| async move {
                let timeout = s.timeout;
                match tokio::time::timeout(timeout, dossier(s, c, id, part, q)).await {
                    Ok(r) => r.map_err(warp::reject::custom),
                    Err(_) => Err(warp::reject::custom(ApiError::Timeout)),
                }
            },
        );
    list.or(warnings)
        .unify()
        .or(stats)
        .unify()
        .or(shares)
        .unify()
        .or(one)
        .unify()
}

/// Body of `POST /v1/dossiers/{id}/shares`.
#[derive(Debug, Deserialize)]
pub struct ShareRequest {
    /// The person to share with.
    pub person: String,
}

/// The caller's list scope, off the async threads.
async fn scope(s: &AppState, c: &Caller) -> Result<Scope, ApiError> {
    let (gate, caller) = (s.gate.clone(), c.clone());
    match tokio::task::spawn_blocking(move || gate.scope(&caller)).await {
        Ok(Ok(scope)) => Ok(scope),
        Ok(Err(e)) => Err(ApiError::from(&e)),
        Err(_) => Err(ApiError::Internal),
    }
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

async fn list_rows(
    s: AppState,
    c: Caller,
    mut f: ListFilter,
) -> Result<warp::reply::Response, Rejection> {
    if !params::page_ok(f.limit) {
        return Err(warp::reject::custom(ApiError::InvalidQuery));
    }
    let scope = scope(&s, &c).await.map_err(warp::reject::custom)?;
    if !scope.all {
        f.only_stations = Some(scope.stations);
        f.or_ids = scope.shared;
    }
    let store = s.engine.store.clone();
    let rows = blocking(move || store.list(&f)).await?;
    Ok(json(&json!({ "dossiers": rows })))
}

async fn stats(s: AppState, c: Caller, f: StatsFilter) -> Result<warp::reply::Response, Rejection> {
    if !params::month_ok(f.from.as_ref()) || !params::month_ok(f.to.as_ref()) {
        return Err(warp::reject::custom(ApiError::InvalidQuery));
    }
    let scope = scope(&s, &c).await.map_err(warp::reject::custom)?;
    let Some(frame) = crate::report::reach::figures_frame(&scope, f.station, f.from, f.to) else {
        let (gate, caller) = (s.gate.clone(), c.clone());
        let _ =
            tokio::task::spawn_blocking(move || gate.denied(&caller, "stats", "statistics")).await;
        return Err(warp::reject::custom(ApiError::Forbidden));
    };
    let store = s.engine.store.clone();
    let rows = blocking(move || crate::report::summary::stat_rows(&*store, &frame)).await?;
    Ok(json(&json!({ "rows": rows })))
}

/// The documents as they were at `heads` (comma-separated change hashes of either document;
/// those of document B only count when the caller may see it).
fn split_heads(docs: &DossierDocs, heads: &str, sees_b: bool) -> Result<DossierDocs, ApiError> {
    if !params::heads_ok(heads) {
        return Err(ApiError::InvalidHeads);
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for h in heads.split(',').filter(|h| !h.is_empty()) {
        let hash = ChangeHash::from_str(h).map_err(|_| ApiError::InvalidHeads)?;
        if docs.a.get_change_by_hash(&hash).is_some() {
            a.push(hash);
        } else if sees_b && docs.b.get_change_by_hash(&hash).is_some() {
            b.push(hash);
        } else {
            // Well formed, but not a change here (or one of volume B the caller may not read,
            // answered alike so that B's changes cannot be probed).
            return Err(ApiError::UnknownHeads);
        }
    }
    if a.is_empty() {
        a = docs.a.get_heads();
    }
    if b.is_empty() {
        b = docs.b.get_heads();
    }
    // Only a head missing from its document stops a fork, and each was found above.
    docs.at(&a, &b).map_err(|_| ApiError::UnknownHeads)
}

fn hex_heads(doc: &automerge::Automerge) -> Vec<String> {
    doc.get_heads().iter().map(ToString::to_string).collect()
}

/// The caller's rights over dossier `id` (account lookups, off the async threads).
async fn rights_over(
    s: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<abjuan_shared::access::Rights, ApiError> {
    let (gate, caller, id) = (s.gate.clone(), caller.clone(), id.to_owned());
    tokio::task::spawn_blocking(move || crate::auth::guard::rights(&gate, &caller, &[&id], &[]))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|e| ApiError::from(&e))
}

/// The engine's entry for dossier `id` (loaded from the store when needed); a malformed id
/// is refused before anything is loaded.
async fn entry(s: &AppState, id: &str) -> Result<SharedEntry, ApiError> {
    if !params::dossier_id_ok(id) {
        return Err(ApiError::InvalidDossierId);
    }
    s.engine.entry(id).await.map_err(|e| match e {
        DocFailure::DocStorage => ApiError::Storage,
        _ => ApiError::Internal,
    })
}

#[allow(clippy::too_many_lines)]
async fn dossier(
    s: AppState,
    caller: Caller,
    id: String,
    part: String,
    q: DossierQuery,
) -> Result<warp::reply::Response, ApiError> {
    let rights = rights_over(&s, &caller, &id).await?;
    let shared = entry(&s, &id).await?;
    let entry = shared.lock().await;
    if entry.state.is_empty() {
        return Err(ApiError::DossierNotFound);
    }
    let current = entry.state.docs();
    let facts = entry.state.facts();
    if !rights.sees(&id, &facts, Volume::A) {
        // Recorded, and answered exactly as a dossier that does not exist: ids cannot be
        // probed.
        drop(entry);
        let gate = s.gate.clone();
        let _ = tokio::task::spawn_blocking(move || gate.denied(&caller, &id, "read")).await;
        return Err(ApiError::DossierNotFound);
    }
    let sees_b = rights.sees(&id, &facts, Volume::B);
    let at;
    let docs = match q.heads.as_deref() {
        Some(h) if !h.is_empty() => {
            at = split_heads(current, h, sees_b)?;
            &at
        }
        _ => current,
    };
    let locale = match q.lang.as_deref() {
        None | Some("zh") => Locale::Zh,
        Some("en") => Locale::En,
        Some(_) => return Err(ApiError::InvalidQuery),
    };
    let opts = ValidateOptions::new(crate::clock::now()).locale(locale);
    let heads = if sees_b {
        json!({ "a": hex_heads(&docs.a), "b": hex_heads(&docs.b) })
    } else {
        json!({ "a": hex_heads(&docs.a) })
    };
    match part.as_str() {
        "" => {
            let mut dossier = docs.to_json().map_err(|_| ApiError::Internal)?;
            if !sees_b {
                redact_dossier_json(&mut dossier);
            }
            Ok(json(&json!({ "dossier": dossier, "heads": heads })))
        }
        "report" | "conflicts" => {
            let a = assess(docs, &opts).map_err(|_| ApiError::Internal)?;
            let value = serde_json::to_value(&a).map_err(|_| ApiError::Internal)?;
            let mut shown = views::assessment_for(&value, sees_b);
            if part == "report" {
                Ok(json(
                    &json!({ "report": shown["report"], "grade": shown["grade"], "heads": heads }),
                ))
            } else {
                let mut conflicts = shown["conflicts"].take();
                let owners = s.gate.actor_owners(&views::conflict_actors(&conflicts));
                views::name_conflict_authors(&mut conflicts, &owners, false);
                Ok(json(&json!({ "conflicts": conflicts, "heads": heads })))
            }
        }
        "history" => {
            let ha = history(&docs.a, q.paths);
            let hb = if sees_b {
                history(&docs.b, q.paths)
            } else {
                Vec::new()
            };
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
            let actors: Vec<String> = ha.iter().chain(&hb).map(|e| e.actor.clone()).collect();
            let devices: Vec<String> = uploads.iter().map(|u| u.device.clone()).collect();
            let authors = s.gate.actor_owners(&actors);
            let uploaders = s.gate.accounts.device_owners(&devices).unwrap_or_default();
            let annotate = |entries: Vec<abjuan_shared::doc::HistoryEntry>| {
                entries
                    .into_iter()
                    .map(|e| {
                        let up = by_hash.get(e.hash.as_str()).copied();
                        let author = authors.get(&e.actor);
                        let uploaded = up.and_then(|(d, at)| uploaders.get(d).map(|o| (o, at)));
                        views::history_entry(e, author, uploaded, up, sees_b)
                    })
                    .collect::<Vec<_>>()
            };
            if sees_b {
                Ok(json(&json!({ "a": annotate(ha), "b": annotate(hb) })))
            } else {
                Ok(json(&json!({ "a": annotate(ha) })))
            }
        }
        _ => Err(ApiError::NotFound),
    }
}

/// `GET`/`POST /v1/dossiers/{id}/shares`: who the dossier is shared with; an officer or the
/// chief of the dossier's station shares it with a person of the same bureau.
async fn shares(
    s: AppState,
    caller: Caller,
    id: String,
    req: Option<ShareRequest>,
) -> Result<warp::reply::Response, ApiError> {
    let shared = entry(&s, &id).await?;
    let station = {
        let entry = shared.lock().await;
        if !entry.state.exists() {
            return Err(ApiError::DossierNotFound);
        }
        entry.state.facts().station
    };
    let (gate, admin) = (s.gate.clone(), s.admin.clone());
    let result = tokio::task::spawn_blocking(move || {
        let relation = gate
            .relation(&caller, &id, station.as_deref())
            .map_err(|e| ApiError::from(&e))?;
        if !allowed(caller.role, relation, Action::ReadA) {
            // A dossier the caller may not see is answered as one that does not exist.
            let what = if req.is_some() {
                "share"
            } else {
                "read_shares"
            };
            gate.denied(&caller, &id, what);
            return Err(ApiError::DossierNotFound);
        }
        let fail = |e: AdminError| ApiError::from(&e);
        if let Some(req) = req {
            // The right to share is the policy's (`Action::Share`), checked and recorded by
            // the admin service like every share.
            admin
                .share(Operator::Caller(&caller), &id, &req.person, Some(relation))
                .map_err(fail)?;
        }
        admin.shares_of(&id).map_err(fail)
    })
    .await;
    match result {
        Ok(Ok(list)) => Ok(json(&json!({ "shares": list }))),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ApiError::Internal),
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;

    #[test]
    fn a_head_well_formed_but_not_here_is_unknown_not_malformed() {
        let id = "0193a1b2-0000-7000-8000-000000000001";
        let dossier = crate::client::sample_dossier(id, "yongji-puzhou", "neighbour", "楼上漏水");
        let docs = DossierDocs::create(&dossier, &ActorId::random(), crate::client::now())
            .expect("create");
        let (a, b) = (hex_heads(&docs.a), hex_heads(&docs.b));
        assert!(split_heads(&docs, &a.join(","), false).is_ok());
        assert!(split_heads(&docs, &format!("{},{}", a[0], b[0]), true).is_ok());
        // Volume B's head for a caller who may not read B is answered as a made-up one.
        for (heads, sees_b) in [(b[0].clone(), false), ("0".repeat(64), true)] {
            let e = split_heads(&docs, &heads, sees_b).err();
            assert_eq!(e, Some(ApiError::UnknownHeads), "{heads}");
        }
        for heads in ["zz", &a[0][..63], &format!("{},", a[0])] {
            let e = split_heads(&docs, heads, true).err();
            assert_eq!(e, Some(ApiError::InvalidHeads), "{heads}");
        }
        assert_eq!(
            (
                ApiError::UnknownHeads.status(),
                ApiError::UnknownHeads.code()
            ),
            (warp::http::StatusCode::NOT_FOUND, "unknown_heads")
        );
    }
}
