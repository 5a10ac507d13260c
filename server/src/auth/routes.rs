//! The HTTP face of accounts: the `authenticated` filter every protected route starts with,
//! `POST /v1/enrol` (a phone exchanges its one-time code for a credential), `GET /v1/me`,
//! `POST /v1/actors` (a device registers the actor ids it writes with), and the bureau
//! supervisor's admin API under `/v1/admin/` (people, roles, enrolment codes, devices,
//! revocation, the audit log and its export), limited to the supervisor's own bureau.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use abjuan_shared::access::Role;
use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection, Reply};

use super::{AuthError, Caller, Deny, Gate, Person};
use crate::audit::{AuditEvent, AuditFilter, AuditKind};
use crate::error::ApiError;

/// The client's address, put in each request's extensions by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// The header naming a client in open demo mode (and older clients' sync state).
pub const DEVICE_HEADER: &str = "x-abjuan-device";

/// How long enrolment codes issued over HTTP stay valid.
const ENROLMENT_TTL_MS: i64 = 72 * 3_600_000;

impl warp::reject::Reject for Deny {}

fn deny_reply(d: Deny) -> warp::reply::Response {
    crate::error::reply(ApiError::from(d))
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

/// Body of `POST /v1/admin/people`.
#[derive(Debug, Deserialize)]
pub struct NewPerson {
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

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn person_json(p: &Person) -> serde_json::Value {
    json!({"id": p.id, "name": p.name, "role": p.role, "station": p.station,
           "bureau": p.bureau, "disabled": p.disabled})
}

const BODY_LIMIT: u64 = 64 * 1024;

/// `/v1/enrol`, `/v1/me`, `/v1/actors` and `/v1/admin/…`.
pub fn routes(
    gate: Arc<Gate>,
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
        .map(|c: Caller| {
            warp::reply::json(&json!({
                "person": c.person, "name": c.name, "role": c.role, "station": c.station,
                "bureau": c.bureau, "device": c.device, "demo": c.demo,
            }))
            .into_response()
        });
    let actors = warp::path!("v1" / "actors")
        .and(warp::post())
        .and(authenticated(gate.clone()))
        .and(with_gate(gate.clone()))
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<ActorsRequest>())
        .and_then(|c: Caller, g: Arc<Gate>, req: ActorsRequest| async move {
            Ok::<_, Rejection>(register_actors(g, c, req).await)
        });
    enrol
        .or(me)
        .unify()
        .or(actors)
        .unify()
        .or(admin_routes(gate))
        .unify()
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
    if caller.demo {
        return warp::reply::json(&json!({ "registered": [] })).into_response();
    }
    if req.actors.len() > 64 {
        return account_reply(&AuthError::Invalid("too many actor ids"));
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

/// The supervisor of the caller's bureau, or 403 (recorded).
fn supervisor(gate: &Gate, caller: &Caller, what: &str) -> Result<(), Deny> {
    if caller.role == Role::BureauSupervisor && !caller.demo {
        Ok(())
    } else {
        gate.denied(caller, "admin", what);
        Err(Deny::Forbidden)
    }
}

/// Why an admin call failed.
#[derive(Debug)]
enum AdminFail {
    Deny(Deny),
    Account(AuthError),
}

impl AdminFail {
    fn reply(&self) -> warp::reply::Response {
        match self {
            AdminFail::Deny(d) => deny_reply(*d),
            AdminFail::Account(e) => account_reply(e),
        }
    }
}

/// The person, when they are of the caller's bureau.
fn bureau_person(gate: &Gate, caller: &Caller, id: &str) -> Result<Person, AuthError> {
    match gate.accounts.person(id)? {
        Some(p) if p.bureau == caller.bureau => Ok(p),
        _ => Err(AuthError::NotFound("person")),
    }
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    person: Option<String>,
}

#[allow(clippy::too_many_lines)]
fn admin_routes(
    gate: Arc<Gate>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let base = warp::path("v1")
        .and(warp::path("admin"))
        .and(authenticated(gate.clone()))
        .and(with_gate(gate));
    let stations = base
        .clone()
        .and(warp::path!("stations"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_stations", |g, c| {
                    Ok(json!({ "stations": g.accounts.stations(Some(&c.bureau))? }))
                })
                .await,
            )
        });
    let people = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_people", |g, c| {
                    let people: Vec<_> = g
                        .accounts
                        .people(Some(&c.bureau))?
                        .iter()
                        .map(person_json)
                        .collect();
                    Ok(json!({ "people": people }))
                })
                .await,
            )
        });
    let add_person = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::post())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<NewPerson>())
        .and_then(|c: Caller, g: Arc<Gate>, req: NewPerson| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "add_person", move |g, c| {
                    let role = Role::from_code(&req.role).ok_or(AuthError::Invalid("role"))?;
                    let p = Person {
                        id: req.id,
                        name: req.name,
                        role,
                        station: req.station,
                        bureau: c.bureau.clone(),
                        disabled: false,
                    };
                    g.accounts.add_person(&p, now_ms())?;
                    g.record(
                        AuditEvent::new(AuditKind::PersonAdded)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&p.id)
                            .detail(json!({"role": role.code(), "station": p.station})),
                    );
                    Ok(person_json(&p))
                })
                .await,
            )
        });
    let role = base
        .clone()
        .and(warp::path!("people" / String / "role"))
        .and(warp::post())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<RoleChange>())
        .and_then(
            |c: Caller, g: Arc<Gate>, id: String, req: RoleChange| async move {
                Ok::<_, Rejection>(
                    admin_call(g, c, "change_role", move |g, c| {
                        let role = Role::from_code(&req.role).ok_or(AuthError::Invalid("role"))?;
                        bureau_person(g, c, &id)?;
                        let before = g.accounts.set_role(&id, role, req.station.as_deref())?;
                        g.record(
                            AuditEvent::new(AuditKind::RoleChanged)
                                .by(&c.person, Some(&c.device))
                                .bureau(&c.bureau)
                                .subject(&id)
                                .detail(json!({
                                    "from": {"role": before.role.code(), "station": before.station},
                                    "to": {"role": role.code(), "station": req.station},
                                })),
                        );
                        Ok(json!({ "id": id, "role": role.code(), "station": req.station }))
                    })
                    .await,
                )
            },
        );
    let enrolment = base
        .clone()
        .and(warp::path!("people" / String / "enrolment"))
        .and(warp::post())
        .and_then(|c: Caller, g: Arc<Gate>, id: String| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "issue_enrolment", move |g, c| {
                    bureau_person(g, c, &id)?;
                    let code = g
                        .accounts
                        .issue_enrolment(&id, now_ms(), ENROLMENT_TTL_MS)?;
                    g.record(
                        AuditEvent::new(AuditKind::EnrolmentIssued)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&id),
                    );
                    Ok(json!({ "person": id, "code": code.code, "expiresAt": code.expires_at }))
                })
                .await,
            )
        });
    let devices = base
        .clone()
        .and(warp::path!("devices"))
        .and(warp::get())
        .and(warp::query::<DevicesQuery>())
        .and_then(|c: Caller, g: Arc<Gate>, q: DevicesQuery| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_devices", move |g, c| {
                    let people: Vec<String> = match q.person {
                        Some(p) => vec![bureau_person(g, c, &p)?.id],
                        None => g
                            .accounts
                            .people(Some(&c.bureau))?
                            .into_iter()
                            .map(|p| p.id)
                            .collect(),
                    };
                    let mut out = Vec::new();
                    for p in people {
                        out.extend(g.accounts.devices(Some(&p))?);
                    }
                    Ok(json!({ "devices": out }))
                })
                .await,
            )
        });
    let revoke = base
        .clone()
        .and(warp::path!("devices" / String / "revoke"))
        .and(warp::post())
        .and_then(|c: Caller, g: Arc<Gate>, id: String| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "revoke_device", move |g, c| {
                    let device = g
                        .accounts
                        .device(&id)?
                        .ok_or(AuthError::NotFound("device"))?;
                    bureau_person(g, c, &device.person)?;
                    let d = g.accounts.revoke_device(&id, now_ms())?;
                    g.record(
                        AuditEvent::new(AuditKind::DeviceRevoked)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&id)
                            .detail(json!({"person": d.person})),
                    );
                    Ok(json!({ "device": d }))
                })
                .await,
            )
        });
    let audit = base
        .clone()
        .and(warp::path!("audit"))
        .and(warp::get())
        .and(warp::query::<AuditFilter>())
        .and_then(|c: Caller, g: Arc<Gate>, mut f: AuditFilter| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "read_audit", move |g, c| {
                    f.bureau = Some(c.bureau.clone());
                    let rows = g
                        .audit
                        .read(&f)
                        .map_err(|e| AuthError::Storage(e.to_string()))?;
                    Ok(json!({ "rows": rows }))
                })
                .await,
            )
        });
    let verify = base
        .clone()
        .and(warp::path!("audit" / "verify"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "verify_audit", |g, _| {
                    let check = g
                        .audit
                        .verify()
                        .map_err(|e| AuthError::Storage(e.to_string()))?;
                    Ok(json!(check))
                })
                .await,
            )
        });
    let export = base
        .and(warp::path!("audit" / "export"))
        .and(warp::get())
        .and_then(
            |c: Caller, g: Arc<Gate>| async move { Ok::<_, Rejection>(export_audit(g, c).await) },
        );
    stations
        .or(people)
        .unify()
        .or(add_person)
        .unify()
        .or(role)
        .unify()
        .or(enrolment)
        .unify()
        .or(devices)
        .unify()
        .or(revoke)
        .unify()
        .or(verify)
        .unify()
        .or(audit)
        .unify()
        .or(export)
        .unify()
}

