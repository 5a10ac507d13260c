//! The HTTP face: warp filters by area ([`sync`], [`dossiers`], [`stations`], [`report`],
//! [`ops`], [`web`], the API page [`api_page`], the contract behind `/openapi.json` and 405 in
//! [`contract`], accounts in [`crate::auth::routes`], administration in
//! [`crate::admin::routes`], rule sets in [`crate::rules::routes`], attachments in
//! [`crate::blobs::routes`]), one rejection handler that turns every failure into
//! `{code, message}` from the error table.

pub mod api_page;
pub mod contract;
pub mod cors;
pub mod dossiers;
pub mod inspections;
pub mod ops;
pub mod params;
pub mod report;
pub mod stations;
pub mod sync;
pub mod web;

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use warp::filters::BoxedFilter;
use warp::http::{HeaderMap, Method};
use warp::{Filter, Rejection, Reply};

use crate::auth::{Deny, Gate};
use crate::error::{self, ApiError};
use crate::sync::Engine;

/// Everything the routes need.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The sync engine (store, cache, metrics).
    pub engine: Arc<Engine>,
    /// Largest request body, in bytes (compressed and uncompressed).
    pub max_body_bytes: usize,
    /// Request timeout.
    pub timeout: Duration,
    /// Directory served at `/web/`.
    pub web_dir: PathBuf,
    /// Directory served at `/pkg/`.
    pub pkg_dir: PathBuf,
    /// Who is calling and what they may do.
    pub gate: Arc<Gate>,
    /// The admin service (the admin API, dossier shares).
    pub admin: Arc<crate::admin::Admin>,
    /// Every bureau's current warning rule set (`/v1/me`, `/v1/rules`, grading).
    pub rules: Arc<crate::rules::RuleBook>,
    /// Origins whose pages may call the server (CORS); none by default.
    pub cors: cors::AllowedOrigins,
    /// Attachment bytes (`/v1/blobs/…`, the sync reply's blob lists).
    pub blobs: Arc<crate::blobs::Blobs>,
}

/// A filter handing out the state.
pub fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Every route; CORS headers added for the listed origins.
pub fn routes(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let allowed = state.cors.clone();
    let admin = state.admin.clone();
    // Each area's filter boxed: the composed type stays shallow. Unboxed, the nested `Or`s
    // made rustc's monomorphization walk take three quarters of this crate's compile time
    // (215 of 286 s in a dev build, measured with `-Z time-passes`).
    let areas: [BoxedFilter<(warp::reply::Response,)>; 13] = [
        contract::method_guard().boxed(),
        sync::routes(state.clone()).boxed(),
        crate::auth::routes::routes(state.gate.clone(), state.rules.clone()).boxed(),
        crate::admin::routes::routes(admin, state.gate.clone()).boxed(),
        crate::rules::routes::routes(state.rules.clone(), state.gate.clone()).boxed(),
        crate::blobs::routes::routes(state.blobs.clone(), state.gate.clone()).boxed(),
        dossiers::routes(state.clone()).boxed(),
        inspections::routes(state.clone()).boxed(),
        stations::routes(state.clone()).boxed(),
        report::routes(state.clone()).boxed(),
        ops::routes(state.clone()).boxed(),
        api_page::routes(state.clone()).boxed(),
        web::routes(state).boxed(),
    ];
    let inner = any_of(cors::preflight().boxed(), areas)
        .recover(handle_rejection)
        .unify();
    warp::method()
        .and(warp::header::headers_cloned())
        .and(inner)
        .map(
            move |method: Method, headers: HeaderMap, mut resp: warp::reply::Response| {
                allowed.decorate(&method, &headers, &mut resp);
                resp
            },
        )
        .with(warp::trace::request())
}

/// `first`, else each of `rest` in order: every filter boxed, so that a long chain of routes
/// keeps a shallow type (see [`routes`]).
pub fn any_of(
    first: BoxedFilter<(warp::reply::Response,)>,
    rest: impl IntoIterator<Item = BoxedFilter<(warp::reply::Response,)>>,
) -> BoxedFilter<(warp::reply::Response,)> {
    rest.into_iter()
        .fold(first, |all, next| all.or(next).unify().boxed())
}

/// Turns a rejection into the JSON error body.
pub async fn handle_rejection(err: Rejection) -> Result<warp::reply::Response, Infallible> {
    if let Some(d) = err.find::<Deny>() {
        return Ok(error::reply_deny(*d));
    }
    let e = if let Some(e) = err.find::<ApiError>() {
        *e
    } else if err.is_not_found() {
        ApiError::NotFound
    } else if err.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::BodyTooLarge
    } else if err.find::<warp::reject::UnsupportedMediaType>().is_some() {
        ApiError::UnsupportedMediaType
    } else if err.find::<warp::reject::InvalidQuery>().is_some() {
        ApiError::InvalidQuery
    } else if err.find::<warp::reject::LengthRequired>().is_some()
        || err.find::<warp::body::BodyDeserializeError>().is_some()
    {
        ApiError::BadRequest
    } else if err.find::<warp::reject::MethodNotAllowed>().is_some() {
        // Known paths with an undeclared method are answered by `contract::method_guard`
        // (405 with Allow); a method refused here is on a path the API does not have.
        ApiError::NotFound
    } else {
        tracing::debug!(?err, "unhandled rejection");
        ApiError::BadRequest
    };
    Ok(error::reply(e))
}

/// A JSON reply.
pub fn json<T: serde::Serialize>(value: &T) -> warp::reply::Response {
    warp::reply::json(value).into_response()
}
