//! The admin API's rule-set routes, for a bureau supervisor and their own bureau:
//! `GET /v1/admin/rules` (every version), `POST /v1/admin/rules` (the next version: body
//! `{"rules": [...], "note"?: "..."}`), `GET /v1/admin/rules/{version|current}`,
//! `POST /v1/admin/rules/{version}/retire`. A refused rule set answers 400 with its code
//! (`rules_invalid`, `rules_bad_id`, `rules_too_large`, `rules_bad_path`) and a `detail` that
//! says which rule and why.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection};

use super::call;
use crate::admin::{Admin, AdminError};
use crate::auth::Caller;
use crate::rules::{RuleStoreError, MAX_RULES_BYTES};

/// The optional note beside the rules in the body of `POST /v1/admin/rules`.
#[derive(Debug, Default, Deserialize)]
struct Note {
    #[serde(default)]
    note: Option<String>,
}

/// `current` or a version number.
fn version_of(text: &str) -> Result<Option<u32>, AdminError> {
    if text == "current" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AdminError::RuleStore(RuleStoreError::NotFound))
}

/// The rule-set routes under `base` (`/v1/admin`, authenticated, with the service).
pub(super) fn routes(
    base: impl Filter<Extract = (Caller, Arc<Admin>), Error = Rejection> + Clone + Send + Sync + 'static,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let list = base
        .clone()
        .and(warp::path!("rules"))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>| {
            call(a, c, |a, op| {
                let listed = a.list_rules(op, None)?;
                let current = listed
                    .iter()
                    .find(|l| l.current)
                    .map(|l| l.record.set.version());
                let sets: Vec<_> = listed.iter().map(|l| l.record.summary(l.current)).collect();
                Ok(json!({ "ruleSets": sets, "current": current }))
            })
        });
    let add = base
        .clone()
        .and(warp::path!("rules"))
        .and(warp::post())
        .and(warp::body::content_length_limit(
            MAX_RULES_BYTES as u64 + 16 * 1024,
        ))
        .and(warp::body::bytes())
        .then(|c: Caller, a: Arc<Admin>, body: bytes::Bytes| {
            call(a, c, move |a, op| {
                // A note that is there but not text is refused, not dropped; a body that is
                // not JSON is the rule set's to refuse.
                let parsed = serde_json::from_slice::<serde_json::Value>(&body).ok();
                if parsed
                    .as_ref()
                    .and_then(|v| v.get("note"))
                    .is_some_and(|n| !(n.is_string() || n.is_null()))
                {
                    return Err(crate::auth::AuthError::Invalid("note: text").into());
                }
                let note = parsed
                    .and_then(|v| serde_json::from_value::<Note>(v).ok())
                    .unwrap_or_default()
                    .note;
                let record = a.add_rules(op, None, &body, note.as_deref())?;
                Ok(json!({ "ruleSet": record.full(true) }))
            })
        });
    let show = base
        .clone()
        .and(warp::path!("rules" / String))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>, version: String| {
            call(a, c, move |a, op| {
                let l = a.show_rules(op, None, version_of(&version)?)?;
                Ok(json!({ "ruleSet": l.record.full(l.current) }))
            })
        });
    let retire = base
        .and(warp::path!("rules" / u32 / "retire"))
        .and(warp::post())
        .then(|c: Caller, a: Arc<Admin>, version: u32| {
            call(a, c, move |a, op| {
                let r = a.retire_rules(op, None, version)?;
                Ok(json!({
                    "retired": r.record.summary(false),
                    "current": r.current,
                }))
            })
        });
    list.or(add).unify().or(show).unify().or(retire).unify()
}
