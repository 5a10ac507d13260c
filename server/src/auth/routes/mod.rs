//! The HTTP face of a device's account: the `authenticated` filter every protected route
//! starts with, `POST /v1/enrol` (a phone exchanges its one-time code for a credential),
//! `GET /v1/me` (who the credential is, and their bureau's current rule-set version),
//! `POST /v1/actors` (a device registers the actor ids it writes with). The
//! bureau supervisor's admin API is [`crate::admin::routes`].

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection, Reply};

use super::{AuthError, Caller, Deny, Gate, Person};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::rules::RuleBook;

#[cfg(test)]
mod tests;

/// The client's address, put in each request's extensions by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// The header naming a client in open demo mode (and older clients' sync state).
pub const DEVICE_HEADER: &str = "x-abjuan-device";

impl warp::reject::Reject for Deny {}

fn deny_reply(d: Deny) -> warp::reply::Response {
    crate::error::reply_deny(d)
}

fn account_reply(e: &AuthError) -> warp::reply::Response {
    crate::error::reply(ApiError::from(e))
}

/// The client's address: the server loop's extension, else warp's own.
pub fn client_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<ClientAddr>()
        .and(warp::addr::remote())
        .map(|a: Option<ClientAddr>, r: Option<SocketAddr>| a.map(|c| c.0).or(r))
}

fn with_gate(gate: Arc<Gate>) -> impl Filter<Extract = (Arc<Gate>,), Error = Infallible> + Clone {
    warp::any().map(move || gate.clone())
}

/// Runs a blocking account call off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Deny> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Deny::Storage)
}

/// The authenticated caller, or a rejection (401, 429).
pub fn authenticated(
    gate: Arc<Gate>,
) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone {
    with_gate(gate)
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::header::optional::<String>(DEVICE_HEADER))
        .and(client_addr())
        .and_then(
            |gate: Arc<Gate>,
             auth: Option<String>,
             device: Option<String>,
             addr: Option<SocketAddr>| async move {
                let client = device
                    .as_deref()
                    .map(str::trim)
                    .filter(|d| {
                        !d.is_empty() && d.len() <= 128 && d.chars().all(|c| c.is_ascii_graphic())
                    })
                    .unwrap_or("anonymous")
                    .to_owned();
                let result = blocking(move || gate.authenticate(auth.as_deref(), addr, &client))
                    .await
                    .and_then(|r| r);
                result.map_err(warp::reject::custom)
            },
        )
}

/// Body of `POST /v1/enrol`.
#[derive(Debug, Deserialize)]
pub struct EnrolRequest {
    /// The one-time code (`abje_…`).
    pub code: String,
    /// What to call the device.
    #[serde(default)]
    pub label: Option<String>,
}

/// Body of `POST /v1/actors`.
#[derive(Debug, Deserialize)]
pub struct ActorsRequest {
    /// Hex actor ids.
    pub actors: Vec<String>,
}

fn person_json(p: &Person) -> serde_json::Value {
    json!({"id": p.id, "name": p.name, "role": p.role, "station": p.station,
           "bureau": p.bureau, "disabled": p.disabled})
}

const BODY_LIMIT: u64 = 64 * 1024;

/// What `GET /v1/me` answers: who the credential is, and which version of their bureau's
/// warning rule set is current (`ruleSet: {bureau, version}`; `null` when the bureau has none,
/// and for roles that may not fetch rule sets: see [`crate::rules::routes`]), so the phone
/// fetches a new version when it sees one.
fn me_json(c: &Caller, rules: &RuleBook) -> serde_json::Value {
    let rule_set = c
        .role
        .sees_volume_b()
        .then(|| rules.current(&c.bureau))
        .flatten()
        .map(|set| set.id());
    json!({
        "person": c.person, "name": c.name, "role": c.role, "station": c.station,
        "bureau": c.bureau, "device": c.device, "demo": c.demo, "ruleSet": rule_set,
    })
}