async fn admin_call(
    gate: Arc<Gate>,
    caller: Caller,
    what: &'static str,
    f: impl FnOnce(&Gate, &Caller) -> Result<serde_json::Value, AuthError> + Send + 'static,
) -> warp::reply::Response {
    let result = blocking(move || {
        supervisor(&gate, &caller, what).map_err(AdminFail::Deny)?;
        f(&gate, &caller).map_err(AdminFail::Account)
    })
    .await;
    match result {
        Ok(Ok(v)) => warp::reply::json(&v).into_response(),
        Ok(Err(fail)) => fail.reply(),
        Err(d) => deny_reply(d),
    }
}

async fn export_audit(gate: Arc<Gate>, caller: Caller) -> warp::reply::Response {
    let result = blocking(move || {
        supervisor(&gate, &caller, "export_audit")?;
        let mut out = Vec::new();
        let filter = AuditFilter {
            bureau: Some(caller.bureau.clone()),
            ..AuditFilter::default()
        };
        let n = gate.audit.export_jsonl(&filter, &mut out).map_err(|e| {
            tracing::error!(error = %e, "audit export failed");
            Deny::Storage
        })?;
        gate.record(
            AuditEvent::new(AuditKind::Export)
                .by(&caller.person, Some(&caller.device))
                .bureau(&caller.bureau)
                .detail(json!({"what": "audit", "rows": n})),
        );
        Ok(out)
    })
    .await;
    match result.and_then(|r| r) {
        Ok(body) => {
            warp::reply::with_header(body, "content-type", "application/x-ndjson").into_response()
        }
        Err(d) => deny_reply(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::{self, add_person, add_units};

    fn gate() -> (tempfile::TempDir, Arc<Gate>) {
        let (dir, g) = testing::gate(false);
        add_units(&g, &[("puzhou", "蒲州")]);
        add_person(&g, "sup", Role::BureauSupervisor, None);
        add_person(&g, "wang", Role::Officer, Some("puzhou"));
        (dir, Arc::new(g))
    }

    async fn enrol_over_http(g: &Arc<Gate>, person: &str) -> String {
        let code = g
            .accounts
            .issue_enrolment(person, now_ms(), 60_000)
            .expect("code");
        let resp = warp::test::request()
            .method("POST")
            .path("/v1/enrol")
            .json(&json!({"code": code.code, "label": "测试手机"}))
            .reply(&routes(g.clone()))
            .await;
        assert_eq!(resp.status(), 200, "{:?}", resp.body());
        let v: serde_json::Value = serde_json::from_slice(resp.body()).expect("json");
        let again = warp::test::request()
            .method("POST")
            .path("/v1/enrol")
            .json(&json!({"code": code.code}))
            .reply(&routes(g.clone()))
            .await;
        assert_eq!(again.status(), 401, "a code works once");
        v["token"].as_str().expect("token").to_owned()
    }

    #[tokio::test]
    async fn enrol_then_me_and_the_supervisor_admin_api() {
        let (_d, g) = gate();
        let r = routes(g.clone()).recover(crate::http::handle_rejection);
        let sup = enrol_over_http(&g, "sup").await;
        let wang = enrol_over_http(&g, "wang").await;
        let me = warp::test::request()
            .path("/v1/me")
            .header("authorization", format!("Bearer {wang}"))
            .reply(&r)
            .await;
        assert_eq!(me.status(), 200);
        assert!(String::from_utf8_lossy(me.body()).contains("\"officer\""));
        let anon = warp::test::request().path("/v1/me").reply(&r).await;
        assert_eq!(anon.status(), 401);
        let people = warp::test::request()
            .path("/v1/admin/people")
            .header("authorization", format!("Bearer {sup}"))
            .reply(&r)
            .await;
        assert_eq!(people.status(), 200);
        let officer_tries = warp::test::request()
            .path("/v1/admin/people")
            .header("authorization", format!("Bearer {wang}"))
            .reply(&r)
            .await;
        assert_eq!(officer_tries.status(), 403);
        let devices = g.accounts.devices(Some("wang")).expect("devices");
        let revoke = warp::test::request()
            .method("POST")
            .path(&format!("/v1/admin/devices/{}/revoke", devices[0].id))
            .header("authorization", format!("Bearer {sup}"))
            .reply(&r)
            .await;
        assert_eq!(revoke.status(), 200);
        let after = warp::test::request()
            .path("/v1/me")
            .header("authorization", format!("Bearer {wang}"))
            .reply(&r)
            .await;
        assert_eq!(after.status(), 401, "revoked on the next request");
        let export = warp::test::request()
            .path("/v1/admin/audit/export")
            .header("authorization", format!("Bearer {sup}"))
            .reply(&r)
            .await;
        assert_eq!(export.status(), 200);
        let text = String::from_utf8_lossy(export.body()).to_string();
        assert!(text.contains("device_enrolled") && text.contains("device_revoked"));
        assert!(text.contains("access_denied"));
        assert!(!text.contains("abjd_"), "no credential in the log");
    }
}
