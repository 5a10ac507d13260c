//! The HTTP face: warp filters by area ([`sync`], [`dossiers`], [`ops`], [`web`]), one
//! rejection handler that turns every failure into `{code, message}` from the error table.

pub mod dossiers;
pub mod ops;
pub mod sync;
pub mod web;

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use warp::{Filter, Rejection, Reply};

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
}

/// A filter handing out the state.
pub fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Every route.
pub fn routes(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    sync::routes(state.clone())
        .or(dossiers::routes(state.clone()))
        .unify()
        .or(ops::routes(state.clone()))
        .unify()
        .or(web::routes(state))
        .unify()
        .recover(handle_rejection)
        .unify()
        .with(warp::trace::request())
}

/// Turns a rejection into the JSON error body.
pub async fn handle_rejection(err: Rejection) -> Result<warp::reply::Response, Infallible> {
    let e = if let Some(e) = err.find::<ApiError>() {
        *e
    } else if err.is_not_found() {
        ApiError::NotFound
    } else if err.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::MethodNotAllowed
    } else if err.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::BodyTooLarge
    } else if err.find::<warp::reject::UnsupportedMediaType>().is_some() {
        ApiError::UnsupportedMediaType
    } else if err.find::<warp::reject::InvalidQuery>().is_some() {
        ApiError::InvalidQuery
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
