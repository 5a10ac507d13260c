//! The admin API under `/v1/admin/`: the HTTP face of the admin service ([`super::Admin`]) for
//! a bureau supervisor, confined to their own bureau: stations, people, roles, enrolment
//! codes, devices and revocation, the audit log (rows, export, chain check), and the bureau's
//! warning rule sets ([`rules`]). Each route reads
//! its body, calls one service method as [`Operator::Caller`] on a blocking thread, and turns
//! the result into JSON or an error of the one table (`crate::error`).

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use warp::{Filter, Rejection, Reply};

use super::{Admin, AdminError, NewPerson, Operator};
use crate::audit::AuditFilter;
use crate::auth::routes::authenticated;
use crate::auth::{Caller, Gate};
use crate::error::ApiError;

mod rules;
#[cfg(test)]
mod tests;

/// How long enrolment codes issued over HTTP stay valid.
const ENROLMENT_TTL_MS: i64 = 72 * 3_600_000;

const BODY_LIMIT: u64 = 64 * 1024;

/// Body of `POST /v1/admin/people`.
#[derive(Debug, Deserialize)]
pub struct NewPersonBody {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Station (of the supervisor's bureau).
    #[serde(default)]
    pub station: Option<String>,
}

/// Body of `POST /v1/admin/people/{id}/role`.
#[derive(Debug, Deserialize)]
pub struct RoleChange {
    /// Role code.
    pub role: String,
    /// Station afterwards.
    #[serde(default)]
    pub station: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    person: Option<String>,
}

/// A service call's outcome as a response.
fn reply(result: Result<Value, AdminError>) -> warp::reply::Response {
    match result {
        Ok(v) => warp::reply::json(&v).into_response(),
        Err(e) => crate::error::reply_with_detail(ApiError::from(&e), e.detail()),
    }
}

/// Runs `f` with the service and the caller on a blocking thread.
async fn call(
    admin: Arc<Admin>,
    caller: Caller,
    f: impl FnOnce(&Admin, Operator<'_>) -> Result<Value, AdminError> + Send + 'static,
) -> warp::reply::Response {
    match tokio::task::spawn_blocking(move || f(&admin, Operator::Caller(&caller))).await {
        Ok(result) => reply(result),
        Err(_) => crate::error::reply(ApiError::Internal),
    }
}

fn json_body<T: DeserializeOwned + Send>() -> impl Filter<Extract = (T,), Error = Rejection> + Clone
{
    warp::body::content_length_limit(BODY_LIMIT).and(warp::body::json::<T>())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, AdminError> {
    serde_json::to_value(v).map_err(|e| crate::auth::AuthError::Storage(e.to_string()).into())
}

/// The admin routes: the caller authenticated through `gate`, the work done by `admin`.
#[allow(clippy::too_many_lines)]
pub fn routes(
    admin: Arc<Admin>,
    gate: Arc<Gate>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let base = warp::path("v1")
        .and(warp::path("admin"))
        .and(authenticated(gate))
        .and(warp::any().map(move || admin.clone()));
    let stations = base
        .clone()
        .and(warp::path!("stations"))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>| {
            call(a, c, |a, op| {
                Ok(json!({ "stations": a.stations(op, None)? }))
            })
        });
    let people = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>| {
            call(a, c, |a, op| Ok(json!({ "people": a.people(op, None)? })))
        });
    let add_person = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::post())
        .and(json_body::<NewPersonBody>())
        .then(|c: Caller, a: Arc<Admin>, req: NewPersonBody| {
            call(a, c, move |a, op| {
                let p = a.add_person(
                    op,
                    NewPerson {
                        id: req.id,
                        name: req.name,
                        role: req.role,
                        station: req.station,
                        bureau: None,
                    },
                )?;
                to_json(&p)
            })
        });
    let role = base
        .clone()
        .and(warp::path!("people" / String / "role"))
        .and(warp::post())
        .and(json_body::<RoleChange>())
        .then(|c: Caller, a: Arc<Admin>, id: String, req: RoleChange| {
            call(a, c, move |a, op| {
                let (_, role) = a.set_role(op, &id, &req.role, req.station.as_deref())?;
                Ok(json!({ "id": id, "role": role.code(), "station": req.station }))
            })
        });
    let enrolment = base
        .clone()
        .and(warp::path!("people" / String / "enrolment"))
        .and(warp::post())
        .then(|c: Caller, a: Arc<Admin>, id: String| {
            call(a, c, move |a, op| {
                let code = a.issue_enrolment(op, &id, ENROLMENT_TTL_MS)?;
                Ok(json!({ "person": id, "code": code.code, "expiresAt": code.expires_at }))
            })
        });
    let devices = base
        .clone()
        .and(warp::path!("devices"))
        .and(warp::get())
        .and(warp::query::<DevicesQuery>())
        .then(|c: Caller, a: Arc<Admin>, q: DevicesQuery| {
            call(a, c, move |a, op| {
                Ok(json!({ "devices": a.devices(op, q.person.as_deref())? }))
            })
        });
    let revoke = base
        .clone()
        .and(warp::path!("devices" / String / "revoke"))
        .and(warp::post())
        .then(|c: Caller, a: Arc<Admin>, id: String| {
            call(a, c, move |a, op| {
                Ok(json!({ "device": a.revoke_device(op, &id)? }))
            })
        });
    let audit = base
        .clone()
        .and(warp::path!("audit"))
        .and(warp::get())
        .and(warp::query::<AuditFilter>())
        .then(|c: Caller, a: Arc<Admin>, f: AuditFilter| {
            call(a, c, move |a, op| {
                Ok(json!({ "rows": a.audit_rows(op, f)? }))
            })
        });
    let verify = base
        .clone()
        .and(warp::path!("audit" / "verify"))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>| call(a, c, |a, op| to_json(&a.verify_audit(op)?)));
    let rules = rules::routes(base.clone());
    let export = base
        .and(warp::path!("audit" / "export"))
        .and(warp::get())
        .then(|c: Caller, a: Arc<Admin>| export_audit(a, c));
    crate::http::any_of(
        stations.boxed(),
        [
            people.boxed(),
            add_person.boxed(),
            role.boxed(),
            enrolment.boxed(),
            devices.boxed(),
            revoke.boxed(),
            verify.boxed(),
            audit.boxed(),
            export.boxed(),
            rules.boxed(),
        ],
    )
}

/// `GET /v1/admin/audit/export`: the bureau's rows as JSON lines.
async fn export_audit(admin: Arc<Admin>, caller: Caller) -> warp::reply::Response {
    let result = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        admin
            .export_audit(Operator::Caller(&caller), None, &mut out)
            .map(|_| out)
    })
    .await;
    match result {
        Ok(Ok(body)) => {
            warp::reply::with_header(body, "content-type", "application/x-ndjson").into_response()
        }
        Ok(Err(e)) => crate::error::reply(ApiError::from(&e)),
        Err(_) => crate::error::reply(ApiError::Internal),
    }
}