/// `/v1/enrol`, `/v1/me`, `/v1/actors`.
pub fn routes(
    gate: Arc<Gate>,
    rules: Arc<RuleBook>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let enrol = warp::path!("v1" / "enrol")
        .and(warp::post())
        .and(with_gate(gate.clone()))
        .and(client_addr())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<EnrolRequest>())
        .and_then(
            |g: Arc<Gate>, addr: Option<SocketAddr>, req: EnrolRequest| async move {
                Ok::<_, Rejection>(enrol(g, addr, req).await)
            },
        );
    let me = warp::path!("v1" / "me")
        .and(warp::get())
        .and(authenticated(gate.clone()))
        .map(move |c: Caller| warp::reply::json(&me_json(&c, &rules)).into_response());
    let actors = warp::path!("v1" / "actors")
        .and(warp::post())
        .and(authenticated(gate.clone()))
        .and(with_gate(gate.clone()))
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<ActorsRequest>())
        .and_then(|c: Caller, g: Arc<Gate>, req: ActorsRequest| async move {
            Ok::<_, Rejection>(register_actors(g, c, req).await)
        });
    enrol.or(me).unify().or(actors).unify()
}

async fn enrol(
    gate: Arc<Gate>,
    addr: Option<SocketAddr>,
    req: EnrolRequest,
) -> warp::reply::Response {
    if !gate.may_try(addr) {
        return deny_reply(Deny::RateLimited(std::time::Duration::from_secs(5)));
    }
    let label = req.label.unwrap_or_else(|| "phone".into());
    let g = gate.clone();
    let result = blocking(move || {
        let cred = g.accounts.enrol(&req.code, &label, now_ms())?;
        let person = g
            .accounts
            .person(&cred.device.person)?
            .ok_or(AuthError::NotFound("person"))?;
        Ok::<_, AuthError>((cred, person))
    })
    .await;
    match result {
        Ok(Ok((cred, person))) => {
            gate.record(
                AuditEvent::new(AuditKind::DeviceEnrolled)
                    .by(&person.id, Some(&cred.device.id))
                    .bureau(&person.bureau)
                    .subject(&cred.device.id)
                    .detail(json!({"label": cred.device.label,
                                   "from": addr.map(|a| a.ip().to_string())})),
            );
            warp::reply::json(&json!({
                "device": cred.device.id,
                "token": cred.token,
                "person": person_json(&person),
            }))
            .into_response()
        }
        Ok(Err(e)) => {
            if matches!(e, AuthError::InvalidEnrolment) {
                gate.record(
                    AuditEvent::new(AuditKind::EnrolmentRefused)
                        .detail(json!({"from": addr.map(|a| a.ip().to_string())})),
                );
                if let Err(d) = gate.count_failure(addr) {
                    return deny_reply(d);
                }
            }
            account_reply(&e)
        }
        Err(d) => deny_reply(d),
    }
}

async fn register_actors(
    gate: Arc<Gate>,
    caller: Caller,
    req: ActorsRequest,
) -> warp::reply::Response {
    if req.actors.len() > 64 {
        return account_reply(&AuthError::Invalid("too many actor ids"));
    }
    // The same answer to a malformed id in demo mode as with accounts.
    let hex = |a: &String| {
        (2..=128).contains(&a.len())
            && a.len().is_multiple_of(2)
            && a.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !req.actors.iter().all(hex) {
        return account_reply(&AuthError::Invalid("actor id: lowercase hex"));
    }
    if caller.demo {
        return warp::reply::json(&json!({ "registered": [] })).into_response();
    }
    let result = blocking(move || match gate.check_authorship(&caller, &req.actors) {
        Ok(()) => Ok(req.actors),
        Err(actor) => {
            gate.refused(&caller, &actor, "-", "actor_taken");
            Err(AuthError::ActorTaken)
        }
    })
    .await;
    match result {
        Ok(Ok(actors)) => warp::reply::json(&json!({ "registered": actors })).into_response(),
        Ok(Err(e)) => account_reply(&e),
        Err(d) => deny_reply(d),
    }
}
