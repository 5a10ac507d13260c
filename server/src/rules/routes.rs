//! The phone's side of rule sets: `GET /v1/rules` (the caller's bureau's current rule set, or
//! `null`: core rules only) and `GET /v1/rules/{version}` (one version of it, the one
//! `GET /v1/me` named), so the phone grades offline with exactly the server's rules.
//!
//! Only the caller's own bureau, and only for roles that may see volume B: rules test party
//! risk factors recorded in volume B, and with the rules in hand a partner mediator could read
//! volume-B facts back out of a (redacted) grade; a mediator gets 403 `forbidden`. In open demo
//! mode the caller's bureau is `demo`, which has no rule set unless an operator adds a bureau
//! of that code: `{"ruleSet": null}`.

use std::sync::Arc;

use serde_json::json;
use warp::{Filter, Rejection, Reply};

use super::RuleBook;
use crate::auth::routes::authenticated;
use crate::auth::{Caller, Gate};
use crate::error::ApiError;

/// `/v1/rules` and `/v1/rules/{version}`.
pub fn routes(
    book: Arc<RuleBook>,
    gate: Arc<Gate>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let auth = authenticated(gate.clone());
    let with = warp::any()
        .map(move || (book.clone(), gate.clone()))
        .untuple_one();
    warp::path!("v1" / "rules")
        .map(|| None)
        .or(warp::path!("v1" / "rules" / u32).map(Some))
        .unify()
        .and(warp::get())
        .and(auth)
        .and(with)
        .then(fetch)
}

/// The caller's bureau's rule set: version `version`, or the current one.
async fn fetch(
    version: Option<u32>,
    caller: Caller,
    book: Arc<RuleBook>,
    gate: Arc<Gate>,
) -> warp::reply::Response {
    if !caller.role.sees_volume_b() {
        let _ =
            tokio::task::spawn_blocking(move || gate.denied(&caller, "rules", "read_rules")).await;
        return crate::error::reply(ApiError::Forbidden);
    }
    let current = book.current(&caller.bureau);
    let Some(version) = version else {
        return warp::reply::json(&json!({ "ruleSet": current.as_deref() })).into_response();
    };
    if let Some(set) = current.filter(|s| s.version() == version) {
        return warp::reply::json(&json!({ "ruleSet": &*set })).into_response();
    }
    let found =
        tokio::task::spawn_blocking(move || book.store().get(&caller.bureau, version)).await;
    match found {
        Ok(Ok(Some(record))) => {
            warp::reply::json(&json!({ "ruleSet": &*record.set })).into_response()
        }
        Ok(Ok(None)) => crate::error::reply(ApiError::RuleSetNotFound),
        Ok(Err(e)) => crate::error::reply(ApiError::from(&e)),
        Err(_) => crate::error::reply(ApiError::Internal),
    }
}
