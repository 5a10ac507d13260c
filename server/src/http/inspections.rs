//! The site inspection's campaign statistics over HTTP: `GET /v1/inspections/stats`
//! (`?station=&from=&to=&campaign=`): places inspected by type, hazards found, rectified and
//! overdue, in total, per station and per team. The same right as the dispute statistics
//! (`/v1/stats`); the rows are the caller's stations' inspections. The records themselves are
//! listed by `GET /v1/dossiers?formType=site_inspection/v1`.

use abjuan_shared::forms::site_inspection::stats::{CampaignStats, InspectionFacts};
use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection};

use super::{json, params, with_state, AppState};
use crate::auth::routes::authenticated;
use crate::auth::Caller;
use crate::error::ApiError;

/// Query of the campaign statistics.
#[derive(Debug, Default, Deserialize)]
pub struct CampaignQuery {
    /// Only this station.
    pub station: Option<String>,
    /// First month of the inspection (`YYYY-MM`), inclusive.
    pub from: Option<String>,
    /// Last month (`YYYY-MM`), inclusive.
    pub to: Option<String>,
    /// Only this campaign (专项行动), by name.
    pub campaign: Option<String>,
}

/// The route.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::path!("v1" / "inspections" / "stats")
        .and(warp::get())
        .and(authenticated(state.gate.clone()))
        .and(with_state(state))
        .and(warp::query::<CampaignQuery>())
        .and_then(|c: Caller, s: AppState, q: CampaignQuery| async move { stats(s, c, q).await })
}

async fn stats(
    s: AppState,
    c: Caller,
    q: CampaignQuery,
) -> Result<warp::reply::Response, Rejection> {
    if !params::month_ok(q.from.as_ref()) || !params::month_ok(q.to.as_ref()) {
        return Err(warp::reject::custom(ApiError::InvalidQuery));
    }
    let (gate, caller) = (s.gate.clone(), c.clone());
    let scope = match tokio::task::spawn_blocking(move || gate.scope(&caller)).await {
        Ok(Ok(scope)) => scope,
        Ok(Err(e)) => return Err(warp::reject::custom(ApiError::from(&e))),
        Err(_) => return Err(warp::reject::custom(ApiError::Internal)),
    };
    let Some(frame) = crate::report::reach::figures_frame(&scope, q.station, q.from, q.to) else {
        let (gate, caller) = (s.gate.clone(), c.clone());
        let _ = tokio::task::spawn_blocking(move || {
            gate.denied(&caller, "inspection_stats", "statistics")
        })
        .await;
        return Err(warp::reject::custom(ApiError::Forbidden));
    };
    let today = chrono::NaiveDate::parse_from_str(&frame.today, "%Y-%m-%d")
        .unwrap_or_else(|_| crate::clock::today());
    let store = s.engine.store.clone();
    let rows = match tokio::task::spawn_blocking(move || {
        crate::report::inspections::facts(&*store, &frame)
    })
    .await
    {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "store read failed");
            return Err(warp::reject::custom(ApiError::Storage));
        }
        Err(_) => return Err(warp::reject::custom(ApiError::Internal)),
    };
    // A row the index wrote is the form's own JSON; one that does not read (written by a
    // later version, say) is left out rather than failing the whole answer.
    let facts: Vec<InspectionFacts> = rows
        .iter()
        .filter_map(|text| serde_json::from_str(text).ok())
        .filter(|f: &InspectionFacts| {
            q.campaign
                .as_deref()
                .is_none_or(|c| c.is_empty() || f.campaign == c)
        })
        .collect();
    Ok(json(
        &json!({ "stats": CampaignStats::build(&facts, today) }),
    ))
}
